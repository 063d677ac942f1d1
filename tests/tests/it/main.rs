//! The end-to-end tests, as one test binary (one link instead of one per file). Each
//! module drives the real handlers, or the real `callflow serve` router, against a real
//! emulator on a loopback port; `callflow_e2e` (this crate's library) holds the stack
//! they share.
//!
//! - `bad_input`: the right 4xx with a Twilio-style body for every kind of bad request;
//! - `call_flow`: a call through the bundled flow, concurrency, redelivery, round trips;
//! - `deployment`: `template.yaml` and the `cargo lambda watch` router list the same
//!   functions as `callflow serve`;
//! - `flow_stages`: dial, voicemail, continue and connect stages with their callbacks;
//! - `lambda_events`: API Gateway and Function URL events through lambda_http;
//! - `presence`: heartbeats and TTL expiry on a clock the test moves;
//! - `studio`: a Studio flow's calls: widgets, HTTP stand-ins, guards, round trips;
//! - `studio_widgets`: every voice widget's TwiML and events, split operators, Liquid,
//!   Studio's guards and stale callbacks, on a flow routed by a `Case` parameter;
//! - `sync_token`: access tokens and every refusal.

mod bad_input;
mod call_flow;
mod deployment;
mod flow_stages;
mod lambda_events;
mod presence;
mod studio;
mod studio_widgets;
mod sync_token;
