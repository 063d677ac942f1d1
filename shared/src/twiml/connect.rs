//! `<Connect>`: hand the call to something else until it ends: a media stream
//! ([`Stream`](super::Stream)), an AI agent over a WebSocket ([`ConversationRelay`]), a
//! Dialogflow agent ([`VirtualAgent`]), a Video room, Conversations, AI sessions.

use super::macros::{bool_attrs, children, str_attrs, twiml_type, u32_attrs};
use super::node::Element;
use super::{Config, Parameter, Stream};

twiml_type! {
    /// `<Connect>`.
    ///
    /// ```
    /// use callflow::twiml::{Connect, ConversationRelay, Parameter, VoiceResponse};
    ///
    /// let xml = VoiceResponse::new()
    ///     .connect(Connect::new().action("/after").conversation_relay(
    ///         ConversationRelay::new()
    ///             .url("wss://agent.example.com")
    ///             .welcome_greeting("Hi!")
    ///             .parameter(Parameter::new("tier", "gold")),
    ///     ))
    ///     .to_xml_without_declaration();
    /// assert_eq!(
    ///     xml,
    ///     concat!(
    ///         r#"<Response><Connect action="/after"><ConversationRelay url="wss://agent.example.com" welcomeGreeting="Hi!">"#,
    ///         r#"<Parameter name="tier" value="gold" /></ConversationRelay></Connect></Response>"#,
    ///     )
    /// );
    /// ```
    Connect
}

impl Connect {
    /// `<Connect>` with nothing to connect to yet.
    pub fn new() -> Self {
        Self(Element::new("Connect"))
    }
    str_attrs! {
        /// `action` URL, called when the connection ends.
        action => "action",
        /// `method` for `action`.
        method => "method",
    }
    children! {
        /// Adds a `<Room>` (Video).
        room(Room),
        /// Adds an `<Autopilot>` (retired by Twilio; kept as twilio-python has it).
        autopilot(Autopilot),
        /// Adds a bidirectional `<Stream>`.
        stream(Stream),
        /// Adds a `<VirtualAgent>`.
        virtual_agent(VirtualAgent),
        /// Adds a `<Conversation>`.
        conversation(Conversation),
        /// Adds a `<ConversationRelay>`.
        conversation_relay(ConversationRelay),
        /// Adds an `<AiSession>`.
        ai_session(AiSession),
        /// Adds a `<ConversationRelaySession>`.
        conversation_relay_session(ConversationRelaySession),
    }
}

impl Default for Connect {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Room>`: a Programmable Video room.
    Room
}

impl Room {
    /// The room's name.
    pub fn new(name: impl Into<String>) -> Self {
        let mut e = Element::new("Room");
        e.push_text(name);
        Self(e)
    }
    str_attrs! {
        /// `participantIdentity`.
        participant_identity => "participantIdentity",
    }
}

twiml_type! {
    /// `<Autopilot>`: an Autopilot assistant (SID or unique name).
    Autopilot
}

impl Autopilot {
    /// The assistant.
    pub fn new(name: impl Into<String>) -> Self {
        let mut e = Element::new("Autopilot");
        e.push_text(name);
        Self(e)
    }
}

twiml_type! {
    /// `<VirtualAgent>`: a Dialogflow CX agent.
    VirtualAgent
}

impl VirtualAgent {
    /// `<VirtualAgent />`: set `connector_name`.
    pub fn new() -> Self {
        Self(Element::new("VirtualAgent"))
    }
    str_attrs! {
        /// `connectorName`: the conversation profile.
        connector_name => "connectorName",
        /// `language`.
        language => "language",
        /// `statusCallback` URL.
        status_callback => "statusCallback",
        /// `statusCallbackMethod`.
        status_callback_method => "statusCallbackMethod",
    }
    bool_attrs! {
        /// `sentimentAnalysis`.
        sentiment_analysis => "sentimentAnalysis",
    }
    children! {
        /// Adds a `<Config>`.
        config(Config),
        /// Adds a `<Parameter>`.
        parameter(Parameter),
    }
}

impl Default for VirtualAgent {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Conversation>`: hand the call to Twilio Conversations.
    Conversation
}

impl Conversation {
    /// `<Conversation />`: set `service_instance_sid`.
    pub fn new() -> Self {
        Self(Element::new("Conversation"))
    }
    str_attrs! {
        /// `serviceInstanceSid`.
        service_instance_sid => "serviceInstanceSid",
        /// `url`: TwiML URL.
        url => "url",
        /// `method` for `url`.
        method => "method",
        /// `record`.
        record => "record",
        /// `trim`.
        trim => "trim",
        /// `recordingStatusCallback` URL.
        recording_status_callback => "recordingStatusCallback",
        /// `recordingStatusCallbackMethod`.
        recording_status_callback_method => "recordingStatusCallbackMethod",
        /// `recordingStatusCallbackEvent` (space-separated).
        recording_status_callback_event => "recordingStatusCallbackEvent",
        /// `statusCallback` URL.
        status_callback => "statusCallback",
        /// `statusCallbackMethod`.
        status_callback_method => "statusCallbackMethod",
        /// `statusCallbackEvent` (space-separated).
        status_callback_event => "statusCallbackEvent",
    }
    bool_attrs! {
        /// `inboundAutocreation`.
        inbound_autocreation => "inboundAutocreation",
    }
    u32_attrs! {
        /// `routingAssignmentTimeout` in seconds.
        routing_assignment_timeout => "routingAssignmentTimeout",
        /// `inboundTimeout` in seconds.
        inbound_timeout => "inboundTimeout",
    }
}

impl Default for Conversation {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<ConversationRelay>`: speech-to-text and text-to-speech by Twilio, the
    /// conversation by your WebSocket server (an AI agent).
    ConversationRelay
}

impl ConversationRelay {
    /// `<ConversationRelay />`: set `url`.
    pub fn new() -> Self {
        Self(Element::new("ConversationRelay"))
    }
    str_attrs! {
        /// `url`: the `wss://` WebSocket server.
        url => "url",
        /// `language` for both speech directions, e.g. `en-US`.
        language => "language",
        /// `ttsLanguage`.
        tts_language => "ttsLanguage",
        /// `transcriptionLanguage`.
        transcription_language => "transcriptionLanguage",
        /// `ttsProvider`: `Google`, `Amazon`, `ElevenLabs`.
        tts_provider => "ttsProvider",
        /// `voice`.
        voice => "voice",
        /// `transcriptionProvider`: `Google`, `Deepgram`.
        transcription_provider => "transcriptionProvider",
        /// `speechModel`.
        speech_model => "speechModel",
        /// `welcomeGreeting`: said as soon as the session connects.
        welcome_greeting => "welcomeGreeting",
        /// `welcomeGreetingInterruptible`: `none`, `dtmf`, `speech`, `any` (or `true`/`false`).
        welcome_greeting_interruptible => "welcomeGreetingInterruptible",
        /// `interruptible`: `none`, `dtmf`, `speech`, `any` (or `true`/`false`).
        interruptible => "interruptible",
        /// `hints`: comma-separated phrases.
        hints => "hints",
        /// `intelligenceService`.
        intelligence_service => "intelligenceService",
        /// `reportInputDuringAgentSpeech`.
        report_input_during_agent_speech => "reportInputDuringAgentSpeech",
        /// `elevenlabsTextNormalization`: `on`, `off`, `auto`.
        elevenlabs_text_normalization => "elevenlabsTextNormalization",
        /// `interruptSensitivity`: `low`, `medium`, `high`.
        interrupt_sensitivity => "interruptSensitivity",
        /// `debug`: space-separated debug options.
        debug => "debug",
        /// `events`: event subscriptions.
        events => "events",
        /// `eagerEotThreshold`: 0.3–0.9, as text (e.g. `"0.5"`).
        eager_eot_threshold => "eagerEotThreshold",
        /// `ttsTextNormalization`: `auto`, `on`, `off`.
        tts_text_normalization => "ttsTextNormalization",
        /// `includeInPrompt`: `turn-state`, `prompt-segments`.
        include_in_prompt => "includeInPrompt",
        /// `customerName`.
        customer_name => "customerName",
    }
    bool_attrs! {
        /// `profanityFilter`.
        profanity_filter => "profanityFilter",
        /// `dtmfDetection`.
        dtmf_detection => "dtmfDetection",
        /// `partialPrompts`.
        partial_prompts => "partialPrompts",
        /// `preemptible`.
        preemptible => "preemptible",
        /// `backgroundNoiseReduction`.
        background_noise_reduction => "backgroundNoiseReduction",
        /// `deepgramSmartFormat`.
        deepgram_smart_format => "deepgramSmartFormat",
        /// `ignoreBackchannel`.
        ignore_backchannel => "ignoreBackchannel",
        /// `partialPromptOnHangup`.
        partial_prompt_on_hangup => "partialPromptOnHangup",
        /// `asrSmartFormat`.
        asr_smart_format => "asrSmartFormat",
        /// `ttsLanguageTextNormalization`.
        tts_language_text_normalization => "ttsLanguageTextNormalization",
        /// `elevenlabsLanguageTextNormalization` (legacy alias of the above).
        elevenlabs_language_text_normalization => "elevenlabsLanguageTextNormalization",
        /// `applicationReconnect`.
        application_reconnect => "applicationReconnect",
        /// `echoPromptFiltering`.
        echo_prompt_filtering => "echoPromptFiltering",
        /// `turnDetection`.
        turn_detection => "turnDetection",
    }
    u32_attrs! {
        /// `speechTimeout` in milliseconds.
        speech_timeout => "speechTimeout",
    }
    children! {
        /// Adds a `<Language>` (settings for one language).
        language_settings(Language),
        /// Adds a `<Parameter>` (sent to the WebSocket server in the setup message).
        parameter(Parameter),
    }
}

impl Default for ConversationRelay {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<Language>` inside `<ConversationRelay>`: the providers and voice for one language.
    Language
}

impl Language {
    /// Settings for language `code` (e.g. `fr-FR`).
    pub fn new(code: impl Into<String>) -> Self {
        let mut e = Element::new("Language");
        e.set("code", code);
        Self(e)
    }
    str_attrs! {
        /// `ttsProvider`.
        tts_provider => "ttsProvider",
        /// `voice`.
        voice => "voice",
        /// `transcriptionProvider`.
        transcription_provider => "transcriptionProvider",
        /// `speechModel`.
        speech_model => "speechModel",
        /// `hints`.
        hints => "hints",
        /// `ttsTextNormalization`.
        tts_text_normalization => "ttsTextNormalization",
    }
    bool_attrs! {
        /// `asrSmartFormat`.
        asr_smart_format => "asrSmartFormat",
        /// `ttsLanguageTextNormalization`.
        tts_language_text_normalization => "ttsLanguageTextNormalization",
    }
}

twiml_type! {
    /// `<AiSession>`: an AI connector add-on.
    AiSession
}

impl AiSession {
    /// `<AiSession />`.
    pub fn new() -> Self {
        Self(Element::new("AiSession"))
    }
    str_attrs! {
        /// `aiConnector`.
        ai_connector => "aiConnector",
        /// `aiSessionConfiguration`.
        ai_session_configuration => "aiSessionConfiguration",
    }
}

impl Default for AiSession {
    fn default() -> Self {
        Self::new()
    }
}

twiml_type! {
    /// `<ConversationRelaySession>`: a ConversationRelay connector add-on.
    ConversationRelaySession
}

impl ConversationRelaySession {
    /// `<ConversationRelaySession />`.
    pub fn new() -> Self {
        Self(Element::new("ConversationRelaySession"))
    }
    str_attrs! {
        /// `connector`.
        connector => "connector",
        /// `sessionConfiguration`.
        session_configuration => "sessionConfiguration",
    }
}

impl Default for ConversationRelaySession {
    fn default() -> Self {
        Self::new()
    }
}
