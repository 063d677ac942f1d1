//! `/v1/Services/{ServiceSid}/Maps[/{Sid}[/Items[/{Key}]]]`.

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

/// Twilio documents keys of up to 320 characters.
const MAX_KEY_CHARS: usize = 320;

pub fn routes() -> Router<Shared> {
    Router::new()
        .merge(super::objects::routes(Kind::Map))
        .route(
            "/v1/Services/{service}/Maps/{id}/Items",
            get(list_items).post(create_item),
        )
        .route(
            "/v1/Services/{service}/Maps/{id}/Items/{key}",
            get(fetch_item).post(update_item).delete(remove_item),
        )
}

fn check_key(key: &str) -> Result<(), SyncError> {
    let n = key.chars().count();
    if n == 0 || n > MAX_KEY_CHARS {
        return Err(SyncError::InvalidItemKey(format!(
            "the key must be 1 to {MAX_KEY_CHARS} characters long"
        )));
    }
    Ok(())
}

async fn create_item(
    State(st): State<Shared>,
    Base(base): Base,
    Ids((service, id)): Ids<(String, String)>,
    Form(p): Form,
) -> Result<Response, SyncError> {
    let key = p.required("Key")?.to_owned();
    check_key(&key)?;
    p.required("Data")?;
    let w = common::item_write(&p, None)?;
    common::create_item(st, &base, service, id, ItemKind::Map, Some(key), w).await
}

async fn fetch_item(
    State(st): State<Shared>,
    Base(base): Base,
    Ids((service, id, key)): Ids<(String, String, String)>,
) -> Result<Response, SyncError> {
    common::fetch_item(st, &base, service, id, ItemKind::Map, ItemKey::Key(key)).await
}

async fn update_item(
    State(st): State<Shared>,
    Base(base): Base,
    Ids((service, id, key)): Ids<(String, String, String)>,
    headers: HeaderMap,
    Form(p): Form,
) -> Result<Response, SyncError> {
    let w = common::item_write(&p, if_match(&headers)?)?;
    common::update_item(st, &base, service, id, ItemKind::Map, ItemKey::Key(key), w).await
}

async fn remove_item(
    State(st): State<Shared>,
    Ids((service, id, key)): Ids<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, SyncError> {
    let m = if_match(&headers)?;
    common::delete_item(st, service, id, ItemKind::Map, ItemKey::Key(key), m).await
}

async fn list_items(
    State(st): State<Shared>,
    Base(base): Base,
    Ids((service, id)): Ids<(String, String)>,
    Query(p): Query,
) -> Result<Response, SyncError> {
    common::list_items(st, &base, service, id, ItemKind::Map, &p).await
}
