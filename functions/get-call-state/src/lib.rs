//! The `get-call-state` Lambda handler. Work in progress.
