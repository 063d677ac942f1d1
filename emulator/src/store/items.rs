//! Map Items and List Items: JSON values inside a Map (by key) or a List (by index).

use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::event_log::{self, ItemChange};
use super::objects::{self, expiry, revision_matches, Kind, ObjectRow};
use super::page::PageQuery;
use crate::error::{RevisionTarget, SyncError};
use crate::ratelimit::WriteCtx;

/// Which collection an item lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Map,
    List,
}

/// The facts that differ between map and list items, one row per kind.
#[derive(Debug)]
struct ItemFacts {
    table: &'static str,
    parent_col: &'static str,
    key_col: &'static str,
    parent_kind: Kind,
    revision_target: RevisionTarget,
}

/// In [`ItemKind`]'s order.
const ITEM_KINDS: [ItemFacts; 2] = [
    ItemFacts {
        table: "map_items",
        parent_col: "map_sid",
        key_col: "key",
        parent_kind: Kind::Map,
        revision_target: RevisionTarget::MapItem,
    },
    ItemFacts {
        table: "list_items",
        parent_col: "list_sid",
        key_col: "idx",
        parent_kind: Kind::List,
        revision_target: RevisionTarget::ListItem,
    },
];

impl ItemKind {
    pub const ALL: [ItemKind; 2] = [ItemKind::Map, ItemKind::List];

    fn facts(self) -> &'static ItemFacts {
        &ITEM_KINDS[self as usize]
    }

    pub fn table(self) -> &'static str {
        self.facts().table
    }

    pub fn parent_col(self) -> &'static str {
        self.facts().parent_col
    }

    pub fn key_col(self) -> &'static str {
        self.facts().key_col
    }

    pub fn parent_kind(self) -> Kind {
        self.facts().parent_kind
    }

    fn revision_target(self) -> RevisionTarget {
        self.facts().revision_target
    }
}

/// A Map key or a List index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKey {
    Key(String),
    Index(i64),
}

impl ItemKey {
    pub fn to_value(&self) -> Value {
        match self {
            ItemKey::Key(k) => Value::Text(k.clone()),
            ItemKey::Index(i) => Value::Integer(*i),
        }
    }

    /// How the key appears in a path (before percent-encoding).
    pub fn path_text(&self) -> String {
        match self {
            ItemKey::Key(k) => k.clone(),
            ItemKey::Index(i) => i.to_string(),
        }
    }
}

/// One stored item.
#[derive(Debug, Clone)]
pub struct ItemRow {
    pub parent_sid: String,
    pub key: ItemKey,
    pub data: String,
    pub revision: i64,
    pub created_by: String,
    pub date_created: i64,
    pub date_updated: i64,
    pub date_expires: Option<i64>,
}

fn from_row(kind: ItemKind, r: &Row<'_>) -> rusqlite::Result<ItemRow> {
    Ok(ItemRow {
        parent_sid: r.get(0)?,
        key: match kind {
            ItemKind::Map => ItemKey::Key(r.get(1)?),
            ItemKind::List => ItemKey::Index(r.get(1)?),
        },
        data: r.get(2)?,
        revision: r.get(3)?,
        created_by: r.get(4)?,
        date_created: r.get(5)?,
        date_updated: r.get(6)?,
        date_expires: r.get(7)?,
    })
}

fn cols(kind: ItemKind) -> String {
    format!(
        "{}, {}, data, revision, created_by, date_created, date_updated, date_expires",
        kind.parent_col(),
        kind.key_col()
    )
}

fn not_found(parent: &ObjectRow, key: &ItemKey) -> SyncError {
    SyncError::NotFound(format!(
        "/Services/{}/{}/{}/Items/{}",
        parent.service_sid,
        parent.kind.collection(),
        parent.sid,
        key.path_text()
    ))
}

/// A live item, or 404.
pub fn get(
    conn: &Connection,
    parent: &ObjectRow,
    kind: ItemKind,
    key: &ItemKey,
    now: i64,
) -> Result<ItemRow, SyncError> {
    let sql = format!(
        "SELECT {} FROM {} WHERE {} = ?1 AND {} = ?2 \
         AND (date_expires IS NULL OR date_expires > ?3)",
        cols(kind),
        kind.table(),
        kind.parent_col(),
        kind.key_col()
    );
    conn.prepare_cached(&sql)?
        .query_row(params![parent.sid, key.to_value(), now], |r| {
            from_row(kind, r)
        })
        .optional()?
        .ok_or_else(|| not_found(parent, key))
}

/// What an item write carries besides its key.
#[derive(Debug, Clone, Default)]
pub struct ItemWrite {
    pub if_match: Option<String>,
    pub data: Option<String>,
    pub item_ttl: Option<u32>,
    pub collection_ttl: Option<u32>,
}

fn apply_collection_ttl(
    conn: &Connection,
    ctx: &WriteCtx,
    parent: &ObjectRow,
    ttl: Option<u32>,
) -> Result<(), SyncError> {
    match ttl {
        Some(t) => objects::set_expiry(conn, parent.seq, expiry(ctx.now, t)),
        None => Ok(()),
    }
}

/// Adds an item. For a Map, `key` must be given and unused; for a List, pass `None`
/// and the next index is assigned.
pub fn create(
    conn: &Connection,
    ctx: &WriteCtx,
    parent: &ObjectRow,
    kind: ItemKind,
    key: Option<String>,
    w: ItemWrite,
) -> Result<ItemRow, SyncError> {
    ctx.touch(&parent.sid, w.data.as_ref().map_or(0, String::len))?;
    let key = match (kind, key) {
        (ItemKind::Map, Some(k)) => {
            let key = ItemKey::Key(k);
            match get(conn, parent, kind, &key, ctx.now) {
                Ok(_) => return Err(SyncError::ItemKeyExists(key.path_text())),
                Err(SyncError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
            // An expired item with this key may still sit in the table; it is gone for
            // readers, so it must not block the key.
            conn.prepare_cached("DELETE FROM map_items WHERE map_sid = ?1 AND key = ?2")?
                .execute(params![parent.sid, key.path_text()])?;
            key
        }
        (ItemKind::List, _) => ItemKey::Index(objects::take_list_index(conn, parent.seq)?),
        (ItemKind::Map, None) => return Err(SyncError::MissingParameter("Key")),
    };
    let row = ItemRow {
        parent_sid: parent.sid.clone(),
        key,
        data: w.data.unwrap_or_else(|| "{}".to_owned()),
        revision: 0,
        created_by: "system".to_owned(),
        date_created: ctx.now,
        date_updated: ctx.now,
        date_expires: w.item_ttl.and_then(|t| expiry(ctx.now, t)),
    };
    let sql = format!(
        "INSERT INTO {} ({}) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?5, ?6)",
        kind.table(),
        cols(kind)
    );
    conn.prepare_cached(&sql)?.execute(params![
        row.parent_sid,
        row.key.to_value(),
        row.data,
        row.created_by,
        row.date_created,
        row.date_expires
    ])?;
    apply_collection_ttl(conn, ctx, parent, w.collection_ttl)?;
    event_log::item_changed(conn, ctx.now, parent, &row, ItemChange::Added)?;
    Ok(row)
}

pub fn update(
    conn: &Connection,
    ctx: &WriteCtx,
    parent: &ObjectRow,
    kind: ItemKind,
    key: &ItemKey,
    w: ItemWrite,
) -> Result<ItemRow, SyncError> {
    let mut row = get(conn, parent, kind, key, ctx.now)?;
    ctx.touch(&parent.sid, w.data.as_ref().map_or(0, String::len))?;
    if let Some(m) = &w.if_match {
        if !revision_matches(m, row.revision) {
            return Err(SyncError::RevisionMismatch(kind.revision_target()));
        }
    }
    if let Some(d) = w.data {
        row.data = d;
    }
    if let Some(t) = w.item_ttl {
        row.date_expires = expiry(ctx.now, t);
    }
    row.revision += 1;
    row.date_updated = ctx.now;
    let sql = format!(
        "UPDATE {} SET data = ?1, revision = ?2, date_updated = ?3, date_expires = ?4 \
         WHERE {} = ?5 AND {} = ?6",
        kind.table(),
        kind.parent_col(),
        kind.key_col()
    );
    conn.prepare_cached(&sql)?.execute(params![
        row.data,
        row.revision,
        row.date_updated,
        row.date_expires,
        parent.sid,
        key.to_value()
    ])?;
    apply_collection_ttl(conn, ctx, parent, w.collection_ttl)?;
    event_log::item_changed(conn, ctx.now, parent, &row, ItemChange::Updated)?;
    Ok(row)
}

pub fn delete(
    conn: &Connection,
    ctx: &WriteCtx,
    parent: &ObjectRow,
    kind: ItemKind,
    key: &ItemKey,
    if_match: Option<&str>,
) -> Result<(), SyncError> {
    let row = get(conn, parent, kind, key, ctx.now)?;
    ctx.touch(&parent.sid, 0)?;
    if let Some(m) = if_match {
        if !revision_matches(m, row.revision) {
            return Err(SyncError::RevisionMismatch(kind.revision_target()));
        }
    }
    let sql = format!(
        "DELETE FROM {} WHERE {} = ?1 AND {} = ?2",
        kind.table(),
        kind.parent_col(),
        kind.key_col()
    );
    conn.prepare_cached(&sql)?
        .execute(params![parent.sid, key.to_value()])?;
    event_log::item_changed(conn, ctx.now, parent, &row, ItemChange::Removed)?;
    Ok(())
}

/// One page of live items, ordered by key (Maps, byte-wise) or index (Lists).
pub fn page(
    conn: &Connection,
    parent: &ObjectRow,
    kind: ItemKind,
    q: &PageQuery,
    now: i64,
) -> Result<(Vec<ItemRow>, bool), SyncError> {
    let col = kind.key_col();
    let (cond, order, extra) = q.sql(col);
    let sql = format!(
        "SELECT {} FROM {} WHERE {} = ? AND (date_expires IS NULL OR date_expires > ?){cond} \
         ORDER BY {col} {order} LIMIT ?",
        cols(kind),
        kind.table(),
        kind.parent_col(),
    );
    let mut binds: Vec<Value> = vec![Value::Text(parent.sid.clone()), Value::Integer(now)];
    binds.extend(extra);
    binds.push(Value::Integer(q.size as i64 + 1));
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(rusqlite::params_from_iter(binds), |r| from_row(kind, r))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(q.finish(rows))
}
