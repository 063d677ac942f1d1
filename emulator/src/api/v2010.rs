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
