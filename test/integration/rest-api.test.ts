// The REST API of `race serve` over real HTTP on loopback, with a real SQLite file and the
// V8 runtime: every route's success, missing token, wrong account, malformed body and
// size limit; grants changed through the API on the next call; uploads that queue KPI
// jobs; the rate limit.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppCore, type AppCore } from '../../src-main/app/core.ts';
import { startRaceServer, type RaceServer, type RaceServerOptions } from '../../src-main/http/race-server.ts';
import { RaceServerClient } from '../../src-main/plugins/server-client.ts';
import type { PluginBundle } from '../../src-main/plugins/service.ts';
import { decodeJson, encodeJson } from '../../src-shared/codec.ts';
import { circuitSession, circuitVbo, writeVbo } from '../support/write-vbo-ibt.ts';
import { firstParty, pluginFromSource } from '../support/plugins.ts';
import { writeMotecLd } from '../support/write-motec.ts';
import { tempDir } from '../support/tmp.ts';

const dir = tempDir('race-rest-');
let app: AppCore;
let server: RaceServer;
let a: { id: string; token: string };
let b: { id: string; token: string };
let bundles: Record<string, PluginBundle>;

async function http(method: string, path: string, options: { token?: string | null; body?: unknown; raw?: Uint8Array | string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? a.token : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  const body: BodyInit | undefined = (options.raw as BodyInit | undefined) ?? (options.body === undefined ? undefined : encodeJson(options.body));
  const res = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (decodeJson(text) as any) : null };
}

function vboFile(laps = 3): Uint8Array {
  return writeVbo(circuitVbo(circuitSession({ laps, lapTimeS: 30 }), { gateOrder: 'long,lat' }));
}

async function waitForJobs(token: string, ids: number[]): Promise<{ id: number; status: string }[]> {
  for (let i = 0; i < 300; i++) {
    const jobs = await Promise.all(ids.map((id) => http('GET', `/jobs/${id}`, { token }).then((r) => r.body)));
    if (jobs.every((j) => j.status === 'done' || j.status === 'failed')) return jobs;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('jobs did not finish');
}

beforeAll(async () => {
  app = createAppCore({ dbPath: join(dir, 'server.db') });
  const ca = app.services.accounts.create('Team A');
  const cb = app.services.accounts.create('Team B');
  a = { id: ca.id, token: ca.token.token };
  b = { id: cb.id, token: cb.token.token };
  bundles = {};
  for (const id of ['rolling-avg-rpm', 'lap-kpis', 'lap-notes']) bundles[id] = await firstParty(id);
  for (const id of ['rolling-avg-rpm', 'lap-kpis', 'lap-notes']) app.services.plugins.plugins.install(bundles[id]!, a.id);
  server = await startRaceServer({
    app,
    port: 0,
    operatorToken: 'operator-token',
    rateLimit: { perSecond: 0, burst: 1 },
    limits: { jsonBodyBytes: 2 * 1024 * 1024, uploadBytes: 4 * 1024 * 1024, maxSamples: 100_000 },
  });
}, 60_000);

afterAll(async () => {
  await server?.shutdown();
  app?.close();
});

describe('REST API: authentication and accounts', () => {
  it('answers /health without a token, and nothing else', async () => {
    expect(await http('GET', '/health', { token: null })).toMatchObject({ status: 200, body: { ok: true, schema: expect.any(Number) } });
    for (const [method, path] of [['GET', '/plugins'], ['POST', '/plugins/rolling-avg-rpm/invoke/math'], ['GET', `/accounts/${a.id}/grants`], ['POST', '/attachments'], ['GET', '/jobs/1'], ['GET', '/sessions']] as const) {
      const r = await http(method, path, { token: null });
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/bearer token/) });
    }
    expect((await http('GET', '/plugins', { token: 'race_not-a-real-token' })).status).toBe(401);
    expect((await http('GET', '/plugins', { token: 'something else' })).body.error.message).toMatch(/unknown or revoked/);
  });

  it('stores tokens hashed: the database never holds a usable token', () => {
    const rows = app.services.db.prepare('SELECT token_hash FROM api_tokens').all() as { token_hash: string }[];
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const r of rows) expect(r.token_hash).toMatch(/^[0-9a-f]{64}$/);
    const hashes = rows.map((r) => r.token_hash);
    expect(hashes).toContain(createHash('sha256').update(a.token).digest('hex'));
    // no column of any table holds the token itself
    const tables = (app.services.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    for (const t of tables) expect(JSON.stringify(app.services.db.prepare(`SELECT * FROM ${t}`).all(), (_k, v) => (Buffer.isBuffer(v) ? v.toString('latin1') : v)), t).not.toContain(a.token);
  });

  it('shows an account only to itself; tokens are made and revoked through the API', async () => {
    expect(await http('GET', `/accounts/${a.id}`)).toMatchObject({ status: 200, body: { id: a.id, name: 'Team A' } });
    expect(await http('GET', '/accounts/me', { token: b.token })).toMatchObject({ status: 200, body: { id: b.id } });
    const other = await http('GET', `/accounts/${b.id}`);
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('FORBIDDEN');
    expect((await http('GET', `/accounts/${b.id}/tokens`)).status).toBe(403);

    const made = await http('POST', `/accounts/${a.id}/tokens`, { body: { name: 'pit wall' } });
    expect(made).toMatchObject({ status: 201, body: { name: 'pit wall', token: expect.stringMatching(/^race_/) } });
    expect((await http('GET', '/plugins', { token: made.body.token })).status).toBe(200);
    const list = await http('GET', `/accounts/${a.id}/tokens`);
    expect(list.body.map((t: { name: string }) => t.name)).toContain('pit wall');
    expect(JSON.stringify(list.body)).not.toContain(made.body.token);
    expect((await http('DELETE', `/accounts/${b.id}/tokens/${made.body.id}`)).status).toBe(403);
    expect((await http('DELETE', `/accounts/${a.id}/tokens/${made.body.id}`)).status).toBe(200);
    expect((await http('GET', '/plugins', { token: made.body.token })).status).toBe(401);
    expect((await http('DELETE', `/accounts/${a.id}/tokens/${made.body.id}`)).status).toBe(404);
  });

  it('says which route does not exist', async () => {
    const r = await http('GET', '/plugins/rolling-avg-rpm/nothing');
    expect(r.status).toBe(404);
    expect(r.body.error.message).toMatch(/no route GET/);
    expect((await http('PATCH', '/plugins')).status).toBe(404);
  });
});

describe('REST API: plugins', () => {
  it('lists, shows, uploads and removes an account\'s plugins, invisible to other accounts', async () => {
    const list = await http('GET', '/plugins');
    expect(list.status).toBe(200);
    expect(list.body.map((p: { id: string }) => p.id)).toEqual(['lap-kpis', 'lap-notes', 'rolling-avg-rpm']);
    expect((await http('GET', '/plugins', { token: b.token })).body).toEqual([]);
    expect((await http('GET', '/plugins/lap-kpis')).body).toMatchObject({ id: 'lap-kpis', hash: bundles['lap-kpis']!.hash });
    const hidden = await http('GET', '/plugins/lap-kpis', { token: b.token });
    expect(hidden.status).toBe(404);

    const distance = await firstParty('distance');
    const up = await http('POST', '/plugins', { token: b.token, body: { manifest: { ...distance.manifest, hash: distance.hash }, code: distance.code } });
    expect(up).toMatchObject({ status: 201, body: { id: 'distance', hash: distance.hash } });
    expect((await http('POST', '/plugins', { token: b.token, body: { manifest: distance.manifest, code: distance.code } })).status).toBe(200);
    expect((await http('GET', '/plugins')).body.map((p: { id: string }) => p.id)).not.toContain('distance');
    expect((await http('DELETE', '/plugins/distance')).status).toBe(404);
    expect(await http('DELETE', '/plugins/distance', { token: b.token })).toMatchObject({ status: 200, body: { removed: 'distance' } });
    expect((await http('GET', '/plugins', { token: b.token })).body).toEqual([]);
  });

  it('refuses a malformed upload with what was wrong', async () => {
    const distance = await firstParty('distance');
    const tampered = await http('POST', '/plugins', { token: b.token, body: { manifest: { ...distance.manifest, hash: distance.hash }, code: `${distance.code}\n// edited` } });
    expect(tampered.status).toBe(400);
    expect(tampered.body.error.message).toMatch(/content hash .* does not match/);
    const noId = await http('POST', '/plugins', { token: b.token, body: { manifest: { ...distance.manifest, id: undefined }, code: distance.code } });
    expect(noId.status).toBe(400);
    expect(noId.body.error.message).toMatch(/id/);
    expect((await http('POST', '/plugins', { token: b.token, body: { code: 'x' } })).body.error.message).toMatch(/manifest/);
    expect((await http('POST', '/plugins', { token: b.token, raw: '{"manifest": ' })).body.error).toMatchObject({ code: 'BAD_ARGS', message: expect.stringMatching(/not valid JSON/) });
  });

  it('invokes a math plugin with every bit of the channels kept both ways', async () => {
    const rpm = Float64Array.from([1000, NaN, -0, 2000.5, 1e-310, 3000, Infinity, 4000]);
    const r = await http('POST', '/plugins/rolling-avg-rpm/invoke/math', { body: { input: { rateHz: 10, channels: { rpm }, params: { window: 3 } } } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ plugin: 'rolling-avg-rpm', runtime: 'v8' });
    expect(r.body.output.rpm_avg).toBeInstanceOf(Float64Array);
    const local = await app.services.plugins.invoke('rolling-avg-rpm', { iface: 'math', input: { rateHz: 10, channels: { rpm }, params: { window: 3 } }, runtime: 'quickjs', accountId: a.id });
    expect(encodeJson(r.body.output)).toBe(encodeJson(local.output));
    // plain number arrays work too (null = missing sample)
    const plain = await http('POST', '/plugins/rolling-avg-rpm/invoke/math', { body: { input: { rateHz: 10, channels: { rpm: [1000, null, 3000] }, params: {} } } });
    expect(plain.status).toBe(200);
    expect(plain.body.output.rpm_avg.length).toBe(3);
  });

  it('gives each failure its status: bad input 400, other account 404, unknown interface 404, stale bundle 409, too large 413, plugin failure 422', async () => {
    const bad = await http('POST', '/plugins/rolling-avg-rpm/invoke/math', { body: { input: { rateHz: 10, channels: {} } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/needs the channel rpm/);
    expect((await http('POST', '/plugins/rolling-avg-rpm/invoke/math', { body: {} })).body.error.message).toMatch(/input: required/);
    expect((await http('POST', '/plugins/rolling-avg-rpm/invoke/math', { raw: 'not json' })).status).toBe(400);
    expect((await http('POST', '/plugins/rolling-avg-rpm/invoke/math', { raw: '[1,2]' })).body.error.message).toMatch(/expected a JSON object/);
    expect((await http('POST', '/plugins/rolling-avg-rpm/invoke/math', { token: b.token, body: { input: {} } })).status).toBe(404);
    expect((await http('POST', '/plugins/rolling-avg-rpm/invoke/teleport', { body: { input: {} } })).status).toBe(404);
    const stale = await http('POST', '/plugins/rolling-avg-rpm/invoke/math', { body: { hash: 'f'.repeat(64), input: { rateHz: 10, channels: { rpm: [1] }, params: {} } } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.installedHash).toBe(bundles['rolling-avg-rpm']!.hash);
    const many = await http('POST', '/plugins/rolling-avg-rpm/invoke/math', { body: { input: { rateHz: 10, channels: { rpm: new Float64Array(100_001) }, params: {} } } });
    expect(many.status).toBe(413);
    expect(many.body.error.message).toMatch(/100001 samples; the limit per call is 100000/);
    const huge = await http('POST', '/plugins/rolling-avg-rpm/invoke/math', { raw: 'x'.repeat(3 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    const badInput = await http('POST', '/plugins/lap-kpis/invoke/kpiProcessor', { body: { input: { lap: { number: 1, timeMs: 'soon' }, rateHz: 10, channels: {}, meta: {} } } });
    expect(badInput.status).toBe(400);
    // the sample limit counts plain arrays with missing samples too
    const nulls = await http('POST', '/plugins/rolling-avg-rpm/invoke/math', { body: { input: { rateHz: 10, channels: { rpm: [null, ...new Array(100_000).fill(1)] }, params: {} } } });
    expect(nulls.status).toBe(413);
    const escape = await http('GET', '/plugins/%E0');
    expect(escape.status).toBe(400);
    expect(escape.body.error.message).toMatch(/%-escape/);
    // a plugin that throws: 422, the reason code kept
    const thrower = await pluginFromSource(dir, { id: 'thrower', interfaces: ['math'], meta: { math: { inputs: [{ name: 'rpm' }], outputs: [{ name: 'out', unit: '' }] } } }, `export const math = () => { throw new Error('no.'); };`);
    expect((await http('POST', '/plugins', { body: { manifest: thrower.manifest, code: thrower.code } })).status).toBe(201);
    const threw = await http('POST', '/plugins/thrower/invoke/math', { body: { input: { rateHz: 10, channels: { rpm: [1] }, params: {} } } });
    expect(threw.status).toBe(422);
    expect(threw.body.error).toMatchObject({ code: 'PLUGIN_FAILED', details: { reason: 'PLUGIN_THREW' } });
    expect((await http('DELETE', '/plugins/thrower')).status).toBe(200);
  });
});

describe('REST API: grants', () => {
  const notes = (lap: number) => ({ input: { lap: { number: lap, timeMs: 90_000 }, rateHz: 10, channels: { speed: [100, null, 200, 150] }, meta: {} } });
  const timesAnalysed = (r: { body: { output: { name: string; value: number }[] } }) => r.body.output.find((k) => k.name === 'times analysed')!.value;

  it('lists, grants and revokes for the own account only; the change holds on the next call', async () => {
    expect(await http('GET', `/accounts/${a.id}/grants`)).toMatchObject({ status: 200, body: [] });
    expect((await http('GET', `/accounts/${a.id}/grants`, { token: b.token })).status).toBe(403);
    expect((await http('PUT', `/accounts/${a.id}/grants`, { token: b.token, body: { pluginId: 'lap-notes', capability: 'storage' } })).status).toBe(403);

    const path = '/plugins/lap-notes/invoke/kpiProcessor';
    const before = await http('POST', path, { body: notes(1) });
    expect(before.status).toBe(200);
    expect(before.body.logs.join()).toMatch(/storage is not granted/);
    expect(timesAnalysed(before)).toBeNaN();

    const granted = await http('PUT', `/accounts/${a.id}/grants`, { body: { pluginId: 'lap-notes', capability: 'storage' } });
    expect(granted).toMatchObject({ status: 200, body: [{ pluginId: 'lap-notes', capability: 'storage' }] });
    // the very next call has storage: the plugin counts its analyses of lap 1
    expect(timesAnalysed(await http('POST', path, { body: notes(1) }))).toBe(1);
    const second = await http('POST', path, { body: notes(1) });
    expect(second.body.logs).toEqual([]);
    expect(timesAnalysed(second)).toBe(2);
    const rows = app.services.db.prepare('SELECT account_id, plugin_id FROM plugin_storage').all() as { account_id: string; plugin_id: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.account_id === a.id && r.plugin_id === 'lap-notes')).toBe(true);

    const revoked = await http('DELETE', `/accounts/${a.id}/grants?plugin=lap-notes&capability=storage`);
    expect(revoked).toMatchObject({ status: 200, body: [] });
    const after = await http('POST', path, { body: notes(1) });
    expect(after.body.logs.join()).toMatch(/storage is not granted/);
    expect(timesAnalysed(after)).toBeNaN();
  });

  it('leaves fetch to the operator: an account cannot let its own plugin open connections from the server', async () => {
    const weather = await firstParty('weather');
    expect((await http('POST', '/plugins', { token: b.token, body: { manifest: weather.manifest, code: weather.code } })).status).toBe(201);
    const r = await http('PUT', `/accounts/${b.id}/grants`, { token: b.token, body: { pluginId: 'weather', capability: 'fetch' } });
    expect(r.status).toBe(403);
    expect(r.body.error.message).toMatch(/race grants grant --account/);
    expect((await http('GET', `/accounts/${b.id}/grants`, { token: b.token })).body).toEqual([]);
    // the operator can
    app.services.plugins.grants.grant(b.id, 'weather', 'fetch');
    expect((await http('GET', `/accounts/${b.id}/grants`, { token: b.token })).body).toMatchObject([{ pluginId: 'weather', capability: 'fetch' }]);
    expect((await http('DELETE', `/accounts/${b.id}/grants?plugin=weather&capability=fetch`, { token: b.token })).status).toBe(200);
    expect((await http('DELETE', '/plugins/weather', { token: b.token })).status).toBe(200);
  });

  it('refuses grants a plugin does not ask for, unknown capabilities and malformed bodies', async () => {
    const notAsked = await http('PUT', `/accounts/${a.id}/grants`, { body: { pluginId: 'rolling-avg-rpm', capability: 'fetch' } });
    expect(notAsked.status).toBe(400);
    expect(notAsked.body.error.message).toMatch(/does not ask for fetch/);
    const unknown = await http('PUT', `/accounts/${a.id}/grants`, { body: { pluginId: 'lap-notes', capability: 'telepathy' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/capability/);
    expect((await http('PUT', `/accounts/${a.id}/grants`, { raw: '{' })).status).toBe(400);
    expect((await http('PUT', `/accounts/${a.id}/grants`, { body: { pluginId: 'nope', capability: 'storage' } })).status).toBe(404);
  });
});

describe('REST API: telemetry uploads and KPI jobs', () => {
  it('imports an upload, queues one KPI job per kpiProcessor, and serves the KPIs when the jobs are done', async () => {
    const up = await http('POST', '/attachments?name=circuit.vbo', { raw: vboFile(3), headers: { 'content-type': 'application/octet-stream' } });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ status: 'imported', format: 'vbo', sessionId: expect.any(String) });
    // one job per enabled kpiProcessor of this account
    expect(up.body.jobs.map((j: { plugin: string }) => j.plugin).sort()).toEqual(['lap-kpis', 'lap-notes']);
    const jobs = await waitForJobs(a.token, up.body.jobs.map((j: { id: number }) => j.id));
    for (const j of jobs) expect(j).toMatchObject({ status: 'done', progress: 1 });
    const job = jobs[0];
    const kpis = await http('GET', `/sessions/${up.body.sessionId}/kpis`);
    expect(kpis.status).toBe(200);
    expect(kpis.body.pending).toBe(0);
    const laps = (await http('GET', `/sessions/${up.body.sessionId}/laps`)).body;
    const counted = laps.filter((l: { kind: string }) => l.kind !== 'partial').length;
    expect(laps.filter((l: { kind: string }) => l.kind === 'lap').length).toBe(3);
    expect(new Set(kpis.body.kpis.map((k: { lap: number }) => k.lap)).size).toBe(counted);
    expect(kpis.body.kpis.find((k: { name: string }) => /speed/i.test(k.name))).toBeTruthy();

    // the same bytes again: a duplicate, no new jobs
    const dup = await http('POST', '/attachments?name=again.vbo', { raw: vboFile(3) });
    expect(dup).toMatchObject({ status: 200, body: { status: 'duplicate', sessionId: up.body.sessionId } });
    // another account may upload the same file: its own session, invisible to the first
    const other = await http('POST', '/attachments?name=circuit.vbo', { token: b.token, raw: vboFile(3) });
    expect(other).toMatchObject({ status: 201, body: { status: 'imported', jobs: [] } });
    expect(other.body.sessionId).not.toBe(up.body.sessionId);
    expect((await http('GET', `/sessions/${up.body.sessionId}/kpis`, { token: b.token })).status).toBe(404);
    expect((await http('GET', `/jobs/${job!.id}`, { token: b.token })).status).toBe(404);
    expect((await http('GET', '/sessions', { token: b.token })).body.map((s: { id: string }) => s.id)).toEqual([other.body.sessionId]);
    const channels = await http('GET', `/sessions/${up.body.sessionId}/channels`);
    expect(channels.status).toBe(200);
    const name = channels.body[0].name;
    const samples = await http('GET', `/sessions/${up.body.sessionId}/channels/${encodeURIComponent(name)}?lap=1`);
    expect(samples.body.samples).toBeInstanceOf(Float64Array);
    expect((await http('GET', `/sessions/${up.body.sessionId}/channels/${encodeURIComponent(name)}`, { token: b.token })).status).toBe(404);
  });

  it('two uploads of the same file at once: one imported, one duplicate, never an error', async () => {
    const file = vboFile(4);
    const [x, y] = await Promise.all([http('POST', '/attachments?name=twice.vbo', { raw: file }), http('POST', '/attachments?name=twice.vbo', { raw: file })]);
    expect([x.body.status, y.body.status].sort()).toEqual(['duplicate', 'imported']);
    expect(x.body.sessionId).toBe(y.body.sessionId);
  });

  it('refuses a broken upload with the file, format and place, and stores nothing', async () => {
    const count = () => (app.services.db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n;
    const before = count();
    const bytes = vboFile(2);
    const ld = writeMotecLd({ venue: 'Broken', channels: [{ name: 'Engine RPM', unit: 'rpm', rateHz: 10, type: 'int16', values: Float64Array.from({ length: 500 }, (_, i) => i) }] });
    const r = await http('POST', '/attachments?name=broken.ld', { raw: ld.subarray(0, ld.length - 400) });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/broken\.ld/);
    expect(r.body.error.details).toMatchObject({ format: expect.stringMatching(/motec/), offset: expect.any(Number) });
    const unknown = await http('POST', '/attachments?name=notes.txt', { raw: 'just some notes\n' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/notes\.txt: not a logger file/);
    expect((await http('POST', '/attachments?name=empty.vbo', { raw: new Uint8Array(0) })).body.error.message).toMatch(/empty/);
    expect((await http('POST', '/attachments', { raw: bytes })).body.error.message).toMatch(/name/);
    expect((await http('POST', '/attachments?name=../../etc/x.vbo', { raw: bytes })).status).toBe(400);
    expect((await http('POST', '/attachments?name=x.vbo&gate=1,2,x', { raw: bytes })).body.error.message).toMatch(/gate/);
    const big = await http('POST', '/attachments?name=big.vbo', { raw: new Uint8Array(5 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect(count()).toBe(before);
  });

  it('keeps jobs to their account and says when one does not exist', async () => {
    expect((await http('GET', '/jobs/999999')).status).toBe(404);
    expect((await http('GET', '/jobs/abc')).status).toBe(404);
  });
});

describe('REST API: every route', () => {
  // [method, path for the caller's own resources, body]; :A is the caller's account
  const routes: [string, string, unknown?][] = [
    ['GET', '/accounts/:A'],
    ['GET', '/accounts/:A/tokens'],
    ['POST', '/accounts/:A/tokens', { name: 'x' }],
    ['DELETE', '/accounts/:A/tokens/tok_nothing'],
    ['GET', '/accounts/:A/grants'],
    ['PUT', '/accounts/:A/grants', { pluginId: 'lap-notes', capability: 'storage' }],
    ['DELETE', '/accounts/:A/grants', { pluginId: 'lap-notes', capability: 'storage' }],
    ['GET', '/plugins'],
    ['GET', '/plugins/lap-kpis'],
    ['POST', '/plugins', { manifest: {}, code: 'x' }],
    ['DELETE', '/plugins/nothing-here'],
    ['POST', '/plugins/rolling-avg-rpm/invoke/math', { input: { rateHz: 10, channels: { rpm: [1, 2] }, params: {} } }],
    ['POST', '/attachments?name=x.vbo', 'raw'],
    ['GET', '/jobs/1'],
    ['GET', '/sessions'],
    ['GET', '/sessions/s/laps'],
    ['GET', '/sessions/s/kpis'],
    ['GET', '/sessions/s/jobs'],
    ['GET', '/sessions/s/channels'],
    ['GET', '/sessions/s/channels/speed'],
  ];
  const send = (method: string, path: string, body: unknown, token: string | null, account = a.id) =>
    http(method, path.replace(':A', account), { token, ...(body === 'raw' ? { raw: 'not a logger file' } : body === undefined ? {} : { body }) });

  it('refuses every route without a token, or with a wrong one (401)', async () => {
    for (const [method, path, body] of routes) {
      for (const token of [null, 'race_forged']) {
        const r = await send(method, path, body, token);
        expect(r.status, `${method} ${path} with ${token ?? 'no token'}`).toBe(401);
        expect(r.body.error.code).toBe('UNAUTHORIZED');
      }
    }
  });

  it('keeps every route to the caller\'s own account: another account\'s id is 403, its objects do not exist (404)', async () => {
    for (const [method, path, body] of routes.filter(([, p]) => p.includes(':A'))) {
      const r = await send(method, path, body, b.token, a.id);
      expect(r.status, `${method} ${path} as account B`).toBe(403);
      expect(r.body.error.code).toBe('FORBIDDEN');
    }
    // A's objects, asked for by B
    const sessionId = (await http('GET', '/sessions')).body[0].id as string;
    const jobId = (await http('GET', `/sessions/${sessionId}/jobs`)).body[0].id as number;
    for (const path of ['/plugins/lap-kpis', `/sessions/${sessionId}/laps`, `/sessions/${sessionId}/kpis`, `/sessions/${sessionId}/jobs`, `/sessions/${sessionId}/channels`, `/jobs/${jobId}`]) {
      const r = await http('GET', path, { token: b.token });
      expect(r.status, `GET ${path} as account B`).toBe(404);
    }
    expect((await http('POST', '/plugins/lap-kpis/invoke/kpiProcessor', { token: b.token, body: { input: {} } })).status).toBe(404);
    expect((await http('DELETE', '/plugins/lap-kpis', { token: b.token })).status).toBe(404);
    expect((await http('GET', '/plugins/lap-kpis')).status).toBe(200); // still there for A
  });

  it('refuses a malformed body on every route that takes one (400), and a body over the limit (413)', async () => {
    for (const [method, path, body] of routes.filter(([, , body]) => body !== undefined && body !== 'raw')) {
      const bad = await send(method, path, undefined, a.token);
      const r = await http(method, path.replace(':A', a.id), { raw: '{"not json' });
      expect(r.status, `${method} ${path}`).toBe(400);
      expect(r.body.error.message, `${method} ${path}`).toMatch(/not valid JSON/);
      const huge = await http(method, path.replace(':A', a.id), { raw: `{"x":"${'y'.repeat(2 * 1024 * 1024)}"}` });
      expect(huge.status, `${method} ${path}`).toBe(413);
      // a new token's name is optional; every other body is required
      expect(bad.status, `${method} ${path} with no body`).toBe(path.endsWith('/tokens') ? 201 : 400);
    }
  });
});

/** A server of its own (its own database) for options the shared one does not have. */
async function withServer(dbName: string, options: Partial<RaceServerOptions>, body: (server: RaceServer, app: AppCore) => Promise<void>): Promise<void> {
  const app2 = createAppCore({ dbPath: join(dir, dbName) });
  const server2 = await startRaceServer({ app: app2, port: 0, operatorToken: 'op', runJobs: false, ...options });
  try {
    await body(server2, app2);
  } finally {
    await server2.shutdown();
    app2.close();
  }
}

describe('the upload limit (race serve --max-upload-mb)', () => {
  it('bounds browser-mode uploads too: the contract takes a file as base64 up to the same limit', async () => {
    await withServer('upload-limit.db', { uiDir: dir, limits: { uploadBytes: 1024 * 1024 } }, async (limited) => {
      const upload = (fileName: string, bytes: Uint8Array) =>
        fetch(`${limited.url}/api/rpc/sessions.upload`, { method: 'POST', headers: { authorization: 'Bearer op' }, body: encodeJson({ fileName, bytes }) });
      // a logger file just under 1 MiB (1.3 MiB as base64) is imported; one of 2 MiB is refused unread
      const ld = writeMotecLd({ venue: 'Limit Park', channels: Array.from({ length: 8 }, (_, c) => ({ name: `C${c}`, unit: 'V', rateHz: 100, type: 'int16' as const, raw: Int16Array.from({ length: 60_000 }, (_, i) => (i * (c + 1)) % 3000) })) });
      expect(ld.byteLength).toBeGreaterThan(900 * 1024);
      expect(ld.byteLength).toBeLessThan(1024 * 1024);
      const ok = await upload('under.ld', ld);
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { value: { status: string } }).value.status).toBe('imported');
      const over = await upload('over.ld', new Uint8Array(2 * 1024 * 1024));
      expect(over.status).toBe(413);
      expect(((await over.json()) as { error: { code: string } }).error.code).toBe('TOO_LARGE');
    });
  });
});

describe('REST API: rate limit', () => {
  it('holds a token to its rate with 429 and Retry-After, without slowing other tokens', async () => {
    // one request back every 100 s: a slow machine cannot refill the bucket mid-test
    await withServer('limited.db', { rateLimit: { perSecond: 0.01, burst: 3 } }, async (limited, app2) => {
      const x = app2.services.accounts.create('X').token.token;
      const y = app2.services.accounts.create('Y').token.token;
      const get = (token: string) => fetch(`${limited.url}/plugins`, { headers: { authorization: `Bearer ${token}` } });
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await get(x)).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      const r = await get(x);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(1); // whole seconds until the next request
      expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
      expect((await get(y)).status).toBe(200);
      // another token of the same account shares its bucket: more tokens buy no more requests
      const x2 = app2.services.accounts.createToken(app2.services.accounts.list().find((acc) => acc.name === 'X')!.id, 'second').token;
      expect((await get(x2)).status).toBe(429);
    });
  });
});

describe('the server adapter (RaceServerClient)', () => {
  it('uploads the caller\'s bundle when the server lacks it or has another version, then invokes it', async () => {
    const client = new RaceServerClient({ url: server.url, token: b.token });
    const bundle = await firstParty('rolling-avg-rpm');
    const input = { rateHz: 10, channels: { rpm: Float64Array.from([1, 2, 3, 4]) }, params: {} };
    const r = await client.invoke('rolling-avg-rpm', 'math', input, { bundle });
    expect(r.runtime).toBe('v8');
    expect((await http('GET', '/plugins/rolling-avg-rpm', { token: b.token })).body.hash).toBe(bundle.hash);
    // without a bundle the server's copy runs; a missing plugin is a clear 404
    await expect(client.invoke('nope', 'math', input)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('replaces another version on the server with the caller\'s bundle (409 → upload → the call again)', async () => {
    const client = new RaceServerClient({ url: server.url, token: b.token });
    const v1 = await pluginFromSource(dir, { id: 'versioned', interfaces: ['runPlan'] }, `export const runPlan = () => ({ steps: [], summary: 'v1' });`);
    const v2 = await pluginFromSource(dir, { id: 'versioned', version: '2.0.0', interfaces: ['runPlan'] }, `export const runPlan = () => ({ steps: [], summary: 'v2' });`);
    const input = { session: { id: 's' }, laps: [], target: {} };
    expect(((await client.invoke('versioned', 'runPlan', input, { bundle: v1 })).output as { summary: string }).summary).toBe('v1');
    expect(((await client.invoke('versioned', 'runPlan', input, { bundle: v2 })).output as { summary: string }).summary).toBe('v2');
    expect((await http('GET', '/plugins/versioned', { token: b.token })).body).toMatchObject({ version: '2.0.0', hash: v2.hash });
    // a malformed hash is bad input, not a conflict
    expect((await http('POST', '/plugins/versioned/invoke/runPlan', { token: b.token, body: { input, hash: 'nope' } })).status).toBe(400);
    expect((await http('DELETE', '/plugins/versioned', { token: b.token })).status).toBe(200);
  });

  it('does not upload over a plugin the server has disabled: the CONFLICT comes back as it is', async () => {
    const client = new RaceServerClient({ url: server.url, token: b.token });
    const v1 = await pluginFromSource(dir, { id: 'switched-off', interfaces: ['runPlan'] }, `export const runPlan = () => ({ steps: [], summary: 'v1' });`);
    const v2 = await pluginFromSource(dir, { id: 'switched-off', version: '2.0.0', interfaces: ['runPlan'] }, `export const runPlan = () => ({ steps: [], summary: 'v2' });`);
    const input = { session: { id: 's' }, laps: [], target: {} };
    await client.uploadPlugin(v1);
    app.services.db.prepare("UPDATE plugins SET enabled = 0 WHERE account_id = ? AND id = 'switched-off'").run(b.id);
    for (const bundle of [v1, v2]) {
      await expect(client.invoke('switched-off', 'runPlan', input, { bundle })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/disabled/) });
    }
    // the server still has the version it had, and it is still disabled
    expect((await http('GET', '/plugins/switched-off', { token: b.token })).body).toMatchObject({ version: v1.manifest.version, hash: v1.hash, enabled: false });
    expect((await http('DELETE', '/plugins/switched-off', { token: b.token })).status).toBe(200);
  });

  it('says clearly when the server cannot be reached or the token is wrong', async () => {
    await expect(new RaceServerClient({ url: 'http://127.0.0.1:1', token: 'x' }).invoke('p', 'math', {})).rejects.toMatchObject({ code: 'NOT_AVAILABLE', message: expect.stringMatching(/cannot reach the Race server at http:\/\/127\.0\.0\.1:1/) });
    await expect(new RaceServerClient({ url: server.url, token: 'race_wrong' }).invoke('p', 'math', {})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(() => new RaceServerClient({ url: 'ftp://x', token: 't' })).toThrow(/http or https/);
  });
});
