import type { HandlerSlice } from '../types.ts';
import type { Services } from '../services.ts';

export function accountHandlers(services: Services): HandlerSlice<'accounts.list' | 'accounts.create'> {
  return {
    'accounts.list': () => services.accounts.list(),
    'accounts.create': ({ name }) => services.accounts.addLocal(name),
  };
}
