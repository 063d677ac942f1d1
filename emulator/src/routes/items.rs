//! `/v1/Services/{ServiceSid}/{Maps|Lists}/{Sid}/Items[/{Key|Index}]`: the item routes
//! both kinds share. They differ in how an item is named: a Map item by a `Key` the
//! create gives (1 to 320 characters), a List item by the index Sync assigns on create
//! (a path index that is not a non-negative integer names no item).

use axum::routing::get;
use axum::Router;

use super::common::SyncRequest;
use super::extract::{if_match, Ids, Params};
use crate::error::SyncError;
use crate::ops::paging::{KeyType, Paging};
use crate::ops::params::map_key;
use crate::ops::{Input, Operation, Target, Verb};
use crate::state::Shared;
use crate::store::items::{ItemKey, ItemKind};

/// Path segments of one item: service, Map or List, key or index.
type ItemPath = Ids<(String, String, String)>;

/// Create, list, fetch, update and delete for items of `kind`.
pub fn routes(kind: ItemKind) -> Router<Shared> {
    let parent = kind.parent_kind();
    let plural = parent.collection();
    let key_type = match kind {
        ItemKind::Map => KeyType::Text,
        ItemKind::List => KeyType::Integer,
    };
    Router::new()
        .route(
            &format!("/v1/Services/{{service}}/{plural}/{{id}}/Items"),
            get(
                move |Ids((service, id)): Ids<(String, String)>, r: SyncRequest| async move {
                    let paging = Some(Paging::parse_items(&r.params, key_type)?);
                    let input = Input {
                        paging,
                        ..Input::default()
                    };
                    let op = Operation::new(parent, Verb::List, Target::Items(id), input);
                    r.serve(service, op).await
                },
            )
            .post(
                move |Ids((service, id)): Ids<(String, String)>, r: SyncRequest| async move {
                    let target = match new_key(kind, &r.params)? {
                        Some(key) => Target::Item(id, ItemKey::Key(key)),
                        None => Target::Items(id),
                    };
                    r.params.required("Data")?;
                    let input = r.item_input(None)?;
                    r.serve(service, Operation::new(parent, Verb::Create, target, input))
                        .await
                },
            ),
        )
        .route(
            &format!("/v1/Services/{{service}}/{plural}/{{id}}/Items/{{key}}"),
            get(
                move |Ids((service, id, raw)): ItemPath, r: SyncRequest| async move {
                    let target = Target::Item(id.clone(), item_key(kind, &service, &id, raw)?);
                    let op = Operation::new(parent, Verb::Fetch, target, Input::default());
                    r.serve(service, op).await
                },
            )
            .post(
                move |Ids((service, id, raw)): ItemPath, r: SyncRequest| async move {
                    let target = Target::Item(id.clone(), item_key(kind, &service, &id, raw)?);
                    let input = r.item_input(if_match(&r.headers)?)?;
                    r.serve(service, Operation::new(parent, Verb::Update, target, input))
                        .await
                },
            )
            .delete(
                move |Ids((service, id, raw)): ItemPath, r: SyncRequest| async move {
                    let target = Target::Item(id.clone(), item_key(kind, &service, &id, raw)?);
                    let input = Input {
                        if_match: if_match(&r.headers)?,
                        ..Input::default()
                    };
                    r.serve(service, Operation::new(parent, Verb::Delete, target, input))
                        .await
                },
            ),
        )
}

/// The key a create names: a Map's required `Key`; a List assigns the index itself.
fn new_key(kind: ItemKind, p: &Params) -> Result<Option<String>, SyncError> {
    match kind {
        ItemKind::Map => map_key(p.required("Key")?).map(Some),
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
