// A process to kill: imports files, or runs KPI jobs, against a database file.
//   node --no-node-snapshot crash-driver.ts import <db> <file…>
//   node --no-node-snapshot crash-driver.ts kpis <db>
import { createAppCore } from '../../src-main/app/core.ts';

const [mode, dbPath, ...files] = process.argv.slice(2);
const core = createAppCore({ dbPath: dbPath! });
if (mode === 'import') {
  for (const f of files) {
    const o = await core.services.telemetry.importFile(f);
    process.stdout.write(`${o.status}${o.error ? `: ${o.error.message}` : ''}\n`);
  }
} else if (mode === 'kpis') {
  await core.services.kpiWorker.runUntilIdle();
}
core.close();
process.stdout.write('done\n');
