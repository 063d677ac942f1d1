//! `/v1/Services/{ServiceSid}/{Maps|Lists}/{Sid}/Items[/{Key|Index}]`: the item routes
//! both kinds share. They differ in how an item is named: a Map item by a `Key` the
//! create gives (1 to 320 characters), a List item by the index Sync assigns on create
//! (a path index that is not a non-negative integer names no item).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;

use super::common::{self, ItemTarget};
use super::extract::{if_match, Base, Form, Ids, Params, Query};
use crate::error::SyncError;
use crate::state::Shared;
use crate::store::items::{ItemKey, ItemKind};

/// Twilio documents keys of up to 320 characters.
const MAX_KEY_CHARS: usize = 320;

/// Create, list, fetch, update and delete for items of `kind`, beside the object routes
/// of their Maps or Lists.
pub fn routes(kind: ItemKind) -> Router<Shared> {
    let parent = kind.parent_kind();
    let plural = parent.collection();
    Router::new()
        .merge(super::objects::routes(parent))
        .route(
            &format!("/v1/Services/{{service}}/{plural}/{{id}}/Items"),
            get(
                move |State(st): State<Shared>,
                      Base(base): Base,
                      Ids((service, id)): Ids<(String, String)>,
                      Query(p): Query| async move {
                    common::list_items(st, &base, service, id, kind, &p).await
                },
            )
            .post(
                move |State(st): State<Shared>,
                      Base(base): Base,
                      Ids((service, id)): Ids<(String, String)>,
                      Form(p): Form| async move {
                    let key = new_key(kind, &p)?;
                    p.required("Data")?;
                    let w = common::item_write(&p, None)?;
                    let target = ItemTarget::New(key);
                    common::write_item(st, &base, service, id, kind, target, w).await
                },
            ),
        )
        .route(
            &format!("/v1/Services/{{service}}/{plural}/{{id}}/Items/{{key}}"),
            get(
                move |State(st): State<Shared>,
                      Base(base): Base,
                      Ids((service, id, raw)): Ids<(String, String, String)>| async move {
                    let key = item_key(kind, &service, &id, raw)?;
                    common::fetch_item(st, &base, service, id, kind, key).await
                },
            )
            .post(
                move |State(st): State<Shared>,
                      Base(base): Base,
                      Ids((service, id, raw)): Ids<(String, String, String)>,
                      headers: HeaderMap,
                      Form(p): Form| async move {
                    let key = item_key(kind, &service, &id, raw)?;
                    let w = common::item_write(&p, if_match(&headers)?)?;
                    let target = ItemTarget::Existing(key);
                    common::write_item(st, &base, service, id, kind, target, w).await
                },
            )
            .delete(
                move |State(st): State<Shared>,
                      Ids((service, id, raw)): Ids<(String, String, String)>,
                      headers: HeaderMap| async move {
                    let key = item_key(kind, &service, &id, raw)?;
                    let m = if_match(&headers)?;
                    common::delete_item(st, service, id, kind, key, m).await
                },
            ),
        )
}

/// The key a create names: a Map's required `Key`; a List assigns the index itself.
fn new_key(kind: ItemKind, p: &Params) -> Result<Option<String>, SyncError> {
    match kind {
        ItemKind::Map => {
            let key = p.required("Key")?;
            let n = key.chars().count();
            if n == 0 || n > MAX_KEY_CHARS {
                return Err(SyncError::InvalidItemKey(format!(
                    "the key must be 1 to {MAX_KEY_CHARS} characters long"
                )));
            }
            Ok(Some(key.to_owned()))
        }
        ItemKind::List => Ok(None),
    }
}

/// The item a path segment names.
fn item_key(kind: ItemKind, service: &str, id: &str, raw: String) -> Result<ItemKey, SyncError> {
    match kind {
        ItemKind::Map => Ok(ItemKey::Key(raw)),
        ItemKind::List => match raw.parse::<i64>() {
            Ok(i) if i >= 0 => Ok(ItemKey::Index(i)),
            _ => Err(SyncError::NotFound(format!(
                "/Services/{service}/Lists/{id}/Items/{raw}"
            ))),
        },
    }
}
