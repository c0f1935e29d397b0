// Inputs that find libm differences: raw bit patterns (NaN payloads, subnormals), every
// magnitude, domain edges of each function, and the classic special values.
const SPECIALS = [0, -0, 1, -1, 0.5, -0.5, 2, -2, Infinity, -Infinity, NaN, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE,
  2.2250738585072014e-308, Math.PI, -Math.PI, Math.PI / 2, Math.PI / 4, Math.E, 709.782712893384, 709.7827128933841, -745.1332191019411, -745.1332191019412,
  710.4758600739439, 1e-300, 1e300, 1 + 2 ** -52, 1 - 2 ** -53, 3, 10, 1e21, 2 ** 53, 2 ** 31, 0.1, 100];

export function sfc32(seed: number): () => number {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed | 0;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0; a = b ^ (b >>> 9); b = (c + (c << 3)) | 0; c = (c << 21) | (c >>> 11); c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** n doubles: 10 % raw bit patterns, 40 % log-uniform over all exponents, 40 % near the
 *  interesting range [-max, max] of `scale`, 10 % specials and integers. */
export function floatInputs(n: number, seed: number, scale = 20): Float64Array {
  const rnd = sfc32(seed);
  const out = new Float64Array(n);
  const u32 = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const r = rnd() % 10;
    if (r === 0) {
      u32[2 * i] = rnd();
      u32[2 * i + 1] = rnd();
    } else if (r < 5) {
      const e = (rnd() / 4294967296) * 2098 - 1074;
      out[i] = (rnd() & 1 ? -1 : 1) * 2 ** e * (1 + rnd() / 4294967296);
    } else if (r < 9) {
      out[i] = ((rnd() / 4294967296) * 2 - 1) * scale;
    } else {
      const k = rnd() % (SPECIALS.length + 20);
      out[i] = k < SPECIALS.length ? SPECIALS[k]! : (rnd() % 2001) - 1000;
    }
  }
  return out;
}
