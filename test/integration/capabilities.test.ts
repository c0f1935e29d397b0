// The host a plugin gets is built per call from declared ∩ granted capabilities, in both
// engines: granted, not granted, revoked between calls, undeclared, and unknown names.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginBundle } from '../../src-main/plugins/service.ts';
import { RUNTIME_KINDS } from '../../src-main/plugins/runtime/types.ts';
import { openDatabase } from '../../src-main/store/database.ts';
import { GrantStore, applyStagedStorage, discardStagedStorage } from '../../src-main/store/plugins.ts';
import { JobQueue } from '../../src-main/jobs/queue.ts';
import { pluginFromSource, serviceIn } from '../support/plugins.ts';
import { tempDir } from '../support/tmp.ts';

const dir = tempDir();
const service = serviceIn(dir);
let server: Server;
let base: string;
let hits = 0;
let prober: PluginBundle;
let undeclared: PluginBundle;

const input = (extra: Record<string, unknown> = {}) => ({ session: { id: 's', ...extra }, laps: [], target: {} });
const steps = (out: unknown) => Object.fromEntries((out as { steps: { label: string; notes: string }[] }).steps.map((s) => [s.label, s.notes]));

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, trackTempC: 41 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const source = `export const runPlan = async (input, host) => {
    const row = (label, notes) => ({ label, laps: 0, fuelLitres: 0, notes: String(notes) });
    const out = [
      row('hasFetch', host.hasCapability('fetch')), row('hasStorage', host.hasCapability('storage')), row('hasCamera', host.hasCapability('camera')),
      row('typeofFetch', typeof host.fetch), row('typeofStorage', typeof host.storage), row('keys', Object.keys(host).sort().join(',')),
    ];
    if (host.storage) {
      const before = await host.storage.get('visits');
      await host.storage.put('visits', String(Number(before ?? 0) + 1));
      out.push(row('visits', await host.storage.get('visits')), row('list', (await host.storage.list('vis')).join(',')));
    }
    if (host.fetch) {
      const r = await host.fetch(input.session.url + '/weather');
      out.push(row('fetched', r.status + ' ' + (await r.json()).trackTempC));
      try { await host.fetch('http://example.com/'); out.push(row('outside', 'reached')); } catch (e) { out.push(row('outside', e.message)); }
    }
    return { steps: out, summary: '' };
  };`;
  prober = await pluginFromSource(
    dir,
    {
      id: 'cap-prober',
      interfaces: ['runPlan'],
      capabilities: [
        { name: 'fetch', reason: 'reads the track weather', hosts: ['127.0.0.1'] },
        { name: 'storage', reason: 'remembers visits' },
      ],
    },
    source,
  );
  undeclared = await pluginFromSource(dir, { id: 'cap-undeclared', interfaces: ['runPlan'] }, source);
});
afterAll(async () => {
  service.close();
  await new Promise((r) => server.close(r));
});

describe.each(RUNTIME_KINDS)('capabilities in %s', (runtime) => {
  const account = `acct-${runtime}`;
  beforeAll(() => {
    service['db'].prepare("INSERT INTO accounts (id, name, created_at) VALUES (?, ?, '2026-01-01')").run(account, account);
  });
  const call = (bundle: PluginBundle) => service.invokeBundle(bundle, { iface: 'runPlan', input: input({ url: base }), runtime, accountId: account });

  it('not granted: host.fetch and host.storage are undefined, hasCapability is false', async () => {
    const s = steps((await call(prober)).output);
    expect(s).toMatchObject({ hasFetch: 'false', hasStorage: 'false', hasCamera: 'false', typeofFetch: 'undefined', typeofStorage: 'undefined', keys: 'hasCapability,log' });
  });

  it('granted: storage persists per account and plugin, fetch reaches only the allowed host', async () => {
    service.grants.grant(account, 'cap-prober', 'storage');
    service.grants.grant(account, 'cap-prober', 'fetch');
    const before = hits;
    const first = steps((await call(prober)).output);
    expect(first).toMatchObject({ hasFetch: 'true', hasStorage: 'true', typeofFetch: 'function', typeofStorage: 'object', visits: '1', list: 'visits', fetched: '200 41' });
    expect(first.outside).toMatch(/example\.com is not in the plugin's allowed hosts/);
    expect(hits).toBe(before + 1); // only the allowed request left the host
    expect(steps((await call(prober)).output).visits).toBe('2');
  });

  it('revoked between calls: the next call no longer has it', async () => {
    service.grants.revoke(account, 'cap-prober', 'fetch');
    const s = steps((await call(prober)).output);
    expect(s).toMatchObject({ hasFetch: 'false', typeofFetch: 'undefined', hasStorage: 'true', visits: '3' });
    service.grants.revoke(account, 'cap-prober', 'storage');
    expect(steps((await call(prober)).output)).toMatchObject({ typeofStorage: 'undefined', keys: 'hasCapability,log' });
  });

  it('granted and revoked by another connection (the CLI beside the app): the next call sees each change', async () => {
    const other = openDatabase(service['db'].name);
    try {
      const grants = new GrantStore(other);
      expect(steps((await call(prober)).output)).toMatchObject({ hasStorage: 'false' }); // (what the service holds now)
      grants.grant(account, 'cap-prober', 'storage');
      expect(steps((await call(prober)).output)).toMatchObject({ hasStorage: 'true', typeofStorage: 'object' });
      grants.revoke(account, 'cap-prober', 'storage');
      expect(steps((await call(prober)).output)).toMatchObject({ hasStorage: 'false', typeofStorage: 'undefined' });
    } finally {
      other.close();
    }
  });

  it('in a run of a job: the plugin reads its own writes, nobody else sees them until the job completes, and a run that never completes leaves nothing', async () => {
    service.grants.grant(account, 'cap-prober', 'storage');
    const db = service['db'];
    const job = new JobQueue(db).enqueue('test', {}, { accountId: account });
    const inRun = (attempt: number) => service.invokeBundle(prober, { iface: 'runPlan', input: input(), runtime, accountId: account, jobRun: { jobId: job, attempt } });
    const visits = async (out: Promise<{ output: unknown }>) => Number(steps((await out).output).visits);
    const base = await visits(call(prober));
    expect(await visits(inRun(1))).toBe(base + 1);
    expect(await visits(inRun(1))).toBe(base + 2); // its own write, read back
    expect(await visits(call(prober))).toBe(base + 1); // outside the run: the stored value, and this call's own write
    // a second run of the job (the first one was cut short): starts from what is stored
    discardStagedStorage(db, job);
    expect(await visits(inRun(2))).toBe(base + 2);
    db.transaction(() => applyStagedStorage(db, { jobId: job, attempt: 2 }))();
    expect(await visits(call(prober))).toBe(base + 3);
    expect(db.prepare('SELECT COUNT(*) AS n FROM plugin_storage_staged WHERE job_id = ?').get(job)).toEqual({ n: 0 });
    service.grants.revoke(account, 'cap-prober', 'storage');
  });

  it('granted but not declared in the manifest: not given', async () => {
    service.grants.grant(account, 'cap-undeclared', 'storage');
    service.grants.grant(account, 'cap-undeclared', 'fetch');
    expect(steps((await call(undeclared)).output)).toMatchObject({ typeofFetch: 'undefined', typeofStorage: 'undefined' });
  });
});

describe('capability names', () => {
  it('an unknown capability cannot be granted, and names it', () => {
    expect(() => service.grants.grant('local', 'cap-prober', 'camera')).toThrow('unknown capability "camera" (known: fetch, storage)');
  });

  it('a manifest asking for an unknown capability is refused at build', async () => {
    await expect(
      pluginFromSource(dir, { id: 'cap-weird', interfaces: ['runPlan'], capabilities: [{ name: 'camera', reason: 'photos' } as never] }, 'export const runPlan = () => ({ steps: [], summary: "" });'),
    ).rejects.toThrow(/capabilities\.0\.name/);
  });

  it('a grant row naming an unknown capability (an older or tampered database) is ignored', () => {
    const db = service['db'];
    db.pragma('ignore_check_constraints = ON');
    db.prepare("INSERT INTO capability_grants (account_id, plugin_id, capability, granted_at) VALUES ('local', 'cap-prober', 'camera', 'x')").run();
    db.pragma('ignore_check_constraints = OFF');
    expect(service.grants.granted('local', 'cap-prober')).toEqual([]);
  });
});
