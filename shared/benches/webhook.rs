//! Cost of one typical `<Gather>` webhook: form parse, typed read, signature check and
//! TwiML render, separately and end to end through `WebhookVerifier` + `http::twiml`.
//!
//! A plain `harness = false` bench (no criterion: it would double the build for a
//! handful of figures). Run with `cargo bench -p callflow --bench webhook`. Each figure
//! is the median of 15 timed batches after a warm-up, in nanoseconds per operation.

use std::hint::black_box;

use callflow::http::{twiml, WebhookVerifier};
use callflow::twiml::{Gather, Say, VoiceResponse};
use callflow::webhook::{signature, Form, VoiceRequest};
use lambda_http::http::Request;
use lambda_http::Body;
use support::measure;

mod support;

const TOKEN: &str = "b3f1c0de9a8e4c2f9d7a6b5c4d3e2f10";
const BASE: &str = "https://abc123xyz.execute-api.us-east-1.amazonaws.com/prod";
const PATH: &str = "/voice/menu?attempt=1";

/// What Twilio posts to a `<Gather>` action: the inbound-call fields plus the result.
const BODY: &str = "AccountSid=AC0123456789abcdef0123456789abcdef&ApiVersion=2010-04-01\
&CallSid=CAfedcba9876543210fedcba9876543210&CallStatus=in-progress\
&Called=%2B15005550006&CalledCity=&CalledCountry=US&CalledState=CA&CalledZip=\
&Caller=%2B14155551212&CallerCity=SAN+FRANCISCO&CallerCountry=US&CallerState=CA&CallerZip=94103\
&Confidence=0.9234&Digits=2&Direction=inbound&FinishedOnKey=\
&From=%2B14155551212&FromCity=SAN+FRANCISCO&FromCountry=US&FromState=CA&FromZip=94103\
&SpeechResult=I+need+help+with+my+order.&StirVerstat=TN-Validation-Passed-A\
&To=%2B15005550006&ToCity=&ToCountry=US&ToState=CA&ToZip=";

fn doc() -> VoiceResponse {
    VoiceResponse::new()
        .say(Say::new("Thanks. Connecting you to support & sales.").voice("Polly.Joanna"))
        .gather(
            Gather::new()
                .input("dtmf speech")
                .action("/voice/menu?attempt=2")
                .num_digits(1)
                .timeout(5)
                .speech_timeout("auto")
                .say(Say::new(
                    "Press 1 for sales, 2 for support, or say what you need.",
                )),
        )
        .redirect(callflow::twiml::Redirect::new("/voice/incoming"))
}

fn render() -> String {
    doc().to_xml()
}

/// What a handler does first: verify the webhook, then type the call.
fn verify_voice(verifier: &WebhookVerifier, req: &Request<Body>) -> Option<VoiceRequest> {
    let form = verifier.verify_form(req).ok()?;
    VoiceRequest::from_form(&form).ok()
}

fn main() {
    let url = format!("{BASE}{PATH}");
    let form = Form::parse(BODY.as_bytes()).expect("bench body parses");
    let sig = signature::compute_signature(TOKEN, &url, &form);
    assert!(signature::validate(TOKEN, &url, &form, &sig));
    let verifier = WebhookVerifier::new(TOKEN, BASE.parse().expect("base URL"));
    let request = || {
        Request::builder()
            .method("POST")
            .uri(PATH)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", sig.as_str())
            .body(Body::Binary(BODY.as_bytes().to_vec()))
            .expect("request")
    };
    assert!(verify_voice(&verifier, &request()).is_some());

    println!(
        "typical <Gather> action webhook: {} bytes, {} parameters, TwiML {} bytes",
        BODY.len(),
        form.len(),
        render().len()
    );
    measure("Form::parse", || {
        black_box(Form::parse(black_box(BODY.as_bytes())).ok());
    });
    measure("VoiceRequest::from_form", || {
        black_box(VoiceRequest::from_form(black_box(&form)).ok());
    });
    measure("signature::validate (2 candidate URLs)", || {
        black_box(signature::validate(
            TOKEN,
            black_box(&url),
            &form,
            black_box(&sig),
        ));
    });
    measure("TwiML render (say + gather/say + redirect)", || {
        black_box(render());
    });
    let req = request();
    measure(
        "parse + validate + render (verify_form, VoiceRequest, twiml)",
        || {
            let call = verify_voice(&verifier, black_box(&req));
            black_box(&call);
            black_box(twiml(doc()));
        },
    );
}
