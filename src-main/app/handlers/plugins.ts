import type { PluginInfo } from '../../../src-shared/contract/index.ts';
import { RaceError } from '../../../src-shared/errors.ts';
import { readBuiltPlugin } from '../../plugins/install.ts';
import type { InstalledPlugin } from '../../store/plugins.ts';
import type { HandlerSlice } from '../types.ts';
import type { Services } from '../services.ts';

export const LOCAL_ACCOUNT = 'local';

export function pluginInfo(p: InstalledPlugin): PluginInfo {
  return {
    id: p.id,
    name: p.manifest.name,
    version: p.version,
    description: p.manifest.description ?? null,
    interfaces: p.manifest.interfaces,
    capabilities: p.manifest.capabilities.map((c) => (c.name === 'fetch' ? { name: c.name, reason: c.reason, hosts: c.hosts } : { name: c.name, reason: c.reason })),
    enabled: p.enabled,
    hash: p.hash,
    installedAt: p.installedAt,
    meta: p.manifest.meta as Record<string, unknown>,
  };
}

export function pluginHandlers(services: Services): HandlerSlice<'plugins.list' | 'plugins.install' | 'plugins.remove' | 'plugins.invoke' | 'grants.list' | 'grants.grant' | 'grants.revoke'> {
  const { plugins } = services;
  return {
    'plugins.list': () => plugins.plugins.list().map(pluginInfo),
    'plugins.install': ({ path }) => {
      const built = readBuiltPlugin(path);
      const previous = plugins.plugins.get(built.manifest.id);
      const installed = plugins.plugins.install(built);
      if (previous && previous.hash !== installed.hash) plugins.forget(previous.hash);
      return pluginInfo(installed);
    },
    'plugins.remove': ({ id }) => {
      const p = plugins.plugins.get(id);
      if (p) plugins.forget(p.hash);
      return { removed: plugins.plugins.remove(id) };
    },
    'plugins.invoke': async (args) => {
      let runtime = args.runtime;
      if (!runtime) {
        const mode = services.settings.get<string>('runtime.mode', 'offline');
        // Online invocation goes to the Race server; until one is configured, say so.
        if (mode === 'online') throw new RaceError('NOT_AVAILABLE', 'online mode needs a Race server: set its URL and sign in under Accounts, or switch to Offline');
        runtime = 'quickjs';
      }
      const r = await plugins.invoke(args.plugin, { iface: args.interface, input: args.input, runtime, accountId: args.accountId ?? LOCAL_ACCOUNT });
      return { output: r.output, logs: r.logs, plugin: r.plugin, version: r.version, runtime: r.runtime, durationMs: r.durationMs };
    },
    'grants.list': ({ accountId }) => plugins.grants.list(accountId ?? LOCAL_ACCOUNT),
    'grants.grant': ({ accountId, pluginId, capability }) => {
      const account = accountId ?? LOCAL_ACCOUNT;
      const p = plugins.plugins.require(pluginId);
      if (!p.manifest.capabilities.some((c) => c.name === capability)) {
        throw new RaceError('BAD_ARGS', `plugin ${pluginId} does not ask for ${capability} (it asks for: ${p.manifest.capabilities.map((c) => c.name).join(', ') || 'nothing'})`);
      }
      plugins.grants.grant(account, pluginId, capability);
      return plugins.grants.list(account);
    },
    'grants.revoke': ({ accountId, pluginId, capability }) => {
      const account = accountId ?? LOCAL_ACCOUNT;
      plugins.grants.revoke(account, pluginId, capability);
      return plugins.grants.list(account);
    },
  };
}
