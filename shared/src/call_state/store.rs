//! The call-state store: document `call-{CallSid}` in Sync, with a warm-instance cache.
//!
//! Round trips are what a webhook pays for (a Lambda sits tens of milliseconds from
//! Sync), so each operation is shaped for the fewest:
//! - first webhook of a call: one create carrying the initial value and TTL (a
//!   redelivery meets 409 and fetches: two);
//! - a gather step on a warm instance: one conditional update, `If-Match` with the
//!   revision this instance wrote last; only when another instance wrote since does it
//!   cost a read and a second write;
//! - a gather step on a cold instance: a read and a conditional write.
//!
//! Every write goes through `mutate`, so overlapping webhooks never lose each other's
//! inputs, and the idempotency token check runs inside it, against the freshest value.
//!
//! Within one process (the dev server, or a Lambda runtime with concurrency), webhooks for
//! the same call also take turns on a per-call lock: the second one then starts from the
//! revision the first just wrote instead of losing an `If-Match` race to it, so overlapping
//! deliveries cost one request each rather than a read and a retry per conflict. Across
//! processes, `If-Match` alone keeps them correct.

use std::sync::{Arc, Mutex, RwLock};

use crate::flow::Flow;
use crate::sync::{Document, DocumentHandle, OpenMode, SyncClient, SyncError, Ttl};
use crate::timestamp::Timestamp;
use crate::webhook::CallStatus;

use super::index::CallIndex;
use super::model::{Applied, CallState, GatherAnswer, StatusUpdate};
use super::recent::RecentCalls;
use super::stage_results::CallEvent;
use super::studio::StudioChange;

/// Reads and writes call state in Sync.
#[derive(Clone)]
pub struct CallStateStore {
    sync: SyncClient,
    /// The flow, shared by every clone and swapped whole by [`CallStateStore::set_flow`]
    /// (`callflow serve` reloads an edited flow file). A read is a lock and an `Arc` clone.
    flow: Arc<RwLock<Arc<Flow>>>,
    ttl: Ttl,
    cache: Arc<Mutex<RecentCalls<Arc<Document<CallState>>>>>,
    turns: Arc<CallLocks>,
    /// Where new calls are listed, if anywhere.
    index: Option<CallIndex>,
}

/// Who is calling, as the first webhook says.
#[derive(Debug, Clone, Copy)]
pub struct NewCall<'a> {
    /// `CallSid`: names the document (`call-{CallSid}`).
    pub call_sid: &'a str,
    /// `From`: the caller.
    pub from: &'a str,
    /// `To`: the number called.
    pub to: &'a str,
    /// `CallStatus` of the webhook (the state starts in it).
    pub status: &'a CallStatus,
}

/// The name of a call's document.
pub fn document_name(call_sid: &str) -> String {
    format!("call-{call_sid}")
}

impl CallStateStore {
    /// A store of call-state documents in `sync`'s service, for calls following `flow`;
    /// each document lives `ttl` after its last write.
    pub fn new(sync: SyncClient, flow: Arc<Flow>, ttl: Ttl) -> Self {
        CallStateStore {
            sync,
            flow: Arc::new(RwLock::new(flow)),
            ttl,
            cache: Arc::new(Mutex::new(RecentCalls::default())),
            turns: Arc::new(CallLocks::new()),
            index: None,
        }
    }

    /// Also lists every new call in `index` (written concurrently with the call's create).
    pub fn with_index(mut self, index: CallIndex) -> Self {
        self.index = Some(index);
        self
    }

    /// The call index, if calls are listed.
    pub fn index(&self) -> Option<&CallIndex> {
        self.index.as_ref()
    }

    /// Runs `create` and, when an index is configured, lists the call (as `fresh`, its
    /// first state) at the same time. A failed index write is logged, not returned: the
    /// caller must not lose the call because a dashboard would not see it.
    async fn listing<T>(
        &self,
        fresh: &CallState,
        now: Timestamp,
        create: impl std::future::Future<Output = T>,
    ) -> T {
        let Some(index) = &self.index else {
            return create.await;
        };
        let (created, listed) = tokio::join!(create, index.add(fresh, now));
        if let Err(error) = listed {
            tracing::warn!(call_sid = %fresh.call_sid, %error, map = index.map(), "could not list the call in the call index");
        }
        created
    }

    /// After a write, when an index is configured: brings the call's index item up to
    /// date (nothing when its stage, status and retries did not change). Logged, not
    /// returned, like [`listing`](Self::listing).
    async fn follow(&self, state: &CallState, now: Timestamp) {
        let Some(index) = &self.index else {
            return;
        };
        // Boxed (see `start`): the index write's future would otherwise size every
        // webhook's future, with or without an index.
        if let Err(error) = Box::pin(index.follow(state, &self.flow(), now)).await {
            tracing::warn!(call_sid = %state.call_sid, %error, map = index.map(), "could not update the call in the call index");
        }
    }

    /// The flow calls move through now.
    pub fn flow(&self) -> Arc<Flow> {
        // A poisoned lock still holds a whole flow: a swap is one assignment.
        Arc::clone(&self.flow.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Swaps in another flow for every clone of this store; webhooks already running
    /// finish with the flow they started with. A call whose stage the new flow lacks ends
    /// at its next webhook ([`CallState::ended`]).
    pub fn set_flow(&self, flow: Arc<Flow>) {
        *self.flow.write().unwrap_or_else(|e| e.into_inner()) = flow;
    }

    /// The Sync client (its request counter tells round trips).
    pub fn sync(&self) -> &SyncClient {
        &self.sync
    }

    /// The state of a call that (re)enters the flow without input: creates it on the
    /// first webhook, returns it as stored otherwise.
    pub async fn start(&self, call: NewCall<'_>, now: Timestamp) -> Result<CallState, SyncError> {
        let initial = self.initial(call, now);
        let handle = self.sync.document(document_name(call.call_sid));
        // A call this instance has seen exists: read first (one request). A new call:
        // create first (one request). The cache is not answered from directly, since
        // another instance may have moved the call on.
        let opened = if self.cached(call.call_sid).is_some() {
            handle
                .open(OpenMode::OpenOrCreate, &initial, Some(self.ttl))
                .await?
        } else {
            // Boxed, as the creates below: these futures are large (the call index's write
            // runs beside the create), and a future awaited inline makes every caller's
            // future as large, which is then moved whole at each async layer of every
            // webhook (measured: 6% of serve's CPU in `memmove`).
            Box::pin(self.listing(
                &initial,
                now,
                handle.open(OpenMode::CreateOrOpen, &initial, Some(self.ttl)),
            ))
            .await?
        };
        let created = opened.created;
        let state = self.remember(call.call_sid, opened.value);
        if !created {
            self.follow(&state, now).await;
        }
        Ok(state)
    }

    /// Records a gather answer (creating the state if the call is unknown, e.g. expired),
    /// and follows the webhook's `CallStatus` ([`CallState::follow_webhook_status`]).
    pub async fn record_gather(
        &self,
        call: NewCall<'_>,
        answer: &GatherAnswer<'_>,
        token: Option<&str>,
        now: Timestamp,
    ) -> Result<(CallState, Applied), SyncError> {
        let flow = self.flow();
        self.change(call, now, move |state| {
            let applied = state.apply_gather(&flow, answer, token, now);
            if applied == Applied::Changed {
                state.follow_webhook_status(call.status);
            }
            applied
        })
        .await
    }

    /// Records a call-progress status (a status callback).
    pub async fn record_status(
        &self,
        call: NewCall<'_>,
        update: &StatusUpdate,
        token: Option<&str>,
        now: Timestamp,
    ) -> Result<(CallState, Applied), SyncError> {
        self.change(call, now, |state| state.apply_status(update, token, now))
            .await
    }

    /// Records a callback of a stage that ends without caller input (a dial result, a
    /// recording and its status and transcript, a say-and-continue redirect, the end of
    /// a connected session), moving the call on when it is still in `stage`. One
    /// conditional write on a warm instance, like a gather answer. The webhook's
    /// `CallStatus` is followed too ([`CallState::follow_webhook_status`]).
    pub async fn record_event(
        &self,
        call: NewCall<'_>,
        stage: &str,
        event: &CallEvent<'_>,
        token: Option<&str>,
        now: Timestamp,
    ) -> Result<(CallState, Applied), SyncError> {
        let flow = self.flow();
        self.change(call, now, move |state| {
            let applied = state.apply_event(&flow, stage, event, token, now);
            if applied == Applied::Changed {
                state.follow_webhook_status(call.status);
            }
            applied
        })
        .await
    }

    /// Applies inputs that webhooks answered without Sync carried forward
    /// ([`super::carry`]), in order, in one conditional write: `apply` applies one
    /// (by index) to the state and says whether it changed it.
    pub async fn record_carried<F>(
        &self,
        call: NewCall<'_>,
        count: usize,
        now: Timestamp,
        mut apply: F,
    ) -> Result<(CallState, Applied), SyncError>
    where
        F: FnMut(&mut CallState, usize) -> Applied,
    {
        self.change(call, now, move |state| {
            (0..count).fold(Applied::Unchanged, |any, i| match apply(state, i) {
                Applied::Changed => Applied::Changed,
                Applied::Unchanged => any,
            })
        })
        .await
    }

    /// One webhook of a call in a Studio flow. `run` gets the call's state as stored (or
    /// `None` for a call Sync does not know) and computes the change with the flow's own
    /// HTTP calls, outside any retry; the change is then written with `If-Match` and
    /// applied only if the execution is still where `run` read it. Round trips: a new
    /// call's first webhook creates (1, with `new_call`); a warm instance writes on the
    /// revision it holds (1); a cold one reads first (2).
    ///
    /// Returns the state as written (or as found) and what `run` gave; `None` when the
    /// delivery's idempotency token was applied already (a redelivery: nothing runs
    /// again, no HTTP call of the flow is repeated).
    pub async fn studio_turn<T, F, Fut>(
        &self,
        call: NewCall<'_>,
        new_call: bool,
        token: Option<&str>,
        now: Timestamp,
        run: F,
    ) -> Result<(CallState, Option<T>), SyncError>
    where
        F: FnOnce(Option<CallState>) -> Fut,
        Fut: std::future::Future<Output = (StudioChange, T)>,
    {
        let _turn = self.turns.lock(call.call_sid).await;
        let handle = self.sync.document(document_name(call.call_sid));
        let base: Option<Arc<Document<CallState>>> = match self.cached(call.call_sid) {
            Some(cached) => Some(cached),
            None if new_call => None,
            None => match handle.fetch().await {
                Ok(found) => Some(Arc::new(found)),
                Err(SyncError::NotFound(_)) => None,
                Err(other) => return Err(other),
            },
        };
        if let Some(found) = base.as_ref().filter(|d| d.data.has_applied(token)) {
            return Ok((found.data.clone(), None));
        }
        let (change, extra) = run(base.as_ref().map(|d| d.data.clone())).await;
        let apply = |state: &mut CallState| {
            state.apply_studio(&change, token, now);
        };
        let written = match &base {
            Some(doc) => match handle.mutate_with_ttl(Some(&**doc), self.ttl, apply).await {
                Ok(mutated) => Some(mutated.value),
                Err(SyncError::NotFound(_)) => None,
                Err(other) => {
                    self.forget(call.call_sid);
                    return Err(other);
                }
            },
            None => None,
        };
        let document = match written {
            Some(document) => document,
            None => {
                // A call Sync does not know (new, or expired): create it with the change.
                self.forget(call.call_sid);
                let mut fresh = CallState::for_studio(
                    call.call_sid,
                    call.from,
                    call.to,
                    call.status.clone(),
                    now,
                );
                fresh.apply_studio(&change, token, now);
                Box::pin(self.create_or_apply(now, &handle, &fresh, |state| {
                    state.apply_studio(&change, token, now);
                }))
                .await?
                .0
            }
        };
        let state = self.remember(call.call_sid, document);
        self.follow(&state, now).await;
        Ok((state, Some(extra)))
    }

    /// A status callback of a Studio call: the status is recorded and, when final, the
    /// execution ends (Studio ends an execution when the call does).
    pub async fn studio_status(
        &self,
        call: NewCall<'_>,
        update: &StatusUpdate,
        token: Option<&str>,
        now: Timestamp,
    ) -> Result<(CallState, Applied), SyncError> {
        self.change(call, now, |state| {
            let applied = state.apply_status(update, token, now);
            if update.status.is_final() && state.studio.is_some() {
                state.end_studio(format!("call {}", update.status.as_str()), now);
            }
            applied
        })
        .await
    }

    /// Reads a call's state; `NotFound` when there is none (or it expired).
    pub async fn get(&self, call_sid: &str) -> Result<CallState, SyncError> {
        let document: Document<CallState> =
            self.sync.document(document_name(call_sid)).fetch().await?;
        Ok(self.remember(call_sid, document))
    }

    /// Applies `apply` through `mutate`, starting from the cached revision when there is
    /// one. A call Sync does not know yet is created with `apply` already applied.
    async fn change<F>(
        &self,
        call: NewCall<'_>,
        now: Timestamp,
        mut apply: F,
    ) -> Result<(CallState, Applied), SyncError>
    where
        F: FnMut(&mut CallState) -> Applied,
    {
        let _turn = self.turns.lock(call.call_sid).await;
        let handle = self.sync.document(document_name(call.call_sid));
        let hint = self.cached(call.call_sid);
        let mut outcome = Applied::Unchanged;
        let result = handle
            .mutate_with_ttl(hint.as_deref(), self.ttl, |state: &mut CallState| {
                outcome = apply(state);
            })
            .await;
        match result {
            Ok(mutated) => {
                let state = self.remember(call.call_sid, mutated.value);
                self.follow(&state, now).await;
                Ok((state, outcome))
            }
            Err(SyncError::NotFound(_)) => {
                self.forget(call.call_sid);
                let mut fresh = self.initial(call, now);
                let applied = apply(&mut fresh);
                let (document, created) =
                    Box::pin(self.create_or_apply(now, &handle, &fresh, |state| {
                        outcome = apply(state);
                    }))
                    .await?;
                let state = self.remember(call.call_sid, document);
                self.follow(&state, now).await;
                Ok((state, if created { applied } else { outcome }))
            }
            Err(other) => {
                // The cached revision may be what misled us; the next call starts clean.
                self.forget(call.call_sid);
                Err(other)
            }
        }
    }

    /// Creates the call's document as `fresh` (listing the call in the index, if any), or,
    /// when another webhook created it first (a redelivery, or a race between our 404 and
    /// our create), applies `apply` on top of theirs. The document, and whether this
    /// created it.
    async fn create_or_apply(
        &self,
        now: Timestamp,
        handle: &DocumentHandle,
        fresh: &CallState,
        apply: impl FnMut(&mut CallState),
    ) -> Result<(Document<CallState>, bool), SyncError> {
        let opened = self
            .listing(
                fresh,
                now,
                handle.open(OpenMode::CreateOrOpen, fresh, Some(self.ttl)),
            )
            .await?;
        if opened.created {
            return Ok((opened.value, true));
        }
        let mutated = handle
            .mutate_with_ttl(Some(&opened.value), self.ttl, apply)
            .await?;
        Ok((mutated.value, false))
    }

    /// The state of a call this store has never seen, in the flow's first stage.
    fn initial(&self, call: NewCall<'_>, now: Timestamp) -> CallState {
        CallState::new(
            call.call_sid,
            call.from,
            call.to,
            call.status.clone(),
            &self.flow(),
            now,
        )
    }

    fn cached(&self, call_sid: &str) -> Option<Arc<Document<CallState>>> {
        self.cache.lock().ok()?.get(call_sid)
    }

    /// Caches `document` as the call's latest revision and gives back its state: one copy
    /// of the state for the caller, the document itself kept (not copied) for the next
    /// webhook.
    fn remember(&self, call_sid: &str, document: Document<CallState>) -> CallState {
        let state = document.data.clone();
        if let Ok(mut cache) = self.cache.lock() {
            let ended = document.data.status.is_final();
            cache.put(call_sid, Arc::new(document), ended);
        }
        state
    }

    fn forget(&self, call_sid: &str) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(call_sid);
        }
    }
}

/// Striped async locks, one stripe per call SID's hash. Striping bounds memory without
/// any cleanup; two calls sharing a stripe merely take turns, which costs little with
/// [`LOCK_STRIPES`] far above any realistic number of simultaneous calls per process.
struct CallLocks {
    stripes: Vec<tokio::sync::Mutex<()>>,
}

/// Number of lock stripes per store.
const LOCK_STRIPES: usize = 1024;

impl CallLocks {
    fn new() -> Self {
        CallLocks {
            stripes: (0..LOCK_STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        }
    }

    async fn lock(&self, call_sid: &str) -> tokio::sync::MutexGuard<'_, ()> {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        // Only this process needs to agree on the stripe, so std's hasher is fine here.
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(call_sid);
        let stripe = (hash % LOCK_STRIPES as u64) as usize;
        self.stripes[stripe].lock().await
    }
}
