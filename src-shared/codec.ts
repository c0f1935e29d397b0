// A JSON-compatible encoding that keeps every bit of telemetry numbers. Plain JSON turns
// NaN and ±Infinity into null and -0 into 0, and a Float64Array into an object of keys;
// a race engineer's channel must come back exactly as it went out.
//
//   Float64Array  → { "$f64": base64 of the little-endian bytes }   (NaN payloads canonical)
//   Float32Array  → { "$f32": … }, Int32Array → { "$i32": … }, Uint8Array → { "$u8": … }
//   NaN, ±Infinity, -0 → { "$num": "NaN" | "Infinity" | "-Infinity" | "-0" }
//   an object whose own key starts with "$" → { "$obj": { …encoded… } }  (so tags never collide)
//
// Imports nothing environment-specific: runs in Node, the renderer and plugin hosts.

/** The typed arrays a value may carry across any of Race's boundaries, by short name. */
export const TYPED_ARRAYS = { f64: Float64Array, f32: Float32Array, i32: Int32Array, u8: Uint8Array } as const;
export type TypedKind = keyof typeof TYPED_ARRAYS;

/** The numbers JSON cannot spell, by name. */
export const SPECIAL_NUMBERS = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 } as const;
export type SpecialNumber = keyof typeof SPECIAL_NUMBERS;

/** Typed arrays travel as their bytes, read back in the host's byte order. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class CodecError extends Error {
  constructor(path: string, message: string) {
    super(`${path || '(root)'}: ${message}`);
    this.name = 'CodecError';
  }
}

/** Canonical quiet NaN, so that NaN bit patterns never differ between engines or runs. */
export function canonicalizeNaN(values: Float64Array | Float32Array): void {
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== values[i]) values[i] = NaN;
  }
}

export function typedKind(view: ArrayBufferView): TypedKind | null {
  if (view instanceof Float64Array) return 'f64';
  if (view instanceof Float32Array) return 'f32';
  if (view instanceof Int32Array) return 'i32';
  if (view instanceof Uint8Array) return 'u8';
  return null;
}

/** NaN, ±Infinity or -0 by name; null for a number JSON spells. */
export function specialNumber(n: number): SpecialNumber | null {
  if (n !== n) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0 && 1 / n < 0) return '-0';
  return null;
}

function encodeNumber(n: number): unknown {
  const special = specialNumber(n);
  return special === null ? n : { $num: special };
}

export function encodeValue(value: unknown, path = ''): unknown {
  if (typeof value === 'number') return encodeNumber(value);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value === undefined) return undefined;
  if (ArrayBuffer.isView(value)) {
    const kind = typedKind(value);
    if (!kind) throw new CodecError(path, `unsupported typed array ${value.constructor.name}`);
    let bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (kind === 'f64' || kind === 'f32') {
      const copy = (value as Float64Array | Float32Array).slice();
      canonicalizeNaN(copy);
      bytes = new Uint8Array(copy.buffer);
    }
    if (!LITTLE_ENDIAN && kind !== 'u8') throw new CodecError(path, 'big-endian hosts are not supported');
    return { [`$${kind}`]: bytesToBase64(bytes) };
  }
  if (Array.isArray(value)) return value.map((v, i) => encodeValue(v, `${path}[${i}]`) ?? null);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    let needsEscape = false;
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith('$')) needsEscape = true;
      const e = encodeValue(v, path ? `${path}.${k}` : k);
      if (e !== undefined) setOwn(out, k, e);
    }
    return needsEscape ? { $obj: out } : out;
  }
  throw new CodecError(path, `cannot encode a ${typeof value}`);
}

export function decodeValue(value: unknown, path = ''): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => decodeValue(v, `${path}[${i}]`));
  const keys = Object.keys(value);
  const record = value as Record<string, unknown>;
  if (keys.length === 1) {
    const key = keys[0]!;
    if (key === '$num') {
      const s = record.$num;
      if (typeof s === 'string' && Object.hasOwn(SPECIAL_NUMBERS, s)) return SPECIAL_NUMBERS[s as SpecialNumber];
      throw new CodecError(path, `$num must be NaN, Infinity, -Infinity or -0, got ${JSON.stringify(s)}`);
    }
    if (key === '$obj') {
      const inner = record.$obj;
      if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) throw new CodecError(path, '$obj must hold an object');
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(inner)) setOwn(out, k, decodeValue(v, path ? `${path}.${k}` : k));
      return out;
    }
    if (key.startsWith('$') && Object.hasOwn(TYPED_ARRAYS, key.slice(1))) {
      const b64 = record[key];
      if (typeof b64 !== 'string') throw new CodecError(path, `${key} must hold a base64 string`);
      const Ctor = TYPED_ARRAYS[key.slice(1) as TypedKind];
      const bytes = base64ToBytes(b64, path);
      if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) {
        throw new CodecError(path, `${key} holds ${bytes.byteLength} bytes, not a multiple of ${Ctor.BYTES_PER_ELEMENT}`);
      }
      return new Ctor(bytes.buffer as ArrayBuffer);
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (k.startsWith('$')) throw new CodecError(path, `unexpected tag ${JSON.stringify(k)}`);
    setOwn(out, k, decodeValue(record[k], path ? `${path}.${k}` : k));
  }
  return out;
}

/** A data key, even "__proto__", is an own property — never a prototype change. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

export function encodeJson(value: unknown): string {
  return JSON.stringify(encodeValue(value));
}

export function decodeJson(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CodecError('', `not valid JSON (${(e as Error).message})`);
  }
  return decodeValue(parsed);
}

// ---- base64 without Buffer/atob, fast enough for multi-megabyte channels ----

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 4096;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, bytes.length);
    let s = '';
    let i = start;
    for (; i + 2 < end; i += 3) {
      const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
      s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
    }
    const rest = end - i;
    if (rest === 1) {
      const n = bytes[i]! << 16;
      s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + '==';
    } else if (rest === 2) {
      const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
      s += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + '=';
    }
    parts.push(s);
  }
  return parts.join('');
}

export function base64ToBytes(text: string, path = ''): Uint8Array {
  if (text.length % 4 !== 0) throw new CodecError(path, `base64 length ${text.length} is not a multiple of 4`);
  let pad = 0;
  if (text.endsWith('==')) pad = 2;
  else if (text.endsWith('=')) pad = 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const a = sextet(text, i, path);
    const b = sextet(text, i + 1, path);
    const last = i + 4 === text.length;
    const c = last && pad === 2 ? 0 : sextet(text, i + 2, path);
    const d = last && pad >= 1 ? 0 : sextet(text, i + 3, path);
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

function sextet(text: string, i: number, path: string): number {
  const code = text.charCodeAt(i);
  const v = code < 128 ? DECODE[code]! : -1;
  if (v < 0) throw new CodecError(path, `invalid base64 character at offset ${i}`);
  return v;
}
