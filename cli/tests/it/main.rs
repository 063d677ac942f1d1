//! The `callflow` binary's integration tests, as one test binary. Each runs the real
//! binary as a user does, in its own processes over loopback:
//!
//! - `calls`: `serve` then `call` and `sign`, `--watch`, dial and connect stages;
//! - `first_run`: the commands `serve` prints and the README's, as printed; `token`;
//! - `errors`: what a new user is told when something is wrong;
//! - `flow_api`: `callflow flow push` / `pull` against the Studio Flows API `serve` emulates;
//! - `flow_diff`: `callflow flow diff`, in text and SVG, and as git's diff driver;
//! - `graph`: `callflow flow graph`;
//! - `flow_test`: `callflow flow test`: test files, the failure report, JUnit, coverage;
//! - `dashboard`: the page and its token endpoint (the browser test is elsewhere);
//! - `bounded_inputs`: signed request sequences that must not fill the call state;
//! - `hostile_connections`: `serve` under idle and hostile clients with a 1,024
//!   open-file limit (the `callflow-siege` crate);
//! - `reload`: `serve` follows its flow file (edits served, broken ones reported, calls
//!   at a removed stage or widget end politely);
//! - `studio`: Studio flows: `flow check`, `flow graph`, `serve --flow` and `call --watch`;
//! - `degraded`: Sync stopped or frozen mid-call, and a failing primary URL: every
//!   step gets TwiML in the budget, inputs are applied once Sync is back;
//! - `support`: the `serve` child process and helpers they share.

mod bounded_inputs;
mod calls;
mod dashboard;
mod degraded;
mod errors;
mod first_run;
mod flow_api;
mod flow_diff;
mod flow_test;
mod graph;
mod hostile_connections;
mod reload;
mod studio;
mod support;
