import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startHttpServer } from '../../http/server.ts';
import { UsageError } from '../context.ts';
import type { Command } from './types.ts';

const RENDERER_DIR = join(import.meta.dirname, '../../../out/renderer');

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Start the Race server on loopback (--ui: the app in a browser, for a second screen)',
  usage: 'race serve [--port N] [--host 127.0.0.1] [--ui] [--token T] [--json]',
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    ui: { type: 'boolean' },
    token: { type: 'string' },
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
    const token = (values.token as string | undefined) ?? process.env.RACE_SERVER_TOKEN ?? randomBytes(24).toString('base64url');
    const app = ctx.app();
    // a long-lived process: imported sessions get their KPIs without anyone waiting for them
    app.services.jobRunner.start();
    const running = await startHttpServer({
      dispatch: app.dispatch,
      events: app.services.events,
      // browser mode uploads whole logger files (base64 in the body): an hour of MoTeC data is tens of MB
      bodyLimitBytes: uiDir ? 512 * 1024 * 1024 : undefined,
      token,
      uiDir,
      host,
      port,
      log: ctx.json ? undefined : (line) => ctx.io.err(line),
    });
    const uiUrl = uiDir ? `${running.url}/?token=${encodeURIComponent(token)}` : null;
    if (ctx.json) {
      ctx.io.out(JSON.stringify({ url: running.url, uiUrl, db: ctx.dbPath }));
    } else {
      ctx.io.out(`Race server on ${running.url} (database ${ctx.dbPath})`);
      if (uiUrl) ctx.io.out(`Open the app in a browser: ${uiUrl}`);
      ctx.io.out('Stop with Ctrl+C.');
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        // In-flight requests finish; then the database is closed cleanly.
        running
          .close()
          .then(() => app.services.jobRunner.stop())
          .then(resolve, resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
