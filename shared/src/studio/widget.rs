//! Studio's widgets as types: each state of a definition compiled into a [`Widget`] whose
//! [`Kind`] holds its properties checked and typed, with every Liquid template parsed
//! once, here, at load.
//!
//! Property names are those of real Console exports (studio-flows.md §2.0: where Twilio's
//! own catalogue disagrees with exports, exports win). Numbers are accepted as JSON
//! numbers or numeric strings, booleans as JSON booleans or `"true"`/`"false"`, since
//! exports carry both.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::definition::RawState;
use super::liquid::Template;
use super::split::{self, Operator};

/// One widget of a flow.
#[derive(Debug)]
pub struct Widget {
    /// The widget's name, unique in its flow.
    pub name: String,
    /// Studio's `type`, as written.
    pub type_name: String,
    /// What it does, with its properties.
    pub kind: Kind,
    /// Event → next widget (`None`: the execution ends there).
    pub transitions: BTreeMap<String, Option<String>>,
    /// A split's `match` transitions, in the order written (first match wins).
    pub matches: Vec<Match>,
    /// Where the widget sits on Studio's canvas.
    pub offset: Option<(i64, i64)>,
}

/// One `match` transition of a split.
#[derive(Debug)]
pub struct Match {
    /// `friendly_name` of its first condition (for graphs and logs).
    pub label: String,
    /// Every condition must hold (Studio writes one; several are read as AND).
    pub conditions: Vec<Condition>,
    /// The widget this match leads to (`None`: the execution ends).
    pub next: Option<String>,
}

/// `input <operator> value`.
#[derive(Debug)]
pub struct Condition {
    /// Studio's `type` of the condition.
    pub operator: Operator,
    /// The value compared with, rendered per call.
    pub value: Template,
}

/// What a widget does, with its properties.
#[derive(Debug)]
pub enum Kind {
    /// `trigger`: where executions start.
    Trigger,
    /// `say-play`.
    SayPlay(SayPlay),
    /// `gather-input-on-call`.
    Gather(Box<Gather>),
    /// `split-based-on`.
    Split {
        /// `input`: the value the conditions test (Liquid).
        input: Template,
    },
    /// `set-variables`: `flow.variables` keys and their values (Liquid).
    SetVariables(Vec<(String, Template)>),
    /// `make-http-request`.
    HttpRequest(Box<HttpRequest>),
    /// `run-function`: POSTs `parameters` as a form to `url`.
    RunFunction {
        /// `url` (Liquid).
        url: Template,
        /// `parameters`: `{key, value}` pairs, values as templates.
        parameters: Vec<(String, Template)>,
    },
    /// `connect-call-to`.
    Connect(Box<Connect>),
    /// `record-voicemail`.
    RecordVoicemail(RecordVoicemail),
    /// `enqueue-call`, and `send-to-flex` (both answer `<Enqueue>`).
    Enqueue(Box<Enqueue>),
    /// `add-twiml-redirect`.
    Redirect {
        /// `url` (Liquid).
        url: Template,
        /// `method`: GET or POST.
        method: String,
        /// `timeout`: seconds control may stay away (14,400 by default).
        timeout_secs: u64,
    },
    /// `fork-stream`.
    ForkStream(Box<ForkStream>),
    /// `capture-payments`.
    Pay(Box<Pay>),
    /// `connect-virtual-agent` (v1).
    VirtualAgent(VirtualAgent),
    /// `run-subflow`: the subflow is found at load (by SID or file name) and attached to
    /// the flow under this widget's name.
    Subflow {
        /// `flow_sid`: the subflow's SID, or its file name in the subflow folder.
        flow_sid: String,
        /// `parameters`: `{key, value}` pairs, values as templates.
        parameters: Vec<(String, Template)>,
    },
    /// `send-message`: a text through Twilio's Messages API (`TWILIO_API_URL`).
    SendMessage(Box<SendMessage>),
    /// `record-call`: starts or stops recording the call through Twilio's REST API.
    RecordCall(Box<RecordCall>),
    /// A Studio widget callflow cannot run on a voice call, and why.
    Unsupported(String),
}

/// `send-message`, sent mid-call with `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`.
#[derive(Debug)]
pub struct SendMessage {
    /// `body` (Liquid), required.
    pub body: Template,
    /// `from` (Liquid); absent: Studio's `{{flow.channel.address}}`, the number called.
    pub from: Option<Template>,
    /// `to` (Liquid); absent: Studio's `{{contact.channel.address}}`, the caller.
    pub to: Option<Template>,
    /// `media_url` (Liquid): sent as `MediaUrl` when it renders to something.
    pub media_url: Option<Template>,
}

/// `record-call`: `POST …/Calls/{CallSid}/Recordings.json` to start, `POST
/// …/Recordings/Twilio.CURRENT.json` with `Status=stopped` to stop.
#[derive(Debug)]
pub struct RecordCall {
    /// `record_call`: true starts a recording, false stops the one in progress.
    pub start: bool,
    /// `recording_status_callback` (Liquid): `RecordingStatusCallback`.
    pub status_callback: Option<Template>,
    /// `recording_status_callback_method`: GET or POST.
    pub status_callback_method: Option<String>,
    /// `recording_status_callback_events`: any of `in-progress`, `completed`, `absent`.
    pub status_callback_events: Vec<String>,
    /// `recording_channels`: `mono` or `dual`.
    pub channels: Option<String>,
    /// `trim`: `trim-silence` or `do-not-trim`.
    pub trim: Option<String>,
}

/// `say-play`: exactly one of say / play / digits.
#[derive(Debug)]
pub struct SayPlay {
    /// `say`: the text to speak (Liquid; SSML allowed).
    pub say: Option<Template>,
    /// `play`: an audio URL (Liquid).
    pub play: Option<Template>,
    /// `digits`: DTMF to play (`w` and `W` pause).
    pub digits: Option<Template>,
    /// `voice`: the TTS voice (`default` leaves it to the account).
    pub voice: Option<String>,
    /// `language` (BCP-47).
    pub language: Option<String>,
    /// `loop`: how many times it plays.
    pub loops: Option<u32>,
}

/// `gather-input-on-call`.
#[derive(Debug)]
pub struct Gather {
    /// The prompt said or played inside the `<Gather>`.
    pub prompt: SayPlay,
    /// `timeout` in seconds.
    pub timeout: Option<u32>,
    /// `finish_on_key`: the key that ends input.
    pub finish_on_key: Option<String>,
    /// `stop_gather`: whether a key press ends the gather (`finishOnKey`).
    pub stop_gather: bool,
    /// `number_of_digits`: input ends after this many keys.
    pub number_of_digits: Option<u32>,
    /// `gather_language`: the speech recognition language.
    pub gather_language: Option<String>,
    /// `hints`: words speech recognition should expect (Liquid).
    pub hints: Option<Template>,
    /// `profanity_filter`.
    pub profanity_filter: Option<bool>,
    /// `speech_timeout`: `auto` or seconds.
    pub speech_timeout: Option<String>,
    /// `speech_model`.
    pub speech_model: Option<String>,
}

/// How `make-http-request` sends its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `application/json`.
    Json,
}

/// `make-http-request`.
#[derive(Debug)]
pub struct HttpRequest {
    /// `method`: GET or POST.
    pub method: http::Method,
    /// `url` (Liquid).
    pub url: Template,
    /// `content_type`: form or JSON.
    pub content_type: ContentType,
    /// `body`: the request body (Liquid), sent when no `parameters` are.
    pub body: Option<Template>,
    /// `parameters`: `{key, value}` pairs, values as templates.
    pub parameters: Vec<(String, Template)>,
}

/// What `connect-call-to` dials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noun {
    /// One phone number.
    Number,
    /// Up to 10 numbers, comma-separated, rung together.
    NumberMulti,
    /// A Twilio Client identity.
    Client,
    /// A SIP endpoint.
    Sip,
    /// A conference.
    Conference,
    /// A Twilio SIM.
    Sim,
}

/// `connect-call-to`.
#[derive(Debug)]
pub struct Connect {
    /// `noun`: what is dialled.
    pub noun: Noun,
    /// `to`: the number(s), client identity, conference or SIM (Liquid).
    pub to: Option<Template>,
    /// `caller_id` (Liquid).
    pub caller_id: Option<Template>,
    /// `record`: record from answer.
    pub record: bool,
    /// `timeout` in seconds.
    pub timeout: Option<u32>,
    /// `time_limit`: seconds the connected call may last.
    pub time_limit: Option<u32>,
    /// `sip_endpoint` (Liquid).
    pub sip_endpoint: Option<Template>,
    /// `sip_username` (Liquid).
    pub sip_username: Option<Template>,
    /// `sip_password` (Liquid).
    pub sip_password: Option<Template>,
}

/// `record-voicemail`.
#[derive(Debug)]
pub struct RecordVoicemail {
    /// `timeout` in seconds.
    pub timeout: Option<u32>,
    /// `finish_on_key`: the key that ends input.
    pub finish_on_key: Option<String>,
    /// `max_length`: longest recording, in seconds.
    pub max_length: Option<u32>,
    /// `transcribe`.
    pub transcribe: bool,
    /// `transcription_callback_url` (Liquid).
    pub transcription_callback_url: Option<Template>,
    /// `trim`: `trim-silence` or `do-not-trim`.
    pub trim: Option<String>,
    /// `play_beep`.
    pub play_beep: Option<bool>,
    /// `recording_status_callback_url` (Liquid).
    pub recording_status_callback_url: Option<Template>,
}

/// `enqueue-call` and `send-to-flex` (voice): both answer `<Enqueue>`.
#[derive(Debug)]
pub struct Enqueue {
    /// `queue_name` (Liquid).
    pub queue_name: Option<Template>,
    /// The TaskRouter workflow (`workflow_sid`, or send-to-flex's `workflow`).
    pub workflow_sid: Option<Template>,
    /// The task's attributes, a JSON string (Liquid).
    pub task_attributes: Option<Template>,
    /// The task's `priority` (Liquid).
    pub priority: Option<Template>,
    /// `timeout` in seconds.
    pub timeout: Option<Template>,
    /// `wait_url`: hold music TwiML (Liquid).
    pub wait_url: Option<Template>,
    /// `wait_url_method`: GET or POST.
    pub wait_url_method: Option<String>,
}

/// `fork-stream`.
#[derive(Debug)]
pub struct ForkStream {
    /// `stream_action`: start (true) or stop.
    pub start: bool,
    /// The widget's name, unique in its flow.
    pub name: Option<Template>,
    /// `stream_transport_type` is `siprec` (else a WebSocket stream).
    pub siprec: bool,
    /// `url` (Liquid).
    pub url: Option<Template>,
    /// `stream_connector`: the SIPREC connector (Liquid).
    pub connector: Option<Template>,
    /// `stream_track`.
    pub track: Option<String>,
    /// `parameters`: `{key, value}` pairs, values as templates.
    pub parameters: Vec<(String, Template)>,
}

/// `capture-payments`.
#[derive(Debug)]
pub struct Pay {
    /// `(TwiML attribute, value)` for every property given.
    pub attributes: Vec<(&'static str, Template)>,
    /// `parameters`: `{key, value}` pairs, values as templates.
    pub parameters: Vec<(String, Template)>,
}

/// `connect-virtual-agent`.
#[derive(Debug)]
pub struct VirtualAgent {
    /// `connector`: the virtual agent connector's name (Liquid).
    pub connector: Template,
    /// `language` (BCP-47).
    pub language: Option<Template>,
    /// `sentiment_analysis`.
    pub sentiment_analysis: Option<bool>,
    /// `status_callback` (Liquid).
    pub status_callback: Option<Template>,
}

/// The events each type may have transitions for (studio-flows.md §2.20).
pub fn events_of(type_name: &str) -> Option<&'static [&'static str]> {
    Some(match type_name {
        "trigger" => &[
            "incomingMessage",
            "incomingCall",
            "incomingConversationMessage",
            "incomingRequest",
            "incomingParent",
        ],
        "say-play" => &["audioComplete"],
        "gather-input-on-call" => &["keypress", "speech", "timeout"],
        "split-based-on" => &["match", "noMatch"],
        "set-variables" | "fork-stream" => &["next"],
        "make-http-request" => &["success", "failed"],
        "run-function" => &["success", "fail"],
        "connect-call-to" => &["callCompleted", "hangup"],
        "record-voicemail" => &["recordingComplete", "noAudio", "hangup"],
        "enqueue-call" | "send-to-flex" => &[
            "callComplete",
            "failedToEnqueue",
            "callFailure",
            "composerStarted",
        ],
        "add-twiml-redirect" => &["return", "timeout", "fail"],
        "capture-payments" => &[
            "success",
            "maxFailedAttempts",
            "providerError",
            "payInterrupted",
            "hangup",
            "validationError",
        ],
        "run-subflow" => &["completed", "failed"],
        "send-message" => &["sent", "failed"],
        "record-call" => &["success", "failed"],
        "connect-virtual-agent" => &["return", "hangup"],
        _ => return None,
    })
}

/// Widget types of Studio that only serve messaging or REST-triggered executions.
const NOT_VOICE: [&str; 7] = [
    "send-and-wait-for-reply",
    "add-member-to-chat-channel",
    "create-chat-channel",
    "make-outgoing-call-v1",
    "make-outgoing-call-v2",
    "start-conversation",
    "resume-conversation",
];

/// Whether a widget type only makes sense outside a voice call.
pub fn is_messaging_only(type_name: &str) -> bool {
    NOT_VOICE.contains(&type_name)
}

/// Reads one state's properties, collecting every problem instead of stopping at the first.
struct Props<'a> {
    map: &'a Map<String, Value>,
    problems: Vec<(Option<String>, String)>,
}

impl<'a> Props<'a> {
    fn problem(&mut self, key: &str, message: String) {
        self.problems.push((Some(key.to_owned()), message));
    }

    fn raw(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A string (numbers written as text), `None` when absent or empty.
    fn text(&mut self, key: &str) -> Option<String> {
        match self.raw(key)? {
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => {
                self.problem(key, format!("`{key}` must be a string"));
                None
            }
        }
    }

    fn template(&mut self, key: &str) -> Option<Template> {
        let source = self.text(key)?;
        match Template::parse(&source) {
            Ok(t) => Some(t),
            Err(e) => {
                self.problem(key, format!("`{key}` is not valid Liquid: {e}"));
                None
            }
        }
    }

    fn required_template(&mut self, key: &str) -> Option<Template> {
        let found = self.template(key);
        if found.is_none() && !self.problems.iter().any(|(k, _)| k.as_deref() == Some(key)) {
            self.problem(key, format!("`{key}` is required"));
        }
        found
    }

    /// A whole number in `min..=max`, as a number or a numeric string.
    fn number(&mut self, key: &str, min: u32, max: u32) -> Option<u32> {
        let value = self.raw(key)?;
        let parsed = match value {
            Value::Number(n) => n.as_u64(),
            Value::String(s) if s.trim().is_empty() => return None,
            Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        match parsed {
            Some(n) if (u64::from(min)..=u64::from(max)).contains(&n) => u32::try_from(n).ok(),
            _ => {
                self.problem(
                    key,
                    format!("`{key}` must be a whole number from {min} to {max}, got {value}"),
                );
                None
            }
        }
    }

    /// A boolean, or the string `"true"` / `"false"`.
    fn flag(&mut self, key: &str) -> Option<bool> {
        match self.raw(key)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            Value::String(s) if s.is_empty() => None,
            other => {
                let message = format!("`{key}` must be true or false, got {other}");
                self.problem(key, message);
                None
            }
        }
    }

    /// One of `allowed` (case-insensitive), as written in `allowed`.
    fn choice(&mut self, key: &str, allowed: &[&'static str]) -> Option<&'static str> {
        let text = self.text(key)?;
        match allowed.iter().find(|a| a.eq_ignore_ascii_case(text.trim())) {
            Some(found) => Some(found),
            None => {
                self.problem(
                    key,
                    format!(
                        "`{key}` must be one of {}, got `{text}`",
                        allowed.join(", ")
                    ),
                );
                None
            }
        }
    }

    /// `[{"key": …, "value": …}]`, values as templates.
    fn pairs(&mut self, key: &str) -> Vec<(String, Template)> {
        let Some(value) = self.raw(key) else {
            return Vec::new();
        };
        let Some(items) = value.as_array() else {
            self.problem(key, format!("`{key}` must be a list of {{key, value}}"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            let name = item.get("key").and_then(Value::as_str);
            let value = match item.get("value") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Null) | None => Some(String::new()),
                Some(other) => Some(other.to_string()),
            };
            match (name, value) {
                (Some(name), Some(source)) if !name.is_empty() => match Template::parse(&source) {
                    Ok(t) => out.push((name.to_owned(), t)),
                    Err(e) => self.problem(
                        key,
                        format!("`{key}` item `{name}` is not valid Liquid: {e}"),
                    ),
                },
                _ => self.problem(key, format!("`{key}` items need a non-empty `key`")),
            }
        }
        out
    }
}

/// A problem of one widget: the property it is about (for its position), and the text.
pub type WidgetProblem = (Option<String>, String);

/// Compiles one state into a widget, with its problems (empty when it can run).
pub fn compile(state: &RawState) -> (Widget, Vec<WidgetProblem>) {
    let mut props = Props {
        map: &state.properties,
        problems: Vec::new(),
    };
    let kind = kind(&state.kind, &mut props);
    let mut problems = props.problems;
    let offset = state
        .properties
        .get("offset")
        .and_then(|o| Some((o.get("x")?.as_f64()? as i64, o.get("y")?.as_f64()? as i64)));
    let mut transitions = BTreeMap::new();
    let mut matches = Vec::new();
    let events = events_of(&state.kind);
    for t in &state.transitions {
        if let Some(events) = events {
            if !events.contains(&t.event.as_str()) {
                problems.push((
                    None,
                    format!(
                        "unknown event `{}` for a {} widget (its events: {})",
                        t.event,
                        state.kind,
                        events.join(", ")
                    ),
                ));
            }
        }
        let next = t.next.clone().filter(|n| !n.is_empty());
        if t.event == "match" && state.kind == "split-based-on" {
            let mut conditions = Vec::new();
            for c in &t.conditions {
                let value_source = match &c.value {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                let operator = match c.kind.parse::<Operator>() {
                    Ok(op) => op,
                    Err(e) => {
                        problems.push((None, format!("condition `{}`: {e}", c.friendly_name)));
                        continue;
                    }
                };
                let value = match Template::parse(&value_source) {
                    Ok(v) => v,
                    Err(e) => {
                        problems.push((
                            None,
                            format!(
                                "condition `{}`: value is not valid Liquid: {e}",
                                c.friendly_name
                            ),
                        ));
                        continue;
                    }
                };
                if value.is_literal() && operator.needs_value() {
                    if let Err(e) = split::check_value(operator, &value_source) {
                        problems.push((None, format!("condition `{}`: {e}", c.friendly_name)));
                    }
                }
                conditions.push(Condition { operator, value });
            }
            if t.conditions.is_empty() {
                problems.push((None, "a `match` transition has no conditions".to_owned()));
            }
            let label = t
                .conditions
                .first()
                .map(|c| c.friendly_name.clone())
                .unwrap_or_default();
            matches.push(Match {
                label,
                conditions,
                next,
            });
        } else {
            transitions.insert(t.event.clone(), next);
        }
    }
    (
        Widget {
            name: state.name.clone(),
            type_name: state.kind.clone(),
            kind,
            transitions,
            matches,
            offset,
        },
        problems,
    )
}

fn say_play(props: &mut Props<'_>, exactly_one: bool) -> SayPlay {
    let say = props.template("say");
    let play = props.template("play");
    let digits = if exactly_one {
        props.template("digits")
    } else {
        None
    };
    let given = [say.is_some(), play.is_some(), digits.is_some()]
        .iter()
        .filter(|g| **g)
        .count();
    if exactly_one && given != 1 && props.problems.is_empty() {
        props.problems.push((
            None,
            format!("give exactly one of `say`, `play` or `digits` (got {given})"),
        ));
    }
    if !exactly_one && given > 1 {
        props
            .problems
            .push((None, "give `say` or `play`, not both".to_owned()));
    }
    SayPlay {
        say,
        play,
        digits,
        voice: props.text("voice"),
        language: props.text("language"),
        loops: props.number("loop", 0, 99),
    }
}

fn kind(type_name: &str, p: &mut Props<'_>) -> Kind {
    match type_name {
        "trigger" => Kind::Trigger,
        "say-play" => Kind::SayPlay(say_play(p, true)),
        "gather-input-on-call" => {
            let prompt = say_play(p, false);
            let finish_on_key = match p.raw("finish_on_key") {
                Some(Value::String(s)) => {
                    let ok = s
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '#' || c == '*');
                    if !ok {
                        p.problem(
                            "finish_on_key",
                            format!("`finish_on_key` must be digits, # or *, got `{s}`"),
                        );
                    }
                    Some(s.clone())
                }
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            let speech_timeout = p.text("speech_timeout");
            if let Some(t) = &speech_timeout {
                if t != "auto" && t.parse::<u32>().is_err() {
                    p.problem(
                        "speech_timeout",
                        format!("`speech_timeout` must be `auto` or whole seconds, got `{t}`"),
                    );
                }
            }
            Kind::Gather(Box::new(Gather {
                prompt,
                timeout: p.number("timeout", 0, 60),
                finish_on_key,
                stop_gather: p.flag("stop_gather").unwrap_or(true),
                number_of_digits: p.number("number_of_digits", 0, 30),
                gather_language: p.text("gather_language"),
                hints: p.template("hints"),
                profanity_filter: p.flag("profanity_filter"),
                speech_timeout,
                speech_model: p.text("speech_model"),
            }))
        }
        "split-based-on" => match p.required_template("input") {
            Some(input) => Kind::Split { input },
            None => Kind::Unsupported("a split needs `input`".to_owned()),
        },
        "set-variables" => {
            let vars = p.pairs("variables");
            Kind::SetVariables(vars)
        }
        "make-http-request" => {
            let method = match p.choice("method", &["GET", "POST"]).unwrap_or("GET") {
                "POST" => http::Method::POST,
                _ => http::Method::GET,
            };
            let content_type = match p.text("content_type") {
                Some(ct) if ct.to_ascii_lowercase().starts_with("application/json") => {
                    ContentType::Json
                }
                Some(ct)
                    if ct
                        .to_ascii_lowercase()
                        .starts_with("application/x-www-form-urlencoded") =>
                {
                    ContentType::Form
                }
                None => ContentType::Form,
                Some(other) => {
                    p.problem(
                        "content_type",
                        format!(
                            "`content_type` must be application/x-www-form-urlencoded or \
                             application/json, got `{other}`"
                        ),
                    );
                    ContentType::Form
                }
            };
            if p.flag("add_twilio_auth") == Some(true) {
                return Kind::Unsupported(
                    "`add_twilio_auth` (Twilio's credentials on the request) is not supported"
                        .to_owned(),
                );
            }
            let url = p.required_template("url");
            let body = p.template("body");
            let parameters = p.pairs("parameters");
            match url {
                Some(url) => Kind::HttpRequest(Box::new(HttpRequest {
                    method,
                    url,
                    content_type,
                    body,
                    parameters,
                })),
                None => Kind::Unsupported("`url` is required".to_owned()),
            }
        }
        "run-function" => {
            let url = p.required_template("url");
            let parameters = p.pairs("parameters");
            match url {
                Some(url) => Kind::RunFunction { url, parameters },
                None => Kind::Unsupported("`url` is required".to_owned()),
            }
        }
        "connect-call-to" => {
            let noun = match p.choice(
                "noun",
                &[
                    "number",
                    "number-multi",
                    "client",
                    "sip",
                    "conference",
                    "sim",
                ],
            ) {
                Some("number-multi") => Noun::NumberMulti,
                Some("client") => Noun::Client,
                Some("sip") => Noun::Sip,
                Some("conference") => Noun::Conference,
                Some("sim") => Noun::Sim,
                Some(_) => Noun::Number,
                None => {
                    if p.raw("noun").is_none() {
                        p.problem("noun", "`noun` is required".to_owned());
                    }
                    Noun::Number
                }
            };
            let to = p.template("to");
            let sip_endpoint = p.template("sip_endpoint");
            if noun == Noun::Sip && sip_endpoint.is_none() {
                p.problem(
                    "sip_endpoint",
                    "a sip connect needs `sip_endpoint`".to_owned(),
                );
            }
            if noun != Noun::Sip && to.is_none() {
                p.problem("to", "`to` is required".to_owned());
            }
            Kind::Connect(Box::new(Connect {
                noun,
                to,
                caller_id: p.template("caller_id"),
                record: p.flag("record").unwrap_or(false),
                timeout: p.number("timeout", 1, 600),
                time_limit: p.number("time_limit", 1, 14_400),
                sip_endpoint,
                sip_username: p.template("sip_username"),
                sip_password: p.template("sip_password"),
            }))
        }
        "record-voicemail" => Kind::RecordVoicemail(RecordVoicemail {
            timeout: p.number("timeout", 0, 3_600),
            finish_on_key: p.text("finish_on_key"),
            max_length: p.number("max_length", 1, 14_400),
            transcribe: p.flag("transcribe").unwrap_or(false),
            transcription_callback_url: p.template("transcription_callback_url"),
            trim: p
                .choice("trim", &["trim-silence", "do-not-trim"])
                .map(str::to_owned),
            play_beep: p.flag("play_beep"),
            recording_status_callback_url: p.template("recording_status_callback_url"),
        }),
        "enqueue-call" => {
            let queue_name = p.template("queue_name");
            let workflow_sid = p.template("workflow_sid");
            if queue_name.is_none() && workflow_sid.is_none() {
                p.problem(
                    "queue_name",
                    "give `queue_name` or `workflow_sid`".to_owned(),
                );
            }
            Kind::Enqueue(Box::new(Enqueue {
                queue_name,
                workflow_sid,
                task_attributes: p.template("task_attributes"),
                priority: p.template("priority"),
                timeout: p.template("timeout"),
                wait_url: p.template("wait_url"),
                wait_url_method: p
                    .choice("wait_url_method", &["GET", "POST"])
                    .map(str::to_owned),
            }))
        }
        "send-to-flex" => {
            let workflow_sid = p.required_template("workflow");
            Kind::Enqueue(Box::new(Enqueue {
                queue_name: None,
                workflow_sid,
                task_attributes: p.template("attributes"),
                priority: p.template("priority"),
                timeout: p.template("timeout"),
                wait_url: p.template("waitUrl"),
                wait_url_method: p
                    .choice("waitUrlMethod", &["GET", "POST"])
                    .map(str::to_owned),
            }))
        }
        "add-twiml-redirect" => {
            let url = p.required_template("url");
            let method = p
                .choice("method", &["GET", "POST"])
                .unwrap_or("POST")
                .to_owned();
            let timeout_secs = p.number("timeout", 0, 14_400).unwrap_or(14_400).into();
            match url {
                Some(url) => Kind::Redirect {
                    url,
                    method,
                    timeout_secs,
                },
                None => Kind::Unsupported("`url` is required".to_owned()),
            }
        }
        "fork-stream" => {
            let start = match p.choice("stream_action", &["start", "stop"]) {
                Some("stop") => false,
                Some(_) => true,
                None => {
                    if p.raw("stream_action").is_none() {
                        p.problem("stream_action", "`stream_action` is required".to_owned());
                    }
                    true
                }
            };
            let siprec =
                p.choice("stream_transport_type", &["websocket", "siprec"]) == Some("siprec");
            let url = p.template("stream_url");
            let connector = p
                .template("stream_connector")
                .or_else(|| p.template("stream_connector_name"));
            if start && !siprec && url.is_none() {
                p.problem(
                    "stream_url",
                    "a websocket stream needs `stream_url`".to_owned(),
                );
            }
            if start && siprec && connector.is_none() {
                p.problem(
                    "stream_connector",
                    "a siprec stream needs `stream_connector`".to_owned(),
                );
            }
            Kind::ForkStream(Box::new(ForkStream {
                start,
                name: p.template("stream_name"),
                siprec,
                url,
                connector,
                track: p
                    .choice(
                        "stream_track",
                        &["inbound_track", "outbound_track", "both_tracks"],
                    )
                    .map(str::to_owned),
                parameters: p.pairs("stream_parameters"),
            }))
        }
        "capture-payments" => {
            const ATTRIBUTES: [(&str, &str); 13] = [
                ("payment_connector", "paymentConnector"),
                ("payment_amount", "chargeAmount"),
                ("currency", "currency"),
                ("description", "description"),
                ("language", "language"),
                ("timeout", "timeout"),
                ("max_attempts", "maxAttempts"),
                ("security_code", "securityCode"),
                ("postal_code", "postalCode"),
                ("min_postal_code_length", "minPostalCodeLength"),
                ("payment_token_type", "tokenType"),
                ("payment_method", "paymentMethod"),
                ("bank_account_type", "bankAccountType"),
            ];
            let mut attributes = Vec::new();
            for (key, attribute) in ATTRIBUTES {
                if let Some(t) = p.template(key) {
                    attributes.push((attribute, t));
                }
            }
            if let Some(types) = p.raw("valid_card_types").cloned() {
                let joined = match &types {
                    Value::Array(items) => items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" "),
                    Value::String(s) => s.replace(',', " "),
                    _ => String::new(),
                };
                if let Ok(t) = Template::parse(&joined) {
                    attributes.push(("validCardTypes", t));
                }
            }
            Kind::Pay(Box::new(Pay {
                attributes,
                parameters: p.pairs("parameters"),
            }))
        }
        "connect-virtual-agent" => match p.required_template("connector") {
            Some(connector) => Kind::VirtualAgent(VirtualAgent {
                connector,
                language: p.template("language"),
                sentiment_analysis: p.flag("sentiment_analysis"),
                status_callback: p.template("status_callback"),
            }),
            None => Kind::Unsupported("`connector` is required".to_owned()),
        },
        "run-subflow" => {
            let flow_sid = p.text("flow_sid");
            let parameters = p.pairs("parameters");
            if let Some(revision) = p.text("flow_revision") {
                let known = revision == "LatestPublished"
                    || revision == "LatestDraft"
                    || revision.parse::<u32>().is_ok();
                if !known {
                    p.problem(
                        "flow_revision",
                        format!("`flow_revision` must be LatestPublished, LatestDraft or a number, got `{revision}`"),
                    );
                }
            }
            match flow_sid {
                Some(sid) if sid.contains("{{") || sid.contains("{%") => {
                    p.problem(
                        "flow_sid",
                        "`flow_sid` cannot be Liquid (Studio's rule)".to_owned(),
                    );
                    Kind::Unsupported("`flow_sid` cannot be Liquid".to_owned())
                }
                Some(flow_sid) => Kind::Subflow {
                    flow_sid,
                    parameters,
                },
                None => {
                    p.problem("flow_sid", "`flow_sid` is required".to_owned());
                    Kind::Unsupported("`flow_sid` is required".to_owned())
                }
            }
        }
        "send-message" => {
            let body = p.required_template("body");
            let (from, to) = (p.template("from"), p.template("to"));
            // `service` / `channel` (Programmable Chat) and `attributes` are kept by exports
            // even in voice flows, filled with `{{trigger.message.…}}`: on a call they
            // render to nothing and the message goes by SMS, as Studio sends it.
            match p.choice("message_type", &["custom", "content_template"]) {
                Some("content_template") => {
                    p.problem(
                        "message_type",
                        "content templates (`content_sid`) are not sent by callflow; give a `body`"
                            .to_owned(),
                    );
                    Kind::Unsupported("`message_type` content_template is not supported".into())
                }
                _ => match body {
                    Some(body) => Kind::SendMessage(Box::new(SendMessage {
                        body,
                        from,
                        to,
                        media_url: p.template("media_url"),
                    })),
                    None => Kind::Unsupported("`body` is required".to_owned()),
                },
            }
        }
        "record-call" => {
            let start = match p.flag("record_call") {
                Some(start) => start,
                None => {
                    if p.raw("record_call").is_none() {
                        p.problem(
                            "record_call",
                            "`record_call` is required (true starts, false stops)".to_owned(),
                        );
                    }
                    true
                }
            };
            let mut events = Vec::new();
            if let Some(raw) = p.raw("recording_status_callback_events").cloned() {
                let listed: Vec<String> = match &raw {
                    Value::Array(items) => items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect(),
                    Value::String(s) => s
                        .split([',', ' '])
                        .filter(|e| !e.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    _ => Vec::new(),
                };
                for event in listed {
                    if ["in-progress", "completed", "absent"].contains(&event.as_str()) {
                        events.push(event);
                    } else {
                        p.problem(
                            "recording_status_callback_events",
                            format!(
                                "`recording_status_callback_events` may list in-progress, completed and absent, got `{event}`"
                            ),
                        );
                    }
                }
            }
            Kind::RecordCall(Box::new(RecordCall {
                start,
                status_callback: p.template("recording_status_callback"),
                status_callback_method: p
                    .choice("recording_status_callback_method", &["GET", "POST"])
                    .map(str::to_owned),
                status_callback_events: events,
                channels: p
                    .choice("recording_channels", &["mono", "dual"])
                    .map(str::to_owned),
                trim: p
                    .choice("trim", &["trim-silence", "do-not-trim"])
                    .map(str::to_owned),
            }))
        }
        "make-outgoing-call-v2" | "make-outgoing-call-v1" => Kind::Unsupported(format!(
            "{type_name} places a new call from a REST-triggered execution, which callflow does not run"
        )),
        other if is_messaging_only(other) => {
            Kind::Unsupported(format!("{other} is a messaging widget, not used by voice"))
        }
        other => Kind::Unsupported(format!("unknown widget type `{other}`")),
    }
}

impl Widget {
    /// The widget an event leads to (`None`: the execution ends), Studio's rule for a
    /// missing transition included.
    pub fn next(&self, event: &str) -> Option<&str> {
        self.transitions.get(event).and_then(|n| n.as_deref())
    }

    /// Every widget this one can lead to, with the event (or a split's condition label).
    pub fn edges(&self) -> Vec<(String, &str)> {
        let mut out: Vec<(String, &str)> = Vec::new();
        for m in &self.matches {
            if let Some(next) = &m.next {
                let label = if m.label.is_empty() {
                    "match".to_owned()
                } else {
                    m.label.clone()
                };
                out.push((label, next));
            }
        }
        for (event, next) in &self.transitions {
            if let Some(next) = next {
                out.push((event.clone(), next));
            }
        }
        out
    }

    /// Whether the widget answers the call with TwiML (and so waits for Twilio).
    pub fn makes_twiml(&self) -> bool {
        matches!(
            self.kind,
            Kind::SayPlay(_)
                | Kind::Gather(_)
                | Kind::Connect(_)
                | Kind::RecordVoicemail(_)
                | Kind::Enqueue(_)
                | Kind::Redirect { .. }
                | Kind::Pay(_)
                | Kind::VirtualAgent(_)
        )
    }

    /// Every Liquid template of the widget (for the analysis of what the flow reads).
    pub fn templates(&self) -> Vec<&Template> {
        let mut out: Vec<&Template> = Vec::new();
        fn push_sp<'a>(s: &'a SayPlay, out: &mut Vec<&'a Template>) {
            out.extend(s.say.iter().chain(&s.play).chain(&s.digits));
        }
        fn pairs<'a>(p: &'a [(String, Template)], out: &mut Vec<&'a Template>) {
            out.extend(p.iter().map(|(_, t)| t));
        }
        match &self.kind {
            Kind::Trigger | Kind::Unsupported(_) => {}
            Kind::SayPlay(s) => push_sp(s, &mut out),
            Kind::Gather(g) => {
                push_sp(&g.prompt, &mut out);
                out.extend(&g.hints);
            }
            Kind::Split { input } => out.push(input),
            Kind::SetVariables(v) => pairs(v, &mut out),
            Kind::HttpRequest(h) => {
                out.push(&h.url);
                out.extend(&h.body);
                pairs(&h.parameters, &mut out);
            }
            Kind::RunFunction { url, parameters } => {
                out.push(url);
                pairs(parameters, &mut out);
            }
            Kind::Connect(c) => out.extend(
                c.to.iter()
                    .chain(&c.caller_id)
                    .chain(&c.sip_endpoint)
                    .chain(&c.sip_username)
                    .chain(&c.sip_password),
            ),
            Kind::RecordVoicemail(r) => out.extend(
                r.transcription_callback_url
                    .iter()
                    .chain(&r.recording_status_callback_url),
            ),
            Kind::Enqueue(e) => out.extend(
                e.queue_name
                    .iter()
                    .chain(&e.workflow_sid)
                    .chain(&e.task_attributes)
                    .chain(&e.priority)
                    .chain(&e.timeout)
                    .chain(&e.wait_url),
            ),
            Kind::Redirect { url, .. } => out.push(url),
            Kind::ForkStream(f) => {
                out.extend(f.name.iter().chain(&f.url).chain(&f.connector));
                pairs(&f.parameters, &mut out);
            }
            Kind::Pay(p) => {
                out.extend(p.attributes.iter().map(|(_, t)| t));
                pairs(&p.parameters, &mut out);
            }
            Kind::VirtualAgent(v) => {
                out.push(&v.connector);
                out.extend(v.language.iter().chain(&v.status_callback));
            }
            Kind::Subflow { parameters, .. } => pairs(parameters, &mut out),
            Kind::SendMessage(m) => {
                out.push(&m.body);
                out.extend(m.from.iter().chain(&m.to).chain(&m.media_url));
            }
            Kind::RecordCall(r) => out.extend(&r.status_callback),
        }
        for m in &self.matches {
            out.extend(m.conditions.iter().map(|c| &c.value));
        }
        out
    }

    /// A few words on what the widget does, for graphs: `say`, `gather`, `split on …`.
    pub fn summary(&self) -> String {
        match &self.kind {
            Kind::Trigger => "trigger".to_owned(),
            Kind::SayPlay(s) if s.play.is_some() => "play".to_owned(),
            Kind::SayPlay(s) if s.digits.is_some() => "play digits".to_owned(),
            Kind::SayPlay(_) => "say".to_owned(),
            Kind::Gather(_) => "gather".to_owned(),
            Kind::Split { input } => format!("split on {}", short(input.source())),
            Kind::SetVariables(v) => format!(
                "set {}",
                v.iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Kind::HttpRequest(h) => format!("{} {}", h.method, short(h.url.source())),
            Kind::RunFunction { url, .. } => format!("function {}", short(url.source())),
            Kind::Connect(c) => format!(
                "connect {}",
                c.to.as_ref().map_or("sip", |t| short(t.source()))
            ),
            Kind::RecordVoicemail(_) => "record voicemail".to_owned(),
            Kind::Enqueue(e) => format!(
                "enqueue {}",
                e.queue_name
                    .as_ref()
                    .or(e.workflow_sid.as_ref())
                    .map_or("", |t| short(t.source()))
            ),
            Kind::Redirect { url, .. } => format!("redirect {}", short(url.source())),
            Kind::ForkStream(f) => format!("stream {}", if f.start { "start" } else { "stop" }),
            Kind::Pay(_) => "capture payment".to_owned(),
            Kind::VirtualAgent(_) => "virtual agent".to_owned(),
            Kind::Subflow { flow_sid, .. } => format!("subflow {}", short(flow_sid)),
            Kind::SendMessage(m) => format!("text {}", short(m.body.source())),
            Kind::RecordCall(r) => {
                format!("recording {}", if r.start { "start" } else { "stop" })
            }
            Kind::Unsupported(_) => format!("{} (unsupported)", self.type_name),
        }
    }
}

/// At most 32 characters of a template's source, for labels.
fn short(source: &str) -> &str {
    match source.char_indices().nth(32) {
        Some((at, _)) => &source[..at],
        None => source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::studio::StudioFlow;

    /// A voice flow whose `incomingCall` reaches `widget` (type, properties).
    fn flow_with(type_name: &str, properties: Value, events: &[&str]) -> String {
        let transitions: Vec<Value> = events
            .iter()
            .map(|e| serde_json::json!({"event": e}))
            .collect();
        serde_json::json!({
            "description": "one widget",
            "states": [
                {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
                 "transitions": [{"event": "incomingCall", "next": "w"}]},
                {"name": "w", "type": type_name, "properties": properties, "transitions": transitions}
            ],
            "initial_state": "Trigger"
        })
        .to_string()
    }

    fn compiled(text: &str) -> StudioFlow {
        match StudioFlow::compile(text) {
            Ok(flow) => flow,
            Err(problems) => panic!("{problems:?}"),
        }
    }

    fn problems(text: &str) -> Vec<String> {
        let flow = match StudioFlow::compile(text) {
            Ok(flow) => flow,
            Err(problems) => return problems.iter().map(|p| p.to_string()).collect(),
        };
        flow.errors().iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn send_message_reads_studios_properties_and_defaults() {
        let text = flow_with(
            "send-message",
            serde_json::json!({
                "body": "Order {{flow.variables.order}}", "to": "{{trigger.call.From}}",
                "media_url": "https://example.com/a.png",
                "service": "{{trigger.message.InstanceSid}}",
                "channel": "{{trigger.message.ChannelSid}}"
            }),
            &["sent", "failed"],
        );
        let flow = compiled(&text);
        let Some(Kind::SendMessage(m)) = flow.widget("w").map(|w| &w.kind) else {
            panic!("not a send-message: {:?}", flow.widget("w"));
        };
        assert_eq!(m.body.source(), "Order {{flow.variables.order}}");
        assert!(m.from.is_none(), "from defaults to the number called");
        assert_eq!(
            m.to.as_ref().map(Template::source),
            Some("{{trigger.call.From}}")
        );
        assert_eq!(
            m.media_url.as_ref().map(Template::source),
            Some("https://example.com/a.png")
        );
        assert!(problems(&text).is_empty(), "{:?}", problems(&text));
        assert!(!is_messaging_only("send-message"));
    }

    #[test]
    fn send_message_without_a_body_or_with_a_content_template_is_refused() {
        let none = problems(&flow_with("send-message", serde_json::json!({}), &["sent"]));
        assert!(
            none.iter().any(|p| p.contains("`body` is required")),
            "{none:?}"
        );
        let template = problems(&flow_with(
            "send-message",
            serde_json::json!({"body": "x", "message_type": "content_template", "content_sid": "HX1"}),
            &["sent"],
        ));
        assert!(
            template.iter().any(|p| p.contains("content templates")),
            "{template:?}"
        );
        let event = problems(&flow_with(
            "send-message",
            serde_json::json!({"body": "x"}),
            &["success"],
        ));
        assert!(event.iter().any(|p| p.contains("success")), "{event:?}");
    }

    #[test]
    fn record_call_reads_start_stop_and_recording_options() {
        let text = flow_with(
            "record-call",
            serde_json::json!({
                "record_call": "true", "trim": "do-not-trim", "recording_channels": "dual",
                "recording_status_callback": "https://example.com/rec",
                "recording_status_callback_method": "GET",
                "recording_status_callback_events": "in-progress completed"
            }),
            &["success", "failed"],
        );
        let flow = compiled(&text);
        let Some(Kind::RecordCall(r)) = flow.widget("w").map(|w| &w.kind) else {
            panic!("not a record-call: {:?}", flow.widget("w"));
        };
        assert!(r.start);
        assert_eq!(r.trim.as_deref(), Some("do-not-trim"));
        assert_eq!(r.channels.as_deref(), Some("dual"));
        assert_eq!(r.status_callback_method.as_deref(), Some("GET"));
        assert_eq!(r.status_callback_events, ["in-progress", "completed"]);
        assert_eq!(
            r.status_callback.as_ref().map(Template::source),
            Some("https://example.com/rec")
        );
        assert!(problems(&text).is_empty(), "{:?}", problems(&text));

        let stop = compiled(&flow_with(
            "record-call",
            serde_json::json!({"record_call": false}),
            &["success"],
        ));
        assert!(matches!(
            stop.widget("w").map(|w| &w.kind),
            Some(Kind::RecordCall(r)) if !r.start
        ));
    }

    #[test]
    fn record_call_needs_record_call_and_known_values() {
        let missing = problems(&flow_with(
            "record-call",
            serde_json::json!({}),
            &["success"],
        ));
        assert!(
            missing
                .iter()
                .any(|p| p.contains("`record_call` is required")),
            "{missing:?}"
        );
        let bad = problems(&flow_with(
            "record-call",
            serde_json::json!({"record_call": true, "recording_channels": "stereo",
                               "recording_status_callback_events": ["done"]}),
            &["success"],
        ));
        assert!(
            bad.iter().any(|p| p.contains("recording_channels")),
            "{bad:?}"
        );
        assert!(bad.iter().any(|p| p.contains("got `done`")), "{bad:?}");
    }

    #[test]
    fn outgoing_calls_stay_unsupported() {
        let out = problems(&flow_with(
            "make-outgoing-call-v2",
            serde_json::json!({"to": "+15005550006"}),
            &["answered"],
        ));
        assert!(out.iter().any(|p| p.contains("does not run")), "{out:?}");
    }
}
