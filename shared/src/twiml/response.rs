//! `<Response>`, the root of a voice TwiML document, and its serialisation.

use std::fmt;

use super::node::Element;
use super::{Dial, Enqueue, Gather, Hangup, Leave, Pause, Play, Record, Redirect, Reject, Say};

/// A voice TwiML document: verbs in the order they run.
///
/// `to_xml()` gives exactly what twilio-python 9.13.0's `str(VoiceResponse)` gives for
/// the same verbs and attributes (see the golden tests), except that characters XML
/// forbids are dropped instead of producing a document Twilio cannot parse.
///
/// ```
/// use callflow::twiml::{Gather, Say, VoiceResponse};
///
/// let twiml = VoiceResponse::new()
///     .say(Say::new("Welcome & thanks for calling.").voice("alice"))
///     .gather(Gather::new().input("dtmf speech").num_digits(1).say(Say::new("Press 1 for sales.")))
///     .hangup();
/// assert_eq!(
///     twiml.to_xml(),
///     concat!(
///         r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#,
///         r#"<Say voice="alice">Welcome &amp; thanks for calling.</Say>"#,
///         r#"<Gather input="dtmf speech" numDigits="1"><Say>Press 1 for sales.</Say></Gather>"#,
///         r#"<Hangup /></Response>"#,
///     )
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceResponse(Element);

/// Any verb that may go directly under `<Response>`; every verb builder converts into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verb(Element);

macro_rules! verbs {
    ($($t:ident),*) => {
        $(impl From<$t> for Verb {
            fn from(v: $t) -> Self {
                Verb(v.0)
            }
        })*
    };
}
verbs!(Say, Play, Pause, Gather, Redirect, Dial, Hangup, Reject, Record, Enqueue, Leave);

impl VoiceResponse {
    /// An empty `<Response />` (Twilio hangs up after it).
    pub fn new() -> Self {
        Self(Element::new("Response"))
    }

    /// Appends any verb.
    #[must_use]
    pub fn push(mut self, verb: impl Into<Verb>) -> Self {
        self.0.push(verb.into().0);
        self
    }

    /// Appends `<Say>`.
    #[must_use]
    pub fn say(self, say: Say) -> Self {
        self.push(say)
    }
    /// Appends `<Play>`.
    #[must_use]
    pub fn play(self, play: Play) -> Self {
        self.push(play)
    }
    /// Appends `<Pause>`.
    #[must_use]
    pub fn pause(self, pause: Pause) -> Self {
        self.push(pause)
    }
    /// Appends `<Gather>`.
    #[must_use]
    pub fn gather(self, gather: Gather) -> Self {
        self.push(gather)
    }
    /// Appends `<Redirect>`; nothing after it runs.
    #[must_use]
    pub fn redirect(self, redirect: Redirect) -> Self {
        self.push(redirect)
    }
    /// Appends `<Dial>`.
    #[must_use]
    pub fn dial(self, dial: Dial) -> Self {
        self.push(dial)
    }
    /// Appends `<Hangup />`; nothing after it runs.
    #[must_use]
    pub fn hangup(self) -> Self {
        self.push(Hangup::new())
    }
    /// Appends `<Reject>`; it must come before anything that answers the call.
    #[must_use]
    pub fn reject(self, reject: Reject) -> Self {
        self.push(reject)
    }
    /// Appends `<Record>`.
    #[must_use]
    pub fn record(self, record: Record) -> Self {
        self.push(record)
    }
    /// Appends `<Enqueue>`.
    #[must_use]
    pub fn enqueue(self, enqueue: Enqueue) -> Self {
        self.push(enqueue)
    }
    /// Appends `<Leave />`.
    #[must_use]
    pub fn leave(self) -> Self {
        self.push(Leave::new())
    }

    /// The document with the XML declaration, ready to send as `text/xml`.
    pub fn to_xml(&self) -> String {
        self.0.to_xml(true)
    }

    /// The document without the XML declaration.
    pub fn to_xml_without_declaration(&self) -> String {
        self.0.to_xml(false)
    }
}

impl Default for VoiceResponse {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for VoiceResponse {
    /// Same as [`VoiceResponse::to_xml`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_xml())
    }
}
