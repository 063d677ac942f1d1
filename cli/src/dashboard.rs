//! The dashboard of `callflow serve`: a page at `/` that watches calls and presence live
//! over twilio-sync.js, with the flow drawn as a diagram.
//!
//! Everything the page loads comes from the binary: the page, its script and style
//! (`cli/assets/dashboard/`), the browser build of twilio-sync.js
//! (`cli/assets/vendor/twilio-sync/`, vendored from the npm package) and the flow's SVG
//! (drawn by [`crate::graph`] from the flow serve runs now, again after each reload, stages
//! tagged `data-stage`, stage names only so that it is legible fitted beside the counts).
//! No build step, no CDN.
//!
//! The page reads the call index (active calls plus the newest ended ones) and the
//! aggregates document that [`publish_stats`] keeps while serve runs; it never reads every
//! call within the TTL.
//!
//! The page needs an access token. It gets one from `GET /dashboard/token`, which runs the
//! `sync-token` function with a check of its own (`LocalDashboard`): identity
//! `dashboard`, and only while serve listens on a loopback address, only for requests with
//! exactly one `Host` header naming a loopback host exactly (`127.0.0.1`, `localhost` or
//! `[::1]`) and the port serve listens on (so a web page elsewhere cannot reach it through
//! DNS rebinding, nor a page of another local server), and that are not cross-site
//! (`Sec-Fetch-Site`). On any other bind address the
//! route answers 403 and the page says how to get a token instead. The page never sees the
//! API token or the API secret.

use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use callflow::http::ErrorResponse;
use callflow::runtime::Services;

/// The identity the dashboard's tokens are minted for.
pub const IDENTITY: &str = "dashboard";

const INDEX_HTML: &str = include_str!("../assets/dashboard/index.html");
const APP_JS: &str = include_str!("../assets/dashboard/app.js");
const APP_CSS: &str = include_str!("../assets/dashboard/app.css");
const TWILIO_SYNC_JS: &[u8] = include_bytes!("../assets/vendor/twilio-sync/twilio-sync.min.js");

/// What the dashboard routes need.
#[derive(Clone)]
pub struct Dashboard {
    services: Services,
    /// The flow drawn as SVG and its start, with the flow generation they were drawn
    /// from: drawn when the page first asks, again only after a reload. Not at start:
    /// a serve nobody opens the dashboard of (CI, the bench) never runs the layout.
    drawn: std::sync::Arc<std::sync::Mutex<Option<Drawn>>>,
    /// Whether serve listens on a loopback address only (tokens are handed out only then).
    loopback: bool,
    /// The port serve listens on: a token request's `Host` must name it.
    port: u16,
    /// The page's settings (`/dashboard/config.json`).
    config: serde_json::Value,
}

impl Dashboard {
    /// `embedded`: whether serve runs the emulator, whose socket the page then uses; with
    /// another Sync (`--sync-url`, e.g. Twilio's), the page connects to twilio-sync.js's
    /// default socket for that account instead.
    pub fn new(
        services: Services,
        loopback: bool,
        port: u16,
        embedded: bool,
        presence_maps: Vec<String>,
    ) -> Dashboard {
        let config = serde_json::json!({
            "callsMap": services.config.call_index_map,
            "statsDocument": services.call_states.index().map(|index| index.stats_document()),
            "presenceMaps": presence_maps,
            "socketPath": embedded.then_some(sync_emulator::realtime::PATH),
            "identity": IDENTITY,
        });
        Dashboard {
            services,
            drawn: std::sync::Arc::default(),
            loopback,
            port,
            config,
        }
    }

    /// The dashboard's routes.
    pub fn router(self) -> Router {
        Router::new()
            .route(
                "/",
                get(|| async { asset("text/html; charset=utf-8", INDEX_HTML) }),
            )
            .route(
                "/dashboard/app.js",
                get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
            )
            .route(
                "/dashboard/app.css",
                get(|| async { asset("text/css; charset=utf-8", APP_CSS) }),
            )
            .route(
                "/dashboard/twilio-sync.min.js",
                get(|| async { asset("text/javascript; charset=utf-8", TWILIO_SYNC_JS) }),
            )
            .route(
                "/dashboard/flow.svg",
                get(|State(d): State<Dashboard>| async move {
                    asset("image/svg+xml", d.current().svg)
                }),
            )
            .route(
                "/dashboard/config.json",
                get(|State(d): State<Dashboard>| async move {
                    let mut config = d.config.clone();
                    config["flowStart"] = d.current().start.into();
                    asset("application/json", config.to_string())
                }),
            )
            .route("/dashboard/token", get(token))
            // Browsers ask for it; without this route the emulator's router would answer 401.
            .route(
                "/favicon.ico",
                get(|| async { axum::http::StatusCode::NO_CONTENT }),
            )
            .with_state(self)
    }
}

/// How often the call index's aggregates document is brought up to date: the page's
/// window counts lag by at most this (its live counts come from the index items).
const STATS_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Keeps the call index's aggregates document (`{map}-stats`) up to date while serve
/// runs: at most one write every 250 ms while calls change, one a second while
/// they do not (the windows age). `None` when the index is off.
pub fn publish_stats(services: &Services) -> Option<tokio::task::JoinHandle<()>> {
    let index = services.call_states.index()?.clone();
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(STATS_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(error) = index
                .publish_stats(callflow::timestamp::Timestamp::now())
                .await
            {
                tracing::warn!(%error, "could not write the call index's aggregates");
            }
        }
    }))
}

/// The flow as the page draws it.
#[derive(Clone)]
struct Drawn {
    generation: u64,
    svg: String,
    start: String,
}

impl Drawn {
    fn of(services: &Services) -> Drawn {
        // The generation first: a reload racing this drawing makes it stale, not missed.
        let generation = services.flow_generation();
        let graph = services.flow_graph();
        Drawn {
            generation,
            // Names only: the drawing must be legible fitted beside the counts.
            svg: crate::graph::to_svg_labelled(&graph, crate::graph::Labels::Names),
            start: graph.start,
        }
    }
}

impl Dashboard {
    /// The drawing of the flow serve runs now (drawn again after a reload).
    fn current(&self) -> Drawn {
        let mut drawn = self.drawn.lock().unwrap_or_else(|e| e.into_inner());
        match &*drawn {
            Some(current) if current.generation == self.services.flow_generation() => {
                current.clone()
            }
            _ => drawn.insert(Drawn::of(&self.services)).clone(),
        }
    }
}

fn asset(content_type: &'static str, body: impl Into<axum::body::Body>) -> Response {
    let mut response = Response::new(body.into());
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    // A dev server whose assets change with the binary: never serve a stale page.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `GET /dashboard/token`: an access token for identity `dashboard`, for local use only.
async fn token(State(dashboard): State<Dashboard>, req: Request) -> Response {
    if let Err(refusal) = local_request(dashboard.loopback, dashboard.port, req.headers()) {
        return crate::serve::from_lambda(refusal.into_response());
    }
    let req = match crate::serve::to_lambda(req).await {
        Ok(req) => req,
        Err(refusal) => return refusal,
    };
    let answer = sync_token::handle_with(&dashboard.services, &LocalDashboard, &req).await;
    crate::serve::from_lambda(answer.unwrap_or_else(|refusal| refusal.into_response()))
}

/// Whether a token request may be answered: serve is bound to loopback, the request has
/// one `Host` header naming a loopback host and serve's port, and it is not a cross-site
/// request. A missing, repeated or unreadable `Host` is a bad request (400); another host
/// or port is refused (403).
fn local_request(loopback: bool, port: u16, headers: &HeaderMap) -> Result<(), ErrorResponse> {
    if !loopback {
        return Err(ErrorResponse::forbidden(
            "the dashboard hands out tokens only when serve listens on a loopback address; \
             get one from /sync-token with the bearer token instead",
        ));
    }
    let mut hosts = headers.get_all(HOST).iter();
    let host = match (hosts.next(), hosts.next()) {
        (Some(host), None) => host
            .to_str()
            .map_err(|_| ErrorResponse::bad_request("the Host header is not readable text"))?,
        (None, _) => return Err(ErrorResponse::bad_request("the request has no Host header")),
        (Some(_), Some(_)) => {
            return Err(ErrorResponse::bad_request(
                "the request has more than one Host header",
            ))
        }
    };
    if !is_local_host(host, port) {
        return Err(ErrorResponse::forbidden(format!(
            "the dashboard token is only for pages loaded from 127.0.0.1:{port}, \
             localhost:{port} or [::1]:{port}"
        )));
    }
    let site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none");
    if !matches!(site, "same-origin" | "none") {
        return Err(ErrorResponse::forbidden(
            "the dashboard token is not handed to other sites",
        ));
    }
    Ok(())
}

/// Exactly `127.0.0.1`, `localhost` (in any case: host names are case-insensitive) or
/// `[::1]`, then `:port`; the port may be left out only when it is 80, as browsers do.
/// Nothing else: no other 127/8 address, no trailing dot, no user info, no white space.
fn is_local_host(host: &str, port: u16) -> bool {
    let (name, given) = match host.rsplit_once(':') {
        // `[::1]` alone has colons inside the brackets only.
        Some((name, p)) if !p.contains(']') => (name, Some(p)),
        _ => (host, None),
    };
    let port_ok = match given {
        Some(p) => p == port.to_string(),
        None => port == 80,
    };
    port_ok && (name == "127.0.0.1" || name == "[::1]" || name.eq_ignore_ascii_case("localhost"))
}

/// The dashboard's identity check: whoever passed [`local_request`] is the local user
/// watching their own dev server, and gets identity `dashboard`.
struct LocalDashboard;

impl sync_token::IdentityCheck for LocalDashboard {
    async fn identity(
        &self,
        _services: &Services,
        _req: &lambda_http::Request,
        _asked: Option<&str>,
    ) -> Result<String, ErrorResponse> {
        Ok(IDENTITY.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    fn token_refusal_status(loopback: bool, headers: &HeaderMap) -> Option<StatusCode> {
        local_request(loopback, 3000, headers)
            .err()
            .map(|refusal| refusal.into_response().status())
    }

    fn headers(host: &str, site: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_str(host).expect("header"));
        if let Some(site) = site {
            headers.insert(
                "sec-fetch-site",
                HeaderValue::from_str(site).expect("header"),
            );
        }
        headers
    }

    #[test]
    fn tokens_only_for_loopback_hosts_same_origin_on_a_loopback_bind() {
        for host in [
            "127.0.0.1:3000",
            "localhost:3000",
            "[::1]:3000",
            "LOCALHOST:3000",
        ] {
            assert_eq!(
                token_refusal_status(true, &headers(host, Some("same-origin"))),
                None,
                "{host}"
            );
            assert_eq!(
                token_refusal_status(true, &headers(host, None)),
                None,
                "{host}"
            );
        }
        for host in [
            "evil.example:3000",
            "192.168.1.5:3000",
            "localhost.evil.example",
            "",
            "127.0.0.2:3000",
            "localhost",
            "127.0.0.1",
            "[::1]",
            "localhost:3001",
            "localhost:03000",
            "localhost.:3000",
            "localhost:3000 ",
            "user@localhost:3000",
            "[::1]:3000:3000",
            "[::ffff:127.0.0.1]:3000",
        ] {
            assert_eq!(
                token_refusal_status(true, &headers(host, None)),
                Some(StatusCode::FORBIDDEN),
                "{host}"
            );
        }
        assert_eq!(
            token_refusal_status(true, &headers("127.0.0.1:3000", Some("cross-site"))),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            token_refusal_status(false, &headers("127.0.0.1:3000", None)),
            Some(StatusCode::FORBIDDEN)
        );
    }
}
