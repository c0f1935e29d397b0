// Installed plugins, capability grants and per-account plugin storage.
import { CAPABILITY_NAMES, PluginManifest, type CapabilityName } from '../../src-shared/plugins/manifest.ts';
import { RaceError } from '../../src-shared/errors.ts';
import type { Db } from './database.ts';
import type Database from 'better-sqlite3';

/** The desktop app's own account (offline, this machine); the default wherever none is named. */
export const LOCAL_ACCOUNT = 'local';

export interface InstalledPlugin {
  accountId: string;
  id: string;
  version: string;
  manifest: PluginManifest;
  code: string;
  hash: string;
  enabled: boolean;
  installedAt: string;
}

interface PluginRow {
  account_id: string;
  id: string;
  version: string;
  manifest: string;
  code: string;
  hash: string;
  enabled: number;
  installed_at: string;
}

const fromRow = (r: PluginRow): InstalledPlugin => ({
  accountId: r.account_id,
  id: r.id,
  version: r.version,
  manifest: PluginManifest.parse(JSON.parse(r.manifest)),
  code: r.code,
  hash: r.hash,
  enabled: r.enabled === 1,
  installedAt: r.installed_at,
});

/** Installed plugins, each owned by one account and invisible to the others. */
export class PluginStore {
  private readonly db: Db;
  // Read by every import and plugin call: prepared once (compiling costs more than running them).
  private readonly getStmt;
  private readonly listStmt;
  constructor(db: Db) {
    this.db = db;
    this.getStmt = db.prepare<[string, string], PluginRow>('SELECT * FROM plugins WHERE account_id = ? AND id = ?');
    this.listStmt = db.prepare<[string], PluginRow>('SELECT * FROM plugins WHERE account_id = ? ORDER BY id');
  }

  install(p: { manifest: PluginManifest; code: string; hash: string }, accountId: string = LOCAL_ACCOUNT): InstalledPlugin {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO plugins (account_id, id, version, manifest, code, hash, enabled, installed_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)
         ON CONFLICT (account_id, id) DO UPDATE SET version = excluded.version, manifest = excluded.manifest, code = excluded.code,
           hash = excluded.hash, installed_at = excluded.installed_at`,
      )
      .run(accountId, p.manifest.id, p.manifest.version, JSON.stringify(p.manifest), p.code, p.hash, now);
    return this.get(p.manifest.id, accountId)!;
  }

  get(id: string, accountId: string = LOCAL_ACCOUNT): InstalledPlugin | null {
    const row = this.getStmt.get(accountId, id);
    return row ? fromRow(row) : null;
  }

  require(id: string, accountId: string = LOCAL_ACCOUNT): InstalledPlugin {
    const p = this.get(id, accountId);
    if (!p) throw new RaceError('NOT_FOUND', accountId === LOCAL_ACCOUNT ? `plugin "${id}" is not installed` : `plugin "${id}" is not installed for account ${accountId}`);
    return p;
  }

  list(accountId: string = LOCAL_ACCOUNT): InstalledPlugin[] {
    return this.listStmt.all(accountId).map(fromRow);
  }

  remove(id: string, accountId: string = LOCAL_ACCOUNT): boolean {
    return this.db.prepare('DELETE FROM plugins WHERE account_id = ? AND id = ?').run(accountId, id).changes > 0;
  }
}

export class GrantStore {
  private readonly db: Db;
  // Read on every plugin call: prepared once.
  private readonly grantedStmt;
  constructor(db: Db) {
    this.db = db;
    this.grantedStmt = db.prepare<[string, string], { capability: string }>(
      'SELECT capability FROM capability_grants WHERE account_id = ? AND plugin_id = ? ORDER BY capability',
    );
  }

  private check(accountId: string, capability: string): CapabilityName {
    if (!(CAPABILITY_NAMES as readonly string[]).includes(capability)) {
      throw new RaceError('BAD_ARGS', `unknown capability "${capability}" (known: ${CAPABILITY_NAMES.join(', ')})`);
    }
    if (!this.db.prepare('SELECT 1 FROM accounts WHERE id = ?').get(accountId)) throw new RaceError('NOT_FOUND', `account "${accountId}" does not exist`);
    return capability as CapabilityName;
  }

  grant(accountId: string, pluginId: string, capability: string): void {
    const cap = this.check(accountId, capability);
    this.db
      .prepare('INSERT OR IGNORE INTO capability_grants (account_id, plugin_id, capability, granted_at) VALUES (?, ?, ?, ?)')
      .run(accountId, pluginId, cap, new Date().toISOString());
  }

  revoke(accountId: string, pluginId: string, capability: string): boolean {
    const cap = this.check(accountId, capability);
    return this.db.prepare('DELETE FROM capability_grants WHERE account_id = ? AND plugin_id = ? AND capability = ?').run(accountId, pluginId, cap).changes > 0;
  }

  /** Granted capabilities of one account for one plugin; rows naming unknown capabilities are ignored. */
  granted(accountId: string, pluginId: string): CapabilityName[] {
    return this.grantedStmt
      .all(accountId, pluginId)
      .map((r) => r.capability)
      .filter((c): c is CapabilityName => (CAPABILITY_NAMES as readonly string[]).includes(c));
  }

  list(accountId: string): { pluginId: string; capability: CapabilityName; grantedAt: string }[] {
    return this.db
      .prepare<[string], { plugin_id: string; capability: CapabilityName; granted_at: string }>(
        'SELECT plugin_id, capability, granted_at FROM capability_grants WHERE account_id = ? ORDER BY plugin_id, capability',
      )
      .all(accountId)
      .map((r) => ({ pluginId: r.plugin_id, capability: r.capability, grantedAt: r.granted_at }));
  }
}

export interface StorageQuota {
  maxKeys: number;
  maxKeyLength: number;
  maxValueBytes: number;
  maxTotalBytes: number;
}

export const DEFAULT_STORAGE_QUOTA: StorageQuota = { maxKeys: 1000, maxKeyLength: 256, maxValueBytes: 64 * 1024, maxTotalBytes: 1024 * 1024 };

/** A run of a job: the job and which attempt at it. */
export interface JobRun {
  jobId: number;
  attempt: number;
}

/**
 * One plugin's storage for one account: a namespace nothing else can read. In a run of a job,
 * the writes are that run's (plugin_storage_staged, schema 9): the plugin reads them back at
 * once, everyone else sees them when the job completes (applyStagedStorage), and a run that
 * does not complete leaves nothing behind that counts.
 */
export class PluginStorage {
  private readonly db: Db;
  private readonly accountId: string;
  private readonly pluginId: string;
  private readonly quota: StorageQuota;
  private readonly run: JobRun | null;

  constructor(db: Db, accountId: string, pluginId: string, quota: StorageQuota = DEFAULT_STORAGE_QUOTA, run: JobRun | null = null) {
    this.db = db;
    this.accountId = accountId;
    this.pluginId = pluginId;
    this.quota = quota;
    this.run = run;
  }

  /** How another process opens this same namespace (the out-of-process V8 runtime). */
  descriptor(): { dbPath: string; accountId: string; pluginId: string; quota: StorageQuota; run: JobRun | null } {
    return { dbPath: this.db.name, accountId: this.accountId, pluginId: this.pluginId, quota: this.quota, run: this.run };
  }

  private checkKey(key: string): void {
    if (key.length === 0 || key.length > this.quota.maxKeyLength) throw new Error(`storage keys are 1–${this.quota.maxKeyLength} characters`);
  }

  private statements(): ViewStatements {
    const both = storageStatements(this.db);
    return this.run === null ? both.stored : both.staged;
  }

  private params(extra: Record<string, string> = {}): Record<string, string | number> {
    return { account: this.accountId, plugin: this.pluginId, job: this.run?.jobId ?? 0, attempt: this.run?.attempt ?? 0, ...extra };
  }

  get(key: string): string | null {
    this.checkKey(key);
    const row = this.statements().get.get(this.params({ key }));
    return row ? row.value : null;
  }

  put(key: string, value: string): void {
    this.checkKey(key);
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > this.quota.maxValueBytes) throw new Error(`storage value of ${bytes} bytes exceeds the ${this.quota.maxValueBytes}-byte limit`);
    const st = this.statements();
    this.db.transaction(() => {
      const usage = st.usage.get(this.params({ key }))!;
      if (usage.old === null && usage.keys >= this.quota.maxKeys) throw new Error(`storage quota: at most ${this.quota.maxKeys} keys`);
      const total = (usage.bytes ?? 0) - (usage.old ?? 0) + bytes + Buffer.byteLength(key);
      if (total > this.quota.maxTotalBytes) throw new Error(`storage quota: ${total} bytes would exceed ${this.quota.maxTotalBytes}`);
      st.write.run(this.params({ key, value }));
      // IMMEDIATE: the V8 runtime's child process writes through a connection of its own, and a
      // read that turns into a write would meet another writer with no wait to resolve it
    }).immediate();
  }

  list(prefix: string): string[] {
    return this.statements().list.all(this.params({ prefix })).map((r) => r.key);
  }

  delete(key: string): boolean {
    this.checkKey(key);
    const st = this.statements();
    if (st.remove) return st.remove.run(this.params({ key })).changes > 0;
    // in a run: a deletion is a staged row too (value NULL), over whatever is stored
    return this.db.transaction(() => {
      const existed = st.get.get(this.params({ key })) !== undefined;
      st.write.run({ ...this.params({ key }), value: null });
      return existed;
    }).immediate();
  }
}

interface ViewStatements {
  get: Database.Statement<[Record<string, unknown>], { value: string }>;
  /** Keys and bytes as the call sees them, and the bytes `@key` holds now (null: none). */
  usage: Database.Statement<[Record<string, unknown>], { keys: number; bytes: number | null; old: number | null }>;
  list: Database.Statement<[Record<string, unknown>], { key: string }>;
  write: Database.Statement<[Record<string, unknown>]>;
  /** Outside a run only: one DELETE. */
  remove: Database.Statement<[Record<string, unknown>]> | null;
}

// Storage is called many times a plugin call and a PluginStorage is made per call: the
// statements are prepared once per connection (the V8 child keeps its connections too).
const STATEMENTS = new WeakMap<Db, { stored: ViewStatements; staged: ViewStatements }>();

function storageStatements(db: Db): { stored: ViewStatements; staged: ViewStatements } {
  let both = STATEMENTS.get(db);
  if (both) return both;
  // The namespace as a call sees it, as (key, value): the stored rows, and in a run of a job
  // the run's own writes over them (a NULL value: deleted).
  const stored = 'SELECT key, value FROM plugin_storage WHERE account_id = @account AND plugin_id = @plugin';
  const staged = `${stored} AND key NOT IN (SELECT key FROM plugin_storage_staged WHERE job_id = @job AND attempt = @attempt AND account_id = @account AND plugin_id = @plugin)
    UNION ALL
    SELECT key, value FROM plugin_storage_staged WHERE job_id = @job AND attempt = @attempt AND account_id = @account AND plugin_id = @plugin AND value IS NOT NULL`;
  const over = (view: string, write: string, remove: string | null): ViewStatements => ({
    get: db.prepare(`SELECT value FROM (${view}) WHERE key = @key`),
    usage: db.prepare(
      `SELECT COUNT(*) AS keys, SUM(length(CAST(key AS BLOB)) + length(CAST(value AS BLOB))) AS bytes,
              SUM(CASE WHEN key = @key THEN length(CAST(key AS BLOB)) + length(CAST(value AS BLOB)) END) AS old FROM (${view})`,
    ),
    list: db.prepare(`SELECT key FROM (${view}) WHERE substr(key, 1, length(@prefix)) = @prefix ORDER BY key`),
    write: db.prepare(write),
    remove: remove === null ? null : db.prepare(remove),
  });
  both = {
    stored: over(
      stored,
      'INSERT INTO plugin_storage (account_id, plugin_id, key, value) VALUES (@account, @plugin, @key, @value) ON CONFLICT DO UPDATE SET value = excluded.value',
      'DELETE FROM plugin_storage WHERE account_id = @account AND plugin_id = @plugin AND key = @key',
    ),
    staged: over(
      staged,
      'INSERT INTO plugin_storage_staged (job_id, attempt, account_id, plugin_id, key, value) VALUES (@job, @attempt, @account, @plugin, @key, @value) ON CONFLICT DO UPDATE SET value = excluded.value',
      null,
    ),
  };
  STATEMENTS.set(db, both);
  return both;
}

/**
 * A run's storage writes made permanent, inside the transaction that completes its job; every
 * run's staged rows of that job go (a run overtaken by a newer one may have left some).
 */
export function applyStagedStorage(db: Db, run: JobRun): void {
  db.prepare(
    `INSERT INTO plugin_storage (account_id, plugin_id, key, value)
       SELECT account_id, plugin_id, key, value FROM plugin_storage_staged WHERE job_id = ? AND attempt = ? AND value IS NOT NULL
     ON CONFLICT DO UPDATE SET value = excluded.value`,
  ).run(run.jobId, run.attempt);
  db.prepare(
    `DELETE FROM plugin_storage WHERE (account_id, plugin_id, key) IN
       (SELECT account_id, plugin_id, key FROM plugin_storage_staged WHERE job_id = ? AND attempt = ? AND value IS NULL)`,
  ).run(run.jobId, run.attempt);
  discardStagedStorage(db, run.jobId);
}

/** What runs of a job wrote and never completed (one run's, when `attempt` is given): gone. */
export function discardStagedStorage(db: Db, jobId: number, attempt?: number): void {
  if (attempt === undefined) db.prepare('DELETE FROM plugin_storage_staged WHERE job_id = ?').run(jobId);
  else db.prepare('DELETE FROM plugin_storage_staged WHERE job_id = ? AND attempt = ?').run(jobId, attempt);
}
