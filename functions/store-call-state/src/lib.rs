//! `store-call-state`: the Twilio voice webhook of the flow.
//!
//! One handler serves three kinds of request for the same URL:
//! - the call's first webhook (no input): the state is created, the first stage's TwiML
//!   answered;
//! - a gather answer (`?stage=…` from our own action URL, or `Digits`/`SpeechResult`):
//!   the input is recorded against that stage and the call moves on;
//! - on these and on the stage callbacks below, the webhook's `CallStatus` is followed:
//!   `in-progress` moves a queued or ringing call to in-progress (a final status is never
//!   rolled back), in the same write;
//! - a status callback (`CallStatus` completed, busy, no-answer, failed, canceled, or
//!   any status with `CallbackSource=call-progress-events`): the status is recorded
//!   (with end time and duration when final; older `SequenceNumber`s never win), 204
//!   answered.
//!
//! - a callback of a stage that ends without caller input (`?stage=…&event=…`, URLs
//!   the flow's own TwiML names): `event=dial` (`<Dial action>`, routed on
//!   `DialCallStatus`), `record` (`<Record action>`), `continue` (a say-and-continue
//!   `<Redirect>`), `connect` (`<Connect action>`, the session ended) answer the next
//!   stage's TwiML; `recording` (recording status callback) and `transcription`
//!   (transcription callback) store the recording's URL, duration, status and
//!   transcript and answer 204. All are signed like every webhook.
//!
//! With a Studio flow (`CALLFLOW_FLOW` names a Studio JSON file) the same URL runs the
//! flow's widgets instead (`studio`).
//!
//! A call whose stage is no longer in the flow (`callflow serve` reloaded an edited flow
//! file during the call) ends with a goodbye; its state's `ended` says why.
//!
//! `Accept: application/json` or `?format=json` answers the state as JSON instead.
//! Redelivered webhooks (same `I-Twilio-Idempotency-Token`) are applied once.

use callflow::call_state::{CallEvent, CallState, GatherAnswer, NewCall, StatusUpdate};
use callflow::flow::CallbackEvent;
use callflow::http::{self as web, ErrorResponse};
use callflow::runtime::{Answer, Function, Services};
use callflow::timestamp::Timestamp;
use callflow::twiml::VoiceResponse;
use callflow::webhook::{CallStatus, Form, StatusCallback, UnknownValue, VoiceRequest};
use lambda_http::http::{header::ACCEPT, Method, StatusCode};
use lambda_http::Request;

mod degraded;
mod studio;

/// The header Twilio sets to the same value on every delivery of one webhook.
pub const IDEMPOTENCY_HEADER: &str = "I-Twilio-Idempotency-Token";

/// The function: deployed at `/store-call-state`.
pub const FUNCTION: Function = Function {
    path: "/store-call-state",
    methods: &[Method::POST],
    summary: "Twilio voice webhook + status callback (TwiML)",
    handler: |services, req| Box::pin(async move { handle(services, &req).await }),
};

async fn handle(services: &Services, req: &Request) -> Answer {
    // The voice request keeps the form it is read from (no copy); the rest reads it there.
    let voice = VoiceRequest::from_owned_form(services.verifier.verify_form(req)?)?;
    let form = &voice.form;
    let mut query = Form::parse(req.uri().query().unwrap_or_default().as_bytes())?;
    let token = req
        .headers()
        .get(IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty());
    let now = Timestamp::now();
    // Twilio's request to the fallback URL (`VoiceFallbackUrl`): the primary failed
    // outright. The stage is in the query of the URL that failed (`ErrorUrl`); answer
    // from the flow alone, as Sync may be what failed.
    let fallback = form.get(ERROR_CODE_PARAM).map(str::to_owned);
    if fallback.is_some() {
        query = error_url_query(form);
    }
    callflow::metrics::note_call(&voice.call_sid, query.get("stage"));
    let studio = services.studio();
    let degraded = |why: degraded::Why<'_>| match studio {
        Some(_) => degraded::studio_answer(req, &voice, form, &query, why),
        None => degraded::toml_answer(services, req, &voice, form, &query, token, now, why),
    };
    if let Some(code) = &fallback {
        tracing::warn!(
            error_code = %code,
            error_url = form.get(ERROR_URL_PARAM).unwrap_or_default(),
            "Twilio called the fallback URL"
        );
        return degraded(degraded::Why::Fallback(code));
    }
    let live = with_sync(services, req, &voice, form, &query, token, now);
    match tokio::time::timeout(services.config.webhook_budget, live).await {
        Ok(Err(e)) if e.status.is_server_error() && !wants_json(req, &query) => {
            degraded(degraded::Why::Sync(&e.message))
        }
        Ok(answer) => answer,
        Err(_) if !wants_json(req, &query) => {
            degraded(degraded::Why::Sync("no answer within the webhook budget"))
        }
        Err(_) => Err(ErrorResponse::new(
            StatusCode::GATEWAY_TIMEOUT,
            callflow::http::codes::GATEWAY_TIMEOUT,
            "Sync did not answer within the webhook budget",
        )),
    }
}

/// The parameter Twilio's fallback request names the failure with (11200, 12100, …).
pub const ERROR_CODE_PARAM: &str = "ErrorCode";
/// The parameter Twilio's fallback request names the URL that failed with.
pub const ERROR_URL_PARAM: &str = "ErrorUrl";

/// The query of the URL that failed, as the fallback request names it.
fn error_url_query(form: &Form) -> Form {
    form.get(ERROR_URL_PARAM)
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.query().and_then(|q| Form::parse(q.as_bytes()).ok()))
        .unwrap_or_default()
}

/// The webhook with Sync: the inputs earlier degraded answers carried are applied
/// first, then this webhook's.
async fn with_sync(
    services: &Services,
    req: &Request,
    voice: &VoiceRequest,
    form: &Form,
    query: &Form,
    token: Option<&str>,
    now: Timestamp,
) -> Answer {
    let studio_form;
    let form = match services.studio() {
        Some(_) => match degraded::studio_form(form, query) {
            Some(merged) => {
                studio_form = merged;
                &studio_form
            }
            None => form,
        },
        None => form,
    };
    let status = voice.call_status.clone().unwrap_or(CallStatus::InProgress);
    let call = NewCall {
        call_sid: &voice.call_sid,
        from: voice.from.as_deref().unwrap_or_default(),
        to: voice.to.as_deref().unwrap_or_default(),
        status: &status,
    };
    let store = &services.call_states;
    let wants_json = wants_json(req, query);

    if let Some(runtime) = services.studio() {
        let hook = studio::Webhook {
            req,
            voice,
            form,
            query,
            call,
            token,
            now,
            wants_json,
        };
        // Boxed: the Studio engine's future is large, and inline it would make every
        // webhook's future as large, TOML flows' included.
        return Box::pin(studio::handle(services, &runtime, hook)).await;
    }

    let (_, carried) = degraded::carried_inputs(query, form, &voice.call_sid);
    if !carried.is_empty() {
        let flow = store.flow();
        store
            .record_carried(call, carried.len(), now, |state, i| {
                carried[i].apply(&flow, state, now)
            })
            .await?;
        callflow::metrics::add(
            callflow::metrics::Counter::InputsReplayed,
            u32::try_from(carried.len()).unwrap_or(u32::MAX),
        );
        tracing::info!(call_sid = %voice.call_sid, inputs = carried.len(), "applied inputs carried while Sync was unavailable");
    }

    // Callbacks our own TwiML asked for name their stage and event; they come first, as
    // some carry a final `CallStatus` too (a transcription arrives after the hang-up).
    if let (Some(stage), Some(name)) = (query.get("stage"), query.get("event")) {
        let kind: CallbackEvent = name
            .parse()
            .map_err(|e: UnknownValue| ErrorResponse::bad_request(e.to_string()))?;
        let event = call_event(kind, voice)?;
        let (state, _) = store.record_event(call, stage, &event, token, now).await?;
        return Ok(if wants_json {
            web::json(StatusCode::OK, &state)
        } else if matches!(event, CallEvent::SessionEnded { .. }) && state.stage == stage {
            // The session of a connect stage with no `next` is over, and so is the
            // call: answering the stage again would connect again.
            web::twiml(VoiceResponse::new().hangup())
        } else if event.wants_twiml() {
            web::twiml(render(services, req, &state))
        } else {
            web::empty(StatusCode::NO_CONTENT)
        });
    }

    // Final statuses only come in status callbacks; progress callbacks (ringing,
    // answered) say so with `CallbackSource`. Neither gets TwiML: Twilio ignores it.
    if status.is_final() || voice.is_progress_callback() {
        let callback = StatusCallback::from_form(form)?;
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
    // Present, even empty: an empty answer (silence) is still an answer, a retry.
    let has_input = form.contains("Digits") || form.contains("SpeechResult");
    let state = if answered_stage.is_some() || has_input {
        let answer = GatherAnswer {
            stage: answered_stage,
            digits: voice.digits.as_deref(),
            speech: voice.speech_result.as_deref(),
            confidence: voice.confidence,
        };
        store.record_gather(call, &answer, token, now).await?.0
    } else {
        let state = store.start(call, now).await?;
        // A state a progress callback created (ringing) is followed to the status of the
        // call's first webhook; a new state already has it, so this writes only then.
        if state.would_follow(&status) {
            let update = StatusUpdate {
                status: CallStatus::InProgress,
                duration: None,
                sequence: None,
                at: None,
            };
            store.record_status(call, &update, token, now).await?.0
        } else {
            state
        }
    };
    Ok(if wants_json {
        web::json(StatusCode::OK, &state)
    } else {
        web::twiml(render(services, req, &state))
    })
}

/// The callback `kind` (`?event=…`) with what Twilio posted for it (already typed by
/// [`VoiceRequest`], which refused unknown statuses with a 400).
pub(crate) fn call_event(
    kind: CallbackEvent,
    voice: &VoiceRequest,
) -> Result<CallEvent<'_>, ErrorResponse> {
    Ok(match kind {
        CallbackEvent::Continue => CallEvent::Continued,
        CallbackEvent::Dial => CallEvent::Dialled {
            status: voice.dial_call_status.ok_or_else(|| {
                ErrorResponse::bad_request("a <Dial action> request needs DialCallStatus")
            })?,
            call_sid: voice.dial_call_sid.as_deref(),
            duration: voice.dial_call_duration,
        },
        CallbackEvent::Record => CallEvent::Recorded {
            url: voice.recording_url.as_deref(),
            sid: voice.recording_sid.as_deref(),
            duration: voice.recording_duration,
            digits: voice.digits.as_deref(),
        },
        CallbackEvent::Recording => CallEvent::RecordingStatus {
            url: voice.recording_url.as_deref(),
            sid: voice.recording_sid.as_deref(),
            duration: voice.recording_duration,
            status: voice.recording_status,
        },
        CallbackEvent::Transcription => CallEvent::Transcribed {
            text: voice.transcription_text.as_deref(),
            status: voice.transcription_status,
            recording_sid: voice.recording_sid.as_deref(),
            recording_url: voice.recording_url.as_deref(),
        },
        CallbackEvent::Connect => CallEvent::SessionEnded {
            status: voice.session_status.as_deref(),
            duration: voice.session_duration,
        },
    })
}

/// The TwiML for the state's stage, with gather answers coming back to this same URL.
fn render(services: &Services, req: &Request, state: &CallState) -> VoiceResponse {
    // The last path segment, relative: Twilio resolves it against the URL it just
    // called, so it is right behind API Gateway, a Function URL and `cargo lambda watch`.
    let action = req.uri().path().rsplit('/').next().unwrap_or_default();
    let flow = services.call_states.flow();
    // A call whose stage left the flow (the file was edited during the call) ends
    // politely, the reason in its state and in the log.
    if state.ended.is_some() || flow.stage(&state.stage).is_none() {
        let reason = state
            .ended
            .clone()
            .unwrap_or_else(|| format!("stage `{}` is no longer in the flow", state.stage));
        tracing::warn!(
            call_sid = %state.call_sid,
            %reason,
            "the call cannot go on in the flow; the caller hears a goodbye"
        );
        return callflow::studio::engine::goodbye_twiml();
    }
    flow.render(&state.stage, state.retries, action)
}

fn wants_json(req: &Request, query: &Form) -> bool {
    query.get("format") == Some("json")
        || req
            .headers()
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json"))
}
