//! `get-call-state`: a call's state as JSON, for agent screens, CRMs and tests.
//!
//! `GET ?CallSid=CA…` authorised by `Authorization: Bearer <CALLFLOW_API_TOKEN>` or a
//! valid `X-Twilio-Signature` over the URL; or a signed Twilio-style `POST` form with
//! `CallSid`. Answers 200 with the state, 404 when there is none, 400 for a malformed
//! CallSid, 401/403 without valid authorisation, 405 for other methods.

use callflow::http::{self as web, ErrorResponse};
use callflow::runtime::{Answer, Function, Services};
use callflow::sync::SyncError;
use callflow::webhook::{is_sid_like, Form};
use lambda_http::http::{Method, StatusCode};
use lambda_http::Request;

/// The function: deployed at `/get-call-state`.
pub const FUNCTION: Function = Function {
    path: "/get-call-state",
    methods: &[Method::GET, Method::POST],
    summary: "call state as JSON (?CallSid=CA…)",
    handler: |services, req| Box::pin(async move { handle(services, &req).await }),
};

async fn handle(services: &Services, req: &Request) -> Answer {
    let params = match *req.method() {
        Method::GET | Method::HEAD => {
            services
                .verifier
                .authorize_read(req, services.api_token())?;
            Form::parse(req.uri().query().unwrap_or_default().as_bytes())?
        }
        Method::POST => services.verifier.verify_form(req)?,
        ref other => return Err(ErrorResponse::method_not_allowed(other, FUNCTION.methods)),
    };
    let call_sid = params
        .get("CallSid")
        .filter(|sid| !sid.is_empty())
        .ok_or_else(|| ErrorResponse::bad_request("required parameter CallSid is missing"))?;
    if !is_sid_like(call_sid, "CA") {
        return Err(ErrorResponse::bad_request(format!(
            "CallSid {call_sid:?} is not a call SID (CA followed by letters and digits)"
        )));
    }
    match services.call_states.get(call_sid).await {
        Ok(state) => Ok(web::json(StatusCode::OK, &state)),
        Err(SyncError::NotFound(_)) => Err(ErrorResponse::not_found(format!(
            "no call state for {call_sid} (unknown call, or expired)"
        ))),
        Err(other) => Err(other.into()),
    }
}
