//! `callflow::config`: defaults, every-problem-at-once reporting, secrets kept out of
//! logs. Tests use `Config::from_vars`; the one `from_env` test runs in a child process
//! so that this process's environment is never changed.

use callflow::config::var::*;
use callflow::config::{Config, ConfigProblem, PublicBase, Signatures, MAX_TTL_SECONDS};

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn base() -> Vec<(&'static str, &'static str)> {
    vec![
        (TWILIO_ACCOUNT_SID, ACCOUNT),
        (TWILIO_AUTH_TOKEN, "tok3n"),
        (PUBLIC_BASE_URL, "https://api.example.com/prod"),
    ]
}

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
    let mut all = base();
    all.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    all.extend_from_slice(extra);
    vars(&all)
}

fn problems_for(extra: &[(&'static str, &'static str)]) -> Vec<ConfigProblem> {
    Config::from_vars(with(extra))
        .expect_err("configuration should be refused")
        .problems
}

#[test]
fn minimal_environment_gets_the_documented_defaults() {
    let c = Config::from_vars(with(&[])).expect("valid");
    assert_eq!(c.account_sid, ACCOUNT);
    assert_eq!(c.auth_token, "tok3n");
    assert_eq!(c.api_key, None);
    assert_eq!(c.sync_service_sid, "default");
    assert_eq!(c.sync_url.as_str(), "https://sync.twilio.com/");
    assert_eq!(
        c.signatures,
        Signatures::Checked {
            base: PublicBase::Url("https://api.example.com/prod".parse().expect("URL")),
            shared_key: None,
        }
    );
    assert_eq!((c.call_state_ttl, c.presence_ttl), (3600, 300));
    assert_eq!(c.api_token, None);
    assert_eq!(c.flow_path, None);
}

#[test]
fn every_variable_is_read() {
    let c = Config::from_vars(with(&[
        (TWILIO_API_KEY, "SK0123456789abcdef0123456789abcdef"),
        (TWILIO_API_SECRET, "sekret"),
        (
            TWILIO_SYNC_SERVICE_SID,
            "IS0123456789ABCDEF0123456789abcdef",
        ),
        (TWILIO_SYNC_URL, "http://127.0.0.1:8081"),
        (CALL_STATE_TTL, "0"),
        (PRESENCE_TTL, "31536000"),
        (CALLFLOW_API_TOKEN, "bearer-token"),
        (CALLFLOW_FLOW, "flows/demo.json"),
        (CALLFLOW_INSECURE_NO_SIGNATURE, "0"),
        (TWILIO_WEBHOOK_SHARED_KEY, "whsec-shared"),
        ("UNRELATED", "ignored"),
    ]))
    .expect("valid");
    assert_eq!(
        c.api_key,
        Some((
            "SK0123456789abcdef0123456789abcdef".to_string(),
            "sekret".to_string()
        ))
    );
    assert_eq!(c.sync_service_sid, "IS0123456789ABCDEF0123456789abcdef");
    assert_eq!(c.sync_url.as_str(), "http://127.0.0.1:8081/");
    assert_eq!((c.call_state_ttl, c.presence_ttl), (0, MAX_TTL_SECONDS));
    assert_eq!(c.api_token.as_deref(), Some("bearer-token"));
    assert_eq!(
        c.flow_path.as_deref(),
        Some(std::path::Path::new("flows/demo.json"))
    );
    assert!(matches!(
        c.signatures,
        Signatures::Checked { shared_key: Some(ref key), .. } if key == "whsec-shared"
    ));
}

#[test]
fn all_problems_are_reported_at_once_one_line_each() {
    let err = Config::from_vars(vars(&[
        (TWILIO_ACCOUNT_SID, "AC123"),
        (TWILIO_API_KEY, "SK0123456789abcdef0123456789abcdef"),
        (
            TWILIO_SYNC_SERVICE_SID,
            "MB0123456789abcdef0123456789abcdef",
        ),
        (TWILIO_SYNC_URL, "sync.twilio.com"),
        (PUBLIC_BASE_URL, "ftp://example.com"),
        (CALL_STATE_TTL, "-1"),
        (PRESENCE_TTL, "31536001"),
    ]))
    .expect_err("everything is wrong");
    let named: Vec<&str> = err.problems.iter().map(ConfigProblem::var).collect();
    assert_eq!(
        named,
        [
            TWILIO_ACCOUNT_SID,
            TWILIO_AUTH_TOKEN,
            TWILIO_API_SECRET,
            TWILIO_SYNC_SERVICE_SID,
            TWILIO_SYNC_URL,
            PUBLIC_BASE_URL,
            CALL_STATE_TTL,
            PRESENCE_TTL,
        ]
    );
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), named.len(), "{text}");
    for (line, var) in lines.iter().zip(&named) {
        assert!(line.starts_with(var), "{line:?} should start with {var}");
    }
    assert!(text.contains("TWILIO_AUTH_TOKEN is missing"));
    assert!(text.contains("TWILIO_SYNC_URL is not a URL"));
    assert!(text.contains("scheme \"ftp\""));
}

#[test]
fn account_sid_must_be_ac_and_32_hex() {
    for bad in [
        "AC0123456789abcdef0123456789abcde",
        "AC0123456789abcdef0123456789abcdeg",
        "CA0123456789abcdef0123456789abcdef",
    ] {
        let p = problems_for(&[(TWILIO_ACCOUNT_SID, bad)]);
        assert_eq!(p.len(), 1, "{bad}");
        assert_eq!(p[0].var(), TWILIO_ACCOUNT_SID);
    }
}

#[test]
fn api_key_and_secret_come_together() {
    let p = problems_for(&[(TWILIO_API_SECRET, "s")]);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].var(), TWILIO_API_KEY);
    assert!(p[0].to_string().contains("set both or neither"));
    let p = problems_for(&[(TWILIO_API_KEY, "not-a-key"), (TWILIO_API_SECRET, "s")]);
    assert_eq!(p[0].var(), TWILIO_API_KEY);
}

#[test]
fn signatures_off_needs_no_public_url_and_is_explicit() {
    let mut v = base();
    v.retain(|(k, _)| *k != PUBLIC_BASE_URL);
    let p = Config::from_vars(vars(&v))
        .expect_err("URL needed")
        .problems;
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].var(), PUBLIC_BASE_URL);
    assert!(p[0]
        .to_string()
        .contains("CALLFLOW_INSECURE_NO_SIGNATURE=1"));

    for on in ["1", "true", "TRUE", "yes"] {
        let mut v = v.clone();
        v.push((CALLFLOW_INSECURE_NO_SIGNATURE, on));
        let c = Config::from_vars(vars(&v)).expect("insecure mode");
        assert_eq!(c.signatures, Signatures::Off, "{on}");
        c.log_startup_warnings();
    }
    let p = problems_for(&[(CALLFLOW_INSECURE_NO_SIGNATURE, "maybe")]);
    assert_eq!(p[0].var(), CALLFLOW_INSECURE_NO_SIGNATURE);
}

#[test]
fn public_base_url_is_a_prefix_only() {
    for bad in [
        "https://api.example.com/prod?x=1",
        "https://api.example.com/#frag",
        "/prod",
        "api.example.com",
        "mailto:x@example.com",
    ] {
        let p = problems_for(&[(PUBLIC_BASE_URL, bad)]);
        assert_eq!(p.len(), 1, "{bad}");
        assert_eq!(p[0].var(), PUBLIC_BASE_URL, "{bad}");
    }
}

#[test]
fn ttls_are_bounded_whole_seconds() {
    for bad in ["-1", "1.5", "abc", "31536001", "99999999999999999999999"] {
        let p = problems_for(&[(CALL_STATE_TTL, bad)]);
        assert_eq!(p.len(), 1, "{bad}");
        assert!(p[0].to_string().contains(bad), "{}", p[0]);
    }
}

#[test]
fn empty_values_count_as_unset() {
    let c = Config::from_vars(with(&[
        (TWILIO_SYNC_SERVICE_SID, ""),
        (CALLFLOW_API_TOKEN, ""),
        (CALL_STATE_TTL, " "),
    ]))
    .expect("valid");
    assert_eq!(c.sync_service_sid, "default");
    assert_eq!(c.api_token, None);
    assert_eq!(c.call_state_ttl, 3600);
    let p = problems_for(&[(TWILIO_AUTH_TOKEN, "")]);
    assert_eq!(p[0].to_string(), "TWILIO_AUTH_TOKEN is missing");
}

#[test]
fn secrets_stay_out_of_debug_and_errors() {
    let c = Config::from_vars(with(&[
        (TWILIO_AUTH_TOKEN, "auth-SECRET-1"),
        (TWILIO_API_KEY, "SK0123456789abcdef0123456789abcdef"),
        (TWILIO_API_SECRET, "api-SECRET-2"),
        (CALLFLOW_API_TOKEN, "bearer-SECRET-3"),
    ]))
    .expect("valid");
    let debug = format!("{c:?}");
    assert!(!debug.contains("SECRET"), "{debug}");
    assert!(debug.contains(ACCOUNT));

    let err = Config::from_vars(with(&[
        (TWILIO_API_KEY, "SECRET-looking-key"),
        (TWILIO_API_SECRET, "api-SECRET-2"),
    ]))
    .expect_err("bad key");
    assert!(!err.to_string().contains("SECRET"), "{err}");
}

/// Runs `from_env` in a child copy of this test binary with a controlled environment.
#[test]
fn from_env_reads_the_process_environment() {
    if std::env::var_os("CALLFLOW_CONFIG_TEST_CHILD").is_some() {
        let c = Config::from_env().expect("child environment is valid");
        assert_eq!(c.account_sid, ACCOUNT);
        assert_eq!(c.presence_ttl, 42);
        assert_eq!(c.signatures, Signatures::Off);
        return;
    }
    let exe = std::env::current_exe().expect("test binary path");
    let run = |extra: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(&exe);
        cmd.args([
            "--exact",
            "config_env::from_env_reads_the_process_environment",
            "--nocapture",
        ])
        .env_clear()
        .env("CALLFLOW_CONFIG_TEST_CHILD", "1")
        .env(TWILIO_ACCOUNT_SID, ACCOUNT)
        .env(TWILIO_AUTH_TOKEN, "t")
        .env(CALLFLOW_INSECURE_NO_SIGNATURE, "1");
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.output().expect("child runs")
    };
    let ok = run(&[(PRESENCE_TTL, "42")]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    // The same child with a wrong value fails, so the child really reads its env.
    let bad = run(&[(PRESENCE_TTL, "43")]);
    assert!(!bad.status.success());
}

#[test]
fn the_call_index_map_is_off_by_default_and_must_be_a_plain_unique_name() {
    assert_eq!(
        Config::from_vars(with(&[])).expect("valid").call_index_map,
        None
    );
    let on = Config::from_vars(with(&[(CALL_INDEX_MAP, "calls")])).expect("valid");
    assert_eq!(on.call_index_map.as_deref(), Some("calls"));
    for bad in ["calls/../x", "MP0123456789abcdef0123456789abcdef", "a b"] {
        let problems = Config::from_vars(with(&[(CALL_INDEX_MAP, bad)]))
            .expect_err("refused")
            .problems;
        assert_eq!(problems.len(), 1, "{bad}: {problems:?}");
        assert!(problems[0].to_string().contains(CALL_INDEX_MAP), "{bad}");
    }
}
