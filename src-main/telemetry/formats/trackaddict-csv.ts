// TrackAddict / RaceRender CSV (TrackAddict app logs). See shared/research/telemetry-formats.md §5.
//
//   # RaceRender Data: TrackAddict 4.3.5 on Android 9 [samsung SM-N960F] (Mode: 0)
//   # End Point: 51.99907, 13.68830  @ -1.00 deg           ← start/finish (heading < 0 = unknown)
//   # GPS: Android; Mode: Android …
//   "Time","UTC Time","Lap","Predicted Lap Time",…,"GPS_Update",…,"Speed (Km/h)",…
//   0.000,1559734111.000,0,…                                ← ≈ 20 Hz rows, irregular
//   # Lap 0: 00:02:35.138                                   ← comment lines between rows, written
//   155.286,…,1,…                                           ←   just before the row with the new Lap
//   # Pit Lane Entry / # Pit Lane Exit / # Session End
//
// Decisions:
// - Names are kept as written ("Speed (Km/h)"); `unit` is the text in the trailing parentheses
//   ("Km/h"); a trailing "*OBD" marks source "obd".
// - Rows are resampled on a regular grid at the row rate (median, or the mean when within 10 % of it;
//   whole Hz when within 2 %), from the first row (t = 0 at the
//   first row's Time): linear for measurements, sample-and-hold for "Lap", shortest-arc for "Heading".
//   GPS_Update / OBD_Update are flags: 1 at the grid point nearest each real update, 0 elsewhere.
//   Latitude/Longitude are interpolated between the REAL fixes (GPS_Update = 1), not between the
//   rows, which repeat the last fix: the grid then carries the interpolated track the contract's
//   `gps.fix` describes ("1 at real fixes, others interpolated").
// - "# Lap N: hh:mm:ss.sss" lines become { kind: 'laps' }: lap k starts at s + the sum of the previous
//   lap times. s = 0 (the first row) when that puts every lap end between the last GPS fix before the
//   matching Lap-column change and the row of that change (the app's crossing must lie there);
//   otherwise s is the middle of the range of offsets that satisfies every lap (it can be slightly
//   negative: the app started lap 0 before its first row). Lap numbers are as written.
// - Pit lane entries/exits are listed in one warning; a missing "# Session End" is warned about.

import {
  ImportError,
  emptyMetadata,
  gpsChannels,
  uniqueNames,
  type GateHint,
  type ImportContext,
  type ImportedChannel,
  type ImportedSession,
  type Importer,
  type LoggerLaps,
  type PitInterval,
} from '../model.ts';
import { splitLines } from '../text.ts';
import {
  checkGridSize,
  compactRows,
  csvCells,
  csvCellsOrNull,
  gridCount,
  headText,
  isoFromEpochSeconds,
  largestStepRow,
  medianPositiveStep,
  monotonicRows,
  rateFromPeriod,
  resampleToGrid,
  type Grid,
  type ResampleMode, readNumericCells, textParser } from './grid.ts';

const FORMAT = 'trackaddict-csv';

function detect(head: Uint8Array): number {
  const text = headText(head);
  const lines = splitLines(text).slice(0, 60);
  if (/^#\s*RaceRender Data/i.test(lines[0] ?? '')) return 0.99;
  const header = lines.find((l) => !l.startsWith('#') && l.trim() !== '');
  if (!header) return 0;
  if (/"?GPS_Update"?/.test(header) && /^"?Time"?\s*,/.test(header)) return 0.85;
  if (/^"Time","UTC Time","Lap"/.test(header)) return 0.8;
  return 0;
}

const QUALIFIERS = /^(calculated|calc|computed|estimated|predicted|filtered|raw|smoothed|obd|gps)$/i;

/** "Speed (Km/h)" → unit "Km/h"; "Engine Speed (RPM) *OBD" → unit "RPM", source obd. */
export function trackAddictUnit(name: string): { unit: string; source?: string } {
  let s = name.trim();
  let source: string | undefined;
  const obd = /\s*\*OBD\s*$/i.exec(s);
  if (obd) {
    source = 'obd';
    s = s.slice(0, obd.index);
  }
  const m = /\(([^()]*)\)\s*$/.exec(s);
  let unit = m ? (m[1] as string).trim() : '';
  // "(calculated)", "(estimated)", … qualify the name; they are not units
  if (QUALIFIERS.test(unit)) unit = '';
  return { unit, ...(source ? { source } : {}) };
}

function parseLapClock(s: string): number {
  const parts = s.trim().split(':');
  if (parts.length < 1 || parts.length > 3) return NaN;
  let v = 0;
  for (const p of parts) {
    if (!/^\d+(\.\d+)?$/.test(p)) return NaN;
    v = v * 60 + Number(p);
  }
  return Math.round(v * 1e6) / 1e6;
}

interface LapLine {
  number: number;
  timeS: number;
  line: number;
}

interface Transition {
  from: number;
  /** time of the first row with the new lap number */
  t: number;
  /** time of the last real fix before that row (or the previous row) */
  before: number;
}

/**
 * Offset of lap 0's start from the first row, chosen so that each lap end (offset + cumulative lap
 * time) lies in its window (before, t] from the Lap column. 0 when 0 fits.
 */
export function anchorLaps(laps: { number: number; timeS: number }[], transitions: Transition[]): { offset: number; consistent: boolean; checked: number } {
  let lo = -Infinity;
  let hi = Infinity;
  let cum = 0;
  let checked = 0;
  const mids: number[] = [];
  const slack = 0.002;
  for (const lap of laps) {
    cum += lap.timeS;
    const tr = transitions.find((x) => x.from === lap.number);
    if (!tr) continue;
    checked++;
    const a = tr.before - cum - slack;
    const b = tr.t - cum + slack;
    lo = Math.max(lo, a);
    hi = Math.min(hi, b);
    mids.push((a + b) / 2);
  }
  if (!checked) return { offset: 0, consistent: true, checked };
  if (lo <= 0 && 0 <= hi) return { offset: 0, consistent: true, checked };
  if (lo <= hi) return { offset: Math.round(((lo + hi) / 2) * 1e6) / 1e6, consistent: true, checked };
  mids.sort((x, y) => x - y);
  return { offset: Math.round((mids[(mids.length - 1) >> 1] as number) * 1e6) / 1e6, consistent: false, checked };
}

const parse = textParser(FORMAT, parseInner);

function parseInner(lines: string[], ctx: ImportContext, at: { line: number }, total: number): ImportedSession {
  const metadata = emptyMetadata();
  const warnings: string[] = [];
  let gate: GateHint | null = null;
  let names: string[] | null = null;
  let headerLine = 0;
  const lapLines: LapLine[] = [];
  const pit: { kind: 'entry' | 'exit'; row: number }[] = [];
  let sessionEnd = false;

  const maxRows = lines.length;
  let ncol = 0;
  let cols: Float64Array[] = [];
  const rowLine = new Int32Array(maxRows);
  let n = 0;
  let timeCol = 0;
  let skipped = 0;
  let firstSkip = 0;
  let lastCells = 0;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    at.line = i + 1;
    if ((i & 8191) === 0) ctx.progress(Math.floor((i / lines.length) * total), total);
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      const c = trimmed.replace(/^#\s*/, '');
      let m: RegExpExecArray | null;
      if ((m = /^RaceRender Data:\s*(.*)$/i.exec(c))) metadata.device = m[1]!.trim() || null;
      else if ((m = /^End Point:\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)(?:\s*@\s*(-?\d+(?:\.\d+)?))?/i.exec(c))) {
        const lat = Number(m[1]);
        const lon = Number(m[2]);
        const hd = m[3] !== undefined ? Number(m[3]) : NaN;
        if (Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && !(lat === 0 && lon === 0)) {
          gate = { lat, lon, source: 'trackaddict End Point' };
          if (hd >= 0 && hd <= 360) gate.headingDeg = hd;
        } else warnings.push(`Unusable End Point (line ${i + 1}).`);
      } else if ((m = /^Vehicle:\s*(.*)$/i.exec(c))) metadata.vehicle = m[1]!.trim() || null;
      else if ((m = /^Driver:\s*(.*)$/i.exec(c))) metadata.driver = m[1]!.trim() || null;
      else if ((m = /^(?:Track|Course):\s*(.*)$/i.exec(c))) metadata.venue = m[1]!.trim() || null;
      else if ((m = /^Lap\s+(\d+)\s*:\s*(\S+)\s*$/i.exec(c))) {
        const timeS = parseLapClock(m[2] as string);
        if (Number.isFinite(timeS) && timeS > 0) lapLines.push({ number: Number(m[1]), timeS, line: i + 1 });
        else warnings.push(`Unreadable lap time "${m[2]}" (line ${i + 1}).`);
      } else if (/^Pit Lane Entry/i.test(c)) pit.push({ kind: 'entry', row: n });
      else if (/^Pit Lane Exit/i.test(c)) pit.push({ kind: 'exit', row: n });
      else if (/^Session End/i.test(c)) sessionEnd = true;
      continue;
    }
    if (!names) {
      names = csvCells(FORMAT, line, i + 1).map((s) => s.trim());
      while (names.length && names[names.length - 1] === '') names.pop();
      headerLine = i + 1;
      ncol = names.length;
      if (ncol < 2) throw new ImportError(FORMAT, 'header row has fewer than 2 columns', { line: i + 1 });
      timeCol = names.findIndex((s) => /^time$/i.test(s));
      if (timeCol < 0) {
        if (names.every((s) => Number.isFinite(Number(s)))) throw new ImportError(FORMAT, 'no header row before the data', { line: i + 1 });
        timeCol = 0;
        warnings.push(`No "Time" column: "${names[0]}" is used as time.`);
      }
      cols = [];
      for (let c = 0; c < ncol; c++) cols.push(new Float64Array(maxRows));
      continue;
    }
    const cells = line.indexOf('"') >= 0 ? csvCellsOrNull(line) : line.split(',');
    const tc = cells ? cells[timeCol] : undefined;
    const t = tc === undefined || tc.trim() === '' ? NaN : Number(tc);
    if (!cells || !Number.isFinite(t)) {
      skipped++;
      firstSkip ||= i + 1;
      continue;
    }
    rowLine[n] = i + 1;
    lastCells = cells.length;
    readNumericCells(cells, ncol, cols as Float64Array[], n);
    n++;
  }
  if (!names) throw new ImportError(FORMAT, 'no header row', { line: Math.max(1, lines.length) });
  if (n === 0) throw new ImportError(FORMAT, 'no data rows after the header', { line: headerLine });
  if (n > 1 && lastCells < ncol) {
    n--;
    warnings.push(`The last row (line ${rowLine[n]}) is incomplete and was dropped (truncated file?).`);
  }
  if (skipped) warnings.push(`${skipped} unreadable row(s) or row(s) without a Time were skipped (first at line ${firstSkip}).`);
  const mono = monotonicRows(cols[timeCol] as Float64Array, n);
  if (mono.dropped) {
    warnings.push(`${mono.dropped} row(s) out of time order were dropped (first at line ${rowLine[mono.firstDropped]}).`);
    // comment positions (pit events) were counted in rows read: map them to kept rows
    const keptBefore = new Int32Array(n + 1);
    for (let j = 0, k = 0; k <= n; k++) {
      keptBefore[k] = j;
      if (j < mono.count && mono.keep[j] === k) j++;
    }
    for (const p of pit) p.row = keptBefore[Math.min(p.row, n)] as number;
    compactRows(mono.keep, mono.count, [rowLine, ...cols]);
    n = mono.count;
  }

  // --- times, grid --------------------------------------------------------------------------
  const time = cols[timeCol] as Float64Array;
  const t0 = time[0] as number;
  const times = new Float64Array(n);
  for (let k = 0; k < n; k++) times[k] = (time[k] as number) - t0;
  const utcCol = names.findIndex((s) => /^utc\s*time$/i.test(s));
  if (utcCol >= 0) metadata.startedAt = isoFromEpochSeconds((cols[utcCol] as Float64Array)[0] as number);

  // Phone timestamps jitter (0.008 … 0.06 s): the mean row rate, when close to the median one, is
  // the steadier estimate; snapped to whole Hz within 2 % (STC_log.csv: 20.2 → 20 Hz).
  let rateHz = rateFromPeriod(medianPositiveStep(times, n));
  const span = (times[n - 1] as number) - (times[0] as number);
  const mean = span > 0 ? (n - 1) / span : NaN;
  if (rateHz > 0 && Math.abs(mean / rateHz - 1) < 0.1) rateHz = mean;
  if (rateHz > 0) {
    const whole = Math.round(rateHz);
    rateHz = whole >= 1 && Math.abs(rateHz - whole) <= 0.02 * rateHz ? whole : Math.round(rateHz * 1000) / 1000;
  }
  if (!(rateHz > 0)) rateHz = 1;
  const count = gridCount(0, times[n - 1] as number, rateHz);
  checkGridSize(FORMAT, count, n, rowLine[largestStepRow(times, n)] as number, 'the data');
  const grid: Grid = { startS: 0, rateHz, count };
  const rowGap = Math.max(1, 10 / rateHz);

  const gpsUpdCol = names.findIndex((s) => /^gps_update$/i.test(s));
  const fixRows: number[] = [];
  if (gpsUpdCol >= 0) {
    const u = cols[gpsUpdCol] as Float64Array;
    for (let k = 0; k < n; k++) if (u[k] === 1) fixRows.push(k);
  }
  const fixT = new Float64Array(fixRows.length);
  fixRows.forEach((k, j) => (fixT[j] = times[k] as number));
  const fixGap = Math.max(3, 5 * (medianPositiveStep(fixT, fixT.length) || 1));

  const gt = new Float64Array(n);
  const gv = new Float64Array(n);
  const pre: (Omit<ImportedChannel, 'name'> & { name: string })[] = [];
  for (let c = 0; c < ncol; c++) {
    const name = names[c] || `Column ${c + 1}`;
    const col = cols[c] as Float64Array;
    const { unit, source } = trackAddictUnit(name);
    let samples: Float64Array;
    if (/_update$/i.test(name)) {
      samples = new Float64Array(count).fill(0);
      for (let k = 0; k < n; k++) {
        if (col[k] === 1) {
          const idx = Math.round((times[k] as number) * rateHz);
          if (idx >= 0 && idx < count) samples[idx] = 1;
        }
      }
    } else {
      const fromFixes = fixRows.length >= 2 && /^(latitude|longitude)$/i.test(name);
      const rows = fromFixes ? fixRows : null;
      let m = 0;
      const len = rows ? rows.length : n;
      for (let j = 0; j < len; j++) {
        const k = rows ? (rows[j] as number) : j;
        const v = col[k] as number;
        if (!Number.isNaN(v)) {
          gt[m] = times[k] as number;
          gv[m] = v;
          m++;
        }
      }
      const mode: ResampleMode = /^lap$/i.test(name) ? 'hold' : /^heading/i.test(name) ? 'angle' : 'linear';
      samples = resampleToGrid(gt, gv, m, grid, fromFixes ? fixGap : rowGap, mode);
    }
    pre.push({ name, sourceName: names[c] ?? '', unit, rateHz, startS: 0, samples, ...(source ? { source } : {}) });
  }
  const channels: ImportedChannel[] = uniqueNames(pre);

  // --- laps -----------------------------------------------------------------------------------
  let loggerLaps: LoggerLaps | null = null;
  if (lapLines.length) {
    // keep the first run of consecutive lap numbers
    const run: LapLine[] = [lapLines[0] as LapLine];
    for (let k = 1; k < lapLines.length; k++) {
      const l = lapLines[k] as LapLine;
      if (l.number !== (run[run.length - 1] as LapLine).number + 1) {
        warnings.push(`Lap lines are not consecutive at line ${l.line}: laps from there on were ignored.`);
        break;
      }
      run.push(l);
    }
    const transitions: Transition[] = [];
    const lapCol = names.findIndex((s) => /^lap$/i.test(s));
    if (lapCol >= 0) {
      const lc = cols[lapCol] as Float64Array;
      let lastFix = -1;
      let fixIdx = 0;
      for (let k = 1; k < n; k++) {
        while (fixIdx < fixRows.length && (fixRows[fixIdx] as number) < k) lastFix = fixRows[fixIdx++] as number;
        const a = lc[k - 1] as number;
        const b = lc[k] as number;
        if (Number.isFinite(a) && Number.isFinite(b) && a !== b) {
          const before = lastFix >= 0 ? (times[lastFix] as number) : (times[k - 1] as number);
          transitions.push({ from: a, t: times[k] as number, before });
        }
      }
    }
    const { offset, consistent, checked } = anchorLaps(run, transitions);
    if (!consistent) warnings.push(`The "# Lap" times do not agree with the Lap column (${checked} laps checked): lap starts anchored on the median offset.`);
    let start = offset;
    const laps = run.map((l) => {
      const lap = { number: l.number, startS: Math.round(start * 1e6) / 1e6, timeS: l.timeS };
      start += l.timeS;
      return lap;
    });
    loggerLaps = { kind: 'laps', laps, source: 'trackaddict lap lines' };
  }

  // --- pit lane, session end ------------------------------------------------------------------
  const pitLane: PitInterval[] = [];
  if (pit.length) {
    const at = (row: number) => times[Math.min(row, n - 1)] as number;
    warnings.push(`Pit lane: ${pit.map((p) => `${p.kind} at ${at(p.row).toFixed(1)} s`).join(', ')}.`);
    // entry → exit; a recording that starts in the pit lane has an exit first, one that ends there an entry last
    let entry: number | null = pit[0]!.kind === 'exit' ? 0 : null;
    for (const p of pit) {
      if (p.kind === 'entry') entry ??= at(p.row);
      else if (entry !== null) {
        pitLane.push({ entryS: entry, exitS: at(p.row) });
        entry = null;
      }
    }
    if (entry !== null) pitLane.push({ entryS: entry, exitS: at(n - 1) });
  }
  if (!sessionEnd) warnings.push('No "# Session End" line: the recording may have been cut short.');

  // --- GPS ------------------------------------------------------------------------------------
  const pick = (re: RegExp) => channels.find((ch) => re.test(ch.sourceName))?.name;
  const gps = gpsChannels(pick(/^latitude$/i), pick(/^longitude$/i), { speed: pick(/^speed\b/i), heading: pick(/^heading\b/i), fix: pick(/^gps_update$/i) });

  ctx.progress(total, total);
  return { format: FORMAT, metadata, channels, loggerLaps, gate, gps, warnings, pitLane };
}

export const trackAddictCsvImporter: Importer = {
  format: FORMAT,
  label: 'TrackAddict / RaceRender CSV',
  detect,
  parse,
};
