// Channel samples in chunks of CHUNK_SAMPLES samples: a 1-hour, 100 Hz channel is 11 chunks;
// reading one lap reads the one or two chunks that lap covers. A chunk holds float64 values
// (256 KiB blobs, which 64 KiB pages write fast) or, for a channel the logger recorded as
// scaled integers or float32, those samples (2 to 8 times fewer bytes to write) decoded on
// read with the importer's own formula — the same bits either way.
import { decodeScaled, RAW_BYTES, rawView, scaledRange, type RawType, type Scaling, type ScaledSamples } from '../telemetry/scaled.ts';
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
  /** How the chunks hold the samples. */
  encoding: SampleEncoding;
}

export type SampleEncoding = { type: 'f64' } | { type: RawType; scaling: Scaling };

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
  encoding: 'f64' | RawType;
  scaling: string | null;
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
  encoding: r.encoding === 'f64' ? { type: 'f64' } : { type: r.encoding, scaling: JSON.parse(r.scaling!) as Scaling },
});

export interface NewChannel {
  name: string;
  sourceName: string;
  unit: string;
  source?: string;
  rateHz: number;
  startS: number;
  samples: Float64Array;
  /** When present, what is stored (and `samples` is never read): see ImportedChannel.scaled. */
  scaled?: ScaledSamples;
}

export class ChannelStore {
  private readonly insertChannel;
  private readonly insertChunk;
  private readonly byName;
  private readonly bySession;
  private readonly chunks;

  constructor(db: Db) {
    this.insertChannel = db.prepare<[string, string, string, string, string | null, number, number, number, number, number | null, number | null, string, string | null]>(
      `INSERT INTO channels (session_id, name, source_name, unit, source, rate_hz, start_s, sample_count, missing, min, max, encoding, scaling)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertChunk = db.prepare<[number, number, Buffer]>('INSERT INTO channel_chunks (channel_id, chunk, samples) VALUES (?, ?, ?)');
    this.byName = db.prepare<[string, string], ChannelRow>('SELECT * FROM channels WHERE session_id = ? AND name = ?');
    this.bySession = db.prepare<[string], ChannelRow>('SELECT * FROM channels WHERE session_id = ? ORDER BY id');
    this.chunks = db.prepare<[number, number, number], { chunk: number; samples: Buffer }>(
      'SELECT chunk, samples FROM channel_chunks WHERE channel_id = ? AND chunk BETWEEN ? AND ? ORDER BY chunk',
    );
  }

  /** What add() will write — the range scan included — computed ahead, outside the transaction. */
  prepare(c: NewChannel): PreparedChannel {
    return { channel: c, stored: c.scaled ? scaledForm(c.scaled) : f64Form(c.samples) };
  }

  /** Stores one channel (call inside the import's transaction). */
  add(sessionId: string, channel: NewChannel | PreparedChannel): number {
    const { channel: c, stored } = 'stored' in channel ? channel : this.prepare(channel);
    const { range, missing, count } = stored;
    const id = Number(
      this.insertChannel.run(sessionId, c.name, c.sourceName, c.unit, c.source ?? null, c.rateHz, c.startS, count, missing, range?.min ?? null, range?.max ?? null, stored.encoding, stored.scaling)
        .lastInsertRowid,
    );
    const bytesPerChunk = CHUNK_SAMPLES * stored.bytesPerSample;
    for (let k = 0; k * CHUNK_SAMPLES < count; k++) this.insertChunk.run(id, k, stored.bytes.subarray(k * bytesPerChunk, (k + 1) * bytesPerChunk));
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
    const enc = channel.encoding;
    for (const row of this.chunks.iterate(channel.id, first, last)) {
      const chunkStart = row.chunk * CHUNK_SAMPLES;
      const blob = row.samples;
      const n = blob.byteLength / (enc.type === 'f64' ? 8 : RAW_BYTES[enc.type]);
      const a = Math.max(start, chunkStart) - chunkStart;
      const b = Math.min(end, chunkStart + n) - chunkStart;
      if (b <= a) continue;
      const at = chunkStart + a - start;
      if (enc.type === 'f64') {
        const from = blob.byteOffset + a * 8;
        out.set(from % 8 === 0 ? new Float64Array(blob.buffer, from, b - a) : new Float64Array(blob.buffer.slice(from, from + (b - a) * 8)), at);
      } else {
        decodeScaled(rawView(enc.type, blob, n), enc.scaling, out, a, b, at);
      }
    }
    return out;
  }

  /** A channel's stored samples as the logger wrote them (little-endian bytes; not for f64). */
  rawBytes(channel: ChannelInfo): Buffer {
    const parts: Buffer[] = [];
    for (const row of this.chunks.iterate(channel.id, 0, Math.max(0, Math.ceil(channel.sampleCount / CHUNK_SAMPLES) - 1))) parts.push(row.samples);
    return Buffer.concat(parts);
  }

  /** The samples of [startS, endS) seconds. */
  readTime(channel: ChannelInfo, startS: number, endS: number): { samples: Float64Array<ArrayBuffer>; firstIndex: number } {
    const from = Math.max(0, Math.ceil((startS - channel.startS) * channel.rateHz - 1e-9));
    const to = Math.max(from, Math.ceil((endS - channel.startS) * channel.rateHz - 1e-9));
    return { samples: this.read(channel, from, to), firstIndex: from };
  }
}

export interface PreparedChannel {
  channel: NewChannel;
  stored: StoredForm;
}

interface StoredForm {
  encoding: 'f64' | RawType;
  scaling: string | null;
  bytes: Buffer;
  bytesPerSample: number;
  count: number;
  missing: number;
  range: { min: number; max: number } | null;
}

/** The smallest and largest of float64 values and how many are NaN (left out; min > max when all are). */
export function f64Extremes(s: Float64Array): { min: number; max: number; missing: number } {
  let min = Infinity;
  let max = -Infinity;
  let missing = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i]!;
    if (v !== v) missing++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min, max, missing };
}

/** Float64 values: NaNs counted as missing, the range over the rest. */
function f64Form(s: Float64Array): StoredForm {
  const { min, max, missing } = f64Extremes(s);
  const range = missing < s.length ? { min, max } : null;
  return { encoding: 'f64', scaling: null, bytes: Buffer.from(s.buffer, s.byteOffset, s.byteLength), bytesPerSample: 8, count: s.length, missing, range };
}

/** The logger's samples as they are; the range and NaN count from them (see scaledRange). */
function scaledForm(c: ScaledSamples): StoredForm {
  const { mul, scale, dec, shift } = c.scaling;
  const r = c.raw;
  const { range, missing } = scaledRange(c);
  return {
    encoding: c.type,
    scaling: JSON.stringify({ mul, scale, dec, shift }),
    bytes: Buffer.from(r.buffer, r.byteOffset, r.byteLength),
    bytesPerSample: RAW_BYTES[c.type],
    count: r.length,
    missing,
    range,
  };
}
