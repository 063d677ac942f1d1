//! One call's run through a Studio flow, as kept in its Sync document (`studio` in
//! `call-{CallSid}`): Studio's context (`trigger.call`, `flow.variables`, the widget
//! outputs some expression reads), where the call waits, the step count for the
//! guards, and a bounded step log like Studio's execution log.
//!
//! The document must stay under Sync's 16 KiB whatever a flow does, so every part has a
//! bound: values are cut at [`MAX_VALUE_BYTES`], the widget outputs together at
//! [`MAX_WIDGETS_BYTES`], the log at [`MAX_LOG`] entries; what was cut is recorded in
//! `cut` so that a flow author sees why a value is missing.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::timestamp::Timestamp;

/// Longest value kept for one output or variable, in bytes of JSON.
pub const MAX_VALUE_BYTES: usize = 2 * 1024;
/// Most bytes of JSON the kept widget outputs and variables take together.
pub const MAX_WIDGETS_BYTES: usize = 6 * 1024;
/// Steps kept in the log (the newest).
pub const MAX_LOG: usize = 24;
/// Notes of cuts kept.
const MAX_CUT_NOTES: usize = 8;

/// Studio's context and position for one call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    /// The widget whose TwiML the call is playing, waiting for Twilio's callback.
    /// `None` once the execution has ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<String>,
    /// When it started waiting (for `add-twiml-redirect`'s timeout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<Timestamp>,
    /// Widgets run so far (Studio's 1,000-step guard).
    #[serde(default)]
    pub steps: u32,
    /// `trigger.call.*`: the first webhook's parameters.
    #[serde(default)]
    pub trigger: Map<String, Value>,
    /// `flow.variables.*`.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub variables: Map<String, Value>,
    /// `widgets.<name>.*`, only the outputs some expression of the flow reads.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub widgets: Map<String, Value>,
    /// The newest steps, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log: Vec<LogEntry>,
    /// Steps ever logged (the log keeps the newest [`MAX_LOG`]): a reader that saw
    /// `logged` = n before knows which entries are new.
    #[serde(default)]
    pub logged: u64,
    /// How the execution ended, once it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<Ended>,
    /// What was cut to keep the document in bounds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cut: Vec<String>,
    /// Inside a subflow: the parent's scope, set aside until the subflow's path ends.
    /// Meanwhile `variables` and `widgets` are the subflow's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<Frame>,
}

/// A running subflow: the parent's `run-subflow` widget, the parameters it passed
/// (`trigger.parent.parameters`), and the parent's variables and outputs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Frame {
    /// The parent's `run-subflow` widget.
    pub widget: String,
    #[serde(default)]
    /// `trigger.parent.parameters`: what the parent passed.
    pub parameters: Map<String, Value>,
    #[serde(default)]
    /// The parent's `flow.variables`, set aside.
    pub parent_variables: Map<String, Value>,
    #[serde(default)]
    /// The parent's `widgets.*`, set aside.
    pub parent_widgets: Map<String, Value>,
}

/// One widget run, as Studio's execution log shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// The widget's name (`parent/name` inside a subflow).
    pub widget: String,
    /// The event it ended with (`keypress`, `success`, `match: If value equal_to 1`…).
    pub event: String,
    /// When it ran.
    pub at: Timestamp,
    /// The status of its HTTP call, for HTTP widgets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// How long its HTTP call took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u32>,
    /// Why its HTTP call failed without a status (timeout, too large, unreachable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Why the execution ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ended {
    /// `flow ended at <widget>`, `call completed`, or the guard that stopped it.
    pub reason: String,
    /// Studio's error code when a guard or an error ended it (81000, 81001, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u32>,
    /// When it ended.
    pub at: Timestamp,
}

impl Execution {
    /// Appends a step to the log, dropping the oldest beyond [`MAX_LOG`].
    pub fn log(&mut self, entry: LogEntry) {
        self.logged += 1;
        self.log.push(entry);
        let excess = self.log.len().saturating_sub(MAX_LOG);
        self.log.drain(..excess);
    }

    /// Records that something was cut (the newest notes are kept).
    pub fn note_cut(&mut self, note: String) {
        if self.cut.contains(&note) {
            return;
        }
        self.cut.push(note);
        let excess = self.cut.len().saturating_sub(MAX_CUT_NOTES);
        self.cut.drain(..excess);
    }

    /// Ends the execution (the first reason wins).
    pub fn end(&mut self, reason: String, error_code: Option<u32>, at: Timestamp) {
        self.waiting = None;
        self.waiting_since = None;
        if self.ended.is_none() {
            self.ended = Some(Ended {
                reason,
                error_code,
                at,
            });
        }
    }

    /// Whether the execution has ended.
    pub fn is_over(&self) -> bool {
        self.ended.is_some()
    }

    /// Where the call is, for staleness checks: a callback answers the widget it names
    /// only while the execution still waits there after the same number of steps.
    pub fn position(&self) -> (Option<&str>, u32) {
        (self.waiting.as_deref(), self.steps)
    }

    /// The name a widget of the current scope goes by in the log, in callbacks and in
    /// `waiting`: `run_subflow_widget/name` inside a subflow.
    pub fn label(&self, name: &str) -> String {
        match &self.frame {
            Some(frame) => format!("{}/{name}", frame.widget),
            None => name.to_owned(),
        }
    }

    /// The widget name of the current scope that `label` stands for.
    pub fn unlabel<'a>(&self, label: &'a str) -> Option<&'a str> {
        match &self.frame {
            Some(frame) => label.strip_prefix(frame.widget.as_str())?.strip_prefix('/'),
            None => Some(label),
        }
    }

    /// Enters a subflow: the parent's variables and outputs are set aside.
    pub fn enter_subflow(&mut self, widget: &str, parameters: Map<String, Value>) {
        let parameters = parameters
            .into_iter()
            .map(|(k, v)| {
                let v = self.bounded(&format!("trigger.parent.parameters.{k}"), v);
                (k, v)
            })
            .collect();
        self.frame = Some(Frame {
            widget: widget.to_owned(),
            parameters,
            parent_variables: std::mem::take(&mut self.variables),
            parent_widgets: std::mem::take(&mut self.widgets),
        });
    }

    /// Leaves the subflow: the parent's scope comes back; the subflow's variables and its
    /// `run-subflow` widget's name are returned.
    pub fn exit_subflow(&mut self) -> Option<(String, Map<String, Value>)> {
        let frame = self.frame.take()?;
        let variables = std::mem::replace(&mut self.variables, frame.parent_variables);
        self.widgets = frame.parent_widgets;
        Some((frame.widget, variables))
    }

    /// Keeps `value` as `flow.variables.<key>`, bounded.
    pub fn set_variable(&mut self, key: &str, value: Value) {
        let value = self.bounded(&format!("flow.variables.{key}"), value);
        self.variables.insert(key.to_owned(), value);
        self.fit(None);
    }

    /// Keeps widget `name`'s outputs (already filtered to what the flow reads), bounded.
    pub fn set_outputs(&mut self, name: &str, outputs: Map<String, Value>) {
        let mut kept = Map::new();
        for (key, value) in outputs {
            let value = self.bounded(&format!("widgets.{name}.{key}"), value);
            kept.insert(key, value);
        }
        if kept.is_empty() {
            self.widgets.remove(name);
        } else {
            self.widgets.insert(name.to_owned(), Value::Object(kept));
        }
        self.fit(Some(name));
    }

    /// `value`, or a cut version of it when its JSON is over [`MAX_VALUE_BYTES`]: strings
    /// are cut at a character boundary, anything else becomes null.
    fn bounded(&mut self, path: &str, value: Value) -> Value {
        let len = json_len(&value);
        if len <= MAX_VALUE_BYTES {
            return value;
        }
        self.note_cut(format!(
            "{path}: {len} bytes, kept at most {MAX_VALUE_BYTES}"
        ));
        match value {
            Value::String(mut s) => {
                s.truncate(crate::text::floor_char_boundary(&s, MAX_VALUE_BYTES - 16));
                Value::String(s)
            }
            _ => Value::Null,
        }
    }

    /// Drops the largest widget outputs (other than `newest`, just written and the most
    /// likely to be read next) until outputs and variables fit [`MAX_WIDGETS_BYTES`].
    fn fit(&mut self, newest: Option<&str>) {
        let size = |map: &Map<String, Value>| -> usize {
            map.iter()
                .map(|(k, v)| k.len() + 4 + json_len(v))
                .sum::<usize>()
                + 2
        };
        while size(&self.widgets) + size(&self.variables) > MAX_WIDGETS_BYTES {
            let largest = |map: &Map<String, Value>, spare: Option<&str>| {
                map.iter()
                    .filter(|(k, _)| Some(k.as_str()) != spare)
                    .map(|(k, v)| (json_len(v), k.clone()))
                    .max()
            };
            if let Some((len, name)) = largest(&self.widgets, newest) {
                self.widgets.remove(&name);
                self.note_cut(format!(
                    "widgets.{name}: dropped ({len} bytes) to keep the document under {MAX_WIDGETS_BYTES}"
                ));
            } else if let Some((len, key)) = largest(&self.variables, None) {
                self.variables.remove(&key);
                self.note_cut(format!("flow.variables.{key}: dropped ({len} bytes)"));
            } else if let Some(name) = newest {
                self.widgets.remove(name);
                self.note_cut(format!("widgets.{name}: dropped"));
            } else {
                return;
            }
        }
    }
}

fn json_len(value: &Value) -> usize {
    serde_json::to_vec(value).map_or(usize::MAX, |v| v.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_values_are_cut_and_noted() {
        let mut e = Execution::default();
        e.set_variable("big", Value::String("é".repeat(3_000)));
        let kept = e.variables["big"].as_str().expect("string");
        assert!(kept.len() < MAX_VALUE_BYTES);
        assert!(
            e.cut[0].starts_with("flow.variables.big: 6002 bytes"),
            "{:?}",
            e.cut
        );
        let mut outputs = Map::new();
        outputs.insert("parsed".into(), serde_json::json!({"a": "x".repeat(5_000)}));
        e.set_outputs("http", outputs);
        assert_eq!(e.widgets["http"]["parsed"], Value::Null);
    }

    #[test]
    fn outputs_together_stay_in_budget() {
        let mut e = Execution::default();
        for i in 0..10 {
            let mut outputs = Map::new();
            outputs.insert("body".into(), Value::String("y".repeat(1_500)));
            e.set_outputs(&format!("lookup_{i}"), outputs);
        }
        let total = json_len(&Value::Object(e.widgets.clone()))
            + json_len(&Value::Object(e.variables.clone()));
        assert!(total <= MAX_WIDGETS_BYTES, "{total}");
        // The newest lookup is still there; older ones were dropped and noted.
        assert!(e.widgets.contains_key("lookup_9"));
        assert!(e.cut.iter().any(|c| c.contains("dropped")), "{:?}", e.cut);
    }

    #[test]
    fn the_log_keeps_the_newest_steps() {
        let mut e = Execution::default();
        for i in 0..(MAX_LOG + 5) {
            e.log(LogEntry {
                widget: format!("w{i}"),
                event: "next".into(),
                at: Timestamp::from(time::OffsetDateTime::UNIX_EPOCH),
                http_status: None,
                ms: None,
                error: None,
            });
        }
        assert_eq!(e.log.len(), MAX_LOG);
        assert_eq!(e.log[0].widget, "w5");
    }
}
