import type { JsonValue, Kpi, KpiHandler } from '../../sdk/index.ts';

/**
 * Per-lap key figures from speed, rpm, throttle and brake on one time base.
 *
 * Missing samples (NaN) are skipped everywhere: they never count as zero speed, as a
 * lifted throttle or as a released brake. A figure over no valid samples is NaN.
 *
 * Thresholds come from the lap's meta when given there as finite numbers:
 *   fullThrottlePct  (default 98)  throttle at or above this is full throttle
 *   brakeThreshold   (default 5)   brake above this (% or bar) is braking
 *   minBrakeSeconds  (default 0.2) a braking zone shorter than this is a dab, not a zone
 *   brakeGapSeconds  (default 0.2) a release shorter than this does not end a zone
 */

const DEFAULTS = { fullThrottlePct: 98, brakeThreshold: 5, minBrakeSeconds: 0.2, brakeGapSeconds: 0.2 };

function setting(meta: Record<string, JsonValue>, name: keyof typeof DEFAULTS): number {
  const v = meta[name];
  return typeof v === 'number' && v === v && v !== Infinity && v !== -Infinity ? v : DEFAULTS[name];
}

function maxMin(values: Float64Array): { max: number; min: number } {
  let max = NaN;
  let min = NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    if (!(v <= max)) max = v; // also takes the first valid sample (max is NaN)
    if (!(v >= min)) min = v;
  }
  return { max, min };
}

function mean(values: Float64Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === v) {
      sum += v;
      n++;
    }
  }
  return n > 0 ? sum / n : NaN;
}

/** Seconds with throttle at or above `threshold`: one sample period per qualifying sample. */
function fullThrottleSeconds(throttle: Float64Array, threshold: number, rateHz: number): number {
  let n = 0;
  let valid = 0;
  for (let i = 0; i < throttle.length; i++) {
    const v = throttle[i]!;
    if (v !== v) continue;
    valid++;
    if (v >= threshold) n++;
  }
  return valid > 0 ? n / rateHz : NaN;
}

/**
 * Braking zones: a zone starts at the first sample above the threshold and ends once the
 * brake has stayed at or below it for `gapSamples` (debounce, so a brief release or a
 * noisy pressure trace does not split one zone into two). A zone whose braking span
 * (first to last sample above threshold) is shorter than `minSamples` is not counted.
 * NaN samples carry no information: they neither start, extend nor end a zone.
 */
function countBrakingZones(brake: Float64Array, threshold: number, minSamples: number, gapSamples: number): number {
  let zones = 0;
  let valid = 0;
  let inZone = false;
  let start = 0;
  let lastAbove = 0;
  for (let i = 0; i < brake.length; i++) {
    const v = brake[i]!;
    if (v !== v) continue;
    valid++;
    if (v > threshold) {
      if (!inZone) {
        inZone = true;
        start = i;
      }
      lastAbove = i;
    } else if (inZone && i - lastAbove >= gapSamples) {
      if (lastAbove - start + 1 >= minSamples) zones++;
      inZone = false;
    }
  }
  if (inZone && lastAbove - start + 1 >= minSamples) zones++;
  return valid > 0 ? zones : NaN;
}

export const kpiProcessor: KpiHandler = ({ rateHz, channels, meta }) => {
  const speed = channels.speed!;
  const rpm = channels.rpm!;
  const throttle = channels.throttle!;
  const brake = channels.brake!;
  const minSamples = Math.max(1, Math.round(setting(meta, 'minBrakeSeconds') * rateHz));
  const gapSamples = Math.max(1, Math.round(setting(meta, 'brakeGapSeconds') * rateHz));
  const s = maxMin(speed);
  const kpis: Kpi[] = [
    { name: 'max speed', value: s.max, unit: 'km/h', better: 'higher' },
    { name: 'min speed', value: s.min, unit: 'km/h', better: 'higher' },
    { name: 'average rpm', value: mean(rpm), unit: 'rpm', better: 'none' },
    { name: 'full throttle time', value: fullThrottleSeconds(throttle, setting(meta, 'fullThrottlePct'), rateHz), unit: 's', better: 'higher' },
    { name: 'braking zones', value: countBrakingZones(brake, setting(meta, 'brakeThreshold'), minSamples, gapSamples), unit: 'count', better: 'none' },
  ];
  return kpis;
};
