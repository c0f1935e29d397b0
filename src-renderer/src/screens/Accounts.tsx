import { useEffect, useState } from 'react';
import { formatDateTime } from '../../../src-shared/format.ts';
import { race } from '../bridge.ts';
import { ErrorText, ScreenHeader } from '../ui/bits.tsx';
import { useRaceQuery } from '../useRaceQuery.ts';

export function AccountsScreen() {
  const accounts = useRaceQuery(() => race.accounts.list(), []);
  const server = useRaceQuery(() => race.settings.getServer(), []);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    if (server.data) setUrl(server.data.url ?? '');
  }, [server.data]);

  const act = async (fn: () => Promise<unknown>, done: string) => {
    setError(null);
    setNotice(null);
    try {
      await fn();
      setNotice(done);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section aria-labelledby="accounts-title" className="accounts-screen">
      <ScreenHeader title="Accounts" id="accounts-title" />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorText error={error ?? accounts.error ?? server.error} />
      <div className="accounts-grid">
        <div className="panel">
          <h2>Local accounts</h2>
          <p className="muted small">Capability grants and plugin storage belong to an account. The desktop app acts as Local.</p>
          <table className="data-table" data-testid="accounts-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Id</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {(accounts.data ?? []).map((a) => (
                <tr key={a.id}>
                  <td className="strong">{a.name}</td>
                  <td className="mono muted">{a.id}</td>
                  <td>{formatDateTime(a.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              void act(async () => {
                await race.accounts.create({ name });
                setName('');
                accounts.reload();
              }, `Account ${name.trim()} added.`);
            }}
          >
            <input className="input" name="accountName" placeholder="New account name" aria-label="New account name" value={name} onChange={(e) => setName(e.target.value)} />
            <button type="submit" className="btn" disabled={!name.trim()}>
              Add account
            </button>
          </form>
        </div>

        <div className="panel">
          <h2>Online mode</h2>
          <p className="muted small">In Online mode plugins run on your team's Race server. The sign-in token stays in the app: this screen only shows whether one is set.</p>
          <form
            className="stack-form"
            onSubmit={(e) => {
              e.preventDefault();
              void act(async () => {
                await race.settings.setServer({ url: url.trim() || null, ...(token ? { token } : {}) });
                setToken('');
                server.reload();
              }, token ? 'Server saved and signed in.' : 'Server saved.');
            }}
          >
            <label className="field">
              <span className="field-label">Server URL</span>
              <input className="input mono" name="serverUrl" placeholder="https://race.example.team" value={url} onChange={(e) => setUrl(e.target.value)} />
            </label>
            <label className="field">
              <span className="field-label">Sign-in token</span>
              <input className="input mono" name="token" type="password" autoComplete="off" placeholder={server.data?.tokenSet ? '•••••••• (set — type to replace)' : 'paste the token from your server'} value={token} onChange={(e) => setToken(e.target.value)} />
            </label>
            <div className="form-actions">
              <button type="submit" className="btn btn-primary">
                Save
              </button>
              {server.data?.tokenSet && (
                <button
                  type="button"
                  className="btn"
                  onClick={() =>
                    void act(async () => {
                      await race.settings.setServer({ url: server.data!.url, token: null });
                      server.reload();
                    }, 'Signed out.')
                  }
                >
                  Sign out
                </button>
              )}
            </div>
          </form>
          <p className="server-status" data-testid="server-status">
            {server.data ? (
              <>
                Server: <strong>{server.data.url ?? 'none'}</strong> · {server.data.tokenSet ? <span className="good">signed in</span> : <span className="muted">not signed in</span>}
              </>
            ) : (
              '…'
            )}
          </p>
        </div>
      </div>
    </section>
  );
}
