#!/usr/bin/env node
// `npx race`: the Race CLI. It runs from the TypeScript sources on Node 24 (which strips
// types natively) with --no-node-snapshot, which isolated-vm requires. Started by another
// Node (say the system's Node 20), it re-runs itself on the project's Node 24.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const major = Number(process.versions.node.split('.')[0]);

if (major >= 24 && process.execArgv.includes('--no-node-snapshot')) {
  process.env.RACE_CLI_MAIN = '1';
  await import('../src-main/cli/main.ts');
} else {
  const node = major >= 24 ? process.execPath : join(here, '../node_modules/node/bin/node');
  if (!existsSync(node)) {
    console.error(`race needs Node 24 (this is ${process.version}). Run \`npm install\` in the Race folder: it installs Node 24 for the project.`);
    process.exit(1);
  }
  const child = spawn(node, ['--no-node-snapshot', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // Forward stop signals so `race serve` shuts down cleanly when it is the child.
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 1)));
}
