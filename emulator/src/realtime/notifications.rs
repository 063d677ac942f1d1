//! Rendering logged events as the notifications twilio-sync.js consumes.
//!
//! A notification payload is `{event_type, event, correlation_id?}`; the client routes it
//! by the frame's `message_type` and then by the `<kind>_sid` field of `event`, and drops
//! any event whose `id` is not above what it has (`dist/subscriptions.js`,
//! `syncdocument.js`, `syncmap.js`, `synclist.js`, `streams/syncstream.js`).

use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{json, Value};

use crate::ops::render::socket_item_url;
use crate::store::event_log::{Event, Logged};
use crate::store::objects::Kind;
use crate::wire::iso;

pub use crate::store::objects::SYNC_EVENT;

/// The message type a live event of this kind is delivered with.
pub fn live_message_type(kind: Kind) -> &'static str {
    kind.facts().live_message_type
}

/// The `event` object: the logged fields plus id, object SID, date and item URL.
pub fn render(e: &Event, base: &str) -> Value {
    let mut v = match &e.body {
        Value::Object(m) => Value::Object(m.clone()),
        _ => json!({}),
    };
    v["id"] = json!(e.id);
    v[format!("{}_sid", e.kind.tag())] = json!(e.object_sid);
    v["date_created"] = iso(e.date_created);
    if let Some(key) = &e.item_key {
        v["item_url"] = json!(socket_item_url(base, e.kind, &e.object_sid, key));
    }
    v
}

/// A notification payload carrying one event.
pub fn payload(e: &Event, base: &str, correlation_id: Option<&Value>) -> Value {
    let mut p = json!({ "event_type": e.event_type.as_str(), "event": render(e, base) });
    if let Some(c) = correlation_id {
        p["correlation_id"] = c.clone();
    }
    p
}

/// The payload of the latest live event, rendered once for all the sessions that send
/// it. Every session receives the same event at about the same time and, unless clients
/// addressed different hosts (the base of `item_url`), sends the same bytes; rendering and
/// serialising it once instead of once per session matters with many subscribers.
#[derive(Debug, Default)]
pub struct LiveRender(Mutex<Option<Rendered>>);

/// One event's payload as sessions at `base` send it.
#[derive(Debug)]
struct Rendered {
    seq: i64,
    base: String,
    bytes: Arc<[u8]>,
}

impl LiveRender {
    /// The JSON payload of live event `e` (no correlation id) as sessions at `base` send it.
    pub fn payload(&self, e: &Logged, base: &str) -> Arc<[u8]> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(r) = &*slot {
            if r.seq == e.seq && r.base == base {
                return r.bytes.clone();
            }
        }
        let bytes: Arc<[u8]> = payload(e, base, None).to_string().into_bytes().into();
        *slot = Some(Rendered {
            seq: e.seq,
            base: base.to_owned(),
            bytes: bytes.clone(),
        });
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::event_log::{EventType, ItemChange};
    use crate::store::items::ItemKind;

    #[test]
    fn map_item_event_has_what_the_client_reads() {
        let e = Event {
            object_sid: "MP1".into(),
            id: 3,
            kind: Kind::Map,
            event_type: EventType::Item(ItemKind::Map, ItemChange::Updated),
            item_key: Some("a b".into()),
            body: json!({"item_key": "a b", "item_revision": "1", "item_data": {"x": 1}}),
            date_created: 1_438_286_400_000,
        };
        let p = payload(&e, "https://cds.example", Some(&json!(42)));
        assert_eq!(p["event_type"], "map_item_updated");
        assert_eq!(p["correlation_id"], 42);
        let ev = &p["event"];
        assert_eq!(ev["id"], 3);
        assert_eq!(ev["map_sid"], "MP1");
        assert_eq!(ev["item_key"], "a b");
        assert_eq!(ev["item_data"], json!({"x": 1}));
        assert_eq!(ev["date_created"], "2015-07-30T20:00:00Z");
        assert_eq!(
            ev["item_url"],
            "https://cds.example/v3/Maps/MP1/Items/a%20b"
        );
    }

    #[test]
    fn a_live_event_is_rendered_once_per_url_base() {
        let event = |seq: i64| Logged {
            seq,
            event: Event {
                object_sid: "MP1".into(),
                id: seq,
                kind: Kind::Map,
                event_type: EventType::Item(ItemKind::Map, ItemChange::Added),
                item_key: Some("k".into()),
                body: json!({"item_key": "k", "item_data": {"x": seq}}),
                date_created: 0,
            },
        };
        let cache = LiveRender::default();
        let first = cache.payload(&event(1), "https://a");
        assert!(Arc::ptr_eq(&first, &cache.payload(&event(1), "https://a")));
        let expected = payload(&event(1), "https://a", None).to_string();
        assert_eq!(&*first, expected.as_bytes());
        // Another host's clients get their own URLs; the next event its own bytes.
        let other = cache.payload(&event(1), "https://b");
        assert!(String::from_utf8_lossy(&other).contains("https://b/v3/Maps/MP1/Items/k"));
        let next = cache.payload(&event(2), "https://b");
        assert!(String::from_utf8_lossy(&next).contains(r#""x":2"#));
    }
}
