import type { PluginInfo } from '../../../src-shared/contract/index.ts';
import { RaceError } from '../../../src-shared/errors.ts';
import { readBuiltPlugin } from '../../plugins/install.ts';
import type { InstalledPlugin } from '../../store/plugins.ts';
import { accountFor } from '../account-scope.ts';
import type { HandlerSlice } from '../types.ts';
import type { Services } from '../services.ts';

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

/** Install (or update) a bundle for one account; warm instances of the bundle it replaces go. */
export function installPlugin(services: Services, bundle: { manifest: InstalledPlugin['manifest']; code: string; hash: string }, accountId: string): PluginInfo {
  const { plugins } = services;
  const previous = plugins.plugins.get(bundle.manifest.id, accountId);
  const installed = plugins.plugins.install(bundle, accountId);
  if (previous && previous.hash !== installed.hash) plugins.forget(previous.hash, accountId);
  return pluginInfo(installed);
}

export function removePlugin(services: Services, id: string, accountId: string): boolean {
  const { plugins } = services;
  const p = plugins.plugins.get(id, accountId);
  if (p) plugins.forget(p.hash, accountId);
  return plugins.plugins.remove(id, accountId);
}

export function pluginHandlers(services: Services): HandlerSlice<'plugins.list' | 'plugins.install' | 'plugins.remove' | 'plugins.invoke' | 'grants.list' | 'grants.grant' | 'grants.revoke'> {
  const { plugins } = services;
  return {
    'plugins.list': (_args, call) => plugins.plugins.list(accountFor(call)).map(pluginInfo),
    'plugins.install': ({ path }, call) => installPlugin(services, readBuiltPlugin(path), accountFor(call)),
    'plugins.remove': ({ id }, call) => ({ removed: removePlugin(services, id, accountFor(call)) }),
    'plugins.invoke': async (args, call) => {
      const accountId = accountFor(call, args.accountId);
      let runtime = args.runtime;
      if (!runtime) {
        // A caller with its own account is on the server: V8 is the server's engine.
        if (call.account !== undefined) runtime = 'v8';
        else {
          // The operator's calls follow the mode: local QuickJS, or the server with the
          // same bundle (uploaded there when it lacks it) — same call site either way.
          const route = await services.server.route();
          if (route.where === 'server') {
            // a bundle named by hash is checked here first, as an offline call checks it
            const local = args.hash !== undefined ? plugins.runnable(args.plugin, accountId, args.hash) : (plugins.plugins.get(args.plugin, accountId) ?? undefined);
            return route.client.invoke(args.plugin, args.interface, args.input, { bundle: local, now: args.now, seed: args.seed });
          }
          runtime = 'quickjs';
        }
      }
      const r = await plugins.invoke(args.plugin, { iface: args.interface, input: args.input, runtime, accountId, now: args.now, seed: args.seed, expectHash: args.hash });
      return { output: r.output, logs: r.logs, plugin: r.plugin, version: r.version, runtime: r.runtime, durationMs: r.durationMs };
    },
    'grants.list': ({ accountId }, call) => plugins.grants.list(accountFor(call, accountId)),
    'grants.grant': ({ accountId, pluginId, capability }, call) => {
      const account = accountFor(call, accountId);
      const p = plugins.plugins.require(pluginId, account);
      if (!p.manifest.capabilities.some((c) => c.name === capability)) {
        throw new RaceError('BAD_ARGS', `plugin ${pluginId} does not ask for ${capability} (it asks for: ${p.manifest.capabilities.map((c) => c.name).join(', ') || 'nothing'})`);
      }
      // fetch makes the server open connections: on a shared server an account cannot grant it
      // to its own plugin (whose manifest it wrote, allow-list included) — the operator does.
      if (capability === 'fetch' && call.account !== undefined) {
        throw new RaceError('FORBIDDEN', `fetch is granted by this server's operator (race grants grant --account ${account} --plugin ${pluginId} --capability fetch), not through the API`);
      }
      plugins.grants.grant(account, pluginId, capability);
      return plugins.grants.list(account);
    },
    'grants.revoke': ({ accountId, pluginId, capability }, call) => {
      const account = accountFor(call, accountId);
      plugins.grants.revoke(account, pluginId, capability);
      return plugins.grants.list(account);
    },
  };
}
