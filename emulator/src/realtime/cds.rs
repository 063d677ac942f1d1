//! The CDS API that twilio-sync.js speaks through the socket (`/v3/Documents`, `/v3/Maps`,
//! `/v3/Lists`, `/v3/Streams` and their items), served from the same store as REST v1.
//!
//! Requests arrive as twilsock `message` frames (method, path, params, headers, JSON body);
//! the service is the one the access token names. This file only translates: each request
//! becomes an [`Operation`], which `ops` checks (Sync Permissions of the token's
//! identity), applies and renders as it does REST's. Shapes follow what the client reads
//! (`dist/syncdocument.js`, `syncmap.js`, `synclist.js`, `streams/syncstream.js`): every
//! object and item carries `last_event_id`, URLs are absolute (the client sends them back
//! as request targets), item listings page with `From` / `Order` / `PageSize` and answer
//! `meta.previous_token` / `meta.next_token`, and a map item `PUT` with `If-Match: -1`
//! only creates.

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use crate::error::SyncError;
use crate::ops::paging::{KeyType, Paging};
use crate::ops::params::{self, Params, MAX_DATA, MAX_MESSAGE_DATA};
use crate::ops::render::{Body, Face};
use crate::ops::{self, Caller, Input, Operation, Target, Verb};
use crate::state::Shared;
use crate::store::items::ItemKey;
use crate::store::objects::Kind;
use crate::wire::encode_component;

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
    let op = operation(&req)?;
    let shape = op.shape();
    let caller = Caller::Identity(identity.map(str::to_owned));
    let outcome = ops::run(st, service_sid.to_owned(), &caller, true, op).await?;
    let a = ops::answer(Face::Socket { base: &req.base }, &shape, outcome);
    Ok(Response {
        status: a.status,
        body: a.body.map_or(Value::Null, Body::into_value),
    })
}

/// The operation a CDS request asks for: 404 for paths the API does not have, 405 for
/// methods a path does not take.
fn operation(req: &Request) -> Result<Operation, SyncError> {
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
    let kind = match segs.get(..2) {
        Some(["v3", collection]) => Kind::from_collection(collection),
        _ => None,
    }
    .ok_or_else(|| SyncError::NotFound(req.path.clone()))?;
    let method = http::Method::from_bytes(req.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| SyncError::MethodNotAllowed)?;
    let has_items = matches!(kind, Kind::Map | Kind::List);
    let body = &req.body;
    let id = |s: &str| s.to_owned();
    let (verb, target, input) = match (&method, &segs[2..]) {
        (&http::Method::POST, []) => {
            let input = Input {
                unique_name: unique_name(body)?,
                data: document_data(kind, body)?,
                ttl: ttl(body)?,
                ..Input::default()
            };
            (Verb::Create, Target::Collection, input)
        }
        (&http::Method::GET, [sid]) => {
            let input = Input {
                include_items: kind == Kind::Map && req.params.get("Include") == Some("items"),
                ..Input::default()
            };
            (Verb::Fetch, Target::Object(id(sid)), input)
        }
        (&http::Method::POST, [sid]) => {
            let input = Input {
                if_match: req.if_match.clone(),
                data: document_data(kind, body)?,
                ttl: ttl(body)?,
                ..Input::default()
            };
            (Verb::Update, Target::Object(id(sid)), input)
        }
        (&http::Method::DELETE, [sid]) => (Verb::Delete, Target::Object(id(sid)), Input::default()),
        (&http::Method::GET, [sid, "Items"]) if has_items => (
            Verb::List,
            Target::Items(id(sid)),
            listing(kind, &req.params)?,
        ),
        (&http::Method::POST, [sid, "Items"]) if kind == Kind::List => (
            Verb::Create,
            Target::Items(id(sid)),
            item_input(body, None, true)?,
        ),
        (&http::Method::PUT, [sid, "Items", key]) if kind == Kind::Map => {
            let target = Target::Item(id(sid), item_key(kind, key)?);
            (
                Verb::Upsert,
                target,
                item_input(body, req.if_match.clone(), true)?,
            )
        }
        (&http::Method::POST, [sid, "Items", key]) if has_items => {
            let target = Target::Item(id(sid), item_key(kind, key)?);
            (
                Verb::Update,
                target,
                item_input(body, req.if_match.clone(), false)?,
            )
        }
        (&http::Method::GET, [sid, "Items", key]) if has_items => {
            let target = Target::Item(id(sid), item_key(kind, key)?);
            (Verb::Fetch, target, Input::default())
        }
        (&http::Method::DELETE, [sid, "Items", key]) if has_items => {
            let target = Target::Item(id(sid), item_key(kind, key)?);
            (Verb::Delete, target, Input::default())
        }
        (&http::Method::POST, [sid, "Messages"]) if kind == Kind::Stream => {
            let text = data(body, MAX_MESSAGE_DATA)?.ok_or(SyncError::MissingParameter("data"))?;
            let input = Input {
                data: Some(text),
                ..Input::default()
            };
            (Verb::Publish, Target::Messages(id(sid)), input)
        }
        (_, []) | (_, [_]) | (_, [_, "Items"]) | (_, [_, "Items", _]) | (_, [_, "Messages"]) => {
            return Err(SyncError::MethodNotAllowed)
        }
        _ => return Err(SyncError::NotFound(req.path.clone())),
    };
    Ok(Operation {
        kind,
        target,
        verb,
        input,
    })
}

/// The item a path segment names: a Map key (1 to 320 characters) or a List index.
fn item_key(kind: Kind, raw: &str) -> Result<ItemKey, SyncError> {
    match kind {
        Kind::List => match raw.parse::<i64>() {
            Ok(i) if i >= 0 => Ok(ItemKey::Index(i)),
            _ => Err(SyncError::NotFound(format!("List Item {raw}"))),
        },
        _ => params::map_key(raw).map(ItemKey::Key),
    }
}

/// An items listing: one item by `Key` (maps) or `Index` (lists), or a page.
fn listing(kind: Kind, p: &Params) -> Result<Input, SyncError> {
    let (single, key_type) = match kind {
        Kind::List => (p.get("Index"), KeyType::Integer),
        _ => (p.get("Key"), KeyType::Text),
    };
    let single = single.map(|k| item_key(kind, k)).transpose()?;
    let paging = match single {
        Some(_) => None,
        None => Some(Paging::parse_items(p, key_type)?),
    };
    Ok(Input {
        single,
        paging,
        ..Input::default()
    })
}

/// An item write's `data` and `ttl`; a create (`POST` to a List, a Map `PUT`) stores `{}`
/// when no data is sent.
fn item_input(body: &Value, if_match: Option<String>, creates: bool) -> Result<Input, SyncError> {
    let data = data(body, MAX_DATA)?;
    Ok(Input {
        if_match,
        data: if creates {
            Some(data.unwrap_or_else(|| "{}".to_owned()))
        } else {
            data
        },
        ttl: ttl(body)?,
        ..Input::default()
    })
}

/// A Document's `data`; the other kinds hold no value of their own.
fn document_data(kind: Kind, body: &Value) -> Result<Option<String>, SyncError> {
    if kind.facts().shape.data {
        data(body, MAX_DATA)
    } else {
        Ok(None)
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
            Some(n) => params::ttl_seconds(n, "ttl"),
            None => Err(SyncError::InvalidTtl(format!(
                "ttl must be an integer, got {v}"
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
        Some(Value::String(s)) => params::unique_name(s, "unique_name").map(Some),
        Some(_) => Err(SyncError::InvalidParameter(
            "unique_name must be a string".into(),
        )),
    }
}
