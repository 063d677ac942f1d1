//! The presence store: map `user-presence`, one item per identity, item TTL reset by
//! every beat.
//!
//! A beat is one request in the common case (update the item). The first beat of an
//! identity costs a create as well; the very first beat of a fresh service also creates
//! the map. Sync allows about 20 writes/s per object and map items count against their
//! map, so one map serves a fleet beating every 30 s up to roughly 600 agents; beyond
//! that the map needs sharding (not done here: see the README).

use futures_util::TryStreamExt;

use crate::sync::{MapItem, PageOptions, SyncClient, SyncError, Ttl};

use super::model::{Beat, Presence, PresenceStatus, PRESENCE_MAP};

/// Reads and writes presence in Sync.
#[derive(Clone)]
pub struct PresenceStore {
    sync: SyncClient,
    ttl: Ttl,
}

/// What a beat did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BeatOutcome {
    /// The identity is present with this value.
    Present(Presence),
    /// `offline`: the identity's item is gone (or was not there).
    Removed,
}

impl PresenceStore {
    pub fn new(sync: SyncClient, ttl: Ttl) -> Self {
        PresenceStore { sync, ttl }
    }

    /// The Sync client (its request counter tells round trips).
    pub fn sync(&self) -> &SyncClient {
        &self.sync
    }

    /// Applies one beat.
    pub async fn beat(&self, beat: &Beat, now: &str) -> Result<BeatOutcome, SyncError> {
        let item = self.sync.map(PRESENCE_MAP).item(beat.identity.clone());
        if beat.status == PresenceStatus::Offline {
            return match item.delete().await {
                Ok(()) | Err(SyncError::NotFound(_)) => Ok(BeatOutcome::Removed),
                Err(other) => Err(other),
            };
        }
        let value = beat.presence(now);
        let written = match item.set_or_create(&value, Some(self.ttl)).await {
            Err(SyncError::NotFound(_)) => {
                // Item create answered 404: the map itself does not exist yet.
                self.sync.map(PRESENCE_MAP).create_or_fetch(None).await?;
                item.set_or_create(&value, Some(self.ttl)).await?
            }
            other => other?,
        };
        Ok(BeatOutcome::Present(written.data))
    }

    /// Everyone present, paging through the whole map.
    pub async fn list(&self) -> Result<Vec<Presence>, SyncError> {
        let items = self
            .sync
            .map(PRESENCE_MAP)
            .items()
            .stream::<Presence>(PageOptions::default().page_size(100));
        match items.try_collect::<Vec<MapItem<Presence>>>().await {
            Ok(items) => Ok(items.into_iter().map(|item| item.data).collect()),
            // No map yet: nobody has ever beaten.
            Err(SyncError::NotFound(_)) => Ok(Vec::new()),
            Err(other) => Err(other),
        }
    }
}
