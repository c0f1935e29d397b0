// The contract over HTTP on loopback (browser mode): a real server, real fetch, real store.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppCore } from '../../src-main/app/core.ts';
import { SESSION_COOKIE, startHttpServer, type RunningServer } from '../../src-main/http/server.ts';
import { createRpcClient } from '../../src-shared/rpc-client.ts';
import { tempDir } from '../support/tmp.ts';

const dir = tempDir();
const core = createAppCore({ dbPath: join(dir, 'race.db') });
const token = 'test-token-0123456789';
const uiDir = join(dir, 'ui');
let server: RunningServer;
const lines: string[] = [];

beforeAll(async () => {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(uiDir);
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>Race</title>');
  writeFileSync(join(dir, 'secret.txt'), 'outside the ui folder');
  server = await startHttpServer({ dispatch: core.dispatch, token, uiDir, log: (l) => lines.push(l) });
});
afterAll(async () => {
  await server.close();
  core.close();
});

async function post(method: string, body: string, headers: Record<string, string> = { authorization: `Bearer ${token}` }) {
  const r = await fetch(`${server.url}/api/rpc/${method}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: r.status, body: await r.json() };
}

describe('contract over HTTP', () => {
  it('serves every method through the typed client', async () => {
    const race = createRpcClient(server.url, { token });
    expect((await race.app.version()).electron).toBeNull();
    expect(await race.runtime.setMode({ mode: 'online' })).toEqual({ mode: 'online', serverUrl: null, signedIn: false });
    expect(await race.runtime.getMode()).toEqual({ mode: 'online', serverUrl: null, signedIn: false });
    expect(await race.sessions.list()).toEqual([]);
  });

  it('needs the token: 401 without it or with a wrong one', async () => {
    expect(await post('sessions.list', '{}', {})).toEqual({ status: 401, body: { ok: false, error: { code: 'UNAUTHORIZED', message: 'missing or wrong token' } } });
    expect((await post('sessions.list', '{}', { authorization: 'Bearer nope' })).status).toBe(401);
    await expect(createRpcClient(server.url, { token: 'nope' }).sessions.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('answers malformed calls with 400 and a message naming what was wrong', async () => {
    const bad = await post('runtime.setMode', '{"mode":"warp"}');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'BAD_ARGS', message: expect.stringMatching(/^runtime\.setMode: invalid arguments — mode: /) });
    const notJson = await post('runtime.setMode', '{mode:');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.message).toMatch(/runtime\.setMode: request body is not valid: .*not valid JSON/);
    const unknown = await post('laps.delete', '{}');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('UNKNOWN_METHOD');
  });

  it('refuses a body over the limit with 413', async () => {
    const small = await startHttpServer({ dispatch: core.dispatch, token, bodyLimitBytes: 1024 });
    try {
      const r = await fetch(`${small.url}/api/rpc/sessions.list`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ pad: 'x'.repeat(5000) }),
      });
      expect(r.status).toBe(413);
      expect((await r.json()).error.code).toBe('TOO_LARGE');
    } finally {
      await small.close();
    }
  });

  it('trades the URL token for an HttpOnly cookie that then authenticates', async () => {
    const r = await fetch(`${server.url}/?token=${token}`, { redirect: 'manual' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/');
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict`));
    const withCookie = await post('sessions.list', '{}', { cookie: cookie.split(';')[0]! });
    expect(withCookie).toEqual({ status: 200, body: { ok: true, value: [] } });
    expect((await fetch(`${server.url}/?token=wrong`, { redirect: 'manual' })).status).toBe(401);
  });

  it('serves the UI with the CSP header and nothing outside its folder', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("default-src 'none'");
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt']) {
      const r = await fetch(`${server.url}${path}`);
      expect(r.status, path).toBe(404);
      expect(await r.text()).not.toContain('outside the ui folder');
    }
  });

  it('refuses requests for another host name (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/api/rpc/sessions.list`, { method: 'POST', headers: { host: 'evil.example', authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(421);
  });

  it('logs one line per request with method, route, status and time', () => {
    expect(lines.some((l) => /^POST \/api\/rpc\/sessions\.list 200 \d+\.\dms$/.test(l))).toBe(true);
    expect(lines.some((l) => /^POST \/api\/rpc\/sessions\.list 401 /.test(l))).toBe(true);
  });
});
