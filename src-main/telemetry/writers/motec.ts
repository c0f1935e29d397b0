// Writers for MoTeC files: an .ld (header, event/venue/vehicle blocks, a channel-record linked
// list, per-channel sample arrays), its .ldx companion and an i2 "Export Data" CSV, laid out as
// shared/research/telemetry-formats.md §1 describes. The tests write fixtures with them (so the
// suite means something without the real, unlicensed sample files) and `race bench` generates
// its import workloads with them.

export type LdSampleType = 'int8' | 'int16' | 'int32' | 'float16' | 'float32';

export interface LdChannelSpec {
  name: string;
  shortName?: string;
  unit?: string;
  rateHz: number;
  type: LdSampleType;
  /** Defaults: 3 for integers, 7 for floats. */
  category?: number;
  /** Defaults to the size of `type` (override to write an unknown pair). */
  size?: number;
  shift?: number;
  mul?: number;
  scale?: number;
  dec?: number;
  /** Engineering values; integer types store round((v − shift) × scale × 10^dec / mul). */
  values?: ArrayLike<number>;
  /** The stored samples as they are, instead of `values`. */
  raw?: ArrayLike<number>;
  id?: number;
}

export interface LdVehicleSpec {
  id?: string;
  description?: string;
  type?: string;
  comment?: string;
}

export interface LdEventSpec {
  name?: string;
  session?: string;
  comment?: string;
  venue?: { name?: string; vehicle?: LdVehicleSpec | null } | null;
}

export interface LdSessionSpec {
  date?: string;
  time?: string;
  driver?: string;
  vehicle?: string;
  venue?: string;
  session?: string;
  shortComment?: string;
  deviceType?: string;
  deviceSerial?: number;
  deviceVersion?: number;
  event?: LdEventSpec | null;
  /** Where the event block goes (0x6E2 from MoTeC, 0x766 from a third-party writer). */
  eventOffset?: number;
  channels: LdChannelSpec[];
  /** Put channel k's samples at dataStart + k × stride (the third-party 64 KiB layout). */
  dataStride?: number;
  /** Bytes per channel record: 124 (MoTeC) or 116 (some writers). */
  recordSize?: number;
  /** What the header says about the channel count (defaults to the real count). */
  headerChannelCount?: number;
}

const SIZES: Record<LdSampleType, number> = { int8: 1, int16: 2, int32: 4, float16: 2, float32: 4 };
const INT_RANGE: Partial<Record<LdSampleType, [number, number]>> = { int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647] };

/** The raw value an integer channel stores for an engineering value. */
export function ldRawFor(ch: LdChannelSpec, v: number): number {
  const mul = ch.mul ?? 1;
  const scale = ch.scale ?? 1;
  const dec = ch.dec ?? 0;
  const shift = ch.shift ?? 0;
  return Math.round(((v - shift) * scale * 10 ** dec) / mul);
}

/** Number → IEEE half (round to nearest even), for float16 channels. */
export function numberToFloat16(v: number): number {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

function putString(bytes: Uint8Array, off: number, width: number, s: string | undefined): void {
  if (!s) return;
  for (let i = 0; i < Math.min(s.length, width); i++) bytes[off + i] = s.charCodeAt(i) & 0xff;
}

function rawSamples(ch: LdChannelSpec): number[] {
  if (ch.raw) return Array.from(ch.raw);
  const values = Array.from(ch.values ?? []);
  if (ch.type === 'float16' || ch.type === 'float32') return values;
  return values.map((v) => ldRawFor(ch, v));
}

/** A complete .ld file. */
export function writeMotecLd(spec: LdSessionSpec): Uint8Array {
  const recordSize = spec.recordSize ?? 124;
  const eventOffset = spec.eventOffset ?? 0x6e2;
  const hasEvent = spec.event !== null && spec.event !== undefined;
  const venue = hasEvent ? spec.event!.venue : null;
  const vehicle = venue ? venue.vehicle : null;

  let at = Math.max(0x6e2, eventOffset);
  const eventPtr = hasEvent ? eventOffset : 0;
  if (hasEvent) at = eventOffset + 0x484;
  const venuePtr = venue ? at : 0;
  if (venue) at += 0x44e;
  const vehiclePtr = vehicle ? at : 0;
  if (vehicle) at += 0x104;
  const metaPtr = at;
  at += recordSize * spec.channels.length;
  const dataStart = at;

  const raws = spec.channels.map(rawSamples);
  const dataPtrs: number[] = [];
  for (let k = 0; k < spec.channels.length; k++) {
    const ch = spec.channels[k]!;
    const size = ch.size ?? SIZES[ch.type];
    const len = raws[k]!.length * size;
    if (spec.dataStride) {
      if (len > spec.dataStride) throw new Error(`channel ${ch.name} does not fit the data stride`);
      dataPtrs.push(dataStart + k * spec.dataStride);
    } else {
      dataPtrs.push(at);
      at += len;
    }
  }
  const lastLen = spec.channels.length ? raws[raws.length - 1]!.length * (spec.channels[spec.channels.length - 1]!.size ?? SIZES[spec.channels[spec.channels.length - 1]!.type]) : 0;
  const total = spec.dataStride && spec.channels.length ? dataPtrs[dataPtrs.length - 1]! + lastLen : at;

  const bytes = new Uint8Array(total);
  const v = new DataView(bytes.buffer);
  // Header.
  v.setUint32(0x00, 0x40, true);
  v.setUint32(0x08, spec.channels.length ? metaPtr : 0, true);
  v.setUint32(0x0c, dataStart, true);
  v.setUint32(0x24, eventPtr, true);
  v.setUint16(0x40, 0, true);
  v.setUint16(0x42, 0x4240, true);
  v.setUint16(0x44, 0x000f, true);
  v.setUint32(0x46, spec.deviceSerial ?? 12007, true);
  putString(bytes, 0x4a, 8, spec.deviceType ?? 'ADL');
  v.setUint16(0x52, spec.deviceVersion ?? 420, true);
  v.setUint16(0x56, spec.headerChannelCount ?? spec.channels.length, true);
  putString(bytes, 0x5e, 16, spec.date);
  putString(bytes, 0x7e, 16, spec.time);
  putString(bytes, 0x9e, 64, spec.driver);
  putString(bytes, 0xde, 64, spec.vehicle);
  putString(bytes, 0x15e, 64, spec.venue);
  v.setUint32(0x5de, 0xc81a4, true);
  putString(bytes, 0x5e4, 64, spec.session);
  putString(bytes, 0x624, 64, spec.shortComment);
  // Event → venue → vehicle.
  if (hasEvent) {
    putString(bytes, eventPtr, 64, spec.event!.name);
    putString(bytes, eventPtr + 64, 64, spec.event!.session);
    putString(bytes, eventPtr + 128, 1024, spec.event!.comment);
    v.setUint32(eventPtr + 0x480, venuePtr, true);
  }
  if (venue) {
    putString(bytes, venuePtr, 64, venue.name);
    v.setUint32(venuePtr + 0x44a, vehiclePtr, true);
  }
  if (vehicle) {
    putString(bytes, vehiclePtr, 64, vehicle.id);
    putString(bytes, vehiclePtr + 64, 64, vehicle.description);
    putString(bytes, vehiclePtr + 0xc4, 32, vehicle.type);
    putString(bytes, vehiclePtr + 0xe4, 32, vehicle.comment);
  }
  // Channel records and samples.
  for (let k = 0; k < spec.channels.length; k++) {
    const ch = spec.channels[k]!;
    const rec = metaPtr + k * recordSize;
    const size = ch.size ?? SIZES[ch.type];
    const raw = raws[k]!;
    v.setUint32(rec + 0x00, k === 0 ? 0 : rec - recordSize, true);
    v.setUint32(rec + 0x04, k === spec.channels.length - 1 ? 0 : rec + recordSize, true);
    v.setUint32(rec + 0x08, dataPtrs[k]!, true);
    v.setUint32(rec + 0x0c, raw.length, true);
    v.setUint16(rec + 0x10, ch.id ?? 0x2ee1 + k, true);
    v.setUint16(rec + 0x12, ch.category ?? (ch.type.startsWith('float') ? 7 : 3), true);
    v.setUint16(rec + 0x14, size, true);
    v.setUint16(rec + 0x16, ch.rateHz, true);
    v.setInt16(rec + 0x18, ch.shift ?? 0, true);
    v.setInt16(rec + 0x1a, ch.mul ?? 1, true);
    v.setInt16(rec + 0x1c, ch.scale ?? 1, true);
    v.setInt16(rec + 0x1e, ch.dec ?? 0, true);
    putString(bytes, rec + 0x20, 32, ch.name);
    putString(bytes, rec + 0x40, 8, ch.shortName ?? ch.name.slice(0, 7));
    putString(bytes, rec + 0x48, 12, ch.unit);
    const p = dataPtrs[k]!;
    const range = INT_RANGE[ch.type];
    for (let i = 0; i < raw.length; i++) {
      const x = raw[i]!;
      if (range && !(Number.isInteger(x) && x >= range[0] && x <= range[1])) throw new Error(`channel ${ch.name}: raw ${x} does not fit ${ch.type}`);
      if (size !== SIZES[ch.type]) continue; // an unknown (category, size) pair: leave zeros
      switch (ch.type) {
        case 'int8':
          v.setInt8(p + i, x);
          break;
        case 'int16':
          v.setInt16(p + 2 * i, x, true);
          break;
        case 'int32':
          v.setInt32(p + 4 * i, x, true);
          break;
        case 'float16':
          v.setUint16(p + 2 * i, numberToFloat16(x), true);
          break;
        case 'float32':
          v.setFloat32(p + 4 * i, x, true);
          break;
      }
    }
  }
  return bytes;
}

export interface BeaconSpec {
  timeS: number;
  id: number;
}

/**
 * The raw int16 words of a `Beacon` channel carrying these events (ADL event stream: a
 * negative opening word, a sequence word, 16384 + ms offset, then the id repeated).
 */
export function beaconWords(events: BeaconSpec[], rateHz: number, count: number): number[] {
  const words = new Array<number>(count).fill(0);
  let seq = 0x1f;
  let last = -Infinity;
  for (const e of [...events].sort((a, b) => a.timeS - b.timeS)) {
    const open = Math.floor((e.timeS + 1) * rateHz);
    const off = Math.round((e.timeS + 1 - open / rateHz) * 1000);
    if (open < last + 4 || open + 3 >= count) throw new Error(`beacon at ${e.timeS} s does not fit`);
    if (off < -8192 || off > 8191) throw new Error(`beacon offset ${off} ms out of range`);
    words[open] = -8000 - (seq & 0xff);
    words[open + 1] = -32768 + seq++;
    words[open + 2] = 16384 + (off & 0x3fff);
    for (let i = open + 3; i < count; i++) words[i] = e.id;
    last = open;
  }
  return words;
}

export interface LdxDetails {
  totalLaps?: number | string;
  fastestTime?: string;
  fastestLap?: number | string;
}

function microseconds(t: number): string {
  // i2 style: 1.61520000096569419e+08
  return (t * 1e6).toExponential(17).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** An .ldx with these beacon markers (seconds) and, optionally, a Details summary. */
export function writeLdx(markers: number[] | null, details?: LdxDetails): Uint8Array {
  const lines = ['<?xml version="1.0"?>', '<LDXFile Locale="English_United Kingdom.1252" DefaultLocale="C" Version="1.6">', ' <Layers>', '  <Layer>', '   <MarkerBlock>'];
  if (markers) {
    lines.push(`    <MarkerGroup Name="Beacons" Index="${markers.length}">`);
    markers.forEach((t, i) => lines.push(`     <Marker Version="100" ClassName="BCN" Name="Manual.${i + 1}" Flags="77" Time="${microseconds(t)}"/>`));
    lines.push('    </MarkerGroup>');
  }
  lines.push('   </MarkerBlock>', '   <RangeBlock/>', '  </Layer>');
  if (details) {
    lines.push('  <Details>');
    if (details.totalLaps !== undefined) lines.push(`   <String Id="Total Laps" Value="${details.totalLaps}"/>`);
    if (details.fastestTime !== undefined) lines.push(`   <String Id="Fastest Time" Value="${details.fastestTime}"/>`);
    if (details.fastestLap !== undefined) lines.push(`   <String Id="Fastest Lap" Value="${details.fastestLap}"/>`);
    lines.push('  </Details>');
  }
  lines.push(' </Layers>', '</LDXFile>');
  return new TextEncoder().encode(lines.join('\r\n') + '\r\n');
}

export interface MotecCsvChannel {
  name: string;
  unit: string;
  values: ArrayLike<number>;
  /** Digits after the point in the export. */
  decimals: number;
}

export interface MotecCsvSpec {
  venue?: string;
  vehicle?: string;
  driver?: string;
  device?: string;
  comment?: string;
  session?: string;
  /** As the exporting PC writes it: "2023-04-04", "1:16:25 PM". */
  logDate?: string;
  logTime?: string;
  /** null leaves the "Sample Rate" value empty (the reader then uses the Time column). */
  sampleRate?: number | null;
  markers?: number[];
  rateHz: number;
  /** Channels after Time (which the writer adds; put Distance first like i2 does). */
  channels: MotecCsvChannel[];
}

const q = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** An i2 "Export Data" CSV (CRLF, fully quoted). */
export function writeMotecCsv(spec: MotecCsvSpec): Uint8Array {
  const rows = spec.channels.reduce((n, c) => Math.max(n, c.values.length), 0);
  const end = rows ? (rows - 1) / spec.rateHz : 0;
  const rate = spec.sampleRate === undefined ? spec.rateHz : spec.sampleRate;
  const lines = [
    `"Format","MoTeC CSV File",,,"Workbook",""`,
    `"Venue",${q(spec.venue ?? '')},,,"Worksheet",""`,
    `"Vehicle",${q(spec.vehicle ?? '')},,,"Vehicle Desc",""`,
    `"Driver",${q(spec.driver ?? '')},,,"Engine ID",""`,
    `"Device",${q(spec.device ?? 'ADL')}`,
    `"Comment",${q(spec.comment ?? '')},,,"Session",${q(spec.session ?? '')}`,
    `"Log Date",${q(spec.logDate ?? '')},,,"Origin Time","0.000","s"`,
    `"Log Time",${q(spec.logTime ?? '')},,,"Start Time","0.000","s"`,
    `"Sample Rate",${q(rate === null ? '' : rate.toFixed(3))},"Hz",,"End Time",${q(end.toFixed(3))},"s"`,
    `"Duration",${q(end.toFixed(3))},"s",,"Start Distance","0","m"`,
    `"Range","entire outing",,,"End Distance","0","m"`,
    `"Beacon Markers",${q((spec.markers ?? []).map((t) => t.toFixed(3) + ' ').join(''))}`,
    '',
    '',
    ['Time', ...spec.channels.map((c) => c.name)].map(q).join(','),
    ['s', ...spec.channels.map((c) => c.unit)].map(q).join(','),
    '',
    '',
  ];
  for (let i = 0; i < rows; i++) {
    const cells = [(i / spec.rateHz).toFixed(3)];
    for (const c of spec.channels) {
      const x = c.values[i];
      cells.push(x === undefined || Number.isNaN(x) ? '' : x.toFixed(c.decimals));
    }
    lines.push(cells.map(q).join(','));
  }
  return new TextEncoder().encode(lines.join('\r\n') + '\r\n');
}
