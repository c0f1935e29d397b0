// The UI's trace arithmetic (src-renderer/src/analysis): lap overlays on a common grid,
// distance from speed and GPS, time variance, and min/max decimation for plotting.
import { describe, expect, it } from 'vitest';
import { decimateMinMax } from '../../src-renderer/src/analysis/decimate.ts';
import { distanceAxis, distanceFromGps, distanceFromSpeed, indexAt, onAxis, resample, timeAxis, timeVariance, valueAt, type Trace } from '../../src-renderer/src/analysis/traces.ts';

const trace = (samples: number[], rateHz = 10, startS = 0): Trace => ({ rateHz, startS, samples: Float64Array.from(samples) });

describe('valueAt / resample', () => {
  it('interpolates between real samples, takes the nearest next to a gap, holds the ends for one period, NaN further out', () => {
    const t = trace([0, 10, NaN, 30], 1, 100);
    expect(valueAt(t, 100)).toBe(0);
    expect(valueAt(t, 100.25)).toBeCloseTo(2.5);
    expect(valueAt(t, 101.2)).toBe(10); // next sample missing: nearest
    expect(valueAt(t, 101.8)).toBeNaN();
    expect(valueAt(t, 103)).toBe(30);
    expect(valueAt(t, 99.5)).toBe(0);
    expect(valueAt(t, 103.5)).toBe(30);
    expect(valueAt(t, 98.9)).toBeNaN();
    expect(valueAt(t, 104.1)).toBeNaN();
    expect([...resample(t, Float64Array.from([100.5, NaN, 103]))]).toEqual([5, NaN, 30]);
  });
});

describe('distance', () => {
  it('integrates km/h with the trapezoidal rule and carries it over missing samples', () => {
    const d = distanceFromSpeed(Float64Array.from([36, 36, NaN, 72, 72]), 1); // 36 km/h = 10 m/s
    expect([...d]).toEqual([0, 10, 10, 10, 30]);
  });

  it('sums haversine steps between GPS fixes, skipping missing ones', () => {
    // 0.001° of latitude ≈ 111.19 m
    const d = distanceFromGps(Float64Array.from([45, 45.001, NaN, 45.002]), Float64Array.from([7, 7, NaN, 7]));
    expect(d[1]).toBeCloseTo(111.19, 1);
    expect(d[2]).toBe(d[1]);
    expect(d[3]).toBeCloseTo(222.39, 1);
  });
});

describe('axes', () => {
  it('puts laps of different lengths on one time grid, NaN past each lap end', () => {
    const axis = timeAxis([{ lap: 1, startS: 10, endS: 12 }, { lap: 2, startS: 12, endS: 15 }], 2);
    expect(axis.n).toBe(7); // 0 … 3 s every 0.5 s
    expect([...axis.laps.get(1)!.t]).toEqual([10, 10.5, 11, 11.5, 12, NaN, NaN]);
    expect([...axis.laps.get(2)!.t]).toEqual([12, 12.5, 13, 13.5, 14, 14.5, 15]);
    const speed = trace([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], 1);
    expect([...onAxis(axis, 2, speed)].slice(0, 3)).toEqual([12, 12.5, 13]);
  });

  it('measures each lap from its own start even when the lap starts between two samples', () => {
    const cumulative = trace([0, 10, 20, 30, 40, 50], 1);
    const axis = distanceAxis([{ lap: 1, startS: 0.5, endS: 4.5, distance: cumulative }], 5);
    const l = axis.laps.get(1)!;
    expect(axis.step).toBeCloseTo(10); // 5 → 45 m: 40 m
    expect(l.t[0]).toBeCloseTo(0.5);
    expect(l.t[2]).toBeCloseTo(2.5);
    expect(l.t[4]).toBeCloseTo(4.5);
  });

  it('inverts distance to time so that the same grid point is the same place on every lap', () => {
    // lap 1 at 10 m/s, lap 2 at 20 m/s over the same 100 m
    const cumulative = trace([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 120, 140, 160, 180, 200], 1);
    const axis = distanceAxis(
      [
        { lap: 1, startS: 0, endS: 10, distance: cumulative },
        { lap: 2, startS: 10, endS: 15, distance: cumulative },
      ],
      11,
    );
    expect(axis.step).toBeCloseTo(10);
    const l1 = axis.laps.get(1)!;
    const l2 = axis.laps.get(2)!;
    expect(l1.t[5]).toBeCloseTo(5); // 50 m into lap 1
    expect(l2.t[5]).toBeCloseTo(12.5); // 50 m into lap 2
    const variance = timeVariance(axis, 1, 2)!;
    expect(variance[0]).toBeCloseTo(0);
    expect(variance[5]).toBeCloseTo(-2.5); // lap 2 is 2.5 s ahead at 50 m
    expect(variance[10]).toBeCloseTo(-5);
    expect(timeVariance(timeAxis([{ lap: 1, startS: 0, endS: 1 }], 10), 1, 1)).toBeNull();
  });

  it('maps an x to the nearest grid index, clamped', () => {
    expect(indexAt({ step: 0.5, n: 7 }, 1.2)).toBe(2);
    expect(indexAt({ step: 0.5, n: 7 }, -3)).toBe(0);
    expect(indexAt({ step: 0.5, n: 7 }, 99)).toBe(6);
  });
});

describe('decimateMinMax', () => {
  it('returns short ranges as they are, with NaN as gaps', () => {
    const d = decimateMinMax([Float64Array.from([1, NaN, 3])], 2, 0, 2, 10);
    expect(d).toEqual({ x: [0, 2, 4], ys: [[1, null, 3]] });
  });

  it('keeps every spike and dip of a long trace in order, with ≤ 2 points per bucket', () => {
    const n = 100_000;
    const s = new Float64Array(n).map((_, i) => Math.sin(i / 1000));
    s[31_234] = 50; // a spike one sample wide
    s[77_777] = -50; // a dip
    const d = decimateMinMax([s, s.map((v) => -v)], 0.01, 0, n - 1, 500);
    expect(d.x.length).toBe(1000);
    expect(d.ys[0]!.length).toBe(1000);
    expect(Math.max(...(d.ys[0] as number[]))).toBe(50);
    expect(Math.min(...(d.ys[0] as number[]))).toBe(-50);
    expect(Math.min(...(d.ys[1] as number[]))).toBe(-50);
    for (let i = 1; i < d.x.length; i++) expect(d.x[i]!).toBeGreaterThan(d.x[i - 1]!);
  });

  it('decimates only the visible index range', () => {
    const s = new Float64Array(10_000).map((_, i) => i);
    const d = decimateMinMax([s], 1, 2000, 2999, 100);
    expect(d.x[0]).toBe(2000);
    expect(Math.max(...(d.ys[0] as number[]))).toBe(2999);
    expect(Math.min(...(d.ys[0] as number[]))).toBe(2000);
  });
});
