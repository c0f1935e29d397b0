// Versioned schema. Each migration runs once, in its own transaction, and bumps
// PRAGMA user_version; a released migration is never edited — add the next one.
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * The migration rebuilds a table other tables reference (SQLite's 12-step ALTER): foreign
   * keys are switched off around it — else dropping the old table would cascade — and
   * checked with PRAGMA foreign_key_check before it commits.
   */
  rebuildsTables?: boolean;
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
  {
    version: 3,
    name: 'attachments, channels in chunks, KPI results, math cache, jobs',
    sql: `
      CREATE TABLE attachments (
        id          TEXT PRIMARY KEY,
        sha256      TEXT NOT NULL UNIQUE,      -- re-importing the same bytes is a no-op
        file_name   TEXT NOT NULL,
        format      TEXT NOT NULL,
        size        INTEGER NOT NULL,
        bytes       BLOB NOT NULL,             -- the original file, kept for re-splitting and audit
        account_id  TEXT NOT NULL REFERENCES accounts(id),
        imported_at TEXT NOT NULL
      ) STRICT;

      ALTER TABLE sessions ADD COLUMN attachment_id TEXT REFERENCES attachments(id) ON DELETE CASCADE;
      ALTER TABLE sessions ADD COLUMN account_id TEXT NOT NULL DEFAULT 'local';
      ALTER TABLE sessions ADD COLUMN name TEXT;
      ALTER TABLE sessions ADD COLUMN comment TEXT;
      ALTER TABLE sessions ADD COLUMN duration_s REAL;
      ALTER TABLE sessions ADD COLUMN gate TEXT;            -- JSON: the start/finish gate laps were split with
      ALTER TABLE sessions ADD COLUMN lap_source TEXT;      -- where the laps came from (logger markers, GPS gate…)
      ALTER TABLE sessions ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
      CREATE INDEX sessions_attachment ON sessions(attachment_id);

      CREATE TABLE channels (
        id           INTEGER PRIMARY KEY,
        session_id   TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        name         TEXT NOT NULL,
        source_name  TEXT NOT NULL,
        unit         TEXT NOT NULL,
        source       TEXT,
        rate_hz      REAL NOT NULL CHECK (rate_hz > 0),
        start_s      REAL NOT NULL,
        sample_count INTEGER NOT NULL,
        missing      INTEGER NOT NULL,         -- NaN samples (no value logged)
        min          REAL,
        max          REAL,
        UNIQUE (session_id, name)
      ) STRICT;

      -- Samples as little-endian float64, in chunks of a fixed sample count: reading one lap
      -- of one channel reads only the chunks that lap covers.
      CREATE TABLE channel_chunks (
        channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
        chunk      INTEGER NOT NULL,
        samples    BLOB NOT NULL,
        PRIMARY KEY (channel_id, chunk)
      ) STRICT;

      CREATE TABLE kpi_results (
        session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        lap_number  INTEGER NOT NULL,
        plugin_id   TEXT NOT NULL,
        plugin_hash TEXT NOT NULL,
        name        TEXT NOT NULL,
        value       REAL,                      -- NULL stands for NaN (no data)
        unit        TEXT NOT NULL,
        better      TEXT NOT NULL CHECK (better IN ('higher', 'lower', 'none')),
        job_id      INTEGER,
        computed_at TEXT NOT NULL,
        PRIMARY KEY (session_id, lap_number, plugin_id, name)
      ) STRICT;

      CREATE TABLE math_cache (
        key        TEXT PRIMARY KEY,           -- sha256 of bundle hash + interface + inputs
        session_id TEXT REFERENCES sessions(id) ON DELETE CASCADE,
        output     BLOB NOT NULL,              -- codec-encoded JSON
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE jobs (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL,
        payload     TEXT NOT NULL,             -- JSON
        status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
        attempts    INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL DEFAULT 5,
        run_after   INTEGER NOT NULL,          -- ms since epoch: backoff
        lease_until INTEGER,                   -- ms since epoch: a running job whose lease ran out was interrupted
        claimed_by  TEXT,                      -- host:pid of the worker running it (a dead pid frees it at once)
        progress    REAL,
        last_error  TEXT,
        created_at  TEXT NOT NULL,
        finished_at TEXT,
        dedupe_key  TEXT UNIQUE                -- one job per (kind, session, plugin hash)
      ) STRICT;
      CREATE INDEX jobs_ready ON jobs(status, run_after);
    `,
  },
  {
    version: 4,
    name: 'accounts own plugins and attachments; API tokens',
    rebuildsTables: true,
    sql: `
      CREATE TABLE api_tokens (
        id           TEXT PRIMARY KEY,
        account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name         TEXT NOT NULL,
        token_hash   TEXT NOT NULL UNIQUE,     -- sha256 of the token: the token itself is shown once, never stored
        created_at   TEXT NOT NULL,
        last_used_at TEXT
      ) STRICT;
      CREATE INDEX api_tokens_account ON api_tokens(account_id);

      -- A plugin belongs to the account that installed it (the desktop's is 'local'):
      -- two teams on one server may each install their own "lap-kpis".
      CREATE TABLE plugins_v4 (
        account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        id           TEXT NOT NULL,
        version      TEXT NOT NULL,
        manifest     TEXT NOT NULL,
        code         TEXT NOT NULL,
        hash         TEXT NOT NULL,
        enabled      INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        installed_at TEXT NOT NULL,
        PRIMARY KEY (account_id, id)
      ) STRICT;
      INSERT INTO plugins_v4 SELECT 'local', id, version, manifest, code, hash, enabled, installed_at FROM plugins;
      DROP TABLE plugins;
      ALTER TABLE plugins_v4 RENAME TO plugins;

      -- The same file uploaded by two accounts is two attachments: de-duplication is per account.
      CREATE TABLE attachments_v4 (
        id          TEXT PRIMARY KEY,
        sha256      TEXT NOT NULL,
        file_name   TEXT NOT NULL,
        format      TEXT NOT NULL,
        size        INTEGER NOT NULL,
        bytes       BLOB NOT NULL,
        account_id  TEXT NOT NULL REFERENCES accounts(id),
        imported_at TEXT NOT NULL,
        UNIQUE (account_id, sha256)
      ) STRICT;
      INSERT INTO attachments_v4 SELECT id, sha256, file_name, format, size, bytes, account_id, imported_at FROM attachments;
      DROP TABLE attachments;
      ALTER TABLE attachments_v4 RENAME TO attachments;

      -- Jobs are visible to the account whose session they work on.
      ALTER TABLE jobs ADD COLUMN account_id TEXT NOT NULL DEFAULT 'local';
      UPDATE jobs SET account_id = COALESCE((SELECT s.account_id FROM sessions s WHERE s.id = json_extract(jobs.payload, '$.sessionId')), 'local');
      CREATE INDEX jobs_account ON jobs(account_id);
      CREATE INDEX sessions_account ON sessions(account_id);
    `,
  },
  {
    version: 5,
    name: 'channels keep the logger\'s integer samples and scaling',
    sql: `
      -- 'f64': chunks of little-endian float64 values (every channel before version 5).
      -- 'i8' / 'i16' / 'i32': chunks of the logger's little-endian integers, still CHUNK_SAMPLES
      -- samples a chunk; values are raw × mul / (scale × 10^dec) + shift with scaling's
      -- {"mul","scale","dec","shift"} (src-main/telemetry/scaled.ts), the importer's exact formula.
      ALTER TABLE channels ADD COLUMN encoding TEXT NOT NULL DEFAULT 'f64' CHECK (encoding IN ('f64', 'i8', 'i16', 'i32'));
      ALTER TABLE channels ADD COLUMN scaling TEXT CHECK ((encoding = 'f64') = (scaling IS NULL));
    `,
  },
  {
    version: 6,
    name: 'attachments keep the file once: regions stored as channels are cut out',
    sql: `
      -- JSON [{ offset, length, channel }]: regions of the original file that are not in
      -- bytes because the named channel's integer chunks hold them verbatim (see
      -- src-main/telemetry/attachment-skeleton.ts). Empty: bytes is the whole file.
      ALTER TABLE attachments ADD COLUMN elided TEXT NOT NULL DEFAULT '[]';
    `,
  },
  {
    version: 7,
    name: 'channels may keep the logger\'s float32 samples; their session is checked at commit',
    rebuildsTables: true,
    sql: `
      -- 'f32': chunks of the logger's little-endian float32 values, CHUNK_SAMPLES a chunk, with
      -- the same scaling as the integer encodings (a float32 widens to float64 exactly).
      -- The session reference is checked at commit: an import writes a session's channels
      -- before its session row (the file's hash is still being computed then). Deferring it
      -- per transaction instead (PRAGMA defer_foreign_keys) expires every prepared statement of
      -- the connection, which then all compile again. Neither change can be made in place:
      -- the table is rebuilt, rows and ids unchanged.
      CREATE TABLE channels_v7 (
        id           INTEGER PRIMARY KEY,
        session_id   TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
        name         TEXT NOT NULL,
        source_name  TEXT NOT NULL,
        unit         TEXT NOT NULL,
        source       TEXT,
        rate_hz      REAL NOT NULL CHECK (rate_hz > 0),
        start_s      REAL NOT NULL,
        sample_count INTEGER NOT NULL,
        missing      INTEGER NOT NULL,         -- NaN samples (no value logged)
        min          REAL,
        max          REAL,
        encoding     TEXT NOT NULL DEFAULT 'f64' CHECK (encoding IN ('f64', 'f32', 'i8', 'i16', 'i32')),
        scaling      TEXT CHECK ((encoding = 'f64') = (scaling IS NULL)),
        UNIQUE (session_id, name)
      ) STRICT;
      INSERT INTO channels_v7 (id, session_id, name, source_name, unit, source, rate_hz, start_s, sample_count, missing, min, max, encoding, scaling)
        SELECT id, session_id, name, source_name, unit, source, rate_hz, start_s, sample_count, missing, min, max, encoding, scaling FROM channels;
      DROP TABLE channels;
      ALTER TABLE channels_v7 RENAME TO channels;
    `,
  },
  {
    version: 8,
    name: "a session's jobs found through an index",
    sql: `
      -- Deleting a session, listing its KPI progress and its jobs look jobs up by the session
      -- their payload names; without an index each scanned every job ever queued. A query uses
      -- this index only when it names the same expression (JOB_SESSION below).
      CREATE INDEX jobs_session ON jobs(json_extract(payload, '$.sessionId'));
    `,
  },
  {
    version: 9,
    name: "a job's plugin-storage writes are kept apart until the job completes",
    sql: `
      -- What a plugin writes to its storage while a job runs it, held for that run of the job
      -- (its attempt): the calls read their own writes here first, and the transaction that
      -- completes the job moves them to plugin_storage with its results. A run cut short (a
      -- crash) leaves its rows, which the next run discards, or the job's failure: a job's
      -- writes take effect once.
      -- value NULL: the key was deleted.
      CREATE TABLE plugin_storage_staged (
        job_id     INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        attempt    INTEGER NOT NULL,
        account_id TEXT NOT NULL,
        plugin_id  TEXT NOT NULL,
        key        TEXT NOT NULL,
        value      TEXT,
        PRIMARY KEY (job_id, attempt, account_id, plugin_id, key)
      ) STRICT, WITHOUT ROWID;
    `,
  },
];

/**
 * The session a job's payload names, as SQL: the expression the jobs_session index holds
 * (schema 8). Queries by session must use this text exactly, or SQLite scans every job.
 */
export const JOB_SESSION = "json_extract(payload, '$.sessionId')";

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
