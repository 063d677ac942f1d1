//! Rendering, once for both faces: objects, items and services in Twilio's shapes (REST v1
//! under `/v1`, the socket's CDS API under `/v3`, which adds `last_event_id` and drops the
//! account fields), and the response helper that adds `ETag`.

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::store::items::{ItemKey, ItemRow};
use crate::store::objects::{revision_str, Kind, ObjectRow};
use crate::store::services::ServiceRow;
pub use crate::wire::{data_raw, data_value, encode_component, iso, iso_opt, IsoTime};

/// A JSON body: a tree, or text already serialized (an object's answer, written from its
/// row without a tree in between).
#[derive(Debug)]
pub enum Body {
    /// Serialized when answered.
    Tree(Value),
    /// JSON text, answered as it is.
    Text(String),
}

impl Body {
    /// The body as a tree, for a face that embeds it in a larger message (the socket's).
    pub fn into_value(self) -> Value {
        match self {
            Body::Tree(value) => value,
            // Text is only ever written by serde_json, so it parses.
            Body::Text(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }
}

impl From<Value> for Body {
    fn from(value: Value) -> Self {
        Body::Tree(value)
    }
}

/// A JSON response with an optional `ETag`.
pub fn respond(status: StatusCode, body: impl Into<Body>, revision: Option<i64>) -> Response {
    let mut resp = match body.into() {
        Body::Tree(value) => (status, axum::Json(value)).into_response(),
        Body::Text(text) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            text,
        )
            .into_response(),
    };
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

/// A Document, Map, List or Stream as either face answers it, serialized straight from
/// its row: the stored data embedded as the client sent it (as events carry it), the dates
/// written without a `String` each. The fields are in alphabetical order, the order a
/// `Value` map writes them in, so the text is the tree's but for the data's own key order
/// and spacing, which a tree would have normalized.
#[derive(Serialize)]
pub struct ObjectBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    account_sid: Option<&'a str>,
    created_by: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a RawValue>,
    date_created: IsoTime,
    date_expires: Option<IsoTime>,
    date_updated: IsoTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_event_id: Option<i64>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    links: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_sid: Option<&'a str>,
    sid: &'a str,
    unique_name: Option<&'a str>,
    url: String,
}

/// A Document, Map, List or Stream; `last_event_id` is read by the socket face only.
pub fn object<'a>(face: Face<'a>, row: &'a ObjectRow, last_event_id: i64) -> ObjectBody<'a> {
    let (url, socket) = match face {
        Face::Rest { base, .. } => (object_url(base, row), false),
        Face::Socket { base } => (socket_object_url(base, row.kind, &row.sid), true),
    };
    let account_sid = match face {
        Face::Rest { account_sid, .. } => Some(account_sid),
        Face::Socket { .. } => None,
    };
    let facts = row.kind.facts();
    let links = facts
        .shape
        .links
        .iter()
        .filter(|segment| !(socket && **segment == "Permissions"))
        .map(|segment| (segment.to_ascii_lowercase(), format!("{url}/{segment}")))
        .collect();
    ObjectBody {
        account_sid,
        created_by: &row.created_by,
        data: facts
            .shape
            .data
            .then(|| data_raw(row.data.as_deref().unwrap_or("{}"))),
        date_created: IsoTime(row.date_created),
        date_expires: row.date_expires.map(IsoTime),
        date_updated: IsoTime(row.date_updated),
        last_event_id: (socket && facts.shape.revision).then_some(last_event_id),
        links,
        revision: facts.shape.revision.then(|| revision_str(row.revision)),
        service_sid: account_sid.map(|_| row.service_sid.as_str()),
        sid: &row.sid,
        unique_name: row.unique_name.as_deref(),
        url,
    }
}

impl ObjectBody<'_> {
    /// The object as JSON text.
    pub fn text(&self) -> String {
        // Strings, numbers, JSON text that parsed and maps with string keys: nothing here
        // can fail to serialize.
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// The object as a tree, to add fields to (a Map's `items`).
    pub fn tree(&self) -> Value {
        serde_json::to_value(self).unwrap_or_else(|_| json!({}))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::objects::Kind;

    fn row(kind: Kind, data: Option<&str>, date_expires: Option<i64>) -> ObjectRow {
        ObjectRow {
            seq: 1,
            sid: "ET00000000000000000000000000000001".into(),
            service_sid: "IS00000000000000000000000000000001".into(),
            kind,
            unique_name: Some("call-CA1 \"quoted\"".into()),
            data: data.map(str::to_owned),
            revision: 26,
            created_by: "system".into(),
            date_created: 1_438_286_400_000,
            date_updated: 1_438_286_401_999,
            date_expires,
        }
    }

    /// The text written straight from the row is the text of its tree, key for key and
    /// byte for byte, for every kind and both faces: clients see the same answer as
    /// before the text was written without a tree.
    #[test]
    fn an_objects_text_is_its_trees() {
        let faces = [
            Face::Rest {
                base: "http://127.0.0.1:1",
                account_sid: "AC00000000000000000000000000000001",
            },
            Face::Socket {
                base: "https://cds.example",
            },
        ];
        for kind in [Kind::Document, Kind::Map, Kind::List, Kind::Stream] {
            // Data in serde_json's own order and spacing (below: any other is kept as sent).
            for data in [Some(r#"{"a":{"z":"é"},"b":[1,2]}"#), Some("not json"), None] {
                for expires in [None, Some(1_438_290_000_000)] {
                    for face in faces {
                        let row = row(kind, data, expires);
                        let body = object(face, &row, 7);
                        let tree = body.tree();
                        assert_eq!(body.text(), tree.to_string(), "{kind:?} {face:?}");
                        assert_eq!(tree["date_updated"], json!("2015-07-30T20:00:01Z"));
                        if kind == Kind::Document {
                            let want = if data.is_some_and(|d| d.starts_with('{')) {
                                json!({"a": {"z": "é"}, "b": [1, 2]})
                            } else {
                                json!({})
                            };
                            assert_eq!(tree["data"], want);
                        } else {
                            assert!(tree.get("data").is_none());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn data_is_embedded_as_it_was_sent() {
        let sent = r#"{ "z": 1, "a": [1, 2.50] }"#;
        let row = row(Kind::Document, Some(sent), None);
        let face = Face::Socket {
            base: "https://cds.example",
        };
        let text = object(face, &row, 7).text();
        assert!(text.contains(&format!(r#""data":{sent},"#)), "{text}");
        let tree: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(tree["data"], json!({"a": [1, 2.5], "z": 1}));
    }
}
