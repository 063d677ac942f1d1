//! The leaf voice verbs: `<Say>`, `<Play>`, `<Pause>`, `<Redirect>`, `<Hangup>`,
//! `<Reject>`, `<Record>`, `<Enqueue>`, `<Leave>`. `<Gather>` and `<Dial>`, which nest,
//! have their own files.

use super::macros::{any_attr, bool_attrs, str_attrs, u32_attrs};
use super::node::Element;
use super::Ssml;

/// `<Say>`: text to speak, optionally with SSML inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Say(pub(crate) Element);

impl Say {
    /// Speaks `message` (an empty message gives `<Say />`, as twilio-python does).
    pub fn new(message: impl Into<String>) -> Self {
        let mut e = Element::new("Say");
        e.push_text(message);
        Self(e)
    }

    /// Appends plain text after what is already inside.
    #[must_use]
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.0.push_text(text);
        self
    }

    /// Appends an SSML element.
    #[must_use]
    pub fn ssml(mut self, ssml: Ssml) -> Self {
        self.0.push(ssml.0);
        self
    }

    str_attrs! {
        /// `voice`, e.g. `alice`, `Polly.Joanna`, `Google.en-US-Neural2-F`.
        voice => "voice",
        /// `language`, e.g. `en-US` (written as given, not normalised).
        language => "language",
    }
    u32_attrs! {
        /// `loop`: how many times to say it (0 = until the call ends).
        loop_count => "loop",
    }
    any_attr!();
}

/// `<Play>`: an audio URL, or DTMF tones with [`Play::digits`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Play(pub(crate) Element);

impl Play {
    /// Plays the media at `url` (pass `""` when only playing `digits`).
    pub fn new(url: impl Into<String>) -> Self {
        let mut e = Element::new("Play");
        e.push_text(url);
        Self(e)
    }
    u32_attrs! {
        /// `loop`: how many times to play (0 = until the call ends).
        loop_count => "loop",
    }
    str_attrs! {
        /// `digits`: DTMF tones to send (`w` = half a second's wait).
        digits => "digits",
    }
    any_attr!();
}

/// `<Pause>`: silence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pause(pub(crate) Element);

impl Pause {
    /// A pause of Twilio's default length (1 s).
    pub fn new() -> Self {
        Self(Element::new("Pause"))
    }
    u32_attrs! {
        /// `length` in seconds.
        length => "length",
    }
    any_attr!();
}

impl Default for Pause {
    fn default() -> Self {
        Self::new()
    }
}

/// `<Redirect>`: continue with the TwiML at another URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect(pub(crate) Element);

impl Redirect {
    /// Redirects to `url`.
    pub fn new(url: impl Into<String>) -> Self {
        let mut e = Element::new("Redirect");
        e.push_text(url);
        Self(e)
    }
    str_attrs! {
        /// `method`: `GET` or `POST` (default).
        method => "method",
    }
    any_attr!();
}

/// `<Hangup>`: end the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hangup(pub(crate) Element);

impl Hangup {
    /// `<Hangup />`.
    pub fn new() -> Self {
        Self(Element::new("Hangup"))
    }
    any_attr!();
}

impl Default for Hangup {
    fn default() -> Self {
        Self::new()
    }
}

/// `<Leave>`: leave the queue (in an `<Enqueue>` wait URL's TwiML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leave(pub(crate) Element);

impl Leave {
    /// `<Leave />`.
    pub fn new() -> Self {
        Self(Element::new("Leave"))
    }
    any_attr!();
}

impl Default for Leave {
    fn default() -> Self {
        Self::new()
    }
}

/// `<Reject>`: refuse the call without answering it (no charge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject(pub(crate) Element);

impl Reject {
    /// `<Reject />` (reason `rejected`).
    pub fn new() -> Self {
        Self(Element::new("Reject"))
    }
    str_attrs! {
        /// `reason`: `rejected` or `busy`.
        reason => "reason",
    }
    any_attr!();
}

impl Default for Reject {
    fn default() -> Self {
        Self::new()
    }
}

/// `<Record>`: record the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record(pub(crate) Element);

impl Record {
    /// `<Record />` with Twilio's defaults.
    pub fn new() -> Self {
        Self(Element::new("Record"))
    }
    str_attrs! {
        /// `action` URL, called when recording ends.
        action => "action",
        /// `method` for `action`.
        method => "method",
        /// `finishOnKey`: keys that end the recording (default `1234567890*#`).
        finish_on_key => "finishOnKey",
        /// `trim`: `trim-silence` or `do-not-trim`.
        trim => "trim",
        /// `recordingStatusCallback` URL.
        recording_status_callback => "recordingStatusCallback",
        /// `recordingStatusCallbackMethod`.
        recording_status_callback_method => "recordingStatusCallbackMethod",
        /// `recordingStatusCallbackEvent` (space-separated).
        recording_status_callback_event => "recordingStatusCallbackEvent",
        /// `transcribeCallback` URL.
        transcribe_callback => "transcribeCallback",
    }
    u32_attrs! {
        /// `timeout`: seconds of silence that end the recording.
        timeout => "timeout",
        /// `maxLength` in seconds.
        max_length => "maxLength",
    }
    bool_attrs! {
        /// `playBeep`.
        play_beep => "playBeep",
        /// `transcribe`.
        transcribe => "transcribe",
    }
    any_attr!();
}

impl Default for Record {
    fn default() -> Self {
        Self::new()
    }
}

/// `<Enqueue>`: put the caller in a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueue(pub(crate) Element);

impl Enqueue {
    /// Enqueues into the queue called `name` (empty when a `workflowSid` picks it).
    pub fn new(name: impl Into<String>) -> Self {
        let mut e = Element::new("Enqueue");
        e.push_text(name);
        Self(e)
    }

    /// Adds a `<Task>` child: TaskRouter task attributes as JSON text.
    #[must_use]
    pub fn task(mut self, json: impl Into<String>) -> Self {
        let mut task = Element::new("Task");
        task.push_text(json);
        self.0.push(task);
        self
    }

    str_attrs! {
        /// `action` URL, called when the caller leaves the queue.
        action => "action",
        /// `method` for `action`.
        method => "method",
        /// `waitUrl`: TwiML played while waiting.
        wait_url => "waitUrl",
        /// `waitUrlMethod`.
        wait_url_method => "waitUrlMethod",
        /// `workflowSid` (TaskRouter).
        workflow_sid => "workflowSid",
    }
    u32_attrs! {
        /// `maxQueueSize`.
        max_queue_size => "maxQueueSize",
    }
    any_attr!();
}
