//! What one test's call did (its path, what the caller heard, the HTTP calls, the final
//! state), checked against the test's expectations, and the readable account of a
//! failure.

use serde_json::Value;

use super::spec::{url_matches, Expect, ExpectHttp};
use super::standin::Recorded;
use crate::call::Step;

/// The voice webhook's path, as redirects name it.
const WEBHOOK: &str = store_call_state::FUNCTION.path;

/// Which kind of flow ran: the path is read differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Studio,
    Toml,
}

/// One widget run (Studio) or stage entered (TOML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub widget: String,
    /// The event it ended with (Studio only).
    pub event: Option<String>,
    /// Its HTTP call's outcome (Studio HTTP widgets).
    pub detail: Option<String>,
}

/// What one test's call did.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub steps: Vec<Step>,
    pub requests: Vec<Recorded>,
    pub final_state: Option<Value>,
    /// Why the call could not finish (an error answer, a loop, the test's timeout).
    pub error: Option<String>,
}

impl Run {
    /// The widgets (stages) the call went through, in order.
    pub fn path(&self, kind: Kind) -> Vec<Visit> {
        match kind {
            Kind::Studio => self
                .steps
                .iter()
                .flat_map(|step| &step.passed)
                .map(|entry| {
                    let text = |name: &str| entry[name].as_str().map(str::to_owned);
                    let detail = match (entry["httpStatus"].as_u64(), text("error")) {
                        (Some(status), _) => Some(format!("HTTP {status}")),
                        (None, Some(error)) => Some(format!("HTTP failed: {error}")),
                        (None, None) => None,
                    };
                    Visit {
                        widget: text("widget").unwrap_or_default(),
                        event: text("event"),
                        detail,
                    }
                })
                .collect(),
            Kind::Toml => {
                let mut path = Vec::new();
                let mut last: Option<(String, u64, usize)> = None;
                for state in self.steps.iter().filter_map(|s| s.state.as_ref()) {
                    let Some(stage) = state["stage"].as_str() else {
                        continue;
                    };
                    let retries = state["retries"].as_u64().unwrap_or(0);
                    let selections = state["selections"].as_array().map_or(0, Vec::len);
                    // A stage is entered again when the caller answered it once more
                    // (a retry, or a route back to itself).
                    let entered = match &last {
                        None => true,
                        Some((s, r, n)) => s != stage || retries > *r || selections > *n,
                    };
                    if entered {
                        path.push(Visit {
                            widget: stage.to_owned(),
                            event: None,
                            detail: None,
                        });
                    }
                    last = Some((stage.to_owned(), retries, selections));
                }
                path
            }
        }
    }

    /// Everything the caller heard or did, in order (`say: …`, `caller presses: 1`).
    /// The redirects back to the flow's own webhook (how a Studio widget's TwiML goes
    /// on) are left out.
    pub fn transcript(&self) -> Vec<&str> {
        self.steps
            .iter()
            .flat_map(|s| &s.heard)
            .map(String::as_str)
            .filter(|l| !(l.starts_with("redirect: ") && l.contains(WEBHOOK)))
            .collect()
    }

    /// What the caller heard: the text of each `<Say>` and `<Play>`.
    pub fn heard(&self) -> Vec<&str> {
        self.transcript()
            .into_iter()
            .filter_map(|l| l.strip_prefix("say: ").or_else(|| l.strip_prefix("play: ")))
            .collect()
    }
}

/// Checks `run` against `expect`; each problem is one paragraph of the report.
pub fn check(kind: Kind, expect: &Expect, run: &Run) -> Vec<String> {
    let mut problems = Vec::new();
    let path = run.path(kind);
    let taken: Vec<&str> = path.iter().map(|v| v.widget.as_str()).collect();
    let what = match kind {
        Kind::Studio => "widgets",
        Kind::Toml => "stages",
    };
    if let Some(error) = &run.error {
        problems.push(format!("the call did not finish: {error}"));
    }
    if let Some(expected) = &expect.widgets {
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        if expected != taken {
            problems.push(side_by_side(what, &expected, &taken));
        }
    }
    if let Some(expected) = &expect.widgets_include {
        let mut at = 0;
        for (i, want) in expected.iter().enumerate() {
            match taken[at..].iter().position(|w| w == want) {
                Some(found) => at += found + 1,
                None => {
                    let after = match i {
                        0 => String::new(),
                        _ => format!(" after `{}`", expected[i - 1]),
                    };
                    problems.push(format!(
                        "{what} expected in this order: {}\n`{want}` was not visited{after}; the path taken: {}",
                        expected.join(" > "),
                        display_path(&taken)
                    ));
                    break;
                }
            }
        }
    }
    for unwanted in &expect.widgets_exclude {
        if taken.contains(&unwanted.as_str()) {
            problems.push(format!(
                "`{unwanted}` was visited, and must not be; the path taken: {}",
                display_path(&taken)
            ));
        }
    }
    let heard = run.heard();
    check_in_order(
        &heard,
        &expect.heard,
        "heard",
        &mut problems,
        |line, want| line.contains(want),
    );
    check_in_order(
        &heard,
        &expect.heard_exact,
        "heard exactly",
        &mut problems,
        |line, want| line == want,
    );
    for unwanted in &expect.not_heard {
        if let Some(line) = heard.iter().find(|l| l.contains(unwanted.as_str())) {
            problems.push(format!(
                "the caller heard {unwanted:?}, and must not: {line:?}"
            ));
        }
    }
    let state = run.final_state.as_ref();
    let null = Value::Null;
    if let Some(variables) = &expect.variables {
        let actual = state.map_or(&null, |s| &s["studio"]["variables"]);
        for (name, want) in variables {
            let got = &actual[name.as_str()];
            if !loosely_equal(want, got) {
                problems.push(format!(
                    "variable `{name}`: expected {}, was {}",
                    show_expected(want),
                    show(got)
                ));
            }
        }
    }
    if let Some(fields) = &expect.state {
        for (dotted, want) in fields {
            let got = state.map_or(&null, |s| at_path(s, dotted));
            if !loosely_equal(want, got) {
                problems.push(format!(
                    "state `{dotted}`: expected {}, was {}",
                    show_expected(want),
                    show(got)
                ));
            }
        }
    }
    if let Some(want) = &expect.status {
        let got = state.map_or(&null, |s| &s["status"]);
        if got.as_str() != Some(want.as_str()) {
            problems.push(format!("status: expected {want:?}, was {}", show(got)));
        }
    }
    if let Some(want) = &expect.ended {
        let got = state.map_or(&null, |s| &s["studio"]["ended"]["reason"]);
        if !got.as_str().is_some_and(|r| r.contains(want.as_str())) {
            problems.push(format!(
                "the execution's end: expected it to say {want:?}, it said {}",
                show(got)
            ));
        }
    }
    let mut from = 0;
    for want in &expect.http {
        match run.requests[from..]
            .iter()
            .position(|r| http_matches(want, r))
        {
            Some(i) => from += i + 1,
            None => {
                let mut text = format!("expected HTTP call not made: {}", describe(want));
                if from > 0 {
                    text.push_str(" (after the ones expected before it)");
                }
                problems.push(text);
                break;
            }
        }
    }
    if let Some(count) = expect.http_count {
        if run.requests.len() != count {
            problems.push(format!(
                "HTTP calls: expected {count}, the flow made {}",
                run.requests.len()
            ));
        }
    }
    problems
}

fn check_in_order(
    heard: &[&str],
    wanted: &[String],
    label: &str,
    problems: &mut Vec<String>,
    matches: impl Fn(&str, &str) -> bool,
) {
    let mut at = 0;
    for (i, want) in wanted.iter().enumerate() {
        match heard[at..].iter().position(|l| matches(l, want)) {
            Some(found) => at += found + 1,
            None => {
                let earlier = heard[..at].iter().any(|l| matches(l, want));
                let mut text = format!("{label}: {want:?} was not heard");
                if earlier && i > 0 {
                    text.push_str(&format!(" after {:?} (it came before it)", wanted[i - 1]));
                }
                problems.push(text);
                return;
            }
        }
    }
}

fn http_matches(want: &ExpectHttp, request: &Recorded) -> bool {
    want.method
        .as_deref()
        .is_none_or(|m| m.eq_ignore_ascii_case(&request.method))
        && url_matches(&want.url, &request.url)
        && want
            .body
            .as_deref()
            .is_none_or(|b| request.body.contains(b))
        && want.params.iter().flatten().all(|(name, value)| {
            request
                .params
                .iter()
                .any(|(k, v)| k == name && loosely_equal(value, &Value::String(v.clone())))
        })
}

fn describe(want: &ExpectHttp) -> String {
    let mut text = format!(
        "{} {}",
        want.method.as_deref().unwrap_or("(any method)"),
        want.url
    );
    if let Some(params) = &want.params {
        let shown: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", show_expected(v)))
            .collect();
        text.push_str(&format!(" with {}", shown.join(" ")));
    }
    if let Some(body) = &want.body {
        text.push_str(&format!(" with a body containing {body:?}"));
    }
    text
}

/// The value at a dotted path (`dial.status`, `selections.0.digits`).
fn at_path<'a>(value: &'a Value, dotted: &str) -> &'a Value {
    static NULL: Value = Value::Null;
    dotted.split('.').fold(value, |v, key| match v {
        Value::Array(items) => key
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get(i))
            .unwrap_or(&NULL),
        Value::Object(map) => map.get(key).unwrap_or(&NULL),
        _ => &NULL,
    })
}

/// Equal as JSON, or as text when both are scalars (Studio keeps variables as strings:
/// `1` and `"1"` are the same here).
pub fn loosely_equal(want: &toml::Value, got: &Value) -> bool {
    let want = serde_json::to_value(want).unwrap_or(Value::Null);
    if &want == got {
        return true;
    }
    match (scalar_text(&want), scalar_text(got)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::Null => "nothing".to_owned(),
        other => other.to_string(),
    }
}

fn show_expected(value: &toml::Value) -> String {
    serde_json::to_value(value).map_or_else(|_| value.to_string(), |v| v.to_string())
}

fn display_path(taken: &[&str]) -> String {
    if taken.is_empty() {
        "(none)".to_owned()
    } else {
        taken.join(" > ")
    }
}

/// The expected and the taken path side by side, the rows that differ marked and the
/// first difference named.
pub fn side_by_side(what: &str, expected: &[&str], taken: &[&str]) -> String {
    let width = expected
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max("expected".len());
    let first_at = (0..expected.len().max(taken.len()))
        .find(|&i| expected.get(i) != taken.get(i))
        .unwrap_or(0);
    let name = |list: &[&str]| {
        list.get(first_at)
            .map_or("nothing (the path ended)".to_owned(), |w| format!("`{w}`"))
    };
    let mut text = format!(
        "{what} visited differ at {}: expected {}, taken {}\n       {:<width$} | taken\n",
        first_at + 1,
        name(expected),
        name(taken),
        "expected"
    );
    let mut first = true;
    for i in 0..expected.len().max(taken.len()) {
        let want = expected.get(i).copied().unwrap_or("");
        let got = taken.get(i).copied().unwrap_or("");
        let differs = want != got;
        let got = if got.is_empty() && i >= taken.len() {
            "(call ended)"
        } else {
            got
        };
        let want = if want.is_empty() && i >= expected.len() {
            "-"
        } else {
            want
        };
        let mark = if differs { "  ! " } else { "    " };
        let note = if differs && first {
            first = false;
            "   <- first difference"
        } else {
            ""
        };
        text.push_str(&format!(
            "  {:>2}{mark}{want:<width$} | {got}{note}\n",
            i + 1
        ));
    }
    text.trim_end().to_owned()
}

/// The account of a failed test: each problem, then the path taken, what the caller
/// heard and the HTTP calls made.
pub fn failure_text(kind: Kind, problems: &[String], run: &Run) -> String {
    let mut text = String::new();
    for problem in problems {
        let mut lines = problem.lines();
        if let Some(first) = lines.next() {
            text.push_str(&format!("  x {first}\n"));
        }
        for line in lines {
            text.push_str(&format!("    {line}\n"));
        }
    }
    let path = run.path(kind);
    text.push_str("  path taken:\n");
    if path.is_empty() {
        text.push_str("    (none)\n");
    }
    for visit in &path {
        let mut line = format!("    {}", visit.widget);
        if let Some(event) = &visit.event {
            line.push_str(&format!(" -> {event}"));
        }
        if let Some(detail) = &visit.detail {
            line.push_str(&format!("  ({detail})"));
        }
        text.push_str(&format!("{line}\n"));
    }
    text.push_str("  the caller heard:\n");
    let transcript = run.transcript();
    if transcript.is_empty() {
        text.push_str("    (nothing)\n");
    }
    for line in transcript {
        text.push_str(&format!("    {line}\n"));
    }
    if !run.requests.is_empty() {
        text.push_str("  HTTP calls made:\n");
        for r in &run.requests {
            let note = if r.scripted {
                String::new()
            } else {
                "  (no stand-in answer for it)".to_owned()
            };
            text.push_str(&format!(
                "    {} {} -> {}{note}\n",
                r.method, r.url, r.status
            ));
            if !r.body.is_empty() {
                text.push_str(&format!("      body: {}\n", r.body));
            }
        }
    }
    if let Some(state) = &run.final_state {
        if let Some(status) = state["status"].as_str() {
            text.push_str(&format!("  final status: {status}\n"));
        }
        if let Some(reason) = state["studio"]["ended"]["reason"].as_str() {
            text.push_str(&format!("  execution ended: {reason}\n"));
        }
        if let Some(vars) = state["studio"]["variables"].as_object() {
            text.push_str(&format!("  variables: {}\n", Value::Object(vars.clone())));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_side_by_side_mark_the_first_difference() {
        let text = side_by_side("widgets", &["a", "b", "c"], &["a", "x"]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "widgets visited differ at 2: expected `b`, taken `x`"
        );
        assert!(lines[2].contains("a") && !lines[2].contains('!'), "{text}");
        assert!(lines[3].contains("! b"), "{text}");
        assert!(lines[3].ends_with("x   <- first difference"), "{text}");
        assert!(lines[4].contains("(call ended)"), "{text}");
        assert!(!lines[4].contains("first difference"), "{text}");
    }

    #[test]
    fn values_compare_as_text_when_scalars() {
        assert!(loosely_equal(&toml::Value::Integer(1), &Value::from("1")));
        assert!(loosely_equal(&toml::Value::from("x"), &Value::from("x")));
        assert!(!loosely_equal(&toml::Value::Integer(1), &Value::Null));
        assert_eq!(
            at_path(&serde_json::json!({"a": [{"b": 2}]}), "a.0.b"),
            &Value::from(2)
        );
    }
}
