//! The TOML shape of a flow file and its compilation into the typed [`Flow`]: each raw
//! stage (a bag of optional fields, as a file naturally is) becomes exactly one
//! [`StageKind`], or a list of problems, each naming the stage.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::webhook::DialCallStatus;

use super::definition::{
    ConnectStage, ConnectTarget, DialStage, DialTarget, End, Flow, GatherSpec, GatherStage,
    RecordStage, RetrySpec, Stage, StageKind,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FlowToml {
    start: String,
    stages: BTreeMap<String, StageToml>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StageToml {
    say: Option<String>,
    play: Option<String>,
    gather: Option<GatherToml>,
    connect: Option<ConnectToml>,
    record: Option<RecordToml>,
    dial: Option<DialToml>,
    end: Option<EndToml>,
    #[serde(default)]
    routes: BTreeMap<String, String>,
    otherwise: Option<String>,
    retry: Option<RetryToml>,
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GatherToml {
    #[serde(default = "default_input")]
    input: String,
    prompt: String,
    num_digits: Option<u32>,
    timeout: Option<u32>,
    finish_on_key: Option<String>,
    speech_timeout: Option<String>,
    hints: Option<String>,
    language: Option<String>,
}

fn default_input() -> String {
    "dtmf".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RetryToml {
    prompt: String,
    max: u32,
    exhausted: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EndToml {
    #[serde(default)]
    hangup: bool,
    dial: Option<String>,
    client: Option<String>,
    enqueue: Option<String>,
    caller_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectToml {
    stream: Option<String>,
    relay: Option<String>,
    #[serde(default)]
    parameters: BTreeMap<String, String>,
    welcome_greeting: Option<String>,
    language: Option<String>,
    voice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordToml {
    max_length: Option<u32>,
    finish_on_key: Option<String>,
    timeout: Option<u32>,
    play_beep: Option<bool>,
    #[serde(default)]
    transcribe: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DialToml {
    number: Option<String>,
    client: Option<String>,
    caller_id: Option<String>,
    timeout: Option<u32>,
}

const INPUTS: [&str; 3] = ["dtmf", "speech", "dtmf speech"];
/// Keys Twilio accepts in `finishOnKey`.
const KEYS: &str = "0123456789*#";

impl FlowToml {
    /// The typed flow and every problem of the stages' own settings. A stage with
    /// problems is kept as a bare hang-up, so that the whole-flow checks that follow
    /// (`validate`) still run without reporting it as unknown or endless.
    pub(super) fn compile(self) -> (Flow, Vec<String>) {
        let mut problems = Vec::new();
        let mut stages = BTreeMap::new();
        for (name, raw) in self.stages {
            let before = problems.len();
            let stage = compile_stage(&name, raw, &mut problems)
                .filter(|_| problems.len() == before)
                .unwrap_or(Stage {
                    say: None,
                    play: None,
                    kind: StageKind::End(End::Hangup),
                });
            stages.insert(name, stage);
        }
        let flow = Flow {
            start: self.start,
            stages,
        };
        (flow, problems)
    }
}

/// What makes a stage's kind, in the order the messages list them.
const KINDS: &str = "`gather`, `connect`, `record`, `dial`, `end` or (alone) `next`";

fn compile_stage(name: &str, raw: StageToml, problems: &mut Vec<String>) -> Option<Stage> {
    let mut p = |msg: String| problems.push(format!("stage `{name}`: {msg}"));
    let kinds = [
        ("gather", raw.gather.is_some()),
        ("connect", raw.connect.is_some()),
        ("record", raw.record.is_some()),
        ("dial", raw.dial.is_some()),
        ("end", raw.end.is_some()),
    ];
    let given: Vec<&str> = kinds.iter().filter(|k| k.1).map(|k| k.0).collect();
    if given.len() > 1 {
        p(format!(
            "has {}; a stage does exactly one of {KINDS}",
            given.join(" and ")
        ));
        return None;
    }
    // Fields that belong to some kinds only.
    let allow = |field: &str, set: bool, kinds: &[&str], p: &mut dyn FnMut(String)| {
        let kind = given.first().copied().unwrap_or("next");
        if set && !kinds.contains(&kind) {
            p(format!(
                "`{field}` does not apply to a {kind} stage (only to {})",
                kinds.join(", ")
            ));
        }
    };
    allow(
        "routes",
        !raw.routes.is_empty(),
        &["gather", "dial"],
        &mut p,
    );
    allow(
        "otherwise",
        raw.otherwise.is_some(),
        &["gather", "dial"],
        &mut p,
    );
    allow("retry", raw.retry.is_some(), &["gather"], &mut p);
    allow(
        "next",
        raw.next.is_some(),
        &["next", "connect", "record"],
        &mut p,
    );

    let kind = if let Some(gather) = raw.gather {
        gather_kind(gather, raw.routes, raw.otherwise, raw.retry, &mut p)
    } else if let Some(connect) = raw.connect {
        connect_kind(connect, raw.next, &mut p)
    } else if let Some(record) = raw.record {
        record_kind(record, raw.next, &mut p)
    } else if let Some(dial) = raw.dial {
        dial_kind(dial, raw.routes, raw.otherwise, &mut p)
    } else if let Some(end) = raw.end {
        end_kind(end, &mut p)
    } else if let Some(next) = raw.next {
        Some(StageKind::Continue { next })
    } else {
        p(format!("has no exit: give it one of {KINDS}"));
        None
    }?;
    Some(Stage {
        say: raw.say,
        play: raw.play,
        kind,
    })
}

fn gather_kind(
    g: GatherToml,
    routes: BTreeMap<String, String>,
    otherwise: Option<String>,
    retry: Option<RetryToml>,
    p: &mut dyn FnMut(String),
) -> Option<StageKind> {
    if routes.is_empty() && otherwise.is_none() {
        p("gathers input but has no `routes` or `otherwise`".to_owned());
    }
    if !INPUTS.contains(&g.input.as_str()) {
        p(format!(
            "gather input `{}` is not one of dtmf, speech, \"dtmf speech\"",
            g.input
        ));
    }
    if g.num_digits == Some(0) {
        p("num_digits must be at least 1".to_owned());
    }
    if g.timeout.is_some_and(|t| t == 0 || t > 60) {
        p("timeout must be 1..=60 seconds".to_owned());
    }
    let speech = g.input.contains("speech");
    for key in routes.keys() {
        let digits = !key.is_empty() && key.chars().all(|c| c.is_ascii_digit() || c == '*');
        if !digits && !speech {
            p(format!(
                "route `{key}` is not DTMF digits and the gather takes no speech"
            ));
        }
    }
    Some(StageKind::Gather(GatherStage {
        gather: GatherSpec {
            input: g.input,
            prompt: g.prompt,
            num_digits: g.num_digits,
            timeout: g.timeout,
            finish_on_key: g.finish_on_key,
            speech_timeout: g.speech_timeout,
            hints: g.hints,
            language: g.language,
        },
        routes,
        otherwise,
        retry: retry.map(|r| RetrySpec {
            prompt: r.prompt,
            max: r.max,
            exhausted: r.exhausted,
        }),
    }))
}

fn connect_kind(
    c: ConnectToml,
    next: Option<String>,
    p: &mut dyn FnMut(String),
) -> Option<StageKind> {
    let (target, url) = match (c.stream, c.relay) {
        (Some(url), None) => (ConnectTarget::Stream, url),
        (None, Some(url)) => (ConnectTarget::ConversationRelay, url),
        _ => {
            p("`connect` needs exactly one of `stream` or `relay` (a wss:// URL)".to_owned());
            return None;
        }
    };
    if !url.starts_with("wss://") && !url.starts_with("ws://") {
        p(format!("connect URL `{url}` is not a wss:// URL"));
    }
    if target == ConnectTarget::Stream {
        for (field, set) in [
            ("welcome_greeting", c.welcome_greeting.is_some()),
            ("language", c.language.is_some()),
            ("voice", c.voice.is_some()),
        ] {
            if set {
                p(format!(
                    "connect `{field}` applies to a `relay`, not to a `stream`"
                ));
            }
        }
    }
    Some(StageKind::Connect(ConnectStage {
        target,
        url,
        parameters: c.parameters,
        welcome_greeting: c.welcome_greeting,
        language: c.language,
        voice: c.voice,
        next,
    }))
}

fn record_kind(
    r: RecordToml,
    next: Option<String>,
    p: &mut dyn FnMut(String),
) -> Option<StageKind> {
    if r.max_length.is_some_and(|m| m == 0 || m > 14_400) {
        p("record max_length must be 1..=14400 seconds".to_owned());
    }
    if r.timeout.is_some_and(|t| t > 600) {
        p("record timeout must be 0..=600 seconds".to_owned());
    }
    if let Some(keys) = &r.finish_on_key {
        if keys.chars().any(|c| !KEYS.contains(c)) {
            p(format!(
                "record finish_on_key `{keys}` may only hold 0-9, * and #"
            ));
        }
    }
    let Some(next) = next else {
        p("`record` needs a `next` stage for after the message".to_owned());
        return None;
    };
    Some(StageKind::Record(RecordStage {
        max_length: r.max_length,
        finish_on_key: r.finish_on_key,
        timeout: r.timeout,
        play_beep: r.play_beep,
        transcribe: r.transcribe,
        next,
    }))
}

fn dial_kind(
    d: DialToml,
    routes: BTreeMap<String, String>,
    otherwise: Option<String>,
    p: &mut dyn FnMut(String),
) -> Option<StageKind> {
    let target = match (d.number, d.client) {
        (Some(number), None) => DialTarget::Number(number),
        (None, Some(identity)) => DialTarget::Client(identity),
        _ => {
            p("`dial` needs exactly one of `number` or `client`".to_owned());
            return None;
        }
    };
    if d.timeout.is_some_and(|t| !(5..=600).contains(&t)) {
        p("dial timeout must be 5..=600 seconds".to_owned());
    }
    // The file keys routes by Twilio's spelling; the flow by the enum.
    let mut typed = BTreeMap::new();
    for (status, next) in routes {
        match status.parse::<DialCallStatus>() {
            Ok(known) => {
                typed.insert(known, next);
            }
            Err(_) => p(format!(
                "dial route `{status}` is not a DialCallStatus (one of {})",
                DialCallStatus::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    let routes = typed;
    if otherwise.is_none() {
        let missing: Vec<&str> = DialCallStatus::REQUIRED
            .iter()
            .filter(|s| !routes.contains_key(*s))
            .map(|s| s.as_str())
            .collect();
        if !missing.is_empty() {
            p(format!(
                "dial has no route for {} and no `otherwise`",
                missing.join(", ")
            ));
        }
    }
    Some(StageKind::Dial(DialStage {
        target,
        caller_id: d.caller_id,
        timeout: d.timeout,
        routes,
        otherwise,
    }))
}

fn end_kind(end: EndToml, p: &mut dyn FnMut(String)) -> Option<StageKind> {
    let end = match (end.hangup, end.dial, end.client, end.enqueue) {
        (true, None, None, None) => End::Hangup,
        (false, Some(number), None, None) => End::Dial {
            number,
            caller_id: end.caller_id,
        },
        (false, None, Some(identity), None) => End::Client {
            identity,
            caller_id: end.caller_id,
        },
        (false, None, None, Some(queue)) => End::Enqueue { queue },
        _ => {
            p("`end` needs exactly one of hangup, dial, client, enqueue".to_owned());
            return None;
        }
    };
    Some(StageKind::End(end))
}
