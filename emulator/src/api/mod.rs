//! A local Twilio REST API beyond Sync: the 2010-04-01 resources callflow uses
//! (`IncomingPhoneNumbers`, `Messages`, a call's `Recordings`, `Keys`) and IAM's
//! `/v1/Keys`, at Twilio's paths and in Twilio's JSON, so twilio-python and twilio-node
//! accept them with only their `api` (and `iam`) base URL changed.
//!
//! Nothing here reaches a telephone network: numbers are the ones seeded
//! ([`crate::Emulator::seed_phone_numbers`]), messages are kept and never sent, a
//! recording is a status and nothing else. What is real is the wire: paths, parameters,
//! JSON shapes, RFC 2822 dates, paging envelopes, SIDs and Twilio's error codes.
//!
//! Each resource has one file with its routes and its SQL; `v2010` holds what the
//! 2010-04-01 resources share (the account check, dates, the list envelope).

mod keys;
mod messages;
mod numbers;
mod recordings;
mod v2010;

use axum::Router;
use rusqlite::Connection;

use crate::state::Shared;

pub(crate) use keys::authorized as key_authorized;
pub use numbers::PhoneNumber;

/// Every route of this API.
pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .merge(numbers::routes())
        .merge(messages::routes())
        .merge(recordings::routes())
        .merge(keys::routes())
}

/// Creates this API's tables if they are missing (run with the Sync schema's migration).
pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(numbers::SCHEMA)?;
    conn.execute_batch(messages::SCHEMA)?;
    conn.execute_batch(recordings::SCHEMA)?;
    conn.execute_batch(keys::SCHEMA)
}
