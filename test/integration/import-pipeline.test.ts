// Importing for real: files on disk → SQLite (one transaction each) → laps → KPI jobs run by
// the worker through the plugin runtime → KPIs stored once. Generated MoTeC files, plus the
// real samples when ../shared/telemetry-samples is present.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppCore } from '../../src-main/app/core.ts';
import { PARALLEL_MIN_BYTES } from '../../src-main/platform/sha256.ts';
import { buildPlugin } from '../../plugins/sdk/build.ts';
import { writeLdx, writeMotecLd } from '../support/write-motec.ts';
import { circuitSession, circuitVbo, writeVbo } from '../support/write-vbo-ibt.ts';
import { PLUGINS_DIR } from '../support/plugins.ts';
import { tempDir } from '../support/tmp.ts';

const root = join(import.meta.dirname, '../..');
const SAMPLES = join(root, '../shared/telemetry-samples');
const dir = tempDir('race-import-');
const dbPath = join(dir, 'race.db');
const core = createAppCore({ dbPath });
const { telemetry, kpiWorker, db } = core.services;
afterAll(() => core.close());

const RATE = 20;
const N = RATE * 200; // 200 s
const MARKERS = [31.5, 93.25, 152.0]; // two laps: 61.75 s and 58.75 s
function generatedSession() {
  const speed = Float64Array.from({ length: N }, (_, i) => 120 + 80 * Math.sin(i / 150));
  const rpm = Float64Array.from({ length: N }, (_, i) => 4000 + 3000 * Math.abs(Math.sin(i / 40)));
  const throttle = Float64Array.from({ length: N }, (_, i) => (Math.sin(i / 60) > 0 ? 100 : 0));
  const brake = Float64Array.from({ length: N }, (_, i) => (Math.sin(i / 60) < -0.7 ? 40 : 0));
  return writeMotecLd({
    date: '07/03/2024', time: '10:30:00', driver: 'A. Driver', vehicle: 'GT3', venue: 'Spa',
    channels: [
      { name: 'Ground Speed', unit: 'km/h', rateHz: RATE, type: 'int16', dec: 1, values: speed },
      { name: 'Engine RPM', unit: 'rpm', rateHz: RATE, type: 'int16', values: rpm },
      { name: 'Throttle Pos', unit: '%', rateHz: RATE / 2, type: 'int16', dec: 1, values: throttle.filter((_, i) => i % 2 === 0) },
      { name: 'Brake Pres Front', unit: 'bar', rateHz: RATE, type: 'int16', dec: 1, values: brake },
    ],
  });
}

const TABLES = ['attachments', 'sessions', 'laps', 'channels', 'channel_chunks', 'jobs', 'kpi_results'] as const;
function counts(): Record<(typeof TABLES)[number], number> {
  return Object.fromEntries(TABLES.map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n])) as Record<(typeof TABLES)[number], number>;
}

beforeAll(async () => {
  // lap-kpis installed and enabled: every import queues one KPI job for it
  const built = await buildPlugin(join(PLUGINS_DIR, 'lap-kpis'));
  await core.dispatch('plugins.install', { path: built.dir }, { transport: 'internal' });
  writeFileSync(join(dir, 'spa.ld'), generatedSession());
  writeFileSync(join(dir, 'spa.ldx'), writeLdx(MARKERS));
});

describe('import pipeline', () => {
  let sessionId = '';

  it('imports a MoTeC log with its .ldx: session, channels, laps from the beacons, one KPI job', async () => {
    const before = counts();
    const o = await telemetry.importFile(join(dir, 'spa.ld'));
    expect(o.status, o.error?.message).toBe('imported');
    sessionId = o.sessionId!;
    expect(o).toMatchObject({ format: 'motec-ld', channels: 4 });
    expect(o.laps!.map((l) => [l.kind, +l.timeS.toFixed(3)])).toEqual([['out', 31.5], ['lap', 61.75], ['lap', 58.75], ['in', 200 - 1 / RATE - 152]].map(([k, t]) => [k, +(+t!).toFixed(3)]));
    const after = counts();
    expect(after.sessions).toBe(before.sessions + 1);
    expect(after.jobs).toBe(before.jobs + 1);
    const [s] = (await core.dispatch('sessions.list', {}, { transport: 'internal' }) as { value: { venue: string; lapCount: number; bestLapMs: number; driver: string }[] }).value;
    expect(s).toMatchObject({ venue: 'Spa', driver: 'A. Driver', lapCount: 2, bestLapMs: 58750 });
  });

  it('runs the KPI job through the plugin runtime and stores each lap KPI exactly once', async () => {
    expect(await kpiWorker.runUntilIdle()).toBe(1);
    const r = (await core.dispatch('sessions.kpis', { sessionId }, { transport: 'internal' })) as { value: { pending: number; kpis: { lap: number; name: string; value: number | null }[] } };
    expect(r.value.pending).toBe(0);
    const laps = new Set(r.value.kpis.map((k) => k.lap));
    expect([...laps].sort()).toEqual([0, 1, 2, 3]);
    const maxSpeedLap1 = r.value.kpis.find((k) => k.lap === 1 && /max speed/i.test(k.name))!;
    expect(maxSpeedLap1.value).toBeGreaterThan(190);
    const rows = counts().kpi_results;
    // a re-run (as after a crash between storing and acknowledging) adds nothing
    db.prepare("UPDATE jobs SET status = 'queued', run_after = 0").run();
    await kpiWorker.runUntilIdle();
    expect(counts().kpi_results).toBe(rows);
  });

  it('a logger without one of the plugin\'s inputs still gets the KPIs its channels allow', async () => {
    const speed = Float64Array.from({ length: N }, (_, i) => 100 + (i % 400) / 4);
    writeFileSync(join(dir, 'nobrake.ld'), writeMotecLd({ venue: 'Spa', channels: [{ name: 'Ground Speed', unit: 'km/h', rateHz: RATE, type: 'int16', dec: 1, values: speed }, { name: 'Engine RPM', unit: 'rpm', rateHz: RATE, type: 'int16', values: Float64Array.from({ length: N }, () => 5000) }, { name: 'Throttle Pos', unit: '%', rateHz: RATE, type: 'int16', values: Float64Array.from({ length: N }, () => 100) }] }));
    writeFileSync(join(dir, 'nobrake.ldx'), writeLdx(MARKERS));
    const o = await telemetry.importFile(join(dir, 'nobrake.ld'));
    await kpiWorker.runUntilIdle();
    const r = (await core.dispatch('sessions.kpis', { sessionId: o.sessionId! }, { transport: 'internal' })) as { value: { failed: unknown[]; kpis: { lap: number; name: string; value: number | null }[] } };
    expect(r.value.failed).toEqual([]);
    const lap1 = r.value.kpis.filter((k) => k.lap === 1);
    expect(lap1.find((k) => /braking/i.test(k.name))!.value).toBeNull(); // no brake channel: no value, not 0
    expect(lap1.find((k) => /max speed/i.test(k.name))!.value).toBeGreaterThan(100);
    expect(lap1.find((k) => /average rpm/i.test(k.name))!.value).toBe(5000);
  });

  it('reading one lap of one channel reads only that lap', async () => {
    const r = (await core.dispatch('sessions.samples', { sessionId, channel: 'Engine RPM', lap: 1 }, { transport: 'internal' })) as { value: { samples: Float64Array; startS: number; rateHz: number } };
    expect(r.value.samples.length).toBe(Math.round(61.75 * RATE));
    expect(r.value.startS).toBeCloseTo(31.5, 6);
  });

  it('computes a math channel on demand and caches it by bundle hash + inputs', async () => {
    const built = await buildPlugin(join(PLUGINS_DIR, 'rolling-avg-rpm'));
    await core.dispatch('plugins.install', { path: built.dir }, { transport: 'internal' });
    const call = async (args: Record<string, unknown>) => {
      const r = (await core.dispatch('sessions.math', { sessionId, plugin: 'rolling-avg-rpm', ...args }, { transport: 'internal' })) as { ok: boolean; value: { cached: boolean; rateHz: number; startS: number; channels: { name: string; unit: string; samples: Float64Array }[] }; error?: unknown };
      expect(r.ok, JSON.stringify(r.error)).toBe(true);
      return r.value;
    };
    const first = await call({ lap: 1 });
    expect(first).toMatchObject({ cached: false, rateHz: RATE });
    expect(first.startS).toBeCloseTo(31.5, 6);
    expect(first.channels.map((c) => [c.name, c.unit, c.samples.length])).toEqual([['rpm_avg', 'rpm', Math.round(61.75 * RATE)]]);
    const again = await call({ lap: 1 });
    expect(again.cached).toBe(true);
    expect(Buffer.from(again.channels[0]!.samples.buffer).equals(Buffer.from(first.channels[0]!.samples.buffer))).toBe(true);
    expect((await call({ lap: 1, params: { windowSeconds: 1 } })).cached).toBe(false); // other params
    expect((await call({ lap: 2 })).cached).toBe(false); // other window
    expect((await call({})).channels[0]!.samples.length).toBe(N); // the whole session
  });

  it('the same bytes again are a duplicate, not a second session', async () => {
    const before = counts();
    const o = await telemetry.importFile(join(dir, 'spa.ld'));
    expect(o).toMatchObject({ status: 'duplicate', sessionId });
    expect(counts()).toEqual(before);
  });

  it('a large file (hashed on another thread while its rows are written) again is a duplicate; nothing of the second import stays', async () => {
    const n = 100 * 600; // 16 channels × 10 min at 100 Hz: ~1.9 MB, over the size hashed off-thread
    const channels = Array.from({ length: 16 }, (_, c) => ({ name: `Sensor ${c}`, unit: 'V', rateHz: 100, type: 'int16' as const, dec: 2, values: Float64Array.from({ length: n }, (_, i) => ((i * (c + 1)) % 4000) / 100) }));
    writeFileSync(join(dir, 'big.ld'), writeMotecLd({ venue: 'Monza', channels }));
    expect(statSync(join(dir, 'big.ld')).size).toBeGreaterThan(PARALLEL_MIN_BYTES); // else this covers the in-thread hash only
    const first = await telemetry.importFile(join(dir, 'big.ld'));
    expect(first.status, first.error?.message).toBe('imported');
    const before = counts();
    const again = await telemetry.importFile(join(dir, 'big.ld'));
    expect(again).toMatchObject({ status: 'duplicate', sessionId: first.sessionId, format: 'motec-ld' });
    expect(counts()).toEqual(before);
    expect((db.prepare('PRAGMA foreign_key_check').all() as unknown[]).length).toBe(0);
  });

  it('the same .ld again with the .ldx it lacked the first time: a duplicate that takes the beacon laps, its KPIs computed again', async () => {
    const sub = join(dir, 'later');
    mkdirSync(sub, { recursive: true });
    const ld = writeMotecLd({ venue: 'Later', channels: [{ name: 'Ground Speed', unit: 'km/h', rateHz: 10, type: 'int16', values: Float64Array.from({ length: 1200 }, (_, i) => 100 + (i % 50)) }] });
    writeFileSync(join(sub, 'later.ld'), ld);
    const first = await telemetry.importFile(join(sub, 'later.ld'));
    expect(first.laps!.filter((l) => l.kind === 'lap')).toHaveLength(0);
    await kpiWorker.runUntilIdle();
    writeFileSync(join(sub, 'later.ldx'), writeLdx([20, 50, 80]));
    const before = counts();
    const again = await telemetry.importFile(join(sub, 'later.ld'));
    expect(again).toMatchObject({ status: 'duplicate', sessionId: first.sessionId });
    expect(again.laps!.filter((l) => l.kind === 'lap').map((l) => l.timeS)).toEqual([30, 30]);
    expect(again.warnings).toContainEqual(expect.stringMatching(/laps are now from motec-ldx beacons \(later\.ldx beside it\)/));
    expect(counts()).toMatchObject({ sessions: before.sessions, attachments: before.attachments, channels: before.channels });
    const stored = db.prepare("SELECT number, kind FROM laps WHERE session_id = ? AND kind = 'lap'").all(first.sessionId) as { number: number }[];
    expect(stored).toHaveLength(2);
    expect(await kpiWorker.runUntilIdle()).toBe(1); // lap-kpis ran again, on the new laps
    expect(new Set((db.prepare('SELECT lap_number FROM kpi_results WHERE session_id = ?').all(first.sessionId) as { lap_number: number }[]).map((r) => r.lap_number))).toEqual(new Set([0, 1, 2, 3]));
    // and a third time, nothing new: a plain duplicate
    const third = await telemetry.importFile(join(sub, 'later.ld'));
    expect(third.warnings).toBeUndefined();
    expect(await kpiWorker.runUntilIdle()).toBe(0);
  });

  it('a corrupt file fails with the file, format and byte offset, and changes nothing', async () => {
    const good = generatedSession();
    const truncated = good.slice(0, Math.floor(good.length * 0.6));
    writeFileSync(join(dir, 'broken.ld'), truncated);
    const before = counts();
    const o = await telemetry.importFile(join(dir, 'broken.ld'));
    expect(o.status).toBe('failed');
    expect(o.error!.message).toMatch(/broken\.ld: motec-ld: .*\(byte offset \d+\)/);
    expect(o.error!.offset).toBeGreaterThan(0);
    expect(counts()).toEqual(before);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('a file of no known format fails clearly', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'setup: rear wing 7, front 3\n');
    const o = await telemetry.importFile(join(dir, 'notes.txt'));
    expect(o).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('not a logger file Race can read') } });
    expect((await telemetry.importFile(join(dir, 'missing.ld'))).error!.message).toContain('cannot read (ENOENT)');
  });
});

describe('a database another Race is writing to', () => {
  it('fails the file with a clear message, stores nothing of it, and the next import goes on', async () => {
    const other = new Database(dbPath);
    const ld = (venue: string) => writeMotecLd({ venue, channels: [{ name: 'Speed', unit: 'km/h', rateHz: 10, type: 'int16', raw: Int16Array.from({ length: 100 }, (_, i) => i) }] });
    writeFileSync(join(dir, 'locked.ld'), ld('Locked'));
    writeFileSync(join(dir, 'after.ld'), ld('After'));
    const before = counts();
    const wait = db.pragma('busy_timeout', { simple: true }) as number;
    db.pragma('busy_timeout = 50'); // the app waits seconds for a writer; this test need not
    other.exec('BEGIN IMMEDIATE');
    try {
      const o = await telemetry.importFile(join(dir, 'locked.ld'));
      expect(o).toMatchObject({ status: 'failed', format: 'motec-ld' });
      expect(o.error!.message).toMatch(/locked\.ld: motec-ld: could not be stored \(the database is locked by another Race writing to it/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
      db.pragma(`busy_timeout = ${wait}`);
    }
    expect(counts()).toEqual(before);
    expect((await telemetry.importFile(join(dir, 'after.ld'))).status).toBe('imported');
    expect((await telemetry.importFile(join(dir, 'locked.ld'))).status).toBe('imported');
  });
});

describe('resplit', () => {
  it('splits a session with no laps by a gate and computes its KPIs; splitting again (the same gate or another) computes them again', async () => {
    const truth = circuitSession({ laps: 3 });
    const file = join(dir, 'ring.vbo');
    writeFileSync(file, writeVbo(circuitVbo(truth, { gateOrder: null })));
    const o = await telemetry.importFile(file);
    expect(o.status, o.error?.message).toBe('imported');
    expect(o.laps!.filter((l) => l.kind === 'lap')).toHaveLength(0); // no gate in the file
    const id = o.sessionId!;
    const call = async <T,>(method: string, args: object): Promise<T> => {
      const r = (await core.dispatch(method as never, args as never, { transport: 'internal' })) as { value?: T; error?: { message: string } };
      if (r.error) throw new Error(r.error.message);
      return r.value!;
    };
    const kpis = async () => {
      await kpiWorker.runUntilIdle();
      return call<{ pending: number; kpis: { lap: number }[] }>('sessions.kpis', { sessionId: id });
    };
    expect((await kpis()).kpis).toHaveLength(0);

    // the start/finish line at the circle's north point (truth's crossings)
    const north = { lat: Math.max(...truth.lat), lon: truth.center.lon };
    const timed = (laps: { kind: string; timeMs: number }[]) => laps.filter((l) => l.kind === 'lap').map((l) => l.timeMs / 1000);
    const expected = truth.crossings.slice(1).map((t, i) => t - truth.crossings[i]!);
    const first = await call<{ kind: string; timeMs: number; startS: number }[]>('sessions.resplit', { sessionId: id, gate: { lat: north.lat, lon: north.lon } });
    expect(timed(first)).toHaveLength(expected.length);
    timed(first).forEach((t, i) => expect(Math.abs(t - expected[i]!)).toBeLessThanOrEqual(0.05));
    const after1 = await kpis();
    expect(after1.pending).toBe(0);
    const lapsWithKpis = new Set(after1.kpis.map((k) => k.lap));
    expect(lapsWithKpis.size).toBeGreaterThanOrEqual(expected.length);

    // the same gate again: the KPIs are cleared and computed again, not lost
    await call('sessions.resplit', { sessionId: id, gate: { lat: north.lat, lon: north.lon } });
    expect(await call('sessions.kpis', { sessionId: id })).toMatchObject({ pending: 1, kpis: [] });
    expect((await kpis()).kpis).toEqual(after1.kpis);
    // the circle's south point, crossed westwards: other laps, their KPIs; then back to the first gate
    const south = { lat: Math.min(...truth.lat), lon: truth.center.lon };
    const other = await call<{ kind: string; timeMs: number; startS: number }[]>('sessions.resplit', { sessionId: id, gate: south });
    expect(timed(other).length).toBeGreaterThan(0);
    expect(other.find((l) => l.kind === 'lap')!.startS).not.toBeCloseTo(first.find((l) => l.kind === 'lap')!.startS as number, 0); // other laps
    expect(await call('sessions.kpis', { sessionId: id })).toMatchObject({ pending: 1, kpis: [] });
    expect((await kpis()).kpis.length).toBeGreaterThan(0);
    await call('sessions.resplit', { sessionId: id, gate: { lat: north.lat, lon: north.lon } });
    expect((await kpis()).kpis).toEqual(after1.kpis);
  });
});

describe('transform plugins at import', () => {
  it('runs enabled transforms in their declared order before storing (units-metric: mph → km/h, then km/h → m/s)', async () => {
    const tdir = tempDir('race-transform-');
    const tcore = createAppCore({ dbPath: join(tdir, 'race.db') });
    try {
      // order 20: km/h → m/s, so it changes the speed only if units-metric (order 10) ran first.
      // Installed first, and its id sorts first: only the declared order puts it second.
      const src = join(tdir, 'a-to-ms');
      mkdirSync(join(src, 'src'), { recursive: true });
      writeFileSync(join(src, 'manifest.json'), JSON.stringify({ id: 'a-to-ms', name: 'km/h to m/s', version: '1.0.0', apiVersion: 1, interfaces: ['transform'], meta: { transform: { order: 20 } } }));
      writeFileSync(join(src, 'src/index.ts'), `import type { TransformHandler } from '${join(PLUGINS_DIR, 'sdk/index.ts')}';
export const transform: TransformHandler = ({ channels, meta }) => {
  const out: typeof channels = {};
  for (const [name, c] of Object.entries(channels)) out[name] = c.unit === 'km/h' ? { ...c, unit: 'm/s', samples: c.samples.map((x) => x / 3.6) } : c;
  return { channels: out, meta };
};
`);
      const toMs = await buildPlugin(src);
      await tcore.dispatch('plugins.install', { path: toMs.dir }, { transport: 'internal' });
      const built = await buildPlugin(join(PLUGINS_DIR, 'units-metric'));
      await tcore.dispatch('plugins.install', { path: built.dir }, { transport: 'internal' });
      const mph = Float64Array.from({ length: 200 }, (_, i) => 50 + (i % 50));
      writeFileSync(join(tdir, 'us.ld'), writeMotecLd({ venue: 'Road America', channels: [{ name: 'Speed', unit: 'mph', rateHz: 10, type: 'int16', values: mph }, { name: 'Oil Temp', unit: 'F', rateHz: 1, type: 'int16', values: Float64Array.from({ length: 20 }, () => 212) }] }));
      const o = await tcore.services.telemetry.importFile(join(tdir, 'us.ld'));
      expect(o.status, o.error?.message).toBe('imported');
      expect(o.warnings!.filter((w) => w.startsWith('transformed by'))).toEqual([`transformed by units-metric ${built.manifest.version}`, 'transformed by a-to-ms 1.0.0']);
      const speed = tcore.services.channels.get(o.sessionId!, 'Speed')!;
      expect(speed.unit).toBe('m/s');
      expect(tcore.services.channels.read(speed)[0]).toBeCloseTo((50 * 1.609344) / 3.6, 9);
      const oil = tcore.services.channels.get(o.sessionId!, 'Oil Temp')!;
      expect(oil.unit).toBe('°C');
      expect(oil.max).toBeCloseTo(100, 9);
    } finally {
      tcore.close();
    }
  });
});

describe('race import / laps / kpis / channels (CLI)', () => {
  const race = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/race.mjs'), ...args, '--db', join(dir, 'cli.db')], { cwd: root, encoding: 'utf8', timeout: 120_000 });

  it('import --json gives one element per file, and exits 1 when any failed', () => {
    const r = race('import', join(dir, 'spa.ld'), join(dir, 'notes.txt'), '--json');
    expect(r.status).toBe(1);
    const [ok, bad] = JSON.parse(r.stdout);
    expect(ok).toMatchObject({ file: join(dir, 'spa.ld'), status: 'imported', format: 'motec-ld', channels: 4 });
    expect(ok.laps[1]).toEqual({ number: 1, startS: 31.5, timeS: 61.75, kind: 'lap' });
    expect(bad).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('notes.txt') } });
    expect(bad.sessionId).toBeUndefined();
    const again = JSON.parse(race('import', join(dir, 'spa.ld'), '--json').stdout);
    expect(again[0]).toMatchObject({ status: 'duplicate', sessionId: ok.sessionId });
  });

  it('laps, channels --json and --csv', () => {
    const [s] = JSON.parse(race('sessions', '--json').stdout);
    const laps = JSON.parse(race('laps', s.id, '--json').stdout);
    expect(laps.map((l: { kind: string }) => l.kind)).toEqual(['out', 'lap', 'lap', 'in']);
    expect(laps[2].deltaToBestS).toBe(0);
    const channels = JSON.parse(race('channels', s.id, '--json').stdout);
    expect(channels.find((c: { name: string }) => c.name === 'Throttle Pos')).toMatchObject({ unit: '%', rateHz: 10, samples: N / 2, min: 0, max: 100 });
    const csv = race('channels', s.id, '--lap', '1', '--csv').stdout.trim().split('\n');
    expect(csv[0]).toBe('t,Ground Speed (km/h),Engine RPM (rpm),Throttle Pos (%),Brake Pres Front (bar)');
    expect(csv.length - 1).toBe(Math.round(61.75 * RATE));
    expect(csv[2]!.split(',')[3]).toBe(''); // throttle logged at 10 Hz: no sample at the odd 20 Hz ticks
  });

  it('channels --lap gives the lap\'s own counts and ranges, in the table as in --json; an unknown lap is an error', () => {
    const [s] = JSON.parse(race('sessions', '--json').stdout);
    const whole = JSON.parse(race('channels', s.id, '--json').stdout).find((c: { name: string }) => c.name === 'Ground Speed');
    const outLap = JSON.parse(race('channels', s.id, '--lap', '0', '--json').stdout).find((c: { name: string }) => c.name === 'Ground Speed');
    // 0 to 31.5 s at 20 Hz; speed = 120 + 80 sin(i / 150) falls only to sin(4.2) there
    const lapSpeeds = race('channels', s.id, '--lap', '0', '--csv').stdout.trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    expect(outLap).toMatchObject({ samples: 31.5 * RATE, min: Math.min(...lapSpeeds), max: Math.max(...lapSpeeds) });
    expect(outLap.min).toBeGreaterThan(whole.min + 5);
    const table = race('channels', s.id, '--lap', '0').stdout;
    expect(table).toMatch(/^Lap 0:/);
    expect(table).toMatch(new RegExp(`Ground Speed\\s+km/h\\s+20 Hz\\s+${31.5 * RATE}\\s+${+outLap.min.toPrecision(6)}`));
    for (const args of [['--lap', '99'], ['--lap', '99', '--json']]) {
      const r = race('channels', s.id, ...args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stdout + r.stderr).toContain('has no lap 99'); // --json reports errors on stdout, as JSON
    }
    const both = race('channels', s.id, '--json', '--csv');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--json and --csv/);
  }, 120_000); // eight CLI runs

  it('channels --csv keeps every sample of a 3 Hz and a 2 Hz channel: rows at the union of their time bases', () => {
    const file = join(dir, 'rates.ld');
    writeFileSync(file, writeMotecLd({ venue: 'Rates', channels: [
      { name: 'Three', unit: 'V', rateHz: 3, type: 'int16', raw: Int16Array.from({ length: 30 }, (_, i) => i + 1) },
      { name: 'Two', unit: 'V', rateHz: 2, type: 'int16', raw: Int16Array.from({ length: 20 }, (_, i) => 100 + i) },
    ] }));
    const [o] = JSON.parse(race('import', file, '--json').stdout);
    const rows = race('channels', o.sessionId, '--csv').stdout.trim().split('\n').slice(1).map((l) => l.split(','));
    const column = (k: number) => rows.map((r) => r[k]).filter((v) => v !== '').map(Number);
    expect(column(1)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(column(2)).toEqual(Array.from({ length: 20 }, (_, i) => 100 + i));
    // rows at the union of the two time bases, in order, each instant once: 0, 1/3, 0.5, 2/3, 1, …
    const times = rows.map((r) => Number(r[0]));
    expect(times.slice(0, 5)).toEqual([0, 0.333333, 0.5, 0.666667, 1]);
    expect(times.every((t, i) => i === 0 || t > times[i - 1]!)).toBe(true);
    expect(rows.length).toBe(30 + 20 - 10); // the 10 whole seconds both share
  });
});

describe.skipIf(!existsSync(SAMPLES))('real logger files', () => {
  it('Sample1.ld: laps from the Beacon channel match the logger within ±0.05 s', async () => {
    const o = await telemetry.importFile(join(SAMPLES, 'motec-ld/Sample1.ld'));
    expect(o.status, o.error?.message).toBe('imported');
    const laps = o.laps!.filter((l) => l.kind === 'lap').map((l) => l.timeS);
    [65.15, 63.68, 65.18, 63.75].forEach((t, i) => expect(Math.abs(laps[i]! - t)).toBeLessThanOrEqual(0.05));
    expect(o.channels).toBe(78);
  });

  it('blakelyauto.csv: one full lap of 165.843 s', async () => {
    const o = await telemetry.importFile(join(SAMPLES, 'motec-csv/blakelyauto.csv'));
    expect(o.laps!.filter((l) => l.kind === 'lap').map((l) => +l.timeS.toFixed(3))).toEqual([165.843]);
  });
});
if (!existsSync(SAMPLES)) console.warn(`skipping real-file imports: ${SAMPLES} is not present`);
