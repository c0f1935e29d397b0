// The first-party plugins: each one run through the full host on BOTH engines (QuickJS and
// V8), outputs and logs compared byte for byte, and its behaviour checked against values
// worked out by hand.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellSchema, type Cell } from '../../src-shared/plugins/interfaces.ts';
import type { InterfaceName } from '../../src-shared/plugins/manifest.ts';
import { PluginError } from '../../src-main/plugins/errors.ts';
import { PluginService, type PluginBundle } from '../../src-main/plugins/service.ts';
import { openDatabase } from '../../src-main/store/database.ts';
import { PluginStorage } from '../../src-main/store/plugins.ts';
import { bits, exact, firstParty, serviceIn, syntheticLap } from '../support/plugins.ts';
import { tempDir } from '../support/tmp.ts';

const dir = tempDir();
const services: PluginService[] = [];
const newService = (): PluginService => {
  const s = serviceIn(dir);
  services.push(s);
  return s;
};
const service = newService();
afterAll(() => {
  for (const s of services) s.close();
});

type Kpi = { name: string; value: number; unit: string; better: string };
type Step = { label: string; laps: number; fuelLitres: number; notes: string };
type Plan = { steps: Step[]; summary: string };
type Channel = { unit: string; rateHz: number; samples: Float64Array };
type Live = { state: Record<string, unknown>; events: { level: string; message: string }[]; values?: Record<string, number> };

/** Runs one call on QuickJS and on V8: the two must agree bit for bit, logs included. */
async function both<T>(bundle: PluginBundle, iface: InterfaceName, input: unknown, svc: PluginService = service): Promise<{ output: T; logs: string[] }> {
  const q = await svc.invokeBundle(bundle, { iface, input, runtime: 'quickjs', accountId: 'local', now: 0 });
  const v = await svc.invokeBundle(bundle, { iface, input, runtime: 'v8', accountId: 'local', now: 0 });
  expect(exact(q.output)).toBe(exact(v.output));
  expect(exact(q.logs)).toBe(exact(v.logs));
  return { output: q.output as T, logs: q.logs };
}

/** Both engines must fail the same way; returns the QuickJS error. */
async function bothFail(bundle: PluginBundle, iface: InterfaceName, input: unknown): Promise<PluginError> {
  const errors: PluginError[] = [];
  for (const runtime of ['quickjs', 'v8'] as const) {
    const e = await service.invokeBundle(bundle, { iface, input, runtime, accountId: 'local', now: 0 }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(PluginError);
    errors.push(e as PluginError);
  }
  expect(errors[0]!.reason).toBe(errors[1]!.reason);
  expect(exact(errors[0]!.details.logs)).toBe(exact(errors[1]!.details.logs));
  return errors[0]!;
}

const f64 = (values: number[]) => Float64Array.from(values);
const filled = (n: number, value: number) => new Float64Array(n).fill(value);
const kpi = (kpis: Kpi[], name: string): Kpi => {
  const k = kpis.find((x) => x.name === name);
  if (!k) throw new Error(`no KPI "${name}" in ${kpis.map((x) => x.name).join(', ')}`);
  return k;
};

// ---------------------------------------------------------------------------------------

describe('lap-kpis', () => {
  const rateHz = 10;
  const n = 100;
  // speed 100..199 km/h, with the first and last samples dropped
  const speed = new Float64Array(n).map((_, i) => 100 + i);
  speed[0] = NaN;
  speed[99] = NaN;
  speed[50] = NaN;
  // rpm alternating 6000 / 8000, one 8000 dropped: 50 × 6000 + 49 × 8000 over 99 samples
  const rpm = new Float64Array(n).map((_, i) => (i % 2 === 0 ? 6000 : 8000));
  rpm[1] = NaN;
  // throttle: 40 samples at 100, 10 at exactly 98 (full), 10 at 97.9 (not), 5 missing, rest 0
  const throttle = new Float64Array(n).map((_, i) => (i < 40 ? 100 : i < 50 ? 98 : i < 60 ? 97.9 : i < 65 ? NaN : 0));
  // brake, at 10 Hz: min zone 0.2 s = 2 samples, a release must last 0.2 s = 2 samples to end a zone
  const brake = new Float64Array(n);
  for (let i = 10; i <= 19; i++) brake[i] = 80; // zone A: 1 s
  brake[30] = 50; // a 0.1 s dab: not a zone
  for (let i = 40; i <= 50; i++) brake[i] = 60; // zone B …
  brake[45] = 0; // … with a 0.1 s release: still one zone
  for (let i = 60; i <= 66; i++) brake[i] = 30; // zone C …
  brake[63] = NaN; // … with a dropped sample: still one zone
  for (let i = 80; i <= 85; i++) brake[i] = 10; // zone D: light braking
  brake[90] = 5; // exactly at the threshold: not braking
  const input = (meta: Record<string, unknown> = {}) => ({ lap: { number: 4, timeMs: 91234 }, rateHz, channels: { speed, rpm, throttle, brake }, meta });

  it('computes the KPIs, skipping missing samples, identically in both engines', async () => {
    const plugin = await firstParty('lap-kpis');
    const { output } = await both<Kpi[]>(plugin, 'kpiProcessor', input());
    expect(output.map((k) => k.name)).toEqual(['max speed', 'min speed', 'average rpm', 'full throttle time', 'braking zones']);
    expect(kpi(output, 'max speed')).toEqual({ name: 'max speed', value: 198, unit: 'km/h', better: 'higher' });
    expect(kpi(output, 'min speed')).toEqual({ name: 'min speed', value: 101, unit: 'km/h', better: 'higher' });
    const avg = kpi(output, 'average rpm');
    expect(avg.unit).toBe('rpm');
    expect(avg.better).toBe('none');
    expect(avg.value).toBeCloseTo((50 * 6000 + 49 * 8000) / 99, 9); // not / 100: NaN is not a zero
    expect(kpi(output, 'full throttle time')).toEqual({ name: 'full throttle time', value: 5, unit: 's', better: 'higher' });
    expect(kpi(output, 'braking zones')).toEqual({ name: 'braking zones', value: 4, unit: 'count', better: 'none' });
  });

  it('takes thresholds from the lap meta', async () => {
    const plugin = await firstParty('lap-kpis');
    const higher = (await both<Kpi[]>(plugin, 'kpiProcessor', input({ brakeThreshold: 20 }))).output;
    expect(kpi(higher, 'braking zones').value).toBe(3); // zone D (10) is below 20
    const dabs = (await both<Kpi[]>(plugin, 'kpiProcessor', input({ minBrakeSeconds: 0.1 }))).output;
    expect(kpi(dabs, 'braking zones').value).toBe(5); // the 0.1 s dab now counts
    const noDebounce = (await both<Kpi[]>(plugin, 'kpiProcessor', input({ brakeGapSeconds: 0.1 }))).output;
    expect(kpi(noDebounce, 'braking zones').value).toBe(5); // zone B splits at its 0.1 s release
    const throttle97 = (await both<Kpi[]>(plugin, 'kpiProcessor', input({ fullThrottlePct: 97.9 }))).output;
    expect(kpi(throttle97, 'full throttle time').value).toBe(6);
    const junk = (await both<Kpi[]>(plugin, 'kpiProcessor', input({ brakeThreshold: 'high', fullThrottlePct: null }))).output;
    expect(exact(junk)).toBe(exact((await both<Kpi[]>(plugin, 'kpiProcessor', input())).output)); // ignored: defaults
  });

  it('gives NaN, not zero, for a lap with no valid samples', async () => {
    const plugin = await firstParty('lap-kpis');
    const none = filled(20, NaN);
    const { output } = await both<Kpi[]>(plugin, 'kpiProcessor', { lap: { number: 1, timeMs: 1 }, rateHz, channels: { speed: none, rpm: none, throttle: none, brake: none }, meta: {} });
    for (const k of output) expect(k.value).toBeNaN();
  });

  it('agrees with hand computation on the synthetic lap', async () => {
    const plugin = await firstParty('lap-kpis');
    const lap = syntheticLap();
    const { output } = await both<Kpi[]>(plugin, 'kpiProcessor', {
      lap: { number: 2, timeMs: 60000 },
      rateHz: lap.rateHz,
      channels: { speed: lap.speed, rpm: lap.rpm, throttle: lap.throttle, brake: lap.brake },
      meta: {},
    });
    let max = -Infinity, min = Infinity, sum = 0, count = 0, full = 0;
    for (const v of lap.speed) if (!Number.isNaN(v)) { max = Math.max(max, v); min = Math.min(min, v); }
    for (const v of lap.rpm) if (!Number.isNaN(v)) { sum += v; count++; }
    for (const v of lap.throttle) if (v >= 98) full++;
    expect(kpi(output, 'max speed').value).toBe(max);
    expect(kpi(output, 'min speed').value).toBe(min);
    expect(kpi(output, 'average rpm').value).toBeCloseTo(sum / count, 6);
    expect(kpi(output, 'full throttle time').value).toBeCloseTo(full / lap.rateHz, 9);
    expect(kpi(output, 'braking zones').value).toBe(5); // 60 s of 12 s straight-and-corner cycles
  });
});

// ---------------------------------------------------------------------------------------

describe('distance', () => {
  it('integrates a constant 36 km/h for 10 s at 10 Hz to 100 m', async () => {
    const plugin = await firstParty('distance');
    const { output } = await both<{ distance: Float64Array }>(plugin, 'math', { rateHz: 10, channels: { speed: filled(101, 36) }, params: {} });
    const d = output.distance;
    expect(d.length).toBe(101);
    expect(d[0]).toBe(0);
    for (let i = 0; i <= 100; i++) expect(d[i]).toBeCloseTo(i, 9); // 10 m/s × 0.1 s per sample
    expect(d[100]).toBeCloseTo(100, 9);
  });

  it('is exact for a linear speed ramp (trapezoidal rule)', async () => {
    const plugin = await firstParty('distance');
    // 0 → 72 km/h in 10 s: 2 m/s², s = ½·a·t² = 100 m
    const speed = new Float64Array(101).map((_, i) => 0.72 * i);
    const { output } = await both<{ distance: Float64Array }>(plugin, 'math', { rateHz: 10, channels: { speed }, params: {} });
    expect(output.distance[100]).toBeCloseTo(100, 9);
    expect(output.distance[50]).toBeCloseTo(25, 9);
  });

  it('carries the distance forward over a missing sample', async () => {
    const plugin = await firstParty('distance');
    const speed = filled(101, 36);
    speed[5] = NaN;
    const { output } = await both<{ distance: Float64Array }>(plugin, 'math', { rateHz: 10, channels: { speed }, params: {} });
    const d = output.distance;
    expect(d[5]).toBe(d[4]);
    expect(d[6]).toBe(d[5]);
    expect(d[100]).toBeCloseTo(98, 9); // the two intervals touching the gap add nothing
    for (const v of d) expect(Number.isNaN(v)).toBe(false);
  });

  it('is bit-identical across engines on the synthetic lap', async () => {
    const plugin = await firstParty('distance');
    const lap = syntheticLap();
    lap.speed[1234] = NaN;
    const input = { rateHz: lap.rateHz, channels: { speed: lap.speed }, params: {} };
    const q = await service.invokeBundle(plugin, { iface: 'math', input, runtime: 'quickjs', accountId: 'local', now: 0 });
    const v = await service.invokeBundle(plugin, { iface: 'math', input, runtime: 'v8', accountId: 'local', now: 0 });
    const qd = (q.output as { distance: Float64Array }).distance;
    expect(bits(qd)).toBe(bits((v.output as { distance: Float64Array }).distance));
    let expected = 0;
    for (let i = 1; i < lap.speed.length; i++) {
      const a = lap.speed[i - 1]!, b = lap.speed[i]!;
      if (!Number.isNaN(a) && !Number.isNaN(b)) expected += ((a + b) / 2 / 3.6) / lap.rateHz;
    }
    expect(qd[qd.length - 1]).toBeCloseTo(expected, 6);
  });
});

// ---------------------------------------------------------------------------------------

describe('fuel-plan', () => {
  const laps = [
    { timeMs: 90000, fuelUsed: 2.4 },
    { timeMs: 91000, fuelUsed: 2.6 },
    { timeMs: 89500, fuelUsed: 2.5 },
    { timeMs: 120000, fuelUsed: 2.5 }, // a slow lap in traffic: the median ignores it
    { timeMs: 90500, fuelUsed: 2.5 },
  ];

  it('plans a 60-minute run from the laps driven: median lap, average fuel, tank-limited stints', async () => {
    const plugin = await firstParty('fuel-plan');
    // median lap 90 500 ms → floor(3 600 000 / 90 500) = 39 laps; 2.5 L/lap;
    // 40 L tank: floor(40 / 2.5) − 1 = 15 laps per stint → 3 stints of 13; 13 × 2.5 + 2.5 = 35.0 L
    const { output } = await both<Plan>(plugin, 'runPlan', { session: { id: 's1' }, laps, target: { stintMinutes: 60, tankLitres: 40 } });
    expect(output.steps.map((s) => [s.label, s.laps, s.fuelLitres])).toEqual([
      ['Stint 1', 13, 35],
      ['Stint 2', 13, 35],
      ['Stint 3', 13, 35],
    ]);
    expect(output.steps[0]!.notes).toContain('13 laps × 2.50 L + 2.50 L margin (1 lap)');
    expect(output.steps[0]!.notes).toContain('19:37 at 1:30.500'); // 13 × 90.5 s = 1176.5 s
    expect(output.summary).toContain('39 laps (60 min at the median lap 1:30.500 over 5 laps)');
    expect(output.summary).toContain('2.50 L/lap (average of 5 laps)');
    expect(output.summary).toContain('3 stints of 13 + 13 + 13 laps, 105.0 L in total');
    expect(output.summary).toContain('40.0 L tank carries at most 15 laps per stint');
  });

  it('spreads laps evenly, longer stints first, with a target fuel figure', async () => {
    const plugin = await firstParty('fuel-plan');
    // 50 L / 3 L = 16.7 → 16 − 1 = 15 laps per stint → 3 stints for 40 laps: 14 + 13 + 13
    const { output } = await both<Plan>(plugin, 'runPlan', { session: { id: 's1' }, laps, target: { laps: 40, fuelPerLap: 3, tankLitres: 50 } });
    expect(output.steps.map((s) => [s.laps, s.fuelLitres])).toEqual([
      [14, 45],
      [13, 42],
      [13, 42],
    ]);
    expect(output.steps.reduce((a, s) => a + s.laps, 0)).toBe(40);
    for (const s of output.steps) expect(s.fuelLitres).toBeLessThanOrEqual(50);
    expect(output.summary).toContain('40 laps (target) at 3.00 L/lap (target)');
  });

  it('rounds litres up to 0.1 and plans one stint without a tank size', async () => {
    const plugin = await firstParty('fuel-plan');
    // 10 × 2.34 + 2.34 = 25.74 → 25.8 (never short)
    const { output } = await both<Plan>(plugin, 'runPlan', { session: { id: 's1' }, laps: [], target: { laps: 10, fuelPerLap: 2.34 } });
    expect(output.steps).toEqual([{ label: 'Stint 1', laps: 10, fuelLitres: 25.8, notes: 'start with 25.8 L: 10 laps × 2.34 L + 2.34 L margin (1 lap)' }]);
    expect(output.summary).toContain('No tank capacity given');
  });

  it('target laps win over minutes; an exact fit uses the whole tank', async () => {
    const plugin = await firstParty('fuel-plan');
    // 100 L / 2.5 = 40 → 39 laps per stint: 39 × 2.5 + 2.5 = 100.0 L exactly
    const { output } = await both<Plan>(plugin, 'runPlan', { session: { id: 's1' }, laps, target: { laps: 39, stintMinutes: 5, tankLitres: 100 } });
    expect(output.steps.map((s) => [s.laps, s.fuelLitres])).toEqual([[39, 100]]);
  });

  it('fails with a clear message when it cannot plan', async () => {
    const plugin = await firstParty('fuel-plan');
    const noFuel = await bothFail(plugin, 'runPlan', { session: { id: 's1' }, laps: [{ timeMs: 90000 }], target: { laps: 10 } });
    expect(noFuel.reason).toBe('PLUGIN_THREW');
    expect(noFuel.message).toContain('no fuel consumption to plan with: set target.fuelPerLap or give laps with fuelUsed');
    const noTarget = await bothFail(plugin, 'runPlan', { session: { id: 's1' }, laps, target: {} });
    expect(noTarget.message).toContain('set target.laps or target.stintMinutes');
    const smallTank = await bothFail(plugin, 'runPlan', { session: { id: 's1' }, laps, target: { laps: 10, fuelPerLap: 3, tankLitres: 5 } });
    expect(smallTank.message).toContain('a 5.0 L tank cannot hold one lap (3.00 L) plus one lap of margin');
  });
});

// ---------------------------------------------------------------------------------------

describe('kpi-card', () => {
  const kpis: Kpi[] = [
    { name: 'max speed', value: 251.456, unit: 'km/h', better: 'higher' },
    { name: 'min speed', value: 80, unit: 'km/h', better: 'higher' },
    { name: 'average rpm', value: 6989.9, unit: 'rpm', better: 'none' },
    { name: 'sector time', value: 31.2, unit: 's', better: 'lower' },
    { name: 'braking zones', value: NaN, unit: 'count', better: 'none' },
  ];

  it('shows the lap time, one toned stat per KPI and a table', async () => {
    const plugin = await firstParty('kpi-card');
    const params = { 'max speed': 250, 'min speed': 85, 'average rpm': 7000, 'sector time': 31.5, refLapMs: 84000 };
    const { output } = await both<Cell>(plugin, 'uiCell', { kpis, lap: { number: 3, timeMs: 83456.4 }, params });
    expect(CellSchema.safeParse(output).success).toBe(true);
    expect(output.type).toBe('stack');
    const children = (output as Extract<Cell, { type: 'stack' }>).children;
    expect(children.length).toBe(1 + kpis.length + 1);
    expect(children[0]).toEqual({ type: 'stat', label: 'Lap 3', value: '1:23.456', tone: 'good' });
    expect(children.slice(1, 6)).toEqual([
      { type: 'stat', label: 'max speed', value: 251.46, unit: 'km/h', tone: 'good' }, // above its reference
      { type: 'stat', label: 'min speed', value: 80, unit: 'km/h', tone: 'bad' }, // below its reference
      { type: 'stat', label: 'average rpm', value: 6989.9, unit: 'rpm', tone: 'normal' }, // no direction
      { type: 'stat', label: 'sector time', value: 31.2, unit: 's', tone: 'good' }, // lower is better
      { type: 'stat', label: 'braking zones', value: '—', unit: 'count', tone: 'warn' }, // no value
    ]);
    expect(children[6]).toEqual({
      type: 'table',
      columns: ['KPI', 'Value', 'Unit', 'Better', 'Reference', 'Delta'],
      rows: [
        ['max speed', 251.46, 'km/h', 'higher', 250, 1.46],
        ['min speed', 80, 'km/h', 'higher', 85, -5],
        ['average rpm', 6989.9, 'rpm', 'none', 7000, -10.1],
        ['sector time', 31.2, 's', 'lower', 31.5, -0.3],
        ['braking zones', null, 'count', 'none', null, null],
      ],
    });
  });

  it('formats lap times as m:ss.mmm and handles no lap, no references and other precisions', async () => {
    const plugin = await firstParty('kpi-card');
    const slow = (await both<Cell>(plugin, 'uiCell', { kpis: [], lap: { number: 12, timeMs: 125000 }, params: { refLapMs: 124999 } })).output as Extract<Cell, { type: 'stack' }>;
    expect(slow.children[0]).toEqual({ type: 'stat', label: 'Lap 12', value: '2:05.000', tone: 'bad' });
    expect(slow.children[1]).toEqual({ type: 'table', columns: ['KPI', 'Value', 'Unit', 'Better', 'Reference', 'Delta'], rows: [] });
    const none = (await both<Cell>(plugin, 'uiCell', { kpis, lap: null, params: { decimals: 1 } })).output as Extract<Cell, { type: 'stack' }>;
    expect(none.children[0]).toEqual({ type: 'stat', label: 'Lap', value: '—', tone: 'normal' });
    expect(none.children[1]).toEqual({ type: 'stat', label: 'max speed', value: 251.5, unit: 'km/h', tone: 'normal' });
    const quick = (await both<Cell>(plugin, 'uiCell', { kpis: [], lap: { number: 1, timeMs: 59999.6 }, params: {} })).output as Extract<Cell, { type: 'stack' }>;
    expect(quick.children[0]).toMatchObject({ value: '1:00.000' });
  });

  it('stays inside the cell limits with very many KPIs', async () => {
    const plugin = await firstParty('kpi-card');
    const many = Array.from({ length: 500 }, (_, i) => ({ name: `k${i}`, value: i, unit: 'x', better: 'none' as const }));
    const { output } = await both<Cell>(plugin, 'uiCell', { kpis: many, lap: { number: 1, timeMs: 1000 }, params: {} });
    const stack = output as Extract<Cell, { type: 'stack' }>;
    expect(stack.children.length).toBe(200);
    expect((stack.children[199] as Extract<Cell, { type: 'table' }>).rows.length).toBe(500);
  });
});

// ---------------------------------------------------------------------------------------

describe('units-metric', () => {
  it('converts imperial channels to metric and leaves the others alone', async () => {
    const plugin = await firstParty('units-metric');
    const rpm = f64([5000, NaN, 7000.5]);
    const channels = {
      speed: { unit: 'MPH', rateHz: 20, samples: f64([0, 100, NaN]) },
      oilTemp: { unit: '°F', rateHz: 1, samples: f64([32, 212, -40]) },
      waterTemp: { unit: 'degF', rateHz: 1, samples: f64([212]) },
      airTemp: { unit: 'F', rateHz: 1, samples: f64([50]) },
      tyreFL: { unit: 'PSI', rateHz: 5, samples: f64([14.503773773020923, 29]) },
      fuel: { unit: 'gal', rateHz: 1, samples: f64([1, 10]) },
      altitude: { unit: 'ft', rateHz: 1, samples: f64([1000]) },
      rideHeight: { unit: 'in', rateHz: 100, samples: f64([1, 2.5]) },
      mass: { unit: 'lbs', rateHz: 1, samples: f64([2204.6226218487757]) },
      rpm: { unit: 'rpm', rateHz: 100, samples: rpm },
      gps: { unit: 'km/h', rateHz: 10, samples: f64([120]) },
    };
    const { output } = await both<{ channels: Record<string, Channel>; meta: Record<string, unknown> }>(plugin, 'transform', {
      channels,
      rateHz: 100,
      meta: { source: 'logger' },
    });
    const c = output.channels;
    expect(c.speed!.unit).toBe('km/h');
    expect(c.speed!.rateHz).toBe(20);
    expect(c.speed!.samples[0]).toBe(0);
    expect(c.speed!.samples[1]).toBeCloseTo(160.9344, 10);
    expect(c.speed!.samples[2]).toBeNaN();
    expect(c.oilTemp!.unit).toBe('°C');
    expect(Array.from(c.oilTemp!.samples)).toEqual([0, 100, -40]);
    expect(c.waterTemp!.samples[0]).toBe(100);
    expect(c.airTemp!.samples[0]).toBeCloseTo(10, 12);
    expect(c.tyreFL!.unit).toBe('bar');
    expect(c.tyreFL!.samples[0]).toBeCloseTo(1, 9);
    expect(c.tyreFL!.samples[1]).toBeCloseTo(1.99948, 5);
    expect(c.fuel!.unit).toBe('L');
    expect(Array.from(c.fuel!.samples)).toEqual([3.785411784, 37.85411784]);
    expect(c.altitude!.unit).toBe('m');
    expect(c.altitude!.samples[0]).toBeCloseTo(304.8, 10);
    expect(c.rideHeight!.unit).toBe('mm');
    expect(Array.from(c.rideHeight!.samples)).toEqual([25.4, 63.5]);
    expect(c.mass!.unit).toBe('kg');
    expect(c.mass!.samples[0]).toBeCloseTo(1000, 9);
    // untouched: same unit, rate and bits
    expect(c.rpm!.unit).toBe('rpm');
    expect(c.rpm!.rateHz).toBe(100);
    expect(bits(c.rpm!.samples)).toBe(bits(rpm));
    expect(c.gps).toEqual({ unit: 'km/h', rateHz: 10, samples: f64([120]) });
    expect(output.meta).toEqual({
      source: 'logger',
      converted: ['speed', 'oilTemp', 'waterTemp', 'airTemp', 'tyreFL', 'fuel', 'altitude', 'rideHeight', 'mass'],
    });
  });

  it('matches common spellings case-insensitively', async () => {
    const plugin = await firstParty('units-metric');
    const spellings = ['mph', 'Mph', 'mi/h', 'deg F', 'ºF', 'Fahrenheit', 'psig', 'Gallons', 'feet', 'INCH', 'LB', 'pounds'];
    const channels = Object.fromEntries(spellings.map((u, i) => [`c${i}`, { unit: u, rateHz: 1, samples: f64([1]) }]));
    const { output } = await both<{ channels: Record<string, Channel>; meta: { converted: string[] } }>(plugin, 'transform', { channels, rateHz: 1, meta: {} });
    expect(output.meta.converted).toEqual(spellings.map((_, i) => `c${i}`));
    expect(spellings.map((_, i) => output.channels[`c${i}`]!.unit)).toEqual(['km/h', 'km/h', 'km/h', '°C', '°C', '°C', 'bar', 'L', 'm', 'mm', 'kg', 'kg']);
    // and leaves metric or unknown units alone
    const kept = await both<{ channels: Record<string, Channel>; meta: { converted: string[] } }>(plugin, 'transform', {
      channels: { a: { unit: 'bar', rateHz: 1, samples: f64([1]) }, b: { unit: '°C', rateHz: 1, samples: f64([1]) }, c: { unit: '', rateHz: 1, samples: f64([1]) } },
      rateHz: 1,
      meta: {},
    });
    expect(kept.output.meta.converted).toEqual([]);
    expect(kept.output.channels.b!.unit).toBe('°C');
  });

  it('declares transform order 10', async () => {
    const plugin = await firstParty('units-metric');
    expect(plugin.manifest.meta.transform?.order).toBe(10);
  });
});

// ---------------------------------------------------------------------------------------

describe('shift-light', () => {
  /** Runs frames through both engines, feeding each engine's state back to itself. */
  async function drive(frames: { t: number; values: Record<string, number> }[], initial: unknown = null): Promise<Live[]> {
    const plugin = await firstParty('shift-light');
    const outs: Live[] = [];
    let qState: unknown = initial;
    let vState: unknown = initial;
    for (const frame of frames) {
      const q = await service.invokeBundle(plugin, { iface: 'liveHook', input: { frame, state: qState }, runtime: 'quickjs', accountId: 'local', now: 0 });
      const v = await service.invokeBundle(plugin, { iface: 'liveHook', input: { frame, state: vState }, runtime: 'v8', accountId: 'local', now: 0 });
      expect(exact(q.output)).toBe(exact(v.output));
      expect(exact(q.logs)).toBe(exact(v.logs));
      const out = q.output as Live;
      // the state is plain JSON: it survives a trip through text unchanged
      expect(JSON.parse(JSON.stringify(out.state))).toEqual(out.state);
      qState = JSON.parse(JSON.stringify(out.state));
      vState = (v.output as Live).state;
      outs.push(out);
    }
    return outs;
  }

  it('fills the light, calls the shift once per crossing and alerts over-revs once per excursion', async () => {
    const rpms = [5000, 6750, 7400, 7600, 7700, 7300, 8100, 8200, 7800, 7000, 7600, 8050];
    const frames = rpms.map((rpm, i) => ({ t: i * 0.1, values: { rpm, gear: 3 } }));
    const outs = await drive(frames);
    const events = outs.map((o) => o.events);
    expect(events).toEqual([
      [],
      [],
      [],
      [{ level: 'info', message: 'shift: 7600 rpm in gear 3 at t=0.3' }],
      [], // still above: no repeat
      [], // 7300 is not below 7500 − 250: not re-armed
      [{ level: 'alert', message: 'over-rev: 8100 rpm (limit 8000) in gear 3 at t=0.6, #1' }],
      [],
      [], // 7800 is not below 8000 − 250: same excursion
      [], // 7000: both re-armed
      [{ level: 'info', message: 'shift: 7600 rpm in gear 3 at t=1' }],
      [{ level: 'alert', message: 'over-rev: 8050 rpm (limit 8000) in gear 3 at t=1.1, #2' }],
    ]);
    // 6000 → 7500 rpm over 10 LEDs
    expect(outs.map((o) => o.values!.shiftLight)).toEqual([0, 0.5, 0.9, 1, 1, 0.8, 1, 1, 1, 0.6, 1, 1]);
    expect(outs.map((o) => o.values!.overRev)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1]);
    expect(outs[11]!.state).toMatchObject({ v: 1, frames: 12, shifts: 2, overRevs: 2, lastShiftT: 1, overRevPeakRpm: 8050, shiftArmed: false, overRev: true });
    expect(outs[11]!.state.lastOverRevT).toBeCloseTo(1.1, 12);
    expect(outs[8]!.state.overRevPeakRpm).toBe(8200);
  });

  it('takes its thresholds from the first state, and stays quiet in the top gear', async () => {
    const config = { lightStartRpm: 9000, shiftRpm: 11000, overRevRpm: 12000, hysteresisRpm: 500, leds: 4, topGear: 6 };
    const outs = await drive(
      [
        { t: 0, values: { rpm: 7600, gear: 2 } },
        { t: 1, values: { rpm: 10000, gear: 2 } },
        { t: 2, values: { rpm: 11000, gear: 2 } },
        { t: 3, values: { rpm: 9000, gear: 6 } },
        { t: 4, values: { rpm: 11500, gear: 6 } },
        { t: 5, values: { rpm: 12500, gear: 6 } },
      ],
      { config },
    );
    expect(outs.map((o) => o.events.map((e) => e.message))).toEqual([[], [], ['shift: 11000 rpm in gear 2 at t=2'], [], [], ['over-rev: 12500 rpm (limit 12000) in gear 6 at t=5, #1']]);
    expect(outs.map((o) => o.values!.shiftLight)).toEqual([0, 0.5, 1, 0, 1, 1]);
    expect(outs[5]!.state.config).toEqual(config);
  });

  it('ignores a frame without rpm and recovers from a foreign state', async () => {
    const outs = await drive([
      { t: 0, values: { rpm: 7600 } },
      { t: 1, values: { gear: 4 } },
      { t: 2, values: { rpm: NaN } },
      { t: 3, values: { rpm: 7700 } },
    ]);
    expect(outs.map((o) => o.events.length)).toEqual([1, 0, 0, 0]);
    expect(outs[0]!.events[0]!.message).toBe('shift: 7600 rpm at t=0');
    expect(outs[2]!.state).toMatchObject({ frames: 3, shifts: 1, shiftArmed: false });
    const fresh = await drive([{ t: 0, values: { rpm: 7600 } }], 'something else');
    expect(fresh[0]!.state).toMatchObject({ v: 1, frames: 1, shifts: 1 });
  });
});

// ---------------------------------------------------------------------------------------

describe('lap-notes', () => {
  const lapInput = (number: number, timeMs: number, maxSpeed: number) => ({
    lap: { number, timeMs },
    rateHz: 10,
    channels: { speed: f64([100, NaN, maxSpeed, maxSpeed - 50]) },
    meta: {},
  });

  /** Two services on their own databases (one per engine), so storage sequences can be compared. */
  let pairs = 0;
  function pair(): { q: PluginService; v: PluginService; qDb: ReturnType<typeof openDatabase>; vDb: ReturnType<typeof openDatabase> } {
    const qDb = openDatabase(join(dir, `lap-notes-q-${++pairs}.db`));
    const vDb = openDatabase(join(dir, `lap-notes-v-${pairs}.db`));
    const q = new PluginService({ db: qDb });
    const v = new PluginService({ db: vDb });
    services.push(q, v);
    return { q, v, qDb, vDb };
  }

  async function call(p: { q: PluginService; v: PluginService }, input: unknown): Promise<{ output: Kpi[]; logs: string[] }> {
    const plugin = await firstParty('lap-notes');
    const q = await p.q.invokeBundle(plugin, { iface: 'kpiProcessor', input, runtime: 'quickjs', accountId: 'local', now: 0 });
    const v = await p.v.invokeBundle(plugin, { iface: 'kpiProcessor', input, runtime: 'v8', accountId: 'local', now: 0 });
    expect(exact(q.output)).toBe(exact(v.output));
    expect(exact(q.logs)).toBe(exact(v.logs));
    return { output: q.output as Kpi[], logs: q.logs };
  }
  const values = (kpis: Kpi[]) => Object.fromEntries(kpis.map((k) => [k.name, k.value]));

  it('keeps per-lap counts and bests across calls when storage is granted, and stops when revoked', async () => {
    const p = pair();
    for (const s of [p.q, p.v]) s.grants.grant('local', 'lap-notes', 'storage');

    const r1 = await call(p, lapInput(1, 90000, 200));
    expect(r1.logs).toEqual([]);
    expect(values(r1.output)).toEqual({ 'max speed': 200, 'best max speed so far': 200, 'times analysed': 1, 'best lap time so far': 90000 });
    expect(values((await call(p, lapInput(1, 89000, 250))).output)).toEqual({ 'max speed': 250, 'best max speed so far': 250, 'times analysed': 2, 'best lap time so far': 89000 });
    expect(values((await call(p, lapInput(1, 91000, 230))).output)).toEqual({ 'max speed': 230, 'best max speed so far': 250, 'times analysed': 3, 'best lap time so far': 89000 });
    expect(values((await call(p, lapInput(2, 88500, 260))).output)).toEqual({ 'max speed': 260, 'best max speed so far': 260, 'times analysed': 1, 'best lap time so far': 88500 });

    // what is stored, read from the database directly
    const stored = new PluginStorage(p.qDb, 'local', 'lap-notes');
    expect(JSON.parse(stored.get('lap:1')!)).toEqual({ count: 3, bestMaxSpeed: 250 });
    expect(JSON.parse(stored.get('best-lap')!)).toEqual({ timeMs: 88500, lap: 2 });

    // revoked: no host.storage, this lap's figures only, and a log line saying why
    for (const s of [p.q, p.v]) expect(s.grants.revoke('local', 'lap-notes', 'storage')).toBe(true);
    const revoked = await call(p, lapInput(1, 87000, 240));
    expect(revoked.logs).toEqual(['lap-notes: storage is not granted; KPIs are from this lap only (no history kept)']);
    const rv = values(revoked.output);
    expect(rv['max speed']).toBe(240);
    expect(rv['best max speed so far']).toBe(240);
    expect(rv['times analysed']).toBeNaN();
    expect(rv['best lap time so far']).toBe(87000);
    expect(JSON.parse(stored.get('lap:1')!)).toEqual({ count: 3, bestMaxSpeed: 250 }); // untouched

    // granted again: the history is still there
    for (const s of [p.q, p.v]) s.grants.grant('local', 'lap-notes', 'storage');
    expect(values((await call(p, lapInput(1, 92000, 210))).output)).toMatchObject({ 'best max speed so far': 250, 'times analysed': 4, 'best lap time so far': 88500 });
  });

  it('works without ever being granted storage', async () => {
    const plugin = await firstParty('lap-notes');
    const fresh = newService();
    const { output, logs } = await both<Kpi[]>(plugin, 'kpiProcessor', lapInput(5, 95000, 180), fresh);
    expect(logs).toEqual(['lap-notes: storage is not granted; KPIs are from this lap only (no history kept)']);
    expect(values(output)['best max speed so far']).toBe(180);
    expect(plugin.manifest.capabilities).toEqual([{ name: 'storage', reason: expect.any(String) }]);
  });

  it('starts a corrupted record afresh', async () => {
    const p = pair();
    for (const s of [p.q, p.v]) s.grants.grant('local', 'lap-notes', 'storage');
    for (const db of [p.qDb, p.vDb]) new PluginStorage(db, 'local', 'lap-notes').put('lap:7', '{not json');
    const r = await call(p, lapInput(7, 90000, 200));
    expect(r.logs).toEqual(['lap-notes: stored lap:7 is unreadable; starting it afresh']);
    expect(values(r.output)['times analysed']).toBe(1);
    expect(JSON.parse(new PluginStorage(p.vDb, 'local', 'lap-notes').get('lap:7')!)).toEqual({ count: 1, bestMaxSpeed: 200 });
  });
});

// ---------------------------------------------------------------------------------------

describe('weather', () => {
  let server: Server;
  let port = 0;
  const answers: Record<string, { status: number; body: string }> = {
    '/weather': { status: 200, body: JSON.stringify({ trackTempC: 41, rainProbability: 0.2 }) },
    '/wet': { status: 200, body: JSON.stringify({ trackTempC: 12, rainProbability: 70 }) },
    '/broken': { status: 200, body: '{"trackTempC": 41,' },
    '/down': { status: 503, body: 'maintenance' },
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const a = answers[req.url ?? ''] ?? { status: 404, body: 'not found' };
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(a.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())));

  const laps = [
    { timeMs: 90000, fuelUsed: 2.5 },
    { timeMs: 91000, fuelUsed: 2.5 },
  ];
  // 30 L / 2.5 = 12 → 11 laps per stint: 20 laps = 10 + 10, each 10 × 2.5 + 2.5 = 27.5 L
  const input = (path: string | null) => ({
    session: path === null ? { id: 's1', venue: 'Spa' } : { id: 's1', venue: 'Spa', weatherUrl: path.startsWith('http') ? path : `http://127.0.0.1:${port}${path}` },
    laps,
    target: { laps: 20, tankLitres: 30 },
  });
  const svc = newService();
  svc.grants.grant('local', 'weather', 'fetch');

  it('fetches the weather from the session URL and notes tyre and fuel implications', async () => {
    const plugin = await firstParty('weather');
    const { output, logs } = await both<Plan>(plugin, 'runPlan', input('/weather'), svc);
    expect(logs).toEqual([]);
    expect(output.steps.map((s) => [s.label, s.laps, s.fuelLitres])).toEqual([
      ['Stint 1', 10, 27.5],
      ['Stint 2', 10, 27.5],
    ]);
    const note = 'weather: hot track (41 °C): expect more tyre degradation through each stint, consider the harder compound; rain unlikely (20%): plan on dry tyres and the dry fuel figure';
    for (const s of output.steps) expect(s.notes).toBe('start with 27.5 L (10 × 2.50 L + 1 lap margin); ' + note);
    expect(output.summary).toBe('20 laps at a median 1:30.500 in 2 stints (10 + 10), 2.50 L/lap; ' + note + '.');

    const wet = (await both<Plan>(plugin, 'runPlan', input('/wet'), svc)).output;
    expect(wet.summary).toContain('cold track (12 °C)');
    expect(wet.summary).toContain('rain likely (70%): have wet tyres ready');
  });

  it('still plans, saying why, when the weather is unavailable', async () => {
    const plugin = await firstParty('weather');
    const unavailable = async (inp: unknown, s: PluginService = svc) => {
      const { output, logs } = await both<Plan>(plugin, 'runPlan', inp, s);
      expect(output.steps.map((x) => [x.laps, x.fuelLitres])).toEqual([
        [10, 27.5],
        [10, 27.5],
      ]);
      const m = /weather unavailable: (.*)\.$/.exec(output.summary);
      expect(m).not.toBeNull();
      for (const st of output.steps) expect(st.notes).toContain('weather unavailable: ' + m![1]);
      expect(logs).toEqual(['weather: ' + m![1]]);
      return m![1]!;
    };
    expect(await unavailable(input(null))).toBe('no weatherUrl in the session');
    expect(await unavailable(input('/broken'))).toBe('the answer is not JSON');
    expect(await unavailable(input('/down'))).toBe('the weather service answered HTTP 503');
    expect(await unavailable(input('http://example.com/weather'))).toContain("example.com is not in the plugin's allowed hosts (127.0.0.1, localhost)");

    // fetch declared but not granted: no host.fetch at all
    const ungranted = newService();
    expect(await unavailable(input('/weather'), ungranted)).toBe('fetch is not granted to this plugin');
    // granted then revoked
    svc.grants.revoke('local', 'weather', 'fetch');
    expect(await unavailable(input('/weather'))).toBe('fetch is not granted to this plugin');
    svc.grants.grant('local', 'weather', 'fetch');

    // a stopped server (one nobody ever connected to): both engines see the same refusal
    const stopped = createServer();
    await new Promise<void>((resolve) => stopped.listen(0, '127.0.0.1', resolve));
    const stoppedPort = (stopped.address() as AddressInfo).port;
    await new Promise<void>((resolve) => stopped.close(() => resolve()));
    expect(await unavailable(input(`http://127.0.0.1:${stoppedPort}/weather`))).toBe(`fetch 127.0.0.1:${stoppedPort}: connection refused or lost`);

    // the weather server itself stopped after use: the plan still comes out, identically in
    // both engines (the first request may meet a pooled keep-alive socket the server closed,
    // the next a refusal: the host reports both in the same stable words).
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const outputs: string[] = [];
    for (const runtime of ['quickjs', 'v8'] as const) {
      const r = await svc.invokeBundle(plugin, { iface: 'runPlan', input: input('/weather'), runtime, accountId: 'local', now: 0 });
      const out = r.output as Plan;
      expect(out.steps.map((x) => x.laps)).toEqual([10, 10]);
      expect(out.summary).toContain(`weather unavailable: fetch 127.0.0.1:${port}: connection refused or lost`);
      for (const st of out.steps) expect(st.notes).toContain('weather unavailable: fetch 127.0.0.1:');
      outputs.push(exact(r.output));
    }
    expect(outputs[0]).toBe(outputs[1]);
  });

  it('declares fetch for the local hosts only', async () => {
    const plugin = await firstParty('weather');
    expect(plugin.manifest.capabilities).toEqual([{ name: 'fetch', reason: expect.any(String), hosts: ['127.0.0.1', 'localhost'] }]);
  });
});
