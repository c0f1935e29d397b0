// Racelogic .vbo and iRacing .ibt importers: the real VBO samples (skipped when the shared
// sample folder is absent), generated fixtures with known values, fuzzing with truncated and
// mutated files, and content-based detection.
import { mulberry32 } from '../support/prng.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importErrorOf } from '../support/import-error.ts';
import { iRacingIbtImporter, lapMarkers } from '../../src-main/telemetry/formats/iracing-ibt.ts';
import { vboImporter } from '../../src-main/telemetry/formats/vbo.ts';
import { gateCrossings, realFixes } from '../../src-main/telemetry/laps.ts';
import { ImportError, type ImportContext, type ImportedChannel, type ImportedSession, type Importer } from '../../src-main/telemetry/model.ts';
import {
  CIRCUIT_COLUMNS_SHORT,
  canTemp,
  circuitSession,
  circuitVbo,
  ibtLayout,
  iracingSession,
  vboLat,
  vboLon,
  writeIbt,
  writeVbo,
} from '../support/write-vbo-ibt.ts';

const SAMPLES = join(import.meta.dirname, '../../../shared/telemetry-samples');
const HARRYS = join(SAMPLES, 'vbo/sampleHarrysLapTimer.vbo');
const RACECHRONO = join(SAMPLES, 'vbo/sample.vbo');
const haveSamples = existsSync(HARRYS) && existsSync(RACECHRONO);
if (!haveSamples) {
  console.warn(`SKIPPING the real VBO sample tests: ${SAMPLES}/vbo/*.vbo not found (shared/telemetry-samples is not in this checkout).`);
}

const ctx: ImportContext = { fileName: 'test', sibling: () => null, progress: () => {} };

function channel(s: ImportedSession, name: string): ImportedChannel {
  const c = s.channels.find((x) => x.name === name);
  if (!c) throw new Error(`no channel ${name} among ${s.channels.map((x) => x.name).join(', ')}`);
  return c;
}

function finiteCount(a: Float64Array): number {
  let n = 0;
  for (const v of a) if (v === v) n++;
  return n;
}

/** Longest run of NaN. */
function longestNaNRun(a: Float64Array): number {
  let best = 0;
  let run = 0;
  for (const v of a) {
    run = v === v ? 0 : run + 1;
    best = Math.max(best, run);
  }
  return best;
}

function head(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(0, 4096);
}

// ---- real samples ---------------------------------------------------------------------------

describe.skipIf(!haveSamples)('VBO real samples', () => {
  it("sampleHarrysLapTimer.vbo (Harry's LapTimer): metadata, 9,022 rows at 10 Hz, east-positive degrees, gate", () => {
    const bytes = new Uint8Array(readFileSync(HARRYS));
    expect(vboImporter.detect(head(bytes))).toBeGreaterThan(0.9);
    const s = vboImporter.parse(bytes, ctx);
    expect(s.format).toBe('vbo');
    expect(s.metadata.comment).toContain('File created 2015-05-31T19:20:40');
    expect(s.metadata.startedAt).toBe('2015-05-31T07:47:07.380Z'); // created date + first UTC time of day
    expect(s.metadata.venue).toBe('Megara');
    expect(s.metadata.driver).toBe('KAK');
    expect(s.metadata.vehicle).toBe("'08 Mazda MX5");
    expect(s.metadata.device).toBe('LapTimer v19.0.4');
    expect(s.warnings.join('\n')).toMatch(/12 laps/);
    // 11 columns: time is the grid, the other 10 are channels (no flag bits are set)
    expect(s.channels.map((c) => c.sourceName)).toEqual(['sats', 'lat', 'long', 'velocity', 'heading', 'height', 'longacc', 'latacc', 'GasPedalPosition', 'EngineSpeed']);
    for (const c of s.channels) {
      expect(c.rateHz).toBe(10);
      expect(c.startS).toBe(0);
      expect(c.samples.length).toBe(9022);
      expect(finiteCount(c.samples)).toBe(9022);
    }
    expect(s.gps).toEqual({ lat: 'latitude', lon: 'longitude', speed: 'velocity', heading: 'heading' });
    const lat = channel(s, 'latitude');
    const lon = channel(s, 'longitude');
    expect(lat.unit).toBe('deg');
    expect(lat.samples[0]).toBeCloseTo(2279.22023257 / 60, 9); // 37.98700° N
    expect(lon.samples[0]).toBeCloseTo(1401.77845621 / 60, 9); // -01401.77845621 min West = 23.36297° E
    expect(lat.samples[0]).toBeCloseTo(37.987, 3);
    expect(lon.samples[0]).toBeCloseTo(23.363, 3);
    expect(channel(s, 'velocity').unit).toBe('km/h');
    expect(channel(s, 'velocity').samples[0]).toBe(69.2);
    expect(channel(s, 'EngineSpeed').samples[9021]).toBe(6640);
    expect(channel(s, 'satellites').samples[0]).toBe(17);

    // gate: the first Start point (long,lat order), along-track points → first point + heading
    const g = s.gate!;
    expect(g).not.toBeNull();
    expect(g.lat).toBeCloseTo(2279.2237 / 60, 7);
    expect(g.lon).toBeCloseTo(1401.7908 / 60, 7);
    expect(g.lat2).toBeUndefined();
    expect(g.headingDeg).toBeGreaterThan(60);
    expect(g.headingDeg).toBeLessThan(85);
    expect(s.warnings.join('\n')).toMatch(/along the track/);

    // lap splitting with that gate reproduces SOURCES.md's computed laps (±0.05 s)
    const t = Float64Array.from(lat.samples, (_, i) => i / lat.rateHz);
    const c = gateCrossings(realFixes(t, lat.samples, lon.samples), { lat: g.lat, lon: g.lon, headingDeg: g.headingDeg!, widthM: 30 });
    const laps = c.slice(1).map((x, i) => x - c[i]!);
    const expected = [90.3, 74.65, 72.73, 72.44, 72.61, 76.44, 74.22, 74.04, 72.3, 73.49, 73.54, 73.4];
    expect(laps.length).toBe(expected.length);
    laps.forEach((l, i) => expect(Math.abs(l - expected[i]!)).toBeLessThanOrEqual(0.05));
  });

  it('sample.vbo (RaceChrono): unknown sections skipped, 4,420 rows at 5 Hz, the 4,588 s gap kept as missing, no gate', () => {
    const bytes = new Uint8Array(readFileSync(RACECHRONO));
    expect(vboImporter.detect(head(bytes))).toBeGreaterThan(0.9);
    const s = vboImporter.parse(bytes, ctx);
    expect(s.channels.map((c) => c.name)).toEqual(['satellites', 'latitude', 'longitude', 'velocity', 'heading', 'height']);
    expect(s.channels.some((c) => /^(sa|sb|osa|osb)$/.test(c.sourceName))).toBe(false);
    expect(s.metadata.startedAt).toBe('2012-06-02T07:36:22.000Z');
    expect(s.metadata.venue).toBe('Megara');
    expect(s.metadata.driver).toBe('sikrip');
    expect(s.metadata.device).toBe('RaceChrono v1.45');
    expect(s.gate).toBeNull();
    const v = channel(s, 'velocity');
    expect(v.rateHz).toBe(5);
    expect(finiteCount(v.samples)).toBe(4420); // every row on the grid, nothing invented
    // the gap: 4,588.2 s between two rows = 22,941 periods → 22,940 missing samples
    expect(longestNaNRun(v.samples)).toBe(Math.round(4588.2 * 5) - 1);
    expect(v.samples.length).toBe(Math.round((9 * 3600 + 7 * 60 + 35.4 - (7 * 3600 + 36 * 60 + 22)) * 5) + 1);
    expect(s.warnings.join('\n')).toMatch(/4588\.2 s/);
    expect(channel(s, 'latitude').samples[0]).toBeCloseTo(2279.1659 / 60, 9);
    expect(channel(s, 'longitude').samples[0]).toBeCloseTo(1401.6678 / 60, 9);

    // SOURCES.md (indicative): the Harry's gate gives 9 crossings in the second fragment
    const lat = channel(s, 'latitude');
    const lon = channel(s, 'longitude');
    const t = Float64Array.from(lat.samples, (_, i) => i / lat.rateHz);
    const c = gateCrossings(realFixes(t, lat.samples, lon.samples), { lat: 2279.2237 / 60, lon: 1401.7908 / 60, headingDeg: 72.3, widthM: 30 });
    const laps = c.slice(1).map((x, i) => x - c[i]!);
    const expected = [98.84, 80.33, 71.28, 69.5, 72.26, 74.5, 81.72, 73.16];
    expect(laps.length).toBe(expected.length);
    laps.forEach((l, i) => expect(Math.abs(l - expected[i]!)).toBeLessThanOrEqual(0.05));
  });
});

// ---- generated VBO --------------------------------------------------------------------------

describe('VBO generated fixtures', () => {
  const truth = circuitSession({ gap: { atS: 70, lengthS: 12.5 } });

  it('round-trips values, rate, units, gap, metadata and a transverse gate (long,lat order)', () => {
    const bytes = writeVbo(circuitVbo(truth, { gateOrder: 'long,lat' }));
    expect(vboImporter.detect(head(bytes))).toBeGreaterThan(0.9);
    const s = vboImporter.parse(bytes, ctx);
    expect(s.metadata).toMatchObject({ venue: 'Test Ring', driver: 'Jane Doe', vehicle: "'08 Test Car", device: 'TestWriter v1.2' });
    expect(s.metadata.startedAt).toBe('2024-07-14T10:15:03.400Z');
    const n = Math.round(truth.durationS * 10); // grid covers the gap
    const lat = channel(s, 'latitude');
    expect(lat.rateHz).toBe(10);
    expect(lat.samples.length).toBe(Math.round((truth.t[truth.t.length - 1]! - truth.t[0]!) * 10) + 1);
    expect(lat.samples.length).toBeLessThanOrEqual(n);
    expect(finiteCount(lat.samples)).toBe(truth.t.length);
    expect(longestNaNRun(lat.samples)).toBe(125);
    for (let k = 0; k < truth.t.length; k += 7) {
      const g = Math.round(truth.t[k]! * 10);
      expect(lat.samples[g]).toBeCloseTo(Number(vboLat(truth.lat[k]!)) / 60, 12);
      expect(channel(s, 'longitude').samples[g]).toBeCloseTo(-Number(vboLon(truth.lon[k]!)) / 60, 12);
      expect(Math.abs(lat.samples[g]! - truth.lat[k]!)).toBeLessThan(1e-9);
      expect(Math.abs(channel(s, 'longitude').samples[g]! - truth.lon[k]!)).toBeLessThan(1e-9);
      expect(channel(s, 'velocity').samples[g]).toBeCloseTo(truth.speedKmh[k]!, 3);
      expect(channel(s, 'EngineSpeed').samples[g]).toBe(truth.rpm[k]);
      expect(channel(s, 'CanTemp').samples[g]).toBeCloseTo(canTemp(k), 8);
      expect(channel(s, 'satellites').samples[g]).toBe(9);
      expect(channel(s, 'dgps').samples[g]).toBe(1);
      expect(channel(s, 'brake trigger').samples[g]).toBe(truth.satsRaw[k]! & 64 ? 1 : 0);
    }
    expect(channel(s, 'EngineSpeed').unit).toBe('rpm');
    expect(channel(s, 'Throttle').unit).toBe('%');
    expect(channel(s, 'CanTemp').unit).toBe('°C');
    expect(channel(s, 'velocity').unit).toBe('km/h');
    expect(s.gps).toMatchObject({ lat: 'latitude', lon: 'longitude' });
    expect(s.loggerLaps).toBeNull();
    // transverse gate: two points, heading of travel ≈ 090°
    const g = s.gate!;
    expect(g.lat2).toBeDefined();
    expect(g.lon2).toBeDefined();
    expect(Math.abs(g.lat - (truth.center.lat + 315 / 110_540))).toBeLessThan(1e-7);
    expect(Math.abs(g.lon - truth.center.lon)).toBeLessThan(1e-7);
    expect(Math.abs(g.headingDeg! - 90)).toBeLessThan(3);
    // and the laps it gives are the motion model's crossings
    const t = Float64Array.from(lat.samples, (_, i) => i / 10);
    const c = gateCrossings(realFixes(t, lat.samples, channel(s, 'longitude').samples), { lat: g.lat, lon: g.lon, headingDeg: g.headingDeg!, widthM: 40 });
    expect(c.length).toBe(truth.crossings.length);
    c.forEach((x, i) => expect(Math.abs(x - truth.crossings[i]!)).toBeLessThan(0.02));
  });

  it('lat,long [laptiming] order, long column names, comma rows, LF, shuffled and unknown sections', () => {
    const bytes = writeVbo(circuitVbo(truth, { gateOrder: 'lat,long', longNames: true, separator: ',', eol: '\n', unknownSections: true, shuffled: true }));
    const s = vboImporter.parse(bytes, ctx);
    expect(s.channels.map((c) => c.name)).toEqual(['satellites', 'latitude', 'longitude', 'velocity', 'heading', 'height', 'EngineSpeed', 'Throttle', 'CanTemp', 'brake trigger', 'dgps']);
    expect(s.metadata.venue).toBe('Test Ring');
    expect(finiteCount(channel(s, 'velocity').samples)).toBe(truth.t.length);
    const g = s.gate!;
    expect(Math.abs(g.lat - (truth.center.lat + 315 / 110_540))).toBeLessThan(1e-7);
    expect(Math.abs(g.lon - truth.center.lon)).toBeLessThan(1e-7);
    expect(g.lat2).toBeCloseTo(truth.center.lat + 285 / 110_540, 7);
  });

  it("along-track Start points (Harry's style) become the first point plus the heading of travel", () => {
    const s = vboImporter.parse(writeVbo(circuitVbo(truth, { gateOrder: 'long,lat', gateAlongTrack: true })), ctx);
    expect(s.gate!.lat2).toBeUndefined();
    expect(Math.abs(s.gate!.lat - (truth.center.lat + 300 / 110_540))).toBeLessThan(1e-7);
    expect(Math.abs(s.gate!.headingDeg! - 90)).toBeLessThan(3);
  });

  it('western longitudes come out negative', () => {
    const west = circuitSession({ center: { lat: 38.16, lon: -122.45 }, laps: 1 });
    const s = vboImporter.parse(writeVbo(circuitVbo(west, { gateOrder: 'long,lat' })), ctx);
    expect(channel(s, 'longitude').samples[0]).toBeCloseTo(west.lon[0]!, 9);
    expect(channel(s, 'longitude').samples[0]).toBeLessThan(-122);
    expect(s.gate!.lon).toBeCloseTo(-122.45, 6);
  });

  it('midnight roll-over, the day before the file date, and US dates', () => {
    const night = circuitSession({ startTod: 86400 - 20, laps: 1 });
    let s = vboImporter.parse(writeVbo(circuitVbo(night, { created: 'File created on 31/12/2023 @ 23:59:00' })), ctx);
    const v = channel(s, 'velocity');
    expect(finiteCount(v.samples)).toBe(night.t.length); // continuous across 00:00
    expect(v.samples.length).toBe(night.t.length);
    expect(s.metadata.startedAt).toBe('2023-12-31T23:59:40.000Z');
    // the file was created just after midnight: the first sample belongs to the day before
    s = vboImporter.parse(writeVbo(circuitVbo(night, { created: 'File created on 01/01/2024 at 00:10:00' })), ctx);
    expect(s.metadata.startedAt).toBe('2023-12-31T23:59:40.000Z');
    // US m/d/yyyy with AM/PM: unambiguous (31 > 12), and ambiguous (warned)
    const day = circuitSession({ laps: 1 });
    s = vboImporter.parse(writeVbo(circuitVbo(day, { created: 'File created on 5/31/2015 at 7:20:40 PM' })), ctx);
    expect(s.metadata.startedAt).toBe('2015-05-31T10:15:03.400Z');
    expect(s.metadata.comment).toContain('File created 2015-05-31T19:20:40');
    expect(s.warnings.join('\n')).not.toMatch(/could be day\/month/);
    s = vboImporter.parse(writeVbo(circuitVbo(day, { created: 'File created on 6/5/2015 at 9:01:02 AM' })), ctx);
    expect(s.metadata.startedAt).toBe('2015-06-05T10:15:03.400Z');
    expect(s.warnings.join('\n')).toMatch(/could be day\/month/);
    // European 24-hour: day first
    s = vboImporter.parse(writeVbo(circuitVbo(day, { created: 'File created on 06/05/2015 at 09:01:02' })), ctx);
    expect(s.metadata.startedAt).toBe('2015-05-06T10:15:03.400Z');
  });

  it('a single-row time glitch is dropped, a truncated last row is skipped', () => {
    const file = circuitVbo(circuitSession({ laps: 1 }));
    const data = file.sections.find((x) => x.name === 'data')!;
    data.lines[100] = data.lines[100]!.replace(/^(\d{3}) \d{6}\.\d{2}/, '$1 235959.00');
    data.lines[data.lines.length - 1] = data.lines[data.lines.length - 1]!.slice(0, 30);
    const s = vboImporter.parse(writeVbo(file), ctx);
    const v = channel(s, 'velocity');
    expect(v.samples.length).toBe(data.lines.length - 1);
    expect(v.samples[100]).toBeCloseTo((v.samples[99]! + v.samples[101]!) / 2, 6); // interpolated over the hole
    expect(s.warnings.join('\n')).toMatch(/glitch/);
    expect(s.warnings.join('\n')).toMatch(/incomplete/);
  });

  it('errors name the line', () => {
    const noData = new TextEncoder().encode('File created on 01/02/2020 at 10:00:00\r\n[header]\r\ntime\r\n');
    expect(() => vboImporter.parse(noData, ctx)).toThrowError(ImportError);
    const e = importErrorOf(() => vboImporter.parse(noData, ctx));
    expect(e.line).toBeTypeOf('number');
    expect(e.format).toBe('vbo');
    const noTime = new TextEncoder().encode('File created on 01/02/2020 at 10:00:00\n[column names]\nsats lat long\n[data]\n1 2 3\n');
    expect(importErrorOf(() => vboImporter.parse(noTime, ctx)).line).toBe(3);
  });
});

// ---- generated .ibt -------------------------------------------------------------------------

describe('iRacing .ibt generated fixtures', () => {
  const truth = iracingSession();
  const bytes = writeIbt(truth.file);

  it('round-trips channels, types, arrays, rate, metadata, GPS', () => {
    expect(iRacingIbtImporter.detect(head(bytes))).toBeGreaterThan(0.9);
    const s = iRacingIbtImporter.parse(bytes, ctx);
    expect(s.format).toBe('iracing-ibt');
    expect(s.metadata).toMatchObject({
      venue: 'WeatherTech Raceway Laguna Seca',
      driver: 'Jane Doe',
      vehicle: 'Mazda MX-5 Cup',
      session: 'Test',
      device: 'iRacing',
      startedAt: new Date(1_714_567_890_000).toISOString(),
    });
    const names = s.channels.map((c) => c.name);
    expect(names).toContain('TireTempL[0]');
    expect(names).toContain('TireTempL[2]');
    expect(names).not.toContain('TireTempL');
    expect(s.channels.length).toBe(truth.file.vars.length + 2);
    const N = truth.file.records;
    for (const c of s.channels) {
      expect(c.rateHz).toBe(60);
      expect(c.samples.length).toBe(N);
    }
    for (const v of truth.file.vars) {
      for (let e = 0; e < (v.count ?? 1); e++) {
        const c = channel(s, (v.count ?? 1) > 1 ? `${v.name}[${e}]` : v.name);
        expect(c.unit).toBe(v.unit ?? '');
        for (let r = 0; r < N; r += 13) {
          let want = v.value(r, e);
          if (v.type === 'float') want = Math.fround(want);
          if (v.type === 'bitfield') want = want >>> 0;
          if (v.type === 'bool') want = want ? 1 : 0;
          if ((v.name === 'Lat' || v.name === 'Lon') && r < 10) want = NaN; // 0,0 = not in the world
          expect(c.samples[r]).toBe(want);
        }
      }
    }
    expect(channel(s, 'EngineWarnings').samples[0]).toBe(0x80000001);
    expect(s.gps).toEqual({ lat: 'Lat', lon: 'Lon', speed: 'Speed' });
  });

  it('markers from Lap, timed by the LapDistPct wrap, within 1/60 s', () => {
    const s = iRacingIbtImporter.parse(bytes, ctx);
    expect(s.loggerLaps?.kind).toBe('markers');
    const times = s.loggerLaps!.kind === 'markers' ? s.loggerLaps!.times : [];
    expect(times.length).toBe(truth.crossings.length);
    times.forEach((t, i) => expect(Math.abs(t - truth.crossings[i]!)).toBeLessThan(1 / 60));
    // in fact much closer: the wrap is interpolated inside the tick
    times.forEach((t, i) => expect(Math.abs(t - truth.crossings[i]!)).toBeLessThan(0.002));
    // without LapDistPct: the middle of the tick where Lap changed (± 1/120 s, + the late tick)
    const lap = channel(s, 'Lap').samples;
    const plain = lapMarkers(lap, null, 60);
    plain.forEach((t, i) => expect(Math.abs(t - truth.crossings[i]!)).toBeLessThan(i === 1 ? 2.5 / 60 : 1 / 60));
  });

  it('a record count of 0 (not closed) is read from the file length; truncation is an error with the offset', () => {
    const open = writeIbt({ ...truth.file, headerRecordCount: 0 });
    const s = iRacingIbtImporter.parse(open, ctx);
    expect(s.channels[0]!.samples.length).toBe(truth.file.records);
    expect(s.warnings.join('\n')).toMatch(/record count/);
    const L = ibtLayout(truth.file);
    const cut = bytes.subarray(0, L.bufOffset + 10 * L.bufLen + 5);
    expect(importErrorOf(() => iRacingIbtImporter.parse(cut, ctx)).offset).toBe(L.bufOffset + 10 * L.bufLen);
    const short = importErrorOf(() => iRacingIbtImporter.parse(bytes.subarray(0, 300), ctx));
    expect(short.offset).toBe(144);
    expect(short.message).toMatch(/byte offset 144/);
  });
});

// ---- detection ------------------------------------------------------------------------------

describe('detection', () => {
  const vbo = writeVbo(circuitVbo(circuitSession({ laps: 1 }), { gateOrder: 'long,lat' }));
  const ibt = writeIbt(iracingSession({ laps: 1 }).file);
  it('each importer is sure of its own files and ~0 on the other', () => {
    expect(vboImporter.detect(head(vbo))).toBeGreaterThan(0.9);
    expect(iRacingIbtImporter.detect(head(ibt))).toBeGreaterThan(0.9);
    expect(vboImporter.detect(head(ibt))).toBeLessThan(0.05);
    expect(iRacingIbtImporter.detect(head(vbo))).toBeLessThan(0.05);
    expect(vboImporter.detect(new Uint8Array(0))).toBe(0);
    expect(iRacingIbtImporter.detect(new Uint8Array(0))).toBe(0);
    expect(vboImporter.detect(new TextEncoder().encode('Time,Speed\n0,1\n'))).toBe(0);
    expect(iRacingIbtImporter.detect(new TextEncoder().encode('Time,Speed\n0,1\n0,1\n0,1\n0,1\n0,1\n0,1\n0,1\n0,1\n0,1\n'))).toBe(0);
  });
  it.skipIf(!haveSamples)('real VBO samples are not .ibt', () => {
    for (const f of [HARRYS, RACECHRONO]) expect(iRacingIbtImporter.detect(head(new Uint8Array(readFileSync(f))))).toBe(0);
  });
});

// ---- fuzzing --------------------------------------------------------------------------------


interface FuzzStats {
  ok: number;
  errors: number;
  maxMs: number;
  totalMs: number;
}

function runFuzz(importer: Importer, variants: Uint8Array[], where: 'line' | 'offset'): FuzzStats {
  const stats: FuzzStats = { ok: 0, errors: 0, maxMs: 0, totalMs: 0 };
  for (let i = 0; i < variants.length; i++) {
    const v = variants[i]!;
    const t0 = performance.now();
    let session: ImportedSession | null = null;
    try {
      importer.detect(v.subarray(0, 4096));
      session = importer.parse(v, ctx);
    } catch (e) {
      if (!(e instanceof ImportError)) throw new Error(`variant ${i}: ${(e as Error)?.stack ?? String(e)}`);
      expect(e.format).toBe(importer.format);
      if (where === 'line') expect(e.line, `variant ${i}: ${e.message}`).toBeTypeOf('number');
      else expect(e.offset, `variant ${i}: ${e.message}`).toBeTypeOf('number');
      stats.errors++;
    }
    const ms = performance.now() - t0;
    stats.totalMs += ms;
    stats.maxMs = Math.max(stats.maxMs, ms);
    if (session) {
      stats.ok++;
      const names = new Set<string>();
      for (const c of session.channels) {
        expect(c.samples).toBeInstanceOf(Float64Array);
        expect(Number.isFinite(c.rateHz) && c.rateHz > 0, `variant ${i}: rate ${c.rateHz}`).toBe(true);
        expect(names.has(c.name)).toBe(false);
        names.add(c.name);
      }
      if (session.loggerLaps?.kind === 'markers') for (const t of session.loggerLaps.times) expect(Number.isFinite(t)).toBe(true);
      JSON.stringify(session.metadata);
    }
  }
  return stats;
}

const VBO_BYTES = [0x30, 0x39, 0x2b, 0x2d, 0x2e, 0x20, 0x0a, 0x0d, 0x5b, 0x5d, 0x2c, 0x3a, 0x2f, 0x00, 0xff, 0xac, 0x61];

function mutateText(base: Uint8Array, rnd: () => number): Uint8Array {
  const kind = rnd();
  const headerEnd = Math.min(base.length, 1200);
  const pos = (): number => (rnd() < 0.5 ? Math.floor(rnd() * headerEnd) : Math.floor(rnd() * base.length));
  if (kind < 0.25) return base.slice(0, Math.floor(rnd() * base.length));
  if (kind < 0.7) {
    const out = base.slice();
    const n = 1 + Math.floor(rnd() * 8);
    for (let k = 0; k < n; k++) out[pos()] = rnd() < 0.7 ? VBO_BYTES[Math.floor(rnd() * VBO_BYTES.length)]! : Math.floor(rnd() * 256);
    return out;
  }
  // line-level: delete, duplicate, swap, or insert a section header / garbage line
  const text = new TextDecoder('latin1').decode(base);
  const lines = text.split('\r\n');
  const at = rnd() < 0.5 ? Math.floor(rnd() * Math.min(lines.length, 40)) : Math.floor(rnd() * lines.length);
  const op = Math.floor(rnd() * 4);
  if (op === 0) lines.splice(at, 1 + Math.floor(rnd() * 3));
  else if (op === 1) lines.splice(at, 0, lines[Math.floor(rnd() * lines.length)] ?? '');
  else if (op === 2) {
    const b = Math.floor(rnd() * lines.length);
    [lines[at], lines[b]] = [lines[b] ?? '', lines[at] ?? ''];
  } else {
    const junk = ['[data]', '[column names]', '[laptiming]', 'time', 'Start 1 2 3 4', '999 999999.99 +9999 -9999 1 2 3 4 5 6', '', '[header'];
    lines.splice(at, 0, junk[Math.floor(rnd() * junk.length)]!);
  }
  const joined = lines.join('\r\n');
  const out = new Uint8Array(joined.length);
  for (let i = 0; i < joined.length; i++) out[i] = joined.charCodeAt(i) & 0xff;
  return out;
}

const INTERESTING_I32 = [0, 1, -1, 2, 60, 144, 0x7fffffff, -0x80000000, 0x10000, 4096, 1_000_000];

function mutateBinary(base: Uint8Array, rnd: () => number, headerEnd: number): Uint8Array {
  const kind = rnd();
  const pos = (): number => (rnd() < 0.6 ? Math.floor(rnd() * headerEnd) : Math.floor(rnd() * base.length));
  if (kind < 0.25) return base.slice(0, Math.floor(rnd() * base.length));
  const out = base.slice();
  if (kind < 0.6) {
    const n = 1 + Math.floor(rnd() * 8);
    for (let k = 0; k < n; k++) out[pos()] = Math.floor(rnd() * 256);
    return out;
  }
  // overwrite an aligned int32 of the header / variable headers with an interesting value
  const dv = new DataView(out.buffer);
  const n = 1 + Math.floor(rnd() * 3);
  for (let k = 0; k < n; k++) {
    const o = Math.min(out.length - 4, Math.floor((rnd() < 0.5 ? rnd() * 144 : rnd() * headerEnd) / 4) * 4);
    const v = rnd() < 0.8 ? INTERESTING_I32[Math.floor(rnd() * INTERESTING_I32.length)]! : (rnd() * 2 ** 32) | 0;
    dv.setInt32(o, rnd() < 0.2 ? v + out.length : v, true);
  }
  return out;
}

describe('fuzzing', () => {
  it('1,200 mutated/truncated VBO files: parse or ImportError with a line, no hang', { timeout: 60_000 }, () => {
    const base = writeVbo(circuitVbo(circuitSession({ laps: 2, lapTimeS: 30, gap: { atS: 20, lengthS: 5 } }), { gateOrder: 'long,lat' }));
    const rnd = mulberry32(0xc0ffee);
    const variants = Array.from({ length: 1200 }, () => mutateText(base, rnd));
    const stats = runFuzz(vboImporter, variants, 'line');
    console.log(`VBO fuzz: ${stats.ok} parsed, ${stats.errors} ImportError, max ${stats.maxMs.toFixed(1)} ms, mean ${(stats.totalMs / variants.length).toFixed(2)} ms`);
    expect(stats.ok).toBeGreaterThan(0);
    expect(stats.errors).toBeGreaterThan(0);
    // "no hang": a bound far above any parse (speed is the benchmark's business, not a test's);
    // the whole run is bounded by the test's timeout
    expect(stats.maxMs).toBeLessThan(5000);
  });

  it('1,200 mutated/truncated .ibt files: parse or ImportError with a byte offset, no hang', { timeout: 60_000 }, () => {
    const file = iracingSession({ laps: 2, lapTimeS: 8 }).file;
    const base = writeIbt(file);
    const headerEnd = ibtLayout(file).bufOffset;
    const rnd = mulberry32(0x1b7);
    const variants = Array.from({ length: 1200 }, () => mutateBinary(base, rnd, headerEnd));
    const stats = runFuzz(iRacingIbtImporter, variants, 'offset');
    console.log(`IBT fuzz: ${stats.ok} parsed, ${stats.errors} ImportError, max ${stats.maxMs.toFixed(1)} ms, mean ${(stats.totalMs / variants.length).toFixed(2)} ms`);
    expect(stats.ok).toBeGreaterThan(0);
    expect(stats.errors).toBeGreaterThan(0);
    expect(stats.maxMs).toBeLessThan(5000);
  });

  it('every prefix of a small VBO and .ibt parses or fails cleanly', () => {
    const vbo = writeVbo(circuitVbo(circuitSession({ laps: 1, lapTimeS: 5, firstCrossingS: 1 }), { gateOrder: 'lat,long' }));
    const ibtFile = iracingSession({ laps: 1, lapTimeS: 1, firstCrossingS: 0.2 }).file;
    const ibt = writeIbt(ibtFile);
    const vboPrefixes = Array.from({ length: Math.ceil(vbo.length / 7) }, (_, i) => vbo.subarray(0, i * 7));
    const ibtPrefixes = Array.from({ length: Math.ceil(ibt.length / 5) }, (_, i) => ibt.subarray(0, i * 5));
    runFuzz(vboImporter, vboPrefixes, 'line');
    runFuzz(iRacingIbtImporter, ibtPrefixes, 'offset');
  });
});

describe('pathological text', () => {
  it('huge whitespace runs and long lines do not make the regular expressions quadratic', () => {
    const spaces = ' '.repeat(200_000);
    const file = circuitVbo(circuitSession({ laps: 1, lapTimeS: 5, firstCrossingS: 1 }), { gateOrder: 'long,lat' });
    file.sections.find((x) => x.name === 'comments')!.lines.push(`Generator: a${spaces}b`, `log rate (hz)${spaces}`, spaces);
    file.sections.find((x) => x.name === 'session data')!.lines.push(`name${spaces}`, `driver${spaces}`);
    file.sections.find((x) => x.name === 'laptiming')!.lines.push(`Start${spaces}1${spaces}`);
    file.sections.find((x) => x.name === 'data')!.lines.splice(3, 0, `${'1 '.repeat(50_000)}`);
    const bytes = writeVbo({ ...file, created: `File created on ${'1'.repeat(50_000)}` });
    const t0 = performance.now();
    vboImporter.detect(bytes.subarray(0, 4096));
    vboImporter.detect(new TextEncoder().encode(`[header]${'\n'.repeat(8000)}`));
    const s = vboImporter.parse(bytes, ctx);
    // quadratic on 200,000 spaces would take minutes: a bound, not a speed target
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(s.channels.length).toBeGreaterThan(0);
  });
});

// sanity of the writer itself (so a writer bug cannot hide an importer bug)
describe('fixture writer', () => {
  it('writes the columns and minutes the way the VBO documentation says', () => {
    const text = new TextDecoder('latin1').decode(writeVbo(circuitVbo(circuitSession({ laps: 1 }), { gateOrder: 'long,lat' })));
    expect(text.startsWith('File created on 14/07/2024 at 10:20:00\r\n')).toBe(true);
    expect(text).toContain(`[column names]\r\n${CIRCUIT_COLUMNS_SHORT.join(' ')}\r\n`);
    expect(text).toContain('¬ Start/Finish');
    expect(vboLat(37.98700387616667)).toBe('+02279.22023257');
    expect(vboLon(23.362974270166667)).toBe('-01401.77845621');
  });
});
