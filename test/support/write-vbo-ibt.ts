// Writers for test fixtures: Racelogic .vbo text and iRacing .ibt binary files built from known
// channels, plus two motion models with exact answers (a GPS circuit driven for several laps,
// and an iRacing session with Lap/LapDistPct).

const M_PER_DEG_LAT = 110_540;
const M_PER_DEG_LON = 111_320;

// ---- a circuit driven for several laps ------------------------------------------------------

export interface CircuitOptions {
  rateHz?: number;
  laps?: number;
  lapTimeS?: number;
  /** Seconds from the first row to the first start/finish crossing. */
  firstCrossingS?: number;
  /** UTC time of day of the first row, seconds. */
  startTod?: number;
  center?: { lat: number; lon: number };
  radiusM?: number;
  /** Rows in [atS, atS + lengthS) are not recorded (the logger paused). */
  gap?: { atS: number; lengthS: number } | null;
}

export interface CircuitTruth {
  rateHz: number;
  center: { lat: number; lon: number };
  radiusM: number;
  /** Per recorded row. */
  t: number[];
  tod: number[];
  lat: number[];
  lon: number[];
  speedKmh: number[];
  heading: number[];
  height: number[];
  rpm: number[];
  /** Raw VBO sats: count + 64 (brake trigger) + 128 (DGPS). */
  satsRaw: number[];
  throttle: number[];
  /** Exact times of the start/finish crossings (s from the first row). */
  crossings: number[];
  durationS: number;
}

/**
 * A circle driven clockwise (north point → east), with a speed that varies around the lap; the
 * start/finish line is at the north point, crossed heading 090°.
 */
export function circuitSession(options: CircuitOptions = {}): CircuitTruth {
  const rateHz = options.rateHz ?? 10;
  const laps = options.laps ?? 4;
  const T = options.lapTimeS ?? 40;
  const first = options.firstCrossingS ?? 6.25;
  const startTod = options.startTod ?? 10 * 3600 + 15 * 60 + 3.4;
  const center = options.center ?? { lat: 48.2, lon: 11.6 };
  const R = options.radiusM ?? 300;
  const gap = options.gap === undefined ? null : options.gap;
  const durationS = first + laps * T + 4;
  const cos = Math.cos((center.lat * Math.PI) / 180);
  // lap fraction f(t): f = (t - first)/T + 0.04 sin(2π (t - first)/T); crossings where f is an integer
  const f = (t: number): number => (t - first) / T + 0.04 * Math.sin((2 * Math.PI * (t - first)) / T);
  const df = (t: number): number => 1 / T + (0.04 * 2 * Math.PI * Math.cos((2 * Math.PI * (t - first)) / T)) / T;
  const out: CircuitTruth = {
    rateHz,
    center,
    radiusM: R,
    t: [],
    tod: [],
    lat: [],
    lon: [],
    speedKmh: [],
    heading: [],
    height: [],
    rpm: [],
    satsRaw: [],
    throttle: [],
    crossings: [],
    durationS,
  };
  for (let k = 0; k <= laps; k++) {
    const c = first + k * T;
    if (c < durationS) out.crossings.push(c);
  }
  const n = Math.floor(durationS * rateHz);
  for (let i = 0; i < n; i++) {
    const t = i / rateHz;
    if (gap && t >= gap.atS && t < gap.atS + gap.lengthS) continue;
    const theta = 2 * Math.PI * f(t);
    const speed = 2 * Math.PI * R * df(t); // m/s
    out.t.push(t);
    out.tod.push(startTod + t);
    out.lat.push(center.lat + (R * Math.cos(theta)) / M_PER_DEG_LAT);
    out.lon.push(center.lon + (R * Math.sin(theta)) / (M_PER_DEG_LON * cos));
    out.speedKmh.push(speed * 3.6);
    out.heading.push((((theta * 180) / Math.PI + 90) % 360 + 360) % 360);
    out.height.push(420 + 5 * Math.sin(theta));
    out.rpm.push(Math.round(3000 + speed * 60));
    out.satsRaw.push(9 + (i % 50 < 5 ? 64 : 0) + 128);
    out.throttle.push(Math.round(50 + 50 * Math.cos(theta * 3)) / 100);
  }
  return out;
}

// ---- VBO --------------------------------------------------------------------------------------

export interface VboFile {
  /** The first line. */
  created?: string;
  /** Written in this order, each as "[name]" + lines + a blank line ([data] gets no blank line). */
  sections: { name: string; lines: string[] }[];
  eol?: string;
  /** latin1 (VBOX Tools, Harry's LapTimer) or utf8. */
  encoding?: 'latin1' | 'utf8';
}

export function writeVbo(file: VboFile): Uint8Array {
  const eol = file.eol ?? '\r\n';
  let text = `${file.created ?? 'File created on 14/07/2024 at 10:20:00'}${eol}${eol}`;
  for (const s of file.sections) {
    text += `[${s.name}]${eol}`;
    for (const l of s.lines) text += l + eol;
    if (s.name !== 'data') text += eol;
  }
  if (file.encoding === 'utf8') return new TextEncoder().encode(text);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

/** "+2279.22023257" style: sign, digits, fixed decimals. */
export function signed(v: number, decimals: number, intDigits = 0): string {
  const s = Math.abs(v).toFixed(decimals);
  const [int, frac] = s.split('.');
  return `${v < 0 ? '-' : '+'}${int!.padStart(intDigits, '0')}${frac !== undefined ? `.${frac}` : ''}`;
}

/** "+1.234567E-02" (CAN / module channels). */
export function vboExp(v: number): string {
  const [m, e] = Math.abs(v).toExponential(6).split('e');
  const exp = Number(e);
  return `${v < 0 ? '-' : '+'}${m}E${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

export function vboTime(tod: number): string {
  const cs = Math.round(tod * 100) % (86400 * 100);
  const hh = Math.floor(cs / 360000);
  const mm = Math.floor((cs % 360000) / 6000);
  const ss = (cs % 6000) / 100;
  return `${String(hh).padStart(2, '0')}${String(mm).padStart(2, '0')}${ss.toFixed(2).padStart(5, '0')}`;
}

/** Minutes as the VBO writes them: latitude +ve north, longitude +ve WEST. */
export function vboLat(latDeg: number): string {
  return signed(latDeg * 60, 8, 5);
}
export function vboLon(lonDeg: number): string {
  return signed(-lonDeg * 60, 8, 5);
}

export interface CircuitVboOptions {
  /** Order of the [laptiming] coordinates; null = no [laptiming] section. */
  gateOrder?: 'long,lat' | 'lat,long' | null;
  /** Start points along the track (Harry's LapTimer) instead of across it. */
  gateAlongTrack?: boolean;
  separator?: ' ' | ',';
  longNames?: boolean;
  created?: string;
  unknownSections?: boolean;
  eol?: string;
  /** Put the sections in an unusual order (comments after column names, etc.). */
  shuffled?: boolean;
}

export const CIRCUIT_COLUMNS_SHORT = ['sats', 'time', 'lat', 'long', 'velocity', 'heading', 'height', 'EngineSpeed', 'Throttle', 'CanTemp'];
export const CIRCUIT_COLUMNS_LONG = ['satellites', 'time', 'latitude', 'longitude', 'velocity', 'heading', 'height', 'EngineSpeed', 'Throttle', 'CanTemp'];

/** The CAN temperature channel of row i (written in exponent form). */
export function canTemp(i: number): number {
  return 0.0125 * (i % 97) - 0.3;
}

/** A VBO of the circuit: a GPS loop, two module channels with [channel units], [laptiming]. */
export function circuitVbo(truth: CircuitTruth, options: CircuitVboOptions = {}): VboFile {
  const sep = options.separator ?? ' ';
  const names = options.longNames ? CIRCUIT_COLUMNS_LONG : CIRCUIT_COLUMNS_SHORT;
  const rows = truth.t.map((_, i) =>
    [
      String(truth.satsRaw[i]!).padStart(3, '0'),
      vboTime(truth.tod[i]!),
      vboLat(truth.lat[i]!),
      vboLon(truth.lon[i]!),
      truth.speedKmh[i]!.toFixed(3).padStart(7, '0'),
      truth.heading[i]!.toFixed(2).padStart(6, '0'),
      signed(truth.height[i]!, 2, 5),
      String(truth.rpm[i]!).padStart(5, '0'),
      truth.throttle[i]!.toFixed(2),
      vboExp(canTemp(i)),
    ].join(sep) + (sep === ' ' ? ' ' : ''),
  );
  const sections: { name: string; lines: string[] }[] = [];
  sections.push({
    name: 'header',
    lines: ['satellites', 'time', 'latitude', 'longitude', 'velocity kmh', 'heading', 'height', 'EngineSpeed', 'Throttle', 'CanTemp'],
  });
  sections.push({ name: 'channel units', lines: ['rpm', '%', '°C'] });
  if (options.unknownSections) sections.push({ name: 'section', lines: ['sa', 'sb'] }, { name: 'other section', lines: ['osa 1 2 3'] });
  const comments = {
    name: 'comments',
    lines: ['Generated by TestWriter v1.2', '(c) nobody', 'Log Rate (Hz) : ' + truth.rateHz.toFixed(2)],
  };
  const sessionData = { name: 'session data', lines: ['laps ' + (truth.crossings.length - 1), 'name Test Ring', 'driver Jane Doe', "vehicle '08 Test Car"] };
  if (!options.shuffled) sections.push(comments, sessionData);
  if (options.gateOrder) {
    const { lat, lon } = truth.center;
    const cos = Math.cos((lat * Math.PI) / 180);
    const north = lat + truth.radiusM / M_PER_DEG_LAT;
    // across: a north-south line through the north point; along: two points 35 m apart eastwards
    const p1 = options.gateAlongTrack ? { lat: north, lon } : { lat: north + 15 / M_PER_DEG_LAT, lon };
    const p2 = options.gateAlongTrack ? { lat: north - 2 / M_PER_DEG_LAT, lon: lon + 35 / (M_PER_DEG_LON * cos) } : { lat: north - 15 / M_PER_DEG_LAT, lon };
    const pt = (p: { lat: number; lon: number }): string =>
      options.gateOrder === 'long,lat' ? `${signed(-p.lon * 60, 6)} ${signed(p.lat * 60, 6)}` : `${signed(p.lat * 60, 6)} ${signed(-p.lon * 60, 6)}`;
    const south = { lat: lat - truth.radiusM / M_PER_DEG_LAT, lon };
    const s1 = { lat: south.lat - 15 / M_PER_DEG_LAT, lon };
    const s2 = { lat: south.lat + 15 / M_PER_DEG_LAT, lon };
    sections.push({ name: 'laptiming', lines: [`Start   ${pt(p1)} ${pt(p2)} ¬ Start/Finish`, `Split   ${pt(s1)} ${pt(s2)} ¬ Split 1`] });
  }
  sections.push({ name: 'column names', lines: [names.join(sep)] });
  if (options.shuffled) sections.push(sessionData, comments);
  sections.push({ name: 'data', lines: rows });
  return { created: options.created, sections, eol: options.eol };
}

// ---- iRacing .ibt ---------------------------------------------------------------------------

export type IbtType = 'char' | 'bool' | 'int' | 'bitfield' | 'float' | 'double';

export interface IbtVar {
  name: string;
  type: IbtType;
  count?: number;
  unit?: string;
  desc?: string;
  /** Value of element `e` at record `r`. */
  value: (r: number, e: number) => number;
}

export interface IbtFile {
  tickRate?: number;
  records: number;
  /** Written in the disk sub-header (0 = "not closed properly"). Default: records. */
  headerRecordCount?: number;
  startUnix?: number;
  lapCount?: number;
  sessionInfo: string;
  vars: IbtVar[];
}

const IBT_TYPE: Record<IbtType, { code: number; size: number }> = {
  char: { code: 0, size: 1 },
  bool: { code: 1, size: 1 },
  int: { code: 2, size: 4 },
  bitfield: { code: 3, size: 4 },
  float: { code: 4, size: 4 },
  double: { code: 5, size: 8 },
};

export interface IbtLayout {
  varHeaderOffset: number;
  sessionInfoOffset: number;
  sessionInfoLen: number;
  bufOffset: number;
  bufLen: number;
  /** Offset of each var inside a record. */
  varOffsets: number[];
}

export function ibtLayout(file: IbtFile): IbtLayout {
  const varOffsets: number[] = [];
  let bufLen = 0;
  for (const v of file.vars) {
    const { size } = IBT_TYPE[v.type];
    bufLen = Math.ceil(bufLen / size) * size;
    varOffsets.push(bufLen);
    bufLen += size * (v.count ?? 1);
  }
  bufLen = Math.ceil(bufLen / 16) * 16;
  const varHeaderOffset = 144;
  const sessionInfoOffset = varHeaderOffset + file.vars.length * 144;
  const sessionInfoLen = Math.ceil((file.sessionInfo.length + 1) / 16) * 16;
  const bufOffset = sessionInfoOffset + sessionInfoLen;
  return { varHeaderOffset, sessionInfoOffset, sessionInfoLen, bufOffset, bufLen, varOffsets };
}

export function writeIbt(file: IbtFile): Uint8Array {
  const L = ibtLayout(file);
  const bytes = new Uint8Array(L.bufOffset + file.records * L.bufLen);
  const dv = new DataView(bytes.buffer);
  const ascii = (offset: number, max: number, s: string): void => {
    for (let i = 0; i < Math.min(s.length, max - 1); i++) bytes[offset + i] = s.charCodeAt(i) & 0xff;
  };
  const tickRate = file.tickRate ?? 60;
  dv.setInt32(0, 2, true); // ver
  dv.setInt32(4, 1, true); // status: connected
  dv.setInt32(8, tickRate, true);
  dv.setInt32(12, 0, true); // sessionInfoUpdate
  dv.setInt32(16, L.sessionInfoLen, true);
  dv.setInt32(20, L.sessionInfoOffset, true);
  dv.setInt32(24, file.vars.length, true);
  dv.setInt32(28, L.varHeaderOffset, true);
  dv.setInt32(32, 1, true); // numBuf
  dv.setInt32(36, L.bufLen, true);
  dv.setInt32(48, file.records, true); // varBuf[0].tickCount
  dv.setInt32(52, L.bufOffset, true); // varBuf[0].bufOffset
  dv.setBigInt64(112, BigInt(file.startUnix ?? 1_700_000_000), true);
  dv.setFloat64(120, 0, true);
  dv.setFloat64(128, file.records / tickRate, true);
  dv.setInt32(136, file.lapCount ?? 0, true);
  dv.setInt32(140, file.headerRecordCount ?? file.records, true);
  file.vars.forEach((v, k) => {
    const o = L.varHeaderOffset + k * 144;
    dv.setInt32(o, IBT_TYPE[v.type].code, true);
    dv.setInt32(o + 4, L.varOffsets[k]!, true);
    dv.setInt32(o + 8, v.count ?? 1, true);
    bytes[o + 12] = 0; // countAsTime
    ascii(o + 16, 32, v.name);
    ascii(o + 48, 64, v.desc ?? v.name);
    ascii(o + 112, 32, v.unit ?? '');
  });
  ascii(L.sessionInfoOffset, L.sessionInfoLen, file.sessionInfo);
  for (let r = 0; r < file.records; r++) {
    const base = L.bufOffset + r * L.bufLen;
    file.vars.forEach((v, k) => {
      const { size } = IBT_TYPE[v.type];
      for (let e = 0; e < (v.count ?? 1); e++) {
        const o = base + L.varOffsets[k]! + e * size;
        const x = v.value(r, e);
        switch (v.type) {
          case 'char':
            bytes[o] = x & 0xff;
            break;
          case 'bool':
            bytes[o] = x ? 1 : 0;
            break;
          case 'int':
            dv.setInt32(o, x, true);
            break;
          case 'bitfield':
            dv.setUint32(o, x >>> 0, true);
            break;
          case 'float':
            dv.setFloat32(o, x, true);
            break;
          case 'double':
            dv.setFloat64(o, x, true);
        }
      }
    });
  }
  return bytes;
}

export const IBT_SESSION_INFO = [
  '---',
  'WeekendInfo:',
  ' TrackName: lagunaseca',
  ' TrackID: 47',
  ' TrackLength: 3.56 km',
  ' TrackDisplayName: WeatherTech Raceway Laguna Seca',
  ' TrackDisplayShortName: Laguna Seca',
  ' TrackConfigName: ',
  ' TrackCity: Monterey',
  ' EventType: Test',
  ' WeekendOptions:',
  '  NumStarters: 0',
  '  TrackDisplayName: not this one',
  '',
  'SessionInfo:',
  ' Sessions:',
  ' - SessionNum: 0',
  '   SessionType: Offline Testing',
  '',
  'DriverInfo:',
  ' DriverCarIdx: 1',
  ' DriverUserID: 123456',
  ' Drivers:',
  ' - CarIdx: 0',
  '   UserName: Pace Car',
  '   CarScreenName: Safety Car',
  ' - CarIdx: 1',
  '   UserName: Jane Doe',
  '   CarScreenName: Mazda MX-5 Cup',
  '   CarNumber: "7"',
  ' DriverSetupName: baseline.sto',
  '',
  'SplitTimeInfo:',
  ' Sectors:',
  ' - SectorNum: 0',
  '   SectorStartPct: 0.000000',
  '',
  '...',
  '',
].join('\n');

export interface IracingTruth {
  file: IbtFile;
  tickRate: number;
  /** Exact lap-line crossing times (s). */
  crossings: number[];
  /** Lap fraction at time t (unwrapped: integer part = completed laps). */
  f: (t: number) => number;
}

/**
 * A 60 Hz session: Lap counts up at each crossing of the line (one of them two ticks late, as
 * iRacing sometimes does), LapDistPct wraps exactly there, plus floats, ints, bools, a char, a
 * bitfield, an array and Lat/Lon (0,0 for the first ticks: not in the world yet).
 */
export function iracingSession(options: { laps?: number; lapTimeS?: number; firstCrossingS?: number; tickRate?: number } = {}): IracingTruth {
  const tickRate = options.tickRate ?? 60;
  const laps = options.laps ?? 3;
  const T = options.lapTimeS ?? 20;
  const first = options.firstCrossingS ?? 2.345;
  const durationS = first + laps * T + 1.5;
  const records = Math.floor(durationS * tickRate);
  const f = (t: number): number => (t - first) / T + 0.05 * Math.sin((2 * Math.PI * (t - first)) / T);
  const crossings: number[] = [];
  for (let k = 0; k <= laps; k++) if (first + k * T < durationS) crossings.push(first + k * T);
  const time = (r: number): number => r / tickRate;
  const lapAt = (r: number): number => {
    let lap = Math.floor(f(time(r))) + 1;
    // the second increment arrives two ticks late
    const late = crossings[1];
    if (late !== undefined && time(r) >= late && time(r) < late + 2 / tickRate) lap -= 1;
    return Math.max(0, lap);
  };
  const pct = (r: number): number => {
    const x = f(time(r));
    return x - Math.floor(x);
  };
  const center = { lat: 36.584, lon: -121.753 };
  const cos = Math.cos((center.lat * Math.PI) / 180);
  const inWorld = (r: number): boolean => r >= 10;
  const file: IbtFile = {
    tickRate,
    records,
    startUnix: 1_714_567_890,
    lapCount: laps,
    sessionInfo: IBT_SESSION_INFO,
    vars: [
      { name: 'SessionTime', type: 'double', unit: 's', value: (r) => 1234.5 + time(r) },
      { name: 'SessionTick', type: 'int', value: (r) => 5000 + r },
      { name: 'Lap', type: 'int', value: (r) => lapAt(r) },
      { name: 'LapDistPct', type: 'float', unit: '%', value: (r) => pct(r) },
      { name: 'Speed', type: 'float', unit: 'm/s', value: (r) => 30 + 10 * Math.sin(2 * Math.PI * pct(r)) },
      { name: 'RPM', type: 'float', unit: 'revs/min', value: (r) => 4000 + 2500 * Math.sin(2 * Math.PI * pct(r)) },
      { name: 'Gear', type: 'int', value: (r) => 2 + (Math.floor(pct(r) * 4) % 3) },
      { name: 'OnPitRoad', type: 'bool', value: (r) => (r < 30 ? 1 : 0) },
      { name: 'IsOnTrack', type: 'bool', value: (r) => (inWorld(r) ? 1 : 0) },
      { name: 'EngineWarnings', type: 'bitfield', unit: 'irsdk_EngineWarnings', value: (r) => (r % 100 === 0 ? 0x80000001 : 0x10) },
      { name: 'DisplayUnitsChar', type: 'char', value: (r) => 65 + (r % 26) },
      { name: 'TireTempL', type: 'float', count: 3, unit: 'C', value: (r, e) => 80 + e * 2.5 + r * 0.001 },
      { name: 'Lat', type: 'double', unit: 'deg', value: (r) => (inWorld(r) ? center.lat + (400 * Math.cos(2 * Math.PI * pct(r))) / M_PER_DEG_LAT : 0) },
      { name: 'Lon', type: 'double', unit: 'deg', value: (r) => (inWorld(r) ? center.lon + (400 * Math.sin(2 * Math.PI * pct(r))) / (M_PER_DEG_LON * cos) : 0) },
      { name: 'Alt', type: 'float', unit: 'm', value: () => 250 },
    ],
  };
  return { file, tickRate, crossings, f };
}
