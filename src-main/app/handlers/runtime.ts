import type { ModeState, RuntimeMode } from '../../../src-shared/contract/index.ts';
import type { HandlerSlice } from '../types.ts';
import type { Services } from '../services.ts';

const MODE_KEY = 'runtime.mode';
export const SERVER_URL_KEY = 'runtime.serverUrl';

function modeState(services: Services): ModeState {
  return {
    // Offline is the safe default at a track with no signal.
    mode: services.settings.get<RuntimeMode>(MODE_KEY, 'offline'),
    serverUrl: services.settings.get<string | null>(SERVER_URL_KEY, null),
  };
}

export function runtimeHandlers(services: Services): HandlerSlice<'runtime.getMode' | 'runtime.setMode'> {
  return {
    'runtime.getMode': () => modeState(services),
    'runtime.setMode': ({ mode }) => {
      services.settings.set(MODE_KEY, mode);
      return modeState(services);
    },
  };
}
