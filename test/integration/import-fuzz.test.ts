// Fuzzing through the whole import path: truncated and mutated files of every generated
// format (and the real samples when present) are imported into one database. Each either
// imports as one complete session or fails cleanly, naming the file — and a failure leaves
// the database exactly as it was.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppCore } from '../../src-main/app/core.ts';
import { writeMotecLd } from '../support/write-motec.ts';
import { circuitSession, circuitVbo, iracingSession, writeIbt, writeVbo } from '../support/write-vbo-ibt.ts';
import { tempDir } from '../support/tmp.ts';

const dir = tempDir('race-fuzz-');
const core = createAppCore({ dbPath: join(dir, 'race.db') });
const { telemetry, db } = core.services;
afterAll(() => core.close());

const SAMPLES = join(import.meta.dirname, '../../../shared/telemetry-samples');
let seed = 99;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

const generated: Record<string, Uint8Array> = {
  'motec.ld': writeMotecLd({ venue: 'Fuzz', channels: [{ name: 'Engine RPM', unit: 'rpm', rateHz: 20, type: 'int16', values: Float64Array.from({ length: 400 }, (_, i) => 3000 + i) }] }),
  'circuit.vbo': writeVbo(circuitVbo(circuitSession(), { gateOrder: 'long,lat' })),
  'iracing.ibt': writeIbt(iracingSession({ laps: 1 }).file),
};
if (existsSync(SAMPLES)) {
  for (const sub of readdirSync(SAMPLES)) {
    const folder = join(SAMPLES, sub);
    if (!existsSync(folder) || sub.endsWith('.md')) continue;
    for (const f of readdirSync(folder)) generated[`${sub}-${f}`] = new Uint8Array(readFileSync(join(folder, f)));
  }
}

function mutate(bytes: Uint8Array): Uint8Array {
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

const count = () => (db.prepare('SELECT (SELECT COUNT(*) FROM sessions) AS s, (SELECT COUNT(*) FROM attachments) AS a, (SELECT COUNT(*) FROM channels) AS c, (SELECT COUNT(*) FROM laps) AS l, (SELECT COUNT(*) FROM channel_chunks) AS k').get() as { s: number; a: number; c: number; l: number; k: number });

describe('import fuzzing through the pipeline', () => {
  for (const [name, bytes] of Object.entries(generated)) {
    const variants = bytes.length > 500_000 ? 25 : 60;
    it(`${name}: ${variants} mutated variants import whole or fail cleanly, leaving the database as it was`, async () => {
      for (let i = 0; i < variants; i++) {
        const file = join(dir, `v${i}-${name}`);
        writeFileSync(file, mutate(bytes));
        const before = count();
        const t0 = performance.now();
        const o = await telemetry.importFile(file);
        expect(performance.now() - t0, `${name} variant ${i}`).toBeLessThan(5000);
        if (o.status === 'failed') {
          expect(o.error!.message).toContain(file);
          expect(count()).toEqual(before);
        } else if (o.status === 'imported') {
          const after = count();
          expect(after.s).toBe(before.s + 1);
          expect(after.c - before.c).toBe(o.channels);
        }
      }
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    }, 120_000);
  }
});
