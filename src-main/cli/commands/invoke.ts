import { readFileSync } from 'node:fs';
import { decodeJson, encodeJson } from '../../../src-shared/codec.ts';
import { InterfaceName } from '../../../src-shared/plugins/manifest.ts';
import { RaceError } from '../../../src-shared/errors.ts';
import { RaceServerClient } from '../../plugins/server-client.ts';
import { UsageError } from '../context.ts';
import { renderTable } from '../table.ts';
import type { Command } from './types.ts';

function summarize(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (v instanceof Float64Array ? `Float64Array(${v.length})` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)),
  );
}

function stats(a: Float64Array) {
  let min = Infinity, max = -Infinity, missing = 0;
  for (const v of a) {
    if (v !== v) missing++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min, max, missing };
}

export const invokeCommand: Command = {
  name: 'invoke',
  summary: 'Invoke a plugin interface with a JSON input',
  usage: 'race invoke <plugin> <interface> --input <file.json> [--runtime quickjs|v8|server] [--url <server>] [--token <token>] [--account <id>] [--json]',
  options: { input: { type: 'string' }, runtime: { type: 'string' }, account: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    const [plugin, iface] = positionals;
    if (!plugin || !iface) throw new UsageError('name the plugin and the interface');
    if (!InterfaceName.safeParse(iface).success) throw new UsageError(`unknown interface "${iface}" (one of ${InterfaceName.options.join(', ')})`);
    if (typeof values.input !== 'string') throw new UsageError('--input <file.json> is required');
    const runtime = (values.runtime as string | undefined) ?? 'quickjs';
    if (runtime !== 'quickjs' && runtime !== 'v8' && runtime !== 'server') throw new UsageError('--runtime must be quickjs, v8 or server');
    let input: unknown;
    try {
      input = decodeJson(readFileSync(values.input, 'utf8'));
    } catch (e) {
      throw new RaceError('BAD_ARGS', `${values.input}: ${(e as Error).message}`);
    }
    let r;
    if (runtime === 'server') {
      // The server adapter the app uses in Online mode. The local bundle, when this machine
      // has the plugin, goes with the call so the server runs the same code.
      const url = (values.url as string | undefined) ?? process.env.RACE_SERVER_URL;
      const token = (values.token as string | undefined) ?? process.env.RACE_SERVER_TOKEN;
      if (!url || !token) throw new UsageError('--runtime server needs --url <server> and --token <token> (or RACE_SERVER_URL / RACE_SERVER_TOKEN)');
      const local = ctx.app().services.plugins.plugins.get(plugin) ?? undefined;
      r = await new RaceServerClient({ url, token }).invoke(plugin, iface as InterfaceName, input, { bundle: local });
    } else {
      r = await ctx.call('plugins.invoke', { plugin, interface: iface as InterfaceName, input, runtime, accountId: values.account as string | undefined });
    }
    if (ctx.json) {
      ctx.io.out(encodeJson({ plugin: r.plugin, version: r.version, interface: iface, runtime: r.runtime, durationMs: r.durationMs, output: r.output, logs: r.logs }));
      return 0;
    }
    for (const line of r.logs) ctx.io.err(`log: ${line}`);
    if (iface === 'math') {
      const rows = Object.entries(r.output as Record<string, Float64Array>).map(([name, a]) => ({ name, a, ...stats(a) }));
      ctx.io.out(renderTable(rows, [
        { header: 'CHANNEL', value: (x) => x.name },
        { header: 'SAMPLES', value: (x) => String(x.a.length), align: 'right' },
        { header: 'MIN', value: (x) => (x.a.length - x.missing ? x.min.toPrecision(6) : '—'), align: 'right' },
        { header: 'MAX', value: (x) => (x.a.length - x.missing ? x.max.toPrecision(6) : '—'), align: 'right' },
        { header: 'MISSING', value: (x) => String(x.missing), align: 'right' },
      ]));
    } else if (iface === 'kpiProcessor') {
      const kpis = r.output as { name: string; value: number; unit: string; better: string }[];
      ctx.io.out(renderTable(kpis, [
        { header: 'KPI', value: (k) => k.name },
        { header: 'VALUE', value: (k) => (Number.isFinite(k.value) ? String(Math.round(k.value * 1000) / 1000) : String(k.value)), align: 'right' },
        { header: 'UNIT', value: (k) => k.unit },
        { header: 'BETTER', value: (k) => k.better },
      ]));
    } else {
      ctx.io.out(JSON.stringify(summarize(r.output), null, 2));
    }
    ctx.io.out(`(${r.plugin} ${r.version}, ${r.runtime}, ${r.durationMs.toFixed(1)} ms)`);
    return 0;
  },
};
