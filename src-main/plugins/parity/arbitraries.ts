// Inputs for the parity suite, derived from a plugin's manifest: realistic telemetry most
// of the time, and the values that break engines the rest — NaN, ±0, ±Infinity,
// subnormals, huge magnitudes — in channels, params, lap times and frames.
import fc from 'fast-check';
import type { InterfaceName, PluginManifest } from '../../../src-shared/plugins/manifest.ts';

const SPECIAL = [NaN, 0, -0, Infinity, -Infinity, 5e-324, -5e-324, 2.2250738585072014e-308, 1e308, -1e308, 1.7976931348623157e308, 9007199254740993, 0.1, -1];
const RATES = [1, 4, 10, 20, 25, 50, 100, 200, 1000];

/** A number as telemetry has them: mostly in range, sometimes pathological. */
export function telemetryNumber(min = -1e4, max = 1e4): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.double({ min, max, noNaN: true, noDefaultInfinity: true }) },
    { weight: 2, arbitrary: fc.constantFrom(...SPECIAL) },
    { weight: 1, arbitrary: fc.double() }, // anything, subnormals and NaN included
  );
}

export function channel(maxLength: number): fc.Arbitrary<Float64Array> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.float64Array({ minLength: 0, maxLength }) }, // any bit pattern
    {
      weight: 7,
      arbitrary: fc
        .record({ base: fc.double({ min: -100, max: 9000, noNaN: true }), slope: fc.double({ min: -50, max: 50, noNaN: true }), length: fc.nat({ max: maxLength }), specials: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...SPECIAL)), { maxLength: 8 }) })
        .map(({ base, slope, length, specials }) => {
          const a = new Float64Array(length);
          for (let i = 0; i < length; i++) a[i] = base + slope * Math.sin(i / 17) * (i % 50);
          for (const [at, v] of specials) if (length) a[at % length] = v;
          return a;
        }),
    },
  );
}

function sameLength(names: string[], maxLength: number): fc.Arbitrary<Record<string, Float64Array>> {
  return fc.nat({ max: maxLength }).chain((length) =>
    fc.tuple(...names.map(() => fc.array(telemetryNumber(-100, 12000), { minLength: length, maxLength: length }))).map((arrays) => {
      const out: Record<string, Float64Array> = {};
      names.forEach((n, i) => (out[n] = Float64Array.from(arrays[i]!)));
      return out;
    }),
  );
}

function params(manifest: PluginManifest, iface: 'math' | 'runPlan' | 'uiCell' | 'liveHook'): fc.Arbitrary<Record<string, number | boolean | string>> {
  const specs = (manifest.meta[iface] as { params?: { name: string; type: string; default: unknown; min?: number; max?: number }[] } | undefined)?.params ?? [];
  const entries: Record<string, fc.Arbitrary<number | boolean | string>> = {};
  for (const p of specs) {
    if (p.type === 'boolean') entries[p.name] = fc.boolean();
    else if (p.type === 'string') entries[p.name] = fc.oneof(fc.constant(String(p.default)), fc.string({ maxLength: 20 }));
    else {
      const lo = p.min ?? -1e6;
      const hi = p.max ?? 1e6;
      const base = p.type === 'integer' ? fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) }) : fc.double({ min: lo, max: hi, noNaN: true });
      entries[p.name] = fc.oneof({ weight: 5, arbitrary: base }, { weight: 1, arbitrary: fc.constant(p.default as number) });
    }
  }
  return fc.record(entries);
}

const kpi = fc.record({
  name: fc.constantFrom('Max speed', 'Min speed', 'Avg RPM', 'Full throttle', 'Braking zones'),
  value: telemetryNumber(-1e3, 1e4),
  unit: fc.constantFrom('km/h', 'rpm', 's', ''),
  better: fc.constantFrom('higher' as const, 'lower' as const, 'none' as const),
});
const lapRef = fc.record({ number: fc.integer({ min: 0, max: 200 }), timeMs: telemetryNumber(0, 400_000) });
const UNITS = ['km/h', 'mph', 'rpm', '°F', 'degF', '°C', 'psi', 'bar', 'gal', 'L', 'ft', 'm', 'in', 'lb', '%', 'g', ''];

/** The input of one call of `iface` for `manifest`'s plugin. */
export function inputFor(manifest: PluginManifest, iface: Exclude<InterfaceName, 'liveHook'>, maxLength = 600): fc.Arbitrary<unknown> {
  switch (iface) {
    case 'math': {
      const names = manifest.meta.math?.inputs.map((i) => i.name) ?? ['x'];
      return fc.record({ rateHz: fc.constantFrom(...RATES), channels: sameLength(names, maxLength), params: params(manifest, 'math') });
    }
    case 'kpiProcessor': {
      const names = manifest.meta.kpiProcessor?.inputs.map((i) => i.name) ?? [];
      return fc.record({ lap: lapRef, rateHz: fc.constantFrom(...RATES), channels: sameLength(names.length ? names : ['speed', 'rpm', 'throttle', 'brake'], maxLength), meta: fc.constant({}) });
    }
    case 'runPlan':
      return fc.record({
        session: fc.record({ id: fc.constant('parity') }),
        laps: fc.array(fc.record({ timeMs: telemetryNumber(40_000, 200_000), fuelUsed: fc.option(telemetryNumber(0, 6), { nil: undefined }) }, { requiredKeys: ['timeMs'] }), { maxLength: 40 }),
        target: fc.record(
          { stintMinutes: fc.double({ min: 1, max: 240, noNaN: true }), laps: fc.integer({ min: 1, max: 200 }), fuelPerLap: fc.double({ min: 0, max: 8, noNaN: true }), tankLitres: fc.double({ min: 10, max: 140, noNaN: true }) },
          { requiredKeys: [] },
        ),
      });
    case 'uiCell':
      return fc.record({ kpis: fc.array(kpi, { maxLength: 12 }), lap: fc.option(lapRef, { nil: null }), params: params(manifest, 'uiCell') });
    case 'transform':
      return fc.dictionary(fc.constantFrom('speed', 'rpm', 'oil_temp', 'boost', 'fuel', 'ride_height', 'gps_alt', 'mass'), fc.record({ unit: fc.constantFrom(...UNITS), rateHz: fc.constantFrom(...RATES), samples: channel(maxLength) }), { maxKeys: 6 }).map((channels) => ({
        channels,
        rateHz: Math.max(1, ...Object.values(channels).map((c) => c.rateHz)),
        meta: {},
      }));
  }
}

/** A sequence of live frames (the hook's state is threaded from one call to the next). */
export function liveFrames(maxFrames = 40): fc.Arbitrary<{ t: number; values: Record<string, number> }[]> {
  const values = fc.record({ rpm: telemetryNumber(0, 10_000), gear: fc.integer({ min: 0, max: 7 }), speed: telemetryNumber(0, 330) });
  return fc.array(values, { minLength: 1, maxLength: maxFrames }).map((all) => all.map((v, i) => ({ t: i * 0.05, values: v })));
}
