//! The accept loop both of callflow's servers run (`callflow serve` and `sync-emulator`),
//! so that idle or hostile connections cannot stall them.
//!
//! What it guarantees, with [`ConnLimits`] (both servers expose them as flags):
//! - a connection that sends no request, or does not finish a request's headers, within
//!   `header_timeout` is closed; the same timer closes keep-alive connections idle that
//!   long after an answer (hyper starts it whenever it waits for a request head);
//! - a request body that has not fully arrived `body_timeout` after its headers fails to
//!   read ([`body_timed_out`] tells handlers so they can answer 408);
//! - WebSocket upgrades work, and an upgraded connection is no longer subject to either
//!   timeout (it belongs to the WebSocket handler from then on);
//! - when `accept` fails for lack of descriptors (EMFILE/ENFILE) the loop backs off
//!   (5 ms doubling to 1 s) instead of spinning, logs that at most once every 10 s, and
//!   the connections already open keep being served;
//! - graceful shutdown: stop accepting, let requests in flight finish, close idle
//!   connections.
//!
//! [`raise_open_file_limit`] lifts the process' soft `RLIMIT_NOFILE` to its hard limit,
//! which servers call once at start.
//!
//! # Layout
//! - `accept`: [`serve`], the loop and each connection's task.
//! - `body`: the request body with a deadline.
//! - `fdlimit`: [`raise_open_file_limit`].

mod accept;
mod body;
mod fdlimit;

pub use accept::{parse_seconds, serve, ConnLimits};
pub use body::{body_timed_out, BodyTimedOut};
pub use fdlimit::{raise_open_file_limit, FileLimit};
