//! `presence-heartbeat`: agents' apps say who is online; anyone authorised asks who is.
//!
//! `POST` (form or JSON) `identity`, `status` (online, away, offline), optional `device`:
//! sets map item `identity` in `user-presence` with the presence TTL, creating the map
//! and the item as needed; `offline` removes the item. `GET` lists everyone present,
//! paging through the whole map. Authorised like `get-call-state`: a bearer token
//! (`CALLFLOW_API_TOKEN`) or a valid Twilio signature (form, or JSON with `bodySHA256`).

use callflow::http::{self as web, ErrorResponse, FORM_CONTENT_TYPE, MAX_BODY_BYTES};
use callflow::presence::{BeatOutcome, RawBeat};
use callflow::runtime::{Answer, Function, Services};
use callflow::timestamp::Timestamp;
use callflow::webhook::Form;
use lambda_http::http::header::{AUTHORIZATION, CONTENT_TYPE};
use lambda_http::http::{Method, StatusCode};
use lambda_http::Request;
use serde_json::json;

/// The function: deployed at `/presence-heartbeat`.
pub const FUNCTION: Function = Function {
    path: "/presence-heartbeat",
    methods: &[Method::GET, Method::POST],
    summary: "presence beat (POST); who is present (GET)",
    handler: |services, req| Box::pin(async move { handle(services, &req).await }),
};

async fn handle(services: &Services, req: &Request) -> Answer {
    match *req.method() {
        Method::GET | Method::HEAD => list(services, req).await,
        Method::POST => beat(services, req).await,
        ref other => Err(ErrorResponse::method_not_allowed(other, FUNCTION.methods)),
    }
}

async fn list(services: &Services, req: &Request) -> Answer {
    services
        .verifier
        .authorize_read(req, services.api_token())?;
    let present = services.presence.list().await?;
    Ok(web::json(
        StatusCode::OK,
        &json!({ "count": present.len(), "present": present }),
    ))
}

async fn beat(services: &Services, req: &Request) -> Answer {
    let raw = read_beat(services, req)?;
    let beat = raw
        .validate()
        .map_err(|e| ErrorResponse::bad_request(e.to_string()))?;
    let outcome = services.presence.beat(&beat, Timestamp::now()).await?;
    Ok(match outcome {
        BeatOutcome::Present(presence) => web::json(StatusCode::OK, &presence),
        BeatOutcome::Removed => web::json(
            StatusCode::OK,
            &json!({ "identity": beat.identity, "status": "offline", "removed": true }),
        ),
    })
}

/// The beat in the body, after authorisation: a bearer token, or a Twilio signature.
fn read_beat(services: &Services, req: &Request) -> Result<RawBeat, ErrorResponse> {
    let is_json = content_type(req).is_some_and(|t| t.starts_with("application/json"));
    if req.headers().contains_key(AUTHORIZATION) {
        web::check_bearer(req.headers(), services.api_token())?;
        let body = req.body().as_ref();
        if body.len() > MAX_BODY_BYTES {
            return Err(ErrorResponse::payload_too_large(MAX_BODY_BYTES));
        }
        return if is_json {
            parse_json(body)
        } else if content_type(req).is_some_and(|t| t.starts_with(FORM_CONTENT_TYPE)) {
            Ok(from_form(&Form::parse(body)?))
        } else {
            Err(ErrorResponse::unsupported_media_type(
                content_type(req),
                "application/x-www-form-urlencoded or application/json",
            ))
        };
    }
    if is_json {
        parse_json(services.verifier.verify_json(req)?)
    } else {
        Ok(from_form(&services.verifier.verify_form(req)?))
    }
}

fn content_type(req: &Request) -> Option<&str> {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

fn parse_json(body: &[u8]) -> Result<RawBeat, ErrorResponse> {
    serde_json::from_slice(body)
        .map_err(|e| ErrorResponse::bad_request(format!("body is not a JSON presence beat: {e}")))
}

/// Form fields, either spelling (`identity` or Twilio-style `Identity`).
fn from_form(form: &Form) -> RawBeat {
    let field = |lower: &str, upper: &str| form.get(lower).or(form.get(upper)).map(str::to_owned);
    RawBeat {
        identity: field("identity", "Identity"),
        status: field("status", "Status"),
        device: field("device", "Device"),
    }
}
