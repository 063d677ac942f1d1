//! The Sync service itself: `GET /v1/Services/{service}`.
//!
//! Needed where the configured service is `default` but its real SID is wanted, as in
//! an access token's `data_sync.service_sid` (the realtime socket reads the service
//! from the token, and `default` is a REST path alias, not a SID).

use serde::Deserialize;

use super::client::{Req, SyncClient};
use super::error::SyncError;

/// The parts of a Sync service resource callflow reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ServiceInfo {
    /// `IS…`.
    pub sid: String,
    /// `default` for the account's default service.
    #[serde(default)]
    pub unique_name: Option<String>,
    /// The service's display name, when it has one.
    #[serde(default)]
    pub friendly_name: Option<String>,
}

impl SyncClient {
    /// Fetches the configured service (by SID or by `default`), one GET.
    pub async fn service(&self) -> Result<ServiceInfo, SyncError> {
        let dl = self.start();
        self.json(&Req::get(self.service_url().to_owned()), &dl)
            .await
    }
}
