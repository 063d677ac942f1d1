//! The dashboard of `callflow serve`: a page at `/` that watches calls and presence live
//! over twilio-sync.js, with the flow drawn as a diagram.
//!
//! Everything the page loads comes from the binary: the page, its script and style
//! (`cli/assets/dashboard/`), the browser build of twilio-sync.js
//! (`cli/assets/vendor/twilio-sync/`, vendored from the npm package) and the flow's SVG
//! (drawn at start by [`crate::graph`], stages tagged `data-stage`). No build step, no CDN.
//!
//! The page needs an access token. It gets one from `GET /dashboard/token`, which runs the
//! `sync-token` function with a check of its own (`LocalDashboard`): identity
//! `dashboard`, and only while serve listens on a loopback address, only for requests whose
//! `Host` is a loopback name (so a web page elsewhere cannot reach it through DNS
//! rebinding) and that are not cross-site (`Sec-Fetch-Site`). On any other bind address the
//! route answers 403 and the page says how to get a token instead. The page never sees the
//! API token or the API secret.

use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use callflow::http::ErrorResponse;
use callflow::service::Services;

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
    /// The flow drawn as SVG, once, at start.
    flow_svg: String,
    /// Whether serve listens on a loopback address only (tokens are handed out only then).
    loopback: bool,
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
        embedded: bool,
        presence_maps: Vec<String>,
    ) -> Dashboard {
        let graph = services.flow_graph();
        let flow_svg = crate::graph::to_svg(&graph);
        let config = serde_json::json!({
            "callsMap": services.config.call_index_map,
            "presenceMaps": presence_maps,
            "flowStart": graph.start,
            "socketPath": embedded.then_some(sync_emulator::realtime::PATH),
            "identity": IDENTITY,
        });
        Dashboard {
            services,
            flow_svg,
            loopback,
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
                get(|State(d): State<Dashboard>| async move { asset("image/svg+xml", d.flow_svg) }),
            )
            .route(
                "/dashboard/config.json",
                get(|State(d): State<Dashboard>| async move {
                    asset("application/json", d.config.to_string())
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
    if let Err(refusal) = local_request(dashboard.loopback, req.headers()) {
        return crate::serve::from_lambda(refusal.into_response());
    }
    let req = match crate::serve::to_lambda(req).await {
        Ok(req) => req,
        Err(refusal) => return refusal,
    };
    let answer = sync_token::handle_with(&dashboard.services, &LocalDashboard, &req).await;
    crate::serve::from_lambda(answer.unwrap_or_else(|refusal| refusal.into_response()))
}

/// Whether a token request may be answered: serve is bound to loopback, the request names
/// a loopback host, and it is not a cross-site request.
fn local_request(loopback: bool, headers: &HeaderMap) -> Result<(), ErrorResponse> {
    if !loopback {
        return Err(ErrorResponse::forbidden(
            "the dashboard hands out tokens only when serve listens on a loopback address; \
             get one from /sync-token with the bearer token instead",
        ));
    }
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !is_loopback_host(host) {
        return Err(ErrorResponse::forbidden(
            "the dashboard token is only for pages loaded from 127.0.0.1, [::1] or localhost",
        ));
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

/// `127.0.0.1:3000`, `localhost`, `[::1]:3000`, … (any 127/8 address).
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    name.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
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
        local_request(loopback, headers)
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
            "127.0.0.2",
            "LOCALHOST",
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
