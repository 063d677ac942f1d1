//! Raising the open-file limit: every connection costs a descriptor, and the usual soft
//! limit of 1,024 is easily reached by idle connections while the hard limit is far higher.

use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

/// The soft and hard `RLIMIT_NOFILE` after [`raise_open_file_limit`] (`None`: unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLimit {
    /// The limit the process runs with: how many descriptors it may open now.
    pub soft: Option<u64>,
    /// The ceiling the soft limit may be raised to without privileges.
    pub hard: Option<u64>,
}

/// The most a process may ask for when the hard limit is "unlimited" (Linux refuses more
/// than `fs.nr_open`, 1,048,576 by default).
const UNLIMITED_CAP: u64 = 1 << 20;

/// Lifts the soft open-file limit to the hard limit. Never fails: if the limit cannot be
/// raised the server still runs, with what it has (the returned limits say what that is).
pub fn raise_open_file_limit() -> FileLimit {
    let before = getrlimit(Resource::Nofile);
    let target = before.maximum.unwrap_or(UNLIMITED_CAP);
    if before.current.is_some_and(|soft| soft < target) {
        let raised = Rlimit {
            current: Some(target),
            maximum: before.maximum,
        };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::warn!(error = %e, soft = ?before.current, hard = ?before.maximum, "cannot raise the open-file limit");
        }
    }
    let after = getrlimit(Resource::Nofile);
    tracing::debug!(soft = ?after.current, hard = ?after.maximum, "open-file limit");
    FileLimit {
        soft: after.current,
        hard: after.maximum,
    }
}
