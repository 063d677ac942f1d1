//! The `presence-heartbeat` Lambda handler. Work in progress.
