//! `<Start>` and `<Stop>`: things that run alongside the call while the document goes
//! on (a one-way media `<Stream>`, `<Siprec>`, real-time `<Transcription>`,
//! `<Recording>`), and `<Stream>` itself, which `<Connect>` also takes.

use super::macros::{bool_attrs, children, str_attrs, twiml_type, u32_attrs};
use super::node::Element;
use super::{Config, Parameter};

twiml_type! {
    /// `<Start>`: start something in the background and carry on.
    Start
}

impl Start {
    /// `<Start>` with nothing to start yet.
    pub fn new() -> Self {
        Self(Element::new("Start"))
    }
    str_attrs! {
        /// `action` URL.
        action => "action",
        /// `method` for `action`.
        method => "method",
    }
    children! {
        /// Adds a `<Stream>` (one-way: Twilio sends the audio).
        stream(Stream),
        /// Adds a `<Siprec>`.
        siprec(Siprec),
        /// Adds a `<Transcription>`.
        transcription(Transcription),
        /// Adds a `<Recording>`.
        recording(Recording),
    }
}

impl Default for Start {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Stop>`: stop what a `<Start>` started (named by `name`).
    Stop
}

impl Stop {
    /// `<Stop>` with nothing named yet.
    pub fn new() -> Self {
        Self(Element::new("Stop"))
    }
    children! {
        /// Stops a `<Stream>`.
        stream(Stream),
        /// Stops a `<Siprec>`.
        siprec(Siprec),
        /// Stops a `<Transcription>`.
        transcription(Transcription),
    }
}

impl Default for Stop {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Stream>`: the call's audio over a WebSocket (`<Start>`: one-way,
    /// `<Connect>`: both ways).
    Stream
}

impl Stream {
    /// `<Stream />`: set `url` (or only `name`, inside `<Stop>`).
    pub fn new() -> Self {
        Self(Element::new("Stream"))
    }
    str_attrs! {
        /// `name`, to stop it later.
        name => "name",
        /// `connectorName`.
        connector_name => "connectorName",
        /// `url`: the `wss://` server.
        url => "url",
        /// `track`: `inbound_track`, `outbound_track`, `both_tracks`.
        track => "track",
        /// `statusCallback` URL.
        status_callback => "statusCallback",
        /// `statusCallbackMethod`.
        status_callback_method => "statusCallbackMethod",
        /// `audioFormat`.
        audio_format => "audioFormat",
    }
    u32_attrs! {
        /// `sampleRate` in Hz.
        sample_rate => "sampleRate",
    }
    children! {
        /// Adds a `<Parameter>` (sent in the stream's `start` message).
        parameter(Parameter),
    }
}

impl Default for Stream {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Siprec>`: fork the call's media to a SIPREC recorder.
    Siprec
}

impl Siprec {
    /// `<Siprec />`: set `connector_name`.
    pub fn new() -> Self {
        Self(Element::new("Siprec"))
    }
    str_attrs! {
        /// `name`.
        name => "name",
        /// `connectorName`.
        connector_name => "connectorName",
        /// `track`.
        track => "track",
        /// `statusCallback` URL.
        status_callback => "statusCallback",
        /// `statusCallbackMethod`.
        status_callback_method => "statusCallbackMethod",
    }
    children! {
        /// Adds a `<Parameter>`.
        parameter(Parameter),
    }
}

impl Default for Siprec {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Transcription>`: real-time transcription of the call.
    Transcription
}

impl Transcription {
    /// `<Transcription />`.
    pub fn new() -> Self {
        Self(Element::new("Transcription"))
    }
    str_attrs! {
        /// `name`.
        name => "name",
        /// `track`: `inbound_track`, `outbound_track`, `both_tracks`.
        track => "track",
        /// `statusCallbackUrl`.
        status_callback_url => "statusCallbackUrl",
        /// `statusCallbackMethod`.
        status_callback_method => "statusCallbackMethod",
        /// `inboundTrackLabel`.
        inbound_track_label => "inboundTrackLabel",
        /// `outboundTrackLabel`.
        outbound_track_label => "outboundTrackLabel",
        /// `languageCode`.
        language_code => "languageCode",
        /// `transcriptionEngine`: `google`, `deepgram`.
        transcription_engine => "transcriptionEngine",
        /// `speechModel`.
        speech_model => "speechModel",
        /// `hints`.
        hints => "hints",
        /// `intelligenceService`.
        intelligence_service => "intelligenceService",
    }
    bool_attrs! {
        /// `partialResults`.
        partial_results => "partialResults",
        /// `profanityFilter`.
        profanity_filter => "profanityFilter",
        /// `enableAutomaticPunctuation`.
        enable_automatic_punctuation => "enableAutomaticPunctuation",
    }
    children! {
        /// Adds a `<Config>`.
        config(Config),
        /// Adds a `<Parameter>`.
        parameter(Parameter),
    }
}

impl Default for Transcription {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Recording>` inside `<Start>`: record the call in the background.
    Recording
}

impl Recording {
    /// `<Recording />`.
    pub fn new() -> Self {
        Self(Element::new("Recording"))
    }
    str_attrs! {
        /// `recordingStatusCallback` URL.
        recording_status_callback => "recordingStatusCallback",
        /// `recordingStatusCallbackMethod`.
        recording_status_callback_method => "recordingStatusCallbackMethod",
        /// `recordingStatusCallbackEvent` (space-separated).
        recording_status_callback_event => "recordingStatusCallbackEvent",
        /// `trim`.
        trim => "trim",
        /// `track`: `inbound`, `outbound`, `both`.
        track => "track",
        /// `channels`: `mono`, `dual`.
        channels => "channels",
        /// `recordingConfigurationId`.
        recording_configuration_id => "recordingConfigurationId",
    }
}

impl Default for Recording {
    fn default() -> Self {
        Self::new()
    }
}
