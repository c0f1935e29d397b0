// The application core: services + the handler table + the dispatcher. The Electron main
// process, the HTTP server and the CLI each build one and put their transport in front.
import { appHandlers } from './handlers/app.ts';
import { runtimeHandlers } from './handlers/runtime.ts';
import { sessionHandlers } from './handlers/sessions.ts';
import { pluginHandlers } from './handlers/plugins.ts';
import { telemetryHandlers } from './handlers/telemetry.ts';
import { accountHandlers } from './handlers/accounts.ts';
import { settingsHandlers } from './handlers/settings.ts';
import { createDispatch, type Dispatch } from './dispatch.ts';
import { createServices, type Services, type ServicesOptions } from './services.ts';
import type { HandlerTable } from './types.ts';

export interface AppCore {
  readonly services: Services;
  readonly handlers: HandlerTable;
  readonly dispatch: Dispatch;
  close(): void;
}

export function createHandlerTable(services: Services): HandlerTable {
  return {
    ...appHandlers(services),
    ...runtimeHandlers(services),
    ...sessionHandlers(services),
    ...pluginHandlers(services),
    ...telemetryHandlers(services),
    ...accountHandlers(services),
    ...settingsHandlers(services),
  };
}

export function createAppCore(options: ServicesOptions): AppCore {
  const services = createServices(options);
  const handlers = createHandlerTable(services);
  return {
    services,
    handlers,
    dispatch: createDispatch(handlers),
    close: () => services.close(),
  };
}
