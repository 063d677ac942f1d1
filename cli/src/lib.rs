//! `callflow`: the command line for running, calling and signing callflow webhooks locally.
//!
//! Layout:
//! - [`call`]: `callflow call`, a phone call simulated the way Twilio drives webhooks.
//! - [`dev_credentials`]: the development credentials `serve` keeps in `./.callflow/`.
//! - [`dashboard`]: the live page at `/` of `callflow serve` (twilio-sync.js, flow diagram).
//! - [`diff`]: `callflow flow diff`, two revisions of a flow compared by what calls do.
//! - [`flow_file`]: flow files (TOML or Studio JSON) and `callflow flow check`.
//! - [`flow_test`]: `callflow flow test`, scripted calls against a flow, checked, with coverage.
//! - [`graph`]: `callflow flow graph`, a flow drawn as SVG, DOT or Mermaid.
//! - [`credentials`]: which account SID and auth token `call` and `sign` use (given, or
//!   the development pair `serve` keeps in `./.callflow/`).
//! - [`report`]: a failed command's error, printed once.
//! - [`play`]: how `call` plays `<Dial action>`, `<Record>`, `<Connect>`, `<Start>`/`<Stop>`.
//! - [`serve`]: `callflow serve`, the four functions and the Sync emulator on one port.
//! - [`rest`]: one Twilio REST request and Twilio's refusal, shared by `flow pull`/`push` and `wire`.
//! - [`reload`]: how `serve` follows its flow file: reloaded on change, kept when broken.
//! - [`studio_api`]: `callflow flow pull` / `push`, a Studio flow fetched from or sent to
//!   Studio's Flows API (Twilio's, or `serve`'s emulated one).
//! - [`shell`]: quoting for the commands the CLI prints.
//! - [`sign`]: `callflow sign`, `X-Twilio-Signature` for hand-made test requests.
//! - [`token`]: `callflow token`, a Twilio access token for twilio-sync.js, minted locally.
//! - [`wire`]: `callflow wire`, a Twilio number pointed at the deployed functions.
//! - [`twiml_doc`]: reads TwiML answers back into a tree for the simulator.

pub mod call;
pub mod credentials;
pub mod dashboard;
pub mod dev_credentials;
pub mod diff;
pub mod flow_file;
pub mod flow_test;
pub mod graph;
pub mod play;
pub mod reload;
pub mod report;
pub mod rest;
pub mod serve;
pub mod shell;
pub mod sign;
pub mod studio_api;
pub mod token;
pub mod twiml_doc;
pub mod wire;
