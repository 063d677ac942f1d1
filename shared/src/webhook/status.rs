//! The typed call status callback (`statusCallback` with `statusCallbackEvent`).

use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

use super::voice::number;
use super::{Form, VoiceRequest, WebhookError};

/// A call progress callback: the voice fields plus the progress ones.
///
/// Callbacks can arrive out of order; sort by [`sequence_number`](Self::sequence_number).
/// Twilio ignores the response body, so answer with [`crate::http::empty`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StatusCallback {
    /// Every field a voice webhook has (`CallSid`, `CallStatus`, …, and the whole form).
    pub call: VoiceRequest,
    /// `CallDuration` in seconds (final callback).
    pub call_duration: Option<u64>,
    /// `Duration` in rounded-up minutes (final callback).
    pub duration: Option<u64>,
    /// `Timestamp` (RFC 2822, e.g. `Mon, 16 Aug 2010 03:45:01 +0000`).
    pub timestamp: Option<OffsetDateTime>,
    /// `CallbackSource` (`call-progress-events`); the same as
    /// [`VoiceRequest::callback_source`], which every webhook has.
    pub callback_source: Option<String>,
    /// `SequenceNumber`, counting up from 0.
    pub sequence_number: Option<u64>,
    /// `AnsweredBy` (answering machine detection).
    pub answered_by: Option<String>,
    /// `SipResponseCode`.
    pub sip_response_code: Option<u16>,
}

impl StatusCallback {
    /// Reads the typed fields out of a parsed form.
    ///
    /// ```
    /// use callflow::webhook::{Form, StatusCallback};
    ///
    /// let form = Form::parse(
    ///     b"CallSid=CA1&AccountSid=AC1&CallStatus=completed&CallDuration=42\
    ///       &SequenceNumber=3&Timestamp=Mon,+16+Aug+2010+03:45:01+%2B0000",
    /// )?;
    /// let cb = StatusCallback::from_form(&form)?;
    /// assert_eq!(cb.call_duration, Some(42));
    /// assert_eq!(cb.sequence_number, Some(3));
    /// assert_eq!(cb.timestamp.map(|t| t.unix_timestamp()), Some(1281930301));
    /// # Ok::<(), callflow::webhook::WebhookError>(())
    /// ```
    pub fn from_form(form: &Form) -> Result<Self, WebhookError> {
        Self::from_owned_form(form.clone())
    }

    /// Like [`from_form`](Self::from_form), keeping the given form without copying it.
    pub fn from_owned_form(form: Form) -> Result<Self, WebhookError> {
        // The voice fields first, so that a missing CallSid is the error reported.
        let call = VoiceRequest::from_owned_form(form)?;
        let form = &call.form;
        let text = |name: &str| form.get(name).filter(|v| !v.is_empty()).map(str::to_owned);
        let timestamp = match form.get("Timestamp") {
            None | Some("") => None,
            Some(v) => Some(OffsetDateTime::parse(v.trim(), &Rfc2822).map_err(|_| {
                WebhookError::InvalidField {
                    field: "Timestamp",
                    value: v.to_owned(),
                    expected: "an RFC 2822 date such as \"Mon, 16 Aug 2010 03:45:01 +0000\"",
                }
            })?),
        };
        Ok(Self {
            call_duration: number(form, "CallDuration", "whole seconds")?,
            duration: number(form, "Duration", "whole minutes")?,
            timestamp,
            callback_source: text("CallbackSource"),
            sequence_number: number(form, "SequenceNumber", "a non-negative integer")?,
            answered_by: text("AnsweredBy"),
            sip_response_code: number(form, "SipResponseCode", "a SIP status code such as 487")?,
            call,
        })
    }

    /// Parses a urlencoded body straight into a callback.
    pub fn parse(body: &[u8]) -> Result<Self, WebhookError> {
        Self::from_form(&Form::parse(body)?)
    }
}
