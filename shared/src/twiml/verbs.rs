//! The simple voice verbs: `<Say>`, `<Play>`, `<Pause>`, `<Redirect>`, `<Hangup>`,
//! `<Reject>`, `<Record>`, `<Enqueue>` (with `<Task>`), `<Leave>`, `<Echo>`, `<Sms>`,
//! `<Refer>` (with its `<Sip>`). `<Gather>`, `<Dial>`, `<Connect>`, `<Start>`/`<Stop>`
//! and `<Pay>` have their own files.

use super::macros::{bool_attrs, children, str_attrs, twiml_type, u32_attrs};
use super::node::Element;
use super::{Parameter, Ssml};

twiml_type! {
    /// `<Say>`: text to speak, optionally with SSML inside.
    Say
}

impl Say {
    /// Speaks `message` (an empty message gives `<Say />`, as twilio-python does).
    pub fn new(message: impl Into<String>) -> Self {
        let mut e = Element::new("Say");
        e.push_text(message);
        Self(e)
    }

    children! {
        /// Appends an SSML element.
        ssml(Ssml),
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
}

twiml_type! {
    /// `<Play>`: an audio URL, or DTMF tones with [`Play::digits`].
    Play
}

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
}

twiml_type! {
    /// `<Pause>`: silence.
    Pause
}

impl Pause {
    /// A pause of Twilio's default length (1 s).
    pub fn new() -> Self {
        Self(Element::new("Pause"))
    }
    u32_attrs! {
        /// `length` in seconds.
        length => "length",
    }
}

impl Default for Pause {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Redirect>`: continue with the TwiML at another URL.
    Redirect
}

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
}

twiml_type! {
    /// `<Hangup>`: end the call.
    Hangup
}

impl Hangup {
    /// `<Hangup />`.
    pub fn new() -> Self {
        Self(Element::new("Hangup"))
    }
    children! {
        /// Adds a `<Parameter>` (passed on to the Voice SDK).
        parameter(Parameter),
    }
}

impl Default for Hangup {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Leave>`: leave the queue (in an `<Enqueue>` wait URL's TwiML).
    Leave
}

impl Leave {
    /// `<Leave />`.
    pub fn new() -> Self {
        Self(Element::new("Leave"))
    }
}

impl Default for Leave {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Reject>`: refuse the call without answering it (no charge).
    Reject
}

impl Reject {
    /// `<Reject />` (reason `rejected`).
    pub fn new() -> Self {
        Self(Element::new("Reject"))
    }
    str_attrs! {
        /// `reason`: `rejected` or `busy`.
        reason => "reason",
    }
    children! {
        /// Adds a `<Parameter>`.
        parameter(Parameter),
    }
}

impl Default for Reject {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Record>`: record the caller.
    Record
}

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
        /// `recordingConfigurationId`.
        recording_configuration_id => "recordingConfigurationId",
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
}

impl Default for Record {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Enqueue>`: put the caller in a queue.
    Enqueue
}

impl Enqueue {
    /// Enqueues into the queue called `name` (empty when a `workflowSid` picks it).
    pub fn new(name: impl Into<String>) -> Self {
        let mut e = Element::new("Enqueue");
        e.push_text(name);
        Self(e)
    }

    /// Adds a `<Task>`: a [`Task`], or TaskRouter task attributes as JSON text.
    #[must_use]
    pub fn task(mut self, task: impl Into<Task>) -> Self {
        self.0.push(task.into().0);
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
}

twiml_type! {
    /// `<Task>`: TaskRouter task attributes (JSON text) inside `<Enqueue>`.
    Task
}

impl Task {
    /// A task with attributes `json`.
    pub fn new(json: impl Into<String>) -> Self {
        let mut e = Element::new("Task");
        e.push_text(json);
        Self(e)
    }
    u32_attrs! {
        /// `priority`.
        priority => "priority",
        /// `timeout` in seconds.
        timeout => "timeout",
    }
}

impl From<&str> for Task {
    fn from(json: &str) -> Self {
        Task::new(json)
    }
}

impl From<String> for Task {
    fn from(json: String) -> Self {
        Task::new(json)
    }
}

twiml_type! {
    /// `<Echo>`: plays the caller's audio back (for testing).
    Echo
}

impl Echo {
    /// `<Echo />`.
    pub fn new() -> Self {
        Self(Element::new("Echo"))
    }
}

impl Default for Echo {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Sms>`: send a text message during the call (deprecated by Twilio; use the
    /// Messaging API).
    Sms
}

impl Sms {
    /// Sends `message`.
    pub fn new(message: impl Into<String>) -> Self {
        let mut e = Element::new("Sms");
        e.push_text(message);
        Self(e)
    }
    str_attrs! {
        /// `to` number.
        to => "to",
        /// `from` number (`from_` in twilio-python).
        from => "from",
        /// `action` URL.
        action => "action",
        /// `method` for `action`.
        method => "method",
        /// `statusCallback` URL.
        status_callback => "statusCallback",
    }
}

twiml_type! {
    /// `<Refer>`: transfer a SIP call elsewhere with a SIP REFER.
    Refer
}

impl Refer {
    /// `<Refer>` with no target yet: add a [`ReferSip`].
    pub fn new() -> Self {
        Self(Element::new("Refer"))
    }
    str_attrs! {
        /// `action` URL, called when the REFER is done.
        action => "action",
        /// `method` for `action`.
        method => "method",
    }
    children! {
        /// Adds the `<Sip>` target.
        sip(ReferSip),
    }
}

impl Default for Refer {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Sip>` inside `<Refer>`: the URI to refer the call to.
    ReferSip
}

impl ReferSip {
    /// Refers to `sip_url`.
    pub fn new(sip_url: impl Into<String>) -> Self {
        let mut e = Element::new("Sip");
        e.push_text(sip_url);
        Self(e)
    }
}
