//! `callflow`: the command line for running, calling and signing callflow webhooks locally.
//!
//! Layout:
//! - [`call`]: `callflow call`, a phone call simulated the way Twilio drives webhooks.
//! - [`graph`]: `callflow flow graph`, a flow drawn as SVG, DOT or Mermaid.
//! - [`serve`]: `callflow serve`, the three functions and the Sync emulator on one port.
//! - [`sign`]: `callflow sign`, `X-Twilio-Signature` for hand-made test requests.
//! - [`twiml_doc`]: reads TwiML answers back into a tree for the simulator.

pub mod call;
pub mod graph;
pub mod serve;
pub mod sign;
pub mod twiml_doc;
