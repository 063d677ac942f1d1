//! sync-emulator: a wire-compatible local Twilio Sync on SQLite. Work in progress.
