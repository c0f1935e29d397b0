import { useEffect } from 'react';
import type { RuntimeMode } from '../../src-shared/contract/index.ts';
import { race } from './bridge.ts';
import { useRaceQuery } from './useRaceQuery.ts';

const LABELS: Record<RuntimeMode, string> = { offline: 'Offline', online: 'Online', auto: 'Auto' };

/** Where plugin calls run — always visible, one click to change. */
export function ModeSwitch() {
  const mode = useRaceQuery(() => race.runtime.getMode(), []);
  // switched elsewhere (the app menu): follow
  useEffect(() => race.on('runtime.mode', () => mode.reload()), [mode.reload]);
  const set = (next: RuntimeMode) => {
    race.runtime.setMode({ mode: next }).then(mode.reload, mode.reload);
  };
  return (
    <div className="mode-switch" role="radiogroup" aria-label="Plugin runtime">
      {(Object.keys(LABELS) as RuntimeMode[]).map((m) => (
        <button
          key={m}
          type="button"
          role="radio"
          aria-checked={mode.data?.mode === m}
          className={mode.data?.mode === m ? 'active' : ''}
          onClick={() => set(m)}
        >
          {LABELS[m]}
        </button>
      ))}
    </div>
  );
}
