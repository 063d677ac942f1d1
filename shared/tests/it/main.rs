//! The integration tests of `callflow`, as one test binary (one link instead of one per
//! file, as cargo's own testsuite is laid out). One module per area:
//!
//! - `config_env`: configuration from the environment;
//! - `http_*`: the webhook verifier and responses (`http_local_server` over a real socket);
//! - `sync_*`: the Sync client against the real emulator, and against a fault proxy
//!   (`sync_faults`, `sync_lost_answers`); `sync_support` holds what they share;
//! - `twiml_*`: TwiML against twilio-python's golden output, and property tests;
//! - `webhook_*`: form parsing, typed webhooks, signatures against Twilio's vectors.
//!
//! Data files stay beside this directory: `tests/golden/` and
//! `tests/webhook_signature_vectors.json`.

mod config_env;
mod http_local_server;
mod http_props;
mod http_verify;
mod sync_documents;
mod sync_errors;
mod sync_faults;
mod sync_lists_streams;
mod sync_lost_answers;
mod sync_maps;
mod sync_support;
mod twiml_golden;
mod twiml_props;
mod webhook_props;
mod webhook_requests;
mod webhook_signature;
