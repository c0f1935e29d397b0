import { runImportBenchmarks } from '../../bench/import-bench.ts';
import { runPluginBenchmarks } from '../../bench/plugin-bench.ts';
import { runServerBenchmarks } from '../../bench/server-bench.ts';
import { runUiBenchmarks } from '../../bench/ui-bench.ts';
import { renderTable } from '../table.ts';
import type { Command } from './types.ts';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'Benchmarks: plugin runtimes, import and the server beside their baselines, and the UI in Chromium against its budgets',
  usage: 'race bench [--only plugins|import|server|ui] [--quick] [--json]',
  options: { quick: { type: 'boolean' }, only: { type: 'string' } },
  async run(ctx, { values }) {
    const quick = Boolean(values.quick);
    const only = values.only as string | undefined;
    const results = [
      ...(only === undefined || only === 'plugins' ? await runPluginBenchmarks({ quick }) : []),
      ...(only === undefined || only === 'import' ? await runImportBenchmarks({ quick }) : []),
      ...(only === undefined || only === 'server' ? await runServerBenchmarks({ quick }) : []),
      ...(only === undefined || only === 'ui' ? await runUiBenchmarks({ quick }) : []),
    ];
    if (ctx.json) {
      ctx.io.out(JSON.stringify({ results }));
      return 0;
    }
    ctx.io.out(
      renderTable(results, [
        { header: 'BENCHMARK', value: (r) => r.name },
        { header: 'RUNTIME', value: (r) => r.runtime },
        { header: 'VALUE', value: (r) => (Number.isNaN(r.value) ? '—' : `${r.value < 10 ? r.value.toFixed(3) : r.value.toFixed(1)} ${r.unit}`), align: 'right' },
        { header: '× NODE', value: (r) => (r.ratioToNode === null ? '—' : r.ratioToNode.toFixed(2)), align: 'right' },
        { header: 'NOTE', value: (r) => r.note ?? '' },
      ]),
    );
    return 0;
  },
};
