//! `callflow::http`: every refusal path of the verifier (405, 415, 413, 400, 403, 401,
//! 500), the Twilio error body, and the response builders. Requests are built both by
//! hand and from real API Gateway / Function URL event JSON through lambda_http's own
//! event conversion (base64 body, raw path and query).

use base64::Engine as _;
use callflow::config::var::{
    PUBLIC_BASE_URL, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_WEBHOOK_SHARED_KEY,
};
use callflow::config::{Config, Signatures};
use callflow::http::{
    check_bearer, codes, empty, json, twiml, ErrorBody, ErrorResponse, WebhookVerifier,
    MAX_BODY_BYTES,
};
use callflow::twiml::{Gather, Say, VoiceResponse};
use callflow::webhook::signature::{self, Algorithm};
use callflow::webhook::{Form, VoiceRequest};
use lambda_http::http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use lambda_http::Body;

const TOKEN: &str = "b3f1c0de9a8e4c2f9d7a6b5c4d3e2f10";
const BASE: &str = "https://abc123.execute-api.us-east-1.amazonaws.com/prod";
const FORM: &str = "application/x-www-form-urlencoded";
const CALL_BODY: &str = "CallSid=CA0123456789abcdef0123456789abcdef&AccountSid=AC0123456789abcdef0123456789abcdef\
&From=%2B14155551212&To=%2B15005550006&CallStatus=in-progress&Digits=2&CalledZip=&SipHeader_X-Foo=bar";

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(TOKEN, BASE.parse().expect("base URL"))
}

fn sign(url: &str, body: &str) -> String {
    signature::compute_signature(TOKEN, url, &Form::parse(body.as_bytes()).expect("form"))
}

fn post(path_and_query: &str, body: &str, signature: Option<&str>) -> Request<Body> {
    let mut b = Request::builder()
        .method("POST")
        .uri(path_and_query)
        .header("content-type", FORM);
    if let Some(sig) = signature {
        b = b.header("x-twilio-signature", sig);
    }
    b.body(Body::Binary(body.as_bytes().to_vec()))
        .expect("request")
}

/// The typed call of a verified webhook, as a handler gets it.
fn voice(v: &WebhookVerifier, req: &Request<Body>) -> Result<VoiceRequest, ErrorResponse> {
    Ok(VoiceRequest::from_form(&v.verify_form(req)?)?)
}

fn signed_post(path_and_query: &str, body: &str) -> Request<Body> {
    let sig = sign(&format!("{BASE}{path_and_query}"), body);
    post(path_and_query, body, Some(&sig))
}

fn error_of(r: Result<impl std::fmt::Debug, ErrorResponse>) -> (StatusCode, ErrorBody, HeaderMap) {
    let err = r.expect_err("should be refused");
    let response = err.into_response();
    let status = response.status();
    let headers = response.headers().clone();
    assert_eq!(
        headers.get("content-type").map(HeaderValue::as_bytes),
        Some(&b"application/json"[..])
    );
    let body: ErrorBody =
        serde_json::from_slice(response.body().as_ref()).expect("JSON error body");
    assert_eq!(body.status, status.as_u16());
    assert_eq!(
        body.more_info,
        format!("https://www.twilio.com/docs/errors/{}", body.code)
    );
    (status, body, headers)
}

#[test]
fn a_signed_form_post_gives_every_parameter_and_the_typed_call() {
    let req = signed_post("/voice/incoming?step=menu&n=1", CALL_BODY);
    let form = verifier().verify_form(&req).expect("accepted");
    assert_eq!(form.len(), 8);
    assert_eq!(form.get("CalledZip"), Some(""));
    assert_eq!(form.get("SipHeader_X-Foo"), Some("bar"));

    let call = voice(&verifier(), &req).expect("accepted");
    assert_eq!(call.call_sid, "CA0123456789abcdef0123456789abcdef");
    assert_eq!(call.from.as_deref(), Some("+14155551212"));
    assert_eq!(call.digits.as_deref(), Some("2"));
    assert_eq!(
        call.unknown_fields().collect::<Vec<_>>(),
        [("CalledZip", ""), ("SipHeader_X-Foo", "bar")]
    );
}

#[test]
fn text_bodies_and_charset_parameters_are_accepted_too() {
    let sig = sign(&format!("{BASE}/voice"), CALL_BODY);
    let req = Request::builder()
        .method("POST")
        .uri("https://ignored-host.example/voice")
        .header(
            "Content-Type",
            "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
        )
        .header("X-Twilio-Signature", sig)
        .body(Body::Text(CALL_BODY.to_string()))
        .expect("request");
    assert!(verifier().verify_form(&req).is_ok());
}

#[test]
fn wrong_method_is_405_with_allow() {
    let mut req = signed_post("/voice", CALL_BODY);
    *req.method_mut() = lambda_http::http::Method::PUT;
    let (status, body, headers) = error_of(verifier().verify_form(&req));
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body.code, codes::METHOD_NOT_ALLOWED);
    assert_eq!(
        headers.get("allow").map(HeaderValue::as_bytes),
        Some(&b"POST"[..])
    );
    assert!(body.message.contains("PUT"), "{}", body.message);
}

#[test]
fn wrong_or_missing_content_type_is_415() {
    for ct in [
        Some("application/json"),
        Some("text/plain"),
        Some("multipart/form-data"),
        None,
    ] {
        let mut req = signed_post("/voice", CALL_BODY);
        req.headers_mut().remove("content-type");
        if let Some(ct) = ct {
            req.headers_mut()
                .insert("content-type", HeaderValue::from_static(ct));
        }
        let (status, body, _) = error_of(verifier().verify_form(&req));
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}");
        assert_eq!(body.code, codes::UNSUPPORTED_MEDIA_TYPE);
        assert!(body.message.contains(FORM), "{}", body.message);
    }
}

#[test]
fn bodies_over_64_kib_are_413_and_the_limit_itself_passes() {
    let prefix = "CallSid=CA1&AccountSid=AC1&Pad=";
    let at_limit = format!("{prefix}{}", "a".repeat(MAX_BODY_BYTES - prefix.len()));
    assert_eq!(at_limit.len(), MAX_BODY_BYTES);
    assert!(verifier()
        .verify_form(&signed_post("/voice", &at_limit))
        .is_ok());

    let over = format!("{at_limit}a");
    let (status, body, _) = error_of(verifier().verify_form(&signed_post("/voice", &over)));
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body.code, codes::PAYLOAD_TOO_LARGE);

    // A declared Content-Length over the limit is refused even if the body is short.
    let mut lying = signed_post("/voice", CALL_BODY);
    lying
        .headers_mut()
        .insert("content-length", HeaderValue::from_static("999999"));
    assert_eq!(
        error_of(verifier().verify_form(&lying)).0,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[test]
fn malformed_encoding_and_non_utf8_are_400_with_a_clear_message() {
    let cases: [(&[u8], &str); 3] = [
        (
            b"CallSid=CA1&Digits=%G1",
            "malformed form encoding at byte 19",
        ),
        (b"CallSid=CA1&Digits=%FF", "not valid UTF-8"),
        (b"CallSid=CA1&Name=\xE9t\xE9", "not valid UTF-8"),
    ];
    for (raw, expected) in cases {
        let req = Request::builder()
            .method("POST")
            .uri("/voice")
            .header("content-type", FORM)
            .header("x-twilio-signature", "irrelevant")
            .body(Body::Binary(raw.to_vec()))
            .expect("request");
        let (status, body, _) = error_of(verifier().verify_form(&req));
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body.code, codes::BAD_REQUEST);
        assert!(body.message.contains(expected), "{}", body.message);
    }
}

#[test]
fn signed_webhook_missing_call_sid_is_400_naming_it() {
    let body = "AccountSid=AC1&Digits=1";
    let (status, err, _) = error_of(voice(&verifier(), &signed_post("/voice", body)));
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        err.message,
        "required parameter CallSid is missing or empty"
    );
    let body = "CallSid=CA1&AccountSid=AC1&Confidence=high";
    let (status, err, _) = error_of(voice(&verifier(), &signed_post("/voice", body)));
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err.message.contains("Confidence"), "{}", err.message);
}

#[test]
fn missing_or_wrong_signature_is_403() {
    let (status, body, _) = error_of(verifier().verify_form(&post("/voice", CALL_BODY, None)));
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body.code, codes::FORBIDDEN);
    assert!(body.message.contains("missing"), "{}", body.message);

    let good = sign(&format!("{BASE}/voice?x=1"), CALL_BODY);
    let refused = [
        // Another path, another query, a reordered query, the body changed, another host.
        post("/voice/other?x=1", CALL_BODY, Some(&good)),
        post("/voice?x=2", CALL_BODY, Some(&good)),
        post("/voice?x=1&", CALL_BODY, Some(&good)),
        post(
            "/voice?x=1",
            &CALL_BODY.replace("Digits=2", "Digits=3"),
            Some(&good),
        ),
        post("/voice?x=1", &format!("{CALL_BODY}&Extra=1"), Some(&good)),
    ];
    for req in refused {
        let (status, body, _) = error_of(verifier().verify_form(&req));
        assert_eq!(status, StatusCode::FORBIDDEN, "{}", req.uri());
        assert!(body.message.contains("does not match"), "{}", body.message);
    }
    assert!(verifier()
        .verify_form(&post("/voice?x=1", CALL_BODY, Some(&good)))
        .is_ok());
}

#[test]
fn the_host_header_never_chooses_the_url() {
    // Signed for the attacker's own host, sent with a Host header naming it: refused,
    // because the URL comes from PUBLIC_BASE_URL.
    let evil = "https://evil.example/voice";
    let sig = sign(evil, CALL_BODY);
    let mut req = post("https://evil.example/voice", CALL_BODY, Some(&sig));
    req.headers_mut()
        .insert("host", HeaderValue::from_static("evil.example"));
    req.headers_mut()
        .insert("x-forwarded-host", HeaderValue::from_static("evil.example"));
    assert_eq!(
        error_of(verifier().verify_form(&req)).0,
        StatusCode::FORBIDDEN
    );
}

#[test]
fn the_default_port_in_the_signed_url_is_accepted() {
    let with_port = "https://abc123.execute-api.us-east-1.amazonaws.com:443/prod/voice";
    let req = post("/voice", CALL_BODY, Some(&sign(with_port, CALL_BODY)));
    assert!(verifier().verify_form(&req).is_ok());
}

#[test]
fn insecure_mode_skips_only_the_signature() {
    let v = WebhookVerifier::insecure_no_signature();
    assert!(v.verify_form(&post("/voice", CALL_BODY, None)).is_ok());
    let mut get = post("/voice", CALL_BODY, None);
    *get.method_mut() = lambda_http::http::Method::GET;
    assert_eq!(
        error_of(v.verify_form(&get)).0,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        error_of(v.verify_form(&post("/voice", "a=%", None))).0,
        StatusCode::BAD_REQUEST
    );
}

/// A valid configuration with the test's auth token and these variables.
fn config_with(extra: &[(&str, String)]) -> Config {
    let mut vars = vec![
        (
            TWILIO_ACCOUNT_SID.to_string(),
            "AC0123456789abcdef0123456789abcdef".to_string(),
        ),
        (TWILIO_AUTH_TOKEN.to_string(), TOKEN.to_string()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    Config::from_vars(vars).expect("valid config")
}

#[test]
fn from_config_follows_the_configuration() {
    let config = config_with(&[(PUBLIC_BASE_URL, format!("{BASE}/"))]);
    let v = WebhookVerifier::from_config(&config);
    // The trailing slash of PUBLIC_BASE_URL is not doubled: signed over BASE + path.
    assert!(v.verify_form(&signed_post("/voice?a=1", CALL_BODY)).is_ok());
    assert_eq!(
        error_of(v.verify_form(&post("/voice", CALL_BODY, None))).0,
        StatusCode::FORBIDDEN
    );

    // `auto` with no API Gateway domain in the request is a server fault: 500.
    let auto = config_with(&[(PUBLIC_BASE_URL, "auto".into())]);
    let (status, body, _) = error_of(
        WebhookVerifier::from_config(&auto).verify_form(&signed_post("/voice", CALL_BODY)),
    );
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body.code, codes::INTERNAL);

    let mut off = config;
    off.signatures = Signatures::Off;
    assert!(WebhookVerifier::from_config(&off)
        .verify_form(&post("/voice", CALL_BODY, None))
        .is_ok());
}

#[test]
fn signed_get_covers_the_query_and_appends_nothing() {
    let path = "/calls/state?CallSid=CA1&From=%2B14155551212";
    let sig = signature::compute_signature(TOKEN, &format!("{BASE}{path}"), &Form::new());
    let req = Request::builder()
        .method("GET")
        .uri(path)
        .header("x-twilio-signature", &sig)
        .body(Body::Empty)
        .expect("request");
    verifier().authorize_read(&req, None).expect("accepted");

    let tampered = Request::builder()
        .method("GET")
        .uri("/calls/state?CallSid=CA2&From=%2B14155551212")
        .header("x-twilio-signature", &sig)
        .body(Body::Empty)
        .expect("request");
    assert_eq!(
        error_of(verifier().authorize_read(&tampered, None)).0,
        StatusCode::FORBIDDEN
    );
    let post = signed_post(path, "");
    assert_eq!(
        error_of(verifier().authorize_read(&post, None)).0,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[test]
fn json_webhooks_are_checked_with_body_sha256() {
    let body = r#"{"CallSid":"CA6","Event":"answered","Note":"café"}"#;
    let hash = signature::body_sha256_hex(body.as_bytes());
    let path = format!("/events?bodySHA256={hash}");
    let sig = signature::compute_signature(TOKEN, &format!("{BASE}{path}"), &Form::new());
    let build = |body: &str| {
        Request::builder()
            .method("POST")
            .uri(path.as_str())
            .header("content-type", "application/json")
            .header("x-twilio-signature", &sig)
            .body(Body::Text(body.to_string()))
            .expect("request")
    };
    let ok = build(body);
    assert_eq!(
        verifier().verify_json(&ok).expect("accepted"),
        body.as_bytes()
    );
    let tampered = build(&body.replace("answered", "completed"));
    assert_eq!(
        error_of(verifier().verify_json(&tampered)).0,
        StatusCode::FORBIDDEN
    );
    let mut as_form = build(body);
    as_form
        .headers_mut()
        .insert("content-type", HeaderValue::from_static(FORM));
    assert_eq!(
        error_of(verifier().verify_json(&as_form)).0,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
}

#[test]
fn shared_key_sha256_signatures_need_the_key_configured() {
    let secret = "whsec_example_shared_key_secret_value";
    let url = format!("{BASE}/voice");
    let sig = signature::compute_signature_with(
        Algorithm::HmacSha256,
        secret,
        &url,
        &Form::parse(CALL_BODY.as_bytes()).expect("form"),
    );
    let mut req = post("/voice", CALL_BODY, Some(&sig));
    req.headers_mut().insert(
        "x-twilio-webhooks-signature-settings",
        HeaderValue::from_static("key=KS123,algorithm=HMAC_SHA256"),
    );
    let with_key = WebhookVerifier::from_config(&config_with(&[
        (PUBLIC_BASE_URL, BASE.into()),
        (TWILIO_WEBHOOK_SHARED_KEY, secret.into()),
    ]));
    assert!(with_key.verify_form(&req).is_ok());
    let (status, body, _) = error_of(verifier().verify_form(&req));
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.message.contains("SharedKey"), "{}", body.message);
    req.headers_mut().insert(
        "x-twilio-webhooks-signature-settings",
        HeaderValue::from_static("algorithm=HMAC_MD5"),
    );
    assert_eq!(
        error_of(with_key.verify_form(&req)).0,
        StatusCode::FORBIDDEN
    );
}

fn headers_with(auth: Option<&'static str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(a) = auth {
        h.insert("authorization", HeaderValue::from_static(a));
    }
    h
}

#[test]
fn bearer_tokens_are_compared_exactly() {
    assert!(check_bearer(&headers_with(Some("Bearer s3cret")), Some("s3cret")).is_ok());
    assert!(check_bearer(&headers_with(Some("bearer  s3cret ")), Some("s3cret")).is_ok());
    for (auth, expected) in [
        (None, "s3cret"),
        (Some("Bearer s3cre"), "s3cret"),
        (Some("Bearer s3cret2"), "s3cret"),
        (Some("Basic czNjcmV0"), "s3cret"),
        (Some("Bearer"), "s3cret"),
        (Some("Bearer "), ""),
    ] {
        let err = check_bearer(&headers_with(auth), Some(expected)).expect_err("refused");
        assert_eq!(err.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        let response = err.into_response();
        assert_eq!(
            response
                .headers()
                .get("www-authenticate")
                .map(HeaderValue::as_bytes),
            Some(&b"Bearer"[..])
        );
    }
}

#[test]
fn reads_take_a_bearer_token_or_a_signature() {
    let build = |auth: Option<&str>, sig: Option<&str>| {
        let mut b = Request::builder().method("GET").uri("/state?CallSid=CA1");
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        if let Some(s) = sig {
            b = b.header("x-twilio-signature", s);
        }
        b.body(Body::Empty).expect("request")
    };
    let sig =
        signature::compute_signature(TOKEN, &format!("{BASE}/state?CallSid=CA1"), &Form::new());
    let v = verifier();
    assert!(v
        .authorize_read(&build(Some("Bearer t"), None), Some("t"))
        .is_ok());
    assert!(v
        .authorize_read(&build(None, Some(&sig)), Some("t"))
        .is_ok());
    assert!(v.authorize_read(&build(None, Some(&sig)), None).is_ok());
    assert_eq!(
        v.authorize_read(&build(Some("Bearer x"), None), Some("t"))
            .unwrap_err()
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        v.authorize_read(&build(Some("Bearer t"), None), None)
            .unwrap_err()
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        v.authorize_read(&build(None, None), Some("t"))
            .unwrap_err()
            .status,
        StatusCode::FORBIDDEN
    );
}

#[test]
fn twiml_json_empty_and_error_responses() {
    let doc = VoiceResponse::new()
        .gather(Gather::new().num_digits(1).say(Say::new("Press 1")))
        .hangup();
    let r = twiml(&doc);
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/xml");
    assert_eq!(r.body().as_ref(), doc.to_xml().as_bytes());
    assert!(r.body().as_ref().starts_with(b"<?xml"));

    let r = json(StatusCode::CREATED, &serde_json::json!({"stage": "menu"}));
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.body().as_ref(), br#"{"stage":"menu"}"#);

    // A map with non-string keys cannot be JSON: a 500 error body, not a panic.
    let mut bad = std::collections::BTreeMap::new();
    bad.insert(vec![1u8], 1);
    let r = json(StatusCode::OK, &bad);
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: ErrorBody = serde_json::from_slice(r.body().as_ref()).expect("error body");
    assert_eq!(body.code, codes::INTERNAL);

    let r = empty(StatusCode::NO_CONTENT);
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r.body().is_empty());

    let r: Response<Body> = ErrorResponse::not_found("no call CA1").into();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = serde_json::from_slice(r.body().as_ref()).expect("JSON");
    assert_eq!(
        body,
        serde_json::json!({
            "code": 20404,
            "message": "no call CA1",
            "more_info": "https://www.twilio.com/docs/errors/20404",
            "status": 404
        })
    );
}

/// An HTTP API (payload 2.0) / Function URL event, as AWS sends it: the form body
/// base64-encoded, the raw path and raw query separate.
fn v2_event(raw_path: &str, raw_query: &str, body: &str, signature: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(body);
    serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": {
            "content-type": FORM,
            "host": "abc123.lambda-url.us-east-1.on.aws",
            "x-twilio-signature": signature,
            "i-twilio-idempotency-token": "1d3a2c"
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.lambda-url.us-east-1.on.aws",
            "domainPrefix": "abc123",
            "http": {
                "method": "POST",
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "54.172.60.1",
                "userAgent": "TwilioProxy/1.1"
            },
            "requestId": "id",
            "routeKey": "$default",
            "stage": "$default",
            "time": "25/Nov/2026:09:00:00 +0000",
            "timeEpoch": 1795597200000u64
        },
        "body": encoded,
        "isBase64Encoded": true
    })
    .to_string()
}

#[test]
fn a_real_function_url_event_verifies_through_lambda_http() {
    let base = "https://abc123.lambda-url.us-east-1.on.aws";
    let v = WebhookVerifier::new(TOKEN, base.parse().expect("url"));
    // A query with percent-escapes and a repeated name: the raw query is signed as is.
    let raw_query = "step=menu&name=Jane%20Doe&x=1&x=2";
    let sig = sign(&format!("{base}/voice/gather?{raw_query}"), CALL_BODY);
    let event = v2_event("/voice/gather", raw_query, CALL_BODY, &sig);
    let req = lambda_http::request::from_str(&event).expect("lambda_http parses the event");
    assert!(
        matches!(req.body(), Body::Binary(_)),
        "form posts arrive as Binary"
    );
    let call = voice(&v, &req).expect("accepted");
    assert_eq!(call.digits.as_deref(), Some("2"));

    let forged = v2_event("/voice/gather", "step=other", CALL_BODY, &sig);
    let req = lambda_http::request::from_str(&forged).expect("parses");
    assert_eq!(error_of(voice(&v, &req)).0, StatusCode::FORBIDDEN);
}
