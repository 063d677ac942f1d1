//! TwiML for voice: a typed builder whose output is byte-identical to twilio-python's.
//!
//! - [`VoiceResponse`]: the `<Response>` root, one method per verb, `to_xml()`.
//! - Verbs: [`Say`] (with [`Ssml`] inside), [`Play`], [`Pause`], [`Gather`],
//!   [`Redirect`], [`Dial`] (with [`Number`], [`Client`], [`Conference`], [`Queue`],
//!   [`Sip`]), [`Hangup`], [`Reject`], [`Record`], [`Enqueue`], [`Leave`].
//! - Every builder has one method per attribute (snake_case of Twilio's lowerCamel
//!   name; `loop` is `loop_count`) and `attr(name, value)` for anything else.
//!
//! Like twilio-python, the builder does not enforce Twilio's nesting rules beyond what
//! the types offer (a `Gather` only takes `Say`, `Play` and `Pause`).

mod dial;
mod gather;
mod macros;
pub(crate) mod node;
mod response;
mod ssml;
mod verbs;

pub use dial::{Client, Conference, Dial, Number, Queue, Sip};
pub use gather::Gather;
pub use response::{Verb, VoiceResponse};
pub use ssml::Ssml;
pub use verbs::{Enqueue, Hangup, Leave, Pause, Play, Record, Redirect, Reject, Say};
