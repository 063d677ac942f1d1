//! `callflow flow pull` and `callflow flow push`: a Studio flow fetched from, or sent to,
//! Studio's Flows API (`/v2/Flows`) at Twilio or any server that speaks it (`callflow
//! serve` and `sync-emulator` do).
//!
//! `pull` writes the definition as the Console exports it (its keys in the Console's
//! order, two-space indents), so a pulled file diffs cleanly against an export. `push`
//! reads an export or a Flows API resource, runs `callflow flow check`'s checks and
//! refuses a flow callflow cannot run (unless `--force`), then creates the flow, or
//! updates it with a commit message (a new revision). Twilio's refusals are explained in
//! a line: bad credentials (401), an unknown flow (404), an invalid definition (400, each
//! problem with the widget it is about).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use callflow::config::var;
use callflow::studio::definition;
use serde_json::{Map, Value};

use crate::credentials::{self, Credentials};
use crate::flow_file;
use crate::rest::{Refusal, Rest};

/// Studio's API at Twilio.
pub const DEFAULT_URL: &str = "https://studio.twilio.com";

/// Where the Flows API is and who calls it.
#[derive(Debug, Clone, clap::Args)]
pub struct Endpoint {
    /// Base URL of Studio's API (Twilio's, or `callflow serve`'s / `sync-emulator`'s)
    #[arg(long, env = "TWILIO_STUDIO_URL", default_value = DEFAULT_URL)]
    pub api_url: String,
    /// Account SID (AC…) [default: the pair `callflow serve` keeps in ./.callflow/dev-credentials]
    #[arg(long, env = var::TWILIO_ACCOUNT_SID)]
    pub account_sid: Option<String>,
    /// Auth token of --account-sid
    #[arg(long, env = var::TWILIO_AUTH_TOKEN, hide_env_values = true)]
    pub auth_token: Option<String>,
}

/// The flags of `callflow flow pull`.
#[derive(Debug, Clone, clap::Args)]
pub struct PullArgs {
    /// The flow's SID (FW…)
    pub sid: String,
    /// Write here instead of to stdout
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Write the whole Flows API resource (sid, friendly_name, revision, …), not only the
    /// definition
    #[arg(long)]
    pub resource: bool,
    /// A revision: its number, LatestPublished or LatestRevision [default: the latest]
    #[arg(long)]
    pub revision: Option<String>,
    /// Where the Flows API is and the credentials for it.
    #[command(flatten)]
    pub endpoint: Endpoint,
}

/// The flags of `callflow flow push`.
#[derive(Debug, Clone, clap::Args)]
pub struct PushArgs {
    /// The Studio flow file: a Console export or a Flows API resource
    pub file: PathBuf,
    /// Update this flow (FW…) with a new revision [default: create a new flow]
    #[arg(long)]
    pub sid: Option<String>,
    /// Publish the revision (Status=published) [default: a draft]
    #[arg(long)]
    pub publish: bool,
    /// The revision's commit message
    #[arg(long, short)]
    pub message: Option<String>,
    /// The flow's friendly name [default: the resource's, else the file's name]
    #[arg(long)]
    pub name: Option<String>,
    /// Push even when `callflow flow check` finds problems
    #[arg(long)]
    pub force: bool,
    /// Where the Flows API is and the credentials for it.
    #[command(flatten)]
    pub endpoint: Endpoint,
}

/// A Flows API client.
struct Studio {
    rest: Rest,
    base: String,
    credentials: Credentials,
}

impl Studio {
    fn new(endpoint: &Endpoint) -> anyhow::Result<Studio> {
        let credentials = credentials::for_client(
            endpoint.account_sid.clone(),
            endpoint.auth_token.clone(),
            true,
        )?;
        Ok(Studio {
            rest: Rest::new(&credentials.account_sid, &credentials.auth_token)?,
            base: endpoint.api_url.trim_end_matches('/').to_owned(),
            credentials,
        })
    }

    /// Sends a request and returns its JSON body, or Twilio's error explained.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        context: &Context<'_>,
    ) -> anyhow::Result<Value> {
        let base = format!("Studio's API at {}", self.base);
        match self.rest.send(request, &base).await? {
            Ok(body) => Ok(body),
            Err(refusal) => bail!(
                "{}",
                explain(&refusal, &self.base, &self.credentials.account_sid, context)
            ),
        }
    }
}

/// What a request was about, for explaining its failure.
struct Context<'a> {
    sid: Option<&'a str>,
    revision: Option<&'a str>,
    /// The definition sent, to name the widget of each problem.
    definition: Option<&'a Value>,
}

/// Twilio's refusal in a line (an invalid definition: a line per problem).
fn explain(refusal: &Refusal, base: &str, account: &str, cx: &Context<'_>) -> String {
    let (status, body) = (refusal.status, &refusal.body);
    let said = refusal.said();
    match status {
        401 => format!(
            "Studio at {base} refused the credentials of account {account} ({said}); set \
             TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or --account-sid and --auth-token) to \
             the account's SID and auth token"
        ),
        404 => match (cx.sid, cx.revision) {
            (Some(sid), Some(revision)) => format!(
                "flow {sid} has no revision {revision} at {base}, or there is no such flow ({said})"
            ),
            (Some(sid), None) => format!(
                "there is no flow {sid} in account {account} at {base} ({said}); check the SID \
                 (FW…) and the account"
            ),
            _ => format!("{base} has no Studio Flows API ({said}); check --api-url"),
        },
        400 => {
            let errors = body
                .pointer("/details/errors")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if errors.is_empty() {
                return format!("Studio at {base} refused the request ({said})");
            }
            let mut text = format!(
                "Studio at {base} refused the flow definition ({said}), {} problem(s):",
                errors.len()
            );
            for e in &errors {
                let path = e
                    .get("property_path")
                    .and_then(Value::as_str)
                    .unwrap_or("#");
                let what = e.get("message").and_then(Value::as_str).unwrap_or("");
                let widget = cx
                    .definition
                    .and_then(|d| widget_of(d, path))
                    .map(|name| format!(" (widget `{name}`)"))
                    .unwrap_or_default();
                text.push_str(&format!("\n  {path}{widget}: {what}"));
            }
            text
        }
        _ => format!("Studio at {base} answered {said}"),
    }
}

/// The name of the widget a `#/states/N/…` property path is about.
fn widget_of<'a>(definition: &'a Value, path: &str) -> Option<&'a str> {
    let index: usize = path
        .strip_prefix("#/states/")?
        .split('/')
        .next()?
        .parse()
        .ok()?;
    definition.get("states")?.get(index)?.get("name")?.as_str()
}

/// `callflow flow pull`.
pub async fn pull(args: PullArgs) -> anyhow::Result<()> {
    let studio = Studio::new(&args.endpoint)?;
    let sid = args.sid.as_str();
    let url = match &args.revision {
        Some(r) => format!("{}/v2/Flows/{sid}/Revisions/{r}", studio.base),
        None => format!("{}/v2/Flows/{sid}", studio.base),
    };
    let cx = Context {
        sid: Some(sid),
        revision: args.revision.as_deref(),
        definition: None,
    };
    let resource = studio.send(studio.rest.http.get(&url), &cx).await?;
    let text = if args.resource {
        console_json(&resource, Shape::Resource)
    } else {
        let definition = resource
            .get("definition")
            .filter(|d| d.is_object())
            .with_context(|| format!("{url} answered without a `definition` object"))?;
        console_json(definition, Shape::Definition)
    };
    let revision = resource
        .get("revision")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    match &args.output {
        Some(path) => {
            std::fs::write(path, &text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            say(&format!(
                "{sid} revision {revision} ({}) written to {}",
                resource
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("?"),
                path.display()
            ))?;
        }
        None => say(text.trim_end())?,
    }
    Ok(())
}

/// `callflow flow push`.
pub async fn push(args: PushArgs) -> anyhow::Result<()> {
    let path = args.file.as_path();
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read flow file {}", path.display()))?;
    if !definition::looks_like_studio(&text) {
        bail!(
            "{} is not a Studio flow (JSON); only Studio flows can be pushed to Studio",
            path.display()
        );
    }
    let (definition, resource) = read_definition(path, &text)?;
    let report = match flow_file::check(path) {
        Ok(report) => report,
        Err(e) => flow_file::CheckReport {
            lines: vec![format!("{e:#}")],
            ok: false,
        },
    };
    if !report.ok && !args.force {
        bail!(
            "{} has problems; not pushed (--force pushes it anyway):\n{}",
            path.display(),
            report.lines.join("\n")
        );
    }
    let studio = Studio::new(&args.endpoint)?;
    let name = args
        .name
        .clone()
        .or(resource.friendly_name.clone())
        .or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()));
    let status = if args.publish { "published" } else { "draft" };
    let definition_text = serde_json::to_string(&definition).context("encoding the definition")?;
    let mut form: Vec<(&str, String)> = vec![
        ("Status", status.to_owned()),
        ("Definition", definition_text),
    ];
    if let Some(m) = &args.message {
        form.push(("CommitMessage", m.clone()));
    }
    let (url, verb) = match &args.sid {
        Some(sid) => {
            // An update renames the flow only when asked to.
            if let Some(n) = args.name.clone().or(resource.friendly_name.clone()) {
                form.push(("FriendlyName", n));
            }
            (format!("{}/v2/Flows/{sid}", studio.base), "updated")
        }
        None => {
            form.push((
                "FriendlyName",
                name.unwrap_or_else(|| "callflow".to_owned()),
            ));
            (format!("{}/v2/Flows", studio.base), "created")
        }
    };
    let cx = Context {
        sid: args.sid.as_deref(),
        revision: None,
        definition: Some(&definition),
    };
    let answer = studio
        .send(studio.rest.http.post(&url).form(&form), &cx)
        .await?;
    let sid = answer.get("sid").and_then(Value::as_str).unwrap_or("?");
    let revision = answer.get("revision").and_then(Value::as_i64).unwrap_or(0);
    let status = answer.get("status").and_then(Value::as_str).unwrap_or("?");
    say(&format!("{verb} {sid} revision {revision} ({status})"))?;
    if answer.get("valid") == Some(&Value::Bool(false)) {
        say(&format!(
            "warning: Studio says the definition is not valid: {}",
            answer["errors"]
        ))?;
    }
    Ok(())
}

/// A line on stdout; a closed stdout is an error `main` ends quietly on.
fn say(line: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    writeln!(std::io::stdout().lock(), "{line}").context("cannot write to stdout")
}

/// The definition in a Console export or a Flows API resource, checked against the
/// flow-definition schema (each problem as `file:line:col`).
fn read_definition(path: &Path, text: &str) -> anyhow::Result<(Value, definition::Resource)> {
    let (_, resource) = definition::parse(text).map_err(|problems| {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| format!("{}:{p}", path.display()))
            .collect();
        anyhow::anyhow!("Studio flow is invalid:\n{}", lines.join("\n"))
    })?;
    let mut value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .with_context(|| format!("{} is not JSON", path.display()))?;
    // A Flows API resource holds the definition; an export is one.
    let is_resource =
        value.get("states").is_none() && value.get("definition").is_some_and(Value::is_object);
    let definition = if is_resource {
        value["definition"].take()
    } else {
        value
    };
    Ok((definition, resource))
}

/// What a JSON document is, for the key order it is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Resource,
    Definition,
    States,
    State,
    Transitions,
    Transition,
    Conditions,
    Condition,
    Other,
}

impl Shape {
    /// The keys the Console writes first, in its order; the rest follow sorted.
    fn order(self) -> &'static [&'static str] {
        match self {
            Shape::Resource => &["sid", "friendly_name", "status", "revision", "definition"],
            Shape::Definition => &["description", "states", "initial_state", "flags"],
            Shape::State => &["name", "type", "transitions", "properties"],
            Shape::Transition => &["event", "next", "conditions"],
            Shape::Condition => &["friendly_name", "arguments", "type", "value"],
            _ => &[],
        }
    }

    fn child(self, key: &str) -> Shape {
        match (self, key) {
            (Shape::Resource, "definition") => Shape::Definition,
            (Shape::Definition, "states") => Shape::States,
            (Shape::State, "transitions") => Shape::Transitions,
            (Shape::Transition, "conditions") => Shape::Conditions,
            _ => Shape::Other,
        }
    }

    fn element(self) -> Shape {
        match self {
            Shape::States => Shape::State,
            Shape::Transitions => Shape::Transition,
            Shape::Conditions => Shape::Condition,
            _ => Shape::Other,
        }
    }
}

/// `value` pretty-printed as the Studio Console exports a flow, with a final newline.
fn console_json(value: &Value, shape: Shape) -> String {
    let mut out = String::new();
    write_json(&mut out, value, 0, shape);
    out.push('\n');
    out
}

fn write_json(out: &mut String, value: &Value, indent: usize, shape: Shape) {
    let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n(' ', n));
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            let keys = ordered_keys(map, shape.order());
            for (i, key) in keys.iter().enumerate() {
                pad(out, indent + 2);
                out.push_str(&Value::String((*key).clone()).to_string());
                out.push_str(": ");
                write_json(out, &map[*key], indent + 2, shape.child(key));
                if i + 1 < keys.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(out, indent);
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                pad(out, indent + 2);
                write_json(out, item, indent + 2, shape.element());
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(out, indent);
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn ordered_keys<'a>(map: &'a Map<String, Value>, first: &[&str]) -> Vec<&'a String> {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by_key(|k| {
        (
            first
                .iter()
                .position(|f| *f == k.as_str())
                .unwrap_or(first.len()),
            k.as_str(),
        )
    });
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn definitions_are_written_in_the_consoles_order() {
        let d = json!({
            "initial_state": "Trigger",
            "states": [{"properties": {}, "transitions": [{"next": "b", "event": "incomingCall"}], "type": "trigger", "name": "Trigger"}],
            "description": "d",
        });
        let text = console_json(&d, Shape::Definition);
        let at = |s: &str| text.find(s).unwrap_or(usize::MAX);
        assert!(at("description") < at("states") && at("states") < at("initial_state"));
        assert!(at("\"name\"") < at("\"type\"") && at("\"type\"") < at("transitions"));
        assert!(at("\"event\"") < at("\"next\""));
        assert!(text.contains("\"properties\": {}"));
        assert_eq!(serde_json::from_str::<Value>(&text).expect("JSON"), d);
    }

    #[test]
    fn refusals_are_explained() {
        let cx = Context {
            sid: Some("FWx"),
            revision: None,
            definition: Some(&json!({"states": [{"name": "Trigger"}, {"name": "hi"}]})),
        };
        let body = json!({"code": 20001, "message": "Invalid Flow Definition", "status": 400,
            "details": {"errors": [{"message": "Transition to unknown widget 'x'", "property_path": "#/states/1/transitions/0/next"}]}});
        let text = explain(&Refusal { status: 400, body }, "http://h", "AC1", &cx);
        assert!(
            text.contains(
                "#/states/1/transitions/0/next (widget `hi`): Transition to unknown widget 'x'"
            ),
            "{text}"
        );
        let text = explain(
            &Refusal {
                status: 404,
                body: json!({"code": 20404, "message": "nope"}),
            },
            "http://h",
            "AC1",
            &cx,
        );
        assert!(
            text.starts_with("there is no flow FWx in account AC1") && !text.contains('\n'),
            "{text}"
        );
        let text = explain(
            &Refusal {
                status: 401,
                body: json!({"code": 20003}),
            },
            "http://h",
            "AC1",
            &cx,
        );
        assert!(text.contains("TWILIO_AUTH_TOKEN"), "{text}");
    }
}
