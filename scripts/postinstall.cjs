// Root postinstall. npm puts node_modules/.bin first on PATH, so this runs on the
// Node 24 binary that the "node" devDependency installs — and so does every npm script.
const { spawnSync } = require('node:child_process');

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`[postinstall] expected Node >= 24 from the "node" devDependency, got ${process.version} (${process.execPath}).`);
  console.error('[postinstall] Was the install run with --ignore-scripts, or is "node": true missing from allowScripts?');
  process.exit(1);
}
console.log(`[postinstall] npm scripts run on Node ${process.version}`);

// Electron >= 42 has no install script of its own: its binary is fetched lazily, but
// electron-vite dev/preview only read node_modules/electron/path.txt. Fetch it here on
// machines with internet; never fail the install without it (CI, offline tracks).
if (process.env.CI || process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('[postinstall] skipping the Electron binary download (CI or ELECTRON_SKIP_BINARY_DOWNLOAD set)');
} else {
  const r = spawnSync(process.execPath, [require.resolve('electron/install.js')], { stdio: 'inherit', timeout: 300_000 });
  if (r.status !== 0) {
    console.warn('[postinstall] Electron binary not downloaded (offline?). Build, tests, the CLI and browser mode');
    console.warn('[postinstall] (`npx race serve --ui`) all work without it; for the desktop window run `npx install-electron --no` later.');
  }
}
