// What the host hands a plugin: declared channels only, on one time base, params with
// their manifest defaults — the same in both engines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginBundle } from '../../src-main/plugins/service.ts';
import { RUNTIME_KINDS } from '../../src-main/plugins/runtime/types.ts';
import { pluginFromSource, serviceIn } from '../support/plugins.ts';
import { tempDir } from '../support/tmp.ts';

const dir = tempDir();
const service = serviceIn(dir);
afterAll(() => service.close());
let echo: PluginBundle;
let cell: PluginBundle;

beforeAll(async () => {
  echo = await pluginFromSource(
    dir,
    { id: 'echo-inputs', interfaces: ['math'], meta: { math: { inputs: [{ name: 'rpm' }, { name: 'speed' }], outputs: [{ name: 'n', unit: '' }], params: [{ name: 'k', type: 'number', default: 3 }] } } },
    `export const math = ({ rateHz, channels, params }, host) => {
      host.log('rate', rateHz, 'names', Object.keys(channels).sort().join(','), 'k', params.k, 'rpm', Array.from(channels.rpm), 'speed', Array.from(channels.speed));
      return { n: new Float64Array(channels.rpm.length) };
    };`,
  );
  cell = await pluginFromSource(
    dir,
    { id: 'echo-cell', interfaces: ['uiCell'], meta: { uiCell: { params: [{ name: 'decimals', type: 'integer', default: 2 }, { name: 'title', type: 'string', default: 'Lap' }] } } },
    `export const uiCell = ({ params }) => ({ type: 'text', text: JSON.stringify(params) });`,
  );
});

describe.each(RUNTIME_KINDS)('plugin input (%s)', (runtime) => {
  it('puts channels of different rates on the fastest rate, drops undeclared ones, fills param defaults', async () => {
    const r = await service.invokeBundle(echo, {
      iface: 'math',
      runtime,
      accountId: 'local',
      input: { channels: { rpm: { rateHz: 2, samples: new Float64Array([1000, 2000, NaN]) }, speed: { rateHz: 4, samples: new Float64Array([0, 10, 20, 30, 40]) }, extra: { rateHz: 8, samples: new Float64Array(9) } }, params: {} },
    });
    // rpm at 2 Hz over 1 s, speed at 4 Hz: the common grid is 4 Hz over the 1 s both cover
    expect(r.logs).toEqual(['rate 4 names rpm,speed k 3 rpm [1000, 1500, 2000, NaN, NaN] speed [0, 10, 20, 30, 40]']);
  });

  it('passes only declared channels when they already share a rate', async () => {
    const r = await service.invokeBundle(echo, { iface: 'math', runtime, accountId: 'local', input: { rateHz: 10, channels: { rpm: new Float64Array([1, 2]), speed: new Float64Array([3, 4]), secret: new Float64Array([5, 6]) }, params: { k: 9 } } });
    expect(r.logs[0]).toBe('rate 10 names rpm,speed k 9 rpm [1, 2] speed [3, 4]');
  });

  it('refuses a bare array mixed with rated channels when no rate is given, naming the channel', async () => {
    await expect(
      service.invokeBundle(echo, { iface: 'math', runtime, accountId: 'local', input: { channels: { rpm: new Float64Array([1]), speed: { rateHz: 4, samples: new Float64Array([1]) } }, params: {} } }),
    ).rejects.toThrow('channel rpm is a bare array: give its rate as { rateHz, samples } or a top-level rateHz');
  });

  it('fills uiCell params from the manifest', async () => {
    const r = await service.invokeBundle(cell, { iface: 'uiCell', runtime, accountId: 'local', input: { kpis: [], lap: null, params: { title: 'Best' } } });
    expect(JSON.parse((r.output as { text: string }).text)).toEqual({ decimals: 2, title: 'Best' });
  });
});
