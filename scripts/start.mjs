// `npm start`: the desktop app (build, then launch Electron). Where the Electron binary is
// missing, say so in one paragraph and point to browser mode, instead of a stack trace.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { findElectronBinary, missingElectronMessage } from './electron-binary.mjs';

const root = join(import.meta.dirname, '..');
const binary = findElectronBinary(join(root, 'node_modules/electron'));
if (!binary.ok) {
  console.error(missingElectronMessage(binary.reason));
  process.exit(1);
}
const child = spawn(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'preview', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 1));
