//! `callflow sign`: the `X-Twilio-Signature` for a webhook, and a ready curl command, for
//! testing deployed functions by hand.
//!
//! A voice webhook from Twilio always carries the call's identity (`AccountSid`,
//! `CallSid`, `From`, `To`, `CallStatus`, `Direction`, `ApiVersion`, and the legacy
//! `Caller`/`Called`), and the functions refuse a request without them. So a POST is
//! signed with every one of those the user did not give filled in ([`VOICE_DEFAULTS`],
//! a random `CallSid`, the account SID in use), and [`Signed::filled`] says which, so a
//! hand-made request is one the functions accept. `--no-defaults` signs exactly what is
//! given (for requests that are not voice webhooks).

use anyhow::{bail, Context as _};
use callflow::webhook::{signature, Form};

use crate::shell;

/// The fields of a voice webhook that do not depend on the account, as `callflow call`
/// sends them for a new inbound call (Twilio's test numbers). The legacy `Caller` and
/// `Called` then repeat `From` and `To`.
pub const VOICE_DEFAULTS: [(&str, &str); 5] = [
    ("ApiVersion", "2010-04-01"),
    ("CallStatus", "ringing"),
    ("Direction", "inbound"),
    ("From", "+15005550006"),
    ("To", "+15005550001"),
];

/// A webhook to sign.
#[derive(Debug, Clone)]
pub struct SignRequest {
    /// The full URL Twilio would call, query included.
    pub url: String,
    /// POST parameters as `Key=Value` (empty for a GET).
    pub params: Vec<String>,
    /// The auth token the signature is an HMAC with.
    pub auth_token: String,
    /// Sign a GET (parameters belong in the URL's query).
    pub get: bool,
    /// Fill in the voice webhook fields Twilio always sends with this account SID, where
    /// not given; `None` signs exactly `params`.
    pub fill_for_account: Option<String>,
}

/// What `sign` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// `X-Twilio-Signature`'s value: base64 HMAC-SHA1 of the URL and the sorted parameters.
    pub signature: String,
    /// A `curl` command that sends the signed request as it is, ready to paste.
    pub curl: String,
    /// The fields that were filled in, as `Key=Value`, in the order they were added.
    pub filled: Vec<String>,
}

/// Parses `Key=Value` arguments into a form, keeping order and repeats.
pub fn parse_params(params: &[String]) -> anyhow::Result<Form> {
    let mut form = Form::new();
    for param in params {
        let Some((key, value)) = param.split_once('=') else {
            bail!("parameter `{param}` is not Key=Value");
        };
        if key.is_empty() {
            bail!("parameter `{param}` has an empty name");
        }
        form.push(key, value);
    }
    Ok(form)
}

/// Computes the signature and the curl command that sends it.
pub fn sign(request: &SignRequest) -> anyhow::Result<Signed> {
    url::Url::parse(&request.url).with_context(|| format!("`{}` is not a URL", request.url))?;
    let mut form = parse_params(&request.params)?;
    if request.get && !form.is_empty() {
        bail!("a GET webhook carries its parameters in the URL's query, not as -d");
    }
    let mut filled = Vec::new();
    if let (Some(account_sid), false) = (&request.fill_for_account, request.get) {
        let call_sid = crate::call::random_call_sid();
        let identity = [
            ("AccountSid", account_sid.as_str()),
            ("CallSid", call_sid.as_str()),
        ];
        for (key, value) in identity.into_iter().chain(VOICE_DEFAULTS) {
            if form.get(key).is_none() {
                form.push(key, value);
                filled.push(format!("{key}={value}"));
            }
        }
        for (legacy, current) in [("Caller", "From"), ("Called", "To")] {
            if form.get(legacy).is_none() {
                let value = form.get(current).unwrap_or_default().to_owned();
                form.push(legacy, &value);
                filled.push(format!("{legacy}={value}"));
            }
        }
    }
    let signature = signature::compute_signature(&request.auth_token, &request.url, &form);
    let mut curl = format!(
        "curl -sS {} -H 'X-Twilio-Signature: {signature}'",
        shell::quote(&request.url)
    );
    if !request.get {
        for (key, value) in form.iter() {
            let pair = Form::from_iter([(key, value)]).to_urlencoded();
            curl.push_str(&format!(" --data-raw {}", shell::quote(&pair)));
        }
        if form.is_empty() {
            curl.push_str(" -X POST");
        }
    }
    Ok(Signed {
        signature,
        curl,
        filled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_twilio_does() {
        // Twilio's documented example (auth token 12345): vector `query_string_canonical`
        // in shared/tests/webhook_signature_vectors.json.
        let signed = sign(&SignRequest {
            url: "https://mycompany.com/myapp.php?foo=1&bar=2".into(),
            params: vec![
                "CallSid=CA1234567890ABCDE".into(),
                "Caller=+12349013030".into(),
                "Digits=1234".into(),
                "From=+12349013030".into(),
                "To=+18005551212".into(),
            ],
            auth_token: "12345".into(),
            get: false,
            fill_for_account: None,
        })
        .expect("signs");
        assert_eq!(signed.signature, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert!(signed.curl.contains("--data-raw 'Caller=%2B12349013030'"));
        assert!(signed
            .curl
            .contains("X-Twilio-Signature: 0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    }

    #[test]
    fn refuses_bad_arguments() {
        let base = SignRequest {
            url: "https://example.com/x".into(),
            params: vec!["novalue".into()],
            auth_token: "t".into(),
            get: false,
            fill_for_account: None,
        };
        assert!(sign(&base).is_err());
        assert!(sign(&SignRequest {
            url: "not a url".into(),
            params: vec![],
            ..base.clone()
        })
        .is_err());
        assert!(sign(&SignRequest {
            params: vec!["A=1".into()],
            get: true,
            ..base
        })
        .is_err());
    }

    #[test]
    fn fills_what_twilio_always_sends_and_keeps_what_is_given() {
        let account = format!("AC{}", "0".repeat(32));
        let signed = sign(&SignRequest {
            url: "https://example.com/store-call-state".into(),
            params: vec!["From=+15550001111".into(), "Digits=2".into()],
            auth_token: "t".into(),
            get: false,
            fill_for_account: Some(account.clone()),
        })
        .expect("signs");
        let keys: Vec<&str> = signed
            .filled
            .iter()
            .filter_map(|pair| pair.split_once('=').map(|(key, _)| key))
            .collect();
        assert_eq!(
            keys,
            [
                "AccountSid",
                "CallSid",
                "ApiVersion",
                "CallStatus",
                "Direction",
                "To",
                "Caller",
                "Called"
            ]
        );
        assert!(signed.filled.contains(&format!("AccountSid={account}")));
        assert!(signed.filled.contains(&"Caller=+15550001111".to_owned()));
        assert!(signed.curl.contains("'From=%2B15550001111'"));
        assert!(!signed.curl.contains("From=%2B15005550006"));
        // The signature covers the filled-in fields: the same request without them differs.
        let bare = sign(&SignRequest {
            url: "https://example.com/store-call-state".into(),
            params: vec!["From=+15550001111".into(), "Digits=2".into()],
            auth_token: "t".into(),
            get: false,
            fill_for_account: None,
        })
        .expect("signs");
        assert!(bare.filled.is_empty());
        assert_ne!(bare.signature, signed.signature);
    }
}
