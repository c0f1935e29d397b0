// Channel samples in chunks of CHUNK_SAMPLES float64s (256 KiB blobs, which 64 KiB pages
// write fast): a 1-hour, 100 Hz channel is 11 chunks; reading one lap reads the one or two
// chunks that lap covers.
import type { Db } from './database.ts';

export const CHUNK_SAMPLES = 32768;

export interface ChannelInfo {
  id: number;
  sessionId: string;
  name: string;
  sourceName: string;
  unit: string;
  source: string | null;
  rateHz: number;
  startS: number;
  sampleCount: number;
  missing: number;
  min: number | null;
  max: number | null;
}

interface ChannelRow {
  id: number;
  session_id: string;
  name: string;
  source_name: string;
  unit: string;
  source: string | null;
  rate_hz: number;
  start_s: number;
  sample_count: number;
  missing: number;
  min: number | null;
  max: number | null;
}

const fromRow = (r: ChannelRow): ChannelInfo => ({
  id: r.id,
  sessionId: r.session_id,
  name: r.name,
  sourceName: r.source_name,
  unit: r.unit,
  source: r.source,
  rateHz: r.rate_hz,
  startS: r.start_s,
  sampleCount: r.sample_count,
  missing: r.missing,
  min: r.min,
  max: r.max,
});

export interface NewChannel {
  name: string;
  sourceName: string;
  unit: string;
  source?: string;
  rateHz: number;
  startS: number;
  samples: Float64Array;
}

export class ChannelStore {
  private readonly insertChannel;
  private readonly insertChunk;
  private readonly byName;
  private readonly bySession;
  private readonly chunks;

  constructor(db: Db) {
    this.insertChannel = db.prepare<[string, string, string, string, string | null, number, number, number, number, number | null, number | null]>(
      `INSERT INTO channels (session_id, name, source_name, unit, source, rate_hz, start_s, sample_count, missing, min, max)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertChunk = db.prepare<[number, number, Buffer]>('INSERT INTO channel_chunks (channel_id, chunk, samples) VALUES (?, ?, ?)');
    this.byName = db.prepare<[string, string], ChannelRow>('SELECT * FROM channels WHERE session_id = ? AND name = ?');
    this.bySession = db.prepare<[string], ChannelRow>('SELECT * FROM channels WHERE session_id = ? ORDER BY id');
    this.chunks = db.prepare<[number, number, number], { chunk: number; samples: Buffer }>(
      'SELECT chunk, samples FROM channel_chunks WHERE channel_id = ? AND chunk BETWEEN ? AND ? ORDER BY chunk',
    );
  }

  /** Stores one channel (call inside the import's transaction). */
  add(sessionId: string, c: NewChannel): number {
    let min = Infinity;
    let max = -Infinity;
    let missing = 0;
    const s = c.samples;
    for (let i = 0; i < s.length; i++) {
      const v = s[i]!;
      if (v !== v) missing++;
      else {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    const hasValues = missing < s.length;
    const id = Number(
      this.insertChannel.run(sessionId, c.name, c.sourceName, c.unit, c.source ?? null, c.rateHz, c.startS, s.length, missing, hasValues ? min : null, hasValues ? max : null)
        .lastInsertRowid,
    );
    const bytes = Buffer.from(s.buffer, s.byteOffset, s.byteLength);
    for (let k = 0; k * CHUNK_SAMPLES < s.length; k++) {
      this.insertChunk.run(id, k, bytes.subarray(k * CHUNK_SAMPLES * 8, Math.min(s.length, (k + 1) * CHUNK_SAMPLES) * 8));
    }
    return id;
  }

  list(sessionId: string): ChannelInfo[] {
    return this.bySession.all(sessionId).map(fromRow);
  }

  get(sessionId: string, name: string): ChannelInfo | null {
    const row = this.byName.get(sessionId, name);
    return row ? fromRow(row) : null;
  }

  /** Samples [from, to) of a channel (clamped to what exists). */
  read(channel: ChannelInfo, from = 0, to = channel.sampleCount): Float64Array<ArrayBuffer> {
    const start = Math.max(0, Math.min(from, channel.sampleCount));
    const end = Math.max(start, Math.min(to, channel.sampleCount));
    const out = new Float64Array(end - start);
    if (end === start) return out;
    const first = Math.floor(start / CHUNK_SAMPLES);
    const last = Math.floor((end - 1) / CHUNK_SAMPLES);
    for (const row of this.chunks.iterate(channel.id, first, last)) {
      const chunkStart = row.chunk * CHUNK_SAMPLES;
      const values = new Float64Array(row.samples.buffer.slice(row.samples.byteOffset, row.samples.byteOffset + row.samples.byteLength));
      const a = Math.max(start, chunkStart) - chunkStart;
      const b = Math.min(end, chunkStart + values.length) - chunkStart;
      out.set(values.subarray(a, b), chunkStart + a - start);
    }
    return out;
  }

  /** The samples of [startS, endS) seconds. */
  readTime(channel: ChannelInfo, startS: number, endS: number): { samples: Float64Array<ArrayBuffer>; firstIndex: number } {
    const from = Math.max(0, Math.ceil((startS - channel.startS) * channel.rateHz - 1e-9));
    const to = Math.max(from, Math.ceil((endS - channel.startS) * channel.rateHz - 1e-9));
    return { samples: this.read(channel, from, to), firstIndex: from };
  }
}
