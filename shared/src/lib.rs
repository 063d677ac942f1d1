//! callflow: Twilio voice call-state flows on AWS Lambda, with Twilio Sync as the store.
//!
//! Layout (work in progress, each module owns one concern):
//! - [`sync`]: the Twilio Sync REST client: documents, maps, lists, streams; open modes,
//!   `mutate` with `If-Match`, typed errors, safe retries within a deadline.
//! - [`webhook`]: form bodies as ordered pairs, typed voice/status webhooks, and
//!   `X-Twilio-Signature` validation (HMAC-SHA1, `bodySHA256`, SharedKey SHA-256).
//! - [`twiml`]: the TwiML voice builder, byte-identical to twilio-python's output.
//! - [`call_state`]: a call's progress (stage, selections, status) and its Sync store.
//! - [`flow`]: the call flow as data (stages, routes, retries), validated at start.
//! - [`studio`]: Twilio Studio flow definitions (JSON): loaded, checked, run.
//! - [`access_token`]: Twilio access tokens (JWT) for twilio-sync.js, as twilio-python
//!   builds them.
//! - [`presence`]: agents' presence beats, kept as expiring Sync map items.
//! - [`timestamp`]: ISO 8601 UTC timestamps as written into Sync values.
//! - [`text`]: byte-bounded cuts on character boundaries, and line:column of an offset.
//! - [`tls`]: rustls over ring for every HTTP client (a fraction of aws-lc-rs's build).
//! - [`runtime`]: how a function runs: the [`Function`](runtime::Function) table entry,
//!   the [`Services`](runtime::Services) every function builds once per process, and
//!   [`run_function`](runtime::run_function), the whole `main` of a Lambda binary.
//! - [`config`]: configuration from the environment, checked once at start, every
//!   problem reported at once.
//! - [`metrics`]: per-request counters and their CloudWatch Embedded Metric Format record.
//! - [`http`]: glue between HTTP requests/responses and the above: the webhook
//!   verifier (405/415/413/400/403), bearer reads, TwiML/JSON/error responses.

pub mod access_token;
pub mod call_state;
pub mod config;
pub mod flow;
pub mod http;
pub mod metrics;
pub mod presence;
pub mod runtime;
pub mod studio;
pub mod sync;
pub mod text;
pub mod timestamp;
pub mod tls;
pub mod twiml;
pub mod webhook;

pub use config::Config;
pub use http::{ErrorResponse, WebhookVerifier};
pub use sync::{SyncClient, SyncConfig, SyncError};
pub use twiml::VoiceResponse;
pub use webhook::{Form, StatusCallback, VoiceRequest, WebhookError};
