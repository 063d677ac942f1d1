//! The nouns `<Dial>` connects to: `<Number>`, `<Client>` (with `<Identity>`),
//! `<Conference>`, `<Queue>`, `<Sim>`, `<Application>` (with `<ApplicationSid>`),
//! `<WhatsApp>`. `<Sip>` has its own file.

use super::macros::{amd_attrs, bool_attrs, children, str_attrs, twiml_type, u32_attrs};
use super::node::Element;
use super::Parameter;

twiml_type! {
    /// `<Number>`: a phone number inside `<Dial>`.
    Number
}

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
    }
    amd_attrs!();
}

twiml_type! {
    /// `<Client>`: a Voice SDK client identity inside `<Dial>`.
    Client
}

impl Client {
    /// The client identity (pass `""` and add an [`Identity`] to give it as a child).
    pub fn new(identity: impl Into<String>) -> Self {
        let mut e = Element::new("Client");
        e.push_text(identity);
        Self(e)
    }
    children! {
        /// Adds the `<Identity>` child.
        identity(Identity),
        /// Adds a `<Parameter>` for the client.
        parameter(Parameter),
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
}

twiml_type! {
    /// `<Conference>`: a conference room inside `<Dial>`.
    Conference
}

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
        /// `recordingConfigurationId`.
        recording_configuration_id => "recordingConfigurationId",
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
}

twiml_type! {
    /// `<Queue>`: dequeue a caller waiting in a queue (inside `<Dial>`).
    Queue
}

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
}

twiml_type! {
    /// `<Identity>` inside `<Client>`.
    Identity
}

impl Identity {
    /// The client identity.
    pub fn new(identity: impl Into<String>) -> Self {
        let mut e = Element::new("Identity");
        e.push_text(identity);
        Self(e)
    }
}

twiml_type! {
    /// `<Sim>`: a Twilio Programmable Wireless SIM inside `<Dial>`.
    Sim
}

impl Sim {
    /// The SIM's SID (`DE…`).
    pub fn new(sim_sid: impl Into<String>) -> Self {
        let mut e = Element::new("Sim");
        e.push_text(sim_sid);
        Self(e)
    }
}

twiml_type! {
    /// `<Application>`: another TwiML application inside `<Dial>`.
    Application
}

impl Application {
    /// The application's SID (pass `""` and add an [`ApplicationSid`] to give it as a child).
    pub fn new(application_sid: impl Into<String>) -> Self {
        let mut e = Element::new("Application");
        e.push_text(application_sid);
        Self(e)
    }
    children! {
        /// Adds the `<ApplicationSid>` child.
        application_sid(ApplicationSid),
        /// Adds a `<Parameter>`.
        parameter(Parameter),
    }
    str_attrs! {
        /// `url`: TwiML for the called application before connecting.
        url => "url",
        /// `method` for `url`.
        method => "method",
        /// `statusCallbackEvent` (space-separated).
        status_callback_event => "statusCallbackEvent",
        /// `statusCallback` URL.
        status_callback => "statusCallback",
        /// `statusCallbackMethod`.
        status_callback_method => "statusCallbackMethod",
        /// `customerId`: identity of the customer calling the application.
        customer_id => "customerId",
    }
    bool_attrs! {
        /// `copyParentTo`: pass the parent call's `To` on.
        copy_parent_to => "copyParentTo",
    }
}

twiml_type! {
    /// `<ApplicationSid>` inside `<Application>`.
    ApplicationSid
}

impl ApplicationSid {
    /// The application's SID (`AP…`).
    pub fn new(sid: impl Into<String>) -> Self {
        let mut e = Element::new("ApplicationSid");
        e.push_text(sid);
        Self(e)
    }
}

twiml_type! {
    /// `<WhatsApp>`: a WhatsApp user inside `<Dial>`.
    WhatsApp
}

impl WhatsApp {
    /// The WhatsApp phone number.
    pub fn new(phone_number: impl Into<String>) -> Self {
        let mut e = Element::new("WhatsApp");
        e.push_text(phone_number);
        Self(e)
    }
    str_attrs! {
        /// `url`: TwiML for the called party before connecting.
        url => "url",
        /// `method` for `url`.
        method => "method",
        /// `statusCallbackEvent` (space-separated).
        status_callback_event => "statusCallbackEvent",
        /// `statusCallback` URL.
        status_callback => "statusCallback",
        /// `statusCallbackMethod`.
        status_callback_method => "statusCallbackMethod",
    }
}
