//! The stage kinds that end without caller input, through the real handlers against a
//! real emulator: say-and-continue, dial with fallback routes on `DialCallStatus`,
//! voicemail with its recording status and transcription callbacks, and connect to a
//! ConversationRelay agent or a media stream. Each callback is signed like Twilio's,
//! costs one Sync request on a warm instance, and is applied once per delivery.

use callflow_e2e::*;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};

/// One webhook, with the Sync requests it cost.
async fn store_counted(
    stack: &Stack,
    path: &str,
    params: &[(String, String)],
) -> (Response<Body>, u64) {
    let before = stack.sync_requests();
    let response = stack.store(path, params).await;
    (response, stack.sync_requests() - before)
}

/// A call that has pressed `digits` at the welcome menu of the bundled flow.
async fn call_at_menu_choice(stack: &Stack, sid: &str, digits: &str) -> String {
    stack
        .store("/store-call-state", &voice_params(sid, "ringing", &[]))
        .await;
    let answer = stack
        .store(
            "/store-call-state?stage=welcome",
            &voice_params(sid, "in-progress", &[("Digits", digits)]),
        )
        .await;
    assert_eq!(answer.status(), StatusCode::OK, "{}", body_text(&answer));
    body_text(&answer)
}

#[tokio::test]
async fn say_and_continue_then_dial_falls_back_on_no_answer() {
    let stack = Stack::start().await;
    let sid = call_sid(101);

    // 4: a say-and-continue stage, which redirects to the dial stage.
    let twiml = call_at_menu_choice(&stack, &sid, "4").await;
    assert!(
        twiml.ends_with(concat!(
            "<Say>Our sales team answers from nine to five.</Say>",
            r#"<Redirect method="POST">store-call-state?stage=sales_hours&amp;event=continue</Redirect></Response>"#
        )),
        "{twiml}"
    );
    let (dial, cost) = store_counted(
        &stack,
        "/store-call-state?stage=sales_hours&event=continue",
        &voice_params(&sid, "in-progress", &[]),
    )
    .await;
    assert_eq!(cost, 1, "a redirect is one conditional write");
    let twiml = body_text(&dial);
    assert!(
        twiml.contains(r#"<Dial action="store-call-state?stage=sales&amp;event=dial" method="POST" timeout="20">+15005550010</Dial>"#),
        "{twiml}"
    );
    assert_eq!(stack.state_of(&sid).await["stage"], "sales");

    // Nobody answers: the <Dial action> brings DialCallStatus, and the fallback route
    // takes the call to voicemail.
    let result = voice_params(
        &sid,
        "in-progress",
        &[
            ("DialCallStatus", "no-answer"),
            ("DialCallSid", "CA00000000000000000000000000000abc"),
            ("DialCallDuration", "0"),
        ],
    );
    let (voicemail, cost) =
        store_counted(&stack, "/store-call-state?stage=sales&event=dial", &result).await;
    assert_eq!(cost, 1);
    let twiml = body_text(&voicemail);
    assert!(
        twiml.contains(r#"<Record action="store-call-state?stage=voicemail&amp;event=record""#),
        "{twiml}"
    );
    let state = stack.state_of(&sid).await;
    assert_eq!(state["stage"], "voicemail");
    assert_eq!(state["dial"]["status"], "no-answer");
    assert_eq!(state["dial"]["next"], "voicemail");
    assert_eq!(
        state["dial"]["callSid"],
        "CA00000000000000000000000000000abc"
    );

    // The same dial result again (a late copy for a stage the call has left): kept as
    // stale, the call stays in voicemail.
    let late = stack
        .store("/store-call-state?stage=sales&event=dial", &result)
        .await;
    assert!(body_text(&late).contains("event=record"));
    let state = stack.state_of(&sid).await;
    assert_eq!(state["stage"], "voicemail");
    assert_eq!(state["dial"]["stale"], true);
}

#[tokio::test]
async fn an_answered_dial_takes_its_completed_route() {
    let stack = Stack::start().await;
    let sid = call_sid(102);
    call_at_menu_choice(&stack, &sid, "4").await;
    stack
        .store(
            "/store-call-state?stage=sales_hours&event=continue",
            &voice_params(&sid, "in-progress", &[]),
        )
        .await;
    let done = stack
        .store(
            "/store-call-state?stage=sales&event=dial",
            &voice_params(
                &sid,
                "in-progress",
                &[("DialCallStatus", "completed"), ("DialCallDuration", "93")],
            ),
        )
        .await;
    assert!(body_text(&done)
        .ends_with("<Say>Thank you for talking to sales. Goodbye.</Say><Hangup /></Response>"));
    let state = stack.state_of(&sid).await;
    assert_eq!(state["stage"], "sales_done");
    assert_eq!(state["dial"]["duration"], 93);
}

#[tokio::test]
async fn voicemail_keeps_the_recording_and_its_transcript() {
    let stack = Stack::start().await;
    let sid = call_sid(103);
    call_at_menu_choice(&stack, &sid, "4").await;
    stack
        .store(
            "/store-call-state?stage=sales_hours&event=continue",
            &voice_params(&sid, "in-progress", &[]),
        )
        .await;
    stack
        .store(
            "/store-call-state?stage=sales&event=dial",
            &voice_params(&sid, "in-progress", &[("DialCallStatus", "busy")]),
        )
        .await;
    let url = "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings/RE0123456789abcdef0123456789abcdef";
    let rec_sid = "RE0123456789abcdef0123456789abcdef";

    // The recording status callback can come before the action: 204, nothing moves.
    let status = voice_params(
        &sid,
        "in-progress",
        &[
            ("RecordingSid", rec_sid),
            ("RecordingUrl", url),
            ("RecordingStatus", "completed"),
            ("RecordingDuration", "14"),
            ("RecordingChannels", "1"),
            ("RecordingSource", "RecordVerb"),
        ],
    );
    let (callback, cost) = store_counted(
        &stack,
        "/store-call-state?stage=voicemail&event=recording",
        &status,
    )
    .await;
    assert_eq!(callback.status(), StatusCode::NO_CONTENT);
    assert_eq!(cost, 1);
    assert_eq!(stack.state_of(&sid).await["stage"], "voicemail");

    // The <Record action>: on to the thank-you stage.
    let recorded = voice_params(
        &sid,
        "in-progress",
        &[
            ("RecordingSid", rec_sid),
            ("RecordingUrl", url),
            ("RecordingDuration", "14"),
            ("Digits", "#"),
        ],
    );
    let (next, cost) = store_counted(
        &stack,
        "/store-call-state?stage=voicemail&event=record",
        &recorded,
    )
    .await;
    assert_eq!(cost, 1);
    assert!(body_text(&next)
        .ends_with("<Say>Thank you, we will call you back. Goodbye.</Say><Hangup /></Response>"));

    // The transcription arrives after the hang-up, with a final CallStatus: it is still
    // a transcription (the event names it), not a status callback.
    let transcript = voice_params(
        &sid,
        "completed",
        &[
            ("TranscriptionSid", "TR0123456789abcdef0123456789abcdef"),
            (
                "TranscriptionText",
                "Hi, please call me back about my order.",
            ),
            ("TranscriptionStatus", "completed"),
            (
                "TranscriptionUrl",
                "https://api.twilio.com/…/Transcriptions/TR01",
            ),
            ("RecordingSid", rec_sid),
            ("RecordingUrl", url),
        ],
    );
    for _ in 0..2 {
        // Delivered twice with one idempotency token: applied once.
        let mut req = signed_post(
            "/store-call-state?stage=voicemail&event=transcription",
            &transcript,
        );
        req.headers_mut().insert(
            "i-twilio-idempotency-token",
            "transcript-1".parse().expect("header"),
        );
        let response = store_call_state::FUNCTION.call(&stack.services, req).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    let state = stack.state_of(&sid).await;
    assert_eq!(state["stage"], "voicemail_thanks");
    assert_ne!(
        state["status"], "completed",
        "not taken for a status callback"
    );
    assert!(state["endTime"].is_null());
    let rec = &state["recording"];
    assert_eq!(rec["url"], url);
    assert_eq!(rec["sid"], rec_sid);
    assert_eq!(rec["duration"], 14);
    assert_eq!(rec["status"], "completed");
    assert_eq!(rec["finishedOn"], "#");
    assert_eq!(rec["transcript"], "Hi, please call me back about my order.");
    assert_eq!(rec["transcriptionStatus"], "completed");
    assert_eq!(state["appliedTokens"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn recording_callbacks_are_signature_checked_and_bad_events_refused() {
    let stack = Stack::start().await;
    let sid = call_sid(104);
    stack
        .store("/store-call-state", &voice_params(&sid, "ringing", &[]))
        .await;
    let params = voice_params(
        &sid,
        "in-progress",
        &[("RecordingSid", "RE1"), ("RecordingStatus", "completed")],
    );
    let body = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect::<callflow::webhook::Form>()
        .to_urlencoded()
        .into_bytes();
    let forged = post_with_signature(
        "/store-call-state?stage=voicemail&event=recording",
        body,
        Some("bm90IGEgc2lnbmF0dXJlIGF0IGFsbA=="),
    );
    let before = stack.sync_requests();
    let refused = store_call_state::FUNCTION
        .call(&stack.services, forged)
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        stack.sync_requests(),
        before,
        "a forged callback never reaches Sync"
    );

    let unknown = stack
        .store("/store-call-state?stage=voicemail&event=fax", &params)
        .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert!(body_text(&unknown).contains("unknown event `fax`"));
    let no_status = stack
        .store(
            "/store-call-state?stage=sales&event=dial",
            &voice_params(&sid, "in-progress", &[]),
        )
        .await;
    assert_eq!(no_status.status(), StatusCode::BAD_REQUEST);
    assert!(body_text(&no_status).contains("DialCallStatus"));
    // A status Twilio does not document is refused where the form is read, saying so.
    let unknown_status = stack
        .store(
            "/store-call-state?stage=sales&event=dial",
            &voice_params(&sid, "in-progress", &[("DialCallStatus", "ringing")]),
        )
        .await;
    assert_eq!(unknown_status.status(), StatusCode::BAD_REQUEST);
    assert!(
        body_text(&unknown_status).contains("DialCallStatus has an invalid value")
            && body_text(&unknown_status).contains("busy, no-answer, failed or canceled"),
        "{}",
        body_text(&unknown_status)
    );
    assert!(stack.state_of(&sid).await.get("recording").is_none());
}

#[tokio::test]
async fn connect_hands_the_call_to_an_agent_and_comes_back() {
    let stack = Stack::start().await;
    let sid = call_sid(105);
    let twiml = call_at_menu_choice(&stack, &sid, "5").await;
    assert!(
        twiml.contains(concat!(
            r#"<Connect action="store-call-state?stage=assistant&amp;event=connect" method="POST">"#,
            r#"<ConversationRelay language="en-US" url="wss://assistant.example.com/relay" voice="en-US-Journey-O" "#,
            r#"welcomeGreeting="Hi! I am the Acme assistant. How can I help?">"#,
            r#"<Parameter name="line" value="support" /></ConversationRelay></Connect>"#
        )),
        "{twiml}"
    );
    let state = stack.state_of(&sid).await;
    assert_eq!(state["stage"], "assistant");
    assert_eq!(state["connect"]["target"], "conversation-relay");
    assert_eq!(state["connect"]["url"], "wss://assistant.example.com/relay");
    assert_eq!(state["connect"]["parameters"]["line"], "support");
    assert!(state["connect"]["startedAt"].is_string());

    let ended = voice_params(
        &sid,
        "in-progress",
        &[
            ("SessionId", "VX0123"),
            ("SessionStatus", "completed"),
            ("SessionDuration", "61"),
        ],
    );
    let (back, cost) = store_counted(
        &stack,
        "/store-call-state?stage=assistant&event=connect",
        &ended,
    )
    .await;
    assert_eq!(cost, 1);
    assert!(body_text(&back).ends_with(
        "<Say>Thanks for talking to our assistant. Goodbye.</Say><Hangup /></Response>"
    ));
    let state = stack.state_of(&sid).await;
    assert_eq!(state["stage"], "assistant_done");
    assert_eq!(state["connect"]["sessionStatus"], "completed");
    assert_eq!(state["connect"]["sessionDuration"], 61);
}

#[tokio::test]
async fn a_stream_stage_from_a_flow_file_ends_the_call_after_the_stream() {
    let path =
        std::env::temp_dir().join(format!("callflow-stream-flow-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        r#"start = "listen"
        [stages.listen]
        say = "This call is streamed."
        connect = { stream = "wss://media.example.com/in", parameters = { agent = "ada", queue = "q1" } }"#,
    )
    .expect("flow file written");
    let stack = Stack::with_vars(&[("CALLFLOW_FLOW", path.to_str().expect("utf-8 path"))]).await;
    let sid = call_sid(106);
    let (first, cost) = store_counted(
        &stack,
        "/store-call-state",
        &voice_params(&sid, "ringing", &[]),
    )
    .await;
    assert_eq!(cost, 1, "a new call is still one create");
    assert_eq!(
        body_text(&first),
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say>This call is streamed.</Say>"#,
            r#"<Connect action="store-call-state?stage=listen&amp;event=connect" method="POST">"#,
            r#"<Stream url="wss://media.example.com/in"><Parameter name="agent" value="ada" />"#,
            r#"<Parameter name="queue" value="q1" /></Stream></Connect></Response>"#
        )
    );
    assert_eq!(stack.state_of(&sid).await["connect"]["target"], "stream");
    let ended = stack
        .store(
            "/store-call-state?stage=listen&event=connect",
            &voice_params(&sid, "in-progress", &[]),
        )
        .await;
    assert!(body_text(&ended).ends_with("<Hangup /></Response>"));
    let state = stack.state_of(&sid).await;
    assert_eq!(
        state["stage"], "listen",
        "no next stage: the call ends here"
    );
    assert!(state["connect"]["endedAt"].is_string());
    let _ = std::fs::remove_file(&path);
}
