// The platform's promise: the same bundle gives the same bytes in QuickJS and in V8.
// These tests hit each divergence the runtime probe measured, through the full host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginBundle } from '../../src-main/plugins/service.ts';
import { bits, exact, pluginFromSource, serviceIn } from '../support/plugins.ts';
import { floatInputs } from '../support/float-inputs.ts';
import { tempDir } from '../support/tmp.ts';

const dir = tempDir();
const service = serviceIn(dir, { callLimits: { timeMs: 60_000 }, engineLimits: { memoryMb: 256 } });
afterAll(() => service.close());

const UNARY = ['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'exp', 'expm1', 'log', 'log1p', 'log2', 'log10', 'cbrt', 'sqrt', 'fround', 'round', 'sign', 'trunc'];
const BINARY = ['pow', 'atan2', 'hypot'];
const N = 200_000;

let mathProbe: PluginBundle;
beforeAll(async () => {
  mathProbe = await pluginFromSource(
    dir,
    {
      id: 'math-probe',
      interfaces: ['math'],
      meta: { math: { inputs: [{ name: 'x' }, { name: 'y' }], outputs: [...UNARY, ...BINARY, 'pow_op', 'hypot3', 'hypot1'].map((name) => ({ name, unit: '' })), params: [] } },
    },
    `export const math = ({ channels }) => {
      const x = channels.x, y = channels.y, n = x.length, out = {};
      for (const f of ${JSON.stringify(UNARY)}) { const o = new Float64Array(n), fn = Math[f]; for (let i = 0; i < n; i++) o[i] = fn(x[i]); out[f] = o; }
      for (const f of ${JSON.stringify(BINARY)}) { const o = new Float64Array(n), fn = Math[f]; for (let i = 0; i < n; i++) o[i] = fn(x[i], y[i]); out[f] = o; }
      const p = new Float64Array(n), h3 = new Float64Array(n), h1 = new Float64Array(n);
      for (let i = 0; i < n; i++) { p[i] = x[i] ** y[i]; h3[i] = Math.hypot(x[i], y[i], 0.5); h1[i] = Math.hypot(x[i]); }
      out.pow_op = p; out.hypot3 = h3; out.hypot1 = h1;
      return out;
    };`,
  );
});

async function both(bundle: PluginBundle, iface: 'math' | 'runPlan', input: unknown) {
  const q = await service.invokeBundle(bundle, { iface, input, runtime: 'quickjs', accountId: 'local', now: 1_700_000_000_000 });
  const v = await service.invokeBundle(bundle, { iface, input, runtime: 'v8', accountId: 'local', now: 1_700_000_000_000 });
  return { q, v };
}

describe('deterministic Math', () => {
  it(`every Math function and ** give the same bits in both engines (${N} inputs each)`, async () => {
    // a spread of magnitudes for x; y mixes small integers, halves and general values (pow's hard cases)
    const x = floatInputs(N, 1, 20);
    const y = floatInputs(N, 2, 8);
    for (let i = 0; i < N; i += 3) y[i] = Math.round(y[i]!);
    for (let i = 1; i < N; i += 7) x[i] = 1 + (x[i]! - Math.trunc(x[i]!)) * 1e-9; // base ≈ 1
    const { q, v } = await both(mathProbe, 'math', { rateHz: 1, channels: { x, y }, params: {} });
    const qo = q.output as Record<string, Float64Array>;
    const vo = v.output as Record<string, Float64Array>;
    const differing = Object.keys(qo).filter((k) => bits(qo[k]!) !== bits(vo[k]!));
    expect(differing).toEqual([]);
    // and the engines' results are still the right functions: spot checks against Node
    expect(qo.sin![0]).toBeCloseTo(Math.sin(x[0]!), 12);
    expect(Number.isNaN(qo.acosh![x.findIndex((t) => t < -1)])).toBe(true); // QuickJS's musl bug is fixed
  }, 120_000);
});

describe('other divergences the probe measured', () => {
  let probe: PluginBundle;
  beforeAll(async () => {
    probe = await pluginFromSource(
      dir,
      { id: 'semantics-probe', interfaces: ['runPlan'] },
      `export const runPlan = (input, host) => {
        const notes = [];
        const say = (label, v) => notes.push({ label, laps: 0, fuelLitres: 0, notes: typeof v === 'string' ? v : JSON.stringify(v) });
        const values = [1e21, 0.5, 1 / 3, -123.456, 2 ** 60 + 12345, 1e-7, 255.875, 0.1, 5e-324, 1.7976931348623157e308];
        for (const r of [3, 7, 10, 16, 36]) say('radix' + r, values.map((v) => v.toString(r)));
        say('sortBool', [5, 1, 4, 2, 8, 3, 7, 6].sort((a, b) => a > b));
        say('sortRandom', [9, 3, 7, 1, 8, 2, 6, 4, 5, 0].sort(() => Math.random() - 0.5));
        say('sortNaN', [3, NaN, 1, NaN, 2].sort((a, b) => a - b));
        say('toSorted', [3, undefined, 1, , 2].toSorted((a, b) => b - a));
        say('typed', Array.from(new Float64Array([3, -0, 0, NaN, -1]).sort((a, b) => a - b)));
        say('random', [Math.random(), Math.random(), Math.random()]);
        say('now', [Date.now(), new Date().toISOString(), String(new Date(2024, 2, 7, 10, 30))]);
        say('parse', ['2024-03-07', '2024-03-07T10:00', '2024-03-07T10:00:00+01:00', 'March 7, 2024', '2024/03/07', '07 Mar 2024 10:00 GMT', '2024-3-7 +0100'].map((s) => Date.parse(s)));
        say('dateStrings', [new Date(0).toString(), new Date(0).toDateString(), new Date(0).toTimeString(), new Date(0).toLocaleString(), new Date(0).getTimezoneOffset(), new Date(0).getHours()]);
        say('locale', [(1234567.891).toLocaleString(), 'a'.localeCompare('B'), ['b', 'A', 'ä', 'a', 'Z'].sort((a, b) => a.localeCompare(b)), 'ß'.toLocaleUpperCase()]);
        say('globals', Object.getOwnPropertyNames(globalThis).sort());
        say('math', Object.getOwnPropertyNames(Math).sort());
        const names = (o) => Object.getOwnPropertyNames(o).sort();
        [Object, Array, Array.prototype, String.prototype, Number, Promise, Reflect, Error, Error.prototype, Iterator.prototype, Set.prototype, Map, Symbol, RegExp.prototype, ArrayBuffer.prototype, Object.getPrototypeOf(Int8Array.prototype), JSON, Date, Date.prototype, Function.prototype]
          .forEach((o, i) => say('surface' + i, names(o)));
        say('typeofs', [typeof Intl, typeof WebAssembly, typeof SharedArrayBuffer, typeof Atomics, typeof console, typeof eval, typeof WeakRef, typeof queueMicrotask]);
        let evalError = ''; try { (() => {}).constructor('return 1')(); } catch (e) { evalError = e.name; }
        say('codegen', evalError);
        say('json', JSON.stringify({ a: [NaN, -0, 1e21, 1 / 3] }));
        host.log('logged', -0, [1, 'two', { three: 3 }], new Date(0), new Float64Array([1.5, NaN]));
        return { steps: notes, summary: 'probe' };
      };`,
    );
  });

  it('radix strings, comparator sorts, random, clock, dates, locale, globals and logs are identical', async () => {
    const input = { session: { id: 's' }, laps: [], target: {} };
    const { q, v } = await both(probe, 'runPlan', input);
    type Steps = { steps: { label: string; notes: string }[] };
    const qs = (q.output as Steps).steps;
    expect(exact(q.output)).toBe(exact(v.output));
    expect(q.logs).toEqual(v.logs);
    const line = (k: string) => qs.find((l) => l.label === k)!.notes;
    // V8's own radix algorithm is the one both use: spot values from plain Node
    expect(JSON.parse(line('radix36'))[0]).toBe((1e21).toString(36));
    expect(JSON.parse(line('radix3'))[1]).toBe((0.5).toString(3));
    expect(line('now')).toContain('2023-11-14T22:13:20.000Z'); // the clock the host injected
    expect(line('now')).toContain('Thu Mar 07 2024 10:30:00 GMT+0000'); // local time is UTC
    expect(JSON.parse(line('parse')).slice(3)).toEqual([null, null, null, null]); // only ISO-8601
    expect(line('codegen')).toBe('EvalError');
    expect(line('typeofs')).toBe(JSON.stringify(Array(8).fill('undefined').map((u, i) => (i === 5 ? 'undefined' : u))));
    expect(q.logs).toEqual(['logged -0 [1, two, {three: 3}] 1970-01-01T00:00:00.000Z Float64Array(2) [1.5, NaN]']);
  });

  it('a seed and a clock make Math.random and Date reproducible call to call', async () => {
    const input = { session: { id: 's' }, laps: [], target: {} };
    const a = await service.invokeBundle(probe, { iface: 'runPlan', input, runtime: 'v8', accountId: 'local', now: 5, seed: 9 });
    const b = await service.invokeBundle(probe, { iface: 'runPlan', input, runtime: 'v8', accountId: 'local', now: 5, seed: 9 });
    const c = await service.invokeBundle(probe, { iface: 'runPlan', input, runtime: 'v8', accountId: 'local', now: 5, seed: 10 });
    expect(exact(a.output)).toBe(exact(b.output));
    expect(exact(a.output)).not.toBe(exact(c.output));
  });
});
