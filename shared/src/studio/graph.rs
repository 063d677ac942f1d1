//! A Studio flow as the neutral [`FlowGraph`] that `callflow flow graph` draws and the
//! dashboard highlights: one node per widget (at its canvas `offset`), one edge per
//! transition, labelled with its event or its split condition.

use crate::flow::{EdgeKind, FlowGraph, GraphEdge, GraphNode};

use super::flow::StudioFlow;
use super::widget::Kind;

impl StudioFlow {
    /// The flow as a graph; it starts at the trigger.
    pub fn graph(&self) -> FlowGraph {
        let mut edges: Vec<GraphEdge> = Vec::new();
        for w in self.widgets() {
            for (label, next) in w.edges() {
                let kind = match (&w.kind, label.as_str()) {
                    (Kind::Split { .. }, "noMatch") => EdgeKind::Otherwise,
                    (Kind::Split { .. }, _) => EdgeKind::Route,
                    (Kind::Gather(_), "keypress" | "speech") => EdgeKind::Route,
                    (Kind::Gather(_), _) => EdgeKind::Retry,
                    (_, "failed" | "fail" | "noMatch" | "hangup" | "timeout") => {
                        EdgeKind::Otherwise
                    }
                    _ => EdgeKind::Next,
                };
                match edges.iter_mut().find(|e| e.from == w.name && e.to == next) {
                    Some(edge) => edge.labels.push(label),
                    None => edges.push(GraphEdge {
                        from: w.name.clone(),
                        to: next.to_owned(),
                        kind,
                        labels: vec![label],
                    }),
                }
            }
        }
        let nodes = self
            .widgets()
            .iter()
            .map(|w| GraphNode {
                stage: w.name.clone(),
                action: w.summary(),
                terminal: w.edges().is_empty(),
                position: w.offset,
            })
            .collect();
        FlowGraph {
            start: self.initial_state.clone(),
            nodes,
            edges,
        }
    }
}
