//! `callflow flow diff OLD NEW`: what changed between two revisions of a flow, as a
//! reviewer reads it: widgets (stages) added, removed, renamed, their properties changed
//! (Liquid shown as written), transitions rewired, the start moved. Moving a widget on
//! Studio's canvas (`offset`) changes nothing a call does: those moves are counted apart
//! and listed only with `--offsets`. `--format svg` draws the new flow with what changed
//! marked (classes `added`, `changed`, `renamed`, `rewired` and a visible marker).
//!
//! The exit status is `diff`'s: 0 when nothing a call does changed, 1 when something did,
//! 2 on an error. Given the seven arguments git passes an external diff driver (path
//! old-file old-hex old-mode new-file new-hex new-mode; nine for a rename), it diffs the
//! two files under the repository path's name and exits 0, as git wants of a driver:
//! `.gitattributes` `*.json diff=callflow` with `git config diff.callflow.command
//! 'callflow flow diff'`. `git difftool -x 'callflow flow diff'` passes the two files.
//!
//! Both kinds of flow file are read: a Studio flow from its JSON (each widget's type,
//! `properties` minus `offset`, transitions with their conditions), a TOML flow from its
//! stages (each stage's keys, minus the routing ones, which are its transitions).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use callflow::flow::{EdgeKind, Flow, FlowGraph};
use callflow::studio::{definition, StudioFlow};

/// The flags of `callflow flow diff`.
#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    /// OLD and NEW flow files (TOML or Studio JSON; /dev/null for none), or the seven
    /// arguments git gives an external diff driver
    #[arg(required = true, num_args = 2..=9, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format: text (a review of the changes), or svg (the NEW flow drawn with
    /// the changes marked)
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Also list widgets moved on Studio's canvas (`offset`), apart from the changes
    #[arg(long)]
    pub offsets: bool,
    /// Write here instead of to stdout
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// The output formats of `callflow flow diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// One line per change, for a terminal or a review comment.
    Text,
    /// The new revision's graph with what changed marked on it.
    Svg,
}

/// A flow reduced to what a diff compares.
#[derive(Debug, Clone, Default)]
pub(crate) struct Model {
    /// `widget` (Studio) or `stage` (TOML).
    pub noun: &'static str,
    /// Where calls start (Studio: the trigger's name).
    pub start: Option<String>,
    pub nodes: BTreeMap<String, NodeModel>,
    /// The flow's graph, for `--format svg`.
    pub graph: Option<FlowGraph>,
}

/// One widget or stage.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct NodeModel {
    /// Studio's widget type, or the stage's kind (`gather`, `dial`, `end`, …).
    pub kind: String,
    /// Property → its value as compact JSON (strings quoted, Liquid as written).
    pub props: BTreeMap<String, String>,
    /// Transition (event, digits, phrase, status…) → the widget it leads to.
    pub edges: BTreeMap<String, String>,
    /// Studio's canvas position.
    pub offset: Option<(i64, i64)>,
}

/// One change of behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    Start {
        old: Option<String>,
        new: Option<String>,
    },
    Added {
        name: String,
        kind: String,
    },
    Removed {
        name: String,
        kind: String,
    },
    Renamed {
        old: String,
        new: String,
    },
    Kind {
        name: String,
        old: String,
        new: String,
    },
    Property {
        name: String,
        key: String,
        old: Option<String>,
        new: Option<String>,
    },
    Transition {
        name: String,
        label: String,
        old: Option<String>,
        new: Option<String>,
    },
}

/// A widget moved on the canvas (no change of behaviour).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Moved {
    pub name: String,
    pub old: (i64, i64),
    pub new: (i64, i64),
}

/// What changed from one revision to the next.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlowDiff {
    pub noun: &'static str,
    pub changes: Vec<Change>,
    pub moves: Vec<Moved>,
}

/// Reads a flow file into its [`Model`]; `/dev/null` (git's side of an added or deleted
/// file) is an empty flow.
pub(crate) fn read(path: &Path) -> anyhow::Result<Model> {
    if path == Path::new("/dev/null") {
        return Ok(Model {
            noun: "widget",
            ..Model::default()
        });
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read flow file {}", path.display()))?;
    model(&path.display().to_string(), &text)
}

/// The [`Model`] of flow text `text` (file `name`, for its problems).
pub(crate) fn model(name: &str, text: &str) -> anyhow::Result<Model> {
    if definition::looks_like_studio(text) {
        studio_model(name, text)
    } else {
        toml_model(name, text)
    }
}

fn compact(value: &serde_json::Value) -> String {
    value.to_string()
}

fn studio_model(name: &str, text: &str) -> anyhow::Result<Model> {
    let invalid = |problems: Vec<String>| {
        let lines: Vec<String> = problems.iter().map(|p| format!("{name}:{p}")).collect();
        anyhow::anyhow!("Studio flow is invalid:\n{}", lines.join("\n"))
    };
    let (raw, _) = definition::parse(text).map_err(invalid)?;
    let graph = StudioFlow::compile(text).map_err(invalid)?.graph();
    let mut nodes = BTreeMap::new();
    for state in &raw.states {
        let mut node = NodeModel {
            kind: state.kind.clone(),
            ..NodeModel::default()
        };
        for (key, value) in &state.properties {
            if key == "offset" {
                let at = |k: &str| value.get(k).and_then(serde_json::Value::as_i64);
                node.offset = at("x").zip(at("y"));
            } else {
                node.props.insert(key.clone(), compact(value));
            }
        }
        for (i, t) in state.transitions.iter().enumerate() {
            let label = if t.conditions.is_empty() {
                t.event.clone()
            } else {
                let friendly = t
                    .conditions
                    .first()
                    .map(|c| c.friendly_name.as_str())
                    .filter(|f| !f.is_empty());
                match friendly {
                    Some(f) => format!("{} \"{f}\"", t.event),
                    None => format!("{} #{}", t.event, i + 1),
                }
            };
            if !t.conditions.is_empty() {
                let conditions: Vec<serde_json::Value> = t
                    .conditions
                    .iter()
                    .map(|c| {
                        serde_json::json!({
                            "arguments": c.arguments,
                            "type": c.kind,
                            "value": c.value,
                        })
                    })
                    .collect();
                node.props.insert(
                    format!("condition of {label}"),
                    compact(&serde_json::Value::from(conditions)),
                );
            }
            if let Some(next) = &t.next {
                node.edges.insert(label, next.clone());
            }
        }
        nodes.insert(state.name.clone(), node);
    }
    Ok(Model {
        noun: "widget",
        start: Some(raw.initial_state),
        nodes,
        graph: Some(graph),
    })
}

/// Keys of a TOML stage that are its transitions (compared as edges).
const ROUTING_KEYS: [&str; 3] = ["routes", "otherwise", "next"];

fn toml_model(name: &str, text: &str) -> anyhow::Result<Model> {
    let flow = Flow::parse_file(name, text)?;
    let graph = flow.graph();
    let value: toml::Table = toml::from_str(text).with_context(|| format!("{name}: not TOML"))?;
    let tables = value
        .get("stages")
        .and_then(toml::Value::as_table)
        .cloned()
        .unwrap_or_default();
    let mut nodes = BTreeMap::new();
    for (stage_name, stage) in &flow.stages {
        let mut node = NodeModel {
            kind: stage_kind(stage),
            ..NodeModel::default()
        };
        if let Some(table) = tables.get(stage_name).and_then(toml::Value::as_table) {
            for (key, value) in table {
                if ROUTING_KEYS.contains(&key.as_str()) {
                    continue;
                }
                let mut value = serde_json::to_value(value).unwrap_or_default();
                if key == "retry" {
                    // `exhausted` is a transition.
                    if let Some(object) = value.as_object_mut() {
                        object.remove("exhausted");
                    }
                }
                node.props.insert(key.clone(), compact(&value));
            }
        }
        nodes.insert(stage_name.clone(), node);
    }
    for edge in &graph.edges {
        if edge.kind == EdgeKind::Retry {
            continue; // the retry count is a property (`retry.max`)
        }
        if let Some(node) = nodes.get_mut(&edge.from) {
            for label in &edge.labels {
                node.edges.insert(label.clone(), edge.to.clone());
            }
        }
    }
    Ok(Model {
        noun: "stage",
        start: Some(flow.start.clone()),
        nodes,
        graph: Some(graph),
    })
}

fn stage_kind(stage: &callflow::flow::Stage) -> String {
    use callflow::flow::StageKind;
    match &stage.kind {
        StageKind::Gather(_) => "gather",
        StageKind::Continue { .. } => "say and continue",
        StageKind::Connect(_) => "connect",
        StageKind::Record(_) => "record",
        StageKind::Dial(_) => "dial",
        StageKind::End(_) => "end",
    }
    .to_owned()
}

/// A rule that tells a renamed widget: whether two nodes are the same one.
type Same = dyn Fn(&NodeModel, &NodeModel) -> bool;

/// Compares two revisions.
pub(crate) fn diff(old: &Model, new: &Model) -> FlowDiff {
    let noun = if new.nodes.is_empty() {
        old.noun
    } else {
        new.noun
    };
    let noun = if noun.is_empty() { "widget" } else { noun };
    let mut removed: Vec<&String> = old
        .nodes
        .keys()
        .filter(|n| !new.nodes.contains_key(*n))
        .collect();
    let mut added: Vec<&String> = new
        .nodes
        .keys()
        .filter(|n| !old.nodes.contains_key(*n))
        .collect();
    // Renames: a removed widget and an added one of the same type with the same
    // properties (better still, the same transitions); failing that, the same type at the
    // same place on the canvas.
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    let rules: [&Same; 3] = [
        &|a, b| a.kind == b.kind && a.props == b.props && a.edges == b.edges,
        &|a, b| a.kind == b.kind && a.props == b.props,
        &|a, b| a.kind == b.kind && a.offset.is_some() && a.offset == b.offset,
    ];
    for rule in rules {
        for r in removed.clone() {
            let before = &old.nodes[r];
            let candidates: Vec<&String> = added
                .iter()
                .copied()
                .filter(|a| rule(before, &new.nodes[*a]))
                .collect();
            if let [only] = candidates.as_slice() {
                renamed.insert(r.clone(), (*only).clone());
                removed.retain(|x| *x != r);
                added.retain(|x| x != only);
            }
        }
    }
    let rename = |name: &str| {
        renamed
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_owned())
    };
    let mut changes = Vec::new();
    let (old_start, new_start) = (old.start.as_deref().map(rename), new.start.clone());
    if old_start != new_start && !old.nodes.is_empty() && !new.nodes.is_empty() {
        changes.push(Change::Start {
            old: old.start.clone(),
            new: new_start,
        });
    }
    for name in &removed {
        changes.push(Change::Removed {
            name: (*name).clone(),
            kind: old.nodes[*name].kind.clone(),
        });
    }
    for name in &added {
        changes.push(Change::Added {
            name: (*name).clone(),
            kind: new.nodes[*name].kind.clone(),
        });
    }
    for (o, n) in &renamed {
        changes.push(Change::Renamed {
            old: o.clone(),
            new: n.clone(),
        });
    }
    let mut moves = Vec::new();
    let pairs = old
        .nodes
        .keys()
        .filter(|n| new.nodes.contains_key(*n))
        .map(|n| (n.clone(), n.clone()))
        .chain(renamed.iter().map(|(o, n)| (o.clone(), n.clone())));
    let mut pairs: Vec<(String, String)> = pairs.collect();
    pairs.sort_by(|a, b| a.1.cmp(&b.1));
    for (o, n) in pairs {
        let (a, b) = (&old.nodes[&o], &new.nodes[&n]);
        if a.kind != b.kind {
            changes.push(Change::Kind {
                name: n.clone(),
                old: a.kind.clone(),
                new: b.kind.clone(),
            });
        }
        let keys: BTreeSet<&String> = a.props.keys().chain(b.props.keys()).collect();
        for key in keys {
            let (was, now) = (a.props.get(key), b.props.get(key));
            if was != now {
                changes.push(Change::Property {
                    name: n.clone(),
                    key: key.clone(),
                    old: was.cloned(),
                    new: now.cloned(),
                });
            }
        }
        let labels: BTreeSet<&String> = a.edges.keys().chain(b.edges.keys()).collect();
        for label in labels {
            let was = a.edges.get(label).map(|t| rename(t));
            let now = b.edges.get(label).cloned();
            if was != now {
                changes.push(Change::Transition {
                    name: n.clone(),
                    label: label.clone(),
                    old: a.edges.get(label).cloned(),
                    new: now,
                });
            }
        }
        if let (Some(was), Some(now)) = (a.offset, b.offset) {
            if was != now {
                moves.push(Moved {
                    name: n.clone(),
                    old: was,
                    new: now,
                });
            }
        }
    }
    FlowDiff {
        noun,
        changes,
        moves,
    }
}

fn or_none(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("(none)")
}

impl FlowDiff {
    /// The changes as a review reads them, one per line, under `--- OLD` / `+++ NEW`;
    /// nothing when nothing changed (a note when only canvas moves did).
    pub fn to_text(&self, old_label: &str, new_label: &str, offsets: bool) -> String {
        let noun = self.noun;
        let mut out = String::new();
        if self.changes.is_empty() && (self.moves.is_empty() || !offsets) {
            if !self.moves.is_empty() {
                let _ = writeln!(
                    out,
                    "# no change of behaviour; {} {noun}(s) moved on the canvas (--offsets lists them)",
                    self.moves.len()
                );
            }
            return out;
        }
        let _ = writeln!(out, "--- {old_label}\n+++ {new_label}");
        for change in &self.changes {
            let _ = match change {
                Change::Start { old, new } => {
                    writeln!(out, "~ calls start at: {} → {}", or_none(old), or_none(new))
                }
                Change::Added { name, kind } => writeln!(out, "+ {noun} {name} ({kind})"),
                Change::Removed { name, kind } => writeln!(out, "- {noun} {name} ({kind})"),
                Change::Renamed { old, new } => {
                    writeln!(out, "~ {noun} {old} renamed to {new}")
                }
                Change::Kind { name, old, new } => {
                    writeln!(out, "~ {noun} {name}: type: {old} → {new}")
                }
                Change::Property {
                    name,
                    key,
                    old,
                    new,
                } => writeln!(
                    out,
                    "~ {noun} {name}: {key}: {} → {}",
                    or_none(old),
                    or_none(new)
                ),
                Change::Transition {
                    name,
                    label,
                    old,
                    new,
                } => writeln!(
                    out,
                    "~ {noun} {name}: on {label}: {} → {}",
                    or_none(old),
                    or_none(new)
                ),
            };
        }
        if !self.moves.is_empty() {
            if offsets {
                let _ = writeln!(out, "canvas moves (no change of behaviour):");
                for m in &self.moves {
                    let _ = writeln!(
                        out,
                        "  {noun} {}: ({}, {}) → ({}, {})",
                        m.name, m.old.0, m.old.1, m.new.0, m.new.1
                    );
                }
            } else {
                let _ = writeln!(
                    out,
                    "# {} {noun}(s) moved on the canvas too (--offsets lists them)",
                    self.moves.len()
                );
            }
        }
        out
    }

    /// What changed about each node of the new flow: `added`, `renamed`, `changed`, or
    /// `moved` (only with `offsets`).
    fn node_marks(&self, offsets: bool) -> BTreeMap<String, &'static str> {
        let mut marks = BTreeMap::new();
        if offsets {
            for m in &self.moves {
                marks.insert(m.name.clone(), "moved");
            }
        }
        for change in &self.changes {
            match change {
                Change::Kind { name, .. }
                | Change::Property { name, .. }
                | Change::Transition { name, .. } => {
                    let mark = marks.entry(name.clone()).or_insert("changed");
                    if *mark == "moved" {
                        *mark = "changed";
                    }
                }
                _ => {}
            }
        }
        for change in &self.changes {
            match change {
                Change::Added { name, .. } => {
                    marks.insert(name.clone(), "added");
                }
                Change::Renamed { new, .. } => {
                    marks.insert(new.clone(), "renamed");
                }
                _ => {}
            }
        }
        marks
    }

    /// The new flow drawn as SVG, with every added, renamed or changed widget and every
    /// rewired transition marked: a class (`added`, `renamed`, `changed`, `moved`,
    /// `rewired`), a `data-change` attribute, a thicker outline, and a text marker in the
    /// box (`+ new`, `~ changed`, `~ renamed from X`), so the marking does not rest on
    /// colour alone. Removed widgets are listed in the picture's description.
    pub fn to_svg(&self, new: &Model, offsets: bool) -> String {
        let Some(graph) = &new.graph else {
            return String::new();
        };
        let marks = self.node_marks(offsets);
        let renamed_from: BTreeMap<&str, &str> = self
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::Renamed { old, new } => Some((new.as_str(), old.as_str())),
                _ => None,
            })
            .collect();
        let rewired: BTreeSet<(String, String)> = self
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::Transition {
                    name,
                    new: Some(to),
                    ..
                } => Some((name.clone(), to.clone())),
                _ => None,
            })
            .collect();
        let mut graph = graph.clone();
        for node in &mut graph.nodes {
            let marker = match marks.get(&node.stage).copied() {
                Some("added") => "+ new".to_owned(),
                Some("renamed") => format!(
                    "~ renamed from {}",
                    renamed_from.get(node.stage.as_str()).unwrap_or(&"?")
                ),
                Some("changed") => "~ changed".to_owned(),
                Some("moved") => "↕ moved".to_owned(),
                _ => continue,
            };
            node.action = format!("{marker}: {}", node.action);
        }
        for edge in &mut graph.edges {
            if rewired.contains(&(edge.from.clone(), edge.to.clone())) {
                if let Some(first) = edge.labels.first_mut() {
                    *first = format!("~ {first}");
                }
            }
        }
        let mut svg = crate::graph::to_svg(&graph);
        for (name, mark) in &marks {
            let at = format!("\" data-stage=\"{}\"", attribute(name));
            svg = svg.replacen(
                &at,
                &format!(" {mark}\" data-change=\"{mark}\"{}", &at[1..]),
                1,
            );
        }
        for (from, to) in &rewired {
            let at = format!(
                "\" data-from=\"{}\" data-to=\"{}\"",
                attribute(from),
                attribute(to)
            );
            svg = svg.replacen(
                &at,
                &format!(" rewired\" data-change=\"rewired\"{}", &at[1..]),
                1,
            );
        }
        let removed: Vec<&str> = self
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::Removed { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .collect();
        let style = "<style>.added rect, .renamed rect, .changed rect, .moved rect, .added polygon, .renamed polygon, .changed polygon, .moved polygon { stroke-width: 4px; } .added rect, .added polygon { stroke: #1a7f37; } .changed rect, .changed polygon, .renamed rect, .renamed polygon { stroke: #9a6700; } .rewired path { stroke: #9a6700; stroke-width: 3px; }</style>\n";
        let desc = format!(
            "<desc>Changes: {} added, {} changed, {} renamed, {} rewired; removed: {}</desc>\n",
            marks.values().filter(|m| **m == "added").count(),
            marks.values().filter(|m| **m == "changed").count(),
            marks.values().filter(|m| **m == "renamed").count(),
            rewired.len(),
            if removed.is_empty() {
                "none".to_owned()
            } else {
                xml_text(&removed.join(", "))
            }
        );
        match svg.find("</title>\n") {
            Some(at) => {
                let end = at + "</title>\n".len();
                format!("{}{desc}{style}{}", &svg[..end], &svg[end..])
            }
            None => svg,
        }
    }
}

/// An attribute value as the SVG writers escape it.
fn attribute(value: &str) -> String {
    xml_text(value).replace('"', "&quot;")
}

fn xml_text(value: &str) -> String {
    value.replace('&', "&amp;").replace('<', "&lt;")
}

/// What `callflow flow diff` was given: two files, or git's driver arguments.
struct Sides {
    old: PathBuf,
    new: PathBuf,
    old_label: String,
    new_label: String,
    /// Run by git as its external diff driver: exit 0 whatever changed.
    git: bool,
}

fn sides(files: &[PathBuf]) -> anyhow::Result<Sides> {
    match files {
        [old, new] => Ok(Sides {
            old: old.clone(),
            new: new.clone(),
            old_label: old.display().to_string(),
            new_label: new.display().to_string(),
            git: false,
        }),
        // path old-file old-hex old-mode new-file new-hex new-mode [new-path rename-info]
        [path, old, _, _, new, _, _] | [path, old, _, _, new, _, _, _, _] => {
            let new_path = files.get(7).unwrap_or(path);
            Ok(Sides {
                old: old.clone(),
                new: new.clone(),
                old_label: format!("a/{}", path.display()),
                new_label: format!("b/{}", new_path.display()),
                git: true,
            })
        }
        _ => anyhow::bail!(
            "flow diff takes OLD and NEW (or the seven arguments of a git diff driver), got {}",
            files.len()
        ),
    }
}

/// Runs `callflow flow diff`; the exit status (0 no change of behaviour, 1 changes, 2
/// an error, reported on stderr).
pub fn run(args: &DiffArgs) -> u8 {
    match try_run(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", crate::report::error_report(&error));
            2
        }
    }
}

fn try_run(args: &DiffArgs) -> anyhow::Result<u8> {
    use std::io::Write as _;
    let sides = sides(&args.files)?;
    let old = read(&sides.old)?;
    let new = read(&sides.new)?;
    let diff = diff(&old, &new);
    let text = match args.format {
        DiffFormat::Text => diff.to_text(&sides.old_label, &sides.new_label, args.offsets),
        DiffFormat::Svg => diff.to_svg(&new, args.offsets),
    };
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .context("cannot write to stdout")?;
        }
    }
    Ok(u8::from(!diff.changes.is_empty() && !sides.git))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = r#"{"initial_state": "Trigger", "states": [
      {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "greet"}], "properties": {"offset": {"x": 0, "y": 0}}},
      {"name": "greet", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "bye"}], "properties": {"say": "Hi {{trigger.call.From}}", "offset": {"x": 0, "y": 200}}},
      {"name": "bye", "type": "say-play", "transitions": [{"event": "audioComplete"}], "properties": {"say": "Bye", "offset": {"x": 0, "y": 400}}}
    ]}"#;

    fn text_of(old: &str, new: &str, offsets: bool) -> String {
        let diff = diff(
            &model("old", old).expect("old"),
            &model("new", new).expect("new"),
        );
        diff.to_text("old", "new", offsets)
    }

    #[test]
    fn an_unchanged_flow_has_no_diff_and_a_move_is_a_note() {
        assert_eq!(text_of(FLOW, FLOW, false), "");
        let moved = FLOW.replace(r#""x": 0, "y": 400"#, r#""x": 80, "y": 420"#);
        assert_eq!(
            text_of(FLOW, &moved, false),
            "# no change of behaviour; 1 widget(s) moved on the canvas (--offsets lists them)\n"
        );
        let listed = text_of(FLOW, &moved, true);
        assert!(
            listed.contains("widget bye: (0, 400) → (80, 420)"),
            "{listed}"
        );
    }

    #[test]
    fn a_rename_is_one_change_and_its_incoming_transitions_are_not_rewired() {
        let renamed = FLOW.replace("\"bye\"", "\"farewell\"");
        let text = text_of(FLOW, &renamed, false);
        assert_eq!(
            text, "--- old\n+++ new\n~ widget bye renamed to farewell\n",
            "{text}"
        );
    }

    #[test]
    fn properties_show_their_liquid_old_and_new() {
        let changed = FLOW.replace("Hi {{trigger.call.From}}", "Hello {{trigger.call.From}}");
        let text = text_of(FLOW, &changed, false);
        assert!(
            text.contains(
                r#"~ widget greet: say: "Hi {{trigger.call.From}}" → "Hello {{trigger.call.From}}""#
            ),
            "{text}"
        );
    }
}
