// A process to kill: imports files, or runs KPI jobs, against a database file. It says on
// stdout where it is, so a test can aim its SIGKILL at the work itself rather than guess
// around the process's start-up time:
//   node --no-node-snapshot crash-driver.ts import <db> <file…>   → "start", then "took <ms>" per file
//   node --no-node-snapshot crash-driver.ts kpis <db>             → "start", then "job" after each job
import { createAppCore } from '../../src-main/app/core.ts';

const [mode, dbPath, ...files] = process.argv.slice(2);
const core = createAppCore({ dbPath: dbPath! });
if (mode === 'import') {
  for (const f of files) {
    process.stdout.write('start\n');
    const t0 = performance.now();
    const o = await core.services.telemetry.importFile(f);
    process.stdout.write(`took ${(performance.now() - t0).toFixed(1)}\n${o.status}${o.error ? `: ${o.error.message}` : ''}\n`);
  }
} else if (mode === 'kpis') {
  process.stdout.write('start\n');
  while (await core.services.kpiWorker.runOne()) process.stdout.write('job\n');
}
core.close();
process.stdout.write('done\n');
