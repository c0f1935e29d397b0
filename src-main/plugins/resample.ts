// Loggers record channels at different rates (1–1000 Hz in one file). A plugin always gets
// its channels on one time base: sample i at i / rateHz seconds. Done on the host, once,
// so both engines get the very same arrays. Linear interpolation between neighbouring
// samples; a missing sample (NaN) stays missing rather than being invented.

export interface RatedChannel {
  rateHz: number;
  samples: Float64Array;
}

export function resampleTo(channel: RatedChannel, rateHz: number, length: number): Float64Array {
  const { samples } = channel;
  if (channel.rateHz === rateHz && samples.length === length) return samples;
  const out = new Float64Array(length);
  const step = channel.rateHz / rateHz;
  const last = samples.length - 1;
  for (let j = 0; j < length; j++) {
    const x = j * step;
    const i = Math.floor(x);
    if (i >= last) {
      out[j] = samples[last]!;
      continue;
    }
    const f = x - i;
    out[j] = f === 0 ? samples[i]! : samples[i]! + (samples[i + 1]! - samples[i]!) * f;
  }
  return out;
}

/** Resamples to `rateHz` (default: the fastest channel) over the span every channel covers. */
export function toCommonTimeBase(channels: Record<string, RatedChannel>, rateHz?: number): { rateHz: number; channels: Record<string, Float64Array> } {
  const entries = Object.entries(channels);
  if (entries.length === 0) return { rateHz: rateHz ?? 1, channels: {} };
  const rate = rateHz ?? Math.max(...entries.map(([, c]) => c.rateHz));
  const span = Math.min(...entries.map(([, c]) => (c.samples.length === 0 ? -1 : (c.samples.length - 1) / c.rateHz)));
  const length = span < 0 ? 0 : Math.floor(span * rate + 1e-9) + 1;
  const out: Record<string, Float64Array> = {};
  for (const [name, c] of entries) out[name] = resampleTo(c, rate, length);
  return { rateHz: rate, channels: out };
}
