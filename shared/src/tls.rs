//! TLS for every HTTP client callflow builds: rustls with the ring crypto provider and
//! the platform's certificate verifier, handed to reqwest (and to the Sync client's hyper
//! stack) ready-made.
//!
//! reqwest's own `rustls` feature brings aws-lc-rs, whose C build alone was about a
//! quarter of a cold `cargo build --release -p callflow-cli`; ring does the same job for
//! a client in a fraction of the build. reqwest is therefore built with
//! `rustls-no-provider`, and a client made without [`client_builder`] has no TLS provider
//! (reqwest panics building it), unless its crate enables reqwest's `rustls` feature
//! as the tests and the benchmark do.

use std::sync::{Arc, OnceLock};

use rustls_platform_verifier::BuilderVerifierExt as _;

/// A reqwest client builder whose TLS is rustls over ring, verifying certificates the
/// way the platform does (the system's roots on Linux).
///
/// The configuration is built once per process and shared: reading the system's roots
/// is most of a client's cost (`callflow flow test` starts a `serve`, with its clients,
/// for every test).
pub fn client_builder() -> Result<reqwest::ClientBuilder, rustls::Error> {
    Ok(reqwest::Client::builder().tls_backend_preconfigured(client_config()?))
}

/// The rustls configuration [`client_builder`] uses, for a client built on hyper directly
/// (the Sync client).
pub fn client_config() -> Result<rustls::ClientConfig, rustls::Error> {
    static CONFIG: OnceLock<Result<rustls::ClientConfig, rustls::Error>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            Ok(rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()?
                .with_platform_verifier()?
                .with_no_client_auth())
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_client_without_a_process_wide_provider() {
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
        let client = client_builder().expect("TLS config").build();
        assert!(client.is_ok(), "{client:?}");
    }
}
