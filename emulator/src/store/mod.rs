//! SQLite storage: one writer thread with group commit, and WAL read connections.
//!
//! Why a dedicated writer thread: SQLite allows one writer at a time, and a durable commit
//! costs an fsync. Funnelling every write through one thread that owns the connection lets
//! it take all writes queued while the previous fsync ran, apply each inside its own
//! SAVEPOINT (so a refused write, e.g. a revision mismatch, undoes only itself), commit them
//! with one fsync, and only then answer each caller. A 2xx therefore always means "on disk",
//! and conditional writes to one object are serialised, so exactly one wins per revision.
//!
//! Reads do not queue behind writes: in file mode each read borrows a WAL read connection
//! from a small pool and sees the last committed state. `:memory:` has no second connection
//! to the same database, so there reads run on the writer thread too.
//!
//! Writes also append to the per-object event log (`event_log`) inside their own SAVEPOINT,
//! so an event exists exactly when its write committed; after each commit the writer hands
//! the batch's events to a broadcast channel ([`Store::events`]) without waiting on anyone.

pub mod event_log;
pub mod flows;
pub mod items;
pub mod objects;
pub mod page;
pub mod permissions;
mod schema;
pub mod services;

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::error::SyncError;

/// What an acknowledged write survives, i.e. when a commit is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// The emulator's process being killed (`kill -9`, a crash): SQLite's WAL with
    /// `synchronous=NORMAL`, where a commit is in the operating system's hands when it is
    /// answered and the log is fsynced at checkpoints. An operating-system crash or a power
    /// loss can lose the last commits. The default: it is what a local emulator needs.
    #[default]
    Process,
    /// The machine going down too: `synchronous=FULL`, the log fsynced on every commit
    /// (group commit batches concurrent writers into one fsync).
    Machine,
}

impl std::str::FromStr for Durability {
    type Err = String;

    fn from_str(s: &str) -> Result<Durability, String> {
        match s {
            "process" => Ok(Durability::Process),
            "machine" => Ok(Durability::Machine),
            other => Err(format!("{other:?}: give process or machine")),
        }
    }
}

/// Most writes folded into one transaction; bounds the latency a batch adds.
const MAX_BATCH: usize = 256;

type Finish = Box<dyn FnOnce(Result<(), SyncError>) + Send>;

struct Outcome {
    ok: bool,
    finish: Finish,
}

type Job = Box<dyn FnOnce(&Connection) -> Outcome + Send>;

/// Handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    jobs: mpsc::UnboundedSender<Job>,
    readers: Option<Arc<ReadPool>>,
    /// Committed events, in commit order (see [`event_log`]).
    feed: broadcast::Sender<Arc<event_log::Logged>>,
    /// Committed permission changes (see [`Store::write_announcing`]).
    permission_changes: broadcast::Sender<Arc<permissions::Change>>,
}

/// Permission changes a realtime session may fall behind by before it re-checks all of
/// its subscriptions.
const PERMISSION_CHANGES_CAPACITY: usize = 1024;

struct ReadPool {
    path: String,
    idle: Mutex<Vec<Connection>>,
}

/// Errors opening the store.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open SQLite database {path}: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
    #[error("cannot create directory for {path}: {source}")]
    Dir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot initialise {path}: {message}")]
    Init { path: String, message: String },
    #[error("cannot start the writer thread: {0}")]
    Thread(std::io::Error),
}

impl Store {
    /// Opens (creating if needed) the database at `data`, or an in-memory one for `:memory:`,
    /// makes sure the `default` service exists, and returns its SID too.
    pub fn open(
        data: &str,
        now: i64,
        feed_capacity: usize,
        durability: Durability,
    ) -> Result<(Store, String), OpenError> {
        let memory = data == ":memory:";
        let sql_err = |source| OpenError::Sqlite {
            path: data.to_owned(),
            source,
        };
        if !memory {
            if let Some(dir) = std::path::Path::new(data).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(|source| OpenError::Dir {
                        path: data.to_owned(),
                        source,
                    })?;
                }
            }
        }
        let conn = if memory {
            Connection::open_in_memory()
        } else {
            Connection::open(data)
        }
        .map_err(sql_err)?;
        schema::configure_writer(&conn, memory, durability).map_err(sql_err)?;
        schema::migrate(&conn).map_err(sql_err)?;
        event_log::migrate(&conn).map_err(sql_err)?;
        let feed = event_log::Feed::new(&conn, feed_capacity).map_err(sql_err)?;
        let feed_tx = feed.sender();
        let default_sid = services::ensure_default(&conn, now).map_err(|e| OpenError::Init {
            path: data.to_owned(),
            message: e.to_string(),
        })?;

        let (tx, rx) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("sync-emulator-writer".into())
            .spawn(move || writer_loop(conn, rx, feed))
            .map_err(OpenError::Thread)?;
        let readers = (!memory).then(|| {
            Arc::new(ReadPool {
                path: data.to_owned(),
                idle: Mutex::new(Vec::new()),
            })
        });
        Ok((
            Store {
                jobs: tx,
                readers,
                feed: feed_tx,
                permission_changes: broadcast::channel(PERMISSION_CHANGES_CAPACITY).0,
            },
            default_sid,
        ))
    }

    /// Runs `f` inside the writer's transaction and answers once it is committed.
    /// If `f` fails, only its own changes are rolled back.
    pub async fn write<T, F>(&self, f: F) -> Result<T, SyncError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, SyncError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = f(conn);
            Outcome {
                ok: result.is_ok(),
                finish: Box::new(move |commit| {
                    let _ = tx.send(commit.and(result));
                }),
            }
        });
        self.jobs
            .send(job)
            .map_err(|_| SyncError::Internal("the storage thread has stopped".into()))?;
        rx.await
            .map_err(|_| SyncError::Internal("the storage thread dropped a request".into()))?
    }

    /// [`write`](Self::write) for a change of Sync Permissions: once the write has
    /// committed, the [`permissions::Change`] `f` returns is announced on
    /// [`permission_changes`](Self::permission_changes). The announcement is made on the
    /// writer thread right after the commit, before the events of this or any later
    /// commit are published, so a session that handles pending changes before each event
    /// never serves an event written after a revocation to the revoked identity.
    pub async fn write_announcing<T, F>(&self, f: F) -> Result<T, SyncError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<(T, permissions::Change), SyncError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let announce = self.permission_changes.clone();
        let job: Job = Box::new(move |conn| {
            let result = f(conn);
            Outcome {
                ok: result.is_ok(),
                finish: Box::new(move |commit| {
                    let result = commit.and(result).map(|(value, change)| {
                        // Nobody listening (no realtime session) is fine.
                        let _ = announce.send(Arc::new(change));
                        value
                    });
                    let _ = tx.send(result);
                }),
            }
        });
        self.jobs
            .send(job)
            .map_err(|_| SyncError::Internal("the storage thread has stopped".into()))?;
        rx.await
            .map_err(|_| SyncError::Internal("the storage thread dropped a request".into()))?
    }

    /// Permission changes as they are committed. A receiver that falls more than the
    /// channel's capacity behind gets `Lagged` and must re-check everything.
    pub fn permission_changes(&self) -> broadcast::Receiver<Arc<permissions::Change>> {
        self.permission_changes.subscribe()
    }

    /// Events as they are committed. A receiver that falls more than the channel's
    /// capacity behind gets `Lagged` and must re-read the log.
    pub fn events(&self) -> broadcast::Receiver<Arc<event_log::Logged>> {
        self.feed.subscribe()
    }

    /// Runs `f` against committed state.
    pub async fn read<T, F>(&self, f: F) -> Result<T, SyncError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, SyncError> + Send + 'static,
    {
        match &self.readers {
            // Reads are short point lookups or one page scan; running them on the calling
            // task avoids a thread hop that would cost more than the query itself.
            Some(pool) => pool.with(f),
            None => self.write(f).await,
        }
    }
}

impl ReadPool {
    fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T, SyncError>) -> Result<T, SyncError> {
        let conn = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match conn {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )?;
                schema::configure_reader(&c)?;
                c
            }
        };
        let result = f(&conn);
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < 16 {
                idle.push(conn);
            }
        }
        result
    }
}

fn writer_loop(conn: Connection, mut rx: mpsc::UnboundedReceiver<Job>, mut feed: event_log::Feed) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if run_batch(&conn, &mut batch) {
            feed.publish_committed(&conn);
        }
    }
    tracing::debug!("writer thread stopping: all store handles dropped");
}

/// Runs one transaction-control statement, compiled once per connection: these run five
/// times per job, and `execute_batch` would compile them every time.
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

/// Returns whether a transaction was committed.
fn run_batch(conn: &Connection, batch: &mut Vec<Job>) -> bool {
    if let Err(e) = run(conn, "BEGIN IMMEDIATE") {
        let msg = format!("cannot begin transaction: {e}");
        for job in batch.drain(..) {
            drop(job); // dropping the job drops its reply sender: the caller sees an error
        }
        tracing::error!("{msg}");
        return false;
    }
    let mut finishes: Vec<Finish> = Vec::with_capacity(batch.len());
    for job in batch.drain(..) {
        if run(conn, "SAVEPOINT job").is_err() {
            continue;
        }
        // A bug in one job must not take the writer thread (and every later request) down.
        match std::panic::catch_unwind(AssertUnwindSafe(|| job(conn))) {
            Ok(outcome) => {
                if !outcome.ok {
                    let _ = run(conn, "ROLLBACK TO job");
                }
                finishes.push(outcome.finish);
            }
            Err(_) => {
                tracing::error!("a storage job panicked; its changes are rolled back");
                let _ = run(conn, "ROLLBACK TO job");
            }
        }
        let _ = run(conn, "RELEASE job");
    }
    match run(conn, "COMMIT") {
        Ok(()) => {
            finishes.into_iter().for_each(|f| f(Ok(())));
            true
        }
        Err(e) => {
            tracing::error!(error = %e, "commit failed");
            let _ = run(conn, "ROLLBACK");
            for f in finishes {
                f(Err(SyncError::Internal(format!("commit failed: {e}"))));
            }
            false
        }
    }
}
