import type { HandlerSlice } from '../types.ts';
import type { Services } from '../services.ts';

export function sessionHandlers(services: Services): HandlerSlice<'sessions.list' | 'sessions.delete'> {
  return {
    'sessions.list': () => services.sessions.list(),
    'sessions.delete': ({ sessionId }) => ({ deleted: services.sessions.delete(sessionId) }),
  };
}
