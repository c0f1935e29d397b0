import { accountFor } from '../account-scope.ts';
import type { HandlerSlice } from '../types.ts';
import type { Services } from '../services.ts';

export function sessionHandlers(services: Services): HandlerSlice<'sessions.list' | 'sessions.delete'> {
  return {
    'sessions.list': (_args, call) => services.sessions.list(accountFor(call)),
    'sessions.delete': ({ sessionId }, call) => ({ deleted: services.sessions.delete(sessionId, accountFor(call)) }),
  };
}
