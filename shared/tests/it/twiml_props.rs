//! Property tests: whatever text and attribute values go in, the TwiML is well-formed
//! XML that gives the same values back (minus characters XML cannot carry).

use callflow::twiml::{Dial, Gather, Number, Say, VoiceResponse};
use proptest::prelude::*;
use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

/// An element as read back: name, attributes in document order, text.
type Read = (String, Vec<(String, String)>, String);

/// Characters XML 1.0 cannot carry, which the writer drops.
fn xml_ok(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn storable(s: &str) -> String {
    s.chars().filter(|&c| xml_ok(c)).collect()
}

fn entity(name: &str) -> String {
    match name {
        "amp" => "&".into(),
        "lt" => "<".into(),
        "gt" => ">".into(),
        "quot" => "\"".into(),
        "apos" => "'".into(),
        other => panic!("unexpected entity {other}"),
    }
}

fn element(e: &quick_xml::events::BytesStart<'_>) -> Read {
    let name = e.name().as_ref().to_string();
    let attrs = e
        .attributes()
        .map(|a| {
            let a = a.expect("valid attribute");
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .expect("unescapes")
                .into_owned();
            (a.key.0.to_string(), value)
        })
        .collect();
    (name, attrs, String::new())
}

/// Parses the document strictly and returns (element name, attributes, text) in
/// document order.
fn read(xml: &str) -> Vec<Read> {
    let mut reader = Reader::from_str(xml);
    let mut out: Vec<Read> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                out.push(element(&e));
                stack.push(out.len() - 1);
            }
            // Empty elements have no end event, so they are not pushed.
            Event::Empty(e) => out.push(element(&e)),
            Event::End(_) => {
                stack.pop();
            }
            Event::Text(t) => {
                let i = *stack.last().expect("text inside an element");
                out[i].2.push_str(&t.into_inner());
            }
            Event::GeneralRef(r) => {
                let i = *stack.last().expect("reference inside an element");
                let text = match r.resolve_char_ref().expect("valid char ref") {
                    Some(c) => c.to_string(),
                    None => entity(&r.into_inner()),
                };
                out[i].2.push_str(&text);
            }
            Event::Decl(_) => {}
            Event::Eof => break,
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert!(stack.is_empty());
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn text_and_attributes_survive_escaping(text in any::<String>(), voice in any::<String>(), url in any::<String>()) {
        let doc = VoiceResponse::new()
            .say(Say::new(text.clone()).voice(voice.clone()))
            .gather(Gather::new().action(url.clone()).say(Say::new(url.clone())))
            .dial(Dial::new().number(Number::new(text.clone()).url(url.clone())));
        let xml = doc.to_xml();
        let elements = read(&xml);
        let names: Vec<&str> = elements.iter().map(|e| e.0.as_str()).collect();
        prop_assert_eq!(names, ["Response", "Say", "Gather", "Say", "Dial", "Number"]);
        prop_assert_eq!(&elements[1].1, &vec![("voice".to_string(), storable(&voice))]);
        prop_assert_eq!(&elements[1].2, &storable(&text));
        prop_assert_eq!(&elements[2].1, &vec![("action".to_string(), storable(&url))]);
        prop_assert_eq!(&elements[3].2, &storable(&url));
        prop_assert_eq!(&elements[5].2, &storable(&text));
    }

    #[test]
    fn any_attribute_name_order_gives_sorted_output(names in prop::collection::btree_set("[a-z][A-Za-z]{0,8}", 1..8)) {
        let mut say = Say::new("x");
        let mut shuffled: Vec<&String> = names.iter().collect();
        shuffled.reverse();
        for n in &shuffled {
            say = say.attr(n.as_str(), n.as_str());
        }
        let xml = VoiceResponse::new().say(say).to_xml();
        let elements = read(&xml);
        let got: Vec<String> = elements[1].1.iter().map(|(k, _)| k.clone()).collect();
        let want: Vec<String> = names.iter().cloned().collect();
        prop_assert_eq!(got, want);
    }
}
