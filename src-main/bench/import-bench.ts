// Import benchmarks, each beside its baseline in the same run:
//   .ld physical limit   read the file and decode every channel into Float64Arrays (no storage)
//   .ld import           the whole import: detect, parse, lap split, one SQLite transaction
//   1-hour session       100 channels at 100 Hz (36 M samples) end to end
//   one-lap read         one channel of one lap from the chunked store
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../store/database.ts';
import { ChannelStore } from '../store/channels.ts';
import { PluginService } from '../plugins/service.ts';
import { TelemetryImporter } from '../telemetry/import.ts';
import { motecLdImporter } from '../telemetry/formats/motec-ld.ts';
import { writeLdx, writeMotecLd } from '../telemetry/writers/motec.ts';
import { median, timeSync, type BenchResult } from './measure.ts';

function session(channels: number, rateHz: number, seconds: number): Uint8Array {
  const n = rateHz * seconds;
  return writeMotecLd({
    venue: 'Bench Raceway',
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

/** The file read and every channel decoded to Float64Array: what no importer can beat. */
function rawDecode(path: string): number {
  const bytes = new Uint8Array(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = view.getUint32(8, true);
  let samples = 0;
  while (p !== 0) {
    const data = view.getUint32(p + 8, true);
    const count = view.getUint32(p + 12, true);
    const scale = view.getInt16(p + 0x1c, true) || 1;
    const dec = view.getInt16(p + 0x1e, true);
    const mul = view.getInt16(p + 0x1a, true) || 1;
    const k = mul / (scale * 10 ** dec);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getInt16(data + 2 * i, true) * k;
    samples += count;
    p = view.getUint32(p + 4, true);
  }
  return samples;
}

export async function runImportBenchmarks(options: { quick?: boolean } = {}): Promise<BenchResult[]> {
  const q = options.quick;
  const dir = mkdtempSync(join(tmpdir(), 'race-bench-import-'));
  const results: BenchResult[] = [];
  try {
    // ---- .ld throughput vs the physical limit ------------------------------------------------
    const small = join(dir, 'session.ld');
    writeFileSync(small, session(20, 100, q ? 60 : 600));
    const mb = statSync(small).size / 1e6;
    let samples = 0;
    const raw = timeSync(() => void (samples = rawDecode(small)), q ? 2 : 9);
    const parse = timeSync(() => void motecLdImporter.parse(new Uint8Array(readFileSync(small)), { fileName: 'session.ld', sibling: () => null, progress: () => {} }), q ? 2 : 9);
    const times: number[] = [];
    for (let i = 0; i < (q ? 1 : 3); i++) {
      const db = openDatabase(join(dir, `t${i}.db`));
      const importer = new TelemetryImporter(db, new PluginService({ db }));
      const t0 = performance.now();
      const o = await importer.importFile(small);
      times.push(performance.now() - t0);
      if (o.status !== 'imported') throw new Error(`bench import failed: ${o.error?.message}`);
      db.close();
    }
    const full = median(times);
    results.push({ name: '.ld read + decode to Float64Array (physical limit)', runtime: 'node', value: mb / (raw / 1000), unit: 'MB/s', ratioToNode: 1, note: `${(samples / (raw / 1000) / 1e6).toFixed(0)} M samples/s` });
    results.push({ name: '.ld parse (importer only)', runtime: 'node', value: mb / (parse / 1000), unit: 'MB/s', ratioToNode: raw / parse, note: `${(samples / (parse / 1000) / 1e6).toFixed(0)} M samples/s; ratio = share of the limit` });
    results.push({ name: '.ld import (parse + laps + SQLite transaction)', runtime: 'node', value: mb / (full / 1000), unit: 'MB/s', ratioToNode: raw / full, note: `${(samples / (full / 1000) / 1e6).toFixed(1)} M samples/s; ratio = share of the limit` });

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
