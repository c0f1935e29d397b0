import type { JsonValue, LiveHookHandler, LiveHookOutput } from '../../sdk/index.ts';
import { isNum } from '../../sdk/format.ts';

/**
 * A shift light over live frames { t, values: { rpm, gear? } }.
 *
 *   shiftLight  fraction of the LED bar lit: 0 at or below lightStartRpm, whole LEDs in
 *               between, 1 at or above shiftRpm
 *   "shift"     (info) when rpm reaches shiftRpm; re-armed only once rpm has dropped
 *               below shiftRpm − hysteresisRpm (after the upshift), so one call per shift.
 *               Not called in topGear (if configured): there is nothing to shift into.
 *   "over-rev"  (alert) when rpm goes above overRevRpm; re-armed below
 *               overRevRpm − hysteresisRpm, so one alert per excursion, whose peak is kept
 *
 * Configuration: the first state may be { config: { … } } with any of the fields of
 * DEFAULTS; the rest take the defaults. Everything the hook needs between frames lives
 * in the returned state (plain JSON, finite numbers only), so it round-trips through
 * the host unchanged. A frame without a usable rpm changes nothing.
 */

type Config = {
  lightStartRpm: number;
  shiftRpm: number;
  overRevRpm: number;
  hysteresisRpm: number;
  leds: number;
  topGear: number | null;
};

type State = {
  v: 1;
  config: Config;
  frames: number;
  shiftArmed: boolean;
  overRev: boolean;
  shifts: number;
  overRevs: number;
  lastShiftT: number | null;
  lastOverRevT: number | null;
  /** Highest rpm of the current (or last) over-rev. */
  overRevPeakRpm: number | null;
};

const DEFAULTS: Config = { lightStartRpm: 6000, shiftRpm: 7500, overRevRpm: 8000, hysteresisRpm: 250, leds: 10, topGear: null };

const isObj = (v: unknown): v is Record<string, JsonValue> => v !== null && typeof v === 'object' && !Array.isArray(v);

function configFrom(raw: JsonValue | undefined): Config {
  const c = isObj(raw) ? raw : {};
  const num = (name: keyof Config, ok: (v: number) => boolean): number | null => {
    const v = c[name];
    return isNum(v) && ok(v) ? v : null;
  };
  const config: Config = {
    lightStartRpm: num('lightStartRpm', (v) => v >= 0) ?? DEFAULTS.lightStartRpm,
    shiftRpm: num('shiftRpm', (v) => v > 0) ?? DEFAULTS.shiftRpm,
    overRevRpm: num('overRevRpm', (v) => v > 0) ?? DEFAULTS.overRevRpm,
    hysteresisRpm: num('hysteresisRpm', (v) => v >= 0) ?? DEFAULTS.hysteresisRpm,
    leds: Math.floor(num('leds', (v) => v >= 1 && v <= 100) ?? DEFAULTS.leds),
    topGear: num('topGear', (v) => v >= 1),
  };
  // an inconsistent set (lights starting above the shift point, a limit below it) is
  // corrected rather than trusted: lights start no higher than the shift point, and the
  // over-rev limit is never below it
  if (config.lightStartRpm >= config.shiftRpm) config.lightStartRpm = config.shiftRpm * 0.8;
  if (config.overRevRpm < config.shiftRpm) config.overRevRpm = config.shiftRpm;
  return config;
}

function stateFrom(raw: JsonValue): State {
  if (isObj(raw) && raw.v === 1 && isObj(raw.config)) {
    const n = (v: JsonValue | undefined) => (isNum(v) ? v : null);
    return {
      v: 1,
      config: configFrom(raw.config),
      frames: n(raw.frames) ?? 0,
      shiftArmed: raw.shiftArmed !== false,
      overRev: raw.overRev === true,
      shifts: n(raw.shifts) ?? 0,
      overRevs: n(raw.overRevs) ?? 0,
      lastShiftT: n(raw.lastShiftT),
      lastOverRevT: n(raw.lastOverRevT),
      overRevPeakRpm: n(raw.overRevPeakRpm),
    };
  }
  return {
    v: 1,
    config: configFrom(isObj(raw) ? raw.config : undefined),
    frames: 0,
    shiftArmed: true,
    overRev: false,
    shifts: 0,
    overRevs: 0,
    lastShiftT: null,
    lastOverRevT: null,
    overRevPeakRpm: null,
  };
}

/** A time for messages: up to 3 decimals. */
const timeText = (t: number) => (isNum(t) ? '' + Math.round(t * 1000) / 1000 : '?');

function lit(rpm: number, c: Config): number {
  if (rpm <= c.lightStartRpm) return 0;
  if (rpm >= c.shiftRpm) return 1;
  return Math.floor(((rpm - c.lightStartRpm) / (c.shiftRpm - c.lightStartRpm)) * c.leds) / c.leds;
}

export const liveHook: LiveHookHandler = ({ frame, state: raw }) => {
  const s = stateFrom(raw);
  const c = s.config;
  s.frames++;
  const rpm = frame.values.rpm;
  const gear = frame.values.gear;
  const events: LiveHookOutput['events'] = [];
  if (!isNum(rpm)) {
    return { state: { ...s }, events, values: { shiftLight: 0, overRev: s.overRev ? 1 : 0 } };
  }
  const t = frame.t;
  const gearText = isNum(gear) ? ' in gear ' + gear : '';

  // shift call: once per crossing of the shift point
  if (!s.shiftArmed && rpm < c.shiftRpm - c.hysteresisRpm) s.shiftArmed = true;
  const topGear = c.topGear !== null && isNum(gear) && gear >= c.topGear;
  if (s.shiftArmed && rpm >= c.shiftRpm && !topGear) {
    s.shiftArmed = false;
    s.shifts++;
    s.lastShiftT = isNum(t) ? t : null;
    events.push({ level: 'info', message: 'shift: ' + Math.round(rpm) + ' rpm' + gearText + ' at t=' + timeText(t) });
  }

  // over-rev: once per excursion above the limit
  if (s.overRev) {
    if (rpm < c.overRevRpm - c.hysteresisRpm) s.overRev = false;
    else if (s.overRevPeakRpm === null || rpm > s.overRevPeakRpm) s.overRevPeakRpm = rpm;
  }
  if (!s.overRev && rpm > c.overRevRpm) {
    s.overRev = true;
    s.overRevs++;
    s.lastOverRevT = isNum(t) ? t : null;
    s.overRevPeakRpm = rpm;
    events.push({
      level: 'alert',
      message: 'over-rev: ' + Math.round(rpm) + ' rpm (limit ' + Math.round(c.overRevRpm) + ')' + gearText + ' at t=' + timeText(t) + ', #' + s.overRevs,
    });
  }

  return { state: { ...s }, events, values: { shiftLight: lit(rpm, c), overRev: s.overRev ? 1 : 0 } };
};
