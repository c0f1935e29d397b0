// Lap traces on a common x axis, for overlays: every selected lap is put on one uniform
// grid of distance (m from the lap start) or time (s from the lap start), so laps line up
// point for point, the plots share one x array, and the cursor's x maps to a grid index
// in O(1). Pure functions over typed arrays: no DOM, no React (unit-tested in Node).

/** One channel's samples as stored: sample i at startS + i / rateHz (session seconds). */
export interface Trace {
  rateHz: number;
  startS: number;
  samples: Float64Array;
}

export type AxisKind = 'distance' | 'time';

/** Where each grid point of one lap is in time: t[i] in session seconds, NaN past the lap's end. */
export interface LapBasis {
  lap: number;
  startS: number;
  endS: number;
  t: Float64Array;
  /** Distance from the lap start at each grid point (m), when the axis could be built on distance. */
  d: Float64Array | null;
}

export interface Axis {
  kind: AxisKind;
  /** x of grid point i is i * step (m or s). */
  step: number;
  n: number;
  laps: Map<number, LapBasis>;
}

/**
 * Value of a trace at session time t: linear between two real samples, the nearest next to
 * a gap. Up to one sample period beyond either end the end sample holds (a lap boundary
 * falls between samples); further out is NaN.
 */
export function valueAt(trace: Trace, t: number): number {
  const pos = (t - trace.startS) * trace.rateHz;
  const n = trace.samples.length;
  if (!(pos >= -1 && pos <= n)) return NaN;
  if (pos <= 0) return trace.samples[0]!;
  if (pos >= n - 1) return trace.samples[n - 1]!;
  const i = Math.floor(pos);
  const f = pos - i;
  const a = trace.samples[i]!;
  if (f <= 1e-12) return a;
  const b = trace.samples[i + 1]!;
  if (a === a && b === b) return a + (b - a) * f;
  return f < 0.5 ? a : b;
}

/** The trace at each of the given session times (NaN where a time is NaN or outside). */
export function resample(trace: Trace, times: Float64Array): Float64Array {
  const out = new Float64Array(times.length);
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    out[i] = t === t ? valueAt(trace, t) : NaN;
  }
  return out;
}

/**
 * Distance travelled (m) from a speed trace in km/h, trapezoidal. An interval next to a
 * missing sample adds nothing: distance is carried over the gap (as the `distance` plugin).
 */
export function distanceFromSpeed(speedKmh: Float64Array, rateHz: number): Float64Array {
  const out = new Float64Array(speedKmh.length);
  const dt = 1 / rateHz;
  let d = 0;
  for (let i = 1; i < speedKmh.length; i++) {
    const a = speedKmh[i - 1]!;
    const b = speedKmh[i]!;
    if (a === a && b === b) d += ((Math.max(0, a) + Math.max(0, b)) / 2 / 3.6) * dt;
    out[i] = d;
  }
  return out;
}

const EARTH_RADIUS_M = 6_371_000;

/** Distance travelled (m) along GPS fixes in degrees (haversine); missing fixes add nothing. */
export function distanceFromGps(lat: Float64Array, lon: Float64Array): Float64Array {
  const n = Math.min(lat.length, lon.length);
  const out = new Float64Array(n);
  const rad = Math.PI / 180;
  let d = 0;
  let pLat = NaN;
  let pLon = NaN;
  for (let i = 0; i < n; i++) {
    const la = lat[i]!;
    const lo = lon[i]!;
    if (la === la && lo === lo && !(la === 0 && lo === 0)) {
      if (pLat === pLat) {
        const dLat = (la - pLat) * rad;
        const dLon = (lo - pLon) * rad;
        const h = Math.sin(dLat / 2) ** 2 + Math.cos(pLat * rad) * Math.cos(la * rad) * Math.sin(dLon / 2) ** 2;
        d += 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
      }
      pLat = la;
      pLon = lo;
    }
    out[i] = d;
  }
  return out;
}

export interface LapWindow {
  lap: number;
  startS: number;
  endS: number;
}

/**
 * A time axis over laps: grid step 1 / rateHz, as long as the longest lap. Point i of a lap
 * is at its start + i·step, NaN after its end.
 */
export function timeAxis(laps: LapWindow[], rateHz: number): Axis {
  const step = 1 / rateHz;
  const longest = Math.max(0, ...laps.map((l) => l.endS - l.startS));
  const n = Math.max(2, Math.floor(longest / step + 1e-9) + 1);
  const bases = new Map<number, LapBasis>();
  for (const l of laps) {
    const t = new Float64Array(n);
    const dur = l.endS - l.startS;
    for (let i = 0; i < n; i++) {
      const x = i * step;
      t[i] = x <= dur + 1e-9 ? l.startS + x : NaN;
    }
    bases.set(l.lap, { lap: l.lap, startS: l.startS, endS: l.endS, t, d: null });
  }
  return { kind: 'time', step, n, laps: bases };
}

/**
 * A distance axis over laps: each lap's distance from its own start (from `distance`, a
 * trace of cumulative metres over the session or the lap), inverted to the time at each
 * grid distance. The grid has about `pointsPerLap` points over the longest lap.
 */
export function distanceAxis(laps: (LapWindow & { distance: Trace })[], pointsPerLap: number): Axis {
  const perLap = laps.map((l) => {
    // the lap's own samples of cumulative distance, from 0 at the lap start
    const { distance } = l;
    const i0 = Math.max(0, Math.ceil((l.startS - distance.startS) * distance.rateHz - 1e-9));
    const i1 = Math.min(distance.samples.length - 1, Math.floor((l.endS - distance.startS) * distance.rateHz + 1e-9));
    const d0 = valueAt(distance, l.startS);
    const times: number[] = [l.startS];
    const dists: number[] = [0];
    for (let i = i0; i <= i1; i++) {
      const t = distance.startS + i / distance.rateHz;
      const v = distance.samples[i]! - d0;
      if (t > l.startS && v === v) {
        times.push(t);
        dists.push(Math.max(v, dists[dists.length - 1]!)); // never backwards (noise at standstill)
      }
    }
    const dEnd = valueAt(distance, l.endS) - d0;
    if (l.endS > times[times.length - 1]! && dEnd === dEnd) {
      times.push(l.endS);
      dists.push(Math.max(dEnd, dists[dists.length - 1]!));
    }
    return { ...l, times: Float64Array.from(times), dists: Float64Array.from(dists), length: dists[dists.length - 1]! };
  });
  const longest = Math.max(1, ...perLap.map((l) => l.length));
  const step = longest / Math.max(1, pointsPerLap - 1);
  const n = Math.max(2, Math.floor(longest / step + 1e-9) + 1);
  const bases = new Map<number, LapBasis>();
  for (const l of perLap) {
    const t = new Float64Array(n).fill(NaN);
    const d = new Float64Array(n).fill(NaN);
    let j = 0;
    for (let i = 0; i < n; i++) {
      const x = i * step;
      if (x > l.length + 1e-9) break;
      while (j + 1 < l.dists.length - 1 && l.dists[j + 1]! < x) j++;
      const da = l.dists[j]!;
      const db = l.dists[Math.min(j + 1, l.dists.length - 1)]!;
      const ta = l.times[j]!;
      const tb = l.times[Math.min(j + 1, l.times.length - 1)]!;
      t[i] = db > da ? ta + ((x - da) / (db - da)) * (tb - ta) : ta;
      d[i] = x;
    }
    bases.set(l.lap, { lap: l.lap, startS: l.startS, endS: l.endS, t, d });
  }
  return { kind: 'distance', step, n, laps: bases };
}

/** A channel of one lap on the axis grid. */
export function onAxis(axis: Axis, lap: number, trace: Trace): Float64Array {
  const basis = axis.laps.get(lap);
  if (!basis) throw new Error(`lap ${lap} is not on this axis`);
  return resample(trace, basis.t);
}

/**
 * Time variance: how far `lap` is behind (+) or ahead (−) of `reference` at the same
 * distance, in seconds, at each grid point of a distance axis (NaN where either lap has
 * no data). Only a distance axis compares like with like: null on a time axis.
 */
export function timeVariance(axis: Axis, reference: number, lap: number): Float64Array | null {
  if (axis.kind !== 'distance') return null;
  const ref = axis.laps.get(reference);
  const cmp = axis.laps.get(lap);
  if (!ref || !cmp) throw new Error(`laps ${reference} and ${lap} must both be on the axis`);
  const out = new Float64Array(axis.n);
  for (let i = 0; i < axis.n; i++) out[i] = cmp.t[i]! - cmp.startS - (ref.t[i]! - ref.startS);
  return out;
}

/** Grid index nearest to x (clamped), O(1) on the uniform grid. */
export function indexAt(axis: Pick<Axis, 'step' | 'n'>, x: number): number {
  return Math.min(axis.n - 1, Math.max(0, Math.round(x / axis.step)));
}
