//! `<Dial>` and the nouns it connects to: `<Number>`, `<Client>`, `<Conference>`,
//! `<Queue>`, `<Sip>`.

use super::macros::{any_attr, bool_attrs, str_attrs, u32_attrs};
use super::node::Element;

/// `<Dial>`: connect the caller to another party.
///
/// ```
/// use callflow::twiml::{Dial, Number, VoiceResponse};
///
/// let xml = VoiceResponse::new()
///     .dial(Dial::new().caller_id("+15550001111").timeout(20).number(Number::new("+15552223333")))
///     .to_xml_without_declaration();
/// assert_eq!(
///     xml,
///     r#"<Response><Dial callerId="+15550001111" timeout="20"><Number>+15552223333</Number></Dial></Response>"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dial(pub(crate) Element);

impl Dial {
    /// `<Dial>` with no target yet: add nouns.
    pub fn new() -> Self {
        Self(Element::new("Dial"))
    }

    /// `<Dial>+1555…</Dial>`: dial one number given as plain text.
    pub fn to_number(number: impl Into<String>) -> Self {
        let mut e = Element::new("Dial");
        e.push_text(number);
        Self(e)
    }

    /// Adds a `<Number>`.
    #[must_use]
    pub fn number(mut self, noun: Number) -> Self {
        self.0.push(noun.0);
        self
    }
    /// Adds a `<Client>`.
    #[must_use]
    pub fn client(mut self, noun: Client) -> Self {
        self.0.push(noun.0);
        self
    }
    /// Adds a `<Conference>`.
    #[must_use]
    pub fn conference(mut self, noun: Conference) -> Self {
        self.0.push(noun.0);
        self
    }
    /// Adds a `<Queue>`.
    #[must_use]
    pub fn queue(mut self, noun: Queue) -> Self {
        self.0.push(noun.0);
        self
    }
    /// Adds a `<Sip>`.
    #[must_use]
    pub fn sip(mut self, noun: Sip) -> Self {
        self.0.push(noun.0);
        self
    }

    str_attrs! {
        /// `action` URL, called when the dialled call ends.
        action => "action",
        /// `method` for `action`.
        method => "method",
        /// `callerId` shown to the called party.
        caller_id => "callerId",
        /// `record`: `do-not-record`, `record-from-answer`, `record-from-ringing`, or `*-dual`.
        record => "record",
        /// `trim`: `trim-silence` or `do-not-trim`.
        trim => "trim",
        /// `recordingStatusCallback` URL.
        recording_status_callback => "recordingStatusCallback",
        /// `recordingStatusCallbackMethod`.
        recording_status_callback_method => "recordingStatusCallbackMethod",
        /// `recordingStatusCallbackEvent` (space-separated).
        recording_status_callback_event => "recordingStatusCallbackEvent",
        /// `recordingTrack`: `inbound`, `outbound` or `both`.
        recording_track => "recordingTrack",
        /// `ringTone`, a country code such as `us`.
        ring_tone => "ringTone",
        /// `referUrl`.
        refer_url => "referUrl",
        /// `referMethod`.
        refer_method => "referMethod",
        /// `events`.
        events => "events",
    }
    u32_attrs! {
        /// `timeout`: seconds to let it ring.
        timeout => "timeout",
        /// `timeLimit`: maximum call length in seconds.
        time_limit => "timeLimit",
    }
    bool_attrs! {
        /// `hangupOnStar`.
        hangup_on_star => "hangupOnStar",
        /// `answerOnBridge`.
        answer_on_bridge => "answerOnBridge",
        /// `sequential`: dial the nouns one after the other.
        sequential => "sequential",
    }
    any_attr!();
}

impl Default for Dial {
    fn default() -> Self {
        Self::new()
    }
}

/// `<Number>`: a phone number inside `<Dial>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number(pub(crate) Element);

impl Number {
    /// The number, in E.164.
    pub fn new(number: impl Into<String>) -> Self {
        let mut e = Element::new("Number");
        e.push_text(number);
        Self(e)
    }
    str_attrs! {
        /// `sendDigits` once connected.
        send_digits => "sendDigits",
        /// `url`: TwiML for the called party before connecting.
        url => "url",
        /// `method` for `url`.
        method => "method",
        /// `statusCallback` URL.
        status_callback => "statusCallback",
        /// `statusCallbackMethod`.
        status_callback_method => "statusCallbackMethod",
        /// `statusCallbackEvent` (space-separated).
        status_callback_event => "statusCallbackEvent",
        /// `byoc` trunk SID.
        byoc => "byoc",
        /// `machineDetection`: `Enable` or `DetectMessageEnd`.
        machine_detection => "machineDetection",
        /// `amdStatusCallback` URL.
        amd_status_callback => "amdStatusCallback",
        /// `amdStatusCallbackMethod`.
        amd_status_callback_method => "amdStatusCallbackMethod",
    }
    u32_attrs! {
        /// `machineDetectionTimeout` in seconds.
        machine_detection_timeout => "machineDetectionTimeout",
    }
    any_attr!();
}

/// `<Client>`: a Voice SDK client identity inside `<Dial>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client(pub(crate) Element);

impl Client {
    /// The client identity.
    pub fn new(identity: impl Into<String>) -> Self {
        let mut e = Element::new("Client");
        e.push_text(identity);
        Self(e)
    }
    str_attrs! {
        /// `url`: TwiML for the client before connecting.
        url => "url",
        /// `method` for `url`.
        method => "method",
        /// `statusCallback` URL.
        status_callback => "statusCallback",
        /// `statusCallbackMethod`.
        status_callback_method => "statusCallbackMethod",
        /// `statusCallbackEvent` (space-separated).
        status_callback_event => "statusCallbackEvent",
    }
    any_attr!();
}

/// `<Conference>`: a conference room inside `<Dial>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conference(pub(crate) Element);

impl Conference {
    /// The room name.
    pub fn new(name: impl Into<String>) -> Self {
        let mut e = Element::new("Conference");
        e.push_text(name);
        Self(e)
    }
    str_attrs! {
        /// `beep`: `true`, `false`, `onEnter` or `onExit`.
        beep => "beep",
        /// `waitUrl`: hold music TwiML.
        wait_url => "waitUrl",
        /// `waitMethod`.
        wait_method => "waitMethod",
        /// `record`: `do-not-record` or `record-from-start`.
        record => "record",
        /// `region`.
        region => "region",
        /// `coach`: call SID of the participant to coach.
        coach => "coach",
        /// `trim`.
        trim => "trim",
        /// `statusCallback` URL.
        status_callback => "statusCallback",
        /// `statusCallbackMethod`.
        status_callback_method => "statusCallbackMethod",
        /// `statusCallbackEvent` (space-separated).
        status_callback_event => "statusCallbackEvent",
        /// `recordingStatusCallback` URL.
        recording_status_callback => "recordingStatusCallback",
        /// `recordingStatusCallbackMethod`.
        recording_status_callback_method => "recordingStatusCallbackMethod",
        /// `recordingStatusCallbackEvent`.
        recording_status_callback_event => "recordingStatusCallbackEvent",
        /// `eventCallbackUrl`.
        event_callback_url => "eventCallbackUrl",
        /// `jitterBufferSize`: `large`, `medium`, `small` or `off`.
        jitter_buffer_size => "jitterBufferSize",
        /// `participantLabel`.
        participant_label => "participantLabel",
    }
    u32_attrs! {
        /// `maxParticipants`.
        max_participants => "maxParticipants",
    }
    bool_attrs! {
        /// `muted`.
        muted => "muted",
        /// `startConferenceOnEnter`.
        start_conference_on_enter => "startConferenceOnEnter",
        /// `endConferenceOnExit`.
        end_conference_on_exit => "endConferenceOnExit",
    }
    any_attr!();
}

/// `<Queue>`: dequeue a caller waiting in a queue (inside `<Dial>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue(pub(crate) Element);

impl Queue {
    /// The queue name.
    pub fn new(name: impl Into<String>) -> Self {
        let mut e = Element::new("Queue");
        e.push_text(name);
        Self(e)
    }
    str_attrs! {
        /// `url`: TwiML for the dequeued caller before connecting.
        url => "url",
        /// `method` for `url`.
        method => "method",
        /// `reservationSid` (TaskRouter).
        reservation_sid => "reservationSid",
        /// `postWorkActivitySid` (TaskRouter).
        post_work_activity_sid => "postWorkActivitySid",
    }
    any_attr!();
}

/// `<Sip>`: a SIP endpoint inside `<Dial>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sip(pub(crate) Element);

impl Sip {
    /// The SIP URI (`sip:alice@example.com`).
    pub fn new(uri: impl Into<String>) -> Self {
        let mut e = Element::new("Sip");
        e.push_text(uri);
        Self(e)
    }
    str_attrs! {
        /// `username` for SIP authentication.
        username => "username",
        /// `password` for SIP authentication.
        password => "password",
        /// `url`: TwiML for the SIP party before connecting.
        url => "url",
        /// `method` for `url`.
        method => "method",
        /// `statusCallback` URL.
        status_callback => "statusCallback",
        /// `statusCallbackMethod`.
        status_callback_method => "statusCallbackMethod",
        /// `statusCallbackEvent` (space-separated).
        status_callback_event => "statusCallbackEvent",
        /// `machineDetection`.
        machine_detection => "machineDetection",
    }
    any_attr!();
}
