// Integer samples with the logger's scaling (a MoTeC .ld channel: raw × mul / (scale × 10^dec)
// + shift). The importer and the channel store both turn them into engineering values with
// decodeScaled, so a channel kept in this form reads back with the very bits the importer's
// float64 path gives — and it stores in 1, 2 or 4 bytes a sample instead of 8.
import { intExtremes } from './int-extremes.ts';

export type IntType = 'i8' | 'i16' | 'i32';
export type IntArray = Int8Array | Int16Array | Int32Array;

export interface Scaling {
  mul: number;
  scale: number;
  dec: number;
  shift: number;
}

export interface ScaledInts {
  type: IntType;
  raw: IntArray;
  scaling: Scaling;
}

export const INT_BYTES: Record<IntType, number> = { i8: 1, i16: 2, i32: 4 };

export function intArray(type: IntType, buffer: ArrayBufferLike, byteOffset: number, length: number): IntArray {
  return type === 'i8' ? new Int8Array(buffer, byteOffset, length) : type === 'i16' ? new Int16Array(buffer, byteOffset, length) : new Int32Array(buffer, byteOffset, length);
}

/**
 * `bytes` (little-endian samples) as an int array: a view when they are aligned, else a copy.
 * Typed arrays use the host's byte order; Race runs on little-endian hosts only (the float64
 * chunks have always been stored that way too).
 */
export function intView(type: IntType, bytes: Uint8Array, length: number): IntArray {
  const at = bytes.byteOffset;
  if (at % INT_BYTES[type] === 0) return intArray(type, bytes.buffer, at, length);
  const copy = bytes.slice(0, length * INT_BYTES[type]);
  return intArray(type, copy.buffer, 0, length);
}

export function isIdentity(s: Scaling): boolean {
  return s.mul === 1 && s.scale === 1 && s.dec === 0 && s.shift === 0;
}

/**
 * out[at + i − from] = value of src[i] for i in [from, to).
 * `(raw × mul) / (scale × 10^dec)` (or `raw × mul × 10^−dec / scale` for negative dec) then
 * `+ shift`: each step exact or a single correctly rounded operation (raw 123 at dec 1 gives
 * exactly 12.3), the power of ten computed once. `src` may be `out` (in place).
 */
export function decodeScaled(src: ArrayLike<number>, s: Scaling, out: Float64Array, from = 0, to = src.length, at = from): void {
  const { mul, scale, dec, shift } = s;
  const d = at - from;
  if (isIdentity(s)) {
    for (let i = from; i < to; i++) out[i + d] = src[i]!;
  } else if (dec >= 0) {
    const den = scale * 10 ** dec;
    if (shift === 0) for (let i = from; i < to; i++) out[i + d] = (src[i]! * mul) / den;
    else for (let i = from; i < to; i++) out[i + d] = (src[i]! * mul) / den + shift;
  } else {
    const p = 10 ** -dec;
    if (shift === 0) for (let i = from; i < to; i++) out[i + d] = (src[i]! * mul * p) / scale;
    else for (let i = from; i < to; i++) out[i + d] = (src[i]! * mul * p) / scale + shift;
  }
}

/** All samples as engineering values. */
export function decodeAll(c: ScaledInts): Float64Array<ArrayBuffer> {
  const out = new Float64Array(c.raw.length);
  decodeScaled(c.raw, c.scaling, out);
  return out;
}

/**
 * The smallest and largest engineering value, from the integers alone: the scaling is monotonic
 * (exact integer products, then correctly rounded steps), increasing when mul / scale > 0 and
 * decreasing otherwise, so the extremes are the images of the integer extremes.
 */
export function scaledRange(c: ScaledInts): { min: number; max: number } | null {
  const r = c.raw;
  if (r.length === 0) return null;
  const [lo, hi] = intExtremes(r);
  const ends = new Float64Array(2);
  decodeScaled([lo, hi], c.scaling, ends);
  return c.scaling.mul / c.scaling.scale > 0 ? { min: ends[0]!, max: ends[1]! } : { min: ends[1]!, max: ends[0]! };
}
