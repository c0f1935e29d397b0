// A MoTeC channel logged as scaled integers is stored as those integers and decoded on read.
// Whatever the scaling, what reads back must be bit for bit what the float64 path stores: the
// values of the importer's formula, applied one sample at a time as the reference below does.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/store/database.ts';
import { MIGRATIONS } from '../../src-main/store/migrations.ts';
import { CHUNK_SAMPLES, ChannelStore, type ChannelInfo } from '../../src-main/store/channels.ts';
import { motecLdImporter } from '../../src-main/telemetry/formats/motec-ld.ts';
import type { ImportedChannel } from '../../src-main/telemetry/model.ts';
import { mulberry32 } from '../support/prng.ts';
import { tempDir } from '../support/tmp.ts';
import { writeMotecLd, type LdChannelSpec } from '../support/write-motec.ts';

const dir = tempDir('race-ld-storage-');
const db = openDatabase(join(dir, 'race.db'));
afterAll(() => db.close());
db.prepare("INSERT INTO sessions (id, source_format, imported_at) VALUES ('f64', 'test', 'now'), ('int', 'test', 'now')").run();
const store = new ChannelStore(db);

/** The importer's formula one value at a time: raw × mul / (scale × 10^dec) + shift. */
function reference(raw: number, ch: LdChannelSpec): number {
  const mul = ch.mul || 1;
  const scale = ch.scale || 1;
  const dec = ch.dec ?? 0;
  const shift = ch.shift ?? 0;
  const v = dec >= 0 ? (raw * mul) / (scale * 10 ** dec) : (raw * mul * 10 ** -dec) / scale;
  return shift === 0 ? v : v + shift;
}

const RANGE = { int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647] } as const;
const rand = mulberry32(4);

/** The type's extremes, 0 and ±1 first, then random integers of the type. */
function raws(type: keyof typeof RANGE, n: number): number[] {
  const [lo, hi] = RANGE[type];
  const out = [0, 1, -1, lo, hi, lo + 1, hi - 1];
  while (out.length < n) out.push(lo + Math.floor(rand() * (hi - lo + 1)));
  return out;
}

// Awkward scalings: divisors that are not powers of two, negative multipliers and scales (0
// becomes -0), negative and large decimal places, offsets with and without a multiplier, a 0
// multiplier (read as 1), and an odd-length int8 channel first so the others' data is misaligned.
const specs: LdChannelSpec[] = [
  { name: 'int8 odd', type: 'int8', rateHz: 10, mul: 5, scale: 3, dec: 0, shift: -1, raw: raws('int8', 1001) },
  { name: 'sevenths', type: 'int16', rateHz: 100, mul: 7, scale: 3, dec: 1, raw: raws('int16', 2 * CHUNK_SAMPLES + 777) },
  { name: 'negative mul', type: 'int16', rateHz: 50, mul: -3, scale: 7, dec: 2, raw: raws('int16', 5000) },
  { name: 'negative scale', type: 'int16', rateHz: 50, mul: 1, scale: -1, dec: 0, raw: raws('int16', 3000) },
  { name: 'dec -3', type: 'int16', rateHz: 20, mul: 3, scale: 7, dec: -3, raw: raws('int16', 3000) },
  { name: 'offset', type: 'int16', rateHz: 20, mul: 2, scale: 10, dec: 1, shift: -40, raw: raws('int16', 3000) },
  { name: 'offset dec -2', type: 'int32', rateHz: 20, mul: -9, scale: 11, dec: -2, shift: 17, raw: raws('int32', 3000) },
  { name: 'int32 dec 9', type: 'int32', rateHz: 200, mul: 13, scale: 3, dec: 9, raw: raws('int32', CHUNK_SAMPLES + 5) },
  { name: 'int32 dec 30', type: 'int32', rateHz: 10, mul: -32768, scale: 32767, dec: 30, raw: raws('int32', 2000) },
  { name: 'zero mul', type: 'int16', rateHz: 10, mul: 0, scale: 9, dec: 1, raw: raws('int16', 2000) },
  { name: 'identity', type: 'int16', rateHz: 10, raw: raws('int16', 2000) },
];
const session = motecLdImporter.parse(writeMotecLd({ venue: 'Scales', channels: specs }), { fileName: 'scales.ld', sibling: () => null, progress: () => {} });
const imported = new Map(session.channels.map((c) => [c.name, c]));

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
function store2(c: ImportedChannel): { f64: ChannelInfo; int: ChannelInfo } {
  // the float64 path: the decoded values, without the integer form
  store.add('f64', { name: c.name, sourceName: c.sourceName, unit: c.unit, rateHz: c.rateHz, startS: c.startS, samples: c.samples });
  store.add('int', c);
  return { f64: store.get('f64', c.name)!, int: store.get('int', c.name)! };
}
const stored = new Map(session.channels.map((c) => [c.name, store2(c)]));

describe('integer-scaled .ld channels in the store', () => {
  it('the importer keeps every integer channel in its integer form', () => {
    for (const s of specs) expect(imported.get(s.name)!.scaled?.type, s.name).toBe({ int8: 'i8', int16: 'i16', int32: 'i32' }[s.type as 'int8']);
  });

  for (const spec of specs) {
    it(`${spec.name}: values, range and every slice read back with the float64 path's bits`, () => {
      const c = imported.get(spec.name)!;
      const want = Float64Array.from(spec.raw!, (r) => reference(r, spec));
      expect(bits(c.samples).equals(bits(want)), 'decoded by the importer').toBe(true);

      const { f64, int } = stored.get(spec.name)!;
      expect(f64.encoding).toEqual({ type: 'f64' });
      expect(int.encoding.type).toBe(c.scaled!.type);
      for (const k of ['sampleCount', 'missing', 'min', 'max'] as const) expect(Object.is(int[k], f64[k]), `${k}: ${int[k]} vs ${f64[k]}`).toBe(true);
      expect(bits(store.read(int)).equals(bits(want))).toBe(true);
      expect(bits(store.read(f64)).equals(bits(want))).toBe(true);
      const n = want.length;
      for (const [a, b] of [[0, 1], [3, 4], [n - 1, n], [CHUNK_SAMPLES - 2, CHUNK_SAMPLES + 2], [CHUNK_SAMPLES, 2 * CHUNK_SAMPLES + 1], [17, n - 17]]) {
        expect(bits(store.read(int, a, b)).equals(bits(store.read(f64, a, b))), `[${a}, ${b})`).toBe(true);
      }
    });
  }

  it('stores the integers themselves: 1, 2 or 4 bytes a sample', () => {
    const bytes = db.prepare('SELECT c.name, c.encoding, c.sample_count AS n, SUM(length(k.samples)) AS bytes FROM channels c JOIN channel_chunks k ON k.channel_id = c.id WHERE c.session_id = ? GROUP BY c.id').all('int') as { name: string; encoding: string; n: number; bytes: number }[];
    expect(bytes.length).toBe(specs.length);
    for (const b of bytes) expect(b.bytes, b.name).toBe(b.n * { i8: 1, i16: 2, i32: 4 }[b.encoding as 'i8']!);
  });

  it('reading a range reads only the chunks it covers', () => {
    const c = imported.get('sevenths')!;
    store.add('int', { ...c, name: 'sevenths, chunk 1 only' });
    const info = store.get('int', 'sevenths, chunk 1 only')!;
    db.prepare('DELETE FROM channel_chunks WHERE channel_id = ? AND chunk <> 1').run(info.id);
    const got = store.read(info, CHUNK_SAMPLES + 10, 2 * CHUNK_SAMPLES - 10);
    expect(bits(got).equals(bits(c.samples.slice(CHUNK_SAMPLES + 10, 2 * CHUNK_SAMPLES - 10)))).toBe(true);
  });
});

describe('float64 channels written before schema 5', () => {
  it('read back as they were after the migration', () => {
    const path = join(dir, 'v3.db');
    const old = new Database(path);
    for (const m of MIGRATIONS.filter((x) => x.version <= 3)) old.exec(m.sql);
    old.pragma('user_version = 3');
    const values = Float64Array.from({ length: CHUNK_SAMPLES + 10 }, (_, i) => (i === 5 ? NaN : i / 3));
    old.prepare("INSERT INTO sessions (id, source_format, imported_at) VALUES ('s', 'test', 'now')").run();
    old.prepare("INSERT INTO channels (id, session_id, name, source_name, unit, rate_hz, start_s, sample_count, missing, min, max) VALUES (1, 's', 'Speed', 'Speed', 'km/h', 10, 0, ?, 1, 0, ?)").run(values.length, values[values.length - 1]!);
    const raw = bits(values);
    old.prepare('INSERT INTO channel_chunks (channel_id, chunk, samples) VALUES (1, 0, ?), (1, 1, ?)').run(raw.subarray(0, CHUNK_SAMPLES * 8), raw.subarray(CHUNK_SAMPLES * 8));
    old.close();

    const migrated = openDatabase(path);
    try {
      const s = new ChannelStore(migrated);
      const info = s.get('s', 'Speed')!;
      expect(info.encoding).toEqual({ type: 'f64' });
      expect(bits(s.read(info)).equals(raw)).toBe(true);
      expect(bits(s.read(info, CHUNK_SAMPLES - 1, CHUNK_SAMPLES + 1)).equals(bits(values.slice(CHUNK_SAMPLES - 1, CHUNK_SAMPLES + 1)))).toBe(true);
    } finally {
      migrated.close();
    }
  });
});

describe('the original .ld file, kept once', () => {
  it('cuts the regions its integer channels hold out of the stored file, and puts the file back together exactly', async () => {
    const { createAppCore } = await import('../../src-main/app/core.ts');
    const { createHash } = await import('node:crypto');
    const core = createAppCore({ dbPath: join(dir, 'skeleton.db') });
    try {
      // aligned int16/int32 channels are views into the file (cut out); the odd-length int8 first makes later ones
      // misaligned copies in some layouts — those stay in the stored file, and the file still comes back whole
      const file = writeMotecLd({
        venue: 'Skeleton Park',
        channels: [
          { name: 'Engine RPM', unit: 'rpm', rateHz: 100, type: 'int16', raw: raws('int16', 3 * CHUNK_SAMPLES + 11) },
          { name: 'Odd', unit: '', rateHz: 10, type: 'int8', raw: raws('int8', 333) },
          { name: 'Wide', unit: 'V', rateHz: 50, type: 'int32', dec: 3, raw: raws('int32', CHUNK_SAMPLES + 7) },
          { name: 'Float', unit: 'g', rateHz: 20, type: 'float32', values: Float64Array.from({ length: 999 }, (_, i) => i / 7) },
        ],
      });
      const o = await core.services.telemetry.importBytes('skeleton.ld', file);
      expect(o.status).toBe('imported');
      const stored = core.services.db.prepare('SELECT a.bytes, a.size, a.elided FROM attachments a JOIN sessions s ON s.attachment_id = a.id WHERE s.id = ?').get(o.sessionId) as { bytes: Buffer; size: number; elided: string };
      const elided = JSON.parse(stored.elided) as { channel: string; length: number }[];
      expect(elided.map((e) => e.channel)).toContain('Engine RPM');
      expect(stored.size).toBe(file.byteLength);
      expect(stored.bytes.byteLength).toBe(file.byteLength - elided.reduce((n, e) => n + e.length, 0));
      expect(stored.bytes.byteLength).toBeLessThan(file.byteLength / 2);
      const back = core.services.telemetry.originalFile(o.sessionId!);
      expect(back.fileName).toBe('skeleton.ld');
      expect(Buffer.from(back.bytes).equals(Buffer.from(file))).toBe(true);
      expect(createHash('sha256').update(back.bytes).digest('hex')).toBe(createHash('sha256').update(file).digest('hex'));

      // a damaged store is reported, never handed out as the original
      core.services.db.prepare("UPDATE channel_chunks SET samples = zeroblob(length(samples)) WHERE channel_id = (SELECT id FROM channels WHERE session_id = ? AND name = 'Engine RPM') AND chunk = 0").run(o.sessionId);
      expect(() => core.services.telemetry.originalFile(o.sessionId!)).toThrow(/does not match its sha256/);
    } finally {
      core.close();
    }
  });
});
