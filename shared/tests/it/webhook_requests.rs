//! Typed webhooks: what `VoiceRequest` and `StatusCallback` read out of real-shaped
//! Twilio bodies, and the typed errors for what they refuse.

use callflow::webhook::{
    CallStatus, DialCallStatus, Direction, Form, RecordingStatus, StatusCallback, VoiceRequest,
    WebhookError,
};

/// The inbound-call body of vector `inbound_voice_apigw_stage_path`, plus a SIP header
/// and a repeated unknown field.
const INBOUND: &str = "AccountSid=AC0123456789abcdef0123456789abcdef&ApiVersion=2010-04-01\
&CallSid=CAfedcba9876543210fedcba9876543210&CallStatus=ringing\
&CallToken=%257B%2522parentCallInfoToken%2522%257D&Called=%2B15005550006&CalledCity=\
&Caller=%2B14155551212&CallerName=&Direction=inbound&ForwardedFrom=%2B14155550000\
&From=%2B14155551212&FromCity=SAN+FRANCISCO&FromCountry=US&FromState=CA&FromZip=94103\
&StirVerstat=TN-Validation-Passed-A&To=%2B15005550006&ToCity=&ToCountry=US&ToState=CA&ToZip=\
&SipHeader_X-Tag=a&AddOns=%7B%7D&SipHeader_X-Tag=b";

#[test]
fn inbound_call_fields_are_typed_and_nothing_is_lost() {
    let call = VoiceRequest::parse(INBOUND.as_bytes()).expect("valid");
    assert_eq!(call.call_sid, "CAfedcba9876543210fedcba9876543210");
    assert_eq!(call.account_sid, "AC0123456789abcdef0123456789abcdef");
    assert_eq!(call.call_status, Some(CallStatus::Ringing));
    assert_eq!(call.direction, Some(Direction::Inbound));
    assert_eq!(call.api_version.as_deref(), Some("2010-04-01"));
    assert_eq!(call.from.as_deref(), Some("+14155551212"));
    assert_eq!(call.to.as_deref(), Some("+15005550006"));
    assert_eq!(call.forwarded_from.as_deref(), Some("+14155550000"));
    assert_eq!(
        call.call_token.as_deref(),
        Some("%7B%22parentCallInfoToken%22%7D")
    );
    assert_eq!(call.stir_verstat.as_deref(), Some("TN-Validation-Passed-A"));
    assert_eq!(call.caller.as_deref(), Some("+14155551212"));
    assert_eq!(call.called.as_deref(), Some("+15005550006"));
    // Empty means unknown: read as None, but kept in the form for the signature.
    assert_eq!(call.caller_name, None);
    assert_eq!(call.form.get("CallerName"), Some(""));
    assert_eq!(call.from_location.city.as_deref(), Some("SAN FRANCISCO"));
    assert_eq!(call.from_location.zip.as_deref(), Some("94103"));
    assert_eq!(call.to_location.city, None);
    assert_eq!(call.to_location.state.as_deref(), Some("CA"));
    assert_eq!(call.digits, None);
    // Unknown fields, repeated ones in arrival order.
    assert_eq!(
        call.unknown_fields().collect::<Vec<_>>(),
        [
            ("CalledCity", ""),
            ("SipHeader_X-Tag", "a"),
            ("AddOns", "{}"),
            ("SipHeader_X-Tag", "b")
        ]
    );
    assert_eq!(
        call.form.get_all("SipHeader_X-Tag").collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(call.form.len(), 25);
}

#[test]
fn gather_dial_and_record_results_are_read() {
    let gather = VoiceRequest::parse(
        b"CallSid=CA1&AccountSid=AC1&CallStatus=in-progress&Digits=123&FinishedOnKey=%23\
          &SpeechResult=I+need+help.&Confidence=0.92&Direction=outbound-api",
    )
    .expect("valid");
    assert_eq!(gather.digits.as_deref(), Some("123"));
    assert_eq!(gather.finished_on_key.as_deref(), Some("#"));
    assert_eq!(gather.speech_result.as_deref(), Some("I need help."));
    assert_eq!(gather.confidence, Some(0.92));
    assert_eq!(gather.call_status, Some(CallStatus::InProgress));
    assert_eq!(gather.direction, Some(Direction::OutboundApi));

    let dial = VoiceRequest::parse(
        b"CallSid=CA1&AccountSid=AC1&DialCallStatus=no-answer&DialCallSid=CA2&DialCallDuration=0\
          &RecordingUrl=https%3A%2F%2Fapi.twilio.com%2Frec%2FRE1&RecordingSid=RE1&RecordingDuration=17\
          &ParentCallSid=CA0&ErrorCode=11200&ErrorUrl=https%3A%2F%2Fx.example%2Fv",
    )
    .expect("valid");
    assert_eq!(dial.dial_call_status, Some(DialCallStatus::NoAnswer));
    assert_eq!(dial.dial_call_sid.as_deref(), Some("CA2"));
    assert_eq!(dial.dial_call_duration, Some(0));
    assert_eq!(
        dial.recording_url.as_deref(),
        Some("https://api.twilio.com/rec/RE1")
    );
    assert_eq!(dial.recording_duration, Some(17));
    assert_eq!(dial.parent_call_sid.as_deref(), Some("CA0"));
    assert_eq!(dial.error_code.as_deref(), Some("11200"));
}

#[test]
fn new_status_and_direction_values_are_kept_not_refused() {
    let call = VoiceRequest::parse(
        b"CallSid=CA1&AccountSid=AC1&CallStatus=paused&Direction=trunking-originating",
    )
    .expect("valid");
    assert_eq!(call.call_status, Some(CallStatus::Other("paused".into())));
    assert_eq!(
        call.call_status.as_ref().map(CallStatus::as_str),
        Some("paused")
    );
    assert_eq!(
        call.direction.as_ref().map(|d| d.to_string()).as_deref(),
        Some("trunking-originating")
    );
    for (s, fin) in [
        ("completed", true),
        ("busy", true),
        ("no-answer", true),
        ("ringing", false),
        ("initiated", false),
    ] {
        let status = CallStatus::from(s);
        assert_eq!(status.as_str(), s);
        assert_eq!(status.is_final(), fin, "{s}");
    }
}

#[test]
fn required_sids_and_typed_values_give_typed_errors() {
    let cases: [(&[u8], WebhookError); 8] = [
        (b"AccountSid=AC1", WebhookError::MissingField("CallSid")),
        (
            b"CallSid=&AccountSid=AC1",
            WebhookError::MissingField("CallSid"),
        ),
        (b"CallSid=CA1", WebhookError::MissingField("AccountSid")),
        (
            b"CallSid=XX1&AccountSid=AC1",
            WebhookError::InvalidField {
                field: "CallSid",
                value: "XX1".into(),
                expected: "a call SID: \"CA\" followed by letters and digits",
            },
        ),
        (
            b"CallSid=CA..%2Fetc&AccountSid=AC1",
            WebhookError::InvalidField {
                field: "CallSid",
                value: "CA../etc".into(),
                expected: "a call SID: \"CA\" followed by letters and digits",
            },
        ),
        (
            b"CallSid=CA1&AccountSid=AC",
            WebhookError::InvalidField {
                field: "AccountSid",
                value: "AC".into(),
                expected: "an account SID: \"AC\" followed by letters and digits",
            },
        ),
        (
            b"CallSid=CA1&AccountSid=AC1&Confidence=NaN",
            WebhookError::InvalidField {
                field: "Confidence",
                value: "NaN".into(),
                expected: "a finite decimal number such as 0.92",
            },
        ),
        (
            b"CallSid=CA1&AccountSid=AC1&RecordingDuration=-3",
            WebhookError::InvalidField {
                field: "RecordingDuration",
                value: "-3".into(),
                expected: "whole seconds",
            },
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            VoiceRequest::parse(body).expect_err("refused"),
            expected,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    let long = format!("CallSid=CA{}&AccountSid=AC1", "a".repeat(65));
    assert!(matches!(
        VoiceRequest::parse(long.as_bytes()),
        Err(WebhookError::InvalidField {
            field: "CallSid",
            ..
        })
    ));
}

#[test]
fn status_callbacks_read_progress_fields() {
    let cb = StatusCallback::parse(
        b"CallSid=CA1&AccountSid=AC1&CallStatus=completed&CallDuration=42&Duration=1\
          &Timestamp=Mon%2C+16+Aug+2010+03%3A45%3A01+%2B0000&CallbackSource=call-progress-events\
          &SequenceNumber=3&AnsweredBy=human&SipResponseCode=200&StatusCallbackEvent=completed",
    )
    .expect("valid");
    assert_eq!(cb.call.call_status, Some(CallStatus::Completed));
    assert_eq!(cb.call_duration, Some(42));
    assert_eq!(cb.duration, Some(1));
    assert_eq!(
        cb.timestamp.map(|t| t.unix_timestamp()),
        Some(1_281_930_301)
    );
    assert_eq!(cb.callback_source.as_deref(), Some("call-progress-events"));
    assert_eq!(cb.sequence_number, Some(3));
    assert_eq!(cb.answered_by.as_deref(), Some("human"));
    assert_eq!(cb.sip_response_code, Some(200));
    assert_eq!(cb.call.form.get("StatusCallbackEvent"), Some("completed"));

    let minimal =
        StatusCallback::parse(b"CallSid=CA1&AccountSid=AC1&CallStatus=ringing&SequenceNumber=0")
            .expect("valid");
    assert_eq!(minimal.sequence_number, Some(0));
    assert_eq!(minimal.call_duration, None);
    assert_eq!(minimal.timestamp, None);
}

#[test]
fn status_callback_errors_name_the_field_and_call_sid_comes_first() {
    for (body, field) in [
        (
            &b"CallSid=CA1&AccountSid=AC1&Timestamp=yesterday"[..],
            "Timestamp",
        ),
        (
            b"CallSid=CA1&AccountSid=AC1&SequenceNumber=-1",
            "SequenceNumber",
        ),
        (
            b"CallSid=CA1&AccountSid=AC1&CallDuration=1.5",
            "CallDuration",
        ),
        (
            b"CallSid=CA1&AccountSid=AC1&SipResponseCode=70000",
            "SipResponseCode",
        ),
    ] {
        match StatusCallback::parse(body) {
            Err(WebhookError::InvalidField { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(
        StatusCallback::parse(b"AccountSid=AC1&CallDuration=x").expect_err("refused"),
        WebhookError::MissingField("CallSid")
    );
}

#[test]
fn owned_and_borrowed_readers_agree() {
    let form = Form::parse(INBOUND.as_bytes()).expect("valid");
    assert_eq!(
        VoiceRequest::from_form(&form),
        VoiceRequest::from_owned_form(form.clone())
    );
    assert_eq!(
        StatusCallback::from_form(&form),
        StatusCallback::from_owned_form(form)
    );
}

#[test]
fn verb_outcomes_are_typed_and_unknown_ones_refused() {
    let recording = VoiceRequest::parse(
        b"CallSid=CA1&AccountSid=AC1&RecordingStatus=absent&TranscriptionText=hi\
          &SessionStatus=completed&SessionDuration=61&CallbackSource=call-progress-events",
    )
    .expect("valid");
    assert_eq!(recording.recording_status, Some(RecordingStatus::Absent));
    assert_eq!(recording.transcription_text.as_deref(), Some("hi"));
    assert_eq!(recording.session_duration, Some(61));
    assert!(recording.is_progress_callback());
    assert_eq!(recording.unknown_fields().count(), 0);

    let refused = VoiceRequest::parse(b"CallSid=CA1&AccountSid=AC1&DialCallStatus=ringing")
        .expect_err("not a DialCallStatus");
    assert_eq!(
        refused.to_string(),
        "parameter DialCallStatus has an invalid value \"ringing\": expected completed, \
         answered, busy, no-answer, failed or canceled"
    );
    assert!(VoiceRequest::parse(b"CallSid=CA1&AccountSid=AC1&RecordingStatus=lost").is_err());
}
