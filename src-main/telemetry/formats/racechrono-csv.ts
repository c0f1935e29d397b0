// RaceChrono CSV export, format v3 (RaceChrono Pro 9/10). See shared/research/telemetry-formats.md §3.
//
//   This file is created using RaceChrono Pro v9.1.3 ( http://racechrono.com/ ).
//   Format,3
//   Session title,"Tianma" / Session type / Track name / Driver name / Created,dd/mm/yyyy,hh:mm / Note,"…"
//   <blank>
//   timestamp,fragment_id,lap_number,elapsed_time,distance_traveled,altitude,…,speed,…,speed,…,speed
//   unix time,,,s,m,m,…                                   ← units
//   ,,,,,100: gps,…,calc,…,200: obd                        ← source of each column
//   1767150797.44,0,8,1149.08,…                            ← rows: union of all sources' timestamps
//
// Decisions (documented here because they shape what the rest of the app sees):
// - Every column becomes a channel (timestamp included, so the column count matches the file).
//   Duplicate names are keyed by source with uniqueNames: "speed (gps)", "speed (calc)", "speed (obd)".
// - Rows are the union of the sources' irregular timestamps and a blank cell means "no sample".
//   Each SOURCE is resampled on its own regular grid: rate = 1 / median spacing of the rows where that
//   source has any value, grid from its first to its last sample; each channel interpolates linearly
//   between its own real samples only, NaN outside its span and across gaps > 3 source periods.
//   Time 0 is the first data row's timestamp; a channel's startS is its source's first sample time.
//   Real exports (9.1.3) fill every cell, so in practice every source runs at the row median rate.
// - lap_number transitions become markers at the MIDPOINT between the last row of the old lap and the
//   first row of the new one. The row where the value changes is already past the line (RaceChrono
//   interpolates its own lap time), so the midpoint is the unbiased estimate of the crossing with an
//   error of at most half a row spacing (≈ 0.01 s on real files). The same rule is used whether or not
//   the file has GPS: re-deriving the crossing from GPS needs the start/finish line, which the CSV
//   does not carry — that is the lap splitter's job (§6 step 3).
// - Format 1 and 2 exports (different column sets, no units/source rows) are refused with an
//   ImportError asking for a v3 re-export; a file without a Format line is read as v3 with a warning,
//   and a missing units or sources row is tolerated (units '' and no source).
// - Unit ".C"/".F" (RaceChrono's ASCII degree) is normalised to "°C"/"°F".

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
import { type Grid, type ResampleMode, checkGridSize, compactRows, csvCells, csvCellsOrNull, gridCount, headText, isoFromEpochSeconds, largestStepRow, medianPositiveStep, monotonicRows, rateFromPeriod, readNumericCells, resampleToGrid, splitSeconds, textParser } from './grid.ts';

const FORMAT = 'racechrono-csv';

// ---------------------------------------------------------------------------------------------

const SOURCE_RE = /^\s*(\d+\s*:\s*\S.*|calc)\s*$/i;

function sourceLabel(raw: string): string | undefined {
  const s = raw.replace(/^\s*\d+\s*:\s*/, '').trim().toLowerCase();
  return s || undefined;
}

function normaliseUnit(u: string): string {
  const t = u.trim();
  if (t === '.C') return '°C';
  if (t === '.F') return '°F';
  return t;
}

function isNumericCell(cell: string | undefined): boolean {
  if (cell === undefined) return false;
  const t = cell.trim();
  return t !== '' && Number.isFinite(Number(t));
}

function detect(head: Uint8Array): number {
  const text = headText(head);
  const lines = splitLines(text).slice(0, 40);
  const first = lines[0] ?? '';
  if (/^this file is created using racechrono/i.test(first)) return 0.99;
  const hasFormat = lines.some((l) => /^format,\s*"?\d+"?\s*$/i.test(l));
  const hasNames = lines.some((l) => /^timestamp,fragment_id,lap_number/i.test(l));
  if (hasFormat && hasNames) return 0.9;
  if (hasNames) return 0.8;
  if (hasFormat && lines.some((l) => /^session title,/i.test(l))) return 0.7;
  return 0;
}

const parse = textParser(FORMAT, parseInner);

function parseInner(lines: string[], ctx: ImportContext, at: { line: number }, total: number): ImportedSession {
  const metadata = emptyMetadata();
  const warnings: string[] = [];
  if (!lines.length) throw new ImportError(FORMAT, 'empty file', { line: 1 });

  // --- header -------------------------------------------------------------------------------
  let i = 0;
  const first = lines[0] ?? '';
  const created = /created using\s+(.*?)\s*(\(|$)/i.exec(first);
  if (created && /racechrono/i.test(first)) {
    metadata.device = created[1] || null;
    i = 1;
  }
  let version: number | null = null;
  let formatLine = 0;
  let title: string | null = null;
  let sessionType: string | null = null;
  let namesLine = -1;
  for (; i < lines.length && i < 400; i++) {
    at.line = i + 1;
    let line = lines[i] ?? '';
    if (line.trim() === '') continue;
    if (/^\s*timestamp\s*,/i.test(line)) {
      namesLine = i;
      break;
    }
    // A quoted value (Note) may span lines: join until the quotes balance.
    let cells: string[] | null = null;
    for (let extra = 0; extra < 50; extra++) {
      try {
        cells = splitCsvLine(line);
        break;
      } catch {
        if (i + 1 >= lines.length) break;
        i++;
        line += '\n' + (lines[i] ?? '');
      }
    }
    if (!cells) throw new ImportError(FORMAT, 'unterminated quoted header value', { line: at.line });
    const key = (cells[0] ?? '').trim().toLowerCase();
    const value = (cells[1] ?? '').trim();
    switch (key) {
      case 'format': {
        version = Number(value);
        formatLine = at.line;
        break;
      }
      case 'session title':
        title = value || null;
        break;
      case 'session type':
        sessionType = value || null;
        break;
      case 'track name':
        metadata.venue = value || null;
        break;
      case 'driver name':
        metadata.driver = value || null;
        break;
      case 'vehicle':
      case 'vehicle name':
        metadata.vehicle = value || null;
        break;
      case 'note':
        metadata.comment = value || null;
        break;
      case 'created':
        // "31/12/2025,02:54": only informative, the timestamp column is authoritative.
        break;
      default:
        break;
    }
  }
  if (version !== null && Number.isFinite(version) && version < 3) {
    throw new ImportError(
      FORMAT,
      `RaceChrono CSV format ${version} is not supported: export the session again from RaceChrono as "CSV (v3)"`,
      { line: formatLine },
    );
  }
  if (version === null) warnings.push('No "Format" line: read as a RaceChrono CSV v3 export.');
  else if (!Number.isFinite(version)) warnings.push('Unreadable "Format" line: read as a RaceChrono CSV v3 export.');
  else if (version > 3) warnings.push(`RaceChrono CSV format ${version} is newer than v3: read as v3.`);
  if (namesLine < 0) {
    throw new ImportError(FORMAT, 'no channel-name row (a line starting with "timestamp,")', { line: Math.min(lines.length, i + 1) });
  }
  metadata.session = title ?? sessionType;
  if (!metadata.venue) metadata.venue = title;

  at.line = namesLine + 1;
  const names = csvCells(FORMAT, lines[namesLine] ?? '', namesLine + 1).map((s) => s.trim());
  while (names.length && names[names.length - 1] === '') names.pop();
  const ncol = names.length;
  if (ncol < 2) throw new ImportError(FORMAT, 'channel-name row has fewer than 2 columns', { line: namesLine + 1 });

  // units and sources rows: up to two non-numeric rows after the names
  let units: string[] = [];
  let sources: string[] = [];
  let r = namesLine + 1;
  const meta: string[][] = [];
  while (r < lines.length && meta.length < 2) {
    const line = lines[r] ?? '';
    if (line.trim() === '') {
      r++;
      continue;
    }
    const cells = csvCells(FORMAT, line, r + 1);
    if (isNumericCell(cells[0])) break;
    meta.push(cells);
    r++;
  }
  for (const cells of meta) {
    const looksLikeSources = cells.some((c) => SOURCE_RE.test(c));
    if (looksLikeSources && !sources.length) sources = cells;
    else if (!units.length) units = cells;
  }
  if (!units.length) warnings.push('No units row.');
  if (!sources.length) warnings.push('No sources row: duplicate channel names are numbered instead of keyed by source.');

  // --- data ---------------------------------------------------------------------------------
  const maxRows = Math.max(0, lines.length - r);
  const times = new Float64Array(maxRows);
  const rowLine = new Int32Array(maxRows);
  const cols: Float64Array[] = [];
  for (let c = 0; c < ncol; c++) cols.push(new Float64Array(maxRows));
  let n = 0;
  let base: { whole: number; frac: number } | null = null;
  let skippedTime = 0;
  let firstSkipLine = 0;
  let lastCells = 0;
  for (; r < lines.length; r++) {
    const line = lines[r] ?? '';
    at.line = r + 1;
    if ((r & 8191) === 0) ctx.progress(Math.floor((r / lines.length) * total), total);
    if (line.trim() === '') continue;
    const cells = csvCellsOrNull(line);
    const ts = cells ? splitSeconds(cells[0]) : null;
    if (!cells || !ts) {
      skippedTime++;
      firstSkipLine ||= r + 1;
      continue;
    }
    base ??= ts;
    const t = ts.whole - base.whole + (ts.frac - base.frac);
    if (!Number.isFinite(t)) {
      skippedTime++;
      firstSkipLine ||= r + 1;
      continue;
    }
    times[n] = t;
    rowLine[n] = r + 1;
    lastCells = cells.length;
    readNumericCells(cells, ncol, cols as Float64Array[], n);
    n++;
  }
  if (!base || n === 0) throw new ImportError(FORMAT, 'no data rows after the header', { line: Math.min(lines.length, namesLine + 2) });
  if (n > 1 && lastCells < ncol) {
    n--;
    warnings.push(`The last row (line ${rowLine[n]}) is incomplete and was dropped (truncated file?).`);
  }
  if (skippedTime) warnings.push(`${skippedTime} unreadable row(s) or row(s) without a timestamp were skipped (first at line ${firstSkipLine}).`);
  const mono = monotonicRows(times, n);
  if (mono.dropped) {
    warnings.push(`${mono.dropped} row(s) out of time order were dropped (first at line ${rowLine[mono.firstDropped]}).`);
    compactRows(mono.keep, mono.count, [times, rowLine, ...cols]);
    n = mono.count;
  }
  // time 0 = the first kept row
  const shift = times[0] as number;
  if (shift !== 0) for (let k = 0; k < n; k++) times[k] = (times[k] as number) - shift;
  metadata.startedAt = isoFromEpochSeconds(base.whole + base.frac + shift);

  // --- per-source grids ---------------------------------------------------------------------
  const groups = new Map<string, number[]>();
  for (let c = 0; c < ncol; c++) {
    const key = (sources[c] ?? '').trim();
    const g = groups.get(key);
    if (g) g.push(c);
    else groups.set(key, [c]);
  }
  const unordered: { col: number; ch: Omit<ImportedChannel, 'name'> & { name: string } }[] = [];
  const rowPeriod = medianPositiveStep(times, n);
  const gt = new Float64Array(n);
  const gv = new Float64Array(n);
  for (const [key, columns] of groups) {
    let m = 0;
    for (let k = 0; k < n; k++) {
      let any = false;
      for (const c of columns) if (!Number.isNaN((cols[c] as Float64Array)[k])) any = true;
      if (any) gt[m++] = times[k] as number;
    }
    let period = medianPositiveStep(gt, m);
    if (!(period > 0)) period = rowPeriod > 0 ? rowPeriod : 1;
    const rateHz = rateFromPeriod(period);
    const startS = m ? (gt[0] as number) : 0;
    const count = m ? gridCount(startS, gt[m - 1] as number, rateHz) : 0;
    checkGridSize(FORMAT, count, n, rowLine[largestStepRow(times, n)] as number, `source "${key || 'session'}"`);
    const grid: Grid = { startS, rateHz, count };
    const maxGap = (3 / rateHz) * (1 + 1e-6) + 1e-9;
    const source = sourceLabel(key);
    for (const c of columns) {
      const col = cols[c] as Float64Array;
      let k2 = 0;
      for (let k = 0; k < n; k++) {
        const v = col[k] as number;
        if (!Number.isNaN(v)) {
          gt[k2] = times[k] as number;
          gv[k2] = v;
          k2++;
        }
      }
      const name = names[c] || `column ${c + 1}`;
      const lname = name.toLowerCase();
      const mode: ResampleMode = lname === 'lap_number' || lname === 'fragment_id' ? 'hold' : lname === 'bearing' || lname === 'heading' ? 'angle' : 'linear';
      const samples = resampleToGrid(gt, gv, k2, grid, maxGap, mode);
      unordered.push({
        col: c,
        ch: { name, sourceName: names[c] ?? '', unit: normaliseUnit(units[c] ?? ''), rateHz, startS, samples, ...(source ? { source } : {}) },
      });
    }
  }
  unordered.sort((a, b) => a.col - b.col);
  const channels: ImportedChannel[] = uniqueNames(unordered.map((u) => u.ch));

  // --- laps from lap_number -----------------------------------------------------------------
  let loggerLaps: LoggerLaps | null = null;
  const lapCol = names.findIndex((s) => s.toLowerCase() === 'lap_number');
  if (lapCol >= 0) {
    const col = cols[lapCol] as Float64Array;
    const markers: number[] = [];
    let prev = col[0] as number;
    for (let k = 1; k < n; k++) {
      const v = col[k] as number;
      if (Number.isNaN(v)) {
        prev = v;
        continue;
      }
      if (v !== prev && (Number.isNaN(prev) || v > prev)) {
        markers.push(((times[k - 1] as number) + (times[k] as number)) / 2);
      }
      prev = v;
    }
    if (markers.length) loggerLaps = { kind: 'markers', times: markers, source: 'racechrono lap_number' };
  }

  // --- GPS ----------------------------------------------------------------------------------
  const find = (re: RegExp, preferGps = true): string | undefined => {
    const hits = channels.filter((c) => re.test(c.sourceName));
    const gps = hits.find((c) => (c.source ?? '').includes('gps'));
    return (preferGps && gps ? gps : hits[0])?.name;
  };
  const gps = gpsChannels(find(/^latitude$/i), find(/^longitude$/i), {
    speed: channels.find((c) => /^speed$/i.test(c.sourceName) && (c.source ?? '').includes('gps'))?.name,
    heading: find(/^(bearing|heading)$/i),
  });

  ctx.progress(total, total);
  return { format: FORMAT, metadata, channels, loggerLaps, gate: null, gps, warnings };
}

export const raceChronoCsvImporter: Importer = {
  format: FORMAT,
  label: 'RaceChrono CSV export (v3)',
  detect,
  parse,
};
