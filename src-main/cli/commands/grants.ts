import { UsageError } from '../context.ts';
import { renderTable } from '../table.ts';
import type { Command } from './types.ts';

export const grantsCommand: Command = {
  name: 'grants',
  summary: 'Capability grants of an account',
  usage: 'race grants list|grant|revoke --account <id> --plugin <id> --capability fetch|storage [--json]   (default account: local, the desktop\'s)',
  options: { account: { type: 'string' }, plugin: { type: 'string' }, capability: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    const action = positionals[0] ?? 'list';
    const accountId = (values.account as string | undefined) ?? 'local';
    let grants;
    if (action === 'list') grants = await ctx.call('grants.list', { accountId });
    else if (action === 'grant' || action === 'revoke') {
      if (typeof values.plugin !== 'string' || typeof values.capability !== 'string') throw new UsageError('--plugin and --capability are required');
      grants = await ctx.call(action === 'grant' ? 'grants.grant' : 'grants.revoke', { accountId, pluginId: values.plugin, capability: values.capability as 'fetch' | 'storage' });
    } else throw new UsageError(`unknown action "${action}"`);
    if (ctx.json) ctx.io.out(JSON.stringify(grants));
    else if (grants.length === 0) ctx.io.out(`Account ${accountId} has granted no capabilities.`);
    else ctx.io.out(renderTable(grants, [{ header: 'PLUGIN', value: (g) => g.pluginId }, { header: 'CAPABILITY', value: (g) => g.capability }, { header: 'GRANTED', value: (g) => g.grantedAt }]));
    return 0;
  },
};
