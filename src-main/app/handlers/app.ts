import type { HandlerSlice } from '../types.ts';
import type { Services } from '../services.ts';

export function appHandlers(services: Services): HandlerSlice<'app.version'> {
  return {
    'app.version': () => ({
      app: services.appVersion,
      node: process.versions.node,
      electron: process.versions.electron ?? null,
      chrome: process.versions.chrome ?? null,
      platform: `${process.platform}-${process.arch}`,
      schemaVersion: services.schemaVersion,
    }),
  };
}
