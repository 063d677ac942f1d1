//! Timestamps as callflow writes them into Sync values: ISO 8601 UTC, whole seconds,
//! the same shape as Sync's own `date_created` / `date_updated`.

use time::macros::format_description;
use time::OffsetDateTime;

/// `2026-11-25T10:00:00Z` for `at`.
pub fn iso8601(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    // Formatting a UTC date with a fixed description cannot fail for years 0..=9999;
    // fall back to RFC 3339 rather than panic for anything stranger.
    at.to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// Now, as [`iso8601`].
pub fn now() -> String {
    iso8601(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_whole_seconds_in_utc() {
        let at = time::macros::datetime!(2026-11-25 11:00:07.5 +01:00);
        assert_eq!(iso8601(at), "2026-11-25T10:00:07Z");
    }
}
