// The runtime the whole project depends on: Node 24 in the test workers, the snapshot
// flag isolated-vm needs, and the three native/wasm engines loading from node_modules.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

describe('toolchain', () => {
  it('test workers run on Node 24 with --no-node-snapshot', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
    expect(process.execArgv).toContain('--no-node-snapshot');
  });

  it('better-sqlite3 loads its prebuild', () => {
    const Database = require('better-sqlite3');
    const db = new Database(':memory:');
    expect(db.prepare('select sqlite_version() as v').get().v).toMatch(/^3\./);
    db.close();
  });

  it('isolated-vm loads its prebuild and enforces a timeout', () => {
    const ivm = require('isolated-vm');
    const isolate = new ivm.Isolate({ memoryLimit: 16 });
    const context = isolate.createContextSync();
    expect(context.evalSync('6 * 7')).toBe(42);
    expect(() => context.evalSync('for(;;){}', { timeout: 20 })).toThrow(/timed out/);
    isolate.dispose();
  });

  it('quickjs-emscripten loads its wasm', async () => {
    const { getQuickJS } = await import('quickjs-emscripten');
    const QuickJS = await getQuickJS();
    expect(QuickJS.evalCode('[1,2,3].map(x => x * 2).join(",")')).toBe('2,4,6');
  });
});
