// Writers for the four text formats (AiM CSV RS2/RS3, RaceChrono CSV v3, TrackAddict CSV, RaceCapture
// log), producing files from channels known as functions of time, so the import tests mean something
// without the real sample files. Each writer follows the layout of the real exports described in
// shared/research/telemetry-formats.md and shared/telemetry-samples/SOURCES.md.

export interface KnownChannel {
  /** The name as written in the file. */
  name: string;
  unit: string;
  /** Value at session time t (s); NaN = blank cell (no sample). */
  f: (t: number) => number;
  /** Decimals written (default 6). */
  decimals?: number;
}

function fmt(v: number, decimals = 6, comma = false): string {
  if (!Number.isFinite(v)) return '';
  const s = v.toFixed(decimals);
  return comma ? s.replace('.', ',') : s;
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Latin-1 bytes (every character must be ≤ U+00FF). */
export function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new Error(`not Latin-1: ${text[i]}`);
    out[i] = c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// AiM CSV

export interface AimSpec {
  style: 'rs2' | 'rs3';
  separator?: ',' | ';';
  /** Decimal comma (with ';' separators, as some locales write). */
  decimalComma?: boolean;
  rateHz: number;
  /** Cumulative beacon markers; the last one is the duration. */
  markers: number[];
  /** RS2 lap-by-lap export: Time restarts at 0 at every marker. */
  lapByLap?: boolean;
  venue: string;
  vehicle: string;
  driver: string;
  comment?: string;
  /** As written: "Tuesday, December 16, 2025" or "16/12/25". */
  date: string;
  /** As written: "11:49 AM" or "17:27:21". */
  time: string;
  /** Channels after Time. */
  channels: KnownChannel[];
}

/** Row times of an AiM export: [session time, Time cell]. */
export function aimRowTimes(spec: AimSpec): [number, number][] {
  const rows: [number, number][] = [];
  const duration = spec.markers[spec.markers.length - 1] ?? 0;
  if (spec.lapByLap) {
    let start = 0;
    for (const end of spec.markers) {
      const len = Math.round((end - start) * 1000) / 1000;
      for (let j = 0; j / spec.rateHz < len - 1e-9; j++) rows.push([start + j / spec.rateHz, j / spec.rateHz]);
      rows.push([end, len]);
      start = end;
    }
  } else {
    for (let j = 0; j / spec.rateHz <= duration + 1e-9; j++) rows.push([j / spec.rateHz, j / spec.rateHz]);
  }
  return rows;
}

export function writeAimCsv(spec: AimSpec): Uint8Array {
  const sep = spec.separator ?? ',';
  const comma = !!spec.decimalComma;
  const rs2 = spec.style === 'rs2';
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const row = (cells: string[], trailing = false) => cells.map(q).join(sep) + (trailing ? sep : '');
  const lines: string[] = [];
  const duration = spec.markers[spec.markers.length - 1] ?? 0;
  const n = (v: number, d = 3) => fmt(v, d, comma);
  lines.push(row(['Format', rs2 ? 'AIM CSV File' : 'AiM CSV File']));
  if (rs2) {
    lines.push(row(['Venue', spec.venue]), row(['Vehicle', spec.vehicle]), row(['User', spec.driver]), row(['Data Source', 'AIM Data Logger']));
  } else {
    lines.push(row(['Session', spec.venue]), row(['Vehicle', spec.vehicle]), row(['Racer', spec.driver]), row(['Championship', '']));
  }
  lines.push(row(['Comment', spec.comment ?? '']), row(['Date', spec.date]), row(['Time', spec.time]));
  lines.push(row(['Sample Rate', String(spec.rateHz)]), row(['Duration', n(duration)]), row(['Segment', 'Session']));
  if (rs2) lines.push(row(['Beacon Markers', spec.markers.map((m) => n(m)).join(comma ? '; ' : ', ')]));
  else lines.push(row(['Beacon Markers', ...spec.markers.map((m) => n(m))]));
  let prev = 0;
  const seg = spec.markers.map((m) => {
    const d = m - prev;
    prev = m;
    return `${Math.floor(d / 60)}:${n(d % 60).padStart(6, '0')}`;
  });
  lines.push(row(['Segment Times', ...seg]));
  lines.push('');
  const names = ['Time', ...spec.channels.map((c) => c.name)];
  const units = [rs2 ? 'sec' : 's', ...spec.channels.map((c) => c.unit || ' ')];
  lines.push(row(names, rs2));
  if (rs2) lines.push(row(names, true));
  lines.push(row(units, rs2));
  if (rs2) lines.push(row(['', ...spec.channels.map((_, k) => String(k + 1))], true));
  lines.push('');
  for (const [t, tau] of aimRowTimes(spec)) {
    const cells = [n(tau), ...spec.channels.map((c) => fmt(c.f(t), c.decimals ?? 6, comma))];
    lines.push(rs2 ? cells.join(sep) : cells.map(q).join(sep));
  }
  const text = lines.join('\r\n') + '\r\n';
  return rs2 ? latin1(text) : utf8(text);
}

// ---------------------------------------------------------------------------------------------
// RaceChrono CSV v3

export interface RaceChronoSource {
  /** As in the sources row: "100: gps", "calc", "200: obd". */
  source: string;
  rateHz: number;
  /** First sample, s after the first row. Sample times are whole milliseconds. */
  offsetS: number;
  channels: KnownChannel[];
  /** No samples strictly inside (from, to). */
  gap?: [number, number];
}

export interface RaceChronoSpec {
  /** Unix time of the first row, at most 3 decimals. */
  startUnix: number;
  durationS: number;
  sources: RaceChronoSource[];
  /** Session times of start/finish crossings; lap_number increments after each. */
  crossings: number[];
  /** lap_number before the first crossing; null = blank (before the first crossing). */
  firstLap: number | null;
  title: string;
  track: string;
  driver?: string;
  format?: number;
}

/** The union of all sources' sample times (ms) and which sources sample at each. */
export function raceChronoRows(spec: RaceChronoSpec): { ms: number; sources: Set<number> }[] {
  const rows = new Map<number, Set<number>>();
  const add = (ms: number, s: number) => {
    let set = rows.get(ms);
    if (!set) rows.set(ms, (set = new Set()));
    if (s >= 0) set.add(s);
  };
  add(0, -1);
  spec.sources.forEach((src, s) => {
    const period = 1000 / src.rateHz;
    for (let j = 0; ; j++) {
      const ms = Math.round(src.offsetS * 1000 + j * period);
      if (ms > spec.durationS * 1000 + 1e-6) break;
      const t = ms / 1000;
      if (src.gap && t > src.gap[0] && t < src.gap[1]) continue;
      add(ms, s);
    }
  });
  return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([ms, sources]) => ({ ms, sources }));
}

export function raceChronoLapAt(spec: RaceChronoSpec, t: number): number | null {
  let passed = 0;
  for (const c of spec.crossings) if (t >= c) passed++;
  if (spec.firstLap === null) return passed ? passed : null;
  return spec.firstLap + passed;
}

export function writeRaceChronoCsv(spec: RaceChronoSpec): Uint8Array {
  const lines: string[] = [];
  lines.push('This file is created using RaceChrono Pro v9.1.3 ( http://racechrono.com/ ).');
  lines.push(`Format,${spec.format ?? 3}`);
  lines.push(`Session title,"${spec.title}"`, 'Session type,Lap timing', `Track name,"${spec.track}"`, `Driver name,${spec.driver ?? ''}`);
  lines.push('Created,31/12/2025,02:54', 'Note,"first line', 'second line"', '');
  const names = ['timestamp', 'fragment_id', 'lap_number', 'elapsed_time', 'distance_traveled'];
  const units = ['unix time', '', '', 's', 'm'];
  const sources = ['', '', '', '', ''];
  for (const src of spec.sources) {
    for (const c of src.channels) {
      names.push(c.name);
      units.push(c.unit);
      sources.push(src.source);
    }
  }
  lines.push(names.join(','), units.join(','), sources.join(','));
  const base = Math.round(spec.startUnix * 1000);
  for (const row of raceChronoRows(spec)) {
    const t = row.ms / 1000;
    const lap = raceChronoLapAt(spec, t);
    const cells = [((base + row.ms) / 1000).toFixed(3), '0', lap === null ? '' : String(lap), (100 + t).toFixed(3), (t * 30).toFixed(3)];
    spec.sources.forEach((src, s) => {
      for (const c of src.channels) cells.push(row.sources.has(s) ? fmt(c.f(t), c.decimals ?? 6) : '');
    });
    lines.push(cells.join(','));
  }
  return utf8(lines.join('\n') + '\n');
}

// ---------------------------------------------------------------------------------------------
// TrackAddict CSV

export interface TrackAddictSpec {
  rateHz: number;
  durationS: number;
  /** Row time jitter amplitude (s), deterministic. */
  jitterS: number;
  /** Real GPS fixes every … s (other rows repeat the last fix). */
  gpsPeriodS: number;
  lat: (t: number) => number;
  lon: (t: number) => number;
  /** Heading in degrees (wraps at 360). */
  heading: (t: number) => number;
  /** Channels after the fixed ones; names carry their unit: "Speed (Km/h)". */
  channels: KnownChannel[];
  /** Session times of start/finish crossings (lap 0 ends at the first). */
  crossings: number[];
  /** When the app started timing lap 0 (≤ 0 s: before the first row). */
  lap0StartS: number;
  endPoint: { lat: number; lon: number; headingDeg: number };
  pit: { entryS: number; exitS: number }[];
  sessionEnd: boolean;
  utcStart: number;
  latin1?: boolean;
}

export interface TrackAddictRow {
  t: number;
  fix: boolean;
  lastFix: number;
}

export function trackAddictRows(spec: TrackAddictSpec): TrackAddictRow[] {
  const rows: TrackAddictRow[] = [];
  let nextFix = 0;
  let lastFix = 0;
  for (let j = 0; ; j++) {
    const jitter = j === 0 ? 0 : (((j * 7919) % 11) - 5) * (spec.jitterS / 5);
    const t = Math.round((j / spec.rateHz + jitter) * 1000) / 1000;
    if (t > spec.durationS) break;
    const fix = t >= nextFix - 1e-9;
    if (fix) {
      lastFix = t;
      nextFix += spec.gpsPeriodS;
      while (nextFix <= t) nextFix += spec.gpsPeriodS;
    }
    rows.push({ t, fix, lastFix });
  }
  return rows;
}

/** Index of the row where Lap changes after each crossing: the first real fix at or after it. */
export function trackAddictTransitions(spec: TrackAddictSpec, rows: TrackAddictRow[]): number[] {
  return spec.crossings.map((c) => rows.findIndex((r) => r.fix && r.t >= c));
}

function clock(s: number): string {
  const ms = Math.round(s * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const sec = (ms % 60_000) / 1000;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${sec.toFixed(3).padStart(6, '0')}`;
}

export function writeTrackAddictCsv(spec: TrackAddictSpec): Uint8Array {
  const rows = trackAddictRows(spec);
  const trans = trackAddictTransitions(spec, rows);
  const lines: string[] = [];
  lines.push('# RaceRender Data: TrackAddict 4.3.5 on Android 9 [test] (Mode: 0)');
  lines.push(`# End Point: ${spec.endPoint.lat.toFixed(5)}, ${spec.endPoint.lon.toFixed(5)}  @ ${spec.endPoint.headingDeg.toFixed(2)} deg`);
  lines.push('# GPS: Android; Mode: Android', '# Vehicle: Test Car');
  const fixed = ['Time', 'UTC Time', 'Lap', 'GPS_Update', 'Latitude', 'Longitude', 'Heading'];
  lines.push([...fixed, ...spec.channels.map((c) => c.name)].map((s) => `"${s}"`).join(','));
  let lap = 0;
  let fixLat = spec.lat(0);
  let fixLon = spec.lon(0);
  let fixHd = spec.heading(0);
  const pitEvents = spec.pit.flatMap((p) => [
    { t: p.entryS, text: '# Pit Lane Entry' },
    { t: p.exitS, text: '# Pit Lane Exit' },
  ]);
  rows.forEach((r, k) => {
    const crossing = trans.indexOf(k);
    if (crossing >= 0) {
      const start = crossing === 0 ? spec.lap0StartS : (spec.crossings[crossing - 1] as number);
      lines.push(`# Lap ${lap}: ${clock((spec.crossings[crossing] as number) - start)}`);
      lap++;
    }
    if (r.fix) {
      fixLat = spec.lat(r.t);
      fixLon = spec.lon(r.t);
      fixHd = spec.heading(r.t);
    }
    const cells = [
      r.t.toFixed(3),
      (spec.utcStart + r.t).toFixed(3),
      String(lap),
      r.fix ? '1' : '0',
      fixLat.toFixed(7),
      fixLon.toFixed(7),
      fixHd.toFixed(2),
      ...spec.channels.map((c) => fmt(c.f(r.t), c.decimals ?? 6)),
    ];
    lines.push(cells.join(','));
    for (const e of pitEvents) if (e.t <= r.t && e.t > (rows[k - 1]?.t ?? -Infinity)) lines.push(e.text);
  });
  if (spec.sessionEnd) lines.push('# Session End');
  const text = lines.join('\n') + '\n';
  return spec.latin1 ? latin1(text) : utf8(text);
}

// ---------------------------------------------------------------------------------------------
// RaceCapture/Pro log

export interface RaceCaptureChannel extends KnownChannel {
  rateHz: number;
  min: number;
  max: number;
}

export interface RaceCaptureSpec {
  startIntervalMs: number;
  utcStartMs: number;
  durationS: number;
  channels: RaceCaptureChannel[];
  /** Session times of start/finish crossings; LapCount increments at the first 10 Hz tick ≥ each. */
  crossings: number[];
  /** Time of lap 1 (from the crossing before the first LapCount increment). */
  firstLapS: number;
  /** How LapTime's unit is labelled (the values are minutes either way). */
  lapTimeLabel: 'Min' | 'Sec';
}

export function raceCaptureIncrements(spec: RaceCaptureSpec): { ms: number; lapS: number }[] {
  return spec.crossings.map((c, k) => ({
    ms: Math.ceil((c * 1000) / 100) * 100,
    lapS: k === 0 ? spec.firstLapS : c - (spec.crossings[k - 1] as number),
  }));
}

export function writeRaceCaptureLog(spec: RaceCaptureSpec): Uint8Array {
  const inc = raceCaptureIncrements(spec);
  const lapCount = (ms: number) => inc.filter((x) => x.ms <= ms).length;
  const lapTime = (ms: number) => {
    const done = inc.filter((x) => x.ms <= ms);
    return done.length ? (done[done.length - 1] as { lapS: number }).lapS / 60 : 0;
  };
  const all: { name: string; units: string; min: number; max: number; rateHz: number; cell: (ms: number) => string }[] = [
    { name: 'Interval', units: 'ms', min: 0, max: 0, rateHz: 1, cell: (ms) => String(spec.startIntervalMs + ms) },
    { name: 'Utc', units: 'ms', min: 0, max: 0, rateHz: 1, cell: (ms) => String(spec.utcStartMs + ms) },
    ...spec.channels.map((c) => ({ ...c, units: c.unit, cell: (ms: number) => fmt(c.f(ms / 1000), c.decimals ?? 6) })),
    { name: 'LapCount', units: '', min: 0, max: 0, rateHz: 10, cell: (ms) => String(lapCount(ms)) },
    { name: 'LapTime', units: spec.lapTimeLabel, min: 0, max: 0, rateHz: 10, cell: (ms) => lapTime(ms).toFixed(8) },
  ];
  const ticks = new Set<number>();
  const every = (rate: number) => 1000 / rate;
  for (const c of all.slice(2)) for (let ms = 0; ms <= spec.durationS * 1000; ms += every(c.rateHz)) ticks.add(Math.round(ms));
  const sorted = [...ticks].sort((a, b) => a - b);
  const lines: string[] = [];
  lines.push(all.map((c) => `"${c.name}"|"${c.units}"|${c.min}|${c.max}|${c.rateHz}`).join(','));
  for (const ms of sorted) {
    const cells = all.map((c, k) => (k < 2 || raceCaptureSamplesAt(c.rateHz, ms) ? c.cell(ms) : ''));
    lines.push(cells.join(','));
  }
  return utf8(lines.join('\n') + '\n');
}

/** Whether a RaceCapture channel of this rate has a sample at this tick. */
export function raceCaptureSamplesAt(rateHz: number, ms: number): boolean {
  const p = 1000 / rateHz;
  const r = ms % p;
  return Math.round(r) === 0 || Math.abs(r - p) < 1e-6;
}

export function raceCaptureTicks(spec: RaceCaptureSpec): number[] {
  const ticks = new Set<number>();
  const rates = [...spec.channels.map((c) => c.rateHz), 10];
  for (const rate of rates) for (let ms = 0; ms <= spec.durationS * 1000; ms += 1000 / rate) ticks.add(Math.round(ms));
  return [...ticks].sort((a, b) => a - b);
}
