//! The wire forms of stored values that every face writes the same way: dates as ISO 8601,
//! stored JSON text as a value, and URL components escaped. A leaf module: the store (its
//! event bodies), the operation layer and both faces use it, and it uses none of them.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use time::macros::format_description;
use time::OffsetDateTime;

/// Everything but RFC 3986 unreserved characters is escaped in path segments and query
/// values, so map keys with `/`, `?`, spaces or non-ASCII survive the round trip.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `s` escaped as one URL path segment or query value.
pub fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// `k=v&…` with every value escaped by [`encode_component`].
pub fn encode_query(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// ISO 8601 UTC with whole seconds (`2015-07-30T20:00:00Z`), the form twilio-python parses.
pub fn iso(ms: i64) -> Value {
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .map(Value::String)
        .unwrap_or(Value::Null)
}

/// A time serialized as [`iso`] writes it, without a `Value` or a `String` in between: the
/// REST answer of every write carries three of them.
#[derive(Debug, Clone, Copy)]
pub struct IsoTime(pub i64);

impl IsoTime {
    /// `YYYY-MM-DDTHH:MM:SSZ`, or `None` for a year before 0 (left to [`iso`]'s formatter).
    fn text(self) -> Option<[u8; 20]> {
        let t = OffsetDateTime::from_unix_timestamp(self.0.div_euclid(1000)).ok()?;
        let year = u16::try_from(t.year()).ok()?;
        let mut out = *b"0000-00-00T00:00:00Z";
        let mut put = |at: usize, value: u16, width: usize| {
            let mut v = value;
            for i in (at..at + width).rev() {
                out[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, year, 4);
        put(5, u8::from(t.month()).into(), 2);
        put(8, t.day().into(), 2);
        put(11, t.hour().into(), 2);
        put(14, t.minute().into(), 2);
        put(17, t.second().into(), 2);
        Some(out)
    }
}

impl Serialize for IsoTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.text() {
            // Only ASCII digits and separators were written.
            Some(text) => serializer.serialize_str(std::str::from_utf8(&text).unwrap_or("")),
            None => iso(self.0).serialize(serializer),
        }
    }
}

/// [`iso`] of an optional time (an expiry), `null` when there is none.
pub fn iso_opt(ms: Option<i64>) -> Value {
    ms.map(iso).unwrap_or(Value::Null)
}

/// Stored JSON text (a Document's, an item's, a message's data) as a value; `{}` if the
/// text is not JSON, which only a database edited by hand can hold.
pub fn data_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| json!({}))
}

/// Stored JSON text as it is, to embed without parsing it into a tree; `{}` if the text is
/// not JSON, as [`data_value`].
pub fn data_raw(text: &str) -> &RawValue {
    serde_json::from_str(text)
        .or_else(|_| serde_json::from_str("{}"))
        // `{}` is JSON: never reached, but nothing a request reaches unwraps.
        .unwrap_or(RawValue::NULL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_is_whole_seconds_utc() {
        assert_eq!(iso(1_438_286_400_999), json!("2015-07-30T20:00:00Z"));
        assert_eq!(iso_opt(None), Value::Null);
    }

    proptest::proptest! {
        /// The digit writer and the formatter agree on every time `time` can hold, and
        /// beyond (where both give `null`).
        #[test]
        fn iso_time_serializes_as_iso(ms in -300_000_000_000_000i64..300_000_000_000_000i64) {
            proptest::prop_assert_eq!(
                serde_json::to_value(IsoTime(ms)).expect("serializes"),
                iso(ms)
            );
        }
    }

    #[test]
    fn iso_time_at_the_edges() {
        for ms in [
            0,
            -1,
            999,
            1000,
            253_402_300_799_999,
            253_402_300_800_000,
            -62_167_219_200_000,
            -62_167_219_200_001,
            i64::MIN,
            i64::MAX,
        ] {
            assert_eq!(
                serde_json::to_value(IsoTime(ms)).expect("serializes"),
                iso(ms),
                "{ms}"
            );
        }
    }

    #[test]
    fn components_escape_reserved_characters() {
        assert_eq!(encode_component("a/b c?é"), "a%2Fb%20c%3F%C3%A9");
    }
}
