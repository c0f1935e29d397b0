// Read-through caches of what a session's screens load again and again: a session's laps
// and channels, and samples of one channel (or one math plugin's outputs) over one lap.
// A stored session never changes its samples, so entries stay valid until the session is
// deleted (forgetSession); a bounded count keeps memory in check on long days.
import type { ChannelSummary, LapInfo, MethodResult, PluginInfo } from '../../../src-shared/contract/index.ts';
import type { Trace } from '../analysis/traces.ts';
import { race } from '../bridge.ts';

const MAX_ENTRIES = 600;
const entries = new Map<string, Promise<unknown>>();

function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  const hit = entries.get(key);
  if (hit) {
    // most recently used last (Map keeps insertion order)
    entries.delete(key);
    entries.set(key, hit);
    return hit as Promise<T>;
  }
  const p = load();
  entries.set(key, p);
  // a failure is not remembered: the next look tries again
  p.catch(() => entries.get(key) === p && entries.delete(key));
  while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  return p;
}

export function forgetSession(sessionId: string): void {
  for (const k of [...entries.keys()]) if (k.startsWith(`${sessionId}|`)) entries.delete(k);
}

export const lapsOf = (sessionId: string): Promise<LapInfo[]> => cached(`${sessionId}|laps`, () => race.sessions.laps({ sessionId }));

export const channelsOf = (sessionId: string): Promise<ChannelSummary[]> => cached(`${sessionId}|channels`, () => race.sessions.channels({ sessionId }));

export interface UnitTrace extends Trace {
  unit: string;
}

export const lapSamples = (sessionId: string, channel: string, lap: number): Promise<UnitTrace> =>
  cached(`${sessionId}|samples|${lap}|${channel}`, async () => {
    const r = await race.sessions.samples({ sessionId, channel, lap });
    return { rateHz: r.rateHz, startS: r.startS, samples: r.samples, unit: r.unit };
  });

export type MathOutputs = MethodResult<'sessions.math'>;

export const lapMath = (sessionId: string, plugin: string, lap: number): Promise<MathOutputs> =>
  cached(`${sessionId}|math|${lap}|${plugin}`, () => race.sessions.math({ sessionId, plugin, lap }));

/** A math plugin's declared outputs (from its manifest meta), [] for other plugins. */
export function mathOutputs(p: PluginInfo): { name: string; unit: string }[] {
  const meta = p.meta.math as { outputs?: { name: string; unit: string }[] } | undefined;
  return p.interfaces.includes('math') && Array.isArray(meta?.outputs) ? meta.outputs : [];
}

/** The params a plugin declares for an interface, with their defaults. */
export function declaredParams(p: PluginInfo, iface: string): { name: string; type: string; default: number | boolean | string; description?: string; min?: number; max?: number }[] {
  const meta = p.meta[iface] as { params?: unknown } | undefined;
  return Array.isArray(meta?.params) ? (meta.params as ReturnType<typeof declaredParams>) : [];
}
