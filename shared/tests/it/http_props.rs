//! Property test: no request, however malformed, makes the verifier panic or answer
//! with anything but the documented 4xx refusals.

use callflow::http::WebhookVerifier;
use callflow::webhook::{StatusCallback, VoiceRequest};
use lambda_http::http::{HeaderValue, Method, Request, StatusCode};
use lambda_http::Body;
use proptest::prelude::*;

fn method() -> impl Strategy<Value = Method> {
    prop::sample::select(vec![
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::HEAD,
        Method::DELETE,
    ])
}

fn header_value() -> impl Strategy<Value = Option<HeaderValue>> {
    prop::option::of(prop::collection::vec(any::<u8>(), 0..40))
        .prop_map(|v| v.and_then(|bytes| HeaderValue::from_bytes(&bytes).ok()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn verifier_answers_every_request_with_a_4xx_or_success(
        method in method(),
        path in "/[a-zA-Z0-9/%._~-]{0,20}(\\?[a-zA-Z0-9=&%+._~-]{0,20})?",
        content_type in prop_oneof![
            Just(Some(HeaderValue::from_static("application/x-www-form-urlencoded"))),
            Just(Some(HeaderValue::from_static("application/json"))),
            header_value(),
        ],
        signature in header_value(),
        settings in header_value(),
        length in header_value(),
        auth in header_value(),
        body in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut req = Request::new(Body::Binary(body));
        *req.method_mut() = method;
        *req.uri_mut() = path.parse().expect("the strategy makes valid paths");
        for (name, value) in [
            ("content-type", content_type),
            ("x-twilio-signature", signature),
            ("x-twilio-webhooks-signature-settings", settings),
            ("content-length", length),
            ("authorization", auth),
        ] {
            if let Some(value) = value {
                req.headers_mut().insert(name, value);
            }
        }
        let allowed = [
            StatusCode::BAD_REQUEST,
            StatusCode::UNAUTHORIZED,
            StatusCode::FORBIDDEN,
            StatusCode::METHOD_NOT_ALLOWED,
            StatusCode::PAYLOAD_TOO_LARGE,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ];
        let secure = WebhookVerifier::new("token", "https://example.com/base".parse().expect("url"));
        let insecure = WebhookVerifier::insecure_no_signature();
        for v in [&secure, &insecure] {
            let results = [
                v.verify_form(&req).map(|_| ()),
                v.verify_form(&req)
                    .and_then(|form| Ok(VoiceRequest::from_form(&form)?))
                    .map(|_| ()),
                v.verify_form(&req)
                    .and_then(|form| Ok(StatusCallback::from_form(&form)?))
                    .map(|_| ()),
                v.verify_json(&req).map(|_| ()),
                v.authorize_read(&req, Some("tok")).map(|_| ()),
                v.authorize_read(&req, None).map(|_| ()),
            ];
            for r in results {
                if let Err(e) = r {
                    prop_assert!(allowed.contains(&e.status), "{e}");
                    let response = e.into_response();
                    prop_assert!(serde_json::from_slice::<serde_json::Value>(response.body().as_ref()).is_ok());
                }
            }
        }
    }
}
