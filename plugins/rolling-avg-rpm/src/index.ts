import type { MathHandler } from '../../sdk/index.ts';

/**
 * Trailing moving average with a running sum. Samples that are missing (NaN) are left out
 * of the window instead of poisoning it; a window with no samples gives NaN.
 */
export const math: MathHandler = ({ rateHz, channels, params }) => {
  const rpm = channels.rpm!;
  const windowSeconds = Number(params.windowSeconds);
  const width = Math.max(1, Math.round(windowSeconds * rateHz));
  const out = new Float64Array(rpm.length);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < rpm.length; i++) {
    const v = rpm[i]!;
    if (v === v) {
      sum += v;
      count++;
    }
    if (i >= width) {
      const old = rpm[i - width]!;
      if (old === old) {
        sum -= old;
        count--;
      }
    }
    out[i] = count > 0 ? sum / count : NaN;
  }
  return { rpm_avg: out };
};
