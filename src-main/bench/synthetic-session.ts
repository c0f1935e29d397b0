// A driven session made up from scratch, as a MoTeC .ld (+ its .ldx beacons): a closed
// circuit with three fast sweepers and slow corners, GPS position, speed, engine speed,
// gear, throttle and brake at one rate, each lap a little faster or slower than the last.
// `race bench` paints its UI benchmarks with it and the browser tests use it when the real
// sample files are not there. Deterministic: the same options give the same bytes.
import { writeLdx, writeMotecLd, type LdChannelSpec } from '../telemetry/writers/motec.ts';

export interface SyntheticOptions {
  laps?: number;
  rateHz?: number;
  venue?: string;
}

export interface SyntheticSession {
  ld: Uint8Array;
  ldx: Uint8Array;
}

const CENTRE = { lat: 50.3356, lon: 6.9475 };
const R = 480; // m
const M_PER_DEG_LAT = 111_132;

/** The track: a lobed loop, position in metres east/north at angle θ. */
function track(theta: number): [number, number] {
  const r = R * (1 + 0.22 * Math.cos(3 * theta) + 0.08 * Math.sin(2 * theta));
  return [r * Math.sin(theta), r * Math.cos(theta)];
}

/** Target speed (km/h) along the lap: fast on the lobes' straights, slow at their ends. */
function targetSpeed(theta: number): number {
  const c = 0.5 + 0.5 * Math.cos(3 * theta + 0.4);
  return 85 + 175 * c ** 1.6;
}

export function syntheticSession(options: SyntheticOptions = {}): SyntheticSession {
  const laps = options.laps ?? 40;
  const rate = options.rateHz ?? 100;
  const dt = 1 / rate;
  const cosLat = Math.cos((CENTRE.lat * Math.PI) / 180);
  const lat: number[] = [];
  const lon: number[] = [];
  const speed: number[] = [];
  const rpm: number[] = [];
  const gear: number[] = [];
  const throttle: number[] = [];
  const brake: number[] = [];
  const crossings: number[] = [];
  let theta = -0.5; // the out-lap starts in the pit lane, before the line
  let v = 60; // km/h
  let t = 0;
  const totalTheta = 2 * Math.PI * laps + 0.5 + 0.6; // an in-lap segment after the last crossing
  while (theta < totalTheta - 0.5) {
    const lap = Math.floor(theta / (2 * Math.PI));
    // each lap a little different, a fast run in the middle of the stint
    const pace = 1 + 0.012 * Math.sin(lap * 1.7) - 0.01 * Math.exp(-(((lap - laps * 0.6) / 4) ** 2));
    const target = targetSpeed(theta) / pace;
    const accel = target > v ? Math.min(9, (target - v) * 2) : Math.max(-40, (target - v) * 6); // km/h per s
    v = Math.max(40, v + accel * dt);
    const [x0, y0] = track(theta);
    const [x1, y1] = track(theta + 1e-4);
    const ds = (v / 3.6) * dt;
    const dTheta = (ds / Math.hypot(x1 - x0, y1 - y0)) * 1e-4;
    const before = Math.floor(theta / (2 * Math.PI));
    theta += dTheta;
    t += dt;
    if (Math.floor(theta / (2 * Math.PI)) > before && theta > 0) crossings.push(t);
    const [x, y] = track(theta);
    lat.push(CENTRE.lat + y / M_PER_DEG_LAT);
    lon.push(CENTRE.lon + x / (M_PER_DEG_LAT * cosLat));
    const g = v < 95 ? 2 : v < 135 ? 3 : v < 175 ? 4 : v < 215 ? 5 : 6;
    const ratio = [0, 0, 62, 48, 40, 35, 31][g]!;
    speed.push(v);
    gear.push(g);
    rpm.push(Math.min(9000, 1500 + v * ratio + 40 * Math.sin(t * 7)));
    throttle.push(accel >= 0 ? Math.min(100, 35 + accel * 8) : 0);
    brake.push(accel < -8 ? Math.min(120, -accel * 2.6) : 0);
  }
  const ch = (name: string, unit: string, values: number[], type: LdChannelSpec['type'], dec: number): LdChannelSpec => ({ name, unit, rateHz: rate, type, dec, values });
  const ld = writeMotecLd({
    date: '14/06/2025',
    time: '10:30:00',
    driver: 'R. Engineer',
    vehicle: 'GT4 #42',
    venue: options.venue ?? 'Synthetic Ring',
    session: 'Practice 2',
    shortComment: 'generated',
    channels: [
      ch('GPS Latitude', 'deg', lat, 'int32', 7),
      ch('GPS Longitude', 'deg', lon, 'int32', 7),
      ch('Ground Speed', 'km/h', speed, 'int16', 1),
      ch('Engine RPM', 'rpm', rpm, 'int16', 0),
      ch('Gear', '', gear, 'int16', 0),
      ch('Throttle Pos', '%', throttle, 'int16', 1),
      ch('Brake Pres Front', 'bar', brake, 'int16', 1),
    ],
  });
  return { ld, ldx: writeLdx(crossings) };
}
