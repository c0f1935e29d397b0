import { formatDateTime, formatLapTime } from '../../../src-shared/format.ts';
import { race } from '../bridge.ts';
import { useRaceQuery } from '../useRaceQuery.ts';

export function SessionsScreen() {
  const sessions = useRaceQuery(() => race.sessions.list(), []);
  return (
    <section aria-labelledby="sessions-title">
      <header className="screen-header">
        <h1 id="sessions-title">Sessions</h1>
      </header>
      {sessions.error && <p role="alert" className="error">Could not load sessions: {sessions.error.message}</p>}
      {sessions.data && sessions.data.length === 0 && (
        <div className="empty" data-testid="sessions-empty">
          <p className="empty-title">No sessions yet</p>
          <p>Import logger files (MoTeC .ld, AiM CSV, VBO, RaceChrono, RaceCapture, iRacing …) to see their laps here.</p>
        </div>
      )}
      {sessions.data && sessions.data.length > 0 && (
        <table className="data-table" data-testid="sessions-table">
          <thead>
            <tr>
              <th>Date</th>
              <th>Venue</th>
              <th>Vehicle</th>
              <th>Driver</th>
              <th className="num">Laps</th>
              <th className="num">Best lap</th>
            </tr>
          </thead>
          <tbody>
            {sessions.data.map((s) => (
              <tr key={s.id}>
                <td>{formatDateTime(s.startedAt)}</td>
                <td>{s.venue ?? '—'}</td>
                <td>{s.vehicle ?? '—'}</td>
                <td>{s.driver ?? '—'}</td>
                <td className="num">{s.lapCount}</td>
                <td className="num laptime">{formatLapTime(s.bestLapMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
