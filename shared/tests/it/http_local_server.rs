//! The same verifier and responses serving under a plain axum server on a real
//! 127.0.0.1 socket, the way the local dev server uses them: the body is collected into
//! `Bytes`, checked with `WebhookVerifier`, and the `lambda_http` response converted.

use std::net::SocketAddr;

use axum::body::Bytes;
use callflow::http::{twiml, ErrorBody, WebhookVerifier};
use callflow::twiml::{Gather, Say, VoiceResponse};
use callflow::webhook::{signature, Form, VoiceRequest};
use lambda_http::http::Request;

const TOKEN: &str = "local-dev-token";

async fn handle(
    verifier: WebhookVerifier,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    // Read one byte past the limit so that the verifier sees "too large" itself.
    let bytes = match axum::body::to_bytes(body, callflow::http::MAX_BODY_BYTES + 1).await {
        Ok(b) => b,
        Err(_) => Bytes::from(vec![0u8; callflow::http::MAX_BODY_BYTES + 1]),
    };
    let req: Request<Bytes> = Request::from_parts(parts, bytes);
    let call = verifier
        .verify_form(&req)
        .and_then(|form| Ok(VoiceRequest::from_form(&form)?));
    let response = match call {
        Ok(call) => twiml(
            VoiceResponse::new()
                .say(Say::new(format!(
                    "Call {} pressed {}",
                    call.call_sid,
                    call.digits.unwrap_or_default()
                )))
                .gather(Gather::new().num_digits(1)),
        ),
        Err(e) => e.into_response(),
    };
    let (parts, body) = response.into_parts();
    axum::response::Response::from_parts(parts, axum::body::Body::from(body.to_vec()))
}

async fn serve() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let base = format!("http://{addr}").parse().expect("base url");
    let verifier = WebhookVerifier::new(TOKEN, base);
    let app = axum::Router::new().fallback(move |req| handle(verifier.clone(), req));
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("server runs");
    });
    addr
}

#[tokio::test]
async fn signed_posts_get_twiml_and_forgeries_get_403_over_a_real_socket() {
    let addr = serve().await;
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let body = "CallSid=CA42&AccountSid=AC1&Digits=7&From=%2B15551234567";
    let url = format!("http://{addr}/voice/menu?attempt=1");
    let sig =
        signature::compute_signature(TOKEN, &url, &Form::parse(body.as_bytes()).expect("form"));

    let ok = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", &sig)
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["content-type"], "text/xml");
    assert_eq!(
        ok.text().await.expect("body"),
        r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say>Call CA42 pressed 7</Say><Gather numDigits="1" /></Response>"#
    );

    let forged = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", &sig)
        .body(body.replace("Digits=7", "Digits=9"))
        .send()
        .await
        .expect("request");
    assert_eq!(forged.status(), 403);
    let err: ErrorBody = forged.json().await.expect("Twilio error body");
    assert_eq!(err.status, 403);

    let too_big = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", &sig)
        .body(format!("{body}&Pad={}", "x".repeat(70_000)))
        .send()
        .await
        .expect("request");
    assert_eq!(too_big.status(), 413);

    let get = client.get(&url).send().await.expect("request");
    assert_eq!(get.status(), 405);
    assert_eq!(get.headers()["allow"], "POST");
}
