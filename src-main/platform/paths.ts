// Where Race keeps its data. The desktop app, the CLI and the server must agree on one
// default location, so this computes Electron's userData path in plain Node (the same
// rules as Electron's app.getPath('appData') + the product name) and the Electron main
// process sets its userData to this very path.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const PRODUCT_NAME = 'Race';
export const DB_FILE_NAME = 'race.db';

type Env = Record<string, string | undefined>;

export function appDataDir(env: Env = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'win32') return env.APPDATA ?? join(home, 'AppData', 'Roaming');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support');
  return env.XDG_CONFIG_HOME || join(home, '.config');
}

export function userDataDir(env: Env = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  return join(appDataDir(env, platform, home), PRODUCT_NAME);
}

export function defaultDbPath(env: Env = process.env): string {
  return join(userDataDir(env), DB_FILE_NAME);
}

/** --db flag, else RACE_DB, else the desktop app's database. */
export function resolveDbPath(flag: string | undefined, env: Env = process.env): string {
  if (flag) return flag;
  if (env.RACE_DB) return env.RACE_DB;
  return defaultDbPath(env);
}
