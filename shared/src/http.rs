//! Glue between HTTP requests/responses and the webhook, TwiML and config modules.
//!
//! Everything here works on plain [`http::Request<B>`](lambda_http::http::Request)
//! with any body that is `AsRef<[u8]>`: `lambda_http::Request` (whose `Body` is
//! `Text`, `Binary` or `Empty`; form posts arrive as `Binary` with base64 already
//! decoded), or a request the local dev server collected into `Bytes`. Responses are
//! `http::Response<lambda_http::Body>`, which the dev server converts. So the same
//! handler code serves under Lambda and locally.
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
//! # Error bodies
//!
//! Every refusal is one [`ErrorResponse`], sent as Twilio's error JSON
//! `{"code", "message", "more_info", "status"}`. Codes follow Twilio's `20000 + status`
//! pattern (20403 forbidden, 20404 not found, 20429, 20500), with 20003 for 401 as
//! Twilio's REST API answers.

use std::borrow::Borrow;

use lambda_http::http::header::{
    HeaderName, HeaderValue, ALLOW, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE,
};
use lambda_http::http::{HeaderMap, Method, Request, Response, StatusCode, Uri};
use lambda_http::Body;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use url::Url;

use crate::config::Config;
use crate::sync::SyncError;
use crate::twiml::VoiceResponse;
use crate::webhook::signature::{self, Algorithm, SETTINGS_HEADER, SIGNATURE_HEADER};
use crate::webhook::{Form, StatusCallback, VoiceRequest, WebhookError};

/// Largest webhook body accepted (Twilio's voice webhooks are a few KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The form content type Twilio posts.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Error codes used in [`ErrorResponse`] bodies.
pub mod codes {
    /// 400: malformed body or parameters.
    pub const BAD_REQUEST: u32 = 20400;
    /// 401: missing or wrong bearer token (Twilio's "Authenticate" code).
    pub const UNAUTHORIZED: u32 = 20003;
    /// 403: missing or wrong `X-Twilio-Signature`.
    pub const FORBIDDEN: u32 = 20403;
    /// 404: no such resource.
    pub const NOT_FOUND: u32 = 20404;
    /// 405: wrong HTTP method.
    pub const METHOD_NOT_ALLOWED: u32 = 20405;
    /// 413: body over [`MAX_BODY_BYTES`](super::MAX_BODY_BYTES).
    pub const PAYLOAD_TOO_LARGE: u32 = 20413;
    /// 415: wrong content type.
    pub const UNSUPPORTED_MEDIA_TYPE: u32 = 20415;
    /// 500: our fault.
    pub const INTERNAL: u32 = 20500;
}

/// The JSON body of an error, in Twilio's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Error code (see [`codes`]).
    pub code: u32,
    /// What went wrong, for a human.
    pub message: String,
    /// `https://www.twilio.com/docs/errors/<code>`.
    pub more_info: String,
    /// The HTTP status, repeated.
    pub status: u16,
}

/// A refusal: status, code and message, turned into a response in one place.
///
/// Library errors convert into it (`From<WebhookError>` gives 400, `From<SyncError>`
/// the status that says whose fault it is), so a handler `?`s them and
/// [`Function::call`](crate::service::Function::call) answers `err.into_response()`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} ({code}): {message}")]
pub struct ErrorResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Error code for the body.
    pub code: u32,
    /// Human-readable message for the body.
    pub message: String,
    header: Option<(HeaderName, &'static str)>,
}

impl ErrorResponse {
    /// Any status, code and message.
    pub fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            header: None,
        }
    }

    /// 400 with [`codes::BAD_REQUEST`].
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message)
    }

    /// 401 with [`codes::UNAUTHORIZED`] and `WWW-Authenticate: Bearer`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self {
            header: Some((WWW_AUTHENTICATE, "Bearer")),
            ..Self::new(StatusCode::UNAUTHORIZED, codes::UNAUTHORIZED, message)
        }
    }

    /// 403 with [`codes::FORBIDDEN`].
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, codes::FORBIDDEN, message)
    }

    /// 404 with [`codes::NOT_FOUND`].
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, message)
    }

    /// 405 with [`codes::METHOD_NOT_ALLOWED`] and an `Allow` header.
    pub fn method_not_allowed(got: &Method, allowed: &'static str) -> Self {
        Self {
            header: Some((ALLOW, allowed)),
            ..Self::new(
                StatusCode::METHOD_NOT_ALLOWED,
                codes::METHOD_NOT_ALLOWED,
                format!("method {got} is not allowed here; use {allowed}"),
            )
        }
    }

    /// 413 with [`codes::PAYLOAD_TOO_LARGE`].
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::PAYLOAD_TOO_LARGE,
            format!("request body is larger than {limit} bytes"),
        )
    }

    /// 415 with [`codes::UNSUPPORTED_MEDIA_TYPE`].
    pub fn unsupported_media_type(got: Option<&str>, expected: &str) -> Self {
        let message = match got {
            Some(got) => format!("Content-Type {got:?} is not supported; send {expected}"),
            None => format!("Content-Type is missing; send {expected}"),
        };
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::UNSUPPORTED_MEDIA_TYPE,
            message,
        )
    }

    /// 500 with [`codes::INTERNAL`]. The message is sent to the client, so keep
    /// details in the logs.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, codes::INTERNAL, message)
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code,
            message: self.message.clone(),
            more_info: format!("https://www.twilio.com/docs/errors/{}", self.code),
            status: self.status.as_u16(),
        }
    }

    /// The response: status, `application/json` Twilio error body, and `Allow` /
    /// `WWW-Authenticate` where the status calls for one.
    pub fn into_response(self) -> Response<Body> {
        let mut response = json(self.status, &self.body());
        if let Some((name, value)) = self.header {
            response
                .headers_mut()
                .insert(name, HeaderValue::from_static(value));
        }
        response
    }
}

impl From<WebhookError> for ErrorResponse {
    fn from(e: WebhookError) -> Self {
        Self::bad_request(e.to_string())
    }
}

/// The answer for a Sync failure: the caller's fault only where it is (404, 413); for
/// the rest, a 5xx that tells Twilio to try its fallback URL, with the reason logged.
impl From<SyncError> for ErrorResponse {
    fn from(error: SyncError) -> Self {
        match error {
            SyncError::NotFound(_) => Self::not_found("no such state (unknown, or expired)"),
            SyncError::TooLarge(e) => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                e.code.unwrap_or(54006),
                "the state would exceed Sync's 16 KiB limit",
            ),
            SyncError::RateLimited { .. } => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                54009,
                "Sync is rate limiting this object; try again shortly",
            ),
            SyncError::RevisionMismatch(_) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                54103,
                "too many concurrent updates to this call; try again",
            ),
            SyncError::Timeout { .. } => {
                tracing::error!(%error, "Sync timed out");
                Self::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    20504,
                    "Sync did not answer in time",
                )
            }
            other => {
                tracing::error!(error = %other, "Sync request failed");
                Self::new(StatusCode::BAD_GATEWAY, 20502, "the state store failed")
            }
        }
    }
}

impl From<ErrorResponse> for Response<Body> {
    fn from(e: ErrorResponse) -> Self {
        e.into_response()
    }
}

/// A Twilio-style error response: `{code, message, more_info, status}`.
pub fn error_response(status: StatusCode, code: u32, message: impl Into<String>) -> Response<Body> {
    ErrorResponse::new(status, code, message).into_response()
}

/// 200 `text/xml` with the document (XML declaration included).
pub fn twiml(doc: impl Borrow<VoiceResponse>) -> Response<Body> {
    let mut response = Response::new(Body::from(doc.borrow().to_xml()));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    response
}

/// `application/json` with `status`. A value that cannot be serialised (a map with
/// non-string keys, a failing `Serialize` impl) gives a 500 error body instead.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(bytes) => {
            let mut response = Response::new(Body::from(bytes));
            *response.status_mut() = status;
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "response body could not be serialised");
            let mut response = Response::new(Body::from(
                r#"{"code":20500,"message":"response could not be serialised","more_info":"https://www.twilio.com/docs/errors/20500","status":500}"#,
            ));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
    }
}

/// An empty response with `status` (e.g. 204 for status callbacks, whose body Twilio
/// ignores).
pub fn empty(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = status;
    response
}

/// Checks `Authorization: Bearer <token>` against `expected`, in constant time.
///
/// Refusals are 401 with `WWW-Authenticate: Bearer`.
pub fn check_bearer(headers: &HeaderMap, expected: &str) -> Result<(), ErrorResponse> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Err(ErrorResponse::unauthorized(
            "missing Authorization: Bearer <token> header",
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or_else(|| ErrorResponse::unauthorized("Authorization header is not a Bearer token"))?;
    if !expected.is_empty() && bool::from(token.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(ErrorResponse::unauthorized("bearer token is not valid"))
    }
}

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
/// let call = verifier.verify_voice(&req).map_err(|e| e.message)?;
/// assert_eq!(call.digits.as_deref(), Some("1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct WebhookVerifier {
    mode: Mode,
    max_body_bytes: usize,
}

#[derive(Clone)]
enum Mode {
    Verify {
        auth_token: String,
        /// `PUBLIC_BASE_URL` without a trailing `/`.
        base: String,
        shared_key: Option<String>,
    },
    Off,
    /// `PUBLIC_BASE_URL=auto`: the base is `https://` + the domain API Gateway reports in
    /// the request context (set by API Gateway, not by the client, unlike `Host`).
    FromRequestContext {
        auth_token: String,
        shared_key: Option<String>,
    },
    /// Signatures on but no public URL: every signed request is refused with 500,
    /// since the fault is ours, not the caller's.
    NoBaseUrl,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match &self.mode {
            Mode::Verify { base, .. } => format!("verify against {base}"),
            Mode::Off => "signatures NOT checked".into(),
            Mode::FromRequestContext { .. } => "verify against the API Gateway domain".into(),
            Mode::NoBaseUrl => "misconfigured: no public base URL".into(),
        };
        f.debug_struct("WebhookVerifier")
            .field("mode", &mode)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl WebhookVerifier {
    /// Checks signatures made with `auth_token` over `public_base_url` + path + query.
    pub fn new(auth_token: impl Into<String>, public_base_url: Url) -> Self {
        Self {
            mode: Mode::Verify {
                auth_token: auth_token.into(),
                base: public_base_url.as_str().trim_end_matches('/').to_owned(),
                shared_key: None,
            },
            max_body_bytes: MAX_BODY_BYTES,
        }
    }

    /// Checks nothing about signatures (method, type, size and parsing still are).
    /// For local experiments only; [`Config::log_startup_warnings`] says so loudly.
    pub fn insecure_no_signature() -> Self {
        Self {
            mode: Mode::Off,
            max_body_bytes: MAX_BODY_BYTES,
        }
    }

    /// The verifier the configuration asks for.
    pub fn from_config(config: &Config) -> Self {
        match (&config.public_base_url, config.verify_signatures) {
            (_, false) => Self::insecure_no_signature(),
            (Some(base), true) => Self::new(config.auth_token.clone(), base.clone()),
            (None, true) if config.public_base_from_request => Self {
                mode: Mode::FromRequestContext {
                    auth_token: config.auth_token.clone(),
                    shared_key: None,
                },
                max_body_bytes: MAX_BODY_BYTES,
            },
            (None, true) => Self {
                mode: Mode::NoBaseUrl,
                max_body_bytes: MAX_BODY_BYTES,
            },
        }
    }

    /// Also accepts HMAC-SHA256 signatures made with a SharedKey secret (Twilio's
    /// Webhooks configuration API, public beta), announced by the
    /// `X-Twilio-Webhooks-Signature-Settings` header.
    #[must_use]
    pub fn with_shared_key(mut self, secret: impl Into<String>) -> Self {
        match &mut self.mode {
            Mode::Verify { shared_key, .. } | Mode::FromRequestContext { shared_key, .. } => {
                *shared_key = Some(secret.into());
            }
            Mode::Off | Mode::NoBaseUrl => {}
        }
        self
    }

    /// Changes the body size limit (default [`MAX_BODY_BYTES`]).
    #[must_use]
    pub fn with_max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Whether signatures are checked.
    pub fn verifies_signatures(&self) -> bool {
        !matches!(self.mode, Mode::Off)
    }

    /// The URL Twilio signed for a request with this URI: the public base, the path and
    /// the raw query. `None` when signatures are off.
    pub fn public_url(&self, uri: &Uri) -> Option<String> {
        match &self.mode {
            Mode::Verify { base, .. } => Some(join_url(base, uri)),
            Mode::Off | Mode::NoBaseUrl | Mode::FromRequestContext { .. } => None,
        }
    }

    /// A form-encoded POST webhook: 405 unless POST, 415 unless form content type, 413
    /// over the size limit, 400 if the body does not parse, 403 if the signature is
    /// missing or wrong. Gives every parameter, in order.
    pub fn verify_form<B: AsRef<[u8]>>(&self, req: &Request<B>) -> Result<Form, ErrorResponse> {
        let domain = context_domain(req);
        self.form(
            req.method(),
            req.uri(),
            req.headers(),
            req.body().as_ref(),
            domain,
        )
    }

    /// [`verify_form`](Self::verify_form) on the parts of a request, for servers that
    /// do not hold an `http::Request`.
    pub fn verify_form_parts(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Form, ErrorResponse> {
        self.form(method, uri, headers, body, None)
    }

    fn form(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        domain: Option<&str>,
    ) -> Result<Form, ErrorResponse> {
        if method != Method::POST {
            return Err(ErrorResponse::method_not_allowed(method, "POST"));
        }
        require_content_type(headers, FORM_CONTENT_TYPE)?;
        self.check_size(headers, body)?;
        let form = Form::parse(body)?;
        self.check_signature(uri, headers, domain, |algorithm, key, url, sig| {
            signature::validate_with(algorithm, key, url, &form, sig)
        })?;
        Ok(form)
    }

    /// [`verify_form`](Self::verify_form), then [`VoiceRequest::from_form`] (400 when
    /// `CallSid`/`AccountSid` are missing or a typed field is malformed).
    pub fn verify_voice<B: AsRef<[u8]>>(
        &self,
        req: &Request<B>,
    ) -> Result<VoiceRequest, ErrorResponse> {
        Ok(VoiceRequest::from_owned_form(self.verify_form(req)?)?)
    }

    /// [`verify_form`](Self::verify_form), then [`StatusCallback::from_form`].
    pub fn verify_status_callback<B: AsRef<[u8]>>(
        &self,
        req: &Request<B>,
    ) -> Result<StatusCallback, ErrorResponse> {
        Ok(StatusCallback::from_owned_form(self.verify_form(req)?)?)
    }

    /// A GET webhook (or a signed GET read): 405 unless GET or HEAD, 400 if the query
    /// does not parse, 403 unless the signature covers the URL with its query (nothing
    /// is appended for GET). Gives the query parameters.
    pub fn verify_get<B>(&self, req: &Request<B>) -> Result<Form, ErrorResponse> {
        self.get(req.method(), req.uri(), req.headers(), context_domain(req))
    }

    /// [`verify_get`](Self::verify_get) on the parts of a request.
    pub fn verify_get_parts(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<Form, ErrorResponse> {
        self.get(method, uri, headers, None)
    }

    fn get(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        domain: Option<&str>,
    ) -> Result<Form, ErrorResponse> {
        if method != Method::GET && method != Method::HEAD {
            return Err(ErrorResponse::method_not_allowed(method, "GET"));
        }
        let query = Form::parse(uri.query().unwrap_or_default().as_bytes())?;
        self.check_signature(uri, headers, domain, |algorithm, key, url, sig| {
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
            return Err(ErrorResponse::method_not_allowed(method, "POST"));
        }
        require_content_type(req.headers(), "application/json")?;
        let body = req.body().as_ref();
        self.check_size(req.headers(), body)?;
        let domain = context_domain(req);
        self.check_signature(
            req.uri(),
            req.headers(),
            domain,
            |algorithm, key, url, sig| {
                signature::validate_body_with(algorithm, key, url, body, sig)
            },
        )?;
        Ok(body)
    }

    /// Authorises a JSON read that is not a Twilio webhook: with an `Authorization`
    /// header, the bearer token must equal `api_token` (401 otherwise, also when no
    /// token is configured); without one, the request must be a signed GET as in
    /// [`verify_get`](Self::verify_get) (403 otherwise).
    pub fn authorize_read<B>(
        &self,
        req: &Request<B>,
        api_token: Option<&str>,
    ) -> Result<(), ErrorResponse> {
        if req.headers().contains_key(AUTHORIZATION) {
            return match api_token {
                Some(expected) => check_bearer(req.headers(), expected),
                None => Err(ErrorResponse::unauthorized(
                    "bearer tokens are not accepted here (CALLFLOW_API_TOKEN is not set); sign the request instead",
                )),
            };
        }
        self.verify_get(req).map(|_| ())
    }

    fn check_size(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), ErrorResponse> {
        let declared = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let too_big = |n: u64| n > self.max_body_bytes as u64;
        if body.len() > self.max_body_bytes || declared.is_some_and(too_big) {
            return Err(ErrorResponse::payload_too_large(self.max_body_bytes));
        }
        Ok(())
    }

    fn check_signature(
        &self,
        uri: &Uri,
        headers: &HeaderMap,
        domain: Option<&str>,
        valid: impl Fn(Algorithm, &str, &str, &str) -> bool,
    ) -> Result<(), ErrorResponse> {
        let context_base;
        let (auth_token, base, shared_key) = match &self.mode {
            Mode::Off => return Ok(()),
            Mode::NoBaseUrl => {
                tracing::error!("signature checks are on but PUBLIC_BASE_URL is not configured");
                return Err(ErrorResponse::internal(
                    "webhook signature checks are misconfigured on this server",
                ));
            }
            Mode::Verify {
                auth_token,
                base,
                shared_key,
            } => (auth_token, base, shared_key),
            Mode::FromRequestContext {
                auth_token,
                shared_key,
            } => {
                let Some(domain) = domain else {
                    tracing::error!(
                        "PUBLIC_BASE_URL=auto, but the request has no API Gateway domain in its context"
                    );
                    return Err(ErrorResponse::internal(
                        "webhook signature checks are misconfigured on this server",
                    ));
                };
                context_base = format!("https://{domain}");
                (auth_token, &context_base, shared_key)
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
            Some(Algorithm::HmacSha1) => (Algorithm::HmacSha1, auth_token.as_str()),
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
            tracing::warn!(%url, "X-Twilio-Signature does not match");
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
