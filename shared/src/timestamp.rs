//! [`Timestamp`]: a moment as callflow writes it into Sync values: ISO 8601 UTC, whole
//! seconds (`2026-11-25T10:00:00Z`), the same shape as Sync's own `date_created` /
//! `date_updated`.
//!
//! Values hold a `Timestamp`, not a string, so a malformed time cannot be stored and
//! times compare as times. It is truncated to whole seconds when made, so what is
//! written and what is read back are equal.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// A UTC moment in whole seconds; serialised as `2026-11-25T10:00:00Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Now.
    pub fn now() -> Timestamp {
        Timestamp::from(OffsetDateTime::now_utc())
    }

    /// The moment as a `time` value (UTC).
    pub fn as_datetime(self) -> OffsetDateTime {
        self.0
    }
}

impl From<OffsetDateTime> for Timestamp {
    /// In UTC, with the fraction of a second dropped.
    fn from(at: OffsetDateTime) -> Timestamp {
        let utc = at.to_offset(UtcOffset::UTC);
        Timestamp(utc.replace_nanosecond(0).unwrap_or(utc))
    }
}

impl Timestamp {
    /// `YYYY-MM-DDTHH:MM:SSZ` as bytes, for a year in 0000-9999 (RFC 3339's range).
    ///
    /// Written digit by digit into a fixed buffer: every call state holds several
    /// timestamps and is serialized on every write, and going through `fmt` for each field
    /// cost about 3% of a webhook's CPU.
    fn rfc3339(&self) -> Option<[u8; 20]> {
        let (year, month, day) = self.0.to_calendar_date();
        let (hour, minute, second) = self.0.to_hms();
        let year = u16::try_from(year).ok().filter(|year| *year <= 9999)?;
        let mut out = *b"0000-00-00T00:00:00Z";
        let [hi, lo] = [(year / 100) as u8, (year % 100) as u8];
        for (at, value) in [
            (0, hi),
            (2, lo),
            (5, u8::from(month)),
            (8, day),
            (11, hour),
            (14, minute),
            (17, second),
        ] {
            out[at] = b'0' + value / 10;
            out[at + 1] = b'0' + value % 10;
        }
        Some(out)
    }
}

impl fmt::Display for Timestamp {
    /// A year outside 0000-9999 (which RFC 3339 cannot carry, and no input of ours can
    /// make) is written with its sign, ISO 8601's expanded form, rather than failing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(text) = self.rfc3339() {
            return f.write_str(ascii(&text));
        }
        let at = self.0;
        write!(
            f,
            "{:+05}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        )
    }
}

/// The text of bytes [`Timestamp::rfc3339`] wrote: ASCII digits and separators only.
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

impl FromStr for Timestamp {
    type Err = time::error::Parse;

    /// Any RFC 3339 time (`2026-11-25T10:00:00Z`, `…+01:00`, with a fraction).
    fn from_str(text: &str) -> Result<Timestamp, Self::Err> {
        OffsetDateTime::parse(text, &Rfc3339).map(Timestamp::from)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.rfc3339() {
            Some(text) => s.serialize_str(ascii(&text)),
            None => s.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        d.deserialize_str(TimestampVisitor)
    }
}

/// Parses the text where the deserializer has it (borrowed from the input when it can),
/// without copying it into a `String` first.
struct TimestampVisitor;

impl serde::de::Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 time such as 2026-11-25T10:00:00Z")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
        text.parse().map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_whole_seconds_in_utc() {
        let at = time::macros::datetime!(2026-11-25 11:00:07.5 +01:00);
        assert_eq!(Timestamp::from(at).to_string(), "2026-11-25T10:00:07Z");
    }

    #[test]
    fn formats_every_field_zero_padded_and_other_years_signed() {
        let early = time::macros::datetime!(0009-01-02 03:04:05 UTC);
        assert_eq!(Timestamp::from(early).to_string(), "0009-01-02T03:04:05Z");
        let late = time::macros::datetime!(9999-12-31 23:59:59 UTC);
        assert_eq!(Timestamp::from(late).to_string(), "9999-12-31T23:59:59Z");
        let before_zero = time::macros::datetime!(-0001-06-15 12:00:00 UTC);
        assert_eq!(
            Timestamp::from(before_zero).to_string(),
            "-0001-06-15T12:00:00Z"
        );
    }

    #[test]
    fn round_trips_through_json_and_refuses_non_times() {
        let at: Timestamp = "2026-11-25T10:00:07.25+01:00".parse().expect("RFC 3339");
        let json = serde_json::to_string(&at).expect("serialises");
        assert_eq!(json, "\"2026-11-25T09:00:07Z\"");
        assert_eq!(
            serde_json::from_str::<Timestamp>(&json).expect("parses"),
            at
        );
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
        assert!(
            serde_json::from_str::<Timestamp>("20261125").is_err(),
            "not a string"
        );
        // An escaped string cannot be borrowed from the input: parsed all the same.
        assert_eq!(
            serde_json::from_str::<Timestamp>("\"2026-11-25T09:00:07\\u005a\"").expect("parses"),
            at
        );
        assert!("2026-11-25".parse::<Timestamp>().is_err());
    }

    proptest::proptest! {
        /// The hand-written digits say what `time`'s own RFC 3339 formatter says, for any
        /// second of years 0000-9999, in text and in JSON.
        #[test]
        fn writes_what_time_writes(seconds in -62_167_219_200i64..=253_402_300_799) {
            let at = OffsetDateTime::from_unix_timestamp(seconds).expect("in range");
            let expected = at.format(&Rfc3339).expect("formats");
            let stamp = Timestamp::from(at);
            proptest::prop_assert_eq!(stamp.to_string(), expected.clone());
            proptest::prop_assert_eq!(
                serde_json::to_string(&stamp).expect("serialises"),
                format!("\"{expected}\"")
            );
        }
    }
}
