// AiM CSV export from Race Studio 2 ("AIM CSV File") and Race Studio 3 ("AiM CSV File").
// See shared/research/telemetry-formats.md §4.
//
//   "Format","AiM CSV File"                       ← separator sniffed from this line (',' ';' tab)
//   "Session"|"Venue","…"  "Vehicle","…"  "Racer"|"User","…"  "Comment","…"  "Data Source","…"
//   "Date","Tuesday, December 16, 2025" | "01/11/07"      "Time","11:49 AM" | "17:27:21"
//   "Sample Rate","20"   "Duration","1135"   "Segment","Session"
//   "Beacon Markers","145.982","266.988",…  (RS3)  |  "Beacon Markers","156.036, 274.506, …" (RS2)
//   "Segment Times","2:25.982",…
//   <blank>
//   "Time","GPS Speed",…            ← channel names (RS2: this row twice; header rows may end with ',')
//   "s","km/h",…                    ← units (" " = unitless; RS2 is Latin-1: "°C")
//   "","","1","2",…                 ← RS2 only: channel numbers
//   <blank>
//   "0.000","10.5805",…             ← data, one row per 1 / Sample Rate (RS3 quoted, RS2 not)
//
// Decisions:
// - Every column is a channel, Time included (as written: in an RS2 lap-by-lap export it is the time
//   within the segment). " dup 1" suffixes are names like any other, so they stay distinct.
// - RS2 lap-by-lap exports restart Time (and Distance) at 0 at every beacon: the session time of a row
//   is the beacon marker that opened its segment plus its Time (rebuildSessionTime). Without enough
//   markers, the previous segment's end is used instead (with a warning).
// - All channels are resampled (linearly) on one regular grid at Sample Rate from the first row's
//   session time; rows already on that grid are kept exactly.
// - The decimal mark follows the locale: ',' when the field separator is ';' and Duration (or the first
//   data row) uses a comma.
// - Dates "01/11/07" are ambiguous: read day-first (AiM's European default) unless one field is > 12;
//   a warning says so.

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
import { splitCsvLine, splitLines } from '../text.ts';
import {
  checkGridSize,
  csvCells,
  csvCellsOrNull,
  gridCount,
  headText,
  largestStepRow,
  medianPositiveStep,
  monotonicRows,
  rateFromPeriod,
  resampleToGrid,
  type Grid, textParser } from './grid.ts';

const FORMAT = 'aim-csv';

const SEPARATORS = [',', ';', '\t'] as const;

function sniffSeparator(firstLine: string): string | null {
  for (const sep of SEPARATORS) {
    let cells: string[];
    try {
      cells = splitCsvLine(firstLine, sep);
    } catch {
      continue;
    }
    if ((cells[0] ?? '').trim() === 'Format' && /^ai?m csv file$/i.test((cells[1] ?? '').trim())) return sep;
  }
  return null;
}

function detect(head: Uint8Array): number {
  const text = headText(head, 4096);
  const first = splitLines(text.slice(0, 400))[0] ?? '';
  return sniffSeparator(first) ? 0.99 : 0;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

function monthIndex(name: string): number {
  const n = name.toLowerCase();
  if (n.length < 3) return -1;
  return MONTHS.findIndex((m) => m.startsWith(n) || n.startsWith(m));
}

function pad(x: number, w = 2): string {
  return String(x).padStart(w, '0');
}

/** "Tuesday, December 16, 2025" / "16 December 2025" / "01/11/07" / "2025-12-16" + "11:49 AM" / "17:27:21" → local ISO. */
export function aimDateTime(date: string, time: string, warnings: string[]): string | null {
  let y = NaN;
  let mo = NaN;
  let d = NaN;
  const ds = date.trim();
  let m: RegExpExecArray | null;
  if ((m = /([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})/.exec(ds))) {
    mo = monthIndex(m[1] as string) + 1;
    d = Number(m[2]);
    y = Number(m[3]);
  } else if ((m = /(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+),?\s+(\d{4})/.exec(ds))) {
    d = Number(m[1]);
    mo = monthIndex(m[2] as string) + 1;
    y = Number(m[3]);
  } else if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(ds))) {
    y = Number(m[1]);
    mo = Number(m[2]);
    d = Number(m[3]);
  } else if ((m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$/.exec(ds))) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    y = Number(m[3]);
    if (m[3]!.length === 2) y += y < 70 ? 2000 : 1900;
    if (a > 12) {
      d = a;
      mo = b;
    } else if (b > 12) {
      mo = a;
      d = b;
    } else {
      d = a;
      mo = b;
      if (a !== b) warnings.push(`Date "${ds}" is ambiguous: read as day/month/year.`);
    }
  }
  if (!(y >= 1900 && y <= 2200 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31)) return null;
  let hh = 0;
  let mi = 0;
  let ss = 0;
  let frac = '';
  const tm = /^(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,](\d+))?)?\s*([AaPp]\.?[Mm]\.?)?$/.exec(time.trim());
  if (tm) {
    hh = Number(tm[1]);
    mi = Number(tm[2]);
    ss = tm[3] ? Number(tm[3]) : 0;
    frac = tm[4] ? `.${tm[4]}` : '';
    const ap = tm[5]?.toLowerCase()[0];
    if (ap === 'p' && hh < 12) hh += 12;
    if (ap === 'a' && hh === 12) hh = 0;
    if (hh > 23 || mi > 59 || ss > 60) {
      hh = 0;
      mi = 0;
      ss = 0;
      frac = '';
    }
  }
  return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(hh)}:${pad(mi)}:${pad(ss)}${frac}`;
}

function num(cell: string | undefined, decimalComma: boolean): number {
  if (cell === undefined) return NaN;
  let t = cell.trim();
  if (t === '') return NaN;
  if (decimalComma) t = t.replace(',', '.');
  const v = Number(t);
  return Number.isFinite(v) ? v : NaN;
}

/**
 * Session time of each row from the Time column: Time restarting (going back to ≤ 1 s) starts a new segment,
 * whose offset is the beacon marker that closed the previous segment (or, without markers, the
 * previous segment's last time). Returns the times and the number of segments.
 */
export function rebuildSessionTime(
  time: ArrayLike<number>,
  n: number,
  markers: number[],
  warnings: string[],
): { session: Float64Array; segments: number } {
  const session = new Float64Array(n);
  let seg = 0;
  let offset = 0;
  let fallbacks = 0;
  let mismatches = 0;
  for (let k = 0; k < n; k++) {
    const t = time[k] as number;
    // a restart goes back to ≈ 0; any other step back is a corrupted row, left to the caller
    if (k > 0 && t < (time[k - 1] as number) - 1e-6 && t <= 1) {
      const prevEnd = offset + (time[k - 1] as number);
      seg++;
      const marker = markers[seg - 1];
      if (marker !== undefined && marker >= offset) {
        if (Math.abs(marker - prevEnd) > 0.5) mismatches++;
        offset = marker;
      } else {
        fallbacks++;
        offset = prevEnd;
      }
    }
    session[k] = offset + t;
  }
  if (fallbacks) warnings.push(`Time restarts ${fallbacks} time(s) without a matching beacon marker: segments were joined end to start.`);
  if (mismatches) warnings.push(`${mismatches} segment(s) do not end at their beacon marker (> 0.5 s apart).`);
  return { session, segments: seg + 1 };
}

const parse = textParser(FORMAT, parseInner);

const MULTI_KEYS = new Set(['beacon markers', 'segment times']);

function parseInner(lines: string[], ctx: ImportContext, at: { line: number }, total: number): ImportedSession {
  at.line = 1;
  const sep = sniffSeparator(lines[0] ?? '');
  if (!sep) throw new ImportError(FORMAT, 'first line is not "Format","AiM CSV File"', { line: 1 });
  const metadata = emptyMetadata();
  const warnings: string[] = [];
  const kv = new Map<string, { cells: string[]; line: number }>();

  // --- metadata block -----------------------------------------------------------------------
  let i = 1;
  for (; i < lines.length; i++) {
    at.line = i + 1;
    const line = lines[i] ?? '';
    if (line.trim() === '') {
      i++;
      break;
    }
    const cells = csvCells(FORMAT, line, i + 1, sep);
    while (cells.length > 1 && (cells[cells.length - 1] ?? '').trim() === '') cells.pop();
    const key = (cells[0] ?? '').trim().toLowerCase();
    // No blank line before the names row: a row with ≥ 3 cells that is not a multi-value key.
    if (cells.length > 2 && !MULTI_KEYS.has(key)) break;
    if (!kv.has(key)) kv.set(key, { cells: cells.slice(1), line: i + 1 });
  }
  while (i < lines.length && (lines[i] ?? '').trim() === '') i++;
  if (i >= lines.length) throw new ImportError(FORMAT, 'no channel-name row after the header', { line: Math.max(1, lines.length) });

  const val = (key: string): string | null => {
    const v = kv.get(key)?.cells[0]?.trim();
    return v ? v : null;
  };
  const duration = val('duration');
  const decimalComma = sep !== ',' && (/^\s*-?\d+,\d+\s*$/.test(duration ?? '') || false);

  metadata.venue = val('venue') ?? val('session') ?? val('track');
  metadata.session = val('session') ?? val('segment');
  metadata.vehicle = val('vehicle');
  metadata.driver = val('racer') ?? val('user') ?? val('driver');
  metadata.device = val('data source');
  const comment = [val('comment'), val('championship')].filter((x): x is string => !!x);
  metadata.comment = comment.length ? comment.join(' — ') : null;
  const date = val('date');
  if (date) metadata.startedAt = aimDateTime(date, val('time') ?? '', warnings);

  // Beacon markers: one per cell (RS3) or all in one cell (RS2 "156.036, 274.506, …").
  const markers: number[] = [];
  const bm = kv.get('beacon markers');
  if (bm) {
    let bad = 0;
    for (const cell of bm.cells) {
      const parts = cell.split(decimalComma ? /[\s;]+/ : /[\s,;]+/).filter((p) => p !== '');
      for (const p of parts) {
        const v = num(p, decimalComma);
        if (Number.isFinite(v) && v >= 0 && (markers.length === 0 || v > (markers[markers.length - 1] as number))) markers.push(v);
        else bad++;
      }
    }
    if (bad) warnings.push(`${bad} unreadable or out-of-order beacon marker(s) ignored (line ${bm.line}).`);
  }

  // --- names, units, channel numbers --------------------------------------------------------
  at.line = i + 1;
  const namesLineNo = i + 1;
  const names = csvCells(FORMAT, lines[i] ?? '', i + 1, sep).map((s) => s.trim());
  while (names.length && names[names.length - 1] === '') names.pop();
  const ncol = names.length;
  if (ncol < 1) throw new ImportError(FORMAT, 'empty channel-name row', { line: namesLineNo });
  i++;
  let units: string[] = [];
  let sawUnits = false;
  for (let guard = 0; guard < 4 && i < lines.length; guard++) {
    const line = lines[i] ?? '';
    at.line = i + 1;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const cells = csvCells(FORMAT, line, i + 1, sep);
    const c0 = (cells[0] ?? '').trim();
    if (Number.isFinite(num(c0, decimalComma))) break; // data
    const same = cells.length >= ncol && names.every((nm, k) => (cells[k] ?? '').trim() === nm);
    if (same && !sawUnits) {
      i++; // RS2 repeats the names row
      continue;
    }
    if (c0 === '' && cells.slice(1).some((c) => /^\s*\d+\s*$/.test(c)) && cells.every((c) => /^\s*\d*\s*$/.test(c))) {
      i++; // RS2 channel-number row
      continue;
    }
    if (!sawUnits) {
      units = cells;
      sawUnits = true;
      i++;
      continue;
    }
    break;
  }
  if (!sawUnits) warnings.push('No units row.');

  // --- data ---------------------------------------------------------------------------------
  let timeCol = names.findIndex((s) => /^time$/i.test(s));
  if (timeCol < 0) {
    timeCol = 0;
    warnings.push(`No "Time" column: the first column ("${names[0]}") is used as time.`);
  }
  const maxRows = Math.max(0, lines.length - i);
  const rowLine = new Int32Array(maxRows);
  const cols: Float64Array[] = [];
  for (let c = 0; c < ncol; c++) cols.push(new Float64Array(maxRows));
  let n = 0;
  let skipped = 0;
  let firstSkip = 0;
  let lastCells = 0;
  let decimalDecided = sep === ',' || decimalComma;
  let dc = decimalComma;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    at.line = i + 1;
    if ((i & 8191) === 0) ctx.progress(Math.floor((i / lines.length) * total), total);
    if (line.trim() === '') continue;
    const cells = csvCellsOrNull(line, sep);
    if (!cells) {
      skipped++;
      firstSkip ||= i + 1;
      continue;
    }
    if (!decimalDecided) {
      dc = cells.some((c) => /^\s*-?\d+,\d+\s*$/.test(c));
      decimalDecided = true;
    }
    const t = num(cells[timeCol], dc);
    if (!Number.isFinite(t)) {
      skipped++;
      firstSkip ||= i + 1;
      continue;
    }
    rowLine[n] = i + 1;
    lastCells = cells.length;
    for (let c = 0; c < ncol; c++) (cols[c] as Float64Array)[n] = num(cells[c], dc);
    n++;
  }
  if (n === 0) throw new ImportError(FORMAT, 'no data rows after the channel-name row', { line: namesLineNo });
  if (n > 1 && lastCells < ncol) {
    n--;
    warnings.push(`The last row (line ${rowLine[n]}) is incomplete and was dropped (truncated file?).`);
  }
  if (skipped) warnings.push(`${skipped} unreadable row(s) or row(s) without a time were skipped (first at line ${firstSkip}).`);

  const timeRaw = cols[timeCol] as Float64Array;
  const { session, segments } = rebuildSessionTime(timeRaw, n, markers, warnings);
  // After rebuilding, session time must not go back; rows that still do (corrupted) are dropped.
  const mono = monotonicRows(session, n);
  const keep = mono.count;
  const order = mono.keep;
  if (mono.dropped) warnings.push(`${mono.dropped} row(s) out of time order were dropped (first at line ${rowLine[mono.firstDropped]}).`);
  if (segments > 1) warnings.push(`Time restarts at every beacon (${segments} segments): session time rebuilt from the beacon markers.`);

  // rate
  const sessT = new Float64Array(keep);
  for (let k = 0; k < keep; k++) sessT[k] = session[order[k] as number] as number;
  let rateHz = num(val('sample rate') ?? undefined, decimalComma);
  const rowRate = rateFromPeriod(medianPositiveStep(sessT, keep));
  if (!(rateHz > 0 && rateHz <= 100_000)) {
    rateHz = rowRate > 0 ? rowRate : 1;
    warnings.push(`No usable "Sample Rate": ${rateHz} Hz from the Time column.`);
  } else if (rowRate > 0 && Math.abs(rowRate / rateHz - 1) > 0.05) {
    warnings.push(`"Sample Rate" says ${rateHz} Hz but the rows are ${rowRate} Hz apart: resampled to ${rateHz} Hz.`);
  }
  const startS = sessT[0] as number;
  const count = gridCount(startS, sessT[keep - 1] as number, rateHz);
  checkGridSize(FORMAT, count, keep, rowLine[order[largestStepRow(sessT, keep)] as number] as number, 'the data');
  const grid: Grid = { startS, rateHz, count };
  const maxGap = 5 / rateHz + 1e-9;

  const gt = new Float64Array(keep);
  const gv = new Float64Array(keep);
  const pre: (Omit<ImportedChannel, 'name'> & { name: string })[] = [];
  for (let c = 0; c < ncol; c++) {
    const col = cols[c] as Float64Array;
    let m = 0;
    for (let k = 0; k < keep; k++) {
      const row = order[k] as number;
      const v = col[row] as number;
      if (!Number.isNaN(v)) {
        gt[m] = sessT[k] as number;
        gv[m] = v;
        m++;
      }
    }
    const name = names[c] || `Column ${c + 1}`;
    const mode = /heading/i.test(name) ? 'angle' : 'linear';
    pre.push({
      name,
      sourceName: names[c] ?? '',
      unit: (units[c] ?? '').trim(),
      rateHz,
      startS,
      samples: resampleToGrid(gt, gv, m, grid, maxGap, mode),
    });
  }
  const channels: ImportedChannel[] = uniqueNames(pre);

  let loggerLaps: LoggerLaps | null = null;
  if (markers.length) loggerLaps = { kind: 'markers', times: markers, source: 'aim beacon markers' };

  const pick = (re: RegExp) => channels.find((ch) => re.test(ch.sourceName))?.name;
  const gps = gpsChannels(pick(/^(gps[ _]?)?lat(itude)?$/i), pick(/^(gps[ _]?)?lon(g|gitude)?$/i), { speed: pick(/^gps[ _]?speed$/i), heading: pick(/^gps[ _]?heading$/i) });

  ctx.progress(total, total);
  return { format: FORMAT, metadata, channels, loggerLaps, gate: null, gps, warnings };
}

export const aimCsvImporter: Importer = {
  format: FORMAT,
  label: 'AiM Race Studio CSV export',
  detect,
  parse,
};
