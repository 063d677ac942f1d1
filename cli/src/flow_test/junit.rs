//! The results as JUnit XML, for CI: one `<testsuite>` per test file, one `<testcase>`
//! per test, a `<failure>` with the readable account for each failed one.

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

/// One test's result, as JUnit needs it.
pub struct Case {
    pub name: String,
    pub seconds: f64,
    /// `(message, text)` of a failure.
    pub failure: Option<(String, String)>,
}

/// One test file's results.
pub struct Suite {
    pub name: String,
    pub cases: Vec<Case>,
}

/// The document.
pub fn render(suites: &[Suite]) -> std::io::Result<String> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let count = |f: &dyn Fn(&Case) -> bool| -> usize {
        suites
            .iter()
            .flat_map(|s| &s.cases)
            .filter(|c| f(c))
            .count()
    };
    let total = count(&|_| true).to_string();
    let failures = count(&|c| c.failure.is_some()).to_string();
    let time: f64 = suites
        .iter()
        .flat_map(|s| &s.cases)
        .map(|c| c.seconds)
        .sum();
    let time = format!("{time:.3}");
    writer
        .create_element("testsuites")
        .with_attributes([
            ("name", "callflow flow test"),
            ("tests", total.as_str()),
            ("failures", failures.as_str()),
            ("errors", "0"),
            ("time", time.as_str()),
        ])
        .write_inner_content(|w| {
            for suite in suites {
                write_suite(w, suite)?;
            }
            Ok(())
        })?;
    let mut text = String::from_utf8_lossy(&writer.into_inner()).into_owned();
    text.push('\n');
    Ok(text)
}

fn write_suite(writer: &mut Writer<Vec<u8>>, suite: &Suite) -> std::io::Result<()> {
    let tests = suite.cases.len().to_string();
    let failures = suite
        .cases
        .iter()
        .filter(|c| c.failure.is_some())
        .count()
        .to_string();
    let time: f64 = suite.cases.iter().map(|c| c.seconds).sum();
    let time = format!("{time:.3}");
    let name = xml_text(&suite.name);
    writer
        .create_element("testsuite")
        .with_attributes([
            ("name", name.as_str()),
            ("tests", tests.as_str()),
            ("failures", failures.as_str()),
            ("errors", "0"),
            ("skipped", "0"),
            ("time", time.as_str()),
        ])
        .write_inner_content(|w| {
            for case in &suite.cases {
                let name = xml_text(&case.name);
                let time = format!("{:.3}", case.seconds);
                let element = w.create_element("testcase").with_attributes([
                    ("name", name.as_str()),
                    ("classname", name_of_class(&suite.name).as_str()),
                    ("time", time.as_str()),
                ]);
                match &case.failure {
                    None => {
                        element.write_empty()?;
                    }
                    Some((message, text)) => {
                        let message = xml_text(message);
                        let text = xml_text(text);
                        element.write_inner_content(|w| {
                            w.create_element("failure")
                                .with_attributes([
                                    ("message", message.as_str()),
                                    ("type", "expectation"),
                                ])
                                .write_text_content(BytesText::new(&text))?;
                            Ok(())
                        })?;
                    }
                }
            }
            Ok(())
        })?;
    Ok(())
}

/// The test file's name without folders and `.toml`, as CI tools group by class.
fn name_of_class(path: &str) -> String {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    xml_text(file.trim_end_matches(".toml"))
}

/// Text XML 1.0 can hold: other control characters become U+FFFD.
fn xml_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_counts_and_escapes() {
        let xml = render(&[Suite {
            name: "flows/a.test.toml".to_owned(),
            cases: vec![
                Case {
                    name: "ok <one>".to_owned(),
                    seconds: 0.25,
                    failure: None,
                },
                Case {
                    name: "bad".to_owned(),
                    seconds: 0.5,
                    failure: Some(("x \"y\" & z".to_owned(), "a < b\u{1b}".to_owned())),
                },
            ],
        }])
        .expect("renders");
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
        assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
        assert!(xml.contains("name=\"ok &lt;one&gt;\""), "{xml}");
        assert!(xml.contains("classname=\"a.test\""), "{xml}");
        assert!(xml.contains("message=\"x &quot;y&quot; &amp; z\""), "{xml}");
        assert!(xml.contains("a &lt; b\u{FFFD}</failure>"), "{xml}");
        assert!(xml.contains("time=\"0.750\""), "{xml}");
    }
}
