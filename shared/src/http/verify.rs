//! [`WebhookVerifier`]: is this request a webhook Twilio sent us?
//!
//! In order, each with its own refusal: the method (405), the content type (415), the
//! size (413, also from a declared `Content-Length`), the encoding (400), and last the
//! `X-Twilio-Signature` (403), so an unsigned flood costs no HMAC and a bad signature is
//! never mistaken for a malformed body.
//!
//! # Which URL is verified
//!
//! The signed URL is rebuilt as `PUBLIC_BASE_URL` + `req.uri().path()` + `?` +
//! `req.uri().query()` (raw, as received). The `Host` and `X-Forwarded-*` headers are
//! never used, so a captured request replayed with forged headers cannot name another
//! URL. `PUBLIC_BASE_URL` must therefore hold whatever prefix Twilio calls that the
//! path does not contain:
//!
//! - HTTP API `$default` stage or Function URL: `https://<id>.execute-api.<region>.amazonaws.com`
//!   or `https://<id>.lambda-url.<region>.on.aws` (the path is the whole path);
//! - REST API, or an HTTP API with a named stage: lambda_http already puts `/<stage>`
//!   into the path, so the base is only `https://<host>`;
//! - custom domain with a base-path mapping: the path lacks the mapping key, so the
//!   base is `https://api.example.com/<mapping>`;
//! - `cargo lambda watch` Function-URL emulation strips `/lambda-url/<function>`, so the
//!   base is `http://localhost:9000/lambda-url/<function>` (it must match the URL the
//!   local signer, e.g. `callflow call`, signed).
//!
//! REST APIs (payload 1.0) hand lambda_http the query as a parsed map, which it
//! re-serialises, so order and escaping can differ from what Twilio signed: keep query
//! strings out of webhook URLs there, or use an HTTP API / Function URL, whose raw query
//! is passed through unchanged.
//!

use lambda_http::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use lambda_http::http::{HeaderMap, Method, Request, Uri};
use url::Url;

use super::{ErrorResponse, FORM_CONTENT_TYPE, MAX_BODY_BYTES};
use crate::config::{Config, PublicBase, Signatures};
use crate::webhook::signature::{self, Algorithm, SETTINGS_HEADER, SIGNATURE_HEADER};
use crate::webhook::Form;

/// Checks and parses incoming webhooks: method, content type, size, form encoding and
/// `X-Twilio-Signature`.
///
/// ```
/// use callflow::http::WebhookVerifier;
/// use callflow::webhook::{signature, Form};
/// use lambda_http::{http::Request, Body};
///
/// let verifier = WebhookVerifier::new("token", "https://api.example.com/prod".parse()?);
/// let body = "CallSid=CA1&AccountSid=AC1&Digits=1";
/// let sig = signature::compute_signature(
///     "token",
///     "https://api.example.com/prod/voice?step=menu",
///     &Form::parse(body.as_bytes())?,
/// );
/// let req = Request::builder()
///     .method("POST")
///     .uri("/voice?step=menu")
///     .header("content-type", "application/x-www-form-urlencoded")
///     .header("x-twilio-signature", sig)
///     .body(Body::Binary(body.into()))?;
/// let form = verifier.verify_form(&req).map_err(|e| e.message)?;
/// assert_eq!(form.get("Digits"), Some("1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct WebhookVerifier {
    /// Signs webhooks with HMAC-SHA1.
    auth_token: String,
    /// How signatures are checked: the configuration's own value.
    signatures: Signatures,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("signatures", &self.signatures)
            .finish_non_exhaustive()
    }
}

impl WebhookVerifier {
    /// Checks signatures made with `auth_token` over `public_base_url` + path + query.
    pub fn new(auth_token: impl Into<String>, public_base_url: Url) -> Self {
        Self {
            auth_token: auth_token.into(),
            signatures: Signatures::Checked {
                base: PublicBase::Url(public_base_url),
                shared_key: None,
            },
        }
    }

    /// Checks nothing about signatures (method, type, size and parsing still are).
    /// For local experiments only; [`Config::log_startup_warnings`] says so loudly.
    pub fn insecure_no_signature() -> Self {
        Self {
            auth_token: String::new(),
            signatures: Signatures::Off,
        }
    }

    /// The verifier the configuration asks for.
    pub fn from_config(config: &Config) -> Self {
        Self {
            auth_token: config.auth_token.clone(),
            signatures: config.signatures.clone(),
        }
    }

    /// A form-encoded POST webhook: 405 unless POST, 415 unless form content type, 413
    /// over the size limit, 400 if the body does not parse, 403 if the signature is
    /// missing or wrong. Gives every parameter, in order.
    pub fn verify_form<B: AsRef<[u8]>>(&self, req: &Request<B>) -> Result<Form, ErrorResponse> {
        let (method, headers, body) = (req.method(), req.headers(), req.body().as_ref());
        if method != Method::POST {
            return Err(ErrorResponse::method_not_allowed(method, &[Method::POST]));
        }
        require_content_type(headers, FORM_CONTENT_TYPE)?;
        check_size(headers, body)?;
        let form = Form::parse(body)?;
        self.check_signature(req, |algorithm, key, url, sig| {
            signature::validate_with(algorithm, key, url, &form, sig)
        })?;
        Ok(form)
    }

    /// A signed GET (a read, see [`authorize_read`](Self::authorize_read)): 405 unless
    /// GET or HEAD, 400 if the query does not parse, 403 unless the signature covers the
    /// URL with its query (nothing is appended for GET). Gives the query parameters.
    pub(super) fn verify_get<B>(&self, req: &Request<B>) -> Result<Form, ErrorResponse> {
        let method = req.method();
        if method != Method::GET && method != Method::HEAD {
            return Err(ErrorResponse::method_not_allowed(method, &[Method::GET]));
        }
        let query = Form::parse(req.uri().query().unwrap_or_default().as_bytes())?;
        self.check_signature(req, |algorithm, key, url, sig| {
            signature::validate_with(algorithm, key, url, &Form::new(), sig)
        })?;
        Ok(query)
    }

    /// A JSON POST webhook signed with `bodySHA256`: 405, 415 (unless
    /// `application/json`), 413, then 403 unless the URL's `bodySHA256` matches the raw
    /// body and the signature covers the URL. Gives the raw body (parse it yourself;
    /// never re-serialise before checking).
    pub fn verify_json<'r, B: AsRef<[u8]>>(
        &self,
        req: &'r Request<B>,
    ) -> Result<&'r [u8], ErrorResponse> {
        let method = req.method();
        if method != Method::POST {
            return Err(ErrorResponse::method_not_allowed(method, &[Method::POST]));
        }
        require_content_type(req.headers(), "application/json")?;
        let body = req.body().as_ref();
        check_size(req.headers(), body)?;
        self.check_signature(req, |algorithm, key, url, sig| {
            signature::validate_body_with(algorithm, key, url, body, sig)
        })?;
        Ok(body)
    }

    /// 403 unless `valid` accepts the request's signature for the URL Twilio signed,
    /// with the key and algorithm the settings header names (500 when the server
    /// cannot tell which URL that is).
    fn check_signature<B>(
        &self,
        req: &Request<B>,
        valid: impl Fn(Algorithm, &str, &str, &str) -> bool,
    ) -> Result<(), ErrorResponse> {
        let (uri, headers) = (req.uri(), req.headers());
        let context_base;
        let (base, shared_key) = match &self.signatures {
            Signatures::Off => return Ok(()),
            Signatures::Checked {
                base: PublicBase::Url(url),
                shared_key,
            } => (url.as_str().trim_end_matches('/'), shared_key),
            Signatures::Checked {
                base: PublicBase::FromRequestContext,
                shared_key,
            } => {
                let Some(domain) = context_domain(req) else {
                    tracing::error!(
                        "PUBLIC_BASE_URL=auto, but the request has no API Gateway domain in its context"
                    );
                    return Err(ErrorResponse::internal(
                        "webhook signature checks are misconfigured on this server",
                    ));
                };
                context_base = format!("https://{domain}");
                (context_base.as_str(), shared_key)
            }
        };
        let signature = headers
            .get(SIGNATURE_HEADER)
            .ok_or_else(|| ErrorResponse::forbidden("missing X-Twilio-Signature header"))?
            .to_str()
            .map_err(|_| ErrorResponse::forbidden("X-Twilio-Signature header is not valid"))?
            .trim();
        let settings = headers
            .get(SETTINGS_HEADER)
            .map(|v| v.to_str().unwrap_or("algorithm=?"));
        let (algorithm, key) = match Algorithm::from_settings_header(settings) {
            Some(Algorithm::HmacSha1) => (Algorithm::HmacSha1, self.auth_token.as_str()),
            Some(Algorithm::HmacSha256) => match shared_key {
                Some(key) => (Algorithm::HmacSha256, key.as_str()),
                None => {
                    return Err(ErrorResponse::forbidden(
                        "HMAC-SHA256 (SharedKey) signatures are not configured on this server",
                    ))
                }
            },
            None => {
                return Err(ErrorResponse::forbidden(
                    "X-Twilio-Webhooks-Signature-Settings names an unsupported algorithm",
                ))
            }
        };
        let url = join_url(base, uri);
        if valid(algorithm, key, &url, signature) {
            Ok(())
        } else {
            tracing::warn!(url = %super::for_log(&url), "X-Twilio-Signature does not match");
            Err(ErrorResponse::forbidden(
                "X-Twilio-Signature does not match this request (check PUBLIC_BASE_URL and the auth token)",
            ))
        }
    }
}

/// The domain API Gateway (or a Function URL) says it was called on, from the request
/// context lambda_http attaches. Absent outside Lambda.
fn context_domain<B>(req: &Request<B>) -> Option<&str> {
    use lambda_http::request::RequestContext;
    let domain = match req.extensions().get::<RequestContext>()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.domain_name.as_deref(),
        RequestContext::ApiGatewayV1(ctx) => ctx.domain_name.as_deref(),
        _ => None,
    };
    domain.filter(|d| !d.is_empty())
}

fn join_url(base: &str, uri: &Uri) -> String {
    let path = uri.path();
    let mut url =
        String::with_capacity(base.len() + path.len() + uri.query().map_or(0, |q| q.len() + 1));
    url.push_str(base);
    url.push_str(path);
    if let Some(query) = uri.query() {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// 413 over [`MAX_BODY_BYTES`], whether the body is that long or only says it will be.
fn check_size(headers: &HeaderMap, body: &[u8]) -> Result<(), ErrorResponse> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let too_big = |n: u64| n > MAX_BODY_BYTES as u64;
    if body.len() > MAX_BODY_BYTES || declared.is_some_and(too_big) {
        return Err(ErrorResponse::payload_too_large(MAX_BODY_BYTES));
    }
    Ok(())
}

/// 415 unless the media type (before any `;` parameters) is `expected`.
fn require_content_type(headers: &HeaderMap, expected: &str) -> Result<(), ErrorResponse> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Err(ErrorResponse::unsupported_media_type(None, expected));
    };
    let text = value.to_str().unwrap_or("");
    let media_type = text.split(';').next().unwrap_or_default().trim();
    if media_type.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(ErrorResponse::unsupported_media_type(Some(text), expected))
    }
}
