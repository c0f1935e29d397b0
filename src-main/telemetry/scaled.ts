// Samples as the logger wrote them, with its scaling (a MoTeC .ld channel: raw × mul /
// (scale × 10^dec) + shift): integers of 1, 2 or 4 bytes, or float32. The importer and the
// channel store both turn them into engineering values with decodeScaled, so a channel kept in
// this form reads back with the very bits the importer's float64 path gives — and it stores in
// 1 to 4 bytes a sample instead of 8 (a float32 widens to float64 exactly).
import { intExtremes } from './int-extremes.ts';

export type IntType = 'i8' | 'i16' | 'i32';
export type RawType = IntType | 'f32';
export type IntArray = Int8Array | Int16Array | Int32Array;
export type RawArray = IntArray | Float32Array;

export interface Scaling {
  mul: number;
  scale: number;
  dec: number;
  shift: number;
}

export interface ScaledSamples {
  type: RawType;
  raw: RawArray;
  scaling: Scaling;
  /**
   * Where in the imported file `raw`'s bytes are, verbatim, when they are (a view into the
   * file, or the aligned copy of a region that was not): the attachment then need not keep them.
   */
  fileOffset?: number;
}

export const RAW_BYTES: Record<RawType, number> = { i8: 1, i16: 2, i32: 4, f32: 4 };

function rawArray(type: RawType, buffer: ArrayBufferLike, byteOffset: number, length: number): RawArray {
  switch (type) {
    case 'i8':
      return new Int8Array(buffer, byteOffset, length);
    case 'i16':
      return new Int16Array(buffer, byteOffset, length);
    case 'i32':
      return new Int32Array(buffer, byteOffset, length);
    case 'f32':
      return new Float32Array(buffer, byteOffset, length);
  }
}

/**
 * `bytes` (little-endian samples) as a typed array: a view when they are aligned, else a copy.
 * Typed arrays use the host's byte order; Race runs on little-endian hosts only (the float64
 * chunks have always been stored that way too).
 */
export function rawView(type: RawType, bytes: Uint8Array, length: number): RawArray {
  const at = bytes.byteOffset;
  if (at % RAW_BYTES[type] === 0) return rawArray(type, bytes.buffer, at, length);
  const copy = bytes.slice(0, length * RAW_BYTES[type]);
  return rawArray(type, copy.buffer, 0, length);
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
export function decodeAll(c: ScaledSamples): Float64Array<ArrayBuffer> {
  const out = new Float64Array(c.raw.length);
  decodeScaled(c.raw, c.scaling, out);
  return out;
}

/**
 * The engineering values' range and how many samples are missing (NaN), from the raw samples
 * alone: the scaling is monotonic (exact products, then correctly rounded steps), increasing
 * when mul / scale > 0 and decreasing otherwise, so the extremes are the images of the raw
 * extremes. Integers are never missing.
 */
export function scaledRange(c: ScaledSamples): { range: { min: number; max: number } | null; missing: number } {
  const r = c.raw;
  let lo: number, hi: number, missing = 0;
  if (r instanceof Float32Array) {
    [lo, hi, missing] = floatExtremes(r);
    if (missing === r.length) return { range: null, missing };
  } else {
    if (r.length === 0) return { range: null, missing: 0 };
    [lo, hi] = intExtremes(r);
  }
  // decoded by decodeScaled itself (the same bits as every sample), from a Float64Array — an
  // array type it already decodes, so its loops stay as fast as they are
  const ends = Float64Array.of(lo, hi);
  decodeScaled(ends, c.scaling, ends);
  const a = ends[0]!;
  const b = ends[1]!;
  return { range: c.scaling.mul / c.scaling.scale > 0 ? { min: a, max: b } : { min: b, max: a }, missing };
}

/** [smallest, largest, NaN count] of float samples, NaNs left out (±Infinity for none left). */
function floatExtremes(r: Float32Array): [number, number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  let nan = 0;
  for (let i = 0; i < r.length; i++) {
    const v = r[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    else if (v !== v) nan++;
  }
  return [lo, hi, nan];
}
