// RaceCapture/Pro log (.log, CSV). See shared/research/telemetry-formats.md §5.
//
//   "Interval"|"ms"|0|0|1,"Utc"|"ms"|0|0|1,"Battery"|"Volts"|0.0|50.0|1,"AccelX"|"G"|-2.0|2.0|25,…
//   1166042,1429743708106,14.2,-0.25,…          ← one row per tick; empty cell = no sample this tick
//   1166082,1429743708146,,-0.22,…,,,,
//
// Decisions:
// - Every channel is stored on ONE grid at the fastest header rate (25 Hz for sonoma.log), starting at
//   the first row: session time = (Interval − first Interval) / 1000 and a row lands on grid index
//   round(time × rate). Cells that are empty stay NaN (a 1 Hz channel is NaN between its samples, never
//   0 or held). Rows of slower channels that fall between two ticks (10 Hz at 100 ms on a 40 ms grid)
//   move to the nearest tick (≤ half a tick); when clock jitter puts two samples of one channel on
//   the same tick, the second goes to the free neighbouring tick on its side, else it is dropped (warned).
//   Interval and Utc (on every row) keep the first row of each tick.
// - Laps: LapCount increments give the crossing times (the row's own Interval, not the grid). LapTime
//   is in MINUTES whatever the header says; when every increment has a LapTime and each lap time agrees
//   with the time between increments (≤ max(1 s, 2 %)), loggerLaps = { kind: 'laps' } with
//   number = the new LapCount, from the previous crossing (the first from crossing − LapTime) to
//   its own crossing, timeS = LapTime × 60: windows that tile the session. Otherwise the
//   increments are returned as { kind: 'markers' } with a warning.
// - Utc (epoch ms) of the first row → startedAt (UTC).

import {
  ImportError,
  emptyMetadata,
  gpsChannels,
  uniqueNames,
  type ImportContext,
  type ImportedChannel,
  type ImportedSession,
  type Importer,
  type LoggerLaps,
} from '../model.ts';
import { splitLines } from '../text.ts';
import { checkGridSize, compactRows, headText, isoFromEpochSeconds, largestStepRow, monotonicRows, readNumericCells, textParser } from './grid.ts';

const FORMAT = 'racecapture-log';

/** Fields split on `sep` outside double quotes (quotes kept). */
function splitOutsideQuotes(s: string, sep: string): string[] | null {
  const out: string[] = [];
  let inQ = false;
  let start = 0;
  for (let k = 0; k < s.length; k++) {
    const ch = s[k];
    if (ch === '"') inQ = !inQ;
    else if (ch === sep && !inQ) {
      out.push(s.slice(start, k));
      start = k + 1;
    }
  }
  if (inQ) return null;
  out.push(s.slice(start));
  return out;
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1).replace(/""/g, '"');
  return t;
}

export interface RaceCaptureHeaderCell {
  name: string;
  units: string;
  min: number;
  max: number;
  rateHz: number;
}

/** The header line's cells, or an ImportError naming line 1 and the column. */
export function parseRaceCaptureHeader(line: string): RaceCaptureHeaderCell[] {
  const cells = splitOutsideQuotes(line, ',');
  if (!cells) throw new ImportError(FORMAT, 'unterminated quote in the header', { line: 1 });
  while (cells.length && cells[cells.length - 1]!.trim() === '') cells.pop();
  return cells.map((cell, k) => {
    const parts = splitOutsideQuotes(cell, '|');
    if (!parts || parts.length < 5) throw new ImportError(FORMAT, `header column ${k + 1} is not "Name"|"Units"|min|max|rate`, { line: 1 });
    const rate = Number(parts[4]!.trim());
    if (!(rate > 0 && rate <= 10_000)) throw new ImportError(FORMAT, `header column ${k + 1} has no valid sample rate`, { line: 1 });
    return {
      name: unquote(parts[0]!),
      units: unquote(parts[1]!),
      min: Number(parts[2]!.trim()),
      max: Number(parts[3]!.trim()),
      rateHz: rate,
    };
  });
}

function detect(head: Uint8Array): number {
  const text = headText(head, 4096);
  const first = splitLines(text.slice(0, 4096))[0] ?? '';
  if (/^"Interval"\|"ms"\|/.test(first)) return 0.99;
  if (/^"[^"]*"\|"[^"]*"\|-?[\d.]*\|-?[\d.]*\|\d+(,|$)/.test(first)) return 0.9;
  return 0;
}

const parse = textParser(FORMAT, parseInner);

function parseInner(lines: string[], ctx: ImportContext, at: { line: number }, total: number): ImportedSession {
  const metadata = emptyMetadata();
  const warnings: string[] = [];
  at.line = 1;
  if (!lines.length || (lines[0] ?? '').trim() === '') throw new ImportError(FORMAT, 'empty file or empty header line', { line: 1 });
  const header = parseRaceCaptureHeader(lines[0] ?? '');
  const ncol = header.length;
  const intervalCol = header.findIndex((h) => /^interval$/i.test(h.name));
  if (intervalCol < 0) throw new ImportError(FORMAT, 'no "Interval" channel in the header', { line: 1 });
  const utcCol = header.findIndex((h) => /^utc$/i.test(h.name));
  const rateHz = Math.max(...header.map((h) => h.rateHz));

  // --- rows -----------------------------------------------------------------------------------
  const maxRows = lines.length;
  const cols: Float64Array[] = [];
  for (let c = 0; c < ncol; c++) cols.push(new Float64Array(maxRows));
  const rowT = new Float64Array(maxRows);
  const rowLine = new Int32Array(maxRows);
  let n = 0;
  let i0 = NaN;
  let skipped = 0;
  let firstSkip = 0;
  let lastCells = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    at.line = i + 1;
    if ((i & 8191) === 0) ctx.progress(Math.floor((i / lines.length) * total), total);
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const ic = cells[intervalCol];
    const iv = ic === undefined || ic.trim() === '' ? NaN : Number(ic);
    if (Number.isNaN(i0) && Number.isFinite(iv)) i0 = iv;
    const t = (iv - i0) / 1000;
    if (!Number.isFinite(t)) {
      skipped++;
      firstSkip ||= i + 1;
      continue;
    }
    rowT[n] = t;
    rowLine[n] = i + 1;
    lastCells = cells.length;
    readNumericCells(cells, ncol, cols as Float64Array[], n);
    n++;
  }
  if (n === 0) throw new ImportError(FORMAT, 'no data rows with an Interval', { line: Math.min(2, lines.length) });
  if (n > 1 && lastCells < ncol) {
    n--;
    warnings.push(`The last row (line ${rowLine[n]}) is incomplete and was dropped (truncated file?).`);
  }
  if (skipped) warnings.push(`${skipped} row(s) without a readable Interval were skipped (first at line ${firstSkip}).`);
  const mono = monotonicRows(rowT, n);
  if (mono.dropped) {
    warnings.push(`${mono.dropped} row(s) out of time order were dropped (first at line ${rowLine[mono.firstDropped]}).`);
    compactRows(mono.keep, mono.count, [rowT, rowLine, ...cols]);
    n = mono.count;
  }
  // session time 0 = the first kept row
  const shift = rowT[0] as number;
  if (shift !== 0) for (let k = 0; k < n; k++) rowT[k] = (rowT[k] as number) - shift;

  if (utcCol >= 0) {
    const u = cols[utcCol] as Float64Array;
    for (let k = 0; k < n; k++) {
      const v = u[k] as number;
      if (Number.isFinite(v) && v > 0) {
        // the Utc of the first row, back-dated when the first valid Utc comes later
        metadata.startedAt = isoFromEpochSeconds(v / 1000 - (rowT[k] as number));
        break;
      }
    }
  }

  // --- grid -----------------------------------------------------------------------------------
  const count = Math.round((rowT[n - 1] as number) * rateHz) + 1;
  checkGridSize(FORMAT, count, n, rowLine[largestStepRow(rowT, n)] as number, 'the data');
  const idx = new Int32Array(n);
  for (let k = 0; k < n; k++) idx[k] = Math.round((rowT[k] as number) * rateHz);
  let collisions = 0;
  const pre: (Omit<ImportedChannel, 'name'> & { name: string })[] = [];
  for (let c = 0; c < ncol; c++) {
    const h = header[c] as RaceCaptureHeaderCell;
    const col = cols[c] as Float64Array;
    const samples = new Float64Array(count).fill(NaN);
    // Interval and Utc are on every row (the row clock): keeping one per tick is all that can be kept.
    const rowClock = c === intervalCol || c === utcCol;
    for (let k = 0; k < n; k++) {
      const v = col[k] as number;
      if (Number.isNaN(v)) continue;
      const j = idx[k] as number;
      if (Number.isNaN(samples[j] as number)) samples[j] = v;
      else if (!rowClock) {
        // clock jitter put two samples of this channel on one tick: use the free neighbour on the
        // side the sample leans to, else drop it
        const side = (rowT[k] as number) * rateHz >= j ? j + 1 : j - 1;
        if (side >= 0 && side < count && Number.isNaN(samples[side] as number)) samples[side] = v;
        else collisions++;
      }
    }
    let unit = h.units;
    if (/^(lap|pred|elapsed)time$/i.test(h.name) && /^s(ec(ond)?s?)?$/i.test(unit.trim())) {
      warnings.push(`${h.name} is labelled "${unit}" but RaceCapture writes minutes: unit set to "min".`);
      unit = 'min';
    }
    pre.push({ name: h.name || `Column ${c + 1}`, sourceName: h.name, unit, rateHz, startS: 0, samples });
  }
  if (collisions) warnings.push(`${collisions} sample(s) fell on an already used ${rateHz} Hz tick and were dropped.`);
  const channels: ImportedChannel[] = uniqueNames(pre);

  // --- laps -----------------------------------------------------------------------------------
  let loggerLaps: LoggerLaps | null = null;
  const lcCol = header.findIndex((h) => /^lapcount$/i.test(h.name));
  const ltCol = header.findIndex((h) => /^laptime$/i.test(h.name));
  if (lcCol >= 0) {
    const lc = cols[lcCol] as Float64Array;
    const lt = ltCol >= 0 ? (cols[ltCol] as Float64Array) : null;
    const inc: { t: number; count: number; lapS: number; step: number }[] = [];
    let prev = NaN;
    let resets = 0;
    for (let k = 0; k < n; k++) {
      const v = lc[k] as number;
      if (Number.isNaN(v)) continue;
      if (!Number.isNaN(prev) && v > prev) {
        let lapS = NaN;
        if (lt) {
          // LapTime on the same row, else the next LapTime sample within 1 s
          for (let q = k; q < n && (rowT[q] as number) - (rowT[k] as number) <= 1; q++) {
            const x = lt[q] as number;
            if (!Number.isNaN(x)) {
              lapS = x * 60;
              break;
            }
          }
        }
        inc.push({ t: rowT[k] as number, count: v, lapS, step: v - prev });
      } else if (!Number.isNaN(prev) && v < prev) resets++;
      prev = v;
    }
    if (resets) warnings.push(`LapCount goes back ${resets} time(s).`);
    if (inc.length) {
      let consistent = inc.every((x) => x.lapS > 0 && x.step === 1 && Number.isInteger(x.count));
      for (let k = 1; consistent && k < inc.length; k++) {
        const a = inc[k - 1]!;
        const b = inc[k]!;
        const between = b.t - a.t;
        if (Math.abs(between - b.lapS) > Math.max(1, 0.02 * b.lapS)) consistent = false;
      }
      if (consistent) {
        loggerLaps = {
          kind: 'laps',
          // each lap from the crossing before it to its own (the first from its own time back),
          // so that every sample belongs to one lap; the time is the logger's
          laps: inc.map((x, k) => ({
            number: x.count,
            startS: Math.round((k ? inc[k - 1]!.t : x.t - x.lapS) * 1e6) / 1e6,
            endS: x.t,
            timeS: Math.round(x.lapS * 1e6) / 1e6,
          })),
          source: 'racecapture LapCount/LapTime',
        };
      } else {
        loggerLaps = { kind: 'markers', times: inc.map((x) => x.t), source: 'racecapture LapCount' };
        warnings.push('LapTime does not match the time between LapCount increments: laps are the increments only.');
      }
    }
  }

  // --- GPS ------------------------------------------------------------------------------------
  const pick = (re: RegExp) => channels.find((ch) => re.test(ch.sourceName))?.name;
  const gps = gpsChannels(pick(/^lat(itude)?$/i), pick(/^lon(g|gitude)?$/i), { speed: pick(/^(gps)?speed$/i), heading: pick(/^(heading|course)$/i) });

  ctx.progress(total, total);
  return { format: FORMAT, metadata, channels, loggerLaps, gate: null, gps, warnings };
}

export const raceCaptureLogImporter: Importer = {
  format: FORMAT,
  label: 'RaceCapture/Pro log',
  detect,
  parse,
};
