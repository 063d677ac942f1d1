//! Where in a flow file a problem is: `path:line:column` for TOML errors, `path:line`
//! for validation problems.
//!
//! Validation works on the parsed [`Flow`](super::Flow), which keeps no positions, and
//! says which stage each problem is about (`stage `name` …`). The file is parsed a second
//! time, only on failure, with spans (`toml::de::DeTable`), and each problem is pointed at
//! the header of the first stage it names (or at `start = …` when it names none), so the
//! checks themselves stay free of bookkeeping.

use std::collections::BTreeMap;

use ::toml::de::{DeTable, DeValue};

/// 1-based line and column of byte `offset` in `text`.
pub(super) use crate::text::line_col;

/// A TOML error as `path:line:column: message`.
pub(super) fn syntax(path: &str, text: &str, error: &::toml::de::Error) -> String {
    match error.span() {
        Some(span) => {
            let (line, column) = line_col(text, span.start);
            format!("{path}:{line}:{column}: {}", error.message().trim())
        }
        None => format!("{path}: {}", error.message().trim()),
    }
}

/// Each validation problem prefixed with `path:line: ` (or `path: ` when it cannot be placed).
pub(super) fn problems(path: &str, text: &str, problems: &[String]) -> Vec<String> {
    let lines = Lines::of(text);
    problems
        .iter()
        .map(|problem| {
            match lines
                .of_reference(text, problem)
                .or_else(|| lines.of_problem(problem))
            {
                Some(line) => format!("{path}:{line}: {problem}"),
                None => format!("{path}: {problem}"),
            }
        })
        .collect()
}

/// Lines of the `start` key and of each stage's key in a flow file.
struct Lines {
    start: Option<usize>,
    stages: BTreeMap<String, usize>,
}

impl Lines {
    fn of(text: &str) -> Lines {
        let mut lines = Lines {
            start: None,
            stages: BTreeMap::new(),
        };
        let Ok(document) = DeTable::parse(text) else {
            return lines;
        };
        for (key, value) in document.get_ref() {
            let line = line_col(text, key.span().start).0;
            match (key.get_ref().as_ref(), value.get_ref()) {
                ("start", _) => lines.start = Some(line),
                ("stages", DeValue::Table(stages)) => {
                    for (name, _) in stages {
                        let line = line_col(text, name.span().start).0;
                        lines.stages.insert(name.get_ref().to_string(), line);
                    }
                }
                _ => {}
            }
        }
        lines
    }

    /// For "stage `a` refers to unknown stage `x`": the line inside stage `a`'s table
    /// where `"x"` is written, the key to fix.
    fn of_reference(&self, text: &str, problem: &str) -> Option<usize> {
        let (before, after) = problem.split_once(" refers to unknown stage `")?;
        let stage = before.strip_prefix("stage `")?.strip_suffix('`')?;
        let target = after.split('`').next()?;
        let from = *self.stages.get(stage)?;
        let to = self
            .stages
            .values()
            .filter(|&&line| line > from)
            .min()
            .copied()
            .unwrap_or(usize::MAX);
        let quoted = format!("\"{target}\"");
        text.lines()
            .enumerate()
            .map(|(i, line)| (i + 1, line))
            .filter(|(n, _)| *n >= from && *n < to)
            .find(|(_, line)| line.contains(&quoted))
            .map(|(n, _)| n)
    }

    /// The line of the first stage named (between backticks) in `problem`, else of `start`.
    fn of_problem(&self, problem: &str) -> Option<usize> {
        problem
            .split('`')
            .skip(1)
            .step_by(2)
            .find_map(|name| self.stages.get(name).copied())
            .or(self.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = "start = \"welcome\"\n\n[stages.welcome]\nsay = \"hi\"\nend = { hangup = true }\n\n[stages.orphan]\nend = { hangup = true }\n";

    #[test]
    fn lines_and_columns_count_from_one() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("é\nx", 1), (1, 1));
    }

    #[test]
    fn an_unknown_reference_points_at_its_key_and_suggests_the_nearest_stage() {
        let text = "start = \"welcome\"\n\n[stages.welcome]\nsay = \"hi\"\ngather = { input = \"dtmf\", prompt = \"?\" }\nroutes = { \"1\" = \"billing\" }\notherwise = \"goodbey\"\n\n[stages.billing]\nend = { hangup = true }\n\n[stages.goodbye]\nend = { hangup = true }\n";
        let error = crate::flow::Flow::parse_file("f.toml", text).expect_err("typo");
        let text = error.to_string();
        assert!(
            text.contains("f.toml:7: stage `welcome` refers to unknown stage `goodbey` (did you mean `goodbye`?)"),
            "{text}"
        );
    }

    #[test]
    fn problems_point_at_the_stage_they_name() {
        let located = problems(
            "f.toml",
            FLOW,
            &[
                "stage `orphan` is unreachable from `welcome`".into(),
                "start stage `nowhere` does not exist".into(),
            ],
        );
        assert_eq!(
            located,
            [
                "f.toml:7: stage `orphan` is unreachable from `welcome`",
                "f.toml:1: start stage `nowhere` does not exist",
            ]
        );
    }
}
