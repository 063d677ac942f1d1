//! Twilio Studio flows: a flow definition as Studio exports it (JSON), loaded, checked and
//! run by callflow's webhook, as `../shared/reference/studio-flows.md` describes Studio.
//!
//! # Layout
//! - `definition`: the JSON (a Console export or a Flows API resource), the flow schema's
//!   checks, and `line:col` positions for every problem.
//! - `widget`: each widget's properties, typed and checked, templates parsed once.
//! - `flow`: the compiled flow, its problems (what `callflow flow check` prints), which
//!   widget outputs some expression reads.
//! - `reads`: which parts of which widget outputs the flow's templates read.
//! - `liquid`: Studio's Liquid (Shopify-compatible, plus `to_json`), templates parsed once.
//! - `split`: the 17 operators of `split-based-on`.
//! - `execution`: one call's context, position, guards' counts and step log, as kept in
//!   its Sync document, bounded.
//! - `engine`: one webhook's run: the callback's event, the widgets that make no TwiML,
//!   then the TwiML of the next one; Studio's guards.
//! - `render`: the TwiML of each voice widget.
//! - `http`: the flow's own HTTP calls, with Studio's limits and `--http-rewrite`, and
//!   its calls to Twilio's REST API (`TWILIO_API_URL`) for `send-message` and `record-call`.
//! - `targets`: which addresses the flow's HTTP calls may reach (`CALLFLOW_HTTP_PUBLIC_ONLY`).
//! - `graph`: the flow as a [`FlowGraph`](crate::flow::FlowGraph).

pub mod definition;
pub mod engine;
pub mod execution;
pub mod flow;
mod graph;
pub mod http;
pub mod liquid;
mod reads;
mod render;
pub mod split;
pub mod targets;
pub mod widget;

pub use engine::{Arrival, Engine, Turn};
pub use execution::Execution;
pub use flow::{Problem, Severity, StudioFlow};
pub use http::{FlowHttp, Rewrite, TwilioApi};
pub use targets::Targets;

use crate::flow::FlowError;

/// The Studio flow in file `path` whose text is `text`, with its subflows from folder
/// `subflows` (default: the flow file's folder), or every problem that stops it from
/// running voice calls, each as `path:line:col: widget `name`: message`.
pub fn load_file(
    path: &str,
    text: &str,
    subflows: Option<&std::path::Path>,
) -> Result<StudioFlow, FlowError> {
    let mut flow = StudioFlow::compile(text).map_err(|problems| {
        FlowError::Invalid(problems.iter().map(|p| format!("{path}:{p}")).collect())
    })?;
    let folder = subflows
        .map(std::path::Path::to_path_buf)
        .or_else(|| {
            std::path::Path::new(path)
                .parent()
                .map(std::path::Path::to_path_buf)
        })
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    flow.attach_subflows(&folder, text);
    let errors = flow.errors();
    if errors.is_empty() {
        Ok(flow)
    } else {
        Err(FlowError::Invalid(
            errors.iter().map(|p| format!("{path}:{p}")).collect(),
        ))
    }
}

/// A Studio flow and the HTTP client its widgets share: what a process builds once.
#[derive(Debug)]
pub struct StudioRuntime {
    /// The compiled flow.
    pub flow: StudioFlow,
    /// The client its HTTP widgets share.
    pub http: FlowHttp,
}
