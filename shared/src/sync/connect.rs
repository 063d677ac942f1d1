//! How the Sync client reaches its host: straight, or through an HTTP CONNECT tunnel when
//! the environment names a proxy for https (`HTTPS_PROXY`, `ALL_PROXY`, minus `NO_PROXY`),
//! as curl and most HTTP clients do. Plain-http URLs (an emulator on this machine) always
//! go straight: a proxy would see the request in the clear.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::uri::Scheme;
use http::Uri;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower::{Service, ServiceExt};

use super::config::Proxy;
use super::error::SyncError;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A TCP connector that tunnels https destinations through the proxy its matcher names.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    direct: HttpConnector,
    proxies: Option<Arc<Matcher>>,
}

impl ProxyConnector {
    /// `direct` for every connection, or for the proxy's when `proxy` names one. Fails
    /// when `base_url` would go through a proxy this connector cannot speak to (only
    /// `http://` proxies: the CONNECT request itself is not encrypted).
    pub(crate) fn new(
        direct: HttpConnector,
        proxy: &Proxy,
        base_url: &str,
    ) -> Result<Self, SyncError> {
        let matcher = match proxy {
            Proxy::Direct => None,
            Proxy::FromEnv => Some(Matcher::from_env()),
            Proxy::Url { url, no_proxy } => Some(
                Matcher::builder()
                    .all(url.clone())
                    .no(no_proxy.clone())
                    .build(),
            ),
        };
        let connector = ProxyConnector {
            direct,
            proxies: matcher.map(Arc::new),
        };
        if let Ok(base) = base_url.parse::<Uri>() {
            if let Some(intercept) = connector.intercept(&base) {
                let proxy = intercept.uri();
                if proxy.scheme() != Some(&Scheme::HTTP) {
                    // Scheme and host only: the proxy's URL may carry credentials.
                    return Err(SyncError::Config(format!(
                        "the proxy for {base_url} is {}://{}: only http:// proxies are supported \
                         (NO_PROXY={} reaches Sync directly)",
                        proxy.scheme_str().unwrap_or("?"),
                        proxy.host().unwrap_or("?"),
                        base.host().unwrap_or("?"),
                    )));
                }
            }
        }
        Ok(connector)
    }

    /// The proxy an https destination goes through, and its credentials, if any.
    fn intercept(&self, dst: &Uri) -> Option<Intercept> {
        if dst.scheme() != Some(&Scheme::HTTPS) {
            return None;
        }
        self.proxies.as_ref()?.intercept(dst)
    }
}

impl Service<Uri> for ProxyConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.direct.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        match self.intercept(&dst) {
            None => {
                let connecting = self.direct.call(dst);
                Box::pin(async move { connecting.await.map_err(Into::into) })
            }
            Some(proxy) => {
                let mut tunnel = Tunnel::new(proxy.uri().clone(), self.direct.clone());
                if let Some(auth) = proxy.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                Box::pin(async move { tunnel.oneshot(dst).await.map_err(Into::into) })
            }
        }
    }
}
