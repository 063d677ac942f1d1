//! Studio Flows and their revisions (`/v2/Flows`). Every create or update writes a new
//! revision; the flow resource is its latest one, and older ones stay readable.

use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::page::PageQuery;
use crate::error::SyncError;
use crate::sid::{new_sid, Prefix};

/// One revision of a flow (the latest one is the flow itself).
#[derive(Debug, Clone)]
pub struct FlowRow {
    pub seq: i64,
    pub sid: String,
    pub revision: i64,
    pub friendly_name: String,
    /// `draft` or `published`.
    pub status: String,
    /// The definition's JSON text, as sent.
    pub definition: String,
    pub commit_message: Option<String>,
    pub date_created: i64,
    pub date_updated: i64,
}

const COLS: &str = "f.seq, f.sid, r.revision, r.friendly_name, r.status, r.definition, \
    r.commit_message, f.date_created, r.date_updated";

fn from_row(r: &Row<'_>) -> rusqlite::Result<FlowRow> {
    Ok(FlowRow {
        seq: r.get(0)?,
        sid: r.get(1)?,
        revision: r.get(2)?,
        friendly_name: r.get(3)?,
        status: r.get(4)?,
        definition: r.get(5)?,
        commit_message: r.get(6)?,
        date_created: r.get(7)?,
        date_updated: r.get(8)?,
    })
}

/// What a create sets, or an update changes (`None` keeps the current value).
#[derive(Debug, Clone, Default)]
pub struct FlowFields {
    pub friendly_name: Option<String>,
    pub status: Option<String>,
    /// Already checked against the flow-definition schema.
    pub definition: Option<String>,
    pub commit_message: Option<String>,
}

/// Which revision `/Revisions/{Revision}` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Which {
    Number(i64),
    /// The newest published revision.
    LatestPublished,
    /// The newest revision (`LatestRevision`), or the newest draft (`LatestDraft`).
    Latest {
        draft_only: bool,
    },
}

impl Which {
    pub fn parse(s: &str) -> Option<Which> {
        match s {
            "LatestPublished" => Some(Which::LatestPublished),
            "LatestRevision" => Some(Which::Latest { draft_only: false }),
            "LatestDraft" => Some(Which::Latest { draft_only: true }),
            n => n.parse().ok().filter(|n| *n > 0).map(Which::Number),
        }
    }
}

fn not_found(sid: &str) -> SyncError {
    SyncError::NotFound(format!("/Flows/{sid}"))
}

pub fn create(conn: &Connection, now: i64, f: FlowFields) -> Result<FlowRow, SyncError> {
    let sid = new_sid(Prefix::Flow);
    conn.prepare_cached("INSERT INTO flows (sid, revision, date_created) VALUES (?1, 1, ?2)")?
        .execute(params![sid, now])?;
    insert_revision(
        conn,
        &sid,
        1,
        &f.friendly_name.unwrap_or_default(),
        &f.status.unwrap_or_else(|| "draft".to_owned()),
        &f.definition.unwrap_or_else(|| "{}".to_owned()),
        f.commit_message.as_deref(),
        now,
    )?;
    get(conn, &sid)
}

#[allow(clippy::too_many_arguments)]
fn insert_revision(
    conn: &Connection,
    sid: &str,
    revision: i64,
    friendly_name: &str,
    status: &str,
    definition: &str,
    commit_message: Option<&str>,
    now: i64,
) -> Result<(), SyncError> {
    conn.prepare_cached(
        "INSERT INTO flow_revisions (flow_sid, revision, friendly_name, status, definition, \
         commit_message, date_updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        sid,
        revision,
        friendly_name,
        status,
        definition,
        commit_message,
        now
    ])?;
    Ok(())
}

/// The flow: its latest revision.
pub fn get(conn: &Connection, sid: &str) -> Result<FlowRow, SyncError> {
    let sql = format!(
        "SELECT {COLS} FROM flows f JOIN flow_revisions r \
         ON r.flow_sid = f.sid AND r.revision = f.revision WHERE f.sid = ?1"
    );
    conn.prepare_cached(&sql)?
        .query_row([sid], from_row)
        .optional()?
        .ok_or_else(|| not_found(sid))
}

/// A new revision: the latest one with `f` applied. The commit message is the update's
/// own (none if not given), never carried over.
pub fn update(conn: &Connection, now: i64, sid: &str, f: FlowFields) -> Result<FlowRow, SyncError> {
    let current = get(conn, sid)?;
    let revision = current.revision + 1;
    insert_revision(
        conn,
        sid,
        revision,
        f.friendly_name.as_deref().unwrap_or(&current.friendly_name),
        f.status.as_deref().unwrap_or(&current.status),
        f.definition.as_deref().unwrap_or(&current.definition),
        f.commit_message.as_deref(),
        now,
    )?;
    conn.prepare_cached("UPDATE flows SET revision = ?1 WHERE seq = ?2")?
        .execute(params![revision, current.seq])?;
    get(conn, sid)
}

/// Deletes a flow and its revisions.
pub fn delete(conn: &Connection, sid: &str) -> Result<(), SyncError> {
    let n = conn
        .prepare_cached("DELETE FROM flows WHERE sid = ?1")?
        .execute([sid])?;
    if n == 0 {
        return Err(not_found(sid));
    }
    Ok(())
}

/// A page of flows, oldest first.
pub fn page(conn: &Connection, q: &PageQuery) -> Result<(Vec<FlowRow>, bool), SyncError> {
    let (cond, order, extra) = q.sql("f.seq");
    let sql = format!(
        "SELECT {COLS} FROM flows f JOIN flow_revisions r \
         ON r.flow_sid = f.sid AND r.revision = f.revision \
         WHERE 1 = 1{cond} ORDER BY f.seq {order} LIMIT ?"
    );
    let mut binds: Vec<Value> = extra;
    binds.push(Value::Integer(q.size as i64 + 1));
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(rusqlite::params_from_iter(binds), from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(q.finish(rows))
}

/// A page of one flow's revisions, keyed by revision number (the caller sets the
/// direction; Studio lists the newest first).
pub fn revisions(
    conn: &Connection,
    sid: &str,
    q: &PageQuery,
) -> Result<(Vec<FlowRow>, bool), SyncError> {
    get(conn, sid)?;
    let (cond, order, extra) = q.sql("r.revision");
    let sql = format!(
        "SELECT {COLS} FROM flows f JOIN flow_revisions r ON r.flow_sid = f.sid \
         WHERE f.sid = ?{cond} ORDER BY r.revision {order} LIMIT ?"
    );
    let mut binds: Vec<Value> = vec![Value::Text(sid.to_owned())];
    binds.extend(extra);
    binds.push(Value::Integer(q.size as i64 + 1));
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(rusqlite::params_from_iter(binds), from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(q.finish(rows))
}

/// One revision of a flow.
pub fn revision(conn: &Connection, sid: &str, which: &Which) -> Result<FlowRow, SyncError> {
    get(conn, sid)?;
    let filter = match which {
        Which::Number(_) => "AND r.revision = ?2",
        Which::LatestPublished => "AND r.status = 'published'",
        Which::Latest { draft_only: true } => "AND r.status = 'draft'",
        Which::Latest { draft_only: false } => "",
    };
    let sql = format!(
        "SELECT {COLS} FROM flows f JOIN flow_revisions r ON r.flow_sid = f.sid \
         WHERE f.sid = ?1 {filter} ORDER BY r.revision DESC LIMIT 1"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let row = match which {
        Which::Number(n) => stmt.query_row(params![sid, n], from_row),
        _ => stmt.query_row(params![sid], from_row),
    }
    .optional()?;
    row.ok_or_else(|| {
        let label = match which {
            Which::Number(n) => n.to_string(),
            Which::LatestPublished => "LatestPublished".to_owned(),
            Which::Latest { draft_only: true } => "LatestDraft".to_owned(),
            Which::Latest { draft_only: false } => "LatestRevision".to_owned(),
        };
        SyncError::NotFound(format!("/Flows/{sid}/Revisions/{label}"))
    })
}
