// `race serve` as a function: the HTTP server with the REST API (V8 runtime, per-account
// tokens, rate limit), the contract for browser mode, and the background job runner that
// works through the KPI jobs uploads queue. The CLI, the tests and the benchmark start it
// the same way.
import { constants } from 'node:buffer';
import type { AppCore } from '../app/core.ts';
import { createRestApi, DEFAULT_REST_LIMITS, type RestLimits } from './rest.ts';
import { startHttpServer, type RunningServer } from './server.ts';
import type { RateLimit } from './rate-limit.ts';

export interface RaceServerOptions {
  app: AppCore;
  port?: number;
  host?: string;
  /** The operator's token for the contract (browser mode); the REST API uses account tokens. */
  operatorToken: string;
  uiDir?: string;
  rateLimit?: RateLimit;
  limits?: Partial<RestLimits>;
  log?: (line: string) => void;
  /** Run KPI jobs in this process (default true). */
  runJobs?: boolean;
}

export interface RaceServer extends RunningServer {
  /** Stops accepting, lets in-flight requests finish, stops claiming jobs (queued ones stay queued). */
  shutdown(): Promise<void>;
}

export async function startRaceServer(options: RaceServerOptions): Promise<RaceServer> {
  const { app } = options;
  const { services } = app;
  // KPI jobs from uploads run in the background (in V8 when the core was made with
  // jobRuntime 'v8', as `race serve` does; results are the same bits either way).
  const runner = options.runJobs === false ? null : services.jobRunner;
  const rest = createRestApi({
    services,
    dispatch: app.dispatch,
    rateLimit: options.rateLimit,
    limits: options.limits,
  });
  const running = await startHttpServer({
    dispatch: app.dispatch,
    token: options.operatorToken,
    uiDir: options.uiDir,
    host: options.host,
    port: options.port,
    rest,
    events: services.events,
    // browser mode uploads whole logger files as base64 in the body: the same upload limit as
    // the REST API's, grown by base64's third and room for the rest of the request — but the
    // body becomes one string, and V8 makes none longer than MAX_STRING_LENGTH (~512 MiB:
    // files up to ~380 MB this way)
    bodyLimitBytes: options.uiDir ? Math.min(constants.MAX_STRING_LENGTH, Math.ceil(((options.limits?.uploadBytes ?? DEFAULT_REST_LIMITS.uploadBytes) * 4) / 3) + 1024 * 1024) : undefined,
    health: { version: services.appVersion, schema: services.schemaVersion },
    log: options.log,
  });
  runner?.start();
  let stopping: Promise<void> | null = null;
  return {
    ...running,
    shutdown: () =>
      (stopping ??= (async () => {
        await Promise.all([running.close(), runner?.stop()]);
      })()),
  };
}
