//! callflow: Twilio voice call-state flows on AWS Lambda, with Twilio Sync as the store.
//!
//! Layout (work in progress, each module owns one concern):
//! - [`sync`]: the Twilio Sync REST client.
//! - [`webhook`]: typed Twilio webhooks and `X-Twilio-Signature` validation.
//! - [`twiml`]: the TwiML writer.
//! - [`call_state`]: a call's progress (stage, selections, status) and its Sync store.
//! - [`flow`]: the call flow as data (stages, routes, retries), validated at start.
//! - [`presence`]: agents' presence beats, kept as expiring Sync map items.
//! - [`timestamp`]: ISO 8601 UTC timestamps as written into Sync values.
//! - [`service`]: what every function builds once per process; store errors as answers.
//! - [`config`]: configuration from the environment, checked once at start.
//! - [`http`]: glue between HTTP requests/responses and the above.

pub mod call_state;
pub mod config;
pub mod flow;
pub mod http;
pub mod presence;
pub mod service;
pub mod sync;
pub mod timestamp;
pub mod twiml;
pub mod webhook;
