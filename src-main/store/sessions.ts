// Session queries. Lap counts and best laps count timed laps only (kind = 'lap').
import type { SessionSummary } from '../../src-shared/contract/index.ts';
import type { Db } from './database.ts';

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
  private readonly listStmt;

  constructor(db: Db) {
    this.listStmt = db.prepare<[string], SessionRow>(`
      SELECT s.id, s.venue, s.vehicle, s.driver, s.started_at, s.source_format, s.imported_at,
             COUNT(l.number) AS lap_count, MIN(l.time_ms) AS best_lap_ms
        FROM sessions s
        LEFT JOIN laps l ON l.session_id = s.id AND l.kind = 'lap'
       WHERE s.account_id = ?
       GROUP BY s.id
       ORDER BY COALESCE(s.started_at, s.imported_at) DESC, s.id`);
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
}
