import { encodeValue } from '../../../src-shared/codec.ts';
import { openDatabase } from '../../store/database.ts';
import { runParity } from '../../plugins/parity/run.ts';
import { PluginService } from '../../plugins/service.ts';
import { UsageError } from '../context.ts';
import type { Command } from './types.ts';

export const parityCommand: Command = {
  name: 'parity',
  summary: 'Check that QuickJS and V8 give bit-identical outputs for every installed plugin',
  usage: 'race parity [--cases N] [--seed S] [--json]',
  options: { cases: { type: 'string' }, seed: { type: 'string' } },
  async run(ctx, { values }) {
    const cases = values.cases === undefined ? 50 : Number(values.cases);
    if (!Number.isInteger(cases) || cases < 1) throw new UsageError('--cases must be a positive integer');
    const seed = values.seed === undefined ? 42 : Number(values.seed);
    const installed = ctx.app().services.plugins.plugins.list().filter((p) => p.enabled);
    // A scratch database: parity runs see no grants and touch no stored data.
    const scratch = new PluginService({ db: openDatabase(':memory:') });
    try {
      const report = await runParity(scratch, installed, cases, seed);
      if (ctx.json) {
        ctx.io.out(JSON.stringify({ ...report, mismatches: report.mismatches.map((m) => ({ ...m, input: encodeValue(m.input) })) }));
      } else {
        if (installed.length === 0) ctx.io.out('No plugins installed (`race plugins install --builtin`).');
        ctx.io.out(`${report.cases} cases over ${report.plugins.length} plugins: ${report.mismatches.length} mismatches`);
        for (const m of report.mismatches.slice(0, 10)) ctx.io.out(`MISMATCH ${m.plugin} ${m.interface}\n  quickjs: ${m.quickjs.slice(0, 200)}\n  v8:      ${m.v8.slice(0, 200)}`);
      }
      return report.mismatches.length ? 1 : 0;
    } finally {
      scratch.close();
    }
  },
};
