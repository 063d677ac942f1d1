//! Sync Services, including the `default` service that always exists.

use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::event_log;
use super::page::PageQuery;
use crate::error::SyncError;
use crate::sid::{is_sid, new_sid, Prefix};

/// The unique name of the service that always exists.
pub const DEFAULT: &str = "default";

#[derive(Debug, Clone)]
pub struct ServiceRow {
    pub seq: i64,
    pub sid: String,
    pub unique_name: Option<String>,
    pub friendly_name: Option<String>,
    pub webhook_url: Option<String>,
    pub webhooks_from_rest_enabled: bool,
    pub reachability_webhooks_enabled: bool,
    pub acl_enabled: bool,
    pub reachability_debouncing_enabled: bool,
    pub reachability_debouncing_window: i64,
    pub date_created: i64,
    pub date_updated: i64,
}

const COLS: &str =
    "seq, sid, unique_name, friendly_name, webhook_url, webhooks_from_rest_enabled, \
    reachability_webhooks_enabled, acl_enabled, reachability_debouncing_enabled, \
    reachability_debouncing_window, date_created, date_updated";

fn from_row(r: &Row<'_>) -> rusqlite::Result<ServiceRow> {
    Ok(ServiceRow {
        seq: r.get(0)?,
        sid: r.get(1)?,
        unique_name: r.get(2)?,
        friendly_name: r.get(3)?,
        webhook_url: r.get(4)?,
        webhooks_from_rest_enabled: r.get(5)?,
        reachability_webhooks_enabled: r.get(6)?,
        acl_enabled: r.get(7)?,
        reachability_debouncing_enabled: r.get(8)?,
        reachability_debouncing_window: r.get(9)?,
        date_created: r.get(10)?,
        date_updated: r.get(11)?,
    })
}

/// Settable fields; `None` keeps the current value (or the default on create).
#[derive(Debug, Clone, Default)]
pub struct ServiceFields {
    pub friendly_name: Option<String>,
    /// `Some(None)` removes the webhook.
    pub webhook_url: Option<Option<String>>,
    pub webhooks_from_rest_enabled: Option<bool>,
    pub reachability_webhooks_enabled: Option<bool>,
    pub acl_enabled: Option<bool>,
    pub reachability_debouncing_enabled: Option<bool>,
    pub reachability_debouncing_window: Option<i64>,
}

/// Creates the `default` service if it is missing and returns its SID.
pub fn ensure_default(conn: &Connection, now: i64) -> Result<String, SyncError> {
    if let Some(s) = find(conn, DEFAULT)? {
        return Ok(s.sid);
    }
    let row = insert(
        conn,
        now,
        Some(DEFAULT),
        ServiceFields {
            friendly_name: Some("Default Service".to_owned()),
            ..Default::default()
        },
    )?;
    Ok(row.sid)
}

/// By SID (`IS…`) or unique name.
pub fn find(conn: &Connection, id: &str) -> Result<Option<ServiceRow>, SyncError> {
    let by = if is_sid(Prefix::Service, id) {
        "sid"
    } else {
        "unique_name"
    };
    let sql = format!("SELECT {COLS} FROM services WHERE {by} = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

pub fn get(conn: &Connection, id: &str) -> Result<ServiceRow, SyncError> {
    find(conn, id)?.ok_or_else(|| SyncError::NotFound(format!("/Services/{id}")))
}

/// The SID of a service named by SID or unique name, or 404.
pub fn resolve(conn: &Connection, id: &str) -> Result<String, SyncError> {
    let sid: Option<String> = conn
        .prepare_cached("SELECT sid FROM services WHERE sid = ?1 OR unique_name = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    sid.ok_or_else(|| SyncError::NotFound(format!("/Services/{id}")))
}

pub fn create(conn: &Connection, now: i64, f: ServiceFields) -> Result<ServiceRow, SyncError> {
    insert(conn, now, None, f)
}

fn insert(
    conn: &Connection,
    now: i64,
    unique_name: Option<&str>,
    f: ServiceFields,
) -> Result<ServiceRow, SyncError> {
    let row = ServiceRow {
        seq: 0,
        sid: new_sid(Prefix::Service),
        unique_name: unique_name.map(str::to_owned),
        friendly_name: f.friendly_name,
        webhook_url: f.webhook_url.flatten(),
        webhooks_from_rest_enabled: f.webhooks_from_rest_enabled.unwrap_or(false),
        reachability_webhooks_enabled: f.reachability_webhooks_enabled.unwrap_or(false),
        acl_enabled: f.acl_enabled.unwrap_or(false),
        reachability_debouncing_enabled: f.reachability_debouncing_enabled.unwrap_or(false),
        reachability_debouncing_window: f.reachability_debouncing_window.unwrap_or(5000),
        date_created: now,
        date_updated: now,
    };
    conn.prepare_cached(
        "INSERT INTO services (sid, unique_name, friendly_name, webhook_url, \
         webhooks_from_rest_enabled, reachability_webhooks_enabled, acl_enabled, \
         reachability_debouncing_enabled, reachability_debouncing_window, date_created, \
         date_updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
    )?
    .execute(params![
        row.sid,
        row.unique_name,
        row.friendly_name,
        row.webhook_url,
        row.webhooks_from_rest_enabled,
        row.reachability_webhooks_enabled,
        row.acl_enabled,
        row.reachability_debouncing_enabled,
        row.reachability_debouncing_window,
        now
    ])?;
    Ok(ServiceRow {
        seq: conn.last_insert_rowid(),
        ..row
    })
}

pub fn update(
    conn: &Connection,
    now: i64,
    id: &str,
    f: ServiceFields,
) -> Result<ServiceRow, SyncError> {
    let mut row = get(conn, id)?;
    if let Some(v) = f.friendly_name {
        row.friendly_name = Some(v);
    }
    if let Some(v) = f.webhook_url {
        row.webhook_url = v;
    }
    if let Some(v) = f.webhooks_from_rest_enabled {
        row.webhooks_from_rest_enabled = v;
    }
    if let Some(v) = f.reachability_webhooks_enabled {
        row.reachability_webhooks_enabled = v;
    }
    if let Some(v) = f.acl_enabled {
        row.acl_enabled = v;
    }
    if let Some(v) = f.reachability_debouncing_enabled {
        row.reachability_debouncing_enabled = v;
    }
    if let Some(v) = f.reachability_debouncing_window {
        row.reachability_debouncing_window = v;
    }
    row.date_updated = now;
    conn.prepare_cached(
        "UPDATE services SET friendly_name = ?1, webhook_url = ?2, \
         webhooks_from_rest_enabled = ?3, reachability_webhooks_enabled = ?4, acl_enabled = ?5, \
         reachability_debouncing_enabled = ?6, reachability_debouncing_window = ?7, \
         date_updated = ?8 WHERE seq = ?9",
    )?
    .execute(params![
        row.friendly_name,
        row.webhook_url,
        row.webhooks_from_rest_enabled,
        row.reachability_webhooks_enabled,
        row.acl_enabled,
        row.reachability_debouncing_enabled,
        row.reachability_debouncing_window,
        row.date_updated,
        row.seq
    ])?;
    Ok(row)
}

/// Deletes a service and everything in it. The `default` service cannot be deleted.
pub fn delete(conn: &Connection, id: &str, now: i64) -> Result<(), SyncError> {
    let row = get(conn, id)?;
    if row.unique_name.as_deref() == Some(DEFAULT) {
        return Err(SyncError::Forbidden(
            "The default Sync Service cannot be deleted".to_owned(),
        ));
    }
    // Subscribers hear of every object's removal; the rows themselves (objects, their
    // items) go with the service through the cascading foreign keys.
    let sids: Vec<String> = conn
        .prepare_cached("SELECT sid FROM objects WHERE service_sid = ?1")?
        .query_map([&row.sid], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for sid in &sids {
        event_log::object_removed(conn, now, sid)?;
    }
    conn.prepare_cached("DELETE FROM services WHERE seq = ?1")?
        .execute([row.seq])?;
    Ok(())
}

pub fn page(conn: &Connection, q: &PageQuery) -> Result<(Vec<ServiceRow>, bool), SyncError> {
    let (cond, order, extra) = q.sql("seq");
    let sql = format!("SELECT {COLS} FROM services WHERE 1 = 1{cond} ORDER BY seq {order} LIMIT ?");
    let mut binds: Vec<Value> = extra;
    binds.push(Value::Integer(q.size as i64 + 1));
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(rusqlite::params_from_iter(binds), from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(q.finish(rows))
}
