//! The `store-call-state` Lambda handler. Work in progress.
