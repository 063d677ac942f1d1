//! A wire-compatible local Twilio Sync (`https://sync.twilio.com/v1`) on SQLite.
//!
//! Twilio's own helper libraries accept it when pointed at its base URL: the same paths,
//! form-encoded PascalCase parameters, snake_case JSON, `ETag` / `If-Match`, pagination
//! `meta`, TTL expiry, Basic auth and `{code, message, more_info, status}` errors as the
//! real service. Every acknowledged write is committed to SQLite first, so it survives the
//! process being killed ([`Durability::Machine`] also survives the machine going down, with
//! an fsync per commit). Start it with [`spawn`] (tests) or mount [`Emulator::router`] in your own server.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use sync_emulator::{spawn, EmulatorConfig};
//! let emu = spawn(EmulatorConfig::in_memory("AC00000000000000000000000000000000", "token")).await?;
//! // Point a Twilio client at it: e.g. twilio-python `client.sync.base_url = emu.base_url()`.
//! println!("Sync at {}", emu.base_url());
//! emu.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! The binary (`sync-emulator --port 4010 --data PATH --account-sid AC… --auth-token …`)
//! wraps the same library; see `src/main.rs`.
//!
//! # Layout
//! - [`config`]: [`EmulatorConfig`], what an instance starts with.
//! - [`clock`]: the injectable time source TTLs are measured on.
//! - [`server`]: [`Emulator`] (state + purge task + router) and [`RunningEmulator`] on a socket.
//! - `state`: the shared per-instance state and request counters.
//! - `ops`: the operation layer both faces of Sync's objects share: a request parsed into
//!   one typed operation (kind, target, verb, parameters), its permission checked, applied
//!   to the store and rendered once; parameters and their limits, paging, JSON shapes.
//! - `routes`: the HTTP face, translating REST v1 into operations: `services`, `objects`
//!   (the routes all four object kinds share), `items` (Map and List items), `streams`
//!   (messages), `permissions`, plus auth and request parsing; `stats` is
//!   `/_emulator/stats`.
//! - `store`: SQLite; one writer connection with group commit, read pool, one file per table
//!   family (services, objects, items, permissions), and the per-object event log
//!   (`store::event_log`) realtime subscribers are fed from.
//! - `purge`: the TTL purge task, sleeping until the nearest deadline.
//! - [`error`]: [`SyncError`] and its single mapping to Twilio's error body.
//! - [`sid`]: SID prefixes and generation.
//! - [`ratelimit`]: Sync's opt-in rate limits (Twilio's documented tiers), per object.
//! - `studio`: the flow-definition checks of Studio's Flows API (`/v2/Flows`, served by
//!   `routes::flows` from `store::flows`), which Twilio clients reach with their Studio
//!   base URL (twilio-python: `client.studio.base_url`) set to the emulator.
//! - [`realtime`]: Sync's WebSocket protocol (twilsock) at `/v3/wsconnect`, for
//!   twilio-sync.js: CDS requests (translated into operations), subscriptions and live
//!   events from every write.
//! - `wire`: dates, stored JSON and URL components as every face writes them.
//! - [`api`]: Twilio's 2010-04-01 API beyond Sync (IncomingPhoneNumbers, Messages, a
//!   call's Recordings, Keys) and IAM's `/v1/Keys`, for clients whose `api` base URL is
//!   set to the emulator.

pub mod api;
pub mod clock;
pub mod config;
pub mod error;
mod ops;
mod purge;
pub mod ratelimit;
pub mod realtime;
mod routes;
pub mod server;
pub mod sid;
mod state;
mod store;
mod studio;
mod wire;

pub use clock::Clock;
pub use config::{Durability, EmulatorConfig};
pub use error::SyncError;
pub use ratelimit::Limits;
pub use server::{app, spawn, spawn_on, Emulator, RunningEmulator};
