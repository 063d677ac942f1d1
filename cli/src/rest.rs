//! One Twilio REST call: Basic auth, `Accept: application/json`, the JSON answer, or
//! Twilio's refusal (`{code, message}` and the HTTP status) for the caller to explain in
//! its own words. `flow pull` / `push` (Studio) and `wire` (the 2010-04-01 API, Sync)
//! send through it.

use anyhow::Context as _;
use serde_json::Value;

/// Twilio's answer to a request it refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// The HTTP status.
    pub status: u16,
    /// The body (`{code, message, more_info, status}` from Twilio; `Null` if not JSON).
    pub body: Value,
}

impl Refusal {
    /// Twilio's error code, if the body has one.
    pub fn code(&self) -> Option<u64> {
        self.body.get("code").and_then(Value::as_u64)
    }

    /// `401, code 20003: Authenticate`, or `HTTP 502` without a Twilio body.
    pub fn said(&self) -> String {
        let message = self
            .body
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("");
        match self.code() {
            Some(code) => format!("{}, code {code}: {message}", self.status),
            None => format!("HTTP {}", self.status),
        }
    }
}

/// A client for one Twilio API host, authenticated as `user` (an account SID or an API
/// key SID) with `password` (its auth token or secret).
#[derive(Debug, Clone)]
pub struct Rest {
    /// The HTTP client (rustls), reused for every request.
    pub http: reqwest::Client,
    /// The Basic-auth user.
    pub user: String,
    password: String,
}

impl Rest {
    /// A client with a 30 s deadline per request.
    pub fn new(user: &str, password: &str) -> anyhow::Result<Rest> {
        let http = callflow::tls::client_builder()?
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Rest {
            http,
            user: user.to_owned(),
            password: password.to_owned(),
        })
    }

    /// Sends `request`; `Ok(Ok(json))` on success, `Ok(Err(refusal))` when the server
    /// answered with an error status, `Err` when it could not be reached or read.
    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
        base: &str,
    ) -> anyhow::Result<Result<Value, Refusal>> {
        let response = request
            .basic_auth(&self.user, Some(&self.password))
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .with_context(|| format!("cannot reach {base}"))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .with_context(|| format!("reading the answer of {base}"))?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            Ok(Ok(body))
        } else {
            Ok(Err(Refusal {
                status: status.as_u16(),
                body,
            }))
        }
    }
}
