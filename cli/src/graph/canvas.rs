//! SVG for a flow whose nodes carry canvas positions (a Studio flow's `offset`s): each
//! widget is drawn where Studio's canvas shows it, so the picture matches what the flow's
//! author sees in the Console. Same tagging as the laid-out SVG (`data-stage`, ids), so
//! the dashboard highlights it the same way.

use std::fmt::Write as _;

use callflow::flow::{FlowGraph, GraphNode};

use super::svg::{attribute, id, text};
use super::{edge_label, is_fallback};

/// A widget's box on Studio's canvas, roughly its size there.
const BOX_W: i64 = 220;
const BOX_H: i64 = 56;
const MARGIN: i64 = 40;
const FONT_SIZE: i64 = 14;

/// Whether every node has a canvas position.
pub fn positioned(graph: &FlowGraph) -> bool {
    !graph.nodes.is_empty() && graph.nodes.iter().all(|n| n.position.is_some())
}

/// The graph drawn at its nodes' positions.
pub fn to_svg(graph: &FlowGraph) -> String {
    let at = |n: &GraphNode| n.position.unwrap_or((0, 0));
    let min_x = graph.nodes.iter().map(|n| at(n).0).min().unwrap_or(0);
    let min_y = graph.nodes.iter().map(|n| at(n).1).min().unwrap_or(0);
    let max_x = graph.nodes.iter().map(|n| at(n).0).max().unwrap_or(0);
    let max_y = graph.nodes.iter().map(|n| at(n).1).max().unwrap_or(0);
    let place = |n: &GraphNode| {
        let (x, y) = at(n);
        (x - min_x + MARGIN, y - min_y + MARGIN)
    };
    let width = max_x - min_x + BOX_W + 2 * MARGIN;
    let height = max_y - min_y + BOX_H + 2 * MARGIN;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">"#
    );
    let _ = writeln!(
        out,
        "<title>Call flow: {} widgets, calls start at {}</title>",
        graph.nodes.len(),
        text(&graph.start)
    );
    let _ = writeln!(
        out,
        r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333333"/></marker></defs>"##
    );
    let _ = writeln!(
        out,
        "<style>text {{ font-family: sans-serif; font-size: {FONT_SIZE}px; }} .label {{ font-size: 12px; fill: #333333; }}</style>"
    );
    let find = |name: &str| graph.nodes.iter().find(|n| n.stage == name);
    for edge in &graph.edges {
        let (Some(from), Some(to)) = (find(&edge.from), find(&edge.to)) else {
            continue;
        };
        let (fx, fy) = place(from);
        let (tx, ty) = place(to);
        let (x1, y1) = (fx + BOX_W / 2, fy + BOX_H);
        let (x2, y2) = (tx + BOX_W / 2, ty);
        // A loop back up (or to itself) leaves from the side, so it does not cross its box.
        let (x1, y1, x2, y2) = if ty <= fy {
            (fx + BOX_W, fy + BOX_H / 2, tx + BOX_W, ty + BOX_H / 2)
        } else {
            (x1, y1, x2, y2)
        };
        let bend = ((y2 - y1).abs() / 2).max(40);
        let path = if ty <= fy {
            format!(
                "M {x1} {y1} C {} {y1}, {} {y2}, {x2} {y2}",
                x1 + bend,
                x2 + bend
            )
        } else {
            format!(
                "M {x1} {y1} C {x1} {}, {x2} {}, {x2} {y2}",
                y1 + bend,
                y2 - bend
            )
        };
        let dash = if is_fallback(edge.kind) {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = writeln!(
            out,
            r##"<g class="edge" data-from="{}" data-to="{}"><path d="{path}" fill="none" stroke="#333333" stroke-width="2"{dash} marker-end="url(#arrow)"/><text class="label" x="{}" y="{}">{}</text></g>"##,
            attribute(&edge.from),
            attribute(&edge.to),
            (x1 + x2) / 2 + 6,
            (y1 + y2) / 2,
            text(&edge_label(&edge.labels))
        );
    }
    for node in &graph.nodes {
        let (x, y) = place(node);
        let (rounded, stroke) = if node.terminal { (14, 3) } else { (0, 1) };
        let _ = writeln!(
            out,
            r##"<g class="stage{}" data-stage="{}" id="stage-{}"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="{rounded}" fill="white" stroke="black" stroke-width="{stroke}"/><text x="{}" y="{}" text-anchor="middle"><tspan x="{}" dy="0">{}</tspan><tspan x="{}" dy="18">{}</tspan></text></g>"##,
            if node.terminal { " terminal" } else { "" },
            attribute(&node.stage),
            id(&node.stage),
            x + BOX_W / 2,
            y + 22,
            x + BOX_W / 2,
            text(&node.stage),
            x + BOX_W / 2,
            text(&shorten(&node.action)),
        );
    }
    out.push_str("</svg>\n");
    out
}

/// At most 28 characters, with an ellipsis when cut, so the text fits its box.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(28) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}
