// SIGKILL in the middle of an import and in the middle of KPI jobs, repeatedly. After each
// kill the database passes integrity_check and holds no partial session; after a restart
// every job finishes and each KPI is stored once.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { createAppCore } from '../../src-main/app/core.ts';
import { buildPlugin } from '../../plugins/sdk/build.ts';
import { writeLdx, writeMotecLd } from '../support/write-motec.ts';
import { PLUGINS_DIR } from '../support/plugins.ts';
import { tempDir } from '../support/tmp.ts';

const dir = tempDir('race-crash-');
const dbPath = join(dir, 'race.db');
const driver = join(import.meta.dirname, '../support/crash-driver.ts');
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

function bigLog(channels: number, rateHz: number, seconds: number, markers: number[]): { ld: Uint8Array; ldx: Uint8Array } {
  const n = rateHz * seconds;
  const spec = Array.from({ length: channels }, (_, c) => ({
    name: c === 0 ? 'Ground Speed' : c === 1 ? 'Engine RPM' : c === 2 ? 'Throttle Pos' : c === 3 ? 'Brake Pres Front' : `Sensor ${c}`,
    unit: c === 1 ? 'rpm' : '',
    rateHz,
    type: 'int16' as const,
    values: Float64Array.from({ length: n }, (_, i) => Math.round(1000 + 900 * Math.sin(i / (50 + c)))),
  }));
  return { ld: writeMotecLd({ venue: 'Crash Park', channels: spec }), ldx: writeLdx(markers) };
}

/**
 * Runs the driver and kills it `afterMs` after it printed `marker` (or lets it finish when it
 * is quicker). Timing from the driver's own marker, not from spawning, keeps process start-up
 * jitter out of where the kill lands.
 */
function runAndKill(args: string[], afterMs: number, marker = 'start'): Promise<{ outcome: 'killed' | 'finished'; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', driver, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d) => {
      output += d;
      if (!timer && output.split('\n').includes(marker)) timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    });
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve({ outcome: 'killed', output });
      else if (code === 0 && !/failed/.test(output)) resolve({ outcome: 'finished', output });
      else reject(new Error(`the driver failed (${code}): ${output}`));
    });
  });
}

const BYTES_PER_SAMPLE = { f64: 8, f32: 4, i8: 1, i16: 2, i32: 4 } as const;

function inspect() {
  const db = new Database(dbPath, { readonly: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    const sessions = db.prepare('SELECT id FROM sessions').all() as { id: string }[];
    const partial = sessions.filter(({ id }) => {
      const channels = db.prepare('SELECT id, sample_count, encoding FROM channels WHERE session_id = ?').all(id) as { id: number; sample_count: number; encoding: keyof typeof BYTES_PER_SAMPLE }[];
      if (channels.length === 0) return true;
      return channels.some((c) => {
        const stored = (db.prepare('SELECT COALESCE(SUM(length(samples)), 0) AS bytes FROM channel_chunks WHERE channel_id = ?').get(c.id) as { bytes: number }).bytes;
        return stored !== c.sample_count * BYTES_PER_SAMPLE[c.encoding];
      });
    });
    const attachments = (db.prepare('SELECT COUNT(*) AS n FROM attachments').get() as { n: number }).n;
    return { integrity, sessions: sessions.length, partial: partial.length, attachments };
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  const core = createAppCore({ dbPath });
  for (const id of ['lap-kpis', 'lap-notes']) {
    const built = await buildPlugin(join(PLUGINS_DIR, id));
    await core.dispatch('plugins.install', { path: built.dir }, { transport: 'internal' });
  }
  // lap-notes counts in its storage how many times each lap number was analysed: a job run
  // twice (once cut short by the kill) would count some laps twice
  core.services.plugins.grants.grant('local', 'lap-notes', 'storage');
  core.close();
});

describe('crash safety', () => {
  it('SIGKILL during an import, five times: never a partial session; then it imports once', async () => {
    // 24 channels × 100 Hz × 1 hour: a few tenths of a second of import after about as much start-up
    const { ld, ldx } = bigLog(24, 100, 3600, [60, 150, 240, 330]);
    writeFileSync(join(dir, 'big.ld'), ld);
    writeFileSync(join(dir, 'big.ldx'), ldx);
    const clear = () => {
      const db = new Database(dbPath);
      db.pragma('foreign_keys = ON');
      db.exec('DELETE FROM attachments; DELETE FROM jobs;');
      db.close();
    };
    // How long the import itself takes here (the driver says): the kills land inside it.
    const calibration = await runAndKill(['import', dbPath, join(dir, 'big.ld')], 120_000);
    expect(calibration.outcome).toBe('finished');
    const importMs = Number(/took ([\d.]+)/.exec(calibration.output)![1]);
    clear();
    let killed = 0;
    for (let i = 0; i < 5; i++) {
      const { outcome } = await runAndKill(['import', dbPath, join(dir, 'big.ld')], Math.floor(importMs * (0.05 + 0.8 * rand())));
      if (outcome === 'killed') killed++;
      else clear(); // it got through: forget it, so the next attempt is a real import, not a duplicate
      const state = inspect();
      expect(state.integrity).toBe('ok');
      expect(state.partial).toBe(0);
      expect(state.sessions).toBe(state.attachments);
      expect(state.sessions).toBeLessThanOrEqual(1);
    }
    expect(killed).toBeGreaterThan(0); // the kills did land mid-import
    expect((await runAndKill(['import', dbPath, join(dir, 'big.ld')], 120_000)).outcome).toBe('finished');
    expect(inspect()).toMatchObject({ integrity: 'ok', sessions: 1, partial: 0 });
  }, 180_000);

  it('SIGKILL during KPI jobs, repeatedly: after a restart every job finishes, each KPI is stored once, and plugin storage counts each analysis once', async () => {
    for (let k = 0; k < 4; k++) {
      const markers = Array.from({ length: 40 }, (_, i) => 5 + i * 7.5);
      const { ld, ldx } = bigLog(4, 50, 320, markers);
      // make each file distinct so none is a duplicate
      ld[ld.length - 1] = k;
      writeFileSync(join(dir, `laps-${k}.ld`), ld);
      writeFileSync(join(dir, `laps-${k}.ldx`), ldx);
      expect((await runAndKill(['import', dbPath, join(dir, `laps-${k}.ld`)], 120_000)).outcome).toBe('finished');
    }
    let killed = 0;
    let cutStorage = 0;
    const staged = () => {
      const db = new Database(dbPath, { readonly: true });
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM plugin_storage_staged').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    // Each kill lands after the first job of the run is done, somewhere inside the next one. At
    // least four kills, and on until one has cut a lap-notes run short after its first storage
    // writes (the case the count check below is about), at most twelve.
    for (let i = 0; i < 12 && (i < 4 || cutStorage === 0); i++) {
      if ((await runAndKill(['kpis', dbPath], Math.floor(rand() * 20), 'job')).outcome === 'killed') killed++;
      if (staged() > 0) cutStorage++;
    }
    expect(killed).toBeGreaterThan(0);
    expect(cutStorage).toBeGreaterThan(0);
    expect(inspect().integrity).toBe('ok');

    const core = createAppCore({ dbPath });
    try {
      await core.services.kpiWorker.runUntilIdle();
      const db = core.services.db;
      const jobs = db.prepare('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all() as { status: string; n: number }[];
      const sessions = (db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n;
      expect(jobs).toEqual([{ status: 'done', n: 2 * sessions }]); // a lap-kpis and a lap-notes job per session, all done
      // the kills cut runs short: some job was resumed by a later run
      expect((db.prepare('SELECT MAX(attempts) AS n FROM jobs').get() as { n: number }).n).toBeGreaterThan(1);
      const perLap = db.prepare('SELECT session_id, lap_number, COUNT(*) AS n FROM kpi_results GROUP BY session_id, lap_number').all() as { n: number }[];
      const laps = (db.prepare("SELECT COUNT(*) AS n FROM laps WHERE kind != 'partial'").get() as { n: number }).n;
      expect(perLap).toHaveLength(laps); // every lap of every session has its KPIs
      expect(new Set(perLap.map((r) => r.n)).size).toBe(1); // and the same number each
      // Each session's analysis of a lap number counted once: a lap number that k sessions have
      // was analysed k times — its "times analysed" were 1, 2, …, k — and its stored count is k.
      const seenRows = db.prepare("SELECT lap_number, value FROM kpi_results WHERE plugin_id = 'lap-notes' AND name = 'times analysed'").all() as { lap_number: number; value: number }[];
      const byLap = new Map<number, number[]>();
      for (const r of seenRows) byLap.set(r.lap_number, [...(byLap.get(r.lap_number) ?? []), r.value]);
      const counts = [...byLap].map(([lap_number, values]) => ({ lap_number, seen: values.sort((a, b) => a - b).join(',') }));
      const having = new Map((db.prepare("SELECT number, COUNT(*) AS k FROM laps WHERE kind != 'partial' GROUP BY number").all() as { number: number; k: number }[]).map((r) => [r.number, r.k]));
      expect(counts.length).toBeGreaterThan(30);
      for (const c of counts) expect(c.seen, `lap ${c.lap_number}`).toBe(Array.from({ length: having.get(c.lap_number)! }, (_, i) => i + 1).join(','));
      const stored = db.prepare("SELECT key, value FROM plugin_storage WHERE plugin_id = 'lap-notes' AND key LIKE 'lap:%'").all() as { key: string; value: string }[];
      expect(stored).toHaveLength(counts.length);
      for (const r of stored) expect(JSON.parse(r.value).count, r.key).toBe(having.get(Number(r.key.slice(4))));
      expect(db.prepare('SELECT COUNT(*) AS n FROM plugin_storage_staged').get()).toEqual({ n: 0 });
    } finally {
      core.close();
    }
  }, 180_000);
});
