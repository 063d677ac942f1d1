//! [`SyncClient`]: one pooled HTTP client, the credentials, and the request loop that
//! every handle goes through (auth, deadline, retries, the request counter).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, IF_MATCH, USER_AGENT};
use reqwest::Method;
use serde::de::DeserializeOwned;

use super::config::SyncConfig;
use super::error::SyncError;
use super::retry::{self, Deadline, Repeat};
use super::wire::segment;

/// A Twilio Sync REST client. Cheap to clone (an `Arc` inside): build it once per process
/// and share it, so that warm Lambda invocations reuse its pooled connections.
///
/// ```no_run
/// use callflow::sync::{OpenMode, SyncClient, SyncConfig, Ttl};
/// use serde_json::json;
///
/// # async fn demo() -> Result<(), callflow::sync::SyncError> {
/// let sync = SyncClient::new(SyncConfig::new("ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "token"))?;
/// let doc = sync.document("call-CA123");
/// let opened = doc.open(OpenMode::CreateOrOpen, &json!({"stage": "greeting"}), Some(Ttl::secs(3600))).await?;
/// println!("revision {} created {}", opened.value.revision, opened.created);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SyncClient {
    inner: Arc<Inner>,
    deadline: Duration,
}

struct Inner {
    http: reqwest::Client,
    config: SyncConfig,
    /// `{base}/v1/Services/{service}` with the service segment encoded.
    service_url: String,
    /// `{base}` without a trailing slash.
    base: String,
    /// `base`, parsed once: a request's URL is this with its path and query set, so the
    /// host is not parsed again (IDNA included) on every request.
    base_url: url::Url,
    /// `Authorization: Basic …`, encoded once.
    authorization: HeaderValue,
    requests: AtomicU64,
}

impl std::fmt::Debug for SyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncClient")
            .field("service_url", &self.inner.service_url)
            .field("deadline", &self.deadline)
            .field("requests", &self.request_count())
            .finish()
    }
}

/// One HTTP request as the handles describe it.
#[derive(Debug)]
pub(crate) struct Req {
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    pub query: Vec<(&'static str, String)>,
    pub form: Vec<(&'static str, String)>,
    pub if_match: Option<String>,
    pub repeat: Repeat,
}

impl Req {
    pub(crate) fn get(url: String) -> Self {
        Req {
            method: Method::GET,
            url,
            query: Vec::new(),
            form: Vec::new(),
            if_match: None,
            repeat: Repeat::Always,
        }
    }

    pub(crate) fn post(url: String, form: Vec<(&'static str, String)>, repeat: Repeat) -> Self {
        Req {
            method: Method::POST,
            url,
            query: Vec::new(),
            form,
            if_match: None,
            repeat,
        }
    }

    pub(crate) fn delete(url: String) -> Self {
        Req {
            method: Method::DELETE,
            ..Req::get(url)
        }
    }

    pub(crate) fn if_match(mut self, revision: Option<String>) -> Self {
        self.if_match = revision;
        self
    }
}

/// The end of a request loop: the answer (or the last error), and whether any failed
/// attempt may have been applied by Sync anyway (so a later 409/412/404 may be ours).
#[derive(Debug)]
pub(crate) struct Sent {
    pub result: Result<Bytes, SyncError>,
    pub ambiguous: bool,
}

impl SyncClient {
    /// Builds the client: checks the base URL and builds one rustls connection pool.
    ///
    /// ```
    /// use callflow::sync::{SyncClient, SyncConfig};
    /// let sync = SyncClient::new(
    ///     SyncConfig::new("ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "token").base_url("http://127.0.0.1:4010"),
    /// )
    /// .expect("valid config");
    /// assert_eq!(sync.request_count(), 0);
    /// ```
    pub fn new(config: SyncConfig) -> Result<Self, SyncError> {
        let parsed = url::Url::parse(&config.base_url)
            .map_err(|e| SyncError::Config(format!("base URL {:?}: {e}", config.base_url)))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(SyncError::Config(format!(
                "base URL {:?} must be http(s)://host",
                config.base_url
            )));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(SyncError::Config(format!(
                "base URL {:?} must not carry a query or fragment",
                config.base_url
            )));
        }
        let (user, _) = config.credentials.basic();
        if user.is_empty() {
            return Err(SyncError::Config("credentials have an empty user".into()));
        }
        if config.max_attempts == 0 || config.mutate_attempts == 0 {
            return Err(SyncError::Config(
                "attempt limits must be at least 1".into(),
            ));
        }
        let http = crate::tls::client_builder()
            .map_err(|e| SyncError::Config(format!("TLS: {e}")))?
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(50))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| SyncError::Config(format!("HTTP client: {e}")))?;
        let base = config.base_url.trim_end_matches('/').to_owned();
        let authorization = basic_authorization(&config.credentials)?;
        let service = segment(&config.service_sid)
            .map_err(|e| SyncError::Config(format!("service SID: {e}")))?;
        let service_url = format!("{base}/v1/Services/{service}");
        let deadline = config.deadline;
        Ok(SyncClient {
            inner: Arc::new(Inner {
                http,
                config,
                service_url,
                base,
                base_url: parsed,
                authorization,
                requests: AtomicU64::new(0),
            }),
            deadline,
        })
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &SyncConfig {
        &self.inner.config
    }

    /// HTTP requests this client (and its clones) has sent, retries included.
    pub fn request_count(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// The same client (same pool, same counter) with another per-operation deadline,
    /// e.g. the time a webhook has left.
    pub fn with_deadline(&self, deadline: Duration) -> SyncClient {
        SyncClient {
            inner: Arc::clone(&self.inner),
            deadline,
        }
    }

    /// The per-operation deadline in force.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// `{base}/v1/Services/{service}`.
    pub(crate) fn service_url(&self) -> &str {
        &self.inner.service_url
    }

    /// `{base}/v1/Services/{service}/{rest}`; `rest` segments must already be encoded.
    pub(crate) fn url(&self, rest: &str) -> String {
        format!("{}/{}", self.inner.service_url, rest)
    }

    /// Starts the time budget of one operation.
    pub(crate) fn start(&self) -> Deadline {
        Deadline::after(self.deadline)
    }

    /// Resolves a `next_page_url` against our base URL. Credentials only ever go to the
    /// configured host: Twilio's absolute links are re-rooted on `base_url` (which also
    /// makes paging work through proxies and port-mapped emulators).
    pub(crate) fn rebase(&self, link: &str) -> Option<String> {
        // Same origin only when the base is followed by the path, not by more port digits.
        if link.len() > self.inner.base.len()
            && link.starts_with(&self.inner.base)
            && link.as_bytes()[self.inner.base.len()] == b'/'
        {
            return Some(link.to_owned());
        }
        let at = link.find("/v1/")?;
        Some(format!("{}{}", self.inner.base, &link[at..]))
    }

    /// Sends `req` until it succeeds, fails for good, runs out of attempts, or the
    /// deadline passes. See `retry.rs` for which failures are repeated.
    pub(crate) async fn execute(&self, req: &Req, dl: &Deadline) -> Sent {
        let cfg = &self.inner.config;
        let mut attempts = 0u32;
        let mut ambiguous = false;
        // When the deadline runs out between attempts, or cuts one short, the last answer
        // Sync gave says more than "timed out" (e.g. a 500 every time).
        let mut last: Option<SyncError> = None;
        loop {
            let remaining = dl.remaining();
            if remaining.is_zero() {
                let timeout = SyncError::Timeout {
                    elapsed: dl.elapsed(),
                    attempts,
                };
                return Sent {
                    result: Err(last.unwrap_or(timeout)),
                    ambiguous,
                };
            }
            attempts += 1;
            self.inner.requests.fetch_add(1, Ordering::Relaxed);
            crate::metrics::add(crate::metrics::Counter::SyncRequests, 1);
            if attempts > 1 {
                crate::metrics::add(crate::metrics::Counter::SyncRetries, 1);
            }
            let per_attempt = cfg.request_timeout.min(remaining);
            let err = match tokio::time::timeout(per_attempt, self.attempt(req)).await {
                Ok(Ok((status, body, _))) if (200..300).contains(&status) => {
                    return Sent {
                        result: Ok(body),
                        ambiguous,
                    }
                }
                Ok(Ok((status, body, retry_after))) => {
                    SyncError::from_response(status, &body, retry_after)
                }
                Ok(Err(e)) => SyncError::Transport {
                    connect: e.is_connect(),
                    message: error_chain(&e),
                },
                Err(_) => {
                    let timeout = SyncError::Timeout {
                        elapsed: dl.elapsed(),
                        attempts,
                    };
                    match last.take() {
                        // Cut short by the operation's deadline, not by its own timeout.
                        Some(earlier) if per_attempt < cfg.request_timeout => {
                            return Sent {
                                result: Err(earlier),
                                ambiguous: ambiguous || retry::maybe_applied(&timeout),
                            }
                        }
                        _ => timeout,
                    }
                }
            };
            ambiguous |= retry::maybe_applied(&err);
            if matches!(err, SyncError::RateLimited { .. }) {
                crate::metrics::add(crate::metrics::Counter::SyncThrottled, 1);
            }
            if !req.repeat.allows(&err) || attempts >= cfg.max_attempts {
                return Sent {
                    result: Err(err),
                    ambiguous,
                };
            }
            let retry_after = match &err {
                SyncError::RateLimited { retry_after, .. } => *retry_after,
                _ => None,
            };
            let wait = retry::backoff(cfg, attempts, retry_after);
            tracing::debug!(method = %req.method, url = %req.url, attempt = attempts, ?wait, error = %err, "Sync request failed; retrying");
            if !dl.sleep(wait).await {
                // No time for the wait and another attempt: the last error is the answer.
                return Sent {
                    result: Err(err),
                    ambiguous,
                };
            }
            last = Some(err);
        }
    }

    /// One HTTP exchange, body included.
    async fn attempt(&self, req: &Req) -> Result<(u16, Bytes, Option<Duration>), reqwest::Error> {
        let http = &self.inner.http;
        let mut rb = match self.request_url(&req.url) {
            Some(url) => http.request(req.method.clone(), url),
            None => http.request(req.method.clone(), req.url.as_str()),
        }
        .header(AUTHORIZATION, self.inner.authorization.clone())
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .header(
            USER_AGENT,
            HeaderValue::from_static(concat!("callflow/", env!("CARGO_PKG_VERSION"))),
        );
        if let Some(rev) = &req.if_match {
            rb = rb.header(IF_MATCH, rev.as_str());
        }
        if !req.query.is_empty() {
            rb = rb.query(&req.query);
        }
        if req.method == Method::POST {
            rb = rb.form(&req.form);
        }
        let resp = rb.send().await?;
        let status = resp.status().as_u16();
        let retry_after = retry::retry_after(resp.headers());
        let body = resp.bytes().await?;
        Ok((status, body, retry_after))
    }

    /// `url` as a [`url::Url`] when it is under the base URL (every URL this client
    /// builds, and every page link once rebased): only its path and query are parsed, not
    /// the host again. `None` for any other URL, which reqwest then parses and reports.
    fn request_url(&self, url: &str) -> Option<url::Url> {
        let base = &self.inner.base_url;
        let rest = url
            .strip_prefix(self.inner.base.as_str())
            .filter(|rest| rest.starts_with('/'))?;
        let (path, query) = rest
            .split_once('?')
            .map_or((rest, None), |(p, q)| (p, Some(q)));
        let mut out = base.clone();
        out.set_path(&format!("{}{path}", base.path().trim_end_matches('/')));
        out.set_query(query);
        Some(out)
    }

    /// Runs a DELETE. After an attempt whose answer was lost, a 404 means that attempt
    /// deleted it, which is success rather than an error.
    pub(crate) async fn delete(&self, req: Req) -> Result<(), SyncError> {
        let dl = self.start();
        let sent = self.execute(&req, &dl).await;
        match sent.result {
            Ok(_) => Ok(()),
            Err(SyncError::NotFound(_)) if sent.ambiguous => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `execute`, then decode the JSON body.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        req: &Req,
        dl: &Deadline,
    ) -> Result<T, SyncError> {
        let body = self.execute(req, dl).await.result?;
        decode(&body)
    }
}

/// Decodes a JSON answer body into `T`.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, SyncError> {
    serde_json::from_slice(body).map_err(|e| SyncError::Decode(e.to_string()))
}

/// reqwest's error with its sources, which hold the useful part ("connection reset").
/// The `Authorization` header of Basic auth with these credentials, marked sensitive so
/// that it never shows in a debug print.
fn basic_authorization(credentials: &super::Credentials) -> Result<HeaderValue, SyncError> {
    use base64::Engine as _;
    let (user, pass) = credentials.basic();
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    let mut value = HeaderValue::try_from(format!("Basic {encoded}"))
        .map_err(|e| SyncError::Config(format!("credentials: {e}")))?;
    value.set_sensitive(true);
    Ok(value)
}

fn error_chain(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        out.push_str(": ");
        out.push_str(&s.to_string());
        src = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_are_rebased_on_the_configured_host() {
        let sync = SyncClient::new(SyncConfig::new("AC1", "t").base_url("http://127.0.0.1:1234/"))
            .expect("client");
        assert_eq!(
            sync.rebase("http://127.0.0.1:1234/v1/Services/default/Documents?PageToken=a")
                .as_deref(),
            Some("http://127.0.0.1:1234/v1/Services/default/Documents?PageToken=a")
        );
        // Another port that merely starts with ours, or Twilio's own host: re-rooted.
        assert_eq!(
            sync.rebase("http://127.0.0.1:12345/v1/Services/default/Maps?Page=1")
                .as_deref(),
            Some("http://127.0.0.1:1234/v1/Services/default/Maps?Page=1")
        );
        assert_eq!(
            sync.rebase("https://sync.twilio.com/v1/Services/IS1/Lists?PageToken=b")
                .as_deref(),
            Some("http://127.0.0.1:1234/v1/Services/IS1/Lists?PageToken=b")
        );
        assert_eq!(sync.rebase("https://evil.example/steal"), None);
    }

    #[test]
    fn request_urls_are_what_a_full_parse_gives() {
        for base in [
            "http://127.0.0.1:1234",
            "https://sync.example/prefix/",
            "http://[::1]:9",
        ] {
            let sync = SyncClient::new(SyncConfig::new("AC1", "t").base_url(base)).expect("client");
            let root = base.trim_end_matches('/');
            for rest in [
                "/v1/Services/default/Documents/call-CA1",
                "/v1/Services/IS1/Maps/m%20x/Items/k%2Fy?PageSize=50&PageToken=PT%3D",
                "/v1/Services/default/Lists/l/Items?Order=desc",
                "/",
            ] {
                let url = format!("{root}{rest}");
                assert_eq!(
                    sync.request_url(&url),
                    Some(url::Url::parse(&url).expect("valid")),
                    "{url}"
                );
            }
            // Elsewhere, or a longer port that merely starts with ours: left to reqwest.
            assert_eq!(sync.request_url("https://other.example/v1/x?y=1"), None);
            assert_eq!(sync.request_url(&format!("{root}0/v1/x")), None);
        }
    }
}
