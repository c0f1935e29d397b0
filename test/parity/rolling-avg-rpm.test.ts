// The seed's parity test: rolling-avg-rpm on a synthetic lap under both runtimes, outputs
// compared byte for byte — through the full host (the production path).
import { afterAll, describe, expect, it } from 'vitest';
import { bits, exact, firstParty, serviceIn, syntheticLap } from '../support/plugins.ts';
import { tempDir } from '../support/tmp.ts';

const service = serviceIn(tempDir());
afterAll(() => service.close());

describe('rolling-avg-rpm parity', () => {
  it('QuickJS and V8 give bit-identical channels on a synthetic lap', async () => {
    const plugin = await firstParty('rolling-avg-rpm');
    const lap = syntheticLap();
    const input = { rateHz: lap.rateHz, channels: { rpm: lap.rpm }, params: { windowSeconds: 0.25 } };
    const q = await service.invokeBundle(plugin, { iface: 'math', input, runtime: 'quickjs', accountId: 'local', now: 0 });
    const v = await service.invokeBundle(plugin, { iface: 'math', input, runtime: 'v8', accountId: 'local', now: 0 });
    const qOut = (q.output as { rpm_avg: Float64Array }).rpm_avg;
    const vOut = (v.output as { rpm_avg: Float64Array }).rpm_avg;
    expect(qOut.length).toBe(lap.rpm.length);
    expect(bits(qOut)).toBe(bits(vOut));
    expect(exact(q.logs)).toBe(exact(v.logs));
    // and it is a real moving average: the 25-sample window around a steady region
    const i = 3000;
    let sum = 0, n = 0;
    for (let k = i - 24; k <= i; k++) if (!Number.isNaN(lap.rpm[k]!)) { sum += lap.rpm[k]!; n++; }
    expect(qOut[i]).toBeCloseTo(sum / n, 6);
  });
});
