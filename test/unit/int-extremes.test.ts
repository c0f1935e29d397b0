// The SIMD range scan must give exactly what a scalar scan gives, for every integer width,
// length (below the SIMD threshold, around vector edges, long) and alignment.
import { describe, expect, it } from 'vitest';
import { intExtremes, simdAvailable } from '../../src-main/telemetry/int-extremes.ts';
import { mulberry32 } from '../support/prng.ts';

function scalar(a: Int8Array | Int16Array | Int32Array): [number, number] {
  let lo = a[0]!;
  let hi = lo;
  for (const v of a) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

describe('integer channel range', () => {
  it('runs on WebAssembly SIMD here', () => {
    expect(simdAvailable()).toBe(true);
  });

  for (const T of [Int8Array, Int16Array, Int32Array]) {
    it(`${T.name}: the same extremes as a scalar scan`, () => {
      const rand = mulberry32(T.BYTES_PER_ELEMENT);
      const bits = T.BYTES_PER_ELEMENT * 8;
      for (const n of [1, 2, 7, 255, 256, 257, 263, 4095, 4096, 4097, 65_537, 200_001]) {
        const a = new T(n + 3);
        for (let i = 0; i < a.length; i++) a[i] = Math.floor(rand() * 2 ** bits) - 2 ** (bits - 1);
        for (const offset of [0, 1, 3]) {
          const b = a.slice();
          // the type's extremes at the view's very end (where the padding goes) and near its start must still count
          if (n > 10) {
            b[offset + n - 1] = -(2 ** (bits - 1));
            b[offset + 2] = 2 ** (bits - 1) - 1;
          }
          const view = new T(b.buffer, offset * T.BYTES_PER_ELEMENT, n);
          expect(intExtremes(view), `${T.name} n=${n} offset=${offset}`).toEqual(scalar(view));
          if (n > 10) expect(intExtremes(view)).toEqual([-(2 ** (bits - 1)), 2 ** (bits - 1) - 1]);
        }
        const constant = new T(n).fill(-5);
        expect(intExtremes(constant)).toEqual([-5, -5]);
      }
    });
  }
});
