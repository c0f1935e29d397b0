// The online-mode server: its URL and the sign-in token, which stays on this side (in the
// OS keychain in the desktop app) — callers only learn whether one is set.
import type { ServerSettings } from '../../../src-shared/contract/index.ts';
import type { HandlerSlice } from '../types.ts';
import type { Services } from '../services.ts';

function serverSettings(services: Services): ServerSettings {
  return { url: services.server.serverUrl(), tokenSet: services.server.signedIn() };
}

export function settingsHandlers(services: Services): HandlerSlice<'settings.getServer' | 'settings.setServer'> {
  return {
    'settings.getServer': () => serverSettings(services),
    'settings.setServer': ({ url, token }) => {
      services.server.configure(url, token);
      return serverSettings(services);
    },
  };
}
