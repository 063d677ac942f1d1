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
/// The decoded names and values share one string, each pair a span of it: a webhook of
/// twenty parameters is two allocations to parse or to copy, not forty-one.
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
    /// Every name and value, decoded, one after the other.
    text: String,
    /// Per pair: where its name starts, where its value starts, where its value ends.
    spans: Vec<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Span {
    name: usize,
    value: usize,
    end: usize,
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
        let mut text = Vec::with_capacity(body.len());
        let mut spans = Vec::new();
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
            let name_at = text.len();
            decode_into(name, position, &mut text)?;
            let value_at = text.len();
            decode_into(value, position + name.len() + 1, &mut text)?;
            spans.push(Span {
                name: name_at,
                value: value_at,
                end: text.len(),
            });
        }
        // Each name and value was checked on its own, so the whole is UTF-8 too.
        let text = String::from_utf8(text).map_err(|_| WebhookError::NonUtf8 { position: 0 })?;
        Ok(Self { text, spans })
    }

    fn pair(&self, span: &Span) -> (&str, &str) {
        (
            self.text.get(span.name..span.value).unwrap_or_default(),
            self.value(span),
        )
    }

    /// Whether the pair at `span` is named `name`. The lengths are compared first, from
    /// the spans alone: a typed webhook looks up some forty names in a form of twenty
    /// pairs, and most candidates differ in length.
    fn named(&self, span: &Span, name: &str) -> bool {
        span.value - span.name == name.len()
            && self.text.as_bytes().get(span.name..span.value) == Some(name.as_bytes())
    }

    fn value(&self, span: &Span) -> &str {
        self.text.get(span.value..span.end).unwrap_or_default()
    }

    /// The first value of `name`, if present (possibly empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.spans
            .iter()
            .find(|span| self.named(span, name))
            .map(|span| self.value(span))
    }

    /// Every value of `name`, in arrival order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.spans
            .iter()
            .filter(move |span| self.named(span, name))
            .map(|span| self.value(span))
    }

    /// Whether `name` occurs at least once.
    pub fn contains(&self, name: &str) -> bool {
        self.spans.iter().any(|span| self.named(span, name))
    }

    /// All pairs in arrival order.
    pub fn iter(&self) -> Pairs<'_> {
        Pairs {
            form: self,
            spans: self.spans.iter(),
        }
    }

    /// Number of pairs (a repeated name counts once per occurrence).
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are no pairs at all.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Appends a pair (after any existing pairs of the same name).
    pub fn push(&mut self, name: impl AsRef<str>, value: impl AsRef<str>) {
        let name_at = self.text.len();
        self.text.push_str(name.as_ref());
        let value_at = self.text.len();
        self.text.push_str(value.as_ref());
        self.spans.push(Span {
            name: name_at,
            value: value_at,
            end: self.text.len(),
        });
    }

    /// Encodes the pairs, in order, as `application/x-www-form-urlencoded`.
    ///
    /// Space becomes `+`; everything except ASCII alphanumerics and `*-._` is
    /// percent-encoded, as browsers and Twilio do. [`Form::parse`] of the result gives
    /// back an equal form.
    pub fn to_urlencoded(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 2 * self.spans.len());
        for (i, (name, value)) in self.iter().enumerate() {
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
        self.iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect()
    }
}

/// The pairs of a [`Form`], in arrival order.
#[derive(Debug, Clone)]
pub struct Pairs<'a> {
    form: &'a Form,
    spans: std::slice::Iter<'a, Span>,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let span = self.spans.next()?;
        Some(self.form.pair(span))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl ExactSizeIterator for Pairs<'_> {}

impl<N: AsRef<str>, V: AsRef<str>> FromIterator<(N, V)> for Form {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut form = Form::new();
        for (n, v) in iter {
            form.push(n, v);
        }
        form
    }
}

impl<'a> IntoIterator for &'a Form {
    type Item = (&'a str, &'a str);
    type IntoIter = Pairs<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Percent- and plus-decodes one name or value onto `out`; `offset` is where it starts
/// in the body, for the error's position.
fn decode_into(raw: &[u8], offset: usize, out: &mut Vec<u8>) -> Result<(), WebhookError> {
    let at = out.len();
    // Fast path: nothing to decode (the common case for Twilio's names and most values).
    if !raw.iter().any(|&b| b == b'%' || b == b'+') {
        out.extend_from_slice(raw);
    } else {
        let mut i = 0;
        while i < raw.len() {
            match raw[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hi = raw.get(i + 1).copied().and_then(hex_value);
                    let lo = raw.get(i + 2).copied().and_then(hex_value);
                    match (hi, lo) {
                        (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                        _ => {
                            return Err(WebhookError::MalformedEncoding {
                                position: offset + i,
                                reason: "'%' must be followed by two hex digits",
                            })
                        }
                    }
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
    }
    match std::str::from_utf8(&out[at..]) {
        Ok(_) => Ok(()),
        Err(_) => Err(WebhookError::NonUtf8 { position: offset }),
    }
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

    proptest::proptest! {
        /// Lookups by name agree with reading the pairs in order, for names that share
        /// lengths, prefixes and multi-byte characters.
        #[test]
        fn lookups_agree_with_the_pairs(
            pairs in proptest::collection::vec(("[abé]{0,3}", "[xé]{0,2}"), 0..12),
            name in "[abé]{0,3}",
        ) {
            let form: Form = pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let values: Vec<&str> =
                pairs.iter().filter(|(n, _)| *n == name).map(|(_, v)| v.as_str()).collect();
            proptest::prop_assert_eq!(form.get(&name), values.first().copied());
            proptest::prop_assert_eq!(form.get_all(&name).collect::<Vec<_>>(), values.clone());
            proptest::prop_assert_eq!(form.contains(&name), !values.is_empty());
        }
    }

    #[test]
    fn empty_pairs_are_skipped_and_bare_names_have_empty_values() {
        let form = Form::parse(b"&a=1&&flag&b=").unwrap();
        assert_eq!(
            form.iter().collect::<Vec<_>>(),
            [("a", "1"), ("flag", ""), ("b", "")]
        );
        assert_eq!(form.len(), 3);
    }

    #[test]
    fn pushed_and_parsed_forms_are_equal_pair_for_pair() {
        let parsed = Form::parse(b"Caller=%2B1555&Speech=caf%C3%A9+ol%C3%A9&Caller=&x").unwrap();
        let pushed: Form = [
            ("Caller", "+1555"),
            ("Speech", "café olé"),
            ("Caller", ""),
            ("x", ""),
        ]
        .into_iter()
        .collect();
        assert_eq!(parsed, pushed);
        assert_eq!(parsed.get("Speech"), Some("café olé"));
        assert_eq!(parsed.get_all("Caller").collect::<Vec<_>>(), ["+1555", ""]);
        assert_eq!(parsed.iter().len(), 4);
        assert_eq!(
            parsed.clone().into_pairs()[1],
            ("Speech".to_owned(), "café olé".to_owned())
        );
        assert_eq!(
            Form::parse(parsed.to_urlencoded().as_bytes()).unwrap(),
            parsed
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
