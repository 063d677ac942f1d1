//! Studio's Flows API (`https://studio.twilio.com/v2/Flows`): create, fetch, list, update
//! (a new revision each time), delete, the revisions, and `Validate`. A definition that
//! breaks the flow-definition schema ([`crate::studio`]) is refused with Studio's 400
//! (code 20001, `Invalid Flow Definition`, each problem in `details.errors`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use super::common::no_content;
use super::extract::{Base, FlowForm, Ids, Params, Query};
use crate::error::SyncError;
use crate::ops::paging::Paging;
use crate::ops::render::{iso, respond};
use crate::state::Shared;
use crate::store::flows::{self, FlowFields, FlowRow, Which};

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v2/Flows", get(list).post(create))
        .route("/v2/Flows/Validate", post(validate))
        .route("/v2/Flows/{sid}", get(fetch).post(update).delete(remove))
        .route("/v2/Flows/{sid}/Revisions", get(revisions))
        .route("/v2/Flows/{sid}/Revisions/{revision}", get(revision))
}

fn flow_url(base: &str, sid: &str) -> String {
    format!("{base}/v2/Flows/{sid}")
}

fn definition_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| json!({}))
}

/// A flow as Studio answers it.
fn flow(base: &str, account_sid: &str, row: &FlowRow) -> Value {
    let url = flow_url(base, &row.sid);
    json!({
        "sid": row.sid,
        "account_sid": account_sid,
        "author_sid": null,
        "friendly_name": row.friendly_name,
        "definition": definition_value(&row.definition),
        "status": row.status,
        "revision": row.revision,
        "commit_message": row.commit_message,
        "valid": true,
        "errors": [],
        "warnings": [],
        "date_created": iso(row.date_created),
        "date_updated": iso(row.date_updated),
        "webhook_url": format!("https://webhooks.twilio.com/v1/Accounts/{account_sid}/Flows/{}", row.sid),
        "url": url,
        "links": {
            "test_users": format!("{url}/TestUsers"),
            "revisions": format!("{url}/Revisions"),
            "executions": format!("{url}/Executions"),
        },
    })
}

/// One revision as Studio answers it.
fn revision_body(base: &str, account_sid: &str, row: &FlowRow) -> Value {
    json!({
        "sid": row.sid,
        "account_sid": account_sid,
        "author_sid": null,
        "friendly_name": row.friendly_name,
        "definition": definition_value(&row.definition),
        "status": row.status,
        "revision": row.revision,
        "commit_message": row.commit_message,
        "valid": true,
        "errors": [],
        "date_created": iso(row.date_created),
        "date_updated": iso(row.date_updated),
        "url": format!("{}/Revisions/{}", flow_url(base, &row.sid), row.revision),
    })
}

/// `Status`: `draft` or `published`.
fn status(p: &Params, required: bool) -> Result<Option<String>, SyncError> {
    match p.get("Status") {
        None if required => Err(SyncError::MissingParameter("Status")),
        None => Ok(None),
        Some(s @ ("draft" | "published")) => Ok(Some(s.to_owned())),
        Some(s) => Err(SyncError::InvalidParameter(format!(
            "Status must be draft or published, got {s:?}"
        ))),
    }
}

/// `Definition`, checked; the text is kept as sent.
fn definition(p: &Params, required: bool) -> Result<Option<String>, SyncError> {
    let Some(text) = p.get("Definition") else {
        return if required {
            Err(SyncError::MissingParameter("Definition"))
        } else {
            Ok(None)
        };
    };
    crate::studio::check_text(text).map_err(SyncError::InvalidFlowDefinition)?;
    Ok(Some(text.to_owned()))
}

fn friendly_name(p: &Params, required: bool) -> Result<Option<String>, SyncError> {
    match p.get("FriendlyName") {
        None if required => Err(SyncError::MissingParameter("FriendlyName")),
        Some("") => Err(SyncError::InvalidParameter(
            "FriendlyName must not be empty".to_owned(),
        )),
        v => Ok(v.map(str::to_owned)),
    }
}

fn commit_message(p: &Params) -> Option<String> {
    p.get("CommitMessage")
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
}

async fn create(
    State(st): State<Shared>,
    Base(base): Base,
    FlowForm(p): FlowForm,
) -> Result<Response, SyncError> {
    let f = FlowFields {
        friendly_name: friendly_name(&p, true)?,
        status: status(&p, true)?,
        definition: definition(&p, true)?,
        commit_message: commit_message(&p),
    };
    let now = st.clock.now_ms();
    let row = st.store.write(move |c| flows::create(c, now, f)).await?;
    Ok(respond(
        StatusCode::CREATED,
        flow(&base, &st.account_sid, &row),
        None,
    ))
}

async fn validate(FlowForm(p): FlowForm) -> Result<Response, SyncError> {
    friendly_name(&p, true)?;
    status(&p, true)?;
    definition(&p, true)?;
    Ok(respond(StatusCode::OK, json!({ "valid": true }), None))
}

async fn fetch(
    State(st): State<Shared>,
    Base(base): Base,
    Ids(sid): Ids<String>,
) -> Result<Response, SyncError> {
    let row = st.store.read(move |c| flows::get(c, &sid)).await?;
    Ok(respond(
        StatusCode::OK,
        flow(&base, &st.account_sid, &row),
        None,
    ))
}

async fn update(
    State(st): State<Shared>,
    Base(base): Base,
    Ids(sid): Ids<String>,
    FlowForm(p): FlowForm,
) -> Result<Response, SyncError> {
    let f = FlowFields {
        friendly_name: friendly_name(&p, false)?,
        status: status(&p, true)?,
        definition: definition(&p, false)?,
        commit_message: commit_message(&p),
    };
    let now = st.clock.now_ms();
    let row = st
        .store
        .write(move |c| flows::update(c, now, &sid, f))
        .await?;
    Ok(respond(
        StatusCode::OK,
        flow(&base, &st.account_sid, &row),
        None,
    ))
}

async fn remove(State(st): State<Shared>, Ids(sid): Ids<String>) -> Result<Response, SyncError> {
    st.store.write(move |c| flows::delete(c, &sid)).await?;
    Ok(no_content())
}

async fn list(
    State(st): State<Shared>,
    Base(base): Base,
    Query(p): Query,
) -> Result<Response, SyncError> {
    let paging = Paging::parse(&p)?;
    let q = paging.query.clone();
    let (rows, more) = st.store.read(move |c| flows::page(c, &q)).await?;
    let meta = paging.meta(
        &format!("{base}/v2/Flows"),
        "flows",
        more,
        rows.first().map(|r| rusqlite::types::Value::Integer(r.seq)),
        rows.last().map(|r| rusqlite::types::Value::Integer(r.seq)),
    );
    let list: Vec<_> = rows
        .iter()
        .map(|r| flow(&base, &st.account_sid, r))
        .collect();
    Ok(respond(
        StatusCode::OK,
        json!({ "flows": list, "meta": meta }),
        None,
    ))
}

async fn revisions(
    State(st): State<Shared>,
    Base(base): Base,
    Ids(sid): Ids<String>,
    Query(p): Query,
) -> Result<Response, SyncError> {
    let mut paging = Paging::parse(&p)?;
    // Newest first, as Studio lists them.
    paging.query.descending = true;
    let q = paging.query.clone();
    let flow_sid = sid.clone();
    let (rows, more) = st
        .store
        .read(move |c| flows::revisions(c, &flow_sid, &q))
        .await?;
    let meta = paging.meta(
        &format!("{}/Revisions", flow_url(&base, &sid)),
        "revisions",
        more,
        rows.first()
            .map(|r| rusqlite::types::Value::Integer(r.revision)),
        rows.last()
            .map(|r| rusqlite::types::Value::Integer(r.revision)),
    );
    let list: Vec<_> = rows
        .iter()
        .map(|r| revision_body(&base, &st.account_sid, r))
        .collect();
    Ok(respond(
        StatusCode::OK,
        json!({ "revisions": list, "meta": meta }),
        None,
    ))
}

async fn revision(
    State(st): State<Shared>,
    Base(base): Base,
    Ids((sid, which)): Ids<(String, String)>,
) -> Result<Response, SyncError> {
    let Some(parsed) = Which::parse(&which) else {
        return Err(SyncError::NotFound(format!(
            "/Flows/{sid}/Revisions/{which}"
        )));
    };
    let row = st
        .store
        .read(move |c| flows::revision(c, &sid, &parsed))
        .await?;
    Ok(respond(
        StatusCode::OK,
        revision_body(&base, &st.account_sid, &row),
        None,
    ))
}
