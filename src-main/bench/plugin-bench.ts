// Plugin runtime benchmarks, each figure measured beside its baseline in the same run:
//   cold start          load a bundle into a fresh engine instance + first call + dispose, vs Node evaluating it
//   warm invoke         a small KPI call through the full host (validation, capabilities, codec, pool),
//                       vs the raw engine call (one JSON string in, one out) and vs plain Node
//   math channel        a rolling average over 360,000 samples, data in and out included, vs plain Node
//   data in/out share   QuickJS: the part of the math-channel call spent moving data, vs its compute
//   deterministic Math  a transcendental-heavy channel with Race's Math vs the engine's own Math
import type IvmModule from 'isolated-vm';
import { createRequire } from 'node:module';
import { newQuickJSWASMModuleFromVariant } from 'quickjs-emscripten';
import RELEASE_SYNC from '@jitl/quickjs-wasmfile-release-sync';
import { PluginManifest } from '../../src-shared/plugins/manifest.ts';
import { openDatabase } from '../store/database.ts';
import { sha256Hex } from '../platform/sha256.ts';
import { PluginService, type PluginBundle } from '../plugins/service.ts';
import { createHostBridge } from '../plugins/host-bridge.ts';
import { QuickJsRuntime } from '../plugins/runtime/quickjs.ts';
import { V8ProcessRuntime } from '../plugins/runtime/v8-process.ts';
import { wrapBundle, type RuntimeKind } from '../plugins/runtime/types.ts';
import { packValue } from '../plugins/transport.ts';
import { timeAsync, timeInterleaved, timeSync, type BenchResult } from './measure.ts';

const nodeRequire = createRequire(import.meta.url);

const KPI_CODE = `module.exports.kpiProcessor = function (input) {
  const v = input.channels.cpu; let max = -Infinity, sum = 0;
  for (let i = 0; i < v.length; i++) { if (v[i] > max) max = v[i]; sum += v[i]; }
  return [{ name: 'max', value: max, unit: '%', better: 'lower' }, { name: 'avg', value: sum / v.length, unit: '%', better: 'lower' }];
};`;

const ROLLING_CODE = `module.exports.math = function (input) {
  const x = input.channels.rpm, w = Math.max(1, Math.round(Number(input.params.windowSeconds) * input.rateHz));
  const out = new Float64Array(x.length); let sum = 0;
  for (let i = 0; i < x.length; i++) { sum += x[i]; if (i >= w) sum -= x[i - w]; out[i] = sum / (i < w ? i + 1 : w); }
  return { rpm_avg: out };
};`;

const TRIG_CODE = `module.exports.math = function (input) {
  const x = input.channels.x, out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) { const v = x[i]; out[i] = Math.sin(v) * Math.cos(v * 0.5) + Math.exp(-Math.abs(v) * 0.01) + Math.log1p(Math.abs(v)) + Math.atan2(v, 3) + Math.pow(Math.abs(v) + 1, 0.3); }
  return { y: out };
};`;

function bundle(id: string, code: string, manifest: object): PluginBundle {
  return { manifest: PluginManifest.parse({ id, name: id, version: '1.0.0', apiVersion: 1, ...manifest }), code, hash: sha256Hex(code) };
}

const kpiBundle = bundle('bench-kpi', KPI_CODE, { interfaces: ['kpiProcessor'], meta: { kpiProcessor: { inputs: [{ name: 'cpu' }], kpis: [{ name: 'max', unit: '%', better: 'lower' }] } } });
const rollingBundle = bundle('bench-rolling', ROLLING_CODE, {
  interfaces: ['math'],
  meta: { math: { inputs: [{ name: 'rpm' }], outputs: [{ name: 'rpm_avg', unit: 'rpm' }], params: [{ name: 'windowSeconds', type: 'number', default: 0.25 }] } },
});
const trigBundle = bundle('bench-trig', TRIG_CODE, { interfaces: ['math'], meta: { math: { inputs: [{ name: 'x' }], outputs: [{ name: 'y', unit: '' }], params: [] } } });

/** The bundle evaluated in Node's own realm: the plain-Node baseline. */
function nodeModule(code: string): Record<string, (input: unknown) => unknown> {
  const factory = new Function(`return ${wrapBundle(code)}`)() as (m: object, e: object, r: unknown) => void;
  const module = { exports: {} as Record<string, (input: unknown) => unknown> };
  factory(module, module.exports, () => {
    throw new Error('no require');
  });
  return module.exports;
}

const kpiInput = () => ({ lap: { number: 1, timeMs: 90_000 }, rateHz: 1, channels: { cpu: new Float64Array([10, 20, 30, 95.5]) }, meta: {} });

function channelOf(n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = 4000 + 3000 * Math.sin(i / 500) + (i % 7);
  return a;
}

export interface BenchOptions {
  /** Fewer samples: a quick check that every benchmark runs (tests). */
  quick?: boolean;
}

export async function runPluginBenchmarks(options: BenchOptions = {}): Promise<BenchResult[]> {
  const q = options.quick;
  const results: BenchResult[] = [];
  const service = new PluginService({ db: openDatabase(':memory:') });
  const runtimes = { quickjs: new QuickJsRuntime(), v8: new V8ProcessRuntime() };
  const limits = { memoryMb: 128 };
  try {
    // ---- cold start ---------------------------------------------------------------------
    const nodeCold = timeSync(() => void nodeModule(KPI_CODE + `\n/* ${Math.random()} */`).kpiProcessor!(kpiInput()), q ? 3 : 30);
    const hostCall = createHostBridge({ capabilities: [], storage: null, fetchHosts: [] });
    const ctxJson = JSON.stringify({ capabilities: [], limits: { logLines: 10, logBytes: 1000 } });
    const callLimits = { timeMs: 5000, logLines: 10, logBytes: 1000 };
    const coldBuffers: ArrayBuffer[] = [];
    const coldInput = packValue(kpiInput(), coldBuffers);
    for (const kind of ['quickjs', 'v8'] as const) {
      const cold = await timeAsync(async () => {
        const instance = await runtimes[kind].load({ hash: kpiBundle.hash, code: kpiBundle.code, pluginId: 'bench-kpi' }, limits, 5000);
        await instance.invoke({ callId: 1, iface: 'kpiProcessor', input: coldInput, buffers: coldBuffers, contextJson: ctxJson, now: 0, seed: 1 }, hostCall, callLimits);
        instance.dispose();
      }, q ? 3 : 20);
      results.push({ name: 'cold start (load + first call + dispose)', runtime: kind, value: cold, unit: 'ms', ratioToNode: cold / nodeCold });
    }

    // ---- warm invoke: full host vs raw engine call vs plain Node ------------------------------
    const nodeKpi = nodeModule(KPI_CODE).kpiProcessor!;
    const nodeJson = '{"lap":{"number":1,"timeMs":90000},"rateHz":1,"channels":{"cpu":[10,20,30,95.5]},"meta":{}}';
    const nodeWarm = timeSync(() => void JSON.stringify(nodeKpi(JSON.parse(nodeJson))), q ? 5 : 50, 200);
    const raw = await rawEngineCalls();
    for (const kind of ['quickjs', 'v8'] as const) {
      const rawMs = timeSync(() => void raw[kind](nodeJson), q ? 5 : 50, 200);
      results.push({ name: 'warm invoke, raw engine call (JSON in/out)', runtime: kind, value: rawMs * 1000, unit: 'µs', ratioToNode: rawMs / nodeWarm });
      const full = await timeAsync(() => service.invokeBundle(kpiBundle, { iface: 'kpiProcessor', input: kpiInput(), runtime: kind, accountId: 'local', now: 0 }), q ? 5 : 50, 100);
      results.push({ name: 'warm invoke, full host', runtime: kind, value: full * 1000, unit: 'µs', ratioToNode: full / nodeWarm, note: `${(full / rawMs).toFixed(2)}× the raw engine call` });
    }
    raw.dispose();

    // ---- math channel over 360,000 samples ---------------------------------------------------
    const N = 360_000;
    const rpm = channelOf(N);
    const nodeRolling = nodeModule(ROLLING_CODE).math!;
    const nodeMath = timeSync(() => void nodeRolling({ rateHz: 100, channels: { rpm }, params: { windowSeconds: 0.25 } }), q ? 3 : 15);
    for (const kind of ['quickjs', 'v8'] as const) {
      const input = { rateHz: 100, channels: { rpm }, params: { windowSeconds: 0.25 } };
      const full = await timeAsync(() => service.invokeBundle(rollingBundle, { iface: 'math', input, runtime: kind, accountId: 'local', now: 0 }), q ? 2 : kind === 'quickjs' ? 7 : 15);
      results.push({ name: 'math channel, 360,000 samples (data in and out included)', runtime: kind, value: full, unit: 'ms', ratioToNode: full / nodeMath });
    }
    // QuickJS: the share spent moving data, against compute on data already in the guest. The
    // two are sampled in turns: their difference is a few percent of either, less than a busy
    // machine's drift between two separate series.
    const resident = await quickJsResidentCompute(N);
    const input = { rateHz: 100, channels: { rpm }, params: { windowSeconds: 0.25 } };
    const [fullQ, compute] = await timeInterleaved([() => service.invokeBundle(rollingBundle, { iface: 'math', input, runtime: 'quickjs', accountId: 'local', now: 0 }), resident.run], q ? 2 : 9);
    resident.dispose();
    results.push({ name: 'QuickJS math channel: compute only (data resident)', runtime: 'quickjs', value: compute!, unit: 'ms', ratioToNode: compute! / nodeMath });
    results.push({ name: 'QuickJS math channel: data in/out and host, share of compute', runtime: 'quickjs', value: ((fullQ! - compute!) / compute!) * 100, unit: '%', ratioToNode: null, note: `full call ${fullQ!.toFixed(1)} ms, sampled in turns with compute` });

    // ---- deterministic Math vs each engine's own Math ------------------------------------------
    const T = q ? 20_000 : 200_000;
    const x = channelOf(T);
    const nodeTrig = nodeModule(TRIG_CODE).math!;
    const nodeTrigMs = timeSync(() => void nodeTrig({ rateHz: 1, channels: { x }, params: {} }), q ? 3 : 15);
    const native = await nativeMathBaselines(x, q ? 2 : 7);
    for (const kind of ['quickjs', 'v8'] as const) {
      const det = await timeAsync(() => service.invokeBundle(trigBundle, { iface: 'math', input: { rateHz: 1, channels: { x }, params: {} }, runtime: kind, accountId: 'local', now: 0 }), q ? 2 : 7);
      results.push({ name: `transcendental channel, ${T} samples, Race's deterministic Math`, runtime: kind, value: det, unit: 'ms', ratioToNode: det / nodeTrigMs, note: `${(det / native[kind]).toFixed(2)}× the engine's own Math (${native[kind].toFixed(1)} ms)` });
    }
  } finally {
    service.close();
    runtimes.v8.close();
  }
  return results;
}

type RawCalls = { quickjs: (json: string) => string; v8: (json: string) => string; dispose(): void };

/** The engines with nothing of Race around them: the probe's raw warm-call baseline. */
async function rawEngineCalls(): Promise<RawCalls> {
  const QuickJS = await newQuickJSWASMModuleFromVariant(RELEASE_SYNC);
  const ctx = QuickJS.newContext();
  const shim = `(function(){ const module = { exports: {} }; (${wrapBundle(KPI_CODE)})(module, module.exports); return (json) => JSON.stringify(module.exports.kpiProcessor(JSON.parse(json))); })()`;
  const fn = ctx.unwrapResult(ctx.evalCode(shim));
  const ivm = nodeRequire('isolated-vm') as typeof IvmModule;
  const isolate = new ivm.Isolate({ memoryLimit: 64 });
  const context = isolate.createContextSync();
  const ref = context.evalSync(shim, { reference: true }) as IvmModule.Reference<(json: string) => string>;
  return {
    quickjs: (json) => {
      const arg = ctx.newString(json);
      const r = ctx.unwrapResult(ctx.callFunction(fn, ctx.undefined, arg));
      const s = ctx.getString(r);
      r.dispose();
      arg.dispose();
      return s;
    },
    v8: (json) => ref.applySync(undefined, [json]) as string,
    dispose: () => {
      fn.dispose();
      ctx.dispose();
      isolate.dispose();
    },
  };
}

/** QuickJS computing the rolling average on a channel that already lives in its heap. */
async function quickJsResidentCompute(n: number): Promise<{ run: () => void; dispose: () => void }> {
  const QuickJS = await newQuickJSWASMModuleFromVariant(RELEASE_SYNC);
  const ctx = QuickJS.newContext();
  const setup = ctx.unwrapResult(
    ctx.evalCode(`(function(){ const module = { exports: {} }; (${wrapBundle(ROLLING_CODE)})(module, module.exports);
      const rpm = new Float64Array(${n}); for (let i = 0; i < rpm.length; i++) rpm[i] = 4000 + 3000 * Math.sin(i / 500) + (i % 7);
      return () => { module.exports.math({ rateHz: 100, channels: { rpm }, params: { windowSeconds: 0.25 } }); }; })()`),
  );
  return {
    run: () => ctx.unwrapResult(ctx.callFunction(setup, ctx.undefined)).dispose(),
    dispose: () => {
      setup.dispose();
      ctx.dispose();
    },
  };
}

/** The transcendental channel on each engine's own Math (no Race prelude), data in and out. */
async function nativeMathBaselines(x: Float64Array, samples: number): Promise<Record<RuntimeKind, number>> {
  const shim = `(function(){ const module = { exports: {} }; (${wrapBundle(TRIG_CODE)})(module, module.exports);
    return (buf) => module.exports.math({ channels: { x: new Float64Array(buf) } }).y.buffer; })()`;
  const QuickJS = await newQuickJSWASMModuleFromVariant(RELEASE_SYNC);
  const ctx = QuickJS.newContext();
  const fn = ctx.unwrapResult(ctx.evalCode(shim));
  const quickjs = timeSync(() => {
    const arg = ctx.newArrayBuffer(x.slice().buffer);
    const r = ctx.unwrapResult(ctx.callFunction(fn, ctx.undefined, arg));
    const view = ctx.getArrayBuffer(r);
    void view.value.slice();
    view.dispose();
    r.dispose();
    arg.dispose();
  }, samples);
  fn.dispose();
  ctx.dispose();
  const ivm = nodeRequire('isolated-vm') as typeof IvmModule;
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const context = isolate.createContextSync();
  const ref = context.evalSync(shim, { reference: true }) as IvmModule.Reference<(b: ArrayBuffer) => ArrayBuffer>;
  const v8 = timeSync(() => void ref.applySync(undefined, [x.slice().buffer], { arguments: { copy: true }, result: { copy: true } }), samples);
  isolate.dispose();
  return { quickjs, v8 };
}
