//! The Twilio Sync REST client.
//!
//! Handles mirror the REST tree: [`SyncClient::document`], [`SyncClient::map`] and
//! [`MapHandle::item`], [`SyncClient::list`] and [`ListHandle::item`] /
//! [`ListHandle::items`], [`SyncClient::stream`]. Each call is one operation with its own
//! deadline ([`SyncConfig::deadline`]), inside which safe requests are retried.
//!
//! What the usual Node code gets wrong, and where it is handled here:
//! - overlapping webhooks losing each other's changes: [`DocumentHandle::mutate`]
//!   (`If-Match` + re-read and re-apply), in `mutate.rs`;
//! - the second presence beat failing on create: [`MapItemHandle::set_or_create`] (with [`TryFirst::Update`]);
//! - error codes that Sync does not send: [`SyncError`] classifies by status and code
//!   together, in `error.rs`;
//! - creates that race or lose their answer: the open modes in `open.rs`;
//! - what may be retried: `retry.rs`.
//!
//! Layout: `config` (settings, credentials, [`Proxy`]), `client` (the request loop and
//! counter), `connect` (straight to Sync or through a proxy's `CONNECT` tunnel),
//! `error`, `retry`, `wire` (encoding, dates, [`Ttl`]), `write` ([`WriteOptions`]),
//! `open` (open modes), `service` (the service resource),
//! `mutate`, `pagination`, `meta` (the fields every resource
//! has), `objects` (what maps, lists and streams share), `items` (what map and list
//! items share: one [`ItemHandle`]), then one file per resource: `documents`, `maps`,
//! `lists`, `streams`.

mod client;
mod config;
mod connect;
mod documents;
mod error;
mod items;
mod lists;
mod maps;
mod meta;
mod mutate;
mod objects;
mod open;
mod pagination;
mod retry;
mod service;
mod streams;
mod wire;
mod write;

pub use client::SyncClient;
pub use config::{Credentials, Proxy, SyncConfig, DEFAULT_BASE_URL};
pub use documents::{Document, DocumentHandle, Documents};
pub use error::{SyncError, TwilioError, MAX_DATA_BYTES, MAX_MESSAGE_BYTES};
pub use items::{InList, InMap, ItemHandle, ItemKind, Items, Stored, TryFirst};
pub use lists::{ListHandle, ListItem, ListItemHandle, ListItems};
pub use maps::{MapHandle, MapItem, MapItemHandle, MapItems};
pub use meta::Meta;
pub use mutate::Mutated;
pub use objects::{Collection, SyncList, SyncMap, SyncObject, SyncStream};
pub use open::{OpenMode, Opened};
pub use pagination::{Bounds, Order, PageOptions};
pub use service::ServiceInfo;
pub use streams::{StreamHandle, StreamMessage};
pub use wire::Ttl;
pub use write::WriteOptions;
