//! Rendering, once for both faces: objects, items and services in Twilio's shapes (REST v1
//! under `/v1`, the socket's CDS API under `/v3`, which adds `last_event_id` and drops the
//! account fields), and the response helper that adds `ETag`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::store::items::{ItemKey, ItemRow};
use crate::store::objects::{revision_str, Kind, ObjectRow};
use crate::store::services::ServiceRow;
pub use crate::wire::{data_value, encode_component, iso, iso_opt};

/// A JSON response with an optional `ETag`.
pub fn respond(status: StatusCode, body: Value, revision: Option<i64>) -> Response {
    let mut resp = (status, axum::Json(body)).into_response();
    if let Some(r) = revision {
        if let Ok(v) = HeaderValue::from_str(&revision_str(r)) {
            resp.headers_mut().insert(header::ETAG, v);
        }
    }
    resp
}

pub fn service_url(base: &str, service_sid: &str) -> String {
    format!("{base}/v1/Services/{service_sid}")
}

pub fn collection_url(base: &str, service_sid: &str, kind: Kind) -> String {
    format!("{}/{}", service_url(base, service_sid), kind.collection())
}

pub fn object_url(base: &str, row: &ObjectRow) -> String {
    format!(
        "{}/{}",
        collection_url(base, &row.service_sid, row.kind),
        row.sid
    )
}

pub fn items_url(base: &str, parent: &ObjectRow) -> String {
    format!("{}/Items", object_url(base, parent))
}

/// Which face an answer is for: REST v1 (`{base}/v1/Services/…`, with the account and
/// service SIDs and Permissions links) or the socket's CDS API (`{base}/v3/…`, with the
/// `last_event_id` twilio-sync.js orders events by).
#[derive(Debug, Clone, Copy)]
pub enum Face<'a> {
    /// REST v1 at `base` for the account.
    Rest {
        /// `http://host:port` the client addressed.
        base: &'a str,
        /// The account every resource belongs to.
        account_sid: &'a str,
    },
    /// The socket's CDS API at `base` (`https://host`).
    Socket {
        /// `https://host` the client named.
        base: &'a str,
    },
}

/// The socket's `https://host/v3/Maps/MP…`.
pub fn socket_object_url(base: &str, kind: Kind, sid: &str) -> String {
    format!("{base}/v3/{}/{sid}", kind.collection())
}

/// The socket's `https://host/v3/Maps/MP…/Items/<key>`.
pub fn socket_item_url(base: &str, kind: Kind, sid: &str, key: &str) -> String {
    format!(
        "{}/Items/{}",
        socket_object_url(base, kind, sid),
        encode_component(key)
    )
}

/// A Document, Map, List or Stream; `last_event_id` is read by the socket face only.
pub fn object(face: Face<'_>, row: &ObjectRow, last_event_id: i64) -> Value {
    let (url, socket) = match face {
        Face::Rest { base, .. } => (object_url(base, row), false),
        Face::Socket { base } => (socket_object_url(base, row.kind, &row.sid), true),
    };
    let mut v = json!({
        "sid": row.sid,
        "unique_name": row.unique_name,
        "url": url,
        "date_expires": iso_opt(row.date_expires),
        "date_created": iso(row.date_created),
        "date_updated": iso(row.date_updated),
        "created_by": row.created_by,
    });
    if let Face::Rest { account_sid, .. } = face {
        v["account_sid"] = json!(account_sid);
        v["service_sid"] = json!(row.service_sid);
    }
    let facts = row.kind.facts();
    let links: serde_json::Map<String, Value> = facts
        .shape
        .links
        .iter()
        .filter(|segment| !(socket && **segment == "Permissions"))
        .map(|segment| {
            (
                segment.to_ascii_lowercase(),
                json!(format!("{url}/{segment}")),
            )
        })
        .collect();
    if !links.is_empty() {
        v["links"] = Value::Object(links);
    }
    if facts.shape.revision {
        v["revision"] = Value::String(revision_str(row.revision));
        if socket {
            v["last_event_id"] = json!(last_event_id);
        }
    }
    if facts.shape.data {
        v["data"] = data_value(row.data.as_deref().unwrap_or("{}"));
    }
    v
}

/// A Map Item or List Item; `last_event_id` is read by the socket face only.
pub fn item(face: Face<'_>, parent: &ObjectRow, row: &ItemRow, last_event_id: i64) -> Value {
    let key = row.key.path_text();
    let url = match face {
        Face::Rest { base, .. } => {
            format!("{}/{}", items_url(base, parent), encode_component(&key))
        }
        Face::Socket { base } => socket_item_url(base, parent.kind, &parent.sid, &key),
    };
    let mut v = json!({
        "url": url,
        "revision": revision_str(row.revision),
        "data": data_value(&row.data),
        "date_expires": iso_opt(row.date_expires),
        "date_created": iso(row.date_created),
        "date_updated": iso(row.date_updated),
        "created_by": row.created_by,
    });
    match &row.key {
        ItemKey::Key(k) => v["key"] = json!(k),
        ItemKey::Index(i) => v["index"] = json!(i),
    }
    match face {
        Face::Rest { account_sid, .. } => {
            v["account_sid"] = json!(account_sid);
            v["service_sid"] = json!(parent.service_sid);
            let parent_field = match row.key {
                ItemKey::Key(_) => "map_sid",
                ItemKey::Index(_) => "list_sid",
            };
            v[parent_field] = json!(parent.sid);
        }
        Face::Socket { .. } => v["last_event_id"] = json!(last_event_id),
    }
    v
}

pub fn service(base: &str, account_sid: &str, row: &ServiceRow) -> Value {
    let url = service_url(base, &row.sid);
    json!({
        "sid": row.sid,
        "unique_name": row.unique_name,
        "account_sid": account_sid,
        "friendly_name": row.friendly_name,
        "date_created": iso(row.date_created),
        "date_updated": iso(row.date_updated),
        "url": url,
        // Databases written by earlier versions may hold "" for "no webhook".
        "webhook_url": row.webhook_url.as_deref().filter(|u| !u.is_empty()),
        "webhooks_from_rest_enabled": row.webhooks_from_rest_enabled,
        "reachability_webhooks_enabled": row.reachability_webhooks_enabled,
        "acl_enabled": row.acl_enabled,
        "reachability_debouncing_enabled": row.reachability_debouncing_enabled,
        "reachability_debouncing_window": row.reachability_debouncing_window,
        "links": {
            "documents": format!("{url}/Documents"),
            "lists": format!("{url}/Lists"),
            "maps": format!("{url}/Maps"),
            "streams": format!("{url}/Streams"),
        },
    })
}
