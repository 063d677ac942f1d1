//! Property tests: the form parser round-trips whatever it accepts, and no input makes
//! the parser, the typed readers or the signature validator panic.

use callflow::webhook::signature::{self, Algorithm};
use callflow::webhook::{Form, StatusCallback, VoiceRequest, WebhookError};
use proptest::prelude::*;

/// Bytes that look like a form body often enough to be accepted: form punctuation,
/// hex digits, `%` escapes, and some non-ASCII and invalid UTF-8.
fn formish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => prop::sample::select(b"abcXYZ019_-.*".to_vec()),
        2 => prop::sample::select(b"&=+%".to_vec()),
        2 => prop::sample::select(b"0123456789abcdefABCDEF".to_vec()),
        1 => any::<u8>(),
        1 => prop::sample::select(vec![0xC3u8, 0xA9, 0xE2, 0x82, 0xAC, 0xFF]),
    ];
    prop::collection::vec(byte, 0..200)
}

fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((any::<String>(), any::<String>()), 0..12)
}

/// Twilio's parameter names with arbitrary values, so the typed readers see their
/// own fields with hostile content.
fn twilio_form() -> impl Strategy<Value = Form> {
    let name = prop::sample::select(vec![
        "CallSid",
        "AccountSid",
        "From",
        "To",
        "CallStatus",
        "Direction",
        "Confidence",
        "Stability",
        "Digits",
        "DialCallDuration",
        "RecordingDuration",
        "CallDuration",
        "Duration",
        "SequenceNumber",
        "SipResponseCode",
        "Timestamp",
        "FromCity",
        "Unknown",
    ]);
    let value = prop_oneof![
        any::<String>(),
        "CA[0-9a-f]{32}",
        "AC[0-9a-zA-Z]{0,70}",
        "-?[0-9]{0,25}(\\.[0-9]{0,5})?",
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("Mon, 16 Aug 2010 03:45:01 +0000".to_string()),
        Just("Mon, 32 Aug 2010 03:45:01 +0000".to_string()),
    ];
    prop::collection::vec((name, value), 0..20).prop_map(|p| p.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_accepted_body_round_trips(body in formish_bytes()) {
        if let Ok(form) = Form::parse(&body) {
            let encoded = form.to_urlencoded();
            prop_assert!(encoded.is_ascii());
            prop_assert_eq!(Form::parse(encoded.as_bytes()), Ok(form.clone()));
            // Encoding is canonical: a second round gives the same bytes.
            prop_assert_eq!(Form::parse(encoded.as_bytes()).map(|f| f.to_urlencoded()), Ok(encoded));
        }
    }

    #[test]
    fn any_pairs_encode_and_parse_back(pairs in pairs()) {
        let form: Form = pairs.iter().cloned().collect();
        let parsed = Form::parse(form.to_urlencoded().as_bytes()).expect("our own encoding parses");
        // Pairs with an empty name and value encode to "=" and come back; nothing is lost.
        prop_assert_eq!(parsed.into_pairs(), pairs);
    }

    #[test]
    fn parse_errors_point_inside_the_body(body in formish_bytes()) {
        match Form::parse(&body) {
            Ok(_) => {}
            Err(WebhookError::MalformedEncoding { position, .. }) => {
                prop_assert!(position < body.len());
                prop_assert_eq!(body[position], b'%');
            }
            Err(WebhookError::NonUtf8 { position }) => prop_assert!(position <= body.len()),
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_parser(body in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Form::parse(&body);
        let _ = VoiceRequest::parse(&body);
        let _ = StatusCallback::parse(&body);
    }

    #[test]
    fn typed_readers_never_panic_and_keep_the_form(form in twilio_form()) {
        if let Ok(call) = VoiceRequest::from_form(&form) {
            prop_assert_eq!(&call.form, &form);
            prop_assert!(call.call_sid.starts_with("CA"));
            prop_assert!(call.confidence.is_none_or(f64::is_finite));
        }
        let _ = StatusCallback::from_form(&form);
    }

    #[test]
    fn validator_never_panics(
        url in prop_oneof![
            any::<String>(),
            "(https?|ftp)://([a-z]+(:[a-z0-9]*)?@)?(\\[[0-9a-f:]*\\]|[a-z.]{0,12})(:[0-9a-z]{0,6})?(/[^?#]{0,10})?(\\?[^#]{0,10})?(#.{0,5})?",
        ],
        pairs in pairs(),
        sig in any::<String>(),
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let form: Form = pairs.into_iter().collect();
        let _ = signature::validate("token", &url, &form, &sig);
        let _ = signature::validate_with(Algorithm::HmacSha256, "key", &url, &form, &sig);
        let _ = signature::validate_body("token", &url, &body, &sig);
        let candidates = signature::candidate_urls(&url);
        prop_assert!(!candidates.is_empty() && candidates.len() <= 2);
        prop_assert_eq!(candidates[0].as_ref(), url.as_str());
    }

    #[test]
    fn a_signature_validates_and_any_change_breaks_it(
        path in "/[a-z]{1,8}(\\?[a-z]=[0-9])?",
        pairs in prop::collection::vec(("[A-Za-z]{1,6}", "[ -~]{0,8}"), 1..8),
        which in any::<prop::sample::Index>(),
    ) {
        let url = format!("https://example.com{path}");
        let form: Form = pairs.iter().cloned().collect();
        let sig = signature::compute_signature("token", &url, &form);
        prop_assert!(signature::validate("token", &url, &form, &sig));
        // Any order of the same pairs is the same request.
        let mut reversed = pairs.clone();
        reversed.reverse();
        prop_assert!(signature::validate("token", &url, &reversed.into_iter().collect(), &sig));
        // A changed value is not.
        let i = which.index(pairs.len());
        let mut changed = pairs.clone();
        changed[i].1.push('!');
        prop_assert!(!signature::validate("token", &url, &changed.into_iter().collect(), &sig));
        let longer = format!("{}x", url);
        prop_assert!(!signature::validate("token", &longer, &form, &sig));
    }
}
