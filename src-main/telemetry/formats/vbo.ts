// Racelogic VBOX .vbo (also written by Harry's LapTimer, RaceChrono, RaceBox, VBOX Tools).
//
// A text file of "[section]" blocks after a "File created on …" line. [column names] gives
// the order of the space-separated (or comma-separated) [data] rows; `time` is the UTC time
// of day HHMMSS.SS, latitude/longitude are decimal MINUTES with longitude +ve = WEST. Rows are
// placed on one regular grid at 1/median dt: rows on the grid keep their exact values, short
// holes (≤ 3 periods) are interpolated and recording gaps stay NaN.
import {
  ImportError,
  emptyMetadata,
  uniqueNames,
  type GateHint,
  type ImportContext,
  type ImportedChannel,
  type ImportedSession,
  type Importer,
} from '../model.ts';
import { parseNumberCell } from '../text.ts';
import { textLines } from './grid.ts';

const FORMAT = 'vbo';

/** Holes up to this many sample periods are interpolated; longer ones are recording gaps (NaN). */
const MAX_INTERP_PERIODS = 3;
/** A row within this fraction of a period from a grid point is that grid point's sample. */
const ON_GRID_TOLERANCE = 0.1;
/** Upper bound of grid cells (samples × channels) a file's gaps may expand to. */
const MIN_CELL_BUDGET = 12_000_000;
const M_PER_DEG_LAT = 110_540;
const M_PER_DEG_LON = 111_320;
/** [laptiming] points farther than this from every fix belong to the other coordinate order. */
const GATE_MAX_DISTANCE_M = 500;

interface Line {
  text: string;
  /** 1-based line number in the file. */
  line: number;
}

interface Section {
  name: string;
  line: number;
  lines: Line[];
}

type Kind = 'time' | 'sats' | 'lat' | 'lon' | 'velocity' | 'heading' | 'vertvel' | 'plain' | 'step';

interface Known {
  kind: Kind;
  name: string;
  unit: string;
}

const KNOWN = new Map<string, Known>();
function known(names: string[], k: Known): void {
  for (const n of names) KNOWN.set(n, k);
}
known(['sats', 'satellites', 'sat', 'satellites used'], { kind: 'sats', name: 'satellites', unit: '' });
known(['time', 'utc', 'utc time'], { kind: 'time', name: 'time', unit: '' });
known(['lat', 'latitude'], { kind: 'lat', name: 'latitude', unit: 'deg' });
known(['long', 'longitude', 'lon', 'lng'], { kind: 'lon', name: 'longitude', unit: 'deg' });
known(['velocity', 'vel', 'speed'], { kind: 'velocity', name: 'velocity', unit: 'km/h' });
known(['heading', 'course'], { kind: 'heading', name: 'heading', unit: 'deg' });
known(['height', 'altitude', 'alt'], { kind: 'plain', name: 'height', unit: 'm' });
known(['vertvel', 'vert-vel', 'vertical_velocity', 'vertical-velocity'], { kind: 'vertvel', name: 'vertical velocity', unit: 'km/h' });
known(['longacc', 'long_acc', 'longitudinal_acc', 'longaccel'], { kind: 'plain', name: 'long accel', unit: 'g' });
known(['latacc', 'lat_acc', 'lateral_acc', 'lataccel'], { kind: 'plain', name: 'lat accel', unit: 'g' });
known(['event1', 'event-1'], { kind: 'plain', name: 'event 1 time', unit: 's' });
known(['event2', 'event-2'], { kind: 'plain', name: 'event 2 time', unit: 's' });
known(['solution_type', 'solutiontype'], { kind: 'step', name: 'solution type', unit: '' });
known(['avifileindex'], { kind: 'step', name: 'avifileindex', unit: '' });
known(['avisynctime'], { kind: 'plain', name: 'avisynctime', unit: 'ms' });

function unitWord(word: string): string | null {
  const w = word.toLowerCase();
  if (w === 'kmh' || w === 'km/h' || w === 'kph') return 'km/h';
  if (w === 'knots' || w === 'kts' || w === 'kn' || w === 'knot') return 'kn';
  if (w === 'mph') return 'mph';
  if (w === 'm/s' || w === 'ms') return 'm/s';
  return null;
}

// ---- detection ------------------------------------------------------------------------------

function detect(head: Uint8Array): number {
  const n = Math.min(head.length, 8192);
  let text = '';
  for (let i = 0; i < n; i++) {
    const b = head[i]!;
    if (b === 0) return 0; // binary
    text += String.fromCharCode(b);
  }
  const lower = text.toLowerCase();
  // (a UTF-8 byte-order mark reads as "ï»¿" byte by byte)
  const created = /^(?:\xef\xbb\xbf)?\s*file created on\s+\d/.test(lower);
  const sections = ['[header]', '[column names]', '[data]', '[comments]', '[laptiming]'].filter((s) => lower.includes(s)).length;
  if (created) return sections > 0 ? 0.98 : 0.9;
  if (lower.includes('[column names]') && lower.includes('[data]')) return 0.85;
  if (lower.includes('[header]') && /\n[ \t]*satellites[ \t]*\r?\n[ \t]*time[ \t]*\r?\n/.test(lower)) return 0.7;
  return sections >= 2 && lower.includes('[header]') ? 0.3 : 0;
}

// ---- small helpers --------------------------------------------------------------------------

/** "HHMMSS.SS" → seconds since midnight (HH may exceed 23 on loggers that do not wrap), NaN if malformed. */
function parseTimeOfDay(field: string): number {
  const m = /^\+?(\d{1,6})(?:\.(\d{0,9}))?$/.exec(field);
  if (!m) return NaN;
  const int = m[1]!.padStart(6, '0');
  const hh = Number(int.slice(0, 2));
  const mm = Number(int.slice(2, 4));
  const ss = Number(int.slice(4, 6));
  if (mm > 59 || ss > 60) return NaN;
  const frac = m[2] ? Number(`0.${m[2]}`) : 0;
  return hh * 3600 + mm * 60 + ss + frac;
}

function splitFields(text: string): string[] {
  const t = text.trim();
  if (t === '') return [];
  if (t.includes(',')) return t.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1').trim());
  return t.split(/\s+/);
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** 1/dt, snapped to a multiple of 1/8 Hz (or 1/1000 Hz below 1 Hz) when within 0.2 %. */
function rateFromPeriod(dt: number): number {
  const r = 1 / dt;
  const step = r >= 1 ? 8 : 1000;
  const snapped = Math.round(r * step) / step;
  return snapped > 0 && Math.abs(snapped - r) <= r * 0.002 ? snapped : r;
}

function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const cos = Math.cos((((lat1 + lat2) / 2) * Math.PI) / 180);
  const dx = (lon2 - lon1) * cos * M_PER_DEG_LON;
  const dy = (lat2 - lat1) * M_PER_DEG_LAT;
  return Math.hypot(dx, dy);
}

function bearingDeg(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const cos = Math.cos((((lat1 + lat2) / 2) * Math.PI) / 180);
  const dx = (lon2 - lon1) * cos * M_PER_DEG_LON;
  const dy = (lat2 - lat1) * M_PER_DEG_LAT;
  return ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

// ---- "File created on …" ------------------------------------------------------------------

interface Created {
  /** ms since epoch of the date's midnight (UTC). */
  dayMs: number;
  /** Seconds since midnight of the creation time, or NaN. */
  tod: number;
  /** As written, normalised: "2015-05-31T19:20:40". */
  iso: string;
}

const CREATED_RE =
  /file created on\s+(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})(?:\s*(?:at|@))?\s*(?:(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:\s*([ap])\.?\s*m\b\.?)?)?/i;

function parseCreated(text: string, line: number, warnings: string[]): Created | null {
  const m = CREATED_RE.exec(text);
  if (!m) {
    warnings.push(`Could not read the date of "${text.trim().slice(0, 80)}" (line ${line}): the session date is unknown.`);
    return null;
  }
  let a = Number(m[1]);
  let b = Number(m[2]);
  let y = Number(m[3]);
  const ampm = m[7]?.toLowerCase();
  let day: number;
  let month: number;
  if (a > 31 && m[1]!.length === 4) {
    // yyyy/mm/dd
    [y, a, b] = [a, b, y];
    month = a;
    day = b;
  } else {
    if (y < 100) y += 2000;
    let dayFirst = ampm === undefined; // 24-hour clock: dd/mm/yyyy (Racelogic); AM/PM: US m/d/yyyy
    if (a > 12 && b <= 12) dayFirst = true;
    else if (b > 12 && a <= 12) dayFirst = false;
    else if (a !== b && a <= 12 && b <= 12 && ampm !== undefined) {
      warnings.push(
        `The file date "${m[1]}/${m[2]}/${m[3]}" could be day/month or month/day; read as month/day (US, 12-hour clock).`,
      );
    }
    day = dayFirst ? a : b;
    month = dayFirst ? b : a;
  }
  const dayMs = Date.UTC(y, month - 1, day);
  const check = new Date(dayMs);
  if (!(month >= 1 && month <= 12 && day >= 1 && check.getUTCDate() === day && check.getUTCMonth() === month - 1)) {
    warnings.push(`The file date "${m[1]}/${m[2]}/${m[3]}" is not a valid date; the session start date is unknown.`);
    return null;
  }
  let tod = NaN;
  let timeText = '';
  if (m[4] !== undefined && m[5] !== undefined) {
    let hh = Number(m[4]);
    const mm = Number(m[5]);
    const ss = m[6] !== undefined ? Number(m[6]) : 0;
    if (ampm === 'p' && hh < 12) hh += 12;
    if (ampm === 'a' && hh === 12) hh = 0;
    if (hh < 24 && mm < 60 && ss < 61) {
      tod = hh * 3600 + mm * 60 + ss;
      timeText = `T${pad2(hh)}:${pad2(mm)}:${pad2(ss)}`;
    }
  }
  const iso = `${String(y).padStart(4, '0')}-${pad2(month)}-${pad2(day)}${timeText}`;
  return { dayMs, tod, iso };
}

// ---- the importer ---------------------------------------------------------------------------

interface Column {
  index: number;
  kind: Kind;
  name: string;
  sourceName: string;
  unit: string;
}

function parse(bytes: Uint8Array, ctx: ImportContext): ImportedSession {
  const warnings: string[] = [];
  ctx.progress(0, bytes.length);
  const lines = textLines(FORMAT, bytes);
  if (lines.length === 0 || lines.every((l) => l.trim() === '')) throw new ImportError(FORMAT, 'the file is empty', { line: 1 });

  // -- sections
  const sections = new Map<string, Section>();
  let current: Section | null = null;
  let createdText: string | null = null;
  let createdLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const sec = /^\s*\[([^[\]]{1,80})\]\s*$/.exec(text);
    if (sec) {
      const name = sec[1]!.trim().toLowerCase();
      if (sections.has(name)) {
        warnings.push(`Section [${name}] appears more than once (line ${i + 1}); the later one is ignored.`);
        current = { name, line: i + 1, lines: [] }; // collected but never used
      } else {
        current = { name, line: i + 1, lines: [] };
        sections.set(name, current);
      }
      continue;
    }
    if (createdText === null && /file created on/i.test(text)) {
      createdText = text;
      createdLine = i + 1;
      if (current === null) continue;
    }
    if (current) current.lines.push({ text, line: i + 1 });
  }

  const data = sections.get('data');
  if (!data) {
    if (!createdText && sections.size === 0) throw new ImportError(FORMAT, 'not a VBO file: no "File created on" line and no [sections]', { line: 1 });
    throw new ImportError(FORMAT, 'no [data] section', { line: lines.length });
  }

  const metadata = emptyMetadata();
  const created = createdText !== null ? parseCreated(createdText, createdLine, warnings) : null;
  if (createdText === null) warnings.push('No "File created on" line: the session date is unknown.');

  // -- [header], [channel units]
  const headerTitles = (sections.get('header')?.lines ?? []).map((l) => l.text.trim()).filter((t) => t !== '');
  let velocityUnit = 'km/h';
  let vertUnit = 'km/h';
  for (const title of headerTitles) {
    const v = /^velocity\s+(\S+)/i.exec(title);
    if (v) velocityUnit = unitWord(v[1]!) ?? velocityUnit;
    const vv = /^vertical[\s_-]+velocity\s+(\S+)/i.exec(title);
    if (vv) vertUnit = unitWord(vv[1]!) ?? vertUnit;
  }
  const unitLines = (sections.get('channel units')?.lines ?? []).map((l) => l.text.trim());

  // -- [comments]
  const commentLines = (sections.get('comments')?.lines ?? []).map((l) => l.text.trim()).filter((t) => t !== '');
  let logRate = NaN;
  for (const c of commentLines) {
    let m = /^(?:generated by|generator\s*:)\s*(.+)$/i.exec(c);
    if (m && metadata.device === null) metadata.device = m[1]!.replace(/https?:\/\/\S+/gi, '').trim() || null;
    m = /log rate\s*\(hz\)\s*:?\s*([\d.]+)/i.exec(c) ?? /^rate\s*:\s*([\d.]+)/i.exec(c);
    if (m) logRate = Number(m[1]);
    m = /^(track name|track|circuit|venue)\s*:\s*(.+)$/i.exec(c);
    if (m && metadata.venue === null) metadata.venue = m[2]!.trim() || null;
    m = /^(driver name|driver)\s*:\s*(.+)$/i.exec(c);
    if (m && metadata.driver === null) metadata.driver = m[2]!.trim() || null;
    m = /^(vehicle name|vehicle|car)\s*:\s*(.+)$/i.exec(c);
    if (m && metadata.vehicle === null) metadata.vehicle = m[2]!.trim() || null;
    m = /^(title|session name)\s*:\s*(.+)$/i.exec(c);
    if (m && metadata.session === null) metadata.session = m[2]!.trim() || null;
  }
  if (metadata.device === null && commentLines.length) {
    const firstProduct = commentLines.find((c) => /vbox|racelogic|racebox|laptimer|racechrono/i.test(c) && !/^\(c\)/i.test(c));
    if (firstProduct) metadata.device = firstProduct;
  }
  const commentParts = [...commentLines];
  if (created) commentParts.push(`File created ${created.iso}`);
  metadata.comment = commentParts.length ? commentParts.join('\n') : null;

  // -- [session data] (Harry's LapTimer): "laps 12", "name Megara", "driver KAK", "vehicle …"
  for (const l of sections.get('session data')?.lines ?? []) {
    const m = /^([A-Za-z_]+)[ \t]*[:=]?[ \t]*(.*)$/.exec(l.text.trim());
    if (!m || m[2] === '') continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!;
    if (key === 'name' || key === 'track' || key === 'venue') metadata.venue = value;
    else if (key === 'driver') metadata.driver = value;
    else if (key === 'vehicle' || key === 'car') metadata.vehicle = value;
    else if (key === 'laps') warnings.push(`The file says ${value} laps, without lap times; laps come from the start/finish gate.`);
    else if (key === 'session') metadata.session = value;
  }

  // -- [column names] (or the [header] titles as a fallback)
  const colSection = sections.get('column names');
  let colLine = colSection?.line ?? data.line;
  let names: string[] = [];
  const colText = colSection?.lines.find((l) => l.text.trim() !== '');
  if (colText) {
    names = colText.text
      .split(/[\s,;]+/)
      .map((s) => s.replace(/^"|"$/g, ''))
      .filter((s) => s !== '');
    colLine = colText.line;
  } else if (headerTitles.length) {
    names = headerTitles.map((t) => t.split(/\s+/)[0]!);
    warnings.push('No [column names] section: the columns are taken from the [header] titles.');
  }
  if (names.length === 0) throw new ImportError(FORMAT, 'no [column names] and no [header] to name the data columns', { line: colLine });

  const columns: Column[] = [];
  let timeIndex = -1;
  const nonStandard: Column[] = [];
  names.forEach((raw, index) => {
    const k = KNOWN.get(raw.toLowerCase());
    if (k?.kind === 'time' && timeIndex < 0) {
      timeIndex = index;
      return;
    }
    if (k && k.kind !== 'time') {
      const unit = k.kind === 'velocity' ? velocityUnit : k.kind === 'vertvel' ? vertUnit : k.unit;
      columns.push({ index, kind: k.kind, name: k.name, sourceName: raw, unit });
    } else {
      const col: Column = { index, kind: 'plain', name: raw, sourceName: raw, unit: '' };
      columns.push(col);
      nonStandard.push(col);
    }
  });
  if (timeIndex < 0) throw new ImportError(FORMAT, `no "time" column among [column names]: ${names.join(' ')}`, { line: colLine });
  nonStandard.forEach((c, i) => (c.unit = unitLines[i] ?? ''));
  if (unitLines.filter((u) => u !== '').length > nonStandard.length) {
    warnings.push('[channel units] has more lines than there are non-standard channels; extra lines ignored.');
  }

  // -- [data]
  const nCols = names.length;
  const satsCol = columns.findIndex((c) => c.kind === 'sats');
  const nc = columns.length + (satsCol >= 0 ? 2 : 0); // + brake trigger, DGPS flags
  const dataLines = data.lines;
  // a usable row has nCols fields, so at least 2·nCols − 1 characters: bounds the allocation
  const capacity = Math.min(dataLines.length, Math.floor(bytes.length / Math.max(1, 2 * nCols - 1)) + 1);
  const tod = new Float64Array(capacity);
  const lineOf = new Int32Array(capacity);
  const vals = new Float64Array(capacity * nc);
  let rows = 0;
  let shortRows = 0;
  let firstShortLine = 0;
  let badTime = 0;
  let firstBadTime = 0;
  let longRows = 0;
  let lastNonEmpty = -1;
  for (let i = dataLines.length - 1; i >= 0; i--) {
    if (dataLines[i]!.text.trim() !== '') {
      lastNonEmpty = i;
      break;
    }
  }
  let truncatedLast = false;
  for (let i = 0; i < dataLines.length; i++) {
    const l = dataLines[i]!;
    const fields = splitFields(l.text);
    if (fields.length === 0) continue;
    if (fields.length < nCols) {
      if (i === lastNonEmpty) truncatedLast = true;
      else {
        if (shortRows === 0) firstShortLine = l.line;
        shortRows++;
      }
      continue;
    }
    if (fields.length > nCols) longRows++;
    if (rows >= capacity) break;
    const t = parseTimeOfDay(fields[timeIndex]!);
    if (!(t >= 0)) {
      if (badTime === 0) firstBadTime = l.line;
      badTime++;
      continue;
    }
    const base = rows * nc;
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c]!;
      let v = parseNumberCell(fields[col.index]);
      if (col.kind === 'lat') v = Math.abs(v) <= 90 * 60 ? v / 60 : NaN;
      else if (col.kind === 'lon') v = Math.abs(v) <= 180 * 60 ? -v / 60 : NaN;
      else if (col.kind === 'sats') {
        const raw = v;
        if (Number.isInteger(raw) && raw >= 0 && raw <= 255) {
          v = raw & 63;
          vals[base + columns.length] = (raw >> 6) & 1;
          vals[base + columns.length + 1] = (raw >> 7) & 1;
        } else {
          v = NaN;
          vals[base + columns.length] = NaN;
          vals[base + columns.length + 1] = NaN;
        }
      }
      vals[base + c] = v;
    }
    tod[rows] = t;
    lineOf[rows] = l.line;
    rows++;
    if ((i & 0xffff) === 0) ctx.progress(Math.round((bytes.length * i) / dataLines.length / 2), bytes.length);
  }
  if (truncatedLast) warnings.push(`The last data row (line ${dataLines[lastNonEmpty]!.line}) is incomplete and was skipped.`);
  if (shortRows) warnings.push(`${shortRows} data row(s) with fewer than ${nCols} fields were skipped (first at line ${firstShortLine}).`);
  if (longRows) warnings.push(`${longRows} data row(s) have more fields than [column names]; the extra fields were ignored.`);
  if (badTime) warnings.push(`${badTime} data row(s) with an unreadable time were skipped (first at line ${firstBadTime}).`);
  if (rows === 0) throw new ImportError(FORMAT, 'no readable data rows', { line: data.line });

  // lat = lon = 0 is "no fix", not a position in the Gulf of Guinea
  const latCol = columns.findIndex((c) => c.kind === 'lat');
  const lonCol = columns.findIndex((c) => c.kind === 'lon');
  if (latCol >= 0 && lonCol >= 0) {
    for (let r = 0; r < rows; r++) {
      if (vals[r * nc + latCol] === 0 && vals[r * nc + lonCol] === 0) {
        vals[r * nc + latCol] = NaN;
        vals[r * nc + lonCol] = NaN;
      }
    }
  }

  // -- time base
  const keep = cleanTimes(tod, rows, warnings, lineOf);
  const absT = keep.abs;
  const idx = keep.rows;
  const nKept = idx.length;
  const diffs: number[] = [];
  for (let k = 1; k < nKept; k++) diffs.push(absT[k]! - absT[k - 1]!);
  let period = median(diffs);
  if (!(period > 0)) period = logRate > 0 ? 1 / logRate : 1;
  const rateHz = rateFromPeriod(period);
  if (logRate > 0 && Math.abs(logRate - rateHz) > rateHz * 0.05) {
    warnings.push(`[comments] says ${logRate} Hz but the rows are ${rateHz} Hz apart; using ${rateHz} Hz.`);
  }

  // -- fit on one grid; drop outlying fragments when the gaps would make it enormous
  const window = chooseWindow(absT, rateHz, nc, warnings);
  const t0 = absT[window.from]!;
  const nGrid = Math.round((absT[window.to]! - t0) * rateHz) + 1;
  const rel = new Float64Array(window.to - window.from + 1);
  for (let k = window.from; k <= window.to; k++) rel[k - window.from] = absT[k]! - t0;
  const gridRow = new Int32Array(nGrid).fill(-1);
  const gridW = new Float64Array(nGrid);
  {
    const tol = ON_GRID_TOLERANCE / rateHz;
    const maxGap = (MAX_INTERP_PERIODS + ON_GRID_TOLERANCE) / rateHz;
    let j = 0;
    for (let g = 0; g < nGrid; g++) {
      const tg = g / rateHz;
      while (j + 1 < rel.length && rel[j + 1]! <= tg + tol) j++;
      if (Math.abs(rel[j]! - tg) <= tol) {
        gridRow[g] = j;
        gridW[g] = 0;
      } else if (j + 1 < rel.length && rel[j]! < tg && rel[j + 1]! - rel[j]! <= maxGap) {
        gridRow[g] = j;
        gridW[g] = (tg - rel[j]!) / (rel[j + 1]! - rel[j]!);
      }
    }
  }
  let gapSamples = 0;
  let longestGap = 0;
  for (let k = 1; k < rel.length; k++) {
    const d = rel[k]! - rel[k - 1]!;
    if (d > (MAX_INTERP_PERIODS + ON_GRID_TOLERANCE) / rateHz) {
      gapSamples++;
      longestGap = Math.max(longestGap, d);
    }
  }
  if (gapSamples) {
    warnings.push(
      `${gapSamples} recording gap(s) (longest ${longestGap.toFixed(1)} s) are kept as missing samples (NaN).`,
    );
  }

  const channelDefs: { def: { kind: Kind; name: string; sourceName: string; unit: string }; col: number }[] = [];
  columns.forEach((c, i) => channelDefs.push({ def: c, col: i }));
  if (satsCol >= 0) {
    let brake = false;
    let dgps = false;
    for (let r = 0; r < rows; r++) {
      if (vals[r * nc + columns.length] === 1) brake = true;
      if (vals[r * nc + columns.length + 1] === 1) dgps = true;
    }
    const satsName = columns[satsCol]!.sourceName;
    if (brake) channelDefs.push({ def: { kind: 'step', name: 'brake trigger', sourceName: `${satsName} (+64)`, unit: '' }, col: columns.length });
    if (dgps) channelDefs.push({ def: { kind: 'step', name: 'dgps', sourceName: `${satsName} (+128)`, unit: '' }, col: columns.length + 1 });
  }

  const channels: ImportedChannel[] = channelDefs.map(({ def, col }) => {
    const out = new Float64Array(nGrid);
    const step = def.kind === 'sats' || def.kind === 'step';
    const angle = def.kind === 'heading';
    for (let g = 0; g < nGrid; g++) {
      const j = gridRow[g]!;
      if (j < 0) {
        out[g] = NaN;
        continue;
      }
      const w = gridW[g]!;
      const a = vals[idx[j + window.from]! * nc + col]!;
      if (w === 0) {
        out[g] = a;
        continue;
      }
      const b = vals[idx[j + 1 + window.from]! * nc + col]!;
      if (step) out[g] = w < 0.5 ? a : b;
      else if (angle) {
        const d = ((((b - a) % 360) + 540) % 360) - 180;
        out[g] = (((a + w * d) % 360) + 360) % 360;
      } else out[g] = a + w * (b - a);
    }
    return { name: def.name, sourceName: def.sourceName, unit: def.unit, rateHz, startS: 0, samples: out };
  });
  const named = uniqueNames(channels);
  const nameOf = (kind: Kind): string | undefined => {
    const i = channelDefs.findIndex((d) => d.def.kind === kind);
    return i >= 0 ? named[i]!.name : undefined;
  };

  // -- start time
  if (created) {
    const firstTod = t0; // seconds since the created date's midnight (row times start on day 0)
    let dayMs = created.dayMs;
    if (Number.isFinite(created.tod) && firstTod - created.tod > 14 * 3600 && firstTod < 86400) {
      dayMs -= 86_400_000;
      warnings.push('The first sample is late in the day and the file was created early the next day: dated the day before the file.');
    }
    const ms = dayMs + Math.round(firstTod * 1000);
    metadata.startedAt = Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : null;
  }

  // -- GPS and the [laptiming] gate
  const latName = nameOf('lat');
  const lonName = nameOf('lon');
  let gps: ImportedSession['gps'] = null;
  let latS: Float64Array | null = null;
  let lonS: Float64Array | null = null;
  if (latName && lonName) {
    gps = { lat: latName, lon: lonName };
    const v = nameOf('velocity');
    const h = nameOf('heading');
    if (v) gps.speed = v;
    if (h) gps.heading = h;
    latS = named[channelDefs.findIndex((d) => d.def.kind === 'lat')]!.samples;
    lonS = named[channelDefs.findIndex((d) => d.def.kind === 'lon')]!.samples;
  }
  const headingIdx = channelDefs.findIndex((d) => d.def.kind === 'heading');
  const gate = gateFromLapTiming(sections.get('laptiming')?.lines ?? [], latS, lonS, headingIdx >= 0 ? named[headingIdx]!.samples : null, warnings);

  ctx.progress(bytes.length, bytes.length);
  return { format: FORMAT, metadata, channels: named, loggerLaps: null, gate, gps, warnings };
}

/**
 * Absolute times (s from the first row's midnight) of the usable rows: midnight roll-overs
 * added, single-row time glitches and rows going back in time dropped.
 */
function cleanTimes(tod: Float64Array, rows: number, warnings: string[], lineOf: Int32Array): { abs: number[]; rows: number[] } {
  // typical period from plausible consecutive steps, to recognise glitches
  const steps: number[] = [];
  for (let r = 1; r < rows; r++) {
    const d = tod[r]! - tod[r - 1]!;
    if (d > 0 && d < 60) steps.push(d);
  }
  const typical = median(steps);
  const far = Number.isFinite(typical) ? Math.max(10 * typical, 5) : 5;
  const near = Number.isFinite(typical) ? Math.max(5 * typical, 0.5) : 0.5;
  const dayDiff = (a: number, b: number): number => {
    let d = Math.abs(a - b) % 86400;
    if (d > 43200) d = 86400 - d;
    return d;
  };
  let glitches = 0;
  let firstGlitch = 0;
  const ok = new Uint8Array(rows).fill(1);
  for (let r = 0; r < rows; r++) {
    const hasPrev = r > 0;
    const hasNext = r + 1 < rows;
    if (!hasPrev && !hasNext) break;
    const dPrev = hasPrev ? dayDiff(tod[r]!, tod[r - 1]!) : Infinity;
    const dNext = hasNext ? dayDiff(tod[r]!, tod[r + 1]!) : Infinity;
    if (dPrev <= far || dNext <= far) continue;
    // far from both neighbours: a glitch when the neighbours agree with each other
    const neighboursAgree = hasPrev && hasNext ? dayDiff(tod[r - 1]!, tod[r + 1]!) <= near : hasPrev ? r >= 2 && dayDiff(tod[r - 1]!, tod[r - 2]!) <= near : r + 2 < rows && dayDiff(tod[r + 1]!, tod[r + 2]!) <= near;
    if (neighboursAgree) {
      ok[r] = 0;
      if (glitches === 0) firstGlitch = lineOf[r]!;
      glitches++;
    }
  }
  const abs: number[] = [];
  const kept: number[] = [];
  let dayOffset = 0;
  let backwards = 0;
  let firstBack = 0;
  let rollovers = 0;
  for (let r = 0; r < rows; r++) {
    if (!ok[r]) continue;
    let t = tod[r]! + dayOffset;
    const last = abs.length ? abs[abs.length - 1]! : -Infinity;
    if (t < last - 43200) {
      dayOffset += 86400;
      rollovers++;
      t += 86400;
    }
    if (t <= last) {
      if (backwards === 0) firstBack = lineOf[r]!;
      backwards++;
      continue;
    }
    abs.push(t);
    kept.push(r);
  }
  if (glitches) warnings.push(`${glitches} row(s) with a time far from both neighbours were dropped as glitches (first at line ${firstGlitch}).`);
  if (backwards) warnings.push(`${backwards} row(s) not later than the row before were dropped (first at line ${firstBack}).`);
  if (rollovers > 1) warnings.push(`The time of day wrapped past midnight ${rollovers} times.`);
  return { abs, rows: kept };
}

/** The longest run of rows whose grid fits the budget (all of them, unless gaps are enormous). */
function chooseWindow(absT: number[], rateHz: number, nc: number, warnings: string[]): { from: number; to: number } {
  const n = absT.length;
  const budgetCells = Math.max(MIN_CELL_BUDGET, 16 * n * Math.max(nc, 1));
  const maxLen = Math.max(1, Math.floor(budgetCells / Math.max(nc, 1)));
  const span = (a: number, b: number): number => Math.round((absT[b]! - absT[a]!) * rateHz) + 1;
  if (span(0, n - 1) <= maxLen) return { from: 0, to: n - 1 };
  let best = { from: 0, to: 0 };
  let a = 0;
  for (let b = 0; b < n; b++) {
    while (a < b && span(a, b) > maxLen) a++;
    if (b - a > best.to - best.from) best = { from: a, to: b };
  }
  const kept = best.to - best.from + 1;
  warnings.push(
    `The recording spans ${(absT[n - 1]! - absT[0]!).toFixed(0)} s with long gaps, too long for one grid; kept the ${kept} rows from ` +
      `${(absT[best.from]! - absT[0]!).toFixed(1)} s to ${(absT[best.to]! - absT[0]!).toFixed(1)} s and dropped ${n - kept} rows.`,
  );
  return best;
}

interface GatePoint {
  lat: number;
  lon: number;
}

function gateFromLapTiming(
  lines: Line[],
  lat: Float64Array | null,
  lon: Float64Array | null,
  heading: Float64Array | null,
  warnings: string[],
): GateHint | null {
  const gates: { type: string; v: [number, number, number, number]; label: string; line: number }[] = [];
  for (const l of lines) {
    const m = /^\s*([A-Za-z]+)\s+([+-]?\d+(?:\.\d*)?)\s+([+-]?\d+(?:\.\d*)?)\s+([+-]?\d+(?:\.\d*)?)\s+([+-]?\d+(?:\.\d*)?)(.*)$/.exec(l.text);
    if (!m) continue;
    gates.push({
      type: m[1]!.toLowerCase(),
      v: [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])],
      label: m[6]!.replace(/^[\s¬]+/, '').trim(),
      line: l.line,
    });
  }
  if (gates.length === 0) return null;
  const start = gates.find((g) => g.type === 'start') ?? gates.find((g) => g.type === 'finish');
  if (!start) return null;

  // the fixes, subsampled to at most ~20k for the distance test
  const fixes: number[] = [];
  if (lat && lon) {
    for (let i = 0; i < lat.length; i++) if (lat[i] === lat[i] && lon[i] === lon[i]) fixes.push(i);
  }
  const nearest = (p: GatePoint): { i: number; d: number } => {
    let best = -1;
    let bestD = Infinity;
    const stride = Math.max(1, Math.floor(fixes.length / 20000));
    for (let k = 0; k < fixes.length; k += stride) {
      const i = fixes[k]!;
      const d = distanceM(p.lat, p.lon, lat![i]!, lon![i]!);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    if (stride > 1 && best >= 0) {
      for (let i = Math.max(0, best - stride); i <= Math.min(lat!.length - 1, best + stride); i++) {
        if (lat![i] !== lat![i] || lon![i] !== lon![i]) continue;
        const d = distanceM(p.lat, p.lon, lat![i]!, lon![i]!);
        if (d < bestD) {
          bestD = d;
          best = i;
        }
      }
    }
    return { i: best, d: bestD };
  };

  const [v1, v2, v3, v4] = start.v;
  const orders: { name: string; p1: GatePoint; p2: GatePoint }[] = [
    { name: 'long,lat', p1: { lat: v2 / 60, lon: -v1 / 60 }, p2: { lat: v4 / 60, lon: -v3 / 60 } },
    { name: 'lat,long', p1: { lat: v1 / 60, lon: -v2 / 60 }, p2: { lat: v3 / 60, lon: -v4 / 60 } },
  ].filter((o) => [o.p1, o.p2].every((p) => Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180));
  if (orders.length === 0) {
    warnings.push(`The [laptiming] ${start.type} line (line ${start.line}) has coordinates out of range; ignored.`);
    return null;
  }
  let chosen = orders[0]!;
  let i1 = -1;
  if (fixes.length) {
    let bestD = Infinity;
    for (const o of orders) {
      const a = nearest(o.p1);
      const b = nearest(o.p2);
      const d = Math.max(a.d, b.d);
      if (d < bestD) {
        bestD = d;
        chosen = o;
        i1 = a.i;
      }
    }
    if (!(bestD <= GATE_MAX_DISTANCE_M)) {
      warnings.push(`The [laptiming] ${start.type} line (line ${start.line}) is not near the GPS trace in either coordinate order; ignored.`);
      return null;
    }
  } else {
    warnings.push(`No GPS trace to check the [laptiming] coordinate order against; read as ${chosen.name}.`);
  }
  const source = `vbo [laptiming] ${start.type}${start.label ? ` (${start.label})` : ''}`;
  const travel = i1 >= 0 ? travelHeading(i1, lat!, lon!, heading) : null;
  const { p1, p2 } = chosen;
  const len = distanceM(p1.lat, p1.lon, p2.lat, p2.lon);
  if (len < 1) {
    return travel === null ? { lat: p1.lat, lon: p1.lon, source } : { lat: p1.lat, lon: p1.lon, headingDeg: travel, source };
  }
  if (travel !== null) {
    const along = bearingDeg(p1.lat, p1.lon, p2.lat, p2.lon);
    const angle = Math.abs(((((along - travel) % 360) + 540) % 360) - 180); // 0..180
    if (Math.abs(Math.sin((angle * Math.PI) / 180)) < Math.SQRT1_2) {
      warnings.push(
        `The [laptiming] ${start.type} points lie along the track (${len.toFixed(0)} m apart, not across it); ` +
          'the gate is the first point with the direction of travel.',
      );
      return { lat: p1.lat, lon: p1.lon, headingDeg: travel, source };
    }
    return { lat: p1.lat, lon: p1.lon, lat2: p2.lat, lon2: p2.lon, headingDeg: travel, source };
  }
  return { lat: p1.lat, lon: p1.lon, lat2: p2.lat, lon2: p2.lon, source };
}

/** Direction of travel (degrees from north) at fix i, from the positions a few metres either side. */
function travelHeading(i: number, lat: Float64Array, lon: Float64Array, heading: Float64Array | null): number | null {
  for (let k = 1; k <= 50; k++) {
    const a = Math.max(0, i - k);
    const b = Math.min(lat.length - 1, i + k);
    const la = lat[a]!;
    const oa = lon[a]!;
    const lb = lat[b]!;
    const ob = lon[b]!;
    if (la !== la || oa !== oa || lb !== lb || ob !== ob) break;
    if (distanceM(la, oa, lb, ob) >= 4) return bearingDeg(la, oa, lb, ob);
  }
  const h = heading?.[i];
  return h !== undefined && h === h ? ((h % 360) + 360) % 360 : null;
}

export const vboImporter: Importer = {
  format: FORMAT,
  label: 'Racelogic VBOX (.vbo)',
  detect,
  parse,
};
