//! The integration tests of `sync-emulator`, as one test binary (one link instead of one
//! per file, as cargo's own testsuite is laid out). One module per area; `support`
//! starts emulators and holds the small Basic-auth client they all use.

mod api;
mod bad_input;
mod cli;
mod concurrency;
mod durability;
mod hostile_connections;
mod in_process;
mod permissions;
mod rate_limit;
mod realtime;
mod support;
mod ttl;
