//! Table layout and connection settings.

use rusqlite::Connection;

/// Durability settings for the one writing connection.
///
/// WAL with `synchronous=FULL` fsyncs the log on every commit, so an acknowledged write
/// survives a crash of the process or the machine; group commit in the writer thread
/// keeps the fsync count low under load.
pub fn configure_writer(conn: &Connection, memory: bool) -> rusqlite::Result<()> {
    if !memory {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
    }
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

pub fn configure_reader(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Creates the tables if they are missing. Times are Unix milliseconds.
pub fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "
        CREATE TABLE IF NOT EXISTS services (
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
        );
        -- Documents, Maps, Lists and Streams share one table: they have the same identity
        -- rules (SID or unique name within a service and kind) and the same TTL handling.
        CREATE TABLE IF NOT EXISTS objects (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            sid TEXT NOT NULL UNIQUE,
            service_sid TEXT NOT NULL,
            kind TEXT NOT NULL,
            unique_name TEXT,
            data TEXT,
            revision INTEGER NOT NULL DEFAULT 0,
            next_index INTEGER NOT NULL DEFAULT 0,
            created_by TEXT NOT NULL,
            date_created INTEGER NOT NULL,
            date_updated INTEGER NOT NULL,
            date_expires INTEGER
        );
        CREATE UNIQUE INDEX IF NOT EXISTS objects_unique_name
            ON objects(service_sid, kind, unique_name) WHERE unique_name IS NOT NULL;
        CREATE INDEX IF NOT EXISTS objects_by_kind ON objects(service_sid, kind, seq);
        CREATE INDEX IF NOT EXISTS objects_expiry ON objects(date_expires)
            WHERE date_expires IS NOT NULL;

        CREATE TABLE IF NOT EXISTS map_items (
            map_sid TEXT NOT NULL,
            key TEXT NOT NULL,
            data TEXT NOT NULL,
            revision INTEGER NOT NULL DEFAULT 0,
            created_by TEXT NOT NULL,
            date_created INTEGER NOT NULL,
            date_updated INTEGER NOT NULL,
            date_expires INTEGER,
            PRIMARY KEY (map_sid, key)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS map_items_expiry ON map_items(date_expires)
            WHERE date_expires IS NOT NULL;

        CREATE TABLE IF NOT EXISTS list_items (
            list_sid TEXT NOT NULL,
            idx INTEGER NOT NULL,
            data TEXT NOT NULL,
            revision INTEGER NOT NULL DEFAULT 0,
            created_by TEXT NOT NULL,
            date_created INTEGER NOT NULL,
            date_updated INTEGER NOT NULL,
            date_expires INTEGER,
            PRIMARY KEY (list_sid, idx)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS list_items_expiry ON list_items(date_expires)
            WHERE date_expires IS NOT NULL;
        ",
    )
}
