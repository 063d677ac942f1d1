//! `/v1/Services[/{Sid}]`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::json;

use super::common::no_content;
use super::extract::{Base, Form, Ids, Params, Query};
use crate::error::SyncError;
use crate::ops::paging::Paging;
use crate::ops::render;
use crate::state::Shared;
use crate::store::services::{self, ServiceFields};

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v1/Services", get(list).post(create))
        .route("/v1/Services/{sid}", get(fetch).post(update).delete(remove))
}

fn fields(p: &Params) -> Result<ServiceFields, SyncError> {
    let window = p.integer("ReachabilityDebouncingWindow")?;
    if let Some(w) = window {
        if !(1000..=30000).contains(&w) {
            return Err(SyncError::InvalidParameter(format!(
                "ReachabilityDebouncingWindow must be between 1000 and 30000, got {w}"
            )));
        }
    }
    Ok(ServiceFields {
        friendly_name: p.get("FriendlyName").map(str::to_owned),
        webhook_url: p.webhook_url("WebhookUrl")?,
        webhooks_from_rest_enabled: p.boolean("WebhooksFromRestEnabled")?,
        reachability_webhooks_enabled: p.boolean("ReachabilityWebhooksEnabled")?,
        acl_enabled: p.boolean("AclEnabled")?,
        reachability_debouncing_enabled: p.boolean("ReachabilityDebouncingEnabled")?,
        reachability_debouncing_window: window,
    })
}

async fn create(
    State(st): State<Shared>,
    Base(base): Base,
    Form(p): Form,
) -> Result<Response, SyncError> {
    let f = fields(&p)?;
    let now = st.clock.now_ms();
    let row = st.store.write(move |c| services::create(c, now, f)).await?;
    Ok(render::respond(
        StatusCode::CREATED,
        render::service(&base, &st.account_sid, &row),
        None,
    ))
}

async fn fetch(
    State(st): State<Shared>,
    Base(base): Base,
    Ids(sid): Ids<String>,
) -> Result<Response, SyncError> {
    let row = st.store.read(move |c| services::get(c, &sid)).await?;
    Ok(render::respond(
        StatusCode::OK,
        render::service(&base, &st.account_sid, &row),
        None,
    ))
}

async fn update(
    State(st): State<Shared>,
    Base(base): Base,
    Ids(sid): Ids<String>,
    Form(p): Form,
) -> Result<Response, SyncError> {
    let f = fields(&p)?;
    let now = st.clock.now_ms();
    let row = st
        .store
        .write(move |c| services::update(c, now, &sid, f))
        .await?;
    Ok(render::respond(
        StatusCode::OK,
        render::service(&base, &st.account_sid, &row),
        None,
    ))
}

async fn remove(State(st): State<Shared>, Ids(sid): Ids<String>) -> Result<Response, SyncError> {
    let now = st.clock.now_ms();
    st.store
        .write(move |c| services::delete(c, &sid, now))
        .await?;
    Ok(no_content())
}

async fn list(
    State(st): State<Shared>,
    Base(base): Base,
    Query(p): Query,
) -> Result<Response, SyncError> {
    let paging = Paging::parse(&p)?;
    let q = paging.query.clone();
    let (rows, more) = st.store.read(move |c| services::page(c, &q)).await?;
    let meta = paging.meta(
        &format!("{base}/v1/Services"),
        "services",
        more,
        rows.first().map(|r| rusqlite::types::Value::Integer(r.seq)),
        rows.last().map(|r| rusqlite::types::Value::Integer(r.seq)),
    );
    let list: Vec<_> = rows
        .iter()
        .map(|r| render::service(&base, &st.account_sid, r))
        .collect();
    Ok(render::respond(
        StatusCode::OK,
        json!({ "services": list, "meta": meta }),
        None,
    ))
}
