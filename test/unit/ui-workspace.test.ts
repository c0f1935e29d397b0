// The UI's shared selection (src-renderer/src/state/workspace.tsx): which laps are overlaid,
// in which order (their colours), and which one is the reference.
import { describe, expect, it } from 'vitest';
import { initialWorkspace, lapColour, LAP_COLOURS, MAX_OVERLAY, workspaceReducer, type Action, type Workspace } from '../../src-renderer/src/state/workspace.tsx';
import { stepLap } from '../../src-renderer/src/data/laps.ts';
import { panRange, zoomRange } from '../../src-renderer/src/plot/model.ts';

const run = (actions: Action[], from: Workspace = initialWorkspace) => actions.reduce(workspaceReducer, from);

describe('workspace', () => {
  it('opens a session on the Session screen with its best lap as the reference, and keeps the choice when reopened', () => {
    const ws = run([{ type: 'openSession', sessionId: 's1', bestLap: 7 }]);
    expect(ws).toMatchObject({ screen: 'session', sessionId: 's1', selectedLaps: [7], refLap: 7, focusLap: 7 });
    const again = run([{ type: 'toggleLap', lap: 3 }, { type: 'screen', screen: 'sessions' }, { type: 'openSession', sessionId: 's1', bestLap: 7 }], ws);
    expect(again.selectedLaps).toEqual([7, 3]);
    expect(run([{ type: 'openSession', sessionId: 's2', bestLap: null }], again)).toMatchObject({ sessionId: 's2', selectedLaps: [], refLap: null, plotted: null });
  });

  it('colours laps by the order they were picked; removing the reference hands it to the next lap', () => {
    const ws = run([{ type: 'openSession', sessionId: 's', bestLap: 5 }, { type: 'toggleLap', lap: 2 }, { type: 'toggleLap', lap: 9 }]);
    expect(ws.selectedLaps).toEqual([5, 2, 9]);
    expect([5, 2, 9].map((l) => lapColour(ws, l))).toEqual(LAP_COLOURS.slice(0, 3));
    const without = run([{ type: 'toggleLap', lap: 5 }], ws);
    expect(without).toMatchObject({ selectedLaps: [2, 9], refLap: 2 });
    expect(run([{ type: 'setRef', lap: 11 }], without)).toMatchObject({ selectedLaps: [11, 2, 9], refLap: 11 });
  });

  it(`overlays at most ${MAX_OVERLAY} laps, dropping the oldest pick`, () => {
    const ws = run(Array.from({ length: MAX_OVERLAY + 2 }, (_, i) => ({ type: 'toggleLap', lap: i + 1 }) as Action));
    expect(ws.selectedLaps).toEqual([3, 4, 5, 6, 7, 8]);
    expect(ws.refLap).toBe(3);
  });

  it('forgets a deleted session', () => {
    const ws = run([{ type: 'openSession', sessionId: 's', bestLap: 1 }, { type: 'axis', axis: 'time' }, { type: 'closeSession', sessionId: 's' }]);
    expect(ws).toEqual({ ...initialWorkspace, axis: 'time' });
    expect(run([{ type: 'closeSession', sessionId: 'other' }], ws)).toBe(ws);
  });
});

describe('lap stepping and zoom', () => {
  const laps = [0, 1, 2, 3].map((number) => ({ number }));
  it('steps through the lap list and stops at its ends', () => {
    expect(stepLap(laps as never, 1, 1)).toBe(2);
    expect(stepLap(laps as never, 3, 1)).toBe(3);
    expect(stepLap(laps as never, 0, -1)).toBe(0);
    expect(stepLap(laps as never, null, 1)).toBe(0); // nothing under the cursor yet: the first lap
    expect(stepLap([], 1, 1)).toBeNull();
  });

  it('zooms around a point, never past the axis, and pans inside it', () => {
    const axis = { n: 1001, step: 1 }; // 0 … 1000
    expect(zoomRange(axis, null, 0.5)).toEqual([250, 750]);
    expect(zoomRange(axis, null, 0.5, 100)).toEqual([50, 550]);
    expect(zoomRange(axis, [0, 100], 3)).toEqual([0, 300]);
    expect(zoomRange(axis, [100, 600], 4)).toBeNull(); // wider than the axis: unzoomed
    expect(zoomRange(axis, [500, 520], 0.1)).toEqual([500, 520]); // no closer than 20 grid steps
    expect(panRange(axis, [900, 950], 0.5)).toEqual([925, 975]);
    expect(panRange(axis, [940, 990], 0.5)).toEqual([950, 1000]);
    expect(panRange(axis, [900, 1000], 0.5)).toEqual([900, 1000]);
    expect(panRange(axis, null, 0.5)).toBeNull();
  });
});
