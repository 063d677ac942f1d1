//! Documents, Maps, Lists and Streams: the "objects" table.

use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::event_log;
use super::items::ItemKind;
use super::page::PageQuery;
use crate::error::{RevisionTarget, SyncError};
use crate::ratelimit::WriteCtx;
use crate::sid::{is_sid, new_sid, Prefix};

/// The four kinds of Sync object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Document,
    Map,
    List,
    Stream,
}

/// The facts that differ between kinds, one row per kind: adding a kind is one row here
/// (and a variant of [`Kind`], and its SID [`Prefix`]); the routes, the socket, rendering,
/// Permissions and events read these.
#[derive(Debug)]
pub struct KindFacts {
    pub kind: Kind,
    /// The `kind` column value, e.g. `map`.
    pub tag: &'static str,
    pub prefix: Prefix,
    /// The path segment of the collection (REST v1 and the socket's `/v3`), e.g. `Maps`.
    pub collection: &'static str,
    /// What it holds and how it is written.
    pub shape: Shape,
    /// The `event_type` of its removal.
    pub removed_event: &'static str,
    /// The socket message type its live events are delivered with.
    pub live_message_type: &'static str,
}

/// What a kind holds and how it is written; Maps and Lists share one.
#[derive(Debug)]
pub struct Shape {
    /// Holds a JSON value of its own (`Data`): Documents.
    pub data: bool,
    /// Has a revision (in its bodies and REST's `ETag`): all but Streams.
    pub revision: bool,
    /// REST conditions its own updates and deletes on `If-Match`: Documents.
    pub conditional: bool,
    /// The REST parameters its own TTL is read from, the first present winning.
    pub ttl_params: &'static [&'static str],
    /// Its REST `links`, by path segment under the object; the socket leaves out
    /// `Permissions`.
    pub links: &'static [&'static str],
    /// Has Sync Permissions (REST `…/Permissions`, checked for token identities).
    pub permissions: bool,
}

impl Shape {
    /// A Document: a JSON value with a revision writes can be conditioned on.
    pub const DOCUMENT: Shape = Shape {
        data: true,
        revision: true,
        conditional: true,
        ttl_params: &["Ttl"],
        links: &["Permissions"],
        permissions: true,
    };
    /// A Map or List: items under a collection revision.
    pub const COLLECTION: Shape = Shape {
        data: false,
        revision: true,
        conditional: false,
        ttl_params: &["CollectionTtl", "Ttl"],
        links: &["Items", "Permissions"],
        permissions: true,
    };
    /// A Stream: messages, nothing stored.
    pub const STREAM: Shape = Shape {
        data: false,
        revision: false,
        conditional: false,
        ttl_params: &["Ttl"],
        links: &["Messages"],
        permissions: false,
    };
}

/// The socket message type of replays and subscription notifications, and of a Stream's
/// live messages (the client registers no type of its own for them).
pub const SYNC_EVENT: &str = "twilio.sync.event";

/// Every kind, in [`Kind`]'s order.
pub const KINDS: [KindFacts; 4] = [
    KindFacts {
        kind: Kind::Document,
        tag: "document",
        prefix: Prefix::Document,
        collection: "Documents",
        shape: Shape::DOCUMENT,
        removed_event: "document_removed",
        live_message_type: "com.twilio.rtd.cds.document",
    },
    KindFacts {
        kind: Kind::Map,
        tag: "map",
        prefix: Prefix::Map,
        collection: "Maps",
        shape: Shape::COLLECTION,
        removed_event: "map_removed",
        live_message_type: "com.twilio.rtd.cds.map",
    },
    KindFacts {
        kind: Kind::List,
        tag: "list",
        prefix: Prefix::List,
        collection: "Lists",
        shape: Shape::COLLECTION,
        removed_event: "list_removed",
        live_message_type: "com.twilio.rtd.cds.list",
    },
    KindFacts {
        kind: Kind::Stream,
        tag: "stream",
        prefix: Prefix::Stream,
        collection: "Streams",
        shape: Shape::STREAM,
        removed_event: "stream_removed",
        live_message_type: SYNC_EVENT,
    },
];

impl Kind {
    /// This kind's row of [`KINDS`].
    pub fn facts(self) -> &'static KindFacts {
        &KINDS[self as usize]
    }

    pub fn tag(self) -> &'static str {
        self.facts().tag
    }

    pub fn prefix(self) -> Prefix {
        self.facts().prefix
    }

    /// The path segment of the collection, e.g. `Documents`.
    pub fn collection(self) -> &'static str {
        self.facts().collection
    }

    /// The kind stored under this `kind` column value.
    pub fn from_tag(tag: &str) -> Option<Kind> {
        KINDS.iter().find(|f| f.tag == tag).map(|f| f.kind)
    }

    /// The kind whose collection is this path segment (`Maps` → map).
    pub fn from_collection(segment: &str) -> Option<Kind> {
        KINDS
            .iter()
            .find(|f| f.collection == segment)
            .map(|f| f.kind)
    }
}

/// One stored object.
#[derive(Debug, Clone)]
pub struct ObjectRow {
    pub seq: i64,
    pub sid: String,
    pub service_sid: String,
    pub kind: Kind,
    pub unique_name: Option<String>,
    /// Documents only: the JSON text of `data`.
    pub data: Option<String>,
    pub revision: i64,
    pub created_by: String,
    pub date_created: i64,
    pub date_updated: i64,
    pub date_expires: Option<i64>,
}

const COLS: &str = "seq, sid, service_sid, unique_name, data, revision, created_by, \
                    date_created, date_updated, date_expires";

fn from_row(kind: Kind, r: &Row<'_>) -> rusqlite::Result<ObjectRow> {
    Ok(ObjectRow {
        seq: r.get(0)?,
        sid: r.get(1)?,
        service_sid: r.get(2)?,
        kind,
        unique_name: r.get(3)?,
        data: r.get(4)?,
        revision: r.get(5)?,
        created_by: r.get(6)?,
        date_created: r.get(7)?,
        date_updated: r.get(8)?,
        date_expires: r.get(9)?,
    })
}

/// `now + ttl`, or no expiry for a TTL of 0.
pub fn expiry(now: i64, ttl_seconds: u32) -> Option<i64> {
    (ttl_seconds > 0).then(|| now + i64::from(ttl_seconds) * 1000)
}

/// The revision as Twilio shows it (and as `ETag` / `If-Match` carry it).
pub fn revision_str(revision: i64) -> String {
    format!("{revision:x}")
}

/// Whether an `If-Match` value names this revision. Quotes and a weak `W/` prefix are
/// tolerated because HTTP tools add them; `*` matches any existing revision.
pub fn revision_matches(if_match: &str, revision: i64) -> bool {
    let v = if_match.trim();
    let v = v.strip_prefix("W/").unwrap_or(v);
    let v = v.trim_matches('"');
    v == "*" || v == revision_str(revision)
}

/// Looks an object up by SID or unique name, ignoring expired ones.
pub fn find(
    conn: &Connection,
    service_sid: &str,
    kind: Kind,
    id: &str,
    now: i64,
) -> Result<Option<ObjectRow>, SyncError> {
    let by = if is_sid(kind.prefix(), id) {
        "sid"
    } else {
        "unique_name"
    };
    let sql = format!(
        "SELECT {COLS} FROM objects WHERE {by} = ?1 AND service_sid = ?2 AND kind = ?3 \
         AND (date_expires IS NULL OR date_expires > ?4)"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    Ok(stmt
        .query_row(params![id, service_sid, kind.tag(), now], |r| {
            from_row(kind, r)
        })
        .optional()?)
}

/// Like [`find`], answering 404 when there is no such live object.
pub fn get(
    conn: &Connection,
    service_sid: &str,
    kind: Kind,
    id: &str,
    now: i64,
) -> Result<ObjectRow, SyncError> {
    find(conn, service_sid, kind, id, now)?.ok_or_else(|| {
        SyncError::NotFound(format!(
            "/Services/{service_sid}/{}/{id}",
            kind.collection()
        ))
    })
}

/// What a create asks for.
#[derive(Debug, Clone, Default)]
pub struct NewObject {
    pub unique_name: Option<String>,
    pub data: Option<String>,
    pub ttl: Option<u32>,
}

pub fn create(
    conn: &Connection,
    ctx: &WriteCtx,
    service_sid: &str,
    kind: Kind,
    new: NewObject,
) -> Result<ObjectRow, SyncError> {
    if let Some(name) = &new.unique_name {
        // An expired holder of the name is gone for every reader, so it must not block
        // the name either; remove it now rather than waiting for the purge task.
        let stale: Option<String> = conn
            .prepare_cached(
                "SELECT sid FROM objects WHERE service_sid = ?1 AND kind = ?2 \
                 AND unique_name = ?3 AND date_expires IS NOT NULL AND date_expires <= ?4",
            )?
            .query_row(params![service_sid, kind.tag(), name, ctx.now], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(sid) = stale {
            remove(conn, &sid, ctx.now)?;
        }
        if find(conn, service_sid, kind, name, ctx.now)?.is_some() {
            return Err(SyncError::UniqueNameExists(name.clone()));
        }
    }
    let row = ObjectRow {
        seq: 0,
        sid: new_sid(kind.prefix()),
        service_sid: service_sid.to_owned(),
        kind,
        unique_name: new.unique_name,
        data: kind
            .facts()
            .shape
            .data
            .then(|| new.data.unwrap_or_else(|| "{}".to_owned())),
        revision: 0,
        created_by: "system".to_owned(),
        date_created: ctx.now,
        date_updated: ctx.now,
        date_expires: new.ttl.and_then(|t| expiry(ctx.now, t)),
    };
    conn.prepare_cached(
        "INSERT INTO objects (sid, service_sid, kind, unique_name, data, revision, next_index, \
         created_by, date_created, date_updated, date_expires) \
         VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, ?6, ?7, ?7, ?8)",
    )?
    .execute(params![
        row.sid,
        row.service_sid,
        kind.tag(),
        row.unique_name,
        row.data,
        row.created_by,
        row.date_created,
        row.date_expires
    ])?;
    let seq = conn.last_insert_rowid();
    Ok(ObjectRow { seq, ..row })
}

/// What an update changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ObjectUpdate {
    pub if_match: Option<String>,
    pub data: Option<String>,
    pub ttl: Option<u32>,
}

pub fn update(
    conn: &Connection,
    ctx: &WriteCtx,
    service_sid: &str,
    kind: Kind,
    id: &str,
    upd: ObjectUpdate,
) -> Result<ObjectRow, SyncError> {
    let mut row = get(conn, service_sid, kind, id, ctx.now)?;
    ctx.touch(&row.sid, upd.data.as_ref().map_or(0, String::len))?;
    if let Some(m) = &upd.if_match {
        if !revision_matches(m, row.revision) {
            return Err(SyncError::RevisionMismatch(RevisionTarget::Document));
        }
    }
    if let Some(d) = upd.data {
        row.data = Some(d);
    }
    if let Some(ttl) = upd.ttl {
        row.date_expires = expiry(ctx.now, ttl);
    }
    row.revision += 1;
    row.date_updated = ctx.now;
    conn.prepare_cached(
        "UPDATE objects SET data = ?1, revision = ?2, date_updated = ?3, date_expires = ?4 \
         WHERE seq = ?5",
    )?
    .execute(params![
        row.data,
        row.revision,
        row.date_updated,
        row.date_expires,
        row.seq
    ])?;
    // Only a Document's update changes what subscribers see; a collection's is its TTL.
    if kind == Kind::Document {
        event_log::document_updated(conn, ctx.now, &row)?;
    }
    Ok(row)
}

pub fn delete(
    conn: &Connection,
    ctx: &WriteCtx,
    service_sid: &str,
    kind: Kind,
    id: &str,
    if_match: Option<&str>,
) -> Result<String, SyncError> {
    let row = get(conn, service_sid, kind, id, ctx.now)?;
    ctx.touch(&row.sid, 0)?;
    if let Some(m) = if_match {
        if !revision_matches(m, row.revision) {
            return Err(SyncError::RevisionMismatch(RevisionTarget::Document));
        }
    }
    remove(conn, &row.sid, ctx.now)?;
    Ok(row.sid)
}

/// Deletes an object, logging its removal event; its items go with it (the item
/// tables' foreign keys cascade).
pub fn remove(conn: &Connection, sid: &str, now: i64) -> Result<(), SyncError> {
    event_log::object_removed(conn, now, sid)?;
    conn.prepare_cached("DELETE FROM objects WHERE sid = ?1")?
        .execute([sid])?;
    Ok(())
}

/// Sets a collection's expiry (an item write's `CollectionTtl`).
pub fn set_expiry(conn: &Connection, seq: i64, date_expires: Option<i64>) -> Result<(), SyncError> {
    conn.prepare_cached("UPDATE objects SET date_expires = ?1 WHERE seq = ?2")?
        .execute(params![date_expires, seq])?;
    Ok(())
}

/// Hands out the next list index; indexes only grow, so a deleted index is never reused.
pub fn take_list_index(conn: &Connection, seq: i64) -> Result<i64, SyncError> {
    let idx: i64 = conn
        .prepare_cached("UPDATE objects SET next_index = next_index + 1 WHERE seq = ?1 RETURNING next_index - 1")?
        .query_row([seq], |r| r.get(0))?;
    Ok(idx)
}

/// One page of live objects of a kind, in creation order.
pub fn page(
    conn: &Connection,
    service_sid: &str,
    kind: Kind,
    q: &PageQuery,
    now: i64,
) -> Result<(Vec<ObjectRow>, bool), SyncError> {
    let (cond, order, extra) = q.sql("seq");
    let sql = format!(
        "SELECT {COLS} FROM objects WHERE service_sid = ? AND kind = ? \
         AND (date_expires IS NULL OR date_expires > ?){cond} ORDER BY seq {order} LIMIT ?"
    );
    let mut binds: Vec<Value> = vec![
        Value::Text(service_sid.to_owned()),
        Value::Text(kind.tag().to_owned()),
        Value::Integer(now),
    ];
    binds.extend(extra);
    binds.push(Value::Integer(q.size as i64 + 1));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(binds), |r| from_row(kind, r))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(q.finish(rows))
}

/// Deletes every expired object (with its items) and every expired item.
pub fn purge_expired(conn: &Connection, now: i64) -> Result<usize, SyncError> {
    let expired: Vec<String> = conn
        .prepare_cached(
            "SELECT sid FROM objects WHERE date_expires IS NOT NULL AND date_expires <= ?1",
        )?
        .query_map([now], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for sid in &expired {
        remove(conn, sid, now)?;
    }
    event_log::items_expiring(conn, now)?;
    let mut n = expired.len();
    for kind in ItemKind::ALL {
        n += conn
            .prepare_cached(&format!(
                "DELETE FROM {} WHERE date_expires IS NOT NULL AND date_expires <= ?1",
                kind.table()
            ))?
            .execute([now])?;
    }
    Ok(n)
}

/// The earliest expiry of anything stored, if any.
pub fn next_deadline(conn: &Connection) -> Result<Option<i64>, SyncError> {
    let t: Option<i64> = conn
        .prepare_cached(
            "SELECT MIN(t) FROM (
                SELECT MIN(date_expires) AS t FROM objects WHERE date_expires IS NOT NULL
                UNION ALL SELECT MIN(date_expires) FROM map_items WHERE date_expires IS NOT NULL
                UNION ALL SELECT MIN(date_expires) FROM list_items WHERE date_expires IS NOT NULL
            )",
        )?
        .query_row([], |r| r.get(0))?;
    Ok(t)
}
