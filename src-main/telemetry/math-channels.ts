// Math channels, computed on demand by a `math` plugin over a stored session (or one lap)
// and cached: the key is the plugin's bundle hash + the session, the time window, the input
// channels and the params — everything the result depends on, so a cached result is never
// stale, and a new plugin version or a re-split lap simply misses.
import { createHash } from 'node:crypto';
import { decodeJson, encodeJson } from '../../src-shared/codec.ts';
import { RaceError } from '../../src-shared/errors.ts';
import type { Db } from '../store/database.ts';
import type { ChannelStore } from '../store/channels.ts';
import type { PluginService } from '../plugins/service.ts';
import type { RuntimeKind } from '../plugins/runtime/types.ts';
import { toCommonTimeBase, type RatedChannel } from '../plugins/resample.ts';
import type { RaceServerClient } from '../plugins/server-client.ts';
import { resolveChannel } from '../../src-shared/channel-aliases.ts';

export interface MathRequest {
  sessionId: string;
  pluginId: string;
  lap?: number;
  params?: Record<string, number | boolean | string>;
  runtime?: RuntimeKind;
  accountId?: string;
  /**
   * Where to run on a cache miss: a Race server (Online mode; same bundle, same bits) or
   * undefined for here. Asked only when the result is not cached — in Auto mode it may wait
   * for the server to answer a probe.
   */
  remote?: () => Promise<RaceServerClient | undefined>;
}

export interface MathResult {
  plugin: string;
  version: string;
  cached: boolean;
  rateHz: number;
  startS: number;
  channels: { name: string; unit: string; samples: Float64Array }[];
}

const CACHE_ENTRIES = 500;

export class MathChannels {
  private readonly db: Db;
  private readonly plugins: PluginService;
  private readonly channels: ChannelStore;
  // Run on every request (a plot asks per lap): prepared once.
  private readonly sessionAccount;
  private readonly lapWindow;
  private readonly cached;
  private readonly store;
  private readonly trim;

  constructor(db: Db, plugins: PluginService, channels: ChannelStore) {
    this.db = db;
    this.plugins = plugins;
    this.channels = channels;
    this.sessionAccount = db.prepare<[string], { account_id: string }>('SELECT account_id FROM sessions WHERE id = ?');
    this.lapWindow = db.prepare<[string, number], { start_s: number; end_s: number }>('SELECT start_s, end_s FROM laps WHERE session_id = ? AND number = ?');
    this.cached = db.prepare<[string], { output: Buffer }>('SELECT output FROM math_cache WHERE key = ?');
    this.store = db.prepare<[string, string, Buffer, string]>('INSERT OR REPLACE INTO math_cache (key, session_id, output, created_at) VALUES (?, ?, ?, ?)');
    this.trim = db.prepare<[number]>('DELETE FROM math_cache WHERE key IN (SELECT key FROM math_cache ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET ?)');
  }

  async compute(req: MathRequest): Promise<MathResult> {
    // A session is computed with its own account's plugins and grants; another account's
    // session does not exist as far as the caller can tell.
    const session = this.sessionAccount.get(req.sessionId);
    if (!session || (req.accountId !== undefined && session.account_id !== req.accountId)) throw new RaceError('NOT_FOUND', `session ${req.sessionId} does not exist`);
    const accountId = session.account_id;
    const plugin = this.plugins.plugins.require(req.pluginId, accountId);
    const meta = plugin.manifest.meta.math;
    if (!plugin.manifest.interfaces.includes('math') || !meta) throw new RaceError('BAD_ARGS', `plugin ${req.pluginId} has no math interface`);
    let window = { start: -Infinity, end: Infinity };
    if (req.lap !== undefined) {
      const lap = this.lapWindow.get(req.sessionId, req.lap);
      if (!lap) throw new RaceError('NOT_FOUND', `session ${req.sessionId} has no lap ${req.lap}`);
      window = { start: lap.start_s, end: lap.end_s };
    }
    const stored = this.channels.list(req.sessionId);
    const inputs = meta.inputs.map((i) => ({ name: i.name, channel: resolveChannel(i.name, stored) }));
    const missing = inputs.filter((i) => !i.channel).map((i) => i.name);
    if (missing.length) throw new RaceError('BAD_ARGS', `${req.pluginId} needs the channel${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; this session has ${stored.map((c) => c.name).join(', ')}`);
    const params: Record<string, unknown> = {};
    for (const p of meta.params) params[p.name] = p.default;
    Object.assign(params, req.params ?? {});
    const key = createHash('sha256')
      .update(JSON.stringify({ bundle: plugin.hash, session: req.sessionId, window: [window.start, window.end], inputs: inputs.map((i) => [i.name, i.channel!.id]), params: Object.entries(params).sort() }))
      .digest('hex');

    const hit = this.cached.get(key);
    if (hit) return { ...(decodeJson(hit.output.toString('utf8')) as Omit<MathResult, 'cached'>), cached: true };

    const rated: Record<string, RatedChannel> = {};
    let startS = Infinity;
    for (const { name, channel } of inputs) {
      const c = channel!;
      const { samples, firstIndex } = req.lap === undefined ? { samples: this.channels.read(c), firstIndex: 0 } : this.channels.readTime(c, window.start, window.end);
      rated[name] = { rateHz: c.rateHz, samples };
      startS = Math.min(startS, c.startS + firstIndex / c.rateHz);
    }
    const common = toCommonTimeBase(rated, meta.rateHz);
    const input = { rateHz: common.rateHz, channels: common.channels, params };
    const remote = await req.remote?.();
    const r = remote
      ? await remote.invoke(req.pluginId, 'math', input, { bundle: plugin })
      : await this.plugins.invoke(req.pluginId, { iface: 'math', input, runtime: req.runtime ?? 'quickjs', accountId });
    const out = r.output as Record<string, Float64Array>;
    const result: Omit<MathResult, 'cached'> = {
      plugin: plugin.id,
      version: plugin.version,
      rateHz: common.rateHz,
      startS: Number.isFinite(startS) ? startS : 0,
      channels: meta.outputs.map((o) => ({ name: o.name, unit: o.unit, samples: out[o.name]! })),
    };
    this.db.transaction(() => {
      this.store.run(key, req.sessionId, Buffer.from(encodeJson(result)), new Date().toISOString());
      this.trim.run(CACHE_ENTRIES);
    })();
    return { ...result, cached: false };
  }
}
