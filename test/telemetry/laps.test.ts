// Lap splitting on synthetic data with known answers: a circuit driven at a varying speed,
// sampled by a 10 Hz GPS, against the exact lap times of the motion model.
import { describe, expect, it } from 'vitest';
import { flagPitLaps, gateCrossings, headingNear, lapsFromCrossings, lapsFromLogger, parseGate, realFixes, type Track } from '../../src-main/telemetry/laps.ts';

const CENTER = { lat: 38.16, lon: -122.45 };
const R = 400; // m

/** A circular track, clockwise, speed varying with position; lap k takes exactly `lapTimes[k]` s. */
function drive(lapTimes: number[], rateHz: number, direction = 1): { track: Track; crossings: number[] } {
  const t: number[] = [];
  const lat: number[] = [];
  const lon: number[] = [];
  const crossings: number[] = [];
  let start = 3.3; // the car crosses the line (angle 0) for the first time at t = 3.3 s
  const pre = 3.3;
  const total = pre + lapTimes.reduce((a, b) => a + b, 0) + 5;
  // angle as a function of time: piecewise, each lap a full turn, non-uniform within the lap
  const angleAt = (time: number): number => {
    if (time < pre) return -2 * Math.PI * ((pre - time) / lapTimes[0]!) * 0.999;
    let acc = pre;
    for (let k = 0; k < lapTimes.length; k++) {
      const T = lapTimes[k]!;
      if (time < acc + T || k === lapTimes.length - 1) {
        const f = (time - acc) / T;
        return 2 * Math.PI * (k + f + 0.05 * Math.sin(2 * Math.PI * f));
      }
      acc += T;
    }
    return 0;
  };
  for (let k = 0; k <= lapTimes.length; k++) {
    crossings.push(start);
    start += lapTimes[k] ?? 0;
  }
  crossings.pop();
  crossings.push(pre + lapTimes.reduce((a, b) => a + b, 0));
  for (let i = 0; i * (1 / rateHz) < total; i++) {
    const time = i / rateHz + 0.037;
    const a = direction * angleAt(time);
    // start/finish at the east of the circle; travelling north there (clockwise when seen from above means
    // heading north at angle 0 if we go counter-clockwise; we just need a consistent heading)
    const x = R * Math.cos(a);
    const y = R * Math.sin(a);
    t.push(time);
    lat.push(CENTER.lat + y / 110_540);
    lon.push(CENTER.lon + (x - R + R) / (111_320 * Math.cos((CENTER.lat * Math.PI) / 180)));
  }
  return { track: { t: Float64Array.from(t), lat: Float64Array.from(lat), lon: Float64Array.from(lon) }, crossings };
}

const gatePoint = { lat: CENTER.lat, lon: CENTER.lon + R / (111_320 * Math.cos((CENTER.lat * Math.PI) / 180)) };

describe('GPS gate', () => {
  const lapTimes = [92.31, 88.474, 90.002, 87.9];
  const { track, crossings } = drive(lapTimes, 10);

  it('finds each crossing between fixes, interpolated to well within ±0.05 s', () => {
    const heading = headingNear(track, gatePoint.lat, gatePoint.lon)!;
    expect(heading).toBeGreaterThan(350 - 360 + 360 - 20); // heading north-ish at the east side
    const found = gateCrossings(track, { ...gatePoint, headingDeg: heading, widthM: 30 });
    expect(found).toHaveLength(crossings.length);
    found.forEach((t, i) => expect(Math.abs(t - crossings[i]!)).toBeLessThan(0.05));
    const laps = lapsFromCrossings(found, track.t[track.t.length - 1]!);
    expect(laps.filter((l) => l.kind === 'lap').map((l) => l.timeS)).toHaveLength(lapTimes.length);
    laps.filter((l) => l.kind === 'lap').forEach((l, i) => expect(Math.abs(l.timeS - lapTimes[i]!)).toBeLessThan(0.05));
    expect(laps[0]!.kind).toBe('out');
    expect(laps[laps.length - 1]!.kind).toBe('in');
  });

  it('at 1 Hz GPS every crossing is still found, interpolated along the chord between fixes', () => {
    const slow = drive(lapTimes, 1);
    const heading = headingNear(slow.track, gatePoint.lat, gatePoint.lon)!;
    const found = gateCrossings(slow.track, { ...gatePoint, headingDeg: heading, widthM: 60 });
    expect(found).toHaveLength(slow.crossings.length);
    found.forEach((t, i) => expect(Math.abs(t - slow.crossings[i]!)).toBeLessThan(0.35)); // a chord of the arc: bounded error
  });

  it('ignores crossings against the direction of travel', () => {
    const heading = headingNear(track, gatePoint.lat, gatePoint.lon)!;
    expect(gateCrossings(track, { ...gatePoint, headingDeg: (heading + 180) % 360, widthM: 30 })).toEqual([]);
  });

  it('ignores passes outside the gate width, and an acceleration run gets no invented laps', () => {
    const far = { lat: gatePoint.lat, lon: gatePoint.lon + 100 / 111_320 };
    expect(gateCrossings(track, { ...far, headingDeg: 0, widthM: 30 })).toEqual([]);
    const straight: Track = { t: Float64Array.from({ length: 100 }, (_, i) => i / 10), lat: Float64Array.from({ length: 100 }, (_, i) => 40 + (i * 2) / 110_540), lon: new Float64Array(100).fill(-3) };
    const none = gateCrossings(straight, { lat: 41, lon: -3, headingDeg: 0, widthM: 30 });
    expect(none).toEqual([]);
    expect(lapsFromCrossings(none, 9.9)).toEqual([{ number: 0, startS: 0, endS: 9.9, timeS: 9.9, kind: 'partial' }]);
  });

  it('debounces a car creeping back and forth over the line', () => {
    const t = Float64Array.from({ length: 60 }, (_, i) => i * 0.5);
    const lat = Float64Array.from({ length: 60 }, (_, i) => 40 + (i % 2 === 0 ? -3 : 3) / 110_540);
    const lon = new Float64Array(60).fill(-3);
    expect(gateCrossings({ t, lat, lon }, { lat: 40, lon: -3, headingDeg: 0, widthM: 30 }, { minSpeed: 1 })).toHaveLength(2);
  });

  it('uses only real fixes: interpolated rows and missing samples are skipped', () => {
    const tt = Float64Array.from([0, 0.1, 0.2, 0.3, 0.4]);
    const la = Float64Array.from([1, 1, NaN, 2, 2]);
    const lo = Float64Array.from([5, 5, 5, 6, 6]);
    expect(Array.from(realFixes(tt, la, lo).t)).toEqual([0, 0.3]);
    expect(Array.from(realFixes(tt, la, lo, Float64Array.from([1, 0, 0, 1, 1])).t)).toEqual([0, 0.3, 0.4]);
  });
});

describe('logger laps', () => {
  it('markers with an end marker (AiM): out-lap, laps, in-lap', () => {
    const laps = lapsFromLogger({ kind: 'markers', times: [156.036, 274.506, 392.72, 558.356], source: 'aim' }, 558.356);
    expect(laps.map((l) => [l.kind, +l.timeS.toFixed(3)])).toEqual([['out', 156.036], ['lap', 118.47], ['lap', 118.214], ['in', 165.636]]);
  });

  it('beacon crossings (MoTeC): laps between crossings', () => {
    const laps = lapsFromLogger({ kind: 'markers', times: [94.136, 159.299, 222.981, 288.173, 351.932], source: 'beacon' }, 454);
    expect(laps.filter((l) => l.kind === 'lap').map((l) => +l.timeS.toFixed(3))).toEqual([65.163, 63.682, 65.192, 63.759]);
  });

  it('explicit lap times with a lap 0 (TrackAddict): lap 0 is the out-lap, every listed lap counts, the rest is the in-lap', () => {
    const laps = lapsFromLogger({ kind: 'laps', laps: [{ number: 0, startS: 0, timeS: 155.138 }, { number: 1, startS: 155.138, timeS: 444.553 }, { number: 2, startS: 599.691, timeS: 107.089 }], source: 'trailer' }, 1245.6);
    expect(laps.map((l) => [l.number, l.kind])).toEqual([[0, 'out'], [1, 'lap'], [2, 'lap'], [3, 'in']]);
    expect(laps[1]!.timeS).toBe(444.553);
    expect(laps[3]!.timeS).toBeCloseTo(1245.6 - 706.78, 6);
  });

  it('laps through the pit lane are not timed laps: ending in it or stopping in it is an in-lap, starting in it an out-lap', () => {
    const lap = (number: number, startS: number, endS: number) => ({ number, startS, endS, timeS: endS - startS, kind: 'lap' as const });
    const laps = [{ ...lap(0, 0, 10), kind: 'out' as const }, lap(1, 10, 20), lap(2, 20, 30), lap(3, 30, 40), lap(4, 40, 50), lap(5, 50, 60)];
    // lap 1 clean; in the pits from 28 to 33 (lap 2 ends there, lap 3 starts there); a stop 44–47 inside lap 4
    const flagged = flagPitLaps(laps, [{ entryS: 28, exitS: 33 }, { entryS: 44, exitS: 47 }]);
    expect(flagged.map((l) => l.kind)).toEqual(['out', 'lap', 'in', 'out', 'in', 'lap']);
    expect(flagged[2]).toEqual({ ...laps[2], kind: 'in' }); // times as they were
    expect(flagPitLaps(laps, [])).toEqual(laps);
  });

  it("a logger's lap 0 that began before the recording starts at 0", () => {
    const laps = lapsFromLogger({ kind: 'laps', laps: [{ number: 0, startS: -0.491, timeS: 155.138 }, { number: 1, startS: 154.647, timeS: 60 }], source: 'trailer' }, 300);
    expect(laps[0]).toMatchObject({ number: 0, startS: 0, timeS: 155.138, kind: 'out' });
    // another lap that began before the recording is only partly there: not a timed lap
    const late = lapsFromLogger({ kind: 'laps', laps: [{ number: 3, startS: -40, endS: -1, timeS: 39 }, { number: 4, startS: -1, endS: 60, timeS: 61 }, { number: 5, startS: 60, endS: 121, timeS: 61 }], source: 'x' }, 121);
    expect(late.map((l) => [l.number, l.kind, l.startS])).toEqual([[4, 'partial', 0], [5, 'lap', 60]]);
  });

  it('explicit completed laps (RaceCapture): the run-up is the out-lap and the last listed lap stays a lap', () => {
    const times = [128.1, 126.3, 127.8];
    let t = 63;
    const listed = times.map((timeS, i) => {
      const lap = { number: i + 1, startS: t, timeS };
      t += timeS;
      return lap;
    });
    const laps = lapsFromLogger({ kind: 'laps', laps: listed, source: 'LapCount/LapTime' }, t + 40);
    expect(laps.map((l) => [l.number, l.kind, +l.timeS.toFixed(3)])).toEqual([[0, 'out', 63], [1, 'lap', 128.1], [2, 'lap', 126.3], [3, 'lap', 127.8], [4, 'in', 40]]);
    expect(lapsFromLogger({ kind: 'laps', laps: listed, source: 'x' }, t).map((l) => l.kind)).toEqual(['out', 'lap', 'lap', 'lap']);
  });
});

describe('--gate', () => {
  it('parses lat,lon[,heading[,width]] and names what is wrong', () => {
    expect(parseGate('38.161, -122.455')).toEqual({ lat: 38.161, lon: -122.455, headingDeg: undefined, widthM: undefined });
    expect(parseGate('38.161,-122.455,-90,40')).toEqual({ lat: 38.161, lon: -122.455, headingDeg: 270, widthM: 40 });
    expect(() => parseGate('38.1')).toThrow(/expected lat,lon/);
    expect(() => parseGate('95,0')).toThrow(/latitude must be within/);
    expect(() => parseGate('1,2,3,0')).toThrow(/width must be/);
  });
});
