//! Answers made without Sync: when Sync is unreachable, slow beyond the webhook's budget
//! (`CALLFLOW_WEBHOOK_BUDGET`), or failing (429 or 5xx after the client's retries), and
//! on the fallback URL (Twilio's `VoiceFallbackUrl` request, told by its `ErrorCode`),
//! the caller still gets TwiML for the stage the call is in, never Twilio's
//! application error.
//!
//! TOML flows: the stage comes from the query our TwiML put in its URLs (`?stage=…`; on
//! the fallback URL, from the query of `ErrorUrl`), and the input of this webhook and of
//! the earlier degraded ones ([`callflow::call_state::carry`]) is applied to a state
//! rebuilt from the flow alone, so the caller moves through the menu as usual. Those
//! inputs ride along in the answered URLs until a webhook reaches Sync, which applies
//! them before its own. What cannot be carried (status, recording and transcription
//! callbacks, which answer no TwiML; inputs still carried when the call reaches a stage
//! that names no URL; inputs beyond the carry's bounds) is counted as `InputsLost` and
//! logged one by one. A retry count that Sync held is not known here: a degraded stage
//! counts its retries from the first degraded answer.
//!
//! Studio flows: a widget's TwiML needs the execution context that lives in Sync, so
//! the answer is a short holding message and a `<Redirect>` back to the same URL (the
//! same widget callback), with the webhook's input carried in that URL; each redirect
//! tries Sync again, and once it answers the widget gets the input as if it had just been
//! posted. After [`MAX_STUDIO_HOLDS`] holds the call ends with Studio's goodbye.

use callflow::call_state::carry::{Carried, Carry, CARRY_PARAM};
use callflow::call_state::{Applied, CallState, GatherAnswer};
use callflow::flow::{CallbackEvent, Flow, StageKind};
use callflow::http as web;
use callflow::metrics::{self, Counter};
use callflow::runtime::{Answer, Services};
use callflow::timestamp::Timestamp;
use callflow::twiml::{Pause, Redirect, Say, VoiceResponse};
use callflow::webhook::{CallStatus, Form, VoiceRequest};
use lambda_http::http::StatusCode;
use lambda_http::Request;

/// What the caller hears while a Studio call waits for Sync.
pub const HOLD_MESSAGE: &str = "One moment, please.";

/// Holds (redirects) a Studio call makes while Sync is down before it ends: with the
/// webhook budget's default 4 s, about half a minute of waiting.
pub const MAX_STUDIO_HOLDS: u32 = 6;

/// The query parameter counting a Studio call's holds.
const HOLD_PARAM: &str = "hold";

/// One input, as the handler applies it: what Twilio posted and the query it came with.
pub struct Input {
    pub query: Form,
    pub voice: VoiceRequest,
    pub token: Option<String>,
}

impl Input {
    /// Rebuilds a carried input as its webhook was, on the current webhook's `base` form.
    pub fn from_carried(carried: &Carried, base: &Form) -> Option<Input> {
        let form = carried.form(base);
        let voice = VoiceRequest::from_form(&form).ok()?;
        Some(Input {
            query: carried.query(),
            voice,
            token: carried.token().map(str::to_owned),
        })
    }

    /// Applies the input to `state` as the live handler would (a gather answer, or a
    /// callback of a stage that ends without caller input).
    pub fn apply(&self, flow: &Flow, state: &mut CallState, now: Timestamp) -> Applied {
        let stage = self.query.get("stage");
        let token = self.token.as_deref();
        match self.query.get("event").map(str::parse::<CallbackEvent>) {
            Some(Ok(kind)) => match (stage, crate::call_event(kind, &self.voice)) {
                (Some(stage), Ok(event)) => state.apply_event(flow, stage, &event, token, now),
                _ => Applied::Unchanged,
            },
            Some(Err(_)) => Applied::Unchanged,
            None => {
                let answer = GatherAnswer {
                    stage,
                    digits: self.voice.digits.as_deref(),
                    speech: self.voice.speech_result.as_deref(),
                    confidence: self.voice.confidence,
                };
                state.apply_gather(flow, &answer, token, now)
            }
        }
    }
}

/// The inputs carried in `query`, rebuilt on the current webhook's form; those that do
/// not rebuild are counted and logged as lost.
pub fn carried_inputs(query: &Form, base: &Form, call_sid: &str) -> (Carry, Vec<Input>) {
    let (carry, bad) = Carry::from_query(query);
    let inputs: Vec<Input> = carry
        .inputs
        .iter()
        .filter_map(|c| Input::from_carried(c, base))
        .collect();
    let lost = bad + carry.inputs.len() - inputs.len();
    if lost > 0 {
        lose(call_sid, lost, "a carried input did not parse");
    }
    (carry, inputs)
}

/// Counts and logs inputs that will never reach Sync.
pub fn lose(call_sid: &str, n: usize, why: &str) {
    metrics::add(Counter::InputsLost, u32::try_from(n).unwrap_or(u32::MAX));
    for _ in 0..n {
        tracing::error!(call_sid, why, "input lost: Sync was unavailable");
    }
}

/// Why the answer is degraded, for the log.
#[derive(Debug, Clone, Copy)]
pub enum Why<'a> {
    /// Sync failed or exceeded the budget.
    Sync(&'a str),
    /// Twilio called the fallback URL with this `ErrorCode`.
    Fallback(&'a str),
}

impl std::fmt::Display for Why<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::Sync(reason) => write!(f, "Sync unavailable: {reason}"),
            Why::Fallback(code) => write!(f, "fallback URL, ErrorCode {code}"),
        }
    }
}

/// The degraded answer for a TOML flow's webhook.
#[allow(clippy::too_many_arguments)]
pub fn toml_answer(
    services: &Services,
    req: &Request,
    voice: &VoiceRequest,
    form: &Form,
    query: &Form,
    token: Option<&str>,
    now: Timestamp,
    why: Why<'_>,
) -> Answer {
    metrics::add(Counter::DegradedAnswers, 1);
    tracing::warn!(call_sid = %voice.call_sid, %why, "answering without Sync");
    let call_sid = voice.call_sid.as_str();
    let flow = services.call_states.flow();
    let (mut carry, inputs) = carried_inputs(query, form, call_sid);
    let status = voice.call_status.clone().unwrap_or(CallStatus::InProgress);
    let event = query.get("event");
    let is_input = event.is_some()
        || query.get("stage").is_some()
        || form.contains("Digits")
        || form.contains("SpeechResult");
    // Callbacks that answer no TwiML cannot carry anything onwards.
    let no_twiml = matches!(event, Some("recording" | "transcription"))
        || (event.is_none() && (status.is_final() || voice.is_progress_callback()));
    if no_twiml {
        lose(
            call_sid,
            1,
            "a callback that answers no TwiML (status, recording, transcript)",
        );
        return Ok(web::empty(StatusCode::NO_CONTENT));
    }
    let current = is_input.then(|| Input {
        query: query.clone(),
        voice: voice.clone(),
        token: token.map(str::to_owned),
    });
    // The state rebuilt from the flow: at the stage of the first input, then each input.
    let mut state = CallState::new(
        call_sid,
        voice.from.as_deref().unwrap_or_default(),
        voice.to.as_deref().unwrap_or_default(),
        status,
        &flow,
        now,
    );
    let first_stage = inputs
        .iter()
        .chain(current.as_ref())
        .find_map(|i| i.query.get("stage"));
    if let Some(stage) = first_stage.filter(|s| flow.stage(s).is_some()) {
        state.stage = stage.to_owned();
    }
    for input in inputs.iter().chain(current.as_ref()) {
        input.apply(&flow, &mut state, now);
    }
    if current.is_some() {
        carry.inputs.push(Carried::from_webhook(query, form, token));
    }
    let ends = flow
        .stage(&state.stage)
        .is_none_or(|s| matches!(s.kind, StageKind::End(_)));
    let action = req.uri().path().rsplit('/').next().unwrap_or_default();
    let (action, dropped) = if ends {
        lose(
            call_sid,
            carry.inputs.len(),
            "the call ended before Sync answered again",
        );
        (action.to_owned(), Vec::new())
    } else {
        carry.encode(action)
    };
    if !dropped.is_empty() {
        lose(call_sid, dropped.len(), "more inputs than one URL carries");
    }
    metrics::add(
        Counter::InputsCarried,
        u32::try_from(carry.inputs.len() - dropped.len()).unwrap_or(0) * u32::from(!ends),
    );
    Ok(web::twiml(flow.render(
        &state.stage,
        state.retries,
        &action,
    )))
}

/// The degraded answer for a Studio flow's webhook: a hold and a redirect back here.
pub fn studio_answer(
    req: &Request,
    voice: &VoiceRequest,
    form: &Form,
    query: &Form,
    why: Why<'_>,
) -> Answer {
    metrics::add(Counter::DegradedAnswers, 1);
    tracing::warn!(call_sid = %voice.call_sid, %why, "answering a Studio call without Sync");
    let call_sid = voice.call_sid.as_str();
    let status = voice.call_status.clone().unwrap_or(CallStatus::InProgress);
    let flow_event = query.get(callflow::studio::engine::EVENT_PARAM);
    if (status.is_final() && flow_event.is_none())
        || voice.is_progress_callback()
        || matches!(flow_event, Some("transcription" | "recording"))
    {
        lose(
            call_sid,
            1,
            "a callback that answers no TwiML (status, recording, transcript)",
        );
        return Ok(web::empty(StatusCode::NO_CONTENT));
    }
    let holds = query
        .get(HOLD_PARAM)
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0);
    let carried = Carry::from_query(query).0;
    if holds >= MAX_STUDIO_HOLDS {
        lose(
            call_sid,
            carried.inputs.len().max(1),
            "Sync stayed unavailable; the call ended",
        );
        return Ok(web::twiml(callflow::studio::engine::goodbye_twiml()));
    }
    // The same callback again, with its input: the one carried, or this webhook's.
    let mut next: Form = query
        .iter()
        .filter(|(n, _)| *n != HOLD_PARAM && *n != CARRY_PARAM)
        .collect();
    next.push(HOLD_PARAM, (holds + 1).to_string());
    let input = match carried.inputs.into_iter().next() {
        Some(input) => input,
        None => Carried::from_webhook(&Form::new(), form, None),
    };
    next.push(CARRY_PARAM, input.value());
    let action = req.uri().path().rsplit('/').next().unwrap_or_default();
    metrics::add(Counter::InputsCarried, 1);
    Ok(web::twiml(
        VoiceResponse::new()
            .say(Say::new(HOLD_MESSAGE))
            .pause(Pause::new().length(1))
            .redirect(Redirect::new(format!("{action}?{}", next.to_urlencoded())).method("POST")),
    ))
}

/// A Studio webhook's form with the input a hold carried (the redirect that brings it
/// back posts none of its own).
pub fn studio_form(form: &Form, query: &Form) -> Option<Form> {
    let (carry, _) = Carry::from_query(query);
    let input = carry.inputs.first()?;
    metrics::add(Counter::InputsReplayed, 1);
    Some(input.form(form))
}
