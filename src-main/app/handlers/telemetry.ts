import type { LapInfo, LapKpi } from '../../../src-shared/contract/index.ts';
import { RaceError } from '../../../src-shared/errors.ts';
import type { Lap } from '../../telemetry/laps.ts';
import type { ImportOptions, ImportOutcome, KpiJobPayload } from '../../telemetry/import.ts';
import { accountFor } from '../account-scope.ts';
import type { CallContext, HandlerSlice } from '../types.ts';
import type { Services } from '../services.ts';

interface LapRow {
  number: number;
  start_s: number;
  end_s: number;
  time_ms: number;
  kind: Lap['kind'];
}

export function withDeltas(rows: LapRow[]): LapInfo[] {
  const timed = rows.filter((r) => r.kind === 'lap').map((r) => r.time_ms);
  const best = timed.length ? Math.min(...timed) : null;
  return rows.map((r) => ({ number: r.number, startS: r.start_s, endS: r.end_s, timeMs: r.time_ms, kind: r.kind, deltaToBestMs: r.kind === 'lap' && best !== null ? r.time_ms - best : null }));
}

/**
 * Import options that report progress as 'import.progress' events when the caller named the
 * import (progressId), at most once per whole percent; and the closing event for the outcome.
 */
function progressReporting(services: Services, progressId: string | undefined, file: string) {
  let last = -1;
  const emit = (phase: 'parsing' | 'storing' | 'done' | 'failed', fraction: number) => {
    if (progressId !== undefined) services.events.emit('import.progress', { progressId, file, phase, fraction });
  };
  const options: Pick<ImportOptions, 'onProgress'> = {
    onProgress: (done, total) => {
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      const pct = Math.floor(fraction * 100);
      if (pct === last) return;
      last = pct;
      // the importer reports the whole file parsed just before it transforms, splits and writes
      emit(fraction >= 1 ? 'storing' : 'parsing', fraction);
    },
  };
  const finish = (o: ImportOutcome): ImportOutcome => {
    emit(o.status === 'failed' ? 'failed' : 'done', 1);
    // the new session's KPI jobs: start them now rather than at the runner's next poll
    if (o.status === 'imported') services.jobRunner.wake();
    return o;
  };
  return { options, finish };
}

export function telemetryHandlers(services: Services): HandlerSlice<'sessions.import' | 'sessions.upload' | 'sessions.laps' | 'sessions.kpis' | 'sessions.channels' | 'sessions.samples' | 'sessions.math' | 'sessions.resplit'> {
  const { db } = services;
  // Read on every refresh of a lap table (the UI polls while KPI jobs run): prepared once;
  // the session's unfinished jobs come from JobQueue.forSession (its index, not a scan).
  const lapRows = db.prepare<[string], LapRow>('SELECT number, start_s, end_s, time_ms, kind FROM laps WHERE session_id = ? ORDER BY number');
  const kpiRows = db.prepare<[string], LapKpi>('SELECT lap_number AS lap, plugin_id AS plugin, name, value, unit, better FROM kpi_results WHERE session_id = ? ORDER BY lap_number, plugin_id, name');
  // Another account's session does not exist as far as the caller can tell.
  const requireSession = (id: string, call: CallContext) => services.sessions.require(id, accountFor(call));
  const laps = (sessionId: string) => withDeltas(lapRows.all(sessionId));
  return {
    'sessions.import': async ({ paths, gate, progressId }, call) => {
      // Paths name files on this machine: only its operator may import by path.
      if (call.account !== undefined) throw new RaceError('FORBIDDEN', 'import by path is for this machine\'s operator; upload the file instead (POST /attachments)');
      const out = [];
      for (const p of paths) {
        const progress = progressReporting(services, progressId, p);
        out.push(progress.finish(await services.telemetry.importFile(p, { gate, accountId: accountFor(call), ...progress.options })));
      }
      return out;
    },
    'sessions.upload': async ({ fileName, bytes, siblings, gate, progressId }, call) => {
      // Uploaded bytes take the same path as a file on disk: only where the bytes and the
      // files beside them come from differs.
      const beside = new Map((siblings ?? []).map((s) => [s.fileName, s.bytes]));
      const progress = progressReporting(services, progressId, fileName);
      return progress.finish(await services.telemetry.importBytes(fileName, bytes, { gate, accountId: accountFor(call), ...progress.options }, (name) => beside.get(name) ?? null));
    },
    'sessions.laps': ({ sessionId }, call) => {
      requireSession(sessionId, call);
      return laps(sessionId);
    },
    'sessions.kpis': ({ sessionId }, call) => {
      requireSession(sessionId, call);
      const jobs = services.jobs.forSession<Partial<KpiJobPayload>>(sessionId, accountFor(call), { unfinished: true });
      const pending = jobs.filter((j) => j.status !== 'failed').length;
      const failed = jobs.filter((j) => j.status === 'failed').map((j) => ({ plugin: j.payload.pluginId ?? '', error: j.lastError ?? '' }));
      return { pending, failed, kpis: kpiRows.all(sessionId) };
    },
    'sessions.channels': ({ sessionId }, call) => {
      requireSession(sessionId, call);
      return services.channels.list(sessionId).map((c) => ({ name: c.name, unit: c.unit, rateHz: c.rateHz, samples: c.sampleCount, missing: c.missing, min: c.min, max: c.max }));
    },
    'sessions.samples': ({ sessionId, channel, lap }, call) => {
      requireSession(sessionId, call);
      const info = services.channels.get(sessionId, channel);
      if (!info) throw new RaceError('NOT_FOUND', `session ${sessionId} has no channel "${channel}"`);
      if (lap === undefined) return { name: info.name, unit: info.unit, rateHz: info.rateHz, startS: info.startS, samples: services.channels.read(info) };
      const l = laps(sessionId).find((x) => x.number === lap);
      if (!l) throw new RaceError('NOT_FOUND', `session ${sessionId} has no lap ${lap}`);
      const { samples, firstIndex } = services.channels.readTime(info, l.startS, l.endS);
      return { name: info.name, unit: info.unit, rateHz: info.rateHz, startS: info.startS + firstIndex / info.rateHz, samples };
    },
    'sessions.math': async ({ sessionId, plugin, lap, params }, call) => {
      // The operator's math follows the mode like any plugin call (asked only on a cache miss);
      // a server caller runs V8.
      const operator = call.account === undefined;
      const r = await services.math.compute({
        sessionId,
        pluginId: plugin,
        lap,
        params,
        accountId: accountFor(call),
        runtime: operator ? 'quickjs' : 'v8',
        remote: operator
          ? async () => {
              const route = await services.server.route();
              return route.where === 'server' ? route.client : undefined;
            }
          : undefined,
      });
      return { ...r, channels: r.channels.map((c) => ({ ...c, samples: c.samples as Float64Array<ArrayBuffer> })) };
    },
    'sessions.resplit': async ({ sessionId, gate }, call) => {
      requireSession(sessionId, call);
      await services.telemetry.resplit(sessionId, gate);
      return laps(sessionId);
    },
  };
}
