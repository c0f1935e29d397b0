import type { Kpi, KpiHandler, PluginHost, PluginStorageApi } from '../../sdk/index.ts';
import { isNum } from '../../sdk/format.ts';

/**
 * Notes kept per lap number across analyses, in the plugin's private storage:
 *
 *   lap:<number>   { "count": times this lap number was analysed, "bestMaxSpeed": km/h | null }
 *   best-lap       { "timeMs": the fastest lap time analysed so far, "lap": its number }
 *
 * KPIs: this lap's max speed; the best max speed seen on this lap number so far (this
 * analysis included); how many times this lap number has been analysed (this one
 * included); the best lap time so far over all laps.
 *
 * Without storage (not granted) the KPIs come from this lap alone — the best so far is
 * this lap's own figure, the count is unknown (NaN) — and a log line says why. A record
 * that cannot be read is started afresh; a write the host refuses (quota) is logged and
 * the KPIs are still returned.
 */

type LapRecord = { count: number; bestMaxSpeed: number | null };
type BestLap = { timeMs: number; lap: number };

const messageOf = (e: unknown) => (e !== null && typeof e === 'object' && typeof (e as Error).message === 'string' ? (e as Error).message : '' + e);

function maxOf(values: Float64Array): number {
  let max = NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === v && !(v <= max)) max = v;
  }
  return max;
}

function kpis(maxSpeed: number, best: number, count: number, bestLapMs: number): Kpi[] {
  return [
    { name: 'max speed', value: maxSpeed, unit: 'km/h', better: 'higher' },
    { name: 'best max speed so far', value: best, unit: 'km/h', better: 'higher' },
    { name: 'times analysed', value: count, unit: 'count', better: 'none' },
    { name: 'best lap time so far', value: bestLapMs, unit: 'ms', better: 'lower' },
  ];
}

/** The stored JSON, or null when missing; an unreadable value is reported and treated as missing. */
async function read(storage: PluginStorageApi, key: string, host: PluginHost): Promise<Record<string, unknown> | null> {
  const text = await storage.get(key);
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // the engine's parse message differs between engines: not logged
  }
  host.log('lap-notes: stored ' + key + ' is unreadable; starting it afresh');
  return null;
}

async function write(storage: PluginStorageApi, key: string, value: unknown, host: PluginHost): Promise<void> {
  try {
    await storage.put(key, JSON.stringify(value));
  } catch (e) {
    host.log('lap-notes: could not save ' + key + ': ' + messageOf(e));
  }
}

export const kpiProcessor: KpiHandler = async ({ lap, channels }, host) => {
  const maxSpeed = maxOf(channels.speed!);
  const lapMs = isNum(lap.timeMs) && lap.timeMs > 0 ? lap.timeMs : NaN;
  const storage = host.storage;
  if (!storage) {
    host.log('lap-notes: storage is not granted; KPIs are from this lap only (no history kept)');
    return kpis(maxSpeed, maxSpeed, NaN, lapMs);
  }

  const lapKey = 'lap:' + lap.number;
  const stored = await read(storage, lapKey, host);
  const record: LapRecord = {
    count: stored && isNum(stored.count) ? stored.count : 0,
    bestMaxSpeed: stored && isNum(stored.bestMaxSpeed) ? stored.bestMaxSpeed : null,
  };
  record.count++;
  if (isNum(maxSpeed) && (record.bestMaxSpeed === null || maxSpeed > record.bestMaxSpeed)) record.bestMaxSpeed = maxSpeed;
  await write(storage, lapKey, record, host);

  const storedBest = await read(storage, 'best-lap', host);
  let best: BestLap | null = storedBest && isNum(storedBest.timeMs) && isNum(storedBest.lap) ? { timeMs: storedBest.timeMs, lap: storedBest.lap } : null;
  if (isNum(lapMs) && (best === null || lapMs < best.timeMs)) {
    best = { timeMs: lapMs, lap: lap.number };
    await write(storage, 'best-lap', best, host);
  }

  return kpis(maxSpeed, record.bestMaxSpeed ?? NaN, record.count, best ? best.timeMs : NaN);
};
