// Runs KPI jobs: for each lap of the session, the plugin's input channels (that lap only,
// read from the chunked store, put on one time base by the plugin host) go to the plugin's
// kpiProcessor; the lap KPIs are written in the transaction that completes the job.
import type { Db } from '../store/database.ts';
import { ChannelStore } from '../store/channels.ts';
import { applyStagedStorage, discardStagedStorage } from '../store/plugins.ts';
import { PluginError } from '../plugins/errors.ts';
import type { PluginService } from '../plugins/service.ts';
import type { RuntimeKind } from '../plugins/runtime/types.ts';
import { resolveChannel } from '../../src-shared/channel-aliases.ts';
import { KPI_JOB, type KpiJobPayload } from '../telemetry/import.ts';
import { JobQueue, type Job } from './queue.ts';

interface LapRow {
  number: number;
  start_s: number;
  end_s: number;
  time_ms: number;
  kind: string;
}

/** Engine trouble may pass; a plugin that throws on this data will throw again. */
const RETRYABLE = new Set(['TIMEOUT', 'MEMORY_LIMIT', 'ENGINE_ERROR']);

export class KpiWorker {
  private readonly db: Db;
  private readonly plugins: PluginService;
  private readonly queue: JobQueue;
  private readonly channels: ChannelStore;
  private readonly runtime: RuntimeKind;

  constructor(db: Db, plugins: PluginService, runtime: RuntimeKind = 'quickjs', queue = new JobQueue(db)) {
    this.db = db;
    this.plugins = plugins;
    this.queue = queue;
    this.channels = new ChannelStore(db);
    this.runtime = runtime;
  }

  /** Runs one due job; false when there is none. */
  async runOne(): Promise<boolean> {
    const job = this.queue.claim<KpiJobPayload>([KPI_JOB]);
    if (!job) return false;
    try {
      await this.run(job);
    } catch (e) {
      const retryable = e instanceof PluginError ? RETRYABLE.has(e.reason) : !(e instanceof NonRetryable);
      this.queue.fail(job.id, job.attempts, (e as Error).message, retryable);
      discardStagedStorage(this.db, job.id, job.attempts); // this run's writes never happened
    }
    return true;
  }

  /** Runs jobs until none is due (a job waiting for its backoff is left for later). */
  async runUntilIdle(): Promise<number> {
    let n = 0;
    while (await this.runOne()) n++;
    return n;
  }

  private async run(job: Job<KpiJobPayload>): Promise<void> {
    const { sessionId, pluginId } = job.payload;
    const session = this.db.prepare('SELECT account_id FROM sessions WHERE id = ?').get(sessionId) as { account_id: string } | undefined;
    if (!session) throw new NonRetryable(`session ${sessionId} no longer exists`);
    const plugin = this.plugins.plugins.get(pluginId, session.account_id);
    if (!plugin) throw new NonRetryable(`plugin ${pluginId} is no longer installed`);
    const meta = plugin.manifest.meta.kpiProcessor;
    const stored = this.channels.list(sessionId);
    const wanted = meta?.inputs.map((i) => i.name) ?? [];
    const chosen = wanted.map((name) => ({ name, channel: resolveChannel(name, stored) }));
    const missing = chosen.filter((c) => !c.channel).map((c) => c.name);
    // A logger without (say) a brake sensor still gets the KPIs its channels allow: the
    // missing inputs reach the plugin as channels with no samples (NaN), and the KPIs that
    // need them come out empty. With none of its inputs, the plugin has nothing to work on.
    if (missing.length === chosen.length && chosen.length > 0) {
      throw new NonRetryable(`${pluginId} needs the channel${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; this session has ${stored.map((c) => c.name).join(', ')}`);
    }
    const fastest = Math.max(1, ...chosen.filter((c) => c.channel).map((c) => c.channel!.rateHz));
    // Runs cut short before this one (a crash) may have left storage writes: they never happened.
    discardStagedStorage(this.db, job.id);
    const run = { jobId: job.id, attempt: job.attempts };

    const laps = this.db.prepare("SELECT number, start_s, end_s, time_ms, kind FROM laps WHERE session_id = ? AND kind != 'partial' ORDER BY number").all(sessionId) as LapRow[];
    const results: { lap: number; kpis: { name: string; value: number; unit: string; better: string }[] }[] = [];
    for (let i = 0; i < laps.length; i++) {
      const lap = laps[i]!;
      const channels: Record<string, { rateHz: number; samples: Float64Array }> = {};
      for (const { name, channel } of chosen) {
        if (!channel) {
          channels[name] = { rateHz: fastest, samples: new Float64Array(Math.max(1, Math.round((lap.end_s - lap.start_s) * fastest))).fill(NaN) };
          continue;
        }
        const { samples } = this.channels.readTime(channel, lap.start_s, lap.end_s);
        channels[name] = { rateHz: channel.rateHz, samples };
      }
      const r = await this.plugins.invoke(pluginId, {
        iface: 'kpiProcessor',
        input: { lap: { number: lap.number, timeMs: lap.time_ms }, channels, meta: { kind: lap.kind, missingChannels: missing } },
        runtime: this.runtime,
        accountId: session.account_id,
        jobRun: run,
      });
      results.push({ lap: lap.number, kpis: r.output as { name: string; value: number; unit: string; better: string }[] });
      this.queue.progress(job.id, job.attempts, (i + 1) / laps.length);
    }
    const now = new Date().toISOString();
    const upsert = this.db.prepare(
      `INSERT INTO kpi_results (session_id, lap_number, plugin_id, plugin_hash, name, value, unit, better, job_id, computed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (session_id, lap_number, plugin_id, name) DO UPDATE SET value = excluded.value, unit = excluded.unit,
         better = excluded.better, plugin_hash = excluded.plugin_hash, job_id = excluded.job_id, computed_at = excluded.computed_at`,
    );
    // not held any more (re-queued by a re-split meanwhile): the next run stores its results,
    // and this run's storage writes never happened
    const held = this.queue.complete(job.id, job.attempts, () => {
      applyStagedStorage(this.db, run);
      for (const r of results) {
        for (const k of r.kpis) upsert.run(sessionId, r.lap, pluginId, plugin.hash, k.name, Number.isNaN(k.value) ? null : k.value, k.unit, k.better, job.id, now);
      }
    });
    if (!held) discardStagedStorage(this.db, job.id, job.attempts);
  }
}

class NonRetryable extends Error {}
