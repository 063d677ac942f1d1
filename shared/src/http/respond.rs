//! The responses a handler answers with: TwiML, JSON, or nothing. Refusals are
//! [`ErrorResponse`](super::ErrorResponse)s.

use std::borrow::Borrow;

use lambda_http::http::header::{HeaderValue, CONTENT_TYPE};
use lambda_http::http::{Response, StatusCode};
use lambda_http::Body;
use serde::Serialize;

use crate::twiml::VoiceResponse;

/// 200 `text/xml` with the document (XML declaration included).
pub fn twiml(doc: impl Borrow<VoiceResponse>) -> Response<Body> {
    let mut response = Response::new(Body::from(doc.borrow().to_xml()));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    response
}

/// `application/json` with `status`. A value that cannot be serialised (a map with
/// non-string keys, a failing `Serialize` impl) gives a 500 error body instead.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(bytes) => {
            let mut response = Response::new(Body::from(bytes));
            *response.status_mut() = status;
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "response body could not be serialised");
            let mut response = Response::new(Body::from(
                r#"{"code":20500,"message":"response could not be serialised","more_info":"https://www.twilio.com/docs/errors/20500","status":500}"#,
            ));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
    }
}

/// An empty response with `status` (e.g. 204 for status callbacks, whose body Twilio
/// ignores).
pub fn empty(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = status;
    response
}
