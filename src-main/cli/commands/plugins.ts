import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../context.ts';
import { renderTable } from '../table.ts';
import type { Command } from './types.ts';

export const FIRST_PARTY_DIR = join(import.meta.dirname, '../../../plugins');

export function firstPartyPluginDirs(): string[] {
  return readdirSync(FIRST_PARTY_DIR)
    .filter((d) => d !== 'sdk' && existsSync(join(FIRST_PARTY_DIR, d, 'manifest.json')))
    .map((d) => join(FIRST_PARTY_DIR, d));
}

export const pluginsCommand: Command = {
  name: 'plugins',
  summary: 'Build, install, list and remove plugins',
  usage: 'race plugins build <dir…> | install <dir…> | install --builtin | list | remove <id> [--account <id>] [--json]',
  options: { builtin: { type: 'boolean' }, account: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    const [action, ...rest] = positionals;
    // On a server, plugins belong to accounts: --account installs/lists/removes for one.
    const account = values.account as string | undefined;
    if (account !== undefined) ctx.app().services.accounts.require(account);
    switch (action) {
      case 'build': {
        if (rest.length === 0) throw new UsageError('name the plugin folder(s) to build');
        const { buildPlugin } = await import('../../../plugins/sdk/build.ts');
        const built = [];
        for (const dir of rest) built.push(await buildPlugin(dir));
        if (ctx.json) ctx.io.out(JSON.stringify(built.map((b) => ({ id: b.manifest.id, version: b.manifest.version, hash: b.hash, bundle: b.bundlePath, bytes: Buffer.byteLength(b.code) }))));
        else for (const b of built) ctx.io.out(`built ${b.manifest.id} ${b.manifest.version} → ${b.bundlePath} (${(Buffer.byteLength(b.code) / 1024).toFixed(1)} KiB, sha256 ${b.hash.slice(0, 12)}…)`);
        return 0;
      }
      case 'install': {
        let dirs = rest;
        if (values.builtin) {
          // First-party plugins ship as sources: build them, then install what was built.
          const { buildPlugin } = await import('../../../plugins/sdk/build.ts');
          dirs = firstPartyPluginDirs();
          for (const dir of dirs) await buildPlugin(dir);
        }
        if (dirs.length === 0) throw new UsageError('name the built plugin folder(s), or --builtin for the first-party plugins');
        const installed = [];
        for (const dir of dirs) installed.push(await ctx.call('plugins.install', { path: dir }, account));
        if (ctx.json) ctx.io.out(JSON.stringify(installed));
        else for (const p of installed) ctx.io.out(`installed ${p.id} ${p.version} (${p.interfaces.join(', ')})${p.capabilities.length ? ` — asks for ${p.capabilities.map((c) => c.name).join(', ')}: grant with \`race grants grant${account ? ` --account ${account}` : ''} --plugin ${p.id} --capability …\`` : ''}`);
        return 0;
      }
      case 'list':
      case undefined: {
        const list = await ctx.call('plugins.list', {}, account);
        if (ctx.json) ctx.io.out(JSON.stringify(list, null, 2));
        else if (list.length === 0) ctx.io.out('No plugins installed. `race plugins install --builtin` installs the first-party ones.');
        else
          ctx.io.out(
            renderTable(list, [
              { header: 'ID', value: (p) => p.id },
              { header: 'VERSION', value: (p) => p.version },
              { header: 'INTERFACES', value: (p) => p.interfaces.join(', ') },
              { header: 'ASKS FOR', value: (p) => p.capabilities.map((c) => (c.name === 'fetch' ? `fetch (${c.hosts?.join(', ')})` : c.name)).join('; ') || '—' },
              { header: 'ENABLED', value: (p) => (p.enabled ? 'yes' : 'no') },
            ]),
          );
        return 0;
      }
      case 'remove': {
        if (rest.length !== 1) throw new UsageError('name one plugin id to remove');
        const r = await ctx.call('plugins.remove', { id: rest[0]! }, account);
        if (ctx.json) ctx.io.out(JSON.stringify(r));
        else ctx.io.out(r.removed ? `removed ${rest[0]}` : `${rest[0]} was not installed`);
        return r.removed ? 0 : 1;
      }
      default:
        throw new UsageError(`unknown action "${action}"`);
    }
  },
};
