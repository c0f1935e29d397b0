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
import { canonicalizeNaN, CodecError, LITTLE_ENDIAN, setOwn, SPECIAL_NUMBERS, specialNumber, TYPED_ARRAYS, typedKind, type SpecialNumber, type TypedKind } from '../../src-shared/codec.ts';

type Kind = TypedKind | SpecialNumber;
type Path = (string | number)[];
type Patch = [Path, Kind] | [Path, Kind, number];

function pathText(path: Path): string {
  let p = '';
  for (const k of path) p += typeof k === 'number' ? `[${k}]` : p ? `.${k}` : k;
  return p;
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
      const kind = specialNumber(v);
      if (kind === null) return v;
      patches.push([path.slice(), kind]);
      return null;
    }
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (v === undefined) return undefined;
    if (ArrayBuffer.isView(v)) {
      const kind = typedKind(v);
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
        setOwn(out, k, w);
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
  if (typeof kind === 'string' && Object.hasOwn(SPECIAL_NUMBERS, kind)) return SPECIAL_NUMBERS[kind as SpecialNumber];
  if (typeof kind !== 'string' || !Object.hasOwn(TYPED_ARRAYS, kind)) throw new CodecError(where, `unknown patch kind ${JSON.stringify(kind)}`);
  const index = patch[2];
  const buffer = typeof index === 'number' ? buffers[index] : undefined;
  if (!(buffer instanceof ArrayBuffer)) throw new CodecError(where, `${kind} names buffer ${String(index)}, which does not exist`);
  const Ctor = TYPED_ARRAYS[kind as TypedKind];
  if (buffer.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) throw new CodecError(where, `${kind} buffer of ${buffer.byteLength} bytes is not a multiple of ${Ctor.BYTES_PER_ELEMENT}`);
  const array = new Ctor(buffer);
  if (array instanceof Float64Array || array instanceof Float32Array) canonicalizeNaN(array);
  return array;
}
