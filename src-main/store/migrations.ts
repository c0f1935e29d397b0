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
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
