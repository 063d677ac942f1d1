//! HTTP Basic auth as Twilio does it: account SID + auth token, or an API key SID + secret.

use axum::http::{header, HeaderMap};
use base64::Engine;
use subtle::ConstantTimeEq;

use crate::state::AppState;

pub fn authorized(st: &AppState, headers: &HeaderMap) -> bool {
    let Some((user, pass)) = basic_credentials(headers) else {
        return false;
    };
    if eq(&user, &st.account_sid) && eq(&pass, &st.auth_token) {
        return true;
    }
    st.api_keys
        .iter()
        .any(|(sid, secret)| eq(&user, sid) && eq(&pass, secret))
}

fn eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// The user and password of a `Basic` `Authorization` header.
pub(crate) fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}
