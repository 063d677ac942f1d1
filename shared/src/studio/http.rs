//! The HTTP calls a flow makes itself (`make-http-request`, `run-function`), with Studio's
//! limits: 10 s, at most 64 kB of answer, a bounded number of redirects, http(s) only.
//!
//! `--http-rewrite FROM=TO` rewrites URL prefixes before a call (and in the TwiML of
//! `add-twiml-redirect`), so that a flow written against `https://x.twil.io/…` runs
//! against a stand-in on loopback without editing it.
//!
//! The widgets that act over Twilio's REST API (`send-message`, `record-call`) go through
//! [`FlowHttp::twilio`]: the same limits, Basic auth with the configured credentials,
//! to `TWILIO_API_URL` only (an operator's setting, so neither rewritten nor held to
//! `CALLFLOW_HTTP_PUBLIC_ONLY`), and no redirects, so credentials never go elsewhere.

use std::time::{Duration, Instant};

use super::targets::{self, PublicResolver, Targets};
use crate::sync::Credentials;

/// Studio's limit on an HTTP widget's wait.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Studio's limit on an answer's size.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Redirects followed before a call fails.
const MAX_REDIRECTS: usize = 5;
/// What the flow's calls say they are.
const USER_AGENT: &str = concat!("callflow/", env!("CARGO_PKG_VERSION"), " (Studio flow)");

/// One URL-prefix rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The URL prefix to replace.
    pub from: String,
    /// What replaces it.
    pub to: String,
}

impl std::str::FromStr for Rewrite {
    type Err = String;

    /// `FROM=TO`, both http(s) URL prefixes.
    fn from_str(s: &str) -> Result<Rewrite, String> {
        let (from, to) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}`: give FROM=TO (two URL prefixes)"))?;
        let (from, to) = (from.trim(), to.trim());
        for side in [from, to] {
            if !(side.starts_with("http://") || side.starts_with("https://")) {
                return Err(format!("`{side}` in `{s}` is not an http(s) URL prefix"));
            }
        }
        Ok(Rewrite {
            from: from.to_owned(),
            to: to.to_owned(),
        })
    }
}

/// Parses a comma-separated list of rewrites (`CALLFLOW_HTTP_REWRITE`).
pub fn parse_rewrites(list: &str) -> Result<Vec<Rewrite>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect()
}

/// The request of one widget.
#[derive(Debug, Clone)]
pub struct Call {
    /// GET or POST.
    pub method: http::Method,
    /// The URL, before `--http-rewrite`.
    pub url: String,
    /// `(content type, body)`.
    pub body: Option<(&'static str, Vec<u8>)>,
}

/// What came back.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The answer's `Content-Type`.
    pub content_type: String,
    /// The answer's body, as text (at most 64 kB).
    pub body: String,
    /// How long the call took.
    pub millis: u32,
}

/// Why a call failed without a status to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    #[error("no answer within {0:?}")]
    /// No answer within the deadline.
    Timeout(Duration),
    #[error("the answer is over {MAX_BODY_BYTES} bytes")]
    /// An answer over Studio's 64 kB.
    TooLarge,
    #[error("`{0}` is not an http(s) URL")]
    /// Not an http(s) URL.
    BadUrl(String),
    #[error("{0} is not a public address (private targets are refused)")]
    /// A non-public address while only public ones may be reached.
    Refused(std::net::IpAddr),
    #[error("{0}")]
    /// The connection failed (refused, reset, DNS, TLS).
    Transport(String),
    #[error("no Twilio REST API is configured (TWILIO_API_URL and credentials)")]
    /// A REST widget ran without [`FlowHttp::with_twilio_api`].
    NoTwilioApi,
}

/// Where Twilio's 2010-04-01 REST API is and who calls it: what `send-message` and
/// `record-call` need.
#[derive(Debug, Clone)]
pub struct TwilioApi {
    /// `TWILIO_API_URL` without a trailing slash (`https://api.twilio.com`).
    base: String,
    /// The account's credentials (auth token or API key), as Sync uses them.
    credentials: Credentials,
}

impl TwilioApi {
    /// The API at `base_url` (`https://api.twilio.com`, or a local emulator's URL).
    pub fn new(base_url: &str, credentials: Credentials) -> TwilioApi {
        TwilioApi {
            base: base_url.trim_end_matches('/').to_owned(),
            credentials,
        }
    }

    /// `{base}/2010-04-01/Accounts/{AccountSid}/{rest}`; `rest` must already be encoded.
    pub fn account_url(&self, rest: &str) -> String {
        let account: String =
            url::form_urlencoded::byte_serialize(self.credentials.account_sid().as_bytes())
                .collect();
        format!("{}/2010-04-01/Accounts/{account}/{rest}", self.base)
    }
}

/// The client a process builds once and every webhook's widgets share.
#[derive(Debug, Clone)]
pub struct FlowHttp {
    client: reqwest::Client,
    rewrites: Vec<Rewrite>,
    timeout: Duration,
    targets: Targets,
    /// Twilio's REST API, when configured; its own client follows no redirect.
    twilio: Option<(reqwest::Client, TwilioApi)>,
}

impl FlowHttp {
    /// A client with Studio's limits and the given rewrites, reaching any address.
    pub fn new(rewrites: Vec<Rewrite>) -> Result<FlowHttp, String> {
        FlowHttp::with_targets(rewrites, Targets::Any)
    }

    /// A client with Studio's limits and the given rewrites, reaching only `targets`.
    pub fn with_targets(rewrites: Vec<Rewrite>, targets: Targets) -> Result<FlowHttp, String> {
        let mut builder = crate::tls::client_builder().map_err(|e| e.to_string())?;
        builder =
            match targets {
                Targets::Any => builder.redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS)),
                Targets::PublicOnly => builder.dns_resolver(PublicResolver).redirect(
                    reqwest::redirect::Policy::custom(|attempt| {
                        if attempt.previous().len() >= MAX_REDIRECTS {
                            attempt.error("too many redirects")
                        } else if let Some(ip) = targets::literal_non_public(attempt.url()) {
                            attempt.error(format!("a redirect to {ip}, which is not public"))
                        } else {
                            attempt.follow()
                        }
                    }),
                ),
            };
        let client = builder
            .connect_timeout(TIMEOUT)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(FlowHttp {
            client,
            rewrites,
            timeout: TIMEOUT,
            targets,
            twilio: None,
        })
    }

    /// The same client, with Twilio's REST API for `send-message` and `record-call`.
    pub fn with_twilio_api(mut self, api: TwilioApi) -> Result<FlowHttp, String> {
        let client = crate::tls::client_builder()
            .map_err(|e| e.to_string())?
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(TIMEOUT)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| e.to_string())?;
        self.twilio = Some((client, api));
        Ok(self)
    }

    /// Twilio's REST API, if configured.
    pub fn twilio_api(&self) -> Option<&TwilioApi> {
        self.twilio.as_ref().map(|(_, api)| api)
    }

    /// POSTs `form` to `{TWILIO_API_URL}/2010-04-01/Accounts/{AccountSid}/{rest}` with the
    /// configured credentials, within the same deadline and size limit as any call.
    pub async fn twilio(&self, rest: &str, form: &[(&str, String)]) -> Result<Answer, Failure> {
        let Some((client, api)) = &self.twilio else {
            return Err(Failure::NoTwilioApi);
        };
        let url = api.account_url(rest);
        let parsed = url::Url::parse(&url).map_err(|_| Failure::BadUrl(url.clone()))?;
        // Built in a block: the serializer is not `Send` and must not live across `await`.
        let body = {
            let mut body = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in form {
                body.append_pair(k, v);
            }
            body.finish()
        };
        let (user, password) = api.credentials.basic();
        let request = client
            .post(parsed)
            .basic_auth(user, Some(password))
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(body);
        self.exchange(request).await
    }

    /// The same client with a shorter deadline (tests of the timeout path).
    pub fn with_timeout(mut self, timeout: Duration) -> FlowHttp {
        self.timeout = timeout;
        self
    }

    /// `url` after the first rewrite whose prefix it starts with.
    pub fn rewrite(&self, url: &str) -> String {
        for r in &self.rewrites {
            if let Some(rest) = url.strip_prefix(&r.from) {
                return format!("{}{rest}", r.to);
            }
        }
        url.to_owned()
    }

    /// Makes one call within the deadline, reading at most [`MAX_BODY_BYTES`].
    pub async fn send(&self, call: Call) -> Result<Answer, Failure> {
        let url = self.rewrite(&call.url);
        let parsed = url::Url::parse(&url).map_err(|_| Failure::BadUrl(url.clone()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Failure::BadUrl(url));
        }
        if self.targets == Targets::PublicOnly {
            if let Some(ip) = targets::literal_non_public(&parsed) {
                return Err(Failure::Refused(ip));
            }
        }
        let mut request = self.client.request(call.method, parsed);
        if let Some((content_type, body)) = call.body {
            request = request
                .header(http::header::CONTENT_TYPE, content_type)
                .body(body);
        }
        self.exchange(request).await
    }

    /// Sends one request within the deadline, reading at most [`MAX_BODY_BYTES`].
    async fn exchange(&self, request: reqwest::RequestBuilder) -> Result<Answer, Failure> {
        let started = Instant::now();
        let work = async {
            let response = request
                .send()
                .await
                .map_err(|e| Failure::Transport(error_text(&e)))?;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            if response
                .content_length()
                .is_some_and(|n| n > MAX_BODY_BYTES as u64)
            {
                return Err(Failure::TooLarge);
            }
            let mut body = Vec::new();
            let mut response = response;
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| Failure::Transport(error_text(&e)))?
            {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(Failure::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok((status, content_type, body))
        };
        let (status, content_type, body) = tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|_| Failure::Timeout(self.timeout))??;
        Ok(Answer {
            status,
            content_type,
            body: String::from_utf8_lossy(&body).into_owned(),
            millis: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
        })
    }
}

fn error_text(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_replace_the_first_matching_prefix() {
        let rewrites = parse_rewrites(
            "https://x.twil.io=http://127.0.0.1:9000/fn, https://api.example.com/=http://127.0.0.1:9001/",
        )
        .expect("valid");
        let http = FlowHttp::new(rewrites).expect("client");
        assert_eq!(
            http.rewrite("https://x.twil.io/lookup?a=1"),
            "http://127.0.0.1:9000/fn/lookup?a=1"
        );
        assert_eq!(
            http.rewrite("https://api.example.com/v1"),
            "http://127.0.0.1:9001/v1"
        );
        assert_eq!(http.rewrite("https://other.test/"), "https://other.test/");
        assert!(parse_rewrites("nothing").is_err());
        assert!(parse_rewrites("ftp://a=http://b").is_err());
    }

    #[test]
    fn twilio_api_urls_carry_the_account_and_no_trailing_slash() {
        let api = TwilioApi::new(
            "http://127.0.0.1:3000/",
            Credentials::ApiKey {
                account_sid: "AC123".into(),
                key_sid: "SK1".into(),
                secret: "s".into(),
            },
        );
        assert_eq!(
            api.account_url("Messages.json"),
            "http://127.0.0.1:3000/2010-04-01/Accounts/AC123/Messages.json"
        );
        let http = FlowHttp::new(Vec::new()).expect("client");
        assert!(http.twilio_api().is_none());
        let http = http.with_twilio_api(api).expect("client");
        assert!(http.twilio_api().is_some());
    }

    #[tokio::test]
    async fn a_rest_call_without_a_configured_api_fails_without_a_request() {
        let http = FlowHttp::new(Vec::new()).expect("client");
        assert_eq!(
            http.twilio("Messages.json", &[("Body", "x".to_owned())])
                .await,
            Err(Failure::NoTwilioApi)
        );
    }
}
