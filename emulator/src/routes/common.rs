//! Handlers shared by the four object kinds and by both item kinds. Each runs one store
//! call inside the named service ([`AppState::write_in`](crate::state::AppState::write_in)).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::extract::Params;
use super::paging::{KeyType, Paging};
use super::render;
use crate::error::SyncError;
use crate::state::Shared;
use crate::store::items::{self, ItemKey, ItemKind, ItemWrite};
use crate::store::objects::{self, Kind, NewObject, ObjectRow, ObjectUpdate};

pub async fn fetch_object(
    st: Shared,
    base: &str,
    service: String,
    kind: Kind,
    id: String,
) -> Result<Response, SyncError> {
    let row = st
        .read_in(service, move |s| {
            let row = s.object(kind, &id)?;
            s.ctx.read(&row.sid)?;
            Ok(row)
        })
        .await?;
    let rev = (kind != Kind::Stream).then_some(row.revision);
    Ok(render::respond(
        StatusCode::OK,
        render::object(base, &st.account_sid, &row),
        rev,
    ))
}

pub async fn delete_object(
    st: Shared,
    service: String,
    kind: Kind,
    id: String,
    if_match: Option<String>,
) -> Result<Response, SyncError> {
    st.write_in(service, move |s| {
        objects::delete(s.conn, &s.ctx, &s.sid, kind, &id, if_match.as_deref())
    })
    .await?;
    Ok(no_content())
}

pub fn no_content() -> Response {
    axum::response::IntoResponse::into_response(StatusCode::NO_CONTENT)
}

pub async fn list_objects(
    st: Shared,
    base: &str,
    service: String,
    kind: Kind,
    params: &Params,
) -> Result<Response, SyncError> {
    let paging = Paging::parse(params)?;
    let q = paging.query.clone();
    let (svc, rows, more) = st
        .read_in(service, move |s| {
            let (rows, more) = objects::page(s.conn, &s.sid, kind, &q, s.ctx.now)?;
            Ok((s.sid.clone(), rows, more))
        })
        .await?;
    let key = kind.collection().to_ascii_lowercase();
    let url = render::collection_url(base, &svc, kind);
    let meta = paging.meta(
        &url,
        &key,
        more,
        rows.first().map(|r| rusqlite::types::Value::Integer(r.seq)),
        rows.last().map(|r| rusqlite::types::Value::Integer(r.seq)),
    );
    let list: Vec<_> = rows
        .iter()
        .map(|r| render::object(base, &st.account_sid, r))
        .collect();
    let mut body = json!({ "meta": meta });
    body[key] = serde_json::Value::Array(list);
    Ok(render::respond(StatusCode::OK, body, None))
}

/// The write parameters every item create/update accepts. `ItemTtl` wins over its alias
/// `Ttl`.
pub fn item_write(p: &Params, if_match: Option<String>) -> Result<ItemWrite, SyncError> {
    Ok(ItemWrite {
        if_match,
        data: p.json_data(super::extract::MAX_DATA)?,
        item_ttl: p.ttl_of(&["ItemTtl", "Ttl"])?,
        collection_ttl: p.ttl("CollectionTtl")?,
    })
}

/// What an item write does: create (under a Map key; a List assigns the index) or update.
pub enum ItemTarget {
    New(Option<String>),
    Existing(ItemKey),
}

pub async fn write_item(
    st: Shared,
    base: &str,
    service: String,
    parent_id: String,
    kind: ItemKind,
    target: ItemTarget,
    w: ItemWrite,
) -> Result<Response, SyncError> {
    let expiries = [w.item_ttl, w.collection_ttl];
    let status = match target {
        ItemTarget::New(_) => StatusCode::CREATED,
        ItemTarget::Existing(_) => StatusCode::OK,
    };
    let (parent, row) = st
        .write_in(service, move |s| {
            let parent = s.object(kind.parent_kind(), &parent_id)?;
            let row = match target {
                ItemTarget::New(key) => items::create(s.conn, &s.ctx, &parent, kind, key, w)?,
                ItemTarget::Existing(key) => items::update(s.conn, &s.ctx, &parent, kind, &key, w)?,
            };
            Ok((parent, row))
        })
        .await?;
    if expiries.iter().any(|t| t.is_some_and(|t| t > 0)) {
        st.wake_purge();
    }
    Ok(render::respond(
        status,
        render::item(base, &st.account_sid, &parent, kind, &row),
        Some(row.revision),
    ))
}

pub async fn fetch_item(
    st: Shared,
    base: &str,
    service: String,
    parent_id: String,
    kind: ItemKind,
    key: ItemKey,
) -> Result<Response, SyncError> {
    let (parent, row) = st
        .read_in(service, move |s| {
            let parent = s.object(kind.parent_kind(), &parent_id)?;
            s.ctx.read(&parent.sid)?;
            let row = items::get(s.conn, &parent, kind, &key, s.ctx.now)?;
            Ok((parent, row))
        })
        .await?;
    Ok(render::respond(
        StatusCode::OK,
        render::item(base, &st.account_sid, &parent, kind, &row),
        Some(row.revision),
    ))
}

pub async fn delete_item(
    st: Shared,
    service: String,
    parent_id: String,
    kind: ItemKind,
    key: ItemKey,
    if_match: Option<String>,
) -> Result<Response, SyncError> {
    st.write_in(service, move |s| {
        let parent = s.object(kind.parent_kind(), &parent_id)?;
        items::delete(s.conn, &s.ctx, &parent, kind, &key, if_match.as_deref())
    })
    .await?;
    Ok(no_content())
}

pub async fn list_items(
    st: Shared,
    base: &str,
    service: String,
    parent_id: String,
    kind: ItemKind,
    params: &Params,
) -> Result<Response, SyncError> {
    let key_type = match kind {
        ItemKind::Map => KeyType::Text,
        ItemKind::List => KeyType::Integer,
    };
    let paging = Paging::parse_items(params, key_type)?;
    let q = paging.query.clone();
    let (parent, rows, more) = st
        .read_in(service, move |s| {
            let parent = s.object(kind.parent_kind(), &parent_id)?;
            s.ctx.read(&parent.sid)?;
            let (rows, more) = items::page(s.conn, &parent, kind, &q, s.ctx.now)?;
            Ok((parent, rows, more))
        })
        .await?;
    let meta = paging.meta(
        &render::items_url(base, &parent),
        "items",
        more,
        rows.first().map(|r| r.key.to_value()),
        rows.last().map(|r| r.key.to_value()),
    );
    let list: Vec<_> = rows
        .iter()
        .map(|r| render::item(base, &st.account_sid, &parent, kind, r))
        .collect();
    Ok(render::respond(
        StatusCode::OK,
        json!({ "items": list, "meta": meta }),
        None,
    ))
}

/// Create and update of a collection share this: `CollectionTtl` wins over its alias `Ttl`.
pub fn collection_ttl(p: &Params) -> Result<Option<u32>, SyncError> {
    p.ttl_of(&["CollectionTtl", "Ttl"])
}

pub async fn create_object(
    st: Shared,
    base: &str,
    service: String,
    kind: Kind,
    new: NewObject,
) -> Result<Response, SyncError> {
    let row = st
        .write_in(service, move |s| {
            objects::create(s.conn, &s.ctx, &s.sid, kind, new)
        })
        .await?;
    Ok(written_object(&st, base, StatusCode::CREATED, &row))
}

pub async fn update_object(
    st: Shared,
    base: &str,
    service: String,
    kind: Kind,
    id: String,
    upd: ObjectUpdate,
) -> Result<Response, SyncError> {
    let row = st
        .write_in(service, move |s| {
            objects::update(s.conn, &s.ctx, &s.sid, kind, &id, upd)
        })
        .await?;
    Ok(written_object(&st, base, StatusCode::OK, &row))
}

/// The answer to an object create or update; the purge task hears of a new expiry.
fn written_object(st: &Shared, base: &str, status: StatusCode, row: &ObjectRow) -> Response {
    st.note_expiry(row.date_expires);
    let rev = (row.kind != Kind::Stream).then_some(row.revision);
    render::respond(status, render::object(base, &st.account_sid, row), rev)
}
