//! Helpers shared by the integration tests: a started emulator and a small Basic-auth client.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use sync_emulator::{spawn, EmulatorConfig, RunningEmulator};

pub const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const TOKEN: &str = "test-token";

pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
}

/// The answer to one request: status, ETag and JSON body (Null if none).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub etag: Option<String>,
    pub retry_after: Option<String>,
    pub body: Value,
}

impl Reply {
    /// Asserts a Twilio error body with this status and code.
    pub fn assert_error(&self, status: u16, code: u64) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["status"], status, "body: {}", self.body);
        assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(
            self.body["more_info"],
            format!("https://www.twilio.com/docs/errors/{code}")
        );
    }
}

pub async fn start(config: EmulatorConfig) -> (RunningEmulator, Api) {
    let emu = spawn(config).await.expect("emulator starts");
    let api = Api {
        base: emu.base_url(),
        http: reqwest::Client::new(),
    };
    (emu, api)
}

pub async fn start_memory() -> (RunningEmulator, Api) {
    start(EmulatorConfig::in_memory(ACCOUNT, TOKEN)).await
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        form: &[(&str, &str)],
        if_match: Option<&str>,
    ) -> Reply {
        let mut req = self
            .http
            .request(method.clone(), self.url(path))
            .basic_auth(ACCOUNT, Some(TOKEN));
        if method == Method::POST {
            req = req.form(form);
        }
        if let Some(m) = if_match {
            req = req.header("If-Match", m);
        }
        reply(req.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, &[], None).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.send(Method::POST, path, form, None).await
    }

    pub async fn post_if(&self, path: &str, form: &[(&str, &str)], rev: &str) -> Reply {
        self.send(Method::POST, path, form, Some(rev)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, &[], None).await
    }
}

pub async fn reply(resp: reqwest::Response) -> Reply {
    let status = resp.status();
    let etag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = resp.bytes().await.expect("body read");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!(
                "status {status}: body is not JSON: {:?}",
                String::from_utf8_lossy(&bytes)
            )
        })
    };
    Reply {
        status,
        etag,
        retry_after,
        body,
    }
}
