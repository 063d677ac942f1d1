//! Turning a stage into the TwiML the caller hears.
//!
//! A gather stage answers `<Gather actionOnEmptyResult="true">`, so that silence comes
//! back to us as an empty answer and counts as a retry, instead of Twilio falling through
//! to the end of the document and hanging up. Its `action` names the stage it asks for
//! (`?stage=…`), which is how a late or duplicated answer is recognised as stale.

use crate::twiml::{
    Client, Connect, ConversationRelay, Dial, Enqueue, Gather, Parameter, Play, Record, Redirect,
    Say, Stream, VoiceResponse,
};

use super::callback::CallbackEvent;
use super::definition::{
    ConnectStage, ConnectTarget, DialStage, DialTarget, End, Flow, GatherSpec, RecordStage, Stage,
    StageKind,
};
use crate::webhook::RecordingStatus;

impl Flow {
    /// The TwiML for `stage` after `retries` failed attempts. `action` is the URL the
    /// gather answers and callbacks go to, without query (relative URLs resolve against
    /// the current webhook URL on Twilio, which keeps local and deployed paths alike).
    pub fn render(&self, stage: &str, retries: u32, action: &str) -> VoiceResponse {
        let (name, current) = match self.stages.get_key_value(stage) {
            Some(found) => found,
            // A stage the flow no longer has: start over rather than strand the caller.
            None => match self.stages.get_key_value(&self.start) {
                Some(found) => found,
                None => return VoiceResponse::new().hangup(),
            },
        };
        let mut response = VoiceResponse::new();
        match (&current.kind, retries > 0) {
            (StageKind::Gather(gather), true) => {
                if let Some(retry) = &gather.retry {
                    response = response.say(Say::new(retry.prompt.as_str()));
                }
            }
            _ => response = intro(response, current),
        }
        match &current.kind {
            StageKind::Gather(g) => response.gather(gather_verb(&g.gather, action, name)),
            StageKind::Continue { .. } => response.redirect(
                Redirect::new(event_url(action, name, CallbackEvent::Continue)).method("POST"),
            ),
            StageKind::Connect(c) => response.connect(connect_verb(c, action, name)),
            StageKind::Record(r) => record_verbs(response, r, action, name),
            StageKind::Dial(d) => response.dial(dial_verb(d, action, name)),
            StageKind::End(end) => finish(response, end),
        }
    }
}

fn intro(mut response: VoiceResponse, stage: &Stage) -> VoiceResponse {
    if let Some(text) = &stage.say {
        response = response.say(Say::new(text.as_str()));
    }
    if let Some(url) = &stage.play {
        response = response.play(Play::new(url.as_str()));
    }
    response
}

fn gather_verb(spec: &GatherSpec, action: &str, stage: &str) -> Gather {
    let mut gather = Gather::new()
        .action(action_url(action, stage))
        .method("POST")
        .input(spec.input.as_str())
        .action_on_empty_result(true);
    if let Some(n) = spec.num_digits {
        gather = gather.num_digits(n);
    }
    if let Some(t) = spec.timeout {
        gather = gather.timeout(t);
    }
    if let Some(key) = &spec.finish_on_key {
        gather = gather.finish_on_key(key.as_str());
    }
    if let Some(t) = &spec.speech_timeout {
        gather = gather.speech_timeout(t.as_str());
    }
    if let Some(hints) = &spec.hints {
        gather = gather.hints(hints.as_str());
    }
    if let Some(language) = &spec.language {
        gather = gather.language(language.as_str());
    }
    gather.say(Say::new(spec.prompt.as_str()))
}

/// `<Connect action=…>` with a `<Stream>` or `<ConversationRelay>`. The action always
/// comes back (to record how the session ended), even when no stage follows.
fn connect_verb(spec: &ConnectStage, action: &str, stage: &str) -> Connect {
    let connect = Connect::new()
        .action(event_url(action, stage, CallbackEvent::Connect))
        .method("POST");
    let parameters = spec
        .parameters
        .iter()
        .map(|(name, value)| Parameter::new(name.as_str(), value.as_str()));
    match spec.target {
        ConnectTarget::Stream => {
            let stream = parameters.fold(Stream::new().url(spec.url.as_str()), Stream::parameter);
            connect.stream(stream)
        }
        ConnectTarget::ConversationRelay => {
            let mut relay = ConversationRelay::new().url(spec.url.as_str());
            if let Some(greeting) = &spec.welcome_greeting {
                relay = relay.welcome_greeting(greeting.as_str());
            }
            if let Some(language) = &spec.language {
                relay = relay.language(language.as_str());
            }
            if let Some(voice) = &spec.voice {
                relay = relay.voice(voice.as_str());
            }
            connect.conversation_relay(parameters.fold(relay, ConversationRelay::parameter))
        }
    }
}

/// `<Record>` whose action, status and transcription callbacks come back here, then a
/// `<Redirect>`: Twilio skips the action after an empty recording and carries on with
/// the next verb, which must still move the call on.
fn record_verbs(
    response: VoiceResponse,
    spec: &RecordStage,
    action: &str,
    stage: &str,
) -> VoiceResponse {
    let mut record = Record::new()
        .action(event_url(action, stage, CallbackEvent::Record))
        .method("POST")
        .recording_status_callback(event_url(action, stage, CallbackEvent::Recording))
        .recording_status_callback_method("POST")
        // The statuses after which the recording is settled: there, or none at all.
        .recording_status_callback_event(format!(
            "{} {}",
            RecordingStatus::Completed,
            RecordingStatus::Absent
        ));
    if let Some(max) = spec.max_length {
        record = record.max_length(max);
    }
    if let Some(keys) = &spec.finish_on_key {
        record = record.finish_on_key(keys.as_str());
    }
    if let Some(timeout) = spec.timeout {
        record = record.timeout(timeout);
    }
    if let Some(beep) = spec.play_beep {
        record = record.play_beep(beep);
    }
    if spec.transcribe {
        record = record.transcribe(true).transcribe_callback(event_url(
            action,
            stage,
            CallbackEvent::Transcription,
        ));
    }
    response
        .record(record)
        .redirect(Redirect::new(event_url(action, stage, CallbackEvent::Record)).method("POST"))
}

/// `<Dial action=…>`: the action brings `DialCallStatus` back, which picks the route.
fn dial_verb(spec: &DialStage, action: &str, stage: &str) -> Dial {
    let mut dial = match &spec.target {
        DialTarget::Number(number) => Dial::to_number(number.as_str()),
        DialTarget::Client(identity) => Dial::new().client(Client::new(identity.as_str())),
    }
    .action(event_url(action, stage, CallbackEvent::Dial))
    .method("POST");
    if let Some(caller_id) = &spec.caller_id {
        dial = dial.caller_id(caller_id.as_str());
    }
    if let Some(timeout) = spec.timeout {
        dial = dial.timeout(timeout);
    }
    dial
}

fn finish(response: VoiceResponse, end: &End) -> VoiceResponse {
    match end {
        End::Hangup => response.hangup(),
        End::Dial { number, caller_id } => {
            let mut dial = Dial::to_number(number.as_str());
            if let Some(caller_id) = caller_id {
                dial = dial.caller_id(caller_id.as_str());
            }
            response.dial(dial)
        }
        End::Client {
            identity,
            caller_id,
        } => {
            let mut dial = Dial::new().client(Client::new(identity.as_str()));
            if let Some(caller_id) = caller_id {
                dial = dial.caller_id(caller_id.as_str());
            }
            response.dial(dial)
        }
        End::Enqueue { queue } => response.enqueue(Enqueue::new(queue.as_str())),
    }
}

/// `action?stage=<name>`, with the stage name percent-encoded.
fn action_url(action: &str, stage: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("stage", stage)
        .finish();
    join_query(action, &query)
}

/// `action?query`, or `action&query` when the action has a query already (inputs
/// carried while Sync was down: `call_state::carry`).
fn join_query(action: &str, query: &str) -> String {
    let separator = if action.contains('?') { '&' } else { '?' };
    format!("{action}{separator}{query}")
}

/// `action?stage=<name>&event=<event>`.
fn event_url(action: &str, stage: &str, event: CallbackEvent) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("stage", stage)
        .append_pair("event", event.as_str())
        .finish();
    join_query(action, &query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gather_stage_asks_and_names_itself_in_the_action() {
        let xml = Flow::example()
            .render("welcome", 0, "store-call-state")
            .to_xml();
        assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say>Thanks for calling Acme support.</Say><Gather action="store-call-state?stage=welcome" actionOnEmptyResult="true" input="dtmf" method="POST" numDigits="1" timeout="5"><Say>For billing"#), "{xml}");
    }

    #[test]
    fn a_retry_says_sorry_instead_of_the_intro() {
        let xml = Flow::example().render("welcome", 1, "x").to_xml();
        assert!(
            xml.contains("<Say>Sorry, that is not an option.</Say><Gather"),
            "{xml}"
        );
        assert!(!xml.contains("Thanks for calling"), "{xml}");
    }

    #[test]
    fn terminal_stages_end_the_call() {
        let flow = Flow::example();
        assert!(flow
            .render("goodbye", 0, "x")
            .to_xml()
            .ends_with("<Hangup /></Response>"));
        assert!(flow
            .render("agent", 0, "x")
            .to_xml()
            .ends_with("<Enqueue>support</Enqueue></Response>"));
    }

    #[test]
    fn unknown_stages_start_over() {
        let flow = Flow::example();
        assert_eq!(
            flow.render("no-such-stage", 0, "x").to_xml(),
            flow.render("welcome", 0, "x").to_xml()
        );
    }

    #[test]
    fn new_stage_kinds_render_their_verbs_with_callbacks_here() {
        let flow = Flow::parse(
            r##"start = "a"
            [stages.a]
            say = "One moment."
            next = "d"
            [stages.d]
            dial = { number = "+15550001111", timeout = 15, caller_id = "+15550002222" }
            otherwise = "r"
            [stages.r]
            say = "Leave a message."
            record = { max_length = 60, finish_on_key = "#", transcribe = true }
            next = "c"
            [stages.c]
            connect = { relay = "wss://agent.example.com/ws", welcome_greeting = "Hi", voice = "en-US-Journey-O", language = "en-US", parameters = { tier = "gold" } }"##,
        )
        .expect("valid");
        let xml = |stage| flow.render(stage, 0, "s").to_xml_without_declaration();
        assert_eq!(
            xml("a"),
            r#"<Response><Say>One moment.</Say><Redirect method="POST">s?stage=a&amp;event=continue</Redirect></Response>"#
        );
        assert_eq!(
            xml("d"),
            r#"<Response><Dial action="s?stage=d&amp;event=dial" callerId="+15550002222" method="POST" timeout="15">+15550001111</Dial></Response>"#
        );
        assert_eq!(
            xml("r"),
            concat!(
                r##"<Response><Say>Leave a message.</Say><Record action="s?stage=r&amp;event=record" finishOnKey="#" maxLength="60" method="POST" "##,
                r#"recordingStatusCallback="s?stage=r&amp;event=recording" recordingStatusCallbackEvent="completed absent" recordingStatusCallbackMethod="POST" "#,
                r#"transcribe="true" transcribeCallback="s?stage=r&amp;event=transcription" />"#,
                r#"<Redirect method="POST">s?stage=r&amp;event=record</Redirect></Response>"#
            )
        );
        assert_eq!(
            xml("c"),
            concat!(
                r#"<Response><Connect action="s?stage=c&amp;event=connect" method="POST">"#,
                r#"<ConversationRelay language="en-US" url="wss://agent.example.com/ws" voice="en-US-Journey-O" welcomeGreeting="Hi">"#,
                r#"<Parameter name="tier" value="gold" /></ConversationRelay></Connect></Response>"#
            )
        );
    }

    #[test]
    fn stage_names_are_encoded_in_the_action() {
        assert_eq!(action_url("a", "b c&d"), "a?stage=b+c%26d");
    }
}
