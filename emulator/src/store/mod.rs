//! SQLite storage: one writer connection with group commit, and WAL read connections.
//!
//! SQLite allows one writer at a time, and a durable commit can cost an fsync. So writes
//! are funnelled to one connection: a writer thread takes every write queued while the
//! previous batch ran, applies each inside its own SAVEPOINT (so a refused write, e.g. a
//! revision mismatch, undoes only itself), commits them together, and only then answers
//! each caller. A 2xx therefore always means "committed", and conditional writes to one
//! object are serialised, so exactly one wins per revision.
//!
//! A write that finds the store at rest does not go through the thread: with
//! [`Durability::Process`] (no fsync per commit), when nothing is queued and no batch is
//! running, the request's own task runs it as a batch of one. That spares a hand-off to
//! the thread and back, two wake-ups each way, which at one client was most of the
//! emulator's time; under load the thread's batches keep SQLite off the runtime's workers
//! and commit many writes at once. With [`Durability::Machine`] every write goes through
//! the thread, so an fsync never holds a runtime worker.
//!
//! Reads do not queue behind writes: in file mode each read borrows a WAL read connection
//! from a small pool and sees the last committed state. `:memory:` has no second connection
//! to the same database, so there reads go through the writer too.
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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};

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

/// The one writer connection and the way to it. The writer thread stops when the last
/// [`Store`] handle, and with it `jobs`, is dropped.
struct Writer {
    /// Writes for the writer thread.
    jobs: mpsc::UnboundedSender<Job>,
    /// Writes sent to the thread and not yet taken into a batch.
    queued: Arc<AtomicUsize>,
    /// Held by whoever runs a batch: the thread, or a request at rest.
    conn: Arc<Mutex<WriterConn>>,
    /// Whether a request at rest may run its write itself (not when commits fsync).
    durability: Durability,
}

struct WriterConn {
    conn: Connection,
    feed: event_log::Feed,
}

/// Handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    writer: Arc<Writer>,
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

        let (jobs, rx) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let conn = Arc::new(Mutex::new(WriterConn { conn, feed }));
        let thread = (Arc::clone(&conn), Arc::clone(&queued));
        std::thread::Builder::new()
            .name("sync-emulator-writer".into())
            .spawn(move || writer_loop(&thread.0, &thread.1, rx))
            .map_err(OpenError::Thread)?;
        let writer = Arc::new(Writer {
            jobs,
            queued,
            conn,
            durability,
        });
        let readers = (!memory).then(|| {
            Arc::new(ReadPool {
                path: data.to_owned(),
                idle: Mutex::new(Vec::new()),
            })
        });
        Ok((
            Store {
                writer,
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
        self.writer.submit(job);
        rx.await
            .map_err(|_| SyncError::Internal("the storage writer dropped a request".into()))?
    }

    /// [`write`](Self::write) for a change of Sync Permissions: once the write has
    /// committed, the [`permissions::Change`] `f` returns is announced on
    /// [`permission_changes`](Self::permission_changes). The announcement is made on the
    /// writer right after the commit, before the events of this or any later
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
        self.writer.submit(job);
        rx.await
            .map_err(|_| SyncError::Internal("the storage writer dropped a request".into()))?
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

impl Writer {
    /// Runs `job` now on the caller's thread if the store is at rest (see the module's
    /// documentation), else queues it for the writer thread.
    fn submit(&self, job: Job) {
        if self.durability == Durability::Process && self.queued.load(Ordering::Acquire) == 0 {
            let writer = match self.conn.try_lock() {
                Ok(writer) => Some(writer),
                // A panic while publishing leaves nothing half-done in SQLite: go on.
                Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
                Err(TryLockError::WouldBlock) => None,
            };
            if let Some(mut writer) = writer {
                commit_batch(&mut writer, &mut vec![job]);
                return;
            }
        }
        self.queued.fetch_add(1, Ordering::AcqRel);
        if self.jobs.send(job).is_err() {
            // The thread is gone (it only stops with the last handle): the job is dropped
            // with its reply sender, and its caller sees an error.
            self.queued.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// The writer thread: takes every write queued while the previous batch ran.
fn writer_loop(
    conn: &Mutex<WriterConn>,
    queued: &AtomicUsize,
    mut rx: mpsc::UnboundedReceiver<Job>,
) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut writer = lock(conn);
        queued.fetch_sub(batch.len(), Ordering::AcqRel);
        commit_batch(&mut writer, &mut batch);
    }
    tracing::debug!("writer thread stopping: all store handles dropped");
}

/// Runs `batch` in one transaction and publishes what it committed.
fn commit_batch(writer: &mut WriterConn, batch: &mut Vec<Job>) {
    let WriterConn { conn, feed } = writer;
    if run_batch(conn, batch) {
        feed.publish_committed(conn);
    }
}

/// Locks `mutex`, also after a panic elsewhere: what it guards stays consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs one transaction-control statement, compiled once per connection: these run five
/// times per job, and `execute_batch` would compile them every time.
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

/// Returns whether a transaction was committed.
fn run_batch(conn: &Connection, batch: &mut Vec<Job>) -> bool {
    if batch.len() == 1 {
        if let Some(job) = batch.pop() {
            return run_alone(conn, job);
        }
    }
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
        // A bug in one job must not take the writer (and every later request) down.
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

/// [`run_batch`] for a batch of one write, the usual case below a few hundred writes a
/// second: the transaction is the write's own, so a refused write rolls the transaction
/// back and no savepoint is needed (two statements fewer per write). Returns whether a
/// transaction was committed.
fn run_alone(conn: &Connection, job: Job) -> bool {
    if let Err(e) = run(conn, "BEGIN IMMEDIATE") {
        // Dropping the job drops its reply sender: the caller sees an error.
        tracing::error!("cannot begin transaction: {e}");
        return false;
    }
    match std::panic::catch_unwind(AssertUnwindSafe(|| job(conn))) {
        Ok(outcome) if outcome.ok => match run(conn, "COMMIT") {
            Ok(()) => {
                (outcome.finish)(Ok(()));
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "commit failed");
                let _ = run(conn, "ROLLBACK");
                (outcome.finish)(Err(SyncError::Internal(format!("commit failed: {e}"))));
                false
            }
        },
        Ok(refused) => {
            let _ = run(conn, "ROLLBACK");
            // Nothing failed but the write itself: the caller gets its own error.
            (refused.finish)(Ok(()));
            false
        }
        Err(_) => {
            tracing::error!("a storage job panicked; its changes are rolled back");
            let _ = run(conn, "ROLLBACK");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many writers at once on two runtime workers: every write is answered, every answered
    /// write is committed, and none is left in the queue behind a batch that was running.
    async fn concurrent_writes_are_all_committed(durability: Durability) {
        let (_dir, store) = open_counted(durability).await;
        const WRITERS: i64 = 400;
        for (n, write) in spawn_inserts(&store, WRITERS, false)
            .into_iter()
            .enumerate()
        {
            let answered = tokio::time::timeout(std::time::Duration::from_secs(20), write)
                .await
                .expect("every write is answered")
                .expect("the writing task did not panic")
                .expect("the write succeeded");
            assert_eq!(answered, n as i64);
        }
        let (rows, sum): (i64, i64) = store
            .read(|conn| {
                Ok(
                    conn.query_row("SELECT COUNT(*), SUM(n) FROM counted", [], |row| {
                        Ok((row.get(0)?, row.get(1)?))
                    })?,
                )
            })
            .await
            .expect("read back");
        assert_eq!(rows, WRITERS);
        assert_eq!(sum, WRITERS * (WRITERS - 1) / 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_are_all_committed_without_fsync() {
        concurrent_writes_are_all_committed(Durability::Process).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_are_all_committed_with_fsync() {
        concurrent_writes_are_all_committed(Durability::Machine).await;
    }

    /// `count` tasks at once, task `n` inserting `n` into `counted`; with `refuse_odd`, the
    /// odd ones fail after their insert, so theirs must be undone.
    fn spawn_inserts(
        store: &Store,
        count: i64,
        refuse_odd: bool,
    ) -> Vec<tokio::task::JoinHandle<Result<i64, SyncError>>> {
        (0..count)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .write(move |conn| {
                            conn.execute("INSERT INTO counted (n) VALUES (?1)", [n])?;
                            if refuse_odd && n % 2 == 1 {
                                return Err(SyncError::Internal(format!("odd {n}")));
                            }
                            Ok(n)
                        })
                        .await
                })
            })
            .collect()
    }

    /// A store in a temporary folder with one table, `counted (n INTEGER)`.
    async fn open_counted(durability: Durability) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("sync.db");
        let (store, _) = Store::open(&path.to_string_lossy(), 0, 16, durability).expect("open");
        store
            .write(|conn| {
                conn.execute("CREATE TABLE counted (n INTEGER)", [])?;
                Ok(())
            })
            .await
            .expect("create the table");
        (dir, store)
    }

    async fn counted(store: &Store) -> Vec<i64> {
        store
            .read(|conn| {
                let mut rows = conn.prepare("SELECT n FROM counted ORDER BY n")?;
                let rows = rows.query_map([], |row| row.get(0))?;
                Ok(rows.collect::<rusqlite::Result<Vec<i64>>>()?)
            })
            .await
            .expect("read back")
    }

    /// A write that fails (or panics) after changing rows, alone in its transaction or
    /// among others: its caller gets its error, its changes are gone, the others' stay.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_refused_write_undoes_only_itself() {
        let (_dir, store) = open_counted(Durability::Process).await;
        let refused = store
            .write(|conn| {
                conn.execute("INSERT INTO counted (n) VALUES (-1)", [])?;
                Err::<(), _>(SyncError::Internal("refused".into()))
            })
            .await;
        assert!(matches!(refused, Err(SyncError::Internal(m)) if m == "refused"));
        let panicked = store
            .write(|conn| -> Result<(), SyncError> {
                conn.execute("INSERT INTO counted (n) VALUES (-2)", [])?;
                panic!("a bug in one write");
            })
            .await;
        assert!(panicked.is_err());
        assert_eq!(counted(&store).await, Vec::<i64>::new());

        for (n, write) in spawn_inserts(&store, 64, true).into_iter().enumerate() {
            let answer = write.await.expect("the writing task did not panic");
            assert_eq!(answer.is_ok(), n % 2 == 0, "write {n}: {answer:?}");
        }
        assert_eq!(
            counted(&store).await,
            (0..64).step_by(2).collect::<Vec<_>>()
        );
    }
}
