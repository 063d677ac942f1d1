//! Studio's flow-definition checks, as the Flows API runs them before it stores a
//! definition: the schema's structure (`states` a non-empty array, each state a `name`,
//! a known `type`, `transitions` and `properties` of the right shapes), names unique,
//! `initial_state` naming a state and every transition's `next` naming one too.
//!
//! The emulator keeps these few rules itself rather than depending on `callflow` (whose
//! Studio compiler also checks every widget's properties and Liquid): Twilio's Flows API
//! stores flows callflow cannot run (messaging widgets, say), so its checks are the
//! schema's, not callflow's. `callflow flow push` runs callflow's own checks first.

use std::collections::HashSet;

use serde_json::Value;

use crate::error::FlowProblem;

/// The widget types Studio's schema knows.
const TYPES: [&str; 25] = [
    "trigger",
    "say-play",
    "gather-input-on-call",
    "split-based-on",
    "set-variables",
    "fork-stream",
    "make-http-request",
    "run-function",
    "connect-call-to",
    "record-voicemail",
    "record-call",
    "enqueue-call",
    "send-to-flex",
    "add-twiml-redirect",
    "capture-payments",
    "run-subflow",
    "connect-virtual-agent",
    "send-to-auto-pilot",
    "send-and-wait-for-reply",
    "send-message",
    "add-member-to-chat-channel",
    "create-chat-channel",
    "make-outgoing-call-v1",
    "make-outgoing-call-v2",
    "start-conversation",
];

/// Parses `Definition` (JSON text) and checks it; every problem is returned, not just
/// the first.
pub fn check_text(text: &str) -> Result<Value, Vec<FlowProblem>> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| vec![problem("#", format!("Definition is not valid JSON: {e}"))])?;
    let problems = check(&value);
    if problems.is_empty() {
        Ok(value)
    } else {
        Err(problems)
    }
}

fn problem(path: impl Into<String>, message: impl Into<String>) -> FlowProblem {
    FlowProblem {
        message: message.into(),
        property_path: path.into(),
    }
}

/// The schema problems of a definition.
pub fn check(definition: &Value) -> Vec<FlowProblem> {
    let mut out = Vec::new();
    let Some(top) = definition.as_object() else {
        out.push(problem("#", "the flow definition must be a JSON object"));
        return out;
    };
    let states = match top.get("states") {
        None => {
            out.push(problem(
                "#",
                "object has missing required properties ([\"states\"])",
            ));
            &[][..]
        }
        Some(Value::Array(states)) if states.is_empty() => {
            out.push(problem(
                "#/states",
                "array is too short: must have at least 1 element",
            ));
            &[][..]
        }
        Some(Value::Array(states)) => states.as_slice(),
        Some(_) => {
            out.push(problem(
                "#/states",
                "instance type is not allowed: must be an array",
            ));
            &[][..]
        }
    };
    let mut names = HashSet::new();
    for (i, state) in states.iter().enumerate() {
        let at = format!("#/states/{i}");
        let Some(state) = state.as_object() else {
            out.push(problem(
                at,
                "instance type is not allowed: must be an object",
            ));
            continue;
        };
        match state.get("name") {
            Some(Value::String(n)) if !n.is_empty() => {
                if !names.insert(n.as_str()) {
                    out.push(problem(
                        format!("{at}/name"),
                        format!("Widget name '{n}' is not unique"),
                    ));
                }
            }
            _ => out.push(problem(
                format!("{at}/name"),
                "a widget needs a name (a non-empty string)",
            )),
        }
        match state.get("type") {
            Some(Value::String(t)) if TYPES.contains(&t.as_str()) => {}
            Some(Value::String(t)) => out.push(problem(
                format!("{at}/type"),
                format!("unknown widget type '{t}'"),
            )),
            _ => out.push(problem(
                format!("{at}/type"),
                "a widget needs a type (a string)",
            )),
        }
        if let Some(p) = state.get("properties") {
            if !p.is_object() {
                out.push(problem(
                    format!("{at}/properties"),
                    "instance type is not allowed: must be an object",
                ));
            }
        }
        match state.get("transitions") {
            None | Some(Value::Array(_)) => {}
            Some(_) => out.push(problem(
                format!("{at}/transitions"),
                "instance type is not allowed: must be an array",
            )),
        }
    }
    // Targets are checked once every name is known.
    for (i, state) in states.iter().enumerate() {
        let Some(transitions) = state.get("transitions").and_then(Value::as_array) else {
            continue;
        };
        for (j, t) in transitions.iter().enumerate() {
            let at = format!("#/states/{i}/transitions/{j}");
            if !t.get("event").is_some_and(Value::is_string) {
                out.push(problem(
                    format!("{at}/event"),
                    "a transition needs an event (a string)",
                ));
            }
            match t.get("next") {
                None | Some(Value::Null) => {}
                Some(Value::String(n)) if n.is_empty() => {}
                Some(Value::String(n)) if names.contains(n.as_str()) => {}
                Some(Value::String(n)) => out.push(problem(
                    format!("{at}/next"),
                    format!("Transition to unknown widget '{n}'"),
                )),
                Some(_) => out.push(problem(
                    format!("{at}/next"),
                    "instance type is not allowed: must be a string",
                )),
            }
        }
    }
    match top.get("initial_state") {
        None => out.push(problem(
            "#",
            "object has missing required properties ([\"initial_state\"])",
        )),
        Some(Value::String(s)) if names.contains(s.as_str()) => {}
        // No states: that is the problem already reported.
        Some(Value::String(_)) if states.is_empty() => {}
        Some(Value::String(s)) => out.push(problem(
            "#/initial_state",
            format!("initial_state '{s}' is not the name of a widget"),
        )),
        Some(_) => out.push(problem(
            "#/initial_state",
            "instance type is not allowed: must be a string",
        )),
    }
    if let Some(flags) = top.get("flags") {
        if !flags.is_object() {
            out.push(problem(
                "#/flags",
                "instance type is not allowed: must be an object",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_valid_definition_passes() {
        let d = json!({
            "description": "x",
            "states": [
                {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "hi"}], "properties": {}},
                {"name": "hi", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Hi"}}
            ],
            "initial_state": "Trigger",
            "flags": {"allow_concurrent_calls": true}
        });
        assert_eq!(check(&d), vec![]);
    }

    #[test]
    fn every_problem_has_its_property_path() {
        let d = json!({
            "states": [
                {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "nowhere"}]},
                {"name": "Trigger", "type": "teleport"}
            ],
            "initial_state": "Start"
        });
        let paths: Vec<String> = check(&d).into_iter().map(|p| p.property_path).collect();
        assert_eq!(
            paths,
            [
                "#/states/1/name",
                "#/states/1/type",
                "#/states/0/transitions/0/next",
                "#/initial_state"
            ]
        );
        assert_eq!(
            check(&json!({"states": [], "initial_state": "T"}))[0].property_path,
            "#/states"
        );
        assert_eq!(check_text("{").expect_err("not JSON")[0].property_path, "#");
    }
}
