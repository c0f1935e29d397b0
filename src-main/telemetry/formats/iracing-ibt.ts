// iRacing disk telemetry (.ibt).
//
// Little-endian binary: a 112-byte header of int32 (ver, status, tickRate, sessionInfoUpdate,
// sessionInfoLen, sessionInfoOffset, numVars, varHeaderOffset, numBuf, bufLen, 2 pad, then
// 4 × {tickCount, bufOffset, 2 pad}); a 32-byte disk sub-header (int64 session start as unix
// seconds, float64 start/end session time, int32 lap count, int32 record count); numVars
// 144-byte variable headers; the YAML session info; then one fixed-size record of bufLen bytes
// per tick from varBuf[0].bufOffset. Every read is bounds-checked: a damaged file is an
// ImportError naming the byte offset, never an exception from a DataView.
import {
  ImportError,
  emptyMetadata,
  uniqueNames,
  type ImportContext,
  type ImportedChannel,
  type ImportedSession,
  type Importer,
  type LoggerLaps,
} from '../model.ts';

const FORMAT = 'iracing-ibt';
const HEADER_LEN = 112;
const SUB_HEADER_LEN = 32;
const VAR_HEADER_LEN = 144;
const MAX_VARS = 100_000;
const MAX_TICK_RATE = 10_000;
/** char, bool, int, bitfield, float, double */
const TYPE_SIZE = [1, 1, 4, 4, 4, 8] as const;

function int32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) | 0;
}

function cString(bytes: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const b = bytes[offset + i];
    if (b === undefined || b === 0) break;
    s += String.fromCharCode(b);
  }
  return s;
}

// ---- detection ------------------------------------------------------------------------------

function detect(head: Uint8Array): number {
  if (head.length < 48) return 0;
  const ver = int32(head, 0);
  const tickRate = int32(head, 8);
  const infoLen = int32(head, 16);
  const infoOffset = int32(head, 20);
  const numVars = int32(head, 24);
  const varHeaderOffset = int32(head, 28);
  const numBuf = int32(head, 32);
  const bufLen = int32(head, 36);
  const plausible =
    (ver === 1 || ver === 2) &&
    tickRate >= 1 &&
    tickRate <= MAX_TICK_RATE &&
    infoLen >= 0 &&
    infoOffset >= 0 &&
    numVars >= 1 &&
    numVars <= MAX_VARS &&
    varHeaderOffset >= HEADER_LEN &&
    numBuf >= 1 &&
    numBuf <= 4 &&
    bufLen >= 1 &&
    bufLen <= 100_000_000;
  if (!plausible) return 0;
  if (varHeaderOffset + VAR_HEADER_LEN <= head.length) {
    const type = int32(head, varHeaderOffset);
    const name = cString(head, varHeaderOffset + 16, 32);
    return type >= 0 && type <= 5 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? 0.97 : 0.2;
  }
  return 0.6;
}

// ---- the YAML session info (line-based, no YAML library) -----------------------------------

interface SessionFields {
  venue: string | null;
  driver: string | null;
  vehicle: string | null;
  session: string | null;
}

function yamlValue(raw: string): string {
  let v = raw.trim();
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) v = v.slice(1, -1);
  return v.trim();
}

export function sessionInfoFields(yaml: string): SessionFields {
  const weekend = new Map<string, string>();
  const driverInfo = new Map<string, string>();
  const drivers: Map<string, string>[] = [];
  let top = '';
  let inDrivers = false;
  let driversIndent = -1;
  let current: Map<string, string> | null = null;
  for (const line of yaml.split(/\r\n|\n|\r/)) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (line.startsWith('...')) break;
    const indent = line.length - line.trimStart().length;
    let content = line.slice(indent);
    if (indent === 0) {
      top = content.replace(/:.*$/, '').trim();
      inDrivers = false;
      continue;
    }
    if (top === 'WeekendInfo') {
      const kv = /^([A-Za-z0-9_]+):(.*)$/.exec(content);
      if (kv && !weekend.has(kv[1]!)) weekend.set(kv[1]!, yamlValue(kv[2]!));
      continue;
    }
    if (top !== 'DriverInfo') continue;
    if (inDrivers && indent <= driversIndent && !content.startsWith('-')) inDrivers = false;
    if (!inDrivers && /^Drivers:\s*$/.test(content)) {
      inDrivers = true;
      driversIndent = indent;
      current = null;
      continue;
    }
    if (inDrivers) {
      if (content.startsWith('- ') || content === '-') {
        current = new Map();
        drivers.push(current);
        content = content.slice(1).trimStart();
      }
      const kv = /^([A-Za-z0-9_]+):(.*)$/.exec(content);
      if (kv && current && !current.has(kv[1]!)) current.set(kv[1]!, yamlValue(kv[2]!));
      continue;
    }
    const kv = /^([A-Za-z0-9_]+):(.*)$/.exec(content);
    if (kv && !driverInfo.has(kv[1]!)) driverInfo.set(kv[1]!, yamlValue(kv[2]!));
  }
  const nonEmpty = (v: string | undefined): string | null => (v !== undefined && v !== '' ? v : null);
  const meIdx = driverInfo.get('DriverCarIdx');
  const me = (meIdx !== undefined ? drivers.find((d) => d.get('CarIdx') === meIdx) : undefined) ?? (drivers.length === 1 ? drivers[0] : undefined);
  return {
    venue: nonEmpty(weekend.get('TrackDisplayName')) ?? nonEmpty(weekend.get('TrackName')),
    driver: nonEmpty(me?.get('UserName')),
    vehicle: nonEmpty(me?.get('CarScreenName')) ?? nonEmpty(me?.get('ScreenName')) ?? nonEmpty(driverInfo.get('CarScreenName')),
    session: nonEmpty(weekend.get('EventType')),
  };
}

// ---- the importer ---------------------------------------------------------------------------

interface Var {
  type: number;
  offset: number;
  count: number;
  name: string;
  unit: string;
}

function parse(bytes: Uint8Array, ctx: ImportContext): ImportedSession {
  const len = bytes.length;
  const warnings: string[] = [];
  const need = (offset: number, size: number, what: string): void => {
    if (!(offset >= 0 && size >= 0 && offset + size <= len)) {
      throw new ImportError(
        FORMAT,
        `file truncated or damaged: ${what} needs ${size} bytes at byte offset ${offset} but the file has ${len} bytes`,
        { offset: Math.max(0, Math.min(offset, len)) },
      );
    }
  };
  ctx.progress(0, len);
  need(0, HEADER_LEN + SUB_HEADER_LEN, 'the header');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const i32 = (o: number): number => dv.getInt32(o, true);

  const ver = i32(0);
  if (ver !== 1 && ver !== 2) throw new ImportError(FORMAT, `not an iRacing telemetry file (header version ${ver})`, { offset: 0 });
  const tickRate = i32(8);
  if (!(tickRate >= 1 && tickRate <= MAX_TICK_RATE)) throw new ImportError(FORMAT, `implausible tick rate ${tickRate}`, { offset: 8 });
  const infoLen = i32(16);
  const infoOffset = i32(20);
  const numVars = i32(24);
  const varHeaderOffset = i32(28);
  const numBuf = i32(32);
  const bufLen = i32(36);
  if (!(numVars >= 1 && numVars <= MAX_VARS)) throw new ImportError(FORMAT, `implausible variable count ${numVars}`, { offset: 24 });
  if (!(numBuf >= 1 && numBuf <= 4)) throw new ImportError(FORMAT, `implausible buffer count ${numBuf}`, { offset: 32 });
  if (!(bufLen >= 1)) throw new ImportError(FORMAT, `implausible record length ${bufLen}`, { offset: 36 });
  if (infoLen < 0) throw new ImportError(FORMAT, `negative session info length ${infoLen}`, { offset: 16 });
  const bufOffset = i32(52); // varBuf[0].bufOffset
  const startUnix = Number(dv.getBigInt64(HEADER_LEN, true));
  const declaredLaps = i32(HEADER_LEN + 24);
  let records = i32(HEADER_LEN + 28);

  // -- variable headers
  need(varHeaderOffset, numVars * VAR_HEADER_LEN, `${numVars} variable headers`);
  const vars: Var[] = [];
  let totalChannels = 0;
  for (let k = 0; k < numVars; k++) {
    const vo = varHeaderOffset + k * VAR_HEADER_LEN;
    const type = i32(vo);
    const offset = i32(vo + 4);
    const count = i32(vo + 8);
    const name = cString(bytes, vo + 16, 32).trim() || `var${k}`;
    const unit = cString(bytes, vo + 112, 32).trim();
    if (!(type >= 0 && type <= 5)) throw new ImportError(FORMAT, `variable ${k} (${name}) has unknown type ${type}`, { offset: vo });
    const size = TYPE_SIZE[type as 0 | 1 | 2 | 3 | 4 | 5];
    if (!(count >= 1 && offset >= 0 && offset + size * count <= bufLen)) {
      throw new ImportError(FORMAT, `variable ${k} (${name}): ${count} × ${size} bytes at ${offset} do not fit a ${bufLen}-byte record`, {
        offset: vo + 4,
      });
    }
    totalChannels += count;
    vars.push({ type, offset, count, name, unit });
  }

  // -- session info
  const metadata = emptyMetadata();
  metadata.device = 'iRacing';
  if (infoLen > 0) {
    need(infoOffset, infoLen, 'the session info');
    let end = infoOffset;
    while (end < infoOffset + infoLen && bytes[end] !== 0) end++;
    const yaml = new TextDecoder('latin1').decode(bytes.subarray(infoOffset, end));
    const f = sessionInfoFields(yaml);
    metadata.venue = f.venue;
    metadata.driver = f.driver;
    metadata.vehicle = f.vehicle;
    metadata.session = f.session;
  } else warnings.push('The file has no session info (track, driver and car are unknown).');
  if (startUnix > 0 && startUnix < 32_503_680_000) metadata.startedAt = new Date(startUnix * 1000).toISOString();

  // -- records
  if (!(bufOffset >= HEADER_LEN + SUB_HEADER_LEN && bufOffset <= len)) {
    throw new ImportError(FORMAT, `record data offset ${bufOffset} is outside the file (${len} bytes)`, { offset: 52 });
  }
  if (records < 0) throw new ImportError(FORMAT, `negative record count ${records}`, { offset: HEADER_LEN + 28 });
  if (records === 0) {
    records = Math.floor((len - bufOffset) / bufLen);
    warnings.push(`The header gives no record count (the file was not closed properly?); ${records} complete records read.`);
  } else if (bufOffset + records * bufLen > len) {
    const complete = Math.floor((len - bufOffset) / bufLen);
    throw new ImportError(
      FORMAT,
      `file truncated: ${records} records of ${bufLen} bytes declared from byte offset ${bufOffset}, record ${complete} is incomplete`,
      { offset: bufOffset + complete * bufLen },
    );
  }
  if (records === 0) throw new ImportError(FORMAT, 'no telemetry records', { offset: bufOffset });
  if (totalChannels * records > len + 1_000_000) {
    throw new ImportError(FORMAT, `the variable headers overlap (${totalChannels} values per ${bufLen}-byte record)`, { offset: varHeaderOffset });
  }
  if ((len - bufOffset) % bufLen !== 0 && bufOffset + records * bufLen < len) {
    const extra = len - bufOffset - records * bufLen;
    if (extra >= bufLen) warnings.push(`${Math.floor(extra / bufLen)} record(s) after the declared ${records} were ignored.`);
  }

  const channels: ImportedChannel[] = [];
  const arrays: Float64Array[] = [];
  for (const v of vars) {
    for (let e = 0; e < v.count; e++) {
      const name = v.count > 1 ? `${v.name}[${e}]` : v.name;
      const samples = new Float64Array(records);
      arrays.push(samples);
      channels.push({ name, sourceName: name, unit: v.unit, rateHz: tickRate, startS: 0, samples });
    }
  }
  let ch = 0;
  for (const v of vars) {
    const size = TYPE_SIZE[v.type as 0 | 1 | 2 | 3 | 4 | 5];
    for (let e = 0; e < v.count; e++) {
      const out = arrays[ch++]!;
      let o = bufOffset + v.offset + e * size;
      switch (v.type) {
        case 0:
          for (let r = 0; r < records; r++, o += bufLen) out[r] = bytes[o]!;
          break;
        case 1:
          for (let r = 0; r < records; r++, o += bufLen) out[r] = bytes[o] ? 1 : 0;
          break;
        case 2:
          for (let r = 0; r < records; r++, o += bufLen) out[r] = dv.getInt32(o, true);
          break;
        case 3:
          for (let r = 0; r < records; r++, o += bufLen) out[r] = dv.getUint32(o, true);
          break;
        case 4:
          for (let r = 0; r < records; r++, o += bufLen) out[r] = dv.getFloat32(o, true);
          break;
        default:
          for (let r = 0; r < records; r++, o += bufLen) out[r] = dv.getFloat64(o, true);
      }
    }
    ctx.progress(Math.min(len, bufOffset + Math.round(((records * bufLen) * ch) / Math.max(1, totalChannels))), len);
  }
  const named = uniqueNames(channels);
  const find = (name: string): ImportedChannel | undefined => named.find((c) => c.sourceName === name);

  // -- GPS (Lat/Lon in degrees; 0,0 = not in the world)
  let gps: ImportedSession['gps'] = null;
  const lat = find('Lat');
  const lon = find('Lon');
  if (lat && lon) {
    for (let r = 0; r < records; r++) {
      if (lat.samples[r] === 0 && lon.samples[r] === 0) {
        lat.samples[r] = NaN;
        lon.samples[r] = NaN;
      }
    }
    gps = { lat: lat.name, lon: lon.name };
    const speed = find('Speed');
    if (speed) gps.speed = speed.name;
  }

  // -- laps from the Lap counter, timed by the LapDistPct wrap
  let loggerLaps: LoggerLaps | null = null;
  const lap = find('Lap');
  if (lap) {
    const pct = find('LapDistPct');
    const times = lapMarkers(lap.samples, pct?.samples ?? null, tickRate);
    loggerLaps = { kind: 'markers', times, source: pct ? 'iRacing Lap + LapDistPct' : 'iRacing Lap' };
  } else warnings.push('No "Lap" variable: laps come from the GPS trace, if any.');
  if (declaredLaps > 0 && loggerLaps && loggerLaps.times.length === 0) {
    warnings.push(`The header counts ${declaredLaps} laps but the Lap variable never increments.`);
  }

  ctx.progress(len, len);
  return { format: FORMAT, metadata, channels: named, loggerLaps, gate: null, gps, warnings };
}

/**
 * Times (s) where `Lap` increments. When LapDistPct wraps from ~1 to ~0 within a second of the
 * increment, the crossing is interpolated inside that tick; otherwise it is the middle of the
 * tick in which the counter changed.
 */
export function lapMarkers(lap: Float64Array, pct: Float64Array | null, rateHz: number): number[] {
  const times: number[] = [];
  const window = Math.max(1, Math.round(rateHz));
  const wrapAt = (k: number): number => {
    // fraction of tick k-1 → k where pct passes 1 → 0, or NaN when it does not wrap there
    if (!pct || k < 1 || k >= pct.length) return NaN;
    const p0 = pct[k - 1]!;
    const p1 = pct[k]!;
    if (!(p0 >= 0.5 && p0 <= 1.05 && p1 >= -0.05 && p1 < 0.5 && p0 - p1 > 0.5)) return NaN;
    const before = Math.max(0, 1 - p0);
    const after = Math.max(0, p1);
    return before + after > 0 ? before / (before + after) : 0;
  };
  let lastWrap = -1;
  for (let r = 1; r < lap.length; r++) {
    const a = lap[r - 1]!;
    const b = lap[r]!;
    if (!(b > a) || a !== a || b !== b) continue;
    let t = (r - 0.5) / rateHz;
    for (let d = 0; d <= window; d++) {
      const k1 = r - d;
      const k2 = r + d;
      let k = -1;
      let u = NaN;
      if (k1 > lastWrap) {
        u = wrapAt(k1);
        if (u === u) k = k1;
      }
      if (k < 0 && d > 0 && k2 > lastWrap) {
        u = wrapAt(k2);
        if (u === u) k = k2;
      }
      if (k >= 0) {
        t = (k - 1 + u) / rateHz;
        lastWrap = k;
        break;
      }
    }
    times.push(t);
  }
  return times;
}

export const iRacingIbtImporter: Importer = {
  format: FORMAT,
  label: 'iRacing telemetry (.ibt)',
  detect,
  parse,
};
