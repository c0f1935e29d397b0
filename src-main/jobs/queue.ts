// A durable job queue in SQLite. A job is claimed with a lease; a worker that dies leaves
// the lease to run out, and the job is claimed again (crash recovery) while it has attempts
// left. A run is known by its worker and attempt number: results are written in the same
// transaction that marks the job done, and only by the run that still holds the job, so a
// job's results are stored once.
import { hostname } from 'node:os';
import type { Db } from '../store/database.ts';
import { JOB_SESSION } from '../store/migrations.ts';
import { discardStagedStorage } from '../store/plugins.ts';
import type Database from 'better-sqlite3';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface Job<P = unknown> {
  id: number;
  kind: string;
  payload: P;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  progress: number | null;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}

interface JobRow {
  id: number;
  kind: string;
  payload: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  progress: number | null;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
}

const fromRow = <P>(r: JobRow): Job<P> => ({
  id: r.id,
  kind: r.kind,
  payload: JSON.parse(r.payload) as P,
  status: r.status,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  progress: r.progress,
  lastError: r.last_error,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

export const LEASE_MS = 60_000;

/** This process, as it marks the jobs it runs. */
export const WORKER_ID = `${hostname()}:${process.pid}`;

/** Workers on this machine whose process no longer exists. */
function deadLocalWorkers(owners: string[]): string[] {
  const host = hostname();
  return owners.filter((owner) => {
    const colon = owner.lastIndexOf(':');
    if (owner.slice(0, colon) !== host) return false; // another machine: only its lease can tell
    const pid = Number(owner.slice(colon + 1));
    if (pid === process.pid) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  });
}

export class JobQueue {
  private readonly db: Db;
  private readonly now: () => number;
  // Run once per KPI plugin by every import, by every poll of a job or a session's jobs, by
  // every lap of a KPI job (progress), once a second by an idle runner (claim): prepared once.
  private readonly insertStmt;
  private readonly byKeyStmt;
  private readonly rerunStmt;
  private readonly ofAccountStmt;
  private readonly forSessionStmt;
  private readonly ownersStmt;
  private readonly completeStmt;
  private readonly failStmt;
  private readonly progressStmt;
  /** claim's statements, by how many kinds and dead workers they name. */
  private readonly claimStmts = new Map<string, { failAbandoned: Database.Statement<unknown[], { id: number }>; take: Database.Statement<unknown[], JobRow> }>();

  constructor(db: Db, now: () => number = Date.now) {
    this.db = db;
    this.now = now;
    this.insertStmt = db.prepare<[string, string, number, number, string, string | null, string]>(
      `INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_after, created_at, dedupe_key, account_id)
       VALUES (?, ?, 'queued', 0, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
    );
    this.byKeyStmt = db.prepare<[string | null], { id: number }>('SELECT id FROM jobs WHERE dedupe_key = ?');
    // attempts go on counting (a run is known by its worker and attempt number, so a run under
    // way can never pass for the new one); the job gets its whole budget again
    this.rerunStmt = db.prepare<[number, number, number]>(
      "UPDATE jobs SET status = 'queued', max_attempts = attempts + ?, run_after = ?, progress = NULL, lease_until = NULL, claimed_by = NULL, last_error = NULL, finished_at = NULL WHERE id = ?",
    );
    this.ofAccountStmt = db.prepare<[number, string], JobRow>('SELECT * FROM jobs WHERE id = ? AND account_id = ?');
    this.forSessionStmt = db.prepare<[string, string, number], JobRow>(`SELECT * FROM jobs WHERE account_id = ? AND ${JOB_SESSION} = ? AND (? OR status != 'done') ORDER BY id`);
    this.ownersStmt = db.prepare<[], string>("SELECT DISTINCT claimed_by FROM jobs WHERE status = 'running' AND claimed_by IS NOT NULL").pluck();
    // a run changes its job only while it holds it: running, claimed by this worker, its attempt
    const held = "id = ? AND status = 'running' AND claimed_by = ? AND attempts = ?";
    this.completeStmt = db.prepare<[string, number, string, number]>(`UPDATE jobs SET status = 'done', progress = 1, lease_until = NULL, claimed_by = NULL, finished_at = ?, last_error = NULL WHERE ${held}`);
    this.failStmt = db.prepare<[string, number, string, string | null, number, string, number]>(
      `UPDATE jobs SET status = ?, run_after = ?, lease_until = NULL, claimed_by = NULL, last_error = ?, finished_at = ? WHERE ${held}`,
    );
    this.progressStmt = db.prepare<[number, number, number, string, number]>(`UPDATE jobs SET progress = ?, lease_until = ? WHERE ${held}`);
  }

  /**
   * Enqueue (inside the caller's transaction when there is one). A job with the same dedupe key
   * is not added twice; with `rerun`, that job is queued to run again (its inputs changed: a
   * re-split session), even if it is done, failed or running — a run already under way then
   * finds at its end that it no longer holds the job, and its results are not stored.
   */
  enqueue(kind: string, payload: unknown, options: { dedupeKey?: string; maxAttempts?: number; accountId?: string; rerun?: boolean } = {}): number {
    const dedupeKey = options.dedupeKey ?? null;
    const r = this.insertStmt.run(kind, JSON.stringify(payload), options.maxAttempts ?? 5, this.now(), new Date(this.now()).toISOString(), dedupeKey, options.accountId ?? 'local');
    if (r.changes > 0) return Number(r.lastInsertRowid);
    const id = this.byKeyStmt.get(dedupeKey)!.id;
    if (options.rerun) this.rerunStmt.run(options.maxAttempts ?? 5, this.now(), id);
    return id;
  }

  /**
   * The next runnable job: queued and due, or running but abandoned — its lease ran out, or
   * the worker that claimed it was a process on this machine that no longer exists.
   */
  claim<P>(kinds: string[]): Job<P> | null {
    const now = this.now();
    const dead = deadLocalWorkers(this.ownersStmt.all());
    const { failAbandoned, take } = this.claimStatements(kinds.length, dead.length);
    // A job abandoned on its last attempt has had them all: it may be the cause (a plugin
    // that takes its process down), and is not run again; what its runs staged goes.
    for (const { id } of failAbandoned.all(new Date(now).toISOString(), ...kinds, now, ...dead)) discardStagedStorage(this.db, id);
    const row = take.get(now + LEASE_MS, WORKER_ID, ...kinds, now, now, ...dead);
    return row ? fromRow<P>(row) : null;
  }

  private claimStatements(kinds: number, dead: number) {
    const key = `${kinds}:${dead}`;
    let st = this.claimStmts.get(key);
    if (st) return st;
    const kindList = Array(kinds).fill('?').join(',');
    const deadList = dead ? Array(dead).fill('?').join(',') : "''";
    const abandoned = `status = 'running' AND (lease_until < ? OR claimed_by IN (${deadList}))`;
    st = {
      failAbandoned: this.db.prepare<unknown[], { id: number }>(
        `UPDATE jobs SET status = 'failed', lease_until = NULL, claimed_by = NULL, finished_at = ?,
           last_error = 'its worker stopped during its last attempt (' || attempts || ' of ' || max_attempts || '): the process ended or its lease ran out' || coalesce('; before that: ' || last_error, '')
         WHERE kind IN (${kindList}) AND ${abandoned} AND attempts >= max_attempts
         RETURNING id`,
      ),
      take: this.db.prepare<unknown[], JobRow>(
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?, claimed_by = ?
         WHERE id = (SELECT id FROM jobs WHERE kind IN (${kindList})
                       AND ((status = 'queued' AND run_after <= ?) OR (${abandoned} AND attempts < max_attempts))
                     ORDER BY id LIMIT 1)
         RETURNING *`,
      ),
    };
    this.claimStmts.set(key, st);
    return st;
  }

  /**
   * Marks done; `store` writes the results in the same transaction. False, with nothing
   * stored, when this run no longer holds the job (it was queued again meanwhile, or its
   * lease ran out and another worker took it).
   */
  complete(id: number, attempt: number, store: () => void): boolean {
    return this.db.transaction(() => {
      const held = this.completeStmt.run(new Date(this.now()).toISOString(), id, WORKER_ID, attempt).changes > 0;
      if (held) store();
      return held;
    }).immediate();
  }

  /**
   * A failed attempt: retried with exponential backoff, or failed for good after max attempts.
   * Nothing changes when this run no longer holds the job (see complete).
   */
  fail(id: number, attempt: number, error: string, retryable = true): void {
    const job = this.db.prepare('SELECT attempts, max_attempts FROM jobs WHERE id = ?').get(id) as { attempts: number; max_attempts: number } | undefined;
    if (!job) return;
    const final = !retryable || job.attempts >= job.max_attempts;
    const backoff = Math.min(60_000, 500 * 2 ** (job.attempts - 1));
    this.failStmt.run(final ? 'failed' : 'queued', this.now() + backoff, error.slice(0, 2000), final ? new Date(this.now()).toISOString() : null, id, WORKER_ID, attempt);
  }

  /** A run's progress; it also renews the run's lease (only while the run holds the job). */
  progress(id: number, attempt: number, fraction: number): void {
    this.progressStmt.run(fraction, this.now() + LEASE_MS, id, WORKER_ID, attempt);
  }

  get<P>(id: number): Job<P> | null {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? fromRow<P>(row) : null;
  }

  /** One job of one account (another account's job does not exist for it). */
  ofAccount<P>(id: number, accountId: string): Job<P> | null {
    const row = this.ofAccountStmt.get(id, accountId);
    return row ? fromRow<P>(row) : null;
  }

  /** An account's jobs on one session (payload.sessionId), oldest first; the done ones too unless `unfinished`. */
  forSession<P>(sessionId: string, accountId: string, options: { unfinished?: boolean } = {}): Job<P>[] {
    return this.forSessionStmt.all(accountId, sessionId, options.unfinished ? 0 : 1).map((r) => fromRow<P>(r));
  }

}
