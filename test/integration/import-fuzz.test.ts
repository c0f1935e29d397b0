// Fuzzing through the whole import path: 1,000 truncated or mutated variants of a generated
// file in every format (and some of each real sample when present), imported into one
// database. Each imports as one complete session, is a duplicate, or fails cleanly — naming
// the file, the format and where in it — and a failure or a duplicate leaves the database
// exactly as it was. None takes more than 5 s (no hang) and the process survives (no crash).
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppCore } from '../../src-main/app/core.ts';
import { writeMotecCsv, writeMotecLd } from '../support/write-motec.ts';
import { circuitSession, circuitVbo, iracingSession, writeIbt, writeVbo } from '../support/write-vbo-ibt.ts';
import { writeAimCsv, writeRaceCaptureLog, writeRaceChronoCsv, writeTrackAddictCsv } from '../support/write-text-formats.ts';
import { aimRs3, raceCapture, raceChrono, trackAddict } from '../support/text-fixtures.ts';
import { mulberry32 } from '../support/prng.ts';
import { tempDir } from '../support/tmp.ts';

const dir = tempDir('race-fuzz-');
const core = createAppCore({ dbPath: join(dir, 'race.db') });
const { telemetry, db } = core.services;
afterAll(() => core.close());

const SAMPLES = join(import.meta.dirname, '../../../shared/telemetry-samples');
const VARIANTS = 1000;

const seq = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
const generated: Record<string, Uint8Array> = {
  'motec.ld': writeMotecLd({ venue: 'Fuzz', channels: [{ name: 'Engine RPM', unit: 'rpm', rateHz: 20, type: 'int16', values: seq(400, (i) => 3000 + i) }, { name: 'Speed', unit: 'km/h', rateHz: 10, type: 'int32', dec: 1, values: seq(200, (i) => 100 + i / 10) }] }),
  'motec.csv': writeMotecCsv({ venue: 'Fuzz', rateHz: 20, markers: [4.25], logDate: '2023-04-04', logTime: '1:16:25 PM', channels: [{ name: 'Vehicle Speed', unit: 'km/h', values: seq(400, (i) => Number((100 + 50 * Math.sin(i / 30)).toFixed(1))), decimals: 1 }, { name: 'Engine RPM', unit: 'rpm', values: seq(400, (i) => 3000 + i), decimals: 0 }] }),
  'aim.csv': writeAimCsv(aimRs3),
  'racechrono.csv': writeRaceChronoCsv(raceChrono),
  'trackaddict.csv': writeTrackAddictCsv({ ...trackAddict, durationS: 20, crossings: [5.5, 14.2], pit: [] }),
  'racecapture.log': writeRaceCaptureLog(raceCapture),
  'circuit.vbo': writeVbo(circuitVbo(circuitSession({ laps: 1 }), { gateOrder: 'long,lat' })),
  'iracing.ibt': writeIbt(iracingSession({ laps: 1 }).file),
};
const real: Record<string, Uint8Array> = {};
if (existsSync(SAMPLES)) {
  for (const sub of readdirSync(SAMPLES)) {
    const folder = join(SAMPLES, sub);
    if (!statSync(folder).isDirectory()) continue;
    for (const f of readdirSync(folder)) real[`${sub}-${f}`] = new Uint8Array(readFileSync(join(folder, f)));
  }
} else console.warn(`the real samples are not at ${SAMPLES}: fuzzing generated files only`);

/** A test's own variants, the same whichever tests run and whatever samples are present. */
const seedOf = (name: string) => [...name].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 99);

function mutate(bytes: Uint8Array, rand: () => number): Uint8Array {
  const r = rand();
  if (r < 0.45) return bytes.slice(0, Math.floor(rand() * bytes.length)); // truncated
  const out = bytes.slice();
  const flips = 1 + Math.floor(rand() * 8);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(rand() * Math.min(out.length, r < 0.8 ? 4096 : out.length)); // headers most often
    out[at] = Math.floor(rand() * 256);
  }
  return out;
}

const TABLES = ['attachments', 'sessions', 'channels', 'channel_chunks', 'laps', 'jobs', 'kpi_results'] as const;
const counts = db.prepare(`SELECT ${TABLES.map((t) => `(SELECT COUNT(*) FROM ${t}) AS ${t}`).join(', ')}`);
const count = () => counts.get() as Record<(typeof TABLES)[number], number>;

async function fuzz(name: string, bytes: Uint8Array, variants: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = { imported: 0, duplicate: 0, failed: 0 };
  const file = join(dir, `variant-${name}`);
  const rand = mulberry32(seedOf(name));
  for (let i = 0; i < variants; i++) {
    const variant = mutate(bytes, rand);
    writeFileSync(file, variant);
    const before = count();
    const t0 = performance.now();
    const o = await telemetry.importFile(file);
    const where = `${name} variant ${i} (${variant.length} bytes): ${o.error?.message ?? o.status}`;
    expect(performance.now() - t0, where).toBeLessThan(5000);
    seen[o.status]!++;
    if (o.status === 'imported') {
      const after = count();
      expect(after.sessions - before.sessions, where).toBe(1);
      expect(after.attachments - before.attachments, where).toBe(1);
      expect(after.channels - before.channels, where).toBe(o.channels);
      expect(after.laps - before.laps, where).toBe(o.laps!.length);
      continue;
    }
    expect(count(), where).toEqual(before);
    if (o.status === 'failed') {
      const e = o.error!;
      expect(e.message, where).toContain(file);
      // the format, when one was recognised, and a place in the file: a byte offset or a line
      if (o.format) expect(e.message, where).toContain(`${o.format}: `);
      expect(e.offset !== undefined || e.line !== undefined, where).toBe(true);
      if (e.offset !== undefined) expect(e.offset, where).toBeLessThanOrEqual(variant.length);
    }
  }
  return seen;
}

describe('import fuzzing through the pipeline', () => {
  for (const [name, bytes] of Object.entries(generated)) {
    it(`${name}: ${VARIANTS} truncated or mutated variants import whole, are duplicates, or fail cleanly leaving the database as it was`, async () => {
      const seen = await fuzz(name, bytes, VARIANTS);
      // both outcomes occur: the variants reach the importer's checks, not only its detection
      expect(seen.failed).toBeGreaterThan(VARIANTS / 10);
      expect(seen.imported).toBeGreaterThan(0);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    }, 300_000);
  }
  for (const [name, bytes] of Object.entries(real)) {
    const variants = bytes.length > 500_000 ? 25 : 60;
    it(`${name}: ${variants} mutated variants of the real file`, async () => {
      await fuzz(name, bytes, variants);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    }, 300_000);
  }
});
