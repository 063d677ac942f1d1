//! Twilio webhooks: form parsing into typed requests and `X-Twilio-Signature` checks.
//!
//! - [`Form`]: the urlencoded body as ordered pairs (everything kept, strict decoding).
//! - [`VoiceRequest`] / [`StatusCallback`]: typed views of a voice webhook, with
//!   [`DialCallStatus`], [`RecordingStatus`] and [`TranscriptionStatus`] (closed sets,
//!   unknown values refused) next to [`CallStatus`] (open: new values kept).
//! - [`signature`]: computing and validating signatures (HMAC-SHA1, `bodySHA256`,
//!   and the HMAC-SHA256 SharedKey beta).
//! - [`WebhookError`]: what is wrong with a body; the HTTP layer answers it with 400.
//!
//! Nothing here knows about HTTP; [`crate::http`] wires it to requests and responses.

mod error;
mod form;
mod outcomes;
mod sid;
pub mod signature;
mod status;
mod voice;

pub use error::WebhookError;
pub use form::Form;
pub(crate) use outcomes::wire_enum;
pub use outcomes::{DialCallStatus, RecordingStatus, TranscriptionStatus, UnknownValue};
pub use sid::{is_sid, is_sid_like};
pub use status::StatusCallback;
pub use voice::{CallStatus, Direction, Location, VoiceRequest};
