import type { MathHandler } from '../../sdk/index.ts';

/**
 * Cumulative distance in metres from speed in km/h: the trapezoidal integral of
 * speed / 3.6 over time, sample i at i / rateHz seconds, starting at 0 m.
 *
 * An interval with a missing (NaN) speed at either end contributes nothing, so the
 * distance is carried forward across dropped samples rather than becoming NaN.
 */
export const math: MathHandler = ({ rateHz, channels }) => {
  const speed = channels.speed!;
  const out = new Float64Array(speed.length);
  // metres per (km/h summed over both ends of one interval): dt / 2 / 3.6
  const k = 1 / (7.2 * rateHz);
  let distance = 0;
  for (let i = 0; i < speed.length; i++) {
    if (i > 0) {
      const a = speed[i - 1]!;
      const b = speed[i]!;
      if (a === a && b === b) distance += (a + b) * k;
    }
    out[i] = distance;
  }
  return { distance: out };
};
