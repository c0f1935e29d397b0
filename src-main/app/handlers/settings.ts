// The online-mode server: its URL (a setting, also shown by runtime.getMode) and the
// sign-in token, which stays on this side — callers only learn whether one is set.
import type { ServerSettings } from '../../../src-shared/contract/index.ts';
import type { HandlerSlice } from '../types.ts';
import type { Services } from '../services.ts';
import { SERVER_URL_KEY } from './runtime.ts';

function serverSettings(services: Services): ServerSettings {
  return { url: services.settings.get<string | null>(SERVER_URL_KEY, null), tokenSet: services.credentials.get() !== null };
}

export function settingsHandlers(services: Services): HandlerSlice<'settings.getServer' | 'settings.setServer'> {
  return {
    'settings.getServer': () => serverSettings(services),
    'settings.setServer': ({ url, token }) => {
      const previous = services.settings.get<string | null>(SERVER_URL_KEY, null);
      services.settings.set(SERVER_URL_KEY, url);
      // a token belongs to the server it was issued by: a new server means signing in again
      if (token !== undefined) services.credentials.set(token);
      else if (url !== previous) services.credentials.set(null);
      return serverSettings(services);
    },
  };
}
