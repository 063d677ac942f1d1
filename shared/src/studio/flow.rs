//! A whole Studio flow, compiled and checked: its widgets by name, the widget a call
//! starts at, which widget outputs some expression reads (so the call's document keeps
//! only those), and the problems `callflow flow check` reports.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use super::definition::{self, RawFlow, Resource};
use super::reads::{self, ReadTree};
use super::widget::{self, Kind, Widget};

/// A Studio flow ready to run.
#[derive(Debug)]
pub struct StudioFlow {
    /// The definition's description.
    pub description: Option<String>,
    /// The Flows API resource the file was, if it was one.
    pub resource: Resource,
    /// The trigger's name.
    pub initial_state: String,
    widgets: Vec<Widget>,
    index: HashMap<String, usize>,
    /// Widget name → the parts of its outputs some expression reads.
    reads: HashMap<String, ReadTree>,
    /// What stops the flow from running a call, or is worth saying about it.
    pub problems: Vec<Problem>,
    /// The subflows of its `run-subflow` widgets, by widget name.
    subflows: HashMap<String, StudioFlow>,
}

/// One problem of a flow, placed in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The widget it is about (`None`: the flow as a whole).
    pub widget: Option<String>,
    /// `line:col` in the JSON file.
    pub position: Option<(usize, usize)>,
    /// What is wrong, in a sentence.
    pub message: String,
    /// How much it matters to a voice call.
    pub severity: Severity,
}

/// Whether a problem stops voice calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// A messaging-only widget, reachable only from `incomingMessage` / `incomingRequest`:
    /// voice calls never reach it.
    NotUsedByVoice,
    /// Something wrong or unsupported in a widget no voice call reaches.
    Unreachable,
    /// Something a voice call would meet, or the flow's structure: it cannot run.
    Error,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some((line, col)) = self.position {
            write!(f, "{line}:{col}: ")?;
        }
        if let Some(widget) = &self.widget {
            write!(f, "widget `{widget}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl StudioFlow {
    /// Parses and compiles a Studio definition (or Flows API resource). Only the
    /// definition's JSON and schema errors fail here; everything else is in `problems`
    /// (see [`StudioFlow::errors`]).
    pub fn compile(text: &str) -> Result<StudioFlow, Vec<String>> {
        let (raw, resource) = definition::parse(text)?;
        Ok(Self::from_raw(raw, resource, text))
    }

    fn from_raw(raw: RawFlow, resource: Resource, text: &str) -> StudioFlow {
        let mut problems = Vec::new();
        let mut widgets = Vec::with_capacity(raw.states.len());
        let mut index = HashMap::new();
        let mut widget_problems: BTreeMap<String, Vec<widget::WidgetProblem>> = BTreeMap::new();
        for state in &raw.states {
            let (w, found) = widget::compile(state);
            if index.contains_key(&w.name) {
                problems.push(Problem {
                    position: definition::position(text, &w.name, None),
                    widget: Some(w.name.clone()),
                    message: "another state has the same name; names must be unique".to_owned(),
                    severity: Severity::Error,
                });
                continue;
            }
            if !found.is_empty() {
                widget_problems.insert(w.name.clone(), found);
            }
            index.insert(w.name.clone(), widgets.len());
            widgets.push(w);
        }
        const MAX_WIDGETS: usize = 2_000;
        if widgets.len() > MAX_WIDGETS {
            problems.push(Problem {
                widget: None,
                position: None,
                message: format!(
                    "{} widgets: Studio allows at most {MAX_WIDGETS}",
                    widgets.len()
                ),
                severity: Severity::Error,
            });
        }
        for w in &widgets {
            for next in w
                .transitions
                .values()
                .flatten()
                .chain(w.matches.iter().filter_map(|m| m.next.as_ref()))
            {
                if !index.contains_key(next) {
                    problems.push(Problem {
                        position: definition::position(text, &w.name, Some("next")),
                        widget: Some(w.name.clone()),
                        message: format!(
                            "`next` names `{next}`, which is not a state of this flow"
                        ),
                        severity: Severity::Error,
                    });
                }
            }
        }
        match index.get(&raw.initial_state).map(|&i| &widgets[i]) {
            Some(w) if matches!(w.kind, Kind::Trigger) => {}
            Some(_) => problems.push(Problem {
                widget: None,
                position: definition::locate_key(text, "initial_state", 0),
                message: format!("`initial_state` `{}` is not a trigger", raw.initial_state),
                severity: Severity::Error,
            }),
            None => problems.push(Problem {
                widget: None,
                position: definition::locate_key(text, "initial_state", 0),
                message: format!(
                    "`initial_state` names `{}`, which is not a state",
                    raw.initial_state
                ),
                severity: Severity::Error,
            }),
        }
        let mut flow = StudioFlow {
            description: raw.description,
            resource,
            initial_state: raw.initial_state,
            widgets,
            index,
            reads: HashMap::new(),
            problems,
            subflows: HashMap::new(),
        };
        let owned = |set: BTreeSet<&str>| -> BTreeSet<String> {
            set.into_iter().map(str::to_owned).collect()
        };
        let voice = owned(flow.reachable_from_trigger(&["incomingCall"]));
        let other = owned(flow.reachable_from_trigger(&[
            "incomingMessage",
            "incomingRequest",
            "incomingConversationMessage",
            "incomingParent",
        ]));
        let mut found_problems = Vec::new();
        for (name, found) in widget_problems {
            let severity = if voice.contains(name.as_str()) {
                Severity::Error
            } else {
                Severity::Unreachable
            };
            for (key, message) in found {
                found_problems.push(Problem {
                    position: definition::position(text, &name, key.as_deref()),
                    widget: Some(name.clone()),
                    message,
                    severity,
                });
            }
        }
        for w in &flow.widgets {
            if let Kind::Unsupported(reason) = &w.kind {
                let severity = if voice.contains(w.name.as_str()) {
                    Severity::Error
                } else if widget::is_messaging_only(&w.type_name) || other.contains(w.name.as_str())
                {
                    Severity::NotUsedByVoice
                } else {
                    Severity::Unreachable
                };
                found_problems.push(Problem {
                    position: definition::position(text, &w.name, Some("type")),
                    widget: Some(w.name.clone()),
                    message: reason.clone(),
                    severity,
                });
            }
        }
        flow.problems.extend(found_problems);
        flow.problems.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.position.cmp(&b.position))
        });
        flow.reads = flow.analyse_reads();
        flow
    }

    /// The problems that stop voice calls (empty: the flow can run every call).
    pub fn errors(&self) -> Vec<&Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .collect()
    }

    /// A widget by name.
    pub fn widget(&self, name: &str) -> Option<&Widget> {
        self.index.get(name).map(|&i| &self.widgets[i])
    }

    /// Every widget, in the file's order.
    pub fn widgets(&self) -> &[Widget] {
        &self.widgets
    }

    /// Where an incoming call starts: the widget after the trigger's `incomingCall`.
    pub fn call_entry(&self) -> Option<&str> {
        self.widget(&self.initial_state)?.next("incomingCall")
    }

    /// The subflow a `run-subflow` widget runs.
    pub fn subflow(&self, widget: &str) -> Option<&StudioFlow> {
        self.subflows.get(widget)
    }

    /// Finds and compiles the subflow of every `run-subflow` widget in folder `dir`: a
    /// file whose Flows API resource has that SID, or whose name (without `.json`) is the
    /// widget's `flow_sid`. Problems (a subflow not found, invalid, nesting another, or
    /// without an `incomingParent` transition) join the flow's, placed at the widget.
    pub fn attach_subflows(&mut self, dir: &std::path::Path, text: &str) {
        let wanted: Vec<(String, String)> = self
            .widgets
            .iter()
            .filter_map(|w| match &w.kind {
                Kind::Subflow { flow_sid, .. } => Some((w.name.clone(), flow_sid.clone())),
                _ => None,
            })
            .collect();
        if wanted.is_empty() {
            return;
        }
        let mut files: Vec<(std::path::PathBuf, String, Option<String>)> = Vec::new();
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().and_then(|e| e.to_str()) != Some("json") {
                    continue;
                }
                let Ok(source) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let sid = definition::parse(&source).ok().and_then(|(_, r)| r.sid);
                files.push((path, source, sid));
            }
        }
        let voice = self.reachable_from_trigger(&["incomingCall"]);
        let voice: BTreeSet<String> = voice.into_iter().map(str::to_owned).collect();
        for (widget, flow_sid) in wanted {
            let severity = if voice.contains(&widget) {
                Severity::Error
            } else {
                Severity::Unreachable
            };
            let position = definition::position(text, &widget, Some("flow_sid"));
            let problem = |message: String| Problem {
                widget: Some(widget.clone()),
                position,
                message,
                severity,
            };
            let stem = flow_sid.trim_end_matches(".json");
            let found = files
                .iter()
                .find(|(_, _, sid)| sid.as_deref() == Some(flow_sid.as_str()))
                .or_else(|| {
                    files.iter().find(|(path, _, _)| {
                        path.file_stem().and_then(|s| s.to_str()) == Some(stem)
                    })
                });
            let Some((path, source, _)) = found else {
                let p = problem(format!(
                    "subflow `{flow_sid}` not found in {} (a Flows API resource with that sid, or {stem}.json)",
                    dir.display()
                ));
                self.problems.push(p);
                continue;
            };
            let name = path.display().to_string();
            match StudioFlow::compile(source) {
                Err(found) => {
                    for f in found {
                        let p = problem(format!("subflow {name}:{f}"));
                        self.problems.push(p);
                    }
                }
                Ok(sub) => {
                    let mut ok = true;
                    for e in sub.errors() {
                        let p = problem(format!("subflow {name}:{e}"));
                        self.problems.push(p);
                        ok = false;
                    }
                    if sub
                        .widgets
                        .iter()
                        .any(|w| matches!(w.kind, Kind::Subflow { .. }))
                    {
                        let p = problem(format!(
                            "subflow {name} runs a subflow itself: Studio nests subflows one level only"
                        ));
                        self.problems.push(p);
                        ok = false;
                    }
                    let entry = sub
                        .widget(&sub.initial_state)
                        .and_then(|t| t.next("incomingParent"));
                    if entry.is_none() {
                        let p = problem(format!(
                            "subflow {name}: its trigger has no incomingParent transition"
                        ));
                        self.problems.push(p);
                        ok = false;
                    }
                    if ok {
                        self.subflows.insert(widget.clone(), sub);
                    }
                }
            }
        }
        self.problems.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.position.cmp(&b.position))
        });
    }

    /// Widgets reachable from the trigger through the given trigger events.
    pub fn reachable_from_trigger(&self, events: &[&str]) -> BTreeSet<&str> {
        let mut seen = BTreeSet::new();
        let mut queue: VecDeque<&str> = VecDeque::new();
        if let Some(trigger) = self.widget(&self.initial_state) {
            for event in events {
                if let Some(next) = trigger.next(event) {
                    queue.push_back(next);
                }
            }
        }
        while let Some(name) = queue.pop_front() {
            if !seen.insert(name) {
                continue;
            }
            if let Some(w) = self.widget(name) {
                for (_, next) in w.edges() {
                    queue.push_back(next);
                }
            }
        }
        seen
    }

    /// Whether output `key` of widget `widget` is read by some expression of the flow.
    pub fn keeps(&self, widget: &str, key: &str) -> bool {
        self.reads.get(widget).is_some_and(|tree| tree.reads(key))
    }

    /// Output `key` of widget `widget`, cut down to the parts the flow reads.
    pub fn prune(&self, widget: &str, key: &str, value: serde_json::Value) -> serde_json::Value {
        match self.reads.get(widget) {
            Some(tree) => tree.prune(key, value),
            None => serde_json::Value::Null,
        }
    }

    fn analyse_reads(&self) -> HashMap<String, ReadTree> {
        let templates: Vec<&super::liquid::Template> =
            self.widgets.iter().flat_map(Widget::templates).collect();
        reads::analyse(templates.iter().map(|t| t.source()))
    }
}
