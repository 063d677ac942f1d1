//! The test file format of `callflow flow test`: TOML, one file per flow, each `[[test]]`
//! a caller's script and what the call must have done. See `FORMAT` (the `--help` text)
//! for the whole format.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use callflow::webhook::DialCallStatus;
use serde::Deserialize;

/// A test file, read and checked.
#[derive(Debug, Clone)]
pub struct TestFile {
    /// The test file, as given on the command line.
    pub path: PathBuf,
    /// The flow file, resolved against the test file's folder.
    pub flow: PathBuf,
    /// Stand-in answers every test of the file shares (a test's own come first).
    pub http: Vec<HttpAnswer>,
    pub tests: Vec<TestCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    flow: PathBuf,
    #[serde(default)]
    http: Vec<HttpAnswer>,
    #[serde(default, rename = "test")]
    tests: Vec<TestCase>,
}

/// One caller's script and its expectations.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    pub name: String,
    /// The caller's number (`From`).
    #[serde(default = "default_from")]
    pub from: String,
    /// The number called (`To`).
    #[serde(default = "default_to")]
    pub to: String,
    /// Answers to DTMF gathers, in order.
    #[serde(default)]
    pub digits: Vec<String>,
    /// Answers to speech gathers, in order.
    #[serde(default)]
    pub speech: Vec<String>,
    /// `DialCallStatus` of each dial, in order (then `completed`), as written.
    #[serde(default, rename = "dial")]
    dial_written: Vec<String>,
    /// The same, read: [`TestFile::read`] fills it in and reports unknown values along
    /// with the file's other problems.
    #[serde(skip)]
    pub dial: Vec<DialCallStatus>,
    /// Seconds of the made-up recording a voicemail gets.
    #[serde(default = "default_recording")]
    pub recording_duration: u32,
    /// The transcript a transcribed recording gets (none without it).
    #[serde(default)]
    pub transcript: Option<String>,
    /// Stand-in answers for the flow's HTTP calls.
    #[serde(default)]
    pub http: Vec<HttpAnswer>,
    #[serde(default)]
    pub expect: Expect,
}

fn default_from() -> String {
    "+15005550006".to_owned()
}

fn default_to() -> String {
    "+15005550001".to_owned()
}

fn default_recording() -> u32 {
    12
}

/// What the stand-in answers a request that matches `url` (and `method`, if given).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpAnswer {
    /// `https://host/path`: the request's URL without its query; with a `?query`, the
    /// whole URL; ending in `*`, any URL that starts with what comes before it.
    pub url: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default = "default_status")]
    pub status: u16,
    #[serde(default)]
    pub body: String,
    /// Default: `application/json` when the body looks like JSON, else `text/plain`.
    #[serde(default)]
    pub content_type: Option<String>,
    /// How long the stand-in waits before it answers, in milliseconds.
    #[serde(default)]
    pub delay_ms: u64,
}

fn default_status() -> u16 {
    200
}

/// What the call must have done. Every field is optional; each given one is checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The widgets (TOML flows: stages) visited, exactly, in order.
    #[serde(default, alias = "stages")]
    pub widgets: Option<Vec<String>>,
    /// Widgets visited in this order, others allowed between them.
    #[serde(default, alias = "stages_include")]
    pub widgets_include: Option<Vec<String>>,
    /// Widgets the call must not visit.
    #[serde(default, alias = "stages_exclude")]
    pub widgets_exclude: Vec<String>,
    /// Parts of what the caller heard, in order (each a substring of one line).
    #[serde(default)]
    pub heard: Vec<String>,
    /// Whole lines the caller heard, in order.
    #[serde(default)]
    pub heard_exact: Vec<String>,
    /// Substrings the caller must not hear.
    #[serde(default)]
    pub not_heard: Vec<String>,
    /// A Studio flow's `flow.variables` at the end.
    #[serde(default)]
    pub variables: Option<toml::Table>,
    /// Values of the call's Sync document at the end, by dotted path (`dial.status`).
    #[serde(default)]
    pub state: Option<toml::Table>,
    /// The call's final `status` (`completed`).
    #[serde(default)]
    pub status: Option<String>,
    /// A substring of why a Studio execution ended (`studio.ended.reason`).
    #[serde(default)]
    pub ended: Option<String>,
    /// HTTP calls the flow made, in order (others allowed between them).
    #[serde(default)]
    pub http: Vec<ExpectHttp>,
    /// How many HTTP calls the flow made in all.
    #[serde(default)]
    pub http_count: Option<usize>,
}

/// One HTTP call the flow must have made.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectHttp {
    #[serde(default)]
    pub method: Option<String>,
    /// Matched as [`HttpAnswer::url`] is.
    pub url: String,
    /// Parameters it carried (query, form or JSON body), at least these.
    #[serde(default)]
    pub params: Option<toml::Table>,
    /// A substring of its body.
    #[serde(default)]
    pub body: Option<String>,
}

/// Whether `url` (a request's full URL) is what `pattern` names: its URL without the
/// query; the whole URL when `pattern` has a query; a prefix when it ends in `*`.
pub fn url_matches(pattern: &str, url: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        return url.starts_with(prefix);
    }
    if pattern.contains('?') {
        return url == pattern;
    }
    url.split('?').next() == Some(pattern)
}

/// `scheme://host[:port]` of an http(s) URL, if it has a plain (untemplated) host.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.trim_end_matches('*');
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    {
        return None;
    }
    Some(format!("{scheme}://{host}"))
}

impl TestFile {
    /// Reads and checks the test file `path`.
    pub fn read(path: &Path) -> anyhow::Result<TestFile> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {name}"))?;
        let raw: RawFile = toml::from_str(&text).map_err(|e| {
            let place = e
                .span()
                .map(|span| {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                    format!(":{line}:{col}")
                })
                .unwrap_or_default();
            anyhow::anyhow!("{name}{place}: {}", e.message())
        })?;
        let folder = path.parent().unwrap_or_else(|| Path::new(""));
        let flow = if raw.flow.is_absolute() {
            raw.flow.clone()
        } else {
            folder.join(&raw.flow)
        };
        if raw.tests.is_empty() {
            bail!("{name}: no tests: add a [[test]] table");
        }
        let mut names = BTreeSet::new();
        let mut problems = Vec::new();
        let mut dials = Vec::new();
        for answer in &raw.http {
            check_answer(answer, "", &mut problems);
        }
        for test in &raw.tests {
            let at = format!("test `{}`: ", test.name);
            if test.name.trim().is_empty() {
                problems.push("a test has an empty `name`".to_owned());
            }
            if !names.insert(test.name.as_str()) {
                problems.push(format!("{at}another test has the same name"));
            }
            let mut dial = Vec::new();
            for status in &test.dial_written {
                match status.parse::<DialCallStatus>() {
                    Ok(status) => dial.push(status),
                    Err(_) => problems.push(format!(
                        "{at}dial status `{status}` is not one of {}",
                        DialCallStatus::EXPECTED
                    )),
                }
            }
            dials.push(dial);
            for answer in &test.http {
                check_answer(answer, &at, &mut problems);
            }
            for call in &test.expect.http {
                if origin(&call.url).is_none() {
                    problems.push(format!(
                        "{at}expected HTTP call `{}`: give an http(s) URL",
                        call.url
                    ));
                }
            }
        }
        if !problems.is_empty() {
            bail!(
                "{}",
                problems
                    .iter()
                    .map(|p| format!("{name}: {p}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        let mut tests = raw.tests;
        for (test, dial) in tests.iter_mut().zip(dials) {
            test.dial = dial;
        }
        Ok(TestFile {
            path: path.to_path_buf(),
            flow,
            http: raw.http,
            tests,
        })
    }
}

fn check_answer(answer: &HttpAnswer, at: &str, problems: &mut Vec<String>) {
    if origin(&answer.url).is_none() {
        problems.push(format!(
            "{at}stand-in `{}`: give an http(s) URL with a plain host",
            answer.url
        ));
    }
    if !(100..=599).contains(&answer.status) {
        problems.push(format!(
            "{at}stand-in `{}`: status {} is not an HTTP status",
            answer.url, answer.status
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_match_without_query_with_query_or_by_prefix() {
        let url = "https://api.acme.test/orders?order=1";
        assert!(url_matches("https://api.acme.test/orders", url));
        assert!(url_matches("https://api.acme.test/orders?order=1", url));
        assert!(!url_matches("https://api.acme.test/orders?order=2", url));
        assert!(url_matches("https://api.acme.test/*", url));
        assert!(!url_matches("https://api.acme.test/order", url));
    }

    #[test]
    fn origins_are_plain_hosts_only() {
        assert_eq!(
            origin("https://api.acme.test/orders?x=1").as_deref(),
            Some("https://api.acme.test")
        );
        assert_eq!(
            origin("http://127.0.0.1:9000").as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(origin("{{flow.variables.base}}/x"), None);
        assert_eq!(origin("https://{{flow.variables.host}}/x"), None);
        assert_eq!(origin("ftp://a/b"), None);
    }

    #[test]
    fn a_test_file_is_checked_whole_with_places() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("t.test.toml");
        std::fs::write(
            &path,
            "flow = \"f.json\"\n[[test]]\nname = \"a\"\ndial = [\"nope\"]\n[[test]]\nname = \"a\"\n",
        )
        .expect("write");
        let error = TestFile::read(&path).expect_err("invalid").to_string();
        assert!(error.contains("dial status `nope`"), "{error}");
        assert!(error.contains("another test has the same name"), "{error}");

        std::fs::write(&path, "flow = \"f.json\"\n[[test]]\nnme = \"a\"\n").expect("write");
        let error = TestFile::read(&path).expect_err("invalid").to_string();
        assert!(error.contains("t.test.toml:3:1"), "{error}");

        std::fs::write(&path, "flow = \"f.json\"\n[[test]]\nname = \"a\"\n").expect("write");
        let file = TestFile::read(&path).expect("valid");
        assert_eq!(file.flow, dir.path().join("f.json"));
        assert_eq!(file.tests[0].from, "+15005550006");
    }
}
