// Warm instances: kept per runtime + bundle + account, LRU-bounded. Module state lives as
// long as the warm instance and never crosses accounts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginBundle } from '../../src-main/plugins/service.ts';
import { RUNTIME_KINDS } from '../../src-main/plugins/runtime/types.ts';
import { openDatabase } from '../../src-main/store/database.ts';
import { PluginStore } from '../../src-main/store/plugins.ts';
import { pluginFromSource, serviceIn } from '../support/plugins.ts';
import { tempDir } from '../support/tmp.ts';

const dir = tempDir();
const service = serviceIn(dir, { poolSize: 2 });
afterAll(() => service.close());

const counterSource = `let calls = 0;
export const runPlan = () => ({ steps: [], summary: String(++calls) });`;
const input = { session: { id: 's' }, laps: [], target: {} };
let a: PluginBundle, b: PluginBundle, c: PluginBundle;

beforeAll(async () => {
  for (const id of ['acct-a', 'acct-b']) service['db'].prepare("INSERT INTO accounts (id, name, created_at) VALUES (?, ?, 'x')").run(id, id);
  a = await pluginFromSource(dir, { id: 'counter-a', interfaces: ['runPlan'] }, counterSource);
  b = await pluginFromSource(dir, { id: 'counter-b', interfaces: ['runPlan'] }, counterSource);
  c = await pluginFromSource(dir, { id: 'counter-c', interfaces: ['runPlan'] }, counterSource);
});

describe.each(RUNTIME_KINDS)('warm pool (%s)', (runtime) => {
  const count = async (bundle: PluginBundle, accountId: string) =>
    Number(((await service.invokeBundle(bundle, { iface: 'runPlan', input, runtime, accountId })).output as { summary: string }).summary);

  it('keeps a plugin warm between calls of one account', async () => {
    expect(await count(a, 'acct-a')).toBe(1);
    expect(await count(a, 'acct-a')).toBe(2);
  });

  it('never shares an instance (or its module state) between accounts', async () => {
    expect(await count(a, 'acct-b')).toBe(1);
    expect(await count(a, 'acct-a')).toBe(3);
  });

  it('forgets one account\'s warm instance of a bundle (its reinstall or removal) and keeps the others\'', async () => {
    const before = await count(a, 'acct-b');
    service.forget(a.hash, 'acct-a');
    expect(await count(a, 'acct-a')).toBe(1); // cold again
    expect(await count(a, 'acct-b')).toBe(before + 1); // still warm
  });

  it('evicts the least recently used instance past the bound, which then starts cold', async () => {
    // pool of 2 (shared by both runtimes' tests): touching b and c pushes a out
    await count(b, 'acct-a');
    await count(c, 'acct-a');
    expect(await count(a, 'acct-a')).toBe(1);
  });

  it('runs concurrent calls on one instance one at a time, in order', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => count(b, 'acct-b')));
    expect(results).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('installed plugins by id', () => {
  // installed without an account: the local account's plugin
  const summary = async (runtime: (typeof RUNTIME_KINDS)[number]) =>
    ((await service.invoke('versioned', { iface: 'runPlan', input, runtime, accountId: 'local' })).output as { summary: string }).summary;

  it.each(RUNTIME_KINDS)('%s: a reinstall or removal — here or from another connection — reaches the next call', async (runtime) => {
    const v1 = await pluginFromSource(dir, { id: 'versioned', interfaces: ['runPlan'] }, `export const runPlan = () => ({ steps: [], summary: 'v1' });`);
    const v2 = await pluginFromSource(dir, { id: 'versioned', version: '2.0.0', interfaces: ['runPlan'] }, `export const runPlan = () => ({ steps: [], summary: 'v2' });`);
    service.plugins.install(v1);
    expect(await summary(runtime)).toBe('v1');
    expect(await summary(runtime)).toBe('v1');
    const other = openDatabase(service['db'].name);
    try {
      new PluginStore(other).install(v2);
      expect(await summary(runtime)).toBe('v2');
      service.plugins.install(v1);
      expect(await summary(runtime)).toBe('v1');
      new PluginStore(other).remove('versioned');
      await expect(summary(runtime)).rejects.toThrow('plugin "versioned" is not installed');
    } finally {
      other.close();
    }
  });
});
