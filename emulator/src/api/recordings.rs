//! A call's `Recordings`: start (create), list, fetch, and pause / resume / stop
//! (update `Status`), at `/Calls/{CallSid}/Recordings`, plus the account-wide fetch at
//! `/Recordings/{Sid}`. No audio exists: a recording is its status and its times, which
//! is what a flow that starts and stops one can observe.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value as Json};

use super::v2010::{self, rfc2822, strip_json};
use crate::error::SyncError;
use crate::ops::paging::Paging;
use crate::ops::render::respond;
use crate::routes::extract::{Form, Ids, Query};
use crate::sid::{is_sid, new_sid, Prefix};
use crate::state::Shared;

pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS api_recordings (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL UNIQUE,
    call_sid TEXT NOT NULL,
    status TEXT NOT NULL,
    channels INTEGER NOT NULL,
    track TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    end_time INTEGER,
    date_updated INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS api_recordings_call ON api_recordings(call_sid, seq);";

/// The update path's alias for the call's recording in progress.
const CURRENT: &str = "Twilio.CURRENT";

#[derive(Debug, Clone)]
struct RecordingRow {
    seq: i64,
    sid: String,
    call_sid: String,
    status: String,
    channels: i64,
    track: String,
    start_time: i64,
    end_time: Option<i64>,
    date_updated: i64,
}

const COLS: &str =
    "seq, sid, call_sid, status, channels, track, start_time, end_time, date_updated";

fn from_row(r: &Row<'_>) -> rusqlite::Result<RecordingRow> {
    Ok(RecordingRow {
        seq: r.get(0)?,
        sid: r.get(1)?,
        call_sid: r.get(2)?,
        status: r.get(3)?,
        channels: r.get(4)?,
        track: r.get(5)?,
        start_time: r.get(6)?,
        end_time: r.get(7)?,
        date_updated: r.get(8)?,
    })
}

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/2010-04-01/Accounts/{account}/Calls/{call}/Recordings.json",
            get(list).post(create),
        )
        .route(
            "/2010-04-01/Accounts/{account}/Calls/{call}/Recordings/{sid}",
            get(fetch).post(update),
        )
        .route(
            "/2010-04-01/Accounts/{account}/Recordings/{sid}",
            get(fetch_any),
        )
}

fn render(account_sid: &str, r: &RecordingRow) -> Json {
    let uri = format!(
        "{}/Accounts/{account_sid}/Calls/{}/Recordings/{}.json",
        v2010::ROOT,
        r.call_sid,
        r.sid
    );
    // Twilio reports -1 until the recording is finished.
    let duration = r
        .end_time
        .map_or(-1, |end| (end - r.start_time).div_euclid(1000));
    json!({
        "sid": r.sid,
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "call_sid": r.call_sid,
        "conference_sid": null,
        "channels": r.channels,
        "date_created": rfc2822(r.start_time),
        "date_updated": rfc2822(r.date_updated),
        "start_time": rfc2822(r.start_time),
        "duration": duration.to_string(),
        "encryption_details": null,
        "error_code": null,
        "price": null,
        "price_unit": "USD",
        "source": "StartCallRecordingAPI",
        "status": r.status,
        "track": r.track,
        "uri": uri,
    })
}

/// The call's path segment: a `CA…` SID, or 404 (there is nothing else it could name).
fn call_sid(root: &str, call: &str) -> Result<String, SyncError> {
    if is_sid(Prefix::Call, call) {
        Ok(call.to_owned())
    } else {
        Err(SyncError::NotFound(format!("{root}/Calls/{call}.json")))
    }
}

async fn create(
    State(st): State<Shared>,
    Ids((account, call)): Ids<(String, String)>,
    Form(p): Form,
) -> Result<Response, SyncError> {
    let root = v2010::account(&st, &account)?;
    let call = call_sid(&root, &call)?;
    let channels = match p.get("RecordingChannels") {
        None | Some("mono") => 1,
        Some("dual") => 2,
        Some(other) => {
            return Err(SyncError::InvalidParameter(format!(
                "RecordingChannels must be mono or dual, got {:?}",
                other.chars().take(20).collect::<String>()
            )))
        }
    };
    let track = match p.get("RecordingTrack") {
        None => "both",
        Some(t @ ("inbound" | "outbound" | "both")) => t,
        Some(other) => {
            return Err(SyncError::InvalidParameter(format!(
                "RecordingTrack must be inbound, outbound or both, got {:?}",
                other.chars().take(20).collect::<String>()
            )))
        }
    }
    .to_owned();
    p.webhook_url("RecordingStatusCallback")?;
    let now = st.clock.now_ms();
    let path = format!("{root}/Calls/{call}/Recordings");
    let row = st
        .store
        .write(move |c| {
            let sid = new_sid(Prefix::Recording);
            c.prepare_cached(
                "INSERT INTO api_recordings (sid, call_sid, status, channels, track, \
                 start_time, date_updated) VALUES (?1, ?2, 'in-progress', ?3, ?4, ?5, ?5)",
            )?
            .execute(params![sid, call, channels, track, now])?;
            get_row(c, Some(&call), &sid, &path)
        })
        .await?;
    Ok(respond(
        StatusCode::CREATED,
        render(&st.account_sid, &row),
        None,
    ))
}

/// A recording by SID (within `call` if given), or the call's latest one still going for
/// [`CURRENT`].
fn get_row(
    c: &Connection,
    call: Option<&str>,
    sid: &str,
    collection: &str,
) -> Result<RecordingRow, SyncError> {
    let row = match (call, sid) {
        (Some(call), CURRENT) => c
            .prepare_cached(&format!(
                "SELECT {COLS} FROM api_recordings WHERE call_sid = ?1 \
                 AND status IN ('in-progress', 'paused') ORDER BY seq DESC LIMIT 1"
            ))?
            .query_row([call], from_row)
            .optional()?,
        (Some(call), sid) => c
            .prepare_cached(&format!(
                "SELECT {COLS} FROM api_recordings WHERE call_sid = ?1 AND sid = ?2"
            ))?
            .query_row([call, sid], from_row)
            .optional()?,
        (None, sid) => c
            .prepare_cached(&format!("SELECT {COLS} FROM api_recordings WHERE sid = ?1"))?
            .query_row([sid], from_row)
            .optional()?,
    };
    row.ok_or_else(|| SyncError::NotFound(format!("{collection}/{sid}.json")))
}

async fn update(
    State(st): State<Shared>,
    Ids((account, call, sid)): Ids<(String, String, String)>,
    Form(p): Form,
) -> Result<Response, SyncError> {
    let root = v2010::account(&st, &account)?;
    let call = call_sid(&root, &call)?;
    let sid = strip_json(&sid).to_owned();
    let status = match p.required("Status")? {
        s @ ("stopped" | "paused" | "in-progress") => s.to_owned(),
        other => {
            return Err(SyncError::InvalidParameter(format!(
                "Status must be stopped, paused or in-progress, got {:?}",
                other.chars().take(20).collect::<String>()
            )))
        }
    };
    let now = st.clock.now_ms();
    let path = format!("{root}/Calls/{call}/Recordings");
    let row = st
        .store
        .write(move |c| {
            let row = get_row(c, Some(&call), &sid, &path)?;
            // A stopped recording is finished: Twilio refuses to restart it.
            if row.status == "stopped" && status != "stopped" {
                return Err(SyncError::Refused {
                    code: 21220,
                    message: "Invalid state: the recording is already stopped".into(),
                });
            }
            if row.status != status {
                let end = (status == "stopped").then_some(now);
                c.prepare_cached(
                    "UPDATE api_recordings SET status = ?1, date_updated = ?2, \
                     end_time = COALESCE(?3, end_time) WHERE sid = ?4",
                )?
                .execute(params![status, now, end, row.sid])?;
            }
            get_row(c, Some(&call), &row.sid, &path)
        })
        .await?;
    Ok(respond(StatusCode::OK, render(&st.account_sid, &row), None))
}

async fn fetch(
    State(st): State<Shared>,
    Ids((account, call, sid)): Ids<(String, String, String)>,
) -> Result<Response, SyncError> {
    let root = v2010::account(&st, &account)?;
    let call = call_sid(&root, &call)?;
    let sid = strip_json(&sid).to_owned();
    let path = format!("{root}/Calls/{call}/Recordings");
    let row = st
        .store
        .read(move |c| get_row(c, Some(&call), &sid, &path))
        .await?;
    Ok(respond(StatusCode::OK, render(&st.account_sid, &row), None))
}

async fn fetch_any(
    State(st): State<Shared>,
    Ids((account, sid)): Ids<(String, String)>,
) -> Result<Response, SyncError> {
    let root = v2010::account(&st, &account)?;
    let sid = strip_json(&sid).to_owned();
    let path = format!("{root}/Recordings");
    let row = st
        .store
        .read(move |c| get_row(c, None, &sid, &path))
        .await?;
    Ok(respond(StatusCode::OK, render(&st.account_sid, &row), None))
}

async fn list(
    State(st): State<Shared>,
    Ids((account, call)): Ids<(String, String)>,
    Query(p): Query,
) -> Result<Response, SyncError> {
    let root = v2010::account(&st, &account)?;
    let call = call_sid(&root, &call)?;
    let paging = Paging::parse(&p)?;
    let mut listing = v2010::Listing::new(
        "recordings",
        format!("{root}/Calls/{call}/Recordings.json"),
        "api_recordings",
        COLS,
    );
    listing.condition("call_sid = ?", Value::Text(call));
    v2010::list_page(&st, &paging, listing, from_row, |r| r.seq, render).await
}
