//! TwiML for voice: a typed builder whose output is byte-identical to twilio-python's.
//!
//! - [`VoiceResponse`]: the `<Response>` root, one method per verb, `to_xml()`.
//! - Every element twilio-python 9.13.0's `VoiceResponse` offers has a typed builder,
//!   one file per family: `verbs` (`Say`, `Play`, `Pause`, `Redirect`, `Hangup`,
//!   `Reject`, `Record`, `Enqueue`/`Task`, `Leave`, `Echo`, `Sms`, `Refer`), `gather`,
//!   `dial` + `nouns` + `sip` (`Number`, `Client`/`Identity`, `Conference`, `Queue`,
//!   `Sim`, `Application`/`ApplicationSid`, `WhatsApp`, `Sip`/`Uri`/`Headers`/`Header`),
//!   `connect` (`Connect`, `ConversationRelay`/`Language`, `VirtualAgent`,
//!   `Conversation`, `Room`, `Autopilot`, `AiSession`, `ConversationRelaySession`),
//!   `media` (`Start`, `Stop`, `Stream`, `Siprec`, `Transcription`, `Recording`), `pay`
//!   (`Pay`, `Prompt`), `params` (`Parameter`, `Config`), `ssml` (inside `Say`).
//! - Every builder has one method per attribute (snake_case of Twilio's lowerCamel
//!   name; `loop` is `loop_count`, `for` is `for_`), one per child it takes, and the
//!   open-element methods `attr`, `kwarg`, `text` and `child`.
//! - [`Element`] writes anything else (the open element API, like twilio-python's
//!   `add_child`): whatever Twilio adds next never waits for this library.
//!
//! Like twilio-python, the builder does not enforce Twilio's nesting rules beyond what
//! the types offer (a `Gather` only takes `Say`, `Play` and `Pause`, plus `child`).

mod connect;
mod dial;
mod gather;
mod macros;
mod media;
pub(crate) mod node;
mod nouns;
mod params;
mod pay;
mod response;
mod sip;
mod ssml;
mod verbs;

pub use connect::{
    AiSession, Autopilot, Connect, Conversation, ConversationRelay, ConversationRelaySession,
    Language, Room, VirtualAgent,
};
pub use dial::Dial;
pub use gather::Gather;
pub use media::{Recording, Siprec, Start, Stop, Stream, Transcription};
pub use node::{attribute_name, Element};
pub use nouns::{
    Application, ApplicationSid, Client, Conference, Identity, Number, Queue, Sim, WhatsApp,
};
pub use params::{Config, Parameter};
pub use pay::{Pay, Prompt};
pub use response::{Verb, VoiceResponse};
pub use sip::{Header, Headers, Sip, SipUri};
pub use ssml::Ssml;
pub use verbs::{
    Echo, Enqueue, Hangup, Leave, Pause, Play, Record, Redirect, Refer, ReferSip, Reject, Say, Sms,
    Task,
};
