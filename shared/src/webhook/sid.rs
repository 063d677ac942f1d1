//! Twilio SID shapes: a two-letter type prefix and 32 lowercase-or-uppercase hex digits.

/// Whether `s` is `prefix` followed by exactly 32 hex digits (`AC…`, `CA…`, `IS…`).
///
/// ```
/// use callflow::webhook::is_sid;
/// assert!(is_sid("AC0123456789abcdef0123456789abcdef", "AC"));
/// assert!(!is_sid("AC1234", "AC"));
/// ```
pub fn is_sid(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The looser shape webhook parsing accepts: `prefix` followed by 1 to 64 ASCII
/// alphanumerics.
///
/// Real SIDs are `prefix` + 32 hex, but Twilio's own test vectors and many local
/// fixtures use short fake SIDs (`CA1234567890ABCDE`), and a signed webhook is trusted
/// anyway. What matters is that a SID can be put into a Sync document name or a URL
/// without escaping, which the alphanumeric rule guarantees.
pub fn is_sid_like(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 64 && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}
