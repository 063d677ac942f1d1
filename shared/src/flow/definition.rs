//! A flow after validation: named stages whose kind is an enum, so that every part of
//! callflow (engine, render, graph) matches on what a stage does instead of
//! re-interpreting optional fields. The TOML shape and its checks are in `toml`.

use std::collections::BTreeMap;

use crate::webhook::DialCallStatus;

/// A whole call flow: where calls start and the stages they move through.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// The stage a new call starts in.
    pub start: String,
    /// Stages by name. A `BTreeMap` keeps error messages and renders deterministic.
    pub stages: BTreeMap<String, Stage>,
}

/// One step of the flow: what the caller hears on entering it, then what it does.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// Spoken when the stage is entered.
    pub say: Option<String>,
    /// Audio URL played when the stage is entered.
    pub play: Option<String>,
    /// What the stage does after that.
    pub kind: StageKind,
}

/// What a stage does after its `say` / `play`.
#[derive(Debug, Clone, PartialEq)]
pub enum StageKind {
    /// Ask for input and move on by it.
    Gather(GatherStage),
    /// Say and continue: move on to `next` without input (a `<Redirect>`).
    Continue {
        /// The stage after the redirect.
        next: String,
    },
    /// Hand the call to a media stream or an AI agent (`<Connect>`); `next` once the
    /// session ends, or the end of the call without one.
    Connect(ConnectStage),
    /// Record a voicemail (`<Record>`), then `next`.
    Record(RecordStage),
    /// Dial, and move on by how the dial went (`<Dial action>` brings `DialCallStatus`).
    Dial(DialStage),
    /// The end of the call's journey through the flow.
    End(End),
}

/// A gather stage: the question, and where answers lead.
#[derive(Debug, Clone, PartialEq)]
pub struct GatherStage {
    /// The `<Gather>` asked for.
    pub gather: GatherSpec,
    /// Input → next stage. DTMF keys match exactly; speech keys match as a contained phrase.
    pub routes: BTreeMap<String, String>,
    /// Next stage for any other non-empty input.
    pub otherwise: Option<String>,
    /// What happens on empty or unmatched input.
    pub retry: Option<RetrySpec>,
}

/// The `<Gather>` a stage asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct GatherSpec {
    /// `dtmf`, `speech` or `dtmf speech`.
    pub input: String,
    /// The question, spoken inside the gather so that callers can barge in.
    pub prompt: String,
    /// `numDigits`: the gather ends after this many keys.
    pub num_digits: Option<u32>,
    /// Seconds of silence before Twilio gives up waiting.
    pub timeout: Option<u32>,
    /// `finishOnKey`: the key that ends input early (`""`: none).
    pub finish_on_key: Option<String>,
    /// `speechTimeout`: seconds of silence after speech, or `auto`.
    pub speech_timeout: Option<String>,
    /// `hints`: words and phrases that help speech recognition, comma-separated.
    pub hints: Option<String>,
    /// `language` of the speech to recognise, e.g. `en-US`.
    pub language: Option<String>,
}

/// How often a stage asks again before giving up.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySpec {
    /// Said before the stage's prompt when asking again.
    pub prompt: String,
    /// Number of retries after the first attempt.
    pub max: u32,
    /// Stage to go to once the retries are used up.
    pub exhausted: String,
}

/// Terminal actions.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// Say goodbye (the stage's `say`) and hang up.
    Hangup,
    /// Dial this phone number (E.164); the call is over for the flow.
    Dial {
        /// The number dialled, E.164.
        number: String,
        /// `callerId` of the dialled leg; `None` keeps the caller's number.
        caller_id: Option<String>,
    },
    /// Dial this Twilio Client identity.
    Client {
        /// The identity dialled (`<Client>`).
        identity: String,
        /// `callerId` of the dialled leg; `None` keeps the caller's number.
        caller_id: Option<String>,
    },
    /// Put the caller in this queue.
    Enqueue {
        /// The queue's name (`<Enqueue>`).
        queue: String,
    },
}

crate::webhook::wire_enum! {
    /// What a connect stage hands the call to; `as_str` is the name kept in the call
    /// state and shown in graphs.
    pub enum ConnectTarget as "connect target" {
        /// `<Connect><Stream>`: the call's audio both ways over a WebSocket.
        Stream = "stream",
        /// `<Connect><ConversationRelay>`: Twilio does speech, your WebSocket the talking.
        ConversationRelay = "conversation-relay",
    }
    expected "stream or conversation-relay"
}

/// A connect stage.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectStage {
    /// A `<Stream>` or a `<ConversationRelay>`.
    pub target: ConnectTarget,
    /// The `wss://` URL.
    pub url: String,
    /// `<Parameter>`s handed to the WebSocket server.
    pub parameters: BTreeMap<String, String>,
    /// ConversationRelay only: said as soon as the session connects.
    pub welcome_greeting: Option<String>,
    /// ConversationRelay only.
    pub language: Option<String>,
    /// ConversationRelay only.
    pub voice: Option<String>,
    /// Where the call goes when the session ends; `None` ends the call.
    pub next: Option<String>,
}

/// A voicemail stage.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordStage {
    /// Longest recording, in seconds.
    pub max_length: Option<u32>,
    /// Keys that end the recording.
    pub finish_on_key: Option<String>,
    /// Seconds of silence that end the recording.
    pub timeout: Option<u32>,
    /// `playBeep`; `None` leaves Twilio's default (a beep).
    pub play_beep: Option<bool>,
    /// Ask Twilio for a transcript (delivered to the transcription callback).
    pub transcribe: bool,
    /// The stage after the recording (its action callback).
    pub next: String,
}

/// Who a dial stage calls.
#[derive(Debug, Clone, PartialEq)]
pub enum DialTarget {
    /// A phone number (E.164).
    Number(String),
    /// A Twilio Client identity.
    Client(String),
}

/// A dial stage with fallbacks.
#[derive(Debug, Clone, PartialEq)]
pub struct DialStage {
    /// The number or client identity to ring.
    pub target: DialTarget,
    /// `callerId` of the dialled leg; `None` keeps the caller's number.
    pub caller_id: Option<String>,
    /// Seconds to let it ring.
    pub timeout: Option<u32>,
    /// `DialCallStatus` → next stage.
    pub routes: BTreeMap<DialCallStatus, String>,
    /// Next stage for a status without a route.
    pub otherwise: Option<String>,
}

impl Flow {
    /// A one-stage flow that only says goodbye; the fallback if the example cannot load.
    pub fn minimal() -> Flow {
        let stage = Stage {
            say: Some("Goodbye.".to_owned()),
            play: None,
            kind: StageKind::End(End::Hangup),
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
    /// Whether the call's journey through the flow ends here (no stage follows).
    pub fn is_terminal(&self) -> bool {
        match &self.kind {
            StageKind::End(_) => true,
            StageKind::Connect(connect) => connect.next.is_none(),
            _ => false,
        }
    }

    /// Every stage this one can lead to.
    pub fn successors(&self) -> Vec<&str> {
        match &self.kind {
            StageKind::Gather(g) => g
                .routes
                .values()
                .map(String::as_str)
                .chain(g.otherwise.as_deref())
                .chain(g.retry.as_ref().map(|r| r.exhausted.as_str()))
                .collect(),
            StageKind::Continue { next } => vec![next.as_str()],
            StageKind::Connect(c) => c.next.as_deref().into_iter().collect(),
            StageKind::Record(r) => vec![r.next.as_str()],
            StageKind::Dial(d) => d
                .routes
                .values()
                .map(String::as_str)
                .chain(d.otherwise.as_deref())
                .collect(),
            StageKind::End(_) => Vec::new(),
        }
    }
}
