//! Presence: which agents are online, as items of Sync map `user-presence` that expire
//! (item TTL) when their apps stop beating.
//!
//! `model` validates beats and shapes the item; the store writes them with
//! set-or-create so the first beat and every later one cost one round trip each.

mod model;
mod store;

pub use model::{
    Beat, Presence, PresenceError, PresenceStatus, RawBeat, MAX_IDENTITY_LEN, PRESENCE_MAP,
};
pub use store::{BeatOutcome, PresenceStore};
