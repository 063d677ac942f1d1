//! What the call state keeps from the stages that end without caller input: how a
//! `<Dial>` went, the voicemail `<Record>`ing (with its status and transcription
//! callbacks), the `<Connect>`ed stream or agent session; and the rule that applies
//! those callbacks.
//!
//! Each fact is one bounded field (the latest dial, recording and connection; text
//! fields capped in bytes), so the document stays far below Sync's 16 KiB whatever
//! Twilio or a caller sends. Callbacks carry the stage they were made for
//! (`?stage=…&event=…`): one for a stage the call has left is still recorded (it is a
//! fact about the call) but marked stale and moves nothing, like a late gather answer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::flow::{ConnectTarget, Flow, StageKind, Step};
use crate::timestamp::Timestamp;
use crate::webhook::{DialCallStatus, RecordingStatus, TranscriptionStatus};

use super::model::{Applied, CallState};

/// Longest URL, SID or status kept from a callback, in bytes.
pub const MAX_FIELD_BYTES: usize = 512;
/// Longest transcript kept, in bytes (a longer one is cut and marked `transcriptTruncated`).
pub const MAX_TRANSCRIPT_BYTES: usize = 2048;

/// How the latest dial stage's `<Dial>` ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DialResult {
    /// The dial stage.
    pub stage: String,
    /// `DialCallStatus`.
    pub status: DialCallStatus,
    /// `DialCallSid`: the SID of the dialled (child) leg, when it was placed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_sid: Option<String>,
    /// `DialCallDuration`, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u64>,
    /// The stage it moved the call to (none when stale).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// The callback came for a stage the call had already left: recorded, but it moved
    /// nothing (and `next` is `None`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
    /// When the callback was applied.
    pub at: Timestamp,
}

/// The latest voicemail, filled in by the record action, the recording status callback
/// and the transcription callback, in whatever order they arrive.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingInfo {
    /// The record stage.
    pub stage: String,
    /// `RecordingSid` (`RE…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `RecordingUrl`: where Twilio serves the audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u64>,
    /// `RecordingStatus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RecordingStatus>,
    /// The key that ended the recording (`Digits`: a key or `hangup`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_on: Option<String>,
    /// `TranscriptionText`, at most [`MAX_TRANSCRIPT_BYTES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
    /// The transcript was longer than [`MAX_TRANSCRIPT_BYTES`] and was cut.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub transcript_truncated: bool,
    /// `TranscriptionStatus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcription_status: Option<TranscriptionStatus>,
    /// When a callback last changed this recording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
}

/// The latest `<Connect>`: what the call was handed to and how the session ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectInfo {
    /// The connect stage.
    pub stage: String,
    /// `stream` or `conversation-relay`; `None` (stored as `""`) when the session's end
    /// came without its start (a state from before this field, or a stage renamed under
    /// a live call).
    #[serde(with = "target_or_empty")]
    pub target: Option<ConnectTarget>,
    /// The stream's WebSocket URL or the relay's URL, from the flow file (`""` when the
    /// session's end came without its start).
    pub url: String,
    /// The `<Parameter>`s sent along (from the flow file).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
    /// When the call entered the connect stage (or, without that record, when the session
    /// ended).
    pub started_at: Timestamp,
    /// When the `<Connect action>` reported the session over; `None` while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Timestamp>,
    /// `SessionStatus` of a ConversationRelay session, when Twilio gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_status: Option<String>,
    /// `SessionDuration`, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_duration: Option<u64>,
}

/// A callback for a stage that ends without caller input.
#[derive(Debug, Clone, PartialEq)]
pub enum CallEvent<'a> {
    /// The `<Redirect>` of a say-and-continue stage.
    Continued,
    /// The `<Dial action>`.
    Dialled {
        /// `DialCallStatus`.
        status: DialCallStatus,
        /// `DialCallSid`, the dialled leg.
        call_sid: Option<&'a str>,
        /// `DialCallDuration`, seconds.
        duration: Option<u64>,
    },
    /// The `<Record action>` (all `None` after an empty recording, which Twilio does
    /// not report: the `<Redirect>` after `<Record>` brings it).
    Recorded {
        /// `RecordingUrl`.
        url: Option<&'a str>,
        /// `RecordingSid`.
        sid: Option<&'a str>,
        /// `RecordingDuration`, seconds.
        duration: Option<u64>,
        /// `Digits`: the key that ended the recording, or `hangup`.
        digits: Option<&'a str>,
    },
    /// The recording status callback (asynchronous; moves nothing).
    RecordingStatus {
        /// `RecordingUrl`.
        url: Option<&'a str>,
        /// `RecordingSid`.
        sid: Option<&'a str>,
        /// `RecordingDuration`, seconds.
        duration: Option<u64>,
        /// `RecordingStatus`.
        status: Option<RecordingStatus>,
    },
    /// The transcription callback (asynchronous; moves nothing).
    Transcribed {
        /// `TranscriptionText`.
        text: Option<&'a str>,
        /// `TranscriptionStatus`.
        status: Option<TranscriptionStatus>,
        /// `RecordingSid` of the recording transcribed.
        recording_sid: Option<&'a str>,
        /// `RecordingUrl` of the recording transcribed.
        recording_url: Option<&'a str>,
    },
    /// The `<Connect action>`: the stream or session ended.
    SessionEnded {
        /// `SessionStatus` (ConversationRelay; absent for a stream).
        status: Option<&'a str>,
        /// `SessionDuration`, seconds.
        duration: Option<u64>,
    },
}

impl CallEvent<'_> {
    /// Whether Twilio waits for TwiML in answer (otherwise it ignores the body).
    pub fn wants_twiml(&self) -> bool {
        !matches!(
            self,
            CallEvent::RecordingStatus { .. } | CallEvent::Transcribed { .. }
        )
    }
}

impl CallState {
    /// Records a callback made for `stage` and, when the call is still in that stage,
    /// moves it on as the flow says.
    pub fn apply_event(
        &mut self,
        flow: &Flow,
        stage: &str,
        event: &CallEvent<'_>,
        token: Option<&str>,
        now: Timestamp,
    ) -> Applied {
        if self.has_applied(token) {
            return Applied::Unchanged;
        }
        // The stage comes from the callback's query: keep it bounded like any input.
        let stage = &capped(stage, MAX_FIELD_BYTES);
        let current = *stage == self.stage && !self.left_flow(flow);
        let step = match *event {
            CallEvent::Continued => Some(Step::Continued),
            CallEvent::Dialled { status, .. } => Some(Step::Dialled(status)),
            CallEvent::Recorded { .. } => Some(Step::Recorded),
            CallEvent::SessionEnded { .. } => Some(Step::SessionEnded),
            CallEvent::RecordingStatus { .. } | CallEvent::Transcribed { .. } => None,
        };
        let next = step
            .filter(|_| current)
            .and_then(|step| flow.next_after(stage, step))
            .map(str::to_owned);
        self.note(stage, event, current, next.as_deref(), now);
        if let Some(next) = next {
            self.move_to(flow, &next, now);
        }
        self.remember(token, now);
        Applied::Changed
    }

    /// Moves the call into `stage`, noting what entering it starts.
    pub(super) fn move_to(&mut self, flow: &Flow, stage: &str, now: Timestamp) {
        self.stage = stage.to_owned();
        self.retries = 0;
        self.entered(flow, now);
    }

    /// What entering the current stage starts: a connect stage hands the call over now.
    pub(super) fn entered(&mut self, flow: &Flow, now: Timestamp) {
        if let Some(StageKind::Connect(connect)) = flow.stage(&self.stage).map(|s| &s.kind) {
            self.connect = Some(ConnectInfo {
                stage: self.stage.clone(),
                target: Some(connect.target),
                url: connect.url.clone(),
                parameters: connect.parameters.clone(),
                started_at: now,
                ended_at: None,
                session_status: None,
                session_duration: None,
            });
        }
    }

    fn note(
        &mut self,
        stage: &str,
        event: &CallEvent<'_>,
        current: bool,
        next: Option<&str>,
        now: Timestamp,
    ) {
        match *event {
            CallEvent::Continued => {}
            CallEvent::Dialled {
                status,
                call_sid,
                duration,
            } => {
                self.dial = Some(DialResult {
                    stage: stage.to_owned(),
                    status,
                    call_sid: call_sid.map(|s| capped(s, MAX_FIELD_BYTES)),
                    duration,
                    next: next.map(str::to_owned),
                    stale: !current,
                    at: now,
                })
            }
            CallEvent::Recorded {
                url,
                sid,
                duration,
                digits,
            } => {
                let recording = self.recording_for(stage, sid, now);
                fill(&mut recording.url, url);
                fill(&mut recording.sid, sid);
                recording.duration = duration.or(recording.duration);
                fill(&mut recording.finished_on, digits);
            }
            CallEvent::RecordingStatus {
                url,
                sid,
                duration,
                status,
            } => {
                let recording = self.recording_for(stage, sid, now);
                fill(&mut recording.url, url);
                fill(&mut recording.sid, sid);
                recording.duration = duration.or(recording.duration);
                // A late `in-progress` never replaces a final status.
                let settled = recording.status.is_some_and(RecordingStatus::is_final);
                if !settled {
                    recording.status = status.or(recording.status);
                }
            }
            CallEvent::Transcribed {
                text,
                status,
                recording_sid,
                recording_url,
            } => {
                let recording = self.recording_for(stage, recording_sid, now);
                fill(&mut recording.sid, recording_sid);
                fill(&mut recording.url, recording_url);
                recording.transcription_status = status.or(recording.transcription_status);
                if let Some(text) = text {
                    recording.transcript = Some(capped(text, MAX_TRANSCRIPT_BYTES));
                    recording.transcript_truncated = text.len() > MAX_TRANSCRIPT_BYTES;
                }
            }
            CallEvent::SessionEnded { status, duration } => {
                // Entered without a record (a state from before this field, or a stage
                // renamed under a live call): keep what Twilio says anyway.
                if self.connect.as_ref().is_none_or(|c| c.stage != stage) {
                    self.connect = None;
                }
                let connect = self.connect.get_or_insert_with(|| ConnectInfo {
                    stage: stage.to_owned(),
                    target: None,
                    url: String::new(),
                    parameters: BTreeMap::new(),
                    started_at: now,
                    ended_at: None,
                    session_status: None,
                    session_duration: None,
                });
                connect.ended_at = Some(now);
                fill(&mut connect.session_status, status);
                connect.session_duration = duration.or(connect.session_duration);
            }
        }
    }

    /// The recording a callback is about: the stored one unless the callback names a
    /// different recording or stage, which starts a new one (the latest wins).
    fn recording_for(
        &mut self,
        stage: &str,
        sid: Option<&str>,
        now: Timestamp,
    ) -> &mut RecordingInfo {
        let same = self.recording.as_ref().is_some_and(|r| {
            r.stage == stage
                && match (r.sid.as_deref(), sid) {
                    (Some(stored), Some(given)) => stored == capped(given, MAX_FIELD_BYTES),
                    _ => true,
                }
        });
        if !same {
            self.recording = None;
        }
        let recording = self.recording.get_or_insert_with(|| RecordingInfo {
            stage: stage.to_owned(),
            ..RecordingInfo::default()
        });
        recording.updated_at = Some(now);
        recording
    }
}

/// `ConnectInfo::target` as documents have always stored it: the name, or `""` when
/// unknown (so documents written before the enum still read).
mod target_or_empty {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::flow::ConnectTarget;

    pub fn serialize<S: Serializer>(
        target: &Option<ConnectTarget>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(target.map_or("", ConnectTarget::as_str))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ConnectTarget>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        match text.as_ref() {
            "" => Ok(None),
            name => name.parse().map(Some).map_err(serde::de::Error::custom),
        }
    }
}

/// Sets `slot` to `value` (capped) when the callback carries a non-empty value.
fn fill(slot: &mut Option<String>, value: Option<&str>) {
    if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
        *slot = Some(capped(value, MAX_FIELD_BYTES));
    }
}

/// `text` cut to at most `max` bytes on a character boundary.
pub(super) fn capped(text: &str, max: usize) -> String {
    crate::text::cut(text, max).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: &str = "2026-11-25T10:00:00Z";
    const T1: &str = "2026-11-25T10:00:05Z";

    use crate::webhook::CallStatus;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("an RFC 3339 time")
    }

    fn in_stage(stage: &str) -> (Flow, CallState) {
        let flow = Flow::example();
        let mut state = CallState::new(
            "CA1",
            "+15550001",
            "+15550002",
            CallStatus::InProgress,
            &flow,
            at(T0),
        );
        state.move_to(&flow, stage, at(T0));
        (flow, state)
    }

    fn dialled(status: DialCallStatus) -> CallEvent<'static> {
        CallEvent::Dialled {
            status,
            call_sid: Some("CA2"),
            duration: Some(0),
        }
    }

    #[test]
    fn a_dial_result_routes_and_is_kept() {
        let (flow, mut state) = in_stage("sales");
        state.apply_event(
            &flow,
            "sales",
            &dialled(DialCallStatus::NoAnswer),
            Some("t1"),
            at(T1),
        );
        assert_eq!(state.stage, "voicemail");
        let dial = state.dial.clone().expect("kept");
        assert_eq!(
            (dial.status, dial.next.as_deref(), dial.stale),
            (DialCallStatus::NoAnswer, Some("voicemail"), false)
        );
        // Redelivered: nothing changes. Late for a stage the call left: kept, stale.
        let again = state.apply_event(
            &flow,
            "sales",
            &dialled(DialCallStatus::Completed),
            Some("t1"),
            at(T1),
        );
        assert_eq!(again, Applied::Unchanged);
        state.apply_event(
            &flow,
            "sales",
            &dialled(DialCallStatus::Completed),
            Some("t2"),
            at(T1),
        );
        assert_eq!(state.stage, "voicemail");
        assert!(state
            .dial
            .as_ref()
            .is_some_and(|d| d.stale && d.next.is_none()));
    }

    #[test]
    fn recording_callbacks_merge_in_any_order_and_never_move_the_call() {
        let (flow, mut state) = in_stage("voicemail");
        let status = CallEvent::RecordingStatus {
            url: Some("https://api.twilio.com/rec/RE1"),
            sid: Some("RE1"),
            duration: Some(7),
            status: Some(RecordingStatus::Completed),
        };
        state.apply_event(&flow, "voicemail", &status, None, at(T0));
        assert_eq!(state.stage, "voicemail", "a status callback moves nothing");
        let action = CallEvent::Recorded {
            url: Some("https://api.twilio.com/rec/RE1"),
            sid: Some("RE1"),
            duration: Some(7),
            digits: Some("#"),
        };
        state.apply_event(&flow, "voicemail", &action, None, at(T1));
        assert_eq!(state.stage, "voicemail_thanks");
        let late = CallEvent::RecordingStatus {
            url: None,
            sid: Some("RE1"),
            duration: None,
            status: Some(RecordingStatus::InProgress),
        };
        state.apply_event(&flow, "voicemail", &late, None, at(T1));
        let long = "word ".repeat(1000);
        let transcript = CallEvent::Transcribed {
            text: Some(&long),
            status: Some(TranscriptionStatus::Completed),
            recording_sid: Some("RE1"),
            recording_url: None,
        };
        state.apply_event(&flow, "voicemail", &transcript, None, at(T1));
        let rec = state.recording.expect("kept");
        assert_eq!(rec.status, Some(RecordingStatus::Completed));
        assert_eq!(rec.duration, Some(7));
        assert_eq!(rec.finished_on.as_deref(), Some("#"));
        assert_eq!(rec.transcript.map(|t| t.len()), Some(MAX_TRANSCRIPT_BYTES));
        assert!(rec.transcript_truncated);
        assert_eq!(
            rec.transcription_status,
            Some(TranscriptionStatus::Completed)
        );
    }

    #[test]
    fn entering_a_connect_stage_records_it_and_the_session_end_moves_on() {
        let (flow, mut state) = in_stage("welcome");
        let answer = super::super::GatherAnswer {
            stage: Some("welcome"),
            digits: Some("5"),
            speech: None,
            confidence: None,
        };
        state.apply_gather(&flow, &answer, None, at(T0));
        assert_eq!(state.stage, "assistant");
        let connect = state.connect.clone().expect("recorded on entry");
        assert_eq!(connect.target, Some(ConnectTarget::ConversationRelay));
        assert_eq!(connect.parameters["line"], "support");
        let ended = CallEvent::SessionEnded {
            status: Some("completed"),
            duration: Some(42),
        };
        state.apply_event(&flow, "assistant", &ended, None, at(T1));
        assert_eq!(state.stage, "assistant_done");
        let connect = state.connect.expect("kept");
        assert_eq!(connect.session_duration, Some(42));
        assert_eq!(connect.ended_at, Some(at(T1)));
    }

    #[test]
    fn capping_keeps_whole_characters() {
        assert_eq!(capped("héllo", 2), "h");
        assert_eq!(capped("abc", 5), "abc");
    }
}
