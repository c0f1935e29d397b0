import { UsageError } from '../context.ts';
import { renderTable } from '../table.ts';
import type { Command } from './types.ts';

export const accountsCommand: Command = {
  name: 'accounts',
  summary: 'Accounts of this server and their API tokens (a token is printed once, when made)',
  usage: 'race accounts create <name> | list | token <accountId> [--name <label>] | tokens <accountId> | revoke-token <accountId> <tokenId> [--json]',
  options: { name: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    const [action = 'list', ...rest] = positionals;
    const accounts = ctx.app().services.accounts;
    const out = (value: unknown, text: string) => ctx.io.out(ctx.json ? JSON.stringify(value) : text);
    switch (action) {
      case 'create': {
        const name = rest.join(' ');
        if (!name) throw new UsageError('name the account: race accounts create <name>');
        const a = accounts.create(name);
        out(
          { id: a.id, name: a.name, token: a.token.token },
          `Account ${a.id} (${a.name}) created.\nAPI token (shown once — keep it safe): ${a.token.token}`,
        );
        return 0;
      }
      case 'list': {
        const list = accounts.list();
        out(list, renderTable(list, [
          { header: 'ID', value: (a) => a.id },
          { header: 'NAME', value: (a) => a.name },
          { header: 'TOKENS', value: (a) => String(a.tokens), align: 'right' },
          { header: 'CREATED', value: (a) => a.createdAt },
        ]));
        return 0;
      }
      case 'token': {
        const [accountId] = rest;
        if (!accountId) throw new UsageError('name the account: race accounts token <accountId>');
        const t = accounts.createToken(accountId, (values.name as string | undefined) ?? 'cli');
        out({ id: t.id, accountId, token: t.token }, `Token ${t.id} for ${accountId} (shown once): ${t.token}`);
        return 0;
      }
      case 'tokens': {
        const [accountId] = rest;
        if (!accountId) throw new UsageError('name the account: race accounts tokens <accountId>');
        accounts.require(accountId);
        const list = accounts.tokens(accountId);
        out(list, renderTable(list, [
          { header: 'TOKEN', value: (t) => t.id },
          { header: 'NAME', value: (t) => t.name },
          { header: 'CREATED', value: (t) => t.createdAt },
          { header: 'LAST USED', value: (t) => t.lastUsedAt ?? 'never' },
        ]));
        return 0;
      }
      case 'revoke-token': {
        const [accountId, tokenId] = rest;
        if (!accountId || !tokenId) throw new UsageError('race accounts revoke-token <accountId> <tokenId>');
        const revoked = accounts.revokeToken(accountId, tokenId);
        out({ revoked }, revoked ? `Token ${tokenId} revoked.` : `Account ${accountId} has no token ${tokenId}.`);
        return revoked ? 0 : 1;
      }
      default:
        throw new UsageError(`unknown action "${action}"`);
    }
  },
};
