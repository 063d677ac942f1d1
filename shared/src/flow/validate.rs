//! Start-time checks of a flow: a bad flow stops the start with every problem listed,
//! instead of surfacing as a confused caller in production.

use std::collections::{BTreeSet, VecDeque};

use super::definition::{Flow, Stage};

/// Why a flow cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FlowError {
    /// The flow file could not be read.
    #[error("cannot read flow file {path}: {reason}")]
    Read {
        /// The file, as given.
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// The file is not TOML (the parser's message, with line and column).
    #[error("flow is not valid TOML: {0}")]
    Syntax(String),
    /// One line per problem.
    #[error("flow is invalid:\n{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

impl Flow {
    /// ` (did you mean `x`?)` with the stage name nearest to `unknown` (by edit distance),
    /// when one is near enough to be a typo; else nothing.
    fn suggestion(&self, unknown: &str) -> String {
        let limit = (unknown.chars().count() / 3).max(2);
        self.stages
            .keys()
            .map(|name| (edit_distance(unknown, name), name))
            .filter(|(d, _)| *d <= limit)
            .min()
            .map(|(_, name)| format!(" (did you mean `{name}`?)"))
            .unwrap_or_default()
    }
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j] + 1).min(row[j + 1] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

impl Flow {
    /// Checks references, reachability and that every stage has a way out. (The checks
    /// of each stage's own settings run when the TOML is compiled.)
    pub fn validate(&self) -> Result<(), FlowError> {
        let mut problems = Vec::new();
        if !self.stages.contains_key(&self.start) {
            problems.push(format!(
                "start stage `{}` does not exist{}",
                self.start,
                self.suggestion(&self.start)
            ));
        }
        for (name, stage) in &self.stages {
            for target in stage.successors() {
                if !self.stages.contains_key(target) {
                    problems.push(format!(
                        "stage `{name}` refers to unknown stage `{target}`{}",
                        self.suggestion(target)
                    ));
                }
            }
        }
        let reachable = self.reachable_from(&self.start);
        for name in self.stages.keys() {
            if !reachable.contains(name.as_str()) {
                problems.push(format!(
                    "stage `{name}` is unreachable from `{}`",
                    self.start
                ));
            }
        }
        // A reachable stage from which no terminal stage can be reached would loop forever.
        for name in &reachable {
            let ends = self
                .reachable_from(name)
                .iter()
                .any(|n| self.stages.get(*n).is_some_and(Stage::is_terminal));
            if !ends {
                problems.push(format!("stage `{name}` can never reach an ending stage"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(FlowError::Invalid(problems))
        }
    }

    /// Names of stages reachable from `from` (itself included) over existing stages only.
    fn reachable_from<'a>(&'a self, from: &'a str) -> BTreeSet<&'a str> {
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([from]);
        while let Some(name) = queue.pop_front() {
            let Some(stage) = self.stages.get(name) else {
                continue;
            };
            if !seen.insert(name) {
                continue;
            }
            queue.extend(stage.successors());
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match Flow::parse(text) {
            Err(FlowError::Invalid(p)) => p,
            other => panic!("expected an invalid flow, got {other:?}"),
        }
    }

    #[test]
    fn the_example_flow_is_valid() {
        let flow = Flow::parse(super::super::EXAMPLE_FLOW).expect("example flow");
        assert_eq!(flow.start, "welcome");
        assert!(flow.stages.len() >= 5);
    }

    #[test]
    fn unknown_references_are_named() {
        let p = problems(
            r#"start = "a"
            [stages.a]
            gather = { prompt = "x" }
            routes = { "1" = "nowhere" }
            retry = { prompt = "again", max = 1, exhausted = "b" }
            [stages.b]
            end = { hangup = true }"#,
        );
        assert!(
            p.iter().any(|l| l.contains("unknown stage `nowhere`")),
            "{p:?}"
        );
    }

    #[test]
    fn unreachable_and_exitless_stages_are_named() {
        let p = problems(
            r#"start = "a"
            [stages.a]
            end = { hangup = true }
            [stages.island]
            say = "nobody comes here""#,
        );
        assert!(
            p.iter().any(|l| l.contains("`island` is unreachable")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|l| l.contains("`island`: has no exit")),
            "{p:?}"
        );
    }

    #[test]
    fn loops_without_an_ending_are_refused() {
        let p = problems(
            r#"start = "a"
            [stages.a]
            gather = { prompt = "x" }
            otherwise = "b"
            [stages.b]
            gather = { prompt = "y" }
            otherwise = "a""#,
        );
        assert!(
            p.iter().any(|l| l.contains("can never reach an ending")),
            "{p:?}"
        );
    }

    #[test]
    fn missing_start_and_bad_end_are_refused() {
        let p = problems(
            r#"start = "nope"
            [stages.a]
            end = { hangup = true, enqueue = "q" }"#,
        );
        assert!(p.iter().any(|l| l.contains("start stage `nope`")), "{p:?}");
        assert!(p.iter().any(|l| l.contains("exactly one of")), "{p:?}");
    }

    #[test]
    fn speech_routes_need_a_speech_gather() {
        let p = problems(
            r#"start = "a"
            [stages.a]
            gather = { prompt = "x", input = "dtmf" }
            routes = { "billing" = "b" }
            [stages.b]
            end = { hangup = true }"#,
        );
        assert!(p.iter().any(|l| l.contains("route `billing`")), "{p:?}");
    }

    #[test]
    fn new_stage_kinds_are_checked_and_each_problem_names_its_stage() {
        let p = problems(
            r#"start = "a"
            [stages.a]
            say = "hi"
            next = "both"
            [stages.both]
            connect = { stream = "wss://s.example.com", relay = "wss://r.example.com" }
            next = "stream_voice"
            [stages.stream_voice]
            connect = { stream = "https://not-a-socket.example.com", voice = "alice" }
            next = "voicemail"
            [stages.voicemail]
            record = { max_length = 0, finish_on_key = "9x" }
            [stages.dialler]
            dial = { number = "+15550001111", timeout = 2 }
            routes = { "ringing" = "a", "busy" = "a" }
            retry = { prompt = "again", max = 1, exhausted = "a" }
            [stages.twice]
            gather = { prompt = "x" }
            dial = { client = "alice" }
            otherwise = "a""#,
        );
        let has = |stage: &str, text: &str| {
            assert!(
                p.iter()
                    .any(|l| l.starts_with(&format!("stage `{stage}`")) && l.contains(text)),
                "no `{text}` for {stage}: {p:#?}"
            )
        };
        has("both", "exactly one of `stream` or `relay`");
        has("stream_voice", "is not a wss:// URL");
        has("stream_voice", "`voice` applies to a `relay`");
        has("voicemail", "max_length must be 1..=14400");
        has("voicemail", "finish_on_key `9x`");
        has("voicemail", "needs a `next` stage");
        has("dialler", "`ringing` is not a DialCallStatus");
        has(
            "dialler",
            "no route for completed, no-answer, failed, canceled",
        );
        has("dialler", "timeout must be 5..=600");
        has("dialler", "`retry` does not apply to a dial stage");
        has("twice", "has gather and dial");
    }

    #[test]
    fn syntax_errors_and_unknown_fields_are_reported() {
        assert!(matches!(Flow::parse("start = "), Err(FlowError::Syntax(_))));
        assert!(matches!(
            Flow::parse("start = \"a\"\ncolour = 1\n[stages.a]\nend = { hangup = true }"),
            Err(FlowError::Syntax(_))
        ));
    }
}
