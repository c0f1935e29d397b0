// The desktop's bridge: the same contract call goes to local QuickJS (Offline), to a Race
// server (Online), or to the server when it answers (Auto) — here against a real `race serve`
// on loopback, with the desktop's own database and plugins.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppCore, type AppCore } from '../../src-main/app/core.ts';
import { startRaceServer, type RaceServer } from '../../src-main/http/race-server.ts';
import { encodeJson } from '../../src-shared/codec.ts';
import { circuitSession, circuitVbo, writeVbo } from '../support/write-vbo-ibt.ts';
import { firstParty } from '../support/plugins.ts';
import { tempDir } from '../support/tmp.ts';

const dir = tempDir('race-online-');
let serverApp: AppCore;
let desktop: AppCore;
let server: RaceServer;
let token: string;
let accountId: string;
const op = { transport: 'ipc' } as const;

async function call(method: string, args: unknown) {
  const r = await desktop.dispatch(method, args, op);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.value as any;
}

beforeAll(async () => {
  serverApp = createAppCore({ dbPath: join(dir, 'server.db') });
  const created = serverApp.services.accounts.create('Desk');
  token = created.token.token;
  accountId = created.id;
  server = await startRaceServer({ app: serverApp, port: 0, operatorToken: 'op', runJobs: false });
  desktop = createAppCore({ dbPath: join(dir, 'desktop.db') });
  desktop.services.plugins.plugins.install(await firstParty('rolling-avg-rpm'));
  desktop.services.plugins.plugins.install(await firstParty('distance'));
}, 60_000);

afterAll(async () => {
  await server?.shutdown();
  serverApp?.close();
  desktop?.close();
});

const input = { rateHz: 10, channels: { rpm: Float64Array.from([1000, 1500, NaN, -0, 2500]) }, params: {} };

describe('Offline / Online / Auto', () => {
  it('Offline runs local QuickJS', async () => {
    await call('runtime.setMode', { mode: 'offline' });
    expect((await call('plugins.invoke', { plugin: 'rolling-avg-rpm', interface: 'math', input })).runtime).toBe('quickjs');
  });

  it('Online without a server says what to do', async () => {
    await call('runtime.setMode', { mode: 'online' });
    await expect(call('plugins.invoke', { plugin: 'rolling-avg-rpm', interface: 'math', input })).rejects.toMatchObject({ code: 'NOT_AVAILABLE', message: expect.stringMatching(/set its URL and sign in/) });
  });

  it('Online sends the call to the server, uploading the local bundle, with the same bits as offline', async () => {
    expect(await call('settings.setServer', { url: server.url, token })).toEqual({ url: server.url, tokenSet: true });
    expect(await call('runtime.getMode', {})).toMatchObject({ serverUrl: server.url, signedIn: true });
    const online = await call('plugins.invoke', { plugin: 'rolling-avg-rpm', interface: 'math', input, now: 1 });
    expect(online.runtime).toBe('v8');
    expect(serverApp.services.plugins.plugins.get('rolling-avg-rpm', accountId)?.hash).toBe(desktop.services.plugins.plugins.get('rolling-avg-rpm')!.hash);
    // a bundle named by hash that is not the installed one is a CONFLICT online as offline
    const wrongHash = { plugin: 'rolling-avg-rpm', interface: 'math', input, hash: 'f'.repeat(64) };
    await expect(call('plugins.invoke', wrongHash)).rejects.toMatchObject({ code: 'CONFLICT' });
    await call('runtime.setMode', { mode: 'offline' });
    await expect(call('plugins.invoke', wrongHash)).rejects.toMatchObject({ code: 'CONFLICT' });
    const offline = await call('plugins.invoke', { plugin: 'rolling-avg-rpm', interface: 'math', input, now: 1 });
    expect(encodeJson({ o: online.output, l: online.logs })).toBe(encodeJson({ o: offline.output, l: offline.logs }));
  });

  it('math channels of a stored session follow the mode too', async () => {
    const [imported] = await call('sessions.import', { paths: [writeTemp('lap.vbo', writeVbo(circuitVbo(circuitSession({ laps: 2, lapTimeS: 20 }), { gateOrder: 'long,lat' })))] });
    const sessionId = imported.sessionId as string;
    await call('runtime.setMode', { mode: 'offline' });
    const local = await call('sessions.math', { sessionId, plugin: 'distance', lap: 1 });
    await call('runtime.setMode', { mode: 'online' });
    const remote = await call('sessions.math', { sessionId, plugin: 'distance', lap: 1, params: { unused: 1 } });
    expect(remote.cached).toBe(false);
    expect(encodeJson(remote.channels)).toBe(encodeJson(local.channels));
    expect(serverApp.services.plugins.plugins.get('distance', accountId)).not.toBeNull();
    // a cached result needs no server: Online with none set still gives it; a miss says what to do
    await call('settings.setServer', { url: null });
    const again = await call('sessions.math', { sessionId, plugin: 'distance', lap: 1, params: { unused: 1 } });
    expect(again.cached).toBe(true);
    expect(encodeJson(again.channels)).toBe(encodeJson(local.channels));
    await expect(call('sessions.math', { sessionId, plugin: 'distance', lap: 2 })).rejects.toMatchObject({ code: 'NOT_AVAILABLE' });
    await call('settings.setServer', { url: server.url, token });
  });

  it('Auto uses the server when it answers and local QuickJS when it does not', async () => {
    await call('runtime.setMode', { mode: 'auto' });
    expect((await call('plugins.invoke', { plugin: 'rolling-avg-rpm', interface: 'math', input })).runtime).toBe('v8');
    await call('settings.setServer', { url: 'http://127.0.0.1:9', token });
    expect((await call('plugins.invoke', { plugin: 'rolling-avg-rpm', interface: 'math', input })).runtime).toBe('quickjs');
  });
});

function writeTemp(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
