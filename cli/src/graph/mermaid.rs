//! Mermaid flowchart text.

use callflow::flow::FlowGraph;

use super::{edge_label, is_fallback};

/// The graph as a Mermaid `flowchart`. Stage names become `s0`, `s1`, … (Mermaid ids are
/// restricted); labels are quoted, with `"` written as `#quot;`.
pub fn to_mermaid(graph: &FlowGraph) -> String {
    let id = |stage: &str| {
        graph
            .nodes
            .iter()
            .position(|n| n.stage == stage)
            .map_or_else(|| "missing".to_owned(), |i| format!("s{i}"))
    };
    let mut out = String::from("flowchart TD\n  start((start))\n");
    for (i, node) in graph.nodes.iter().enumerate() {
        let label = text(&format!("{}<br/>{}", node.stage, node.action));
        if node.terminal {
            out.push_str(&format!("  s{i}([\"{label}\"])\n"));
        } else {
            out.push_str(&format!("  s{i}[\"{label}\"]\n"));
        }
    }
    out.push_str(&format!("  start --> {}\n", id(&graph.start)));
    for edge in &graph.edges {
        let arrow = if is_fallback(edge.kind) {
            "-.->"
        } else {
            "-->"
        };
        out.push_str(&format!(
            "  {} {arrow}|\"{}\"| {}\n",
            id(&edge.from),
            text(&edge_label(&edge.labels)),
            id(&edge.to)
        ));
    }
    out
}

fn text(label: &str) -> String {
    label.replace('"', "#quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use callflow::flow::Flow;

    #[test]
    fn stages_become_nodes_and_edges_keep_their_labels() {
        let graph = Flow::example().graph();
        let mermaid = to_mermaid(&graph);
        let index = |stage: &str| {
            graph
                .nodes
                .iter()
                .position(|n| n.stage == stage)
                .expect("stage")
        };
        let (technical, outage) = (index("technical"), index("outage"));
        assert!(mermaid.starts_with("flowchart TD\n"));
        assert!(
            mermaid.contains(&format!(
                "s{technical} -->|\"1 / #quot;down#quot; / #quot;outage#quot;\"| s{outage}"
            )),
            "{mermaid}"
        );
        assert!(mermaid.contains(&format!("s{outage}([\"outage<br/>hangup\"])")));
        assert!(mermaid.contains(&format!("start --> s{}", index("welcome"))));
    }
}
