//! Sync Permissions: which token identity may read, write or manage a Document, Map or
//! List. They matter only on a service with `AclEnabled`, and only to realtime clients
//! (REST calls made with account credentials or an API key are never checked); the
//! realtime socket asks [`allows`] before serving such a client.
//!
//! A permission has no SID: the object and the identity name it. Rows cascade with their
//! object, so deleting the object deletes its permissions.

use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};

use super::page::PageQuery;
use crate::error::SyncError;

/// One identity's flags on one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    pub identity: String,
    /// May read the object and its items, and subscribe to it.
    pub read: bool,
    /// May update the object and create, update and delete its items.
    pub write: bool,
    /// May delete the object.
    pub manage: bool,
}

/// A committed change to one identity's permission on one object (replaced or removed),
/// announced on [`Store::permission_changes`](super::Store::permission_changes) so that
/// realtime sessions re-check what they serve that identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub service_sid: String,
    pub object_sid: String,
    pub identity: String,
}

/// What a realtime request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Manage,
}

const COLS: &str = "identity, can_read, can_write, can_manage";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Permission> {
    Ok(Permission {
        identity: r.get(0)?,
        read: r.get(1)?,
        write: r.get(2)?,
        manage: r.get(3)?,
    })
}

pub fn get(
    conn: &Connection,
    object_sid: &str,
    identity: &str,
) -> Result<Option<Permission>, SyncError> {
    let sql = format!("SELECT {COLS} FROM permissions WHERE object_sid = ?1 AND identity = ?2");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![object_sid, identity], from_row)
        .optional()?)
}

/// Creates or replaces the identity's flags on the object.
pub fn set(conn: &Connection, object_sid: &str, p: &Permission) -> Result<(), SyncError> {
    conn.prepare_cached(
        "INSERT INTO permissions (object_sid, identity, can_read, can_write, can_manage)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (object_sid, identity) DO UPDATE SET
             can_read = excluded.can_read, can_write = excluded.can_write,
             can_manage = excluded.can_manage",
    )?
    .execute(params![object_sid, p.identity, p.read, p.write, p.manage])?;
    Ok(())
}

/// Removes the identity's flags; false if it had none.
pub fn delete(conn: &Connection, object_sid: &str, identity: &str) -> Result<bool, SyncError> {
    let n = conn
        .prepare_cached("DELETE FROM permissions WHERE object_sid = ?1 AND identity = ?2")?
        .execute(params![object_sid, identity])?;
    Ok(n > 0)
}

/// One page of the object's permissions, by identity.
pub fn page(
    conn: &Connection,
    object_sid: &str,
    q: &PageQuery,
) -> Result<(Vec<Permission>, bool), SyncError> {
    let (cond, order, extra) = q.sql("identity");
    let sql = format!(
        "SELECT {COLS} FROM permissions WHERE object_sid = ?{cond} ORDER BY identity {order} LIMIT ?"
    );
    let mut binds = vec![Value::Text(object_sid.to_owned())];
    binds.extend(extra);
    binds.push(Value::Integer(q.size as i64 + 1));
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(rusqlite::params_from_iter(binds), from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(q.finish(rows))
}

/// Whether `identity` may do `access` on the object. A token without an identity has
/// no permissions.
pub fn allows(
    conn: &Connection,
    object_sid: &str,
    identity: Option<&str>,
    access: Access,
) -> Result<bool, SyncError> {
    let Some(identity) = identity else {
        return Ok(false);
    };
    Ok(
        get(conn, object_sid, identity)?.is_some_and(|p| match access {
            Access::Read => p.read,
            Access::Write => p.write,
            Access::Manage => p.manage,
        }),
    )
}
