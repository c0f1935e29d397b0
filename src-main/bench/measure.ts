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

/** A run that returns its own time in ms (it may leave untimed work out), given the round's index. */
export type TimedRun = (round: number) => number | Promise<number>;

/** A run timed whole. */
export function timed(fn: (round: number) => unknown): TimedRun {
  return async (round) => {
    const t0 = performance.now();
    const r = fn(round);
    if (r instanceof Promise) await r;
    return performance.now() - t0;
  };
}

/** At least `rounds` rounds, then more while under `ms` since the first, at most `most`. */
export interface RoundPlan {
  rounds: number;
  ms?: number;
  most?: number;
}

/**
 * Several runs sampled in turns — one of each per round — so that a machine busy with other
 * work slows them alike, for figures read as a ratio; every other round in the opposite order,
 * since whichever runs second pays for the garbage the first one left. Each run's times, by round.
 */
export async function sampleInTurns(runs: readonly TimedRun[], plan: RoundPlan): Promise<number[][]> {
  const times = runs.map((): number[] => []);
  const forward = runs.map((_, j) => j);
  const backward = [...forward].reverse();
  const since = performance.now();
  for (let i = 0; i < plan.rounds || (i < (plan.most ?? plan.rounds) && performance.now() - since < (plan.ms ?? 0)); i++) {
    for (const j of i % 2 ? backward : forward) times[j]!.push(await runs[j]!(i));
  }
  return times;
}

/** Median times (ms) of several functions sampled in turns, after one warm-up run of each. */
export async function timeInterleaved(fns: readonly (() => unknown)[], samples: number): Promise<number[]> {
  const runs = fns.map((fn) => timed(fn));
  for (const run of runs) await run(-1);
  return (await sampleInTurns(runs, { rounds: samples })).map(median);
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
