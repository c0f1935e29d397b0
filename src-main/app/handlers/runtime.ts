import type { ModeState } from '../../../src-shared/contract/index.ts';
import type { HandlerSlice } from '../types.ts';
import type { Services } from '../services.ts';

function modeState(services: Services): ModeState {
  const { server } = services;
  return { mode: server.mode(), serverUrl: server.serverUrl(), signedIn: server.signedIn() };
}

export function runtimeHandlers(services: Services): HandlerSlice<'runtime.getMode' | 'runtime.setMode'> {
  return {
    'runtime.getMode': () => modeState(services),
    'runtime.setMode': ({ mode }) => {
      services.server.setMode(mode);
      services.events.emit('runtime.mode', { mode });
      return modeState(services);
    },
  };
}
