// Session queries. Lap counts and best laps count timed laps only (kind = 'lap').
import type { SessionSummary } from '../../src-shared/contract/index.ts';
import { RaceError } from '../../src-shared/errors.ts';
import type { Db } from './database.ts';
import { JOB_SESSION } from './migrations.ts';

interface SessionRow {
  id: string;
  venue: string | null;
  vehicle: string | null;
  driver: string | null;
  started_at: string | null;
  source_format: string;
  imported_at: string;
  lap_count: number;
  best_lap_ms: number | null;
}

export class SessionStore {
  private readonly db: Db;
  private readonly listStmt;
  private readonly ownedStmt;

  constructor(db: Db) {
    this.db = db;
    // asked by every session route (the UI polls KPIs): prepared once
    this.ownedStmt = db.prepare<[string, string], { 1: number }>('SELECT 1 FROM sessions WHERE id = ? AND account_id = ?');
    this.listStmt = db.prepare<[string], SessionRow>(`
      SELECT s.id, s.venue, s.vehicle, s.driver, s.started_at, s.source_format, s.imported_at,
             COUNT(l.number) AS lap_count, MIN(l.time_ms) AS best_lap_ms
        FROM sessions s
        LEFT JOIN laps l ON l.session_id = s.id AND l.kind = 'lap'
       WHERE s.account_id = ?
       GROUP BY s.id
       ORDER BY COALESCE(s.started_at, s.imported_at) DESC, s.id`);
  }

  /** Throws NOT_FOUND unless the account has the session: another account's does not exist for it. */
  require(id: string, accountId: string): void {
    if (!this.ownedStmt.get(id, accountId)) throw new RaceError('NOT_FOUND', `session ${id} does not exist`);
  }

  /** One account's sessions. */
  list(accountId: string): SessionSummary[] {
    return this.listStmt.all(accountId).map((r) => ({
      id: r.id,
      venue: r.venue,
      vehicle: r.vehicle,
      driver: r.driver,
      startedAt: r.started_at,
      sourceFormat: r.source_format,
      lapCount: r.lap_count,
      bestLapMs: r.best_lap_ms,
      importedAt: r.imported_at,
    }));
  }

  /**
   * Deletes a session and everything derived from it, in one transaction: its original file
   * (the session, laps, channels, KPIs and cached math go with it by cascade) and its KPI jobs
   * that are not running (a running one finds the session gone and fails for good).
   */
  delete(id: string, accountId: string): boolean {
    return this.db.transaction(() => {
      // another account's session is not there to delete
      const row = this.db.prepare('SELECT attachment_id FROM sessions WHERE id = ? AND account_id = ?').get(id, accountId) as { attachment_id: string | null } | undefined;
      if (!row) return false;
      this.db.prepare(`DELETE FROM jobs WHERE status != 'running' AND ${JOB_SESSION} = ?`).run(id);
      this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
      if (row.attachment_id !== null) this.db.prepare('DELETE FROM attachments WHERE id = ?').run(row.attachment_id);
      return true;
    }).immediate();
  }
}
