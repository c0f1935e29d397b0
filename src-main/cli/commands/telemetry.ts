import { formatLapTime } from '../../../src-shared/format.ts';
import { parseGate } from '../../telemetry/laps.ts';
import { f64Extremes } from '../../store/channels.ts';
import type { ImportOutcome } from '../../telemetry/import.ts';
import { UsageError } from '../context.ts';
import { renderTable } from '../table.ts';
import type { Command } from './types.ts';

function gateOption(value: unknown) {
  if (value === undefined) return undefined;
  try {
    return parseGate(String(value));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A one-line progress bar on a terminal; nothing when piped or with --json. */
function progressBar(file: string, enabled: boolean) {
  let last = -1;
  return {
    update(done: number, total: number) {
      if (!enabled || total <= 0) return;
      const pct = Math.floor((done / total) * 100);
      if (pct === last) return;
      last = pct;
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      process.stderr.write(`\r${file.slice(-40).padEnd(40)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}%`);
    },
    end() {
      if (enabled && last >= 0) process.stderr.write('\r' + ' '.repeat(80) + '\r');
    },
  };
}

function jsonOutcome(o: ImportOutcome) {
  return {
    file: o.file,
    status: o.status,
    ...(o.sessionId ? { sessionId: o.sessionId } : {}),
    ...(o.format ? { format: o.format } : {}),
    ...(o.channels !== undefined ? { channels: o.channels } : {}),
    ...(o.laps ? { laps: o.laps.map((l) => ({ number: l.number, startS: l.startS, timeS: l.timeS, kind: l.kind })) } : {}),
    ...(o.error ? { error: o.error } : {}),
  };
}

export const importCommand: Command = {
  name: 'import',
  summary: 'Import logger files (MoTeC, AiM, VBO, RaceChrono, TrackAddict, RaceCapture, iRacing) and split them into laps',
  usage: 'race import <files…> [--gate lat,lon[,heading[,width]]] [--json]',
  options: { gate: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    if (positionals.length === 0) throw new UsageError('name the file(s) to import');
    const gate = gateOption(values.gate);
    const { telemetry } = ctx.app().services;
    const outcomes: ImportOutcome[] = [];
    for (const file of positionals) {
      const bar = progressBar(file, !ctx.json && Boolean(process.stderr.isTTY));
      const o = await telemetry.importFile(file, { gate, onProgress: (d, t) => bar.update(d, t) });
      bar.end();
      outcomes.push(o);
      if (!ctx.json) {
        if (o.status === 'failed') ctx.io.err(`failed     ${o.error!.message}`);
        else if (o.status === 'duplicate') ctx.io.out(`duplicate  ${o.file} (already imported as session ${o.sessionId})`);
        else {
          const timed = o.laps!.filter((l) => l.kind === 'lap');
          const best = timed.length ? Math.min(...timed.map((l) => l.timeS)) : null;
          ctx.io.out(`imported   ${o.file} → session ${o.sessionId} (${o.format}, ${o.channels} channels, ${timed.length} laps${best !== null ? `, best ${formatLapTime(best * 1000)}` : ''})`);
          for (const w of o.warnings ?? []) ctx.io.out(`           note: ${w}`);
        }
      }
    }
    if (ctx.json) ctx.io.out(JSON.stringify(outcomes.map(jsonOutcome)));
    return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
  },
};

export const lapsCommand: Command = {
  name: 'laps',
  summary: 'Laps of a session: time, kind (lap/out/in/partial), delta to best',
  usage: 'race laps <sessionId> [--json]',
  options: {},
  async run(ctx, { positionals }) {
    const [sessionId] = positionals;
    if (!sessionId) throw new UsageError('name the session');
    const laps = await ctx.call('sessions.laps', { sessionId });
    if (ctx.json) {
      ctx.io.out(JSON.stringify(laps.map((l) => ({ number: l.number, startS: l.startS, timeS: l.timeMs / 1000, kind: l.kind, deltaToBestS: l.deltaToBestMs === null ? null : l.deltaToBestMs / 1000 }))));
      return 0;
    }
    if (laps.length === 0) {
      ctx.io.out('No laps: the file has no lap information. Give the start/finish line: race resplit <sessionId> --gate lat,lon');
      return 0;
    }
    ctx.io.out(
      renderTable(laps, [
        { header: 'LAP', value: (l) => String(l.number), align: 'right' },
        { header: 'KIND', value: (l) => l.kind },
        { header: 'START', value: (l) => l.startS.toFixed(3), align: 'right' },
        { header: 'TIME', value: (l) => formatLapTime(l.timeMs), align: 'right' },
        { header: 'Δ BEST', value: (l) => (l.deltaToBestMs === null ? '' : l.deltaToBestMs === 0 ? 'best' : `+${(l.deltaToBestMs / 1000).toFixed(3)}`), align: 'right' },
      ]),
    );
    return 0;
  },
};

export const kpisCommand: Command = {
  name: 'kpis',
  summary: 'KPIs per lap computed by kpiProcessor plugins (waits for pending jobs)',
  usage: 'race kpis <sessionId> [--no-wait] [--json]',
  options: { 'no-wait': { type: 'boolean' } },
  async run(ctx, { values, positionals }) {
    const [sessionId] = positionals;
    if (!sessionId) throw new UsageError('name the session');
    const { kpiWorker } = ctx.app().services;
    let result = await ctx.call('sessions.kpis', { sessionId });
    if (!values['no-wait']) {
      // Run the queue here until this session's jobs are done (jobs in backoff are waited for).
      const deadline = Date.now() + 10 * 60_000;
      while (result.pending > 0 && Date.now() < deadline) {
        if ((await kpiWorker.runUntilIdle()) === 0) await new Promise((r) => setTimeout(r, 250));
        result = await ctx.call('sessions.kpis', { sessionId });
      }
    }
    if (ctx.json) {
      ctx.io.out(JSON.stringify(result));
      return 0;
    }
    for (const f of result.failed) ctx.io.err(`${f.plugin} failed: ${f.error}`);
    if (result.kpis.length === 0) ctx.io.out(result.pending ? `${result.pending} KPI job(s) pending.` : 'No KPIs (no kpiProcessor plugin enabled when this session was imported?).');
    else
      ctx.io.out(
        renderTable(result.kpis, [
          { header: 'LAP', value: (k) => String(k.lap), align: 'right' },
          { header: 'PLUGIN', value: (k) => k.plugin },
          { header: 'KPI', value: (k) => k.name },
          { header: 'VALUE', value: (k) => (k.value === null ? '—' : String(Math.round(k.value * 1000) / 1000)), align: 'right' },
          { header: 'UNIT', value: (k) => k.unit },
        ]),
      );
    if (result.pending) ctx.io.out(`${result.pending} KPI job(s) still pending.`);
    return 0;
  },
};

export const channelsCommand: Command = {
  name: 'channels',
  summary: 'Channels of a session or lap, with units and rates; samples as CSV',
  usage: 'race channels <sessionId> [--lap N] [--json | --csv]',
  options: { lap: { type: 'string' }, csv: { type: 'boolean' } },
  async run(ctx, { values, positionals }) {
    const [sessionId] = positionals;
    if (!sessionId) throw new UsageError('name the session');
    const lap = values.lap === undefined ? undefined : Number(values.lap);
    if (lap !== undefined && !Number.isInteger(lap)) throw new UsageError('--lap takes a lap number');
    if (values.csv && ctx.json) throw new UsageError('--json and --csv each choose the output: give one');
    const channels = await ctx.call('sessions.channels', { sessionId });
    // With --lap, every figure is the lap's own (an unknown lap is NOT_FOUND, whatever the output).
    const samplesOf = (name: string) => ctx.call('sessions.samples', { sessionId, channel: name, lap });
    if (values.csv) {
      const data = [];
      for (const c of channels) data.push(await samplesOf(c.name));
      writeCsv(ctx, data);
      return 0;
    }
    const rows =
      lap === undefined
        ? channels
        : await Promise.all(channels.map(async (c) => ({ ...c, ...extent((await samplesOf(c.name)).samples) })));
    if (ctx.json) {
      ctx.io.out(JSON.stringify(rows.map((c) => ({ name: c.name, unit: c.unit, rateHz: c.rateHz, samples: c.samples, min: c.min, max: c.max }))));
      return 0;
    }
    if (lap !== undefined) ctx.io.out(`Lap ${lap}:`);
    ctx.io.out(
      renderTable(rows, [
        { header: 'CHANNEL', value: (c) => c.name },
        { header: 'UNIT', value: (c) => c.unit },
        { header: 'RATE', value: (c) => `${c.rateHz} Hz`, align: 'right' },
        { header: 'SAMPLES', value: (c) => String(c.samples), align: 'right' },
        { header: 'MIN', value: (c) => (c.min === null ? '—' : String(+c.min.toPrecision(6))), align: 'right' },
        { header: 'MAX', value: (c) => (c.max === null ? '—' : String(+c.max.toPrecision(6))), align: 'right' },
      ]),
    );
    return 0;
  },
};

/** Sample count and range of some samples (NaN is a missing sample, left out of the range). */
function extent(samples: Float64Array): { samples: number; min: number | null; max: number | null } {
  const { min, max, missing } = f64Extremes(samples);
  return missing < samples.length ? { samples: samples.length, min, max } : { samples: samples.length, min: null, max: null };
}

/**
 * Samples as CSV: a row at every time any channel has a sample (the union of their time
 * bases, so a 3 Hz and a 2 Hz channel both keep every sample), a channel's cell empty where
 * it has none at that time or its sample is missing.
 */
function writeCsv(ctx: { io: { out(s: string): void } }, data: { name: string; unit: string; rateHz: number; startS: number; samples: Float64Array }[]): void {
  const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  ctx.io.out(['t', ...data.map((d) => esc(`${d.name}${d.unit ? ` (${d.unit})` : ''}`))].join(','));
  const next = data.map(() => 0); // each channel's next sample
  const timeOf = (c: number) => data[c]!.startS + next[c]! / data[c]!.rateHz;
  const lines: string[] = [];
  const cells: string[] = new Array(data.length);
  for (;;) {
    let t = Infinity;
    for (let c = 0; c < data.length; c++) if (next[c]! < data[c]!.samples.length) t = Math.min(t, timeOf(c));
    if (t === Infinity) break;
    for (let c = 0; c < data.length; c++) {
      // the same instant on two time bases can differ in the last bits: a nanosecond apart is together
      if (next[c]! < data[c]!.samples.length && timeOf(c) - t < 1e-9) {
        const v = data[c]!.samples[next[c]!++]!;
        cells[c] = Number.isNaN(v) ? '' : String(v);
      } else cells[c] = '';
    }
    lines.push(`${+t.toFixed(6)},${cells.join(',')}`);
    if (lines.length === 10_000) {
      ctx.io.out(lines.join('\n'));
      lines.length = 0;
    }
  }
  if (lines.length) ctx.io.out(lines.join('\n'));
}

export const resplitCommand: Command = {
  name: 'resplit',
  summary: 'Re-split a stored session with a start/finish gate (laps and KPI jobs recomputed)',
  usage: 'race resplit <sessionId> --gate lat,lon[,heading[,width]] [--json]',
  options: { gate: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    const [sessionId] = positionals;
    if (!sessionId) throw new UsageError('name the session');
    const gate = gateOption(values.gate);
    if (!gate) throw new UsageError('--gate is required');
    const laps = await ctx.call('sessions.resplit', { sessionId, gate });
    if (ctx.json) ctx.io.out(JSON.stringify(laps));
    else ctx.io.out(`${laps.filter((l) => l.kind === 'lap').length} laps; \`race laps ${sessionId}\` lists them.`);
    return 0;
  },
};
