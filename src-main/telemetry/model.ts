// What an importer produces from one logger file, before it is stored: channels on
// regular time grids, the session's metadata, and the lap information the logger itself
// wrote (which wins over anything we compute).
import type { ScaledSamples } from './scaled.ts';

export interface ImportedChannel {
  /** Unique within the session. Duplicates in the file get a suffix: "speed (gps)", "speed (obd)", or "Speed #2". */
  name: string;
  /** The name exactly as the file has it. */
  sourceName: string;
  /** As the logger wrote it, trimmed ("km/h", "rpm", "°C", "" when unitless). */
  unit: string;
  /** Sample i is at startS + i / rateHz seconds from the session start. */
  rateHz: number;
  startS: number;
  /** Scaled engineering values; NaN where the logger has no sample (never 0). */
  samples: Float64Array;
  /**
   * The same samples as the logger wrote them (integers or float32) and its scaling: `samples`
   * is then their decodeScaled (decoded on first use), and the store keeps this compact form.
   */
  scaled?: ScaledSamples;
  /** Where a column came from when the file says so ("gps", "obd", "calc"). */
  source?: string;
}

export interface SessionMetadata {
  venue: string | null;
  vehicle: string | null;
  driver: string | null;
  /** ISO-8601 of the first sample as the logger recorded it; no zone suffix when the file gives local time. */
  startedAt: string | null;
  device: string | null;
  session: string | null;
  comment: string | null;
}

/** Lap information written by the logger or lap timer itself. */
export type LoggerLaps =
  /** Lap boundary times (s from session start), as beacons/markers: boundary k closes segment k. */
  | { kind: 'markers'; times: number[]; source: string }
  /** Explicit laps with the logger's own times (e.g. TrackAddict "# Lap N: hh:mm:ss.sss"). */
  | { kind: 'laps'; laps: { number: number; startS: number; timeS: number; /** where the lap's samples end, when not startS + timeS (the crossing that closed it) */ endS?: number }[]; source: string };

/** Start/finish gate the file carries (VBO [laptiming], TrackAddict "End Point"). */
export interface GateHint {
  lat: number;
  lon: number;
  /** Degrees from north, when known. */
  headingDeg?: number;
  /** A second point of the line, when the file gives one. */
  lat2?: number;
  lon2?: number;
  source: string;
}

export interface ImportedSession {
  /** Stable format id: 'motec-ld', 'motec-csv', 'aim-csv', 'vbo', 'racechrono-csv', 'trackaddict-csv', 'racecapture-log', 'iracing-ibt'. */
  format: string;
  metadata: SessionMetadata;
  channels: ImportedChannel[];
  loggerLaps: LoggerLaps | null;
  gate: GateHint | null;
  /** Names of the channels holding GPS latitude/longitude in decimal degrees (east positive), when present. */
  gps: { lat: string; lon: string; speed?: string; heading?: string; /** channel that is 1 at real fixes (others interpolated) */ fix?: string } | null;
  /** Things a user should know that did not stop the import. */
  warnings: string[];
  /** Time spent in the pit lane, when the logger marks it (s from session start): laps through it are not timed laps. */
  pitLane?: PitInterval[];
}

export interface PitInterval {
  entryS: number;
  exitS: number;
}

export interface ImportContext {
  fileName: string;
  /** A file beside this one (e.g. the .ldx of a .ld), or null. */
  sibling(name: string): Uint8Array | null;
  /** Bytes processed so far (for progress bars). */
  progress(done: number, total: number): void;
}

export interface Importer {
  format: string;
  /** Human label: "MoTeC i2 log (.ld)". */
  label: string;
  /** Confidence 0–1 that these bytes are this format, from the content (never the extension). */
  detect(head: Uint8Array): number;
  parse(bytes: Uint8Array, ctx: ImportContext): ImportedSession;
  /**
   * The parse costs less than hashing the file (it points at the file's bytes and decodes
   * on demand): the import parses while the file is hashed off the main thread, and only
   * then asks whether it is a duplicate. Otherwise the duplicate check comes first.
   */
  cheapParse?: boolean;
}

/** A file that cannot be read: says which file, which format, and where. */
export class ImportError extends Error {
  readonly format: string;
  readonly offset?: number;
  readonly line?: number;
  constructor(format: string, message: string, where: { offset?: number; line?: number } = {}) {
    const at = where.line !== undefined ? ` (line ${where.line})` : where.offset !== undefined ? ` (byte offset ${where.offset})` : '';
    super(`${format}: ${message}${at}`);
    this.name = 'ImportError';
    this.format = format;
    this.offset = where.offset;
    this.line = where.line;
  }
}

/** The session's GPS descriptor: null unless both position channels exist; other fields only when found. */
export function gpsChannels(lat: string | undefined, lon: string | undefined, more: { speed?: string; heading?: string; fix?: string } = {}): ImportedSession['gps'] {
  if (!lat || !lon) return null;
  const gps: NonNullable<ImportedSession['gps']> = { lat, lon };
  if (more.speed) gps.speed = more.speed;
  if (more.heading) gps.heading = more.heading;
  if (more.fix) gps.fix = more.fix;
  return gps;
}

/** How many samples a channel has, without decoding its logged samples. */
export function sampleCount(c: Pick<ImportedChannel, 'samples' | 'scaled'>): number {
  return c.scaled ? c.scaled.raw.length : c.samples.length;
}

export function emptyMetadata(): SessionMetadata {
  return { venue: null, vehicle: null, driver: null, startedAt: null, device: null, session: null, comment: null };
}

/** "speed" ×3 → "speed (gps)", "speed (calc)", "speed (obd)"; without sources → "speed", "speed #2". */
export function uniqueNames<T extends { name: string; source?: string }>(items: T[]): T[] {
  const counts = new Map<string, number>();
  for (const it of items) counts.set(it.name, (counts.get(it.name) ?? 0) + 1);
  const used = new Set<string>();
  return items.map((it) => {
    let name = it.name;
    if ((counts.get(it.name) ?? 0) > 1) name = it.source ? `${it.name} (${it.source})` : it.name;
    let candidate = name;
    for (let k = 2; used.has(candidate); k++) candidate = `${name} #${k}`;
    used.add(candidate);
    return { ...it, name: candidate };
  });
}
