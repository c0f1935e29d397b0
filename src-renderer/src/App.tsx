import { createContext, useContext, useEffect, useReducer, type ReactNode } from 'react';
import type { SessionSummary } from '../../src-shared/contract/index.ts';
import { formatDateTime, formatLapTime } from '../../src-shared/format.ts';
import { transport, race } from './bridge.ts';
import { ModeSwitch } from './ModeSwitch.tsx';
import { mark } from './perf.ts';
import { AccountsScreen } from './screens/Accounts.tsx';
import { ChannelsScreen } from './screens/Channels.tsx';
import { DashboardScreen } from './screens/Dashboard.tsx';
import { LiveScreen } from './screens/Live.tsx';
import { PluginsScreen } from './screens/Plugins.tsx';
import { RunPlanScreen } from './screens/RunPlan.tsx';
import { SessionScreen } from './screens/Session.tsx';
import { SessionsScreen } from './screens/Sessions.tsx';
import { initialWorkspace, WorkspaceContext, workspaceReducer, type ScreenId } from './state/workspace.tsx';
import { useRaceQuery, type QueryState } from './useRaceQuery.ts';

const SCREENS: { id: ScreenId; label: string; key: string; needsSession?: boolean; render: () => ReactNode }[] = [
  { id: 'sessions', label: 'Sessions', key: '1', render: () => <SessionsScreen /> },
  { id: 'session', label: 'Session', key: '2', needsSession: true, render: () => <SessionScreen /> },
  { id: 'channels', label: 'Channels', key: '3', needsSession: true, render: () => <ChannelsScreen /> },
  { id: 'dashboard', label: 'Dashboard', key: '4', needsSession: true, render: () => <DashboardScreen /> },
  { id: 'runplan', label: 'Run plan', key: '5', needsSession: true, render: () => <RunPlanScreen /> },
  { id: 'live', label: 'Live', key: '6', needsSession: true, render: () => <LiveScreen /> },
  { id: 'plugins', label: 'Plugins', key: '7', render: () => <PluginsScreen /> },
  { id: 'accounts', label: 'Accounts', key: '8', render: () => <AccountsScreen /> },
];

/** The session list, shared: the top bar names the open session, screens reload it after changes. */
export const SessionsContext = createContext<QueryState<SessionSummary[]> | null>(null);

export function useSessions(): QueryState<SessionSummary[]> {
  const v = useContext(SessionsContext);
  if (!v) throw new Error('useSessions outside SessionsContext');
  return v;
}

export function App() {
  const [ws, dispatch] = useReducer(workspaceReducer, initialWorkspace);
  const version = useRaceQuery(() => race.app.version(), []);
  const sessions = useRaceQuery(() => race.sessions.list(), []);

  // Alt+1…8 switch screens: quick with gloves on, and no clash with text fields.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const target = SCREENS.find((s) => s.key === e.key || `Digit${s.key}` === e.code);
      if (target) {
        e.preventDefault();
        mark(`race:navigate:${target.id}`);
        dispatch({ type: 'screen', screen: target.id });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const current = SCREENS.find((s) => s.id === ws.screen)!;
  const open = sessions.data?.find((s) => s.id === ws.sessionId) ?? null;
  return (
    <WorkspaceContext.Provider value={{ ws, dispatch }}>
      <SessionsContext.Provider value={sessions}>
        <div className="shell">
          <aside className="sidebar">
            <div className="brand" aria-label="Race">
              RACE
            </div>
            <nav aria-label="Main">
              <ul>
                {SCREENS.map((s) => (
                  <li key={s.id}>
                    <button
                      type="button"
                      className={s.id === ws.screen ? 'nav-item active' : 'nav-item'}
                      aria-current={s.id === ws.screen ? 'page' : undefined}
                      onClick={() => {
                        mark(`race:navigate:${s.id}`);
                        dispatch({ type: 'screen', screen: s.id });
                      }}
                      title={`Alt+${s.key}`}
                    >
                      <span>{s.label}</span>
                      <kbd aria-hidden="true">{s.key}</kbd>
                    </button>
                  </li>
                ))}
              </ul>
            </nav>
            <footer className="sidebar-footer" data-testid="version">
              {version.data ? `v${version.data.app} · ${transport === 'desktop' ? 'desktop' : 'browser mode'}` : version.error ? 'not connected' : '…'}
            </footer>
          </aside>
          <div className="main">
            <header className="topbar">
              <span className="topbar-title">{current.label}</span>
              {open ? (
                <span className="topbar-session" data-testid="open-session">
                  <strong>{open.venue ?? 'Unknown venue'}</strong>
                  <span>{open.vehicle ?? '—'}</span>
                  <span>{open.driver ?? '—'}</span>
                  <span>{formatDateTime(open.startedAt)}</span>
                  <span className="topbar-best">
                    BEST <b>{formatLapTime(open.bestLapMs)}</b>
                  </span>
                </span>
              ) : (
                <span className="topbar-session muted">No session open</span>
              )}
              <ModeSwitch />
            </header>
            {version.error && (
              <p role="alert" className="error banner">
                Cannot reach Race: {version.error.message}
              </p>
            )}
            <main className={`content content-${ws.screen}`}>
              {current.needsSession && !ws.sessionId ? <NoSession label={current.label} onPick={() => dispatch({ type: 'screen', screen: 'sessions' })} /> : current.render()}
            </main>
          </div>
        </div>
      </SessionsContext.Provider>
    </WorkspaceContext.Provider>
  );
}

function NoSession({ label, onPick }: { label: string; onPick: () => void }) {
  return (
    <section aria-labelledby="screen-title">
      <header className="screen-header">
        <h1 id="screen-title">{label}</h1>
      </header>
      <div className="empty">
        <p className="empty-title">No session open</p>
        <p>Open a session from the list first (Alt+1, then Enter on a row).</p>
        <button type="button" className="btn btn-primary" onClick={onPick}>
          Go to Sessions
        </button>
      </div>
    </section>
  );
}
