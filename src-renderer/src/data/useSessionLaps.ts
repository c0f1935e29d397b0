import { useEffect } from 'react';
import type { LapInfo } from '../../../src-shared/contract/index.ts';
import { useWorkspace } from '../state/workspace.tsx';
import { useRaceQuery, type QueryState } from '../useRaceQuery.ts';
import { lapsOf } from './cache.ts';
import { bestLapOf } from './laps.ts';

export { bestLapOf, stepLap } from './laps.ts';

/**
 * The open session's laps. A session opened with nothing picked starts with its best lap
 * (or its first segment) selected, as the reference and under the lap cursor.
 */
export function useSessionLaps(): QueryState<LapInfo[]> {
  const { ws, dispatch } = useWorkspace();
  const sessionId = ws.sessionId!;
  const laps = useRaceQuery(() => lapsOf(sessionId), [sessionId]);
  useEffect(() => {
    if (!laps.data || ws.selectedLaps.length > 0 || laps.data.length === 0) return;
    const first = bestLapOf(laps.data) ?? laps.data[0]!;
    dispatch({ type: 'selectLaps', laps: [first.number] });
    dispatch({ type: 'setRef', lap: first.number });
    dispatch({ type: 'focus', lap: first.number });
  }, [laps.data, ws.selectedLaps.length, dispatch]);
  return laps;
}
