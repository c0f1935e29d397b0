import type { HandlerSlice } from '../types.ts';
import type { Services } from '../services.ts';

export function sessionHandlers(services: Services): HandlerSlice<'sessions.list'> {
  return {
    'sessions.list': () => services.sessions.list(),
  };
}
