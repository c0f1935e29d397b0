import { useState } from 'react';
import type { PluginInfo } from '../../../src-shared/contract/index.ts';
import type { CapabilityName } from '../../../src-shared/plugins/manifest.ts';
import { race } from '../bridge.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { Empty, ErrorText, ScreenHeader } from '../ui/bits.tsx';
import { useRaceQuery } from '../useRaceQuery.ts';

export function PluginsScreen() {
  const plugins = useRaceQuery(() => race.plugins.list(), []);
  const accounts = useRaceQuery(() => race.accounts.list(), []);
  const [accountId, setAccountId] = useState('local');
  const grants = useRaceQuery(() => race.grants.list({ accountId }), [accountId]);
  const [path, setPath] = useState('');
  const [installing, setInstalling] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [removing, setRemoving] = useState<PluginInfo | null>(null);

  const granted = (pluginId: string, capability: string) => (grants.data ?? []).some((g) => g.pluginId === pluginId && g.capability === capability);

  const setGrant = async (p: PluginInfo, capability: CapabilityName, on: boolean) => {
    setActionError(null);
    try {
      if (on) await race.grants.grant({ accountId, pluginId: p.id, capability });
      else await race.grants.revoke({ accountId, pluginId: p.id, capability });
      setNotice(`${on ? 'Granted' : 'Revoked'} ${capability} ${on ? 'to' : 'from'} ${p.name} — effective on its next call.`);
      grants.reload();
    } catch (e) {
      setActionError(e);
    }
  };

  const install = async () => {
    setInstalling(true);
    setActionError(null);
    try {
      const p = await race.plugins.install({ path: path.trim() });
      setNotice(`Installed ${p.name} ${p.version}.`);
      setPath('');
      plugins.reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setInstalling(false);
    }
  };

  const remove = async () => {
    if (!removing) return;
    setActionError(null);
    try {
      await race.plugins.remove({ id: removing.id });
      setNotice(`Removed ${removing.name}.`);
      plugins.reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setRemoving(null);
    }
  };

  return (
    <section aria-labelledby="plugins-title" className="plugins-screen">
      <ScreenHeader title="Plugins & grants" id="plugins-title">
        <label className="inline-field">
          <span>Grants of</span>
          <select className="input" aria-label="Account" value={accountId} onChange={(e) => setAccountId(e.target.value)}>
            {(accounts.data ?? [{ id: 'local', name: 'Local', createdAt: '' }]).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
      </ScreenHeader>

      <form
        className="install-form panel"
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) void install();
        }}
      >
        <label className="field grow">
          <span className="field-label">Install a built plugin folder</span>
          <input className="input mono" name="pluginPath" placeholder="/path/to/plugin (with dist/plugin.js and dist/manifest.json)" value={path} onChange={(e) => setPath(e.target.value)} />
        </label>
        <button type="submit" className="btn btn-primary" disabled={installing || !path.trim()}>
          {installing ? 'Installing…' : 'Install'}
        </button>
      </form>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorText error={actionError ?? plugins.error ?? grants.error ?? accounts.error} />

      {plugins.data && plugins.data.length === 0 && (
        <Empty title="No plugins installed">
          <p>Install a built plugin folder above, or the first-party plugins from the command line: race plugins install --builtin</p>
        </Empty>
      )}
      <div className="plugin-list">
        {(plugins.data ?? []).map((p) => (
          <article key={p.id} className="plugin-card panel" data-testid={`plugin-${p.id}`} aria-labelledby={`plugin-${p.id}-name`}>
            <header className="plugin-head">
              <h2 id={`plugin-${p.id}-name`}>{p.name}</h2>
              <span className="muted mono">
                {p.id} {p.version}
              </span>
              <span className="plugin-ifaces">
                {p.interfaces.map((i) => (
                  <span key={i} className="badge iface">
                    {i}
                  </span>
                ))}
              </span>
              <button type="button" className="btn btn-small btn-quiet" onClick={() => setRemoving(p)} aria-label={`Remove ${p.name}`}>
                Remove
              </button>
            </header>
            {p.description && <p className="plugin-desc">{p.description}</p>}
            {p.capabilities.length === 0 ? (
              <p className="muted small">Asks for no capabilities: pure computation on the data it is given.</p>
            ) : (
              <ul className="capabilities">
                {p.capabilities.map((c) => {
                  const on = granted(p.id, c.name);
                  return (
                    <li key={c.name} className={on ? 'capability granted' : 'capability'}>
                      <div>
                        <strong className="cap-name">{c.name}</strong>
                        {c.hosts && <span className="mono muted"> {c.hosts.join(', ')}</span>}
                        <p className="cap-reason">{c.reason}</p>
                      </div>
                      <button
                        type="button"
                        role="switch"
                        aria-checked={on}
                        aria-label={`${c.name} for ${p.name}`}
                        className={on ? 'switch on' : 'switch'}
                        onClick={() => void setGrant(p, c.name as CapabilityName, !on)}
                      >
                        <span className="switch-knob" />
                        <span className="switch-text">{on ? 'Granted' : 'Not granted'}</span>
                      </button>
                    </li>
                  );
                })}
              </ul>
            )}
          </article>
        ))}
      </div>
      {removing && (
        <ConfirmDialog title={`Remove ${removing.name}?`} confirmLabel="Remove plugin" danger onConfirm={() => void remove()} onCancel={() => setRemoving(null)}>
          <p>
            {removing.id} {removing.version} is uninstalled. Its grants and stored data stay until the account is deleted, so reinstalling it picks up where it left off.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
