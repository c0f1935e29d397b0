// What the engineer is looking at, shared by every screen: the screen, the session, the
// laps picked for overlays (in the order they were picked: that order gives their colours),
// the reference lap, the lap the cursor of the lap table is on, the x axis and the plotted
// channels. One reducer, so keyboard shortcuts and clicks change it the same way.
import { createContext, useContext, type Dispatch } from 'react';
import type { AxisKind } from '../analysis/traces.ts';

export type ScreenId = 'sessions' | 'session' | 'channels' | 'dashboard' | 'runplan' | 'live' | 'plugins' | 'accounts';

export type ChannelRef = { kind: 'log'; name: string } | { kind: 'math'; plugin: string; output: string };

export const channelKey = (c: ChannelRef) => (c.kind === 'log' ? `log:${c.name}` : `math:${c.plugin}:${c.output}`);

export interface Workspace {
  screen: ScreenId;
  sessionId: string | null;
  selectedLaps: number[];
  refLap: number | null;
  focusLap: number | null;
  axis: AxisKind;
  /** null: the defaults for the session (speed, rpm, throttle, brake when it has them). */
  plotted: ChannelRef[] | null;
}

export type Action =
  | { type: 'screen'; screen: ScreenId }
  | { type: 'openSession'; sessionId: string; bestLap: number | null; screen?: ScreenId }
  | { type: 'closeSession'; sessionId: string }
  | { type: 'toggleLap'; lap: number }
  | { type: 'selectLaps'; laps: number[] }
  | { type: 'setRef'; lap: number }
  | { type: 'focus'; lap: number | null }
  | { type: 'axis'; axis: AxisKind }
  | { type: 'plotted'; channels: ChannelRef[] };

export const initialWorkspace: Workspace = {
  screen: 'sessions',
  sessionId: null,
  selectedLaps: [],
  refLap: null,
  focusLap: null,
  axis: 'distance',
  plotted: null,
};

export const MAX_OVERLAY = 6;

export function workspaceReducer(s: Workspace, a: Action): Workspace {
  switch (a.type) {
    case 'screen':
      return { ...s, screen: a.screen };
    case 'openSession':
      if (s.sessionId === a.sessionId) return { ...s, screen: a.screen ?? 'session' };
      return {
        ...s,
        screen: a.screen ?? 'session',
        sessionId: a.sessionId,
        selectedLaps: a.bestLap === null ? [] : [a.bestLap],
        refLap: a.bestLap,
        focusLap: a.bestLap,
        plotted: null,
      };
    case 'closeSession':
      return s.sessionId === a.sessionId ? { ...initialWorkspace, axis: s.axis } : s;
    case 'toggleLap': {
      if (s.selectedLaps.includes(a.lap)) {
        const selectedLaps = s.selectedLaps.filter((l) => l !== a.lap);
        return { ...s, selectedLaps, refLap: s.refLap === a.lap ? (selectedLaps[0] ?? null) : s.refLap };
      }
      const selectedLaps = [...s.selectedLaps, a.lap].slice(-MAX_OVERLAY);
      return { ...s, selectedLaps, refLap: s.refLap !== null && selectedLaps.includes(s.refLap) ? s.refLap : (selectedLaps[0] ?? null) };
    }
    case 'selectLaps':
      return { ...s, selectedLaps: a.laps.slice(0, MAX_OVERLAY), refLap: a.laps.includes(s.refLap ?? NaN) ? s.refLap : (a.laps[0] ?? null) };
    case 'setRef':
      return { ...s, refLap: a.lap, selectedLaps: s.selectedLaps.includes(a.lap) ? s.selectedLaps : [a.lap, ...s.selectedLaps].slice(0, MAX_OVERLAY) };
    case 'focus':
      return { ...s, focusLap: a.lap };
    case 'axis':
      return { ...s, axis: a.axis };
    case 'plotted':
      return { ...s, plotted: a.channels };
  }
}

export const WorkspaceContext = createContext<{ ws: Workspace; dispatch: Dispatch<Action> } | null>(null);

export function useWorkspace(): { ws: Workspace; dispatch: Dispatch<Action> } {
  const v = useContext(WorkspaceContext);
  if (!v) throw new Error('useWorkspace outside WorkspaceContext');
  return v;
}

/** High-contrast overlay colours on the dark background; the first is the accent yellow. */
export const LAP_COLOURS = ['#ffcc00', '#33ccff', '#ff4fd8', '#3ddc84', '#ff8c1a', '#f4f6f8'];

export function lapColour(ws: Pick<Workspace, 'selectedLaps'>, lap: number): string {
  const i = ws.selectedLaps.indexOf(lap);
  return LAP_COLOURS[(i < 0 ? 0 : i) % LAP_COLOURS.length]!;
}
