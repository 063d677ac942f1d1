//! `callflow flow graph`: a flow file drawn as a diagram.
//!
//! The graph itself (stages, merged edges with their labels) comes from
//! [`callflow::flow::FlowGraph`]; this module only writes it out: `svg` lays it out with
//! `layout-rs` (pure Rust, no Graphviz needed) and tags each stage with
//! `data-stage="…"` so the dashboard can highlight the stages calls are in; `dot` and
//! `mermaid` are text for Graphviz and for Markdown renderers. A Studio flow's widgets
//! carry their canvas `offset`: `canvas` draws them there instead of laying them out, and
//! DOT gets them as `pos` attributes.

mod canvas;
mod dot;
mod mermaid;
mod svg;

use callflow::flow::{EdgeKind, FlowGraph};

pub use dot::to_dot;
pub use mermaid::to_mermaid;
pub use svg::{to_svg, to_svg_labelled, Labels};

/// The output formats of `callflow flow graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A standalone SVG image (readable in any browser or image viewer).
    Svg,
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart (GitHub renders it inside ```mermaid blocks).
    Mermaid,
}

/// The graph in `format`.
pub fn render(graph: &FlowGraph, format: Format) -> String {
    match format {
        Format::Svg => to_svg(graph),
        Format::Dot => to_dot(graph),
        Format::Mermaid => to_mermaid(graph),
    }
}

/// The text an edge carries: its labels joined.
fn edge_label(labels: &[String]) -> String {
    labels.join(" / ")
}

/// Whether an edge is drawn dashed: the ways a call moves without a matching answer.
fn is_fallback(kind: EdgeKind) -> bool {
    matches!(
        kind,
        EdgeKind::Otherwise | EdgeKind::Retry | EdgeKind::Exhausted | EdgeKind::Next
    )
}
