//! Reading TwiML back into a small element tree, the way Twilio's voice engine walks it.

use anyhow::{bail, Context as _};
use quick_xml::events::Event;
use quick_xml::Reader;

/// One TwiML element: a verb or a noun.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// The tag, e.g. `Gather` or `Say`.
    pub name: String,
    /// Attributes as written, in document order.
    pub attributes: Vec<(String, String)>,
    /// Text content (entities resolved), trimmed.
    pub text: String,
    /// Nested verbs and nouns, in order.
    pub children: Vec<Element>,
}

impl Element {
    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a TwiML document and returns its `<Response>`; anything else is an error, as
/// Twilio's 12100/12102 errors would be.
pub fn parse(xml: &str) -> anyhow::Result<Element> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader
            .read_event()
            .context("TwiML is not well-formed XML")?;
        match event {
            Event::Start(start) => stack.push(element(&start)?),
            Event::Empty(start) => {
                let done = element(&start)?;
                attach(&mut stack, &mut root, done);
            }
            Event::End(_) => {
                let done = stack.pop().context("unbalanced TwiML")?;
                attach(&mut stack, &mut root, done);
            }
            Event::Text(text) => {
                if let Some(open) = stack.last_mut() {
                    open.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(open) = stack.last_mut() {
                    open.text.push_str(&data);
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(open) = stack.last_mut() {
                    open.text.push(resolve(&reference)?);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let Some(mut root) = root else {
        bail!("TwiML has no root element");
    };
    if root.name != "Response" {
        bail!("TwiML root is <{}>, not <Response>", root.name);
    }
    trim(&mut root);
    Ok(root)
}

fn element(start: &quick_xml::events::BytesStart<'_>) -> anyhow::Result<Element> {
    let name = start.name().as_ref().to_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.context("malformed TwiML attribute")?;
        let key = attribute.key.as_ref().to_owned();
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .context("malformed TwiML attribute value")?
            .into_owned();
        attributes.push((key, value));
    }
    Ok(Element {
        name,
        attributes,
        ..Element::default()
    })
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, done: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(done),
        None => *root = Some(done),
    }
}

fn resolve(reference: &quick_xml::events::BytesRef<'_>) -> anyhow::Result<char> {
    if reference.is_char_ref() {
        return reference
            .resolve_char_ref()
            .context("bad character reference")?
            .context("bad character reference");
    }
    Ok(match &**reference {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        other => bail!("unknown entity &{other};"),
    })
}

fn trim(element: &mut Element) {
    element.text = element.text.trim().to_owned();
    element.children.iter_mut().for_each(trim);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_verbs_attributes_and_entities() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/a?x=1&amp;y=2" numDigits="1"><Say>Press 1 &amp; wait &#233;</Say></Gather><Hangup /></Response>"#;
        let root = parse(xml).expect("parses");
        assert_eq!(root.children.len(), 2);
        let gather = &root.children[0];
        assert_eq!(gather.attr("action"), Some("/a?x=1&y=2"));
        assert_eq!(gather.children[0].text, "Press 1 & wait é");
        assert_eq!(root.children[1].name, "Hangup");
    }

    #[test]
    fn refuses_documents_that_twilio_would_refuse() {
        assert!(parse("<Foo/>").is_err());
        assert!(parse("<Response><Say>unclosed</Response>").is_err());
        assert!(parse("").is_err());
    }
}
