import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/store/database.ts';
import { CHUNK_SAMPLES, ChannelStore } from '../../src-main/store/channels.ts';
import { tempDir } from '../support/tmp.ts';

const db = openDatabase(join(tempDir(), 'channels.db'));
afterAll(() => db.close());
db.prepare("INSERT INTO sessions (id, source_format, imported_at) VALUES ('s', 'test', 'now')").run();
const store = new ChannelStore(db);

const n = CHUNK_SAMPLES * 3 + 123;
const samples = Float64Array.from({ length: n }, (_, i) => (i % 1000 === 7 ? NaN : i * 0.5 - 100));
store.add('s', { name: 'Engine RPM', sourceName: 'Engine RPM', unit: 'rpm', rateHz: 100, startS: 0, samples });
store.add('s', { name: 'Empty', sourceName: 'Empty', unit: '', rateHz: 1, startS: 2, samples: new Float64Array([NaN, NaN]) });

describe('channel store', () => {
  it('keeps name, unit, rate, count, missing samples and range', () => {
    const info = store.get('s', 'Engine RPM')!;
    expect(info).toMatchObject({ unit: 'rpm', rateHz: 100, sampleCount: n, min: -100, max: (n - 1) * 0.5 - 100 });
    expect(info.missing).toBe(Array.from(samples).filter(Number.isNaN).length);
    expect(store.get('s', 'Empty')).toMatchObject({ min: null, max: null, missing: 2, startS: 2 });
    expect(store.list('s').map((c) => c.name)).toEqual(['Engine RPM', 'Empty']);
  });

  it('reads any range back bit for bit, across chunk boundaries', () => {
    const info = store.get('s', 'Engine RPM')!;
    for (const [a, b] of [[0, n], [0, 1], [CHUNK_SAMPLES - 3, CHUNK_SAMPLES + 3], [2 * CHUNK_SAMPLES, 3 * CHUNK_SAMPLES + 50], [n - 5, n + 100], [500, 500]] as const) {
      const got = store.read(info, a, b);
      const want = samples.slice(Math.max(0, a), Math.min(n, b));
      expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer)), `${a}-${b}`).toBe(true);
    }
  });

  it('reads a time window: samples at t ∈ [start, end)', () => {
    const info = store.get('s', 'Engine RPM')!;
    const { samples: lap, firstIndex } = store.readTime(info, 41.005, 42);
    expect(firstIndex).toBe(4101);
    expect(lap.length).toBe(99);
    expect(lap[0]).toBe(samples[4101]);
  });

  it('stores samples in chunks, not a row per sample', () => {
    const info = store.get('s', 'Engine RPM')!;
    expect(db.prepare('SELECT COUNT(*) AS c FROM channel_chunks WHERE channel_id = ?').get(info.id)).toEqual({ c: 4 });
  });
});
