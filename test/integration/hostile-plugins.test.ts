// The hostile corpus: plugins that try to escape the sandbox, exhaust it, or break the call
// protocol, each run through the real invocation path (PluginService.invokeBundle) in both
// engines. For every case:
//   1. the call ends with a PluginError whose reason is the same in QuickJS and V8 and whose
//      message names the plugin and the interface — or, for an escape that is harmless, with
//      a normal result that shows it did not work, identical in both engines;
//   2. the host process is alive (its event loop turns, its memory is bounded);
//   3. the next call of a well-behaved plugin in the same runtime gives the right answer.
// Limits are small so the file stays fast: 300 ms per call, 32 MiB per engine instance
// (memory cases get more time, so that memory, not the clock, is what stops them).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InterfaceName, PluginManifestInput } from '../../src-shared/plugins/manifest.ts';
import { PluginError, type PluginFailure } from '../../src-main/plugins/errors.ts';
import type { PluginBundle } from '../../src-main/plugins/service.ts';
import { RUNTIME_KINDS, type CallLimits, type RuntimeKind } from '../../src-main/plugins/runtime/types.ts';
import type { Db } from '../../src-main/store/database.ts';
import { exact, firstParty, pluginFromSource, serviceIn } from '../support/plugins.ts';
import { tempDir } from '../support/tmp.ts';

const dir = tempDir('race-hostile-');

// Every request the host makes goes through this: a host outside loopback is recorded and
// refused here, so even a broken allow-list could not reach the network.
const requested: string[] = [];
const loopbackOnly = ((input: string | URL | Request, init?: RequestInit) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  requested.push(url.href);
  if (url.hostname !== '127.0.0.1') return Promise.reject(new Error(`test guard: refused to contact ${url.host}`));
  return fetch(url, init);
}) as typeof fetch;

const service = serviceIn(dir, { callLimits: { timeMs: 300 }, engineLimits: { memoryMb: 32 }, fetchImpl: loopbackOnly });
const db = service['db'] as Db;
db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)').run('other', 'Other account', new Date(0).toISOString());

// A loopback server for the fetch cases.
const hits: string[] = [];
let server: Server;
let port = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/slow') setTimeout(() => res.end('late'), 400);
    else if (req.url === '/redirect') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    else res.end('hello from loopback');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  service.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

// ---- helpers ------------------------------------------------------------------------------

type Manifest = Partial<PluginManifestInput>;
const MATH_MANIFEST: Manifest = { interfaces: ['math'], meta: { math: { inputs: [{ name: 'rpm' }], outputs: [{ name: 'out', unit: 'rpm' }] } } };
const UI_MANIFEST: Manifest = { interfaces: ['uiCell'] };
const KPI_MANIFEST: Manifest = { interfaces: ['kpiProcessor'], meta: { kpiProcessor: { kpis: [{ name: 'best', unit: 's', better: 'lower' }] } } };

const mathInput = () => ({ rateHz: 4, channels: { rpm: new Float64Array([1000, 2000, 3000, NaN, 5000]) }, params: {} });
const uiInput = () => ({ kpis: [], lap: null, params: {} });
const kpiInput = () => ({ lap: { number: 1, timeMs: 90_000 }, rateHz: 4, channels: {}, meta: {} });

/** A valid math output for mathInput(), as plugin source. */
const OK_OUT = '({ out: new Float64Array(input.channels.rpm.length).fill(7) })';
/** Turns a value into a uiCell text (for "report" plugins), as plugin source. */
const REPORT = (expr: string) => `({ type: 'text', text: JSON.stringify(${expr}) })`;

type Expectation =
  | { reason: PluginFailure; field?: string; detail?: RegExp }
  | { output: (value: unknown, logs: string[]) => void };

interface HostileCase {
  /** What the plugin tries. */
  name: string;
  id: string;
  source: string;
  manifest?: Manifest;
  iface?: InterfaceName;
  input?: () => unknown;
  limits?: Partial<CallLimits>;
  accountId?: string;
  expect: Expectation;
}

type Outcome = { ok: true; output: unknown; logs: string[] } | { ok: false; error: unknown };

async function invoke(bundle: PluginBundle, c: Pick<HostileCase, 'iface' | 'input' | 'limits' | 'accountId'>, runtime: RuntimeKind): Promise<Outcome> {
  const iface = c.iface ?? 'math';
  const input = c.input ? c.input() : iface === 'uiCell' ? uiInput() : iface === 'kpiProcessor' ? kpiInput() : mathInput();
  try {
    const r = await service.invokeBundle(bundle, { iface, input, runtime, accountId: c.accountId ?? 'local', now: 0, limits: c.limits });
    return { ok: true, output: r.output, logs: r.logs };
  } catch (error) {
    return { ok: false, error };
  }
}

const WINDOW = { rateHz: 4, channels: { rpm: new Float64Array([1000, 2000, 3000, NaN, 5000]) }, params: { windowSeconds: 0.5 } };
const WINDOW_AVG = [1000, 1500, 2500, 3000, 5000]; // a 2-sample trailing mean that skips the NaN

/** (2) and (3): the host is alive and a well-behaved plugin still works in this runtime. */
async function hostStillServes(runtime: RuntimeKind): Promise<void> {
  const lag = performance.now();
  await new Promise((resolve) => setImmediate(resolve));
  expect(performance.now() - lag).toBeLessThan(1000);
  expect(process.memoryUsage().rss).toBeLessThan(1.5 * 1024 ** 3);
  const r = await service.invokeBundle(await firstParty('rolling-avg-rpm'), { iface: 'math', input: WINDOW, runtime, accountId: 'local' });
  expect(Array.from((r.output as { rpm_avg: Float64Array }).rpm_avg)).toEqual(WINDOW_AVG);
}

async function build(c: Pick<HostileCase, 'id' | 'source' | 'manifest'>): Promise<PluginBundle> {
  return pluginFromSource(dir, { id: c.id, ...(c.manifest ?? MATH_MANIFEST) }, c.source);
}

function checkFailure(o: Outcome, c: HostileCase, runtime: RuntimeKind, e: Extract<Expectation, { reason: PluginFailure }>): PluginError {
  if (o.ok) throw new Error(`${c.id} (${runtime}) returned ${exact(o.output).slice(0, 200)} instead of failing with ${e.reason}`);
  expect(o.error, `${c.id} (${runtime})`).toBeInstanceOf(PluginError);
  const err = o.error as PluginError;
  expect(err.reason, `${c.id} (${runtime}): ${err.message}`).toBe(e.reason);
  expect(err.message).toContain(`plugin ${c.id}`);
  expect(err.message).toContain(c.iface ?? 'math');
  expect(err.details.plugin).toBe(c.id);
  expect(err.details.interface).toBe(c.iface ?? 'math');
  if (e.field !== undefined) expect(err.details.field).toBe(e.field);
  if (e.detail) expect(err.details.detail ?? '').toMatch(e.detail);
  return err;
}

/** Runs a case in both engines, then checks (1), (2), (3). */
async function runCase(c: HostileCase): Promise<Outcome[]> {
  const bundle = await build(c);
  const outcomes: Outcome[] = [];
  for (const runtime of RUNTIME_KINDS) {
    const o = await invoke(bundle, c, runtime);
    outcomes.push(o);
    if ('reason' in c.expect) checkFailure(o, c, runtime, c.expect);
    else {
      if (!o.ok) throw new Error(`${c.id} (${runtime}) failed: ${(o.error as Error).message}`);
      c.expect.output(o.output, o.logs);
    }
    await hostStillServes(runtime);
  }
  const [q, v] = outcomes as [Outcome, Outcome];
  if (q.ok && v.ok) {
    expect(exact(q.output)).toBe(exact(v.output));
    expect(q.logs).toEqual(v.logs);
  } else if (!q.ok && !v.ok) {
    expect((q.error as PluginError).reason).toBe((v.error as PluginError).reason);
  }
  return outcomes;
}

const LONG = { timeMs: 5000 };
const textOf = (value: unknown): unknown => JSON.parse((value as { text: string }).text);
const expectReport = (expected: unknown) => ({ output: (value: unknown) => expect(textOf(value)).toEqual(expected) });
const sevens = (value: unknown) => expect(Array.from((value as { out: Float64Array }).out)).toEqual([7, 7, 7, 7, 7]);

// ---- the corpus ---------------------------------------------------------------------------

const ESCAPES: HostileCase[] = [
  {
    name: 'Function constructor through an arrow function: (()=>{}).constructor("return process")()',
    id: 'esc-arrow-ctor',
    source: `export const math = () => (() => {}).constructor('return process')();`,
    expect: { reason: 'PLUGIN_THREW', detail: /EvalError: code generation from strings/ },
  },
  {
    name: 'this.constructor.constructor inside the handler',
    id: 'esc-this-ctor',
    source: `export function math(this: any) { return this.constructor.constructor('return process')(); }`,
    expect: { reason: 'PLUGIN_THREW', detail: /EvalError/ },
  },
  {
    name: "Function('return globalThis')()",
    id: 'esc-function',
    source: `export const math = () => Function('return globalThis.process')();`,
    expect: { reason: 'PLUGIN_THREW', detail: /EvalError/ },
  },
  {
    name: 'direct eval',
    id: 'esc-eval',
    source: `export const math = () => eval('1 + 1');`,
    expect: { reason: 'PLUGIN_THREW', detail: /ReferenceError/ },
  },
  {
    name: 'indirect eval through a computed global name',
    id: 'esc-eval-indirect',
    source: `export const math = () => (0, (globalThis as any)['ev' + 'al'])('this')`,
    expect: { reason: 'PLUGIN_THREW', detail: /TypeError/ },
  },
  {
    name: 'every other road to code from strings (async, generator, class, bound, Reflect.construct)',
    id: 'esc-codegen-report',
    manifest: UI_MANIFEST,
    iface: 'uiCell',
    source: `export const uiCell = () => {
      const tries: Record<string, () => unknown> = {
        async: () => Object.getPrototypeOf(async function () {}).constructor('return 1'),
        generator: () => Object.getPrototypeOf(function* () {}).constructor('yield 1'),
        asyncGenerator: () => Object.getPrototypeOf(async function* () {}).constructor('yield 1'),
        classExtends: () => { class F extends Function {} return new (F as any)('return 1'); },
        reflect: () => Reflect.construct(Function, ['return 1']),
        bound: () => Function.prototype.constructor.bind(null, 'return 1')(),
        errorCtor: () => (new Error() as any).constructor.constructor('return 1'),
        mathCtor: () => (Math.sin as any).constructor('return 1'),
      };
      const result: Record<string, string> = {};
      for (const k of Object.keys(tries)) { try { const f: any = tries[k]!(); result[k] = typeof f === 'function' ? 'GOT A FUNCTION' : typeof f; } catch (e: any) { result[k] = e.name; } }
      return ${REPORT('result')};
    };`,
    expect: expectReport({
      async: 'EvalError',
      generator: 'EvalError',
      asyncGenerator: 'EvalError',
      classExtends: 'TypeError', // the stand-in Function is not a constructor
      reflect: 'TypeError',
      bound: 'EvalError',
      errorCtor: 'EvalError',
      mathCtor: 'EvalError',
    }),
  },
  {
    name: 'dynamic import() of a computed specifier at run time',
    id: 'esc-import-runtime',
    source: `export const math = async () => { const name = ['f', 's'].join(''); await import(name); return {}; };`,
    expect: { reason: 'PLUGIN_THREW' },
  },
  {
    name: 'require() through a non-analyzable expression at run time',
    id: 'esc-require-runtime',
    source: `declare const require: any;
      export const math = () => { const r = [require][0]; return r(['f', 's'].join('')).readFileSync('/etc/passwd', 'utf8'); };`,
    expect: { reason: 'PLUGIN_THREW', detail: /require\("fs"\) is not available/ },
  },
  {
    name: 'module.constructor._load("child_process")',
    id: 'esc-module-load',
    source: `declare const module: any;
      export const math = () => module.constructor._load('child_process').execSync('id');`,
    expect: { reason: 'PLUGIN_THREW', detail: /TypeError/ },
  },
  {
    name: 'looking for host objects among the globals (__raceBoot, hostCall, ivm, process, Buffer, setTimeout, WebAssembly, SharedArrayBuffer, Atomics, …)',
    id: 'esc-globals-report',
    manifest: UI_MANIFEST,
    iface: 'uiCell',
    source: `export const uiCell = () => {
      const wanted = ['__raceBoot', '__raceHostCall', '__raceSettle', '__raceLibm', 'hostCall', 'settle', 'ivm', 'process', 'Buffer', 'require',
        'module', 'exports', 'global', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'WebAssembly', 'SharedArrayBuffer',
        'Atomics', 'console', 'Intl', 'std', 'os', 'fetch', 'XMLHttpRequest', 'eval', 'structuredClone', 'performance', 'crypto', 'gc', 'print', 'scriptArgs', 'InternalError'];
      const g: any = globalThis;
      const reachable = wanted.filter((n) => { try { return g[n] !== undefined || n in g; } catch { return true; } });
      const raceNames = Object.getOwnPropertyNames(g).filter((n) => /race|host|ivm/i.test(n));
      let libmCtor = 'absent';
      try { new (Object.getPrototypeOf(Math.sin).constructor)('return 1'); libmCtor = 'function ctor!'; } catch (e: any) { libmCtor = e.name; }
      return ${REPORT('{ reachable, raceNames, libmCtor }')};
    };`,
    expect: expectReport({ reachable: [], raceNames: [], libmCtor: 'TypeError' }),
  },
  {
    name: "`this` tricks: top-level this, a sloppy function's this, arguments.callee.caller, Error stacks",
    id: 'esc-this-report',
    manifest: UI_MANIFEST,
    iface: 'uiCell',
    source: `const top: any = this;
      const sloppyThis: any = (function (this: any) { return this; })();
      const wrapperCaller = (() => { try { return (arguments as any).callee.caller; } catch { return undefined; } })();
      export const uiCell = function (this: any) {
        const g: any = sloppyThis;
        return ${REPORT(`{
          topIsGlobal: top === globalThis,
          sloppyThisIsGlobal: g === globalThis,
          sloppyThisHasHost: !!g && ['__raceBoot', 'hostCall', 'process', 'ivm'].some((n) => n in g),
          handlerThisKeys: Object.keys(this ?? {}).sort(),
          callerIsFunction: typeof wrapperCaller === 'function',
          stackNamesHost: /node:|internal|isolated-vm|quickjs-emscripten/.test(String(new Error().stack)),
        }`)};
      };`,
    expect: expectReport({ topIsGlobal: false, sloppyThisIsGlobal: true, sloppyThisHasHost: false, handlerThisKeys: ['uiCell'], callerIsFunction: false, stackNamesHost: false }),
  },
  {
    name: 'mutating the host object (host.log, defineProperty fetch, setPrototypeOf, hasCapability)',
    id: 'esc-host-mutate',
    source: `export const math = (input: any, host: any) => {
      const r: string[] = [];
      const attempt = (label: string, f: () => void) => { try { f(); r.push(label + ':done'); } catch (e: any) { r.push(label + ':' + e.name); } };
      attempt('assign-log', () => { host.log = () => {}; });
      attempt('define-fetch', () => Object.defineProperty(host, 'fetch', { value: () => 'pwned' }));
      attempt('proto', () => Object.setPrototypeOf(host, { fetch: () => 'pwned' }));
      attempt('assign-cap', () => { host.hasCapability = () => true; });
      host.log('log still works', r.join(' '), typeof host.fetch, host.hasCapability('fetch'));
      return ${OK_OUT};
    };`,
    expect: {
      output: (value, logs) => {
        sevens(value);
        expect(logs).toEqual(['log still works assign-log:done define-fetch:TypeError proto:TypeError assign-cap:done undefined false']);
      },
    },
  },
  {
    name: 'forging capabilities by hijacking Array.prototype.indexOf/includes (the prelude must not trust them)',
    id: 'esc-cap-forge',
    manifest: UI_MANIFEST,
    iface: 'uiCell',
    source: `let calls = 0;
      export const uiCell = async (_input: any, host: any) => {
        calls++;
        Array.prototype.indexOf = () => 0;
        Array.prototype.includes = () => true;
        let fetched = 'no fetch';
        if (typeof host.fetch === 'function') { try { await host.fetch('http://127.0.0.1/'); fetched = 'fetched!'; } catch (e: any) { fetched = e.message; } }
        return ${REPORT('{ calls, hasFetch: typeof host.fetch, cap: host.hasCapability("fetch"), fetched }')};
      };`,
    expect: expectReport({ calls: 1, hasFetch: 'undefined', cap: false, fetched: 'no fetch' }),
  },
];

const PROTOCOL: HostileCase[] = [
  {
    name: 'redefining JSON.stringify / JSON.parse to corrupt the output encoding',
    id: 'proto-json',
    source: `export const math = (input: any) => { JSON.stringify = () => '"hacked"'; (JSON as any).parse = () => ({ hacked: true }); return ${OK_OUT}; };`,
    expect: { output: sevens },
  },
  {
    name: 'redefining Array.prototype.push and the array iterator',
    id: 'proto-push',
    source: `export const math = (input: any) => {
      Array.prototype.push = function () { throw new Error('push hijacked'); };
      (Array.prototype as any)[Symbol.iterator] = function* () { yield 'hijacked'; };
      Object.defineProperty(Array.prototype, '0', { set() {}, get() { return 'x'; }, configurable: true });
      return ${OK_OUT};
    };`,
    expect: { output: sevens },
  },
  {
    name: 'Object.prototype.toJSON: forging the reply header',
    id: 'proto-tojson',
    source: `export const math = (input: any) => {
      (Object.prototype as any).toJSON = function () { return { status: 'error', code: 'TIMEOUT', logs: ['forged'] }; };
      (Array.prototype as any).toJSON = function () { return 'forged'; };
      return ${OK_OUT};
    };`,
    expect: { output: (value, logs) => { sevens(value); expect(logs).toEqual([]); } },
  },
  {
    name: 'Map.prototype.get/set and Promise.prototype.then hijacked before an async result',
    id: 'proto-map-promise',
    source: `export const math = async (input: any) => {
      Map.prototype.get = function () { return undefined; };
      Map.prototype.set = function (this: any) { return this; };
      Promise.prototype.then = function (this: any) { return this; } as any;
      (globalThis as any).Promise = { resolve: () => ({ then() {} }) };
      await null;
      return ${OK_OUT};
    };`,
    expect: { output: sevens },
  },
  {
    name: 'a look-alike Float64Array (Symbol.hasInstance, a fake buffer) and a hijacked typed-array buffer getter',
    id: 'proto-fake-typed',
    source: `export const math = (input: any) => {
      Object.defineProperty(Float64Array, Symbol.hasInstance, { value: () => true });
      Object.defineProperty(Object.getPrototypeOf(Int8Array.prototype), 'buffer', { get() { return new ArrayBuffer(800); } });
      (Float64Array.prototype as any).slice = function () { return { buffer: { evil: true } }; };
      return { out: { length: 5, buffer: new ArrayBuffer(40), BYTES_PER_ELEMENT: 8 } };
    };`,
    expect: { reason: 'OUTPUT_INVALID', field: 'out' },
  },
  {
    name: 'an error whose name getter throws, with String#slice hijacked',
    id: 'proto-weird-throw',
    source: `export const math = () => {
      const e = new Error('x');
      Object.defineProperty(e, 'name', { get() { throw new Error('getter'); } });
      String.prototype.slice = function () { return 'forged'; };
      throw e;
    };`,
    expect: { reason: 'PLUGIN_THREW', detail: /unreadable error/ },
  },
  {
    name: 'a module whose top level throws a message that mimics the engine ("Script execution timed out.")',
    id: 'proto-fake-timeout',
    source: `throw new Error('Script execution timed out.'); export const math = () => ({});`,
    expect: { reason: 'LOAD_FAILED', detail: /timed out/ },
  },
  {
    name: 'a module whose top level throws "Isolate was disposed during execution due to memory limit"',
    id: 'proto-fake-oom',
    source: `throw new Error('Isolate was disposed during execution due to memory limit'); export const math = () => ({});`,
    expect: { reason: 'LOAD_FAILED' },
  },
];

const LOOPS: HostileCase[] = [
  { name: 'while (true) {}', id: 'loop-sync', source: `export const math = () => { while (true) {} };`, expect: { reason: 'TIMEOUT' } },
  {
    name: 'an infinite loop inside a promise job',
    id: 'loop-job',
    source: `export const math = async () => { await null; for (;;) {} };`,
    expect: { reason: 'TIMEOUT' },
  },
  {
    name: 'for(;;){ try { while(true){} } catch {} } — the interrupt must not be catchable',
    id: 'loop-catch',
    source: `export const math = () => { for (;;) { try { while (true) {} } catch {} } };`,
    expect: { reason: 'TIMEOUT' },
  },
  {
    name: 'catastrophic regular-expression backtracking',
    id: 'loop-regex',
    source: `export const math = () => { /(a+)+$/.test('a'.repeat(40) + 'b'); return {}; };`,
    expect: { reason: 'TIMEOUT' },
  },
  {
    name: 'an output getter that never returns',
    id: 'loop-getter',
    source: `export const math = () => ({ get out(): Float64Array { for (;;) {} } });`,
    expect: { reason: 'TIMEOUT' },
  },
  {
    name: 'a never-ending chain of promise jobs',
    id: 'flood-spin',
    source: `export const math = () => { const spin = (): void => { Promise.resolve().then(spin); }; spin(); return new Promise(() => {}); };`,
    expect: { reason: 'TIMEOUT' },
  },
  {
    name: 'a promise that never resolves',
    id: 'flood-never',
    source: `export const math = () => new Promise(() => {});`,
    expect: { reason: 'TIMEOUT', detail: /did not finish/ },
  },
];

const MEMORY: HostileCase[] = [
  {
    name: 'millions of small objects',
    id: 'mem-objects',
    source: `export const math = () => { const keep: any[] = []; for (let i = 0; ; i++) keep.push({ i, s: 'x' + i }); };`,
    limits: LONG,
    expect: { reason: 'MEMORY_LIMIT' },
  },
  {
    name: 'a few huge ArrayBuffers (20 × 100 MB)',
    id: 'mem-big-buffers',
    source: `export const math = () => { const keep: ArrayBuffer[] = []; for (let i = 0; i < 20; i++) keep.push(new ArrayBuffer(100 * 1024 * 1024)); return {}; };`,
    limits: LONG,
    expect: { reason: 'MEMORY_LIMIT' },
  },
  {
    name: 'many 8 MB typed arrays (each under the budget, together over it)',
    id: 'mem-mid-buffers',
    source: `export const math = () => { const keep: Float64Array[] = []; for (let i = 0; i < 40; i++) keep.push(new Float64Array(1024 * 1024)); return {}; };`,
    limits: LONG,
    expect: { reason: 'MEMORY_LIMIT' },
  },
  {
    name: 'string doubling, flattened at every step',
    id: 'mem-string-flat',
    source: `export const math = () => { let s = 'x'; for (;;) { s += s; s = s.slice(1) + 'y'; s.indexOf('z'); } };`,
    limits: LONG,
    expect: { reason: 'MEMORY_LIMIT' },
  },
  {
    name: "string doubling as ropes, up to the engine's maximum string length",
    id: 'mem-string-rope',
    source: `export const math = () => { let s = 'x'; for (;;) s += s; };`,
    expect: { reason: 'PLUGIN_THREW', detail: /RangeError/ },
  },
  {
    name: 'millions of chained then()s',
    id: 'flood-chain',
    source: `export const math = () => { let p: Promise<unknown> = Promise.resolve(); for (let i = 0; i < 5e6; i++) p = p.then(() => {}); return p.then(() => ({})); };`,
    limits: LONG,
    expect: { reason: 'MEMORY_LIMIT' },
  },
  {
    name: 'a memory bomb at module top level',
    id: 'mem-top-level',
    source: `const keep: any[] = []; for (;;) keep.push({ keep }); export const math = () => ({});`,
    expect: { reason: 'MEMORY_LIMIT' },
  },
];

const RECURSION: HostileCase[] = [
  {
    name: 'unbounded recursion',
    id: 'rec-plain',
    source: `export const math = () => { const f = (n: number): number => f(n + 1) + 1; return f(0); };`,
    expect: { reason: 'STACK_OVERFLOW' },
  },
  {
    name: 'native recursion: JSON.stringify of a 100 000-deep array (overflows the host stack under QuickJS)',
    id: 'rec-native-json',
    source: `export const math = () => { let a: any = []; for (let i = 0; i < 1e5; i++) a = [a]; JSON.stringify(a); return {}; };`,
    expect: { reason: 'STACK_OVERFLOW' },
  },
  {
    name: 'native recursion: Array#join of a 100 000-deep array',
    id: 'rec-native-join',
    source: `export const math = () => { let a: any = []; for (let i = 0; i < 1e5; i++) a = [a]; String(a); return {}; };`,
    expect: { reason: 'STACK_OVERFLOW' },
  },
  {
    name: 'recursion that catches its own stack overflow and recurses again',
    id: 'rec-catch',
    source: `export const math = () => { const f = (n: number): number => { try { return f(n + 1) + 1; } catch { return f(n + 1); } }; return f(0); };`,
    expect: { reason: 'TIMEOUT' },
  },
  {
    name: 'native recursion at module top level (JSON.stringify of a 100 000-deep array)',
    id: 'rec-top-native',
    source: `let a: any = []; for (let i = 0; i < 1e5; i++) a = [a]; JSON.stringify(a); export const math = () => ({});`,
    expect: { reason: 'LOAD_FAILED' },
  },
  {
    name: 'deep recursion at module top level',
    id: 'rec-top-level',
    source: `const f = (n: number): number => f(n + 1) + 1; f(0); export const math = () => ({});`,
    expect: { reason: 'LOAD_FAILED', detail: /stack/i },
  },
];

const OUTPUTS: HostileCase[] = [
  {
    name: 'a 100M-element array',
    id: 'out-huge-array',
    manifest: UI_MANIFEST,
    iface: 'uiCell',
    source: `export const uiCell = () => ({ type: 'sparkline', values: new Array(1e8) });`,
    expect: { reason: 'OUTPUT_UNSERIALIZABLE', detail: /100000000 items at values is over the limit/ },
  },
  {
    name: 'a giant string (8 MB)',
    id: 'out-giant-string',
    manifest: UI_MANIFEST,
    iface: 'uiCell',
    source: `export const uiCell = () => ({ type: 'text', text: 'x'.repeat(8e6) });`,
    limits: LONG,
    expect: { reason: 'OUTPUT_INVALID', field: 'text' },
  },
  {
    name: 'a string too big for the budget (200 MB)',
    id: 'out-string-bomb',
    manifest: UI_MANIFEST,
    iface: 'uiCell',
    source: `export const uiCell = () => ({ type: 'text', text: 'x'.repeat(2e8) });`,
    limits: LONG,
    expect: { reason: 'MEMORY_LIMIT' },
  },
  {
    name: 'a cyclic object',
    id: 'out-cycle',
    source: `export const math = () => { const o: any = { out: null }; o.out = o; return o; };`,
    expect: { reason: 'OUTPUT_UNSERIALIZABLE', detail: /circular at out/ },
  },
  {
    name: 'a function in the output',
    id: 'out-function',
    source: `export const math = () => ({ out: () => 1 });`,
    expect: { reason: 'OUTPUT_UNSERIALIZABLE', detail: /function at out/ },
  },
  {
    name: 'symbols and BigInts in the output',
    id: 'out-symbol',
    source: `export const math = () => ({ out: [1, 2n, Symbol('x')] });`,
    expect: { reason: 'OUTPUT_UNSERIALIZABLE', detail: /bigint at out\[1\]/ },
  },
  {
    name: 'an output getter that throws',
    id: 'out-getter-throws',
    source: `export const math = () => ({ get out(): Float64Array { throw new Error('boom from a getter'); } });`,
    expect: { reason: 'OUTPUT_UNSERIALIZABLE', detail: /boom from a getter/ },
  },
  {
    name: 'a Proxy output that pretends to be a valid result',
    id: 'out-proxy',
    source: `export const math = (input: any) => new Proxy({}, {
      ownKeys: () => ['out'],
      getOwnPropertyDescriptor: () => ({ value: 1, enumerable: true, configurable: true }),
      get: () => new Float64Array(input.channels.rpm.length).fill(7),
    });`,
    expect: { output: sevens },
  },
  {
    name: 'a Proxy output whose traps throw',
    id: 'out-proxy-throws',
    source: `export const math = () => new Proxy({}, { ownKeys() { throw new Error('trap'); } });`,
    expect: { reason: 'OUTPUT_UNSERIALIZABLE', detail: /trap/ },
  },
  {
    name: 'a Proxy around a Float64Array',
    id: 'out-proxy-typed',
    source: `export const math = (input: any) => ({ out: new Proxy(new Float64Array(input.channels.rpm.length), {}) });`,
    expect: { reason: 'OUTPUT_INVALID', field: 'out' },
  },
  {
    name: 'nesting deeper than the protocol allows',
    id: 'out-deep',
    source: `export const math = () => { let o: any = {}; for (let i = 0; i < 1000; i++) o = { o }; return o; };`,
    expect: { reason: 'OUTPUT_UNSERIALIZABLE', detail: /nests deeper/ },
  },
  {
    name: 'a __proto__ key in the output (must not reach the host as a prototype)',
    id: 'out-proto-key',
    source: `export const math = (input: any) => Object.assign(JSON.parse('{"__proto__": {"polluted": true}}'), ${OK_OUT});`,
    expect: { output: (value) => { sevens(value); expect(Object.getPrototypeOf(value)).toBe(Object.prototype); expect(({} as Record<string, unknown>).polluted).toBeUndefined(); } },
  },
];

const MODULES: HostileCase[] = [
  {
    name: 'the module top level throws',
    id: 'mod-throws',
    source: `throw new Error('refusing to load'); export const math = () => ({});`,
    expect: { reason: 'LOAD_FAILED', detail: /refusing to load/ },
  },
  {
    name: 'the module top level loops forever (stopped by the load deadline)',
    id: 'mod-loops',
    source: `while (true) {} export const math = () => ({});`,
    expect: { reason: 'TIMEOUT' },
  },
  {
    name: 'the interface exported as a number',
    id: 'mod-not-function',
    source: `export const math = 42;`,
    expect: { reason: 'NO_INTERFACE' },
  },
  {
    name: 'the interface behind a getter that throws',
    id: 'mod-export-getter',
    source: `declare const module: any; Object.defineProperty(module.exports, 'math', { get() { throw new Error('no interface for you'); }, enumerable: true });`,
    expect: { reason: 'PLUGIN_THREW', detail: /no interface for you/ },
  },
  {
    name: 'wrong type: a plain array where a Float64Array is due',
    id: 'type-array',
    source: `export const math = () => ({ out: [1, 2, 3, 4, 5] });`,
    expect: { reason: 'OUTPUT_INVALID', field: 'out' },
  },
  {
    name: 'wrong length: fewer samples than the input',
    id: 'type-length',
    source: `export const math = () => ({ out: new Float64Array(3) });`,
    expect: { reason: 'OUTPUT_INVALID', field: 'out', detail: /3 samples, expected 5/ },
  },
  {
    name: 'an output channel the manifest does not declare',
    id: 'type-undeclared',
    source: `export const math = (input: any) => ({ ...${OK_OUT}, extra: new Float64Array(5) });`,
    expect: { reason: 'OUTPUT_INVALID', field: 'extra' },
  },
  {
    name: 'a KPI whose value is a string',
    id: 'type-kpi',
    manifest: KPI_MANIFEST,
    iface: 'kpiProcessor',
    source: `export const kpiProcessor = () => [{ name: 'best', value: 'fast', unit: 's', better: 'lower' }];`,
    expect: { reason: 'OUTPUT_INVALID', field: '0.value' },
  },
  {
    name: 'a log flood (100 000 lines, one of 10 MB)',
    id: 'log-flood',
    source: `export const math = (input: any, host: any) => { host.log('x'.repeat(1e7)); for (let i = 0; i < 1e5; i++) host.log('line', i); return ${OK_OUT}; };`,
    limits: { timeMs: 5000, logLines: 5 },
    expect: { output: (value, logs) => { sevens(value); expect(logs).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4', expect.stringMatching(/^… 99996 more log lines dropped/)]); } },
  },
];

describe('hostile plugins: the same clear failure in QuickJS and V8, and the host keeps serving', () => {
  const groups: [string, HostileCase[]][] = [
    ['escape attempts', ESCAPES],
    ['protocol tampering', PROTOCOL],
    ['infinite loops and promise floods', LOOPS],
    ['memory bombs', MEMORY],
    ['deep recursion', RECURSION],
    ['huge and broken outputs', OUTPUTS],
    ['broken modules and wrong types', MODULES],
  ];
  for (const [group, cases] of groups) {
    describe(group, () => {
      for (const c of cases) it(`${c.id}: ${c.name}`, () => runCase(c).then(() => undefined));
    });
  }

  it('the corpus has at least 30 hostile plugins', () => {
    // plus the build-rejected ones and the state-leak and fetch plugins below
    expect(groups.reduce((n, [, cases]) => n + cases.length, 0)).toBeGreaterThanOrEqual(30);
  });
});

const BUILD_REJECTED = [
  { id: 'build-import', source: `export const math = async () => { await import('fs'); return {}; };`, error: /dynamic import\("fs"\) is not available/ },
  { id: 'build-require', source: `declare const require: any; const fs = require('fs'); export const math = () => fs.readFileSync('/etc/passwd');`, error: /Node built-in "fs"/ },
  { id: 'build-node-import', source: `import { execSync } from 'node:child_process'; export const math = () => execSync('id');`, error: /Node built-in "node:child_process"/ },
];

describe('what the build refuses', () => {
  for (const c of BUILD_REJECTED) {
    it(`${c.id}: never becomes a bundle`, async () => {
      await expect(build(c)).rejects.toThrow(c.error);
    });
  }
});

describe('state that must not leak', () => {
  it('Object.prototype pollution stays inside the polluting plugin (and its account)', async () => {
    const polluter = await build({
      id: 'leak-polluter',
      manifest: UI_MANIFEST,
      source: `let calls = 0;
        export const uiCell = () => {
          calls++;
          const before = { polluted: ({} as any).polluted ?? null, map: [1, 2].map((x) => x * 2).join() };
          (Object.prototype as any).polluted = 'yes';
          Array.prototype.map = function () { return ['hijacked'] as any; };
          Object.defineProperty(Object.prototype, 'status', { get() { return 'error'; }, set() { throw new Error('no status for you'); }, configurable: true });
          return ${REPORT('{ calls, before }')};
        };`,
    });
    const probe = await build({
      id: 'leak-probe',
      manifest: UI_MANIFEST,
      source: `export const uiCell = () => ${REPORT(`{ polluted: ({} as any).polluted ?? null, map: [1, 2].map((x) => x * 2).join(), status: typeof ({} as any).status }`)};`,
    });
    for (const runtime of RUNTIME_KINDS) {
      const first = await invoke(polluter, { iface: 'uiCell' }, runtime);
      expect(first.ok && textOf(first.output)).toEqual({ calls: 1, before: { polluted: null, map: '2,4' } });
      // another plugin, same account: a realm of its own
      const other = await invoke(probe, { iface: 'uiCell' }, runtime);
      expect(other.ok && textOf(other.output)).toEqual({ polluted: null, map: '2,4', status: 'undefined' });
      // the same plugin under another account: another instance
      const elsewhere = await invoke(polluter, { iface: 'uiCell', accountId: 'other' }, runtime);
      expect(elsewhere.ok && textOf(elsewhere.output)).toEqual({ calls: 1, before: { polluted: null, map: '2,4' } });
      // the same plugin and account: its own warm module state (by design), and the call protocol
      // still works although Object.prototype has a throwing \`status\` setter and Array#map is hijacked
      const again = await invoke(polluter, { iface: 'uiCell' }, runtime);
      expect(again.ok && textOf(again.output)).toEqual({ calls: 2, before: { polluted: 'yes', map: 'hijacked' } });
      await hostStillServes(runtime);
    }
  });

  it("storage: plugin A's key is invisible to plugin B and to plugin A under another account", async () => {
    const storageManifest: Manifest = { interfaces: ['uiCell'], capabilities: [{ name: 'storage', reason: 'remember things' }] };
    const writer = await build({
      id: 'store-a',
      manifest: storageManifest,
      source: `export const uiCell = async (_i: any, host: any) => {
        const before = await host.storage.get('secret');
        await host.storage.put('secret', 'a-private-value');
        return ${REPORT(`{ before, after: await host.storage.get('secret'), keys: await host.storage.list() }`)};
      };`,
    });
    const reader = await build({
      id: 'store-b',
      manifest: storageManifest,
      source: `export const uiCell = async (_i: any, host: any) => {
        const tries = [await host.storage.get('secret'), await host.storage.list(), await host.storage.list('%'), await host.storage.get("secret' OR '1'='1"),
          await host.storage.list("' OR 1=1 --"), await host.storage.delete('secret')];
        return ${REPORT('tries')};
      };`,
    });
    const ungranted = await build({
      id: 'store-c',
      manifest: storageManifest,
      source: `export const uiCell = async (_i: any, host: any) => {
        let result = 'no storage object';
        if (host.storage) result = 'storage present';
        return ${REPORT('{ result, cap: host.hasCapability("storage") }')};
      };`,
    });
    for (const account of ['local', 'other']) {
      service.grants.grant(account, 'store-a', 'storage');
      service.grants.grant(account, 'store-b', 'storage');
    }
    for (const runtime of RUNTIME_KINDS) {
      db.prepare('DELETE FROM plugin_storage').run();
      const a = await invoke(writer, { iface: 'uiCell' }, runtime);
      expect(a.ok && textOf(a.output)).toEqual({ before: null, after: 'a-private-value', keys: ['secret'] });
      const b = await invoke(reader, { iface: 'uiCell' }, runtime);
      expect(b.ok && textOf(b.output)).toEqual([null, [], [], null, [], false]);
      const aElsewhere = await invoke(writer, { iface: 'uiCell', accountId: 'other' }, runtime);
      expect(aElsewhere.ok && textOf(aElsewhere.output)).toEqual({ before: null, after: 'a-private-value', keys: ['secret'] });
      const c = await invoke(ungranted, { iface: 'uiCell' }, runtime);
      expect(c.ok && textOf(c.output)).toEqual({ result: 'no storage object', cap: false });
      // the row plugin A wrote is still A's own, in each account
      const rows = db.prepare('SELECT account_id, plugin_id, key, value FROM plugin_storage ORDER BY account_id').all();
      expect(rows).toEqual([
        { account_id: 'local', plugin_id: 'store-a', key: 'secret', value: 'a-private-value' },
        { account_id: 'other', plugin_id: 'store-a', key: 'secret', value: 'a-private-value' },
      ]);
      await hostStillServes(runtime);
    }
  });
});

describe('fetch', () => {
  const fetchManifest: Manifest = { interfaces: ['uiCell'], capabilities: [{ name: 'fetch', reason: 'talk to the timing box', hosts: ['127.0.0.1'] }] };

  it('hosts outside the allow-list are refused before any connection; loopback works; redirects are not followed', async () => {
    const plugin = await build({
      id: 'fetch-outside',
      manifest: fetchManifest,
      source: `export const uiCell = async (_i: any, host: any) => {
          const urls = ['http://example.com/', 'http://169.254.169.254/latest/meta-data/', 'https://example.com:443/', 'http://127.0.0.1.nip.io/',
            'http://127.0.0.1@example.com/', 'http://example.com#@127.0.0.1/', 'http://[::ffff:a9fe:a9fe]/', 'http://localhost/', 'file:///etc/passwd',
            'http://127.0.0.1:${port}/redirect', 'http://127.0.0.1:${port}/hello'];
          const seen: string[] = [];
          for (const url of urls) {
            try { const r = await host.fetch(url); seen.push('answered ' + r.status + ' ' + r.body); }
            catch (e: any) { seen.push('rejected: ' + e.message); }
          }
          return { type: 'text', text: seen.join('\\n') };
        };`,
    });
    service.grants.grant('local', 'fetch-outside', 'fetch');
    requested.length = 0;
    hits.length = 0;
    const texts: string[] = [];
    for (const runtime of RUNTIME_KINDS) {
      const r = await invoke(plugin, { iface: 'uiCell', limits: { timeMs: 3000 } }, runtime);
      if (!r.ok) throw r.error;
      texts.push((r.output as { text: string }).text);
      await hostStillServes(runtime);
    }
    expect(texts[0]).toBe(texts[1]);
    const lines = texts[0]!.split('\n');
    expect(lines.slice(0, 8)).toEqual([
      "rejected: fetch: example.com is not in the plugin's allowed hosts (127.0.0.1)",
      "rejected: fetch: 169.254.169.254 is not in the plugin's allowed hosts (127.0.0.1)",
      "rejected: fetch: example.com is not in the plugin's allowed hosts (127.0.0.1)",
      "rejected: fetch: 127.0.0.1.nip.io is not in the plugin's allowed hosts (127.0.0.1)",
      "rejected: fetch: example.com is not in the plugin's allowed hosts (127.0.0.1)",
      "rejected: fetch: example.com is not in the plugin's allowed hosts (127.0.0.1)",
      "rejected: fetch: [::ffff:a9fe:a9fe] is not in the plugin's allowed hosts (127.0.0.1)",
      "rejected: fetch: localhost is not in the plugin's allowed hosts (127.0.0.1)",
    ]);
    expect(lines[8]).toBe('rejected: fetch: only http and https URLs, not file:');
    expect(lines[9]).toBe('answered 302 '); // the redirect to the metadata address is handed back, not followed
    expect(lines[10]).toBe('answered 200 hello from loopback');
    // only loopback was ever asked for, and only the two allowed requests per engine were made
    expect(requested.every((u) => new URL(u).hostname === '127.0.0.1')).toBe(true);
    expect(hits).toEqual(['/redirect', '/hello', '/redirect', '/hello']);
  });

  it('a fetch that finishes after its call has ended cannot run guest code outside the call', async () => {
    const plugin = await build({
      id: 'fetch-late',
      manifest: fetchManifest,
      source: `export const uiCell = (_i: any, host: any) => {
        host.fetch('http://127.0.0.1:${port}/slow').then(() => { for (;;) {} });
        return { type: 'text', text: 'returned before the answer' };
      };`,
    });
    service.grants.grant('local', 'fetch-late', 'fetch');
    for (const runtime of RUNTIME_KINDS) {
      // a generous limit: the answer arrives (400 ms) while the instance is idle and healthy
      const r = await invoke(plugin, { iface: 'uiCell', limits: { timeMs: 2000 } }, runtime);
      expect(r.ok && (r.output as { text: string }).text).toBe('returned before the answer');
      await new Promise((resolve) => setTimeout(resolve, 600)); // the answer has come and gone
      await hostStillServes(runtime);
      const again = await invoke(plugin, { iface: 'uiCell', limits: { timeMs: 2000 } }, runtime);
      expect(again.ok).toBe(true); // the warm instance is still healthy
    }
  });

  it('without the grant there is no host.fetch, and the host refuses anyway', async () => {
    const plugin = await build({
      id: 'fetch-ungranted',
      manifest: fetchManifest,
      source: `export const uiCell = async (_i: any, host: any) => {
        let r = 'no fetch';
        try { await host.fetch('http://127.0.0.1/'); r = 'fetched'; } catch (e: any) { r = e.name; }
        return ${REPORT('{ r, cap: host.hasCapability("fetch") }')};
      };`,
    });
    requested.length = 0;
    for (const runtime of RUNTIME_KINDS) {
      const o = await invoke(plugin, { iface: 'uiCell' }, runtime);
      expect(o.ok && textOf(o.output)).toEqual({ r: 'TypeError', cap: false });
      await hostStillServes(runtime);
    }
    expect(requested).toEqual([]);
  });
});

describe('after the corpus', () => {
  it('no warm instance was left broken: every runtime still answers, twice', async () => {
    for (const runtime of RUNTIME_KINDS) {
      await hostStillServes(runtime);
      await new Promise((resolve) => setTimeout(resolve, 350)); // longer than a call's time limit
      await hostStillServes(runtime);
    }
  });
});

// Found while building this corpus; fixed by running V8 isolates in a supervised child
// process (runtime/v8-process.ts): a fatal V8 out-of-memory kills only that process, and a
// builtin that never checks for termination is stopped by the parent's hard deadline.
describe('V8 failures that take down a whole V8 process', () => {
  it('Array.from({ length: 1e8 }) — a fatal V8 OOM — ends as MEMORY_LIMIT and the host carries on', async () => {
    await runCase({
      name: 'one huge allocation',
      id: 'mem-array-from-1e8',
      source: `export const math = () => ({ out: Array.from({ length: 1e8 }, (_, i) => i) as any });`,
      limits: LONG,
      expect: { reason: 'MEMORY_LIMIT' },
    });
  }, 60_000);

  // In an isolate of the server's own process (isolated-vm, memoryLimit 128) this one ends the
  // process: V8's last-resort GC fails and it aborts ("CALL_AND_RETRY_LAST", is_heap_oom) —
  // the isolate's memory limit never gets to dispose the isolate. Measured 2026-11-25.
  it('an object grown key by key (V8 dictionary mode) — a fatal V8 OOM in-process — ends as MEMORY_LIMIT and the host carries on', async () => {
    await runCase({
      name: 'dictionary growth',
      id: 'mem-dictionary-1e8',
      source: `export const math = () => { const o: Record<string, number> = {}; for (let i = 0; i < 1e8; i++) o['k' + i] = i; return { out: [Object.keys(o).length] as any }; };`,
      limits: LONG,
      expect: { reason: 'MEMORY_LIMIT' },
    });
  }, 60_000);

  it('new Array(1e8).fill(0) — a builtin that ignores termination — is stopped near its budget', async () => {
    const started = performance.now();
    const bundle = await build({ id: 'mem-array-fill-1e8', source: `export const math = () => ({ out: new Array(1e8).fill(0) as any });` });
    for (const runtime of RUNTIME_KINDS) {
      const o = await invoke(bundle, { limits: { timeMs: 300 } }, runtime);
      expect(o.ok).toBe(false);
      if (!o.ok) expect(['MEMORY_LIMIT', 'TIMEOUT']).toContain((o.error as PluginError).reason);
      await hostStillServes(runtime);
    }
    expect(performance.now() - started).toBeLessThan(15_000);
  }, 60_000);

  it.todo('V8: the heap limit is soft for short peaks — "x".repeat(2e7).split("") briefly holds ~160 MB under a 32 MB budget and succeeds (its own process bounds the damage)');
});
