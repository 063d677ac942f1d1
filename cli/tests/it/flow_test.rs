//! `callflow flow test`: test files run in-process against the real engine and emulator,
//! with stand-ins for the flow's HTTP calls; the report, the exit status, JUnit XML and
//! coverage.

use std::path::Path;
use std::process::{Command, Output};

use quick_xml::events::Event;

use super::support::*;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn flow_test(args: &[&str], dir: &Path) -> Output {
    let mut command = Command::new(BIN);
    command.args(["flow", "test"]).args(args).current_dir(dir);
    without_config_vars(&mut command);
    command.output().expect("callflow flow test runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A test file in `dir` against the example Studio flow.
fn studio_tests(dir: &Path, name: &str, tests: &str) -> String {
    let path = dir.join(name);
    let text = format!("flow = \"{ROOT}/flows/order-line.json\"\n{tests}");
    std::fs::write(&path, text).expect("write the test file");
    path.display().to_string()
}

/// `(tests, failures)` of the `<testsuites>` element, and each testcase's name with
/// whether it has a `<failure>`, read back with an XML parser.
fn junit(path: &Path) -> ((usize, usize), Vec<(String, bool)>) {
    let xml = std::fs::read_to_string(path).expect("JUnit file written");
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut totals = None;
    let mut cases: Vec<(String, bool)> = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let attr = |name: &str| {
                    e.try_get_attribute(name)
                        .expect("attribute")
                        .map(|a| {
                            a.normalized_value(quick_xml::XmlVersion::default())
                                .expect("value")
                                .into_owned()
                        })
                        .unwrap_or_default()
                };
                match e.name().as_ref() {
                    "testsuites" => {
                        totals = Some((
                            attr("tests").parse().expect("tests"),
                            attr("failures").parse().expect("failures"),
                        ));
                    }
                    "testcase" => cases.push((attr("name"), false)),
                    "failure" => cases.last_mut().expect("inside a testcase").1 = true,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    (totals.expect("a <testsuites> element"), cases)
}

#[test]
fn the_example_tests_pass_with_coverage_and_junit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = format!("{ROOT}/flows/order-line.test.toml");
    let xml = dir.path().join("junit.xml");
    let out = flow_test(&[&file, "--junit", &xml.display().to_string()], dir.path());
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    let printed = stdout(&out);
    let results: Vec<&str> = printed
        .lines()
        .filter(|l| l.starts_with("ok ") || l.starts_with("FAILED"))
        .collect();
    assert_eq!(results.len(), 5, "{all}");
    assert!(
        results[0].starts_with("ok     ")
            && results[0].contains("order-line.test.toml: a shipped order is read back ("),
        "{all}"
    );
    assert!(
        printed.contains("coverage of ") && printed.contains("17/18 widgets"),
        "{all}"
    );
    assert!(
        printed.contains("  widgets not reached: say_status\n"),
        "{all}"
    );
    assert!(
        printed.contains("    status_split -noMatch-> say_status\n"),
        "{all}"
    );
    assert!(printed.contains("5 passed, 0 failed"), "{all}");
    let (totals, cases) = junit(&xml);
    assert_eq!(totals, (5, 0), "{all}");
    assert_eq!(cases.len(), 5);
    assert_eq!(cases[0], ("a shipped order is read back".to_owned(), false));
    // The bar: not every transition is reached.
    let out = flow_test(&[&file, "--coverage-fail-under", "90"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("75% of transitions reached, under 90%"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_failing_expectation_exits_1_with_the_path_taken_against_the_expected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = studio_tests(
        dir.path(),
        "failing.test.toml",
        r#"
[[test]]
name = "the API answers 500"
digits = ["1", "123456"]

[[test.http]]
url = "https://api.acme.test/orders"
status = 500
body = "upstream down"

[test.expect]
widgets = ["greet", "menu", "route", "ask_order", "lookup", "status_split", "say_shipped", "bye"]
heard = ["has shipped"]

[[test.expect.http]]
url = "https://api.acme.test/orders"
params = { order = "123456" }

[[test]]
name = "the agent answers"
digits = ["2"]
dial = ["completed"]

[test.expect]
widgets = ["greet", "menu", "route", "agent", "dial_split"]
status = "completed"
"#,
    );
    let xml = dir.path().join("out/junit.xml");
    std::fs::create_dir_all(xml.parent().expect("folder")).expect("mkdir");
    let out = flow_test(&[&file, "--junit", &xml.display().to_string()], dir.path());
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let printed = stdout(&out);
    assert!(
        printed.contains("FAILED ") && printed.contains("failing.test.toml: the API answers 500 ("),
        "{all}"
    );
    assert!(
        printed.contains("failing.test.toml: the agent answers ("),
        "{all}"
    );
    for expected in [
        "x widgets visited differ at 6: expected `status_split`, taken `not_found`",
        "   6  ! status_split | not_found   <- first difference",
        "   5    lookup       | lookup",
        "x heard: \"has shipped\" was not heard",
        "    lookup -> failed  (HTTP 500)",
        "    say: We could not find that order.",
        "    GET https://api.acme.test/orders?order=123456&caller=%2B15005550006 -> 500",
        "    POST https://acme-1234.twil.io/log-miss -> 404  (no stand-in answer for it)",
    ] {
        assert!(printed.contains(expected), "missing {expected:?} in\n{all}");
    }
    // The HTTP expectation held: it is not among the problems.
    assert!(!printed.contains("expected HTTP call not made"), "{all}");
    assert!(printed.contains("1 passed, 1 failed"), "{all}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("error: 1 of 2 flow tests failed"),
        "{all}"
    );
    let (totals, cases) = junit(&xml);
    assert_eq!(totals, (2, 1), "{all}");
    assert_eq!(
        cases,
        [
            ("the API answers 500".to_owned(), true),
            ("the agent answers".to_owned(), false)
        ]
    );
}

#[test]
fn stand_ins_answer_by_url_and_a_slow_one_runs_into_the_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = studio_tests(
        dir.path(),
        "standins.test.toml",
        r#"
[[http]]
url = "https://acme-1234.twil.io/log-miss"
body = "ok"

[[test]]
name = "a JSON answer the split reads"
digits = ["1", "42"]

[[test.http]]
url = "https://api.acme.test/orders?order=42&caller=%2B15005550006"
body = '{"order": {"status": "packed"}}'

[test.expect]
heard_exact = ["Your order is packed."]
widgets_exclude = ["not_found"]
http_count = 1

[[test]]
name = "too slow"
digits = ["1", "7"]

[[test.http]]
url = "https://api.acme.test/*"
body = '{"order": {"status": "packed"}}'
delay_ms = 3000
"#,
    );
    let out = flow_test(&[&file, "--timeout", "1"], dir.path());
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let printed = stdout(&out);
    assert!(
        printed
            .lines()
            .any(|l| l.starts_with("ok ") && l.contains("a JSON answer the split reads")),
        "{all}"
    );
    assert!(
        printed
            .lines()
            .any(|l| l.starts_with("FAILED") && l.contains("too slow")),
        "{all}"
    );
    assert!(
        printed.contains("x the call did not finish: it took over 1 s (--timeout)"),
        "{all}"
    );
    // What happened before the timeout is shown.
    assert!(printed.contains("    caller presses: 7"), "{all}");
}

#[test]
fn a_toml_flow_is_tested_by_its_stages_and_its_document() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("support.test.toml");
    std::fs::write(
        &path,
        format!(
            r#"flow = "{ROOT}/shared/flows/support.toml"

[[test]]
name = "sales does not answer"
digits = ["4"]
dial = ["no-answer"]

[test.expect]
stages = ["welcome", "sales_hours", "sales", "voicemail", "voicemail_thanks"]
heard = ["Our sales team", "Thank you, we will call you back."]
status = "completed"
state = {{ "dial.status" = "no-answer", "recording.duration" = 12, "selections.0.digits" = "4" }}

[[test]]
name = "three wrong keys"
digits = ["9", "9", "9"]

[test.expect]
stages = ["welcome", "welcome", "welcome", "goodbye"]
heard_exact = ["We did not receive a valid choice. Goodbye."]

[[test]]
name = "billing, expected wrongly"
digits = ["1", "123456"]

[test.expect]
stages = ["welcome", "billing", "agent"]
state = {{ "selections.1.digits" = "654321" }}
"#
        ),
    )
    .expect("write");
    let out = flow_test(&[&path.display().to_string()], dir.path());
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let printed = stdout(&out);
    assert!(
        printed.lines().filter(|l| l.starts_with("ok ")).count() == 2,
        "{all}"
    );
    for expected in [
        "x stages visited differ at 3: expected `agent`, taken `billing_thanks`",
        "x state `selections.1.digits`: expected \"654321\", was \"123456\"",
        "coverage of ",
        "  stages not reached: agent, assistant, assistant_done, outage, sales_done, technical",
        "    welcome -5-> assistant",
    ] {
        assert!(printed.contains(expected), "missing {expected:?} in\n{all}");
    }
    // The retry edge was reached by the three wrong keys.
    assert!(!printed.contains("welcome -retry"), "{all}");
}

#[test]
fn a_broken_test_file_is_refused_with_its_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = studio_tests(
        dir.path(),
        "broken.test.toml",
        "[[test]]\nname = \"x\"\ndigit = [\"1\"]\n",
    );
    let out = flow_test(&[&file], dir.path());
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("error: {file}:4:1: unknown field `digit`")),
        "{all}"
    );
    assert!(stdout(&out).is_empty(), "{all}");
}

#[test]
fn coverage_counts_every_file_that_tests_a_flow_however_it_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let more = studio_tests(
        dir.path(),
        "more.test.toml",
        r#"
[[test]]
name = "an order on its way"
digits = ["1", "5"]

[[test.http]]
url = "https://api.acme.test/orders"
body = '{"order": {"status": "packed"}}'

[test.expect]
heard_exact = ["Your order is packed."]
"#,
    );
    // The example names the flow `order-line.json` beside it; this path differs.
    let example = format!("{ROOT}/cli/../flows/order-line.test.toml");
    let out = flow_test(&[&example, &more], dir.path());
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    let printed = stdout(&out);
    let coverage: Vec<&str> = printed
        .lines()
        .filter(|l| l.starts_with("coverage of "))
        .collect();
    assert_eq!(coverage.len(), 1, "{all}");
    assert!(
        coverage[0].ends_with(": 18/18 widgets (100%), 23/28 transitions (82%)"),
        "{all}"
    );
    assert!(!printed.contains("widgets not reached"), "{all}");
    assert!(
        printed.contains("6 passed, 0 failed (6 tests in 2 files, "),
        "{all}"
    );
}
