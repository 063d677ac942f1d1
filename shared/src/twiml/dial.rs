//! `<Dial>`: connect the caller to another party. The nouns it dials are in `nouns`
//! (and `sip`).

use super::macros::{bool_attrs, children, str_attrs, twiml_type, u32_attrs};
use super::node::Element;
use super::{Application, Client, Conference, Number, Queue, Sim, Sip, WhatsApp};

twiml_type! {
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
    Dial
}

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

    children! {
        /// Adds a `<Number>`.
        number(Number),
        /// Adds a `<Client>`.
        client(Client),
        /// Adds a `<Conference>`.
        conference(Conference),
        /// Adds a `<Queue>`.
        queue(Queue),
        /// Adds a `<Sip>`.
        sip(Sip),
        /// Adds a `<Sim>`.
        sim(Sim),
        /// Adds an `<Application>`.
        application(Application),
        /// Adds a `<WhatsApp>`.
        whats_app(WhatsApp),
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
        /// `passports` (SHAKEN/STIR PASSporTs).
        passports => "passports",
        /// `recordingConfigurationId`.
        recording_configuration_id => "recordingConfigurationId",
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
}

impl Default for Dial {
    fn default() -> Self {
        Self::new()
    }
}
