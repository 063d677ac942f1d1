//! `callflow flow check` and the flow files every `callflow flow` command reads: callflow's
//! TOML or a Twilio Studio flow (JSON, a Console export or a Flows API resource), told
//! apart by content.

use std::path::Path;

use anyhow::Context as _;
use callflow::flow::{Flow, FlowGraph};
use callflow::studio::{definition, Severity, StudioFlow};

/// A flow file, read.
pub enum FlowFile {
    /// A callflow TOML flow (any file that does not look like a Studio flow).
    Toml(Flow),
    /// A Studio flow definition (a Console export or a Flows API resource), compiled
    /// leniently.
    Studio(Box<StudioFlow>),
}

impl FlowFile {
    /// Reads `path` (the bundled flow when `None`). A Studio flow is compiled leniently:
    /// its problems are in [`StudioFlow::problems`], for `check` to print.
    pub fn read(path: Option<&Path>) -> anyhow::Result<FlowFile> {
        let Some(path) = path else {
            return Ok(FlowFile::Toml(Flow::example()));
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read flow file {}", path.display()))?;
        let name = path.display().to_string();
        if definition::looks_like_studio(&text) {
            let mut flow = StudioFlow::compile(&text).map_err(|problems| {
                let lines: Vec<String> = problems.iter().map(|p| format!("{name}:{p}")).collect();
                anyhow::anyhow!("Studio flow is invalid:\n{}", lines.join("\n"))
            })?;
            // Subflows are looked up beside the flow, as `serve` does by default.
            let folder = path.parent().unwrap_or_else(|| Path::new("."));
            let folder = if folder.as_os_str().is_empty() {
                Path::new(".")
            } else {
                folder
            };
            flow.attach_subflows(folder, &text);
            Ok(FlowFile::Studio(Box::new(flow)))
        } else {
            Ok(FlowFile::Toml(Flow::parse_file(&name, &text)?))
        }
    }

    /// The flow as a graph.
    pub fn graph(&self) -> FlowGraph {
        match self {
            FlowFile::Toml(flow) => flow.graph(),
            FlowFile::Studio(flow) => flow.graph(),
        }
    }
}

/// What `callflow flow check` found.
pub struct CheckReport {
    /// The lines to print.
    pub lines: Vec<String>,
    /// Whether every widget a voice call can reach can run.
    pub ok: bool,
}

/// Checks the flow file `path`.
pub fn check(path: &Path) -> anyhow::Result<CheckReport> {
    let name = path.display().to_string();
    match FlowFile::read(Some(path))? {
        FlowFile::Toml(flow) => Ok(CheckReport {
            lines: vec![format!(
                "{name}: ok: callflow flow with {} stages, calls start in `{}`",
                flow.stages.len(),
                flow.start
            )],
            ok: true,
        }),
        FlowFile::Studio(flow) => {
            let voice = flow.reachable_from_trigger(&["incomingCall"]);
            let mut lines = Vec::new();
            let mut errors = 0;
            for problem in &flow.problems {
                let (label, counts) = match problem.severity {
                    Severity::Error => ("error", true),
                    Severity::Unreachable => ("warning (no voice call reaches it)", false),
                    Severity::NotUsedByVoice => ("not used by voice", false),
                };
                if counts {
                    errors += 1;
                }
                lines.push(format!("{name}:{problem}  [{label}]"));
            }
            let entry = flow.call_entry().unwrap_or("(none)");
            let ok = errors == 0 && flow.call_entry().is_some();
            if flow.call_entry().is_none() {
                lines.push(format!(
                    "{name}: error: the trigger `{}` has no incomingCall transition: voice calls end at once",
                    flow.initial_state
                ));
            }
            lines.push(if ok {
                format!(
                    "{name}: ok: Studio flow with {} widgets; {} reachable from incomingCall (starting at `{entry}`) and all can run",
                    flow.widgets().len(),
                    voice.len()
                )
            } else {
                format!(
                    "{name}: {errors} problem(s) in widgets a voice call can reach; callflow cannot run this flow until they are fixed",
                )
            });
            Ok(CheckReport { lines, ok })
        }
    }
}
