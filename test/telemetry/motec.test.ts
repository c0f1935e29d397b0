// MoTeC importers: the .ld (with .ldx / Beacon channel / lap-channel laps) and the i2 CSV export.
// Real sample files (shared/telemetry-samples, not in the repo: no licence) are checked against
// the ground truth in their SOURCES.md when present; generated fixtures (test/support/write-motec)
// check exact round trips; fuzzing checks that broken files end in an ImportError, never a crash
// or a hang.
import { importErrorOf } from '../support/import-error.ts';
import { mulberry32 } from '../support/prng.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { motecCsvImporter } from '../../src-main/telemetry/formats/motec-csv.ts';
import { decodeBeaconWords, float16ToNumber, motecLdImporter, parseLdx } from '../../src-main/telemetry/formats/motec-ld.ts';
import { ImportError, type ImportContext, type ImportedChannel, type ImportedSession, type Importer } from '../../src-main/telemetry/model.ts';
import { beaconWords, numberToFloat16, writeLdx, writeMotecCsv, writeMotecLd, type LdChannelSpec, type LdSessionSpec } from '../support/write-motec.ts';

const SAMPLES = join(import.meta.dirname, '../../../shared/telemetry-samples');
const HAVE_SAMPLES = existsSync(SAMPLES);
const SKIP_NOTE = HAVE_SAMPLES ? '' : ` — SKIPPED: sample folder ${SAMPLES} not found`;
if (!HAVE_SAMPLES) console.warn(`motec.test.ts: real-sample cases skipped, ${SAMPLES} not found`);

function sample(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(SAMPLES, rel)));
}

function ctxFor(fileName: string, siblings: Record<string, Uint8Array> = {}, asked: string[] = []): ImportContext {
  return {
    fileName,
    sibling: (name) => {
      asked.push(name);
      return siblings[name] ?? null;
    },
    progress: () => {},
  };
}

function channel(s: ImportedSession, name: string): ImportedChannel {
  const c = s.channels.find((x) => x.name === name);
  if (!c) throw new Error(`no channel ${name} in ${s.channels.map((x) => x.name).join(', ')}`);
  return c;
}

function markers(s: ImportedSession): number[] {
  if (s.loggerLaps?.kind !== 'markers') throw new Error(`expected markers, got ${JSON.stringify(s.loggerLaps)}`);
  return s.loggerLaps.times;
}

function range(c: ImportedChannel): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of c.samples) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return [lo, hi];
}

/** A channel record's offset by name, walking the file's own list (to poke at real files). */
function recordOf(bytes: Uint8Array, name: string): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let p = v.getUint32(8, true); p; p = v.getUint32(p + 4, true)) {
    const n = new TextDecoder('latin1').decode(bytes.subarray(p + 0x20, p + 0x40)).replace(/\0.*$/s, '');
    if (n === name) return p;
  }
  throw new Error(`no record ${name}`);
}

// ---- real files ----------------------------------------------------------------------------

/** SOURCES.md: Sample1.ld channels by rate. */
const SAMPLE1_RATES: Record<number, string[]> = {
  1: ['Diff Oil Temp', 'Engine Temp', 'Gbox Oil Temp', 'Baro Pres', 'Eng Oil Pres', 'Beacon', 'Fuel Used (Raw)', 'Lap Number', 'Max Straight Speed', 'Min Corner Speed', 'Lap Distance', 'Lap Time', 'Running Lap Time', 'Split Time'],
  2: ['Air Temp Inlet', 'Fuel Level', 'G Force Vert'],
  5: ['Tyre Temp FL Centre', 'Tyre Temp FL Inner', 'Tyre Temp FL Outer', 'Tyre Temp RL', 'M800 Err Grp 1', 'M800 Err Grp 2', 'M800 Err Grp 6', 'M800 Err Grp 10', 'M800 Err Grp 14', 'Status Grp 1 ECU', 'Status Grp 3 ECU', 'Brake Bias Setting', 'Throttle Pos', 'Lambda 1', 'Lambda 2'],
  10: ['Brake Temp FL', 'Brake Temp RL', 'Gear Pos Volts', 'Dig In 1 Speed', 'Dig In 2 Speed', 'Gear', 'Fuel Inj Duty', 'Drive Speed', 'Ground Speed', 'Speed over Ground', 'Engine RPM', 'G Force Lat - Mid'],
  20: ['Eng Oil Temp', 'Tyre Temp FR Center', 'Tyre Temp FR Inner', 'Tyre Temp FR Outer', 'Tyre Temp RR', 'Brake Pres Front', 'Brake Pres Rear', 'Fuel Pres', 'Bat Volts ADL', 'Battery Volts', 'Effcy Point', 'Wheel Slip', 'Wheel Speed FL', 'Wheel Speed FR', 'Wheel Speed RL', 'Wheel Speed RR', 'G Force Lat', 'G Force Lat - Front', 'G Force Long', 'G Force Long Front', 'G Force Long Mid', 'G Lat Yaw 1 - velcro mount', 'G Lat Yaw 2 - rubber mount', 'Gyro Yaw Velocity', 'Gyro Yaw Velocity 1', 'Ign Advance', 'Steered Angle'],
  50: ['Manifold Pres', 'Ign Cut Level Total', 'Ride Height FL'],
  100: ['Susp Pos FL', 'Susp Pos FR', 'Susp Pos RL', 'Susp Pos RR'],
};

describe.skipIf(!HAVE_SAMPLES)(`real MoTeC samples${SKIP_NOTE}`, () => {
  const read = (rel: string, importer: Importer, siblings: Record<string, Uint8Array> = {}) => importer.parse(sample(rel), ctxFor(rel.split('/').pop()!, siblings));

  it('Sample1.ld: 78 channels with the names, rates, units and sample counts of SOURCES.md', () => {
    const bytes = sample('motec-ld/Sample1.ld');
    expect(motecLdImporter.detect(bytes.subarray(0, 4096))).toBeGreaterThan(0.9);
    expect(motecCsvImporter.detect(bytes.subarray(0, 4096))).toBe(0);
    const s = motecLdImporter.parse(bytes, ctxFor('Sample1.ld'));
    expect(s.format).toBe('motec-ld');
    expect(s.channels).toHaveLength(78);
    expect(s.warnings).toEqual([]);
    const expected = Object.entries(SAMPLE1_RATES).flatMap(([rate, names]) => names.map((n) => [n, Number(rate)] as const));
    expect(expected).toHaveLength(78);
    for (const [name, rate] of expected) {
      const c = channel(s, name);
      expect(c.rateHz, name).toBe(rate);
      expect(c.startS).toBe(0);
      expect(c.samples.length, name).toBe(rate * 454);
    }
    const units: Record<string, string> = {
      'Engine Temp': 'C', 'Manifold Pres': 'kPa', 'Battery Volts': 'V', 'Throttle Pos': '%', 'Ground Speed': 'km/h', 'Engine RPM': 'rpm', 'Fuel Level': 'l',
      'G Force Lat': 'G', 'Gyro Yaw Velocity': 'deg/s', 'Ign Advance': 'dBTDC', 'Lambda 1': 'LA', 'Lap Distance': 'm', 'Lap Time': 's', 'Susp Pos FL': 'mm',
      // empty unit fields stay empty: their short names are abbreviations, not units
      Beacon: '', Gear: '', 'Lap Number': '', 'Dig In 1 Speed': '',
    };
    for (const [name, unit] of Object.entries(units)) expect(channel(s, name).unit, name).toBe(unit);
  });

  it('Sample1.ld: scaling (Engine RPM ×6, Gyro Yaw Velocity ×0.36, sentinels)', () => {
    const s = read('motec-ld/Sample1.ld', motecLdImporter);
    const rpm = channel(s, 'Engine RPM');
    expect(range(rpm)).toEqual([0, 6846]);
    for (const v of rpm.samples) expect(v % 6).toBe(0);
    const yaw = channel(s, 'Gyro Yaw Velocity');
    expect(range(yaw)).toEqual([-45, 40.32]);
    for (const v of yaw.samples) expect(Math.abs(v / 0.36 - Math.round(v / 0.36))).toBeLessThan(1e-9);
    // Decimal places: every value is the nearest double to a short decimal.
    for (const v of channel(s, 'Lambda 1').samples) expect(v).toBe(Number(v.toFixed(3)));
    expect(range(channel(s, 'Max Straight Speed'))[0]).toBe(-3276.8);
    expect(range(channel(s, 'Min Corner Speed'))[1]).toBe(3276.7);
    expect(range(channel(s, 'Lap Distance'))[1]).toBe(2416);
  });

  it('Sample1.ld: metadata from the header and the event/venue/vehicle blocks', () => {
    const s = read('motec-ld/Sample1.ld', motecLdImporter);
    expect(s.metadata).toEqual({
      venue: 'Calder',
      vehicle: '11A',
      driver: null,
      startedAt: '2005-11-23T09:53:00',
      device: 'ADL',
      session: '2',
      comment: 'i2 data day; second warmup; Calder Park, 23/11/05, fine sunny day',
    });
    expect(s.gps).toBeNull();
  });

  it('Sample1.ld: laps from the Beacon channel agree with the logger Lap Time channel', () => {
    const s = read('motec-ld/Sample1.ld', motecLdImporter);
    expect(s.loggerLaps?.source).toMatch(/Beacon channel/);
    const m = markers(s);
    const truth = [94.136, 159.299, 222.981, 288.173, 351.932];
    expect(m).toHaveLength(truth.length);
    m.forEach((t, i) => expect(Math.abs(t - truth[i]!)).toBeLessThanOrEqual(0.005));
    const laps = m.slice(1).map((t, i) => t - m[i]!);
    [65.163, 63.682, 65.192, 63.759].forEach((l, i) => expect(Math.abs(laps[i]! - l)).toBeLessThanOrEqual(0.005));
    // The logger's own lap channels: Lap Number steps at 162/225/290/354 s, Lap Time there.
    const ln = channel(s, 'Lap Number').samples;
    const lt = channel(s, 'Lap Time').samples;
    const steps: number[] = [];
    for (let i = 1; i < ln.length; i++) if (ln[i]! > ln[i - 1]!) steps.push(i);
    expect(steps).toEqual([162, 225, 290, 354]);
    const logged = steps.map((i) => lt[i]!);
    expect(logged).toEqual([65.15, 63.68, 65.18, 63.75]);
    logged.forEach((l, i) => expect(Math.abs(laps[i]! - l)).toBeLessThan(0.05));
  });

  it('Sample1.ld without its Beacon channel: laps from the Running Lap Time channel', () => {
    const bytes = sample('motec-ld/Sample1.ld');
    bytes[recordOf(bytes, 'Beacon') + 0x20] = 'X'.charCodeAt(0); // "Xeacon": no longer the beacon channel
    const s = motecLdImporter.parse(bytes, ctxFor('Sample1.ld'));
    expect(s.loggerLaps?.source).toMatch(/Running Lap Time/);
    const m = markers(s);
    const truth = [94.136, 159.299, 222.981, 288.173, 351.932];
    expect(m).toHaveLength(5);
    m.forEach((t, i) => expect(Math.abs(t - truth[i]!)).toBeLessThan(0.02));
    expect(s.warnings).toEqual([]);
  });

  it('Sample1.ld with an .ldx: the .ldx beacons win, and a disagreeing Details summary is reported', () => {
    const ldx = writeLdx([100, 165.5], { totalLaps: 3, fastestTime: '1:05.500', fastestLap: 2 });
    const s = read('motec-ld/Sample1.ld', motecLdImporter, { 'Sample1.ldx': ldx });
    expect(s.loggerLaps?.source).toMatch(/ldx/);
    expect(markers(s).map((t) => +t.toFixed(6))).toEqual([100, 165.5]);
    expect(s.warnings).toEqual([]);
    const bad = read('motec-ld/Sample1.ld', motecLdImporter, { 'Sample1.ldx': writeLdx([100, 165.5], { totalLaps: 9, fastestTime: '0:59.000' }) });
    expect(bad.warnings.join('\n')).toMatch(/Details say 9 laps/);
    expect(bad.warnings.join('\n')).toMatch(/fastest lap of 0:59\.000/);
  });

  it('20230404_1316.ld: 13 channels at 60 Hz on a 64 KiB stride, event block at 0x766', () => {
    const bytes = sample('motec-ld/20230404_1316.ld');
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(v.getUint32(0x24, true)).toBe(0x766);
    // The fixture property under test: data blocks 65,536 bytes apart, padding in between.
    const ptrs: number[] = [];
    for (let p = v.getUint32(8, true); p; p = v.getUint32(p + 4, true)) ptrs.push(v.getUint32(p + 8, true));
    expect(ptrs.slice(1).map((p, i) => p - ptrs[i]!)).toEqual(new Array(12).fill(65536));

    const s = motecLdImporter.parse(bytes, ctxFor('20230404_1316.ld'));
    expect(s.channels.map((c) => c.name)).toEqual([
      'Vehicle Speed', 'G Force Long', 'G Force Lat', 'G Force Vert', 'Throttle Pos', 'Brake Press', 'Gear', 'Engine RPM',
      'Wheel Speed FL', 'Wheel Speed FR', 'Wheel Speed RL', 'Wheel Speed RR', 'Steered Angle',
    ]);
    for (const c of s.channels) {
      expect(c.rateHz).toBe(60);
      expect(c.samples.length).toBe(11_699);
    }
    expect(channel(s, 'Throttle Pos').unit).toBe('angle%');
    expect(channel(s, 'Brake Press').unit).toBe('bar');
    expect(s.metadata).toMatchObject({
      driver: 'L. TANG',
      vehicle: "IMPREZA Sedan WRX STi spec C (Type-II) '04",
      venue: 'Grand Valley Speedway',
      startedAt: '2023-04-04T13:16:25',
      device: 'ADL',
    });
    expect(s.metadata.comment).toContain('Time Trial');
    // No beacon channel, no lap channels, no .ldx published: no logger laps.
    expect(s.loggerLaps).toBeNull();
    // The G-force spikes are the source logger's and are kept.
    expect(range(channel(s, 'G Force Lat'))[0]).toBeLessThan(-300);
  });

  it('blakelyauto.csv: metadata, 15 columns, 11,700 rows at 60 Hz, beacon markers', () => {
    const bytes = sample('motec-csv/blakelyauto.csv');
    expect(motecCsvImporter.detect(bytes.subarray(0, 4096))).toBeGreaterThan(0.9);
    expect(motecLdImporter.detect(bytes.subarray(0, 4096))).toBe(0);
    const s = motecCsvImporter.parse(bytes, ctxFor('blakelyauto.csv'));
    expect(s.format).toBe('motec-csv');
    expect(s.channels.map((c) => c.name)).toEqual([
      'Time', 'Distance', 'Vehicle Speed', 'G Force Long', 'G Force Lat', 'G Force Vert', 'Throttle Pos', 'Brake Press', 'Gear', 'Engine RPM',
      'Wheel Speed FL', 'Wheel Speed FR', 'Wheel Speed RL', 'Wheel Speed RR', 'Steered Angle',
    ]);
    expect(s.channels.map((c) => c.unit)).toEqual(['s', 'm', 'km/h', 'G', 'G', 'G', '%', 'bar', '', 'rpm', 'km/h', 'km/h', 'km/h', 'km/h', 'deg']);
    for (const c of s.channels) {
      expect(c.samples.length).toBe(11_700);
      expect(c.rateHz).toBe(60);
      expect(c.startS).toBe(0);
    }
    expect(range(channel(s, 'Time'))).toEqual([0, 194.983]);
    expect(range(channel(s, 'Distance'))[1]).toBe(6108);
    expect(markers(s)).toEqual([24.324, 190.167]);
    expect(s.metadata).toEqual({
      venue: 'Grand Valley Speedway',
      vehicle: "IMPREZA Sedan WRX STi spec C (Type-II) '04",
      driver: 'L. TANG',
      startedAt: '2023-04-04T13:16:25',
      device: 'ADL',
      session: null,
      comment: null,
    });
    expect(s.warnings).toEqual([]);
  });

  it('blakelyauto.csv equals 20230404_1316.ld at sample index round(t × 60)', () => {
    const csv = read('motec-csv/blakelyauto.csv', motecCsvImporter);
    const ld = read('motec-ld/20230404_1316.ld', motecLdImporter);
    const time = channel(csv, 'Time').samples;
    const mismatches: Record<string, number> = {};
    for (const c of ld.channels) {
      const a = channel(csv, c.name).samples;
      let bad = 0;
      let compared = 0;
      for (let r = 0; r < time.length; r++) {
        const i = Math.round(time[r]! * 60);
        if (i >= c.samples.length) continue;
        compared++;
        if (Math.abs(a[r]! - c.samples[i]!) > 1e-9) bad++;
      }
      expect(compared).toBe(11_699);
      mismatches[c.name] = bad;
    }
    // Exact for every channel (Steered Angle is the last block on the 64 KiB stride); Gear
    // differs on one row of 11,700 in i2's own export (SOURCES.md).
    const { Gear: gear, ...others } = mismatches;
    expect(others).toEqual(Object.fromEntries(ld.channels.filter((c) => c.name !== 'Gear').map((c) => [c.name, 0])));
    expect(gear).toBeLessThanOrEqual(1);
  });
});

// ---- generated fixtures ----------------------------------------------------------------------

const DURATION = 60;
const seq = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** Known channels: several types, scalings and rates. Values are exact decimals of each channel's resolution. */
function knownChannels(): { spec: LdChannelSpec[]; expected: Record<string, { unit: string; rate: number; values: number[] }> } {
  const rpmRaw = seq(10 * DURATION, (i) => Math.round(1000 + 800 * Math.sin(i / 17)));
  const yawRaw = seq(20 * DURATION, (i) => Math.round(120 * Math.sin(i / 9)));
  const speed = seq(20 * DURATION, (i) => Number((120 + 80 * Math.sin(i / 40)).toFixed(1)));
  const oil = seq(5 * DURATION, (i) => Number(((4500 + (i % 97)) / 50).toFixed(2)));
  const water = seq(1 * DURATION, (i) => 50 + (i % 30));
  const latAcc = seq(50 * DURATION, (i) => Math.fround(1.3 * Math.sin(i / 25)));
  const throttle = seq(10 * DURATION, (i) => ((i * 7) % 401) / 4);
  const odo = seq(5 * DURATION, (i) => Number((i * 12.345).toFixed(3)));
  const gear = seq(10 * DURATION, (i) => 1 + (Math.floor(i / 50) % 5));
  const map = seq(10 * DURATION, (i) => 100 + (i % 50));
  const beacon = beaconWords(
    [
      { timeS: 10.25, id: 100 },
      { timeS: 22.5, id: 56 },
      { timeS: 35.75, id: 100 },
      { timeS: 50.125, id: 2 },
    ],
    1,
    DURATION,
  );
  const spec: LdChannelSpec[] = [
    { name: 'Engine RPM', unit: 'rpm', rateHz: 10, type: 'int16', mul: 6, scale: 10, dec: -1, raw: rpmRaw },
    { name: 'Gyro Yaw Velocity', unit: 'deg/s', rateHz: 20, type: 'int16', mul: 36, scale: 10, dec: 1, raw: yawRaw },
    { name: 'Ground Speed', unit: 'km/h', rateHz: 20, type: 'int16', dec: 1, values: speed },
    { name: 'Eng Oil Temp', unit: 'C', rateHz: 5, type: 'int16', scale: 50, values: oil },
    { name: 'Water Temp', unit: 'C', rateHz: 1, type: 'int8', shift: -40, values: water },
    { name: 'G Force Lat', unit: 'G', rateHz: 50, type: 'float32', category: 7, values: latAcc },
    { name: 'Throttle Pos', unit: '%', rateHz: 10, type: 'float16', values: throttle },
    { name: 'Odometer', unit: 'km', rateHz: 5, type: 'int32', category: 5, dec: 3, values: odo },
    { name: 'Gear', shortName: 'Gear', unit: '', rateHz: 10, type: 'int16', values: gear },
    // The unit in the short-name field (M1 style).
    { name: 'Manifold Pressure', shortName: 'kPa', unit: '', rateHz: 10, type: 'int16', values: map },
    { name: 'Beacon', unit: '', rateHz: 1, type: 'int16', category: 0, raw: beacon },
  ];
  const expected: Record<string, { unit: string; rate: number; values: number[] }> = {
    'Engine RPM': { unit: 'rpm', rate: 10, values: rpmRaw.map((r) => r * 6) },
    'Gyro Yaw Velocity': { unit: 'deg/s', rate: 20, values: yawRaw.map((r) => Number((r * 0.36).toFixed(2))) },
    'Ground Speed': { unit: 'km/h', rate: 20, values: speed },
    'Eng Oil Temp': { unit: 'C', rate: 5, values: oil },
    'Water Temp': { unit: 'C', rate: 1, values: water },
    'G Force Lat': { unit: 'G', rate: 50, values: latAcc },
    'Throttle Pos': { unit: '%', rate: 10, values: throttle },
    Odometer: { unit: 'km', rate: 5, values: odo },
    Gear: { unit: '', rate: 10, values: gear },
    'Manifold Pressure': { unit: 'kPa', rate: 10, values: map },
    Beacon: { unit: '', rate: 1, values: beacon },
  };
  return { spec, expected };
}

function knownSession(overrides: Partial<LdSessionSpec> = {}): LdSessionSpec {
  return {
    date: '23/11/2005',
    time: '09:53:00',
    driver: 'A. Driver',
    vehicle: '11A',
    venue: 'Calder',
    session: '2',
    shortComment: 'second warmup',
    deviceType: 'ADL',
    event: { name: 'test day', session: '2', comment: 'fine sunny day', venue: { name: 'Calder Park', vehicle: { id: '11A', type: 'Car' } } },
    channels: knownChannels().spec,
    ...overrides,
  };
}

function expectKnownChannels(s: ImportedSession): void {
  const { expected } = knownChannels();
  expect(s.channels.map((c) => c.name)).toEqual(Object.keys(expected));
  for (const [name, e] of Object.entries(expected)) {
    const c = channel(s, name);
    expect(c.unit, name).toBe(e.unit);
    expect(c.rateHz, name).toBe(e.rate);
    expect(c.startS).toBe(0);
    expect(c.samples).toBeInstanceOf(Float64Array);
    expect(Array.from(c.samples), name).toEqual(e.values); // exact, after scaling
  }
}

describe('generated MoTeC .ld', () => {
  it('reads back the known channels exactly, with metadata and Beacon-channel laps (no .ldx)', () => {
    const bytes = writeMotecLd(knownSession());
    expect(motecLdImporter.detect(bytes.subarray(0, 4096))).toBeGreaterThan(0.9);
    const asked: string[] = [];
    const progress: number[] = [];
    const s = motecLdImporter.parse(bytes, { ...ctxFor('C:\\logs\\run 3.ld', {}, asked), progress: (d) => progress.push(d) });
    expectKnownChannels(s);
    expect(asked).toContain('run 3.ldx');
    expect(progress.at(-1)).toBe(11);
    expect(s.metadata).toEqual({
      venue: 'Calder',
      vehicle: '11A',
      driver: 'A. Driver',
      startedAt: '2005-11-23T09:53:00',
      device: 'ADL',
      session: '2',
      comment: 'test day; second warmup; fine sunny day',
    });
    expect(markers(s)).toEqual([10.25, 35.75, 50.125]);
    expect(s.loggerLaps?.source).toMatch(/Beacon channel/);
    expect(s.warnings).toEqual([]);
  });

  it('takes the laps from the .ldx when there is one (Time in µs, scientific notation)', () => {
    const bytes = writeMotecLd(knownSession());
    const ldx = writeLdx([12.5, 28.000125, 44.75], { totalLaps: 4, fastestTime: '0:15.500', fastestLap: 2 });
    expect(new TextDecoder().decode(ldx)).toMatch(/Time="1\.25000000000000000e\+07"/);
    const s = motecLdImporter.parse(bytes, ctxFor('run.ld', { 'run.ldx': ldx }));
    expectKnownChannels(s);
    expect(s.loggerLaps?.source).toMatch(/ldx/);
    markers(s).forEach((t, i) => expect(t).toBeCloseTo([12.5, 28.000125, 44.75][i]!, 9));
    expect(s.warnings).toEqual([]);
  });

  it('warns when the .ldx Details disagree with its beacons, and falls back when it has none', () => {
    const bytes = writeMotecLd(knownSession());
    const disagree = motecLdImporter.parse(bytes, ctxFor('run.ld', { 'run.ldx': writeLdx([12.5, 28, 44.75], { totalLaps: 11, fastestTime: '1:47.525' }) }));
    expect(markers(disagree)).toHaveLength(3);
    expect(disagree.warnings).toHaveLength(2);
    expect(disagree.warnings[0]).toMatch(/Details say 11 laps but its 3 beacons make 4 segments/);
    expect(disagree.warnings[1]).toMatch(/fastest lap of 1:47\.525/);

    const detailsOnly = motecLdImporter.parse(bytes, ctxFor('run.ld', { 'run.ldx': writeLdx(null, { totalLaps: 3 }) }));
    expect(detailsOnly.loggerLaps?.source).toMatch(/Beacon channel/);
    expect(detailsOnly.warnings.join()).toMatch(/no beacon markers, only a summary/);

    const notXml = motecLdImporter.parse(bytes, ctxFor('run.ld', { 'run.ldx': new TextEncoder().encode('hello') }));
    expect(notXml.loggerLaps?.source).toMatch(/Beacon channel/);
    expect(notXml.warnings.join()).toMatch(/not an LDX file/);
  });

  it('third-party layout: event block at 0x766, 64 KiB data stride, 116-byte records, wrong header count', () => {
    const bytes = writeMotecLd(knownSession({ eventOffset: 0x766, dataStride: 65536, recordSize: 116, headerChannelCount: 13 }));
    expect(bytes.length).toBeGreaterThan(10 * 65536);
    const s = motecLdImporter.parse(bytes, ctxFor('x.ld'));
    expectKnownChannels(s);
    expect(s.metadata.comment).toContain('test day');
    expect(s.warnings).toEqual(['the header says 13 channels but the channel list has 11']);
  });

  it('metadata blocks are optional: no event pointer, venue and vehicle from the header only', () => {
    const s = motecLdImporter.parse(writeMotecLd(knownSession({ event: null, driver: '', session: '', shortComment: '', time: '09:53' })), ctxFor('x.ld'));
    expect(s.metadata).toEqual({ venue: 'Calder', vehicle: '11A', driver: null, startedAt: '2005-11-23T09:53:00', device: 'ADL', session: null, comment: null });
    const noVehicle = motecLdImporter.parse(writeMotecLd(knownSession({ vehicle: '', venue: '', event: { name: 'e', venue: { name: 'Venue Block', vehicle: null } } })), ctxFor('x.ld'));
    expect(noVehicle.metadata.venue).toBe('Venue Block');
    expect(noVehicle.metadata.vehicle).toBeNull();
    const fromBlock = motecLdImporter.parse(writeMotecLd(knownSession({ vehicle: '' })), ctxFor('x.ld'));
    expect(fromBlock.metadata.vehicle).toBe('11A');
    const badDate = motecLdImporter.parse(writeMotecLd(knownSession({ date: '31/02/2005' })), ctxFor('x.ld'));
    expect(badDate.metadata.startedAt).toBeNull();
    expect(badDate.warnings.join()).toMatch(/not a valid date/);
  });

  it('rejects unknown sample types per channel, warns about offset+multiplier, makes duplicate names unique', () => {
    const extra: LdChannelSpec[] = [
      { name: 'Mystery', unit: '', rateHz: 10, type: 'int16', category: 9, raw: seq(600, () => 1) },
      { name: 'Wide', unit: '', rateHz: 10, type: 'int16', size: 8, raw: seq(600, () => 1) },
      { name: 'Oil Temp Offset', unit: 'C', rateHz: 1, type: 'int16', shift: -40, mul: 2, scale: 1, dec: 1, raw: seq(60, (i) => 500 + i) },
      { name: 'Ground Speed', unit: 'km/h', rateHz: 10, type: 'int16', dec: 1, raw: seq(600, (i) => i) },
    ];
    const s = motecLdImporter.parse(writeMotecLd(knownSession({ channels: [...knownChannels().spec, ...extra] })), ctxFor('x.ld'));
    expect(s.channels.map((c) => c.name)).not.toContain('Mystery');
    expect(s.channels.map((c) => c.name)).not.toContain('Wide');
    expect(s.warnings.filter((w) => /unknown sample type/.test(w))).toHaveLength(2);
    expect(s.warnings.join('\n')).toMatch(/"Mystery".*category 9, size 2/);
    expect(s.warnings.join('\n')).toMatch(/"Wide".*category 3, size 8/);
    expect(s.warnings.join('\n')).toMatch(/"Oil Temp Offset".*offset \(-40\) and a multiplier \(2\)/);
    const off = channel(s, 'Oil Temp Offset');
    expect(off.samples[0]).toBeCloseTo((500 * 2) / 10 - 40, 12); // raw × mul / (scale × 10^dec) + shift
    expect(channel(s, 'Ground Speed #2').sourceName).toBe('Ground Speed');
    expect(channel(s, 'Ground Speed #2').samples[5]).toBe(0.5);
    expect(channel(s, 'Ground Speed').rateHz).toBe(20);
  });

  it('falls back to the logger lap channels when there is no beacon information', () => {
    // Running Lap Time resets 1.5 s late; Lap Number steps 3 s late.
    const crossings = [8.4, 29.9, 51.3];
    const rlt = seq(DURATION, (i) => {
      const past = crossings.filter((c) => c <= i - 1.5);
      return past.length ? Number((i - past.at(-1)!).toFixed(2)) : 0;
    });
    const lapNumber = seq(DURATION, (i) => Math.max(0, crossings.filter((c) => c + 3 <= i).length - 1));
    const lapTime = seq(DURATION, (i) => (lapNumber[i]! >= 1 ? Number((crossings[lapNumber[i]!]! - crossings[lapNumber[i]! - 1]!).toFixed(2)) : 0));
    const lapChannels: LdChannelSpec[] = [
      { name: 'Lap Number', unit: '', rateHz: 1, type: 'int16', values: lapNumber },
      { name: 'Lap Time', unit: 's', rateHz: 1, type: 'int16', dec: 2, values: lapTime },
      { name: 'Running Lap Time', unit: 's', rateHz: 1, type: 'int16', dec: 2, values: rlt },
    ];
    const noBeacon = knownChannels().spec.filter((c) => c.name !== 'Beacon');
    const s = motecLdImporter.parse(writeMotecLd(knownSession({ channels: [...noBeacon, ...lapChannels] })), ctxFor('x.ld'));
    expect(s.loggerLaps?.source).toMatch(/Running Lap Time/);
    markers(s).forEach((t, i) => expect(t).toBeCloseTo(crossings[i]!, 9));
    expect(s.warnings).toEqual([]);

    const onlyNumber = motecLdImporter.parse(writeMotecLd(knownSession({ channels: [...noBeacon, lapChannels[0]!] })), ctxFor('x.ld'));
    expect(onlyNumber.loggerLaps?.source).toMatch(/Lap Number/);
    expect(markers(onlyNumber)).toEqual([33, 55]);
    expect(onlyNumber.warnings.join()).toMatch(/only accurate to its sample period/);

    const none = motecLdImporter.parse(writeMotecLd(knownSession({ channels: noBeacon })), ctxFor('x.ld'));
    expect(none.loggerLaps).toBeNull();
  });

  it('truncated and corrupt files are ImportErrors with the byte offset of the problem', () => {
    const bytes = writeMotecLd(knownSession());
    const v = new DataView(bytes.buffer);
    const meta = v.getUint32(8, true);
    const fail = (b: Uint8Array) => importErrorOf(() => motecLdImporter.parse(b, ctxFor('x.ld')));
    let e = fail(bytes.subarray(0, 100));
    expect(e.message).toMatch(/^motec-ld: file ends inside the file header .*\(byte offset 100\)$/);
    e = fail(bytes.subarray(0, bytes.length - 1));
    expect(e.offset).toBe(bytes.length - 1);
    expect(e.message).toMatch(/ends inside the samples of channel "Beacon"/);
    e = fail(new Uint8Array(2000));
    expect(e.offset).toBe(0);
    expect(e.message).toMatch(/header marker is 0/);

    const badNext = bytes.slice();
    new DataView(badNext.buffer).setUint32(meta + 124 + 4, 0x7fff_0000, true);
    e = fail(badNext);
    expect(e.offset).toBe(meta + 124 + 4);
    expect(e.message).toMatch(/after "Gyro Yaw Velocity" pointer .* beyond the end of the file/);

    const badData = bytes.slice();
    new DataView(badData.buffer).setUint32(meta + 8, bytes.length + 10, true);
    expect(fail(badData).offset).toBe(meta + 8);

    const noChannels = bytes.slice();
    new DataView(noChannels.buffer).setUint32(8, 0, true);
    expect(fail(noChannels).offset).toBe(8);

    // Every record claiming (almost) all the data: refused before decoding gigabytes.
    const bomb = bytes.slice();
    const bv = new DataView(bomb.buffer);
    const dataStart = bv.getUint32(0x0c, true);
    for (let p = meta; p; p = bv.getUint32(p + 4, true)) {
      const size = bv.getUint16(p + 0x14, true);
      bv.setUint32(p + 8, dataStart, true);
      bv.setUint32(p + 12, Math.floor((bomb.length - dataStart) / size), true);
    }
    e = fail(bomb);
    expect(e.message).toMatch(/claim more sample data than the file holds/);
    expect(e.offset).toBe(meta + 2 * 124 + 12);

    // A cycle ends the list with a warning; the channels before it are kept.
    const cycle = bytes.slice();
    new DataView(cycle.buffer).setUint32(meta + 2 * 124 + 4, meta, true);
    const s = motecLdImporter.parse(cycle, ctxFor('x.ld'));
    expect(s.channels.map((c) => c.name)).toEqual(['Engine RPM', 'Gyro Yaw Velocity', 'Ground Speed']);
    expect(s.warnings.join('\n')).toMatch(/loops back to the record at byte \d+/);
    expect(s.warnings.join('\n')).toMatch(/header says 11 channels but the channel list has 3/);
  });

  it('helpers: float16, beacon words, .ldx parsing', () => {
    for (const x of [0, 1, -2.5, 0.000061035, 65504, 0.1, 100.25]) expect(float16ToNumber(numberToFloat16(x))).toBeCloseTo(x, 2);
    expect(float16ToNumber(0x7c00)).toBe(Infinity);
    expect(float16ToNumber(0x7e00)).toBeNaN();
    expect(float16ToNumber(0x0001)).toBe(2 ** -24);
    // Sample1's first start/finish event: words at 95…98.
    const words = new Array(100).fill(0);
    words.splice(95, 4, -7288, -32734, 16520, 100);
    expect(decodeBeaconWords(words, 1)).toEqual([{ timeS: 94 + 0.136, id: 100 }]);
    // A negative 14-bit offset.
    expect(decodeBeaconWords([0, -5, 16384 + 0x3fff - 99, 56], 1)).toEqual([{ timeS: -0.1, id: 56 }]);
    const ldx = parseLdx('<LDXFile><Layers><Layer><MarkerBlock><MarkerGroup Name="Other"><Marker Time="1e6"/></MarkerGroup><MarkerGroup Name=\'Beacons\'><Marker Time="6.62360432425654292e+08"/><Marker Time="2.58129811370032370e+08"/></MarkerGroup></MarkerBlock></Layer><Details><String Id="Total Laps" Value="3"/></Details></Layers></LDXFile>');
    expect(ldx?.markers?.map((t) => +t.toFixed(3))).toEqual([258.13, 662.36]);
    expect(ldx?.details.get('Total Laps')).toBe('3');
    expect(parseLdx('not xml')).toBeNull();
  });
});

describe('generated MoTeC CSV', () => {
  function knownCsv(over: Partial<Parameters<typeof writeMotecCsv>[0]> = {}) {
    const rate = 20;
    const n = 400;
    const distance = seq(n, (i) => Math.floor(i * 2.7));
    const speed = seq(n, (i) => Number((100 + 50 * Math.sin(i / 30)).toFixed(1)));
    const rpm = seq(n, (i) => 3000 + ((i * 37) % 4000));
    const gLat = seq(n, (i) => (i === 17 ? NaN : Number((1.2 * Math.cos(i / 11)).toFixed(2))));
    const spec = {
      venue: 'Grand Valley Speedway',
      vehicle: 'Car "A"',
      driver: 'L. TANG',
      device: 'ADL',
      comment: 'c',
      session: 's',
      logDate: '2023-04-04',
      logTime: '1:16:25 PM',
      markers: [4.25, 12.5],
      rateHz: rate,
      channels: [
        { name: 'Distance', unit: 'm', values: distance, decimals: 0 },
        { name: 'Vehicle Speed', unit: 'km/h', values: speed, decimals: 1 },
        { name: 'Engine RPM', unit: 'rpm', values: rpm, decimals: 0 },
        { name: 'G Force Lat', unit: 'G', values: gLat, decimals: 2 },
        { name: 'Vehicle Speed', unit: 'mph', values: speed.map((x) => Number((x / 1.609).toFixed(1))), decimals: 1 },
      ],
      ...over,
    };
    return { spec, bytes: writeMotecCsv(spec), distance, speed, rpm, gLat };
  }

  it('reads back metadata, markers and every column (Time and Distance too) at the common rate', () => {
    const { bytes, distance, speed, rpm, gLat } = knownCsv();
    expect(motecCsvImporter.detect(bytes)).toBeGreaterThan(0.9);
    expect(motecLdImporter.detect(bytes)).toBe(0);
    const s = motecCsvImporter.parse(bytes, ctxFor('x.csv'));
    expect(s.channels.map((c) => c.name)).toEqual(['Time', 'Distance', 'Vehicle Speed', 'Engine RPM', 'G Force Lat', 'Vehicle Speed #2']);
    expect(s.channels.map((c) => c.sourceName)).toEqual(['Time', 'Distance', 'Vehicle Speed', 'Engine RPM', 'G Force Lat', 'Vehicle Speed']);
    expect(s.channels.map((c) => c.unit)).toEqual(['s', 'm', 'km/h', 'rpm', 'G', 'mph']);
    for (const c of s.channels) {
      expect(c.rateHz).toBe(20);
      expect(c.startS).toBe(0);
      expect(c.samples.length).toBe(400);
    }
    expect(Array.from(channel(s, 'Time').samples)).toEqual(seq(400, (i) => Number((i / 20).toFixed(3))));
    expect(Array.from(channel(s, 'Distance').samples)).toEqual(distance);
    expect(Array.from(channel(s, 'Vehicle Speed').samples)).toEqual(speed);
    expect(Array.from(channel(s, 'Engine RPM').samples)).toEqual(rpm);
    expect(Array.from(channel(s, 'G Force Lat').samples)).toEqual(gLat); // the empty cell is NaN, never 0
    expect(markers(s)).toEqual([4.25, 12.5]);
    expect(s.loggerLaps?.source).toMatch(/Beacon Markers/);
    expect(s.metadata).toEqual({ venue: 'Grand Valley Speedway', vehicle: 'Car "A"', driver: 'L. TANG', startedAt: '2023-04-04T13:16:25', device: 'ADL', session: 's', comment: 'c' });
    expect(s.warnings).toEqual([]);
  });

  it('takes the rate from the Time column when "Sample Rate" is empty; day/month dates; no markers', () => {
    const { bytes } = knownCsv({ sampleRate: null, markers: [], logDate: '23/11/2005', logTime: '09:53:00' });
    const s = motecCsvImporter.parse(bytes, ctxFor('x.csv'));
    expect(s.channels[0]!.rateHz).toBeCloseTo(20, 6);
    expect(s.loggerLaps).toBeNull();
    expect(s.metadata.startedAt).toBe('2005-11-23T09:53:00');
    expect(s.warnings.join()).toMatch(/"Sample Rate" "" .* is not a rate/);
  });

  it('a file cut inside its last row, and structural problems, are ImportErrors with a line', () => {
    const { bytes } = knownCsv();
    const text = new TextDecoder().decode(bytes);
    const fail = (t: string) => importErrorOf(() => motecCsvImporter.parse(new TextEncoder().encode(t), ctxFor('x.csv')));
    // truncated: the last row stops at its third field
    const rows = text.replace(/\r\n$/, '').split('\r\n');
    const last = rows[rows.length - 1]!;
    const cut = fail([...rows.slice(0, -1), last.split(',').slice(0, 3).join(',')].join('\r\n'));
    expect(cut.line).toBe(rows.length);
    expect(cut.message).toMatch(new RegExp(`^motec-csv: the file ends inside line ${rows.length}, after 3 of the ${last.split(',').length} fields the line before has \\(truncated\\?\\)`));
    // cut just after a line break, every row it has is whole: read as it is
    expect(motecCsvImporter.parse(new TextEncoder().encode(rows.slice(0, -1).join('\r\n') + '\r\n'), ctxFor('x.csv')).channels[0]!.samples.length).toBe(399);

    const lines = text.split('\r\n');
    // (whole lines, each ended: files that stop between rows, for their structure alone)
    expect(fail(lines.slice(0, 12).join('\r\n') + '\r\n').message).toMatch(/^motec-csv: no channel-name row .*\(line \d+\)$/);
    expect(fail(lines.slice(0, 18).join('\r\n') + '\r\n').message).toMatch(/^motec-csv: no data rows .*\(line 16\)$/);
    const broken = [...lines];
    broken[30] = '"1.0","2';
    const e = fail(broken.join('\r\n'));
    expect(e.line).toBe(31);
    expect(e.message).toMatch(/unterminated quoted field \(line 31\)$/);
  });
});

// ---- fuzzing -------------------------------------------------------------------------------


/** Truncations and byte mutations of `base`; mutations favour [0, hot) where the structure lives. */
function* variants(base: Uint8Array, count: number, seed: number, hot: number, text: boolean): Generator<Uint8Array> {
  const rnd = mulberry32(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const special = text ? [0x22, 0x2c, 0x0a, 0x0d, 0x20, 0x2e, 0x2d, 0x00, 0xff, 0x30, 0x65] : [0x00, 0xff, 0x40, 0x7f, 0x80];
  for (let k = 0; k < count; k++) {
    if (k % 4 === 0) {
      // truncation, often inside the structural part
      yield base.slice(0, rnd() < 0.5 ? int(Math.min(hot, base.length)) : int(base.length));
      continue;
    }
    const b = base.slice();
    const n = 1 + int(8);
    for (let j = 0; j < n; j++) {
      const at = rnd() < 0.75 ? int(Math.min(hot, b.length)) : int(b.length);
      const r = rnd();
      if (!text && r < 0.3 && at + 4 <= b.length) {
        // a plausible-looking pointer or count: small, near the end, or huge
        const v = new DataView(b.buffer);
        const choice = [int(b.length), b.length - int(16), 0xffffffff, int(0x800), 0][int(5)]!;
        v.setUint32(at & ~1, choice >>> 0, true);
      } else if (r < 0.6) b[at] = special[int(special.length)]!;
      else b[at] = int(256);
    }
    yield b;
  }
}

interface FuzzStats {
  ok: number;
  errors: number;
  slowestMs: number;
}

function fuzz(importer: Importer, base: Uint8Array, count: number, seed: number, hot: number, text: boolean, fileName: string): FuzzStats {
  const stats: FuzzStats = { ok: 0, errors: 0, slowestMs: 0 };
  const context = ctxFor(fileName);
  for (const bytes of variants(base, count, seed, hot, text)) {
    expect(() => importer.detect(bytes.subarray(0, 4096))).not.toThrow();
    const t0 = performance.now();
    let s: ImportedSession | null = null;
    try {
      s = importer.parse(bytes, context);
    } catch (e) {
      if (!(e instanceof ImportError)) throw new Error(`${importer.format}: a ${bytes.length}-byte variant threw ${String(e)}`);
      expect(e.format).toBe(importer.format);
      expect(e.message.startsWith(`${importer.format}: `)).toBe(true);
      if (text) {
        expect(e.line).toBeGreaterThanOrEqual(1);
        expect(e.message).toMatch(/\(line \d+\)$/);
      } else {
        expect(e.offset).toBeGreaterThanOrEqual(0);
        expect(e.offset).toBeLessThanOrEqual(bytes.length);
        expect(e.message).toMatch(/\(byte offset \d+\)$/);
      }
      stats.errors++;
    }
    stats.slowestMs = Math.max(stats.slowestMs, performance.now() - t0);
    if (s) {
      stats.ok++;
      expect(s.format).toBe(importer.format);
      for (const c of s.channels) {
        expect(c.samples).toBeInstanceOf(Float64Array);
        expect(c.rateHz).toBeGreaterThan(0);
        expect(typeof c.name).toBe('string');
      }
      expect(new Set(s.channels.map((c) => c.name)).size).toBe(s.channels.length);
    }
  }
  return stats;
}

describe('fuzzing: every broken file is parsed or an ImportError, quickly', () => {
  it('1,200 truncated/mutated variants of a generated .ld', () => {
    const base = writeMotecLd(knownSession());
    const hot = new DataView(base.buffer).getUint32(0x0c, true) + 64; // header, blocks, records
    const stats = fuzz(motecLdImporter, base, 1200, 0x1d5eed, hot, false, 'fuzz.ld');
    expect(stats.errors).toBeGreaterThan(200);
    expect(stats.ok).toBeGreaterThan(100);
    expect(stats.slowestMs).toBeLessThan(5000); // no hang: a bound, not a speed target
  });

  it('1,200 truncated/mutated variants of a generated CSV', () => {
    const base = new Uint8Array(writeMotecCsv({
      venue: 'V',
      logDate: '2023-04-04',
      logTime: '1:16:25 PM',
      markers: [1.5, 7.25],
      rateHz: 20,
      channels: [
        { name: 'Distance', unit: 'm', values: seq(200, (i) => i * 3), decimals: 0 },
        { name: 'Speed', unit: 'km/h', values: seq(200, (i) => 100 + (i % 13)), decimals: 1 },
      ],
    }));
    const text = new TextDecoder().decode(base);
    const hot = text.indexOf('"0.000"') + 200; // metadata, names, units and the first rows
    const stats = fuzz(motecCsvImporter, base, 1200, 0xc5f, hot, true, 'fuzz.csv');
    expect(stats.errors).toBeGreaterThan(100);
    expect(stats.ok).toBeGreaterThan(100);
    expect(stats.slowestMs).toBeLessThan(5000); // no hang: a bound, not a speed target
  });

  it.skipIf(!HAVE_SAMPLES)(`variants of the real files${SKIP_NOTE}`, () => {
    for (const [rel, importer, n, text] of [
      ['motec-ld/Sample1.ld', motecLdImporter, 120, false],
      ['motec-ld/20230404_1316.ld', motecLdImporter, 120, false],
      ['motec-csv/blakelyauto.csv', motecCsvImporter, 60, true],
    ] as const) {
      const base = sample(rel);
      const hot = text ? 2500 : new DataView(base.buffer, base.byteOffset).getUint32(0x0c, true) + 64;
      const stats = fuzz(importer, base, n, rel.length * 7919, hot, text, rel.split('/').pop()!);
      // (fuzz() throws on anything but a session or an ImportError) both outcomes occur
      expect(stats.errors, rel).toBeGreaterThan(0);
      expect(stats.ok, rel).toBeGreaterThan(0);
      // "no hang": a bound, not a speed target (as for every other fuzz run)
      expect(stats.slowestMs, rel).toBeLessThan(5000);
    }
  });
});
