//! `store-call-state`: the Twilio voice webhook of the flow.
//!
//! One handler serves three kinds of request for the same URL:
//! - the call's first webhook (no input): the state is created, the first stage's TwiML
//!   answered;
//! - a gather answer (`?stage=…` from our own action URL, or `Digits`/`SpeechResult`):
//!   the input is recorded against that stage and the call moves on;
//! - a status callback (`CallStatus` completed, busy, no-answer, failed, canceled, or
//!   any status with `CallbackSource=call-progress-events`): the status is recorded
//!   (with end time and duration when final; older `SequenceNumber`s never win), 204
//!   answered.
//!
//! `Accept: application/json` or `?format=json` answers the state as JSON instead.
//! Redelivered webhooks (same `I-Twilio-Idempotency-Token`) are applied once.

use callflow::call_state::{CallState, GatherAnswer, NewCall, StatusUpdate};
use callflow::http as web;
use callflow::service::{Answer, Function, Services};
use callflow::timestamp::Timestamp;
use callflow::webhook::{CallStatus, Form, StatusCallback, VoiceRequest};
use lambda_http::http::{header::ACCEPT, StatusCode};
use lambda_http::Request;

/// The header Twilio sets to the same value on every delivery of one webhook.
pub const IDEMPOTENCY_HEADER: &str = "I-Twilio-Idempotency-Token";

/// The function: deployed at `/store-call-state`.
pub const FUNCTION: Function = Function {
    path: "/store-call-state",
    methods: "POST",
    summary: "Twilio voice webhook + status callback (TwiML)",
    handler: |services, req| Box::pin(async move { handle(services, &req).await }),
};

async fn handle(services: &Services, req: &Request) -> Answer {
    let form = services.verifier.verify_form(req)?;
    let voice = VoiceRequest::from_form(&form)?;
    let query = Form::parse(req.uri().query().unwrap_or_default().as_bytes())?;
    let token = req
        .headers()
        .get(IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty());
    let now = Timestamp::now();
    let status = voice.call_status.clone().unwrap_or(CallStatus::InProgress);
    let call = NewCall {
        call_sid: &voice.call_sid,
        from: voice.from.as_deref().unwrap_or_default(),
        to: voice.to.as_deref().unwrap_or_default(),
        status: &status,
    };
    let store = &services.call_states;
    let wants_json = wants_json(req, &query);

    // Final statuses only come in status callbacks; progress callbacks (ringing,
    // answered) say so with `CallbackSource`. Neither gets TwiML: Twilio ignores it.
    let progress_callback = form.get("CallbackSource") == Some("call-progress-events");
    if status.is_final() || progress_callback {
        let callback = StatusCallback::from_form(&form)?;
        let update = StatusUpdate {
            status: status.clone(),
            duration: callback.call_duration,
            sequence: callback.sequence_number,
            at: callback.timestamp.map(Timestamp::from),
        };
        let (state, _) = store.record_status(call, &update, token, now).await?;
        return Ok(if wants_json {
            web::json(StatusCode::OK, &state)
        } else {
            web::empty(StatusCode::NO_CONTENT)
        });
    }

    let answered_stage = query.get("stage");
    let has_input = form.contains("Digits") || form.contains("SpeechResult");
    let state = if answered_stage.is_some() || has_input {
        let answer = GatherAnswer {
            stage: answered_stage,
            digits: voice.digits.as_deref(),
            speech: voice.speech_result.as_deref(),
            confidence: form.get("Confidence"),
        };
        store.record_gather(call, &answer, token, now).await?.0
    } else {
        store.start(call, now).await?
    };
    Ok(if wants_json {
        web::json(StatusCode::OK, &state)
    } else {
        web::twiml(render(services, req, &state))
    })
}

/// The TwiML for the state's stage, with gather answers coming back to this same URL.
fn render(services: &Services, req: &Request, state: &CallState) -> callflow::twiml::VoiceResponse {
    // The last path segment, relative: Twilio resolves it against the URL it just
    // called, so it is right behind API Gateway, a Function URL and `cargo lambda watch`.
    let action = req.uri().path().rsplit('/').next().unwrap_or_default();
    services
        .call_states
        .flow()
        .render(&state.stage, state.retries, action)
}

fn wants_json(req: &Request, query: &Form) -> bool {
    query.get("format") == Some("json")
        || req
            .headers()
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json"))
}
