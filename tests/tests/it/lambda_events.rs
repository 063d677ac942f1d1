//! The real Lambda event → request conversion (lambda_http), as API Gateway HTTP APIs and
//! Function URLs deliver Twilio's form posts: base64-encoded bodies, lowercase headers,
//! raw query strings.

use base64::Engine as _;
use callflow::webhook::{signature, Form};
use callflow_e2e::*;
use lambda_http::http::StatusCode;

/// An API Gateway v2 (HTTP API, `$default` stage) event for a signed form POST.
fn http_api_event(path: &str, query: &str, params: &[(String, String)], sig: &str) -> String {
    let form: Form = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let body = base64::engine::general_purpose::STANDARD.encode(form.to_urlencoded());
    serde_json::json!({
        "version": "2.0",
        "routeKey": "POST /store-call-state",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {
            "content-type": "application/x-www-form-urlencoded",
            "host": "voice.example.com",
            "x-forwarded-proto": "https",
            "x-twilio-signature": sig,
            "i-twilio-idempotency-token": "evt-1"
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "voice.example.com",
            "domainPrefix": "voice",
            "http": {"method": "POST", "path": path, "protocol": "HTTP/1.1", "sourceIp": "54.0.0.1", "userAgent": "TwilioProxy/1.1"},
            "requestId": "req-1",
            "routeKey": "POST /store-call-state",
            "stage": "$default",
            "time": "25/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795600800000u64
        },
        "body": body,
        "isBase64Encoded": true
    })
    .to_string()
}

#[tokio::test]
async fn a_base64_form_post_from_api_gateway_is_verified_and_answered() {
    let stack = Stack::start().await;
    let sid = call_sid(20);
    let params = voice_params(&sid, "ringing", &[("Caller", "+15005550006")]);
    let form: Form = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let url = format!("{PUBLIC_BASE}/store-call-state?source=api");
    let sig = signature::compute_signature(AUTH_TOKEN, &url, &form);

    let event = http_api_event("/store-call-state", "source=api", &params, &sig);
    let req = lambda_http::request::from_str(&event).expect("lambda_http parses the event");
    assert!(
        matches!(req.body(), lambda_http::Body::Binary(_)),
        "form posts arrive as binary"
    );
    let response = store_call_state::FUNCTION.call(&stack.services, req).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        body_text(&response)
    );
    assert!(body_text(&response).contains("<Gather"));

    // The same event with a signature for another URL is refused.
    let wrong =
        signature::compute_signature(AUTH_TOKEN, &format!("{PUBLIC_BASE}/elsewhere"), &form);
    let event = http_api_event("/store-call-state", "source=api", &params, &wrong);
    let req = lambda_http::request::from_str(&event).expect("parses");
    let response = store_call_state::FUNCTION.call(&stack.services, req).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn public_base_url_auto_takes_the_domain_from_the_request_context() {
    let stack = Stack::with_vars(&[("PUBLIC_BASE_URL", "auto")]).await;
    let sid = call_sid(21);
    let params = voice_params(&sid, "ringing", &[]);
    let form: Form = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // The event's requestContext.domainName is voice.example.com.
    let url = "https://voice.example.com/store-call-state?source=api";
    let sig = signature::compute_signature(AUTH_TOKEN, url, &form);
    let event = http_api_event("/store-call-state", "source=api", &params, &sig);
    let req = lambda_http::request::from_str(&event).expect("parses");
    let response = store_call_state::FUNCTION.call(&stack.services, req).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        body_text(&response)
    );

    // A signature over another domain is refused, whatever the Host header says.
    let other = signature::compute_signature(
        AUTH_TOKEN,
        "https://evil.example.net/store-call-state?source=api",
        &form,
    );
    let event = http_api_event("/store-call-state", "source=api", &params, &other).replace(
        "\"host\":\"voice.example.com\"",
        "\"host\":\"evil.example.net\"",
    );
    let req = lambda_http::request::from_str(&event).expect("parses");
    let response = store_call_state::FUNCTION.call(&stack.services, req).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
