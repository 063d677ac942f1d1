#!/usr/bin/env python3
"""Writes shared/tests/golden/*.xml: TwiML printed by Twilio's own Python helper library.

The Rust test shared/tests/it/twiml_golden.rs builds the same documents with
callflow::twiml and compares bytes, so every case here has a twin there with the same
name. Regenerate (and commit the result) after adding a case:

    python3 -m venv .venv && .venv/bin/pip install -r tests/conformance/requirements.txt
    .venv/bin/python scripts/gen-twiml-golden.py

`--check` (run by scripts/test) writes nothing and fails if a committed golden is not
what twilio-python prints, or a case or file is missing.

Files hold exactly str(VoiceResponse), with no trailing newline.

The script also checks that the cases cover all of twilio-python's voice vocabulary:
every element class reachable from VoiceResponse, every attribute its builder methods
name and every parent -> child builder method must occur in some case, or it exits
non-zero naming what is missing (see `check_coverage`).
"""

import inspect
import os
import re
import sys

import twilio
from twilio.twiml import TwiML
from twilio.twiml import voice_response as vr
from twilio.twiml.voice_response import (
    Application,
    Client,
    Conference,
    Connect,
    ConversationRelay,
    Dial,
    Enqueue,
    Gather,
    Hangup,
    Number,
    Pay,
    Queue,
    Refer,
    Reject,
    Say,
    Sip,
    Start,
    Stop,
    Transcription,
    VirtualAgent,
    VoiceResponse,
)

EXPECTED_VERSION = "9.13.0"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "shared", "tests", "golden")

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


@case
def empty_response():
    return VoiceResponse()


@case
def say_basic():
    r = VoiceResponse()
    r.say("Hello world")
    return r


@case
def say_attributes():
    r = VoiceResponse()
    r.say("Hola, bienvenido.", voice="Polly.Conchita", language="es-ES", loop=2)
    r.say("Forever", loop=0)
    return r


@case
def say_empty():
    r = VoiceResponse()
    r.say("")
    r.say()
    return r


@case
def say_ssml():
    s = Say("Your code is ", voice="Polly.Joanna")
    s.say_as("1234", interpret_as="digits")
    s.break_(time="500ms")
    s.append(" I repeat: ")
    s.emphasis("important", level="strong")
    s.prosody("slowly", rate="slow", pitch="low", volume="soft")
    s.phoneme("tomato", alphabet="ipa", ph="təˈmeɪtoʊ")
    s.say_as("20261202", interpret_as="date", format="ymd")
    s.sub("W3C", alias="World Wide Web Consortium")
    s.w("read", role="amazon:VBD")
    s.lang("Bonjour", xml_lang="fr-FR")
    s.p("A paragraph.")
    s.s("A sentence.")
    s.break_(strength="x-strong")
    r = VoiceResponse()
    r.append(s)
    return r


@case
def play_url_and_loop():
    r = VoiceResponse()
    r.play("https://api.twilio.com/cowbell.mp3")
    r.play("https://example.com/hold.mp3?x=1&y=2", loop=0)
    return r


@case
def play_digits_only():
    r = VoiceResponse()
    r.play(digits="ww1234#")
    r.play("")
    return r


@case
def pause_lengths():
    r = VoiceResponse()
    r.pause()
    r.pause(length=3)
    return r


@case
def gather_typical():
    r = VoiceResponse()
    g = Gather(input="dtmf speech", action="/voice/menu", method="POST", num_digits=1, timeout=5,
               speech_timeout="auto", language="en-US", hints="sales, support, billing")
    g.say("Press 1 or say sales. Press 2 or say support.", voice="alice")
    r.append(g)
    r.say("We didn't receive any input. Goodbye!")
    r.hangup()
    return r


@case
def gather_all_attributes():
    r = VoiceResponse()
    g = Gather(
        input="speech",
        action="https://example.com/gather?step=1&retry=0",
        method="GET",
        timeout=10,
        speech_timeout=3,
        max_speech_time=45,
        profanity_filter=True,
        finish_on_key="",
        num_digits=4,
        partial_result_callback="/partial",
        partial_result_callback_method="POST",
        language="en-GB",
        hints="yes,no",
        barge_in=False,
        debug=False,
        action_on_empty_result=True,
        speech_model="phone_call",
        enhanced=True,
    )
    g.say("Say something.")
    g.play("https://example.com/beep.wav", loop=1)
    g.pause(length=2)
    r.append(g)
    return r


@case
def gather_empty():
    r = VoiceResponse()
    r.gather()
    return r


@case
def redirect_with_method():
    r = VoiceResponse()
    r.redirect("/voice/next?step=2&x=1")
    r.redirect("https://example.com/voice", method="GET")
    return r


@case
def dial_plain_number():
    r = VoiceResponse()
    r.dial("+15551234567", action="/voice/after-dial", method="POST", timeout=20,
           caller_id="+15550001111", record="record-from-answer", hangup_on_star=True,
           time_limit=600, answer_on_bridge=True, ring_tone="us", trim="trim-silence",
           recording_status_callback="/rec", recording_status_callback_method="POST",
           recording_status_callback_event="in-progress completed", recording_track="both",
           sequential=False)
    return r


@case
def dial_nouns():
    r = VoiceResponse()
    d = Dial(caller_id="+15550001111", timeout=30)
    d.number("+15552223333", send_digits="ww1928", url="/whisper", method="GET",
             status_callback="/status", status_callback_event="initiated ringing answered completed",
             status_callback_method="POST")
    d.client("agent_alice", url="/client-whisper", status_callback="/client-status")
    d.sip("sip:bob@example.com;transport=tls", username="bob", password="s3cr&t")
    r.append(d)
    return r


@case
def dial_conference():
    r = VoiceResponse()
    d = Dial()
    d.conference("Room 1234", muted=False, beep="onEnter", start_conference_on_enter=True,
                 end_conference_on_exit=False, wait_url="/hold-music", wait_method="GET",
                 max_participants=10, record="record-from-start", region="ie1",
                 status_callback="/conf", status_callback_event="start end join leave",
                 participant_label="customer")
    r.append(d)
    return r


@case
def dial_queue():
    r = VoiceResponse()
    d = Dial()
    d.queue("support", url="/about-to-connect", method="POST", reservation_sid="WR123",
            post_work_activity_sid="WA456")
    r.append(d)
    return r


@case
def hangup_only():
    r = VoiceResponse()
    r.hangup()
    return r


@case
def reject_reasons():
    r = VoiceResponse()
    r.reject()
    r.reject(reason="busy")
    return r


@case
def record_all_attributes():
    r = VoiceResponse()
    r.say("Leave a message after the beep.")
    r.record(action="/voice/recorded", method="POST", timeout=5, finish_on_key="#",
             max_length=120, play_beep=True, trim="do-not-trim",
             recording_status_callback="/rec-status", recording_status_callback_method="GET",
             recording_status_callback_event="completed", transcribe=False,
             transcribe_callback="/transcribed")
    r.record()
    return r


@case
def enqueue_and_task():
    r = VoiceResponse()
    r.enqueue("support", action="/left-queue", method="POST", wait_url="/wait",
              wait_url_method="GET", max_queue_size=50)
    e = Enqueue(workflow_sid="WW0123456789abcdef0123456789abcdef")
    e.task('{"selected_language":"es","account":"A&B"}')
    r.append(e)
    return r


@case
def leave_only():
    r = VoiceResponse()
    r.leave()
    return r


@case
def escaped_text_and_attributes():
    r = VoiceResponse()
    r.say("Tom & Jerry <3 \"quotes\" and 'apostrophes' > all\nnew line\ttab",
          voice="a\"b'c<d>e&f\ng\th\ri")
    r.redirect("/next?a=1&b=<2>")
    r.say("Grüße, 日本語, emoji 😀", language="de-DE")
    return r


@case
def generic_attribute():
    r = VoiceResponse()
    r.say("Custom", foo_bar="1", zeta="z", alpha="a")
    return r


@case
def ivr_flow():
    r = VoiceResponse()
    r.say("Thanks for calling Example Corp.", voice="Polly.Joanna", language="en-US")
    r.pause(length=1)
    g = Gather(input="dtmf", num_digits=1, action="/voice/menu?attempt=1", timeout=7,
               action_on_empty_result=True)
    g.say("For sales press 1. For support press 2.")
    g.pause(length=1)
    g.play("https://example.com/menu.mp3")
    r.append(g)
    r.redirect("/voice/incoming?attempt=2", method="POST")
    return r

# --- The rest of the voice vocabulary: every element twilio-python 9.13.0 has. ---


@case
def connect_stream():
    r = VoiceResponse()
    c = Connect(action="/voice/after-stream", method="POST")
    s = c.stream(name="agent audio", connector_name="conn-1", url="wss://media.example.com/s?a=1&b=2",
                 track="both_tracks", status_callback="/stream-status", status_callback_method="GET",
                 audio_format="audio/x-mulaw", sample_rate=8000)
    s.parameter(name="caller", value="+15550001111")
    s.parameter(name="note", value='say "hi" & <wave>')
    r.append(c)
    r.connect()
    return r


@case
def connect_conversation_relay():
    r = VoiceResponse()
    c = Connect(action="/voice/after-agent")
    cr = c.conversation_relay(
        url="wss://agent.example.com/relay", language="en-US", tts_language="en-GB",
        transcription_language="en-AU", tts_provider="ElevenLabs", voice="UgBBYS2sOqTuMpoF3BR0",
        transcription_provider="Deepgram", speech_model="nova-3-general", profanity_filter=False,
        dtmf_detection=True, welcome_greeting="Hi! I'm the Acme assistant. How can I help?",
        partial_prompts=True, welcome_greeting_interruptible="any", interruptible="speech",
        preemptible=True, hints="Acme, invoice, outage", intelligence_service="GAxxxx",
        report_input_during_agent_speech="none", elevenlabs_text_normalization="on",
        interrupt_sensitivity="high", debug="debugging speaker-events tokens-played",
        backgroundNoiseReduction=True, speechTimeout=800, deepgramSmartFormat=False,
        ignoreBackchannel=True, events="turn-state", partial_prompt_on_hangup=True,
        eager_eot_threshold=0.5, asr_smart_format=True, tts_text_normalization="auto",
        tts_language_text_normalization=False, elevenlabs_language_text_normalization=True,
        include_in_prompt="turn-state prompt-segments", customer_name="Ada Lovelace",
        application_reconnect=True, echo_prompt_filtering=False, turn_detection=True)
    cr.language(code="fr-FR", tts_provider="Google", voice="fr-FR-Neural2-A",
                transcription_provider="Google", speech_model="telephony", hints="facture, panne",
                asr_smart_format=False, tts_text_normalization="off",
                tts_language_text_normalization=True)
    cr.language(code="de-DE")
    cr.parameter(name="customerTier", value="gold")
    r.append(c)
    return r


@case
def connect_virtual_agent():
    r = VoiceResponse()
    c = Connect()
    va = c.virtual_agent(connector_name="project-1", language="en-US", sentiment_analysis=True,
                         status_callback="/va-status", status_callback_method="POST")
    va.config(name="language", value="en-US")
    va.config(name="voiceName", value="en-US-Wavenet-C")
    va.parameter(name="customer_name", value="Burton Guster")
    r.append(c)
    return r


@case
def connect_conversation():
    r = VoiceResponse()
    c = Connect()
    c.conversation(service_instance_sid="IS0123", inbound_autocreation=True,
                   routing_assignment_timeout=30, inbound_timeout=60, url="/conv-twiml",
                   method="GET", record="record-from-answer", trim="trim-silence",
                   recording_status_callback="/conv-rec", recording_status_callback_method="POST",
                   recording_status_callback_event="in-progress completed absent",
                   status_callback="/conv-status", status_callback_method="POST",
                   status_callback_event="call-initiated call-ringing call-answered call-completed")
    r.append(c)
    return r


@case
def connect_room_autopilot_and_sessions():
    r = VoiceResponse()
    c = Connect()
    c.room("DailyStandup", participant_identity="alice")
    c.autopilot("UAxxxx")
    c.ai_session(ai_connector="my-connector", ai_session_configuration="cfg-1")
    c.conversation_relay_session(connector="relay-connector", session_configuration="session-cfg")
    r.append(c)
    return r


@case
def start_media():
    r = VoiceResponse()
    st = Start(action="/voice/started", method="GET")
    s = st.stream(name="monitor", connector_name="c2", url="wss://media.example.com/in",
                  track="inbound_track", status_callback="/s", status_callback_method="POST",
                  audio_format="audio/L16", sample_rate=16000)
    s.parameter(name="agent", value="ada")
    sr = st.siprec(name="rec", connector_name="SIPREC1", track="both_tracks",
                   status_callback="/siprec", status_callback_method="GET")
    sr.parameter(name="key", value="value")
    st.recording(recording_status_callback="/rec", recording_status_callback_method="POST",
                 recording_status_callback_event="in-progress completed absent",
                 trim="do-not-trim", track="both", channels="dual",
                 recording_configuration_id="RCxxxx")
    r.append(st)
    r.say("This call is monitored.")
    return r


@case
def start_transcription():
    r = VoiceResponse()
    st = Start()
    t = st.transcription(name="live", track="both_tracks", status_callback_url="/transcripts?x=1&y=2",
                         status_callback_method="POST", inbound_track_label="customer",
                         outbound_track_label="agent", partial_results=True, language_code="en-US",
                         transcription_engine="google", profanity_filter=True,
                         speech_model="telephony", hints="Acme, invoice",
                         enable_automatic_punctuation=False, intelligence_service="GAyyyy")
    t.config(name="model", value="latest")
    t.parameter(name="topic", value="billing")
    r.append(st)
    return r


@case
def stop_media():
    r = VoiceResponse()
    sp = Stop()
    sp.stream(name="monitor")
    sp.siprec(name="rec")
    sp.transcription(name="live")
    r.append(sp)
    r.stop()
    return r


@case
def pay_all_attributes():
    r = VoiceResponse()
    p = Pay(input="dtmf", action="/paid", bank_account_type="consumer-savings",
            status_callback="/pay-status", status_callback_method="POST", timeout=10,
            max_attempts=3, security_code=True, postal_code="94103", min_postal_code_length=5,
            payment_connector="Stripe_Connector", payment_method="credit-card",
            token_type="reusable", charge_amount="10.50", currency="usd",
            description="Order #42 & co", valid_card_types="visa mastercard amex",
            language="en-GB")
    pr = p.prompt(for_="payment-card-number", error_type="invalid-card-number invalid-card-type",
                  card_type="visa amex", attempt="1 2", require_matching_inputs=False)
    pr.say("Please enter your card number.")
    pr.play("https://example.com/card.mp3", loop=2, digits="1")
    pr.pause(length=1)
    p.prompt(for_="expiration-date")
    p.parameter(name="order", value="42")
    r.append(p)
    r.pay()
    return r


@case
def root_prompt_and_queue():
    # twilio-python offers these on the root; Twilio only accepts them nested.
    r = VoiceResponse()
    r.prompt(for_="security-code", attempt=1, require_matching_inputs=True)
    r.queue("support", url="/about", method="GET")
    return r


@case
def refer_sip():
    r = VoiceResponse()
    rf = Refer(action="/refer-done", method="GET")
    rf.sip("sip:alice@example.com?X-Custom=1&User-to-User=abc")
    r.append(rf)
    r.refer()
    return r


@case
def echo_and_sms():
    r = VoiceResponse()
    r.echo()
    r.sms("Your code: 1234 & thanks", to="+15551110000", from_="+15552220000", action="/sms-done",
          method="POST", status_callback="/sms-status")
    return r


@case
def hangup_and_reject_parameters():
    r = VoiceResponse()
    h = Hangup()
    h.parameter(name="reason", value="done")
    rj = Reject(reason="rejected")
    rj.parameter(name="why", value="spam")
    r.append(rj)
    r.append(h)
    return r


@case
def dial_newer_attributes():
    r = VoiceResponse()
    r.dial("+15551234567", refer_url="/refer", refer_method="GET", events="call-progress-events",
           passports="eyJhbGciOi", recording_configuration_id="RCzzzz")
    return r


@case
def dial_number_machine_detection():
    r = VoiceResponse()
    d = Dial()
    d.number("+15552223333", byoc="BY0123", machine_detection="DetectMessageEnd",
             amd_status_callback="/amd", amd_status_callback_method="GET",
             machine_detection_timeout=30, machine_detection_speech_threshold=2400,
             machine_detection_speech_end_threshold=1200, machine_detection_silence_timeout=5000)
    r.append(d)
    return r


@case
def dial_sip_uris_and_headers():
    r = VoiceResponse()
    d = Dial()
    s = d.sip(username="u", password="p", url="/sip-whisper", method="POST",
              status_callback_event="initiated completed", status_callback="/sip-status",
              status_callback_method="GET", machine_detection="Enable",
              amd_status_callback="/amd", amd_status_callback_method="POST",
              machine_detection_timeout=20, machine_detection_speech_threshold=2000,
              machine_detection_speech_end_threshold=1000, machine_detection_silence_timeout=4000)
    s.uri("sip:a@example.com", priority=1, weight=10, username="ua", password="pa")
    s.uri("sip:b@example.com", priority=2)
    hs = s.headers()
    hs.header(name="X-Account", value="42")
    hs.header(name="X-Note", value="a&b")
    r.append(d)
    return r


@case
def dial_client_identity_and_parameters():
    r = VoiceResponse()
    d = Dial()
    c = d.client(url="/client-twiml", method="GET", status_callback_event="answered completed",
                 status_callback="/client-status", status_callback_method="POST")
    c.identity("alice")
    c.parameter(name="FirstName", value="Alice")
    c.parameter(name="LastName", value="Smith")
    r.append(d)
    return r


@case
def dial_application():
    r = VoiceResponse()
    d = Dial()
    a = d.application(url="/app-twiml", method="POST", status_callback_event="ringing answered",
                      status_callback="/app-status", status_callback_method="GET",
                      customer_id="customer-7", copy_parent_to=True)
    a.application_sid("AP0123456789abcdef0123456789abcdef")
    a.parameter(name="ticket", value="T-1")
    d.application("APfedcba9876543210fedcba9876543210")
    r.append(d)
    return r


@case
def dial_sim_and_whatsapp():
    r = VoiceResponse()
    d = Dial()
    d.sim("DE0123456789abcdef0123456789abcdef")
    d.whats_app("+15553334444", url="/wa", method="GET", status_callback_event="initiated",
                status_callback="/wa-status", status_callback_method="POST")
    r.append(d)
    return r


@case
def dial_conference_everything():
    r = VoiceResponse()
    d = Dial()
    d.conference("Room & Board", coach="CA0123", trim="do-not-trim",
                 recording_configuration_id="RCconf", status_callback_method="GET",
                 recording_status_callback="/conf-rec", recording_status_callback_method="POST",
                 recording_status_callback_event="in-progress completed",
                 event_callback_url="/conf-events", jitter_buffer_size="small")
    r.append(d)
    return r


@case
def record_configuration_and_enqueue_task_attributes():
    r = VoiceResponse()
    r.record(recording_configuration_id="RCrec")
    e = Enqueue("support")
    e.task('{"lang":"fr"}', priority=5, timeout=120)
    r.append(e)
    return r


SSML_CHILDREN = {
    "emphasis": ["break_", "emphasis", "lang", "phoneme", "prosody", "say_as", "sub", "w"],
    "lang": ["break_", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say_as", "sub", "w"],
    "p": ["break_", "emphasis", "lang", "phoneme", "prosody", "s", "say_as", "sub", "w"],
    "prosody": ["break_", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say_as", "sub", "w"],
    "s": ["break_", "emphasis", "lang", "phoneme", "prosody", "say_as", "sub", "w"],
    "w": ["break_", "emphasis", "phoneme", "prosody", "say_as", "sub"],
}


def ssml_child(parent, method):
    if method == "break_":
        return parent.break_(time="1s")
    return getattr(parent, method)(method)


@case
def ssml_every_nesting():
    # Each SSML container with each SSML child twilio-python lets it take.
    s = Say("Start. ")
    for parent_method, children in SSML_CHILDREN.items():
        parent = getattr(s, parent_method)(parent_method + ": ")
        for method in children:
            ssml_child(parent, method)
    r = VoiceResponse()
    r.append(s)
    return r


@case
def gather_in_pay_prompt_escaping():
    r = VoiceResponse()
    p = Pay(charge_amount="0", description="tab\there\nnew line 'q' \"dq\"")
    p.prompt(for_="payment-card-number").say("Ümlaut & <card> 💳")
    r.append(p)
    return r


# --- The open element API: twilio-python's add_child / nest / arbitrary kwargs. ---


@case
def open_add_child():
    r = VoiceResponse()
    future = r.add_child("FutureVerb", "text & <more>", some_attr="1", xml_lang="en-GB",
                         from_="+1555", for_="x", interpret_as="digits", flag=True, off=False,
                         count=3, empty="", dropped=None, camelAlready="c", status_callback_URL="u")
    future.add_child("Inner", tip="a\"b'c\td\ne")
    future.add_child("EmptyChild")
    d = r.dial("+15550009999")
    d.add_child("Extension", "123")
    s = r.say("Hello ")
    s.add_child("amazon:effect", "whispered words", vocal_tract_length="+15%")
    s.append(" after")
    r.add_child("Bare")
    return r


@case
def open_children_in_typed_elements():
    r = VoiceResponse()
    c = r.connect()
    relay = c.conversation_relay(url="wss://x.example.com")
    relay.add_child("Tool", "lookup", endpoint="/tool", sample_rate_hz=16)
    g = r.gather(input="speech")
    g.add_child("Prompt", "custom")
    g.say("Speak.")
    r.append(Hangup(reason_code="42"))
    return r


def check_coverage():
    """Every element, attribute and builder method of twilio-python's voice vocabulary is
    used by some case (or the Rust side could silently lack it)."""
    classes = {n: c for n, c in inspect.getmembers(vr, inspect.isclass)
               if issubclass(c, TwiML) and c.__module__ == vr.__name__}
    expected_attrs, expected_edges = set(), set()
    for name, cls in classes.items():
        for method, fn in inspect.getmembers(cls, inspect.isfunction):
            if method.startswith("_") or not fn.__qualname__.startswith(name + "."):
                continue
            nested = re.search(r"self\.nest\(\s*(\w+)\(", inspect.getsource(fn))
            if not nested:
                continue
            child = nested.group(1)
            expected_edges.add((name, child))
            ctor = set(inspect.signature(classes[child].__init__).parameters)
            for param in inspect.signature(fn).parameters:
                if param in ("self", "kwargs") or param in ctor:
                    continue
                expected_attrs.add((child, TwiML.MAP.get(param, param)))
    seen_attrs, seen_edges = set(), set()

    def walk(node):
        parent = type(node).__name__
        for key in node.attrs:
            seen_attrs.add((parent, key))
        for child in node.verbs:
            if isinstance(child, TwiML):
                seen_edges.add((parent, type(child).__name__))
                walk(child)

    for build in CASES.values():
        walk(build())
    from twilio.twiml import lower_camel
    missing = sorted(f"{c}.{a}" for c, a in expected_attrs if (c, lower_camel(a)) not in seen_attrs)
    missing += sorted(f"{p} -> {c}" for p, c in expected_edges if (p, c) not in seen_edges)
    used = {c for edge in expected_edges for c in edge} - {"GenericNode"}
    if missing:
        sys.exit("cases do not cover:\n  " + "\n  ".join(missing))
    return len(used), len(expected_attrs), len(expected_edges)



def check_committed():
    """`--check` (run by scripts/test): the committed goldens are exactly what this
    twilio-python prints for the cases, no more, no fewer."""
    problems = []
    committed = {f[:-4] for f in os.listdir(OUT) if f.endswith(".xml")}
    for name in sorted(committed - CASES.keys()):
        problems.append(f"{name}.xml has no case here")
    for name, build in CASES.items():
        path = os.path.join(OUT, name + ".xml")
        if not os.path.exists(path):
            problems.append(f"{name}.xml is missing")
            continue
        with open(path, encoding="utf-8", newline="") as f:
            if f.read() != str(build()):
                problems.append(f"{name}.xml differs from what twilio-python prints")
    if problems:
        sys.exit("stale goldens (run scripts/gen-twiml-golden.py and commit):\n  "
                 + "\n  ".join(problems))


def main():
    if twilio.__version__ != EXPECTED_VERSION:
        sys.exit(f"expected twilio {EXPECTED_VERSION}, found {twilio.__version__}")
    classes, attrs, edges = check_coverage()
    if sys.argv[1:] == ["--check"]:
        check_committed()
        print(f"{len(CASES)} golden files match twilio-python {twilio.__version__}; they cover "
              f"{classes} element classes, {attrs} attributes and {edges} parent -> child methods")
        return
    os.makedirs(OUT, exist_ok=True)
    for name, build in CASES.items():
        with open(os.path.join(OUT, name + ".xml"), "w", encoding="utf-8", newline="") as f:
            f.write(str(build()))
    print(f"wrote {len(CASES)} golden files to {os.path.normpath(OUT)}; they cover "
          f"{classes} element classes, {attrs} attributes and {edges} parent -> child methods")


if __name__ == "__main__":
    main()
