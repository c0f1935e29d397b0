// Versioned schema. Each migration runs once, in its own transaction, and bumps
// PRAGMA user_version; a released migration is never edited — add the next one.
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'settings, sessions, laps',
    sql: `
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL            -- JSON
      ) STRICT;

      CREATE TABLE sessions (
        id            TEXT PRIMARY KEY,
        venue         TEXT,
        vehicle       TEXT,
        driver        TEXT,
        started_at    TEXT,            -- ISO-8601 as the logger recorded it
        device        TEXT,
        source_format TEXT NOT NULL,
        imported_at   TEXT NOT NULL
      ) STRICT;

      CREATE TABLE laps (
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        number     INTEGER NOT NULL,
        start_s    REAL NOT NULL,
        end_s      REAL NOT NULL,
        time_ms    REAL NOT NULL,
        kind       TEXT NOT NULL CHECK (kind IN ('lap', 'out', 'in', 'partial')),
        PRIMARY KEY (session_id, number)
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'accounts, capability grants, installed plugins, plugin storage',
    sql: `
      CREATE TABLE accounts (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      -- The desktop app's own account: offline, on this machine.
      INSERT INTO accounts (id, name, created_at) VALUES ('local', 'Local', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

      CREATE TABLE plugins (
        id           TEXT PRIMARY KEY,
        version      TEXT NOT NULL,
        manifest     TEXT NOT NULL,    -- JSON, validated on install
        code         TEXT NOT NULL,    -- the CommonJS bundle
        hash         TEXT NOT NULL,    -- sha256 of code
        enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        installed_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE capability_grants (
        account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        plugin_id  TEXT NOT NULL,
        capability TEXT NOT NULL CHECK (capability IN ('fetch', 'storage')),
        granted_at TEXT NOT NULL,
        PRIMARY KEY (account_id, plugin_id, capability)
      ) STRICT;

      CREATE TABLE plugin_storage (
        account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        plugin_id  TEXT NOT NULL,
        key        TEXT NOT NULL,
        value      TEXT NOT NULL,
        PRIMARY KEY (account_id, plugin_id, key)
      ) STRICT, WITHOUT ROWID;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
