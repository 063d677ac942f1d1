//! Every voice widget of Studio, run by the real `store-call-state` handler against a
//! real emulator: `tests/flows/studio/widgets.json` (written for these tests) routes each
//! call by a `Case` parameter of its first webhook to the widgets under test; the tests
//! check the exact TwiML the caller gets, the events each callback means, what the
//! stand-in server received, and what Sync keeps, including Studio's guards.

use callflow_e2e::standin::StandIn;
use callflow_e2e::*;
use lambda_http::http::StatusCode;
use serde_json::{json, Value};

const FLOW: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/flows/studio/widgets.json");
const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#;
const GOODBYE: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#,
    "<Say>We are sorry, this call cannot continue. Goodbye.</Say><Hangup /></Response>"
);
const HANGUP: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response><Hangup /></Response>"#;

struct Line {
    stack: Stack,
    standin: StandIn,
}

async fn line() -> Line {
    let standin = StandIn::start().await;
    let rewrite = format!("https://api.acme.test={}", standin.base);
    let stack =
        Stack::with_vars(&[("CALLFLOW_FLOW", FLOW), ("CALLFLOW_HTTP_REWRITE", &rewrite)]).await;
    assert!(
        stack.services.studio().is_some(),
        "widgets.json is read as a Studio flow"
    );
    Line { stack, standin }
}

/// One call on the line.
struct Call<'a> {
    line: &'a Line,
    sid: String,
}

impl Line {
    /// A new call whose first webhook carries `Case` (and `extra`): its first TwiML.
    async fn call(&self, n: u32, case: &str, extra: &[(&str, &str)]) -> (Call<'_>, String) {
        let call = Call {
            line: self,
            sid: call_sid(n),
        };
        let mut params = vec![("Case", case)];
        params.extend_from_slice(extra);
        let first = call
            .send(
                "/store-call-state",
                &voice_params(&call.sid, "ringing", &params),
            )
            .await;
        (call, first)
    }
}

impl Call<'_> {
    /// A webhook that must answer 200 with TwiML.
    async fn send(&self, path: &str, params: &[(String, String)]) -> String {
        let response = self.line.stack.store(path, params).await;
        let body = body_text(&response);
        assert_eq!(response.status(), StatusCode::OK, "{path}: {body}");
        body
    }

    /// `widget`'s callback for `event`, with call parameters plus `extra`.
    async fn back(&self, widget: &str, event: &str, extra: &[(&str, &str)]) -> String {
        self.send(&cb(widget, event), &self.params(extra)).await
    }

    fn params(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        voice_params(&self.sid, "in-progress", extra)
    }

    async fn studio(&self) -> Value {
        self.line.stack.state_of(&self.sid).await["studio"].clone()
    }

    /// The (widget, event) pairs of the step log.
    async fn log(&self) -> Vec<(String, String)> {
        self.studio().await["log"]
            .as_array()
            .expect("a step log")
            .iter()
            .map(|e| {
                (
                    e["widget"].as_str().unwrap_or_default().to_owned(),
                    e["event"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }
}

fn cb(widget: &str, event: &str) -> String {
    format!("/store-call-state?widget={widget}&FlowEvent={event}")
}

/// A whole TwiML document of `verbs`.
fn doc(verbs: &str) -> String {
    format!("{HEAD}{verbs}</Response>")
}

/// A callback URL as it appears in an attribute or text.
fn action(widget: &str, event: &str) -> String {
    format!("store-call-state?widget={widget}&amp;FlowEvent={event}")
}

fn redirect(widget: &str, event: &str) -> String {
    format!(
        r#"<Redirect method="POST">{}</Redirect>"#,
        action(widget, event)
    )
}

/// `<Say>text</Say>` then the say's audioComplete redirect.
fn said(widget: &str, text: &str) -> String {
    doc(&format!(
        "<Say>{text}</Say>{}",
        redirect(widget, "audioComplete")
    ))
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(w, e)| (w.to_string(), e.to_string()))
        .collect()
}

#[tokio::test]
async fn the_widgets_flow_loads_without_problems() {
    let text = std::fs::read_to_string(FLOW).expect("flow");
    let flow = callflow::studio::load_file(FLOW, &text, None).expect("flow loads");
    let problems: Vec<String> = flow.problems.iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn say_play_plays_a_url_in_a_loop_then_digits_then_a_looped_say() {
    let line = line().await;
    let (call, first) = line.call(7101, "play", &[("Ext", "9")]).await;
    assert_eq!(
        first,
        doc(&format!(
            r#"<Play loop="3">https://cdn.acme.test/jingle.mp3</Play>{}"#,
            redirect("play_url", "audioComplete")
        ))
    );
    let digits = call.back("play_url", "audioComplete", &[]).await;
    assert_eq!(
        digits,
        doc(&format!(
            r#"<Play digits="1w29#" />{}"#,
            redirect("play_digits", "audioComplete")
        ))
    );
    let say = call.back("play_digits", "audioComplete", &[]).await;
    assert_eq!(
        say,
        doc(&format!(
            r#"<Say language="en-GB" loop="2" voice="alice">Thanks for calling +15005550001.</Say>{}"#,
            redirect("say_twice", "audioComplete")
        ))
    );
    let end = call.back("say_twice", "audioComplete", &[]).await;
    assert_eq!(end, HANGUP);
    let studio = call.studio().await;
    assert_eq!(
        studio["ended"]["reason"],
        "flow ended at `say_twice` (audioComplete)"
    );
    assert!(studio["ended"].get("errorCode").is_none(), "{studio}");
    assert_eq!(studio["steps"], 4);
    assert_eq!(
        call.log().await,
        pairs(&[
            ("dispatch", "match: If value equal_to play"),
            ("play_url", "audioComplete"),
            ("play_digits", "audioComplete"),
            ("say_twice", "audioComplete"),
        ])
    );
}

#[tokio::test]
async fn gather_hears_speech_keys_and_silence() {
    let line = line().await;
    let gather = doc(&format!(
        concat!(
            r#"<Gather action="{}" actionOnEmptyResult="true" finishOnKey="" hints="account, balance" "#,
            r#"input="dtmf speech" language="en-GB" method="POST" numDigits="4" profanityFilter="false" "#,
            r#"speechModel="phone_call" speechTimeout="3" timeout="7">"#,
            r#"<Say language="en-US" loop="2" voice="Polly.Matthew">Say or key your account number.</Say></Gather>"#
        ),
        action("ask", "gather")
    ));

    let (speech, first) = line.call(7111, "gather", &[]).await;
    assert_eq!(first, gather, "stop_gather false: finishOnKey is empty");
    let answer = speech
        .back(
            "ask",
            "gather",
            &[
                ("Digits", ""),
                ("SpeechResult", "Check My Balance"),
                ("Confidence", "0.92"),
            ],
        )
        .await;
    assert_eq!(
        answer,
        said(
            "said_speech",
            "You said check my balance with confidence 0.92."
        )
    );
    assert_eq!(
        speech.studio().await["widgets"]["ask"],
        json!({"Confidence": "0.92", "Digits": "", "SpeechResult": "Check My Balance"})
    );

    let (keys, _) = line.call(7112, "gather", &[]).await;
    let answer = keys.back("ask", "gather", &[("Digits", "1234")]).await;
    assert_eq!(answer, said("said_digits", "You keyed 1234."));

    let (silent, _) = line.call(7113, "gather", &[]).await;
    let answer = silent.back("ask", "gather", &[]).await;
    assert_eq!(answer, said("said_nothing", "We did not hear anything."));
    let log = silent.log().await;
    assert_eq!(log[1], ("ask".to_owned(), "timeout".to_owned()));
}

#[tokio::test]
async fn connect_call_to_dials_every_noun_and_tells_hangup_from_call_completed() {
    let line = line().await;
    let (call, first) = line.call(7121, "dial", &[]).await;
    assert_eq!(
        first,
        doc(&format!(
            concat!(
                r#"<Dial action="{}" callerId="+15005550001" method="POST" record="record-from-answer" timeLimit="600" timeout="15">"#,
                "<Number>+15005550010</Number><Number>+15005550011</Number><Number>+15005550012</Number></Dial>"
            ),
            action("dial_multi", "dial")
        ))
    );
    let client = call
        .back(
            "dial_multi",
            "dial",
            &[("DialCallStatus", "completed"), ("DialCallDuration", "31")],
        )
        .await;
    assert_eq!(
        client,
        doc(&format!(
            r#"<Dial action="{}" callerId="+15005550006" method="POST" timeout="20"><Client>agent_completed</Client></Dial>"#,
            action("dial_client", "dial")
        ))
    );
    let sip = call
        .back("dial_client", "dial", &[("DialCallStatus", "busy")])
        .await;
    assert_eq!(
        sip,
        doc(&format!(
            concat!(
                r#"<Dial action="{}" callerId="+15005550006" method="POST">"#,
                r#"<Sip password="p&lt;&amp;&gt;w" username="desk">sip:desk@acme.sip.twilio.com;transport=tls</Sip></Dial>"#
            ),
            action("dial_sip", "dial")
        ))
    );
    let conference = call
        .back("dial_sip", "dial", &[("DialCallStatus", "failed")])
        .await;
    assert_eq!(
        conference,
        doc(&format!(
            r#"<Dial action="{}" callerId="+15005550006" method="POST"><Conference>room-{}</Conference></Dial>"#,
            action("dial_conf", "dial"),
            call.sid
        ))
    );
    let sim = call
        .back("dial_conf", "dial", &[("DialCallStatus", "completed")])
        .await;
    assert_eq!(
        sim,
        doc(&format!(
            r#"<Dial action="{}" callerId="+15005550006" method="POST"><Sim>DE0123456789abcdef0123456789abcdef</Sim></Dial>"#,
            action("dial_sim", "dial")
        ))
    );
    let done = call
        .back("dial_sim", "dial", &[("DialCallStatus", "no-answer")])
        .await;
    assert_eq!(done, said("dial_done", "The call ended: no-answer."));
    let events: Vec<String> = call.log().await.into_iter().map(|(_, e)| e).collect();
    assert_eq!(events[1..6], ["callCompleted"; 5]);

    // The caller hangs up during the dial: the parent call's status is completed.
    let (gone, _) = line.call(7122, "dial", &[]).await;
    let end = gone
        .send(
            &cb("dial_multi", "dial"),
            &voice_params(
                &gone.sid,
                "completed",
                &[("DialCallStatus", "completed"), ("DialCallDuration", "12")],
            ),
        )
        .await;
    assert_eq!(end, HANGUP);
    let studio = gone.studio().await;
    assert_eq!(
        studio["ended"]["reason"],
        "flow ended at `dial_multi` (hangup)"
    );
    assert_eq!(
        studio["widgets"]["dial_multi"]["DialCallStatus"],
        "completed"
    );
}

#[tokio::test]
async fn record_voicemail_transcribes_and_reports_no_audio_and_hangup() {
    let line = line().await;
    let (call, first) = line.call(7131, "vm", &[]).await;
    assert_eq!(
        first,
        doc(&format!(
            concat!(
                r#"<Record action="{}" finishOnKey="*" maxLength="60" method="POST" playBeep="false" "#,
                r#"recordingStatusCallback="https://hooks.acme.test/recordings" timeout="3" transcribe="true" "#,
                r#"transcribeCallback="{}/transcripts?call={}" trim="do-not-trim" />{}"#
            ),
            action("vm", "record"),
            line.standin.base,
            call.sid,
            redirect("vm", "noAudio")
        ))
    );
    let got = call
        .back(
            "vm",
            "record",
            &[
                ("RecordingUrl", "https://api.twilio.com/rec/RE1"),
                ("RecordingDuration", "12"),
                ("Digits", "*"),
            ],
        )
        .await;
    assert_eq!(got, said("vm_got", "Got 12 seconds."));

    let (empty, _) = line.call(7132, "vm", &[]).await;
    let none = empty.back("vm", "noAudio", &[]).await;
    assert_eq!(none, said("vm_none", "We got no message."));
    assert_eq!(
        empty.log().await[1],
        ("vm".to_owned(), "noAudio".to_owned())
    );

    let (hung, _) = line.call(7133, "vm", &[]).await;
    let end = hung
        .back(
            "vm",
            "record",
            &[
                ("RecordingUrl", "https://api.twilio.com/rec/RE2"),
                ("RecordingDuration", "4"),
                ("Digits", "hangup"),
            ],
        )
        .await;
    assert_eq!(end, HANGUP);
    assert_eq!(
        hung.studio().await["ended"]["reason"],
        "flow ended at `vm` (hangup)"
    );
}

#[tokio::test]
async fn enqueue_call_by_name_and_by_workflow_maps_every_queue_result() {
    let line = line().await;
    let by_name = doc(&format!(
        r#"<Enqueue action="{}" method="POST" waitUrl="https://hold.acme.test/music" waitUrlMethod="GET">support-es</Enqueue>"#,
        action("queue", "enqueue")
    ));
    let (full, first) = line.call(7141, "queue", &[("Lang", "es")]).await;
    assert_eq!(first, by_name);
    let answer = full
        .back("queue", "enqueue", &[("QueueResult", "queue-full")])
        .await;
    assert_eq!(answer, said("queue_full", "The queue is full."));

    let (failed, _) = line.call(7142, "queue", &[("Lang", "es")]).await;
    let answer = failed
        .back("queue", "enqueue", &[("QueueResult", "system-error")])
        .await;
    assert_eq!(answer, said("queue_failed", "The queue failed."));

    let (served, _) = line
        .call(7143, "queue", &[("Lang", "es"), ("Priority", "7")])
        .await;
    let workflow = served
        .back(
            "queue",
            "enqueue",
            &[("QueueResult", "bridged"), ("QueueTime", "20")],
        )
        .await;
    assert_eq!(
        workflow,
        doc(&format!(
            concat!(
                r#"<Enqueue action="{}" method="POST" waitUrl="{}/hold" waitUrlMethod="POST" "#,
                r#"workflowSid="WW0123456789abcdef0123456789abcdef"><Task priority="7" timeout="120">"#,
                r#"{{"type": "support", "from": "+15005550006", "queued": "bridged"}}</Task></Enqueue>"#
            ),
            action("queue_wf", "enqueue"),
            line.standin.base
        ))
    );
    let done = served
        .back(
            "queue_wf",
            "enqueue",
            &[("QueueResult", "hangup"), ("QueueTime", "33")],
        )
        .await;
    assert_eq!(
        done,
        said("queue_done", "Queue result hangup after 33 seconds.")
    );
    let events: Vec<String> = served.log().await.into_iter().map(|(_, e)| e).collect();
    assert_eq!(events[1..], ["callComplete", "callComplete"]);
}

#[tokio::test]
async fn send_to_flex_enqueues_a_task_with_its_camel_case_properties() {
    let line = line().await;
    let (call, first) = line.call(7151, "flex", &[]).await;
    assert_eq!(
        first,
        doc(&format!(
            concat!(
                r#"<Enqueue action="{}" method="POST" waitUrl="https://hold.acme.test/flex" waitUrlMethod="GET" "#,
                r#"workflowSid="WW00000000000000000000000000000001"><Task priority="10" timeout="3600">"#,
                r#"{{"name": "+15005550006", "channelType": "voice"}}</Task></Enqueue>"#
            ),
            action("flex", "enqueue")
        ))
    );
    let done = call
        .back("flex", "enqueue", &[("QueueResult", "hangup")])
        .await;
    assert_eq!(done, said("flex_done", "Flex is done."));

    let (full, _) = line.call(7152, "flex", &[]).await;
    let answer = full
        .back("flex", "enqueue", &[("QueueResult", "queue-full")])
        .await;
    assert_eq!(answer, said("queue_full", "The queue is full."));
}

#[tokio::test]
async fn a_twiml_redirect_returns_with_its_query_as_widget_outputs() {
    let line = line().await;
    let (call, first) = line.call(7161, "redirect", &[]).await;
    assert_eq!(
        first,
        doc(&format!(
            r#"<Redirect method="GET">{}/survey?from=%2B15005550006</Redirect>"#,
            line.standin.base
        ))
    );
    // The external TwiML ends with a redirect back to the flow, data in the query.
    let back = call
        .send(
            "/store-call-state?FlowEvent=return&foo=bar&score=9",
            &call.params(&[]),
        )
        .await;
    assert_eq!(back, said("redir_back", "Foo is bar and score 9."));
    let studio = call.studio().await;
    assert_eq!(
        studio["widgets"]["redir"],
        json!({"foo": "bar", "score": "9"})
    );
    assert_eq!(
        call.log().await[1],
        ("redir".to_owned(), "return".to_owned())
    );
}

#[tokio::test]
async fn fork_stream_start_and_stop_prefix_the_next_widget() {
    let line = line().await;
    let (call, first) = line.call(7171, "stream", &[]).await;
    let sid = &call.sid;
    assert_eq!(
        first,
        doc(&format!(
            concat!(
                r#"<Start><Stream name="rec-{sid}" track="both_tracks" url="wss://stream.acme.test/audio">"#,
                r#"<Parameter name="caller" value="+15005550006" /><Parameter name="lang" value="en" /></Stream></Start>"#,
                "<Say>This call is streamed.</Say>{redirect}"
            ),
            sid = sid,
            redirect = redirect("streaming", "audioComplete")
        ))
    );
    let stop = call.back("streaming", "audioComplete", &[]).await;
    assert_eq!(
        stop,
        doc(&format!(
            r#"<Stop><Stream name="rec-{sid}" /></Stop><Say>Streaming stopped.</Say>{}"#,
            redirect("stream_bye", "audioComplete")
        ))
    );
    assert_eq!(
        call.log().await,
        pairs(&[
            ("dispatch", "match: If value equal_to stream"),
            ("stream_start", "next"),
            ("streaming", "audioComplete"),
            ("stream_stop", "next"),
        ])
    );
}

#[tokio::test]
async fn capture_payments_renders_pay_and_maps_every_result() {
    let line = line().await;
    let (first_call, first) = line
        .call(7181, "pay", &[("Amount", "12.50"), ("Ride", "42")])
        .await;
    assert_eq!(
        first,
        doc(&format!(
            concat!(
                r#"<Pay action="{}" chargeAmount="12.50" currency="eur" description="Taxi fare" language="en-GB" "#,
                r#"maxAttempts="3" method="POST" paymentConnector="Stripe_Connector" paymentMethod="CREDIT_CARD" "#,
                r#"postalCode="false" securityCode="true" timeout="7" tokenType="one-time" validCardTypes="visa master-card">"#,
                r#"<Parameter name="ride" value="R-42" /></Pay>"#
            ),
            action("pay", "pay")
        ))
    );
    let paid = first_call
        .back(
            "pay",
            "pay",
            &[("Result", "success"), ("PaymentConfirmationCode", "ch_123")],
        )
        .await;
    assert_eq!(paid, said("pay_ok", "Paid, confirmation ch_123."));
    let cases = [
        (
            "too-many-failed-attempts",
            "maxFailedAttempts",
            "pay_max",
            "Too many attempts.",
        ),
        (
            "payment-connector-error",
            "providerError",
            "pay_provider",
            "The payment provider failed.",
        ),
        (
            "caller-interrupted-with-star",
            "payInterrupted",
            "pay_interrupted",
            "Payment interrupted.",
        ),
        ("caller-hung-up", "hangup", "pay_hangup", "Caller hung up."),
        (
            "validation-error",
            "validationError",
            "pay_invalid",
            "Invalid payment.",
        ),
    ];
    for (n, (result, event, widget, text)) in (7182..).zip(cases) {
        let (call, _) = line.call(n, "pay", &[("Amount", "3")]).await;
        let answer = call.back("pay", "pay", &[("Result", result)]).await;
        assert_eq!(answer, said(widget, text), "{result}");
        assert_eq!(call.log().await[1], ("pay".to_owned(), event.to_owned()));
    }
}

#[tokio::test]
async fn connect_virtual_agent_returns_or_ends_on_hangup() {
    let line = line().await;
    let (call, first) = line.call(7191, "va", &[]).await;
    assert_eq!(
        first,
        doc(&format!(
            concat!(
                r#"<Connect action="{}" method="POST"><VirtualAgent connectorName="dialogflow_cx_1" language="en-US" "#,
                r#"sentimentAnalysis="true" statusCallback="{}/va-status" /></Connect>"#
            ),
            action("va", "va"),
            line.standin.base
        ))
    );
    let back = call
        .back("va", "va", &[("VirtualAgentStatus", "completed")])
        .await;
    assert_eq!(back, said("va_back", "The agent said completed."));

    let (gone, _) = line.call(7192, "va", &[]).await;
    let end = gone
        .send(
            &cb("va", "va"),
            &voice_params(&gone.sid, "completed", &[("VirtualAgentStatus", "ended")]),
        )
        .await;
    assert_eq!(end, HANGUP);
    assert_eq!(
        gone.studio().await["ended"]["reason"],
        "flow ended at `va` (hangup)"
    );
}

#[tokio::test]
async fn text_split_operators_follow_studios_documented_examples() {
    let line = line().await;
    let (call, first) = line.call(7201, "text_splits", &[]).await;
    // Every split ran in this webhook; the first of two true conditions won.
    assert_eq!(first, said("text_done", "Text splits done."));
    let expected = pairs(&[
        ("dispatch", "match: If value equal_to text_splits"),
        ("text_vars", "next"),
        // "YES" is not "Yeah"; not_equal_to "yes" is false (case-insensitive);
        // " yes " equals it once trimmed.
        ("s_equal", "match: If value equal_to  yes "),
        ("s_any", "match: If value matches_any_of yes,yeah,yup"),
        // "Yes." is one of "Yes, Yes.": the first does_not_match_any_of is false.
        ("s_none", "match: If value does_not_match_any_of no, nope"),
        ("s_blank", "match: If value is_blank "),
        ("s_not_blank", "match: If value is_not_blank "),
        // "6" regex [1-5] is false.
        ("s_regex", "match: If value regex [6-9]"),
        // "aab" contains "A"; it does contain "B".
        ("s_contains", "match: If value contains A"),
        ("s_not_contains", "match: If value does_not_contain z"),
        // " Hoot" starts with "hoo" and does start with "HO".
        ("s_starts", "match: If value starts_with hoo"),
        ("s_not_starts", "match: If value does_not_start_with oot"),
        // "ye" matches part of "Yes." only: regex must match the whole string.
        ("s_regex_word", "match: If value regex .*yes.*"),
        ("s_first", "match: first: contains es"),
    ]);
    assert_eq!(call.log().await, expected);
    // The next split matches nothing and its noMatch has no next: the execution ends.
    let end = call.back("text_done", "audioComplete", &[]).await;
    assert_eq!(end, HANGUP);
    let studio = call.studio().await;
    assert_eq!(
        studio["ended"]["reason"],
        "flow ended at `s_dead_end` (noMatch)"
    );
    assert!(studio["ended"].get("errorCode").is_none(), "{studio}");
    assert_eq!(
        call.log().await.last(),
        Some(&("s_dead_end".to_owned(), "noMatch".to_owned()))
    );
}

#[tokio::test]
async fn numeric_time_and_date_splits_compare_with_liquid_values() {
    let line = line().await;
    let (call, first) = line.call(7211, "number_splits", &[]).await;
    assert_eq!(first, said("number_done", "Number splits done."));
    assert_eq!(
        call.log().await,
        pairs(&[
            ("dispatch", "match: If value equal_to number_splits"),
            ("sites", "success"),
            ("number_vars", "next"),
            // count = sites.size minus 1 = 2: not below limit (2), below sites.size (3).
            ("s_less", "match: If value less_than sites.size"),
            // 900 is not greater than 1000.
            ("s_greater", "match: If value greater_than 899.5"),
            // 17:00 is not before 16:35, not after 17:00.
            ("s_time", "match: If value is_before_time 17:01"),
            ("s_after_time", "match: If value is_after_time 09:05"),
            // 2019-08-12 is after 2017-09-04, not after itself.
            ("s_date", "match: If value is_after_date 2017-09-04"),
            ("s_before_date", "match: If value is_before_date 2019-08-13"),
        ])
    );
    let studio = call.studio().await;
    assert_eq!(studio["variables"]["count"], json!(2), "a number");
    assert_eq!(studio["variables"]["big"], json!(900), "a number");
    assert_eq!(studio["variables"]["late"], json!("17:00"));
    let sent = line.standin.received();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].content_type, "application/json");
}

#[tokio::test]
async fn liquid_as_real_flows_use_it() {
    let line = line().await;
    let (call, first) = line.call(7221, "liquid", &[("Index", "1")]).await;
    assert_eq!(
        first,
        said(
            "read_site",
            "Site South of 3 for 5005550006, echo +15005550006."
        )
    );
    let sent = line.standin.received();
    assert_eq!(sent.len(), 3, "{sent:?}");
    // `{{trigger.call | to_json}}`: the call's first webhook, as JSON.
    let webhook: serde_json::Map<String, Value> =
        voice_params(&call.sid, "ringing", &[("Case", "liquid"), ("Index", "1")])
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
    assert_eq!(sent[0].method, "POST");
    assert_eq!(sent[0].uri, "/echo");
    assert_eq!(sent[0].content_type, "application/json");
    let body: Value = serde_json::from_str(&sent[0].body).expect("JSON body");
    assert_eq!(body, Value::Object(webhook.clone()));
    // `{{widgets.post_call.parsed | to_json}}`: the echo of it.
    let body: Value = serde_json::from_str(&sent[1].body).expect("JSON body");
    assert_eq!(body, json!({ "echo": Value::Object(webhook) }));
    let studio = call.studio().await;
    assert_eq!(studio["variables"]["i"], json!(1), "cast to a number");
    assert_eq!(studio["variables"]["tries"], json!(1));
    assert_eq!(studio["variables"]["label"], json!("site 1"));
}

#[tokio::test]
async fn a_loop_of_widgets_inside_one_webhook_stops_with_81001() {
    let line = line().await;
    let (call, first) = line.call(7231, "loop", &[]).await;
    assert_eq!(first, GOODBYE);
    let studio = call.studio().await;
    assert_eq!(studio["ended"]["errorCode"], 81001);
    assert_eq!(
        studio["ended"]["reason"],
        "widget `loop_inc` ran more than 10 times in a loop"
    );
    // Ten rounds ran; the eleventh run of loop_inc was refused.
    assert_eq!(studio["variables"]["n"], json!(10));
    assert_eq!(studio["steps"], 21);
    assert!(studio.get("waiting").is_none(), "{studio}");
    // Twilio asks again (or the caller's next callback comes): still the goodbye.
    let again = call.back("loop_check", "next", &[]).await;
    assert_eq!(again, GOODBYE);
    assert_eq!(call.studio().await["steps"], 21);
}

#[tokio::test]
async fn a_say_loop_over_many_webhooks_stops_at_1000_steps_with_81000() {
    let line = line().await;
    let (call, first) = line.call(7241, "steps", &[]).await;
    let tick = said("tick", "Tick.");
    assert_eq!(first, tick);
    let mut callbacks = 0;
    let last = loop {
        callbacks += 1;
        let answer = call.back("tick", "audioComplete", &[]).await;
        if answer != tick || callbacks > 600 {
            break answer;
        }
    };
    assert_eq!(last, GOODBYE);
    // dispatch + tick, then split + tick per callback: 2 + 2 × 499 = 1,000 steps; the
    // 500th callback would be the 1,001st.
    assert_eq!(callbacks, 500);
    let studio = call.studio().await;
    assert_eq!(studio["steps"], 1000);
    assert_eq!(studio["ended"]["errorCode"], 81000);
    assert_eq!(
        studio["ended"]["reason"],
        "the execution reached Studio's 1000 steps at `tick_split`"
    );
    assert_eq!(studio["log"].as_array().map(Vec::len), Some(24), "bounded");
}

#[tokio::test]
async fn a_template_that_fails_at_run_time_says_goodbye_with_81002() {
    let line = line().await;
    let (call, first) = line.call(7251, "bad_template", &[]).await;
    assert_eq!(first, GOODBYE);
    let studio = call.studio().await;
    assert_eq!(studio["ended"]["errorCode"], 81002);
    let reason = studio["ended"]["reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("widget `bad` cannot render"), "{reason}");
    let again = call.back("bad", "audioComplete", &[]).await;
    assert_eq!(again, GOODBYE);
}

#[tokio::test]
async fn a_completed_status_callback_ends_the_execution_mid_flow() {
    let line = line().await;
    let (call, _) = line.call(7261, "play", &[("Ext", "1")]).await;
    call.back("play_url", "audioComplete", &[]).await;
    let response = line
        .stack
        .store(
            "/store-call-state",
            &voice_params(&call.sid, "completed", &[("CallDuration", "9")]),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let studio = call.studio().await;
    assert_eq!(studio["ended"]["reason"], "call completed");
    assert!(studio.get("waiting").is_none(), "{studio}");
    let log = call.log().await;
    // A late callback from the widget the call was playing: nothing moves.
    let late = call.back("play_digits", "audioComplete", &[]).await;
    assert_eq!(late, HANGUP);
    let after = call.studio().await;
    assert_eq!(after["steps"], studio["steps"]);
    assert_eq!(call.log().await, log);
    assert_eq!(after["ended"]["reason"], "call completed");
    let state = line.stack.state_of(&call.sid).await;
    assert_eq!(state["status"], "completed");
    assert_eq!(state["duration"], 9);
}

#[tokio::test]
async fn callbacks_for_widgets_the_call_is_not_at_are_stale() {
    let line = line().await;
    let (call, gather) = line.call(7271, "gather", &[]).await;
    assert!(gather.contains("<Gather "), "{gather}");
    let before = call.studio().await;
    for path in [
        cb("said_digits", "audioComplete"),
        cb("nosuch", "gather"),
        "/store-call-state?widget=nosuch".to_owned(),
        cb("dispatch", "next"),
    ] {
        let response = line
            .stack
            .store(&path, &call.params(&[("Digits", "1234")]))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(body_text(&response), gather, "{path}");
    }
    let after = call.studio().await;
    assert_eq!(after["steps"], before["steps"]);
    assert_eq!(after["waiting"], "ask");
    assert_eq!(after["log"], before["log"]);
    // The right callback still moves the call on.
    let answer = call.back("ask", "gather", &[("Digits", "1234")]).await;
    assert_eq!(answer, said("said_digits", "You keyed 1234."));
}

#[tokio::test]
async fn a_dial_or_enqueue_with_nothing_to_reach_says_goodbye_instead_of_an_empty_verb() {
    let line = line().await;
    let (two, first) = line
        .call(
            7281,
            "dial_numbers",
            &[("Numbers", "+15005550010, ,+15005550011 ")],
        )
        .await;
    assert_eq!(
        first,
        doc(&format!(
            r#"<Dial action="{}" callerId="+15005550001" method="POST"><Number>+15005550010</Number><Number>+15005550011</Number></Dial>"#,
            action("dial_numbers", "dial")
        ))
    );
    assert_eq!(two.studio().await["waiting"], "dial_numbers");
    let (none, first) = line.call(7282, "dial_numbers", &[("Numbers", " , ")]).await;
    assert_eq!(first, GOODBYE);
    let studio = none.studio().await;
    assert_eq!(studio["ended"]["errorCode"], 81002);
    assert_eq!(
        studio["ended"]["reason"],
        "widget `dial_numbers` cannot render: connect-call-to rendered an empty `to`"
    );

    let (named, first) = line.call(7283, "queue_param", &[("Queue", " vip ")]).await;
    assert_eq!(
        first,
        doc(&format!(
            r#"<Enqueue action="{}" method="POST">vip</Enqueue>"#,
            action("queue_param", "enqueue")
        ))
    );
    assert_eq!(named.studio().await["waiting"], "queue_param");
    let (unnamed, first) = line.call(7284, "queue_param", &[("Queue", "")]).await;
    assert_eq!(first, GOODBYE);
    assert_eq!(
        unnamed.studio().await["ended"]["reason"],
        "widget `queue_param` cannot render: enqueue-call rendered an empty `queue_name`"
    );
}

#[tokio::test]
async fn a_redelivered_redirect_return_moves_nothing() {
    let line = line().await;
    let (call, _) = line.call(7291, "redirect", &[]).await;
    let back = "/store-call-state?FlowEvent=return&foo=bar&score=9";
    let first = call.send(back, &call.params(&[])).await;
    assert_eq!(first, said("redir_back", "Foo is bar and score 9."));
    // Twilio retries the same redirect: the call is at `redir_back`, which must be
    // answered again, not skipped as if its audio had completed.
    let again = call.send(back, &call.params(&[])).await;
    assert_eq!(again, first);
    assert_eq!(call.log().await.len(), 2);
    // Nor does a return reaching a gather count as the gather's timeout.
    let (gather, asked) = line.call(7292, "gather", &[]).await;
    let stray = gather
        .send("/store-call-state?FlowEvent=return", &gather.params(&[]))
        .await;
    assert_eq!(stray, asked);
}

#[tokio::test]
async fn an_unparsable_redirect_url_takes_the_fail_transition() {
    let line = line().await;
    let (call, first) = line
        .call(7293, "redirect_bad", &[("Target", "not a url")])
        .await;
    // Studio: "fail — URL is invalid and cannot be parsed".
    assert!(first.contains("The redirect failed."), "{first}");
    assert!(call.studio().await["ended"].is_null());
}
