//! `callflow sign`: the `X-Twilio-Signature` for a webhook, and a ready curl command, for
//! testing deployed functions by hand.

use anyhow::{bail, Context as _};
use callflow::webhook::{signature, Form};

/// A webhook to sign.
#[derive(Debug, Clone)]
pub struct SignRequest {
    /// The full URL Twilio would call, query included.
    pub url: String,
    /// POST parameters as `Key=Value` (empty for a GET).
    pub params: Vec<String>,
    pub auth_token: String,
    /// Sign a GET (parameters belong in the URL's query).
    pub get: bool,
}

/// What `sign` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub signature: String,
    pub curl: String,
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
    let form = parse_params(&request.params)?;
    if request.get && !form.is_empty() {
        bail!("a GET webhook carries its parameters in the URL's query, not as -d");
    }
    let signature = signature::compute_signature(&request.auth_token, &request.url, &form);
    let mut curl = format!(
        "curl -sS {} -H 'X-Twilio-Signature: {signature}'",
        shell_quote(&request.url)
    );
    if !request.get {
        for (key, value) in form.iter() {
            let pair = Form::from_iter([(key, value)]).to_urlencoded();
            curl.push_str(&format!(" --data-raw {}", shell_quote(&pair)));
        }
        if form.is_empty() {
            curl.push_str(" -X POST");
        }
    }
    Ok(Signed { signature, curl })
}

/// Single-quotes for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
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
    fn quotes_for_the_shell() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
