//! The call index: one item per call in a Sync map (`CALL_INDEX_MAP`, e.g. `calls`), so
//! that a realtime client can find the call documents.
//!
//! twilio-sync.js can open a document by name but cannot list documents, so a dashboard
//! subscribes to this map instead: an `itemAdded` tells it a call exists, and it then
//! opens `call-{CallSid}`. Items carry the same TTL as the call documents and are written
//! once per call (with the document's create, concurrently, so the webhook waits for the
//! slower of the two rather than their sum). The index is off unless configured: deployed,
//! it costs one more Sync write per new call, and a map takes ~20 writes/s.

use serde::{Deserialize, Serialize};

use crate::sync::{OpenMode, SyncClient, SyncError, TryFirst, Ttl};
use crate::timestamp::Timestamp;

use super::store::NewCall;

/// The value of an index item (key: the CallSid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexEntry {
    /// `CallSid` (also the item's key).
    pub call_sid: String,
    /// The call's document, `call-{CallSid}`.
    pub document: String,
    /// `From` of the call's first webhook.
    pub from: String,
    /// `To` of the call's first webhook.
    pub to: String,
    /// When the item was written: the call's first webhook.
    pub start_time: Timestamp,
}

/// Writes index items.
#[derive(Clone)]
pub struct CallIndex {
    sync: SyncClient,
    map: String,
    ttl: Ttl,
}

impl CallIndex {
    /// An index in map `map` of `sync`'s service; items expire `ttl` after their write.
    pub fn new(sync: SyncClient, map: impl Into<String>, ttl: Ttl) -> Self {
        CallIndex {
            sync,
            map: map.into(),
            ttl,
        }
    }

    /// The index map's name.
    pub fn map(&self) -> &str {
        &self.map
    }

    /// Adds (or refreshes) a call's item: one request, two more the first time (the map
    /// does not exist yet).
    pub async fn add(&self, call: NewCall<'_>, now: Timestamp) -> Result<(), SyncError> {
        let entry = IndexEntry {
            call_sid: call.call_sid.to_owned(),
            document: super::document_name(call.call_sid),
            from: call.from.to_owned(),
            to: call.to.to_owned(),
            start_time: now,
        };
        let item = self.sync.map(self.map.clone()).item(call.call_sid);
        match item
            .set_or_create(&entry, Some(self.ttl), TryFirst::Create)
            .await
        {
            Err(SyncError::NotFound(_)) => {
                // Item create answered 404: the map itself does not exist yet.
                self.sync
                    .map(self.map.clone())
                    .open(OpenMode::CreateOrOpen, None)
                    .await?;
                item.set_or_create(&entry, Some(self.ttl), TryFirst::Create)
                    .await?;
            }
            other => {
                other?;
            }
        }
        Ok(())
    }
}
