//! The presence store: map `user-presence`, one item per identity, item TTL reset by
//! every beat.
//!
//! A beat is one request in the common case (update the item). The first beat of an
//! identity costs a create as well; the very first beat of a fresh service also creates
//! the map. Sync allows about 20 writes/s per object and map items count against their
//! map, so one map serves a fleet beating every 30 s up to roughly 600 agents. Beyond
//! that, `PRESENCE_SHARDS=n` spreads identities over maps `user-presence-0` ..
//! `user-presence-{n-1}` by a stable hash of the identity (with one shard, the map is
//! plain `user-presence`); listing walks every shard.

use futures_util::TryStreamExt;

use crate::sync::{MapItem, OpenMode, PageOptions, SyncClient, SyncError, TryFirst, Ttl};
use crate::timestamp::Timestamp;

use super::model::{Beat, Presence, PresenceStatus, PRESENCE_MAP};

/// Reads and writes presence in Sync.
#[derive(Clone)]
pub struct PresenceStore {
    sync: SyncClient,
    ttl: Ttl,
    shards: u32,
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
    /// One presence map, `user-presence`.
    pub fn new(sync: SyncClient, ttl: Ttl) -> Self {
        PresenceStore {
            sync,
            ttl,
            shards: 1,
        }
    }

    /// Presence spread over `shards` maps (at least 1).
    pub fn with_shards(mut self, shards: u32) -> Self {
        self.shards = shards.max(1);
        self
    }

    /// Every presence map, in shard order (what a realtime client subscribes to).
    pub fn maps(&self) -> Vec<String> {
        (0..u64::from(self.shards))
            .map(|shard| shard_name(shard, self.shards))
            .collect()
    }

    /// The map that holds `identity`: its shard, by a hash of the identity.
    pub fn map_for(&self, identity: &str) -> String {
        shard_name(
            fnv1a(identity.as_bytes()) % u64::from(self.shards),
            self.shards,
        )
    }

    /// The Sync client (its request counter tells round trips).
    pub fn sync(&self) -> &SyncClient {
        &self.sync
    }

    /// Applies one beat.
    pub async fn beat(&self, beat: &Beat, now: Timestamp) -> Result<BeatOutcome, SyncError> {
        let map = self.map_for(&beat.identity);
        let item = self.sync.map(map.clone()).item(beat.identity.clone());
        if beat.status == PresenceStatus::Offline {
            return match item.delete().await {
                Ok(()) | Err(SyncError::NotFound(_)) => Ok(BeatOutcome::Removed),
                Err(other) => Err(other),
            };
        }
        let value = beat.presence(now);
        let written = match item
            .set_or_create(&value, Some(self.ttl), TryFirst::Update)
            .await
        {
            Err(SyncError::NotFound(_)) => {
                // Item create answered 404: the map itself does not exist yet.
                self.sync
                    .map(map)
                    .open(OpenMode::CreateOrOpen, None)
                    .await?;
                item.set_or_create(&value, Some(self.ttl), TryFirst::Update)
                    .await?
            }
            other => other?,
        };
        Ok(BeatOutcome::Present(written.data))
    }

    /// Everyone present, paging through every shard's whole map.
    pub async fn list(&self) -> Result<Vec<Presence>, SyncError> {
        let mut present = Vec::new();
        for shard in 0..u64::from(self.shards) {
            let items = self
                .sync
                .map(shard_name(shard, self.shards))
                .items()
                .stream::<Presence>(PageOptions::default().page_size(100));
            match items.try_collect::<Vec<MapItem<Presence>>>().await {
                Ok(items) => present.extend(items.into_iter().map(|item| item.data)),
                // No map yet: nobody in this shard has ever beaten.
                Err(SyncError::NotFound(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(present)
    }
}

fn shard_name(shard: u64, shards: u32) -> String {
    if shards <= 1 {
        PRESENCE_MAP.to_owned()
    } else {
        format!("{PRESENCE_MAP}-{shard}")
    }
}

/// FNV-1a: a hash that every process and every build agrees on, so an identity always
/// lands in the same shard (std's `DefaultHasher` makes no such promise across releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_values() {
        // From the FNV reference test suite.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn one_shard_is_the_plain_map() {
        assert_eq!(shard_name(0, 1), "user-presence");
        assert_eq!(shard_name(3, 8), "user-presence-3");
    }
}
