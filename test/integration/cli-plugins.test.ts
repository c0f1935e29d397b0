// The plugin commands as a user runs them: the real bin, a real database file, both engines.
import { spawnSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromiumAvailability } from '../support/chromium.ts';
import { decodeJson } from '../../src-shared/codec.ts';
import { tempDir } from '../support/tmp.ts';

const root = join(import.meta.dirname, '../..');
const dir = tempDir();
const db = join(dir, 'race.db');

function race(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/race.mjs'), ...args, '--db', db], { cwd: root, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('race plugins / invoke / grants / parity / bench', () => {
  it('builds and installs a plugin folder, and lists it', () => {
    const folder = join(dir, 'rolling');
    cpSync(join(root, 'plugins/rolling-avg-rpm'), folder, { recursive: true, filter: (p) => !p.includes('/dist') });
    const built = race('plugins', 'build', folder, '--json');
    expect(built.code, built.err).toBe(0);
    const [info] = JSON.parse(built.out);
    expect(info).toMatchObject({ id: 'rolling-avg-rpm', version: '1.0.0', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(race('plugins', 'install', folder).code).toBe(0);
    const list = JSON.parse(race('plugins', 'list', '--json').out);
    expect(list.map((p: { id: string }) => p.id)).toEqual(['rolling-avg-rpm']);
    expect(list[0].hash).toBe(info.hash);
  });

  it('refuses a bundle edited after its build, naming the file', () => {
    const folder = join(dir, 'rolling');
    writeFileSync(join(folder, 'dist/plugin.js'), '/* edited */ module.exports = {};');
    const r = race('plugins', 'install', folder);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/dist\/plugin\.js: content hash .* does not match the manifest's/);
  });

  it('installs the first-party plugins and invokes one in both engines with identical bytes', () => {
    expect(race('plugins', 'install', '--builtin').code).toBe(0);
    const input = join(dir, 'in.json');
    writeFileSync(input, JSON.stringify({ rateHz: 10, channels: { speed: [0, 36, 36, null, 72] }, params: {} }));
    const q = race('invoke', 'distance', 'math', '--input', input, '--runtime', 'quickjs', '--json');
    const v = race('invoke', 'distance', 'math', '--input', input, '--runtime', 'v8', '--json');
    expect(q.code, q.err).toBe(0);
    const qo = decodeJson(q.out) as { output: { distance: Float64Array }; runtime: string };
    const vo = decodeJson(v.out) as { output: { distance: Float64Array }; runtime: string };
    expect([qo.runtime, vo.runtime]).toEqual(['quickjs', 'v8']);
    expect(Array.from(qo.output.distance)).toEqual([0, 0.5, 1.5, 1.5, 1.5]);
    expect(JSON.parse(q.out).output).toEqual(JSON.parse(v.out).output);
    const human = race('invoke', 'distance', 'math', '--input', input);
    expect(human.out).toMatch(/distance\s+5\s+0\.00000\s+1\.50000\s+0/);
  });

  it('explains a bad invoke clearly', () => {
    const input = join(dir, 'bad.json');
    writeFileSync(input, '{"rateHz": 10, "channels": {}, "params": {}}');
    const missing = race('invoke', 'distance', 'math', '--input', input);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('plugin distance needs the channel speed');
    expect(race('invoke', 'distance', 'warp', '--input', input).err).toContain('unknown interface "warp"');
    expect(race('invoke', 'nope', 'math', '--input', input).err).toContain('plugin "nope" is not installed');
  });

  it('grants and revokes a capability the plugin asks for, and refuses one it does not', () => {
    expect(JSON.parse(race('grants', 'grant', '--plugin', 'lap-notes', '--capability', 'storage', '--json').out)).toMatchObject([{ pluginId: 'lap-notes', capability: 'storage' }]);
    const undeclared = race('grants', 'grant', '--plugin', 'distance', '--capability', 'fetch');
    expect(undeclared.code).toBe(1);
    expect(undeclared.err).toContain('plugin distance does not ask for fetch');
    expect(JSON.parse(race('grants', 'revoke', '--plugin', 'lap-notes', '--capability', 'storage', '--json').out)).toEqual([]);
  });

  it('parity --json reports cases, plugins and no mismatches', () => {
    const r = race('parity', '--cases', '5', '--json');
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.plugins).toContain('rolling-avg-rpm');
    expect(report.cases).toBeGreaterThanOrEqual(5 * report.plugins.length);
    expect(report.mismatches).toEqual([]);
  }, 120_000);

  it('bench --quick --json measures every runtime figure with its ratio to Node', () => {
    const r = race('bench', '--quick', '--json');
    expect(r.code, r.err).toBe(0);
    const { results } = JSON.parse(r.out) as { results: { name: string; runtime: string; value: number; unit: string; ratioToNode: number | null }[] };
    for (const kind of ['quickjs', 'v8']) {
      for (const name of ['cold start', 'warm invoke, full host', 'warm invoke, raw engine call', 'math channel, 360,000 samples', 'transcendental channel']) {
        const row = results.find((x) => x.runtime === kind && x.name.startsWith(name));
        expect(row, `${kind} ${name}`).toBeDefined();
        expect(row!.value).toBeGreaterThan(0);
        expect(row!.ratioToNode).toBeGreaterThan(0);
      }
    }
    // the UI figures come from the page's own marks, or say why they could not be taken
    const ui = results.filter((x) => x.runtime === 'chromium');
    if (chromiumAvailability().ok) {
      expect(ui.map((x) => x.name)).toEqual(['ui: Session screen painted (40 laps, KPIs)', 'ui: overlay 3 laps × 4 channels @ 100 Hz drawn', 'ui: cursor move across plots + track map']);
      for (const row of ui) expect(row.value, row.name).toBeGreaterThan(0);
    } else {
      expect(ui).toEqual([expect.objectContaining({ value: null, note: expect.stringMatching(/^skipped: /) })]);
    }
  }, 240_000);
});
