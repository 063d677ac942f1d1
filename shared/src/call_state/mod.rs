//! Call state: the model of a call's progress through the flow, and its Sync store.
//!
//! `model` holds the document and the pure rules that change it (`stage_results` the part
//! kept from dials, recordings and connections); the store (next to it) reads and writes
//! it in Sync document `call-{CallSid}` with as few round trips as the design allows,
//! `recent` remembering the latest revision of the calls it has just served; `index`
//! optionally lists the calls in a Sync map, for realtime dashboards; `carry` keeps the
//! inputs of webhooks answered without Sync in the URLs of the TwiML answered, until Sync
//! takes them.

pub mod carry;
mod index;
mod ledger;
mod model;
mod recent;
mod stage_results;
mod store;
mod studio;

pub use index::{CallIndex, IndexEntry};
pub use ledger::{CallOutcome, Stats, KNOWN_CAP, RECENT_ENDED, WINDOWS};
pub use model::{
    Applied, CallState, GatherAnswer, Selection, StatusUpdate, MAX_TOKEN_BYTES, MIN_TOKENS,
    REMEMBERED_TOKENS, STATE_BUDGET_BYTES,
};
pub use recent::{ENDED_CAPACITY, LIVE_CAPACITY};
pub use stage_results::{
    CallEvent, ConnectInfo, DialResult, RecordingInfo, MAX_FIELD_BYTES, MAX_TRANSCRIPT_BYTES,
};
pub use store::{document_name, CallStateStore, NewCall};
pub use studio::StudioChange;
