//! The call flow as data: named stages, their prompts, what input moves the call where.
//!
//! A flow is read from TOML (the bundled example is `flows/support.toml`, compiled in),
//! validated whole at start ([`Flow::parse`] returns every problem at once), and then
//! consulted by the call-state store: [`Flow::advance`] decides where an input takes the
//! call, [`Flow::render`] turns a stage into the TwiML the caller hears.
//!
//! Layout: `definition` holds the typed flow (a stage's kind is an enum the compiler
//! checks), `callback` the `?event=` of the callbacks a stage asks for, `toml` the file format and each stage's own checks, `validate` the
//! whole-flow checks (references, reachability, endings), `locate` the file positions
//! of their problems, `engine` the transitions,
//! `render` the TwiML, `graph` the flow as nodes and edges (drawn by `callflow flow
//! graph` and the dashboard).

mod callback;
mod definition;
mod engine;
mod graph;
mod locate;
mod render;
mod toml;
mod validate;

pub use callback::CallbackEvent;
pub use definition::{
    ConnectStage, ConnectTarget, DialStage, DialTarget, End, Flow, GatherSpec, GatherStage,
    RecordStage, RetrySpec, Stage, StageKind,
};
pub use engine::{Input, Outcome, Step};
pub use graph::{Edge as GraphEdge, EdgeKind, FlowGraph, Node as GraphNode};
pub use validate::FlowError;

/// The example support menu that ships with callflow, used when `CALLFLOW_FLOW` is unset.
pub const EXAMPLE_FLOW: &str = include_str!("../../flows/support.toml");

impl Flow {
    /// Parses and validates a flow definition (TOML).
    pub fn parse(text: &str) -> Result<Flow, FlowError> {
        let raw: toml::FlowToml =
            ::toml::from_str(text).map_err(|e| FlowError::Syntax(e.to_string()))?;
        Flow::compile(raw)
    }

    /// The typed flow of a parsed file, with every problem of its stages and of the whole.
    fn compile(raw: toml::FlowToml) -> Result<Flow, FlowError> {
        let (flow, mut problems) = raw.compile();
        if let Err(FlowError::Invalid(more)) = flow.validate() {
            problems.extend(more);
        }
        if problems.is_empty() {
            Ok(flow)
        } else {
            Err(FlowError::Invalid(problems))
        }
    }

    /// The bundled example flow.
    pub fn example() -> Flow {
        // The example is compiled in and covered by a test, so failing here would be a
        // build defect, not a user error; still, fall back to a minimal flow rather than panic.
        Flow::parse(EXAMPLE_FLOW).unwrap_or_else(|_| Flow::minimal())
    }

    /// Parses and validates the flow file `path` whose contents are `text`: like
    /// [`Flow::parse`], with every problem prefixed by `path:line` (and `:column` for TOML
    /// errors), as compilers and editors expect.
    pub fn parse_file(path: &str, text: &str) -> Result<Flow, FlowError> {
        let raw: toml::FlowToml = ::toml::from_str(text)
            .map_err(|e| FlowError::Syntax(locate::syntax(path, text, &e)))?;
        Flow::compile(raw).map_err(|error| match error {
            FlowError::Invalid(problems) => {
                FlowError::Invalid(locate::problems(path, text, &problems))
            }
            other => other,
        })
    }

    /// Loads the flow at `path`, or the bundled example when `path` is `None`.
    pub fn load(path: Option<&std::path::Path>) -> Result<Flow, FlowError> {
        match path {
            None => Ok(Flow::example()),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| FlowError::Read {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
                Flow::parse_file(&path.display().to_string(), &text)
            }
        }
    }
}
