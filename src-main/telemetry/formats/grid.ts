// Shared by the text importers (aim-csv, racechrono-csv, trackaddict-csv, racecapture-log):
// rows of numeric cells → channels on regular time grids, with the guards every CSV-like log
// needs (time order, grid size, errors that name the line).
import { ImportError, type ImportContext, type ImportedSession } from '../model.ts';
import { cutLastLine, decodeText, splitCsvLine, splitLines } from '../text.ts';


export interface Grid {
  startS: number;
  rateHz: number;
  count: number;
}

export type ResampleMode = 'linear' | 'hold' | 'angle';

/** Samples on a grid from startS to endS inclusive (float noise tolerated). */
export function gridCount(startS: number, endS: number, rateHz: number): number {
  if (!(endS >= startS) || !(rateHz > 0)) return 0;
  return Math.floor((endS - startS) * rateHz + 1e-6) + 1;
}

/**
 * Values of the series (t[k], v[k]) — t non-decreasing, v finite — at startS + i / rateHz.
 * 'linear' interpolates, 'hold' keeps the previous sample (lap numbers, flags), 'angle' interpolates
 * on the shortest arc (headings in degrees). NaN before the first and after the last sample, and
 * between two samples further apart than maxGapS. With duplicate times the last sample wins.
 */
export function resampleToGrid(
  t: ArrayLike<number>,
  v: ArrayLike<number>,
  n: number,
  grid: Grid,
  maxGapS: number,
  mode: ResampleMode = 'linear',
): Float64Array {
  const out = new Float64Array(grid.count).fill(NaN);
  if (n <= 0 || grid.count <= 0) return out;
  const eps = 1e-9;
  const first = t[0] as number;
  const last = t[n - 1] as number;
  let j = 0;
  for (let i = 0; i < grid.count; i++) {
    const g = grid.startS + i / grid.rateHz;
    if (g < first - eps) continue;
    if (g > last + eps) break;
    while (j + 1 < n && (t[j + 1] as number) <= g + eps) j++;
    const tj = t[j] as number;
    const vj = v[j] as number;
    if (j + 1 >= n || Math.abs(g - tj) <= eps) {
      out[i] = vj;
      continue;
    }
    const t1 = t[j + 1] as number;
    if (t1 - tj > maxGapS) continue;
    if (mode === 'hold') {
      out[i] = vj;
      continue;
    }
    const v1 = v[j + 1] as number;
    const w = (g - tj) / (t1 - tj);
    if (mode === 'angle') {
      const d = ((((v1 - vj) % 360) + 540) % 360) - 180;
      let a = vj + w * d;
      if (a < 0) a += 360;
      else if (a >= 360) a -= 360;
      out[i] = a;
    } else out[i] = vj + w * (v1 - vj);
  }
  return out;
}

/** Median of the positive differences of a non-decreasing series; NaN when there are none. */
export function medianPositiveStep(t: ArrayLike<number>, n: number): number {
  const d: number[] = [];
  for (let k = 1; k < n; k++) {
    const x = (t[k] as number) - (t[k - 1] as number);
    if (x > 1e-9) d.push(x);
  }
  if (!d.length) return NaN;
  d.sort((a, b) => a - b);
  return d[(d.length - 1) >> 1] as number;
}

/** 1 / period, snapped to a whole number of Hz when within 0.5 % (timestamp rounding noise). */
export function rateFromPeriod(periodS: number): number {
  if (!(periodS > 0) || !Number.isFinite(periodS)) return NaN;
  const r = 1 / periodS;
  const whole = Math.round(r);
  if (whole >= 1 && Math.abs(r - whole) <= 0.005 * r) return whole;
  return Math.round(r * 1e6) / 1e6;
}

/**
 * The rows to keep so that time never goes back. A row going back is dropped — unless the row before
 * it was a single wild jump forward (a corrupted time), in which case that row is dropped instead. A
 * first or last row further than `jump` from the rest is dropped too. jump = max(60 s, 1000 steps).
 * `keep` lists the kept row indices (increasing); `firstDropped` is −1 when nothing was dropped.
 */
export function monotonicRows(t: ArrayLike<number>, n: number): { keep: Int32Array; count: number; dropped: number; firstDropped: number } {
  const step = medianPositiveStep(t, n);
  const jump = Math.max(60, 1000 * (step > 0 ? step : 1));
  const keep = new Int32Array(n);
  let m = 0;
  let dropped = 0;
  let firstDropped = -1;
  const drop = (k: number) => {
    dropped++;
    if (firstDropped < 0 || k < firstDropped) firstDropped = k;
  };
  for (let k = 0; k < n; k++) {
    const tk = t[k] as number;
    if (m === 0) {
      keep[m++] = k;
      continue;
    }
    const last = t[keep[m - 1] as number] as number;
    if (tk >= last - 1e-6) {
      keep[m++] = k;
      continue;
    }
    const prev = m >= 2 ? (t[keep[m - 2] as number] as number) : -Infinity;
    if (last - tk > jump && (m === 1 || (last - prev > jump && tk >= prev - 1e-6))) {
      drop(keep[m - 1] as number);
      keep[m - 1] = k;
      continue;
    }
    drop(k);
  }
  if (m >= 3 && (t[keep[m - 1] as number] as number) - (t[keep[m - 2] as number] as number) > jump) {
    drop(keep[m - 1] as number);
    m--;
  }
  if (m >= 3 && (t[keep[1] as number] as number) - (t[keep[0] as number] as number) > jump) {
    drop(keep[0] as number);
    keep.copyWithin(0, 1, m);
    m--;
  }
  return { keep, count: m, dropped, firstDropped };
}

/** Moves the kept rows (increasing indices) to the front of every array, in place. */
export function compactRows(keep: Int32Array, count: number, arrays: (Float64Array | Int32Array)[]): void {
  for (const a of arrays) for (let j = 0; j < count; j++) a[j] = a[keep[j] as number] as number;
}

/** Index of the row that follows the largest time step (where a corrupted time shows). */
export function largestStepRow(t: ArrayLike<number>, n: number): number {
  let best = 0;
  let bestD = -Infinity;
  for (let k = 1; k < n; k++) {
    const d = (t[k] as number) - (t[k - 1] as number);
    if (d > bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

/**
 * Refuses grids far larger than the rows they come from (a corrupted or jumping time column would
 * otherwise allocate gigabytes): at most 50 grid samples per row plus 20,000.
 */
export function checkGridSize(format: string, count: number, rows: number, line: number, what: string): void {
  const limit = 50 * rows + 20_000;
  if (!(count <= limit)) {
    throw new ImportError(format, `${what} spans ${count} samples for ${rows} rows — the time column jumps (corrupted file?)`, { line });
  }
}

/** ISO-8601 UTC of epoch seconds, or null when implausible. */
export function isoFromEpochSeconds(s: number): string | null {
  if (!Number.isFinite(s) || s < 1e8 || s > 1e10) return null;
  return new Date(Math.round(s * 1000)).toISOString();
}

/** Runs fn, turning anything that is not an ImportError into one that names the line being read. */
export function guarded<T>(format: string, at: { line: number }, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ImportError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new ImportError(format, `internal error while reading: ${msg}`, { line: Math.max(1, at.line) });
  }
}

/** The fields of a CSV line, with splitCsvLine's errors turned into ImportErrors naming the line. */
export function csvCells(format: string, line: string, lineNo: number, sep = ','): string[] {
  try {
    return splitCsvLine(line, sep);
  } catch (e) {
    throw new ImportError(format, `malformed CSV: ${e instanceof Error ? e.message : String(e)}`, { line: lineNo });
  }
}

/** The fields of a data line, or null when it is not valid CSV (the caller skips and counts it). */
export function csvCellsOrNull(line: string, sep = ','): string[] | null {
  try {
    return splitCsvLine(line, sep);
  } catch {
    return null;
  }
}

/**
 * Decoded start of a file for detect(): Latin-1 is enough and never fails on a cut character.
 * (Node's own Latin-1, not TextDecoder's windows-1252: that one costs ~10 µs a call however
 * short the head, and detection asks every text importer.)
 */
export function headText(head: Uint8Array, max = 8192): string {
  const part = head.subarray(0, max);
  const s = Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('latin1');
  return s.startsWith('ï»¿') ? s.slice(3) : s;
}

/**
 * Seconds since an epoch, split in whole seconds and fraction so that differences keep millisecond
 * precision ("1767150797.44" − "1767150797.421" is exact, unlike the subtraction of two doubles).
 */
export function splitSeconds(cell: string | undefined): { whole: number; frac: number } | null {
  if (cell === undefined) return null;
  const m = /^\s*(-?)(\d+)(?:\.(\d*))?\s*$/.exec(cell);
  if (m) {
    const sign = m[1] === '-' ? -1 : 1;
    const whole = Number(m[2]);
    const frac = m[3] ? Number(`0.${m[3]}`) : 0;
    return { whole: sign * whole, frac: sign * frac };
  }
  const t = cell.trim();
  if (t === '') return null;
  const x = Number(t);
  if (!Number.isFinite(x)) return null;
  const whole = Math.trunc(x);
  return { whole, frac: x - whole };
}

/**
 * Row r's numeric cells into the column arrays at index n: a number, or NaN where the cell is
 * blank or not a number (a missing sample, never 0).
 */
export function readNumericCells(cells: string[], ncol: number, cols: Float64Array[], n: number): void {
  for (let c = 0; c < ncol; c++) {
    const cell = cells[c];
    let v = NaN;
    if (cell !== undefined && cell !== '') {
      const x = Number(cell);
      if (Number.isFinite(x) && cell.trim() !== '') v = x;
    }
    cols[c]![n] = v;
  }
}

/**
 * A text importer's parse(): decodes and splits the file, reports progress from 0, and turns
 * any unexpected exception into an ImportError naming the line being read (`at.line`).
 */
export function textParser(
  format: string,
  inner: (lines: string[], ctx: ImportContext, at: { line: number }, total: number) => ImportedSession,
): (bytes: Uint8Array, ctx: ImportContext) => ImportedSession {
  return (bytes, ctx) => {
    const at = { line: 0 };
    return guarded(format, at, () => {
      ctx.progress(0, bytes.length);
      return inner(textLines(format, bytes), ctx, at, bytes.length);
    });
  };
}

/**
 * A text log's lines, decoded; a file that ends inside a row is truncated: an ImportError
 * naming that line, not a short last row.
 */
export function textLines(format: string, bytes: Uint8Array): string[] {
  const text = decodeText(bytes);
  const lines = splitLines(text);
  const cut = cutLastLine(text, lines);
  if (cut) throw new ImportError(format, `the file ends inside line ${cut.line}, after ${cut.fields} of the ${cut.expected} fields the line before has (truncated?)`, { line: cut.line });
  return lines;
}
