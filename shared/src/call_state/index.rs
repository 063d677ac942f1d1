//! The call index: a Sync map (`CALL_INDEX_MAP`, e.g. `calls`) listing the active calls
//! and a bounded number of recently ended ones, each item a call's summary, plus a small
//! aggregates document (`{map}-stats`), so that a realtime dashboard sees the whole
//! picture by reading one map and one document, whatever the call rate.
//!
//! twilio-sync.js can open a document by name but cannot list documents, so a dashboard
//! subscribes to this map instead: each item (key: the CallSid) carries what a call list
//! shows (caller, stage, retries, status, outcome), and the dashboard opens
//! `call-{CallSid}` only to show one call's detail.
//!
//! What it costs, in Sync requests, only where the index is on (deployed, it is off and a
//! warm webhook stays at one request):
//! - a new call: one item create, sent concurrently with the document's create;
//! - a webhook that changes the call's stage, status or retries: one item update after
//!   the document's write (a webhook that changes none of them: nothing);
//! - a call's end: its item is updated with the outcome, and the oldest ended item beyond
//!   [`RECENT_ENDED`] is deleted (one more request);
//! - the aggregates: one document write per second at most, whatever the call rate
//!   ([`CallIndex::publish_stats`], which `callflow serve` runs).
//!
//! Items carry the call documents' TTL, so an abandoned call's item still goes.
//! Sync takes about 20 writes a second per object: at contact-centre rates the map is at
//! that limit (the emulator has none unless `--rate-limit` says so).

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::flow::Flow;
use crate::sync::{OpenMode, SyncClient, SyncError, TryFirst, Ttl};
use crate::timestamp::Timestamp;

use super::ledger::{CallOutcome, Ledger, Stats};
use super::model::CallState;

/// The value of an index item (key: the CallSid): what a call list shows of a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexEntry {
    /// The call.
    pub call_sid: String,
    /// The call's document, `call-{CallSid}`.
    pub document: String,
    /// The caller.
    pub from: String,
    /// The number called.
    pub to: String,
    /// When the call started.
    pub start_time: Timestamp,
    /// The stage (or Studio widget) the call is in.
    #[serde(default)]
    pub stage: String,
    /// Failed attempts in the current stage.
    #[serde(default)]
    pub retries: u32,
    /// Twilio's `CallStatus`.
    #[serde(default)]
    pub status: String,
    /// When the call ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<Timestamp>,
    /// How the call ended, once it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<CallOutcome>,
}

impl IndexEntry {
    fn of(state: &CallState, outcome: Option<CallOutcome>) -> IndexEntry {
        IndexEntry {
            call_sid: state.call_sid.clone(),
            document: super::document_name(&state.call_sid),
            from: state.from.clone(),
            to: state.to.clone(),
            start_time: state.start_time,
            stage: state.stage.clone(),
            retries: state.retries,
            status: state.status.as_str().to_owned(),
            end_time: state.end_time,
            outcome,
        }
    }
}

/// Writes index items and the aggregates document.
#[derive(Clone)]
pub struct CallIndex {
    sync: SyncClient,
    map: String,
    ttl: Ttl,
    ledger: Arc<Mutex<Ledger>>,
}

impl CallIndex {
    /// An index in map `map`, its items living `ttl` (the call documents' TTL).
    pub fn new(sync: SyncClient, map: impl Into<String>, ttl: Ttl) -> Self {
        CallIndex {
            sync,
            map: map.into(),
            ttl,
            ledger: Arc::new(Mutex::new(Ledger::default())),
        }
    }

    /// The index map's name.
    pub fn map(&self) -> &str {
        &self.map
    }

    /// The aggregates document's name: `{map}-stats`.
    pub fn stats_document(&self) -> String {
        format!("{}-stats", self.map)
    }

    /// Lists a new call as `state` (its first state): one request, two more the first
    /// time (the map does not exist yet).
    pub async fn add(&self, state: &CallState, now: Timestamp) -> Result<(), SyncError> {
        let change = self.ledger().observe(state, || CallOutcome::Failed, now);
        if !change.write_item {
            return Ok(());
        }
        self.write(&IndexEntry::of(state, change.ended), TryFirst::Create)
            .await
    }

    /// Follows a written state: updates the call's item when its stage, status or retries
    /// changed (one request; none otherwise) and, when the call has just ended, deletes
    /// the oldest ended item beyond [`RECENT_ENDED`](super::ledger::RECENT_ENDED).
    pub async fn follow(
        &self,
        state: &CallState,
        flow: &Flow,
        now: Timestamp,
    ) -> Result<(), SyncError> {
        let change = self
            .ledger()
            .observe(state, || CallOutcome::of(state, flow), now);
        if !change.write_item {
            return Ok(());
        }
        let outcome = change.ended.or_else(|| {
            // An ended call's item keeps its outcome through later changes.
            state
                .status
                .is_final()
                .then(|| CallOutcome::of(state, flow))
        });
        let entry = IndexEntry::of(state, outcome);
        let written = self.write(&entry, TryFirst::Update);
        match change.evict {
            Some(oldest) => {
                let evicted = async {
                    match self.sync.map(self.map.clone()).item(oldest).delete().await {
                        // Gone already (its TTL ran out): what eviction wanted.
                        Err(SyncError::NotFound(_)) => Ok(()),
                        other => other,
                    }
                };
                let (written, evicted) = tokio::join!(written, evicted);
                written.and(evicted)
            }
            None => written.await,
        }
    }

    /// Writes the aggregates document when they changed (at most once a second unless
    /// calls changed): what `callflow serve` calls on a timer. Whether it wrote.
    pub async fn publish_stats(&self, now: Timestamp) -> Result<bool, SyncError> {
        let Some(stats) = self.ledger().take_stats(now) else {
            return Ok(false);
        };
        self.write_stats(&stats).await?;
        Ok(true)
    }

    async fn write_stats(&self, stats: &Stats) -> Result<(), SyncError> {
        let document = self.sync.document(self.stats_document());
        match document.update(stats).await {
            Err(SyncError::NotFound(_)) => {
                let opened = document.open(OpenMode::CreateOrOpen, stats, None).await?;
                if !opened.created {
                    document.update(stats).await?;
                }
                Ok(())
            }
            other => other.map(|_| ()),
        }
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        // A poisoned ledger still holds counts; losing the index over it would be worse.
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn write(&self, entry: &IndexEntry, first: TryFirst) -> Result<(), SyncError> {
        let item = self.sync.map(self.map.clone()).item(&entry.call_sid);
        match item.set_or_create(entry, Some(self.ttl), first).await {
            Err(SyncError::NotFound(_)) => {
                // The map itself does not exist yet.
                self.sync
                    .map(self.map.clone())
                    .open(OpenMode::CreateOrOpen, None)
                    .await?;
                item.set_or_create(entry, Some(self.ttl), TryFirst::Create)
                    .await?;
            }
            other => {
                other?;
            }
        }
        Ok(())
    }
}
