//! [`Meta`]: what Sync returns about every document, map, list, stream and item besides
//! its identity, value and revision.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::wire::rfc3339_opt;

/// Account, service, URL, dates and creator of a Sync resource. Flattened into
/// [`Document`](super::Document), [`MapItem`](super::MapItem),
/// [`ListItem`](super::ListItem) and [`SyncObject`](super::SyncObject), so on the wire
/// these are top-level fields, as Sync sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// `AC…`
    #[serde(default)]
    pub account_sid: String,
    /// `IS…`
    #[serde(default)]
    pub service_sid: String,
    /// The resource URL.
    #[serde(default)]
    pub url: String,
    /// When Sync will delete it; `None` for no expiry.
    #[serde(default, with = "rfc3339_opt")]
    pub date_expires: Option<OffsetDateTime>,
    /// Creation time.
    #[serde(default, with = "rfc3339_opt")]
    pub date_created: Option<OffsetDateTime>,
    /// Last write time.
    #[serde(default, with = "rfc3339_opt")]
    pub date_updated: Option<OffsetDateTime>,
    /// The identity that created it (`system` for REST).
    #[serde(default)]
    pub created_by: Option<String>,
}
