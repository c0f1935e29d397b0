// MoTeC i2 "Export Data" CSV: 12 key/value metadata rows (two pairs a row), the beacon markers
// in one cell, blank lines, the channel-name row (Time, Distance, …), the unit row, blank lines,
// then quoted numeric rows at one common rate. Layout: shared/research/telemetry-formats.md §1.9.
import { parseNumberCell, splitCsvLine } from '../text.ts';
import { emptyMetadata, ImportError, uniqueNames, type ImportContext, type ImportedChannel, type ImportedSession, type Importer } from '../model.ts';
import { findGpsChannels, isoLocal } from './motec-ld.ts';
import { headText, textLines } from './grid.ts';

const FORMAT = 'motec-csv';
/** The name row must appear within this many lines (12 metadata rows + blanks in practice). */
const MAX_PREAMBLE_LINES = 64;

function detectCsv(head: Uint8Array): number {
  const text = headText(head, 256);
  return /^\s*"?Format"?\s*[,;]\s*"?MoTeC CSV File"?/i.test(text) ? 0.98 : 0;
}

/** "2023-04-04" / "23/11/2005" / "11/23/2005" + "1:16:25 PM" / "13:16:25" → ISO local; null when unreadable. */
export function csvDateTime(date: string, time: string): { iso: string | null; ambiguous: boolean } {
  let y: number, mo: number, d: number;
  let ambiguous = false;
  const iso = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(date.trim());
  const dmy = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$/.exec(date.trim());
  if (iso) {
    y = Number(iso[1]);
    mo = Number(iso[2]);
    d = Number(iso[3]);
  } else if (dmy) {
    const a = Number(dmy[1]);
    const b = Number(dmy[2]);
    y = Number(dmy[3]);
    if (dmy[3]!.length === 2) y += y < 80 ? 2000 : 1900;
    // Day first unless that is impossible (the locale of the exporting PC decides).
    if (a > 12 || b <= 12) {
      d = a;
      mo = b;
      ambiguous = a <= 12 && b <= 12 && a !== b;
    } else {
      mo = a;
      d = b;
    }
  } else return { iso: null, ambiguous: false };
  const t = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?$/.exec(time.trim());
  if (!t) return { iso: null, ambiguous: false };
  let hh = Number(t[1]);
  const mm = Number(t[2]);
  const ss = t[3] === undefined ? 0 : Number(t[3]);
  if (t[4]) {
    if (hh < 1 || hh > 12) return { iso: null, ambiguous: false };
    const pm = t[4].toLowerCase() === 'pm';
    hh = (hh % 12) + (pm ? 12 : 0);
  }
  return { iso: isoLocal(y, mo, d, hh, mm, ss), ambiguous };
}

function split(line: string, lineNo: number): string[] {
  try {
    return splitCsvLine(line);
  } catch (e) {
    throw new ImportError(FORMAT, `cannot split the row: ${e instanceof Error ? e.message : String(e)}`, { line: lineNo });
  }
}

function isBlank(line: string): boolean {
  return /^[\s,]*$/.test(line);
}

interface MetaValue {
  value: string;
  unit: string;
  line: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function parseCsv(bytes: Uint8Array, ctx: ImportContext): ImportedSession {
  const lines = textLines(FORMAT, bytes);
  const warnings: string[] = [];
  const meta = new Map<string, MetaValue>();

  // 1. Preamble: key/value rows up to the channel-name row (first cell "Time").
  let nameIdx = -1;
  for (let i = 0; i < lines.length && i < MAX_PREAMBLE_LINES; i++) {
    const line = lines[i]!;
    if (isBlank(line)) continue;
    const cells = split(line, i + 1);
    if (cells[0]!.trim().toLowerCase() === 'time') {
      nameIdx = i;
      break;
    }
    // Pairs sit at cells 0/1 (unit 2) and 4/5 (unit 6).
    for (const k of [0, 4]) {
      const key = cells[k]?.trim();
      if (key && !meta.has(key)) meta.set(key, { value: (cells[k + 1] ?? '').trim(), unit: (cells[k + 2] ?? '').trim(), line: i + 1 });
    }
  }
  if (meta.size && meta.get('Format')?.value.toLowerCase() !== 'motec csv file') {
    const f = meta.get('Format');
    warnings.push(`the Format row says ${JSON.stringify(f?.value ?? '')}, not "MoTeC CSV File"`);
  }
  if (nameIdx < 0) {
    throw new ImportError(FORMAT, 'no channel-name row (a row starting with "Time") in the first lines', { line: Math.min(lines.length, MAX_PREAMBLE_LINES) || 1 });
  }

  const names = split(lines[nameIdx]!, nameIdx + 1).map((n) => n.trim());
  while (names.length > 1 && names[names.length - 1] === '') names.pop();
  const width = names.length;

  // 2. The unit row, when the next line is not already data.
  let units: string[] = [];
  let dataStart = nameIdx + 1;
  if (dataStart < lines.length && !isBlank(lines[dataStart]!)) {
    const cells = split(lines[dataStart]!, dataStart + 1);
    const numeric = cells.filter((c) => c.trim() !== '' && Number.isFinite(Number(c))).length;
    if (numeric < Math.max(1, cells.filter((c) => c.trim() !== '').length)) {
      units = cells.map((u) => u.trim());
      dataStart++;
    }
  }

  // 3. Data rows.
  const columns: number[][] = names.map(() => []);
  let extraCells = 0;
  for (let i = dataStart; i < lines.length; i++) {
    const line = lines[i]!;
    if (isBlank(line)) continue;
    let cells: string[];
    try {
      cells = split(line, i + 1);
    } catch (e) {
      // A file cut off inside its last row: keep what came before it.
      if (i === lines.length - 1 && columns[0]!.length > 0) {
        warnings.push(`the last row (line ${i + 1}) is incomplete and was dropped (truncated file?)`);
        break;
      }
      throw e;
    }
    if (cells.length > width && cells.slice(width).some((c) => c.trim() !== '')) extraCells++;
    for (let c = 0; c < width; c++) columns[c]!.push(parseNumberCell(cells[c]));
    if ((i & 4095) === 0) ctx.progress(i, lines.length);
  }
  ctx.progress(lines.length, lines.length);
  const rows = columns[0]!.length;
  if (rows === 0) throw new ImportError(FORMAT, 'no data rows after the channel names', { line: Math.min(lines.length, nameIdx + 2) });
  if (extraCells) warnings.push(`${extraCells} row${extraCells === 1 ? ' has' : 's have'} more cells than there are channel names; the extra cells were ignored`);

  // 4. The common rate: "Sample Rate", else the median step of Time.
  const time = columns[0]!;
  const steps: number[] = [];
  for (let i = 1; i < time.length && steps.length < 10_000; i++) {
    const d = time[i]! - time[i - 1]!;
    if (d > 0) steps.push(d);
  }
  const medianDt = steps.length ? median(steps) : NaN;
  const rateMeta = meta.get('Sample Rate');
  let rateHz = rateMeta ? Number(rateMeta.value) : NaN;
  if (!(rateHz > 0 && rateHz < 1e6)) {
    if (rateMeta) warnings.push(`"Sample Rate" ${JSON.stringify(rateMeta.value)} (line ${rateMeta.line}) is not a rate; using the Time column`);
    rateHz = medianDt > 0 ? 1 / medianDt : NaN;
    if (!(rateHz > 0 && rateHz < 1e6)) throw new ImportError(FORMAT, 'cannot tell the sample rate: no "Sample Rate" row and the Time column does not advance', { line: rateMeta?.line ?? nameIdx + 1 });
  } else if (medianDt > 0 && Math.abs(medianDt * rateHz - 1) > 0.02) {
    warnings.push(`"Sample Rate" says ${rateHz} Hz but the Time column steps by ${medianDt.toFixed(4)} s; using ${rateHz} Hz`);
  }
  let startS = Number.isFinite(time[0]!) ? time[0]! : Number(meta.get('Start Time')?.value ?? 0);
  if (!Number.isFinite(startS)) startS = 0;

  const channels: ImportedChannel[] = uniqueNames(
    names.map((name, c) => ({
      name: name || `Column ${c + 1}`,
      sourceName: name,
      unit: units[c] ?? '',
      rateHz,
      startS,
      samples: Float64Array.from(columns[c]!),
    })),
  );

  // 5. Metadata and markers.
  const metadata = emptyMetadata();
  const val = (k: string) => meta.get(k)?.value || null;
  metadata.venue = val('Venue');
  metadata.vehicle = val('Vehicle');
  metadata.driver = val('Driver');
  metadata.device = val('Device');
  metadata.session = val('Session');
  metadata.comment = val('Comment');
  const logDate = meta.get('Log Date');
  const logTime = meta.get('Log Time');
  if (logDate?.value && logTime?.value) {
    const dt = csvDateTime(logDate.value, logTime.value);
    metadata.startedAt = dt.iso;
    if (!dt.iso) warnings.push(`the log date/time ${JSON.stringify(`${logDate.value} ${logTime.value}`)} (line ${logDate.line}) could not be read`);
    else if (dt.ambiguous) warnings.push(`the log date ${JSON.stringify(logDate.value)} could be day/month or month/day; read as day/month`);
  }

  let loggerLaps: ImportedSession['loggerLaps'] = null;
  const beacons = meta.get('Beacon Markers');
  if (beacons && beacons.value.trim()) {
    const times: number[] = [];
    const bad: string[] = [];
    for (const tok of beacons.value.split(/[\s,;]+/)) {
      if (!tok) continue;
      const t = Number(tok);
      if (Number.isFinite(t) && t >= 0) times.push(t);
      else bad.push(tok);
    }
    if (bad.length) warnings.push(`ignored beacon markers that are not times: ${bad.slice(0, 5).join(' ')} (line ${beacons.line})`);
    times.sort((a, b) => a - b);
    if (times.length) loggerLaps = { kind: 'markers', times, source: 'motec-csv Beacon Markers' };
  }

  return { format: FORMAT, metadata, channels, loggerLaps, gate: null, gps: findGpsChannels(channels), warnings };
}

export const motecCsvImporter: Importer = {
  format: FORMAT,
  label: 'MoTeC i2 CSV export',
  detect: detectCsv,
  parse(bytes: Uint8Array, ctx: ImportContext): ImportedSession {
    try {
      return parseCsv(bytes, ctx);
    } catch (e) {
      if (e instanceof ImportError) throw e;
      throw new ImportError(FORMAT, `unreadable file: ${e instanceof Error ? e.message : String(e)}`, { line: 1 });
    }
  },
};
