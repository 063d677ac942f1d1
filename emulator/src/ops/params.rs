//! Request parameters as both faces hand them over (REST's form bodies and query strings,
//! the socket's `params` object), with Twilio's limits and the typed readers (`Data`, `Ttl`,
//! booleans, …) that check them.
//!
//! Everything here turns bad input into a [`SyncError`] (a 4xx), never a panic.

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::SyncError;
use crate::sid::looks_like_any_sid;
/// Largest `Data` value (bytes of its JSON text) for Documents and items.
pub const MAX_DATA: usize = 16 * 1024;
/// Largest Stream message `Data`.
pub const MAX_MESSAGE_DATA: usize = 4 * 1024;
/// Longest TTL Twilio accepts: one year.
pub const MAX_TTL: i64 = 31_536_000;

/// Decoded `name=value` pairs from a form body or a query string.
#[derive(Debug, Default, Clone)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Parses `application/x-www-form-urlencoded` text. Unlike lossy decoders this refuses
    /// percent-escapes that decode to invalid UTF-8, so stored data is what was sent.
    pub fn parse(raw: &[u8]) -> Result<Params, SyncError> {
        let mut out = Vec::new();
        for pair in raw.split(|b| *b == b'&') {
            if pair.is_empty() {
                continue;
            }
            let (k, v) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            out.push((decode(k)?, decode(v)?));
        }
        Ok(Params(out))
    }

    /// The first value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order (repeated parameters such as `MediaUrl`).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn required(&self, name: &'static str) -> Result<&str, SyncError> {
        self.get(name).ok_or(SyncError::MissingParameter(name))
    }

    /// A TTL in seconds, 0..=31,536,000 (0 means "never expires").
    pub fn ttl(&self, name: &str) -> Result<Option<u32>, SyncError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let n: i64 = v
            .trim()
            .parse()
            .map_err(|_| SyncError::InvalidTtl(format!("{name} must be an integer, got {v:?}")))?;
        ttl_seconds(n, name)
    }

    /// The first TTL present among `names` (e.g. `ItemTtl` before its alias `Ttl`); all
    /// present ones are validated.
    pub fn ttl_of(&self, names: &[&str]) -> Result<Option<u32>, SyncError> {
        let mut found = None;
        for name in names {
            let v = self.ttl(name)?;
            if found.is_none() {
                found = v;
            }
        }
        Ok(found)
    }

    /// `Data`: a JSON object, at most `limit` bytes of JSON text. Returns the text as sent.
    pub fn json_data(&self, limit: usize) -> Result<Option<String>, SyncError> {
        let Some(v) = self.get("Data") else {
            return Ok(None);
        };
        if v.len() > limit {
            return Err(SyncError::DataTooLarge(limit));
        }
        // Read to the end without being built (every write's `Data` is checked, then kept
        // as the text that was sent); an object is what starts with `{`.
        match serde_json::from_str::<AnyJson>(v) {
            Ok(AnyJson)
                if v.trim_start_matches([' ', '\t', '\n', '\r'])
                    .starts_with('{') =>
            {
                Ok(Some(v.to_owned()))
            }
            Ok(AnyJson) => Err(SyncError::InvalidData("Data must be a JSON object".into())),
            Err(e) => Err(SyncError::InvalidData(format!(
                "Data is not valid JSON: {e}"
            ))),
        }
    }

    /// A boolean sent as `true` / `false`.
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, SyncError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(SyncError::InvalidParameter(format!(
                "{name} must be true or false, got {v:?}"
            ))),
        }
    }

    pub fn integer(&self, name: &str) -> Result<Option<i64>, SyncError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| {
                SyncError::InvalidParameter(format!("{name} must be an integer, got {v:?}"))
            }),
        }
    }

    /// A webhook URL parameter: absent is `None` (keep what is stored), empty is
    /// `Some(None)` (no webhook: Twilio's description allows only `null` or a URI for
    /// `webhook_url`, never `""`), anything else must be an absolute `http(s)` URL.
    pub fn webhook_url(&self, name: &str) -> Result<Option<Option<String>>, SyncError> {
        match self.get(name) {
            None => Ok(None),
            Some("") => Ok(Some(None)),
            Some(v) if is_http_url(v) => Ok(Some(Some(v.to_owned()))),
            Some(v) => Err(SyncError::InvalidParameter(format!(
                "{name} must be an absolute http or https URL, got {:?}",
                truncate(v, 200)
            ))),
        }
    }

    /// `UniqueName`, checked by [`unique_name`].
    pub fn unique_name(&self) -> Result<Option<String>, SyncError> {
        self.get("UniqueName")
            .map(|v| unique_name(v, "UniqueName"))
            .transpose()
    }
}

/// Longest unique name and Map item key Twilio takes, in characters.
pub const MAX_NAME_CHARS: usize = 320;

/// A unique name (sent as `param`): 1..=320 characters and not shaped like a SID (which
/// would make `/Documents/{Sid}` ambiguous).
pub fn unique_name(v: &str, param: &str) -> Result<String, SyncError> {
    let len = v.chars().count();
    if len == 0 || len > MAX_NAME_CHARS {
        return Err(SyncError::InvalidParameter(format!(
            "{param} must be 1 to {MAX_NAME_CHARS} characters long"
        )));
    }
    if looks_like_any_sid(v) {
        return Err(SyncError::InvalidParameter(format!(
            "{param} must not have the shape of a SID"
        )));
    }
    Ok(v.to_owned())
}

/// A Map item key: 1 to 320 characters, as Twilio documents.
pub fn map_key(v: &str) -> Result<String, SyncError> {
    let n = v.chars().count();
    if n == 0 || n > MAX_NAME_CHARS {
        return Err(SyncError::InvalidItemKey(format!(
            "the key must be 1 to {MAX_NAME_CHARS} characters long"
        )));
    }
    Ok(v.to_owned())
}

/// A TTL in seconds sent as `param`: 0..=31,536,000 (0 means "never expires").
pub fn ttl_seconds(n: i64, param: &str) -> Result<Option<u32>, SyncError> {
    if !(0..=MAX_TTL).contains(&n) {
        return Err(SyncError::InvalidTtl(format!(
            "{param} must be between 0 and {MAX_TTL} seconds, got {n}"
        )));
    }
    Ok(u32::try_from(n).ok())
}

/// Whether `v` is an absolute `http`/`https` URL written with RFC 3986 characters only.
/// The URL is echoed back as sent, so it must already be a valid URI (no spaces, no
/// non-ASCII, `%` only in escapes), not merely something a lenient parser repairs.
fn is_http_url(v: &str) -> bool {
    const ALLOWED: &str = "-._~:/?#[]@!$&'()*+,;=%";
    let bytes = v.as_bytes();
    let chars_ok = bytes.iter().enumerate().all(|(i, b)| {
        (b.is_ascii_alphanumeric() || ALLOWED.as_bytes().contains(b))
            && (*b != b'%'
                || (bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)))
    });
    chars_ok
        && url::Url::parse(v).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        })
}

/// At most `max` bytes of `s` (cut on a character boundary), for echoing input in errors.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Any JSON value, read as a `Value` would read it (numbers must fit in an `f64`, as
/// every later reader of the stored text parses them) but kept nowhere.
struct AnyJson;

impl<'de> Deserialize<'de> for AnyJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AnyJsonVisitor)
    }
}

struct AnyJsonVisitor;

impl<'de> Visitor<'de> for AnyJsonVisitor {
    type Value = AnyJson;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_i64<E>(self, _: i64) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_u64<E>(self, _: u64) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_f64<E>(self, _: f64) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_str<E>(self, _: &str) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_unit<E>(self) -> Result<AnyJson, E> {
        Ok(AnyJson)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AnyJson, A::Error> {
        while seq.next_element::<AnyJson>()?.is_some() {}
        Ok(AnyJson)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyJson, A::Error> {
        while map.next_entry::<IgnoredAny, AnyJson>()?.is_some() {}
        Ok(AnyJson)
    }
}

fn decode(raw: &[u8]) -> Result<String, SyncError> {
    // One pass into one buffer of the most the text can decode to (a `Data` value is
    // kilobytes of escaped JSON), runs between escapes copied whole. A `%` must start a
    // two-hex-digit escape: anything else is a malformed body, which lenient decoders
    // would silently keep as literal text.
    let mut bytes = Vec::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.iter().position(|b| matches!(b, b'%' | b'+')) {
        bytes.extend_from_slice(&rest[..at]);
        if rest[at] == b'+' {
            bytes.push(b' ');
            rest = &rest[at + 1..];
            continue;
        }
        let digit = |i: usize| rest.get(i).and_then(|b| char::from(*b).to_digit(16));
        let (Some(high), Some(low)) = (digit(at + 1), digit(at + 2)) else {
            return Err(SyncError::InvalidParameter(
                "malformed form encoding: '%' must be followed by two hex digits".into(),
            ));
        };
        // Two hex digits: at most 0xFF.
        bytes.push((high * 16 + low) as u8);
        rest = &rest[at + 3..];
    }
    bytes.extend_from_slice(rest);
    String::from_utf8(bytes)
        .map_err(|_| SyncError::InvalidParameter("request parameters must be UTF-8 text".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_form_with_plus_and_escapes() {
        let p = Params::parse(b"Data=%7B%22a%22%3A+1%7D&Key=a+b&Key=second&Flag").expect("valid");
        assert_eq!(p.get("Data"), Some("{\"a\": 1}"));
        assert_eq!(p.get("Key"), Some("a b"));
        assert_eq!(p.get("Flag"), Some(""));
        // A `+` is a space, an escaped one a plus; lowercase hex digits count too.
        let p = Params::parse(b"A=+a++b%2B+&B=%25%2b").expect("valid");
        assert_eq!(p.get("A"), Some(" a  b+ "));
        assert_eq!(p.get("B"), Some("%+"));
    }

    #[test]
    fn webhook_url_empty_clears_and_bad_is_refused() {
        let p = Params::parse(b"A=&B=https%3A%2F%2Fexample.com%2Fhook%3Fa%3D1&C=not+a+url&D=ftp%3A%2F%2Fx&E=http%3A%2F%2Fx%2F%7C")
            .expect("valid");
        assert_eq!(p.webhook_url("A").expect("empty"), Some(None));
        assert_eq!(
            p.webhook_url("B").expect("url"),
            Some(Some("https://example.com/hook?a=1".to_owned()))
        );
        assert_eq!(p.webhook_url("Z").expect("absent"), None);
        for bad in ["C", "D", "E"] {
            assert_eq!(p.webhook_url(bad).expect_err(bad).code(), 20001);
        }
    }

    #[test]
    fn refuses_broken_escapes() {
        assert!(Params::parse(b"Data=%7").is_err());
        assert!(Params::parse(b"Data=%ZZ").is_err());
        assert!(Params::parse(b"Data=a%").is_err());
        assert!(Params::parse(b"Data=%+1").is_err());
        assert!(Params::parse(b"Data=%1%20").is_err());
    }

    #[test]
    fn refuses_non_utf8() {
        let err = Params::parse(b"Data=%FF%FE").expect_err("invalid utf-8");
        assert_eq!(err.code(), 20001);
    }

    #[test]
    fn validates_ttl_and_data() {
        let p = Params::parse(b"Ttl=31536001&ItemTtl=5&Data=%5B1%5D").expect("valid");
        assert_eq!(p.ttl("Ttl").expect_err("too long").code(), 54011);
        assert_eq!(p.ttl("ItemTtl").expect("ok"), Some(5));
        assert_eq!(p.json_data(MAX_DATA).expect_err("array").code(), 54008);
        let big = format!("Data={{\"a\":\"{}\"}}", "x".repeat(MAX_DATA));
        let p = Params::parse(big.as_bytes()).expect("valid");
        assert_eq!(p.json_data(MAX_DATA).expect_err("too big").code(), 54006);
    }

    /// `Data` is checked without a tree: every JSON object passes and is kept as sent;
    /// other JSON is "not an object", broken JSON is "not valid JSON", each a 54008.
    #[test]
    fn data_must_be_one_json_object() {
        let message = |data: &str| {
            let form = format!(
                "Data={}",
                percent_encoding::utf8_percent_encode(data, percent_encoding::NON_ALPHANUMERIC)
            );
            let p = Params::parse(form.as_bytes()).expect("valid form");
            p.json_data(MAX_DATA).map_err(|e| (e.code(), e.to_string()))
        };
        for object in [
            r#"{}"#,
            r#" { "a" : [1, {"b": null}, -2.5e-3, true], "c": "\u00e9\"" } "#,
            r#"{"big":18446744073709551616,"neg":-9223372036854775809}"#,
        ] {
            assert_eq!(message(object), Ok(Some(object.to_owned())), "{object}");
        }
        for other in ["[1]", "1", "\"x\"", "null", "true"] {
            let (code, text) = message(other).expect_err(other);
            assert_eq!(code, 54008);
            assert!(text.contains("must be a JSON object"), "{other}: {text}");
        }
        // 1e400 is in JSON's grammar but is no f64: a `Value` refuses it, so every later
        // reader of the stored text would.
        for broken in [
            "{",
            "{\"a\":}",
            "{} {}",
            "[1,",
            "{\"a\":1,}",
            "",
            r#"{"a":[1e400]}"#,
        ] {
            let (code, text) = message(broken).expect_err(broken);
            assert_eq!(code, 54008);
            assert!(text.contains("not valid JSON"), "{broken}: {text}");
        }
    }

    proptest::proptest! {
        /// Any text, escaped as clients escape it (spaces as `%20` or as `+`, the rest
        /// of what is not alphanumeric as `%XX`), or not escaped where it need not be,
        /// decodes back to itself.
        #[test]
        fn decoding_undoes_any_escaping(text in "[a-zA-Z0-9 +%{}\":,é€😀-]{0,40}") {
            let escaped = percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC).to_string();
            proptest::prop_assert_eq!(decode(escaped.as_bytes()).expect("valid"), text.clone());
            let plus = escaped.replace("%20", "+");
            proptest::prop_assert_eq!(decode(plus.as_bytes()).expect("valid"), text.clone());
            let lower = escaped.to_ascii_lowercase();
            let lowered = percent_encoding::percent_decode(lower.as_bytes()).decode_utf8().expect("utf-8").into_owned();
            proptest::prop_assert_eq!(decode(lower.as_bytes()).expect("valid"), lowered);
        }
    }
}
