//! `IncomingPhoneNumbers`: list (with the `PhoneNumber` and `FriendlyName` filters),
//! fetch and update of the voice and status-callback webhooks of the numbers seeded into
//! this emulator ([`crate::Emulator::seed_phone_numbers`]). Buying and releasing numbers
//! is not offered: there is no network to buy them from.

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

pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS api_phone_numbers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL UNIQUE,
    phone_number TEXT NOT NULL UNIQUE,
    friendly_name TEXT NOT NULL,
    voice_url TEXT,
    voice_method TEXT NOT NULL DEFAULT 'POST',
    voice_fallback_url TEXT,
    voice_fallback_method TEXT NOT NULL DEFAULT 'POST',
    status_callback TEXT,
    status_callback_method TEXT NOT NULL DEFAULT 'POST',
    sms_url TEXT,
    sms_method TEXT NOT NULL DEFAULT 'POST',
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL
)";

/// A number this emulator answers for, as [`crate::Emulator::seed_phone_numbers`]
/// reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    /// `PN…`.
    pub sid: String,
    /// E.164, e.g. `+12065550100`.
    pub phone_number: String,
    /// The webhook a call to it is sent to, if one is set.
    pub voice_url: Option<String>,
}

#[derive(Debug, Clone)]
struct NumberRow {
    seq: i64,
    sid: String,
    phone_number: String,
    friendly_name: String,
    voice_url: Option<String>,
    voice_method: String,
    voice_fallback_url: Option<String>,
    voice_fallback_method: String,
    status_callback: Option<String>,
    status_callback_method: String,
    sms_url: Option<String>,
    sms_method: String,
    date_created: i64,
    date_updated: i64,
}

const COLS: &str = "seq, sid, phone_number, friendly_name, voice_url, voice_method, \
    voice_fallback_url, voice_fallback_method, status_callback, status_callback_method, \
    sms_url, sms_method, date_created, date_updated";

fn from_row(r: &Row<'_>) -> rusqlite::Result<NumberRow> {
    Ok(NumberRow {
        seq: r.get(0)?,
        sid: r.get(1)?,
        phone_number: r.get(2)?,
        friendly_name: r.get(3)?,
        voice_url: r.get(4)?,
        voice_method: r.get(5)?,
        voice_fallback_url: r.get(6)?,
        voice_fallback_method: r.get(7)?,
        status_callback: r.get(8)?,
        status_callback_method: r.get(9)?,
        sms_url: r.get(10)?,
        sms_method: r.get(11)?,
        date_created: r.get(12)?,
        date_updated: r.get(13)?,
    })
}

/// Whether `n` is an E.164 number: `+` and 8 to 15 digits.
pub fn is_e164(n: &str) -> bool {
    n.strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// `(206) 555-0100` for North American numbers, the E.164 text otherwise, as Twilio
/// names a number it sells.
fn friendly(n: &str) -> String {
    match n.strip_prefix("+1") {
        Some(d) if d.len() == 10 => format!("({}) {}-{}", &d[..3], &d[3..6], &d[6..]),
        _ => n.to_owned(),
    }
}

impl crate::Emulator {
    /// Makes sure these E.164 numbers exist on the account (an existing one keeps its
    /// webhooks, so seeding on every start is safe) and answers them in the order given.
    pub async fn seed_phone_numbers(
        &self,
        numbers: &[String],
    ) -> Result<Vec<PhoneNumber>, SyncError> {
        if let Some(bad) = numbers.iter().find(|n| !is_e164(n)) {
            return Err(SyncError::InvalidParameter(format!(
                "{bad:?} is not an E.164 phone number (+ and 8 to 15 digits)"
            )));
        }
        let numbers = numbers.to_vec();
        let now = self.state().clock.now_ms();
        self.state()
            .store
            .write(move |c| {
                numbers
                    .iter()
                    .map(|n| {
                        c.prepare_cached(
                            "INSERT OR IGNORE INTO api_phone_numbers \
                             (sid, phone_number, friendly_name, date_created, date_updated) \
                             VALUES (?1, ?2, ?3, ?4, ?4)",
                        )?
                        .execute(params![
                            new_sid(Prefix::PhoneNumber),
                            n,
                            friendly(n),
                            now
                        ])?;
                        let row = by_number(c, n)?
                            .ok_or_else(|| SyncError::Internal(format!("{n} not stored")))?;
                        Ok(PhoneNumber {
                            sid: row.sid,
                            phone_number: row.phone_number,
                            voice_url: row.voice_url,
                        })
                    })
                    .collect()
            })
            .await
    }
}

fn by_number(c: &Connection, n: &str) -> Result<Option<NumberRow>, SyncError> {
    Ok(c.prepare_cached(&format!(
        "SELECT {COLS} FROM api_phone_numbers WHERE phone_number = ?1"
    ))?
    .query_row([n], from_row)
    .optional()?)
}

fn get_row(c: &Connection, sid: &str, path: &str) -> Result<NumberRow, SyncError> {
    c.prepare_cached(&format!(
        "SELECT {COLS} FROM api_phone_numbers WHERE sid = ?1"
    ))?
    .query_row([sid], from_row)
    .optional()?
    .ok_or_else(|| SyncError::NotFound(path.to_owned()))
}

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json",
            get(list),
        )
        .route(
            "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{sid}",
            get(fetch).post(update),
        )
}

fn render(account_sid: &str, r: &NumberRow) -> Json {
    let uri = format!(
        "{}/Accounts/{account_sid}/IncomingPhoneNumbers/{}.json",
        v2010::ROOT,
        r.sid
    );
    json!({
        "sid": r.sid,
        "account_sid": account_sid,
        "address_requirements": "none",
        "address_sid": null,
        "api_version": "2010-04-01",
        "beta": false,
        "bundle_sid": null,
        "capabilities": { "voice": true, "sms": true, "mms": true, "fax": false },
        "date_created": rfc2822(r.date_created),
        "date_updated": rfc2822(r.date_updated),
        "emergency_address_sid": null,
        "emergency_address_status": "unregistered",
        "emergency_status": "Inactive",
        "friendly_name": r.friendly_name,
        "identity_sid": null,
        "origin": "twilio",
        "phone_number": r.phone_number,
        "sms_application_sid": "",
        "sms_fallback_method": "POST",
        "sms_fallback_url": "",
        "sms_method": r.sms_method,
        "sms_url": r.sms_url.as_deref().unwrap_or(""),
        "status": "in-use",
        "status_callback": r.status_callback.as_deref().unwrap_or(""),
        "status_callback_method": r.status_callback_method,
        "trunk_sid": null,
        "type": "local",
        "uri": uri,
        "voice_application_sid": "",
        "voice_caller_id_lookup": false,
        "voice_fallback_method": r.voice_fallback_method,
        "voice_fallback_url": r.voice_fallback_url.as_deref().unwrap_or(""),
        "voice_method": r.voice_method,
        "voice_receive_mode": "voice",
        "voice_url": r.voice_url.as_deref().unwrap_or(""),
        "subresource_uris": {
            "assigned_add_ons": uri.replace(".json", "/AssignedAddOns.json"),
        },
    })
}

async fn list(
    State(st): State<Shared>,
    Ids(account): Ids<String>,
    Query(p): Query,
) -> Result<Response, SyncError> {
    let root = v2010::account(&st, &account)?;
    let paging = Paging::parse(&p)?;
    let mut listing = v2010::Listing::new(
        "incoming_phone_numbers",
        format!("{root}/IncomingPhoneNumbers.json"),
        "api_phone_numbers",
        COLS,
    );
    if let Some(n) = p.get("PhoneNumber").filter(|n| !n.is_empty()) {
        listing.filter(
            "PhoneNumber",
            n,
            "phone_number LIKE ?",
            Value::Text(like_pattern(n)),
        );
    }
    if let Some(n) = p.get("FriendlyName").filter(|n| !n.is_empty()) {
        listing.filter(
            "FriendlyName",
            n,
            "friendly_name = ?",
            Value::Text(n.to_owned()),
        );
    }
    v2010::list_page(&st, &paging, listing, from_row, |r| r.seq, render).await
}

/// Twilio's `PhoneNumber` filter: digits, `*` for any one digit; a filter without the
/// leading `+` matches anywhere in the number.
fn like_pattern(filter: &str) -> String {
    let body: String = filter
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '*' || *c == '+')
        .map(|c| if c == '*' { '_' } else { c })
        .collect();
    if body.starts_with('+') {
        body
    } else {
        format!("%{body}%")
    }
}

async fn fetch(
    State(st): State<Shared>,
    Ids((account, sid)): Ids<(String, String)>,
) -> Result<Response, SyncError> {
    let root = v2010::account(&st, &account)?;
    let sid = strip_json(&sid).to_owned();
    let path = format!("{root}/IncomingPhoneNumbers/{sid}.json");
    let row = st.store.read(move |c| get_row(c, &sid, &path)).await?;
    Ok(respond(StatusCode::OK, render(&st.account_sid, &row), None))
}

/// What an update sets; `None` keeps the stored value, `Some(None)` clears a URL.
#[derive(Debug, Default)]
struct Changes {
    friendly_name: Option<String>,
    urls: Vec<(&'static str, Option<String>)>,
    methods: Vec<(&'static str, String)>,
}

fn changes(p: &Params) -> Result<Changes, SyncError> {
    let mut c = Changes::default();
    for (param, col) in [
        ("VoiceUrl", "voice_url"),
        ("VoiceFallbackUrl", "voice_fallback_url"),
        ("StatusCallback", "status_callback"),
        ("SmsUrl", "sms_url"),
    ] {
        if let Some(v) = p.webhook_url(param)? {
            c.urls.push((col, v));
        }
    }
    for (param, col) in [
        ("VoiceMethod", "voice_method"),
        ("VoiceFallbackMethod", "voice_fallback_method"),
        ("StatusCallbackMethod", "status_callback_method"),
        ("SmsMethod", "sms_method"),
    ] {
        if let Some(m) = v2010::method(p, param)? {
            c.methods.push((col, m));
        }
    }
    if let Some(name) = p.get("FriendlyName") {
        if name.chars().count() > 64 {
            return Err(SyncError::InvalidParameter(
                "FriendlyName must be at most 64 characters".into(),
            ));
        }
        c.friendly_name = Some(name.to_owned());
    }
    Ok(c)
}

async fn update(
    State(st): State<Shared>,
    Ids((account, sid)): Ids<(String, String)>,
    Form(p): Form,
) -> Result<Response, SyncError> {
    let root = v2010::account(&st, &account)?;
    let sid = strip_json(&sid).to_owned();
    let path = format!("{root}/IncomingPhoneNumbers/{sid}.json");
    let changes = changes(&p)?;
    let now = st.clock.now_ms();
    let row = st
        .store
        .write(move |c| {
            get_row(c, &sid, &path)?;
            // Column names come from the fixed tables in `changes`, never from the request.
            let mut sets = vec!["date_updated = ?".to_owned()];
            let mut binds: Vec<Value> = vec![Value::Integer(now)];
            for (col, v) in changes.urls {
                sets.push(format!("{col} = ?"));
                binds.push(v.map_or(Value::Null, Value::Text));
            }
            for (col, m) in changes.methods {
                sets.push(format!("{col} = ?"));
                binds.push(Value::Text(m));
            }
            if let Some(name) = changes.friendly_name {
                sets.push("friendly_name = ?".to_owned());
                binds.push(Value::Text(name));
            }
            binds.push(Value::Text(sid.clone()));
            c.execute(
                &format!(
                    "UPDATE api_phone_numbers SET {} WHERE sid = ?",
                    sets.join(", ")
                ),
                rusqlite::params_from_iter(binds),
            )?;
            get_row(c, &sid, &path)
        })
        .await?;
    Ok(respond(StatusCode::OK, render(&st.account_sid, &row), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_and_friendly_names() {
        assert!(is_e164("+12065550100"));
        assert!(!is_e164("12065550100"));
        assert!(!is_e164("+1206"));
        assert!(!is_e164("+1206555010x"));
        assert_eq!(friendly("+12065550100"), "(206) 555-0100");
        assert_eq!(friendly("+442071838750"), "+442071838750");
    }

    #[test]
    fn phone_number_filter_patterns() {
        assert_eq!(like_pattern("+12065550100"), "+12065550100");
        assert_eq!(like_pattern("555"), "%555%");
        assert_eq!(like_pattern("+1206***0100"), "+1206___0100");
        assert_eq!(like_pattern("5%5"), "%55%");
    }
}
