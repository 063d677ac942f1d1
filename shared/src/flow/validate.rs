//! Start-time checks of a flow: a bad flow stops the start with every problem listed,
//! instead of surfacing as a confused caller in production.

use std::collections::{BTreeSet, VecDeque};

use super::definition::{Flow, Stage};

/// Why a flow cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FlowError {
    #[error("cannot read flow file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("flow is not valid TOML: {0}")]
    Syntax(String),
    /// One line per problem.
    #[error("flow is invalid:\n{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

const INPUTS: [&str; 3] = ["dtmf", "speech", "dtmf speech"];

impl Flow {
    /// Checks references, reachability and that every stage has a way out.
    pub fn validate(&self) -> Result<(), FlowError> {
        let mut problems = Vec::new();
        if !self.stages.contains_key(&self.start) {
            problems.push(format!("start stage `{}` does not exist", self.start));
        }
        for (name, stage) in &self.stages {
            check_stage(name, stage, self, &mut problems);
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

impl Stage {
    /// Every stage this one can lead to.
    fn successors(&self) -> impl Iterator<Item = &str> {
        self.routes
            .values()
            .map(String::as_str)
            .chain(self.otherwise.as_deref())
            .chain(self.retry.as_ref().map(|r| r.exhausted.as_str()))
    }
}

fn check_stage(name: &str, stage: &Stage, flow: &Flow, problems: &mut Vec<String>) {
    for target in stage.successors() {
        if !flow.stages.contains_key(target) {
            problems.push(format!("stage `{name}` refers to unknown stage `{target}`"));
        }
    }
    match (&stage.gather, &stage.end) {
        (Some(_), Some(_)) => problems.push(format!("stage `{name}` has both `gather` and `end`")),
        (None, None) => problems.push(format!(
            "stage `{name}` has no exit: give it a `gather` with routes or an `end`"
        )),
        (Some(gather), None) => {
            if stage.routes.is_empty() && stage.otherwise.is_none() {
                problems.push(format!(
                    "stage `{name}` gathers input but has no `routes` or `otherwise`"
                ));
            }
            if !INPUTS.contains(&gather.input.as_str()) {
                problems.push(format!(
                    "stage `{name}`: gather input `{}` is not one of dtmf, speech, \"dtmf speech\"",
                    gather.input
                ));
            }
            if gather.num_digits == Some(0) {
                problems.push(format!("stage `{name}`: num_digits must be at least 1"));
            }
            if gather.timeout.is_some_and(|t| t == 0 || t > 60) {
                problems.push(format!("stage `{name}`: timeout must be 1..=60 seconds"));
            }
            let speech = gather.input.contains("speech");
            for key in stage.routes.keys() {
                let digits = !key.is_empty() && key.chars().all(|c| c.is_ascii_digit() || c == '*');
                if !digits && !speech {
                    problems.push(format!(
                        "stage `{name}`: route `{key}` is not DTMF digits and the gather takes no speech"
                    ));
                }
            }
        }
        (None, Some(end)) => {
            if !stage.routes.is_empty() || stage.otherwise.is_some() || stage.retry.is_some() {
                problems.push(format!(
                    "stage `{name}` ends the call but also has routes, otherwise or retry"
                ));
            }
            let actions = [
                end.hangup,
                end.dial.is_some(),
                end.client.is_some(),
                end.enqueue.is_some(),
            ];
            if actions.iter().filter(|set| **set).count() != 1 {
                problems.push(format!(
                    "stage `{name}`: `end` needs exactly one of hangup, dial, client, enqueue"
                ));
            }
        }
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
            p.iter().any(|l| l.contains("`island` has no exit")),
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
    fn syntax_errors_and_unknown_fields_are_reported() {
        assert!(matches!(Flow::parse("start = "), Err(FlowError::Syntax(_))));
        assert!(matches!(
            Flow::parse("start = \"a\"\ncolour = 1\n[stages.a]\nend = { hangup = true }"),
            Err(FlowError::Syntax(_))
        ));
    }
}
