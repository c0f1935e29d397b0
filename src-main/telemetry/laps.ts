// Splitting a session into laps. The logger's own lap information wins (markers, beacon
// events, lap trailers) — those are the numbers the driver saw on the dash. Without it, a
// start/finish gate on the GPS trace: crossings are found between consecutive *real*
// fixes and interpolated in time, in the direction of travel, above a minimum speed, and
// debounced. Out-laps, in-laps and partial segments are kinds, never counted as laps.
import type { LapKind } from '../../src-shared/contract/model.ts';
import type { LoggerLaps, PitInterval } from './model.ts';

export interface Lap {
  number: number;
  startS: number;
  endS: number;
  timeS: number;
  kind: LapKind;
}

export interface Gate {
  lat: number;
  lon: number;
  /** Direction of travel across the line, degrees from north. */
  headingDeg: number;
  /** Line length in metres, centred on the point. */
  widthM: number;
}

export interface GateOptions {
  /** Crossings slower than this are ignored (m/s). */
  minSpeed?: number;
  /** A crossing less than this after the previous one is ignored (s). */
  debounceS?: number;
}

/** A marker this close to the end of the data is the end of the recording, not a crossing. */
const END_TOLERANCE_S = 0.5;

/** Laps from boundary times: before the first = out-lap, between = laps, after the last = in-lap. */
export function lapsFromCrossings(crossings: number[], durationS: number): Lap[] {
  const times = [...crossings].filter((t) => Number.isFinite(t) && t > 0 && t < durationS - END_TOLERANCE_S).sort((a, b) => a - b);
  if (times.length === 0) return durationS > 0 ? [{ number: 0, startS: 0, endS: durationS, timeS: durationS, kind: 'partial' }] : [];
  const laps: Lap[] = [{ number: 0, startS: 0, endS: times[0]!, timeS: times[0]!, kind: 'out' }];
  for (let i = 0; i + 1 < times.length; i++) {
    laps.push({ number: i + 1, startS: times[i]!, endS: times[i + 1]!, timeS: times[i + 1]! - times[i]!, kind: 'lap' });
  }
  const last = times[times.length - 1]!;
  if (durationS > last) laps.push({ number: times.length, startS: last, endS: durationS, timeS: durationS - last, kind: 'in' });
  return laps;
}

/**
 * Laps as the logger wrote them: markers, or explicit lap times. A logger's list of lap times
 * holds completed laps (lap 0, where a logger counts one, is the run from the start of the
 * recording to the first crossing: the out-lap); what comes before the first and after the
 * last listed lap are the out- and in-lap segments.
 */
export function lapsFromLogger(info: LoggerLaps, durationS: number): Lap[] {
  if (info.kind === 'markers') return lapsFromCrossings(info.times, durationS);
  const sorted = [...info.laps].sort((a, b) => a.startS - b.startS);
  if (sorted.length === 0) return lapsFromCrossings([], durationS);
  const laps: Lap[] = [];
  const first = sorted[0]!;
  if (first.number !== 0 && first.startS > END_TOLERANCE_S) {
    laps.push({ number: 0, startS: 0, endS: first.startS, timeS: first.startS, kind: 'out' });
  }
  for (const l of sorted) {
    const endS = l.endS ?? l.startS + l.timeS;
    if (endS <= 0) continue; // ended before the recording began
    // A lap that began before the recording did starts at 0 here: lap 0 is the out-lap anyway,
    // another lap is only partly recorded, not a timed lap.
    const kind = l.number === 0 ? 'out' : l.startS < -0.001 ? 'partial' : 'lap';
    laps.push({ number: l.number, startS: Math.max(0, l.startS), endS, timeS: l.timeS, kind });
  }
  const last = laps[laps.length - 1];
  if (!last) return lapsFromCrossings([], durationS);
  if (durationS - last.endS > END_TOLERANCE_S) {
    laps.push({ number: last.number + 1, startS: last.endS, endS: durationS, timeS: durationS - last.endS, kind: 'in' });
  }
  return laps;
}

/**
 * Laps that went through the pit lane are not timed laps, whatever the logger numbered them:
 * one that ends in the pit lane, or has a whole stop in it, is an in-lap; one that starts in
 * the pit lane is an out-lap. (TrackAddict numbers them like any other and marks the pit lane
 * apart.) Other kinds are left as they are.
 */
export function flagPitLaps(laps: Lap[], pit: readonly PitInterval[]): Lap[] {
  const inPit = (t: number) => pit.some((p) => t >= p.entryS && t < p.exitS);
  return laps.map((l) => {
    if (l.kind !== 'lap' || !pit.some((p) => p.entryS < l.endS && p.exitS > l.startS)) return l;
    return { ...l, kind: inPit(l.endS) || !inPit(l.startS) ? 'in' : 'out' };
  });
}

// ---- GPS -----------------------------------------------------------------------------------

const M_PER_DEG_LAT = 110_540;
const M_PER_DEG_LON = 111_320;

export interface Track {
  /** Seconds from session start, of real fixes only. */
  t: Float64Array;
  lat: Float64Array;
  lon: Float64Array;
}

/**
 * Real GPS fixes: where the fix channel is 1 when there is one (other rows are the logger's
 * interpolation), else where the position changed; never NaN.
 */
export function realFixes(t: Float64Array, lat: Float64Array, lon: Float64Array, fix?: Float64Array): Track {
  const keep: number[] = [];
  let pLat = NaN;
  let pLon = NaN;
  for (let i = 0; i < t.length; i++) {
    const a = lat[i]!;
    const o = lon[i]!;
    if (a !== a || o !== o || (a === 0 && o === 0)) continue;
    if (fix ? fix[i] !== 1 : a === pLat && o === pLon) continue;
    keep.push(i);
    pLat = a;
    pLon = o;
  }
  const pick = (src: Float64Array) => Float64Array.from(keep, (i) => src[i]!);
  return { t: pick(t), lat: pick(lat), lon: pick(lon) };
}

/** Heading of travel (degrees from north) at the fix closest to a point. */
export function headingNear(track: Track, lat: number, lon: number): number | null {
  let best = -1;
  let bestD = Infinity;
  const cos = Math.cos((lat * Math.PI) / 180);
  for (let i = 0; i < track.t.length; i++) {
    const dx = (track.lon[i]! - lon) * cos * M_PER_DEG_LON;
    const dy = (track.lat[i]! - lat) * M_PER_DEG_LAT;
    const d = dx * dx + dy * dy;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  if (best < 0 || Math.sqrt(bestD) > 200) return null;
  const a = Math.max(0, best - 1);
  const b = Math.min(track.t.length - 1, best + 1);
  const dx = (track.lon[b]! - track.lon[a]!) * cos * M_PER_DEG_LON;
  const dy = (track.lat[b]! - track.lat[a]!) * M_PER_DEG_LAT;
  if (dx === 0 && dy === 0) return null;
  return ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
}

/** Crossing times of the gate, interpolated between the fixes either side. */
export function gateCrossings(track: Track, gate: Gate, options: GateOptions = {}): number[] {
  const minSpeed = options.minSpeed ?? 4;
  const debounce = options.debounceS ?? 20;
  const cos = Math.cos((gate.lat * Math.PI) / 180);
  const h = (gate.headingDeg * Math.PI) / 180;
  const dirX = Math.sin(h); // direction of travel (east, north)
  const dirY = Math.cos(h);
  const half = gate.widthM / 2;
  // The gate line runs perpendicular to the direction of travel: points p = s * (dirY, -dirX), |s| ≤ half.
  const out: number[] = [];
  let px = NaN;
  let py = NaN;
  for (let i = 0; i < track.t.length; i++) {
    const x = (track.lon[i]! - gate.lon) * cos * M_PER_DEG_LON;
    const y = (track.lat[i]! - gate.lat) * M_PER_DEG_LAT;
    if (i > 0) {
      // signed distance along the travel direction: crossing when it goes from < 0 to ≥ 0
      const d0 = px * dirX + py * dirY;
      const d1 = x * dirX + y * dirY;
      if (d0 < 0 && d1 >= 0) {
        const u = d0 / (d0 - d1);
        const cx = px + (x - px) * u;
        const cy = py + (y - py) * u;
        const lateral = cx * dirY - cy * dirX;
        const dt = track.t[i]! - track.t[i - 1]!;
        const speed = dt > 0 ? Math.hypot(x - px, y - py) / dt : 0;
        if (Math.abs(lateral) <= half && speed >= minSpeed && dt < 5) {
          const t = track.t[i - 1]! + u * dt;
          if (out.length === 0 || t - out[out.length - 1]! >= debounce) out.push(t);
        }
      }
    }
    px = x;
    py = y;
  }
  return out;
}

/** Parses "lat,lon[,headingDeg[,widthM]]" as the CLI takes it. */
export function parseGate(text: string): { lat: number; lon: number; headingDeg?: number; widthM?: number } {
  const parts = text.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length < 2 || parts.length > 4 || nums.some((n) => !Number.isFinite(n))) {
    throw new Error(`gate "${text}": expected lat,lon[,headingDeg[,widthM]] in decimal degrees`);
  }
  const [lat, lon, headingDeg, widthM] = nums as [number, number, number?, number?];
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) throw new Error(`gate "${text}": latitude must be within ±90 and longitude within ±180`);
  if (widthM !== undefined && !(widthM > 0 && widthM <= 500)) throw new Error(`gate "${text}": width must be 0–500 m`);
  return { lat, lon, headingDeg: headingDeg === undefined ? undefined : ((headingDeg % 360) + 360) % 360, widthM };
}
