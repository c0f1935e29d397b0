import { useEffect, useMemo, useRef, useState } from 'react';
import type { LapInfo, LapKpi, MethodResult } from '../../../src-shared/contract/index.ts';
import { encodeJson } from '../../../src-shared/codec.ts';
import { formatLapTime } from '../../../src-shared/format.ts';
import { race } from '../bridge.ts';
import { bestLapOf, stepLap, useSessionLaps } from '../data/useSessionLaps.ts';
import { afterPaint, measureFrom } from '../perf.ts';
import { lapColour, useWorkspace } from '../state/workspace.tsx';
import { Empty, ErrorText, formatDelta, KindBadge, ScreenHeader } from '../ui/bits.tsx';

type Kpis = MethodResult<'sessions.kpis'>;

/** sessions.kpis, polled once a second while KPI jobs are still pending. */
export function useKpis(sessionId: string): { data?: Kpis; error?: unknown } {
  const [state, setState] = useState<{ data?: Kpis; error?: unknown }>({});
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let shownJson = '';
    const load = async () => {
      try {
        const data = await race.sessions.kpis({ sessionId });
        if (!live) return;
        // A poll that brings the same KPIs keeps the same array: what is drawn from it (the
        // dashboard's cells each run a plugin) is not redone every second while jobs run.
        const json = encodeJson(data.kpis);
        const same = json === shownJson;
        shownJson = json;
        setState((prev) => ({ data: same && prev.data ? { ...data, kpis: prev.data.kpis } : data }));
        if (data.pending > 0) timer = setTimeout(load, 1000);
      } catch (error) {
        if (live) setState((s) => ({ ...s, error }));
      }
    };
    void load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [sessionId]);
  return state;
}

interface KpiColumn {
  key: string;
  plugin: string;
  name: string;
  unit: string;
  better: LapKpi['better'];
}

/** One column per (plugin, KPI); the plugin is named only where two plugins share a KPI name. */
function kpiColumns(kpis: LapKpi[]): (KpiColumn & { label: string })[] {
  const cols = new Map<string, KpiColumn>();
  for (const k of kpis) {
    const key = `${k.plugin}\u0000${k.name}`;
    if (!cols.has(key)) cols.set(key, { key, plugin: k.plugin, name: k.name, unit: k.unit, better: k.better });
  }
  const list = [...cols.values()];
  return list.map((c) => ({ ...c, label: list.filter((o) => o.name === c.name).length > 1 ? `${c.name} (${c.plugin})` : c.name }));
}

export function SessionScreen() {
  const { ws, dispatch } = useWorkspace();
  const sessionId = ws.sessionId!;
  const laps = useSessionLaps();
  const kpis = useKpis(sessionId);
  const table = useRef<HTMLTableSectionElement>(null);

  const columns = useMemo(() => kpiColumns(kpis.data?.kpis ?? []), [kpis.data]);
  const byLap = useMemo(() => {
    const m = new Map<string, number | null>();
    for (const k of kpis.data?.kpis ?? []) m.set(`${k.lap}\u0000${k.plugin}\u0000${k.name}`, k.value);
    return m;
  }, [kpis.data]);
  const timed = (laps.data ?? []).filter((l) => l.kind === 'lap');
  // the best value of each KPI over the timed laps, by the KPI's own sense of better
  const bestValue = useMemo(() => {
    const best = new Map<string, number>();
    for (const c of columns) {
      if (c.better === 'none') continue;
      for (const l of timed) {
        const v = byLap.get(`${l.number}\u0000${c.key}`);
        if (v === null || v === undefined) continue;
        const cur = best.get(c.key);
        if (cur === undefined || (c.better === 'higher' ? v > cur : v < cur)) best.set(c.key, v);
      }
    }
    return best;
  }, [columns, byLap, timed]);
  const best = laps.data ? bestLapOf(laps.data) : null;
  // one precision per column, from its largest value, so the figures line up
  const decimals = useMemo(() => {
    const d = new Map<string, number>();
    for (const c of columns) {
      let max = 0;
      for (const k of kpis.data?.kpis ?? []) if (`${k.plugin}\u0000${k.name}` === c.key && k.value !== null) max = Math.max(max, Math.abs(k.value));
      d.set(c.key, max >= 1000 ? 0 : max >= 100 ? 1 : 2);
    }
    return d;
  }, [columns, kpis.data]);

  // the benchmark's "Session screen painted" figure: from the click that opened it
  useEffect(() => {
    if (laps.data) afterPaint(() => measureFrom('race:session-painted', 'race:navigate:session'));
  }, [laps.data]);

  // keep the focused row in view and focused, so arrow keys keep working
  useEffect(() => {
    const row = table.current?.querySelector<HTMLTableRowElement>(`tr[data-lap="${ws.focusLap}"]`);
    if (row && document.activeElement?.closest('tbody') === table.current) row.focus();
    row?.scrollIntoView({ block: 'nearest' });
  }, [ws.focusLap]);

  const onKey = (e: React.KeyboardEvent, lap: LapInfo) => {
    const all = laps.data ?? [];
    const step = (by: number) => {
      e.preventDefault();
      dispatch({ type: 'focus', lap: stepLap(all, lap.number, by) });
    };
    if (e.key === 'ArrowDown' || e.key === 'j') step(1);
    else if (e.key === 'ArrowUp' || e.key === 'k') step(-1);
    else if (e.key === ' ') {
      e.preventDefault();
      dispatch({ type: 'toggleLap', lap: lap.number });
    } else if (e.key === 'r' || e.key === 'R') dispatch({ type: 'setRef', lap: lap.number });
    else if (e.key === 'Enter') dispatch({ type: 'screen', screen: 'channels' });
  };

  return (
    <section aria-labelledby="session-title" className="session-screen">
      <ScreenHeader title="Session" id="session-title" keys="↑↓ step lap · Space overlay · R reference · Enter channels">
        <div className="best-block" data-testid="best-lap">
          <span className="best-label">Best</span>
          <span className="best-time">{formatLapTime(best?.timeMs)}</span>
          <span className="best-lap-no">{best ? `lap ${best.number}` : 'no timed lap'}</span>
        </div>
        <button type="button" className="btn btn-primary" disabled={ws.selectedLaps.length === 0} onClick={() => dispatch({ type: 'screen', screen: 'channels' })}>
          Overlay {ws.selectedLaps.length} lap{ws.selectedLaps.length === 1 ? '' : 's'} →
        </button>
      </ScreenHeader>
      <div className="kpi-status" data-testid="kpi-status">
        {kpis.data === undefined ? (
          'Loading KPIs…'
        ) : kpis.data.pending > 0 ? (
          <span className="pending">
            <span className="spinner" aria-hidden="true" /> Computing KPIs — {kpis.data.pending} job{kpis.data.pending === 1 ? '' : 's'} pending
          </span>
        ) : columns.length > 0 ? (
          <span className="done">KPIs from {[...new Set(columns.map((c) => c.plugin))].join(', ')}</span>
        ) : (
          <span className="muted">No KPIs: no KPI plugin was installed when this session was imported.</span>
        )}
        {kpis.data?.failed.map((f) => (
          <span key={f.plugin} className="error kpi-failed">
            {f.plugin}: {f.error}
          </span>
        ))}
      </div>
      <ErrorText error={laps.error ?? kpis.error} />
      {laps.data && laps.data.length === 0 && (
        <Empty title="No laps">
          <p>The file has no lap information and no start/finish line was found. Re-split it with a gate from the command line: race resplit {sessionId} --gate lat,lon</p>
        </Empty>
      )}
      {laps.data && laps.data.length > 0 && (
        <div className="table-scroll">
          <table className="data-table lap-table" data-testid="lap-table">
            <thead>
              <tr>
                <th aria-label="Overlay" className="col-check" />
                <th className="num">Lap</th>
                <th />
                <th className="num">Time</th>
                <th className="num">Δ best</th>
                {columns.map((c) => (
                  <th key={c.key} className="num kpi-col" title={`${c.plugin}: ${c.name} (${c.unit}; better: ${c.better})`}>
                    {c.label}
                    <span className="unit">{c.unit}</span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody ref={table}>
              {laps.data.map((l) => {
                const selected = ws.selectedLaps.includes(l.number);
                const isBest = best?.number === l.number;
                const cls = ['lap-row', `kind-${l.kind}`, isBest ? 'best' : '', selected ? 'selected' : '', ws.focusLap === l.number ? 'focused' : ''].filter(Boolean).join(' ');
                return (
                  <tr key={l.number} data-lap={l.number} className={cls} tabIndex={0} aria-selected={selected} onKeyDown={(e) => onKey(e, l)} onClick={() => dispatch({ type: 'focus', lap: l.number })} onDoubleClick={() => dispatch({ type: 'setRef', lap: l.number })}>
                    <td className="col-check">
                      <input
                        type="checkbox"
                        aria-label={`Overlay lap ${l.number}`}
                        checked={selected}
                        onChange={() => dispatch({ type: 'toggleLap', lap: l.number })}
                        onClick={(e) => e.stopPropagation()}
                        style={selected ? { accentColor: lapColour(ws, l.number) } : undefined}
                      />
                    </td>
                    <td className="num lap-no">
                      {selected && <span className="swatch" style={{ background: lapColour(ws, l.number) }} />}
                      {l.number}
                      {ws.refLap === l.number && (
                        <span className="ref-mark" title="Reference lap">
                          REF
                        </span>
                      )}
                    </td>
                    <td>
                      {l.kind !== 'lap' && <KindBadge kind={l.kind} />}
                      {isBest && <span className="badge best-badge">BEST</span>}
                    </td>
                    <td className="num laptime">{formatLapTime(l.timeMs)}</td>
                    <td className={`num delta ${l.deltaToBestMs === 0 ? 'zero' : ''}`}>{l.kind === 'lap' ? formatDelta(l.deltaToBestMs) : ''}</td>
                    {columns.map((c) => {
                      const v = byLap.get(`${l.number}\u0000${c.key}`);
                      const top = l.kind === 'lap' && v !== undefined && v !== null && bestValue.get(c.key) === v;
                      return (
                        <td key={c.key} className={top ? 'num kpi top' : 'num kpi'}>
                          {v === undefined ? (kpis.data && kpis.data.pending > 0 ? '…' : '') : v === null ? '—' : v.toFixed(decimals.get(c.key) ?? 2)}
                        </td>
                      );
                    })}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
