// Finds QuickJS's libm functions inside its .wasm by what they compute. The release
// build has no names, so every internal function of type (f64)→f64 or (f64,f64)→f64 is
// cut out on its own and run on probe inputs; the one whose every result equals
// QuickJS's own Math.<fn>, bit for bit, is that function. Run on a QuickJS upgrade
// (`npm run detmath:identify`); the result is the committed manifest.
import { Worker } from 'node:worker_threads';
import { newQuickJSWASMModuleFromVariant } from 'quickjs-emscripten';
import { extractFunctions } from './wasm-extract.ts';
import { BINARY_LIBM, LIBM_FUNCTIONS, UNARY_LIBM, type LibmFunction } from './libm-functions.ts';
import { QUICKJS_VARIANT_PACKAGE } from './quickjs-wasm.ts';
import { sha256Hex } from '../../platform/sha256.ts';

const F64 = 0x7c;

/** Deterministic probe values: specials, boundaries and a spread of magnitudes. */
export function probeInputs(): { x: Float64Array; y: Float64Array } {
  const specials = [0, -0, 1, -1, 0.5, -0.5, 2, -2, 3, 10, 0.1, 1e-300, 5e-324, 1e300, 1.7976931348623157e308, Infinity, -Infinity, NaN, Math.PI, Math.PI / 2, 709.78, -745.13, 710.5, 1e-8, 0.9999999, 1.0000001];
  const xs: number[] = [];
  const ys: number[] = [];
  for (const a of specials) for (const b of specials) {
    xs.push(a);
    ys.push(b);
  }
  let s = 0x9e3779b9;
  const rand = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  for (let i = 0; i < 3000; i++) {
    const mag = 10 ** (rand() * 40 - 20);
    xs.push((rand() < 0.5 ? -1 : 1) * mag * rand());
    ys.push((rand() < 0.3 ? -1 : 1) * (rand() < 0.5 ? Math.floor(rand() * 20) : rand() * 8));
  }
  return { x: Float64Array.from(xs), y: Float64Array.from(ys) };
}

/** Types and bodies of the defined functions, enough to list the candidates. */
function candidates(bytes: Uint8Array): { index: number; arity: 1 | 2 }[] {
  const m = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  void m; // validates
  let p = 8;
  const leb = () => {
    let r = 0;
    let sh = 0;
    let b: number;
    do {
      b = bytes[p++]!;
      r += (b & 0x7f) * 2 ** sh;
      sh += 7;
    } while (b & 0x80);
    return r;
  };
  const types: { params: number[]; results: number[] }[] = [];
  let imported = 0;
  let funcTypes: number[] = [];
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const size = leb();
    const end = p + size;
    if (id === 1) {
      for (let n = leb(), i = 0; i < n; i++) {
        p++;
        const params = Array.from({ length: leb() }, () => bytes[p++]!);
        const results = Array.from({ length: leb() }, () => bytes[p++]!);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = leb(), i = 0; i < n; i++) {
        for (let k = 0; k < 2; k++) {
          const len = leb(); // module and field names
          p += len;
        }
        const kind = bytes[p++]!;
        if (kind === 0) {
          leb();
          imported++;
        } else if (kind === 2 || kind === 1) {
          if (kind === 1) p++;
          const flags = bytes[p++]!;
          leb();
          if (flags & 1) leb();
        } else p += 2;
      }
    } else if (id === 3) {
      funcTypes = Array.from({ length: leb() }, () => leb());
    }
    p = end;
  }
  const out: { index: number; arity: 1 | 2 }[] = [];
  funcTypes.forEach((t, i) => {
    const { params, results } = types[t]!;
    if (results.length !== 1 || results[0] !== F64 || !params.every((x) => x === F64)) return;
    if (params.length === 1 || params.length === 2) out.push({ index: i + imported, arity: params.length as 1 | 2 });
  });
  return out;
}

const CANDIDATE_WORKER = `
const { parentPort, workerData: { module, arity, x, y, refs } } = require('node:worker_threads');
const f = new WebAssembly.Instance(new WebAssembly.Module(module), {}).exports.f;
const same = (a, b) => Object.is(a, b) || (a !== a && b !== b);
let match = -1;
try {
  for (let r = 0; r < refs.length && match < 0; r++) {
    let ok = true;
    for (let i = 0; i < x.length && ok; i++) ok = same(arity === 1 ? f(x[i]) : f(x[i], y[i]), refs[r][i]);
    if (ok) match = r;
  }
} catch {}
parentPort.postMessage(match);
`;

/** Index into refs of the function the candidate reproduces exactly, or -1. */
function runCandidate(module: Uint8Array, arity: 1 | 2, x: Float64Array, y: Float64Array, refs: Float64Array[]): Promise<number> {
  return new Promise((resolve) => {
    const worker = new Worker(CANDIDATE_WORKER, { eval: true, workerData: { module, arity, x, y, refs } });
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve(-1);
    }, 2000);
    worker.once('message', (m: number) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', () => {
      clearTimeout(timer);
      resolve(-1);
    });
  });
}

export interface LibmManifest {
  package: string;
  packageVersion: string;
  sha256: string;
  functions: Record<LibmFunction, number>;
}

export async function identifyLibm(wasm: Uint8Array, packageVersion: string): Promise<LibmManifest> {
  const { x, y } = probeInputs();
  const variant = await import(QUICKJS_VARIANT_PACKAGE);
  const QuickJS = await newQuickJSWASMModuleFromVariant(variant.default ?? variant);
  const ctx = QuickJS.newContext();
  const reference = new Map<LibmFunction, Float64Array>();
  try {
    for (const fn of LIBM_FUNCTIONS) {
      const two = (BINARY_LIBM as readonly string[]).includes(fn);
      const xh = ctx.newArrayBuffer(x.slice().buffer);
      const yh = ctx.newArrayBuffer(y.slice().buffer);
      const f = ctx.unwrapResult(
        ctx.evalCode(`(function (bx, by) { const x = new Float64Array(bx), y = new Float64Array(by), o = new Float64Array(x.length);
          for (let i = 0; i < x.length; i++) o[i] = ${two ? `Math.${fn}(x[i], y[i])` : `Math.${fn}(x[i])`}; return o.buffer; })`),
      );
      const r = ctx.unwrapResult(ctx.callFunction(f, ctx.undefined, xh, yh));
      const view = ctx.getArrayBuffer(r);
      reference.set(fn, new Float64Array(view.value.slice().buffer));
      view.dispose();
      r.dispose();
      f.dispose();
      xh.dispose();
      yh.dispose();
    }
  } finally {
    ctx.dispose();
  }

  const found: Partial<Record<LibmFunction, number>> = {};
  for (const c of candidates(wasm)) {
    let module: Uint8Array;
    try {
      module = extractFunctions(wasm, { f: c.index }).module;
    } catch {
      continue; // calls out of the libm (imports, tables): not a math function
    }
    const open = (c.arity === 1 ? UNARY_LIBM : BINARY_LIBM).filter((fn) => found[fn] === undefined);
    if (open.length === 0) continue;
    const refs = open.map((fn) => reference.get(fn)!);
    // An arbitrary internal function may loop forever on some input: run it in a worker
    // that is terminated after a deadline.
    const match = await runCandidate(module, c.arity, x, y, refs);
    if (process.env.RACE_DEBUG_IDENTIFY) console.error(c.index, open.join(","), match);
    if (match >= 0) found[open[match]!] = c.index;
  }
  const missing = LIBM_FUNCTIONS.filter((fn) => found[fn] === undefined);
  if (missing.length) throw new Error(`QuickJS's ${missing.join(', ')} not found in ${QUICKJS_VARIANT_PACKAGE}`);
  return { package: QUICKJS_VARIANT_PACKAGE, packageVersion, sha256: sha256Hex(wasm), functions: found as Record<LibmFunction, number> };
}
