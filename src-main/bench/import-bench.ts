// Import benchmarks, each beside its baseline in the same run:
//   .ld physical limit   read the file and decode every channel into Float64Arrays (no storage)
//   .ld parse + decode   the importer alone, every channel's values decoded
//   .ld import           the whole import: detect, parse, lap split, one SQLite transaction
//   1-hour session       100 channels at 100 Hz (36 M samples) end to end
//   one-lap read         one channel of one lap from the chunked store
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../store/database.ts';
import { ChannelStore } from '../store/channels.ts';
import { SessionStore } from '../store/sessions.ts';
import { PluginService } from '../plugins/service.ts';
import { TelemetryImporter } from '../telemetry/import.ts';
import { motecLdImporter } from '../telemetry/formats/motec-ld.ts';
import { detectFormat } from '../telemetry/formats/index.ts';
import { decodeText, splitLines } from '../telemetry/text.ts';
import { writeLdx, writeMotecLd } from '../telemetry/writers/motec.ts';
import { readBytes } from '../platform/read-bytes.ts';
import { median, sampleInTurns, timed, timeSync, type BenchResult } from './measure.ts';

function session(channels: number, rateHz: number, seconds: number, venue = 'Bench Raceway'): Uint8Array {
  const n = rateHz * seconds;
  return writeMotecLd({
    venue,
    channels: Array.from({ length: channels }, (_, c) => ({
      name: `Channel ${c}`,
      unit: 'V',
      rateHz,
      type: 'int16' as const,
      dec: 2,
      raw: Int16Array.from({ length: n }, (_, i) => ((i * (c + 3)) % 20000) - 10000),
    })),
  });
}

/** The file read and every channel decoded to Float64Array in its logged type: what no importer can beat. */
function rawDecode(path: string): number {
  const bytes = readBytes(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = view.getUint32(8, true);
  let samples = 0;
  while (p !== 0) {
    const data = view.getUint32(p + 8, true);
    const count = view.getUint32(p + 12, true);
    const category = view.getUint16(p + 0x12, true);
    const size = view.getUint16(p + 0x14, true);
    const scale = view.getInt16(p + 0x1c, true) || 1;
    const dec = view.getInt16(p + 0x1e, true);
    const mul = view.getInt16(p + 0x1a, true) || 1;
    const k = mul / (scale * 10 ** dec);
    const out = new Float64Array(count);
    if (category === 7 && size === 4) for (let i = 0; i < count; i++) out[i] = view.getFloat32(data + 4 * i, true) * k;
    else if (size === 4) for (let i = 0; i < count; i++) out[i] = view.getInt32(data + 4 * i, true) * k;
    else if (size === 1) for (let i = 0; i < count; i++) out[i] = view.getInt8(data + i) * k;
    else for (let i = 0; i < count; i++) out[i] = view.getInt16(data + 2 * i, true) * k; // int16 (and float16: the same bytes read as int16, a decode at least as fast as its own)
    samples += count;
    p = view.getUint32(p + 4, true);
  }
  return samples;
}

/** A text log read and every numeric cell parsed into columns of Float64Array: the limit for CSV-like formats. */
function rawDecodeText(path: string): number {
  const lines = splitLines(decodeText(readBytes(path)));
  const sample = lines[lines.length >> 1] ?? ''; // a data line (headers and trailers are at the ends)
  const sep = /\t/.test(sample) ? '\t' : /,/.test(sample) ? ',' : ' ';
  const columns = sample.split(sep).length;
  const out = Array.from({ length: columns }, () => new Float64Array(lines.length));
  let samples = 0;
  for (let r = 0; r < lines.length; r++) {
    const cells = lines[r]!.split(sep);
    for (let c = 0; c < cells.length && c < columns; c++) {
      const v = Number(cells[c]!.replace(/"/g, ''));
      out[c]![r] = v;
      if (v === v) samples++;
    }
  }
  return samples;
}

/**
 * The share of the limit a run reaches: each round's own ratio, then their median — a round is
 * measured within milliseconds, so what the machine does meanwhile (and the allocator's mood:
 * the limit's fresh arrays fault in pages or not) touches both sides of one ratio alike.
 */
function shareOf(limitTimes: number[], times: number[]): number {
  return median(times.map((t, i) => limitTimes[i]! / t));
}

/** How shareOf read the rounds, and the other reading: the fastest round of each. */
function howShared(limitTimes: number[], times: number[]): string {
  return `median of ${times.length} rounds' ratios; ${(Math.min(...limitTimes) / Math.min(...times)).toFixed(2)} fastest against fastest`;
}

/**
 * Every format's import beside its read-and-decode limit, on the shared sample files. As for
 * the generated .ld: one database per format (its write-ahead log warm, as in use), the limit
 * and the import sampled in turns, each round's import deleted again (untimed) so that the
 * next one is not a duplicate.
 */
async function perFormat(dir: string, samplesDir: string, quick: boolean): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const sub of readdirSync(samplesDir).sort()) {
    const folder = join(samplesDir, sub);
    if (!statSync(folder).isDirectory()) continue;
    const file = readdirSync(folder).filter((f) => !f.endsWith('.ldx')).sort((a, b) => statSync(join(folder, b)).size - statSync(join(folder, a)).size)[0];
    if (!file) continue;
    const path = join(folder, file);
    const bytes = readBytes(path);
    const importer = detectFormat(bytes.subarray(0, 65536));
    if (!importer) continue;
    const mb = bytes.length / 1e6;
    const limit = () => (importer.format === 'motec-ld' ? rawDecode(path) : rawDecodeText(path));
    const db = openDatabase(join(dir, `${sub}.db`));
    const telemetry = new TelemetryImporter(db, new PluginService({ db }));
    const sessions = new SessionStore(db);
    const importOnce = async (): Promise<number> => {
      const t0 = performance.now();
      const o = await telemetry.importFile(path);
      const ms = performance.now() - t0;
      if (o.status !== 'imported') throw new Error(`bench import of ${path} failed: ${o.error?.message}`);
      stored = (db.prepare('SELECT SUM(sample_count) AS n FROM channels').get() as { n: number }).n;
      sessions.delete(o.sessionId!, 'local');
      return ms;
    };
    let samples = 0;
    let stored = 0;
    // Rounds by time as well as by count: a small file (a few ms a round) gets enough rounds for
    // both sides to be compiled by the optimizing tier and for the median to settle; a large
    // text file still gets its nine.
    const runs = [timed(() => (samples = limit())), () => importOnce()];
    await sampleInTurns(runs, quick ? { rounds: 1 } : { rounds: 3, ms: 300, most: 100 });
    const [limitTimes, importTimes] = (await sampleInTurns(runs, quick ? { rounds: 1 } : { rounds: 9, ms: 1000, most: 101 })) as [number[], number[]];
    db.close();
    const full = median(importTimes);
    results.push({
      name: `import ${importer.format} (${file}, ${mb.toFixed(1)} MB)`,
      runtime: 'node',
      value: mb / (full / 1000),
      unit: 'MB/s',
      ratioToNode: shareOf(limitTimes, importTimes),
      note: `${(stored / (full / 1000) / 1e6).toFixed(1)} M samples/s stored; ratio = share of read+decode (${(mb / (median(limitTimes) / 1000)).toFixed(0)} MB/s, ${(samples / 1e6).toFixed(2)} M values; ${howShared(limitTimes, importTimes)})`,
    });
  }
  return results;
}

export async function runImportBenchmarks(options: { quick?: boolean } = {}): Promise<BenchResult[]> {
  const q = options.quick;
  const dir = mkdtempSync(join(tmpdir(), 'race-bench-import-'));
  const results: BenchResult[] = [];
  try {
    // ---- .ld throughput vs the physical limit ------------------------------------------------
    // Sessions alike but for their venue (so each import is a real one, not a duplicate), all
    // imported into one database as an engineer's would be: its write-ahead log warm, and every
    // so often a checkpoint inside a commit, as in use.
    const warmUps = q ? 2 : 12;
    const importWarmUps = q ? 1 : 3;
    const rounds = q ? 1 : 25;
    const files = Array.from({ length: importWarmUps + rounds }, (_, i) => {
      const path = join(dir, `session-${i}.ld`);
      writeFileSync(path, session(20, 100, q ? 60 : 600, `Bench Raceway ${String(i).padStart(2, '0')}`));
      return path;
    });
    const small = files[0]!;
    const mb = statSync(small).size / 1e6;
    let samples = 0;
    // The importer decodes integer channels when they are first read; read them all here.
    const parseAndDecode = (path: string) => {
      const s = motecLdImporter.parse(readBytes(path), { fileName: 'session.ld', sibling: () => null, progress: () => {} });
      for (const c of s.channels) void c.samples;
    };
    const db = openDatabase(join(dir, 'sessions.db'));
    const importer = new TelemetryImporter(db, new PluginService({ db }));
    const importOnce = async (path: string): Promise<number> => {
      const t0 = performance.now();
      const o = await importer.importFile(path);
      const ms = performance.now() - t0;
      if (o.status !== 'imported') throw new Error(`bench import failed: ${o.status} ${o.error?.message ?? ''}`);
      return ms;
    };
    // Warm up well: the decode loops run a few times slower until the optimizing compiler has
    // them (several runs on a busy machine), or the limit is a baseline-compiler figure. Then
    // the three are sampled in turns, so that drift on a shared machine slows them alike.
    for (let i = 0; i < warmUps; i++) {
      samples = rawDecode(small);
      parseAndDecode(small);
      if (i < importWarmUps) await importOnce(files[i]!);
    }
    const fileOf = (round: number) => files[importWarmUps + round]!;
    const [rawTimes, parseTimes, importTimes] = (await sampleInTurns(
      [timed((i) => rawDecode(fileOf(i))), timed((i) => parseAndDecode(fileOf(i))), (i) => importOnce(fileOf(i))],
      { rounds },
    )) as [number[], number[], number[]];
    db.close();
    const raw = median(rawTimes);
    const parse = median(parseTimes);
    const full = median(importTimes);
    const shareOfLimit = (times: number[]) => shareOf(rawTimes, times);
    results.push({ name: '.ld read + decode to Float64Array (physical limit)', runtime: 'node', value: mb / (raw / 1000), unit: 'MB/s', ratioToNode: 1, note: `${(samples / (raw / 1000) / 1e6).toFixed(0)} M samples/s` });
    results.push({ name: '.ld parse + decode of every channel (importer only)', runtime: 'node', value: mb / (parse / 1000), unit: 'MB/s', ratioToNode: shareOfLimit(parseTimes), note: `${(samples / (parse / 1000) / 1e6).toFixed(0)} M samples/s; ratio = share of the limit` });
    results.push({ name: '.ld import (parse + laps + SQLite transaction)', runtime: 'node', value: mb / (full / 1000), unit: 'MB/s', ratioToNode: shareOfLimit(importTimes), note: `${(samples / (full / 1000) / 1e6).toFixed(1)} M samples/s; ratio = share of the limit (${howShared(rawTimes, importTimes)})` });

    // ---- each format, on the real sample files (when the shared folder is there) ---------------------
    const samplesDir = join(import.meta.dirname, '../../../shared/telemetry-samples');
    if (existsSync(samplesDir)) results.push(...(await perFormat(dir, samplesDir, Boolean(q))));

    // ---- a 1-hour session: 100 channels at 100 Hz ---------------------------------------------
    if (!q) {
      const hour = join(dir, 'hour.ld');
      writeFileSync(hour, session(100, 100, 3600));
      writeFileSync(join(dir, 'hour.ldx'), writeLdx([95, 190, 285]));
      const db = openDatabase(join(dir, 'hour.db'));
      const importer = new TelemetryImporter(db, new PluginService({ db }));
      const t0 = performance.now();
      const o = await importer.importFile(hour);
      const ms = performance.now() - t0;
      if (o.status !== 'imported') throw new Error(`bench import failed: ${o.error?.message}`);
      results.push({ name: '1-hour session, 100 channels × 100 Hz (36 M samples), full import', runtime: 'node', value: ms / 1000, unit: 's', ratioToNode: null, note: 'target < 3 s' });

      // ---- one lap of one channel ---------------------------------------------------------------
      const store = new ChannelStore(db);
      const info = store.get(o.sessionId!, 'Channel 42')!;
      const lap = db.prepare("SELECT start_s, end_s FROM laps WHERE session_id = ? AND kind = 'lap' ORDER BY number LIMIT 1").get(o.sessionId!) as { start_s: number; end_s: number };
      const read = timeSync(() => void store.readTime(info, lap.start_s, lap.end_s), 50);
      results.push({ name: 'read one lap (95 s) of one channel from a 1-hour session', runtime: 'node', value: read, unit: 'ms', ratioToNode: null, note: 'target < 2 ms' });
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
