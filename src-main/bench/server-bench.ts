// The server end to end over loopback HTTP: `race serve` in its own process (as in
// production), the client here. Cold invoke (a bundle the server has never run), a warm-pool
// hit (one client, one call at a time: p50/p99), the share of a call's time spent outside the
// plugin host, and throughput with concurrent clients (autocannon).
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { encodeJson } from '../../src-shared/codec.ts';
import { createAppCore } from '../app/core.ts';
import { PluginManifest } from '../../src-shared/plugins/manifest.ts';
import { sha256Hex } from '../platform/sha256.ts';
import { median, percentile, type BenchResult } from './measure.ts';

const BIN = join(import.meta.dirname, '../../bin/race.mjs');

const KPI_CODE = `module.exports.kpiProcessor = function (input) {
  const v = input.channels.speed; let max = -Infinity, sum = 0;
  for (let i = 0; i < v.length; i++) { if (v[i] > max) max = v[i]; sum += v[i]; }
  return [{ name: 'max speed', value: max, unit: 'km/h', better: 'higher' }, { name: 'avg speed', value: sum / v.length, unit: 'km/h', better: 'higher' }];
};`;

function kpiBundle(variant: number) {
  const code = `${KPI_CODE}\n// variant ${variant}`;
  const manifest = PluginManifest.parse({
    id: `bench-kpi-${variant}`,
    name: 'bench kpi',
    version: '1.0.0',
    apiVersion: 1,
    interfaces: ['kpiProcessor'],
    meta: { kpiProcessor: { inputs: [{ name: 'speed' }], kpis: [{ name: 'max speed', unit: 'km/h', better: 'higher' }] } },
  });
  return { manifest, code, hash: sha256Hex(code) };
}

/** A small KPI call: one lap of 100 speed samples. */
const SMALL_CALL = encodeJson({
  input: { lap: { number: 3, timeMs: 92_345 }, rateHz: 10, channels: { speed: Float64Array.from({ length: 100 }, (_, i) => 120 + 60 * Math.sin(i / 9)) }, meta: {} },
});

async function startServer(dbPath: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--no-node-snapshot', BIN, '--db', dbPath, 'serve', '--port', '0', '--json', '--quiet', '--rate-limit', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.on('exit', (code) => reject(new Error(`race serve exited (${code})`)));
    setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('race serve did not start within 60 s'));
    }, 60_000).unref();
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        // a server that does not stop in time must not hang the benchmark
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export async function runServerBenchmarks(options: { quick?: boolean } = {}): Promise<BenchResult[]> {
  const q = options.quick;
  const dir = mkdtempSync(join(tmpdir(), 'race-bench-server-'));
  const dbPath = join(dir, 'server.db');
  const variants = q ? 3 : 7;
  const core = createAppCore({ dbPath });
  const { token } = core.services.accounts.create('bench').token;
  const account = core.services.accounts.list().find((a) => a.name === 'bench')!.id;
  for (let v = 0; v <= variants; v++) core.services.plugins.plugins.install(kpiBundle(v), account);
  core.close();

  const server = await startServer(dbPath);
  const results: BenchResult[] = [];
  try {
    // A lean keep-alive client (like autocannon's, or any production HTTP client): the
    // figure is the server's, not the cost of fetch()'s machinery in this process.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const { hostname, port } = new URL(server.url);
    const call = (id: string) =>
      new Promise<{ ms: number; hostMs: number }>((resolve, reject) => {
        const t0 = performance.now();
        const req = http.request(
          { host: hostname, port, path: `/plugins/${id}/invoke/kpiProcessor`, method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(SMALL_CALL) } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (text += d));
            res.on('end', () => {
              const body = JSON.parse(text) as { durationMs?: number };
              if (res.statusCode !== 200) reject(new Error(`bench call failed: HTTP ${res.statusCode} ${text}`));
              else resolve({ ms: performance.now() - t0, hostMs: body.durationMs! });
            });
          },
        );
        req.on('error', reject);
        req.end(SMALL_CALL);
      });
    // warm the HTTP connection and the V8 process with variant 0
    for (let i = 0; i < 50; i++) await call('bench-kpi-0');

    const cold: number[] = [];
    for (let v = 1; v <= variants; v++) cold.push((await call(`bench-kpi-${v}`)).ms);
    results.push({ name: 'server: cold invoke over HTTP (new bundle: load + first call)', runtime: 'v8', value: median(cold), unit: 'ms', ratioToNode: null });

    const n = q ? 300 : 2000;
    const warm: { ms: number; hostMs: number }[] = [];
    for (let i = 0; i < n; i++) warm.push(await call('bench-kpi-0'));
    const ms = warm.map((w) => w.ms);
    const p50 = percentile(ms, 50);
    results.push({ name: 'server: warm-pool invoke over HTTP, small kpiProcessor call, p50', runtime: 'v8', value: p50 * 1000, unit: 'µs', ratioToNode: null, note: `target ≤ 1 ms: ${p50 <= 1 ? 'met' : 'NOT met'}` });
    results.push({ name: 'server: warm-pool invoke over HTTP, p99', runtime: 'v8', value: percentile(ms, 99) * 1000, unit: 'µs', ratioToNode: null });
    const outside = warm.map((w) => (w.ms - w.hostMs) / w.ms);
    results.push({
      name: 'server: share of a call spent outside the plugin host (HTTP, auth, routing, codec)',
      runtime: 'v8',
      value: median(outside) * 100,
      unit: '%',
      ratioToNode: null,
      note: `plugin host ${(median(warm.map((w) => w.hostMs)) * 1000).toFixed(0)} µs of ${(p50 * 1000).toFixed(0)} µs`,
    });

    const load = await autocannon({
      url: `${server.url}/plugins/bench-kpi-0/invoke/kpiProcessor`,
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: SMALL_CALL,
      connections: 8,
      duration: q ? 2 : 5,
    });
    const rps = load.requests.average;
    results.push({
      name: 'server: throughput, 8 concurrent clients',
      runtime: 'v8',
      value: rps,
      unit: 'calls/s',
      ratioToNode: null,
      note: `target ≥ 2,000/s: ${rps >= 2000 ? 'met' : 'NOT met'}; under load p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms; ${load.errors + load.non2xx} errors`,
    });
    agent.destroy();
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
