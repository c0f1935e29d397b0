import { formatDateTime, formatLapTime } from '../../../src-shared/format.ts';
import { renderTable } from '../table.ts';
import type { Command } from './types.ts';

export const sessionsCommand: Command = {
  name: 'sessions',
  summary: 'List imported sessions (venue, vehicle, driver, date, laps, best lap)',
  usage: 'race sessions [--json]',
  options: {},
  async run(ctx) {
    const sessions = await ctx.call('sessions.list');
    if (ctx.json) {
      ctx.io.out(JSON.stringify(sessions, null, 2));
      return 0;
    }
    if (sessions.length === 0) {
      ctx.io.out(`No sessions in ${ctx.dbPath}. Import logger files with \`race import <files…>\`.`);
      return 0;
    }
    ctx.io.out(
      renderTable(sessions, [
        { header: 'ID', value: (s) => s.id },
        { header: 'DATE', value: (s) => formatDateTime(s.startedAt) },
        { header: 'VENUE', value: (s) => s.venue ?? '—' },
        { header: 'VEHICLE', value: (s) => s.vehicle ?? '—' },
        { header: 'DRIVER', value: (s) => s.driver ?? '—' },
        { header: 'FORMAT', value: (s) => s.sourceFormat },
        { header: 'LAPS', value: (s) => String(s.lapCount), align: 'right' },
        { header: 'BEST', value: (s) => formatLapTime(s.bestLapMs), align: 'right' },
      ]),
    );
    return 0;
  },
};
