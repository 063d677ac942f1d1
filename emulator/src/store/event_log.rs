//! The per-object event log that realtime subscriptions are served from.
//!
//! Every write to a Document, Map, List or Stream, whether it comes over REST v1, over the
//! realtime socket or from the TTL purge, appends one row here inside the same transaction
//! as the write itself, so an event exists exactly when its write was committed. Each
//! object numbers its events 1, 2, 3, … (`id`, what Twilio calls the event id); the global
//! `seq` gives commit order and lets the [`Feed`] publish, right after each commit, what
//! that commit appended, without the writer ever waiting on a subscriber.
//!
//! Retention, per live object: every event of the last [`RETAIN_MS`] (15 minutes), and at
//! least the last [`RETAIN_PER_OBJECT`] events whatever their age, but never more than
//! [`MAX_PER_OBJECT`] (pruned in steps of [`PRUNE_STEP`], so up to that many more rows).
//! At Twilio's 20 writes/s per object, 15 minutes are 18,000 events: a client away for
//! up to a quarter of an hour misses nothing even on the busiest object. When an object is
//! removed only its removal event is kept (so ids keep increasing and a subscriber still
//! gets it), and removal events are dropped [`TOMBSTONE_MS`] after the removal.

use std::sync::Arc;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::sync::broadcast;

use super::items::{ItemKey, ItemKind, ItemRow};
use super::objects::{revision_str, Kind, ObjectRow, KINDS};
use crate::error::SyncError;
use crate::wire::{data_raw, data_value, iso_opt, IsoTime};

/// Events kept per live object whatever their age; a subscriber that is further behind than
/// the log reaches gets a Document's current value instead, on a Map or List the retained
/// events only.
pub const RETAIN_PER_OBJECT: i64 = 1000;
/// Events younger than this are kept (up to [`MAX_PER_OBJECT`]).
pub const RETAIN_MS: i64 = 15 * 60 * 1000;
/// Never more events than this per object, however young.
pub const MAX_PER_OBJECT: i64 = 20_000;
/// Pruning runs when an object's event id is a multiple of this.
pub const PRUNE_STEP: i64 = 64;
/// How long the removal event of a removed object is kept.
pub const TOMBSTONE_MS: i64 = 24 * 3600 * 1000;
/// Events buffered for subscribers that have not caught up; a slower one re-reads the log.
pub const DEFAULT_FEED_CAPACITY: usize = 4096;

/// What an event says happened; its wire name is [`EventType::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// `document_updated`: a Document's new value.
    DocumentUpdated,
    /// `document_removed`, `map_removed`, …: the object is gone (deleted or expired).
    Removed(Kind),
    /// `map_item_added`, `list_item_removed`, …
    Item(ItemKind, ItemChange),
    /// `stream_message_published`.
    MessagePublished,
}

impl EventType {
    /// Every event type but removals (which [`KINDS`] name), for reading names back.
    const ALL: [EventType; 8] = [
        EventType::DocumentUpdated,
        EventType::Item(ItemKind::Map, ItemChange::Added),
        EventType::Item(ItemKind::Map, ItemChange::Updated),
        EventType::Item(ItemKind::Map, ItemChange::Removed),
        EventType::Item(ItemKind::List, ItemChange::Added),
        EventType::Item(ItemKind::List, ItemChange::Updated),
        EventType::Item(ItemKind::List, ItemChange::Removed),
        EventType::MessagePublished,
    ];

    /// The `event_type` twilio-sync.js reads.
    pub fn as_str(self) -> &'static str {
        use ItemChange::{Added, Removed, Updated};
        match self {
            EventType::DocumentUpdated => "document_updated",
            EventType::Removed(kind) => kind.facts().removed_event,
            EventType::Item(ItemKind::Map, Added) => "map_item_added",
            EventType::Item(ItemKind::Map, Updated) => "map_item_updated",
            EventType::Item(ItemKind::Map, Removed) => "map_item_removed",
            EventType::Item(ItemKind::List, Added) => "list_item_added",
            EventType::Item(ItemKind::List, Updated) => "list_item_updated",
            EventType::Item(ItemKind::List, Removed) => "list_item_removed",
            EventType::MessagePublished => "stream_message_published",
        }
    }

    /// The type of this wire name.
    pub fn parse(name: &str) -> Option<EventType> {
        let removals = KINDS.iter().map(|f| EventType::Removed(f.kind));
        Self::ALL
            .into_iter()
            .chain(removals)
            .find(|t| t.as_str() == name)
    }

    /// Whether the event ends its object (and so every subscription to it).
    pub fn ends_object(self) -> bool {
        matches!(self, EventType::Removed(_))
    }
}

impl FromSql for EventType {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let name = value.as_str()?;
        EventType::parse(name)
            .ok_or_else(|| FromSqlError::Other(format!("unknown event type {name:?}").into()))
    }
}

/// One event as the log holds it, and as it is replayed.
#[derive(Debug, Clone)]
pub struct Event {
    pub object_sid: String,
    /// The object's own event number: 1, 2, 3, …
    pub id: i64,
    pub kind: Kind,
    /// What happened.
    pub event_type: EventType,
    /// Map key or List index as text, for item events.
    pub item_key: Option<String>,
    /// The event's own fields (data, revisions, expiry); ids, SIDs, dates and URLs are
    /// added when it is rendered for a client.
    pub body: Value,
    pub date_created: i64,
}

/// A committed event with its place in the global commit order, as the [`Feed`] publishes
/// it (what live delivery renders once for every session, keyed by `seq`).
#[derive(Debug, Clone)]
pub struct Logged {
    /// The global commit order.
    pub seq: i64,
    /// The event.
    pub event: Event,
}

impl std::ops::Deref for Logged {
    type Target = Event;

    fn deref(&self) -> &Event {
        &self.event
    }
}

pub fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "
        CREATE TABLE IF NOT EXISTS sync_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            object_sid TEXT NOT NULL,
            id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            event_type TEXT NOT NULL,
            item_key TEXT,
            body TEXT NOT NULL,
            date_created INTEGER NOT NULL,
            removal INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX IF NOT EXISTS sync_events_by_object ON sync_events(object_sid, id);
        CREATE INDEX IF NOT EXISTS sync_events_by_item
            ON sync_events(object_sid, item_key, id) WHERE item_key IS NOT NULL;
        CREATE INDEX IF NOT EXISTS sync_events_removals
            ON sync_events(date_created) WHERE removal = 1;
        ",
    )
}

const COLS: &str = "seq, object_sid, id, kind, event_type, item_key, body, date_created";

fn kind_of(tag: &str) -> Kind {
    Kind::from_tag(tag).unwrap_or(Kind::Document)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Logged> {
    let kind: String = r.get(3)?;
    let body: String = r.get(6)?;
    Ok(Logged {
        seq: r.get(0)?,
        event: Event {
            object_sid: r.get(1)?,
            id: r.get(2)?,
            kind: kind_of(&kind),
            event_type: r.get(4)?,
            item_key: r.get(5)?,
            body: data_value(&body),
            date_created: r.get(7)?,
        },
    })
}

/// The id of the newest event of an object; 0 if it has none.
pub fn last_id(conn: &Connection, object_sid: &str) -> Result<i64, SyncError> {
    let id: Option<i64> = conn
        .prepare_cached("SELECT MAX(id) FROM sync_events WHERE object_sid = ?1")?
        .query_row([object_sid], |r| r.get(0))?;
    Ok(id.unwrap_or(0))
}

/// The id of the newest retained event about one item; 0 if none is retained.
pub fn item_last_id(conn: &Connection, object_sid: &str, key: &ItemKey) -> Result<i64, SyncError> {
    let id: Option<i64> = conn
        .prepare_cached("SELECT MAX(id) FROM sync_events WHERE object_sid = ?1 AND item_key = ?2")?
        .query_row(params![object_sid, key.path_text()], |r| r.get(0))?;
    Ok(id.unwrap_or(0))
}

/// The oldest retained event id of an object, if any.
pub fn first_id(conn: &Connection, object_sid: &str) -> Result<Option<i64>, SyncError> {
    let id: Option<i64> = conn
        .prepare_cached("SELECT MIN(id) FROM sync_events WHERE object_sid = ?1")?
        .query_row([object_sid], |r| r.get(0))?;
    Ok(id)
}

/// Up to `limit` events of an object with ids above `after`, oldest first.
pub fn since(
    conn: &Connection,
    object_sid: &str,
    after: i64,
    limit: usize,
) -> Result<Vec<Event>, SyncError> {
    let sql = format!(
        "SELECT {COLS} FROM sync_events WHERE object_sid = ?1 AND id > ?2 ORDER BY id LIMIT ?3"
    );
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(
            params![object_sid, after, i64::try_from(limit).unwrap_or(i64::MAX)],
            |r| from_row(r).map(|l| l.event),
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// An event about to be appended.
struct NewEvent<'a> {
    object_sid: &'a str,
    kind: Kind,
    event_type: EventType,
    item_key: Option<String>,
    /// The event's body as JSON text, as it is stored.
    body: String,
    /// The object's removal: its earlier events are dropped.
    removal: bool,
}

/// Appends one event and returns its id.
fn append(conn: &Connection, now: i64, e: NewEvent<'_>) -> Result<i64, SyncError> {
    let NewEvent {
        object_sid,
        kind,
        event_type,
        item_key,
        body,
        removal,
    } = e;
    let id = last_id(conn, object_sid)? + 1;
    conn.prepare_cached(
        "INSERT INTO sync_events (object_sid, id, kind, event_type, item_key, body, \
         date_created, removal) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        object_sid,
        id,
        kind.tag(),
        event_type.as_str(),
        item_key,
        body,
        now,
        removal
    ])?;
    if removal {
        conn.prepare_cached("DELETE FROM sync_events WHERE object_sid = ?1 AND id < ?2")?
            .execute(params![object_sid, id])?;
    } else if id % PRUNE_STEP == 0 && id > RETAIN_PER_OBJECT {
        conn.prepare_cached(
            "DELETE FROM sync_events WHERE object_sid = ?1 AND id <= ?2 \
             AND (date_created < ?3 OR id <= ?4)",
        )?
        .execute(params![
            object_sid,
            id - RETAIN_PER_OBJECT,
            now - RETAIN_MS,
            id - MAX_PER_OBJECT
        ])?;
    }
    Ok(id)
}

/// [`document_body`] as the text the log stores, written with the Document's data as it
/// is stored instead of through a parsed tree: this runs on every Document write.
fn document_body_text(row: &ObjectRow) -> String {
    /// Keys in the order a `Value` object writes them, so the text is the same.
    #[derive(serde::Serialize)]
    struct Body<'a> {
        date_expires: Option<IsoTime>,
        document_data: &'a RawValue,
        document_revision: String,
    }
    let body = Body {
        date_expires: row.date_expires.map(IsoTime),
        document_data: data_raw(row.data.as_deref().unwrap_or("{}")),
        document_revision: revision_str(row.revision),
    };
    // A struct of a string, a value and valid JSON text always serializes.
    serde_json::to_string(&body).unwrap_or_else(|_| document_body(row).to_string())
}

/// A Document's value as its `document_updated` event carries it.
fn document_body(row: &ObjectRow) -> Value {
    json!({
        "document_revision": revision_str(row.revision),
        "document_data": data_value(row.data.as_deref().unwrap_or("{}")),
        "date_expires": iso_opt(row.date_expires),
    })
}

/// A Document's new value.
pub fn document_updated(conn: &Connection, now: i64, row: &ObjectRow) -> Result<i64, SyncError> {
    append(
        conn,
        now,
        NewEvent {
            object_sid: &row.sid,
            kind: Kind::Document,
            event_type: EventType::DocumentUpdated,
            item_key: None,
            body: document_body_text(row),
            removal: false,
        },
    )
}

/// The `document_updated` event that stands in for the events of a Document a
/// subscriber is too far behind to replay: its current value, as event `head` (the
/// newest id, so the subscriber's cursor lands where the log is).
pub fn document_current(row: &ObjectRow, head: i64) -> Event {
    Event {
        object_sid: row.sid.clone(),
        id: head,
        kind: Kind::Document,
        event_type: EventType::DocumentUpdated,
        item_key: None,
        body: document_body(row),
        date_created: row.date_updated,
    }
}

/// An object is gone (deleted or expired): `document_removed`, `map_removed`, ….
pub fn object_removed(conn: &Connection, now: i64, sid: &str) -> Result<(), SyncError> {
    let tag: Option<String> = conn
        .prepare_cached("SELECT kind FROM objects WHERE sid = ?1")?
        .query_row([sid], |r| r.get(0))
        .optional()?;
    let Some(tag) = tag else { return Ok(()) };
    let kind = kind_of(&tag);
    append(
        conn,
        now,
        NewEvent {
            object_sid: sid,
            kind,
            event_type: EventType::Removed(kind),
            item_key: None,
            body: "{}".to_owned(),
            removal: true,
        },
    )?;
    Ok(())
}

/// The item kind, the key and the key's field name of an item.
fn item_fields(item: &ItemRow) -> (ItemKind, Value, &'static str) {
    match &item.key {
        ItemKey::Key(k) => (ItemKind::Map, json!(k), "item_key"),
        ItemKey::Index(i) => (ItemKind::List, json!(i), "item_index"),
    }
}

/// What happened to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemChange {
    Added,
    Updated,
    /// Deleted or expired: the event carries the item's last value.
    Removed,
}

/// Logs an item event: `map_item_added`, `list_item_removed`, …
pub fn item_changed(
    conn: &Connection,
    now: i64,
    parent: &ObjectRow,
    item: &ItemRow,
    change: ItemChange,
) -> Result<i64, SyncError> {
    let (item_kind, key, key_field) = item_fields(item);
    let mut body = json!({ "item_data": data_value(&item.data) });
    if change != ItemChange::Removed {
        body["item_revision"] = json!(revision_str(item.revision));
        body["date_expires"] = iso_opt(item.date_expires);
    }
    body[key_field] = key;
    body[format!("{}_revision", item_kind.parent_kind().tag())] =
        json!(revision_str(parent.revision));
    append(
        conn,
        now,
        NewEvent {
            object_sid: &parent.sid,
            kind: parent.kind,
            event_type: EventType::Item(item_kind, change),
            item_key: Some(item.key.path_text()),
            body: body.to_string(),
            removal: false,
        },
    )
}

/// A Stream message (messages are not stored, only their events).
pub fn message_published(
    conn: &Connection,
    now: i64,
    stream: &ObjectRow,
    message_sid: &str,
    data: &str,
) -> Result<i64, SyncError> {
    let body = json!({ "message_sid": message_sid, "message_data": data_value(data) });
    append(
        conn,
        now,
        NewEvent {
            object_sid: &stream.sid,
            kind: Kind::Stream,
            event_type: EventType::MessagePublished,
            item_key: None,
            body: body.to_string(),
            removal: false,
        },
    )
}

/// Logs the removal of every item that expired by `now`, before the purge deletes them.
pub fn items_expiring(conn: &Connection, now: i64) -> Result<(), SyncError> {
    for item_kind in ItemKind::ALL {
        let (table, key_col, parent_col) = (
            item_kind.table(),
            item_kind.key_col(),
            item_kind.parent_col(),
        );
        let sql = format!(
            "SELECT o.seq, o.sid, o.service_sid, o.kind, o.revision, i.{key_col}, i.data \
             FROM {table} i JOIN objects o ON o.sid = i.{parent_col} \
             WHERE i.date_expires IS NOT NULL AND i.date_expires <= ?1 \
             AND (o.date_expires IS NULL OR o.date_expires > ?1)"
        );
        let expired = conn
            .prepare_cached(&sql)?
            .query_map([now], |r| {
                let kind: String = r.get(3)?;
                let key = match item_kind {
                    ItemKind::Map => ItemKey::Key(r.get(5)?),
                    ItemKind::List => ItemKey::Index(r.get(5)?),
                };
                Ok((
                    ObjectRow {
                        seq: r.get(0)?,
                        sid: r.get(1)?,
                        service_sid: r.get(2)?,
                        kind: kind_of(&kind),
                        unique_name: None,
                        data: None,
                        revision: r.get(4)?,
                        created_by: String::new(),
                        date_created: 0,
                        date_updated: 0,
                        date_expires: None,
                    },
                    key,
                    r.get::<_, String>(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (parent, key, data) in expired {
            let item = ItemRow {
                parent_sid: parent.sid.clone(),
                key,
                data,
                revision: 0,
                created_by: String::new(),
                date_created: 0,
                date_updated: 0,
                date_expires: None,
            };
            item_changed(conn, now, &parent, &item, ItemChange::Removed)?;
        }
    }
    // Removal events of long-gone objects are no longer needed by anyone.
    conn.prepare_cached("DELETE FROM sync_events WHERE removal = 1 AND date_created < ?1")?
        .execute([now - TOMBSTONE_MS])?;
    Ok(())
}

/// Publishes committed events to subscribers. Lives with the writer connection, whose holder calls
/// [`Feed::publish_committed`] after every commit; publishing never blocks (a broadcast
/// channel), and a subscriber that falls behind re-reads the log.
pub struct Feed {
    last_seq: i64,
    tx: broadcast::Sender<Arc<Logged>>,
}

impl Feed {
    pub fn new(conn: &Connection, capacity: usize) -> rusqlite::Result<Feed> {
        let (tx, _) = broadcast::channel(capacity.max(1));
        Ok(Feed {
            last_seq: head(conn)?,
            tx,
        })
    }

    pub fn sender(&self) -> broadcast::Sender<Arc<Logged>> {
        self.tx.clone()
    }

    /// Sends every event committed since the last call.
    pub fn publish_committed(&mut self, conn: &Connection) {
        if self.tx.receiver_count() == 0 {
            // Nobody listens: skip what was committed. A subscriber that arrives later reads
            // the log when it subscribes, which already holds all of it.
            match head(conn) {
                Ok(seq) => self.last_seq = seq,
                Err(e) => tracing::warn!(error = %e, "event feed: cannot read the log head"),
            }
            return;
        }
        let sql = format!("SELECT {COLS} FROM sync_events WHERE seq > ?1 ORDER BY seq");
        let events = conn.prepare_cached(&sql).and_then(|mut s| {
            s.query_map([self.last_seq], from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        });
        match events {
            Ok(events) => {
                for e in events {
                    self.last_seq = e.seq;
                    // An error only means every receiver is gone meanwhile.
                    let _ = self.tx.send(Arc::new(e));
                }
            }
            Err(e) => tracing::warn!(error = %e, "event feed: cannot read new events"),
        }
    }
}

fn head(conn: &Connection) -> rusqlite::Result<i64> {
    let seq: Option<i64> = conn
        .prepare_cached("SELECT MAX(seq) FROM sync_events")?
        .query_row([], |r| r.get(0))?;
    Ok(seq.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(data: Option<&str>, date_expires: Option<i64>) -> ObjectRow {
        ObjectRow {
            seq: 1,
            sid: "ET00000000000000000000000000000000".into(),
            service_sid: "IS00000000000000000000000000000000".into(),
            kind: Kind::Document,
            unique_name: Some("call-CA1".into()),
            data: data.map(str::to_owned),
            revision: 11,
            created_by: "system".into(),
            date_created: 1_800_000_000_000,
            date_updated: 1_800_000_000_000,
            date_expires,
        }
    }

    /// The text written without a tree is the text the tree gives, whatever the data.
    #[test]
    fn a_document_body_is_written_as_its_tree_would_be() {
        for data in [
            Some(r#"{"z":1,"a":{"b":[1,2.5,"x\"y"],"c":null},"é":"ü"}"#),
            Some("{}"),
            None,
            Some("not json, as only a database edited by hand holds"),
        ] {
            for expires in [None, Some(1_800_000_060_000)] {
                let row = document(data, expires);
                let text = document_body_text(&row);
                let tree: Value = serde_json::from_str(&text).expect("the text is JSON");
                assert_eq!(tree, document_body(&row), "{data:?} {expires:?}");
            }
        }
    }
}
