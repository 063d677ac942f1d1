//! Helpers shared by the end-to-end tests: a real emulator on a loopback port (with a
//! manual clock, so TTLs are tested exactly), the functions' [`Services`] pointed at it,
//! and signed requests built the way Twilio builds them.

use callflow::config::{var, Config};
use callflow::runtime::Services;
use callflow::webhook::{signature, Form};
use lambda_http::{Body, Request};
use sync_emulator::{Clock, EmulatorConfig, RunningEmulator};

pub mod standin;

/// The account every e2e stack runs as (the emulator's only account).
pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
/// The auth token webhooks are signed with (`X-Twilio-Signature`).
pub const AUTH_TOKEN: &str = "e2e-auth-token";
/// The token the functions present to the emulator's Sync API.
pub const API_TOKEN: &str = "e2e-api-token";
/// An API key the emulator knows; functions use it only when a test passes it in
/// (`TWILIO_API_KEY` / `TWILIO_API_SECRET`), e.g. to sign access tokens.
pub const API_KEY_SID: &str = "SK0123456789abcdef0123456789abcdef";
/// The secret of [`API_KEY_SID`].
pub const API_KEY_SECRET: &str = "e2e-api-key-secret";
/// The public URL the functions believe Twilio calls.
pub const PUBLIC_BASE: &str = "https://voice.example.com";

/// A call SID for test `n`.
pub fn call_sid(n: u32) -> String {
    format!("CA{n:032x}")
}

/// The emulator and the functions' services, in-process.
pub struct Stack {
    /// The emulator serving Sync on a loopback port.
    pub emulator: RunningEmulator,
    /// The emulator's manual clock: tests advance it to expire TTLs.
    pub clock: Clock,
    /// What the functions run with, pointed at [`Stack::emulator`].
    pub services: Services,
}

impl Stack {
    /// Default settings (presence TTL 300 s, call-state TTL 3600 s).
    pub async fn start() -> Stack {
        Stack::with_vars(&[]).await
    }

    /// With extra environment variables for the functions (e.g. `PRESENCE_TTL`).
    pub async fn with_vars(extra: &[(&str, &str)]) -> Stack {
        let clock = Clock::manual_now();
        let mut config = EmulatorConfig::in_memory(ACCOUNT_SID, AUTH_TOKEN).clock(clock.clone());
        config
            .api_keys
            .push((API_KEY_SID.to_owned(), API_KEY_SECRET.to_owned()));
        let emulator = sync_emulator::spawn(config).await.expect("emulator starts");
        let services = services_for(&emulator.base_url(), extra);
        Stack {
            emulator,
            clock,
            services,
        }
    }

    /// With Sync's documented rate limits enforced ([`sync_emulator::Limits::twilio`]) on
    /// a clock that follows Tokio's time, so that under paused time (`start_paused`)
    /// the limits, the functions' Retry-After sleeps and the test's schedule all run on
    /// one virtual clock.
    pub async fn rate_limited(extra: &[(&str, &str)]) -> Stack {
        let clock = Clock::tokio();
        let config = EmulatorConfig::in_memory(ACCOUNT_SID, AUTH_TOKEN)
            .clock(clock.clone())
            .limits(sync_emulator::Limits::twilio());
        let emulator = sync_emulator::spawn(config).await.expect("emulator starts");
        let services = services_for(&emulator.base_url(), extra);
        Stack {
            emulator,
            clock,
            services,
        }
    }

    /// Another warm function instance on the same emulator: its own Sync client, revision
    /// cache and per-call locks, as a second Lambda instance would have.
    pub fn another_instance(&self) -> Services {
        services_for(&self.emulator.base_url(), &[])
    }

    /// Sync requests the emulator has served so far.
    pub fn sync_requests(&self) -> u64 {
        self.emulator.request_count()
    }

    /// A webhook to `store-call-state` at `path_and_query`, signed as Twilio signs it.
    pub async fn store(
        &self,
        path_and_query: &str,
        params: &[(String, String)],
    ) -> lambda_http::Response<Body> {
        store_call_state::FUNCTION
            .call(&self.services, signed_post(path_and_query, params))
            .await
    }

    /// The call's state as `get-call-state` answers a bearer-token read (which must
    /// succeed).
    pub async fn state_of(&self, call_sid: &str) -> serde_json::Value {
        let path = format!("/get-call-state?CallSid={call_sid}");
        let response = get_call_state::FUNCTION
            .call(&self.services, bearer_get(&path, API_TOKEN))
            .await;
        assert_eq!(
            response.status(),
            lambda_http::http::StatusCode::OK,
            "{}",
            body_text(&response)
        );
        body_json(&response)
    }
}

/// The functions' services against the Sync at `sync_url`, with extra variables.
fn services_for(sync_url: &str, extra: &[(&str, &str)]) -> Services {
    // `Config::from_vars` keeps the last value of a name, so `extra` overrides defaults.
    let vars: Vec<(String, String)> = [
        (var::TWILIO_ACCOUNT_SID, ACCOUNT_SID),
        (var::TWILIO_AUTH_TOKEN, AUTH_TOKEN),
        (var::TWILIO_SYNC_URL, sync_url),
        (var::PUBLIC_BASE_URL, PUBLIC_BASE),
        (var::CALLFLOW_API_TOKEN, API_TOKEN),
    ]
    .into_iter()
    .chain(extra.iter().copied())
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let config = Config::from_vars(vars).expect("test configuration is valid");
    Services::from_config(config).expect("services build")
}

/// Standard voice webhook parameters for a call, plus `extra`.
pub fn voice_params(call_sid: &str, status: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = [
        ("AccountSid", ACCOUNT_SID),
        ("ApiVersion", "2010-04-01"),
        ("CallSid", call_sid),
        ("CallStatus", status),
        ("Direction", "inbound"),
        ("From", "+15005550006"),
        ("To", "+15005550001"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    params.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    params
}

/// A form POST to `path_and_query`, signed as Twilio signs it.
pub fn signed_post(path_and_query: &str, params: &[(String, String)]) -> Request {
    let form: Form = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let url = format!("{PUBLIC_BASE}{path_and_query}");
    let sig = signature::compute_signature(AUTH_TOKEN, &url, &form);
    post_with_signature(
        path_and_query,
        form.to_urlencoded().into_bytes(),
        Some(&sig),
    )
}

/// A form POST with the given body and (optional) signature header, nothing checked.
pub fn post_with_signature(path_and_query: &str, body: Vec<u8>, sig: Option<&str>) -> Request {
    let mut builder = lambda_http::http::Request::builder()
        .method("POST")
        .uri(path_and_query)
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(sig) = sig {
        builder = builder.header("x-twilio-signature", sig);
    }
    builder.body(Body::Binary(body)).expect("request builds")
}

/// A GET signed over the full URL.
pub fn signed_get(path_and_query: &str) -> Request {
    let url = format!("{PUBLIC_BASE}{path_and_query}");
    let sig = signature::compute_signature(AUTH_TOKEN, &url, &Form::new());
    lambda_http::http::Request::builder()
        .method("GET")
        .uri(path_and_query)
        .header("x-twilio-signature", sig)
        .body(Body::Empty)
        .expect("request builds")
}

/// A GET with a bearer token.
pub fn bearer_get(path_and_query: &str, token: &str) -> Request {
    lambda_http::http::Request::builder()
        .method("GET")
        .uri(path_and_query)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::Empty)
        .expect("request builds")
}

/// The body of a response as text.
pub fn body_text(response: &lambda_http::Response<Body>) -> String {
    String::from_utf8_lossy(response.body().as_ref()).into_owned()
}

/// The body of a response as JSON.
pub fn body_json(response: &lambda_http::Response<Body>) -> serde_json::Value {
    serde_json::from_slice(response.body().as_ref()).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}", body_text(response));
    })
}
