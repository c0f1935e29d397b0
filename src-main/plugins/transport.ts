// How values cross into and out of a plugin engine (the guest prelude holds the other side):
// JSON text for the plain part and, beside it, "patches" — where a typed array (its bytes as
// an ArrayBuffer of its own) or a number JSON cannot spell (NaN, ±Infinity, -0) goes; the
// JSON holds null there. Out of band, nothing in the JSON is a tag: no key needs escaping,
// and neither side walks a whole value looking for tags — in an interpreter (QuickJS) that
// walk cost more than parsing the JSON.
//
// Packed text: the value's JSON, then — only when there are patches — a newline and the
// patches' JSON, [[path, kind, buffer?], ...]: path the keys and indexes leading to the
// place ([] for the value itself), kind f64 | f32 | i32 | u8 (buffer: the index of its
// ArrayBuffer) or NaN | Infinity | -Infinity | -0. JSON text never holds a raw newline.
import { canonicalizeNaN, CodecError } from '../../src-shared/codec.ts';

type Kind = 'f64' | 'f32' | 'i32' | 'u8' | 'NaN' | 'Infinity' | '-Infinity' | '-0';
type Path = (string | number)[];
type Patch = [Path, Kind] | [Path, Kind, number];

const ARRAYS = {
  f64: Float64Array,
  f32: Float32Array,
  i32: Int32Array,
  u8: Uint8Array,
} as const;
const NUMBERS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function pathText(path: Path): string {
  let p = '';
  for (const k of path) p += typeof k === 'number' ? `[${k}]` : p ? `.${k}` : k;
  return p;
}

function kindOf(view: ArrayBufferView): keyof typeof ARRAYS | null {
  if (view instanceof Float64Array) return 'f64';
  if (view instanceof Float32Array) return 'f32';
  if (view instanceof Int32Array) return 'i32';
  if (view instanceof Uint8Array) return 'u8';
  return null;
}

function numberKind(n: number): Kind | null {
  if (n !== n) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0 && 1 / n < 0) return '-0';
  return null;
}

/**
 * Packs a value for a guest. Typed arrays go into `buffers`: the caller's own buffer when the
 * view spans all of it (the engine copies it in), else a copy of just the view's bytes.
 */
export function packValue(value: unknown, buffers: ArrayBuffer[]): string {
  const patches: Patch[] = [];
  const path: Path = [];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'number') {
      const kind = numberKind(v);
      if (kind === null) return v;
      patches.push([path.slice(), kind]);
      return null;
    }
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (v === undefined) return undefined;
    if (ArrayBuffer.isView(v)) {
      const kind = kindOf(v);
      if (!kind) throw new CodecError(pathText(path), `unsupported typed array ${v.constructor.name}`);
      if (!LITTLE_ENDIAN && kind !== 'u8') throw new CodecError(pathText(path), 'big-endian hosts are not supported');
      const whole = v.byteOffset === 0 && v.byteLength === v.buffer.byteLength;
      buffers.push(whole ? (v.buffer as ArrayBuffer) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice().buffer);
      patches.push([path.slice(), kind, buffers.length - 1]);
      return null;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        out.push(walk(v[i]) ?? null);
        path.pop();
      }
      return out;
    }
    if (typeof v === 'object') {
      const out: Record<string, unknown> = {};
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        path.push(k);
        const w = walk((v as Record<string, unknown>)[k]);
        path.pop();
        if (w === undefined) continue;
        if (k === '__proto__') Object.defineProperty(out, k, { value: w, writable: true, enumerable: true, configurable: true });
        else out[k] = w;
      }
      return out;
    }
    throw new CodecError(pathText(path), `cannot encode a ${typeof v}`);
  };
  const json = JSON.stringify(walk(value)) ?? 'null';
  return patches.length === 0 ? json : `${json}\n${JSON.stringify(patches)}`;
}

/**
 * Unpacks a guest's value. Float arrays' NaNs are made canonical (engines differ in NaN bits).
 * A patch must name a place the JSON holds, through own properties only: a malformed reply is
 * a CodecError, never a write anywhere else (an object's prototype, say).
 */
export function unpackValue(text: string, buffers: readonly ArrayBuffer[]): unknown {
  const newline = text.indexOf('\n');
  if (newline < 0) return JSON.parse(text);
  const holder: { value: unknown } = { value: JSON.parse(text.slice(0, newline)) };
  const patches: unknown = JSON.parse(text.slice(newline + 1));
  if (!Array.isArray(patches)) throw new CodecError('', 'patches must be a list');
  for (const patch of patches) {
    if (!Array.isArray(patch) || !Array.isArray(patch[0])) throw new CodecError('', 'malformed patch');
    const path = patch[0] as unknown[];
    const where = path.every((k) => typeof k === 'string' || typeof k === 'number') ? pathText(path as Path) : '';
    let target: unknown = holder;
    let key: string | number = 'value';
    for (const k of path) {
      if (typeof k !== 'string' && typeof k !== 'number') throw new CodecError(where, 'malformed patch path');
      const next = Object.hasOwn(target as object, key) ? (target as Record<string | number, unknown>)[key] : undefined;
      if (next === null || typeof next !== 'object') throw new CodecError(where, 'patch path leads nowhere');
      target = next;
      key = k;
    }
    if (!Object.hasOwn(target as object, key) || (target as Record<string | number, unknown>)[key] !== null) throw new CodecError(where, 'patch names no placeholder');
    (target as Record<string | number, unknown>)[key] = patchValue(patch, where, buffers);
  }
  return holder.value;
}

function patchValue(patch: unknown[], where: string, buffers: readonly ArrayBuffer[]): unknown {
  const kind = patch[1];
  if (typeof kind === 'string' && Object.hasOwn(NUMBERS, kind)) return NUMBERS[kind];
  if (typeof kind !== 'string' || !Object.hasOwn(ARRAYS, kind)) throw new CodecError(where, `unknown patch kind ${JSON.stringify(kind)}`);
  const index = patch[2];
  const buffer = typeof index === 'number' ? buffers[index] : undefined;
  if (!(buffer instanceof ArrayBuffer)) throw new CodecError(where, `${kind} names buffer ${String(index)}, which does not exist`);
  const Ctor = ARRAYS[kind as keyof typeof ARRAYS];
  if (buffer.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) throw new CodecError(where, `${kind} buffer of ${buffer.byteLength} bytes is not a multiple of ${Ctor.BYTES_PER_ELEMENT}`);
  const array = new Ctor(buffer);
  if (array instanceof Float64Array || array instanceof Float32Array) canonicalizeNaN(array);
  return array;
}
