// Pure helpers over a session's lap list.
import type { LapInfo } from '../../../src-shared/contract/index.ts';

export function bestLapOf(laps: readonly LapInfo[]): LapInfo | null {
  let best: LapInfo | null = null;
  for (const l of laps) if (l.kind === 'lap' && (best === null || l.timeMs < best.timeMs)) best = l;
  return best;
}

/** The lap before/after `from` in the table order (timed laps and segments alike). */
export function stepLap(laps: readonly LapInfo[], from: number | null, by: number): number | null {
  if (laps.length === 0) return null;
  const i = laps.findIndex((l) => l.number === from);
  const j = i < 0 ? 0 : Math.max(0, Math.min(laps.length - 1, i + by));
  return laps[j]!.number;
}
