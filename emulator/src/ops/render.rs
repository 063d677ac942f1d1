//! JSON bodies in Twilio's shapes, and the response helpers that add `ETag`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};
use time::macros::format_description;
use time::OffsetDateTime;

use crate::store::items::{ItemKey, ItemKind, ItemRow};
use crate::store::objects::{revision_str, Kind, ObjectRow};
use crate::store::services::ServiceRow;

/// Everything but RFC 3986 unreserved characters is escaped in path segments and query
/// values, so map keys with `/`, `?`, spaces or non-ASCII survive the round trip.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

pub fn encode_query(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// ISO 8601 UTC with whole seconds (`2015-07-30T20:00:00Z`), the form twilio-python parses.
pub fn iso(ms: i64) -> Value {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .map(Value::String)
        .unwrap_or(Value::Null)
}

fn iso_opt(ms: Option<i64>) -> Value {
    ms.map(iso).unwrap_or(Value::Null)
}

fn data_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| json!({}))
}

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

/// A Document, Map, List or Stream.
pub fn object(base: &str, account_sid: &str, row: &ObjectRow) -> Value {
    let url = object_url(base, row);
    let mut v = json!({
        "sid": row.sid,
        "unique_name": row.unique_name,
        "account_sid": account_sid,
        "service_sid": row.service_sid,
        "url": url,
        "date_expires": iso_opt(row.date_expires),
        "date_created": iso(row.date_created),
        "date_updated": iso(row.date_updated),
        "created_by": row.created_by,
    });
    let links = match row.kind {
        Kind::Document => json!({ "permissions": format!("{url}/Permissions") }),
        Kind::Map | Kind::List => json!({
            "items": format!("{url}/Items"),
            "permissions": format!("{url}/Permissions"),
        }),
        Kind::Stream => json!({ "messages": format!("{url}/Messages") }),
    };
    v["links"] = links;
    if row.kind != Kind::Stream {
        v["revision"] = Value::String(revision_str(row.revision));
    }
    if row.kind == Kind::Document {
        v["data"] = data_value(row.data.as_deref().unwrap_or("{}"));
    }
    v
}

/// A Map Item or List Item.
pub fn item(
    base: &str,
    account_sid: &str,
    parent: &ObjectRow,
    kind: ItemKind,
    row: &ItemRow,
) -> Value {
    let url = format!(
        "{}/{}",
        items_url(base, parent),
        encode_component(&row.key.path_text())
    );
    let mut v = json!({
        "account_sid": account_sid,
        "service_sid": parent.service_sid,
        "url": url,
        "revision": revision_str(row.revision),
        "data": data_value(&row.data),
        "date_expires": iso_opt(row.date_expires),
        "date_created": iso(row.date_created),
        "date_updated": iso(row.date_updated),
        "created_by": row.created_by,
    });
    match (&row.key, kind) {
        (ItemKey::Key(k), _) => {
            v["key"] = json!(k);
            v["map_sid"] = json!(parent.sid);
        }
        (ItemKey::Index(i), _) => {
            v["index"] = json!(i);
            v["list_sid"] = json!(parent.sid);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_is_whole_seconds_utc() {
        assert_eq!(iso(1_438_286_400_999), json!("2015-07-30T20:00:00Z"));
    }

    #[test]
    fn components_escape_reserved_characters() {
        assert_eq!(encode_component("a/b c?é"), "a%2Fb%20c%3F%C3%A9");
    }
}
