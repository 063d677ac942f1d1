//! Twilio Studio flows: a flow definition as Studio exports it (JSON), loaded, checked and
//! run by callflow's webhook.
//!
//! # Layout
//! - `liquid`: Studio's Liquid (Shopify-compatible, plus `to_json`), templates parsed once.
//! - `split`: the 17 operators of `split-based-on`.

pub mod liquid;
pub mod split;
