import { accountsCommand } from './accounts.ts';
import { benchCommand } from './bench.ts';
import { grantsCommand } from './grants.ts';
import { invokeCommand } from './invoke.ts';
import { parityCommand } from './parity.ts';
import { pluginsCommand } from './plugins.ts';
import { serveCommand } from './serve.ts';
import { sessionsCommand } from './sessions.ts';
import { channelsCommand, importCommand, kpisCommand, lapsCommand, resplitCommand } from './telemetry.ts';
import type { Command } from './types.ts';

const implemented: Command[] = [accountsCommand, sessionsCommand, serveCommand, pluginsCommand, invokeCommand, grantsCommand, parityCommand, benchCommand, importCommand, lapsCommand, kpisCommand, channelsCommand, resplitCommand];
const byName = new Map(implemented.map((c) => [c.name, c]));

/** Help order: the workflow of a race weekend, import first. */
const ORDER = ['import', 'sessions', 'laps', 'kpis', 'channels', 'resplit', 'plugins', 'invoke', 'grants', 'accounts', 'serve', 'parity', 'bench'];

export const commands: Command[] = ORDER.map((name) => {
  const c = byName.get(name);
  if (!c) throw new Error(`command ${name} is listed but not implemented`);
  return c;
});
