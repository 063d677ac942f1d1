//! The serde shape of a flow file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A whole call flow: where calls start and the stages they move through.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// The stage a new call starts in.
    pub start: String,
    /// Stages by name. A `BTreeMap` keeps error messages and renders deterministic.
    pub stages: BTreeMap<String, Stage>,
}

/// One step of the menu.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Spoken when the stage is entered (before the gather prompt).
    #[serde(default)]
    pub say: Option<String>,
    /// Audio URL played when the stage is entered.
    #[serde(default)]
    pub play: Option<String>,
    /// Input to collect; a stage has either `gather` or `end`.
    #[serde(default)]
    pub gather: Option<GatherSpec>,
    /// Input → next stage. DTMF keys match exactly; speech keys match as a contained phrase.
    #[serde(default)]
    pub routes: BTreeMap<String, String>,
    /// Next stage for any other non-empty input.
    #[serde(default)]
    pub otherwise: Option<String>,
    /// What happens on empty or unmatched input.
    #[serde(default)]
    pub retry: Option<RetrySpec>,
    /// The terminal action that ends the menu.
    #[serde(default)]
    pub end: Option<End>,
}

/// The `<Gather>` a stage asks for.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GatherSpec {
    /// `dtmf`, `speech` or `dtmf speech`.
    #[serde(default = "default_input")]
    pub input: String,
    /// The question, spoken inside the gather so that callers can barge in.
    pub prompt: String,
    #[serde(default)]
    pub num_digits: Option<u32>,
    /// Seconds of silence before Twilio gives up waiting.
    #[serde(default)]
    pub timeout: Option<u32>,
    #[serde(default)]
    pub finish_on_key: Option<String>,
    #[serde(default)]
    pub speech_timeout: Option<String>,
    #[serde(default)]
    pub hints: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
}

fn default_input() -> String {
    "dtmf".to_owned()
}

/// How often a stage asks again before giving up.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RetrySpec {
    /// Said before the stage's prompt when asking again.
    pub prompt: String,
    /// Number of retries after the first attempt.
    pub max: u32,
    /// Stage to go to once the retries are used up.
    pub exhausted: String,
}

/// Terminal actions. Exactly one field is set (checked by validation).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct End {
    /// Say goodbye (the stage's `say`) and hang up.
    #[serde(default)]
    pub hangup: bool,
    /// Dial this phone number (E.164).
    #[serde(default)]
    pub dial: Option<String>,
    /// Dial this Twilio Client identity.
    #[serde(default)]
    pub client: Option<String>,
    /// Put the caller in this queue.
    #[serde(default)]
    pub enqueue: Option<String>,
    /// Caller ID to present when dialling.
    #[serde(default)]
    pub caller_id: Option<String>,
}

impl Flow {
    /// A one-stage flow that only says goodbye; the fallback if the example cannot load.
    pub(crate) fn minimal() -> Flow {
        let stage = Stage {
            say: Some("Goodbye.".to_owned()),
            end: Some(End {
                hangup: true,
                ..End::default()
            }),
            ..Stage::default()
        };
        Flow {
            start: "goodbye".to_owned(),
            stages: BTreeMap::from([("goodbye".to_owned(), stage)]),
        }
    }

    /// The stage called `name`, if the flow has one.
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.get(name)
    }
}

impl Stage {
    /// Whether the call's journey through the menu ends here.
    pub fn is_terminal(&self) -> bool {
        self.end.is_some()
    }
}
