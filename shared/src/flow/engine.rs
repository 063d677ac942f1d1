//! Transitions: where a caller's input, or how a dial, recording or session ended,
//! takes the call.

use super::definition::{Flow, GatherStage, StageKind};
use crate::webhook::DialCallStatus;

/// What the caller gave at a gather.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input<'a> {
    /// Nothing (timeout, or `actionOnEmptyResult` with no input).
    Empty,
    /// Keys pressed, without the finishing key.
    Digits(&'a str),
    /// A speech transcript.
    Speech(&'a str),
}

impl<'a> Input<'a> {
    /// Picks the input from a webhook's `Digits` and `SpeechResult`; digits win when both are set.
    pub fn from_fields(digits: Option<&'a str>, speech: Option<&'a str>) -> Input<'a> {
        match (digits.map(str::trim), speech.map(str::trim)) {
            (Some(d), _) if !d.is_empty() => Input::Digits(d),
            (_, Some(s)) if !s.is_empty() => Input::Speech(s),
            _ => Input::Empty,
        }
    }
}

/// Where the call goes after an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The stage the call is in now.
    pub stage: String,
    /// Retries used in that stage (0 when the call moved on).
    pub retries: u32,
    /// Whether the input matched a route or `otherwise`.
    pub accepted: bool,
}

impl Flow {
    /// Applies `input` given at `stage` (after `retries` earlier failed attempts there).
    ///
    /// An unknown stage (a flow changed under a live call) restarts at `start`; input given
    /// at a terminal stage leaves the call where it is.
    pub fn advance(&self, stage: &str, retries: u32, input: Input<'_>) -> Outcome {
        let Some(current) = self.stages.get(stage) else {
            return Outcome {
                stage: self.start.clone(),
                retries: 0,
                accepted: false,
            };
        };
        // Input given anywhere but at a gather (a terminal stage, a late answer) leaves
        // the call where it is.
        let StageKind::Gather(current) = &current.kind else {
            return Outcome {
                stage: stage.to_owned(),
                retries,
                accepted: false,
            };
        };
        if let Some(next) = current.route(input) {
            return Outcome {
                stage: next.to_owned(),
                retries: 0,
                accepted: true,
            };
        }
        match &current.retry {
            Some(retry) if retries < retry.max => Outcome {
                stage: stage.to_owned(),
                retries: retries + 1,
                accepted: false,
            },
            Some(retry) => Outcome {
                stage: retry.exhausted.clone(),
                retries: 0,
                accepted: false,
            },
            // No retry policy: ask again, indefinitely. Validation guarantees an exit exists.
            None => Outcome {
                stage: stage.to_owned(),
                retries: retries.saturating_add(1),
                accepted: false,
            },
        }
    }
}

/// Something that ends a non-gather stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The `<Redirect>` of a say-and-continue stage.
    Continued,
    /// The `<Dial action>`, with its `DialCallStatus`.
    Dialled(DialCallStatus),
    /// The `<Record action>` (or the `<Redirect>` after an empty recording).
    Recorded,
    /// The `<Connect action>`: the stream or session ended.
    SessionEnded,
}

impl Flow {
    /// The stage `step` leads to from `stage`, or `None` when the call stays (the step
    /// does not belong to that stage's kind, or a connect stage ends the call).
    pub fn next_after(&self, stage: &str, step: Step) -> Option<&str> {
        match (&self.stages.get(stage)?.kind, step) {
            (StageKind::Continue { next }, Step::Continued) => Some(next),
            (StageKind::Record(record), Step::Recorded) => Some(&record.next),
            (StageKind::Connect(connect), Step::SessionEnded) => connect.next.as_deref(),
            (StageKind::Dial(dial), Step::Dialled(status)) => dial
                .routes
                .get(&status)
                .or(dial.otherwise.as_ref())
                .map(String::as_str),
            _ => None,
        }
    }
}

impl GatherStage {
    /// The next stage for `input`, if it matches a route or `otherwise`.
    fn route(&self, input: Input<'_>) -> Option<&str> {
        let matched = match input {
            Input::Empty => return None,
            Input::Digits(digits) => self.routes.get(digits),
            Input::Speech(text) => {
                let text = text.to_lowercase();
                // Longest phrase first so that "not working" beats "working".
                let mut keys: Vec<&String> = self.routes.keys().collect();
                keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
                keys.into_iter()
                    .find(|k| contains_phrase(&text, &k.to_lowercase()))
                    .and_then(|k| self.routes.get(k))
            }
        };
        matched.or(self.otherwise.as_ref()).map(String::as_str)
    }
}

/// Whether `phrase` occurs in `text` on word boundaries ("one" is not in "phone").
fn contains_phrase(text: &str, phrase: &str) -> bool {
    if phrase.is_empty() {
        return false;
    }
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow() -> Flow {
        Flow::example()
    }

    #[test]
    fn digits_follow_routes() {
        let out = flow().advance("welcome", 0, Input::Digits("2"));
        assert_eq!(out.stage, "technical");
        assert!(out.accepted);
    }

    #[test]
    fn invalid_input_retries_then_exhausts() {
        let f = flow();
        let first = f.advance("welcome", 0, Input::Digits("9"));
        assert_eq!((first.stage.as_str(), first.retries), ("welcome", 1));
        let second = f.advance("welcome", 1, Input::Empty);
        assert_eq!((second.stage.as_str(), second.retries), ("welcome", 2));
        let gone = f.advance("welcome", 2, Input::Digits("7"));
        assert_eq!((gone.stage.as_str(), gone.retries), ("goodbye", 0));
    }

    #[test]
    fn speech_matches_whole_words_case_insensitively() {
        let f = flow();
        let out = f.advance(
            "technical",
            0,
            Input::Speech("There is an OUTAGE on my street"),
        );
        assert_eq!(out.stage, "outage");
        // "download" contains "down" but not as a word: falls to `otherwise`.
        let other = f.advance("technical", 0, Input::Speech("my download is slow"));
        assert_eq!(other.stage, "agent");
    }

    #[test]
    fn otherwise_takes_any_nonempty_input() {
        let out = flow().advance("billing", 0, Input::Digits("123456"));
        assert_eq!(out.stage, "billing_thanks");
    }

    #[test]
    fn unknown_and_terminal_stages_are_handled() {
        let f = flow();
        assert_eq!(
            f.advance("gone-stage", 3, Input::Digits("1")).stage,
            "welcome"
        );
        let at_end = f.advance("outage", 0, Input::Digits("1"));
        assert_eq!(at_end.stage, "outage");
        assert!(!at_end.accepted);
    }

    #[test]
    fn steps_follow_their_stage_kind_only() {
        let flow = Flow::parse(
            r#"start = "a"
            [stages.a]
            say = "hi"
            next = "d"
            [stages.d]
            dial = { number = "+15550001111" }
            routes = { "no-answer" = "r", "completed" = "bye" }
            otherwise = "r"
            [stages.r]
            record = {}
            next = "c"
            [stages.c]
            connect = { relay = "wss://agent.example.com" }
            [stages.bye]
            end = { hangup = true }"#,
        )
        .expect("valid");
        assert_eq!(flow.next_after("a", Step::Continued), Some("d"));
        assert_eq!(flow.next_after("a", Step::Recorded), None);
        assert_eq!(
            flow.next_after("d", Step::Dialled(DialCallStatus::NoAnswer)),
            Some("r")
        );
        assert_eq!(
            flow.next_after("d", Step::Dialled(DialCallStatus::Completed)),
            Some("bye")
        );
        assert_eq!(
            flow.next_after("d", Step::Dialled(DialCallStatus::Busy)),
            Some("r")
        );
        assert_eq!(flow.next_after("r", Step::Recorded), Some("c"));
        assert_eq!(flow.next_after("c", Step::SessionEnded), None);
        assert!(flow.stages["c"].is_terminal());
        // A gather stage does not move on a dial result.
        let example = Flow::example();
        assert_eq!(
            example.next_after("welcome", Step::Dialled(DialCallStatus::Busy)),
            None
        );
    }

    #[test]
    fn input_prefers_digits_and_ignores_blank() {
        assert_eq!(
            Input::from_fields(Some(" "), Some("hi")),
            Input::Speech("hi")
        );
        assert_eq!(
            Input::from_fields(Some("1"), Some("hi")),
            Input::Digits("1")
        );
        assert_eq!(Input::from_fields(None, Some("")), Input::Empty);
    }
}
