//! Small wire helpers: path-segment encoding, RFC 3339 dates, TTL values.

use std::time::Duration;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserializer, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::error::SyncError;

/// Everything but RFC 3986 "unreserved" is encoded, so a key such as `a/b c?d` stays
/// one path segment and cannot reach another resource.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment (a unique name, a SID, a map key).
///
/// Three ids cannot be a path segment at all: "" would address the collection, and "."
/// and ".." are dot segments that URL parsers remove even when percent-encoded (WHATWG
/// URL treats `%2E%2E` as `..`). They are refused here rather than sent somewhere else.
pub(crate) fn segment(s: &str) -> Result<String, SyncError> {
    match s {
        "" | "." | ".." => Err(SyncError::invalid(format!(
            "{s:?} cannot be used as a Sync name or key in a URL path"
        ))),
        _ => Ok(utf8_percent_encode(s, SEGMENT).to_string()),
    }
}

/// A time-to-live in whole seconds, as Sync's `Ttl`, `ItemTtl` and `CollectionTtl`
/// parameters take it. [`Ttl::NEVER`] (0) clears an expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ttl(u32);

impl Ttl {
    /// No expiry (Sync's `0`).
    pub const NEVER: Ttl = Ttl(0);

    /// `secs` seconds.
    pub const fn secs(secs: u32) -> Ttl {
        Ttl(secs)
    }

    /// Rounded up to whole seconds, so a short non-zero TTL never becomes "never".
    pub fn from_duration(d: Duration) -> Ttl {
        let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
        Ttl(u32::try_from(secs).unwrap_or(u32::MAX))
    }

    /// The seconds sent on the wire.
    pub const fn as_secs(self) -> u32 {
        self.0
    }
}

impl From<Duration> for Ttl {
    fn from(d: Duration) -> Ttl {
        Ttl::from_duration(d)
    }
}

pub(crate) mod rfc3339_opt {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => {
                let text = t.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
                s.serialize_some(&text)
            }
            None => s.serialize_none(),
        }
    }

    /// `null`, `""` or an RFC 3339 time, parsed where the deserializer has the text (three
    /// dates in every answer Sync gives, so not through a `String` each).
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        d.deserialize_option(OptionalTime)
    }

    struct OptionalTime;

    impl<'de> serde::de::Visitor<'de> for OptionalTime {
        type Value = Option<OffsetDateTime>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an RFC 3339 time or null")
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            if text.is_empty() {
                return Ok(None);
            }
            OffsetDateTime::parse(text, &Rfc3339)
                .map(Some)
                .map_err(E::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cannot_escape_their_place() {
        assert_eq!(segment("user-1_a.b~").ok().as_deref(), Some("user-1_a.b~"));
        assert_eq!(
            segment("a/b c?d#e%").ok().as_deref(),
            Some("a%2Fb%20c%3Fd%23e%25")
        );
        assert_eq!(segment("é").ok().as_deref(), Some("%C3%A9"));
        assert_eq!(segment("...").ok().as_deref(), Some("..."));
        for bad in ["", ".", ".."] {
            assert!(
                matches!(segment(bad), Err(SyncError::InvalidRequest(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn sid_shapes() {
        assert!(crate::webhook::is_sid(
            "ET0123456789abcdef0123456789abcdef",
            "ET"
        ));
        assert!(!crate::webhook::is_sid(
            "ET0123456789abcdef0123456789abcdeg",
            "ET"
        ));
        assert!(!crate::webhook::is_sid("call-CA123", "ET"));
    }

    #[test]
    fn ttl_rounds_up() {
        assert_eq!(Ttl::from_duration(Duration::from_millis(1)).as_secs(), 1);
        assert_eq!(Ttl::from_duration(Duration::from_secs(300)).as_secs(), 300);
        assert_eq!(Ttl::NEVER.as_secs(), 0);
    }

    #[test]
    fn optional_times_read_null_empty_and_rfc3339() {
        #[derive(serde::Deserialize)]
        struct Dates {
            #[serde(default, with = "rfc3339_opt")]
            at: Option<OffsetDateTime>,
        }
        let read = |json: &str| serde_json::from_str::<Dates>(json).map(|d| d.at);
        let at = time::macros::datetime!(2015-07-30 20:00:00 UTC);
        assert_eq!(
            read(r#"{"at":"2015-07-30T20:00:00Z"}"#).expect("a time"),
            Some(at)
        );
        // Escaped text cannot be borrowed from the input: read all the same.
        assert_eq!(
            read(r#"{"at":"2015-07-30T20:00:00\u005a"}"#).expect("a time"),
            Some(at)
        );
        assert_eq!(read(r#"{"at":null}"#).expect("null"), None);
        assert_eq!(read(r#"{"at":""}"#).expect("empty"), None);
        assert_eq!(read("{}").expect("absent"), None);
        assert!(read(r#"{"at":"yesterday"}"#).is_err());
        assert!(read(r#"{"at":20150730}"#).is_err());
    }
}
