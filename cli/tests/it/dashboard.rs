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
