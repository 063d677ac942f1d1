//! [`SyncClient`]: one pooled HTTP client, the credentials, and the request loop that
//! every handle goes through (auth, deadline, retries, the request counter).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, IF_MATCH, USER_AGENT};
use http::Method;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::de::DeserializeOwned;

use super::config::SyncConfig;
use super::connect::ProxyConnector;
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

/// hyper's pooled HTTP/1.1 client over rustls (plain HTTP for a local emulator). Not
/// reqwest: on the webhook path its redirect and retry layers, which parse every request's
/// URL again, cost about a tenth of a webhook's CPU, and Sync never redirects.
type HttpClient =
    hyper_util::client::legacy::Client<hyper_rustls::HttpsConnector<ProxyConnector>, Full<Bytes>>;

struct Inner {
    http: HttpClient,
    config: SyncConfig,
    /// `{base}/v1/Services/{service}` with the service segment encoded.
    service_url: String,
    /// `{base}` without a trailing slash.
    base: String,
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
        let tls =
            crate::tls::client_config().map_err(|e| SyncError::Config(format!("TLS: {e}")))?;
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(Some(config.connect_timeout));
        let tcp = ProxyConnector::new(tcp, &config.proxy, &config.base_url)?;
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(50))
            .pool_timer(TokioTimer::new())
            .build(connector);
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
                Ok(Err(e)) => e,
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

    /// One HTTP exchange, body included. A failure here is the transport's (or a request
    /// that cannot be built, which no retry mends); an HTTP error status is an answer.
    async fn attempt(&self, req: &Req) -> Result<(u16, Bytes, Option<Duration>), SyncError> {
        let request = self.request(req)?;
        let response =
            self.inner
                .http
                .request(request)
                .await
                .map_err(|e| SyncError::Transport {
                    connect: e.is_connect(),
                    message: error_chain(&e),
                })?;
        let status = response.status().as_u16();
        let retry_after = retry::retry_after(response.headers());
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| SyncError::Transport {
                connect: false,
                message: error_chain(&e),
            })?
            .to_bytes();
        Ok((status, body, retry_after))
    }

    /// The HTTP request for `req`: its URL with the query appended, the credentials, and a
    /// form body for a POST.
    fn request(&self, req: &Req) -> Result<http::Request<Full<Bytes>>, SyncError> {
        let unbuildable =
            |e: &dyn std::fmt::Display| SyncError::Config(format!("request to {}: {e}", req.url));
        let uri = if req.query.is_empty() {
            http::Uri::try_from(req.url.as_str())
        } else {
            let query = serde_urlencoded::to_string(&req.query).map_err(|e| unbuildable(&e))?;
            let joiner = if req.url.contains('?') { '&' } else { '?' };
            http::Uri::try_from(format!("{}{joiner}{query}", req.url))
        }
        .map_err(|e| unbuildable(&e))?;
        let mut request = http::Request::builder()
            .method(req.method.clone())
            .uri(uri)
            .header(AUTHORIZATION, self.inner.authorization.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(
                USER_AGENT,
                HeaderValue::from_static(concat!("callflow/", env!("CARGO_PKG_VERSION"))),
            );
        if let Some(revision) = &req.if_match {
            request = request.header(IF_MATCH, revision.as_str());
        }
        let body = if req.method == Method::POST {
            request = request.header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
            Bytes::from(form_body(&req.form))
        } else {
            Bytes::new()
        };
        request.body(Full::new(body)).map_err(|e| unbuildable(&e))
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

/// `application/x-www-form-urlencoded` text of `pairs`, in a buffer of its exact size: the
/// `Data` of a call state is a kilobyte or two, which grown as it is written was six
/// reallocations per write.
fn form_body(pairs: &[(&'static str, String)]) -> String {
    // What `form_urlencoded` writes for each byte: itself, `+` for a space, or `%XX`.
    let encoded_len = |text: &str| -> usize {
        text.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' | b' ' => 1,
                _ => 3,
            })
            .sum()
    };
    // Each pair's `=`, and the `&` between pairs.
    let size = pairs
        .iter()
        .map(|(name, value)| encoded_len(name) + 1 + encoded_len(value))
        .sum::<usize>()
        + pairs.len().saturating_sub(1);
    url::form_urlencoded::Serializer::new(String::with_capacity(size))
        .extend_pairs(pairs)
        .finish()
}

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

/// An error with its sources, which hold the useful part ("connection reset").
fn error_chain(e: &dyn std::error::Error) -> String {
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
    use super::super::config::Proxy;
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
    fn requests_carry_their_query_credentials_and_form() {
        let sync = SyncClient::new(SyncConfig::new("AC1", "t").base_url("http://[::1]:9/p/"))
            .expect("client");
        let mut get = Req::get(sync.url("Maps/m%20x/Items"));
        get.query = vec![("PageSize", "50".into()), ("Bounds", "a b&c".into())];
        let request = sync.request(&get).expect("request");
        assert_eq!(
            request.uri().to_string(),
            "http://[::1]:9/p/v1/Services/default/Maps/m%20x/Items?PageSize=50&Bounds=a+b%26c"
        );
        assert_eq!(request.method(), Method::GET);
        assert_eq!(
            request.headers()[AUTHORIZATION],
            format!(
                "Basic {}",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "AC1:t")
            )
        );
        assert!(request.headers().get(CONTENT_TYPE).is_none());

        // A page link carries its own query already: ours is added to it.
        let mut next = Req::get(sync.url("Lists/l/Items?PageToken=PT%3D"));
        next.query = vec![("Order", "desc".into())];
        let request = sync.request(&next).expect("request");
        assert_eq!(
            request.uri().path_and_query().map(|p| p.as_str()),
            Some("/p/v1/Services/default/Lists/l/Items?PageToken=PT%3D&Order=desc")
        );

        let post = Req::post(
            sync.url("Documents/d"),
            vec![("Data", r#"{"a":"b c"}"#.into())],
            super::super::retry::Repeat::Always,
        )
        .if_match(Some("7".into()));
        let request = sync.request(&post).expect("request");
        assert_eq!(request.headers()[IF_MATCH], "7");
        assert_eq!(
            request.headers()[CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
        let body = request.into_body();
        let body = futures_util::FutureExt::now_or_never(body.collect())
            .expect("a full body is ready")
            .expect("no error")
            .to_bytes();
        assert_eq!(&body[..], b"Data=%7B%22a%22%3A%22b+c%22%7D");

        // A URL no request can carry is refused as such, not sent and not retried.
        let bad = Req::get("http://[::1]:9/p/v1/Services/default/Documents/a b".into());
        assert!(matches!(sync.request(&bad), Err(SyncError::Config(_))));
    }

    /// An `https://` base URL speaks TLS (rustls), never plain HTTP: the first byte the
    /// server sees is a TLS handshake record, and a peer that does not answer the
    /// handshake is a transport error, not an answer.
    #[tokio::test]
    async fn an_https_base_url_speaks_tls() {
        use tokio::io::AsyncReadExt as _;
        let (listener, port) = loopback().await;
        let first_byte = tokio::spawn(async move {
            let (mut peer, _) = listener.accept().await.expect("accept");
            let mut byte = [0u8; 1];
            peer.read_exact(&mut byte)
                .await
                .expect("the client sends first");
            byte[0] // dropping `peer` closes the connection mid-handshake
        });
        let sync = SyncClient::new(
            SyncConfig::new("AC1", "t")
                .base_url(format!("https://127.0.0.1:{port}"))
                // Whatever proxy the machine running the tests names.
                .proxy(Proxy::Direct)
                .max_attempts(1),
        )
        .expect("client");
        let sent = sync
            .execute(&Req::get(sync.url("Documents/d")), &sync.start())
            .await;
        assert_eq!(
            first_byte.await.expect("server task"),
            0x16,
            "TLS handshake"
        );
        assert!(
            matches!(sent.result, Err(SyncError::Transport { .. })),
            "{:?}",
            sent.result
        );
    }

    /// A listener on a free loopback port, and its port.
    async fn loopback() -> (tokio::net::TcpListener, u16) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        (listener, port)
    }

    /// A proxy on loopback for one connection: reads a `CONNECT` request head, answers
    /// 200, and gives back the head and the first byte sent through the tunnel.
    async fn one_connect(listener: tokio::net::TcpListener) -> (String, u8) {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let (mut peer, _) = listener.accept().await.expect("accept");
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            peer.read_exact(&mut byte).await.expect("the CONNECT head");
            head.push(byte[0]);
        }
        peer.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await
            .expect("answer");
        peer.read_exact(&mut byte)
            .await
            .expect("the tunnel's first byte");
        (String::from_utf8_lossy(&head).into_owned(), byte[0])
    }

    /// An `https://` Sync goes through the proxy: a `CONNECT` for its host and port, with
    /// the proxy's credentials, then TLS inside the tunnel.
    #[tokio::test]
    async fn https_goes_through_the_proxy_in_a_connect_tunnel() {
        let (listener, port) = loopback().await;
        let proxy = tokio::spawn(one_connect(listener));
        let sync = SyncClient::new(
            SyncConfig::new("AC1", "t")
                .base_url("https://sync.example.test")
                .proxy(Proxy::Url {
                    url: format!("http://user:pass@127.0.0.1:{port}"),
                    no_proxy: "localhost, 10.0.0.0/8".into(),
                })
                .max_attempts(1),
        )
        .expect("client");
        let sent = sync
            .execute(&Req::get(sync.url("Documents/d")), &sync.start())
            .await;
        let (head, first) = proxy.await.expect("proxy task");
        assert!(
            head.starts_with("CONNECT sync.example.test:443 HTTP/1.1\r\n"),
            "{head}"
        );
        // base64("user:pass")
        assert!(
            head.to_ascii_lowercase()
                .contains("proxy-authorization: basic dxnlcjpwyxnz\r\n"),
            "{head}"
        );
        assert_eq!(first, 0x16, "TLS handshake inside the tunnel");
        assert!(
            matches!(sent.result, Err(SyncError::Transport { .. })),
            "{:?}",
            sent.result
        );
    }

    /// Hosts in `no_proxy`, and every plain-`http://` URL, go straight: the proxy is never
    /// connected to, while the request reaches its own host.
    #[tokio::test]
    async fn no_proxy_hosts_and_plain_http_go_straight() {
        let (proxy, proxy_port) = loopback().await;
        let proxy_url = format!("http://127.0.0.1:{proxy_port}");
        for (base, no_proxy) in [("https", "127.0.0.1"), ("http", "")] {
            let (host, port) = loopback().await;
            let sync = SyncClient::new(
                SyncConfig::new("AC1", "t")
                    .base_url(format!("{base}://127.0.0.1:{port}"))
                    .proxy(Proxy::Url {
                        url: proxy_url.clone(),
                        no_proxy: no_proxy.into(),
                    })
                    .max_attempts(1),
            )
            .expect("client");
            let request = Req::get(sync.url("Documents/d"));
            let deadline = sync.start();
            let sending = sync.execute(&request, &deadline);
            // Accepted and closed at once, so the request fails fast.
            let reached = tokio::time::timeout(Duration::from_secs(5), async {
                host.accept().await.map(drop)
            });
            let (_, reached) = tokio::join!(sending, reached);
            assert!(reached.is_ok(), "{base}: the host itself was connected to");
        }
        let proxied = tokio::time::timeout(Duration::from_millis(200), proxy.accept()).await;
        assert!(proxied.is_err(), "nothing went to the proxy");
    }

    /// Only `http://` proxies are spoken to (the `CONNECT` itself is not encrypted): any
    /// other scheme for Sync's proxy is a configuration error when the client is built.
    #[test]
    fn a_proxy_that_is_not_http_is_refused_when_the_client_is_built() {
        let config = SyncConfig::new("AC1", "t").proxy(Proxy::Url {
            url: "socks5://who:secret@127.0.0.1:1080".into(),
            no_proxy: String::new(),
        });
        let refused = SyncClient::new(config.clone()).map(drop);
        assert!(
            matches!(&refused, Err(SyncError::Config(m)) if m.contains("socks5://127.0.0.1:")
                && m.contains("NO_PROXY=sync.twilio.com") && !m.contains("secret")),
            "{refused:?}"
        );
        // Unless Sync is not behind it.
        let direct = config.proxy(Proxy::Url {
            url: "socks5://127.0.0.1:1080".into(),
            no_proxy: "sync.twilio.com".into(),
        });
        assert!(SyncClient::new(direct).is_ok());
    }

    /// The form is what serde_urlencoded writes, in a buffer sized to it exactly.
    #[test]
    fn form_bodies_are_encoded_in_one_buffer_of_their_size() {
        let pairs: Vec<(&'static str, String)> = vec![
            (
                "Data",
                r#"{"stage":"menu","digits":"1 2","ü":"*-._~+&="}"#.into(),
            ),
            ("Ttl", "86400".into()),
            ("UniqueName", "call-CA0123".into()),
        ];
        let body = form_body(&pairs);
        assert_eq!(body, serde_urlencoded::to_string(&pairs).expect("encodes"));
        assert_eq!(body.capacity(), body.len());
    }
}
