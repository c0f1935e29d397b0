// Online and offline give the same bits: every first-party plugin, every interface it
// implements, generated inputs (NaN, ±0, ±Infinity, subnormals, huge values) — once through
// the server adapter over HTTP to `race serve` (V8), once through the local QuickJS runtime
// the desktop uses offline. Outputs and log lines compared byte for byte.
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppCore, type AppCore } from '../../src-main/app/core.ts';
import { startRaceServer, type RaceServer } from '../../src-main/http/race-server.ts';
import { arbitraryFor } from '../../src-main/plugins/parity/run.ts';
import { RaceServerClient } from '../../src-main/plugins/server-client.ts';
import { PluginError } from '../../src-main/plugins/errors.ts';
import type { PluginBundle } from '../../src-main/plugins/service.ts';
import { firstPartyPluginDirs } from '../../src-main/cli/commands/plugins.ts';
import { encodeJson } from '../../src-shared/codec.ts';
import { RaceError } from '../../src-shared/errors.ts';
import type { InterfaceName } from '../../src-shared/plugins/manifest.ts';
import { firstParty } from '../support/plugins.ts';
import { tempDir } from '../support/tmp.ts';

const CASES = 6;
const NOW = Date.UTC(2026, 5, 1, 12);
const SEED = 7;
const dir = tempDir('race-server-parity-');
let serverApp: AppCore;
let localApp: AppCore;
let server: RaceServer;
let client: RaceServerClient;
const ids = firstPartyPluginDirs().map((d) => d.split('/').pop()!);

/** What a call produced, as bytes: output + logs, or the failure reason code. */
async function outcome(run: () => Promise<{ output: unknown; logs: string[] }>): Promise<string> {
  try {
    const r = await run();
    return encodeJson({ output: r.output, logs: r.logs });
  } catch (e) {
    if (e instanceof PluginError) return `failed: ${e.reason}`;
    if (e instanceof RaceError && e.code === 'PLUGIN_FAILED') return `failed: ${(e.details as { reason: string }).reason}`;
    if (e instanceof RaceError && e.code === 'BAD_ARGS') return `bad input: ${e.message.replace(/^server: /, '')}`;
    throw e;
  }
}

beforeAll(async () => {
  serverApp = createAppCore({ dbPath: join(dir, 'server.db') });
  localApp = createAppCore({ dbPath: join(dir, 'desktop.db') });
  const account = serverApp.services.accounts.create('Parity');
  server = await startRaceServer({ app: serverApp, port: 0, operatorToken: 'op', rateLimit: { perSecond: 0, burst: 1 }, runJobs: false });
  client = new RaceServerClient({ url: server.url, token: account.token.token });
}, 60_000);

afterAll(async () => {
  await server?.shutdown();
  serverApp?.close();
  localApp?.close();
});

describe('online (server, V8 over HTTP) = offline (local QuickJS), byte for byte', () => {
  it('covers every first-party plugin', () => {
    expect(ids.length).toBeGreaterThanOrEqual(9);
  });

  for (const id of ids) {
    it(`${id}: every interface, ${CASES} generated inputs each`, async () => {
      const bundle: PluginBundle = await firstParty(id);
      localApp.services.plugins.plugins.install(bundle);
      let compared = 0;
      let succeeded = 0;
      for (const iface of bundle.manifest.interfaces as InterfaceName[]) {
        const inputs = fc.sample(arbitraryFor(bundle, iface), { numRuns: CASES, seed: 42 });
        for (const generated of inputs) {
          const calls: unknown[] =
            iface === 'liveHook' ? (generated as { t: number; values: Record<string, number> }[]).map((frame) => ({ frame })) : [generated];
          let onlineState: unknown = null;
          let offlineState: unknown = null;
          for (const call of calls) {
            const withState = (state: unknown) => (iface === 'liveHook' ? { ...(call as object), state } : call);
            const online = await outcome(() => client.invoke(id, iface, withState(onlineState), { bundle, now: NOW, seed: SEED }));
            const offline = await outcome(() => localApp.services.plugins.invoke(id, { iface, input: withState(offlineState), runtime: 'quickjs', accountId: 'local', now: NOW, seed: SEED }));
            expect(online, `${id} ${iface} ${encodeJson(withState(offlineState)).slice(0, 300)}`).toBe(offline);
            compared++;
            if (online.startsWith('{')) succeeded++;
            if (iface === 'liveHook' && online.startsWith('{')) {
              const state = (JSON.parse(online) as { output: { state: unknown } }).output.state;
              onlineState = state;
              offlineState = state;
            }
          }
        }
      }
      expect(compared).toBeGreaterThanOrEqual(CASES);
      // generated inputs are mostly valid: outputs are compared, not just matching errors
      expect(succeeded, `${succeeded} of ${compared} calls succeeded`).toBeGreaterThanOrEqual(compared / 3);
      // the adapter put the caller's very bundle on the server
      const parity = serverApp.services.accounts.list().find((a) => a.name === 'Parity')!.id;
      expect(serverApp.services.plugins.plugins.get(id, parity)?.hash).toBe(bundle.hash);
    }, 120_000);
  }
});
