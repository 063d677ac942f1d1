//! TwiML bytes against golden files printed by twilio-python 9.13.0
//! (`scripts/gen-twiml-golden.py`). Each case here builds the same document as the
//! Python function of the same name.

use std::path::PathBuf;

use callflow::twiml::{
    AiSession, Application, ApplicationSid, Autopilot, Client, Conference, Config, Connect,
    Conversation, ConversationRelay, ConversationRelaySession, Dial, Element, Enqueue, Gather,
    Hangup, Header, Headers, Identity, Language, Number, Parameter, Pause, Pay, Play, Prompt,
    Queue, Record, Recording, Redirect, Refer, ReferSip, Reject, Room, Say, Sim, Sip, SipUri,
    Siprec, Sms, Ssml, Start, Stop, Stream, Task, Transcription, VirtualAgent, VoiceResponse,
    WhatsApp,
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
        .ssml(Ssml::say_as("20261202").interpret_as("date").format("ymd"))
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

// --- The rest of the voice vocabulary. ---

fn connect_stream() -> VoiceResponse {
    VoiceResponse::new()
        .connect(
            Connect::new()
                .action("/voice/after-stream")
                .method("POST")
                .stream(
                    Stream::new()
                        .name("agent audio")
                        .connector_name("conn-1")
                        .url("wss://media.example.com/s?a=1&b=2")
                        .track("both_tracks")
                        .status_callback("/stream-status")
                        .status_callback_method("GET")
                        .audio_format("audio/x-mulaw")
                        .sample_rate(8000)
                        .parameter(Parameter::new("caller", "+15550001111"))
                        .parameter(Parameter::new("note", r#"say "hi" & <wave>"#)),
                ),
        )
        .connect(Connect::new())
}

fn connect_conversation_relay() -> VoiceResponse {
    let relay = ConversationRelay::new()
        .url("wss://agent.example.com/relay")
        .language("en-US")
        .tts_language("en-GB")
        .transcription_language("en-AU")
        .tts_provider("ElevenLabs")
        .voice("UgBBYS2sOqTuMpoF3BR0")
        .transcription_provider("Deepgram")
        .speech_model("nova-3-general")
        .profanity_filter(false)
        .dtmf_detection(true)
        .welcome_greeting("Hi! I'm the Acme assistant. How can I help?")
        .partial_prompts(true)
        .welcome_greeting_interruptible("any")
        .interruptible("speech")
        .preemptible(true)
        .hints("Acme, invoice, outage")
        .intelligence_service("GAxxxx")
        .report_input_during_agent_speech("none")
        .elevenlabs_text_normalization("on")
        .interrupt_sensitivity("high")
        .debug("debugging speaker-events tokens-played")
        .background_noise_reduction(true)
        .speech_timeout(800)
        .deepgram_smart_format(false)
        .ignore_backchannel(true)
        .events("turn-state")
        .partial_prompt_on_hangup(true)
        .eager_eot_threshold("0.5")
        .asr_smart_format(true)
        .tts_text_normalization("auto")
        .tts_language_text_normalization(false)
        .elevenlabs_language_text_normalization(true)
        .include_in_prompt("turn-state prompt-segments")
        .customer_name("Ada Lovelace")
        .application_reconnect(true)
        .echo_prompt_filtering(false)
        .turn_detection(true)
        .language_settings(
            Language::new("fr-FR")
                .tts_provider("Google")
                .voice("fr-FR-Neural2-A")
                .transcription_provider("Google")
                .speech_model("telephony")
                .hints("facture, panne")
                .asr_smart_format(false)
                .tts_text_normalization("off")
                .tts_language_text_normalization(true),
        )
        .language_settings(Language::new("de-DE"))
        .parameter(Parameter::new("customerTier", "gold"));
    VoiceResponse::new().connect(
        Connect::new()
            .action("/voice/after-agent")
            .conversation_relay(relay),
    )
}

fn connect_virtual_agent() -> VoiceResponse {
    VoiceResponse::new().connect(
        Connect::new().virtual_agent(
            VirtualAgent::new()
                .connector_name("project-1")
                .language("en-US")
                .sentiment_analysis(true)
                .status_callback("/va-status")
                .status_callback_method("POST")
                .config(Config::new("language", "en-US"))
                .config(Config::new("voiceName", "en-US-Wavenet-C"))
                .parameter(Parameter::new("customer_name", "Burton Guster")),
        ),
    )
}

fn connect_conversation() -> VoiceResponse {
    VoiceResponse::new().connect(
        Connect::new().conversation(
            Conversation::new()
                .service_instance_sid("IS0123")
                .inbound_autocreation(true)
                .routing_assignment_timeout(30)
                .inbound_timeout(60)
                .url("/conv-twiml")
                .method("GET")
                .record("record-from-answer")
                .trim("trim-silence")
                .recording_status_callback("/conv-rec")
                .recording_status_callback_method("POST")
                .recording_status_callback_event("in-progress completed absent")
                .status_callback("/conv-status")
                .status_callback_method("POST")
                .status_callback_event("call-initiated call-ringing call-answered call-completed"),
        ),
    )
}

fn connect_room_autopilot_and_sessions() -> VoiceResponse {
    VoiceResponse::new().connect(
        Connect::new()
            .room(Room::new("DailyStandup").participant_identity("alice"))
            .autopilot(Autopilot::new("UAxxxx"))
            .ai_session(
                AiSession::new()
                    .ai_connector("my-connector")
                    .ai_session_configuration("cfg-1"),
            )
            .conversation_relay_session(
                ConversationRelaySession::new()
                    .connector("relay-connector")
                    .session_configuration("session-cfg"),
            ),
    )
}

fn start_media() -> VoiceResponse {
    VoiceResponse::new()
        .start(
            Start::new()
                .action("/voice/started")
                .method("GET")
                .stream(
                    Stream::new()
                        .name("monitor")
                        .connector_name("c2")
                        .url("wss://media.example.com/in")
                        .track("inbound_track")
                        .status_callback("/s")
                        .status_callback_method("POST")
                        .audio_format("audio/L16")
                        .sample_rate(16000)
                        .parameter(Parameter::new("agent", "ada")),
                )
                .siprec(
                    Siprec::new()
                        .name("rec")
                        .connector_name("SIPREC1")
                        .track("both_tracks")
                        .status_callback("/siprec")
                        .status_callback_method("GET")
                        .parameter(Parameter::new("key", "value")),
                )
                .recording(
                    Recording::new()
                        .recording_status_callback("/rec")
                        .recording_status_callback_method("POST")
                        .recording_status_callback_event("in-progress completed absent")
                        .trim("do-not-trim")
                        .track("both")
                        .channels("dual")
                        .recording_configuration_id("RCxxxx"),
                ),
        )
        .say(Say::new("This call is monitored."))
}

fn start_transcription() -> VoiceResponse {
    VoiceResponse::new().start(
        Start::new().transcription(
            Transcription::new()
                .name("live")
                .track("both_tracks")
                .status_callback_url("/transcripts?x=1&y=2")
                .status_callback_method("POST")
                .inbound_track_label("customer")
                .outbound_track_label("agent")
                .partial_results(true)
                .language_code("en-US")
                .transcription_engine("google")
                .profanity_filter(true)
                .speech_model("telephony")
                .hints("Acme, invoice")
                .enable_automatic_punctuation(false)
                .intelligence_service("GAyyyy")
                .config(Config::new("model", "latest"))
                .parameter(Parameter::new("topic", "billing")),
        ),
    )
}

fn stop_media() -> VoiceResponse {
    VoiceResponse::new()
        .stop(
            Stop::new()
                .stream(Stream::new().name("monitor"))
                .siprec(Siprec::new().name("rec"))
                .transcription(Transcription::new().name("live")),
        )
        .stop(Stop::new())
}

fn pay_all_attributes() -> VoiceResponse {
    let pay = Pay::new()
        .input("dtmf")
        .action("/paid")
        .bank_account_type("consumer-savings")
        .status_callback("/pay-status")
        .status_callback_method("POST")
        .timeout(10)
        .max_attempts(3)
        .security_code(true)
        .postal_code("94103")
        .min_postal_code_length(5)
        .payment_connector("Stripe_Connector")
        .payment_method("credit-card")
        .token_type("reusable")
        .charge_amount("10.50")
        .currency("usd")
        .description("Order #42 & co")
        .valid_card_types("visa mastercard amex")
        .language("en-GB")
        .prompt(
            Prompt::new()
                .for_("payment-card-number")
                .error_type("invalid-card-number invalid-card-type")
                .card_type("visa amex")
                .attempt("1 2")
                .require_matching_inputs(false)
                .say(Say::new("Please enter your card number."))
                .play(
                    Play::new("https://example.com/card.mp3")
                        .loop_count(2)
                        .digits("1"),
                )
                .pause(Pause::new().length(1)),
        )
        .prompt(Prompt::new().for_("expiration-date"))
        .parameter(Parameter::new("order", "42"));
    VoiceResponse::new().pay(pay).pay(Pay::new())
}

fn root_prompt_and_queue() -> VoiceResponse {
    VoiceResponse::new()
        .prompt(
            Prompt::new()
                .for_("security-code")
                .attempt("1")
                .require_matching_inputs(true),
        )
        .queue(Queue::new("support").url("/about").method("GET"))
}

fn refer_sip() -> VoiceResponse {
    VoiceResponse::new()
        .refer(
            Refer::new()
                .action("/refer-done")
                .method("GET")
                .sip(ReferSip::new(
                    "sip:alice@example.com?X-Custom=1&User-to-User=abc",
                )),
        )
        .refer(Refer::new())
}

fn echo_and_sms() -> VoiceResponse {
    VoiceResponse::new().echo().sms(
        Sms::new("Your code: 1234 & thanks")
            .to("+15551110000")
            .from("+15552220000")
            .action("/sms-done")
            .method("POST")
            .status_callback("/sms-status"),
    )
}

fn hangup_and_reject_parameters() -> VoiceResponse {
    VoiceResponse::new()
        .reject(
            Reject::new()
                .reason("rejected")
                .parameter(Parameter::new("why", "spam")),
        )
        .push(Hangup::new().parameter(Parameter::new("reason", "done")))
}

fn dial_newer_attributes() -> VoiceResponse {
    VoiceResponse::new().dial(
        Dial::to_number("+15551234567")
            .refer_url("/refer")
            .refer_method("GET")
            .events("call-progress-events")
            .passports("eyJhbGciOi")
            .recording_configuration_id("RCzzzz"),
    )
}

fn dial_number_machine_detection() -> VoiceResponse {
    VoiceResponse::new().dial(
        Dial::new().number(
            Number::new("+15552223333")
                .byoc("BY0123")
                .machine_detection("DetectMessageEnd")
                .amd_status_callback("/amd")
                .amd_status_callback_method("GET")
                .machine_detection_timeout(30)
                .machine_detection_speech_threshold(2400)
                .machine_detection_speech_end_threshold(1200)
                .machine_detection_silence_timeout(5000),
        ),
    )
}

fn dial_sip_uris_and_headers() -> VoiceResponse {
    let sip = Sip::new("")
        .username("u")
        .password("p")
        .url("/sip-whisper")
        .method("POST")
        .status_callback_event("initiated completed")
        .status_callback("/sip-status")
        .status_callback_method("GET")
        .machine_detection("Enable")
        .amd_status_callback("/amd")
        .amd_status_callback_method("POST")
        .machine_detection_timeout(20)
        .machine_detection_speech_threshold(2000)
        .machine_detection_speech_end_threshold(1000)
        .machine_detection_silence_timeout(4000)
        .uri(
            SipUri::new("sip:a@example.com")
                .priority(1)
                .weight(10)
                .username("ua")
                .password("pa"),
        )
        .uri(SipUri::new("sip:b@example.com").priority(2))
        .headers(
            Headers::new()
                .header(Header::new("X-Account", "42"))
                .header(Header::new("X-Note", "a&b")),
        );
    VoiceResponse::new().dial(Dial::new().sip(sip))
}

fn dial_client_identity_and_parameters() -> VoiceResponse {
    VoiceResponse::new().dial(
        Dial::new().client(
            Client::new("")
                .url("/client-twiml")
                .method("GET")
                .status_callback_event("answered completed")
                .status_callback("/client-status")
                .status_callback_method("POST")
                .identity(Identity::new("alice"))
                .parameter(Parameter::new("FirstName", "Alice"))
                .parameter(Parameter::new("LastName", "Smith")),
        ),
    )
}

fn dial_application() -> VoiceResponse {
    VoiceResponse::new().dial(
        Dial::new()
            .application(
                Application::new("")
                    .url("/app-twiml")
                    .method("POST")
                    .status_callback_event("ringing answered")
                    .status_callback("/app-status")
                    .status_callback_method("GET")
                    .customer_id("customer-7")
                    .copy_parent_to(true)
                    .application_sid(ApplicationSid::new("AP0123456789abcdef0123456789abcdef"))
                    .parameter(Parameter::new("ticket", "T-1")),
            )
            .application(Application::new("APfedcba9876543210fedcba9876543210")),
    )
}

fn dial_sim_and_whatsapp() -> VoiceResponse {
    VoiceResponse::new().dial(
        Dial::new()
            .sim(Sim::new("DE0123456789abcdef0123456789abcdef"))
            .whats_app(
                WhatsApp::new("+15553334444")
                    .url("/wa")
                    .method("GET")
                    .status_callback_event("initiated")
                    .status_callback("/wa-status")
                    .status_callback_method("POST"),
            ),
    )
}

fn dial_conference_everything() -> VoiceResponse {
    VoiceResponse::new().dial(
        Dial::new().conference(
            Conference::new("Room & Board")
                .coach("CA0123")
                .trim("do-not-trim")
                .recording_configuration_id("RCconf")
                .status_callback_method("GET")
                .recording_status_callback("/conf-rec")
                .recording_status_callback_method("POST")
                .recording_status_callback_event("in-progress completed")
                .event_callback_url("/conf-events")
                .jitter_buffer_size("small"),
        ),
    )
}

fn record_configuration_and_enqueue_task_attributes() -> VoiceResponse {
    VoiceResponse::new()
        .record(Record::new().recording_configuration_id("RCrec"))
        .enqueue(
            Enqueue::new("support").task(Task::new(r#"{"lang":"fr"}"#).priority(5).timeout(120)),
        )
}

/// Each SSML container with each SSML child twilio-python gives it a method for
/// (the same table as `SSML_CHILDREN` in the Python script).
const SSML_CHILDREN: &[(&str, &[&str])] = &[
    (
        "emphasis",
        &[
            "break", "emphasis", "lang", "phoneme", "prosody", "say_as", "sub", "w",
        ],
    ),
    (
        "lang",
        &[
            "break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say_as", "sub", "w",
        ],
    ),
    (
        "p",
        &[
            "break", "emphasis", "lang", "phoneme", "prosody", "s", "say_as", "sub", "w",
        ],
    ),
    (
        "prosody",
        &[
            "break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say_as", "sub", "w",
        ],
    ),
    (
        "s",
        &[
            "break", "emphasis", "lang", "phoneme", "prosody", "say_as", "sub", "w",
        ],
    ),
    (
        "w",
        &["break", "emphasis", "phoneme", "prosody", "say_as", "sub"],
    ),
];

fn ssml(kind: &str, words: &str) -> Ssml {
    match kind {
        "break" => Ssml::break_().time("1s"),
        "emphasis" => Ssml::emphasis(words),
        "lang" => Ssml::lang(words),
        "p" => Ssml::p(words),
        "phoneme" => Ssml::phoneme(words),
        "prosody" => Ssml::prosody(words),
        "s" => Ssml::s(words),
        "say_as" => Ssml::say_as(words),
        "sub" => Ssml::sub(words),
        "w" => Ssml::w(words),
        other => panic!("no SSML kind {other}"),
    }
}

fn ssml_every_nesting() -> VoiceResponse {
    let mut say = Say::new("Start. ");
    for (parent, children) in SSML_CHILDREN {
        let mut container = ssml(parent, &format!("{parent}: "));
        for child in *children {
            container = container.child(ssml(child, child));
        }
        say = say.ssml(container);
    }
    VoiceResponse::new().say(say)
}

fn gather_in_pay_prompt_escaping() -> VoiceResponse {
    VoiceResponse::new().pay(
        Pay::new()
            .charge_amount("0")
            .description("tab\there\nnew line 'q' \"dq\"")
            .prompt(
                Prompt::new()
                    .for_("payment-card-number")
                    .say(Say::new("Ümlaut & <card> 💳")),
            ),
    )
}

// --- The open element API, against twilio-python's add_child / nest / kwargs. ---

fn open_add_child() -> VoiceResponse {
    let future = Element::with_text("FutureVerb", "text & <more>")
        .kwarg("some_attr", "1")
        .kwarg("xml_lang", "en-GB")
        .kwarg("from_", "+1555")
        .kwarg("for_", "x")
        .kwarg("interpret_as", "digits")
        .kwarg("flag", true)
        .kwarg("off", false)
        .kwarg("count", 3)
        .kwarg("empty", "")
        .kwarg("camelAlready", "c")
        .kwarg("status_callback_URL", "u")
        .child(Element::new("Inner").attr("tip", "a\"b'c\td\ne"))
        .child(Element::new("EmptyChild"));
    VoiceResponse::new()
        .child(future)
        .dial(Dial::to_number("+15550009999").child(Element::with_text("Extension", "123")))
        .say(
            Say::new("Hello ")
                .child(
                    Element::with_text("amazon:effect", "whispered words")
                        .kwarg("vocal_tract_length", "+15%"),
                )
                .text(" after"),
        )
        .child(Element::new("Bare"))
}

fn open_children_in_typed_elements() -> VoiceResponse {
    VoiceResponse::new()
        .connect(
            Connect::new().conversation_relay(
                ConversationRelay::new().url("wss://x.example.com").child(
                    Element::with_text("Tool", "lookup")
                        .attr("endpoint", "/tool")
                        .kwarg("sample_rate_hz", 16),
                ),
            ),
        )
        .gather(
            Gather::new()
                .input("speech")
                .child(Element::with_text("Prompt", "custom"))
                .say(Say::new("Speak.")),
        )
        .push(Hangup::new().kwarg("reason_code", 42))
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
    ("connect_stream", connect_stream),
    ("connect_conversation_relay", connect_conversation_relay),
    ("connect_virtual_agent", connect_virtual_agent),
    ("connect_conversation", connect_conversation),
    (
        "connect_room_autopilot_and_sessions",
        connect_room_autopilot_and_sessions,
    ),
    ("start_media", start_media),
    ("start_transcription", start_transcription),
    ("stop_media", stop_media),
    ("pay_all_attributes", pay_all_attributes),
    ("root_prompt_and_queue", root_prompt_and_queue),
    ("refer_sip", refer_sip),
    ("echo_and_sms", echo_and_sms),
    ("hangup_and_reject_parameters", hangup_and_reject_parameters),
    ("dial_newer_attributes", dial_newer_attributes),
    (
        "dial_number_machine_detection",
        dial_number_machine_detection,
    ),
    ("dial_sip_uris_and_headers", dial_sip_uris_and_headers),
    (
        "dial_client_identity_and_parameters",
        dial_client_identity_and_parameters,
    ),
    ("dial_application", dial_application),
    ("dial_sim_and_whatsapp", dial_sim_and_whatsapp),
    ("dial_conference_everything", dial_conference_everything),
    (
        "record_configuration_and_enqueue_task_attributes",
        record_configuration_and_enqueue_task_attributes,
    ),
    ("ssml_every_nesting", ssml_every_nesting),
    (
        "gather_in_pay_prompt_escaping",
        gather_in_pay_prompt_escaping,
    ),
    ("open_add_child", open_add_child),
    (
        "open_children_in_typed_elements",
        open_children_in_typed_elements,
    ),
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
