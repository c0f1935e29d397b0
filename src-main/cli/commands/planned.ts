// Commands whose engines arrive with later work (telemetry import, the plugin platform,
// the API server). They are listed in --help so the CLI's shape is known, and say
// plainly that this build cannot run them yet.
import type { Command } from './types.ts';

function planned(name: string, summary: string, usage: string): Command {
  return {
    name,
    summary,
    usage,
    options: {},
    async run(ctx) {
      ctx.io.err(`race ${name}: not available in this build of Race yet.`);
      return 1;
    },
  };
}

export const plannedCommands: Command[] = [
  planned('import', 'Import logger files (MoTeC, AiM, VBO, RaceChrono, …) and split them into laps', 'race import <files…> [--gate lat,lon[,heading[,width]]] [--json]'),
  planned('laps', 'Laps of a session: time, kind (lap/out/in/partial), delta to best', 'race laps <sessionId> [--json]'),
  planned('kpis', 'KPIs per lap computed by kpiProcessor plugins', 'race kpis <sessionId> [--no-wait] [--json]'),
  planned('channels', 'Channels of a session or lap, with units and rates; samples as CSV', 'race channels <sessionId> [--lap N] [--json | --csv]'),
];
