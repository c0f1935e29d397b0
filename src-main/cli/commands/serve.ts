import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startRaceServer } from '../../http/race-server.ts';
import { DEFAULT_RATE_LIMIT } from '../../http/rate-limit.ts';
import { DEFAULT_REST_LIMITS } from '../../http/rest.ts';
import { UsageError } from '../context.ts';
import type { Command } from './types.ts';

const MIB = 1024 * 1024;
const RENDERER_DIR = join(import.meta.dirname, '../../../out/renderer');

function numberOption(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got ${String(value)}`);
  return n;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Start the Race server: REST API for accounts (V8 runtime), KPI jobs, and with --ui the app in a browser',
  usage: 'race serve [--port N] [--host 127.0.0.1] [--db path] [--ui] [--token T] [--rate-limit N] [--burst N] [--max-upload-mb N] [--quiet] [--json]',
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    ui: { type: 'boolean' },
    token: { type: 'string' },
    'rate-limit': { type: 'string' },
    burst: { type: 'string' },
    'max-upload-mb': { type: 'string' },
    quiet: { type: 'boolean' },
  },
  async run(ctx, { values }) {
    const port = values.port === undefined ? 8787 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0–65535, got ${String(values.port)}`);
    const host = (values.host as string | undefined) ?? '127.0.0.1';
    const uiDir = values.ui ? RENDERER_DIR : undefined;
    if (uiDir && !existsSync(join(uiDir, 'index.html'))) {
      ctx.io.err(`race serve --ui: the app is not built (${uiDir}/index.html is missing). Run \`npm run build\` first.`);
      return 1;
    }
    const perSecond = numberOption(values['rate-limit'], 'rate-limit', 0, 1e6, DEFAULT_RATE_LIMIT.perSecond);
    const burst = numberOption(values.burst, 'burst', 1, 1e6, Math.max(DEFAULT_RATE_LIMIT.burst, perSecond * 2));
    const uploadMb = numberOption(values['max-upload-mb'], 'max-upload-mb', 1, 4096, DEFAULT_REST_LIMITS.uploadBytes / MIB);
    const operatorToken = (values.token as string | undefined) ?? process.env.RACE_SERVER_TOKEN ?? randomBytes(24).toString('base64url');
    const server = await startRaceServer({
      // the server's engine for background KPI jobs is V8, like its invocations
      app: ctx.app({ jobRuntime: 'v8' }),
      port,
      host,
      uiDir,
      operatorToken,
      rateLimit: { perSecond, burst },
      limits: { uploadBytes: uploadMb * MIB },
      // One line per request on stderr: method, route, status, milliseconds.
      log: values.quiet ? undefined : (line) => ctx.io.err(line),
    });
    const uiUrl = uiDir ? `${server.url}/?token=${encodeURIComponent(operatorToken)}` : null;
    if (ctx.json) {
      ctx.io.out(JSON.stringify({ url: server.url, uiUrl, db: ctx.dbPath, pid: process.pid }));
    } else {
      ctx.io.out(`Race server on ${server.url} (database ${ctx.dbPath})`);
      ctx.io.out(`REST API: bearer tokens from \`race accounts create <name>\`; rate limit ${perSecond > 0 ? `${perSecond}/s per token (burst ${burst})` : 'off'}`);
      if (uiUrl) ctx.io.out(`Open the app in a browser: ${uiUrl}`);
      ctx.io.out('Stop with Ctrl+C.');
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        // In-flight requests finish, the job in hand finishes (queued ones stay queued);
        // then the CLI closes the database cleanly.
        server.shutdown().then(resolve, resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    if (!values.quiet) ctx.io.err('Race server stopped.');
    return 0;
  },
};
