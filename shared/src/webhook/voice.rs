//! The typed voice webhook: what Twilio posts to a Voice URL, a `<Gather>`/`<Dial>`/
//! `<Record>` action URL, or a fallback URL.

use std::str::FromStr;

use super::outcomes::closed;
use super::sid::is_sid_like;
use super::{DialCallStatus, Form, RecordingStatus, TranscriptionStatus, WebhookError};

/// A voice call webhook.
///
/// Only `CallSid` and `AccountSid` are required: Twilio sends them on every call
/// webhook, and everything else may be absent or empty depending on the call. Empty
/// values are read as absent (`None`), since Twilio uses both for "unknown". The SIDs
/// are checked for their prefix and for being 1–64 ASCII alphanumerics, not for the
/// full `CA`+32-hex shape, so that fixtures with short fake SIDs parse (see
/// [`is_sid_like`](super::is_sid_like)); this is enough to use the SID in a document
/// name safely.
///
/// Every parameter, known or not, stays in [`VoiceRequest::form`], in arrival order,
/// because Twilio adds parameters without notice.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct VoiceRequest {
    /// `CallSid` (`CA…`).
    pub call_sid: String,
    /// `AccountSid` (`AC…`).
    pub account_sid: String,
    /// `From`: E.164 number, `client:name` or a SIP URI.
    pub from: Option<String>,
    /// `To`.
    pub to: Option<String>,
    /// `CallStatus`.
    pub call_status: Option<CallStatus>,
    /// `Direction`.
    pub direction: Option<Direction>,
    /// `ApiVersion` (`2010-04-01`).
    pub api_version: Option<String>,
    /// `ForwardedFrom`, when the carrier passes it.
    pub forwarded_from: Option<String>,
    /// `CallerName`, with CNAM lookup enabled.
    pub caller_name: Option<String>,
    /// `ParentCallSid`, on child legs.
    pub parent_call_sid: Option<String>,
    /// `CallToken`, on inbound PSTN calls.
    pub call_token: Option<String>,
    /// `StirVerstat`, the SHAKEN/STIR result.
    pub stir_verstat: Option<String>,
    /// `ApplicationSid`, when the number points at a TwiML app.
    pub application_sid: Option<String>,
    /// `FromCity`, `FromState`, `FromZip`, `FromCountry`.
    pub from_location: Location,
    /// `ToCity`, `ToState`, `ToZip`, `ToCountry`.
    pub to_location: Location,
    /// `Caller` (legacy duplicate of `From`).
    pub caller: Option<String>,
    /// `Called` (legacy duplicate of `To`).
    pub called: Option<String>,
    /// `Digits`: keys pressed in `<Gather>` (without the finishing key), or the
    /// finishing key / `hangup` after `<Record>`.
    pub digits: Option<String>,
    /// `FinishedOnKey`.
    pub finished_on_key: Option<String>,
    /// `SpeechResult`.
    pub speech_result: Option<String>,
    /// `Confidence` (0.0–1.0).
    pub confidence: Option<f64>,
    /// `UnstableSpeechResult` (partial-result callbacks).
    pub unstable_speech_result: Option<String>,
    /// `StableSpeechResult` (partial-result callbacks).
    pub stable_speech_result: Option<String>,
    /// `Stability` (partial-result callbacks).
    pub stability: Option<f64>,
    /// `DialCallStatus` (`<Dial>` action); a value Twilio does not document is refused.
    pub dial_call_status: Option<DialCallStatus>,
    /// `DialCallSid` (`<Dial>` action).
    pub dial_call_sid: Option<String>,
    /// `DialCallDuration` in seconds (`<Dial>` action).
    pub dial_call_duration: Option<u64>,
    /// `RecordingUrl`.
    pub recording_url: Option<String>,
    /// `RecordingSid`.
    pub recording_sid: Option<String>,
    /// `RecordingDuration` in seconds.
    pub recording_duration: Option<u64>,
    /// `RecordingStatus` (recording status callback); unknown values are refused.
    pub recording_status: Option<RecordingStatus>,
    /// `TranscriptionText` (transcription callback).
    pub transcription_text: Option<String>,
    /// `TranscriptionStatus` (transcription callback); unknown values are refused.
    pub transcription_status: Option<TranscriptionStatus>,
    /// `SessionStatus` (`<Connect action>` after a ConversationRelay session).
    pub session_status: Option<String>,
    /// `SessionDuration` in seconds (`<Connect action>`).
    pub session_duration: Option<u64>,
    /// `CallbackSource` (`call-progress-events` on call progress callbacks).
    pub callback_source: Option<String>,
    /// `ErrorCode` (fallback URL requests).
    pub error_code: Option<String>,
    /// `ErrorUrl` (fallback URL requests).
    pub error_url: Option<String>,
    /// Every parameter as received, known and unknown.
    pub form: Form,
}

/// A From*/To* geography block. Twilio fills it when it can and often sends it empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// `…City`.
    pub city: Option<String>,
    /// `…State`.
    pub state: Option<String>,
    /// `…Zip`.
    pub zip: Option<String>,
    /// `…Country`.
    pub country: Option<String>,
}

/// Parameter names [`VoiceRequest`] maps to a field; everything else is "unknown".
pub(crate) const VOICE_FIELDS: &[&str] = &[
    "CallSid",
    "AccountSid",
    "From",
    "To",
    "CallStatus",
    "Direction",
    "ApiVersion",
    "ForwardedFrom",
    "CallerName",
    "ParentCallSid",
    "CallToken",
    "StirVerstat",
    "ApplicationSid",
    "FromCity",
    "FromState",
    "FromZip",
    "FromCountry",
    "ToCity",
    "ToState",
    "ToZip",
    "ToCountry",
    "Caller",
    "Called",
    "Digits",
    "FinishedOnKey",
    "SpeechResult",
    "Confidence",
    "UnstableSpeechResult",
    "StableSpeechResult",
    "Stability",
    "DialCallStatus",
    "DialCallSid",
    "DialCallDuration",
    "RecordingUrl",
    "RecordingSid",
    "RecordingDuration",
    "RecordingStatus",
    "TranscriptionText",
    "TranscriptionStatus",
    "SessionStatus",
    "SessionDuration",
    "CallbackSource",
    "ErrorCode",
    "ErrorUrl",
];

impl VoiceRequest {
    /// Reads the typed fields out of a parsed form (which is kept whole in `form`).
    ///
    /// ```
    /// use callflow::webhook::{CallStatus, Form, VoiceRequest};
    ///
    /// let form = Form::parse(b"CallSid=CA1&AccountSid=AC1&From=%2B15551234&CallStatus=in-progress&Digits=2")?;
    /// let call = VoiceRequest::from_form(&form)?;
    /// assert_eq!(call.call_sid, "CA1");
    /// assert_eq!(call.call_status, Some(CallStatus::InProgress));
    /// assert_eq!(call.digits.as_deref(), Some("2"));
    /// # Ok::<(), callflow::webhook::WebhookError>(())
    /// ```
    pub fn from_form(form: &Form) -> Result<Self, WebhookError> {
        Self::from_owned_form(form.clone())
    }

    /// Like [`from_form`](Self::from_form), keeping the given form without copying it.
    pub fn from_owned_form(form: Form) -> Result<Self, WebhookError> {
        let text = |name: &str| form.get(name).filter(|v| !v.is_empty()).map(str::to_owned);
        let location = |[city, state, zip, country]: [&str; 4]| Location {
            city: text(city),
            state: text(state),
            zip: text(zip),
            country: text(country),
        };
        Ok(Self {
            call_sid: required_sid(&form, "CallSid", "CA")?,
            account_sid: required_sid(&form, "AccountSid", "AC")?,
            from: text("From"),
            to: text("To"),
            call_status: text("CallStatus").map(|s| CallStatus::from(s.as_str())),
            direction: text("Direction").map(|s| Direction::from(s.as_str())),
            api_version: text("ApiVersion"),
            forwarded_from: text("ForwardedFrom"),
            caller_name: text("CallerName"),
            parent_call_sid: text("ParentCallSid"),
            call_token: text("CallToken"),
            stir_verstat: text("StirVerstat"),
            application_sid: text("ApplicationSid"),
            from_location: location(["FromCity", "FromState", "FromZip", "FromCountry"]),
            to_location: location(["ToCity", "ToState", "ToZip", "ToCountry"]),
            caller: text("Caller"),
            called: text("Called"),
            digits: text("Digits"),
            finished_on_key: text("FinishedOnKey"),
            speech_result: text("SpeechResult"),
            confidence: decimal(&form, "Confidence")?,
            unstable_speech_result: text("UnstableSpeechResult"),
            stable_speech_result: text("StableSpeechResult"),
            stability: decimal(&form, "Stability")?,
            dial_call_status: closed(&form, "DialCallStatus")?,
            dial_call_sid: text("DialCallSid"),
            dial_call_duration: number(&form, "DialCallDuration", "whole seconds")?,
            recording_url: text("RecordingUrl"),
            recording_sid: text("RecordingSid"),
            recording_duration: number(&form, "RecordingDuration", "whole seconds")?,
            recording_status: closed(&form, "RecordingStatus")?,
            transcription_text: text("TranscriptionText"),
            transcription_status: closed(&form, "TranscriptionStatus")?,
            session_status: text("SessionStatus"),
            session_duration: number(&form, "SessionDuration", "whole seconds")?,
            callback_source: text("CallbackSource"),
            error_code: text("ErrorCode"),
            error_url: text("ErrorUrl"),
            form,
        })
    }

    /// Parses a urlencoded body straight into a request.
    pub fn parse(body: &[u8]) -> Result<Self, WebhookError> {
        Self::from_form(&Form::parse(body)?)
    }

    /// Whether this is a call progress callback (`CallbackSource=call-progress-events`:
    /// ringing, answered, …), which wants no TwiML.
    pub fn is_progress_callback(&self) -> bool {
        self.callback_source.as_deref() == Some("call-progress-events")
    }

    /// Parameters this type has no field for, in arrival order (`SipHeader_*`,
    /// `AddOns`, whatever Twilio adds next).
    pub fn unknown_fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.form.iter().filter(|(n, _)| !VOICE_FIELDS.contains(n))
    }
}

pub(crate) fn required_sid(
    form: &Form,
    name: &'static str,
    prefix: &'static str,
) -> Result<String, WebhookError> {
    match form.get(name) {
        None | Some("") => Err(WebhookError::MissingField(name)),
        Some(v) if is_sid_like(v, prefix) => Ok(v.to_owned()),
        Some(v) => Err(WebhookError::InvalidField {
            field: name,
            value: v.to_owned(),
            expected: if prefix == "CA" {
                "a call SID: \"CA\" followed by letters and digits"
            } else {
                "an account SID: \"AC\" followed by letters and digits"
            },
        }),
    }
}

/// An optional numeric field: absent or empty is `None`, anything unparsable an error.
pub(crate) fn number<T: FromStr>(
    form: &Form,
    name: &'static str,
    expected: &'static str,
) -> Result<Option<T>, WebhookError> {
    match form.get(name) {
        None | Some("") => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| WebhookError::InvalidField {
                field: name,
                value: v.to_owned(),
                expected,
            }),
    }
}

/// An optional finite decimal such as `0.92` (`NaN` and infinities are refused).
fn decimal(form: &Form, name: &'static str) -> Result<Option<f64>, WebhookError> {
    let expected = "a finite decimal number such as 0.92";
    match number::<f64>(form, name, expected)? {
        Some(x) if !x.is_finite() => Err(WebhookError::InvalidField {
            field: name,
            value: form.get(name).unwrap_or_default().to_owned(),
            expected,
        }),
        x => Ok(x),
    }
}

/// `CallStatus`. Unknown values are kept in `Other` rather than rejected: Twilio may
/// add statuses, and refusing a call over a new status would be worse than not
/// recognising it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallStatus {
    /// `queued`
    Queued,
    /// `initiated` (progress callbacks only)
    Initiated,
    /// `ringing`
    Ringing,
    /// `in-progress`
    InProgress,
    /// `completed`
    Completed,
    /// `busy`
    Busy,
    /// `failed`
    Failed,
    /// `no-answer`
    NoAnswer,
    /// `canceled`
    Canceled,
    /// Anything else, as sent.
    Other(String),
}

impl CallStatus {
    /// Twilio's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Queued => "queued",
            Self::Initiated => "initiated",
            Self::Ringing => "ringing",
            Self::InProgress => "in-progress",
            Self::Completed => "completed",
            Self::Busy => "busy",
            Self::Failed => "failed",
            Self::NoAnswer => "no-answer",
            Self::Canceled => "canceled",
            Self::Other(s) => s,
        }
    }

    /// Whether the call is over (`completed`, `busy`, `failed`, `no-answer`, `canceled`).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Busy | Self::Failed | Self::NoAnswer | Self::Canceled
        )
    }
}

impl From<&str> for CallStatus {
    fn from(s: &str) -> Self {
        match s {
            "queued" => Self::Queued,
            "initiated" => Self::Initiated,
            "ringing" => Self::Ringing,
            "in-progress" => Self::InProgress,
            "completed" => Self::Completed,
            "busy" => Self::Busy,
            "failed" => Self::Failed,
            "no-answer" => Self::NoAnswer,
            "canceled" => Self::Canceled,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl std::fmt::Display for CallStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// As Twilio spells it (`"in-progress"`), so stored call states read like the webhook.
impl serde::Serialize for CallStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for CallStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Self::from(text.as_ref()))
    }
}

/// `Direction`. Unknown values are kept, as for [`CallStatus`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `inbound`
    Inbound,
    /// `outbound-api`
    OutboundApi,
    /// `outbound-dial`
    OutboundDial,
    /// Anything else, as sent.
    Other(String),
}

impl Direction {
    /// Twilio's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Inbound => "inbound",
            Self::OutboundApi => "outbound-api",
            Self::OutboundDial => "outbound-dial",
            Self::Other(s) => s,
        }
    }
}

impl From<&str> for Direction {
    fn from(s: &str) -> Self {
        match s {
            "inbound" => Self::Inbound,
            "outbound-api" => Self::OutboundApi,
            "outbound-dial" => Self::OutboundDial,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
