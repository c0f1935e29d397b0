// `npm test`: build the app (the tests check the built bundles), run every test, and end
// with the one line CI reads: "N passed, N failed[, N skipped]". Extra arguments go to
// vitest (e.g. `npm test -- test/unit`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`npm test needs the project's Node 24 (this is ${process.version}): run it as \`npm test\` after \`npm install\`.`);
  process.exit(1);
}

function run(label, script, args) {
  const r = spawnSync(process.execPath, [join(root, script), ...args], { cwd: root, stdio: 'inherit' });
  if (r.error) console.error(`${label}: ${r.error.message}`);
  return r.status ?? 1;
}

const resultsDir = join(root, 'test-results');
mkdirSync(resultsDir, { recursive: true });
const report = join(resultsDir, 'vitest.json');
rmSync(report, { force: true });

if (run('build', 'node_modules/electron-vite/bin/electron-vite.js', ['build']) !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const status = run('vitest', 'node_modules/vitest/vitest.mjs', [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile=${report}`,
  ...process.argv.slice(2),
]);

if (!existsSync(report)) {
  console.log('0 passed, 1 failed');
  process.exit(status || 1);
}
const r = JSON.parse(readFileSync(report, 'utf8'));
// A test file that fails to load has no failed test of its own: count it as one failure.
const loadFailures = r.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')).length;
const failed = r.numFailedTests + loadFailures;
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`${r.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(status !== 0 || failed > 0 ? 1 : 0);

