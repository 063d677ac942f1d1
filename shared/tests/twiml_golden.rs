//! TwiML bytes against golden files printed by twilio-python 9.13.0
//! (`scripts/gen-twiml-golden.py`). Each case here builds the same document as the
//! Python function of the same name.

use std::path::PathBuf;

use callflow::twiml::{
    Client, Conference, Dial, Enqueue, Gather, Number, Pause, Play, Queue, Record, Redirect,
    Reject, Say, Sip, Ssml, VoiceResponse,
};

fn empty_response() -> VoiceResponse {
    VoiceResponse::new()
}

fn say_basic() -> VoiceResponse {
    VoiceResponse::new().say(Say::new("Hello world"))
}

fn say_attributes() -> VoiceResponse {
    VoiceResponse::new()
        .say(
            Say::new("Hola, bienvenido.")
                .voice("Polly.Conchita")
                .language("es-ES")
                .loop_count(2),
        )
        .say(Say::new("Forever").loop_count(0))
}

fn say_empty() -> VoiceResponse {
    VoiceResponse::new().say(Say::new("")).say(Say::new(""))
}

fn say_ssml() -> VoiceResponse {
    let say = Say::new("Your code is ")
        .voice("Polly.Joanna")
        .ssml(Ssml::say_as("1234").interpret_as("digits"))
        .ssml(Ssml::break_().time("500ms"))
        .text(" I repeat: ")
        .ssml(Ssml::emphasis("important").level("strong"))
        .ssml(
            Ssml::prosody("slowly")
                .rate("slow")
                .pitch("low")
                .volume("soft"),
        )
        .ssml(Ssml::phoneme("tomato").alphabet("ipa").ph("təˈmeɪtoʊ"))
        .ssml(Ssml::sub("W3C").alias("World Wide Web Consortium"))
        .ssml(Ssml::w("read").role("amazon:VBD"))
        .ssml(Ssml::lang("Bonjour").xml_lang("fr-FR"))
        .ssml(Ssml::p("A paragraph."))
        .ssml(Ssml::s("A sentence."))
        .ssml(Ssml::break_().strength("x-strong"));
    VoiceResponse::new().say(say)
}

fn play_url_and_loop() -> VoiceResponse {
    VoiceResponse::new()
        .play(Play::new("https://api.twilio.com/cowbell.mp3"))
        .play(Play::new("https://example.com/hold.mp3?x=1&y=2").loop_count(0))
}

fn play_digits_only() -> VoiceResponse {
    VoiceResponse::new()
        .play(Play::new("").digits("ww1234#"))
        .play(Play::new(""))
}

fn pause_lengths() -> VoiceResponse {
    VoiceResponse::new()
        .pause(Pause::new())
        .pause(Pause::new().length(3))
}

fn gather_typical() -> VoiceResponse {
    VoiceResponse::new()
        .gather(
            Gather::new()
                .input("dtmf speech")
                .action("/voice/menu")
                .method("POST")
                .num_digits(1)
                .timeout(5)
                .speech_timeout("auto")
                .language("en-US")
                .hints("sales, support, billing")
                .say(Say::new("Press 1 or say sales. Press 2 or say support.").voice("alice")),
        )
        .say(Say::new("We didn't receive any input. Goodbye!"))
        .hangup()
}

fn gather_all_attributes() -> VoiceResponse {
    VoiceResponse::new().gather(
        Gather::new()
            .input("speech")
            .action("https://example.com/gather?step=1&retry=0")
            .method("GET")
            .timeout(10)
            .speech_timeout("3")
            .max_speech_time(45)
            .profanity_filter(true)
            .finish_on_key("")
            .num_digits(4)
            .partial_result_callback("/partial")
            .partial_result_callback_method("POST")
            .language("en-GB")
            .hints("yes,no")
            .barge_in(false)
            .debug(false)
            .action_on_empty_result(true)
            .speech_model("phone_call")
            .enhanced(true)
            .say(Say::new("Say something."))
            .play(Play::new("https://example.com/beep.wav").loop_count(1))
            .pause(Pause::new().length(2)),
    )
}

fn gather_empty() -> VoiceResponse {
    VoiceResponse::new().gather(Gather::new())
}

fn redirect_with_method() -> VoiceResponse {
    VoiceResponse::new()
        .redirect(Redirect::new("/voice/next?step=2&x=1"))
        .redirect(Redirect::new("https://example.com/voice").method("GET"))
}

fn dial_plain_number() -> VoiceResponse {
    VoiceResponse::new().dial(
        Dial::to_number("+15551234567")
            .action("/voice/after-dial")
            .method("POST")
            .timeout(20)
            .caller_id("+15550001111")
            .record("record-from-answer")
            .hangup_on_star(true)
            .time_limit(600)
            .answer_on_bridge(true)
            .ring_tone("us")
            .trim("trim-silence")
            .recording_status_callback("/rec")
            .recording_status_callback_method("POST")
            .recording_status_callback_event("in-progress completed")
            .recording_track("both")
            .sequential(false),
    )
}

fn dial_nouns() -> VoiceResponse {
    VoiceResponse::new().dial(
        Dial::new()
            .caller_id("+15550001111")
            .timeout(30)
            .number(
                Number::new("+15552223333")
                    .send_digits("ww1928")
                    .url("/whisper")
                    .method("GET")
                    .status_callback("/status")
                    .status_callback_event("initiated ringing answered completed")
                    .status_callback_method("POST"),
            )
            .client(
                Client::new("agent_alice")
                    .url("/client-whisper")
                    .status_callback("/client-status"),
            )
            .sip(
                Sip::new("sip:bob@example.com;transport=tls")
                    .username("bob")
                    .password("s3cr&t"),
            ),
    )
}

fn dial_conference() -> VoiceResponse {
    VoiceResponse::new().dial(
        Dial::new().conference(
            Conference::new("Room 1234")
                .muted(false)
                .beep("onEnter")
                .start_conference_on_enter(true)
                .end_conference_on_exit(false)
                .wait_url("/hold-music")
                .wait_method("GET")
                .max_participants(10)
                .record("record-from-start")
                .region("ie1")
                .status_callback("/conf")
                .status_callback_event("start end join leave")
                .participant_label("customer"),
        ),
    )
}

fn dial_queue() -> VoiceResponse {
    VoiceResponse::new().dial(
        Dial::new().queue(
            Queue::new("support")
                .url("/about-to-connect")
                .method("POST")
                .reservation_sid("WR123")
                .post_work_activity_sid("WA456"),
        ),
    )
}

fn hangup_only() -> VoiceResponse {
    VoiceResponse::new().hangup()
}

fn reject_reasons() -> VoiceResponse {
    VoiceResponse::new()
        .reject(Reject::new())
        .reject(Reject::new().reason("busy"))
}

fn record_all_attributes() -> VoiceResponse {
    VoiceResponse::new()
        .say(Say::new("Leave a message after the beep."))
        .record(
            Record::new()
                .action("/voice/recorded")
                .method("POST")
                .timeout(5)
                .finish_on_key("#")
                .max_length(120)
                .play_beep(true)
                .trim("do-not-trim")
                .recording_status_callback("/rec-status")
                .recording_status_callback_method("GET")
                .recording_status_callback_event("completed")
                .transcribe(false)
                .transcribe_callback("/transcribed"),
        )
        .record(Record::new())
}

fn enqueue_and_task() -> VoiceResponse {
    VoiceResponse::new()
        .enqueue(
            Enqueue::new("support")
                .action("/left-queue")
                .method("POST")
                .wait_url("/wait")
                .wait_url_method("GET")
                .max_queue_size(50),
        )
        .enqueue(
            Enqueue::new("")
                .workflow_sid("WW0123456789abcdef0123456789abcdef")
                .task(r#"{"selected_language":"es","account":"A&B"}"#),
        )
}

fn leave_only() -> VoiceResponse {
    VoiceResponse::new().leave()
}

fn escaped_text_and_attributes() -> VoiceResponse {
    VoiceResponse::new()
        .say(
            Say::new("Tom & Jerry <3 \"quotes\" and 'apostrophes' > all\nnew line\ttab")
                .voice("a\"b'c<d>e&f\ng\th\ri"),
        )
        .redirect(Redirect::new("/next?a=1&b=<2>"))
        .say(Say::new("Grüße, 日本語, emoji 😀").language("de-DE"))
}

fn generic_attribute() -> VoiceResponse {
    VoiceResponse::new().say(
        Say::new("Custom")
            .attr("fooBar", "1")
            .attr("zeta", "z")
            .attr("alpha", "a"),
    )
}

fn ivr_flow() -> VoiceResponse {
    VoiceResponse::new()
        .say(
            Say::new("Thanks for calling Example Corp.")
                .voice("Polly.Joanna")
                .language("en-US"),
        )
        .pause(Pause::new().length(1))
        .gather(
            Gather::new()
                .input("dtmf")
                .num_digits(1)
                .action("/voice/menu?attempt=1")
                .timeout(7)
                .action_on_empty_result(true)
                .say(Say::new("For sales press 1. For support press 2."))
                .pause(Pause::new().length(1))
                .play(Play::new("https://example.com/menu.mp3")),
        )
        .redirect(Redirect::new("/voice/incoming?attempt=2").method("POST"))
}

type Case = (&'static str, fn() -> VoiceResponse);

const CASES: &[Case] = &[
    ("empty_response", empty_response),
    ("say_basic", say_basic),
    ("say_attributes", say_attributes),
    ("say_empty", say_empty),
    ("say_ssml", say_ssml),
    ("play_url_and_loop", play_url_and_loop),
    ("play_digits_only", play_digits_only),
    ("pause_lengths", pause_lengths),
    ("gather_typical", gather_typical),
    ("gather_all_attributes", gather_all_attributes),
    ("gather_empty", gather_empty),
    ("redirect_with_method", redirect_with_method),
    ("dial_plain_number", dial_plain_number),
    ("dial_nouns", dial_nouns),
    ("dial_conference", dial_conference),
    ("dial_queue", dial_queue),
    ("hangup_only", hangup_only),
    ("reject_reasons", reject_reasons),
    ("record_all_attributes", record_all_attributes),
    ("enqueue_and_task", enqueue_and_task),
    ("leave_only", leave_only),
    ("escaped_text_and_attributes", escaped_text_and_attributes),
    ("generic_attribute", generic_attribute),
    ("ivr_flow", ivr_flow),
];

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

#[test]
fn every_case_matches_twilio_python_byte_for_byte() {
    let mut mismatches = Vec::new();
    for (name, build) in CASES {
        let path = golden_dir().join(format!("{name}.xml"));
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{}: {e} (run scripts/gen-twiml-golden.py)", path.display())
        });
        let actual = build().to_xml();
        if actual != expected {
            mismatches.push(format!("{name}:\n  python: {expected}\n  rust:   {actual}"));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn every_golden_file_has_a_rust_twin() {
    let mut files: Vec<String> = std::fs::read_dir(golden_dir())
        .expect("golden dir exists")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".xml").map(str::to_owned)
        })
        .collect();
    files.sort();
    let mut cases: Vec<String> = CASES.iter().map(|(n, _)| n.to_string()).collect();
    cases.sort();
    assert_eq!(files, cases);
}

#[test]
fn display_and_declaration_free_forms_agree_with_to_xml() {
    let doc = ivr_flow();
    let full = doc.to_xml();
    assert_eq!(doc.to_string(), full);
    let bare = doc.to_xml_without_declaration();
    assert_eq!(
        full.strip_prefix(r#"<?xml version="1.0" encoding="UTF-8"?>"#),
        Some(bare.as_str())
    );
    assert!(bare.starts_with("<Response>"));
}
