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
use time::macros::format_description;
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

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        // A fixed description cannot fail for years 0..=9999; for anything stranger,
        // RFC 3339 (which allows wider years) rather than a panic.
        match self.0.format(format) {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "{}", self.0.format(&Rfc3339).map_err(|_| fmt::Error)?),
        }
    }
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
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
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
    fn round_trips_through_json_and_refuses_non_times() {
        let at: Timestamp = "2026-11-25T10:00:07.25+01:00".parse().expect("RFC 3339");
        let json = serde_json::to_string(&at).expect("serialises");
        assert_eq!(json, "\"2026-11-25T09:00:07Z\"");
        assert_eq!(
            serde_json::from_str::<Timestamp>(&json).expect("parses"),
            at
        );
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
        assert!("2026-11-25".parse::<Timestamp>().is_err());
    }
}
