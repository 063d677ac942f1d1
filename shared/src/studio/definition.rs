//! A Studio flow definition as JSON: the shape Studio exports, told apart from a Flows
//! API resource (whose `definition` holds it), and where in the file each state and
//! property is, so that every problem can be reported as `file:line:col`.
//!
//! Only the flow-level schema is checked here (required fields, unique names, `next`
//! targets that exist, `initial_state`); each widget's own properties are checked when it
//! is compiled (`widget`).

use serde::Deserialize;
use serde_json::{Map, Value};

/// A flow definition as Studio writes it.
#[derive(Debug, Clone, Deserialize)]
pub struct RawFlow {
    #[serde(default)]
    /// Studio's free-text description of the flow.
    pub description: Option<String>,
    /// Every state (widget), in the file's order.
    pub states: Vec<RawState>,
    /// The name of the trigger state executions start at.
    pub initial_state: String,
    #[serde(default)]
    /// `allow_concurrent_calls` and any other flags, as written.
    pub flags: Option<Map<String, Value>>,
}

/// One state (widget) of the definition.
#[derive(Debug, Clone, Deserialize)]
pub struct RawState {
    /// Unique in the flow; what `next` names.
    pub name: String,
    #[serde(rename = "type")]
    /// Studio's `type`: `say-play`, `split-based-on`, …
    pub kind: String,
    #[serde(default)]
    /// Its transitions, one per event (several `match` ones for a split).
    pub transitions: Vec<RawTransition>,
    #[serde(default)]
    /// Its properties, checked when the widget is compiled.
    pub properties: Map<String, Value>,
}

/// A transition: an event and the state it leads to (none: the execution ends).
#[derive(Debug, Clone, Deserialize)]
pub struct RawTransition {
    /// The event this transition follows: `audioComplete`, `keypress`, `match`, …
    pub event: String,
    #[serde(default)]
    /// The state it leads to; absent or empty: the execution ends.
    pub next: Option<String>,
    #[serde(default)]
    /// A `match` transition's conditions (all must hold).
    pub conditions: Vec<RawCondition>,
}

/// A condition of a split's `match` transition.
#[derive(Debug, Clone, Deserialize)]
pub struct RawCondition {
    #[serde(default)]
    /// The label Studio shows for it.
    pub friendly_name: String,
    #[serde(default)]
    /// Studio's copy of the split's input (the input itself is what is evaluated).
    pub arguments: Vec<String>,
    #[serde(rename = "type")]
    /// Studio's `type`: `say-play`, `split-based-on`, …
    pub kind: String,
    #[serde(default)]
    /// The value to compare with (may be Liquid).
    pub value: Value,
}

/// What the file held besides the definition, when it is a Flows API resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resource {
    /// `FW…`, when the file is a Flows API resource (or Studio's export names one).
    pub sid: Option<String>,
    /// The label Studio shows for it.
    pub friendly_name: Option<String>,
}

/// Whether a flow file's text is a Studio flow (JSON) rather than callflow's TOML: the
/// first thing in it is a JSON object.
pub fn looks_like_studio(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('{')
}

/// Parses the text of a definition or a Flows API resource. A JSON error is one
/// `line:col: message`; a definition that does not have the flow schema's shape is
/// reported with the same precision where serde can say.
pub fn parse(text: &str) -> Result<(RawFlow, Resource), Vec<String>> {
    let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        vec![format!(
            "{}:{}: not valid JSON: {}",
            e.line(),
            e.column(),
            strip_position(&e.to_string())
        )]
    })?;
    let Value::Object(mut top) = value else {
        return Err(vec![
            "1:1: a Studio flow is a JSON object with `states` and `initial_state`".to_owned(),
        ]);
    };
    let mut resource = Resource::default();
    // A Flows API resource: `{ "sid": "FW…", "friendly_name": …, "definition": {…} }`.
    let definition = match top.remove("definition") {
        Some(definition @ Value::Object(_)) if !top.contains_key("states") => {
            resource.sid = top.get("sid").and_then(Value::as_str).map(str::to_owned);
            resource.friendly_name = top
                .get("friendly_name")
                .and_then(Value::as_str)
                .map(str::to_owned);
            definition
        }
        Some(_) => {
            return Err(vec![locate_key(text, "definition", 0)
                .map(|(l, c)| format!("{l}:{c}: `definition` must be a JSON object"))
                .unwrap_or_else(|| {
                    "`definition` must be a JSON object".to_owned()
                })])
        }
        None => Value::Object(top),
    };
    let mut problems = schema_problems(&definition, text);
    if !problems.is_empty() {
        return Err(problems);
    }
    match serde_json::from_value::<RawFlow>(definition) {
        Ok(flow) => Ok((flow, resource)),
        Err(e) => {
            problems.push(format!("1:1: {e}"));
            Err(problems)
        }
    }
}

/// The flow-definition schema's structural rules, each problem with its position.
fn schema_problems(definition: &Value, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let at = |key: &str| {
        locate_key(text, key, 0)
            .map(|(l, c)| format!("{l}:{c}"))
            .unwrap_or_else(|| "1:1".to_owned())
    };
    match definition.get("initial_state") {
        Some(Value::String(s)) if !s.is_empty() => {}
        Some(_) => problems.push(format!(
            "{}: `initial_state` must be a non-empty string",
            at("initial_state")
        )),
        None => problems.push("1:1: the flow has no `initial_state`".to_owned()),
    }
    // The schema allows exactly one value (real exports leave it out).
    const SCHEMA: &str = "https://schemas.twilio.com/studio/draft/2019-09/flow-definition";
    if let Some(schema) = definition.get("$schema") {
        if schema.as_str() != Some(SCHEMA) {
            problems.push(format!(
                "{}: `$schema` must be \"{SCHEMA}\" (or left out)",
                at("$schema")
            ));
        }
    }
    if let Some(flags) = definition.get("flags") {
        let ok = flags.as_object().is_some_and(|f| {
            f.get("allow_concurrent_calls")
                .is_some_and(Value::is_boolean)
        });
        if !ok {
            problems.push(format!(
                "{}: `flags` must be an object with a boolean `allow_concurrent_calls`",
                at("flags")
            ));
        }
    }
    let Some(states) = definition.get("states") else {
        problems.push("1:1: the flow has no `states`".to_owned());
        return problems;
    };
    let Some(states) = states.as_array() else {
        problems.push(format!("{}: `states` must be an array", at("states")));
        return problems;
    };
    if states.is_empty() {
        problems.push(format!("{}: `states` is empty", at("states")));
    }
    for (i, state) in states.iter().enumerate() {
        let Some(state) = state.as_object() else {
            problems.push(format!("{}: state {i} is not an object", at("states")));
            continue;
        };
        let name = state.get("name").and_then(Value::as_str);
        let pos = name
            .and_then(|n| locate_state(text, n))
            .map(|(l, c)| format!("{l}:{c}"))
            .unwrap_or_else(|| at("states"));
        let label = name.map_or_else(|| format!("state {i}"), |n| format!("state `{n}`"));
        match state.get("name") {
            Some(Value::String(n)) if !n.is_empty() => {}
            _ => problems.push(format!("{pos}: {label} has no `name` (a non-empty string)")),
        }
        match state.get("type") {
            Some(Value::String(t)) if !t.is_empty() => {}
            _ => problems.push(format!("{pos}: {label} has no `type` (a non-empty string)")),
        }
        if let Some(props) = state.get("properties") {
            if !props.is_object() {
                problems.push(format!("{pos}: {label}: `properties` must be an object"));
            }
        }
        match state.get("transitions") {
            None => {}
            Some(Value::Array(transitions)) => {
                for t in transitions {
                    let event_ok = t.get("event").is_some_and(Value::is_string);
                    let next_ok = t.get("next").is_none_or(|n| n.is_string() || n.is_null());
                    let conditions_ok = t.get("conditions").is_none_or(|c| {
                        c.as_array().is_some_and(|c| {
                            c.iter()
                                .all(|c| c.get("type").is_some_and(Value::is_string))
                        })
                    });
                    if !(event_ok && next_ok && conditions_ok) {
                        problems.push(format!(
                            "{pos}: {label} has a transition that is not \
                             {{\"event\": string, \"next\": string, \"conditions\": [{{\"type\": …}}]}}"
                        ));
                    }
                }
            }
            Some(_) => problems.push(format!("{pos}: {label}: `transitions` must be an array")),
        }
    }
    problems
}

/// Removes serde_json's own " at line L column C" suffix (the position is said first).
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at])
}

pub use crate::text::line_col;

/// Byte offset of the `"name": "<name>"` pair of a state (the first one in the file).
pub fn state_offset(text: &str, name: &str) -> Option<usize> {
    let quoted = serde_json::to_string(name).ok()?;
    let mut from = 0;
    while let Some(found) = text[from..].find("\"name\"") {
        let at = from + found;
        let rest = text[at + 6..].trim_start();
        if let Some(rest) = rest.strip_prefix(':') {
            if rest.trim_start().starts_with(&quoted) {
                return Some(at);
            }
        }
        from = at + 6;
    }
    None
}

/// Line and column of a state's `"name"` key.
pub fn locate_state(text: &str, name: &str) -> Option<(usize, usize)> {
    state_offset(text, name).map(|at| line_col(text, at))
}

/// Line and column of the first `"key"` at or after byte `from`.
pub fn locate_key(text: &str, key: &str, from: usize) -> Option<(usize, usize)> {
    let quoted = serde_json::to_string(key).ok()?;
    let mut at = from.min(text.len());
    while let Some(found) = text.get(at..)?.find(&quoted) {
        let start = at + found;
        let after = text[start + quoted.len()..].trim_start();
        if after.starts_with(':') {
            return Some(line_col(text, start));
        }
        at = start + quoted.len();
    }
    None
}

/// Where to point a problem about `state` (and, when given, its property `key`): the
/// property inside the state's object when it can be found, else the state's name.
pub fn position(text: &str, state: &str, key: Option<&str>) -> Option<(usize, usize)> {
    let start = state_offset(text, state)?;
    // The state's object runs, at the latest, to the next state's `"name"`; searching
    // backwards from a name would miss keys written before it, so look from the object's
    // opening brace.
    let open = text[..start].rfind('{').unwrap_or(start);
    if let Some(key) = key {
        let next_state = text[start + 6..]
            .find("\"name\"")
            .map_or(text.len(), |n| start + 6 + n);
        if let Some(pos) = locate_key(&text[..next_state], key, open) {
            return Some(pos);
        }
    }
    Some(line_col(text, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = r#"{
  "description": "A New Flow",
  "states": [
    {
      "name": "Trigger",
      "type": "trigger",
      "transitions": [ { "event": "incomingCall", "next": "hello" } ],
      "properties": { "offset": { "x": 0, "y": 0 } }
    },
    {
      "name": "hello",
      "type": "say-play",
      "transitions": [ { "event": "audioComplete" } ],
      "properties": { "say": "Hi", "loop": 1 }
    }
  ],
  "initial_state": "Trigger",
  "flags": { "allow_concurrent_calls": true }
}"#;

    #[test]
    fn console_exports_and_api_resources_both_load() {
        let (flow, resource) = parse(EXPORT).expect("export");
        assert_eq!(flow.states.len(), 2);
        assert_eq!(resource, Resource::default());
        let api = format!(
            r#"{{"sid": "FW0123", "friendly_name": "Line", "status": "published", "definition": {EXPORT}}}"#
        );
        let (flow, resource) = parse(&api).expect("resource");
        assert_eq!(flow.initial_state, "Trigger");
        assert_eq!(resource.sid.as_deref(), Some("FW0123"));
        assert_eq!(resource.friendly_name.as_deref(), Some("Line"));
    }

    #[test]
    fn studio_is_told_from_toml_by_content() {
        assert!(looks_like_studio("\u{feff}\n  {\"states\": []}"));
        assert!(!looks_like_studio("start = \"welcome\"\n"));
    }

    #[test]
    fn schema_problems_are_all_listed_with_positions() {
        let text = "{\n  \"states\": [\n    {\"name\": \"a\", \"transitions\": 3},\n    {\"type\": \"say-play\"}\n  ],\n  \"flags\": {}\n}";
        let problems = parse(text).expect_err("invalid");
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("1:1: the flow has no `initial_state`")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("3:6: state `a` has no `type`")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("3:6: state `a`: `transitions` must be an array")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("state 1 has no `name`")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.starts_with("6:3: `flags`")),
            "{problems:?}"
        );
        let wrong = r#"{"$schema": "https://example.com/x", "states": [{"name": "T", "type": "trigger"}], "initial_state": "T"}"#;
        let problems = parse(wrong).expect_err("bad $schema");
        assert!(
            problems[0].starts_with("1:2: `$schema` must be"),
            "{problems:?}"
        );
    }

    #[test]
    fn json_errors_say_line_and_column() {
        let problems = parse("{\n  \"states\": [,]\n}").expect_err("bad json");
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("2:14: not valid JSON: "),
            "{problems:?}"
        );
    }

    #[test]
    fn properties_are_located_inside_their_state() {
        assert_eq!(position(EXPORT, "hello", Some("say")), Some((14, 23)));
        assert_eq!(position(EXPORT, "hello", None), Some((11, 7)));
        // A key the state does not have points at the state.
        assert_eq!(position(EXPORT, "Trigger", Some("say")), Some((5, 7)));
    }
}
