//! `application/x-www-form-urlencoded` bodies as an ordered list of name/value pairs.
//!
//! Twilio signs *every* parameter it sends, including empty ones, ones we do not know
//! and repeated names, so the parser keeps all of them, in order, exactly as decoded.
//! It is strict where lenient parsers guess: a `%` without two hex digits or a value
//! that is not UTF-8 is an error rather than being passed through or replaced with
//! U+FFFD, because a guessed value would make the signature check fail with a
//! misleading 403 instead of a clear 400.

use super::WebhookError;

/// Form parameters in the order they arrived, repeated names kept.
///
/// ```
/// use callflow::webhook::Form;
///
/// let form = Form::parse(b"Digits=1&StatusCallbackEvent=ringing&StatusCallbackEvent=answered&Caller=%2B1555")?;
/// assert_eq!(form.get("Digits"), Some("1"));
/// assert_eq!(form.get("Caller"), Some("+1555"));
/// assert_eq!(form.get_all("StatusCallbackEvent").collect::<Vec<_>>(), ["ringing", "answered"]);
/// # Ok::<(), callflow::webhook::WebhookError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a urlencoded body (or a raw query string, which has the same syntax).
    ///
    /// Rules (WHATWG urlencoded parsing, made strict): pairs are separated by `&`;
    /// empty pairs are skipped; a pair without `=` is a name with an empty value;
    /// `+` is a space; `%XX` is a byte; the decoded name and value must be UTF-8.
    pub fn parse(body: &[u8]) -> Result<Self, WebhookError> {
        let mut pairs = Vec::new();
        let mut start = 0;
        for segment in body.split(|&b| b == b'&') {
            let position = start;
            start += segment.len() + 1;
            if segment.is_empty() {
                continue;
            }
            let (name, value) = match segment.iter().position(|&b| b == b'=') {
                Some(eq) => (&segment[..eq], &segment[eq + 1..]),
                None => (segment, &segment[segment.len()..]),
            };
            let value_offset = position + name.len() + 1;
            let name = decode(name, position)?;
            let value = decode(value, value_offset)?;
            pairs.push((name, value));
        }
        Ok(Self { pairs })
    }

    /// The first value of `name`, if present (possibly empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in arrival order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `name` occurs at least once.
    pub fn contains(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }

    /// All pairs in arrival order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// All pairs as a slice.
    pub fn as_pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Number of pairs (a repeated name counts once per occurrence).
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are no pairs at all.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Appends a pair (after any existing pairs of the same name).
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.pairs.push((name.into(), value.into()));
    }

    /// Encodes the pairs, in order, as `application/x-www-form-urlencoded`.
    ///
    /// Space becomes `+`; everything except ASCII alphanumerics and `*-._` is
    /// percent-encoded, as browsers and Twilio do. [`Form::parse`] of the result gives
    /// back an equal form.
    pub fn to_urlencoded(&self) -> String {
        let mut out =
            String::with_capacity(self.pairs.iter().map(|(n, v)| n.len() + v.len() + 2).sum());
        for (i, (name, value)) in self.pairs.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            encode_into(name, &mut out);
            out.push('=');
            encode_into(value, &mut out);
        }
        out
    }

    /// Consumes the form, giving its pairs.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.pairs
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Form {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        Self {
            pairs: iter
                .into_iter()
                .map(|(n, v)| (n.into(), v.into()))
                .collect(),
        }
    }
}

impl<'a> IntoIterator for &'a Form {
    type Item = (&'a str, &'a str);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a str, &'a str),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// Percent- and plus-decodes one name or value; `offset` is where it starts in the body.
fn decode(raw: &[u8], offset: usize) -> Result<String, WebhookError> {
    // Fast path: nothing to decode (the common case for Twilio's names and most values).
    if !raw.iter().any(|&b| b == b'%' || b == b'+') {
        return String::from_utf8(raw.to_vec())
            .map_err(|_| WebhookError::NonUtf8 { position: offset });
    }
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hi = raw.get(i + 1).copied().and_then(hex_value);
                let lo = raw.get(i + 2).copied().and_then(hex_value);
                match (hi, lo) {
                    (Some(hi), Some(lo)) => bytes.push(hi << 4 | lo),
                    _ => {
                        return Err(WebhookError::MalformedEncoding {
                            position: offset + i,
                            reason: "'%' must be followed by two hex digits",
                        })
                    }
                }
                i += 2;
            }
            b => bytes.push(b),
        }
        i += 1;
    }
    String::from_utf8(bytes).map_err(|_| WebhookError::NonUtf8 { position: offset })
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn encode_into(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 0xF)] as char);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_pairs_are_skipped_and_bare_names_have_empty_values() {
        let form = Form::parse(b"&a=1&&flag&b=").unwrap();
        assert_eq!(
            form.as_pairs(),
            [
                ("a".to_string(), "1".to_string()),
                ("flag".to_string(), String::new()),
                ("b".to_string(), String::new())
            ]
        );
    }

    #[test]
    fn value_keeps_later_equals_signs() {
        let form = Form::parse(b"Token=a=b%3D").unwrap();
        assert_eq!(form.get("Token"), Some("a=b="));
    }

    #[test]
    fn bad_percent_reports_its_position() {
        assert_eq!(
            Form::parse(b"a=1&b=%zz").unwrap_err(),
            WebhookError::MalformedEncoding {
                position: 6,
                reason: "'%' must be followed by two hex digits"
            }
        );
        assert!(matches!(
            Form::parse(b"a=%4"),
            Err(WebhookError::MalformedEncoding { position: 2, .. })
        ));
    }

    #[test]
    fn non_utf8_is_rejected_raw_or_encoded() {
        assert_eq!(
            Form::parse(b"a=1&b=%FF").unwrap_err(),
            WebhookError::NonUtf8 { position: 6 }
        );
        assert_eq!(
            Form::parse(b"a=\xC3").unwrap_err(),
            WebhookError::NonUtf8 { position: 2 }
        );
    }
}
