//! Table layout and connection settings.

use rusqlite::Connection;

use super::Durability;

/// Durability settings for the one writing connection.
///
/// WAL either way. With [`Durability::Machine`], `synchronous=FULL` fsyncs the log on every
/// commit, so an acknowledged write survives a crash of the machine; group commit by the
/// writer keeps the fsync count low under load. With [`Durability::Process`],
/// `synchronous=NORMAL` answers once the commit is in the log (the operating system's
/// page cache), which survives the process being killed but not the machine.
pub fn configure_writer(
    conn: &Connection,
    memory: bool,
    durability: Durability,
) -> rusqlite::Result<()> {
    if !memory {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let synchronous = match durability {
            Durability::Process => "NORMAL",
            Durability::Machine => "FULL",
        };
        conn.pragma_update(None, "synchronous", synchronous)?;
    }
    configure_statements(conn)
}

pub fn configure_reader(conn: &Connection) -> rusqlite::Result<()> {
    configure_statements(conn)
}

/// What both kinds of connection share: the busy wait, and statements compiled once.
///
/// The bundled SQLite is built with `SQLITE_ENABLE_STAT4`, under which a cached statement
/// whose plan could depend on a bound value (`SELECT MAX(id) … WHERE object_sid = ?1`,
/// run on every write) is recompiled on each new binding: 12 % of the emulator's CPU under
/// the bench's load. The query planner stability guarantee keeps the first plan, which
/// for these indexed lookups is the only sensible one.
fn configure_statements(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(128);
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

/// The object tables. Children name their parent with a foreign key that cascades, so
/// deleting a service deletes its objects and deleting a map or list deletes its items,
/// in SQLite, with no hand-written cleanup to forget.
/// A child table's column that names its parent, and the parent table.
type Parent = Option<(&'static str, &'static str)>;

/// Each table with its parent, if it has one, and its definition.
const TABLES: [(&str, Parent, &str); 7] = [
    (
        "services",
        None,
        "CREATE TABLE IF NOT EXISTS services (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            sid TEXT NOT NULL UNIQUE,
            unique_name TEXT UNIQUE,
            friendly_name TEXT,
            webhook_url TEXT,
            webhooks_from_rest_enabled INTEGER NOT NULL DEFAULT 0,
            reachability_webhooks_enabled INTEGER NOT NULL DEFAULT 0,
            acl_enabled INTEGER NOT NULL DEFAULT 0,
            reachability_debouncing_enabled INTEGER NOT NULL DEFAULT 0,
            reachability_debouncing_window INTEGER NOT NULL DEFAULT 5000,
            date_created INTEGER NOT NULL,
            date_updated INTEGER NOT NULL
        )",
    ),
    // Documents, Maps, Lists and Streams share one table: they have the same identity
    // rules (SID or unique name within a service and kind) and the same TTL handling.
    (
        "objects",
        Some(("service_sid", "services")),
        "CREATE TABLE IF NOT EXISTS objects (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            sid TEXT NOT NULL UNIQUE,
            service_sid TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            unique_name TEXT,
            data TEXT,
            revision INTEGER NOT NULL DEFAULT 0,
            next_index INTEGER NOT NULL DEFAULT 0,
            created_by TEXT NOT NULL,
            date_created INTEGER NOT NULL,
            date_updated INTEGER NOT NULL,
            date_expires INTEGER
        )",
    ),
    (
        "map_items",
        Some(("map_sid", "objects")),
        "CREATE TABLE IF NOT EXISTS map_items (
            map_sid TEXT NOT NULL REFERENCES objects(sid) ON DELETE CASCADE,
            key TEXT NOT NULL,
            data TEXT NOT NULL,
            revision INTEGER NOT NULL DEFAULT 0,
            created_by TEXT NOT NULL,
            date_created INTEGER NOT NULL,
            date_updated INTEGER NOT NULL,
            date_expires INTEGER,
            PRIMARY KEY (map_sid, key)
        ) WITHOUT ROWID",
    ),
    (
        "list_items",
        Some(("list_sid", "objects")),
        "CREATE TABLE IF NOT EXISTS list_items (
            list_sid TEXT NOT NULL REFERENCES objects(sid) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            data TEXT NOT NULL,
            revision INTEGER NOT NULL DEFAULT 0,
            created_by TEXT NOT NULL,
            date_created INTEGER NOT NULL,
            date_updated INTEGER NOT NULL,
            date_expires INTEGER,
            PRIMARY KEY (list_sid, idx)
        ) WITHOUT ROWID",
    ),
    // Sync Permissions of token identities on Documents, Maps and Lists (AclEnabled).
    (
        "permissions",
        Some(("object_sid", "objects")),
        "CREATE TABLE IF NOT EXISTS permissions (
            object_sid TEXT NOT NULL REFERENCES objects(sid) ON DELETE CASCADE,
            identity TEXT NOT NULL,
            can_read INTEGER NOT NULL,
            can_write INTEGER NOT NULL,
            can_manage INTEGER NOT NULL,
            PRIMARY KEY (object_sid, identity)
        ) WITHOUT ROWID",
    ),
    // Studio Flows (`/v2/Flows`): the flow, and every revision of it (the latest one is
    // what the flow resource shows).
    (
        "flows",
        None,
        "CREATE TABLE IF NOT EXISTS flows (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            sid TEXT NOT NULL UNIQUE,
            revision INTEGER NOT NULL,
            date_created INTEGER NOT NULL
        )",
    ),
    (
        "flow_revisions",
        Some(("flow_sid", "flows")),
        "CREATE TABLE IF NOT EXISTS flow_revisions (
            flow_sid TEXT NOT NULL REFERENCES flows(sid) ON DELETE CASCADE,
            revision INTEGER NOT NULL,
            friendly_name TEXT NOT NULL,
            status TEXT NOT NULL,
            definition TEXT NOT NULL,
            commit_message TEXT,
            date_updated INTEGER NOT NULL,
            PRIMARY KEY (flow_sid, revision)
        ) WITHOUT ROWID",
    ),
];

const INDEXES: &str = "
    CREATE UNIQUE INDEX IF NOT EXISTS objects_unique_name
        ON objects(service_sid, kind, unique_name) WHERE unique_name IS NOT NULL;
    CREATE INDEX IF NOT EXISTS objects_by_kind ON objects(service_sid, kind, seq);
    CREATE INDEX IF NOT EXISTS objects_expiry ON objects(date_expires)
        WHERE date_expires IS NOT NULL;
    CREATE INDEX IF NOT EXISTS map_items_expiry ON map_items(date_expires)
        WHERE date_expires IS NOT NULL;
    CREATE INDEX IF NOT EXISTS list_items_expiry ON list_items(date_expires)
        WHERE date_expires IS NOT NULL;
";

/// Creates the tables if they are missing, and rebuilds tables that a database from
/// before foreign keys holds without them (dropping rows whose parent is gone), then
/// turns foreign-key enforcement on. Times are Unix milliseconds.
pub fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    for (table, parent, create) in TABLES {
        conn.execute_batch(create)?;
        if let Some(parent) = parent {
            if !has_foreign_key(conn, table)? {
                rebuild(conn, table, parent, create)?;
            }
        }
    }
    conn.execute_batch(INDEXES)?;
    crate::api::migrate(conn)?;
    conn.pragma_update(None, "foreign_keys", "ON")
}

fn has_foreign_key(conn: &Connection, table: &str) -> rusqlite::Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM pragma_foreign_key_list(?1)",
        [table],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// Copies `table` into a new one made by `create`. Parents are rebuilt before children
/// (the order of [`TABLES`]), so renaming a table never rewrites a child's reference.
fn rebuild(
    conn: &Connection,
    table: &str,
    (parent_col, parent_table): (&str, &str),
    create: &str,
) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "BEGIN;
         ALTER TABLE {table} RENAME TO {table}_old;
         {create};
         INSERT INTO {table} SELECT * FROM {table}_old
             WHERE {parent_col} IN (SELECT sid FROM {parent_table});
         DROP TABLE {table}_old;
         COMMIT;"
    ))
}
