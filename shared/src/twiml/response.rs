//! `<Response>`, the root of a voice TwiML document, and its serialisation.

use std::fmt;

use super::node::Element;
use super::{
    Connect, Dial, Echo, Enqueue, Gather, Hangup, Leave, Pause, Pay, Play, Prompt, Queue, Record,
    Redirect, Refer, Reject, Say, Sms, Start, Stop,
};

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

/// Any verb that may go directly under `<Response>`; every verb builder converts into
/// it, and so does an [`Element`] (the open element API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verb(Element);

macro_rules! verbs {
    ($($t:ident),*) => {
        $(impl From<$t> for Verb {
            fn from(v: $t) -> Self {
                Verb(v.into())
            }
        })*
    };
}
verbs!(
    Say, Play, Pause, Gather, Redirect, Dial, Hangup, Reject, Record, Enqueue, Leave, Connect,
    Start, Stop, Pay, Refer, Echo, Sms, Prompt, Queue
);

impl From<Element> for Verb {
    fn from(e: Element) -> Self {
        Verb(e)
    }
}

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
    /// Appends `<Connect>`.
    #[must_use]
    pub fn connect(self, connect: Connect) -> Self {
        self.push(connect)
    }
    /// Appends `<Start>`.
    #[must_use]
    pub fn start(self, start: Start) -> Self {
        self.push(start)
    }
    /// Appends `<Stop>`.
    #[must_use]
    pub fn stop(self, stop: Stop) -> Self {
        self.push(stop)
    }
    /// Appends `<Pay>`.
    #[must_use]
    pub fn pay(self, pay: Pay) -> Self {
        self.push(pay)
    }
    /// Appends `<Refer>`.
    #[must_use]
    pub fn refer(self, refer: Refer) -> Self {
        self.push(refer)
    }
    /// Appends `<Echo />`.
    #[must_use]
    pub fn echo(self) -> Self {
        self.push(Echo::new())
    }
    /// Appends `<Sms>`.
    #[must_use]
    pub fn sms(self, sms: Sms) -> Self {
        self.push(sms)
    }
    /// Appends `<Prompt>` at the root, as twilio-python allows; Twilio only accepts it
    /// inside `<Pay>`.
    #[must_use]
    pub fn prompt(self, prompt: Prompt) -> Self {
        self.push(prompt)
    }
    /// Appends `<Queue>` at the root, as twilio-python allows; Twilio only accepts it
    /// inside `<Dial>`.
    #[must_use]
    pub fn queue(self, queue: Queue) -> Self {
        self.push(queue)
    }
    /// Appends any element (the open element API), e.g. a verb this library does not
    /// know yet.
    #[must_use]
    pub fn child(self, element: impl Into<Element>) -> Self {
        self.push(element.into())
    }
    /// Appends text directly under `<Response>` (twilio-python's `append("…")`).
    #[must_use]
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.0.push_text(text);
        self
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
