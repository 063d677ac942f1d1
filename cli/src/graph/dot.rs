//! Graphviz DOT text.

use callflow::flow::FlowGraph;

use super::{edge_label, is_fallback};

/// The graph as a DOT `digraph` (stages as boxes, terminal stages rounded, the start
/// marked by an arrow from a point).
pub fn to_dot(graph: &FlowGraph) -> String {
    let mut out = String::from("digraph flow {\n  rankdir=TB;\n  node [shape=box, fontname=\"sans-serif\"];\n  edge [fontname=\"sans-serif\", fontsize=11];\n");
    out.push_str("  \"__start\" [shape=point, label=\"\"];\n");
    for node in &graph.nodes {
        let style = if node.terminal {
            ", style=rounded, peripheries=2"
        } else {
            ""
        };
        // Canvas positions (Studio's `offset`, y down) as Graphviz `pos` in points (y up);
        // `neato -n` draws them there.
        let pos = node
            .position
            .map(|(x, y)| format!(", pos=\"{x},{}!\"", -y))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {} [label={}{style}{pos}];\n",
            quote(&node.stage),
            quote(&format!("{}\n{}", node.stage, node.action))
        ));
    }
    out.push_str(&format!("  \"__start\" -> {};\n", quote(&graph.start)));
    for edge in &graph.edges {
        let style = if is_fallback(edge.kind) {
            ", style=dashed"
        } else {
            ""
        };
        out.push_str(&format!(
            "  {} -> {} [label={}{style}];\n",
            quote(&edge.from),
            quote(&edge.to),
            quote(&edge_label(&edge.labels))
        ));
    }
    out.push_str("}\n");
    out
}

/// A DOT string literal (quotes and backslashes escaped, newlines as `\n`).
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use callflow::flow::Flow;

    #[test]
    fn every_stage_and_edge_appears_once_and_the_output_parses() {
        let dot = to_dot(&Flow::example().graph());
        assert!(
            dot.contains("\"welcome\" -> \"billing\" [label=\"1\"];"),
            "{dot}"
        );
        assert!(dot.contains(
            "\"technical\" -> \"outage\" [label=\"1 / \\\"down\\\" / \\\"outage\\\"\"];"
        ));
        assert!(dot.contains("\"welcome\" -> \"welcome\" [label=\"retry ×2\", style=dashed];"));
        assert!(dot.contains("\"__start\" -> \"welcome\";"));
        // layout-rs reads DOT too: what we write is a graph it accepts.
        let mut parser = layout::gv::DotParser::new(&dot);
        assert!(parser.process().is_ok(), "{dot}");
    }
}
