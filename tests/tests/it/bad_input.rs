//! Bad input to every function: the right 4xx with a Twilio-style body, and no state
//! changed (checked by reading the state and counting the emulator's writes).

use callflow_e2e::*;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

async fn store(stack: &Stack, req: Request) -> Response<Body> {
    store_call_state::FUNCTION.call(&stack.services, req).await
}

fn assert_twilio_error(response: &Response<Body>, status: StatusCode) {
    assert_eq!(response.status(), status, "{}", body_text(response));
    let body = body_json(response);
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert!(body["code"].is_u64(), "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(body["more_info"].is_string(), "{body}");
}

#[tokio::test]
async fn store_call_state_refuses_bad_webhooks_and_changes_nothing() {
    let stack = Stack::start().await;
    let sid = call_sid(10);
    let ok = store(
        &stack,
        signed_post("/store-call-state", &voice_params(&sid, "ringing", &[])),
    )
    .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let writes_before = stack.sync_requests();

    let gather = voice_params(&sid, "in-progress", &[("Digits", "1")]);
    let form_body = |params: &[(String, String)]| {
        params
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace('+', "%2B")))
            .collect::<Vec<_>>()
            .join("&")
            .into_bytes()
    };

    // Unsigned.
    let unsigned = post_with_signature("/store-call-state?stage=welcome", form_body(&gather), None);
    assert_twilio_error(&store(&stack, unsigned).await, StatusCode::FORBIDDEN);
    // Wrong signature.
    let forged = post_with_signature(
        "/store-call-state?stage=welcome",
        form_body(&gather),
        Some("bm90IHRoZSByaWdodCBzaWduYXR1cmU="),
    );
    assert_twilio_error(&store(&stack, forged).await, StatusCode::FORBIDDEN);
    // Signed, then tampered with (Digits changed).
    let mut tampered = signed_post("/store-call-state?stage=welcome", &gather);
    *tampered.body_mut() = Body::Binary(
        String::from_utf8_lossy(&form_body(&gather))
            .replace("Digits=1", "Digits=3")
            .into_bytes(),
    );
    assert_twilio_error(&store(&stack, tampered).await, StatusCode::FORBIDDEN);
    // Missing CallSid (signed, so the signature is not what fails).
    let no_sid: Vec<(String, String)> = gather
        .iter()
        .filter(|(k, _)| k != "CallSid")
        .cloned()
        .collect();
    let response = store(
        &stack,
        signed_post("/store-call-state?stage=welcome", &no_sid),
    )
    .await;
    assert_twilio_error(&response, StatusCode::BAD_REQUEST);
    assert!(body_json(&response)["message"]
        .as_str()
        .unwrap_or_default()
        .contains("CallSid"));
    // Malformed encoding and non-UTF-8.
    for body in [
        b"CallSid=%ZZ&Digits=1".to_vec(),
        b"CallSid=CA\xff\xfe".to_vec(),
    ] {
        let req = post_with_signature("/store-call-state", body, Some("x"));
        assert_twilio_error(&store(&stack, req).await, StatusCode::BAD_REQUEST);
    }
    // Wrong method and wrong content type.
    let get = lambda_http::http::Request::builder()
        .method("GET")
        .uri("/store-call-state")
        .body(Body::Empty)
        .expect("request");
    assert_twilio_error(&store(&stack, get).await, StatusCode::METHOD_NOT_ALLOWED);
    let json = lambda_http::http::Request::builder()
        .method("POST")
        .uri("/store-call-state")
        .header("content-type", "application/json")
        .body(Body::Binary(b"{}".to_vec()))
        .expect("request");
    assert_twilio_error(
        &store(&stack, json).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    );
    // Huge body.
    let mut huge = form_body(&gather);
    huge.extend(b"&Padding=".iter().chain(vec![b'a'; 200 * 1024].iter()));
    let req = post_with_signature("/store-call-state?stage=welcome", huge, Some("x"));
    assert_twilio_error(&store(&stack, req).await, StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(
        stack.sync_requests(),
        writes_before,
        "no refused request reached Sync"
    );
    let read = get_call_state::FUNCTION
        .call(
            &stack.services,
            bearer_get(&format!("/get-call-state?CallSid={sid}"), API_TOKEN),
        )
        .await;
    let state = body_json(&read);
    assert_eq!(state["stage"], "welcome");
    assert_eq!(state["selections"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn get_call_state_authorises_and_checks_the_sid() {
    let stack = Stack::start().await;
    let sid = call_sid(11);
    store(
        &stack,
        signed_post("/store-call-state", &voice_params(&sid, "ringing", &[])),
    )
    .await;
    let path = format!("/get-call-state?CallSid={sid}");
    let get = |req| get_call_state::FUNCTION.call(&stack.services, req);

    assert_eq!(
        get(bearer_get(&path, API_TOKEN)).await.status(),
        StatusCode::OK
    );
    assert_eq!(get(signed_get(&path)).await.status(), StatusCode::OK);
    let signed_post_read = signed_post("/get-call-state", &[("CallSid".to_owned(), sid.clone())]);
    assert_eq!(get(signed_post_read).await.status(), StatusCode::OK);

    let nobody = lambda_http::http::Request::builder()
        .method("GET")
        .uri(&path)
        .body(Body::Empty)
        .expect("request");
    assert_twilio_error(&get(nobody).await, StatusCode::FORBIDDEN);
    assert_twilio_error(
        &get(bearer_get(&path, "wrong")).await,
        StatusCode::UNAUTHORIZED,
    );
    // A signature over another CallSid does not cover this one.
    let mut other = signed_get(&format!("/get-call-state?CallSid={}", call_sid(12)));
    *other.uri_mut() = path.parse().expect("uri");
    assert_twilio_error(&get(other).await, StatusCode::FORBIDDEN);

    let unknown = format!("/get-call-state?CallSid={}", call_sid(99));
    assert_twilio_error(
        &get(bearer_get(&unknown, API_TOKEN)).await,
        StatusCode::NOT_FOUND,
    );
    for bad in [
        "/get-call-state?CallSid=XY123",
        "/get-call-state?CallSid=CA..%2F..",
        "/get-call-state",
    ] {
        assert_twilio_error(
            &get(bearer_get(bad, API_TOKEN)).await,
            StatusCode::BAD_REQUEST,
        );
    }
    let delete = lambda_http::http::Request::builder()
        .method("DELETE")
        .uri(&path)
        .body(Body::Empty)
        .expect("request");
    assert_twilio_error(&get(delete).await, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_start_with_a_bad_flow_or_config_names_every_problem() {
    let dir = std::env::temp_dir().join(format!("callflow-bad-flow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let flow = dir.join("flow.toml");
    std::fs::write(
        &flow,
        "start = \"a\"\n[stages.a]\ngather = { prompt = \"x\" }\nroutes = { \"1\" = \"b\" }\n",
    )
    .expect("write flow");
    let vars = [
        ("TWILIO_ACCOUNT_SID", ACCOUNT_SID.to_owned()),
        ("TWILIO_AUTH_TOKEN", AUTH_TOKEN.to_owned()),
        ("PUBLIC_BASE_URL", PUBLIC_BASE.to_owned()),
        ("CALLFLOW_FLOW", flow.display().to_string()),
    ]
    .map(|(k, v)| (k.to_owned(), v));
    let config = callflow::config::Config::from_vars(vars).expect("config itself is fine");
    let error = callflow::runtime::Services::from_config(config)
        .err()
        .expect("a bad flow stops the start")
        .to_string();
    assert!(error.contains("unknown stage `b`"), "{error}");

    let bad = [
        ("TWILIO_ACCOUNT_SID", "nope"),
        ("CALL_STATE_TTL", "forever"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    let problems = callflow::config::Config::from_vars(bad)
        .expect_err("refused")
        .to_string();
    for var in [
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "CALL_STATE_TTL",
        "PUBLIC_BASE_URL",
    ] {
        assert!(problems.contains(var), "{var} not named in: {problems}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
