// Large channels in and out of plugins. Between the server and its V8 plugin process they
// travel through a shared file (src-main/plugins/runtime/shared-file.ts), a region of it per
// call in flight: every byte must come back where it belongs — with calls overlapping, with
// replies bigger than their call's input, after the process has been replaced. And call
// after call, an engine must give each call's buffers back when the call ends.
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginBundle } from '../../src-main/plugins/service.ts';
import { bits, pluginFromSource, serviceIn } from '../support/plugins.ts';
import { tempDir } from '../support/tmp.ts';

const dir = tempDir();
const service = serviceIn(dir);
const small = serviceIn(dir, { engineLimits: { memoryMb: 48 } });
afterAll(() => {
  service.close();
  small.close();
});

const N = 200_000;
let scale: PluginBundle;
let fan: PluginBundle;
let blank: PluginBundle;

beforeAll(async () => {
  for (let i = 0; i < 4; i++) service['db'].prepare("INSERT INTO accounts (id, name, created_at) VALUES (?, ?, 'x')").run(`acct-${i}`, `acct-${i}`);
  scale = await pluginFromSource(
    dir,
    { id: 'scale', interfaces: ['math'], meta: { math: { inputs: [{ name: 'x' }], outputs: [{ name: 'y', unit: '' }], params: [{ name: 'k', type: 'number', default: 1 }] } } },
    `export const math = async ({ channels, params }) => {
      await null; // async: calls overlap in the V8 process
      const x = channels.x, y = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) y[i] = x[i] * params.k + i;
      return { y };
    };`,
  );
  // a small input, a reply many times bigger: more than the call's region holds at first
  fan = await pluginFromSource(
    dir,
    { id: 'fan', interfaces: ['math'], meta: { math: { inputs: [{ name: 'x' }], outputs: ['a', 'b', 'c', 'd'].map((name) => ({ name, unit: '' })), params: [] } } },
    `export const math = ({ channels }) => {
      const x = channels.x, out = {};
      for (const [j, name] of ['a', 'b', 'c', 'd'].entries()) { const o = new Float64Array(x.length); for (let i = 0; i < x.length; i++) o[i] = x[i] * (j + 2); out[name] = o; }
      return out;
    };`,
  );
  blank = await pluginFromSource(
    dir,
    { id: 'blank', interfaces: ['math'], meta: { math: { inputs: [{ name: 'x' }], outputs: [{ name: 'y', unit: '' }], params: [] } } },
    `export const math = ({ channels }) => ({ y: new Float64Array(channels.x.length) });`,
  );
});

const channel = (seed: number) => Float64Array.from({ length: N }, (_, i) => Math.sin(i * 0.001 + seed) * 1000 + seed);

describe('large channels through the V8 process', () => {
  it('overlapping calls each get their own bytes back, the same as QuickJS gives', async () => {
    const inputs = [0, 1, 2, 3].map((s) => channel(s));
    const call = (runtime: 'v8' | 'quickjs', i: number) =>
      service.invokeBundle(scale, { iface: 'math', input: { rateHz: 1, channels: { x: inputs[i]! }, params: { k: i + 2 } }, runtime, accountId: `acct-${i}` });
    for (let i = 0; i < 4; i++) await call('v8', i); // four warm instances: the next four calls are all sent before any returns
    const v8 = await Promise.all([0, 1, 2, 3].map((i) => call('v8', i)));
    for (let i = 0; i < 4; i++) {
      const q = await call('quickjs', i);
      const y = (v8[i]!.output as { y: Float64Array }).y;
      expect(y.length).toBe(N);
      expect(y[10]).toBe(inputs[i]![10]! * (i + 2) + 10);
      expect(bits(y)).toBe(bits((q.output as { y: Float64Array }).y));
    }
    expect(Array.from(inputs[0]!.slice(0, 3))).toEqual(Array.from(channel(0).slice(0, 3))); // the caller's channel is untouched
  });

  it('a reply larger than its call’s input arrives whole, the first time and after', async () => {
    const x = channel(7);
    for (let round = 0; round < 2; round++) {
      const out = (await service.invokeBundle(fan, { iface: 'math', input: { rateHz: 1, channels: { x }, params: {} }, runtime: 'v8', accountId: 'local' })).output as Record<string, Float64Array>;
      for (const [j, name] of ['a', 'b', 'c', 'd'].entries()) {
        expect(out[name]!.length).toBe(N);
        expect(out[name]![N - 1]).toBe(x[N - 1]! * (j + 2));
      }
    }
  });

  it('leaves no shared file behind: its name is gone once the process holds it', () => {
    const dir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir(); // where shared-file.ts makes it
    expect(readdirSync(dir).filter((f) => f.startsWith(`race-v8-${process.pid}-`))).toEqual([]);
  });

  it('a replaced V8 process gets a shared file of its own', async () => {
    const v8 = service['runtimes'].v8 as { close(): void };
    v8.close(); // the process is killed; the next call starts another
    const x = channel(3);
    const out = (await service.invokeBundle(scale, { iface: 'math', input: { rateHz: 1, channels: { x }, params: { k: 3 } }, runtime: 'v8', accountId: 'local' })).output as { y: Float64Array };
    expect(out.y[N - 1]).toBe(x[N - 1]! * 3 + N - 1);
  });
});

describe.each(['quickjs', 'v8'] as const)('call after call (%s)', (runtime) => {
  it('each call’s buffers are given back when it ends: 40 calls of 2.9 MB in and out fit a 48 MB budget', async () => {
    const x = channel(1).slice(0, 100); // (a first small call: the instance is warm)
    await small.invokeBundle(blank, { iface: 'math', input: { rateHz: 1, channels: { x }, params: {} }, runtime, accountId: 'local' });
    const big = new Float64Array(360_000).fill(1);
    for (let i = 0; i < 40; i++) {
      const out = (await small.invokeBundle(blank, { iface: 'math', input: { rateHz: 1, channels: { x: big }, params: {} }, runtime, accountId: 'local' })).output as { y: Float64Array };
      expect(out.y.length).toBe(big.length);
    }
  }, 60_000);
});
