//! The dashboard page and its loopback-only token endpoint, over HTTP (the browser
//! test is `tests/dashboard/`).

use super::support::*;

/// The dashboard's files come from the binary; its token route hands a token for
/// identity `dashboard` to local pages only.
#[test]
fn the_dashboard_is_served_and_its_token_is_for_local_pages_only() {
    let server = serve(&[]);
    let http = reqwest::blocking::Client::new();
    let get = |path: &str| {
        http.get(format!("{}{path}", server.base_url))
            .send()
            .expect("request")
    };
    let page = get("/");
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .is_ok_and(|t| t.starts_with("text/html")));
    let html = page.text().expect("body");
    for script in ["/dashboard/twilio-sync.min.js", "/dashboard/app.js"] {
        assert!(html.contains(&format!("src=\"{script}\"")), "{script}");
        let js = get(script);
        assert_eq!(js.status().as_u16(), 200, "{script}");
        assert!(!js.text().expect("body").is_empty());
    }
    assert!(
        !html.contains("https://"),
        "the page loads nothing from elsewhere"
    );
    let svg = get("/dashboard/flow.svg").text().expect("svg");
    assert!(svg.contains("data-stage=\"welcome\""));
    let config: serde_json::Value = get("/dashboard/config.json").json().expect("config");
    assert_eq!(config["callsMap"], "calls");
    assert_eq!(config["statsDocument"], "calls-stats");
    assert_eq!(config["presenceMaps"], serde_json::json!(["user-presence"]));

    let token: serde_json::Value = get("/dashboard/token").json().expect("token");
    assert_eq!(token["identity"], "dashboard");
    assert!(token["token"]
        .as_str()
        .is_some_and(|t| t.split('.').count() == 3));

    // A page served under another name (DNS rebinding) or from another site gets nothing.
    let rebound = http
        .get(format!("{}/dashboard/token", server.base_url))
        .header("Host", "attacker.example")
        .send()
        .expect("request");
    assert_eq!(rebound.status().as_u16(), 403);
    let body: serde_json::Value = rebound.json().expect("Twilio-style error");
    assert_eq!(body["status"], 403);
    assert!(body["message"]
        .as_str()
        .is_some_and(|m| m.contains("127.0.0.1")));
    let cross_site = http
        .get(format!("{}/dashboard/token", server.base_url))
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .expect("request");
    assert_eq!(cross_site.status().as_u16(), 403);
}

/// One raw HTTP/1.1 request (`Connection: close`) with exactly the header lines given;
/// the status and the body.
fn raw_get(addr: &str, path: &str, header_lines: &[&str]) -> (u16, String) {
    use std::io::{Read, Write};
    let mut conn = std::net::TcpStream::connect(addr).expect("connects");
    conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    let mut req = format!("GET {path} HTTP/1.1\r\n");
    for line in header_lines {
        req.push_str(line);
        req.push_str("\r\n");
    }
    req.push_str("Connection: close\r\n\r\n");
    conn.write_all(req.as_bytes()).expect("request sent");
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {answer:?}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The token route reads `Host` strictly: one header, naming 127.0.0.1, localhost or
/// [::1] exactly with the port serve listens on. A second Host header (whichever comes
/// first), another port, another loopback address or a look-alike name gets a
/// Twilio-style error and no token.
#[test]
fn the_dashboard_token_wants_one_exact_loopback_host_with_serves_port() {
    let server = serve(&[]);
    let addr = server
        .base_url
        .strip_prefix("http://")
        .expect("http base URL")
        .to_owned();
    let port = addr.rsplit_once(':').expect("port").1.to_owned();
    let token = |lines: &[&str]| raw_get(&addr, "/dashboard/token", lines);
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, body) = token(&[&format!("Host: {host}")]);
        assert_eq!(status, 200, "{host}: {body}");
        let body: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(body["identity"], "dashboard", "{host}");
    }
    let refused = |lines: &[&str], want: u16| {
        let (status, body) = token(lines);
        assert_eq!(status, want, "{lines:?}: {body}");
        let body: serde_json::Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{lines:?}: a JSON body ({e}): {body}"));
        assert_eq!(body["status"], want, "{lines:?}: {body}");
        assert!(body["code"].as_u64().is_some(), "{lines:?}: {body}");
        assert!(body["message"].as_str().is_some(), "{lines:?}: {body}");
        assert!(body.get("token").is_none(), "{lines:?}: {body}");
    };
    let good = format!("Host: 127.0.0.1:{port}");
    // Two Host headers: refused, whether the loopback one comes first or second.
    refused(&[&good, "Host: attacker.example"], 400);
    refused(&["Host: attacker.example", &good], 400);
    refused(&[&good, &good], 400);
    // Another port (another local server's page), no port, another loopback address,
    // look-alikes.
    let other_port = port.parse::<u16>().expect("port").wrapping_add(1);
    for host in [
        format!("127.0.0.1:{other_port}"),
        format!("localhost:{other_port}"),
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        format!("127.0.0.2:{port}"),
        format!("localhost.:{port}"),
        format!("localhost.attacker.example:{port}"),
        format!("user@localhost:{port}"),
        format!("[::ffff:127.0.0.1]:{port}"),
    ] {
        refused(&[&format!("Host: {host}")], 403);
    }
}
