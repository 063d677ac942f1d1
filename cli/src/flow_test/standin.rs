//! The stand-in of one test: a small HTTP server on loopback that answers a flow's HTTP
//! calls as the test scripts them, and records every request it gets.
//!
//! `serve`'s `--http-rewrite` sends each origin the flow calls (`https://api.acme.test`)
//! to `http://127.0.0.1:PORT/__standin/https/api.acme.test`, so one stand-in serves every
//! host and still knows which URL the flow asked for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::spec::{url_matches, HttpAnswer};

/// Where the rewritten URLs point.
const PREFIX: &str = "/__standin/";

/// One request the flow made.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The URL the flow asked for, query included.
    pub url: String,
    /// Query, form and JSON body parameters (JSON values other than strings as JSON).
    pub params: Vec<(String, String)>,
    pub body: String,
    /// What the stand-in answered (404: nothing scripted for it).
    pub status: u16,
    pub scripted: bool,
}

struct Shared {
    answers: Vec<HttpAnswer>,
    /// How many requests each set of matching answers has had.
    uses: Mutex<HashMap<Vec<usize>, usize>>,
    requests: Mutex<Vec<Recorded>>,
}

/// A running stand-in; stopped on drop.
pub struct StandIn {
    pub base: String,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
}

impl StandIn {
    /// Starts a stand-in answering with `answers` (the first that matches; several for
    /// the same request are used in turn, the last one again and again).
    pub async fn start(answers: Vec<HttpAnswer>) -> anyhow::Result<StandIn> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            answers,
            uses: Mutex::new(HashMap::new()),
            requests: Mutex::new(Vec::new()),
        });
        let router = axum::Router::new()
            .fallback(answer)
            .with_state(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(StandIn {
            base,
            shared,
            stop: Some(stop),
        })
    }

    /// The `--http-rewrite` that sends `origin` (`https://host`) here.
    pub fn rewrite(&self, origin: &str) -> String {
        let target = origin.replacen("://", "/", 1);
        format!("{origin}={}{PREFIX}{target}", self.base)
    }

    /// The requests so far, in the order they arrived.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn answer(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(url) = original_url(&uri) else {
        return (StatusCode::NOT_FOUND, "not a stand-in URL").into_response();
    };
    let body = String::from_utf8_lossy(&body).into_owned();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let params = params_of(&url, content_type, &body);
    let candidates: Vec<usize> = shared
        .answers
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            a.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
                && url_matches(&a.url, &url)
        })
        .map(|(i, _)| i)
        .collect();
    let chosen = match candidates.len() {
        0 => None,
        n => {
            let mut uses = shared.uses.lock().unwrap_or_else(|e| e.into_inner());
            let used = uses.entry(candidates.clone()).or_insert(0);
            let pick = candidates[(*used).min(n - 1)];
            *used += 1;
            Some(shared.answers[pick].clone())
        }
    };
    let status = chosen.as_ref().map_or(404, |a| a.status);
    shared
        .requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Recorded {
            method: method.to_string(),
            url: url.clone(),
            params,
            body,
            status,
            scripted: chosen.is_some(),
        });
    let Some(chosen) = chosen else {
        let message = serde_json::json!({
            "message": format!("callflow flow test: no stand-in answer for {method} {url}")
        });
        return (StatusCode::NOT_FOUND, axum::Json(message)).into_response();
    };
    if chosen.delay_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(chosen.delay_ms)).await;
    }
    let content_type = chosen.content_type.clone().unwrap_or_else(|| {
        let trimmed = chosen.body.trim_start();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            "application/json".to_owned()
        } else {
            "text/plain; charset=utf-8".to_owned()
        }
    });
    let status = StatusCode::from_u16(chosen.status).unwrap_or(StatusCode::OK);
    (status, [(header::CONTENT_TYPE, content_type)], chosen.body).into_response()
}

/// The URL the flow asked for, from the rewritten one: `/__standin/https/host/rest?q`.
fn original_url(uri: &Uri) -> Option<String> {
    let rest = uri.path().strip_prefix(PREFIX)?;
    let (scheme, rest) = rest.split_once('/')?;
    let mut url = format!("{scheme}://{rest}");
    if let Some(query) = uri.query() {
        url.push('?');
        url.push_str(query);
    }
    Some(url)
}

fn params_of(url: &str, content_type: &str, body: &str) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = match url.split_once('?') {
        Some((_, query)) => url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect(),
        None => Vec::new(),
    };
    if content_type.starts_with("application/x-www-form-urlencoded") {
        params.extend(url::form_urlencoded::parse(body.as_bytes()).into_owned());
    } else if content_type.starts_with("application/json") {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(body) {
            params.extend(map.into_iter().map(|(k, v)| match v {
                serde_json::Value::String(s) => (k, s),
                other => (k, other.to_string()),
            }));
        }
    }
    params
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_url_comes_back_from_the_rewritten_one() {
        let uri: Uri = "/__standin/https/api.acme.test/orders?order=1"
            .parse()
            .expect("uri");
        assert_eq!(
            original_url(&uri).as_deref(),
            Some("https://api.acme.test/orders?order=1")
        );
        let uri: Uri = "/__standin/http/127.0.0.1:9000".parse().expect("uri");
        assert_eq!(original_url(&uri).as_deref(), Some("http://127.0.0.1:9000"));
    }

    #[tokio::test]
    async fn answers_for_one_url_are_used_in_turn_and_every_request_is_recorded() {
        let answer = |status: u16, method: Option<&str>| HttpAnswer {
            url: "https://a.test/x".to_owned(),
            method: method.map(str::to_owned),
            status,
            body: String::new(),
            content_type: None,
            delay_ms: 0,
        };
        let standin = StandIn::start(vec![
            answer(405, Some("POST")),
            answer(503, None),
            answer(200, None),
        ])
        .await
        .expect("starts");
        assert_eq!(
            standin.rewrite("https://a.test"),
            format!("https://a.test={}/__standin/https/a.test", standin.base)
        );
        let client = reqwest::Client::new();
        let mut statuses = Vec::new();
        for path in ["x?n=1", "x?n=2", "x?n=3", "y"] {
            let url = format!("{}/__standin/https/a.test/{path}", standin.base);
            let response = client.get(url).send().await.expect("answers");
            statuses.push(response.status().as_u16());
        }
        assert_eq!(statuses, [503, 200, 200, 404]);
        let requests = standin.requests();
        assert_eq!(requests.len(), 4);
        assert_eq!(requests[0].url, "https://a.test/x?n=1");
        assert_eq!(requests[0].params, [("n".to_owned(), "1".to_owned())]);
        assert!(!requests[3].scripted);
    }

    #[test]
    fn parameters_come_from_query_form_and_json() {
        let p = params_of(
            "https://a.test/x?a=1",
            "application/json",
            r#"{"b": 2, "c": "x"}"#,
        );
        assert_eq!(
            p,
            [("a", "1"), ("b", "2"), ("c", "x")].map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        let p = params_of(
            "https://a.test/x",
            "application/x-www-form-urlencoded;charset=utf-8",
            "d=%2B1",
        );
        assert_eq!(p, [("d".to_owned(), "+1".to_owned())]);
    }
}
