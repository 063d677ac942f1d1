//! API Keys: create (the secret is answered once, then only its owner knows it), list,
//! fetch, rename and delete, at both paths current clients use: the 2010-04-01
//! `/Accounts/{AccountSid}/Keys` (twilio-python `client.api.v2010.account.keys`,
//! `new_keys`) and IAM's `/v1/Keys` (`client.iam.v1.new_api_key`, `api_key`,
//! `get_api_keys`). A created key authenticates REST requests here at once, as a real
//! one does at Twilio.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value as Json};
use subtle::ConstantTimeEq;

use super::v2010::{self, rfc2822, strip_json};
use crate::error::SyncError;
use crate::ops::paging::Paging;
use crate::ops::render::respond;
use crate::routes::extract::{Base, Form, Ids, Params, Query};
use crate::sid::{is_sid, new_secret, new_sid, Prefix};
use crate::state::{AppState, Shared};

pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS api_keys (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL UNIQUE,
    secret TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL
)";

/// Twilio's limit on a key's friendly name.
const MAX_NAME: usize = 64;

#[derive(Debug, Clone)]
struct KeyRow {
    seq: i64,
    sid: String,
    secret: String,
    friendly_name: String,
    date_created: i64,
    date_updated: i64,
}

const COLS: &str = "seq, sid, secret, friendly_name, date_created, date_updated";

fn from_row(r: &Row<'_>) -> rusqlite::Result<KeyRow> {
    Ok(KeyRow {
        seq: r.get(0)?,
        sid: r.get(1)?,
        secret: r.get(2)?,
        friendly_name: r.get(3)?,
        date_created: r.get(4)?,
        date_updated: r.get(5)?,
    })
}

/// Whether the request's Basic credentials are a key created through this API.
/// (Keys given at start are checked by `routes::auth` without touching the store.)
pub(crate) async fn authorized(st: &AppState, headers: &HeaderMap) -> bool {
    let Some((user, pass)) = crate::routes::auth::basic_credentials(headers) else {
        return false;
    };
    if !is_sid(Prefix::ApiKey, &user) {
        return false;
    }
    let found = st.store.read(move |c| find(c, &user, "/Keys")).await.ok();
    found.is_some_and(|row| bool::from(row.secret.as_bytes().ct_eq(pass.as_bytes())))
}

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/2010-04-01/Accounts/{account}/Keys.json",
            get(list_v2010).post(create_v2010),
        )
        .route(
            "/2010-04-01/Accounts/{account}/Keys/{sid}",
            get(fetch_v2010).post(update_v2010).delete(delete_v2010),
        )
        .route("/v1/Keys", post(create_iam).get(list_iam))
        .route(
            "/v1/Keys/{sid}",
            get(fetch_iam).post(update_iam).delete(delete_iam),
        )
}

fn find(c: &Connection, sid: &str, collection: &str) -> Result<KeyRow, SyncError> {
    c.prepare_cached(&format!("SELECT {COLS} FROM api_keys WHERE sid = ?1"))?
        .query_row([sid], from_row)
        .optional()?
        .ok_or_else(|| SyncError::NotFound(format!("{collection}/{sid}")))
}

fn render(r: &KeyRow, with_secret: bool) -> Json {
    let mut v = json!({
        "sid": r.sid,
        "friendly_name": r.friendly_name,
        "date_created": rfc2822(r.date_created),
        "date_updated": rfc2822(r.date_updated),
    });
    if with_secret {
        v["secret"] = json!(r.secret);
    }
    v
}

fn friendly_name(p: &Params) -> Result<Option<String>, SyncError> {
    match p.get("FriendlyName") {
        Some(n) if n.chars().count() > MAX_NAME => Err(SyncError::InvalidParameter(format!(
            "FriendlyName must be at most {MAX_NAME} characters"
        ))),
        n => Ok(n.map(str::to_owned)),
    }
}

async fn create(st: &AppState, p: &Params) -> Result<KeyRow, SyncError> {
    let name = friendly_name(p)?.unwrap_or_default();
    let now = st.clock.now_ms();
    st.store
        .write(move |c| {
            let sid = new_sid(Prefix::ApiKey);
            c.prepare_cached(
                "INSERT INTO api_keys (sid, secret, friendly_name, date_created, date_updated) \
                 VALUES (?1, ?2, ?3, ?4, ?4)",
            )?
            .execute(params![sid, new_secret(), name, now])?;
            find(c, &sid, "/Keys")
        })
        .await
}

async fn rename(st: &AppState, sid: String, p: &Params, path: String) -> Result<KeyRow, SyncError> {
    let name = friendly_name(p)?;
    let now = st.clock.now_ms();
    st.store
        .write(move |c| {
            find(c, &sid, &path)?;
            if let Some(name) = name {
                c.prepare_cached(
                    "UPDATE api_keys SET friendly_name = ?1, date_updated = ?2 WHERE sid = ?3",
                )?
                .execute(params![name, now, sid])?;
            }
            find(c, &sid, &path)
        })
        .await
}

async fn delete(st: &AppState, sid: String, path: String) -> Result<Response, SyncError> {
    st.store
        .write(move |c| {
            find(c, &sid, &path)?;
            c.prepare_cached("DELETE FROM api_keys WHERE sid = ?1")?
                .execute([&sid])?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn page(st: &AppState, paging: &Paging) -> Result<(Vec<KeyRow>, bool), SyncError> {
    v2010::page_rows(
        st,
        paging,
        "api_keys",
        COLS,
        String::new(),
        Vec::new(),
        from_row,
    )
    .await
}

async fn create_v2010(
    State(st): State<Shared>,
    Ids(account): Ids<String>,
    Form(p): Form,
) -> Result<Response, SyncError> {
    v2010::account(&st, &account)?;
    let row = create(&st, &p).await?;
    Ok(respond(StatusCode::CREATED, render(&row, true), None))
}

async fn list_v2010(
    State(st): State<Shared>,
    Ids(account): Ids<String>,
    Query(p): Query,
) -> Result<Response, SyncError> {
    let root = v2010::account(&st, &account)?;
    let paging = Paging::parse(&p)?;
    let (rows, more) = page(&st, &paging).await?;
    let keys = (
        rows.first().map(|r| r.seq),
        rows.last().map(|r| r.seq),
        more,
    );
    let records = rows.iter().map(|r| render(r, false)).collect();
    let body = v2010::page(
        "keys",
        &format!("{root}/Keys.json"),
        &[],
        &paging,
        records,
        keys,
    );
    Ok(respond(StatusCode::OK, body, None))
}

async fn fetch_v2010(
    State(st): State<Shared>,
    Ids((account, sid)): Ids<(String, String)>,
) -> Result<Response, SyncError> {
    let root = v2010::account(&st, &account)?;
    let sid = strip_json(&sid).to_owned();
    let path = format!("{root}/Keys");
    let row = st.store.read(move |c| find(c, &sid, &path)).await?;
    Ok(respond(StatusCode::OK, render(&row, false), None))
}

async fn update_v2010(
    State(st): State<Shared>,
    Ids((account, sid)): Ids<(String, String)>,
    Form(p): Form,
) -> Result<Response, SyncError> {
    let root = v2010::account(&st, &account)?;
    let sid = strip_json(&sid).to_owned();
    let row = rename(&st, sid, &p, format!("{root}/Keys")).await?;
    Ok(respond(StatusCode::OK, render(&row, false), None))
}

async fn delete_v2010(
    State(st): State<Shared>,
    Ids((account, sid)): Ids<(String, String)>,
) -> Result<Response, SyncError> {
    let root = v2010::account(&st, &account)?;
    delete(&st, strip_json(&sid).to_owned(), format!("{root}/Keys")).await
}

/// IAM names the account in `AccountSid` (body or query) rather than in the path.
fn iam_account(st: &AppState, p: &Params) -> Result<(), SyncError> {
    v2010::account(st, p.required("AccountSid")?).map(drop)
}

async fn create_iam(State(st): State<Shared>, Form(p): Form) -> Result<Response, SyncError> {
    iam_account(&st, &p)?;
    match p.get("KeyType") {
        None | Some("restricted") | Some("standard") | Some("main") => {}
        Some(other) => {
            return Err(SyncError::InvalidParameter(format!(
                "KeyType must be restricted, standard or main, got {:?}",
                other.chars().take(20).collect::<String>()
            )))
        }
    }
    let row = create(&st, &p).await?;
    let mut body = render(&row, true);
    body["policy"] = Json::Null;
    Ok(respond(StatusCode::CREATED, body, None))
}

async fn list_iam(
    State(st): State<Shared>,
    Base(base): Base,
    Query(p): Query,
) -> Result<Response, SyncError> {
    iam_account(&st, &p)?;
    let paging = Paging::parse(&p)?;
    let (rows, more) = page(&st, &paging).await?;
    let meta = paging.meta(
        &format!("{base}/v1/Keys"),
        "keys",
        more,
        rows.first().map(|r| Value::Integer(r.seq)),
        rows.last().map(|r| Value::Integer(r.seq)),
    );
    let records: Vec<Json> = rows
        .iter()
        .map(|r| {
            let mut v = render(r, false);
            v["flags"] = json!([]);
            v
        })
        .collect();
    Ok(respond(
        StatusCode::OK,
        json!({ "keys": records, "meta": meta }),
        None,
    ))
}

async fn fetch_iam(State(st): State<Shared>, Ids(sid): Ids<String>) -> Result<Response, SyncError> {
    let row = st.store.read(move |c| find(c, &sid, "/Keys")).await?;
    let mut body = render(&row, false);
    body["policy"] = Json::Null;
    Ok(respond(StatusCode::OK, body, None))
}

async fn update_iam(
    State(st): State<Shared>,
    Ids(sid): Ids<String>,
    Form(p): Form,
) -> Result<Response, SyncError> {
    let row = rename(&st, sid, &p, "/Keys".to_owned()).await?;
    let mut body = render(&row, false);
    body["policy"] = Json::Null;
    Ok(respond(StatusCode::OK, body, None))
}

async fn delete_iam(
    State(st): State<Shared>,
    Ids(sid): Ids<String>,
) -> Result<Response, SyncError> {
    delete(&st, sid, "/Keys".to_owned()).await
}
