//! How `callflow call` plays the verbs that hand the call elsewhere and come back:
//! `<Dial action>` (answered with a scripted `DialCallStatus`), `<Record>` (a made-up
//! recording: the action, then the recording status and transcription callbacks Twilio
//! would send), `<Connect>` (reported with its parameters; the session "ends" at once and
//! the action is followed) and `<Start>` / `<Stop>` (reported; the document goes on).
//!
//! Everything here is pure: it turns one verb into what the caller hears, the next
//! request (if the verb ends the document) and asynchronous callbacks to post after it.

use std::collections::VecDeque;

use anyhow::Context as _;
use callflow::webhook::DialCallStatus;
use url::Url;

use crate::twiml_doc::Element;

/// Form parameters of one request.
pub type Params = Vec<(String, String)>;

/// The scripted outcomes of the verbs that do not take caller input.
#[derive(Debug, Clone)]
pub struct Script {
    /// `DialCallStatus` for each `<Dial action>`, in order; `completed` once used up.
    pub dial_statuses: VecDeque<DialCallStatus>,
    /// `RecordingDuration` of a made-up recording, in seconds.
    pub recording_duration: u32,
    /// The text of the transcription callback; without it none is sent.
    pub transcript: Option<String>,
}

/// What one verb did.
#[derive(Debug, Default)]
pub struct Played {
    /// Lines for the transcript.
    pub heard: Vec<String>,
    /// The request that continues the call, when the verb ends the document.
    pub next: Option<(Url, Params)>,
    /// Asynchronous callbacks to post once `next` has been answered.
    pub callbacks: Vec<(Url, Params)>,
    /// Whether the document ends here even without `next` (the call is over).
    pub ends: bool,
}

/// `<Dial>`: with an `action`, the dial "ends" with the next scripted status and the
/// action is followed; without one the call is over (the flow handed it off).
pub fn dial(
    url: &Url,
    verb: &Element,
    base: Params,
    script: &mut Script,
) -> anyhow::Result<Played> {
    let target = describe_target(verb);
    let Some(action) = verb.attr("action") else {
        return Ok(Played {
            heard: vec![format!("dial: {target}")],
            ends: true,
            ..Played::default()
        });
    };
    let status = script
        .dial_statuses
        .pop_front()
        .unwrap_or(DialCallStatus::Completed);
    let duration = if matches!(status, DialCallStatus::Completed | DialCallStatus::Answered) {
        "30"
    } else {
        "0"
    };
    let mut params = base;
    params.push(("DialCallStatus".into(), status.to_string()));
    params.push(("DialCallSid".into(), made_up_sid("CA")));
    params.push(("DialCallDuration".into(), duration.into()));
    Ok(Played {
        heard: vec![format!("dial: {target} -> {status}")],
        next: Some((url.join(action).context("bad <Dial> action URL")?, params)),
        ..Played::default()
    })
}

/// `<Record>`: the caller leaves a message of the scripted length and presses the first
/// finishing key; the action gets the recording, then the recording status callback
/// and (with `transcribe="true"` and a scripted transcript) the transcription callback
/// follow, as Twilio sends them later.
pub fn record(
    url: &Url,
    verb: &Element,
    base: Params,
    account_sid: &str,
    script: &Script,
) -> anyhow::Result<Played> {
    let sid = made_up_sid("RE");
    let recording_url =
        format!("https://api.twilio.com/2010-04-01/Accounts/{account_sid}/Recordings/{sid}");
    let duration = script.recording_duration.to_string();
    let finished_on = verb
        .attr("finishOnKey")
        .and_then(|keys| keys.chars().next())
        .map_or_else(|| "hangup".to_owned(), String::from);
    let recording = |extra: &[(&str, &str)]| {
        let mut params = base.clone();
        params.push(("RecordingSid".into(), sid.clone()));
        params.push(("RecordingUrl".into(), recording_url.clone()));
        params.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        params
    };
    let mut heard = vec![format!(
        "record: caller leaves a {duration} s message, ends with {finished_on}"
    )];
    // The action defaults to the current document's URL, as on Twilio.
    let action = match verb.attr("action") {
        Some(action) => url.join(action).context("bad <Record> action URL")?,
        None => url.clone(),
    };
    let next = (
        action,
        recording(&[("RecordingDuration", &duration), ("Digits", &finished_on)]),
    );
    let mut callbacks = Vec::new();
    if let Some(callback) = verb.attr("recordingStatusCallback") {
        callbacks.push((
            url.join(callback)
                .context("bad <Record> recordingStatusCallback URL")?,
            recording(&[
                ("RecordingStatus", "completed"),
                ("RecordingDuration", &duration),
                ("RecordingChannels", "1"),
                ("RecordingSource", "RecordVerb"),
            ]),
        ));
        heard.push(format!(
            "recording status callback: completed, {recording_url}"
        ));
    }
    let transcribe = verb.attr("transcribe") == Some("true");
    match (
        transcribe,
        verb.attr("transcribeCallback"),
        &script.transcript,
    ) {
        (true, Some(callback), Some(text)) => {
            callbacks.push((
                url.join(callback)
                    .context("bad <Record> transcribeCallback URL")?,
                recording(&[
                    ("TranscriptionSid", &made_up_sid("TR")),
                    ("TranscriptionText", text),
                    ("TranscriptionStatus", "completed"),
                ]),
            ));
            heard.push(format!("transcription callback: {text:?}"));
        }
        (true, Some(_), None) => {
            heard.push("transcription callback not sent (no --transcript)".to_owned())
        }
        _ => {}
    }
    Ok(Played {
        heard,
        next: Some(next),
        callbacks,
        ends: false,
    })
}

/// `<Connect>`: reports what the call is handed to, with its attributes and
/// `<Parameter>`s. The session then ends at once: the action is followed when there is
/// one (with `SessionStatus=completed`), otherwise the document goes on.
pub fn connect(url: &Url, verb: &Element, base: Params) -> anyhow::Result<Played> {
    let mut heard: Vec<String> = verb
        .children
        .iter()
        .map(|noun| format!("connect: {}", describe_noun(noun)))
        .collect();
    if heard.is_empty() {
        heard.push("connect: (nothing)".to_owned());
    }
    let Some(action) = verb.attr("action") else {
        return Ok(Played {
            heard,
            ..Played::default()
        });
    };
    heard.push("session ends: completed".to_owned());
    let mut params = base;
    params.push(("SessionId".into(), made_up_sid("VX")));
    params.push(("SessionStatus".into(), "completed".into()));
    params.push(("SessionDuration".into(), "1".into()));
    Ok(Played {
        heard,
        next: Some((
            url.join(action).context("bad <Connect> action URL")?,
            params,
        )),
        ..Played::default()
    })
}

/// `<Start>` / `<Stop>`: what starts or stops alongside the call; the document goes on.
pub fn start_or_stop(verb: &Element) -> Played {
    let word = verb.name.to_lowercase();
    let mut heard: Vec<String> = verb
        .children
        .iter()
        .map(|noun| format!("{word}: {}", describe_noun(noun)))
        .collect();
    if heard.is_empty() {
        heard.push(format!("{word}: (nothing)"));
    }
    Played {
        heard,
        ..Played::default()
    }
}

/// `Name attr=value …` and its `<Parameter>`s as `name=value`, e.g.
/// `ConversationRelay url=wss://… voice=… parameters: line=support`.
pub fn describe_noun(noun: &Element) -> String {
    let mut text = noun.name.clone();
    // The URL first: it is what a reader looks for.
    let mut attributes: Vec<&(String, String)> = noun.attributes.iter().collect();
    attributes.sort_by_key(|(k, _)| k != "url");
    for (k, v) in attributes {
        text.push_str(&format!(" {k}={v}"));
    }
    if !noun.text.is_empty() {
        text.push_str(&format!(" {}", noun.text));
    }
    let parameters: Vec<String> = noun
        .children
        .iter()
        .filter(|c| c.name == "Parameter")
        .map(|p| {
            format!(
                "{}={}",
                p.attr("name").unwrap_or_default(),
                p.attr("value").unwrap_or_default()
            )
        })
        .collect();
    if !parameters.is_empty() {
        text.push_str(&format!(" parameters: {}", parameters.join(", ")));
    }
    text
}

/// Who a `<Dial>` or `<Enqueue>` reaches: its text, or its nouns.
pub fn describe_target(verb: &Element) -> String {
    if !verb.text.is_empty() {
        return verb.text.clone();
    }
    verb.children
        .iter()
        .map(|noun| format!("{} {}", noun.name, noun.text))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A random SID with `prefix` (`CA`, `RE`, …), like Twilio's.
fn made_up_sid(prefix: &str) -> String {
    format!(
        "{prefix}{:016x}{:016x}",
        fastrand::u64(..),
        fastrand::u64(..)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::twiml_doc;

    fn first_verb(xml: &str) -> Element {
        twiml_doc::parse(xml).expect("parses").children.remove(0)
    }

    fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn script() -> Script {
        Script {
            dial_statuses: VecDeque::from([DialCallStatus::NoAnswer]),
            recording_duration: 9,
            transcript: Some("call me".to_owned()),
        }
    }

    #[test]
    fn a_dial_action_gets_the_scripted_status_then_completed() {
        let url = Url::parse("http://h/store-call-state").expect("url");
        let verb = first_verb(
            r#"<Response><Dial action="store-call-state?stage=s&amp;event=dial">+1555</Dial></Response>"#,
        );
        let mut script = script();
        let first = dial(&url, &verb, Vec::new(), &mut script).expect("plays");
        let (next, params) = first.next.expect("follows the action");
        assert_eq!(
            next.as_str(),
            "http://h/store-call-state?stage=s&event=dial"
        );
        assert_eq!(param(&params, "DialCallStatus"), Some("no-answer"));
        assert_eq!(first.heard, ["dial: +1555 -> no-answer"]);
        let second = dial(&url, &verb, Vec::new(), &mut script).expect("plays");
        assert_eq!(
            param(&second.next.expect("next").1, "DialCallStatus"),
            Some("completed")
        );
    }

    #[test]
    fn a_record_posts_the_action_then_status_and_transcription_callbacks() {
        let url = Url::parse("http://h/s").expect("url");
        let verb = first_verb(
            r##"<Response><Record action="s?e=record" finishOnKey="#" recordingStatusCallback="s?e=recording" transcribe="true" transcribeCallback="s?e=transcription" /></Response>"##,
        );
        let played = record(&url, &verb, Vec::new(), "AC1", &script()).expect("plays");
        let (action, params) = played.next.expect("action");
        assert_eq!(action.as_str(), "http://h/s?e=record");
        assert_eq!(param(&params, "Digits"), Some("#"));
        assert_eq!(param(&params, "RecordingDuration"), Some("9"));
        let urls: Vec<&str> = played.callbacks.iter().map(|(u, _)| u.as_str()).collect();
        assert_eq!(
            urls,
            ["http://h/s?e=recording", "http://h/s?e=transcription"]
        );
        assert_eq!(
            param(&played.callbacks[1].1, "TranscriptionText"),
            Some("call me")
        );
        // One recording: the same SID and URL in every request about it.
        assert_eq!(
            param(&params, "RecordingSid"),
            param(&played.callbacks[0].1, "RecordingSid")
        );
    }

    #[test]
    fn connect_and_start_report_their_nouns_and_parameters() {
        let url = Url::parse("http://h/s").expect("url");
        let verb = first_verb(
            r#"<Response><Connect action="s?e=connect"><ConversationRelay voice="v" url="wss://a"><Parameter name="line" value="support" /></ConversationRelay></Connect></Response>"#,
        );
        let played = connect(&url, &verb, Vec::new()).expect("plays");
        assert_eq!(
            played.heard[0],
            "connect: ConversationRelay url=wss://a voice=v parameters: line=support"
        );
        assert_eq!(
            param(&played.next.expect("action").1, "SessionStatus"),
            Some("completed")
        );
        let start = first_verb(
            r#"<Response><Start><Stream url="wss://m" track="inbound_track" /></Start></Response>"#,
        );
        assert_eq!(
            start_or_stop(&start).heard,
            ["start: Stream url=wss://m track=inbound_track"]
        );
    }
}
