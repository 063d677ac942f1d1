//! `X-Twilio-Signature` against the vectors computed with twilio-python 9.13.0 (and
//! cross-checked with twilio-node 6.2.0), kept in `webhook_signature_vectors.json` beside
//! this file, plus tampering cases derived from valid vectors.

use callflow::webhook::signature::{self, Algorithm};
use callflow::webhook::Form;
use serde_json::Value;

struct Vector {
    id: String,
    method: String,
    url: String,
    token: String,
    params: Form,
    body: Option<String>,
    form_body_example: Option<String>,
    algorithm: String,
    string_to_sign: Option<String>,
    signed_url: Option<String>,
    signature: String,
    valid: bool,
}

fn vectors() -> Vec<Vector> {
    let text = include_str!("../webhook_signature_vectors.json");
    let all: Vec<Value> = serde_json::from_str(text).expect("vector file is JSON");
    all.iter()
        .map(|v| {
            let s = |k: &str| v[k].as_str().map(str::to_owned);
            let mut params = Form::new();
            for (name, value) in v["params"].as_object().expect("params object") {
                match value {
                    Value::String(s) => params.push(name.clone(), s.clone()),
                    Value::Array(values) => {
                        for value in values {
                            params.push(name.clone(), value.as_str().expect("string value"));
                        }
                    }
                    other => panic!("unexpected param value {other}"),
                }
            }
            Vector {
                id: s("id").expect("id"),
                method: s("method").expect("method"),
                url: s("url").expect("url"),
                token: s("auth_token").expect("auth_token"),
                params,
                body: s("body"),
                form_body_example: s("form_body_example"),
                algorithm: s("algorithm").expect("algorithm"),
                string_to_sign: s("string_to_sign"),
                signed_url: s("signed_url"),
                signature: s("expected_signature").expect("expected_signature"),
                valid: v["valid"].as_bool().expect("valid is a bool"),
            }
        })
        .collect()
}

fn sha1_vectors() -> Vec<Vector> {
    vectors()
        .into_iter()
        .filter(|v| v.algorithm == "HMAC_SHA1")
        .collect()
}

/// `valid` is what `RequestValidator.validate(url, params, signature)` answered with the
/// vector's `params`; for GET vectors those are `{}` unless the vector is about a
/// validator that wrongly appended the query parameters.
fn check(v: &Vector) -> bool {
    match &v.body {
        Some(body) => signature::validate_body(&v.token, &v.url, body.as_bytes(), &v.signature),
        None => signature::validate(&v.token, &v.url, &v.params, &v.signature),
    }
}

#[test]
fn the_file_has_the_expected_cases() {
    let all = vectors();
    assert_eq!(all.len(), 30);
    assert_eq!(sha1_vectors().len(), 29);
    assert!(all.iter().filter(|v| v.valid).count() >= 10);
    assert!(all.iter().filter(|v| !v.valid).count() >= 10);
}

#[test]
fn every_hmac_sha1_vector_gives_twilio_pythons_answer() {
    let mut wrong = Vec::new();
    for v in sha1_vectors() {
        if check(&v) != v.valid {
            wrong.push(format!("{} (expected valid={})", v.id, v.valid));
        }
    }
    assert!(
        wrong.is_empty(),
        "vectors with the wrong answer: {wrong:#?}"
    );
}

#[test]
fn string_to_sign_matches_what_twilio_put_through_the_hmac() {
    let mut checked = 0;
    for v in sha1_vectors() {
        let (Some(expected), Some(signed_url)) = (&v.string_to_sign, &v.signed_url) else {
            continue;
        };
        let params = if v.body.is_some() {
            Form::new()
        } else {
            v.params.clone()
        };
        assert_eq!(
            &signature::string_to_sign(signed_url, &params),
            expected,
            "{}",
            v.id
        );
        if v.valid {
            assert_eq!(
                signature::compute_signature(&v.token, signed_url, &params),
                v.signature,
                "{}",
                v.id
            );
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} vectors had a string_to_sign");
}

#[test]
fn the_example_bodies_parse_to_the_signed_parameters() {
    let mut checked = 0;
    for v in sha1_vectors() {
        let Some(body) = &v.form_body_example else {
            continue;
        };
        let parsed = Form::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", v.id));
        if v.method == "POST" && v.body.is_none() {
            assert_eq!(
                signature::validate(&v.token, &v.url, &parsed, &v.signature),
                v.valid,
                "{}: parsing the wire body changed the answer",
                v.id
            );
            checked += 1;
        }
    }
    assert!(checked >= 15);
}

#[test]
fn sha256_shared_key_vector_passes_with_its_algorithm_only() {
    let v = vectors()
        .into_iter()
        .find(|v| v.algorithm == "HMAC_SHA256")
        .expect("one SHA-256 vector");
    assert!(signature::validate_with(
        Algorithm::HmacSha256,
        &v.token,
        &v.url,
        &v.params,
        &v.signature
    ));
    assert!(!signature::validate(
        &v.token,
        &v.url,
        &v.params,
        &v.signature
    ));
    assert_eq!(
        signature::compute_signature_with(Algorithm::HmacSha256, &v.token, &v.url, &v.params),
        v.signature
    );
}

fn valid_form_vector(id: &str) -> Vector {
    let v = sha1_vectors()
        .into_iter()
        .find(|v| v.id == id)
        .expect("vector exists");
    assert!(v.valid && check(&v), "{id} is a valid baseline");
    v
}

fn form_of(pairs: Vec<(String, String)>) -> Form {
    pairs.into_iter().collect()
}

#[test]
fn tampered_value_name_or_missing_or_extra_parameter_is_rejected() {
    let v = valid_form_vector("inbound_voice_apigw_stage_path");
    let n = v.params.len();
    assert!(n > 20);
    for i in 0..n {
        let mut changed = v.params.clone().into_pairs();
        changed[i].1.push('x');
        assert!(
            !signature::validate(&v.token, &v.url, &form_of(changed), &v.signature),
            "value {i}"
        );

        let mut renamed = v.params.clone().into_pairs();
        renamed[i].0.push('x');
        assert!(
            !signature::validate(&v.token, &v.url, &form_of(renamed), &v.signature),
            "name {i}"
        );

        let mut dropped = v.params.clone().into_pairs();
        dropped.remove(i);
        assert!(
            !signature::validate(&v.token, &v.url, &form_of(dropped), &v.signature),
            "dropped {i}"
        );
    }
    let mut extra = v.params.clone();
    extra.push("Extra", "");
    assert!(!signature::validate(&v.token, &v.url, &extra, &v.signature));
}

#[test]
fn tampered_url_is_rejected() {
    let v = valid_form_vector("query_string_canonical");
    for url in [
        "https://mycompany.com/myapp.php?bar=2&foo=1",
        "https://mycompany.com/myapp.php?foo=1&bar=3",
        "https://mycompany.com/myapp.php?foo=1&bar=2&",
        "https://mycompany.com/myapp.php/?foo=1&bar=2",
        "https://mycompany.com/myapp.php",
        "http://mycompany.com/myapp.php?foo=1&bar=2",
        "https://mycompany.com:8443/myapp.php?foo=1&bar=2x",
        "https://evil.com/myapp.php?foo=1&bar=2",
        "https://MYCOMPANY.com/myapp.php?foo=1&bar=2",
    ] {
        assert!(
            !signature::validate(&v.token, url, &v.params, &v.signature),
            "{url}"
        );
    }
    // The default port, written or not, is the same URL to Twilio's validators.
    assert!(signature::validate(
        &v.token,
        "https://mycompany.com:443/myapp.php?foo=1&bar=2",
        &v.params,
        &v.signature
    ));
}

#[test]
fn body_parameter_order_does_not_matter_but_every_value_does() {
    let v = valid_form_vector("query_string_canonical");
    let mut reversed = v.params.clone().into_pairs();
    reversed.reverse();
    assert!(signature::validate(
        &v.token,
        &v.url,
        &form_of(reversed),
        &v.signature
    ));

    let r = valid_form_vector("repeated_key_values_sorted");
    let mut reordered = r.params.clone().into_pairs();
    reordered.reverse();
    assert!(signature::validate(
        &r.token,
        &r.url,
        &form_of(reordered),
        &r.signature
    ));
    let values: Vec<_> = r.params.get_all("Digits").collect();
    assert!(values.len() >= 2, "the vector has a repeated key");
    // One value fewer, or one more distinct value, is a different request.
    let mut fewer = r.params.clone().into_pairs();
    let last = fewer
        .iter()
        .rposition(|(n, _)| n == "Digits")
        .expect("repeated key present");
    fewer.remove(last);
    assert!(!signature::validate(
        &r.token,
        &r.url,
        &form_of(fewer),
        &r.signature
    ));
    let mut more = r.params.clone();
    more.push("Digits", "0000");
    assert!(!signature::validate(&r.token, &r.url, &more, &r.signature));
    // The same value twice is signed once (the SDKs de-duplicate), so repeating one is accepted.
    let mut doubled = r.params.clone();
    doubled.push("Digits", values[0]);
    assert!(signature::validate(
        &r.token,
        &r.url,
        &doubled,
        &r.signature
    ));
}

#[test]
fn signature_itself_must_match_exactly() {
    let v = valid_form_vector("docs_example");
    let sig = &v.signature;
    let mut variants = vec![
        String::new(),
        sig.to_lowercase(),
        sig.trim_end_matches('=').to_owned(),
        format!("{sig} "),
    ];
    let mut flipped = sig.clone().into_bytes();
    flipped[0] ^= 1;
    variants.push(String::from_utf8(flipped).expect("ascii"));
    for bad in variants {
        assert!(
            !signature::validate(&v.token, &v.url, &v.params, &bad),
            "{bad:?}"
        );
    }
    assert!(!signature::validate("12346", &v.url, &v.params, sig));
}

#[test]
fn json_body_needs_both_hash_and_signature() {
    let v = sha1_vectors()
        .into_iter()
        .find(|v| v.id == "json_body_sha256_canonical")
        .expect("vector exists");
    let body = v.body.clone().expect("json vector has a body");
    assert!(signature::validate_body(
        &v.token,
        &v.url,
        body.as_bytes(),
        &v.signature
    ));
    assert!(!signature::validate_body(
        &v.token,
        &v.url,
        format!("{body} ").as_bytes(),
        &v.signature
    ));
    assert!(!signature::validate_body(
        "other",
        &v.url,
        body.as_bytes(),
        &v.signature
    ));
    // Without bodySHA256 in the URL the body is unsigned, so it is refused even when
    // the URL's signature is right.
    let bare = v.url.split("&bodySHA256").next().expect("split");
    let sig = signature::compute_signature(&v.token, bare, &Form::new());
    assert!(!signature::validate_body(
        &v.token,
        bare,
        body.as_bytes(),
        &sig
    ));
}
