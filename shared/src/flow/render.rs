//! Turning a stage into the TwiML the caller hears.
//!
//! A gather stage answers `<Gather actionOnEmptyResult="true">`, so that silence comes
//! back to us as an empty answer and counts as a retry, instead of Twilio falling through
//! to the end of the document and hanging up. Its `action` names the stage it asks for
//! (`?stage=…`), which is how a late or duplicated answer is recognised as stale.

use crate::twiml::{Client, Dial, Enqueue, Gather, Play, Say, VoiceResponse};

use super::definition::{End, Flow, GatherSpec, Stage};

impl Flow {
    /// The TwiML for `stage` after `retries` failed attempts. `action` is the URL the
    /// gather answers go to, without query (relative URLs resolve against the current
    /// webhook URL on Twilio, which keeps local and deployed paths alike).
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
        if retries > 0 {
            if let Some(retry) = &current.retry {
                response = response.say(Say::new(retry.prompt.as_str()));
            }
        } else {
            response = intro(response, current);
        }
        match (&current.gather, &current.end) {
            (Some(gather), _) => response.gather(gather_verb(gather, action, name)),
            (None, Some(end)) => finish(response, end),
            (None, None) => response.hangup(),
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

fn finish(response: VoiceResponse, end: &End) -> VoiceResponse {
    if let Some(number) = &end.dial {
        let mut dial = Dial::to_number(number.as_str());
        if let Some(caller_id) = &end.caller_id {
            dial = dial.caller_id(caller_id.as_str());
        }
        return response.dial(dial);
    }
    if let Some(identity) = &end.client {
        let mut dial = Dial::new().client(Client::new(identity.as_str()));
        if let Some(caller_id) = &end.caller_id {
            dial = dial.caller_id(caller_id.as_str());
        }
        return response.dial(dial);
    }
    if let Some(queue) = &end.enqueue {
        return response.enqueue(Enqueue::new(queue.as_str()));
    }
    response.hangup()
}

/// `action?stage=<name>`, with the stage name percent-encoded.
fn action_url(action: &str, stage: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("stage", stage)
        .finish();
    format!("{action}?{query}")
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
    fn stage_names_are_encoded_in_the_action() {
        assert_eq!(action_url("a", "b c&d"), "a?stage=b+c%26d");
    }
}
