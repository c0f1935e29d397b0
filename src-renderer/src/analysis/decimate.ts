// Min/max decimation for plotting long traces: a line drawn through every sample of a
// 100 Hz hour would put thousands of points in each pixel column. Per pixel-wide bucket
// we keep each series' minimum and maximum, in the order they occur, so every spike and
// dip stays visible while a plot never holds more than ~2 points per pixel.
//
// Series share one uniform x grid (x_i = i · step), so the output does too: each bucket
// gives two x positions, its first index and its middle, carrying each series' first and
// second extreme. Missing samples (NaN) become null (a gap in the line).

export interface Decimated {
  x: number[];
  ys: (number | null)[][];
}

/**
 * Points of `series` between grid indices i0 and i1 (inclusive) for a plot `buckets`
 * pixels wide. Ranges with no more than 2 points per bucket are returned as they are.
 */
export function decimateMinMax(series: readonly Float64Array[], step: number, i0: number, i1: number, buckets: number): Decimated {
  const lo = Math.max(0, Math.floor(i0));
  const hi = Math.min(Math.min(...series.map((s) => s.length)) - 1, Math.ceil(i1));
  const x: number[] = [];
  const ys: (number | null)[][] = series.map(() => []);
  if (hi < lo) return { x, ys };
  const count = hi - lo + 1;
  const nb = Math.max(1, Math.floor(buckets));
  if (count <= nb * 2) {
    for (let i = lo; i <= hi; i++) x.push(i * step);
    series.forEach((s, k) => {
      const out = ys[k]!;
      for (let i = lo; i <= hi; i++) {
        const v = s[i]!;
        out.push(v === v ? v : null);
      }
    });
    return { x, ys };
  }
  const width = count / nb;
  for (let b = 0; b < nb; b++) {
    const a = lo + Math.floor(b * width);
    const e = b === nb - 1 ? hi + 1 : lo + Math.floor((b + 1) * width);
    x.push(a * step, ((a + e - 1) / 2) * step);
    for (let k = 0; k < series.length; k++) {
      const s = series[k]!;
      let min = Infinity;
      let max = -Infinity;
      let iMin = -1;
      let iMax = -1;
      for (let i = a; i < e; i++) {
        const v = s[i]!;
        if (v < min) {
          min = v;
          iMin = i;
        }
        if (v > max) {
          max = v;
          iMax = i;
        }
      }
      const out = ys[k]!;
      if (iMin < 0) out.push(null, null);
      else if (iMin <= iMax) out.push(min, max);
      else out.push(max, min);
    }
  }
  return { x, ys };
}
