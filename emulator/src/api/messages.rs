//! `Messages`: create, fetch and list (filtered by `To` and `From`). A message is kept
//! and never sent: it stays `queued`, which is what Twilio answers to a create, and
//! `callflow call` shows the ones a call's flow created.

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
use crate::routes::extract::{Form, Ids, Params, Query};
use crate::sid::{new_sid, Prefix};
use crate::state::Shared;

pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS api_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL UNIQUE,
    to_number TEXT NOT NULL,
    from_number TEXT,
    messaging_service_sid TEXT,
    body TEXT NOT NULL,
    num_media INTEGER NOT NULL,
    status_callback TEXT,
    date_created INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS api_messages_to ON api_messages(to_number, seq);";

/// Twilio's limit on a message body, in characters.
const MAX_BODY_CHARS: usize = 1600;
/// At most this many `MediaUrl`s, as Twilio allows.
const MAX_MEDIA: usize = 10;

#[derive(Debug, Clone)]
struct MessageRow {
    seq: i64,
    sid: String,
    to: String,
    from: Option<String>,
    messaging_service_sid: Option<String>,
    body: String,
    num_media: i64,
    date_created: i64,
}

const COLS: &str =
    "seq, sid, to_number, from_number, messaging_service_sid, body, num_media, date_created";

fn from_row(r: &Row<'_>) -> rusqlite::Result<MessageRow> {
    Ok(MessageRow {
        seq: r.get(0)?,
        sid: r.get(1)?,
        to: r.get(2)?,
        from: r.get(3)?,
        messaging_service_sid: r.get(4)?,
        body: r.get(5)?,
        num_media: r.get(6)?,
        date_created: r.get(7)?,
    })
}

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/2010-04-01/Accounts/{account}/Messages.json",
            get(list).post(create),
        )
        .route("/2010-04-01/Accounts/{account}/Messages/{sid}", get(fetch))
}

/// GSM-7 text fits 160 characters in one segment and 153 in each of several; anything
/// else is UCS-2 (70, 67). Twilio bills and reports by this count.
fn segments(body: &str) -> usize {
    let n = body.chars().count();
    let gsm = body.chars().all(|c| c.is_ascii() && c != '`');
    let (one, many) = if gsm { (160, 153) } else { (70, 67) };
    match n {
        0 => 1,
        n if n <= one => 1,
        n => n.div_ceil(many),
    }
}

fn render(account_sid: &str, r: &MessageRow) -> Json {
    let uri = format!(
        "{}/Accounts/{account_sid}/Messages/{}.json",
        v2010::ROOT,
        r.sid
    );
    json!({
        "sid": r.sid,
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": r.body,
        "date_created": rfc2822(r.date_created),
        "date_sent": null,
        "date_updated": rfc2822(r.date_created),
        "direction": "outbound-api",
        "error_code": null,
        "error_message": null,
        "from": r.from,
        "messaging_service_sid": r.messaging_service_sid,
        "num_media": r.num_media.to_string(),
        "num_segments": segments(&r.body).to_string(),
        "price": null,
        "price_unit": "USD",
        "status": "queued",
        "to": r.to,
        "uri": uri,
        "subresource_uris": {
            "media": uri.replace(".json", "/Media.json"),
            "feedback": uri.replace(".json", "/Feedback.json"),
        },
    })
}

/// A checked create request.
struct NewMessage {
    to: String,
    from: Option<String>,
    messaging_service_sid: Option<String>,
    body: String,
    num_media: i64,
    status_callback: Option<String>,
}

fn new_message(p: &Params) -> Result<NewMessage, SyncError> {
    let refuse = |code, message: &str| SyncError::Refused {
        code,
        message: message.to_owned(),
    };
    let to = p
        .get("To")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| refuse(21604, "A 'To' phone number is required."))?;
    if !super::numbers::is_e164(to) && !to.starts_with("whatsapp:") {
        return Err(refuse(
            21211,
            &format!(
                "Invalid 'To' Phone Number: {}",
                to.chars().take(40).collect::<String>()
            ),
        ));
    }
    let from = p.get("From").filter(|f| !f.is_empty());
    let service = p.get("MessagingServiceSid").filter(|s| !s.is_empty());
    if from.is_none() && service.is_none() {
        return Err(refuse(21603, "A 'From' phone number is required."));
    }
    let body = p.get("Body").unwrap_or("");
    let media = p.all("MediaUrl").count();
    if body.is_empty() && media == 0 && p.get("ContentSid").is_none() {
        return Err(refuse(21602, "Message body is required."));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(refuse(
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        ));
    }
    if media > MAX_MEDIA {
        return Err(refuse(
            21623,
            "Number of media files exceeds allowed limit.",
        ));
    }
    Ok(NewMessage {
        to: to.to_owned(),
        from: from.map(str::to_owned),
        messaging_service_sid: service.map(str::to_owned),
        body: body.to_owned(),
        num_media: media as i64,
        status_callback: p.webhook_url("StatusCallback")?.flatten(),
    })
}

async fn create(
    State(st): State<Shared>,
    Ids(account): Ids<String>,
    Form(p): Form,
) -> Result<Response, SyncError> {
    let root = v2010::account(&st, &account)?;
    let m = new_message(&p)?;
    let now = st.clock.now_ms();
    let path = format!("{root}/Messages");
    let row = st
        .store
        .write(move |c| {
            let sid = new_sid(Prefix::Message);
            c.prepare_cached(
                "INSERT INTO api_messages (sid, to_number, from_number, messaging_service_sid, \
                 body, num_media, status_callback, date_created) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                sid,
                m.to,
                m.from,
                m.messaging_service_sid,
                m.body,
                m.num_media,
                m.status_callback,
                now
            ])?;
            get_row(c, &sid, &path)
        })
        .await?;
    Ok(respond(
        StatusCode::CREATED,
        render(&st.account_sid, &row),
        None,
    ))
}

fn get_row(c: &Connection, sid: &str, collection: &str) -> Result<MessageRow, SyncError> {
    c.prepare_cached(&format!("SELECT {COLS} FROM api_messages WHERE sid = ?1"))?
        .query_row([sid], from_row)
        .optional()?
        .ok_or_else(|| SyncError::NotFound(format!("{collection}/{sid}.json")))
}

async fn fetch(
    State(st): State<Shared>,
    Ids((account, sid)): Ids<(String, String)>,
) -> Result<Response, SyncError> {
    let root = v2010::account(&st, &account)?;
    let sid = strip_json(&sid).to_owned();
    let path = format!("{root}/Messages");
    let row = st.store.read(move |c| get_row(c, &sid, &path)).await?;
    Ok(respond(StatusCode::OK, render(&st.account_sid, &row), None))
}

async fn list(
    State(st): State<Shared>,
    Ids(account): Ids<String>,
    Query(p): Query,
) -> Result<Response, SyncError> {
    let root = v2010::account(&st, &account)?;
    let mut paging = Paging::parse(&p)?;
    // Newest first, as Twilio lists messages.
    paging.query.descending = true;
    let mut listing = v2010::Listing::new(
        "messages",
        format!("{root}/Messages.json"),
        "api_messages",
        COLS,
    );
    for (param, sql) in [("To", "to_number = ?"), ("From", "from_number = ?")] {
        if let Some(v) = p.get(param).filter(|v| !v.is_empty()) {
            listing.filter(param, v, sql, Value::Text(v.to_owned()));
        }
    }
    v2010::list_page(&st, &paging, listing, from_row, |r| r.seq, render).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_follow_gsm_and_ucs2_sizes() {
        assert_eq!(segments("hi"), 1);
        assert_eq!(segments(&"a".repeat(160)), 1);
        assert_eq!(segments(&"a".repeat(161)), 2);
        assert_eq!(segments(&"é".repeat(70)), 1);
        assert_eq!(segments(&"é".repeat(71)), 2);
    }

    #[test]
    fn create_needs_to_from_and_body() {
        let code = |form: &[u8]| {
            new_message(&Params::parse(form).expect("form"))
                .err()
                .map(|e| e.code())
        };
        assert_eq!(code(b"From=%2B12065550100&Body=hi"), Some(21604));
        assert_eq!(code(b"To=%2B12065550101&Body=hi"), Some(21603));
        assert_eq!(code(b"To=%2B12065550101&From=%2B12065550100"), Some(21602));
        assert_eq!(code(b"To=nope&From=%2B12065550100&Body=hi"), Some(21211));
        assert_eq!(code(b"To=%2B12065550101&From=%2B12065550100&Body=hi"), None);
    }
}
