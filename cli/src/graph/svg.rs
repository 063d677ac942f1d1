//! SVG, laid out by `layout-rs`.
//!
//! Each stage is a `<g class="stage" data-stage="NAME" id="stage-…">` around its box, so a
//! page that inlines the SVG can find a stage with `[data-stage="…"]` and mark it. The
//! image is standalone (no scripts, no external fonts or references), so browsers and
//! image viewers show it as is.

use callflow::flow::{FlowGraph, GraphNode};
use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::render::get_shape_size;
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::{edge_label, is_fallback};

const FONT_SIZE: usize = 14;

/// What a laid-out drawing writes in each stage's box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labels {
    /// The stage's name and what it does (`gather dtmf (1 digit)`): `callflow flow graph`.
    Full,
    /// The name alone: a narrower drawing, legible when fitted beside the dashboard's
    /// counts (the support menu: 2,222 px wide with actions, far less without).
    Names,
}

/// The graph as a standalone SVG document: at its nodes' canvas positions when every
/// node has one (a Studio flow), else laid out.
pub fn to_svg(graph: &FlowGraph) -> String {
    to_svg_labelled(graph, Labels::Full)
}

/// [`to_svg`], with the stage boxes labelled as `labels` says (a Studio flow drawn at its
/// canvas positions is the same either way).
pub fn to_svg_labelled(graph: &FlowGraph, labels: Labels) -> String {
    if super::canvas::positioned(graph) {
        return super::canvas::to_svg(graph);
    }
    let look = Look::of(labels);
    let mut vg = VisualGraph::new(look.orientation);
    let start_shape = ShapeKind::new_circle("start");
    let start_look = StyleAttr::new(Color::fast("black"), 1, Some(Color::fast("#eeeeee")), 0, 12);
    let start_size = get_shape_size(look.orientation, &start_shape, 12, true);
    let start = vg.add_node(Element::create_with_properties(
        start_shape,
        start_look,
        look.orientation,
        start_size,
        "class=\"start\"",
    ));
    let handles: Vec<_> = graph
        .nodes
        .iter()
        .map(|node| vg.add_node(stage_element(node, labels, look)))
        .collect();
    let handle = |stage: &str| {
        graph
            .nodes
            .iter()
            .position(|n| n.stage == stage)
            .and_then(|i| handles.get(i).copied())
    };
    if let Some(first) = handle(&graph.start) {
        vg.add_edge(Arrow::simple(""), start, first);
    }
    for edge in &graph.edges {
        let (Some(from), Some(to)) = (handle(&edge.from), handle(&edge.to)) else {
            continue;
        };
        let style = if is_fallback(edge.kind) {
            LineStyleKind::Dashed
        } else {
            LineStyleKind::Normal
        };
        let edge_look = StyleAttr::new(Color::fast("#333333"), 2, None, 0, look.edge_font);
        let arrow = Arrow::with_properties(
            LineEndKind::None,
            LineEndKind::Arrow,
            style,
            &edge_label(&edge.labels),
            &edge_look,
            format!(
                "class=\"edge\" data-from=\"{}\" data-to=\"{}\"",
                attribute(&edge.from),
                attribute(&edge.to)
            ),
            &None,
            &None,
        );
        vg.add_edge(arrow, from, to);
    }
    let mut writer = SVGWriter::new();
    vg.do_it(false, false, false, &mut writer);
    finish(&writer.finalize(), graph)
}

/// How a drawing is laid out and lettered.
#[derive(Clone, Copy)]
struct Look {
    orientation: Orientation,
    font: usize,
    edge_font: usize,
}

impl Look {
    fn of(labels: Labels) -> Look {
        match labels {
            Labels::Full => Look {
                orientation: Orientation::TopToBottom,
                font: FONT_SIZE,
                edge_font: 12,
            },
            // Larger letters: the drawing is fitted to a box about half its width, and
            // these scale down to about 11 px (the fixed gaps between boxes do not grow).
            Labels::Names => Look {
                orientation: Orientation::TopToBottom,
                font: 22,
                edge_font: 18,
            },
        }
    }
}

fn stage_element(node: &GraphNode, labels: Labels, look: Look) -> Element {
    let label = match labels {
        Labels::Full => format!("{}\n{}", node.stage, node.action),
        Labels::Names => node.stage.clone(),
    };
    let shape = ShapeKind::new_box(&label);
    // Terminal stages are rounded and drawn with a double-width line: told apart by
    // shape, not by colour alone.
    let (rounded, width) = if node.terminal { (14, 3) } else { (0, 1) };
    let style = StyleAttr::new(
        Color::fast("black"),
        width,
        Some(Color::fast("white")),
        rounded,
        look.font,
    );
    let size = get_shape_size(look.orientation, &shape, look.font, false);
    Element::create_with_properties(
        shape,
        style,
        look.orientation,
        size,
        format!(
            "class=\"stage{}\" data-stage=\"{}\" id=\"stage-{}\"",
            if node.terminal { " terminal" } else { "" },
            attribute(&node.stage),
            id(&node.stage)
        ),
    )
}

/// The writer's document with a title for screen readers, a sans-serif font instead of
/// Times, and its font classes in a fixed order (the writer keeps them in a `HashMap`, and
/// the committed diagram must come out byte for byte the same every time).
fn finish(svg: &str, graph: &FlowGraph) -> String {
    let svg =
        sort_style_lines(&svg.replace("font-family: Times, serif", "font-family: sans-serif"));
    let title = format!(
        "<title>Call flow: {} stages, calls start in {}</title>\n",
        graph.nodes.len(),
        text(&graph.start)
    );
    match svg.find("xmlns=\"http://www.w3.org/2000/svg\">\n") {
        Some(at) => {
            let end = at + "xmlns=\"http://www.w3.org/2000/svg\">\n".len();
            let (head, rest) = svg.split_at(end);
            let head = head.replacen("<svg ", "<svg role=\"img\" ", 1);
            format!("{head}{title}{rest}\n")
        }
        None => svg,
    }
}

fn sort_style_lines(svg: &str) -> String {
    let (Some(open), Some(close)) = (svg.find("<style>\n"), svg.find("</style>")) else {
        return svg.to_owned();
    };
    let body_start = open + "<style>\n".len();
    if close < body_start {
        return svg.to_owned();
    }
    let mut lines: Vec<&str> = svg[body_start..close].lines().collect();
    lines.sort_unstable();
    let mut out = String::with_capacity(svg.len());
    out.push_str(&svg[..body_start]);
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&svg[close..]);
    out
}

/// An attribute value: `&`, `<`, `"` escaped.
pub(super) fn attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

pub(super) fn text(value: &str) -> String {
    value.replace('&', "&amp;").replace('<', "&lt;")
}

/// An XML id from a stage name: anything but ASCII letters, digits, `-` and `_` becomes `_`.
pub(super) fn id(stage: &str) -> String {
    stage
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use callflow::flow::Flow;

    #[test]
    fn every_stage_is_a_tagged_group_and_the_document_is_well_formed_xml() {
        let flow = Flow::example();
        let svg = to_svg(&flow.graph());
        for name in flow.stages.keys() {
            assert!(svg.contains(&format!("data-stage=\"{name}\"")), "{name}");
            assert!(svg.contains(&format!(">{name}</tspan>")), "{name}");
        }
        assert!(svg.contains("<title>Call flow: 14 stages, calls start in welcome</title>"));
        assert!(svg.contains("retry ×2"));
        let mut reader = quick_xml::Reader::from_str(&svg);
        let mut depth = 0i32;
        loop {
            match reader.read_event().expect("well-formed SVG") {
                quick_xml::events::Event::Start(_) => depth += 1,
                quick_xml::events::Event::End(_) => depth -= 1,
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0);
    }

    #[test]
    fn odd_stage_names_are_escaped() {
        let flow = Flow::parse(
            "start = \"a&b\"\n[stages.\"a&b\"]\nsay = \"bye\"\nend = { hangup = true }\n",
        )
        .expect("flow");
        let svg = to_svg(&flow.graph());
        assert!(
            svg.contains("data-stage=\"a&amp;b\" id=\"stage-a_b\""),
            "{svg}"
        );
    }
}
