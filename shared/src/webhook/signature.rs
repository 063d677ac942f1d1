//! `X-Twilio-Signature`: computing and checking Twilio's webhook signatures.
//!
//! The string to sign is the full public URL, byte for byte as configured, followed by
//! every POST parameter as `name` + `value`, names sorted by code point and, for a
//! repeated name, its distinct values sorted (Twilio's SDKs de-duplicate; we match
//! them). The MAC is HMAC-SHA1 keyed with the auth token, base64 with padding. A JSON
//! body is not appended: its SHA-256 (lowercase hex) is in the URL's `bodySHA256` query
//! parameter, and both that hash and the signature over the URL must match. With
//! `X-Twilio-Webhooks-Signature-Settings: …algorithm=HMAC_SHA256`, the same string is
//! signed with HMAC-SHA256 and a SharedKey secret instead (twilio-python 9.13.0). The
//! vectors in `tests/webhook_signature_vectors.json` were computed with twilio-python
//! 9.13.0 and cross-checked with twilio-node 6.2.0.
//!
//! Checks accept the URL as given, with its port removed and with the default port
//! added, as twilio-python and twilio-node do, and compare in constant time. The
//! "normalised URL" fallback that only twilio-node tries is deliberately left out, so
//! results equal twilio-python's on every vector.

use std::borrow::Cow;

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::Form;

/// The header Twilio puts the signature in.
pub const SIGNATURE_HEADER: &str = "X-Twilio-Signature";

/// The header that announces a SharedKey signature (public beta), e.g.
/// `key=KS…,algorithm=HMAC_SHA256`.
pub const SETTINGS_HEADER: &str = "X-Twilio-Webhooks-Signature-Settings";

/// The MAC algorithm of a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// HMAC-SHA1 keyed with the account auth token: the normal case.
    #[default]
    HmacSha1,
    /// HMAC-SHA256 keyed with a SharedKey secret (Webhooks configuration API, beta).
    HmacSha256,
}

impl Algorithm {
    /// Reads the algorithm from the `X-Twilio-Webhooks-Signature-Settings` header.
    ///
    /// No header, or one without `algorithm=`, means HMAC-SHA1. An algorithm this crate
    /// does not know gives `None`, and the request must then be refused (as
    /// twilio-python does).
    pub fn from_settings_header(value: Option<&str>) -> Option<Self> {
        let Some(value) = value else {
            return Some(Self::HmacSha1);
        };
        let algorithm = value
            .split(',')
            .filter_map(|part| part.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("algorithm"))
            .map(|(_, v)| v.trim());
        match algorithm {
            None => Some(Self::HmacSha1),
            Some(a) if a.eq_ignore_ascii_case("HMAC_SHA1") => Some(Self::HmacSha1),
            Some(a) if a.eq_ignore_ascii_case("HMAC_SHA256") => Some(Self::HmacSha256),
            Some(_) => None,
        }
    }
}

/// The exact string Twilio puts through the HMAC for `url` and POST `params`.
///
/// ```
/// use callflow::webhook::{signature, Form};
///
/// let params = Form::parse(b"To=%2B1800&Digits=1234&Digits=1234&Digits=12")?;
/// assert_eq!(
///     signature::string_to_sign("https://example.com/v?a=1", &params),
///     "https://example.com/v?a=1Digits12Digits1234To+1800",
/// );
/// # Ok::<(), callflow::webhook::WebhookError>(())
/// ```
pub fn string_to_sign(url: &str, params: &Form) -> String {
    let pairs = signed_pairs(params);
    let mut s = String::with_capacity(
        url.len() + pairs.iter().map(|(n, v)| n.len() + v.len()).sum::<usize>(),
    );
    s.push_str(url);
    for (name, value) in pairs {
        s.push_str(name);
        s.push_str(value);
    }
    s
}

/// The pairs appended to the URL, in the order they are signed.
fn signed_pairs(params: &Form) -> Vec<(&str, &str)> {
    let mut pairs: Vec<(&str, &str)> = params.iter().collect();
    // Sorting the (name, value) tuples sorts names by code point (`str`'s `Ord` is
    // byte order, which for UTF-8 is code-point order) and, within a name, its values;
    // `dedup` then drops repeated identical pairs as the SDKs' `set()` does.
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// The HMAC-SHA1 signature Twilio would send for `url` and POST `params`.
///
/// ```
/// use callflow::webhook::{signature, Form};
///
/// // Twilio's documentation example.
/// let params: Form = [
///     ("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
///     ("From", "+12349013030"), ("To", "+18005551212"),
/// ].into_iter().collect();
/// let sig = signature::compute_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &params);
/// assert_eq!(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
/// ```
pub fn compute_signature(auth_token: &str, url: &str, params: &Form) -> String {
    compute_signature_with(Algorithm::HmacSha1, auth_token, url, params)
}

/// Like [`compute_signature`], for either algorithm.
pub fn compute_signature_with(algorithm: Algorithm, key: &str, url: &str, params: &Form) -> String {
    signatures(algorithm, key, &[Cow::Borrowed(url)], &signed_pairs(params))
        .pop()
        .unwrap_or_default()
}

/// The base64 MAC of each of `urls` followed by `pairs`. The key's pads are computed once
/// for all URLs, and each string to sign is fed to the MAC in pieces rather than built:
/// a check runs on every webhook, over two or three candidate URLs.
fn signatures(
    algorithm: Algorithm,
    key: &str,
    urls: &[Cow<'_, str>],
    pairs: &[(&str, &str)],
) -> Vec<String> {
    match algorithm {
        Algorithm::HmacSha1 => macs::<Hmac<Sha1>>(key, urls, pairs),
        Algorithm::HmacSha256 => macs::<Hmac<Sha256>>(key, urls, pairs),
    }
}

fn macs<M: Mac + KeyInit + Clone>(
    key: &str,
    urls: &[Cow<'_, str>],
    pairs: &[(&str, &str)],
) -> Vec<String> {
    // HMAC is defined for keys of any length (long keys are hashed): never refused.
    let Ok(keyed) = <M as KeyInit>::new_from_slice(key.as_bytes()) else {
        return Vec::new();
    };
    urls.iter()
        .map(|url| {
            let mut mac = keyed.clone();
            mac.update(url.as_bytes());
            for (name, value) in pairs {
                mac.update(name.as_bytes());
                mac.update(value.as_bytes());
            }
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        })
        .collect()
}

/// Whether `signature` (the `X-Twilio-Signature` value) is Twilio's HMAC-SHA1 for
/// `url` and the POST `params`. For GET webhooks pass an empty form: the parameters
/// are already in the URL's query.
pub fn validate(auth_token: &str, url: &str, params: &Form, signature: &str) -> bool {
    validate_with(Algorithm::HmacSha1, auth_token, url, params, signature)
}

/// Like [`validate`], for either algorithm.
pub fn validate_with(
    algorithm: Algorithm,
    key: &str,
    url: &str,
    params: &Form,
    signature: &str,
) -> bool {
    // Every candidate is computed and compared before answering, so the time taken does
    // not tell which candidate (if any) matched.
    signatures(algorithm, key, &candidate_urls(url), &signed_pairs(params))
        .iter()
        .map(|candidate| constant_time_eq(candidate, signature))
        .fold(false, |acc, ok| acc | ok)
}

/// Checks a JSON (or any non-form) webhook: `url` must carry `bodySHA256=<hex>` in its
/// query, that must equal the SHA-256 of the raw `body`, and `signature` must be the
/// HMAC of the URL alone (no parameters appended).
///
/// A URL without `bodySHA256` is refused: without it the body would be unsigned.
pub fn validate_body(auth_token: &str, url: &str, body: &[u8], signature: &str) -> bool {
    validate_body_with(Algorithm::HmacSha1, auth_token, url, body, signature)
}

/// Like [`validate_body`], for either algorithm.
pub fn validate_body_with(
    algorithm: Algorithm,
    key: &str,
    url: &str,
    body: &[u8],
    signature: &str,
) -> bool {
    let Some(expected_hash) = body_sha256_param(url) else {
        return false;
    };
    let hash_ok = constant_time_eq(&body_sha256_hex(body), &expected_hash);
    let signature_ok = validate_with(algorithm, key, url, &Form::new(), signature);
    hash_ok & signature_ok
}

/// Lowercase hex SHA-256 of `body`, as Twilio puts it in `bodySHA256`.
pub fn body_sha256_hex(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The first `bodySHA256` value in the URL's query, decoded.
fn body_sha256_param(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or_default();
    let form = Form::parse(query.as_bytes()).ok()?;
    form.get("bodySHA256").map(str::to_owned)
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The URLs a signature is checked against: as given, without its port, and with the
/// scheme's default port (443 for https, 80 otherwise) when it has none. Duplicates are
/// removed. The URL is otherwise left byte for byte as it is.
pub fn candidate_urls(url: &str) -> Vec<Cow<'_, str>> {
    let mut out = vec![Cow::Borrowed(url)];
    if let Some(parts) = Authority::find(url) {
        match parts.port {
            Some((start, end)) => {
                // Remove ":port" (start points at the colon).
                out.push(Cow::Owned(format!("{}{}", &url[..start], &url[end..])));
            }
            None => {
                let port = if parts.scheme.eq_ignore_ascii_case("https") {
                    443
                } else {
                    80
                };
                out.push(Cow::Owned(format!(
                    "{}:{port}{}",
                    &url[..parts.host_end],
                    &url[parts.host_end..]
                )));
            }
        }
    }
    out
}

/// Where scheme, host end and port sit in a URL string.
struct Authority<'a> {
    scheme: &'a str,
    /// Byte index just after the host (where a `:port` starts or would go).
    host_end: usize,
    /// Byte range of `:port`, colon included, when the URL has a numeric port.
    port: Option<(usize, usize)>,
}

impl<'a> Authority<'a> {
    fn find(url: &'a str) -> Option<Self> {
        let scheme_end = url.find("://")?;
        let scheme = &url[..scheme_end];
        let start = scheme_end + 3;
        let len = url[start..]
            .find(['/', '?', '#'])
            .unwrap_or(url.len() - start);
        let authority = &url[start..start + len];
        // Skip any `user:pass@`, whose colon is not a port separator.
        let host_start = start + authority.rfind('@').map_or(0, |at| at + 1);
        let end = start + len;
        let host_port = &url[host_start..end];
        // An IPv6 literal's colons are inside the brackets.
        let search_from = host_port.rfind(']').map_or(0, |b| b + 1);
        match host_port[search_from..].rfind(':') {
            Some(colon) => {
                let colon = host_start + search_from + colon;
                let digits = &url[colon + 1..end];
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    Some(Self {
                        scheme,
                        host_end: colon,
                        port: Some((colon, end)),
                    })
                } else if digits.is_empty() {
                    // "host:" with an empty port: treat as no port, add after the colon-less host.
                    Some(Self {
                        scheme,
                        host_end: colon,
                        port: Some((colon, end)),
                    })
                } else {
                    None
                }
            }
            None => Some(Self {
                scheme,
                host_end: end,
                port: None,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(url: &str) -> Vec<String> {
        candidate_urls(url)
            .into_iter()
            .map(Cow::into_owned)
            .collect()
    }

    #[test]
    fn candidates_add_and_remove_ports() {
        assert_eq!(
            candidates("https://e.com/v?x=1"),
            ["https://e.com/v?x=1", "https://e.com:443/v?x=1"]
        );
        assert_eq!(
            candidates("http://e.com"),
            ["http://e.com", "http://e.com:80"]
        );
        assert_eq!(
            candidates("https://e.com:8443/v"),
            ["https://e.com:8443/v", "https://e.com/v"]
        );
        assert_eq!(
            candidates("https://u:p@e.com/v"),
            ["https://u:p@e.com/v", "https://u:p@e.com:443/v"]
        );
        assert_eq!(
            candidates("https://u:p@e.com:444/v"),
            ["https://u:p@e.com:444/v", "https://u:p@e.com/v"]
        );
        assert_eq!(
            candidates("https://[::1]:8443/v"),
            ["https://[::1]:8443/v", "https://[::1]/v"]
        );
        assert_eq!(
            candidates("https://[::1]/v"),
            ["https://[::1]/v", "https://[::1]:443/v"]
        );
        assert_eq!(candidates("not a url"), ["not a url"]);
    }

    #[test]
    fn settings_header_picks_the_algorithm() {
        assert_eq!(
            Algorithm::from_settings_header(None),
            Some(Algorithm::HmacSha1)
        );
        assert_eq!(
            Algorithm::from_settings_header(Some("key=KS1, algorithm=HMAC_SHA256")),
            Some(Algorithm::HmacSha256)
        );
        assert_eq!(
            Algorithm::from_settings_header(Some("key=KS1")),
            Some(Algorithm::HmacSha1)
        );
        assert_eq!(Algorithm::from_settings_header(Some("algorithm=MD5")), None);
    }
}
