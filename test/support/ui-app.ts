// The app as browser mode serves it, for tests and screenshots of the real UI: a fresh
// database, the first-party plugins built and installed from plugin folders (as a user
// installs a built plugin), the background KPI job runner, and the HTTP server with the
// built renderer and the event stream.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAppCore, type AppCore } from '../../src-main/app/core.ts';
import { startHttpServer, type RunningServer } from '../../src-main/http/server.ts';
import { firstParty } from './plugins.ts';

export const UI_DIR = join(import.meta.dirname, '../../out/renderer');

/** A first-party plugin built in memory and written as an installable folder under `dir`. */
export async function builtPluginFolder(id: string, dir: string): Promise<string> {
  const b = await firstParty(id);
  const folder = join(dir, id);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'plugin.js'), b.code);
  writeFileSync(join(folder, 'manifest.json'), JSON.stringify({ ...b.manifest, hash: b.hash }));
  return folder;
}

export interface UiApp {
  core: AppCore;
  server: RunningServer;
  token: string;
  /** The address that logs the browser in (token traded for the session cookie). */
  loginUrl: string;
  close(): Promise<void>;
}

export async function startUiApp(dir: string, options: { plugins?: string[] } = {}): Promise<UiApp> {
  const core = createAppCore({ dbPath: join(dir, 'race.db') });
  for (const id of options.plugins ?? []) {
    const folder = await builtPluginFolder(id, join(dir, 'plugins'));
    const r = await core.dispatch('plugins.install', { path: folder }, { transport: 'internal' });
    if (!r.ok) throw new Error(`installing ${id}: ${r.error.message}`);
  }
  core.services.jobRunner.start();
  const token = 'ui-test-token-0123456789abcdef';
  const server = await startHttpServer({ dispatch: core.dispatch, events: core.services.events, token, uiDir: UI_DIR });
  return {
    core,
    server,
    token,
    loginUrl: `${server.url}/?token=${token}`,
    close: async () => {
      await server.close();
      await core.services.jobRunner.stop();
      core.close();
    },
  };
}
