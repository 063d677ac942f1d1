//! Which widgets (stages) and transitions of a flow no test reached.
//!
//! Studio: the widgets a voice call can reach (from the trigger's `incomingCall`, and
//! inside each subflow from its `incomingParent`, named `parent/widget` as the step log
//! names them), and each `(widget, event)` transition that leads to another widget.
//! TOML: every stage, and each edge of the flow's graph as a pair of stages.

use std::collections::BTreeSet;

use callflow::studio::widget::{Kind as WidgetKind, Widget};
use callflow::studio::StudioFlow;

use super::check::{Kind, Visit};
use crate::flow_file::FlowFile;

/// What a flow offers to be reached, and what the tests reached.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// Widgets, in the flow's order.
    pub widgets: Vec<String>,
    /// Studio: each `(widget, event)` that leads on; TOML: each pair of stages.
    pub transitions: Vec<Transition>,
    reached_widgets: BTreeSet<String>,
    reached_transitions: BTreeSet<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Transition {
    pub from: String,
    /// The Studio event (`keypress`, `match: If value equal_to 1`); for TOML the target.
    pub key: String,
    /// How it is shown.
    pub label: String,
}

impl Coverage {
    /// Everything in `flow` that a test could reach.
    pub fn of(flow: &FlowFile) -> Coverage {
        let mut widgets = Vec::new();
        let mut transitions = Vec::new();
        match flow {
            FlowFile::Studio(studio) => {
                add_studio(studio, "", "incomingCall", &mut widgets, &mut transitions);
                for w in studio.widgets() {
                    if let (WidgetKind::Subflow { .. }, Some(sub)) =
                        (&w.kind, studio.subflow(&w.name))
                    {
                        if widgets.contains(&w.name) {
                            let prefix = format!("{}/", w.name);
                            add_studio(
                                sub,
                                &prefix,
                                "incomingParent",
                                &mut widgets,
                                &mut transitions,
                            );
                        }
                    }
                }
            }
            FlowFile::Toml(toml) => {
                let graph = toml.graph();
                widgets = graph.nodes.iter().map(|n| n.stage.clone()).collect();
                transitions = graph
                    .edges
                    .iter()
                    .map(|e| Transition {
                        from: e.from.clone(),
                        key: e.to.clone(),
                        label: format!("{} -{}-> {}", e.from, e.labels.join(" / "), e.to),
                    })
                    .collect();
            }
        }
        Coverage {
            widgets,
            transitions,
            reached_widgets: BTreeSet::new(),
            reached_transitions: BTreeSet::new(),
        }
    }

    /// Notes one call's path.
    pub fn add(&mut self, kind: Kind, path: &[Visit]) {
        for visit in path {
            self.reached_widgets.insert(visit.widget.clone());
        }
        match kind {
            Kind::Studio => {
                for visit in path {
                    if let Some(event) = &visit.event {
                        self.reached_transitions
                            .insert((visit.widget.clone(), event.clone()));
                    }
                }
            }
            Kind::Toml => {
                for pair in path.windows(2) {
                    self.reached_transitions
                        .insert((pair[0].widget.clone(), pair[1].widget.clone()));
                }
            }
        }
    }

    pub fn missed_widgets(&self) -> Vec<&str> {
        self.widgets
            .iter()
            .filter(|w| !self.reached_widgets.contains(*w))
            .map(String::as_str)
            .collect()
    }

    pub fn missed_transitions(&self) -> Vec<&Transition> {
        self.transitions
            .iter()
            .filter(|t| {
                !self
                    .reached_transitions
                    .contains(&(t.from.clone(), t.key.clone()))
            })
            .collect()
    }

    /// Percentages of widgets and of transitions reached.
    pub fn percentages(&self) -> (f64, f64) {
        let percent = |missed: usize, all: usize| {
            if all == 0 {
                100.0
            } else {
                100.0 * (all - missed) as f64 / all as f64
            }
        };
        (
            percent(self.missed_widgets().len(), self.widgets.len()),
            percent(self.missed_transitions().len(), self.transitions.len()),
        )
    }

    /// The report's lines.
    pub fn lines(&self, name: &str, what: &str) -> Vec<String> {
        let missed_w = self.missed_widgets();
        let missed_t = self.missed_transitions();
        let (pw, pt) = self.percentages();
        let mut lines = vec![format!(
            "coverage of {name}: {}/{} {what} ({pw:.0}%), {}/{} transitions ({pt:.0}%)",
            self.widgets.len() - missed_w.len(),
            self.widgets.len(),
            self.transitions.len() - missed_t.len(),
            self.transitions.len(),
        )];
        if !missed_w.is_empty() {
            lines.push(format!("  {what} not reached: {}", missed_w.join(", ")));
        }
        if !missed_t.is_empty() {
            lines.push("  transitions not reached:".to_owned());
            for t in missed_t {
                lines.push(format!("    {}", t.label));
            }
        }
        lines
    }
}

/// The widgets of `flow` reachable from its trigger's `entry` event, and their
/// transitions, each name prefixed with `prefix`.
fn add_studio(
    flow: &StudioFlow,
    prefix: &str,
    entry: &str,
    widgets: &mut Vec<String>,
    transitions: &mut Vec<Transition>,
) {
    let reachable = flow.reachable_from_trigger(&[entry]);
    for w in flow.widgets() {
        if !reachable.contains(w.name.as_str()) {
            continue;
        }
        let name = format!("{prefix}{}", w.name);
        widgets.push(name.clone());
        for (event, next) in events(w) {
            transitions.push(Transition {
                label: format!("{name} -{event}-> {prefix}{next}"),
                from: name.clone(),
                key: event,
            });
        }
    }
}

/// A widget's transitions that lead somewhere, by the event its step log shows.
fn events(w: &Widget) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for m in &w.matches {
        if let Some(next) = &m.next {
            let event = if m.label.is_empty() {
                "match".to_owned()
            } else {
                format!("match: {}", m.label)
            };
            out.push((event, next.as_str()));
        }
    }
    for (event, next) in &w.transitions {
        if let Some(next) = next {
            out.push((event.clone(), next.as_str()));
        }
    }
    out
}
