// Small timing helpers for benchmarks: median of repeated samples, measured side by side.
export interface BenchResult {
  name: string;
  runtime: string;
  value: number;
  unit: string;
  /** value ÷ the same work in plain Node, measured in the same run (null where not meaningful). */
  ratioToNode: number | null;
  note?: string;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The p-th percentile (0–100) of the samples: the smallest one at or above that share of them. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Median time of one run of `fn` in ms, over `samples` samples of `batch` runs each, after a few warm-up runs. */
export function timeSync(fn: () => void, samples: number, batch = 1): number {
  for (let i = 0; i < Math.min(3, samples); i++) for (let j = 0; j < batch; j++) fn();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    for (let j = 0; j < batch; j++) fn();
    times.push((performance.now() - t0) / batch);
  }
  return median(times);
}

/**
 * Median times (ms) of several functions sampled in turns — one run of each per round — so
 * that a machine busy with other work slows them alike: for figures read as a ratio.
 */
export async function timeInterleaved(fns: readonly (() => unknown)[], samples: number): Promise<number[]> {
  for (const fn of fns) await fn(); // warm-up
  const times = fns.map((): number[] => []);
  for (let i = 0; i < samples; i++) {
    for (let j = 0; j < fns.length; j++) {
      const t0 = performance.now();
      await fns[j]!();
      times[j]!.push(performance.now() - t0);
    }
  }
  return times.map(median);
}

export async function timeAsync(fn: () => Promise<unknown>, samples: number, batch = 1): Promise<number> {
  for (let i = 0; i < Math.min(3, samples); i++) for (let j = 0; j < batch; j++) await fn();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    for (let j = 0; j < batch; j++) await fn();
    times.push((performance.now() - t0) / batch);
  }
  return median(times);
}
