//! The call-state document and the pure rules that change it.
//!
//! Everything here is deterministic and free of I/O: the store feeds it the current
//! document (from Sync or from the warm cache), and writes back whatever it returns. That
//! split is what lets `mutate` re-apply an event after a revision conflict safely.

use serde::{Deserialize, Serialize};

use crate::flow::{Flow, Input};
use crate::studio::Execution;
use crate::timestamp::Timestamp;
use crate::webhook::CallStatus;

use super::stage_results::{capped, ConnectInfo, DialResult, RecordingInfo, MAX_FIELD_BYTES};

/// How many idempotency tokens a document remembers. Twilio redelivers within seconds, so
/// the last few dozen deliveries are the ones that can come back.
pub const REMEMBERED_TOKENS: usize = 64;

/// Longest `I-Twilio-Idempotency-Token` remembered, in bytes. Twilio does not document the
/// token's shape; the ones it sends are short opaque ASCII strings, well under this. A
/// token that is longer, or not printable ASCII without spaces, is not stored: the
/// delivery is still processed, only a redelivery of it would be applied again.
pub const MAX_TOKEN_BYTES: usize = 64;

/// What the document may take, in bytes of JSON, after any change: well under Sync's
/// 16 KiB per document, so that no sequence of valid, signed requests can make a call's
/// state unwritable. Over it, the oldest remembered tokens beyond the newest
/// [`MIN_TOKENS`] go first, then the oldest selections (counted in `droppedSelections`).
/// The rest of the document (stage, status, the dial/recording/connect results, whose
/// fields are capped where they are recorded) is never dropped and stays far smaller.
pub const STATE_BUDGET_BYTES: usize = 12 * 1024;

/// Tokens kept whatever the size of the rest: the deliveries most likely to come back.
pub const MIN_TOKENS: usize = 8;

/// Longest speech transcript kept in a selection, in bytes (Twilio's are a sentence or two).
pub const MAX_SPEECH_BYTES: usize = 1024;

/// Longest digit string kept in a selection, in bytes.
pub const MAX_DIGITS_BYTES: usize = 64;

/// The JSON value of document `call-{CallSid}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallState {
    /// Twilio's `CallSid` (`CA…`): the call this document is about.
    pub call_sid: String,
    /// The flow stage the caller is in now.
    pub stage: String,
    /// Failed attempts in the current stage.
    #[serde(default)]
    pub retries: u32,
    /// Every input the caller gave, in the order it was applied (the oldest are dropped
    /// when the document would outgrow [`STATE_BUDGET_BYTES`]).
    #[serde(default)]
    pub selections: Vec<Selection>,
    /// How many of the oldest selections were dropped to keep the document in budget.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped_selections: u64,
    /// When the first webhook for the call created the document.
    pub start_time: Timestamp,
    /// When a change was last applied.
    pub updated_at: Timestamp,
    /// The caller: `From` of the first webhook (E.164 for a phone, `client:…` for a browser).
    #[serde(default)]
    pub from: String,
    /// The number called: `To` of the first webhook.
    #[serde(default)]
    pub to: String,
    /// Twilio's `CallStatus`.
    pub status: CallStatus,
    /// When a final status ended the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<Timestamp>,
    /// `CallDuration` of the final status callback, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u64>,
    /// Highest status-callback `SequenceNumber` applied, so a late callback cannot
    /// overwrite a newer status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_sequence: Option<u64>,
    /// `I-Twilio-Idempotency-Token`s already applied (newest last, bounded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applied_tokens: Vec<String>,
    /// How the latest dial stage's `<Dial>` ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dial: Option<DialResult>,
    /// The latest voicemail: URL, duration, status, transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording: Option<RecordingInfo>,
    /// The latest `<Connect>`: stream or agent, and how the session ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect: Option<ConnectInfo>,
    /// A Studio flow's execution: its context, position and step log (Studio flows only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub studio: Option<Execution>,
    /// Why the flow ended the call early: the stage it was in is no longer in the flow
    /// (the flow file was edited and reloaded during the call). The caller heard a
    /// goodbye. TOML flows only (a Studio execution says it in `studio.ended`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
}

/// One recorded input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Selection {
    /// The stage the input answered.
    pub stage: String,
    /// `Digits`, at most 64 bytes (longer input is cut).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digits: Option<String>,
    /// `SpeechResult`, at most 1,024 bytes (longer input is cut).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech: Option<String>,
    /// `Confidence` of a speech answer, as text (`"0.91"`), as documents always held it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
    /// Whether the input matched a route of its stage.
    pub accepted: bool,
    /// True when the input answered a stage the call had already left (a late or
    /// concurrent delivery): kept, but it moves nothing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
    /// When the input was applied.
    pub at: Timestamp,
}

/// A caller's answer to a gather, as the store applies it.
#[derive(Debug, Clone, PartialEq)]
pub struct GatherAnswer<'a> {
    /// The stage named in the gather's action URL, when there is one.
    pub stage: Option<&'a str>,
    /// `Digits` (empty is the same as `None`).
    pub digits: Option<&'a str>,
    /// `SpeechResult` (empty is the same as `None`).
    pub speech: Option<&'a str>,
    /// `Confidence` of a speech answer (0.0–1.0), as the webhook's typed field read it.
    pub confidence: Option<f64>,
}

/// A status callback's contents.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    /// `CallStatus`.
    pub status: CallStatus,
    /// `CallDuration`, seconds (final statuses only).
    pub duration: Option<u64>,
    /// `SequenceNumber`: orders the callbacks of one call, so an older one is not applied
    /// over a newer.
    pub sequence: Option<u64>,
    /// When Twilio says it happened (the callback's `Timestamp`); the end time of a
    /// final status. Without it, the time the callback arrived.
    pub at: Option<Timestamp>,
}

/// Whether applying an event changed the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The document changed and must be written.
    Changed,
    /// Nothing to write: a redelivery, or a callback older than what is stored.
    Unchanged,
}

impl CallState {
    /// The state of a call Twilio has just told us about.
    pub fn new(
        call_sid: &str,
        from: &str,
        to: &str,
        status: CallStatus,
        flow: &Flow,
        now: Timestamp,
    ) -> Self {
        let mut state = CallState {
            call_sid: call_sid.to_owned(),
            stage: flow.start.clone(),
            retries: 0,
            selections: Vec::new(),
            dropped_selections: 0,
            start_time: now,
            updated_at: now,
            from: capped(from, MAX_FIELD_BYTES),
            to: capped(to, MAX_FIELD_BYTES),
            status,
            end_time: None,
            duration: None,
            status_sequence: None,
            applied_tokens: Vec::new(),
            dial: None,
            recording: None,
            connect: None,
            studio: None,
            ended: None,
        };
        state.entered(flow, now);
        state
    }

    /// Whether the delivery carrying `token` was applied already.
    pub fn has_applied(&self, token: Option<&str>) -> bool {
        token.is_some_and(|t| self.applied_tokens.iter().any(|seen| seen == t))
    }

    /// Notes that a change was applied: the delivery's token (if it is one worth keeping),
    /// the time, and then the document cut back to [`STATE_BUDGET_BYTES`]. Every change
    /// goes through here, whatever fields it touched.
    pub(super) fn remember(&mut self, token: Option<&str>, now: Timestamp) {
        if let Some(token) = token.filter(|t| storable_token(t)) {
            self.applied_tokens.push(token.to_owned());
            let excess = self.applied_tokens.len().saturating_sub(REMEMBERED_TOKENS);
            self.applied_tokens.drain(..excess);
        }
        self.updated_at = now;
        self.fit_budget();
    }

    /// Size of the document as Sync stores it (compact JSON), in bytes.
    pub fn json_len(&self) -> usize {
        // Counted as it is written, not collected: this runs on every change.
        let mut counter = ByteCount(0);
        match serde_json::to_writer(&mut counter, self) {
            Ok(()) => counter.0,
            Err(_) => usize::MAX,
        }
    }

    /// Drops the oldest tokens (beyond [`MIN_TOKENS`]), then the oldest selections, until
    /// the document fits [`STATE_BUDGET_BYTES`].
    fn fit_budget(&mut self) {
        let element_len =
            |json: Result<Vec<u8>, serde_json::Error>| json.map_or(0, |j| j.len() + 1);
        loop {
            let mut size = self.json_len();
            if size <= STATE_BUDGET_BYTES {
                return;
            }
            // Estimate each removal's saving, so one oversized change costs one pass.
            while size > STATE_BUDGET_BYTES {
                if self.applied_tokens.len() > MIN_TOKENS {
                    let token = self.applied_tokens.remove(0);
                    size = size.saturating_sub(element_len(serde_json::to_vec(&token)));
                } else if !self.selections.is_empty() {
                    let selection = self.selections.remove(0);
                    self.dropped_selections += 1;
                    size = size.saturating_sub(element_len(serde_json::to_vec(&selection)));
                } else if !self.applied_tokens.is_empty() {
                    let token = self.applied_tokens.remove(0);
                    size = size.saturating_sub(element_len(serde_json::to_vec(&token)));
                } else {
                    // Nothing left to drop: the rest is bounded field by field.
                    return;
                }
            }
        }
    }

    /// Records a gather answer and moves the call through the flow.
    pub fn apply_gather(
        &mut self,
        flow: &Flow,
        answer: &GatherAnswer<'_>,
        token: Option<&str>,
        now: Timestamp,
    ) -> Applied {
        if self.has_applied(token) {
            return Applied::Unchanged;
        }
        let answered = answer.stage.unwrap_or(&self.stage).to_owned();
        let input = Input::from_fields(answer.digits, answer.speech);
        let stale = answered != self.stage;
        let accepted = if self.left_flow(flow) || stale {
            false
        } else {
            let outcome = flow.advance(&self.stage, self.retries, input);
            if outcome.stage == self.stage {
                self.retries = outcome.retries;
            } else {
                self.move_to(flow, &outcome.stage, now);
            }
            outcome.accepted
        };
        self.selections.push(Selection {
            stage: capped(&answered, MAX_FIELD_BYTES),
            digits: non_empty(answer.digits).map(|d| capped(&d, MAX_DIGITS_BYTES)),
            speech: non_empty(answer.speech).map(|s| capped(&s, MAX_SPEECH_BYTES)),
            // Kept as text, as documents always held it (`"0.91"`).
            confidence: answer.confidence.map(|c| c.to_string()),
            accepted,
            stale,
            at: now,
        });
        self.remember(token, now);
        Applied::Changed
    }

    /// Whether the call has left the flow: ended already, or its stage is no longer in
    /// `flow` (the flow changed under the call), which ends it now with the reason in
    /// [`CallState::ended`]. Such a call moves no further; the caller hears a goodbye.
    pub fn left_flow(&mut self, flow: &Flow) -> bool {
        if self.ended.is_none() && self.studio.is_none() && flow.stage(&self.stage).is_none() {
            self.ended = Some(format!(
                "stage `{}` is no longer in the flow (the flow changed during the call)",
                self.stage
            ));
        }
        self.ended.is_some()
    }

    /// Follows the `CallStatus` a voice webhook carries (a gather answer, a stage
    /// callback, the first webhook of a call whose state a progress callback created):
    /// `in-progress` moves a call not yet over (queued, initiated, ringing) to
    /// in-progress, so watchers stop seeing "ringing" mid-call. A final status is never
    /// rolled back, and other statuses on voice webhooks are left to the status callbacks
    /// (which carry the duration and sequence number). Returns whether it changed.
    pub fn follow_webhook_status(&mut self, status: &CallStatus) -> bool {
        let follows = self.would_follow(status);
        if follows {
            self.status = CallStatus::InProgress;
        }
        follows
    }

    /// Whether [`CallState::follow_webhook_status`] would change the status.
    pub fn would_follow(&self, status: &CallStatus) -> bool {
        *status == CallStatus::InProgress
            && self.status != CallStatus::InProgress
            && !self.status.is_final()
    }

    /// Records a call-progress update (a status callback, or the status on a voice webhook).
    pub fn apply_status(
        &mut self,
        update: &StatusUpdate,
        token: Option<&str>,
        now: Timestamp,
    ) -> Applied {
        if self.has_applied(token) {
            return Applied::Unchanged;
        }
        // Callbacks may arrive out of order: an older sequence number, or any non-final
        // status after a final one, must not roll the call back.
        let older = matches!((update.sequence, self.status_sequence), (Some(new), Some(seen)) if new <= seen);
        let after_final = self.status.is_final() && !update.status.is_final();
        if older || after_final {
            return Applied::Unchanged;
        }
        self.status = update.status.clone();
        if let Some(sequence) = update.sequence {
            self.status_sequence = Some(sequence);
        }
        if update.status.is_final() {
            self.end_time.get_or_insert(update.at.unwrap_or(now));
            if update.duration.is_some() {
                self.duration = update.duration;
            }
        }
        self.remember(token, now);
        Applied::Changed
    }
}

/// Whether a delivery's idempotency token is one to remember (see [`MAX_TOKEN_BYTES`]).
pub fn storable_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= MAX_TOKEN_BYTES
        && token.bytes().all(|b| b.is_ascii_graphic())
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn non_empty(value: Option<&str>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty()).map(str::to_owned)
}

/// An `io::Write` that keeps only the number of bytes written to it.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("an RFC 3339 time")
    }

    fn t0() -> Timestamp {
        at("2026-11-25T10:00:00Z")
    }

    fn t1() -> Timestamp {
        at("2026-11-25T10:00:05Z")
    }

    fn fresh() -> (Flow, CallState) {
        let flow = Flow::example();
        let state = CallState::new(
            "CA1",
            "+15550001",
            "+15550002",
            CallStatus::Ringing,
            &flow,
            t0(),
        );
        (flow, state)
    }

    #[test]
    fn oversized_or_misshapen_tokens_are_applied_but_not_stored() {
        let (flow, mut state) = fresh();
        let huge = "t".repeat(4096);
        for (i, token) in [huge.as_str(), "has space", "tab\tbed", ""]
            .iter()
            .enumerate()
        {
            let answer = digits("welcome", if i % 2 == 0 { "9" } else { "8" });
            assert_eq!(
                state.apply_gather(&flow, &answer, Some(token), t1()),
                Applied::Changed
            );
        }
        assert!(
            state.applied_tokens.is_empty(),
            "{:?}",
            state.applied_tokens
        );
        assert_eq!(state.selections.len(), 4);
        let fits = "a".repeat(MAX_TOKEN_BYTES);
        state.apply_gather(&flow, &digits("welcome", "2"), Some(&fits), t1());
        assert_eq!(state.applied_tokens, [fits]);
    }

    #[test]
    fn the_document_stays_in_budget_whatever_the_inputs() {
        let (flow, mut state) = fresh();
        let speech = "word ".repeat(2000);
        for n in 0..500 {
            let token = format!("{n:0>64}");
            let answer = GatherAnswer {
                stage: Some("technical"),
                digits: None,
                speech: Some(&speech),
                confidence: Some(0.9),
            };
            state.apply_gather(&flow, &answer, Some(&token), t1());
            assert!(
                state.json_len() <= STATE_BUDGET_BYTES,
                "{} after {n}",
                state.json_len()
            );
        }
        assert!(state.dropped_selections > 0);
        assert_eq!(
            state.dropped_selections + state.selections.len() as u64,
            500,
            "every selection is kept or counted"
        );
        assert!(state.applied_tokens.len() >= MIN_TOKENS);
        // The newest are what is kept.
        assert_eq!(state.applied_tokens.last(), Some(&format!("{:0>64}", 499)));
        let json = serde_json::to_value(&state).expect("JSON");
        assert!(json["droppedSelections"].as_u64().is_some_and(|n| n > 0));
    }

    fn digits<'a>(stage: &'a str, d: &'a str) -> GatherAnswer<'a> {
        GatherAnswer {
            stage: Some(stage),
            digits: Some(d),
            speech: None,
            confidence: None,
        }
    }

    #[test]
    fn a_gather_records_and_moves_on() {
        let (flow, mut state) = fresh();
        assert_eq!(state.stage, "welcome");
        let applied = state.apply_gather(&flow, &digits("welcome", "2"), Some("tok-1"), t1());
        assert_eq!(applied, Applied::Changed);
        assert_eq!(state.stage, "technical");
        assert_eq!(state.selections.len(), 1);
        assert_eq!(state.selections[0].digits.as_deref(), Some("2"));
        assert!(state.selections[0].accepted);
        assert_eq!(state.updated_at, t1());
    }

    #[test]
    fn a_redelivery_is_not_applied_twice() {
        let (flow, mut state) = fresh();
        state.apply_gather(&flow, &digits("welcome", "2"), Some("tok-1"), t1());
        let again = state.apply_gather(&flow, &digits("technical", "1"), Some("tok-1"), t1());
        assert_eq!(again, Applied::Unchanged);
        assert_eq!(state.selections.len(), 1);
        assert_eq!(state.stage, "technical");
    }

    #[test]
    fn a_stale_answer_is_kept_but_moves_nothing() {
        let (flow, mut state) = fresh();
        state.apply_gather(&flow, &digits("welcome", "2"), None, t1());
        state.apply_gather(&flow, &digits("welcome", "3"), None, t1());
        assert_eq!(state.stage, "technical");
        assert_eq!(state.selections.len(), 2);
        assert!(state.selections[1].stale);
    }

    #[test]
    fn tokens_are_bounded() {
        let (flow, mut state) = fresh();
        for i in 0..(REMEMBERED_TOKENS + 10) {
            let token = format!("tok-{i}");
            state.apply_gather(&flow, &digits("welcome", "9"), Some(&token), t1());
        }
        assert_eq!(state.applied_tokens.len(), REMEMBERED_TOKENS);
        assert!(state.has_applied(Some(&format!("tok-{}", REMEMBERED_TOKENS + 9))));
        assert!(!state.has_applied(Some("tok-0")));
    }

    #[test]
    fn final_status_records_end_and_is_not_rolled_back() {
        let (_, mut state) = fresh();
        let done = StatusUpdate {
            status: CallStatus::Completed,
            duration: Some(42),
            sequence: Some(3),
            at: None,
        };
        assert_eq!(state.apply_status(&done, None, t1()), Applied::Changed);
        assert_eq!(state.end_time, Some(t1()));
        assert_eq!(state.duration, Some(42));
        let late = StatusUpdate {
            status: CallStatus::InProgress,
            duration: None,
            sequence: Some(2),
            at: None,
        };
        assert_eq!(state.apply_status(&late, None, t1()), Applied::Unchanged);
        assert_eq!(state.status, CallStatus::Completed);
    }

    #[test]
    fn a_webhooks_in_progress_is_followed_but_never_rolls_back_a_final_status() {
        let (_, mut state) = fresh();
        assert_eq!(state.status, CallStatus::Ringing);
        assert!(!state.follow_webhook_status(&CallStatus::Ringing));
        assert!(state.follow_webhook_status(&CallStatus::InProgress));
        assert_eq!(state.status, CallStatus::InProgress);
        assert!(!state.follow_webhook_status(&CallStatus::InProgress));
        let done = StatusUpdate {
            status: CallStatus::Completed,
            duration: Some(7),
            sequence: None,
            at: None,
        };
        state.apply_status(&done, None, t1());
        assert!(!state.follow_webhook_status(&CallStatus::InProgress));
        assert_eq!(state.status, CallStatus::Completed);
    }

    #[test]
    fn the_end_time_is_twilios_timestamp_when_given() {
        let (_, mut state) = fresh();
        let twilio_says = at("2026-11-25T09:59:59Z");
        let done = StatusUpdate {
            status: CallStatus::Busy,
            duration: None,
            sequence: None,
            at: Some(twilio_says),
        };
        state.apply_status(&done, None, t1());
        assert_eq!(state.end_time, Some(twilio_says));
        assert_eq!(state.updated_at, t1());
    }

    #[test]
    fn the_document_is_camel_case_json() {
        let (_, state) = fresh();
        let json = serde_json::to_value(&state).expect("serialises");
        assert_eq!(json["callSid"], "CA1");
        assert_eq!(json["startTime"], "2026-11-25T10:00:00Z");
        assert_eq!(json["status"], "ringing");
        assert!(
            json.get("appliedTokens").is_none(),
            "empty lists are left out"
        );
        let back: CallState = serde_json::from_value(json).expect("round-trips");
        assert_eq!(back, state);
    }
}
