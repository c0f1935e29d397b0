// Property-based parity: for every first-party plugin and every interface it implements,
// generated inputs (NaN, ±0, ±Infinity, subnormals, huge magnitudes in channels and
// params) give byte-identical results in QuickJS and V8 — or the same failure reason.
// fast-check shrinks any counterexample to a minimal input.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { arbitraryFor, compareOnce } from '../../src-main/plugins/parity/run.ts';
import { readManifest } from '../../plugins/sdk/build.ts';
import { PLUGINS_DIR, firstParty, serviceIn } from '../support/plugins.ts';
import { tempDir } from '../support/tmp.ts';

const RUNS = Number(process.env.RACE_PARITY_RUNS ?? 30);
const service = serviceIn(tempDir());
afterAll(() => service.close());

const ids = readdirSync(PLUGINS_DIR).filter((d) => d !== 'sdk' && existsSync(join(PLUGINS_DIR, d, 'manifest.json')));

describe('parity of every first-party plugin (property-based)', () => {
  it('finds the first-party plugins', () => {
    expect(ids).toContain('rolling-avg-rpm');
  });

  for (const id of ids) {
    for (const iface of readManifest(join(PLUGINS_DIR, id)).interfaces) {
      it(`${id} · ${iface}`, async () => {
        const bundle = await firstParty(id);
        await fc.assert(
          fc.asyncProperty(arbitraryFor(bundle, iface), async (input) => {
            const mismatch = await compareOnce(service, bundle, iface, input);
            expect(mismatch, mismatch ? `quickjs: ${mismatch.quickjs.slice(0, 300)}\nv8: ${mismatch.v8.slice(0, 300)}` : '').toBeNull();
          }),
          { numRuns: RUNS, seed: 20261124 },
        );
      }, 120_000);
    }
  }
});
