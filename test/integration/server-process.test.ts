// `race serve` as a process, the way it runs for real: the accounts CLI, one log line per
// request, a loopback load test with concurrent clients, `race invoke --runtime server`,
// a clean SIGTERM, and SIGKILL while upload-queued KPI jobs run — after a restart every job
// finishes and each KPI is stored once.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppCore } from '../../src-main/app/core.ts';
import { encodeJson } from '../../src-shared/codec.ts';
import { circuitSession, circuitVbo, writeVbo } from '../support/write-vbo-ibt.ts';
import { firstParty, pluginFromSource } from '../support/plugins.ts';
import { tempDir } from '../support/tmp.ts';

const BIN = join(import.meta.dirname, '../../bin/race.mjs');
const dir = tempDir('race-serve-');
const dbPath = join(dir, 'server.db');

function race(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', BIN, '--db', dbPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

interface Served {
  child: ChildProcess;
  url: string;
  pid: number;
  log: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function serve(extra: string[] = []): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', BIN, '--db', dbPath, 'serve', '--port', '0', '--json', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        const info = JSON.parse(line) as { url: string; pid: number };
        resolve({ child, url: info.url, pid: info.pid, log: () => err, exited });
      }
    });
    exited.then(({ code }) => reject(new Error(`race serve exited (${code}) before it listened: ${err}`)));
  });
}

let account: { id: string; token: string };
const auth = () => ({ authorization: `Bearer ${account.token}` });

beforeAll(async () => {
  const created = await race(['accounts', 'create', 'Pit', 'Wall', '--json']);
  expect(created.code, created.err).toBe(0);
  account = JSON.parse(created.out) as { id: string; token: string };
  // a kpiProcessor slow enough (a few ms a lap) that a kill lands while jobs run
  const slow = await pluginFromSource(
    dir,
    { id: 'slow-kpis', interfaces: ['kpiProcessor'], meta: { kpiProcessor: { inputs: [{ name: 'speed' }], kpis: [{ name: 'work', unit: 'count', better: 'none' }] } } },
    `module.exports = { kpiProcessor(input) { const n = input.meta && input.meta.slow ? 1.2e8 : 3e6; let x = 0; for (let i = 0; i < n; i++) x = (x + i * 7) % 1000003; return [{ name: 'work', value: x + input.lap.number, unit: 'count', better: 'none' }]; } };`,
  );
  const core = createAppCore({ dbPath });
  try {
    core.services.plugins.plugins.install(await firstParty('rolling-avg-rpm'), account.id);
    core.services.plugins.plugins.install(await firstParty('lap-kpis'), account.id);
    core.services.plugins.plugins.install(slow, account.id);
  } finally {
    core.close();
  }
}, 120_000);

describe('race accounts', () => {
  it('prints the new account and its token once, as JSON; lists accounts without tokens', async () => {
    expect(account.id).toMatch(/^acct_/);
    expect(account.token).toMatch(/^race_/);
    const list = await race(['accounts', 'list', '--json']);
    const accounts = JSON.parse(list.out) as { id: string; name: string; tokens: number }[];
    expect(accounts.find((a) => a.id === account.id)).toMatchObject({ name: 'Pit Wall', tokens: 1 });
    expect(list.out).not.toContain(account.token);
    const grants = await race(['grants', 'list', '--account', account.id, '--json']);
    expect(JSON.parse(grants.out)).toEqual([]);
    const missing = await race(['accounts', 'create']);
    expect(missing.code).toBe(2);
  }, 60_000);
});

describe('race serve', () => {
  let server: Served;
  beforeAll(async () => {
    server = await serve(['--rate-limit', '0']);
  }, 60_000);
  afterAll(async () => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  });

  it('logs one line per request: method, route, status, time', async () => {
    await fetch(`${server.url}/health`);
    await fetch(`${server.url}/plugins`, { headers: auth() });
    await fetch(`${server.url}/plugins`);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.log()).toMatch(/^GET \/health 200 \d+\.\dms$/m);
    expect(server.log()).toMatch(/^GET \/plugins 200 \d+\.\dms$/m);
    expect(server.log()).toMatch(/^GET \/plugins\/… 401 \d+\.\dms$/m);
  });

  it('serves concurrent clients invoking a math plugin with no error (autocannon, 8 connections)', async () => {
    const body = encodeJson({ input: { rateHz: 100, channels: { rpm: Float64Array.from({ length: 500 }, (_, i) => 3000 + 10 * Math.sin(i / 20)) }, params: {} } });
    const result = await autocannon({
      url: `${server.url}/plugins/rolling-avg-rpm/invoke/math`,
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body,
      connections: 8,
      amount: 1500,
    });
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result['2xx']).toBe(1500);
  }, 120_000);

  it('runs `race invoke --runtime server` through the adapter, with the same bytes as local QuickJS', async () => {
    const input = join(dir, 'input.json');
    writeFileSync(input, encodeJson({ rateHz: 10, channels: { rpm: [1000, null, -0, 3000.25, 4000] }, params: { window: 2 } }));
    const remote = await race(['invoke', 'rolling-avg-rpm', 'math', '--input', input, '--runtime', 'server', '--url', server.url, '--token', account.token, '--json']);
    expect(remote.code, remote.err).toBe(0);
    const local = await race(['invoke', 'rolling-avg-rpm', 'math', '--input', input, '--runtime', 'quickjs', '--account', account.id, '--json']);
    expect(local.code, local.err).toBe(0);
    const pick = (text: string) => {
      const r = JSON.parse(text) as { output: unknown; logs: unknown; runtime: string };
      return { runtime: r.runtime, same: JSON.stringify({ output: r.output, logs: r.logs }) };
    };
    expect(pick(remote.out).runtime).toBe('v8');
    expect(pick(local.out).runtime).toBe('quickjs');
    expect(pick(remote.out).same).toBe(pick(local.out).same);
    const noUrl = await race(['invoke', 'rolling-avg-rpm', 'math', '--input', input, '--runtime', 'server']);
    expect(noUrl.code).toBe(2);
    expect(noUrl.err).toMatch(/--url/);
  }, 60_000);

  it('stops cleanly on SIGTERM, letting the request in flight finish', async () => {
    const invokeLines = () => server.log().split('\n').filter((l) => l.startsWith('POST /plugins/:id/invoke/:interface')).length;
    const before = invokeLines();
    const slowCall = fetch(`${server.url}/plugins/slow-kpis/invoke/kpiProcessor`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      // meta.slow: this call computes for about a second
      body: encodeJson({ input: { lap: { number: 1, timeMs: 1000 }, rateHz: 10, channels: { speed: [1, 2, 3] }, meta: { slow: true } } }),
    });
    await new Promise((r) => setTimeout(r, 100));
    // still computing when the signal goes: its log line (written when a request ends) is not there yet
    expect(invokeLines()).toBe(before);
    server.child.kill('SIGTERM');
    const answered = await slowCall;
    expect(answered.status).toBe(200);
    expect(((await answered.json()) as { output: { name: string }[] }).output[0]!.name).toBe('work');
    const { code } = await server.exited;
    expect(code).toBe(0);
    expect(server.log()).toMatch(/Race server stopped/);
  }, 30_000);
});

describe('SIGKILL while upload-queued KPI jobs run', () => {
  it('after a restart every job finishes and each KPI is stored once', async () => {
    const jobIds: number[] = [];
    let killed = 0;
    for (let round = 0; round < 3; round++) {
      const server = await serve(['--rate-limit', '0', '--quiet']);
      for (let k = 0; k < 2; k++) {
        const vbo = writeVbo(circuitVbo(circuitSession({ laps: 6 + round * 2 + k, lapTimeS: 20 }), { gateOrder: 'long,lat' }));
        const r = await fetch(`${server.url}/attachments?name=run-${round}-${k}.vbo`, { method: 'POST', headers: auth(), body: vbo as BodyInit });
        expect(r.status).toBe(201);
        const body = (await r.json()) as { jobs: { id: number }[] };
        expect(body.jobs.length).toBe(2);
        jobIds.push(...body.jobs.map((j) => j.id));
      }
      // let the runner get into the jobs, then pull the plug
      await new Promise((r) => setTimeout(r, 150 + round * 100));
      process.kill(server.pid, 'SIGKILL');
      const { signal } = await server.exited;
      if (signal === 'SIGKILL') killed++;
      const db = new Database(dbPath, { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    }
    expect(killed).toBe(3);
    const unfinished = () => {
      const db = new Database(dbPath, { readonly: true });
      try {
        return (db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE id IN (${jobIds.join(',')}) AND status NOT IN ('done', 'failed')`).get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    expect(unfinished()).toBeGreaterThan(0); // the kills left work behind

    const server = await serve(['--rate-limit', '0', '--quiet']);
    try {
      for (let i = 0; i < 600 && unfinished() > 0; i++) await new Promise((r) => setTimeout(r, 100));
      for (const id of jobIds) {
        const job = (await (await fetch(`${server.url}/jobs/${id}`, { headers: auth() })).json()) as { status: string; error: string | null };
        expect(job, `job ${id}`).toMatchObject({ status: 'done', error: null });
      }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const db = new Database(dbPath, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const laps = db.prepare("SELECT session_id, COUNT(*) AS n FROM laps WHERE kind != 'partial' GROUP BY session_id").all() as { session_id: string; n: number }[];
      expect(laps).toHaveLength(6);
      for (const { session_id, n } of laps) {
        // every lap has its KPIs, each once (slow-kpis one a lap, lap-kpis five; the primary key
        // (session, lap, plugin, name) and the upsert make a re-run replace, never add)
        const rows = db.prepare('SELECT plugin_id, COUNT(*) AS n, COUNT(DISTINCT lap_number) AS lapsWith FROM kpi_results WHERE session_id = ? GROUP BY plugin_id ORDER BY plugin_id').all(session_id);
        expect(rows).toEqual([
          { plugin_id: 'lap-kpis', n: n * 5, lapsWith: n },
          { plugin_id: 'slow-kpis', n, lapsWith: n },
        ]);
      }
    } finally {
      db.close();
    }
  }, 240_000);
});
