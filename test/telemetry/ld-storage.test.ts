// A MoTeC channel logged as scaled integers is stored as those integers and decoded on read.
// Whatever the scaling, what reads back must be bit for bit what the float64 path stores: the
// values of the importer's formula, applied one sample at a time as the reference below does.
import { join } from 'node:path';
import { createAppCore, type AppCore } from '../../src-main/app/core.ts';
import { sha256Hex } from '../../src-main/platform/sha256.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/store/database.ts';
import { CHUNK_SAMPLES, ChannelStore, type ChannelInfo } from '../../src-main/store/channels.ts';
import { motecLdImporter } from '../../src-main/telemetry/formats/motec-ld.ts';
import type { ImportedChannel } from '../../src-main/telemetry/model.ts';
import { mulberry32 } from '../support/prng.ts';
import { bits } from '../support/bits.ts';
import { databaseAt } from '../support/db.ts';
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
      expect(bits(c.samples), 'decoded by the importer').toBe(bits(want));

      const { f64, int } = stored.get(spec.name)!;
      expect(f64.encoding).toEqual({ type: 'f64' });
      expect(int.encoding.type).toBe(c.scaled!.type);
      for (const k of ['sampleCount', 'missing', 'min', 'max'] as const) expect(Object.is(int[k], f64[k]), `${k}: ${int[k]} vs ${f64[k]}`).toBe(true);
      expect(bits(store.read(int))).toBe(bits(want));
      expect(bits(store.read(f64))).toBe(bits(want));
      const n = want.length;
      for (const [a, b] of [[0, 1], [3, 4], [n - 1, n], [CHUNK_SAMPLES - 2, CHUNK_SAMPLES + 2], [CHUNK_SAMPLES, 2 * CHUNK_SAMPLES + 1], [17, n - 17]]) {
        // against the reference too: both stored forms share read()'s slicing, which must not cancel out
        expect(bits(store.read(int, a, b)), `[${a}, ${b}) vs reference`).toBe(bits(want.slice(a, b)));
        expect(bits(store.read(int, a, b)), `[${a}, ${b})`).toBe(bits(store.read(f64, a, b)));
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
    expect(bits(got)).toBe(bits(c.samples.slice(CHUNK_SAMPLES + 10, 2 * CHUNK_SAMPLES - 10)));
  });
});

// float32 channels: kept as the logger's float32 values (4 bytes a sample), widened and
// scaled on read exactly as the importer does; NaNs are missing samples, not range ends.
const f32 = (n: number, seed: number): number[] => {
  const r = mulberry32(seed);
  const special = [0, -0, 1, -1, NaN, Infinity, -Infinity, 1.401298464324817e-45, -1.1754942106924411e-38, 3.4028234663852886e38, -3.4028234663852886e38, 0.1];
  const out = [...special];
  while (out.length < n) out.push(Math.fround((r() - 0.5) * 10 ** Math.floor(r() * 12 - 4)));
  return out;
};
const floatSpecs: LdChannelSpec[] = [
  { name: 'odd bytes', type: 'int8', rateHz: 1, raw: [1, 2, 3] }, // the float after it starts on an odd offset
  { name: 'f32 misaligned', type: 'float32', rateHz: 10, raw: f32(1001, 1) },
  { name: 'f32 identity', type: 'float32', rateHz: 100, raw: f32(CHUNK_SAMPLES + 321, 2) },
  { name: 'f32 sevenths', type: 'float32', rateHz: 50, mul: 7, scale: 3, dec: 1, raw: f32(5000, 3) },
  { name: 'f32 negative, offset', type: 'float32', rateHz: 20, mul: -3, scale: 11, dec: -2, shift: 4, raw: f32(3000, 4) },
  { name: 'f32 all missing', type: 'float32', rateHz: 5, raw: [NaN, NaN, NaN] },
];
const floatSession = motecLdImporter.parse(writeMotecLd({ venue: 'Floats', channels: floatSpecs }), { fileName: 'floats.ld', sibling: () => null, progress: () => {} });
db.prepare("INSERT INTO sessions (id, source_format, imported_at) VALUES ('f64 of f32', 'test', 'now'), ('f32', 'test', 'now')").run();
const floatStored = new Map(
  floatSession.channels.map((c) => {
    store.add('f64 of f32', { name: c.name, sourceName: c.sourceName, unit: c.unit, rateHz: c.rateHz, startS: c.startS, samples: c.samples });
    store.add('f32', c);
    return [c.name, { c, f64: store.get('f64 of f32', c.name)!, f32: store.get('f32', c.name)! }] as const;
  }),
);

describe('float32 .ld channels in the store', () => {
  for (const spec of floatSpecs.filter((x) => x.type === 'float32')) {
    it(`${spec.name}: stored as float32, read back with the float64 path's bits, NaNs missing`, () => {
      const { c, f64, f32: info } = floatStored.get(spec.name)!;
      const want = Float64Array.from(spec.raw!, (r) => reference(Math.fround(r), spec));
      expect(c.scaled?.type).toBe('f32');
      expect(bits(c.samples), 'decoded by the importer').toBe(bits(want));
      expect(info.encoding).toEqual({ type: 'f32', scaling: { mul: spec.mul ?? 1, scale: spec.scale ?? 1, dec: spec.dec ?? 0, shift: spec.shift ?? 0 } });
      for (const k of ['sampleCount', 'missing', 'min', 'max'] as const) expect(Object.is(info[k], f64[k]), `${k}: ${info[k]} vs ${f64[k]}`).toBe(true);
      expect(info.missing).toBe(Array.from(spec.raw!).filter((r) => r !== r).length);
      expect(bits(store.read(info))).toBe(bits(want));
      const n = want.length;
      for (const [a, b] of [[0, 1], [4, 5], [n - 1, n], [CHUNK_SAMPLES - 2, CHUNK_SAMPLES + 2], [17, n - 17]]) {
        expect(bits(store.read(info, a, b)), `[${a}, ${b}) vs reference`).toBe(bits(want.slice(a, b)));
        expect(bits(store.read(info, a, b)), `[${a}, ${b})`).toBe(bits(store.read(f64, a, b)));
      }
    });
  }

  it('writes 4 bytes a sample, half the float64 form', () => {
    const rows = db.prepare("SELECT c.name, c.sample_count AS n, SUM(length(k.samples)) AS bytes FROM channels c JOIN channel_chunks k ON k.channel_id = c.id WHERE c.session_id = 'f32' AND c.encoding = 'f32' GROUP BY c.id").all() as { name: string; n: number; bytes: number }[];
    expect(rows.map((r) => r.name).sort()).toEqual(floatSpecs.filter((x) => x.type === 'float32').map((x) => x.name).sort());
    for (const r of rows) expect(r.bytes, r.name).toBe(r.n * 4);
  });

  it('an all-NaN channel has no range', () => {
    const { f32: info } = floatStored.get('f32 all missing')!;
    expect(info).toMatchObject({ sampleCount: 3, missing: 3, min: null, max: null });
  });
});

describe('float64 channels written before schema 5', () => {
  it('read back as they were after the migration', () => {
    const path = join(dir, 'v3.db');
    const old = databaseAt(path, 3);
    const values = Float64Array.from({ length: CHUNK_SAMPLES + 10 }, (_, i) => (i === 5 ? NaN : i / 3));
    old.prepare("INSERT INTO sessions (id, source_format, imported_at) VALUES ('s', 'test', 'now')").run();
    old.prepare("INSERT INTO channels (id, session_id, name, source_name, unit, rate_hz, start_s, sample_count, missing, min, max) VALUES (1, 's', 'Speed', 'Speed', 'km/h', 10, 0, ?, 1, 0, ?)").run(values.length, values[values.length - 1]!);
    const raw = Buffer.from(values.buffer);
    old.prepare('INSERT INTO channel_chunks (channel_id, chunk, samples) VALUES (1, 0, ?), (1, 1, ?)').run(raw.subarray(0, CHUNK_SAMPLES * 8), raw.subarray(CHUNK_SAMPLES * 8));
    old.close();

    const migrated = openDatabase(path);
    try {
      const s = new ChannelStore(migrated);
      const info = s.get('s', 'Speed')!;
      expect(info.encoding).toEqual({ type: 'f64' });
      expect(bits(s.read(info))).toBe(bits(values));
      expect(bits(s.read(info, CHUNK_SAMPLES - 1, CHUNK_SAMPLES + 1))).toBe(bits(values.slice(CHUNK_SAMPLES - 1, CHUNK_SAMPLES + 1)));
    } finally {
      migrated.close();
    }
  });
});

/** A .ld file imported into a database of its own; `check` sees what was stored of it. */
async function importKept(
  dbName: string,
  fileName: string,
  file: Uint8Array,
  check: (kept: { core: AppCore; sessionId: string; stored: { bytes: Buffer; size: number; sha256: string }; elided: { channel: string; length: number }[] }) => void,
): Promise<void> {
  const core = createAppCore({ dbPath: join(dir, dbName) });
  try {
    const o = await core.services.telemetry.importBytes(fileName, file);
    expect(o.status).toBe('imported');
    const stored = core.services.db
      .prepare('SELECT a.bytes, a.size, a.sha256, a.elided FROM attachments a JOIN sessions s ON s.attachment_id = a.id WHERE s.id = ?')
      .get(o.sessionId) as { bytes: Buffer; size: number; sha256: string; elided: string };
    check({ core, sessionId: o.sessionId!, stored, elided: JSON.parse(stored.elided) as { channel: string; length: number }[] });
  } finally {
    core.close();
  }
}

describe('the original .ld file, kept once', () => {
  it('cuts the regions its integer channels hold out of the stored file, and puts the file back together exactly', async () => {
    // aligned int16/int32 channels are views into the file; the odd-length int8 makes the ones
    // after it misaligned in some layouts — kept as aligned copies, compared with the file and
    // cut out all the same; the file still comes back whole
    const file = writeMotecLd({
      venue: 'Skeleton Park',
      channels: [
        { name: 'Engine RPM', unit: 'rpm', rateHz: 100, type: 'int16', raw: raws('int16', 3 * CHUNK_SAMPLES + 11) },
        { name: 'Odd', unit: '', rateHz: 10, type: 'int8', raw: raws('int8', 333) },
        { name: 'Wide', unit: 'V', rateHz: 50, type: 'int32', dec: 3, raw: raws('int32', CHUNK_SAMPLES + 7) },
        { name: 'Float', unit: 'g', rateHz: 20, type: 'float32', values: Float64Array.from({ length: 999 }, (_, i) => i / 7) },
      ],
    });
    await importKept('skeleton.db', 'skeleton.ld', file, ({ core, sessionId, stored, elided }) => {
      expect(elided.map((e) => e.channel)).toContain('Engine RPM');
      expect(elided.map((e) => [e.channel, e.length])).toEqual([
        ['Engine RPM', 2 * (3 * CHUNK_SAMPLES + 11)],
        ['Odd', 333],
        ['Wide', 4 * (CHUNK_SAMPLES + 7)],
        ['Float', 4 * 999],
      ]);
      expect(stored.size).toBe(file.byteLength);
      expect(stored.bytes.byteLength).toBe(file.byteLength - elided.reduce((n, e) => n + e.length, 0));
      expect(stored.bytes.byteLength).toBeLessThan(file.byteLength / 2);
      const back = core.services.telemetry.originalFile(sessionId);
      expect(back.fileName).toBe('skeleton.ld');
      expect(Buffer.from(back.bytes).equals(Buffer.from(file))).toBe(true);
      expect(sha256Hex(back.bytes)).toBe(stored.sha256);
      expect(stored.sha256).toBe(sha256Hex(file));

      // a damaged store is reported, never handed out as the original
      core.services.db.prepare("UPDATE channel_chunks SET samples = zeroblob(length(samples)) WHERE channel_id = (SELECT id FROM channels WHERE session_id = ? AND name = 'Engine RPM') AND chunk = 0").run(sessionId);
      expect(() => core.services.telemetry.originalFile(sessionId)).toThrow(/does not match its sha256/);
    });
  });

  it('cuts out float32 channels too, and the file still comes back exactly', async () => {
    const file = writeMotecLd({
      venue: 'Float Park',
      channels: [
        { name: 'Lambda', unit: 'la', rateHz: 50, type: 'float32', raw: f32(CHUNK_SAMPLES + 99, 7) },
        { name: 'Oil Temp', unit: 'C', rateHz: 10, type: 'float32', mul: 1, scale: 1, dec: 1, raw: f32(4000, 8) },
      ],
    });
    await importKept('skeleton-f32.db', 'floats.ld', file, ({ core, sessionId, stored, elided }) => {
      expect(elided.map((e) => e.channel).sort()).toEqual(['Lambda', 'Oil Temp']);
      expect(stored.bytes.byteLength).toBe(file.byteLength - 4 * (CHUNK_SAMPLES + 99 + 4000));
      expect(Buffer.from(core.services.telemetry.originalFile(sessionId).bytes).equals(Buffer.from(file))).toBe(true);
    });
  });
});
