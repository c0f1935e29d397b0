// Importing one logger file: detect the format from the content, parse, run the enabled
// transform plugins, split laps, then write the attachment, session, channels, laps and
// the KPI jobs in ONE transaction — a corrupt file or a crash leaves the database as it was.
// The same bytes twice are a duplicate, not a second session.
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RaceError } from '../../src-shared/errors.ts';
import { readBytes } from '../platform/read-bytes.ts';
import { sha256Hex, startSha256 } from '../platform/sha256.ts';
import type { Db } from '../store/database.ts';
import { ChannelStore } from '../store/channels.ts';
import type { InstalledPlugin } from '../store/plugins.ts';
import { JobQueue } from '../jobs/queue.ts';
import type { PluginService } from '../plugins/service.ts';
import { elidableRegions, reassemble, skeleton, type Elided } from './attachment-skeleton.ts';
import { detectFormat } from './formats/index.ts';
import { flagPitLaps, gateCrossings, headingNear, lapsFromCrossings, lapsFromLogger, realFixes, type Gate, type Lap } from './laps.ts';
import { ImportError, sampleCount, type ImportedChannel, type ImportedSession } from './model.ts';

export interface GateInput {
  lat: number;
  lon: number;
  headingDeg?: number;
  widthM?: number;
}

export interface ImportOptions {
  accountId?: string;
  gate?: GateInput;
  onProgress?: (done: number, total: number) => void;
}

export type ImportStatus = 'imported' | 'duplicate' | 'failed';

export interface ImportOutcome {
  file: string;
  status: ImportStatus;
  sessionId?: string;
  format?: string;
  channels?: number;
  laps?: { number: number; startS: number; timeS: number; kind: Lap['kind'] }[];
  warnings?: string[];
  error?: { message: string; offset?: number; line?: number };
}

export const KPI_JOB = 'kpi';
export interface KpiJobPayload {
  sessionId: string;
  pluginId: string;
  pluginHash: string;
}

const DEFAULT_GATE_WIDTH_M = 30;

/** One KPI job per session, plugin and bundle: an import queues it, a re-split queues it again. */
const kpiJobKey = (sessionId: string, p: { id: string; hash: string }) => `${KPI_JOB}:${sessionId}:${p.id}:${p.hash}`;

export function sessionDuration(channels: ImportedChannel[]): number {
  let end = 0;
  for (const c of channels) {
    const n = sampleCount(c);
    if (n) end = Math.max(end, c.startS + (n - 1) / c.rateHz);
  }
  return end;
}

function channelTimes(c: ImportedChannel): Float64Array {
  return Float64Array.from({ length: c.samples.length }, (_, i) => c.startS + i / c.rateHz);
}

/**
 * A file's gate as a gate: a line given by two points (VBO [laptiming]) is crossed anywhere
 * along it, so the gate sits at its middle and is as wide as the line.
 */
function gateFromHint(h: NonNullable<ImportedSession['gate']>): GateInput {
  if (h.lat2 === undefined || h.lon2 === undefined) return { lat: h.lat, lon: h.lon, headingDeg: h.headingDeg };
  const cos = Math.cos((((h.lat + h.lat2) / 2) * Math.PI) / 180);
  const lengthM = Math.hypot((h.lat2 - h.lat) * 111_320, (h.lon2 - h.lon) * 111_320 * cos);
  return { lat: (h.lat + h.lat2) / 2, lon: (h.lon + h.lon2) / 2, headingDeg: h.headingDeg, widthM: Math.max(DEFAULT_GATE_WIDTH_M, lengthM) };
}

/** Laps: the logger's own first; else a gate (given, or from the file) on real GPS fixes. Laps through the pit lane are not timed laps. */
export function splitLaps(session: ImportedSession, gateInput: GateInput | undefined, durationS: number): { laps: Lap[]; source: string; gate: Gate | null; warnings: string[] } {
  const split = splitLapsBy(session, gateInput, durationS);
  const laps = session.pitLane?.length ? flagPitLaps(split.laps, session.pitLane) : split.laps;
  // to the microsecond: a difference of two times is 65.21, not 65.21000000000004
  const us = (x: number) => Math.round(x * 1e6) / 1e6;
  return { ...split, laps: laps.map((l) => ({ ...l, startS: us(l.startS), endS: us(l.endS), timeS: us(l.timeS) })) };
}

function splitLapsBy(session: ImportedSession, gateInput: GateInput | undefined, durationS: number): { laps: Lap[]; source: string; gate: Gate | null; warnings: string[] } {
  const warnings: string[] = [];
  if (session.loggerLaps && !gateInput) {
    return { laps: lapsFromLogger(session.loggerLaps, durationS), source: session.loggerLaps.source, gate: null, warnings };
  }
  const g = gateInput ?? (session.gate ? gateFromHint(session.gate) : undefined);
  if (!g) return { laps: lapsFromCrossings([], durationS), source: 'none', gate: null, warnings };
  if (!session.gps) {
    warnings.push('a start/finish gate was given but the file has no GPS position channels: no laps');
    return { laps: lapsFromCrossings([], durationS), source: 'none', gate: null, warnings };
  }
  const lat = session.channels.find((c) => c.name === session.gps!.lat)!;
  const lon = session.channels.find((c) => c.name === session.gps!.lon)!;
  const fix = session.gps.fix ? session.channels.find((c) => c.name === session.gps!.fix) : undefined;
  const track = realFixes(channelTimes(lat), lat.samples, lon.samples, fix?.samples);
  const heading = g.headingDeg ?? headingNear(track, g.lat, g.lon);
  if (heading === null) {
    warnings.push(`the gate at ${g.lat.toFixed(6)}, ${g.lon.toFixed(6)} is not within 200 m of the GPS trace: no laps`);
    return { laps: lapsFromCrossings([], durationS), source: 'none', gate: null, warnings };
  }
  const gate: Gate = { lat: g.lat, lon: g.lon, headingDeg: heading, widthM: g.widthM ?? DEFAULT_GATE_WIDTH_M };
  return { laps: lapsFromCrossings(gateCrossings(track, gate), durationS), source: gateInput ? USER_GATE : `gps gate (${session.gate!.source})`, gate, warnings };
}

/** Laps as an import outcome gives them. */
const lapSummaries = (laps: Lap[]): ImportOutcome['laps'] => laps.map((l) => ({ number: l.number, startS: l.startS, timeS: l.timeS, kind: l.kind }));

/** What a session split with a gate its user gave records as its lap source. */
const USER_GATE = 'gps gate (given)';

/** An error SQLite gave (a lock, a full disk), as opposed to a fault in this code. */
const isSqliteError = (e: unknown): e is InstanceType<typeof Database.SqliteError> => e instanceof Database.SqliteError;

/** Thrown inside the import's transaction to roll it back: the file is already stored. */
class DuplicateFile extends Error {
  readonly outcome: ImportOutcome;
  constructor(outcome: ImportOutcome) {
    super('duplicate');
    this.outcome = outcome;
  }
}

export class TelemetryImporter {
  private readonly db: Db;
  private readonly plugins: PluginService;
  private readonly channels: ChannelStore;
  private readonly jobs: JobQueue;
  private readonly findAttachment;
  private readonly insertAttachment;
  private readonly insertSession;
  private readonly deleteLaps;
  private readonly insertLap;

  constructor(db: Db, plugins: PluginService, jobs = new JobQueue(db)) {
    this.db = db;
    this.plugins = plugins;
    this.channels = new ChannelStore(db);
    this.jobs = jobs;
    this.findAttachment = db.prepare<[string, string], { sessionId: string | null; format: string }>(
      'SELECT s.id AS sessionId, a.format FROM attachments a LEFT JOIN sessions s ON s.attachment_id = a.id WHERE a.account_id = ? AND a.sha256 = ?',
    );
    // Prepared once: compiling a statement against this schema costs more than running it.
    this.insertAttachment = db.prepare<[string, string, string, string, number, Buffer, string, string, string]>(
      'INSERT INTO attachments (id, sha256, file_name, format, size, bytes, account_id, imported_at, elided) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertSession = db.prepare<[string, ...(string | number | null)[]]>(
      `INSERT INTO sessions (id, venue, vehicle, driver, started_at, device, source_format, imported_at, attachment_id, account_id, name, comment, duration_s, gate, lap_source, warnings)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.deleteLaps = db.prepare<[string]>('DELETE FROM laps WHERE session_id = ?');
    this.insertLap = db.prepare<[string, number, number, number, number, string]>('INSERT INTO laps (session_id, number, start_s, end_s, time_ms, kind) VALUES (?, ?, ?, ?, ?, ?)');
  }

  async importFile(path: string, options: ImportOptions = {}): Promise<ImportOutcome> {
    const file = basename(path);
    let bytes: Uint8Array;
    try {
      if (!statSync(path).isFile()) throw new Error('not a file');
      bytes = readBytes(path);
    } catch (e) {
      return { file: path, status: 'failed', error: { message: `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` } };
    }
    const dir = dirname(path);
    return this.importBytes(file, bytes, options, (name) => {
      const p = join(dir, name);
      return existsSync(p) ? readBytes(p) : null;
    }, path);
  }

  async importBytes(fileName: string, bytes: Uint8Array, options: ImportOptions = {}, sibling: (name: string) => Uint8Array | null = () => null, displayPath = fileName): Promise<ImportOutcome> {
    const accountId = options.accountId ?? 'local';
    const importer = detectFormat(bytes.subarray(0, 64 * 1024));
    // For a format with a cheap parse, the sha256 runs on another thread while this one parses,
    // prepares and writes the rows, and the transaction takes the digest just before it
    // decides imported or duplicate. Otherwise the duplicate check comes first and needs the
    // digest at once: computed here, without handing the bytes over.
    const hash = startSha256(bytes, importer?.cheapParse === true);
    const duplicate = (): ImportOutcome | null => {
      const existing = this.findAttachment.get(accountId, hash.result());
      return existing ? { file: displayPath, status: 'duplicate', sessionId: existing.sessionId ?? undefined, format: existing.format } : null;
    };

    if (!importer) {
      return duplicate() ?? { file: displayPath, status: 'failed', error: { message: `${displayPath}: not a logger file Race can read (the content matches none of the known formats)`, offset: 0 } };
    }
    // A slow parse is not spent on a file already stored. (So only a format with a cheap parse
    // reaches the duplicate check knowing the files beside it: .ld, whose .ldx gives laps.)
    if (!importer.cheapParse) {
      const dup = duplicate();
      if (dup) return dup;
    }
    let session: ImportedSession;
    // the files beside this one the parse used (a .ld's .ldx): a duplicate may get its laps from them
    const besides: string[] = [];
    const readBeside = (name: string) => {
      const b = sibling(name);
      if (b) besides.push(name);
      return b;
    };
    try {
      session = importer.parse(bytes, { fileName, sibling: readBeside, progress: (done, total) => options.onProgress?.(done, total) });
    } catch (e) {
      if (e instanceof ImportError) return { file: displayPath, status: 'failed', format: importer.format, error: { message: `${displayPath}: ${e.message}`, offset: e.offset, line: e.line } };
      return { file: displayPath, status: 'failed', format: importer.format, error: { message: `${displayPath}: ${importer.format}: could not be read (${(e as Error).message})` } };
    }
    options.onProgress?.(bytes.length, bytes.length);
    if (session.channels.length === 0) return { file: displayPath, status: 'failed', format: importer.format, error: { message: `${displayPath}: ${importer.format}: the file holds no channels` } };

    // The account's enabled plugins, read once: the transforms run now, the KPI processors get jobs.
    const enabled = this.plugins.plugins.list(accountId).filter((p) => p.enabled);
    try {
      session = await this.applyTransforms(session, accountId, enabled);
    } catch (e) {
      return { file: displayPath, status: 'failed', format: importer.format, error: { message: `${displayPath}: a transform plugin failed: ${(e as Error).message}` } };
    }

    const durationS = sessionDuration(session.channels);
    const split = splitLaps(session, options.gate, durationS);
    const warnings = [...session.warnings, ...split.warnings];
    const sessionId = randomUUID();
    const attachmentId = randomUUID();
    const now = new Date().toISOString();
    const kpiPlugins = enabled.filter((p) => p.manifest.interfaces.includes('kpiProcessor'));
    const prepared = session.channels.map((c) => this.channels.prepare(c));
    // Regions the integer channels hold verbatim are not written a second time.
    const elided = elidableRegions(bytes, session.channels);
    const kept = elided.length ? skeleton(bytes, elided) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

    // One write transaction (BEGIN IMMEDIATE: no other connection writes meanwhile, so the
    // duplicate check inside it is final). The bulk — channels and their samples — goes
    // first, while the hash may still be running; their reference to the session is checked
    // at commit (schema 7), when the session row exists. A duplicate rolls everything back.
    const write = this.db.transaction(() => {
      for (const c of prepared) this.channels.add(sessionId, c);
      const found = duplicate();
      if (found) throw new DuplicateFile(found);
      this.insertAttachment.run(attachmentId, hash.result(), fileName, session.format, bytes.length, kept, accountId, now, JSON.stringify(elided));
      const m = session.metadata;
      this.insertSession.run(sessionId, m.venue, m.vehicle, m.driver, m.startedAt, m.device, session.format, now, attachmentId, accountId, m.session, m.comment, durationS, split.gate ? JSON.stringify(split.gate) : null, split.source, JSON.stringify(warnings));
      this.writeLaps(sessionId, split.laps);
      for (const p of kpiPlugins) this.jobs.enqueue(KPI_JOB, { sessionId, pluginId: p.id, pluginHash: p.hash } satisfies KpiJobPayload, { dedupeKey: kpiJobKey(sessionId, p), accountId });
    });
    try {
      write.immediate();
    } catch (e) {
      if (e instanceof DuplicateFile) return besides.length && !options.gate && e.outcome.sessionId ? this.lapsFromBeside(e.outcome, e.outcome.sessionId, split, besides, kpiPlugins, accountId) : e.outcome;
      if (!isSqliteError(e)) throw e;
      // The transaction rolled back: nothing of this file is stored, and the next file goes on.
      const why = e.code === 'SQLITE_BUSY' ? 'the database is locked by another Race writing to it; try again when it is done' : e.message;
      return { file: displayPath, status: 'failed', format: importer.format, error: { message: `${displayPath}: ${importer.format}: could not be stored (${why})` } };
    }

    return {
      file: displayPath,
      status: 'imported',
      sessionId,
      format: session.format,
      channels: session.channels.length,
      laps: lapSummaries(split.laps),
      warnings,
    };
  }

  /**
   * A file imported again with a file beside it that gives its laps (a .ld with the .ldx that
   * was not there the first time), and no gate given: the stored session takes those laps — its
   * KPIs are computed again — unless it has them already or a user split it with a gate. Any
   * other duplicate is a no-op.
   */
  private lapsFromBeside(outcome: ImportOutcome, sessionId: string, split: ReturnType<typeof splitLaps>, besides: string[], kpiPlugins: InstalledPlugin[], accountId: string): ImportOutcome {
    try {
      const replaced = this.db.transaction(() => {
        const stored = this.db.prepare('SELECT lap_source FROM sessions WHERE id = ?').get(sessionId) as { lap_source: string | null } | undefined;
        if (!stored || stored.lap_source === split.source || stored.lap_source === USER_GATE) return false;
        this.replaceLaps(sessionId, split, kpiPlugins, accountId);
        return true;
      }).immediate();
      if (!replaced) return outcome;
    } catch (e) {
      if (!isSqliteError(e)) throw e;
      return { ...outcome, warnings: [`already imported; its laps could not be taken from ${besides.join(', ')} beside it (${e.message})`] };
    }
    return {
      ...outcome,
      laps: lapSummaries(split.laps),
      warnings: [`already imported; its laps are now from ${split.source} (${besides.join(', ')} beside it), and its KPIs are computed again`],
    };
  }

  /** The file a session was imported from, exactly as it was (its sha256 is checked). */
  originalFile(sessionId: string): { fileName: string; bytes: Uint8Array } {
    const row = this.db
      .prepare('SELECT a.file_name, a.bytes, a.elided, a.size, a.sha256 FROM sessions s JOIN attachments a ON a.id = s.attachment_id WHERE s.id = ?')
      .get(sessionId) as { file_name: string; bytes: Buffer; elided: string; size: number; sha256: string } | undefined;
    if (!row) throw new RaceError('NOT_FOUND', `session ${sessionId} does not exist (or has no original file)`);
    const elided = JSON.parse(row.elided) as Elided[];
    const byName = new Map(this.channels.list(sessionId).map((c) => [c.name, c]));
    const regions = elided.map((r) => {
      const c = byName.get(r.channel);
      if (!c || c.encoding.type === 'f64') throw new Error(`session ${sessionId}: channel ${r.channel}, which holds part of the original file, is missing`);
      return this.channels.rawBytes(c);
    });
    const bytes = reassemble(row.bytes, elided, regions, row.size);
    if (sha256Hex(bytes) !== row.sha256) throw new Error(`session ${sessionId}: the stored original file does not match its sha256`);
    return { fileName: row.file_name, bytes };
  }

  writeLaps(sessionId: string, laps: Lap[]): void {
    this.deleteLaps.run(sessionId);
    for (const l of laps) this.insertLap.run(sessionId, l.number, l.startS, l.endS, l.timeS * 1000, l.kind);
  }

  /** Enabled transform plugins, lowest `order` first, each seeing the previous one's output. */
  private async applyTransforms(session: ImportedSession, accountId: string, enabled: InstalledPlugin[]): Promise<ImportedSession> {
    const transforms = enabled
      .filter((p) => p.manifest.interfaces.includes('transform'))
      .sort((a, b) => (a.manifest.meta.transform?.order ?? 100) - (b.manifest.meta.transform?.order ?? 100) || a.id.localeCompare(b.id));
    if (transforms.length === 0) return session;
    // Transforms see each channel on its own time base; startS is carried through by name.
    let channels: Record<string, { unit: string; rateHz: number; samples: Float64Array }> = {};
    const startOf = new Map<string, number>();
    for (const c of session.channels) {
      channels[c.name] = { unit: c.unit, rateHz: c.rateHz, samples: c.samples };
      startOf.set(c.name, c.startS);
    }
    let meta: Record<string, unknown> = { format: session.format, venue: session.metadata.venue, vehicle: session.metadata.vehicle };
    for (const t of transforms) {
      const rateHz = Math.max(...Object.values(channels).map((c) => c.rateHz));
      const r = await this.plugins.invoke(t.id, { iface: 'transform', input: { channels, rateHz, meta }, runtime: 'quickjs', accountId });
      const out = r.output as { channels: typeof channels; meta: Record<string, unknown> };
      channels = out.channels;
      meta = out.meta;
    }
    const byName = new Map(session.channels.map((c) => [c.name, c]));
    return {
      ...session,
      channels: Object.entries(channels).map(([name, c]) => ({
        name,
        sourceName: byName.get(name)?.sourceName ?? name,
        unit: c.unit,
        rateHz: c.rateHz,
        startS: startOf.get(name) ?? 0,
        samples: c.samples,
        source: byName.get(name)?.source,
      })),
      warnings: [...session.warnings, ...transforms.map((t) => `transformed by ${t.id} ${t.version}`)],
    };
  }

  /** Re-split a stored session with a gate: laps recomputed, KPI results cleared and re-queued. */
  async resplit(sessionId: string, gate: GateInput): Promise<Lap[]> {
    // (the join only checks that the original file is there: its bytes are not needed)
    const row = this.db.prepare('SELECT s.account_id, s.duration_s FROM sessions s JOIN attachments a ON a.id = s.attachment_id WHERE s.id = ?').get(sessionId) as
      | { account_id: string; duration_s: number }
      | undefined;
    if (!row) throw new RaceError('NOT_FOUND', `session ${sessionId} does not exist (or has no original file to re-split)`);
    const info = this.channels.list(sessionId);
    const session: ImportedSession = {
      format: 'stored',
      metadata: { venue: null, vehicle: null, driver: null, startedAt: null, device: null, session: null, comment: null },
      channels: [],
      loggerLaps: null,
      gate: null,
      gps: null,
      warnings: [],
    };
    const pick = (re: RegExp) => info.find((c) => re.test(c.name));
    const lat = pick(/^(gps[ _]?)?lat(itude)?\b/i);
    const lon = pick(/^(gps[ _]?)?lon(g|gitude)?\b/i);
    if (!lat || !lon) throw new RaceError('BAD_ARGS', `session ${sessionId} has no GPS latitude/longitude channels to split with a gate`);
    const fix = pick(/^gps_update$/i);
    for (const c of [lat, lon, ...(fix ? [fix] : [])]) {
      session.channels.push({ name: c.name, sourceName: c.sourceName, unit: c.unit, rateHz: c.rateHz, startS: c.startS, samples: this.channels.read(c) });
    }
    session.gps = { lat: lat.name, lon: lon.name, fix: fix?.name };
    const split = splitLaps(session, gate, row.duration_s);
    if (!split.gate) throw new RaceError('BAD_ARGS', split.warnings.join('; ') || 'the gate found no laps');
    const kpiPlugins = this.plugins.plugins.list(row.account_id).filter((p) => p.enabled && p.manifest.interfaces.includes('kpiProcessor'));
    this.db.transaction(() => this.replaceLaps(sessionId, split, kpiPlugins, row.account_id)).immediate();
    return split.laps;
  }

  /**
   * A stored session's laps replaced (inside the caller's transaction): its KPI results go, and
   * each plugin's job for the session runs again — queued anew if it was done, failed or under
   * way (a run on the old laps stores nothing).
   */
  private replaceLaps(sessionId: string, split: ReturnType<typeof splitLaps>, kpiPlugins: InstalledPlugin[], accountId: string): void {
    this.writeLaps(sessionId, split.laps);
    this.db.prepare('UPDATE sessions SET gate = ?, lap_source = ? WHERE id = ?').run(split.gate ? JSON.stringify(split.gate) : null, split.source, sessionId);
    this.db.prepare('DELETE FROM kpi_results WHERE session_id = ?').run(sessionId);
    for (const p of kpiPlugins) this.jobs.enqueue(KPI_JOB, { sessionId, pluginId: p.id, pluginHash: p.hash } satisfies KpiJobPayload, { dedupeKey: kpiJobKey(sessionId, p), accountId, rerun: true });
  }
}
