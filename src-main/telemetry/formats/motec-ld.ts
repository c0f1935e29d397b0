// MoTeC i2 logged data (.ld), with laps from the .ldx companion, the Beacon channel or the
// logger's lap channels. Layout: shared/research/telemetry-formats.md §1. All values are
// little-endian; every pointer is checked before it is followed, and anything that cannot be
// read raises an ImportError carrying the byte offset of the problem.
import { decodeText } from '../text.ts';
import { decodeAll, decodeScaled, isIdentity, rawView, type RawType, type Scaling, type ScaledSamples } from '../scaled.ts';
import { emptyMetadata, ImportError, sampleCount, uniqueNames, type ImportContext, type ImportedChannel, type ImportedSession, type Importer, type LoggerLaps, type SessionMetadata } from '../model.ts';

const FORMAT = 'motec-ld';

/** The header fields we read end with the short comment (0x624 + 64). */
const HEADER_BYTES = 0x664;
/** The part of a channel record we read (pointers, type, scaling, name, short name, units). */
const RECORD_BYTES = 0x54;
const EVENT_VENUE_PTR = 0x480;
const VENUE_VEHICLE_PTR = 0x44a;

const H = {
  marker: 0x00,
  metaPtr: 0x08,
  dataPtr: 0x0c,
  eventPtr: 0x24,
  serial: 0x46,
  deviceType: 0x4a,
  deviceVersion: 0x52,
  channelCount: 0x56,
  date: 0x5e,
  time: 0x7e,
  driver: 0x9e,
  vehicle: 0xde,
  venue: 0x15e,
  session: 0x5e4,
  shortComment: 0x624,
} as const;

const R = {
  prev: 0x00,
  next: 0x04,
  dataPtr: 0x08,
  count: 0x0c,
  id: 0x10,
  category: 0x12,
  size: 0x14,
  rate: 0x16,
  shift: 0x18,
  mul: 0x1a,
  scale: 0x1c,
  dec: 0x1e,
  name: 0x20,
  shortName: 0x40,
  units: 0x48,
} as const;

type SampleType = 'int8' | 'int16' | 'int32' | 'float16' | 'float32';

/** (category, size) → sample type; null for pairs we do not know. */
export function ldSampleType(category: number, size: number): SampleType | null {
  if (category === 0 || category === 3 || category === 5) {
    if (size === 1) return 'int8';
    if (size === 2) return 'int16';
    if (size === 4) return 'int32';
    return null;
  }
  if (category === 7) {
    if (size === 2) return 'float16';
    if (size === 4) return 'float32';
  }
  return null;
}

/** IEEE 754 half precision → number. */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

// ---- bounds-checked reading --------------------------------------------------------------

class Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly length: number;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = bytes.byteLength;
  }
  has(off: number, n: number): boolean {
    return Number.isInteger(off) && off >= 0 && off + n <= this.length;
  }
  u16(off: number, what: string): number {
    this.need(off, 2, what);
    return this.view.getUint16(off, true);
  }
  s16(off: number, what: string): number {
    this.need(off, 2, what);
    return this.view.getInt16(off, true);
  }
  u32(off: number, what: string): number {
    this.need(off, 4, what);
    return this.view.getUint32(off, true);
  }
  need(off: number, n: number, what: string): void {
    if (!this.has(off, n)) throw new ImportError(FORMAT, `file ends inside ${what} (needs bytes ${off}–${off + n - 1}, file has ${this.length})`, { offset: this.length });
  }
  /** A fixed-width NUL-padded Latin-1 string; bytes beyond the end of the file read as NUL. */
  str(off: number, n: number): string {
    let s = '';
    const end = Math.min(off + n, this.length);
    for (let i = off; i < end; i++) {
      const c = this.bytes[i]!;
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s.trim();
  }
}

// ---- detection ---------------------------------------------------------------------------

function detectLd(head: Uint8Array): number {
  if (head.length < 16) return 0;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (v.getUint32(0, true) !== 0x40) return 0;
  const meta = v.getUint32(H.metaPtr, true);
  const data = v.getUint32(H.dataPtr, true);
  // Pointers must lie past the fixed header and within a sane file size (< 2 GiB).
  const plausible = (p: number) => p >= 0x40 && p < 0x8000_0000;
  if (!plausible(meta) || (data !== 0 && !plausible(data))) return 0.1;
  if (head.length >= H.deviceType + 8) {
    // The device type is printable ASCII, NUL padded.
    for (let i = 0; i < 8; i++) {
      const c = head[H.deviceType + i]!;
      if (c === 0) break;
      if (c < 0x20 || c > 0x7e) return 0.6;
    }
  }
  return 0.95;
}

// ---- metadata ----------------------------------------------------------------------------

/** "23/11/2005" + "09:53:00" (or "09:53") → "2005-11-23T09:53:00"; null when not a real date/time. */
export function ldDateTime(date: string, time: string): string | null {
  const d = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$/.exec(date.trim());
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(date.trim());
  let day: number, month: number, year: number;
  if (d) {
    day = Number(d[1]);
    month = Number(d[2]);
    year = Number(d[3]);
    if (d[3]!.length === 2) year += year < 80 ? 2000 : 1900;
  } else if (iso) {
    year = Number(iso[1]);
    month = Number(iso[2]);
    day = Number(iso[3]);
  } else return null;
  const t = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(time.trim());
  if (!t) return null;
  const hh = Number(t[1]);
  const mm = Number(t[2]);
  const ss = t[3] === undefined ? 0 : Number(t[3]);
  return isoLocal(year, month, day, hh, mm, ss);
}

/** Validated "yyyy-mm-ddThh:mm:ss" (no zone), or null. */
export function isoLocal(year: number, month: number, day: number, hh: number, mm: number, ss: number): string | null {
  if (month < 1 || month > 12 || day < 1 || hh > 23 || mm > 59 || ss > 59 || year < 1970 || year > 2200) return null;
  const dim = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > dim) return null;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(year, 4)}-${p(month)}-${p(day)}T${p(hh)}:${p(mm)}:${p(ss)}`;
}

interface Blocks {
  event: { name: string; session: string; comment: string } | null;
  venue: string | null;
  vehicle: { id: string; description: string; type: string; comment: string } | null;
}

/** Event → venue → vehicle; every pointer optional. Broken pointers are warnings, not errors. */
function readBlocks(r: Reader, warnings: string[]): Blocks {
  const out: Blocks = { event: null, venue: null, vehicle: null };
  const eventPtr = r.u32(H.eventPtr, 'the header');
  if (eventPtr === 0) return out;
  if (eventPtr < 0x40 || !r.has(eventPtr, 64)) {
    warnings.push(`event block pointer ${eventPtr} points outside the file; event, venue and vehicle details ignored`);
    return out;
  }
  out.event = { name: r.str(eventPtr, 64), session: r.str(eventPtr + 64, 64), comment: r.str(eventPtr + 128, 1024) };
  let venuePtr = 0;
  if (r.has(eventPtr + EVENT_VENUE_PTR, 4)) {
    venuePtr = r.view.getUint32(eventPtr + EVENT_VENUE_PTR, true);
    // Some readers treat this as u16 with garbage in the high half.
    if (venuePtr !== 0 && !r.has(venuePtr, 64)) {
      const low = venuePtr & 0xffff;
      venuePtr = low !== 0 && r.has(low, 64) ? low : -1;
    }
  }
  if (venuePtr === -1) {
    warnings.push(`venue block pointer at byte ${eventPtr + EVENT_VENUE_PTR} points outside the file; venue and vehicle blocks ignored`);
    return out;
  }
  if (venuePtr === 0) return out;
  out.venue = r.str(venuePtr, 64) || null;
  if (!r.has(venuePtr + VENUE_VEHICLE_PTR, 4)) return out;
  const vehiclePtr = r.view.getUint32(venuePtr + VENUE_VEHICLE_PTR, true);
  if (vehiclePtr === 0) return out;
  if (!r.has(vehiclePtr, 64)) {
    warnings.push(`vehicle block pointer at byte ${venuePtr + VENUE_VEHICLE_PTR} points outside the file; vehicle block ignored`);
    return out;
  }
  out.vehicle = { id: r.str(vehiclePtr, 64), description: r.str(vehiclePtr + 64, 64), type: r.str(vehiclePtr + 0xc4, 32), comment: r.str(vehiclePtr + 0xe4, 32) };
  return out;
}

// ---- channels ----------------------------------------------------------------------------

const KNOWN_UNITS = new Set(
  [
    'rpm', 'kpa', 'pa', 'bar', 'mbar', 'psi', 'v', 'mv', 'a', 'ma', 'c', '°c', 'degc', 'f', '°f', 'degf', 'k', 'km/h', 'kph', 'mph',
    'm/s', 'm/s/s', 'm/s²', 'm/s^2', 'g', 'deg', '°', 'deg/s', '°/s', 'rad', 'rad/s', 's', 'ms', 'us', 'µs', 'min', 'h', 'm', 'mm', 'cm', 'km',
    'hz', 'l', 'ml', 'l/h', 'l/min', 'cc', 'lambda', 'la', 'afr', 'nm', 'n', 'kg', 'w', 'kw', 'hp', 'ratio', 'db', 'dbtdc',
  ],
);

/** The unit field, or the short-name field when it holds a unit instead (M1 and some third-party writers). */
function channelUnit(units: string, shortName: string): string {
  if (units) return units;
  const s = shortName.trim();
  if (!s) return '';
  if (KNOWN_UNITS.has(s.toLowerCase()) || /[%°²/]/.test(s)) return s;
  return '';
}

interface RawChannel {
  name: string;
  unit: string;
  rateHz: number;
  /** The samples as logged, for integer and float32 types (the Beacon channel is decoded from its raw words). */
  scaled?: ScaledSamples;
  /** Engineering values (for logged samples: decoded on first use). */
  readonly samples: Float64Array;
}

// Channels logged as integers or float32 decode their engineering values on first read (the
// store keeps the logged form and never reads them). Classes with the getter on the prototype:
// object literals with an accessor (and spreads of them) are built slowly, each one apart —
// they were most of the parse of a real 78-channel file (200 µs of it; 55 µs as classes).
class LoggedChannel implements RawChannel {
  readonly name: string;
  readonly unit: string;
  readonly rateHz: number;
  readonly scaled: ScaledSamples;
  private decoded: Float64Array | null = null;
  constructor(name: string, unit: string, rateHz: number, scaled: ScaledSamples) {
    this.name = name;
    this.unit = unit;
    this.rateHz = rateHz;
    this.scaled = scaled;
  }
  get samples(): Float64Array {
    return (this.decoded ??= decodeAll(this.scaled));
  }
}

/** A LoggedChannel under its unique name: the same lazily decoded values (shared with the lap finder). */
class ImportedLoggedChannel implements ImportedChannel {
  readonly name: string;
  readonly sourceName: string;
  readonly unit: string;
  readonly rateHz: number;
  readonly startS = 0;
  readonly scaled: ScaledSamples;
  private readonly logged: LoggedChannel;
  constructor(name: string, logged: LoggedChannel) {
    this.name = name;
    this.sourceName = logged.name;
    this.unit = logged.unit;
    this.rateHz = logged.rateHz;
    this.scaled = logged.scaled;
    this.logged = logged;
  }
  get samples(): Float64Array {
    return this.logged.samples;
  }
}

const RAW_TYPES: Partial<Record<SampleType, RawType>> = { int8: 'i8', int16: 'i16', int32: 'i32', float32: 'f32' };

function readRecords(r: Reader, warnings: string[]): number[] {
  const first = r.u32(H.metaPtr, 'the header');
  const records: number[] = [];
  const seen = new Set<number>();
  let p = first;
  let from = H.metaPtr;
  while (p !== 0) {
    if (seen.has(p)) {
      warnings.push(`the channel list loops back to the record at byte ${p} (pointer at byte ${from}); reading stopped there`);
      break;
    }
    if (p < 0x40 || !r.has(p, RECORD_BYTES)) {
      const where = records.length === 0 ? 'first channel record' : `channel record after "${r.str(records[records.length - 1]! + R.name, 32)}"`;
      throw new ImportError(FORMAT, `the ${where} pointer (${p}) points ${p >= r.length ? 'beyond the end of the file' : 'outside the channel records'} (file has ${r.length} bytes)`, { offset: from });
    }
    seen.add(p);
    records.push(p);
    from = p + R.next;
    p = r.view.getUint32(p + R.next, true);
  }
  return records;
}

const BEACON_NAME = /^beacon( \(internal\))?$/i;

/** Bytes of sample data the channels may claim in all, against channels pointing at each other's data. */
interface Budget {
  left: number;
}

function readChannel(r: Reader, rec: number, index: number, warnings: string[], budget: Budget): RawChannel | null {
  const v = r.view;
  const dataPtr = v.getUint32(rec + R.dataPtr, true);
  const count = v.getUint32(rec + R.count, true);
  const id = v.getUint16(rec + R.id, true);
  const category = v.getUint16(rec + R.category, true);
  const size = v.getUint16(rec + R.size, true);
  const rate = v.getUint16(rec + R.rate, true);
  const shift = v.getInt16(rec + R.shift, true);
  let mul = v.getInt16(rec + R.mul, true);
  let scale = v.getInt16(rec + R.scale, true);
  const dec = v.getInt16(rec + R.dec, true);
  const shortName = r.str(rec + R.shortName, 8);
  const name = r.str(rec + R.name, 32) || shortName || `Channel ${id || index + 1}`;
  const unit = channelUnit(r.str(rec + R.units, 12), shortName);
  const label = `channel "${name}" (record at byte ${rec})`;

  const type = ldSampleType(category, size);
  if (!type) {
    warnings.push(`${label}: unknown sample type (category ${category}, size ${size}); channel skipped`);
    return null;
  }
  if (rate === 0) {
    warnings.push(`${label}: sample rate 0 Hz; channel skipped`);
    return null;
  }
  if (dec < -30 || dec > 30) {
    warnings.push(`${label}: implausible decimal places ${dec}; channel skipped`);
    return null;
  }
  if (scale === 0) {
    warnings.push(`${label}: scale 0 read as 1`);
    scale = 1;
  }
  if (mul === 0) {
    warnings.push(`${label}: multiplier 0 read as 1`);
    mul = 1;
  }
  if (shift !== 0 && mul !== 1) {
    warnings.push(`${label}: has both an offset (${shift}) and a multiplier (${mul}); read as raw × mul / (scale × 10^dec) + offset`);
  }
  if (count > 0) {
    if (dataPtr >= r.length || dataPtr < 0x40) {
      throw new ImportError(FORMAT, `${label}: data pointer ${dataPtr} points ${dataPtr >= r.length ? 'beyond the end of the file' : 'into the header'} (file has ${r.length} bytes)`, { offset: rec + R.dataPtr });
    }
    const end = dataPtr + count * size;
    if (end > r.length) {
      throw new ImportError(FORMAT, `the file ends inside the samples of ${label}: ${count} × ${size} bytes from byte ${dataPtr} need ${end} bytes, the file has ${r.length} (truncated?)`, { offset: r.length });
    }
    budget.left -= count * size;
    if (budget.left < 0) {
      throw new ImportError(FORMAT, `${label}: the channels claim more sample data than the file holds (their data blocks overlap; corrupt channel list)`, { offset: rec + R.count });
    }
  }
  const scaling: Scaling = { mul, scale, dec, shift };
  const rawType = RAW_TYPES[type];
  if (rawType) {
    // Integers and float32 stay as they are in the file (a view, or an aligned copy): the
    // store keeps them in this form, and the values are decoded only where something reads them.
    const scaled: ScaledSamples = { type: rawType, raw: rawView(rawType, r.bytes.subarray(dataPtr, dataPtr + count * size), count), scaling, fileOffset: dataPtr };
    return new LoggedChannel(name, unit, rate, scaled);
  }
  // float16: no typed array holds it; widened to float64 here
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) samples[i] = float16ToNumber(v.getUint16(dataPtr + 2 * i, true));
  if (!isIdentity(scaling)) decodeScaled(samples, scaling, samples);
  return { name, unit, rateHz: rate, samples };
}

// ---- laps --------------------------------------------------------------------------------

export interface LdxInfo {
  /** Beacon marker times in seconds, sorted; null when the file has no Beacons group. */
  markers: number[] | null;
  details: Map<string, string>;
}

function xmlAttrs(s: string): Map<string, string> {
  const m = new Map<string, string>();
  const re = /([A-Za-z_][\w.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  for (let a = re.exec(s); a; a = re.exec(s)) m.set(a[1]!, a[2] ?? a[3] ?? '');
  return m;
}

function xmlUnescape(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e] ?? '');
}

/** Beacon markers (µs in the file → s) and the Details strings of an .ldx; null when it is not an .ldx. */
export function parseLdx(text: string): LdxInfo | null {
  if (!/<LDXFile\b/i.test(text)) return null;
  let markers: number[] | null = null;
  const groupRe = /<MarkerGroup\b([^>]*?)(\/>|>([\s\S]*?)<\/MarkerGroup\s*>)/g;
  for (let g = groupRe.exec(text); g; g = groupRe.exec(text)) {
    const name = xmlAttrs(g[1]!).get('Name');
    if (name === undefined || name.toLowerCase() !== 'beacons') continue;
    markers ??= [];
    const body = g[3] ?? '';
    const markerRe = /<Marker\b([^>]*)>/g;
    for (let mk = markerRe.exec(body); mk; mk = markerRe.exec(body)) {
      const t = Number(xmlAttrs(mk[1]!).get('Time'));
      if (Number.isFinite(t) && t >= 0) markers.push(t / 1e6);
    }
  }
  markers?.sort((a, b) => a - b);
  const details = new Map<string, string>();
  const det = /<Details\b[^>]*>([\s\S]*?)<\/Details\s*>/.exec(text);
  if (det) {
    const stringRe = /<String\b([^>]*)>/g;
    for (let s = stringRe.exec(det[1]!); s; s = stringRe.exec(det[1]!)) {
      const a = xmlAttrs(s[1]!);
      const id = a.get('Id');
      if (id !== undefined) details.set(xmlUnescape(id), xmlUnescape(a.get('Value') ?? ''));
    }
  }
  return { markers, details };
}

/** "1:47.525", "01:47.525", "0:01:47.525" or "107.525" → seconds; NaN otherwise. */
export function parseLapTime(s: string): number {
  const parts = s.trim().split(':');
  if (parts.length > 3 || parts.some((p) => !/^\d+(\.\d*)?$/.test(p))) return NaN;
  return parts.reduce((acc, p) => acc * 60 + Number(p), 0);
}

/** Warnings when the .ldx Details summary disagrees with its beacons. */
function checkLdxDetails(markers: number[], details: Map<string, string>, durationS: number): string[] {
  const out: string[] = [];
  const totalText = details.get('Total Laps');
  if (totalText !== undefined && totalText.trim() !== '') {
    const total = Number(totalText);
    // i2 counts every segment: out-lap, timed laps and in-lap = markers + 1.
    if (Number.isFinite(total) && total !== markers.length + 1 && total !== markers.length) {
      out.push(`the .ldx Details say ${totalText.trim()} laps but its ${markers.length} beacon${markers.length === 1 ? '' : 's'} make ${markers.length + 1} segments (the .ld may be truncated)`);
    }
  }
  const fastestText = details.get('Fastest Time');
  if (fastestText !== undefined && fastestText.trim() !== '') {
    const fastest = parseLapTime(fastestText);
    const bounds = [0, ...markers, durationS];
    let best = Infinity;
    for (let i = 0; i + 1 < bounds.length; i++) best = Math.min(best, Math.abs(bounds[i + 1]! - bounds[i]! - fastest));
    if (!Number.isFinite(fastest)) out.push(`the .ldx Details "Fastest Time" ${JSON.stringify(fastestText)} is not a lap time`);
    else if (markers.length > 0 && !(best <= 0.05)) {
      const laps: string[] = [];
      for (let i = 0; i + 1 < markers.length; i++) laps.push((markers[i + 1]! - markers[i]!).toFixed(3));
      out.push(`the .ldx Details give a fastest lap of ${fastestText.trim()} but no lap between its beacons has that time (${laps.join(', ') || 'no complete lap'})`);
    }
  }
  return out;
}

export interface BeaconEvent {
  timeS: number;
  id: number;
}

/**
 * The Beacon channel is an event stream: a negative word opens an event, a word ≥ 16384
 * carries a signed 14-bit millisecond offset, the next word in 0…16383 is the beacon id.
 * Event time = (index of the opening word)/rate − 1 s + offset.
 */
export function decodeBeaconWords(raw: ArrayLike<number>, rateHz: number): BeaconEvent[] {
  const events: BeaconEvent[] = [];
  let open = -1;
  let off = 0;
  for (let i = 0; i < raw.length; i++) {
    const w = raw[i]!;
    if (open < 0) {
      if (w < 0) {
        open = i;
        off = 0;
      }
      continue;
    }
    if (w < 0) continue;
    if (w >= 16384) {
      let o = w & 0x3fff;
      if (o >= 8192) o -= 16384;
      off = o;
      continue;
    }
    events.push({ timeS: open / rateHz - 1 + off / 1000, id: w });
    open = -1;
  }
  return events;
}

const START_FINISH_IDS = new Set([100, 2]);

function findChannel(channels: RawChannel[], re: RegExp): RawChannel | undefined {
  return channels.find((c) => re.test(c.name));
}

/** Lap boundaries from the logger's lap channels: Running Lap Time resets (precise), else Lap Number steps (coarse). */
function lapsFromLapChannels(channels: RawChannel[], warnings: string[]): LoggerLaps | null {
  const rlt = findChannel(channels, /^running lap time$/i);
  const ln = findChannel(channels, /^lap number$/i);
  const lt = findChannel(channels, /^lap time$/i);
  if (rlt) {
    const times: number[] = [];
    const s = rlt.samples;
    for (let j = 1; j < s.length; j++) {
      const a = s[j - 1]!;
      const b = s[j]!;
      if (!(b >= 0) || !(a >= 0)) continue;
      // A reset (value drops) or the first timed lap starting (0 → running).
      if (b < a || (a === 0 && b > 0)) {
        const t = j / rlt.rateHz - b;
        if (t >= 0 && (times.length === 0 || t > times[times.length - 1]! + 1)) times.push(t);
      }
    }
    if (times.length) {
      if (lt) {
        // Cross-check: each lap between two resets against the logger's Lap Time.
        const lapTimes = new Set<number>();
        for (const v of lt.samples) if (v > 0) lapTimes.add(Math.round(v * 100));
        for (let k = 1; k < times.length; k++) {
          const d = times[k]! - times[k - 1]!;
          let ok = false;
          for (const v of lapTimes) if (Math.abs(v / 100 - d) <= 0.1) ok = true;
          if (!ok && lapTimes.size) {
            warnings.push(`the lap from ${times[k - 1]!.toFixed(2)} s to ${times[k]!.toFixed(2)} s (${d.toFixed(2)} s, from Running Lap Time) matches no value of the Lap Time channel`);
            break;
          }
        }
      }
      return { kind: 'markers', times, source: 'motec-ld Running Lap Time channel' };
    }
  }
  if (ln) {
    const times: number[] = [];
    const s = ln.samples;
    for (let j = 1; j < s.length; j++) if (s[j]! > s[j - 1]!) times.push(j / ln.rateHz);
    if (times.length) {
      warnings.push(`laps from the Lap Number channel are only accurate to its sample period (${(1 / ln.rateHz).toFixed(2)} s) plus the logger's delay`);
      return { kind: 'markers', times, source: 'motec-ld Lap Number channel' };
    }
  }
  return null;
}

function loggerLaps(channels: RawChannel[], ctx: ImportContext, durationS: number, warnings: string[]): LoggerLaps | null {
  // 1. The .ldx companion.
  const base = ctx.fileName.replace(/^.*[/\\]/, '').replace(/\.[^.]*$/, '');
  let ldxBytes: Uint8Array | null = null;
  let ldxName = `${base}.ldx`;
  for (const name of [`${base}.ldx`, `${base}.LDX`]) {
    try {
      ldxBytes = ctx.sibling(name);
    } catch {
      ldxBytes = null;
    }
    if (ldxBytes) {
      ldxName = name;
      break;
    }
  }
  if (ldxBytes) {
    const ldx = parseLdx(decodeText(ldxBytes));
    if (!ldx) warnings.push(`${ldxName} is not an LDX file; ignored`);
    else if (ldx.markers && ldx.markers.length) {
      warnings.push(...checkLdxDetails(ldx.markers, ldx.details, durationS));
      const beyond = ldx.markers.filter((t) => t > durationS + 1);
      if (beyond.length) warnings.push(`${beyond.length} beacon${beyond.length === 1 ? '' : 's'} in ${ldxName} lie after the end of the log (${durationS.toFixed(3)} s); the .ld may be truncated`);
      return { kind: 'markers', times: ldx.markers, source: 'motec-ldx beacons' };
    } else if (ldx.details.size) {
      warnings.push(`${ldxName} has no beacon markers, only a summary (${[...ldx.details].map(([k, v]) => `${k} ${v}`).join(', ')}); laps taken from the log itself`);
    }
  }
  // 2. The Beacon channel.
  // (its words are integers; a float Beacon channel is not one the loggers write)
  const beacon = channels.find((c) => c.scaled && c.scaled.type !== 'f32' && BEACON_NAME.test(c.name));
  if (beacon?.scaled) {
    const events = decodeBeaconWords(beacon.scaled.raw, beacon.rateHz);
    const times = events.filter((e) => START_FINISH_IDS.has(e.id) && e.timeS >= 0).map((e) => e.timeS);
    times.sort((a, b) => a - b);
    if (times.length) return { kind: 'markers', times, source: 'motec-ld Beacon channel' };
  }
  // 3. Lap Number / Lap Time / Running Lap Time.
  return lapsFromLapChannels(channels, warnings);
}

// ---- GPS ---------------------------------------------------------------------------------

/** Names of GPS latitude/longitude (decimal degrees) and speed/heading channels, by name. */
export function findGpsChannels(channels: { name: string; unit: string }[]): ImportedSession['gps'] {
  const find = (re: RegExp) => channels.find((c) => re.test(c.name))?.name;
  const lat = find(/^(gps[ _]?)?lat(itude)?$/i);
  const lon = find(/^(gps[ _]?)?lon(g|gitude)?$/i);
  if (!lat || !lon) return null;
  const gps: NonNullable<ImportedSession['gps']> = { lat, lon };
  const speed = find(/^gps[ _]?speed$/i);
  const heading = find(/^gps[ _]?(heading|course)$/i);
  if (speed) gps.speed = speed;
  if (heading) gps.heading = heading;
  return gps;
}

// ---- the importer ------------------------------------------------------------------------

function parseLd(bytes: Uint8Array, ctx: ImportContext): ImportedSession {
  const r = new Reader(bytes);
  const warnings: string[] = [];
  if (r.length < 4) throw new ImportError(FORMAT, `file too short for a MoTeC header (${r.length} bytes)`, { offset: r.length });
  const marker = r.u32(H.marker, 'the header');
  if (marker !== 0x40) throw new ImportError(FORMAT, `not a MoTeC .ld file: header marker is ${marker}, expected 64`, { offset: 0 });
  r.need(0, HEADER_BYTES, 'the file header');

  const metadata: SessionMetadata = emptyMetadata();
  const blocks = readBlocks(r, warnings);
  const headerVehicle = r.str(H.vehicle, 64);
  const headerVenue = r.str(H.venue, 64);
  const driver = r.str(H.driver, 64);
  const session = r.str(H.session, 64);
  const shortComment = r.str(H.shortComment, 64);
  const device = r.str(H.deviceType, 8);
  metadata.venue = headerVenue || blocks.venue || null;
  metadata.vehicle = headerVehicle || blocks.vehicle?.id || null;
  metadata.driver = driver || null;
  metadata.session = session || blocks.event?.session || null;
  metadata.device = device || null;
  const comments: string[] = [];
  for (const c of [blocks.event?.name, shortComment, blocks.event?.comment]) if (c && !comments.includes(c)) comments.push(c);
  metadata.comment = comments.length ? comments.join('; ') : null;
  const dateText = r.str(H.date, 16);
  const timeText = r.str(H.time, 16);
  if (dateText || timeText) {
    metadata.startedAt = ldDateTime(dateText, timeText);
    if (!metadata.startedAt) warnings.push(`the header date/time ${JSON.stringify(`${dateText} ${timeText}`)} is not a valid date; start time unknown`);
  }

  const records = readRecords(r, warnings);
  if (records.length === 0) throw new ImportError(FORMAT, 'the file has no channels (channel list pointer is 0)', { offset: H.metaPtr });
  const headerCount = r.view.getUint16(H.channelCount, true);
  if (headerCount !== records.length) {
    warnings.push(`the header says ${headerCount} channel${headerCount === 1 ? '' : 's'} but the channel list has ${records.length}`);
  }

  const raw: RawChannel[] = [];
  // Channels' data blocks never overlap in a sound file; allow some slack, refuse a "bomb".
  const budget: Budget = { left: 2 * r.length };
  for (let i = 0; i < records.length; i++) {
    const ch = readChannel(r, records[i]!, i, warnings, budget);
    if (ch) raw.push(ch);
    ctx.progress(i + 1, records.length);
  }
  if (records.length > 0 && raw.length === 0) warnings.push('no channel could be read');

  let durationS = 0;
  for (const c of raw) {
    const n = sampleCount(c);
    if (n) durationS = Math.max(durationS, (n - 1) / c.rateHz);
  }

  const names = uniqueNames(raw.map((c) => ({ name: c.name })));
  const channels: ImportedChannel[] = raw.map((c, i) =>
    c instanceof LoggedChannel ? new ImportedLoggedChannel(names[i]!.name, c) : { name: names[i]!.name, sourceName: c.name, unit: c.unit, rateHz: c.rateHz, startS: 0, samples: c.samples },
  );
  const laps = loggerLaps(raw, ctx, durationS, warnings);
  return { format: FORMAT, metadata, channels, loggerLaps: laps, gate: null, gps: findGpsChannels(channels), warnings };
}

export const motecLdImporter: Importer = {
  format: FORMAT,
  label: 'MoTeC i2 log (.ld)',
  detect: detectLd,
  cheapParse: true,
  parse(bytes: Uint8Array, ctx: ImportContext): ImportedSession {
    try {
      return parseLd(bytes, ctx);
    } catch (e) {
      if (e instanceof ImportError) throw e;
      // Last line of defence: a reader bug must still surface as a clean import error.
      throw new ImportError(FORMAT, `unreadable file: ${e instanceof Error ? e.message : String(e)}`, { offset: 0 });
    }
  },
};
