//! The CDS API that twilio-sync.js speaks through the socket (`/v3/Documents`, `/v3/Maps`,
//! `/v3/Lists`, `/v3/Streams` and their items), served from the same store as REST v1.
//!
//! Requests arrive as twilsock `message` frames (method, path, params, headers, JSON body);
//! the service is the one the access token names. Shapes follow what the client reads
//! (`dist/syncdocument.js`, `syncmap.js`, `synclist.js`, `streams/syncstream.js`): every
//! object and item carries `last_event_id`, URLs are absolute (the client sends them back
//! as request targets), item listings page with `From` / `Order` / `PageSize` and answer
//! `meta.previous_token` / `meta.next_token`, and a map item `PUT` with `If-Match: -1`
//! only creates.

use percent_encoding::percent_decode_str;
use rusqlite::types::Value as SqlValue;
use rusqlite::Connection;
use serde_json::{json, Map, Value};

use super::acl;
use crate::error::{RevisionTarget, SyncError};
use crate::ratelimit::Op;
use crate::routes::extract::{Params, MAX_DATA, MAX_MESSAGE_DATA, MAX_TTL};
use crate::routes::paging::{encode_token, KeyType, Paging};
use crate::routes::render::{encode_component, iso};
use crate::sid::{looks_like_any_sid, new_sid, Prefix};
use crate::state::Shared;
use crate::store::events;
use crate::store::items::{self, ItemKey, ItemKind, ItemRow, ItemWrite};
use crate::store::objects::{self, revision_str, Kind, NewObject, ObjectRow, ObjectUpdate};
use crate::store::page::{Cursor, PageQuery};

/// One CDS request, as unpacked from a `message` frame.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Percent-encoded, as the client sends it (e.g. `/v3/Maps/MP…/Items/a%20b`).
    pub path: String,
    pub params: Params,
    pub if_match: Option<String>,
    pub body: Value,
    /// `https://<host the client addressed>`, the base of the URLs we answer with.
    pub base: String,
}

/// A CDS answer: HTTP status and JSON body.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Value,
}

fn ok(body: Value) -> Result<Response, SyncError> {
    Ok(Response { status: 200, body })
}

fn created(body: Value) -> Result<Response, SyncError> {
    Ok(Response { status: 201, body })
}

/// Builds [`Params`] from the frame's `params` object, whose values the client leaves
/// percent-encoded (twilsock splits the query string without decoding it).
pub fn params_from(v: Option<&Value>) -> Result<Params, SyncError> {
    let mut raw = String::new();
    if let Some(Value::Object(m)) = v {
        for (k, v) in m {
            let values: Vec<&Value> = match v {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            for v in values {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Null => continue,
                    other => other.to_string(),
                };
                if !raw.is_empty() {
                    raw.push('&');
                }
                raw.push_str(&encode_component(k));
                raw.push('=');
                // Already encoded by the client; a stray `&` or `=` would have been split.
                raw.push_str(&text);
            }
        }
    }
    Params::parse(raw.as_bytes())
}

/// Serves one request for the token's service, as the token's identity.
pub async fn dispatch(
    st: &Shared,
    service_sid: &str,
    identity: Option<&str>,
    req: Request,
) -> Result<Response, SyncError> {
    let segments = req
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| SyncError::InvalidParameter("the path must be UTF-8".into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = req.method.to_ascii_uppercase();
    let kind = match segs.get(..2) {
        Some(["v3", collection]) => Kind::from_collection(collection),
        _ => None,
    }
    .ok_or_else(|| SyncError::NotFound(req.path.clone()))?;
    let rest = &segs[2..];
    let creates_name = match (method.as_str(), rest) {
        ("POST", []) => unique_name(&req.body)?,
        _ => None,
    };
    if let Some(need) = acl::need(&method, rest, kind, creates_name) {
        let (svc, who, now) = (
            service_sid.to_owned(),
            identity.map(str::to_owned),
            st.clock.now_ms(),
        );
        st.store
            .read(move |c| acl::check(c, &svc, who.as_deref(), kind, &need, now))
            .await?;
    }
    let cx = Cx {
        st: st.clone(),
        service: service_sid.to_owned(),
        base: req.base.clone(),
    };
    match (method.as_str(), rest) {
        ("POST", []) => cx.create(kind, &req.body).await,
        ("GET", [id]) => cx.fetch(kind, id, &req.params).await,
        ("POST", [id]) => cx.update(kind, id, &req).await,
        ("DELETE", [id]) => cx.delete(kind, id).await,
        ("GET", [id, "Items"]) if kind != Kind::Document && kind != Kind::Stream => {
            cx.list_items(kind, id, &req.params).await
        }
        ("POST", [id, "Items"]) if kind == Kind::List => cx.push(id, &req.body).await,
        ("PUT", [id, "Items", key]) if kind == Kind::Map => cx.put_map_item(id, key, &req).await,
        ("POST", [id, "Items", key]) if kind != Kind::Document && kind != Kind::Stream => {
            cx.update_item(kind, id, key, &req).await
        }
        ("GET", [id, "Items", key]) if kind != Kind::Document && kind != Kind::Stream => {
            cx.fetch_item(kind, id, key).await
        }
        ("DELETE", [id, "Items", key]) if kind != Kind::Document && kind != Kind::Stream => {
            cx.delete_item(kind, id, key).await
        }
        ("POST", [id, "Messages"]) if kind == Kind::Stream => cx.publish(id, &req.body).await,
        (_, []) | (_, [_]) | (_, [_, "Items"]) | (_, [_, "Items", _]) | (_, [_, "Messages"]) => {
            Err(SyncError::MethodNotAllowed)
        }
        _ => Err(SyncError::NotFound(req.path.clone())),
    }
}

/// What every handler needs: the state, the token's service and the URL base.
struct Cx {
    st: Shared,
    service: String,
    base: String,
}

fn item_kind(kind: Kind) -> ItemKind {
    match kind {
        Kind::List => ItemKind::List,
        _ => ItemKind::Map,
    }
}

fn item_key(kind: Kind, raw: &str) -> Result<ItemKey, SyncError> {
    match kind {
        Kind::List => match raw.parse::<i64>() {
            Ok(i) if i >= 0 => Ok(ItemKey::Index(i)),
            _ => Err(SyncError::NotFound(format!("List Item {raw}"))),
        },
        _ => {
            let n = raw.chars().count();
            if n == 0 || n > 320 {
                return Err(SyncError::InvalidItemKey(
                    "the key must be 1 to 320 characters long".into(),
                ));
            }
            Ok(ItemKey::Key(raw.to_owned()))
        }
    }
}

// --- body fields -------------------------------------------------------------------

fn body_obj(body: &Value) -> Result<Option<&Map<String, Value>>, SyncError> {
    match body {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(m)),
        _ => Err(SyncError::InvalidData(
            "the request body must be a JSON object".into(),
        )),
    }
}

fn field<'a>(body: &'a Value, name: &str) -> Result<Option<&'a Value>, SyncError> {
    Ok(body_obj(body)?
        .and_then(|m| m.get(name))
        .filter(|v| !v.is_null()))
}

fn ttl(body: &Value) -> Result<Option<u32>, SyncError> {
    match field(body, "ttl")? {
        None => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if (0..=MAX_TTL).contains(&n) => Ok(u32::try_from(n).ok()),
            _ => Err(SyncError::InvalidTtl(format!(
                "ttl must be an integer between 0 and {MAX_TTL} seconds, got {v}"
            ))),
        },
    }
}

/// `data`: a JSON object of at most `limit` bytes, as JSON text.
fn data(body: &Value, limit: usize) -> Result<Option<String>, SyncError> {
    match field(body, "data")? {
        None => Ok(None),
        Some(v @ Value::Object(_)) => {
            let text = v.to_string();
            if text.len() > limit {
                return Err(SyncError::DataTooLarge(limit));
            }
            Ok(Some(text))
        }
        Some(_) => Err(SyncError::InvalidData("data must be a JSON object".into())),
    }
}

fn unique_name(body: &Value) -> Result<Option<String>, SyncError> {
    match field(body, "unique_name")? {
        None => Ok(None),
        Some(Value::String(s)) => {
            let n = s.chars().count();
            if n == 0 || n > 320 {
                return Err(SyncError::InvalidParameter(
                    "unique_name must be 1 to 320 characters long".into(),
                ));
            }
            if looks_like_any_sid(s) {
                return Err(SyncError::InvalidParameter(
                    "unique_name must not have the shape of a SID".into(),
                ));
            }
            Ok(Some(s.clone()))
        }
        Some(_) => Err(SyncError::InvalidParameter(
            "unique_name must be a string".into(),
        )),
    }
}

// --- rendering ---------------------------------------------------------------------

fn iso_opt(ms: Option<i64>) -> Value {
    ms.map(iso).unwrap_or(Value::Null)
}

fn data_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| json!({}))
}

/// `https://host/v3/Maps/MP…`.
pub fn object_url(base: &str, kind: Kind, sid: &str) -> String {
    format!("{base}/v3/{}/{sid}", kind.collection())
}

/// `https://host/v3/Maps/MP…/Items/<key>`.
pub fn item_url(base: &str, kind: Kind, sid: &str, key: &str) -> String {
    format!(
        "{}/Items/{}",
        object_url(base, kind, sid),
        encode_component(key)
    )
}

fn object_body(base: &str, row: &ObjectRow, last_event_id: i64) -> Value {
    let url = object_url(base, row.kind, &row.sid);
    let mut v = json!({
        "sid": row.sid,
        "unique_name": row.unique_name,
        "url": url,
        "date_created": iso(row.date_created),
        "date_updated": iso(row.date_updated),
        "date_expires": iso_opt(row.date_expires),
        "created_by": row.created_by,
    });
    match row.kind {
        Kind::Document => {
            v["revision"] = json!(revision_str(row.revision));
            v["last_event_id"] = json!(last_event_id);
            v["data"] = data_value(row.data.as_deref().unwrap_or("{}"));
        }
        Kind::Map | Kind::List => {
            v["revision"] = json!(revision_str(row.revision));
            v["last_event_id"] = json!(last_event_id);
            v["links"] = json!({ "items": format!("{url}/Items") });
        }
        Kind::Stream => {
            v["links"] = json!({ "messages": format!("{url}/Messages") });
        }
    }
    v
}

fn item_body(base: &str, parent: &ObjectRow, row: &ItemRow, last_event_id: i64) -> Value {
    let key = row.key.path_text();
    let mut v = json!({
        "url": item_url(base, parent.kind, &parent.sid, &key),
        "revision": revision_str(row.revision),
        "last_event_id": last_event_id,
        "data": data_value(&row.data),
        "date_created": iso(row.date_created),
        "date_updated": iso(row.date_updated),
        "date_expires": iso_opt(row.date_expires),
        "created_by": row.created_by,
    });
    match &row.key {
        ItemKey::Key(k) => v["key"] = json!(k),
        ItemKey::Index(i) => v["index"] = json!(i),
    }
    v
}

/// Items with their `last_event_id`s, read in the same transaction.
fn items_with_ids(
    conn: &Connection,
    parent: &ObjectRow,
    rows: Vec<ItemRow>,
) -> Result<Vec<(ItemRow, i64)>, SyncError> {
    rows.into_iter()
        .map(|r| {
            let id = events::item_last_id(conn, &parent.sid, &r.key)?;
            Ok((r, id))
        })
        .collect()
}

impl Cx {
    async fn create(&self, kind: Kind, body: &Value) -> Result<Response, SyncError> {
        let new = NewObject {
            unique_name: unique_name(body)?,
            data: match kind {
                Kind::Document => data(body, MAX_DATA)?,
                _ => None,
            },
            ttl: ttl(body)?,
        };
        let ctx = self.st.write_ctx();
        let svc = self.service.clone();
        let row = self
            .st
            .store
            .write(move |c| objects::create(c, &ctx, &svc, kind, new))
            .await?;
        self.st.note_expiry(row.date_expires);
        created(object_body(&self.base, &row, 0))
    }

    async fn fetch(&self, kind: Kind, id: &str, params: &Params) -> Result<Response, SyncError> {
        // Reads count against the object like REST reads (an opt-in rate limit).
        let ctx = self.st.write_ctx();
        let now = ctx.now;
        let (svc, id) = (self.service.clone(), id.to_owned());
        let include_items = kind == Kind::Map && params.get("Include") == Some("items");
        let (row, last, items) = self
            .st
            .store
            .read(move |c| {
                let row = objects::get(c, &svc, kind, &id, now)?;
                ctx.read(&row.sid)?;
                let last = events::last_id(c, &row.sid)?;
                let items = if include_items {
                    let q = PageQuery::new(Cursor::Start, 100);
                    let (rows, _) = items::page(c, &row, ItemKind::Map, &q, now)?;
                    items_with_ids(c, &row, rows)?
                } else {
                    Vec::new()
                };
                Ok((row, last, items))
            })
            .await?;
        let mut body = object_body(&self.base, &row, last);
        if include_items {
            body["items"] = Value::Array(
                items
                    .iter()
                    .map(|(r, id)| item_body(&self.base, &row, r, *id))
                    .collect(),
            );
        }
        ok(body)
    }

    async fn update(&self, kind: Kind, id: &str, req: &Request) -> Result<Response, SyncError> {
        let upd = ObjectUpdate {
            if_match: req.if_match.clone(),
            data: match kind {
                Kind::Document => data(&req.body, MAX_DATA)?,
                _ => None,
            },
            ttl: ttl(&req.body)?,
        };
        let ctx = self.st.write_ctx();
        let (svc, id) = (self.service.clone(), id.to_owned());
        let (row, last) = self
            .st
            .store
            .write(move |c| {
                let row = objects::update(c, &ctx, &svc, kind, &id, upd)?;
                Ok((row.clone(), events::last_id(c, &row.sid)?))
            })
            .await?;
        self.st.note_expiry(row.date_expires);
        ok(object_body(&self.base, &row, last))
    }

    async fn delete(&self, kind: Kind, id: &str) -> Result<Response, SyncError> {
        let ctx = self.st.write_ctx();
        let now = ctx.now;
        let (svc, id) = (self.service.clone(), id.to_owned());
        let (sid, last) = self
            .st
            .store
            .write(move |c| {
                let row = objects::get(c, &svc, kind, &id, ctx.now)?;
                objects::delete(c, &ctx, &svc, kind, &row.sid, None)?;
                Ok((row.sid.clone(), events::last_id(c, &row.sid)?))
            })
            .await?;
        ok(json!({ "sid": sid, "last_event_id": last, "date_updated": iso(now) }))
    }

    async fn list_items(
        &self,
        kind: Kind,
        id: &str,
        params: &Params,
    ) -> Result<Response, SyncError> {
        let ik = item_kind(kind);
        // Reads count against the object like REST reads (an opt-in rate limit).
        let ctx = self.st.write_ctx();
        let now = ctx.now;
        let (svc, id) = (self.service.clone(), id.to_owned());
        // One item by key (maps) or index (lists).
        let single = match kind {
            Kind::List => params.get("Index").map(|i| item_key(kind, i)),
            _ => params.get("Key").map(|k| item_key(kind, k)),
        }
        .transpose()?;
        if let Some(key) = single {
            let (parent, found) = self
                .st
                .store
                .read(move |c| {
                    let parent = objects::get(c, &svc, kind, &id, now)?;
                    ctx.read(&parent.sid)?;
                    let found = match items::get(c, &parent, ik, &key, now) {
                        Ok(r) => items_with_ids(c, &parent, vec![r])?,
                        Err(SyncError::NotFound(_)) => Vec::new(),
                        Err(e) => return Err(e),
                    };
                    Ok((parent, found))
                })
                .await?;
            let list: Vec<Value> = found
                .iter()
                .map(|(r, id)| item_body(&self.base, &parent, r, *id))
                .collect();
            return ok(json!({
                "items": list,
                "meta": { "previous_token": null, "next_token": null },
            }));
        }
        let key_type = match kind {
            Kind::List => KeyType::Integer,
            _ => KeyType::Text,
        };
        let paging = Paging::parse_items(params, key_type)?;
        let q = paging.query.clone();
        let (parent, rows, more, before) = self
            .st
            .store
            .read(move |c| {
                let parent = objects::get(c, &svc, kind, &id, now)?;
                ctx.read(&parent.sid)?;
                let (rows, more) = items::page(c, &parent, ik, &q, now)?;
                // Whether anything precedes this page, whatever bound it was read from.
                let before = match rows.first() {
                    None => false,
                    Some(first) => {
                        let probe = PageQuery {
                            cursor: Cursor::Before(first.key.to_value()),
                            size: 1,
                            descending: q.descending,
                            from: None,
                        };
                        !items::page(c, &parent, ik, &probe, now)?.0.is_empty()
                    }
                };
                let rows = items_with_ids(c, &parent, rows)?;
                Ok((parent, rows, more, before))
            })
            .await?;
        let (has_prev, has_next) = if paging.query.backwards() {
            (more, !rows.is_empty())
        } else {
            (before, more)
        };
        let token = |dir: char, key: Option<SqlValue>| key.map(|k| encode_token(dir, &k));
        let next = has_next
            .then(|| token('A', rows.last().map(|(r, _)| r.key.to_value())))
            .flatten();
        let prev = has_prev
            .then(|| token('B', rows.first().map(|(r, _)| r.key.to_value())))
            .flatten();
        let list: Vec<Value> = rows
            .iter()
            .map(|(r, id)| item_body(&self.base, &parent, r, *id))
            .collect();
        ok(json!({
            "items": list,
            "meta": {
                "previous_token": prev,
                "next_token": next,
                "page_size": paging.query.size,
            },
        }))
    }

    async fn fetch_item(&self, kind: Kind, id: &str, key: &str) -> Result<Response, SyncError> {
        let ik = item_kind(kind);
        let key = item_key(kind, key)?;
        // Reads count against the object like REST reads (an opt-in rate limit).
        let ctx = self.st.write_ctx();
        let now = ctx.now;
        let (svc, id) = (self.service.clone(), id.to_owned());
        let (parent, row, last) = self
            .st
            .store
            .read(move |c| {
                let parent = objects::get(c, &svc, kind, &id, now)?;
                ctx.read(&parent.sid)?;
                let row = items::get(c, &parent, ik, &key, now)?;
                let last = events::item_last_id(c, &parent.sid, &row.key)?;
                Ok((parent, row, last))
            })
            .await?;
        ok(item_body(&self.base, &parent, &row, last))
    }

    /// `PUT /v3/Maps/{id}/Items/{key}`: upsert; with `If-Match` a conditional update, and
    /// with `If-Match: -1` a create that fails if the key exists.
    async fn put_map_item(
        &self,
        id: &str,
        key: &str,
        req: &Request,
    ) -> Result<Response, SyncError> {
        let ItemKey::Key(key) = item_key(Kind::Map, key)? else {
            return Err(SyncError::InvalidItemKey("not a map key".into()));
        };
        let w = ItemWrite {
            if_match: None,
            data: Some(data(&req.body, MAX_DATA)?.unwrap_or_else(|| "{}".to_owned())),
            item_ttl: ttl(&req.body)?,
            collection_ttl: None,
        };
        let if_match = req.if_match.clone();
        let ctx = self.st.write_ctx();
        let (svc, id) = (self.service.clone(), id.to_owned());
        let wants_expiry = w.item_ttl.is_some_and(|t| t > 0);
        let (parent, row, added, last) = self
            .st
            .store
            .write(move |c| {
                let parent = objects::get(c, &svc, Kind::Map, &id, ctx.now)?;
                let k = ItemKey::Key(key.clone());
                let existing = match items::get(c, &parent, ItemKind::Map, &k, ctx.now) {
                    Ok(r) => Some(r),
                    Err(SyncError::NotFound(_)) => None,
                    Err(e) => return Err(e),
                };
                let mismatch = || SyncError::RevisionMismatch(RevisionTarget::MapItem);
                let (row, added) = match (existing, if_match.as_deref().map(str::trim)) {
                    (None, None) | (None, Some("-1")) => (
                        items::create(c, &ctx, &parent, ItemKind::Map, Some(key), w)?,
                        true,
                    ),
                    // A conditional write on a missing item is a stale revision: the client
                    // re-reads (and then creates with `-1`), rather than taking the 404 as
                    // the whole map being gone.
                    (None, Some(_)) | (Some(_), Some("-1")) => return Err(mismatch()),
                    (Some(_), m) => {
                        let w = ItemWrite {
                            if_match: m.map(str::to_owned),
                            ..w
                        };
                        (
                            items::update(c, &ctx, &parent, ItemKind::Map, &k, w)?,
                            false,
                        )
                    }
                };
                let last = events::last_id(c, &parent.sid)?;
                Ok((parent, row, added, last))
            })
            .await?;
        if wants_expiry {
            self.st.wake_purge();
        }
        let body = item_body(&self.base, &parent, &row, last);
        if added {
            created(body)
        } else {
            ok(body)
        }
    }

    /// `POST /v3/Lists/{id}/Items`.
    async fn push(&self, id: &str, body: &Value) -> Result<Response, SyncError> {
        let w = ItemWrite {
            if_match: None,
            data: Some(data(body, MAX_DATA)?.unwrap_or_else(|| "{}".to_owned())),
            item_ttl: ttl(body)?,
            collection_ttl: None,
        };
        let wants_expiry = w.item_ttl.is_some_and(|t| t > 0);
        let ctx = self.st.write_ctx();
        let (svc, id) = (self.service.clone(), id.to_owned());
        let (parent, row, last) = self
            .st
            .store
            .write(move |c| {
                let parent = objects::get(c, &svc, Kind::List, &id, ctx.now)?;
                let row = items::create(c, &ctx, &parent, ItemKind::List, None, w)?;
                Ok((parent.clone(), row, events::last_id(c, &parent.sid)?))
            })
            .await?;
        if wants_expiry {
            self.st.wake_purge();
        }
        created(item_body(&self.base, &parent, &row, last))
    }

    /// `POST …/Items/{key}`: list item updates, and either kind's `setItemTtl`.
    async fn update_item(
        &self,
        kind: Kind,
        id: &str,
        key: &str,
        req: &Request,
    ) -> Result<Response, SyncError> {
        let ik = item_kind(kind);
        let key = item_key(kind, key)?;
        let w = ItemWrite {
            if_match: req.if_match.clone(),
            data: data(&req.body, MAX_DATA)?,
            item_ttl: ttl(&req.body)?,
            collection_ttl: None,
        };
        let wants_expiry = w.item_ttl.is_some_and(|t| t > 0);
        let ctx = self.st.write_ctx();
        let (svc, id) = (self.service.clone(), id.to_owned());
        let (parent, row, last) = self
            .st
            .store
            .write(move |c| {
                let parent = objects::get(c, &svc, kind, &id, ctx.now)?;
                let row = items::update(c, &ctx, &parent, ik, &key, w)?;
                Ok((parent.clone(), row, events::last_id(c, &parent.sid)?))
            })
            .await?;
        if wants_expiry {
            self.st.wake_purge();
        }
        ok(item_body(&self.base, &parent, &row, last))
    }

    async fn delete_item(&self, kind: Kind, id: &str, key: &str) -> Result<Response, SyncError> {
        let ik = item_kind(kind);
        let key = item_key(kind, key)?;
        let ctx = self.st.write_ctx();
        let now = ctx.now;
        let (svc, id) = (self.service.clone(), id.to_owned());
        let last = self
            .st
            .store
            .write(move |c| {
                let parent = objects::get(c, &svc, kind, &id, ctx.now)?;
                items::delete(c, &ctx, &parent, ik, &key, None)?;
                events::last_id(c, &parent.sid)
            })
            .await?;
        ok(json!({ "last_event_id": last, "date_updated": iso(now) }))
    }

    async fn publish(&self, id: &str, body: &Value) -> Result<Response, SyncError> {
        let text = data(body, MAX_MESSAGE_DATA)?.ok_or(SyncError::MissingParameter("data"))?;
        let ctx = self.st.write_ctx();
        let (svc, id) = (self.service.clone(), id.to_owned());
        let sid = new_sid(Prefix::StreamMessage);
        let message_sid = sid.clone();
        let stored = text.clone();
        self.st
            .store
            .write(move |c| {
                let stream = objects::get(c, &svc, Kind::Stream, &id, ctx.now)?;
                ctx.limit(&stream.sid, Op::StreamMessage)?;
                events::message_published(c, ctx.now, &stream, &message_sid, &stored)
            })
            .await?;
        created(json!({ "sid": sid, "data": data_value(&text) }))
    }
}
