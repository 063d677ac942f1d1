//! `sync-token` through its handler against a real emulator: the token's claims, the
//! `default` service resolved to its real SID, lifetimes and their caps, and every refusal
//! (401/403/400/405/415) with Twilio's error body.

use std::time::{SystemTime, UNIX_EPOCH};

use callflow::access_token::{self, Claims};
use callflow_e2e::*;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

const KEY_VARS: [(&str, &str); 2] = [
    ("TWILIO_API_KEY", API_KEY_SID),
    ("TWILIO_API_SECRET", API_KEY_SECRET),
];

async fn stack_with(extra: &[(&str, &str)]) -> Stack {
    let vars: Vec<(&str, &str)> = KEY_VARS.iter().chain(extra).copied().collect();
    Stack::with_vars(&vars).await
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

fn request(method: &str, uri: &str, auth: Option<&str>) -> lambda_http::http::request::Builder {
    let builder = lambda_http::http::Request::builder()
        .method(method)
        .uri(uri);
    match auth {
        Some(token) => builder.header("authorization", format!("Bearer {token}")),
        None => builder,
    }
}

fn get(uri: &str, auth: Option<&str>) -> Request {
    request("GET", uri, auth)
        .body(Body::Empty)
        .expect("request builds")
}

fn post(content_type: &str, body: &str) -> Request {
    request("POST", "/sync-token", Some(API_TOKEN))
        .header("content-type", content_type)
        .body(Body::Binary(body.as_bytes().to_vec()))
        .expect("request builds")
}

async fn call(stack: &Stack, req: Request) -> Response<Body> {
    sync_token::FUNCTION.call(&stack.services, req).await
}

/// The token of a 200 answer, checked with the API key secret at the current time.
fn token_claims(response: &Response<Body>) -> Claims {
    assert_eq!(response.status(), StatusCode::OK, "{}", body_text(response));
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
    let json = body_json(response);
    let token = json["token"].as_str().expect("token");
    let claims = access_token::decode(token, API_KEY_SECRET, now()).expect("valid token");
    assert_eq!(json["identity"], claims.grants.identity.as_str());
    assert_eq!(json["ttl"].as_u64(), Some(claims.exp - claims.nbf));
    assert_eq!(
        Some(json["service_sid"].as_str().expect("service_sid")),
        claims.grants.data_sync.service_sid.as_deref()
    );
    claims
}

/// A Twilio error body with this status.
fn assert_refused(response: &Response<Body>, status: StatusCode, needle: &str) {
    assert_eq!(response.status(), status, "{}", body_text(response));
    let json = body_json(response);
    assert_eq!(json["status"].as_u64(), Some(u64::from(status.as_u16())));
    assert!(json["code"].as_u64().is_some_and(|c| c > 20000));
    assert!(json["more_info"].as_str().is_some());
    let message = json["message"].as_str().unwrap_or_default();
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
}

/// The emulator's default service, as REST shows it.
async fn default_service_sid(stack: &Stack) -> String {
    let service: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/v1/Services/default", stack.emulator.base_url()))
        .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
        .send()
        .await
        .expect("emulator answers")
        .json()
        .await
        .expect("service JSON");
    service["sid"].as_str().expect("sid").to_owned()
}

#[tokio::test]
async fn a_token_names_the_identity_the_key_the_account_and_the_real_service() {
    let stack = stack_with(&[]).await;
    let before = now();
    let response = call(
        &stack,
        get(
            "/sync-token?identity=agent-7%40example.com",
            Some(API_TOKEN),
        ),
    )
    .await;
    let claims = token_claims(&response);
    let after = now();
    assert_eq!(claims.grants.identity, "agent-7@example.com");
    assert_eq!(claims.iss, API_KEY_SID);
    assert_eq!(claims.sub, ACCOUNT_SID);
    assert_eq!(claims.jti, format!("{API_KEY_SID}-{}", claims.nbf));
    assert!((before..=after).contains(&claims.nbf));
    assert_eq!(claims.exp - claims.nbf, access_token::DEFAULT_TTL);
    let service = default_service_sid(&stack).await;
    assert!(service.starts_with("IS"), "{service}");
    assert_eq!(
        claims.grants.data_sync.service_sid.as_deref(),
        Some(service.as_str())
    );

    let header =
        jsonwebtoken::decode_header(body_json(&response)["token"].as_str().expect("token"))
            .expect("header");
    assert_eq!(header.cty.as_deref(), Some("twilio-fpa;v=1"));
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    assert_eq!(header.alg, jsonwebtoken::Algorithm::HS256);
}

#[tokio::test]
async fn the_default_service_is_looked_up_once_per_process() {
    let stack = stack_with(&[]).await;
    let before = stack.sync_requests();
    token_claims(&call(&stack, get("/sync-token?identity=a", Some(API_TOKEN))).await);
    assert_eq!(stack.sync_requests(), before + 1, "one lookup");
    token_claims(&call(&stack, get("/sync-token?identity=b", Some(API_TOKEN))).await);
    assert_eq!(stack.sync_requests(), before + 1, "no more lookups");
}

#[tokio::test]
async fn a_configured_service_sid_is_used_as_is_without_asking_sync() {
    let sid = "IS0123456789abcdef0123456789abcdef";
    let stack = stack_with(&[("TWILIO_SYNC_SERVICE_SID", sid)]).await;
    let before = stack.sync_requests();
    let claims = token_claims(&call(&stack, get("/sync-token?identity=a", Some(API_TOKEN))).await);
    assert_eq!(claims.grants.data_sync.service_sid.as_deref(), Some(sid));
    assert_eq!(stack.sync_requests(), before);
}

#[tokio::test]
async fn form_and_json_posts_work_like_the_query() {
    let stack = stack_with(&[]).await;
    let form = token_claims(
        &call(
            &stack,
            post("application/x-www-form-urlencoded", "identity=bob&ttl=600"),
        )
        .await,
    );
    assert_eq!(
        (form.grants.identity.as_str(), form.exp - form.nbf),
        ("bob", 600)
    );
    let json = token_claims(
        &call(
            &stack,
            post("application/json", r#"{"identity":"carol","ttl":60}"#),
        )
        .await,
    );
    assert_eq!(
        (json.grants.identity.as_str(), json.exp - json.nbf),
        ("carol", 60)
    );
}

#[tokio::test]
async fn lifetimes_are_capped_by_sync_token_ttl() {
    let stack = stack_with(&[]).await;
    let asked = |ttl: &str| get_owned(format!("/sync-token?identity=a&ttl={ttl}"));
    let claims = token_claims(&call(&stack, asked("3600")).await);
    assert_eq!(claims.exp - claims.nbf, 3600);
    for bad in ["3601", "86400", "0"] {
        assert_refused(
            &call(&stack, asked(bad)).await,
            StatusCode::BAD_REQUEST,
            "ttl must be 1 to 3600",
        );
    }
    assert_refused(
        &call(&stack, asked("soon")).await,
        StatusCode::BAD_REQUEST,
        "whole number",
    );

    // A day is the most an operator can allow, as at Twilio.
    let day = stack_with(&[("SYNC_TOKEN_TTL", "86400")]).await;
    let claims = token_claims(&call(&day, asked("86400")).await);
    assert_eq!(claims.exp - claims.nbf, 86_400);
    let claims = token_claims(&call(&day, get("/sync-token?identity=a", Some(API_TOKEN))).await);
    assert_eq!(
        claims.exp - claims.nbf,
        86_400,
        "the configured lifetime is the default"
    );
    assert_refused(
        &call(&day, asked("86401")).await,
        StatusCode::BAD_REQUEST,
        "ttl",
    );

    for bad in ["86401", "0", "1h"] {
        let vars = vec![
            ("TWILIO_ACCOUNT_SID".to_owned(), ACCOUNT_SID.to_owned()),
            ("TWILIO_AUTH_TOKEN".to_owned(), AUTH_TOKEN.to_owned()),
            ("CALLFLOW_INSECURE_NO_SIGNATURE".to_owned(), "1".to_owned()),
            ("SYNC_TOKEN_TTL".to_owned(), bad.to_owned()),
        ];
        let err = callflow::Config::from_vars(vars).expect_err(bad);
        assert!(
            err.to_string()
                .contains("SYNC_TOKEN_TTL is not a number of seconds from 1 to 86400"),
            "{err}"
        );
    }
}

fn get_owned(uri: String) -> Request {
    get(&uri, Some(API_TOKEN))
}

#[tokio::test]
async fn callers_without_the_bearer_token_get_nothing() {
    let stack = stack_with(&[]).await;
    let response = call(&stack, get("/sync-token?identity=a", None)).await;
    assert_refused(&response, StatusCode::UNAUTHORIZED, "missing Authorization");
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .map(|v| v.as_bytes()),
        Some(&b"Bearer"[..])
    );
    assert_refused(
        &call(&stack, get("/sync-token?identity=a", Some("not-the-token"))).await,
        StatusCode::UNAUTHORIZED,
        "not valid",
    );
    let basic = request("GET", "/sync-token?identity=a", None)
        .header("authorization", "Basic YWJjOmRlZg==")
        .body(Body::Empty)
        .expect("request builds");
    assert_refused(
        &call(&stack, basic).await,
        StatusCode::UNAUTHORIZED,
        "not a Bearer token",
    );

    // Without CALLFLOW_API_TOKEN nobody can have a token this way.
    let closed = stack_with(&[("CALLFLOW_API_TOKEN", "")]).await;
    assert_refused(
        &call(&closed, get("/sync-token?identity=a", Some(API_TOKEN))).await,
        StatusCode::FORBIDDEN,
        "CALLFLOW_API_TOKEN is not set",
    );
}

/// Identities with invisible Unicode format characters (bidi controls such as U+202E,
/// zero-width characters, the BOM) are refused with a Twilio-style 400, by query and by
/// JSON body alike: the same rule the emulator holds realtime tokens to.
#[tokio::test]
async fn identities_with_invisible_format_characters_are_400() {
    let stack = stack_with(&[]).await;
    for encoded in [
        "%E2%80%AE",
        "%E2%80%AA",
        "%E2%81%A6",
        "%E2%80%8B",
        "%EF%BB%BF",
    ] {
        let uri = format!("/sync-token?identity=admin{encoded}nimda");
        let response = call(&stack, get(&uri, Some(API_TOKEN))).await;
        assert_refused(&response, StatusCode::BAD_REQUEST, "format characters");
    }
    let response = call(
        &stack,
        post(
            "application/json",
            &serde_json::json!({ "identity": "\u{202E}alice" }).to_string(),
        ),
    )
    .await;
    assert_refused(&response, StatusCode::BAD_REQUEST, "format characters");
}

#[tokio::test]
async fn bad_identities_are_400() {
    let stack = stack_with(&[]).await;
    let long = "x".repeat(257);
    let cases = [
        ("/sync-token".to_owned(), "identity is missing"),
        ("/sync-token?identity=".to_owned(), "identity is missing"),
        (format!("/sync-token?identity={long}"), "longer than 256"),
        (
            "/sync-token?identity=a%0Ab".to_owned(),
            "control characters",
        ),
        ("/sync-token?identity=%20alice".to_owned(), "white space"),
        ("/sync-token?identity=a%FFb".to_owned(), "UTF-8"),
    ];
    for (uri, needle) in cases {
        let response = call(&stack, get(&uri, Some(API_TOKEN))).await;
        assert_refused(&response, StatusCode::BAD_REQUEST, needle);
    }
    let ok = "é".repeat(256);
    let claims = token_claims(
        &call(
            &stack,
            post(
                "application/json",
                &serde_json::json!({ "identity": ok }).to_string(),
            ),
        )
        .await,
    );
    assert_eq!(claims.grants.identity.chars().count(), 256);
    assert_refused(
        &call(&stack, post("application/json", r#"{"identity": 7}"#)).await,
        StatusCode::BAD_REQUEST,
        "not a JSON token request",
    );
}

#[tokio::test]
async fn wrong_methods_types_and_sizes_are_refused() {
    let stack = stack_with(&[]).await;
    let delete = request("DELETE", "/sync-token?identity=a", Some(API_TOKEN))
        .body(Body::Empty)
        .expect("request builds");
    let response = call(&stack, delete).await;
    assert_refused(&response, StatusCode::METHOD_NOT_ALLOWED, "GET, POST");
    assert_refused(
        &call(&stack, post("text/plain", "identity=a")).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Content-Type",
    );
    let huge = format!("identity={}", "a".repeat(70_000));
    assert_refused(
        &call(&stack, post("application/x-www-form-urlencoded", &huge)).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "larger than",
    );
}

#[tokio::test]
async fn without_an_api_key_the_function_says_so() {
    let stack = Stack::start().await;
    let response = call(&stack, get("/sync-token?identity=a", Some(API_TOKEN))).await;
    assert_refused(&response, StatusCode::INTERNAL_SERVER_ERROR, "no API key");
}
