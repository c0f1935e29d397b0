// Is the Electron binary installed? The same rules as the electron package's index.js
// (path.txt names the executable inside dist/, ELECTRON_OVERRIDE_DIST_PATH wins) but
// without its side effect: requiring 'electron' from Node starts a download.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** @returns {{ ok: true, path: string } | { ok: false, reason: string }} */
export function findElectronBinary(electronDir, env = process.env) {
  const pathFile = join(electronDir, 'path.txt');
  const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const path = join(env.ELECTRON_OVERRIDE_DIST_PATH, executable || 'electron');
    return existsSync(path) ? { ok: true, path } : { ok: false, reason: `${path} (from ELECTRON_OVERRIDE_DIST_PATH) does not exist` };
  }
  if (!existsSync(join(electronDir, 'package.json'))) return { ok: false, reason: 'the electron package is not installed (run `npm install`)' };
  if (!executable) return { ok: false, reason: `${pathFile} is missing: the binary was never downloaded` };
  const path = join(electronDir, 'dist', executable);
  return existsSync(path) ? { ok: true, path } : { ok: false, reason: `${path} is missing` };
}

export function missingElectronMessage(reason) {
  return [
    `Race's desktop window needs the Electron binary, and it is not on this machine (${reason}).`,
    '`npm install` downloads it on a machine with internet access; to fetch it now, run `npx install-electron --no`',
    'while online, then `npm start` again. Everything else works without it: open the app in a browser with',
    '`npx race serve --ui` (it prints the address to open), or use the command line, `npx race --help`.',
  ].join(' ');
}
