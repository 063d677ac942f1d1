//! The webhook of a call in a Studio flow: the first webhook starts the execution at the
//! trigger's `incomingCall`, each callback our TwiML named (`?widget=…&FlowEvent=…`, or
//! `?FlowEvent=return` from a redirect's own TwiML) moves it on, and a final status
//! callback ends it. One conditional Sync write per webhook on a warm instance; the
//! flow's own HTTP calls come on top.

use callflow::call_state::{NewCall, StatusUpdate, StudioChange};
use callflow::http as web;
use callflow::runtime::{Answer, Services};
use callflow::studio::engine::{EVENT_PARAM, WIDGET_PARAM};
use callflow::studio::{Arrival, Engine, StudioRuntime};
use callflow::timestamp::Timestamp;
use callflow::webhook::{CallStatus, Form, StatusCallback, VoiceRequest};
use lambda_http::http::StatusCode;
use lambda_http::Request;

/// What the generic handler already parsed from the request.
pub struct Webhook<'a> {
    pub req: &'a Request,
    pub voice: &'a VoiceRequest,
    pub form: &'a Form,
    pub query: &'a Form,
    pub call: NewCall<'a>,
    pub token: Option<&'a str>,
    pub now: Timestamp,
    pub wants_json: bool,
}

/// Answers one webhook of a Studio call.
pub async fn handle(services: &Services, studio: &StudioRuntime, hook: Webhook<'_>) -> Answer {
    let Webhook {
        req,
        voice,
        form,
        query,
        call,
        token,
        now,
        wants_json,
    } = hook;
    let store = &services.call_states;
    let status = call.status.clone();
    let flow_event = query.get(EVENT_PARAM);
    let widget = query.get(WIDGET_PARAM);

    // Status callbacks (final, or call progress) record the status; a final one ends the
    // execution. Recording-status and transcription callbacks carry nothing the flow
    // moves on. Neither gets TwiML.
    let progress_callback = voice.is_progress_callback();
    let side_callback = matches!(flow_event, Some("transcription" | "recording"));
    if (status.is_final() && flow_event.is_none()) || progress_callback || side_callback {
        let state = if side_callback {
            None
        } else {
            let callback = StatusCallback::from_form(form)?;
            let update = StatusUpdate {
                status: status.clone(),
                duration: callback.call_duration,
                sequence: callback.sequence_number,
                at: callback.timestamp.map(Timestamp::from),
            };
            Some(store.studio_status(call, &update, token, now).await?.0)
        };
        return Ok(match state {
            Some(state) if wants_json => web::json(StatusCode::OK, &state),
            _ => web::empty(StatusCode::NO_CONTENT),
        });
    }

    // The last path segment, relative: Twilio resolves it against the URL it just called.
    let action = req.uri().path().rsplit('/').next().unwrap_or_default();
    let engine = Engine {
        flow: &studio.flow,
        http: &studio.http,
        action,
        now,
    };
    let new_call = flow_event.is_none() && widget.is_none();
    let arrival = if new_call {
        Arrival::Call { form }
    } else {
        Arrival::Callback {
            widget,
            event: flow_event,
            form,
            query,
        }
    };
    let engine_ref = &engine;
    let (state, turn) = store
        .studio_turn(call, new_call, token, now, |base| async move {
            let execution = base
                .and_then(|state| state.studio)
                .unwrap_or_else(|| engine_ref.start(form));
            let (waiting, steps) = execution.position();
            let from = (waiting.map(str::to_owned), steps);
            let turn = engine_ref.run(execution, arrival).await;
            let change = StudioChange {
                from,
                execution: turn.execution.clone(),
                status: Some(if status == CallStatus::Ringing && !new_call {
                    CallStatus::InProgress
                } else {
                    status
                }),
            };
            (change, turn)
        })
        .await?;
    if wants_json {
        return Ok(web::json(StatusCode::OK, &state));
    }
    // Applied: answer what the engine computed. Not applied (a redelivery, or a callback
    // that lost a race): answer where the call is now, moving nothing.
    let twiml = match turn {
        Some(turn) if state.studio.as_ref() == Some(&turn.execution) => turn.twiml,
        _ => {
            engine
                .current(state.studio.clone().unwrap_or_default(), true)
                .twiml
        }
    };
    Ok(web::twiml(twiml))
}
