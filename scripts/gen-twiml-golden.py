#!/usr/bin/env python3
"""Writes shared/tests/golden/*.xml: TwiML printed by Twilio's own Python helper library.

The Rust test shared/tests/twiml_golden.rs builds the same documents with
callflow::twiml and compares bytes, so every case here has a twin there with the same
name. Regenerate (and commit the result) after adding a case:

    python3 -m venv .venv && .venv/bin/pip install -r tests/conformance/requirements.txt
    .venv/bin/python scripts/gen-twiml-golden.py

Files hold exactly str(VoiceResponse), with no trailing newline.
"""

import os
import sys

import twilio
from twilio.twiml.voice_response import (
    Client,
    Conference,
    Dial,
    Enqueue,
    Gather,
    Number,
    Queue,
    Say,
    Sip,
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


def main():
    if twilio.__version__ != EXPECTED_VERSION:
        sys.exit(f"expected twilio {EXPECTED_VERSION}, found {twilio.__version__}")
    os.makedirs(OUT, exist_ok=True)
    for name, build in CASES.items():
        with open(os.path.join(OUT, name + ".xml"), "w", encoding="utf-8", newline="") as f:
            f.write(str(build()))
    print(f"wrote {len(CASES)} golden files to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
