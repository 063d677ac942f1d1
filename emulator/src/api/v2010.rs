//! What the 2010-04-01 resources share: the `{AccountSid}` path check, `.json` suffixes,
//! RFC 2822 dates (the form twilio-python's `rfc2822_datetime` parses), and the list
//! envelope (`first_page_uri`, `next_page_uri`, … beside the records, no `meta`).

use rusqlite::types::Value;
use serde_json::{json, Value as Json};
use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

use crate::error::SyncError;
use crate::ops::paging::{encode_token, Paging};
use crate::state::AppState;
use crate::wire::encode_query;

/// The API's path prefix.
pub const ROOT: &str = "/2010-04-01";

/// `/2010-04-01/Accounts/{sid}`, after checking that `{sid}` is the account the request
/// authenticated as: another account's resources are not this one's to see, and Twilio
/// answers that with its 401 (20003), as for wrong credentials.
pub fn account(st: &AppState, path_sid: &str) -> Result<String, SyncError> {
    if path_sid != st.account_sid {
        return Err(SyncError::Unauthorized);
    }
    Ok(format!("{ROOT}/Accounts/{path_sid}"))
}

/// A resource SID from its path segment, `.json` suffix optional (twilio-python and
/// twilio-node always send it).
pub fn strip_json(segment: &str) -> &str {
    segment.strip_suffix(".json").unwrap_or(segment)
}

/// `Thu, 30 Jul 2015 20:00:00 +0000`.
pub fn rfc2822(ms: i64) -> Json {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&Rfc2822).ok())
        .map(Json::String)
        .unwrap_or(Json::Null)
}

/// A page of `records` under `key`, with the 2010-04-01 paging fields. `collection` is
/// the path (no host: clients join it to their own base URL), `filters` the list's own
/// query parameters, echoed into every page URI. Rows are keyed by `seq`.
pub fn page(
    key: &str,
    collection: &str,
    filters: &[(&'static str, String)],
    paging: &Paging,
    records: Vec<Json>,
    (first_seq, last_seq, more): (Option<i64>, Option<i64>, bool),
) -> Json {
    let size = paging.query.size;
    let uri = |page: u64, token: Option<String>| {
        let mut pairs: Vec<(&str, String)> = filters.iter().map(|(k, v)| (*k, v.clone())).collect();
        pairs.push(("PageSize", size.to_string()));
        pairs.push(("Page", page.to_string()));
        if let Some(t) = token {
            pairs.push(("PageToken", t));
        }
        format!("{collection}?{}", encode_query(&pairs))
    };
    let backwards = paging.query.backwards();
    let has_next = if backwards { last_seq.is_some() } else { more };
    let has_prev = if backwards {
        more
    } else {
        !matches!(paging.query.cursor, crate::store::page::Cursor::Start)
    };
    let next = match (has_next, last_seq) {
        (true, Some(k)) => Some(uri(
            paging.page + 1,
            Some(encode_token('A', &Value::Integer(k))),
        )),
        _ => None,
    };
    let prev = match (has_prev, first_seq) {
        (true, Some(k)) => Some(uri(
            paging.page.saturating_sub(1),
            Some(encode_token('B', &Value::Integer(k))),
        )),
        _ => None,
    };
    let start = paging.page as usize * size;
    let count = records.len();
    json!({
        key: records,
        "first_page_uri": uri(0, None),
        "next_page_uri": next,
        "previous_page_uri": prev,
        "uri": uri(paging.page, None),
        "page": paging.page,
        "page_size": size,
        "start": start,
        "end": (start + count).saturating_sub(1),
    })
}

/// What one list request reads and how its pages are named: the rows of `table` (its
/// columns `cols`) that match every condition; the records go under `key`, the page
/// URIs are `collection` with the list's filters.
pub struct Listing {
    key: &'static str,
    collection: String,
    filters: Vec<(&'static str, String)>,
    table: &'static str,
    cols: &'static str,
    cond: String,
    binds: Vec<Value>,
}

impl Listing {
    /// Every row of `table`, listed under `key` at `collection` (the path, `.json`
    /// included).
    pub fn new(
        key: &'static str,
        collection: String,
        table: &'static str,
        cols: &'static str,
    ) -> Self {
        Listing {
            key,
            collection,
            filters: Vec::new(),
            table,
            cols,
            cond: String::new(),
            binds: Vec::new(),
        }
    }

    /// Only the rows where `sql` (one `?`, bound to `bind`) holds.
    pub fn condition(&mut self, sql: &str, bind: Value) {
        self.cond.push_str(" AND ");
        self.cond.push_str(sql);
        self.binds.push(bind);
    }

    /// A condition that comes from the list's query parameter `param` = `value`, which
    /// every page URI then repeats.
    pub fn filter(&mut self, param: &'static str, value: &str, sql: &str, bind: Value) {
        self.filters.push((param, value.to_owned()));
        self.condition(sql, bind);
    }
}

/// The answer to a list request: the page of `listing` that `paging` names, rows in `seq`
/// order decoded by `from_row` and rendered by `render` (given the account SID, as every
/// 2010-04-01 resource's `render` is).
pub async fn list_page<R>(
    st: &AppState,
    paging: &Paging,
    listing: Listing,
    from_row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<R>,
    seq: fn(&R) -> i64,
    render: fn(&str, &R) -> Json,
) -> Result<axum::response::Response, SyncError>
where
    R: Send + 'static,
{
    let Listing {
        key,
        collection,
        filters,
        table,
        cols,
        cond,
        binds,
    } = listing;
    let (rows, more) = page_rows(st, paging, table, cols, cond, binds, from_row).await?;
    let keys = (rows.first().map(seq), rows.last().map(seq), more);
    let records = rows.iter().map(|r| render(&st.account_sid, r)).collect();
    let body = page(key, &collection, &filters, paging, records, keys);
    Ok(crate::ops::render::respond(
        axum::http::StatusCode::OK,
        body,
        None,
    ))
}

/// The rows of `table` (columns `cols`) on the page `paging` names, in `seq` order, that
/// match `cond` (`AND …` conditions whose `?`s take `binds`), and whether more follow.
pub async fn page_rows<R>(
    st: &AppState,
    paging: &Paging,
    table: &'static str,
    cols: &'static str,
    cond: String,
    mut binds: Vec<Value>,
    from_row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<R>,
) -> Result<(Vec<R>, bool), SyncError>
where
    R: Send + 'static,
{
    let q = paging.query.clone();
    st.store
        .read(move |c| {
            let (page_cond, order, extra) = q.sql("seq");
            binds.extend(extra);
            binds.push(Value::Integer(q.size as i64 + 1));
            let sql = format!(
                "SELECT {cols} FROM {table} WHERE 1 = 1{cond}{page_cond} ORDER BY seq {order} LIMIT ?"
            );
            let rows = c
                .prepare_cached(&sql)?
                .query_map(rusqlite::params_from_iter(binds), from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(q.finish(rows))
        })
        .await
}

/// `GET` or `POST` (any case), as Twilio's `*Method` parameters take; `None` if absent.
pub fn method(p: &crate::routes::extract::Params, name: &str) -> Result<Option<String>, SyncError> {
    match p.get(name) {
        None => Ok(None),
        Some(m) if m.eq_ignore_ascii_case("GET") || m.eq_ignore_ascii_case("POST") => {
            Ok(Some(m.to_ascii_uppercase()))
        }
        Some(m) => Err(SyncError::InvalidParameter(format!(
            "{name} must be GET or POST, got {:?}",
            m.chars().take(20).collect::<String>()
        ))),
    }
}
