//! `/v1/Services/{ServiceSid}/Lists[/{Sid}[/Items[/{Index}]]]`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::common;
use super::extract::{if_match, Base, Form, Ids, Query};
use crate::error::SyncError;
use crate::state::Shared;
use crate::store::items::{ItemKey, ItemKind};
use crate::store::objects::Kind;

pub fn routes() -> Router<Shared> {
    Router::new()
        .merge(super::objects::routes(Kind::List))
        .route(
            "/v1/Services/{service}/Lists/{id}/Items",
            get(list_items).post(create_item),
        )
        .route(
            "/v1/Services/{service}/Lists/{id}/Items/{index}",
            get(fetch_item).post(update_item).delete(remove_item),
        )
}

/// A path index that is not a non-negative integer names no item.
fn index(service: &str, id: &str, raw: &str) -> Result<ItemKey, SyncError> {
    match raw.parse::<i64>() {
        Ok(i) if i >= 0 => Ok(ItemKey::Index(i)),
        _ => Err(SyncError::NotFound(format!(
            "/Services/{service}/Lists/{id}/Items/{raw}"
        ))),
    }
}

async fn create_item(
    State(st): State<Shared>,
    Base(base): Base,
    Ids((service, id)): Ids<(String, String)>,
    Form(p): Form,
) -> Result<Response, SyncError> {
    p.required("Data")?;
    let w = common::item_write(&p, None)?;
    common::create_item(st, &base, service, id, ItemKind::List, None, w).await
}

async fn fetch_item(
    State(st): State<Shared>,
    Base(base): Base,
    Ids((service, id, raw)): Ids<(String, String, String)>,
) -> Result<Response, SyncError> {
    let key = index(&service, &id, &raw)?;
    common::fetch_item(st, &base, service, id, ItemKind::List, key).await
}

async fn update_item(
    State(st): State<Shared>,
    Base(base): Base,
    Ids((service, id, raw)): Ids<(String, String, String)>,
    headers: HeaderMap,
    Form(p): Form,
) -> Result<Response, SyncError> {
    let key = index(&service, &id, &raw)?;
    let w = common::item_write(&p, if_match(&headers)?)?;
    common::update_item(st, &base, service, id, ItemKind::List, key, w).await
}

async fn remove_item(
    State(st): State<Shared>,
    Ids((service, id, raw)): Ids<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, SyncError> {
    let key = index(&service, &id, &raw)?;
    let m = if_match(&headers)?;
    common::delete_item(st, service, id, ItemKind::List, key, m).await
}

async fn list_items(
    State(st): State<Shared>,
    Base(base): Base,
    Ids((service, id)): Ids<(String, String)>,
    Query(p): Query,
) -> Result<Response, SyncError> {
    common::list_items(st, &base, service, id, ItemKind::List, &p).await
}
