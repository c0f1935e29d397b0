// The guest prelude: plain JavaScript evaluated first in every plugin context, in both
// engines (QuickJS and V8 isolates), before the plugin's bundle. It
//   1. makes the two engines one platform: the same libm (V8 runs QuickJS's own, see
//      detmath/), a seeded Math.random, a host-injected clock, UTC-only dates, no locale,
//      one Number#toString(radix), one sort algorithm for comparators, no eval, and the
//      same set of globals;
//   2. builds the per-call `host` object (log, hasCapability, and fetch/storage only
//      when granted) and runs the plugin's interfaces;
//   3. moves values in and out as JSON text plus raw ArrayBuffers for typed arrays.
// It evaluates to the control object the runtime keeps; nothing of it stays reachable
// from plugin code. The host passes `globalThis.__raceBoot` = { engine, hostCall,
// settle, libm? } and the prelude deletes it at once.
export const GUEST_PRELUDE = String.raw`(function () {
'use strict';
const G = globalThis;
const boot = G.__raceBoot;
delete G.__raceBoot;
const ENGINE = boot.engine;
const hostCall = boot.hostCall;     // (op, payloadJson) => resultJson, synchronous
const settle = boot.settle;         // (callId) => void: an async call finished

const O = Object, defineProperty = O.defineProperty, freeze = O.freeze, keys = O.keys, getPrototypeOf = O.getPrototypeOf;
const stringify = JSON.stringify, parse = JSON.parse;
const NativeDate = G.Date, NativeNumberToString = Number.prototype.toString;
const isArray = Array.isArray;
const F64 = Float64Array, F32 = Float32Array, I32 = Int32Array, U8 = Uint8Array;
const TypedArrayProto = getPrototypeOf(Int8Array.prototype);
// The plugin shares this realm and may replace any built-in it can reach (Array.prototype.push,
// Map.prototype.get, Promise.prototype.then, Object.prototype.toJSON, ...). What the call
// protocol needs after the plugin has run is captured here (methods through uncurry), and its
// objects and arrays have no prototype (no inherited setters, iterators or toJSON): a plugin
// can break only its own output, never the reply the host reads.
const uncurry = (fn) => Function.prototype.call.bind(fn);
const ReflectApply = Reflect.apply, setPrototypeOf = O.setPrototypeOf, getOwnPropertyDescriptor = O.getOwnPropertyDescriptor;
const isView = ArrayBuffer.isView;
const NativePromise = Promise, TypeErr = TypeError, Err = Error;
const promiseResolve = uncurry(Promise.resolve), promiseThen = uncurry(Promise.prototype.then);
const PromiseResolve = (v) => promiseResolve(NativePromise, v);
const mapGet = uncurry(Map.prototype.get), mapSet = uncurry(Map.prototype.set), mapDelete = uncurry(Map.prototype.delete);
const stringSlice = uncurry(String.prototype.slice);
/** The typed array's name ("Float64Array"), or undefined for anything else (a Proxy or look-alike too). */
const typedArrayName = uncurry(getOwnPropertyDescriptor(TypedArrayProto, Symbol.toStringTag).get);
const typedArrayBuffer = uncurry(getOwnPropertyDescriptor(TypedArrayProto, 'buffer').get);
const typedArrayLength = uncurry(getOwnPropertyDescriptor(TypedArrayProto, 'length').get);
const typedArraySet = uncurry(TypedArrayProto.set);
/** A new empty array nothing can intercept: append with a[a.length] = v. */
const list = () => setPrototypeOf([], null);

function setHidden(obj, name, value) {
  defineProperty(obj, name, { value, writable: true, configurable: true, enumerable: false });
}
function rename(fn, name, length) {
  defineProperty(fn, 'name', { value: name, configurable: true });
  defineProperty(fn, 'length', { value: length, configurable: true });
  return fn;
}

// ---- 1. Math: one libm for both engines ----------------------------------------------
if (ENGINE === 'v8') {
  const lib = new WebAssembly.Instance(new WebAssembly.Module(boot.libm), {}).exports;
  for (const name of ['sin','cos','tan','asin','acos','atan','sinh','cosh','tanh','asinh','acosh','atanh','exp','expm1','log','log1p','log2','log10','cbrt']) {
    setHidden(Math, name, rename(lib[name], name, 1));
  }
  setHidden(Math, 'pow', rename(lib.pow, 'pow', 2));
  setHidden(Math, 'atan2', rename(lib.atan2, 'atan2', 2));
  // QuickJS inlines musl's hypot into its n-ary Math.hypot; this is that code in JS.
  // Pure double arithmetic, no fused multiply-add: the same bits as the wasm.
  const sf = new F64(1), su = new Uint32Array(sf.buffer);
  let P700 = 1; for (let i = 0; i < 700; i++) P700 *= 2;
  const M700 = 1 / P700, SPLIT = 134217729, sqrt = Math.sqrt, abs = Math.abs;
  const hypot2 = (x, y) => {
    sf[0] = x; let xh = su[1] & 0x7fffffff, xl = su[0];
    sf[0] = y; let yh = su[1] & 0x7fffffff, yl = su[0];
    if (xh < yh || (xh === yh && xl < yl)) { let t = xh; xh = yh; yh = t; t = xl; xl = yl; yl = t; }
    const ex = xh >>> 20, ey = yh >>> 20;
    su[1] = xh; su[0] = xl; x = sf[0];
    su[1] = yh; su[0] = yl; y = sf[0];
    if (ey === 0x7ff) return y;
    if (ex === 0x7ff || (yh === 0 && yl === 0)) return x;
    if (ex - ey > 64) return x + y;
    let z = 1;
    if (ex > 0x3ff + 510) { z = P700; x *= M700; y *= M700; }
    else if (ey < 0x3ff - 450) { z = M700; x *= P700; y *= P700; }
    const xc = x * SPLIT, xhh = x - xc + xc, xll = x - xhh, hx = x * x, lx = xhh * xhh - hx + 2 * xhh * xll + xll * xll;
    const yc = y * SPLIT, yhh = y - yc + yc, yll = y - yhh, hy = y * y, ly = yhh * yhh - hy + 2 * yhh * yll + yll * yll;
    return z * sqrt(ly + lx + hy + hx);
  };
  setHidden(Math, 'hypot', rename({ hypot(...args) {
    let r = 0;
    const n = args.length;
    if (n > 0) {
      r = +args[0];
      if (n === 1) r = abs(r);
      else for (let i = 1; i < n; i++) r = hypot2(r, +args[i]);
    }
    return r;
  } }.hypot, 'hypot', 2));
}
{
  // musl's acosh skips the sign check: QuickJS gives finite garbage for x < -1.
  const rawAcosh = Math.acosh;
  setHidden(Math, 'acosh', { acosh(x) { x = +x; return x < 1 ? NaN : rawAcosh(x); } }.acosh);
}

// ---- 2. Math.random: seeded per call (sfc32) ------------------------------------------
let ra = 0, rb = 0, rc = 0, rd = 1;
const sfc32 = () => {
  const t = (((ra + rb) | 0) + rd) | 0;
  rd = (rd + 1) | 0; ra = rb ^ (rb >>> 9); rb = (rc + (rc << 3)) | 0; rc = (rc << 21) | (rc >>> 11); rc = (rc + t) | 0;
  return t >>> 0;
};
// The warmed-up state for the last seed is kept: every call restarts from it (the same
// sequence each call) without re-running the 15 warm-up rounds in an interpreter.
let seededWith = NaN, sa = 0, sb = 0, sc = 0, sd = 0;
const seedRandom = (seed) => {
  if (seed !== seededWith) {
    ra = 0x9e3779b9; rb = 0x243f6a88; rc = 0xb7e15162; rd = seed | 0;
    for (let i = 0; i < 15; i++) sfc32();
    seededWith = seed; sa = ra; sb = rb; sc = rc; sd = rd;
  } else { ra = sa; rb = sb; rc = sc; rd = sd; }
};
setHidden(Math, 'random', { random() { return ((sfc32() >>> 5) * 67108864 + (sfc32() >>> 6)) / 9007199254740992; } }.random);

// ---- 3. Time: the host's clock, UTC only, ISO-8601 parsing only -----------------------
let clockMs = 0;
const ISO = /^([+-]\d{6}|\d{4})(-\d{2}(-\d{2})?)?(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const parseIso = (s) => {
  s = '' + s;
  const m = ISO.exec(s);
  if (!m) return NaN;
  // a date-time without an offset is local time in ECMAScript: here local time is UTC
  return NativeDate.parse(m[4] && !m[7] ? s + 'Z' : s);
};
const DP = NativeDate.prototype;
const getTime = DP.getTime;
const toTimeValue = (v) => {
  let p = v;
  if (p !== null && (typeof p === 'object' || typeof p === 'function')) {
    try { p = getTime.call(p); } catch { p = p.valueOf(); if (p !== null && typeof p === 'object') p = '' + p; }
  }
  return typeof p === 'string' ? parseIso(p) : +p;
};
const pad = (n, w) => { let s = '' + n; while (s.length < w) s = '0' + s; return s; };
const DAYS = ['Sun','Mon','Tue','Wed','Thu','Fri','Sat'], MONTHS = ['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov','Dec'];
const yearText = (y) => (y < 0 ? '-' + pad(-y, 6) : pad(y, 4));
const dateText = (d) => DAYS[d.getUTCDay()] + ' ' + MONTHS[d.getUTCMonth()] + ' ' + pad(d.getUTCDate(), 2) + ' ' + yearText(d.getUTCFullYear());
const timeText = (d) => pad(d.getUTCHours(), 2) + ':' + pad(d.getUTCMinutes(), 2) + ':' + pad(d.getUTCSeconds(), 2) + ' GMT+0000';
const valid = (d) => getTime.call(d) === getTime.call(d);
function RaceDate(...args) {
  if (new.target === undefined) { const d = new NativeDate(clockMs); return dateText(d) + ' ' + timeText(d); }
  let d;
  if (args.length === 0) d = new NativeDate(clockMs);
  else if (args.length === 1) d = new NativeDate(toTimeValue(args[0]));
  else d = new NativeDate(NativeDate.UTC(...args));
  if (new.target !== RaceDate) O.setPrototypeOf(d, new.target.prototype);
  return d;
}
defineProperty(RaceDate, 'prototype', { value: DP, writable: false, enumerable: false, configurable: false });
setHidden(DP, 'constructor', RaceDate);
setHidden(RaceDate, 'now', { now() { return clockMs; } }.now);
setHidden(RaceDate, 'parse', { parse(s) { return parseIso(s); } }.parse);
setHidden(RaceDate, 'UTC', NativeDate.UTC);
for (const [local, utc] of [['FullYear','UTCFullYear'],['Month','UTCMonth'],['Date','UTCDate'],['Day','UTCDay'],['Hours','UTCHours'],['Minutes','UTCMinutes'],['Seconds','UTCSeconds'],['Milliseconds','UTCMilliseconds']]) {
  setHidden(DP, 'get' + local, DP['get' + utc]);
  if (local !== 'Day') setHidden(DP, 'set' + local, DP['set' + utc]);
}
setHidden(DP, 'getTimezoneOffset', { getTimezoneOffset() { getTime.call(this); return 0; } }.getTimezoneOffset);
if (DP.getYear) setHidden(DP, 'getYear', { getYear() { return this.getUTCFullYear() - 1900; } }.getYear);
const methods = {
  toString() { return valid(this) ? dateText(this) + ' ' + timeText(this) : 'Invalid Date'; },
  toDateString() { return valid(this) ? dateText(this) : 'Invalid Date'; },
  toTimeString() { return valid(this) ? timeText(this) : 'Invalid Date'; },
  toLocaleString() { return valid(this) ? DP.toISOString.call(this) : 'Invalid Date'; },
  toLocaleDateString() { return valid(this) ? DP.toISOString.call(this).slice(0, 10) : 'Invalid Date'; },
  toLocaleTimeString() { return valid(this) ? DP.toISOString.call(this).slice(11, 19) : 'Invalid Date'; },
};
for (const k of keys(methods)) setHidden(DP, k, methods[k]);
G.Date = RaceDate;

// ---- 4. No locale -------------------------------------------------------------------
{
  const SP = String.prototype;
  setHidden(SP, 'localeCompare', { localeCompare(that) { const a = '' + this, b = '' + that; return a < b ? -1 : a > b ? 1 : 0; } }.localeCompare);
  setHidden(SP, 'toLocaleUpperCase', SP.toUpperCase);
  setHidden(SP, 'toLocaleLowerCase', SP.toLowerCase);
  setHidden(Number.prototype, 'toLocaleString', { toLocaleString() { return NativeNumberToString.call(this); } }.toLocaleString);
  setHidden(BigInt.prototype, 'toLocaleString', BigInt.prototype.toString);
}

// ---- 5. Number#toString(radix): one algorithm (V8's DoubleToRadixCString) -------------
{
  const CH = '0123456789abcdefghijklmnopqrstuvwxyz';
  const sf = new F64(1), su = new Uint32Array(sf.buffer);
  const nextUp = (v) => { sf[0] = v; if (su[0] === 0xffffffff) { su[0] = 0; su[1] = su[1] + 1; } else su[0] = su[0] + 1; return sf[0]; };
  const exponentPositive = (v) => { sf[0] = v; return ((su[1] >>> 20) & 0x7ff) - 1075 > 0; };
  const radixString = (value, radix) => {
    let neg = value < 0;
    if (neg) value = -value;
    let integer = Math.floor(value), fraction = value - integer;
    let delta = 0.5 * (nextUp(value) - value);
    const minDelta = nextUp(0);
    if (delta < minDelta) delta = minDelta;
    let frac = '';
    if (fraction >= delta) {
      const digits = [];
      do {
        fraction *= radix; delta *= radix;
        const digit = fraction | 0;
        digits.push(digit);
        fraction -= digit;
        if (fraction > 0.5 || (fraction === 0.5 && (digit & 1))) {
          if (fraction + delta > 1) {
            for (;;) {
              if (digits.length === 0) { integer += 1; break; }
              const last = digits.pop();
              if (last + 1 < radix) { digits.push(last + 1); break; }
            }
            break;
          }
        }
      } while (fraction >= delta);
      if (digits.length) { frac = '.'; for (const d of digits) frac += CH[d]; }
    }
    let int = '';
    while (exponentPositive(integer / radix)) { integer /= radix; int = '0' + int; }
    do { const rem = integer % radix; int = CH[rem] + int; integer = (integer - rem) / radix; } while (integer > 0);
    return (neg ? '-' : '') + int + frac;
  };
  setHidden(Number.prototype, 'toString', rename({ toString(radix) {
    const x = typeof this === 'number' ? this : Number.prototype.valueOf.call(this);
    if (radix === undefined || radix === 10) return NativeNumberToString.call(x);
    const r = Math.trunc(+radix);
    if (!(r >= 2 && r <= 36)) return NativeNumberToString.call(x, radix); // the engine's RangeError
    if ((r & (r - 1)) === 0 || x !== x || x === Infinity || x === -Infinity) return NativeNumberToString.call(x, r);
    if (x === 0) return '0';
    return radixString(x, r);
  } }.toString, 'toString', 1));
}

// ---- 6. Sorting with a comparator: one algorithm (bottom-up merge sort) ----------------
{
  const compareWith = (fn) => (x, y) => { const v = +fn(x, y); return v !== v ? 0 : v; };
  const mergeSort = (items, cmp) => {
    const n = items.length;
    let src = items, dst = new Array(n);
    for (let width = 1; width < n; width *= 2) {
      for (let lo = 0; lo < n; lo += 2 * width) {
        const mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
        let i = lo, j = mid, k = lo;
        while (i < mid && j < hi) dst[k++] = cmp(src[i], src[j]) > 0 ? src[j++] : src[i++];
        while (i < mid) dst[k++] = src[i++];
        while (j < hi) dst[k++] = src[j++];
      }
      const t = src; src = dst; dst = t;
    }
    return src;
  };
  const AP = Array.prototype, nativeSort = AP.sort, nativeToSorted = AP.toSorted;
  const sortedItems = (obj, fn) => {
    const len = Math.min(Math.max(Math.trunc(+obj.length) || 0, 0), 9007199254740991);
    const items = [];
    let undef = 0;
    for (let k = 0; k < len; k++) {
      if (k in obj) { const v = obj[k]; if (v === undefined) undef++; else items.push(v); }
    }
    return { len, sorted: mergeSort(items, compareWith(fn)), undef };
  };
  setHidden(AP, 'sort', rename({ sort(fn) {
    if (fn === undefined) return nativeSort.call(this);
    if (typeof fn !== 'function') throw new TypeError('The comparison function must be either a function or undefined');
    const obj = O(this);
    const { len, sorted, undef } = sortedItems(obj, fn);
    let k = 0;
    for (; k < sorted.length; k++) obj[k] = sorted[k];
    for (let u = 0; u < undef; u++) obj[k++] = undefined;
    for (; k < len; k++) delete obj[k];
    return obj;
  } }.sort, 'sort', 1));
  setHidden(AP, 'toSorted', rename({ toSorted(fn) {
    if (fn === undefined) return nativeToSorted.call(this);
    if (typeof fn !== 'function') throw new TypeError('The comparison function must be either a function or undefined');
    const obj = O(this);
    const len = Math.min(Math.max(Math.trunc(+obj.length) || 0, 0), 9007199254740991);
    const all = []; for (let k = 0; k < len; k++) all.push(obj[k]);
    const defined = all.filter((v) => v !== undefined);
    const out = mergeSort(defined, compareWith(fn));
    for (let u = defined.length; u < len; u++) out.push(undefined);
    return out;
  } }.toSorted, 'toSorted', 1));
  const taSort = TypedArrayProto.sort, taToSorted = TypedArrayProto.toSorted;
  setHidden(TypedArrayProto, 'sort', rename({ sort(fn) {
    if (fn === undefined) return taSort.call(this);
    if (typeof fn !== 'function') throw new TypeError('The comparison function must be either a function or undefined');
    const sorted = mergeSort(Array.from(this), compareWith(fn));
    for (let k = 0; k < sorted.length && k < this.length; k++) this[k] = sorted[k];
    return this;
  } }.sort, 'sort', 1));
  setHidden(TypedArrayProto, 'toSorted', rename({ toSorted(fn) {
    if (fn === undefined) return taToSorted.call(this);
    const copy = this.slice();
    return copy.sort(fn);
  } }.toSorted, 'toSorted', 1));
}

// ---- 7. No code from strings -----------------------------------------------------------
{
  const refuse = (what) => rename({ [what]() { throw new EvalError('code generation from strings is not available to plugins'); } }[what], what, 1);
  const protos = [
    [Function.prototype, 'Function'],
    [getPrototypeOf(async function () {}), 'AsyncFunction'],
    [getPrototypeOf(function* () {}), 'GeneratorFunction'],
    [getPrototypeOf(async function* () {}), 'AsyncGeneratorFunction'],
  ];
  for (const [proto, name] of protos) {
    const ctor = refuse(name);
    defineProperty(ctor, 'prototype', { value: proto, writable: false, enumerable: false, configurable: false });
    setHidden(proto, 'constructor', ctor);
    if (name === 'Function') G.Function = ctor;
  }
  delete G.eval;
}

// ---- 8. One set of globals --------------------------------------------------------------
if (typeof G.InternalError === 'function') {
  // QuickJS's stack-overflow error: present it as V8's RangeError does
  setHidden(G.InternalError.prototype, 'name', 'RangeError');
}
for (const name of ['WebAssembly','Atomics','SharedArrayBuffer','Intl','console','WeakRef','FinalizationRegistry',
  'DisposableStack','AsyncDisposableStack','SuppressedError','InternalError']) delete G[name];
delete Math.sumPrecise;
// V8's well-known symbols are permanent: give QuickJS the same ones instead.
for (const name of ['dispose', 'asyncDispose']) {
  if (typeof Symbol[name] !== 'symbol') defineProperty(Symbol, name, { value: Symbol('Symbol.' + name), writable: false, enumerable: false, configurable: false });
}
for (const name of ['fileName', 'lineNumber', 'columnNumber']) delete Function.prototype[name]; // QuickJS extensions
delete Array.fromAsync;
delete JSON.rawJSON;
delete JSON.isRawJSON;
delete Error.captureStackTrace;
delete Error.stackTraceLimit;
delete Error.prepareStackTrace;
delete Error.isError;

// ---- 9. Values in and out: JSON + patches (src-main/plugins/transport.ts) ---------------
// The plain part as JSON, and beside it where typed arrays (ArrayBuffers) and the numbers
// JSON cannot spell go: nothing in the JSON is a tag, so nothing has to be walked for tags.
const MAX_DEPTH = 64;
// No interface schema takes more than 100 000 items in one array (typed arrays travel as
// buffers and are not counted): an array or object 10× bigger is refused before it is walked,
// so a 100M-element output fails at once, the same way in both engines — not by time or memory.
const MAX_ITEMS = 1000000;
const TA = { __proto__: null, Float64Array: [F64, 'f64'], Float32Array: [F32, 'f32'], Int32Array: [I32, 'i32'], Uint8Array: [U8, 'u8'] };
const stringIndexOf = uncurry(String.prototype.indexOf);
// The walk's state lives out here, not in closures made per call (an interpreter pays for
// each). No call can re-enter it: it runs plugin code only through getters, which cannot reach it.
let encBuffers = null, encPatches = null;
const encSeen = list(), encAt = list();
/** The path to the value at a depth, spelled out for an error message. */
const encPath = (depth) => {
  let p = '';
  for (let i = 0; i < depth; i++) { const k = encAt[i]; p += typeof k === 'number' ? '[' + k + ']' : (p ? '.' + k : k); }
  return p;
};
const encRoot = (depth) => (depth === 0 ? '(root)' : encPath(depth));
/** A patch for the value at a depth: its place is null in the JSON. */
const encPatch = (depth, kind, buffer) => {
  const path = list();
  for (let i = 0; i < depth; i++) path[i] = encAt[i];
  const patch = list();
  patch[0] = path; patch[1] = kind;
  if (buffer !== undefined) patch[2] = buffer;
  encPatches[encPatches.length] = patch;
  return null;
};
const encWalk = (v, depth) => {
  if (typeof v === 'number') {
    if (v !== v) return encPatch(depth, 'NaN');
    if (v === Infinity) return encPatch(depth, 'Infinity');
    if (v === -Infinity) return encPatch(depth, '-Infinity');
    if (v === 0 && 1 / v < 0) return encPatch(depth, '-0');
    return v;
  }
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v === undefined) return undefined;
  if (typeof v !== 'object') throw new TypeErr('output holds a ' + typeof v + ' at ' + encRoot(depth));
  if (depth > MAX_DEPTH) throw new TypeErr('output nests deeper than ' + MAX_DEPTH + ' at ' + encPath(depth));
  if (isView(v)) {
    const kind = typedArrayName(v);
    if (kind === undefined) throw new TypeErr('output holds an unsupported DataView at ' + encPath(depth));
    const ta = TA[kind];
    if (!ta) throw new TypeErr('output holds an unsupported ' + kind + ' at ' + encPath(depth));
    const copy = new ta[0](typedArrayLength(v)); // a buffer of its own, exactly as long
    typedArraySet(copy, v);
    encBuffers[encBuffers.length] = typedArrayBuffer(copy);
    return encPatch(depth, ta[1], encBuffers.length - 1);
  }
  for (let i = 0; i < encSeen.length; i++) if (encSeen[i] === v) throw new TypeErr('output is circular at ' + encPath(depth));
  encSeen[encSeen.length] = v;
  // Prototype-less arrays and objects: assigning to them reaches no setter and no prototype,
  // and JSON.stringify finds no toJSON on them.
  let out;
  if (isArray(v)) {
    if (v.length > MAX_ITEMS) throw new TypeErr('output array of ' + v.length + ' items at ' + encRoot(depth) + ' is over the limit of ' + MAX_ITEMS);
    out = list();
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      // (plain strings, booleans, null and finite non-negative-zero numbers need no walk: the common case, inline)
      if (typeof x === 'string' || typeof x === 'boolean' || x === null || (typeof x === 'number' && x - x === 0 && (x !== 0 || 1 / x > 0))) { out[i] = x; continue; }
      encAt[depth] = i;
      const e = encWalk(x, depth + 1);
      out[i] = e === undefined ? null : e;
    }
  } else {
    out = { __proto__: null };
    const ks = keys(v);
    if (ks.length > MAX_ITEMS) throw new TypeErr('output object of ' + ks.length + ' keys at ' + encRoot(depth) + ' is over the limit of ' + MAX_ITEMS);
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i];
      if (k === '__proto__') continue; // never a key on the host side (it would set the prototype there)
      const x = v[k];
      if (typeof x === 'string' || typeof x === 'boolean' || x === null || (typeof x === 'number' && x - x === 0 && (x !== 0 || 1 / x > 0))) { out[k] = x; continue; }
      encAt[depth] = k;
      const e = encWalk(x, depth + 1);
      if (e !== undefined) out[k] = e;
    }
  }
  encSeen.length = encSeen.length - 1;
  return out;
};
/** The value packed (JSON, then a newline and the patches' JSON if any); its typed arrays' buffers are appended to buffers. */
const packOut = (value, buffers) => {
  encBuffers = buffers;
  encPatches = list();
  encSeen.length = 0;
  try {
    const json = stringify(encWalk(value, 0));
    const text = json === undefined ? 'null' : json;
    return encPatches.length === 0 ? text : text + '\n' + stringify(encPatches);
  } finally { encBuffers = null; encPatches = null; }
};
/**
 * The plugin gets JSON.parse's own arrays and objects, patched in place: each patch follows
 * properties JSON.parse made (own data properties), so neither reading nor assigning them
 * reaches a prototype or a setter the plugin may have planted there.
 */
const NUM = { __proto__: null, NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };
const CT = { __proto__: null, f64: F64, f32: F32, i32: I32, u8: U8 };
const unpackIn = (text, buffers) => {
  const newline = stringIndexOf(text, '\n');
  if (newline < 0) return parse(text);
  const holder = { __proto__: null, value: parse(stringSlice(text, 0, newline)) };
  const patches = parse(stringSlice(text, newline + 1));
  for (let i = 0; i < patches.length; i++) {
    const path = patches[i][0], kind = patches[i][1];
    let target = holder, key = 'value';
    for (let j = 0; j < path.length; j++) { target = target[key]; key = path[j]; }
    const C = CT[kind];
    target[key] = C ? new C(buffers[patches[i][2]]) : NUM[kind];
  }
  return holder.value;
};

// ---- 10. Logging: deterministic text, bounded -------------------------------------------
const formatArg = (v, depth) => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return v === 0 && 1 / v < 0 ? '-0' : '' + v;
  if (typeof v === 'bigint') return v + 'n';
  if (v === null || v === undefined || typeof v === 'boolean') return '' + v;
  if (typeof v === 'symbol') return 'Symbol()';
  if (typeof v === 'function') return '[function]';
  if (v instanceof NativeDate) return valid(v) ? DP.toISOString.call(v) : 'Invalid Date';
  if (v instanceof Error) return (typeof v.name === 'string' ? v.name : 'Error') + ': ' + (typeof v.message === 'string' ? v.message : '');
  if (depth > 3) return isArray(v) ? '[…]' : '{…}';
  if (ArrayBuffer.isView(v) && typeof v.length === 'number') {
    const n = v.length, shown = [];
    for (let i = 0; i < n && i < 10; i++) shown.push(formatArg(v[i], depth + 1));
    return (v.constructor && v.constructor.name) + '(' + n + ') [' + shown.join(', ') + (n > 10 ? ', …' : '') + ']';
  }
  if (isArray(v)) return '[' + v.slice(0, 50).map((x) => formatArg(x, depth + 1)).join(', ') + (v.length > 50 ? ', …' : '') + ']';
  const ks = keys(v).slice(0, 50);
  return '{' + ks.map((k) => k + ': ' + formatArg(v[k], depth + 1)).join(', ') + (keys(v).length > 50 ? ', …' : '') + '}';
};

// ---- 11. Plugin module and calls ------------------------------------------------------------
let exportsObj = null;
let current = null;            // the call being run: { logs, logBytes, dropped, limits }
const ops = new Map();         // async host operations awaiting the host
let nextOp = 1;
const results = new Map();     // finished async calls, until the host takes them

const pushLog = (call, line) => {
  if (call.logs.length >= call.limits.logLines || call.logBytes + line.length > call.limits.logBytes) { call.dropped++; return; }
  call.logs[call.logs.length] = line;
  call.logBytes += line.length;
};
const finishLogs = (call) => {
  const logs = list();
  for (let i = 0; i < call.logs.length; i++) logs[i] = call.logs[i];
  if (call.dropped) logs[logs.length] = '… ' + call.dropped + ' more log lines dropped (limit ' + call.limits.logLines + ' lines, ' + call.limits.logBytes + ' characters)';
  return logs;
};
const callHost = (op, payload) => {
  const reply = parse(hostCall(op, stringify(payload)));
  if (reply.ok) return reply.value;
  throw new Err(reply.error);
};
const asyncHost = (op, payload) => new NativePromise((resolve, reject) => {
  const id = nextOp++;
  mapSet(ops, id, { __proto__: null, resolve, reject });
  try { callHost(op, { __proto__: null, op: id, request: payload }); } catch (e) { mapDelete(ops, id); reject(e); }
});
const makeHost = (caps) => {
  const has = (name) => { for (let i = 0; i < caps.length; i++) if (caps[i] === name) return true; return false; };
  const add = (name, value) => defineProperty(host, name, { __proto__: null, value, writable: true, enumerable: true, configurable: true });
  const host = {
    log: (...args) => {
      let line = '';
      try { for (let i = 0; i < args.length; i++) line += (i ? ' ' : '') + formatArg(args[i], 0); } catch { line = '[unprintable]'; }
      if (current !== null) pushLog(current, line);
    },
    hasCapability: (name) => has(name),
  };
  if (has('fetch')) {
    add('fetch', (req) => {
      const r = typeof req === 'string' ? { url: req } : req;
      if (r === null || typeof r !== 'object') return NativePromise.reject(new TypeErr('fetch takes a URL or { url, method, headers, body }'));
      const plain = { __proto__: null, url: '' + r.url, method: r.method === undefined ? 'GET' : '' + r.method, headers: { __proto__: null }, body: r.body === undefined ? null : '' + r.body };
      if (r.headers && typeof r.headers === 'object') { const ks = keys(r.headers); for (let i = 0; i < ks.length; i++) plain.headers[ks[i]] = '' + r.headers[ks[i]]; }
      return promiseThen(asyncHost('fetch', plain), (res) => freeze({ status: res.status, headers: freeze(res.headers), body: res.body,
        text: () => PromiseResolve(res.body), json: () => { try { return PromiseResolve(parse(res.body)); } catch (e) { return NativePromise.reject(e); } } }));
    });
  }
  if (has('storage')) {
    const op = (name, payload) => { try { return PromiseResolve(callHost('storage.' + name, payload)); } catch (e) { return NativePromise.reject(e); } };
    add('storage', freeze({
      get: (key) => op('get', { __proto__: null, key: '' + key }),
      put: (key, value) => op('put', { __proto__: null, key: '' + key, value: '' + value }),
      list: (prefix) => op('list', { __proto__: null, prefix: prefix === undefined ? '' : '' + prefix }),
      delete: (key) => op('delete', { __proto__: null, key: '' + key }),
    }));
  }
  return freeze(host);
};

// Building and freezing the host costs an interpreter real time; the same capability set
// gets the same (frozen, stateless) host — its log writes to whichever call is running.
let cachedHost = null, cachedHostKey = null;
const hostFor = (caps) => {
  let key = '';
  for (let i = 0; i < caps.length; i++) key += caps[i] + ',';
  if (key !== cachedHostKey) { cachedHost = makeHost(caps); cachedHostKey = key; }
  return cachedHost;
};

const errorOf = (e) => {
  let name = 'Error', message = '';
  try { if (e !== null && typeof e === 'object') { name = typeof e.name === 'string' ? e.name : 'Error'; message = typeof e.message === 'string' ? e.message : ''; } else message = '' + e; } catch { message = '[unreadable error]'; }
  return { __proto__: null, name: stringSlice(name, 0, 100), message: stringSlice(message, 0, 2000) };
};
// A reply is one string, the header's JSON and, for a value, a newline and the value's
// JSON (JSON text never holds a raw newline); with typed arrays in the value it is a list
// [text, ...ArrayBuffers]. One string is what an engine boundary moves cheapest.
const DONE_NO_LOGS = stringify({ __proto__: null, status: 'done', logs: [] });
const PENDING = stringify({ __proto__: null, status: 'pending' });
const doneReply = (call, value) => {
  const buffers = list();
  let json;
  try { json = packOut(value, buffers); }
  catch (e) { return errorReply(call, 'OUTPUT_UNSERIALIZABLE', e); }
  const header = call.logs.length === 0 && call.dropped === 0 ? DONE_NO_LOGS : stringify({ __proto__: null, status: 'done', logs: finishLogs(call) });
  const text = header + '\n' + json;
  if (buffers.length === 0) return text;
  const reply = list();
  reply[0] = text;
  for (let i = 0; i < buffers.length; i++) reply[i + 1] = buffers[i];
  return reply;
};
const errorReply = (call, code, e) => stringify({ __proto__: null, status: 'error', code, error: errorOf(e), logs: finishLogs(call) });

let lastContext = null, lastHost = null;
const control = {
  /** module.exports of the plugin: run the CommonJS wrapper of its bundle. */
  load(factory) {
    const module = { exports: {} };
    const require = (id) => { throw new Err('require("' + id + '") is not available: a plugin is one self-contained bundle'); };
    ReflectApply(factory, module.exports, [module, module.exports, require]);
    exportsObj = module.exports;
    const names = list();
    if (exportsObj !== null && (typeof exportsObj === 'object' || typeof exportsObj === 'function')) {
      const all = ['math','kpiProcessor','runPlan','uiCell','transform','liveHook'];
      for (let i = 0; i < all.length; i++) { try { if (typeof exportsObj[all[i]] === 'function') names[names.length] = all[i]; } catch {} }
    }
    return stringify(names);
  },
  /**
   * Runs one call; the input's typed arrays arrive as the trailing ArrayBuffers. contextJson is
   * undefined when it is the previous call's again. Returns a reply (see doneReply); status
   * "pending" for an async call, whose reply take() gives once it has settled.
   */
  invoke(callId, iface, inputJson, contextJson, now, seed, ...buffers) {
    if (contextJson !== undefined || lastContext === null) {
      lastContext = parse(contextJson);
      lastHost = hostFor(lastContext.capabilities);
    }
    const ctx = lastContext;
    clockMs = now;
    seedRandom(seed);
    const call = { __proto__: null, logs: list(), logBytes: 0, dropped: 0, limits: ctx.limits };
    current = call;
    let handler;
    try { handler = exportsObj === null || exportsObj === undefined ? undefined : exportsObj[iface]; } catch (e) { return errorReply(call, 'PLUGIN_THREW', e); }
    if (typeof handler !== 'function') return errorReply(call, 'NO_INTERFACE', new Err('the plugin does not export ' + iface));
    let out;
    try {
      out = ReflectApply(handler, exportsObj, [unpackIn(inputJson, buffers), lastHost]);
    } catch (e) { return errorReply(call, 'PLUGIN_THREW', e); }
    let isThenable = false;
    try { isThenable = out !== null && typeof out === 'object' && typeof out.then === 'function'; } catch (e) { return errorReply(call, 'PLUGIN_THREW', e); }
    if (!isThenable) return doneReply(call, out);
    try {
      promiseThen(PromiseResolve(out),
        (v) => { mapSet(results, callId, doneReply(call, v)); settle(callId); },
        (e) => { mapSet(results, callId, errorReply(call, 'PLUGIN_THREW', e)); settle(callId); });
    } catch (e) { return errorReply(call, 'PLUGIN_THREW', e); }
    return PENDING;
  },
  take(callId) { const r = mapGet(results, callId); mapDelete(results, callId); return r; },
  /** The host finished an async operation (fetch). */
  resolveOp(id, ok, payloadJson) {
    const op = mapGet(ops, id);
    if (!op) return;
    mapDelete(ops, id);
    if (ok) op.resolve(parse(payloadJson)); else op.reject(new Err(parse(payloadJson)));
  },
};
return control;
})()`;
