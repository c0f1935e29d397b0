import { useEffect, useState, type ReactNode } from 'react';
import { transport, race } from './bridge.ts';
import { ModeSwitch } from './ModeSwitch.tsx';
import { PlaceholderScreen } from './screens/Placeholder.tsx';
import { SessionsScreen } from './screens/Sessions.tsx';
import { useRaceQuery } from './useRaceQuery.ts';

type ScreenId = 'sessions' | 'plugins' | 'accounts' | 'live';

const SCREENS: { id: ScreenId; label: string; key: string; render: () => ReactNode }[] = [
  { id: 'sessions', label: 'Sessions', key: '1', render: () => <SessionsScreen /> },
  {
    id: 'plugins',
    label: 'Plugins',
    key: '2',
    render: () => <PlaceholderScreen title="Plugins" text="Installed plugins, their capabilities and grants will be listed here." />,
  },
  {
    id: 'accounts',
    label: 'Accounts',
    key: '3',
    render: () => <PlaceholderScreen title="Accounts" text="Local accounts and the server sign-in for online mode." />,
  },
  {
    id: 'live',
    label: 'Live',
    key: '4',
    render: () => <PlaceholderScreen title="Live" text="Replay a session frame by frame and watch live-hook events fire." />,
  },
];

export function App() {
  const [screen, setScreen] = useState<ScreenId>('sessions');
  const version = useRaceQuery(() => race.app.version(), []);

  // Alt+1…4 switch screens: quick with gloves on, and no clash with text fields.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey) return;
      const target = SCREENS.find((s) => s.key === e.key);
      if (target) {
        e.preventDefault();
        setScreen(target.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const current = SCREENS.find((s) => s.id === screen)!;
  return (
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
                  className={s.id === screen ? 'nav-item active' : 'nav-item'}
                  aria-current={s.id === screen ? 'page' : undefined}
                  onClick={() => setScreen(s.id)}
                  title={`Alt+${s.key}`}
                >
                  {s.label}
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
          <ModeSwitch />
        </header>
        {version.error && (
          <p role="alert" className="error banner">
            Cannot reach Race: {version.error.message}
          </p>
        )}
        <main className="content">{current.render()}</main>
      </div>
    </div>
  );
}
