import { useEffect, useMemo, useState } from 'react';
import type { LapInfo, LapKpi, PluginInfo } from '../../../src-shared/contract/index.ts';
import type { Cell } from '../../../src-shared/plugins/interfaces.ts';
import { race } from '../bridge.ts';
import { CellView } from '../cells/CellView.tsx';
import { declaredParams } from '../data/cache.ts';
import { useSessionLaps } from '../data/useSessionLaps.ts';
import { lapColour, useWorkspace } from '../state/workspace.tsx';
import { Empty, ErrorText, ScreenHeader } from '../ui/bits.tsx';
import { useRaceQuery } from '../useRaceQuery.ts';
import { useKpis } from './Session.tsx';

type Params = Record<string, number | boolean | string>;

/**
 * The params a card gets: the plugin's declared defaults, then the reference lap as the
 * yardstick — its time (refLapMs) and each of its KPI values under the KPI's name.
 */
function cardParams(plugin: PluginInfo, ref: LapInfo | undefined, refKpis: LapKpi[]): Params {
  const params: Params = {};
  for (const p of declaredParams(plugin, 'uiCell')) params[p.name] = p.default;
  if (ref && ref.kind === 'lap') params.refLapMs = ref.timeMs;
  // to the thousandth: a yardstick, shown as the card's reference column
  for (const k of refKpis) if (k.value !== null) params[k.name] = Math.round(k.value * 1000) / 1000;
  return params;
}

function Card({ plugin, lap, kpis, params, colour, isRef }: { plugin: PluginInfo; lap: LapInfo; kpis: LapKpi[]; params: Params; colour: string; isRef: boolean }) {
  const [state, setState] = useState<{ cell?: Cell; error?: unknown }>({});
  // (useKpis keeps the KPI array while a poll brings the same KPIs: the cell is not rerun)
  const input = useMemo(
    () => ({ kpis: kpis.map((k) => ({ name: k.name, value: k.value ?? NaN, unit: k.unit, better: k.better })), lap: { number: lap.number, timeMs: lap.timeMs }, params }),
    [kpis, lap, params],
  );
  useEffect(() => {
    let live = true;
    race.plugins.invoke({ plugin: plugin.id, interface: 'uiCell', input }).then(
      (r) => live && setState({ cell: r.output as Cell }),
      (error) => live && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, [plugin.id, input]);
  return (
    <article className="dash-card" style={{ borderTopColor: colour }} data-testid={`cell-${plugin.id}-${lap.number}`}>
      <header>
        <span className="swatch" style={{ background: colour }} />
        <strong>Lap {lap.number}</strong>
        {isRef && <span className="ref-mark">REF</span>}
        <span className="muted">{plugin.name}</span>
      </header>
      <ErrorText error={state.error} />
      {state.cell ? <CellView cell={state.cell} /> : !state.error && <p className="muted">…</p>}
    </article>
  );
}

export function DashboardScreen() {
  const { ws } = useWorkspace();
  const sessionId = ws.sessionId!;
  const laps = useSessionLaps();
  const kpis = useKpis(sessionId);
  const plugins = useRaceQuery(() => race.plugins.list(), []);
  const cells = (plugins.data ?? []).filter((p) => p.enabled && p.interfaces.includes('uiCell'));
  const shown = (laps.data ?? []).filter((l) => ws.selectedLaps.includes(l.number)).sort((a, b) => ws.selectedLaps.indexOf(a.number) - ws.selectedLaps.indexOf(b.number));
  const ref = laps.data?.find((l) => l.number === ws.refLap);
  // cards for one plugin compare with its own KPIs of the reference lap
  const kpisOf = (lap: number, plugin: string | null) => (kpis.data?.kpis ?? []).filter((k) => k.lap === lap && (plugin === null || k.plugin === plugin));
  const all = kpis.data?.kpis;
  const paramsFor = useMemo(() => {
    const cache = new Map<string, Params>();
    return (p: PluginInfo) => {
      let v = cache.get(p.id);
      if (!v) cache.set(p.id, (v = cardParams(p, ref, ref ? (all ?? []).filter((k) => k.lap === ref.number) : [])));
      return v;
    };
  }, [ref, all]);
  const lapKpis = useMemo(() => {
    const m = new Map<number, LapKpi[]>();
    for (const l of shown) m.set(l.number, kpisOf(l.number, null));
    return m;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [all, shown.map((l) => l.number).join()]);

  return (
    <section aria-labelledby="dashboard-title">
      <ScreenHeader title="Dashboard" id="dashboard-title" keys="Cards for the overlaid laps (pick them on the Session screen), compared with the reference lap" />
      <ErrorText error={plugins.error ?? kpis.error} />
      {plugins.data && cells.length === 0 && (
        <Empty title="No dashboard cells">
          <p>Install a plugin with the uiCell interface (the first-party kpi-card) under Plugins.</p>
        </Empty>
      )}
      {kpis.data && kpis.data.pending > 0 && <p className="note">KPIs are still being computed ({kpis.data.pending} jobs): the cards fill in when they finish.</p>}
      {cells.map((p) => (
        <div key={p.id} className="dash-row">
          <h2 className="dash-title">{p.name}</h2>
          <div className="dash-cards">
            {shown.map((l) => (
              <Card key={l.number} plugin={p} lap={l} kpis={lapKpis.get(l.number) ?? []} params={paramsFor(p)} colour={lapColour(ws, l.number)} isRef={l.number === ws.refLap} />
            ))}
          </div>
        </div>
      ))}
    </section>
  );
}
