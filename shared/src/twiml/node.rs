//! The generic element tree behind the typed verbs, its serialisation, and the open
//! element API ([`Element`]) for anything the typed builders do not know.
//!
//! Serialisation copies what twilio-python (`xml.etree.ElementTree.tostring`) prints,
//! because Twilio's docs, tests and users compare against that output:
//! attributes sorted by name, `<Empty />` with a space, no whitespace between
//! elements, empty text dropped, and ElementTree's escaping, which differs from
//! quick-xml's default (`'` is not escaped, a tab in an attribute is `&#09;`).
//! quick-xml does the writing; the escaping is ours so that it matches byte for byte.

use std::borrow::Cow;
use std::io;

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use quick_xml::Writer;

/// Any TwiML element: a name, attributes, text and children, written with the same
/// rules as the typed builders (attributes sorted by name, `<Empty />`, ElementTree's
/// escaping). This is the open element API, like twilio-python's `add_child` / `nest`:
/// whatever Twilio adds next can be written today, and placed inside any typed
/// builder with its `child` method. Prefer the typed builders where they exist.
///
/// ```
/// use callflow::twiml::{Dial, Element, Say, VoiceResponse};
///
/// let xml = VoiceResponse::new()
///     .child(Element::new("FutureVerb").kwarg("status_callback", "/s").text("hi & bye"))
///     .say(Say::new("Hello ").child(Element::with_text("amazon:effect", "psst").attr("name", "whispered")))
///     .dial(Dial::to_number("+15550009999").child(Element::with_text("Extension", "123")))
///     .to_xml_without_declaration();
/// assert_eq!(
///     xml,
///     concat!(
///         r#"<Response><FutureVerb statusCallback="/s">hi &amp; bye</FutureVerb>"#,
///         r#"<Say>Hello <amazon:effect name="whispered">psst</amazon:effect></Say>"#,
///         r#"<Dial>+15550009999<Extension>123</Extension></Dial></Response>"#,
///     )
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    pub(crate) name: Cow<'static, str>,
    attrs: Vec<(Cow<'static, str>, String)>,
    children: Vec<Node>,
}

/// A child: an element or a run of text (ElementTree's `text`/`tail`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    /// An element called `name` (written as given, e.g. `FutureVerb` or `amazon:effect`).
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// An element with text content, like twilio-python's `add_child(name, value)`
    /// (empty text is dropped, as there).
    pub fn with_text(name: impl Into<Cow<'static, str>>, text: impl Into<String>) -> Self {
        let mut e = Self::new(name);
        e.push_text(text);
        e
    }

    /// The element's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets attribute `name` (written as given) to `value`'s text; `bool`s give
    /// `true`/`false` and integers decimal, as twilio-python writes them. Setting a name
    /// twice keeps the last value.
    #[must_use]
    pub fn attr(mut self, name: impl Into<String>, value: impl std::fmt::Display) -> Self {
        self.set(name.into(), value.to_string());
        self
    }

    /// Sets an attribute named the way twilio-python names a keyword argument:
    /// `status_callback` → `statusCallback`, `from_` → `from`, `xml_lang` → `xml:lang`
    /// (see [`attribute_name`]).
    #[must_use]
    pub fn kwarg(self, python_name: &str, value: impl std::fmt::Display) -> Self {
        self.attr(attribute_name(python_name), value)
    }

    /// Appends text after what is already inside (empty text is dropped).
    ///
    /// Unlike twilio-python, where a second string nested in a row replaces the first
    /// (ElementTree's `text`/`tail` are overwritten), texts here accumulate.
    #[must_use]
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.push_text(text);
        self
    }

    /// Appends a child: an [`Element`] or any typed builder.
    #[must_use]
    pub fn child(mut self, child: impl Into<Element>) -> Self {
        self.push(child.into());
        self
    }

    /// Sets an attribute, replacing an earlier value of the same name (as a Python
    /// keyword argument would).
    pub(crate) fn set(&mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self
            .attrs
            .binary_search_by(|(n, _)| n.as_ref().cmp(name.as_ref()))
        {
            Ok(at) => self.attrs[at].1 = value,
            Err(at) => self.attrs.insert(at, (name, value)),
        }
    }

    pub(crate) fn push_text(&mut self, text: impl Into<String>) {
        let text = text.into();
        // ElementTree drops empty text (`if self.value:` in twilio-python).
        if !text.is_empty() {
            self.children.push(Node::Text(text));
        }
    }

    pub(crate) fn push(&mut self, child: Element) {
        self.children.push(Node::Element(child));
    }

    pub(crate) fn write<W: io::Write>(&self, w: &mut Writer<W>) -> io::Result<()> {
        let mut start = BytesStart::new(self.name.as_ref());
        for (name, value) in &self.attrs {
            start.push_attribute(Attribute {
                key: QName(name.as_ref()),
                value: escape_attribute(value),
            });
        }
        if self.children.is_empty() {
            return w.write_event(Event::Empty(start));
        }
        w.write_event(Event::Start(start))?;
        for child in &self.children {
            match child {
                Node::Element(e) => e.write(w)?,
                Node::Text(t) => {
                    w.write_event(Event::Text(BytesText::from_escaped(escape_text(t))))?
                }
            }
        }
        w.write_event(Event::End(BytesEnd::new(self.name.as_ref())))
    }

    pub(crate) fn to_xml(&self, declaration: bool) -> String {
        let mut w = Writer::new(Vec::with_capacity(256));
        w.config_mut().add_space_before_slash_in_empty_elements = true;
        // Writing into a Vec cannot fail.
        let written = (|| {
            if declaration {
                w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
            }
            self.write(&mut w)
        })();
        debug_assert!(written.is_ok());
        // Everything written came from `&str`s and ASCII markup, so it is UTF-8.
        String::from_utf8(w.into_inner())
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// Whether `c` may appear in an XML 1.0 document at all.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// ElementTree's `_escape_cdata`: `&`, `<`, `>`.
///
/// Characters XML 1.0 forbids (NUL and other C0 controls, U+FFFE, U+FFFF) are dropped.
/// twilio-python writes them raw, which gives a document Twilio cannot parse (12100);
/// here it is the one place where the output deliberately differs.
pub(crate) fn escape_text(s: &str) -> Cow<'_, str> {
    if !s
        .chars()
        .any(|c| matches!(c, '&' | '<' | '>') || !is_xml_char(c))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if !is_xml_char(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// ElementTree's `_escape_attrib`: `& < > "` and CR, LF, TAB as character references
/// (so that attribute-value normalisation keeps them); `'` stays as it is.
pub(crate) fn escape_attribute(s: &str) -> Cow<'_, str> {
    if !s
        .chars()
        .any(|c| matches!(c, '&' | '<' | '>' | '"' | '\r' | '\n' | '\t') || !is_xml_char(c))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#09;"),
            c if !is_xml_char(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The attribute name twilio-python writes for keyword argument `kwarg`: its special
/// cases (`from_`, `xml_lang`, `interpret_as`, `for_`, `break_`), then `lower_camel`
/// (each `_`-separated part `str.title()`d, joined, first letter lowered). Names without
/// `_` are kept as they are (`camelAlready` stays).
pub fn attribute_name(kwarg: &str) -> String {
    let mapped = match kwarg {
        "from_" => "from",
        "xml_lang" => "xml:lang",
        "interpret_as" => "interpret-as",
        "for_" => "for",
        "break_" => "break",
        other => other,
    };
    if !mapped.contains('_') {
        return mapped.to_owned();
    }
    let joined: String = mapped.split('_').map(python_title).collect();
    let mut chars = joined.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => joined,
    }
}

/// Python's `str.title()`: a letter after a non-letter is upper-cased, after a letter
/// lower-cased (`url2x` → `Url2X`).
fn python_title(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut after_letter = false;
    for c in word.chars() {
        if c.is_alphabetic() {
            if after_letter {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            after_letter = true;
        } else {
            out.push(c);
            after_letter = false;
        }
    }
    out
}

/// Python's `str(True)` / `str(False)` lower-cased, as twilio-python writes booleans.
pub(crate) fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_element_tree() {
        assert_eq!(escape_text("a<b>&'\"\t\n"), "a&lt;b&gt;&amp;'\"\t\n");
        assert_eq!(
            escape_attribute("a<b>&'\"\t\n\r"),
            "a&lt;b&gt;&amp;'&quot;&#09;&#10;&#13;"
        );
        assert_eq!(escape_text("bell\u{7}\u{0}"), "bell");
        assert_eq!(escape_attribute("x\u{FFFE}y"), "xy");
    }

    #[test]
    fn keyword_names_follow_twilio_python() {
        assert_eq!(attribute_name("num_digits"), "numDigits");
        assert_eq!(attribute_name("status_callback_URL"), "statusCallbackUrl");
        assert_eq!(attribute_name("sample_rate2x"), "sampleRate2X");
        assert_eq!(attribute_name("from_"), "from");
        assert_eq!(attribute_name("xml_lang"), "xml:lang");
        assert_eq!(attribute_name("camelAlready"), "camelAlready");
        assert_eq!(attribute_name("_"), "");
    }

    #[test]
    fn attributes_are_sorted_and_empty_elements_spaced() {
        let mut e = Element::new("Gather");
        e.set("timeout", "5");
        e.set("action", "/a");
        e.set("numDigits", "1");
        e.set("action", "/b");
        assert_eq!(
            e.to_xml(false),
            r#"<Gather action="/b" numDigits="1" timeout="5" />"#
        );
    }
}
