//! A flow as a graph: one node per stage, one edge per way a call can move.
//!
//! This is the neutral model that `callflow flow graph` renders (SVG, DOT, Mermaid) and
//! that the dashboard highlights; it knows nothing about drawing. Edges that share both
//! ends are merged into one edge with all their labels (`1 / "outage"`), so that the
//! picture has one arrow per pair of stages.

use super::definition::{DialTarget, End, Flow, Stage, StageKind};

/// The graph of a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowGraph {
    /// The stage calls start in.
    pub start: String,
    /// Stages, in the flow's (alphabetical) order.
    pub nodes: Vec<Node>,
    /// Ways between stages, merged so each pair of stages has at most one edge each way.
    pub edges: Vec<Edge>,
}

/// One stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The stage's name, unique in the flow.
    pub stage: String,
    /// What the stage does, in a few words: `gather dtmf (1 digit)`, `hangup`,
    /// `enqueue: support`.
    pub action: String,
    /// Whether the call's journey ends here.
    pub terminal: bool,
    /// Where the node sits on Studio's canvas (`offset`), when the flow says.
    pub position: Option<(i64, i64)>,
}

/// A way from one stage to another (or to itself, for a retry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The stage a call leaves.
    pub from: String,
    /// The stage it goes to (the same stage for a retry).
    pub to: String,
    /// Why it goes (the kind of the edge's first merged part).
    pub kind: EdgeKind,
    /// Every label of the merged edges: digits as they are, phrases quoted,
    /// `otherwise`, `retry ×2`, `exhausted`.
    pub labels: Vec<String>,
}

/// Why a call takes an edge. A merged edge has the kind of its first part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// A route matched: DTMF digits or a spoken phrase.
    Route,
    /// Any other non-empty input.
    Otherwise,
    /// Empty or unmatched input while retries remain (back to the same stage).
    Retry,
    /// The retries are used up.
    Exhausted,
    /// No input needed: after a say-and-continue stage, a recording or a session.
    Next,
}

impl Flow {
    /// The flow as a graph.
    pub fn graph(&self) -> FlowGraph {
        let mut edges: Vec<Edge> = Vec::new();
        let mut add = |from: &str, to: &str, kind: EdgeKind, label: String| match edges
            .iter_mut()
            .find(|e| e.from == from && e.to == to)
        {
            Some(edge) => edge.labels.push(label),
            None => edges.push(Edge {
                from: from.to_owned(),
                to: to.to_owned(),
                kind,
                labels: vec![label],
            }),
        };
        for (name, stage) in &self.stages {
            match &stage.kind {
                StageKind::Gather(gather) => {
                    // Digits first, then phrases, each in the map's order.
                    let (digits, phrases): (Vec<_>, Vec<_>) =
                        gather.routes.iter().partition(|(input, _)| {
                            input
                                .chars()
                                .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
                        });
                    for (input, target) in digits {
                        add(name, target, EdgeKind::Route, input.clone());
                    }
                    for (phrase, target) in phrases {
                        add(name, target, EdgeKind::Route, format!("\"{phrase}\""));
                    }
                    if let Some(target) = &gather.otherwise {
                        add(name, target, EdgeKind::Otherwise, "otherwise".to_owned());
                    }
                    if let Some(retry) = &gather.retry {
                        add(name, name, EdgeKind::Retry, format!("retry ×{}", retry.max));
                        add(
                            name,
                            &retry.exhausted,
                            EdgeKind::Exhausted,
                            "exhausted".to_owned(),
                        );
                    }
                }
                StageKind::Dial(dial) => {
                    for (status, target) in &dial.routes {
                        add(name, target, EdgeKind::Route, status.to_string());
                    }
                    if let Some(target) = &dial.otherwise {
                        add(name, target, EdgeKind::Otherwise, "otherwise".to_owned());
                    }
                }
                StageKind::Continue { next } => {
                    add(name, next, EdgeKind::Next, "next".to_owned());
                }
                StageKind::Record(record) => {
                    add(name, &record.next, EdgeKind::Next, "recorded".to_owned());
                }
                StageKind::Connect(connect) => {
                    if let Some(next) = &connect.next {
                        add(name, next, EdgeKind::Next, "session ended".to_owned());
                    }
                }
                StageKind::End(_) => {}
            }
        }
        let nodes = self
            .stages
            .iter()
            .map(|(name, stage)| Node {
                stage: name.clone(),
                action: action(stage),
                terminal: stage.is_terminal(),
                position: None,
            })
            .collect();
        FlowGraph {
            start: self.start.clone(),
            nodes,
            edges,
        }
    }
}

fn action(stage: &Stage) -> String {
    match &stage.kind {
        StageKind::Gather(g) => {
            let mut text = format!("gather {}", g.gather.input);
            if let Some(n) = g.gather.num_digits {
                let s = if n == 1 { "" } else { "s" };
                text.push_str(&format!(" ({n} digit{s})"));
            }
            text
        }
        StageKind::Continue { .. } => "say and continue".to_owned(),
        StageKind::Connect(c) => format!("connect {}", c.target.as_str()),
        StageKind::Record(r) => {
            if r.transcribe {
                "record + transcribe".to_owned()
            } else {
                "record".to_owned()
            }
        }
        StageKind::Dial(d) => match &d.target {
            DialTarget::Number(number) => format!("dial: {number}"),
            DialTarget::Client(client) => format!("dial client: {client}"),
        },
        StageKind::End(end) => end_action(end),
    }
}

fn end_action(end: &End) -> String {
    match end {
        End::Dial { number, .. } => format!("dial: {number}"),
        End::Client { identity, .. } => format!("dial client: {identity}"),
        End::Enqueue { queue } => format!("enqueue: {queue}"),
        End::Hangup => "hangup".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_flow_has_every_route_otherwise_retry_and_exhausted_edge() {
        let graph = Flow::example().graph();
        assert_eq!(graph.start, "welcome");
        assert_eq!(graph.nodes.len(), Flow::example().stages.len());
        let edge = |from: &str, to: &str| {
            graph
                .edges
                .iter()
                .find(|e| e.from == from && e.to == to)
                .unwrap_or_else(|| panic!("edge {from} -> {to}"))
        };
        assert_eq!(edge("welcome", "billing").labels, ["1"]);
        assert_eq!(edge("welcome", "welcome").kind, EdgeKind::Retry);
        assert_eq!(edge("welcome", "welcome").labels, ["retry ×2"]);
        assert_eq!(edge("welcome", "goodbye").kind, EdgeKind::Exhausted);
        // One digit and two phrases lead from technical to outage: one edge, three labels.
        assert_eq!(
            edge("technical", "outage").labels,
            ["1", "\"down\"", "\"outage\""]
        );
        // `2`, `otherwise` and `exhausted` all lead to the agent: one merged edge.
        let to_agent = edge("technical", "agent");
        assert_eq!(to_agent.kind, EdgeKind::Route);
        assert_eq!(to_agent.labels, ["2", "otherwise", "exhausted"]);
        assert_eq!(edge("billing", "billing_thanks").kind, EdgeKind::Otherwise);
        let agent = graph
            .nodes
            .iter()
            .find(|n| n.stage == "agent")
            .expect("agent");
        assert!(agent.terminal);
        assert_eq!(agent.action, "enqueue: support");
        let welcome = graph
            .nodes
            .iter()
            .find(|n| n.stage == "welcome")
            .expect("welcome");
        assert_eq!(welcome.action, "gather dtmf (1 digit)");
        assert!(!welcome.terminal);
    }
}
