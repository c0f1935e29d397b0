import { useEffect, useMemo, useRef, useState } from 'react';
import type { LapInfo } from '../../../src-shared/contract/index.ts';
import { formatLapTime } from '../../../src-shared/format.ts';
import { race } from '../bridge.ts';
import { channelsOf } from '../data/cache.ts';
import { defaultPlotted, loadOverlay, plottable } from '../data/overlay.ts';
import { stepLap, useSessionLaps } from '../data/useSessionLaps.ts';
import { mark, measureFrom } from '../perf.ts';
import { panRange, zoomRange, type OverlayModel, type XRange } from '../plot/model.ts';
import { PlotStack } from '../plot/PlotStack.ts';
import { TrackMap } from '../plot/TrackMap.ts';
import { channelKey, lapColour, useWorkspace, type ChannelRef } from '../state/workspace.tsx';
import { ErrorText, formatDelta } from '../ui/bits.tsx';
import { useRaceQuery } from '../useRaceQuery.ts';

/** Keys typed into a text field are text, not shortcuts (a ticked checkbox keeps shortcuts working). */
const typing = (e: KeyboardEvent) => {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  if (t instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit', 'range'].includes(t.type);
  return t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable;
};

export function ChannelsScreen() {
  const { ws, dispatch } = useWorkspace();
  const sessionId = ws.sessionId!;
  const laps = useSessionLaps();
  const channels = useRaceQuery(() => channelsOf(sessionId), [sessionId]);
  const plugins = useRaceQuery(() => race.plugins.list(), []);
  const [filter, setFilter] = useState('');
  const [model, setModel] = useState<OverlayModel | null>(null);
  const [notes, setNotes] = useState<string[]>([]);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [range, setRange] = useState<XRange>(null);
  const plotsEl = useRef<HTMLDivElement>(null);
  const mapEl = useRef<HTMLDivElement>(null);
  const stack = useRef<PlotStack | null>(null);
  const map = useRef<TrackMap | null>(null);
  const lapCursor = useRef<HTMLDivElement>(null);
  // what the imperative callbacks (cursor, drawn) need of the current model
  const cursorState = useRef<{ model: OverlayModel | null; ref: number | null }>({ model: null, ref: null });

  const plotted: ChannelRef[] | null = useMemo(() => ws.plotted ?? (channels.data ? defaultPlotted(channels.data) : null), [ws.plotted, channels.data]);
  const selected: LapInfo[] = useMemo(() => (laps.data ?? []).filter((l) => ws.selectedLaps.includes(l.number)).sort((a, b) => ws.selectedLaps.indexOf(a.number) - ws.selectedLaps.indexOf(b.number)), [laps.data, ws.selectedLaps]);

  // the plots and the map live outside React: created once, fed models and ranges
  useEffect(() => {
    const s = new PlotStack(plotsEl.current!, {
      onCursor: (index, event, handlingFrom) => {
        map.current?.setCursor(index);
        updateLapCursor(index);
        // the benchmark's cursor figures: from the page receiving the pointer event to every
        // plot, readout and map marker updated; from the event's own timestamp (Chromium
        // delivers mouse moves aligned to frames); and until the frame that shows it starts
        if (event && handlingFrom !== null && index !== null) {
          const end = performance.now();
          performance.measure('race:cursor', { start: handlingFrom, end });
          performance.measure('race:cursor-input', { start: event.timeStamp, end });
          requestAnimationFrame(() => performance.measure('race:cursor-frame', { start: event.timeStamp, end: performance.now() }));
        }
      },
      onRange: (r) => setRange(r),
      onDrawn: () => {
        // the benchmark's overlay figures: samples in hand → every plot drawn, and the whole
        // change (loading included) → drawn; detail says what was drawn
        const m = cursorState.current.model;
        const detail = m ? { axis: m.axis.kind, plots: m.plots.length, series: m.plots.reduce((a, p) => a + p.series.length, 0), points: m.axis.n } : null;
        measureFrom('race:overlay-drawn', 'race:overlay-build', detail);
        measureFrom('race:overlay-total', 'race:overlay-request', detail);
      },
    });
    const m = new TrackMap(mapEl.current!);
    stack.current = s;
    map.current = m;
    return () => {
      s.destroy();
      m.destroy();
    };
  }, []);

  // a cursor readout per lap (time into the lap, and the gap to the reference) without React
  const updateLapCursor = (index: number | null) => {
    const { model: m } = cursorState.current;
    const box = lapCursor.current;
    if (!box || !m) return;
    const variance = m.plots.find((p) => p.id === 'variance');
    for (const el of box.querySelectorAll<HTMLElement>('[data-cursor-lap]')) {
      const basis = m.axis.laps.get(Number(el.dataset.cursorLap));
      const t = index === null || !basis ? NaN : basis.t[index]! - basis.startS;
      el.textContent = Number.isFinite(t) ? `${t.toFixed(2)} s` : '—';
    }
    for (const el of box.querySelectorAll<HTMLElement>('[data-cursor-delta]')) {
      const v = variance?.series.find((s) => s.lap === Number(el.dataset.cursorDelta));
      const d = index !== null && v ? v.values[index]! : NaN;
      el.textContent = Number.isFinite(d) ? formatDelta(d * 1000) : '';
      el.className = `num ${d > 0 ? 'slower' : d < 0 ? 'faster' : ''}`;
    }
  };

  useEffect(() => {
    if (!plotted || !laps.data || !channels.data || !plugins.data) return;
    if (selected.length === 0) {
      setModel(null);
      return;
    }
    let live = true;
    setLoading(true);
    setLoadError(null);
    mark('race:overlay-request');
    loadOverlay(
      { sessionId, laps: selected, refLap: ws.refLap, axis: ws.axis, plotted, channels: channels.data, plugins: plugins.data, colour: (lap) => lapColour(ws, lap) },
      () => mark('race:overlay-build'),
    ).then(
      (r) => {
        if (!live) return;
        setLoading(false);
        setNotes(r.notes);
        setModel(r.model);
      },
      (e) => {
        if (!live) return;
        setLoading(false);
        setLoadError(e);
      },
    );
    return () => {
      live = false;
    };
    // lapColour depends on the selection order, which selectedLaps carries
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sessionId, selected, ws.refLap, ws.axis, plotted, laps.data, channels.data, plugins.data]);

  // a new model starts unzoomed when its axis changed kind; otherwise keeps the zoom
  const lastAxisKind = useRef<string | null>(null);
  useEffect(() => {
    if (!model) return;
    const keep = lastAxisKind.current === model.axis.kind ? range : null;
    lastAxisKind.current = model.axis.kind;
    cursorState.current = { model, ref: ws.refLap };
    if (keep !== range) setRange(keep);
    stack.current?.setModel(model, keep);
    map.current?.setModel(model.map ?? [], model.axis, keep);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model]);

  useEffect(() => {
    stack.current?.setRange(range);
    map.current?.setRange(range);
  }, [range]);

  // keys: zoom (+ − 0), pan (← →), lap stepping ([ ]: the compared lap), axis (D / T)
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e) || e.altKey || e.ctrlKey || e.metaKey || !model) return;
      const axis = model.axis;
      if (e.key === '+' || e.key === '=') setRange((r) => zoomRange(axis, r, 0.5));
      else if (e.key === '-' || e.key === '_') setRange((r) => zoomRange(axis, r, 2));
      else if (e.key === '0' || e.key === 'Escape') setRange(null);
      else if (e.key === 'ArrowLeft') setRange((r) => panRange(axis, r, -0.25));
      else if (e.key === 'ArrowRight') setRange((r) => panRange(axis, r, 0.25));
      else if (e.key === '[' || e.key === ']') {
        const all = laps.data ?? [];
        const moving = [...ws.selectedLaps].reverse().find((l) => l !== ws.refLap);
        const from = moving ?? ws.refLap;
        let next = stepLap(all, from, e.key === ']' ? 1 : -1);
        // skip laps already on screen
        while (next !== null && next !== from && ws.selectedLaps.includes(next)) {
          const after = stepLap(all, next, e.key === ']' ? 1 : -1);
          if (after === next) break;
          next = after;
        }
        if (next === null || ws.selectedLaps.includes(next)) return;
        dispatch({ type: 'selectLaps', laps: moving === undefined ? [...ws.selectedLaps, next] : ws.selectedLaps.map((l) => (l === moving ? next! : l)) });
      } else if (e.key === 'd' || e.key === 'D') dispatch({ type: 'axis', axis: 'distance' });
      else if (e.key === 't' || e.key === 'T') dispatch({ type: 'axis', axis: 'time' });
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [model, laps.data, ws.selectedLaps, ws.refLap, dispatch]);

  const options = useMemo(() => (channels.data && plugins.data ? plottable(channels.data, plugins.data) : []), [channels.data, plugins.data]);
  const plottedKeys = new Set((plotted ?? []).map(channelKey));
  const toggle = (ref: ChannelRef) => {
    const current = plotted ?? [];
    const key = channelKey(ref);
    dispatch({ type: 'plotted', channels: plottedKeys.has(key) ? current.filter((r) => channelKey(r) !== key) : [...current, ref] });
  };
  const shown = options.filter((o) => !filter || `${o.label} ${o.detail}`.toLowerCase().includes(filter.toLowerCase()));
  const refInfo = laps.data?.find((l) => l.number === ws.refLap);

  return (
    <section aria-labelledby="channels-title" className="channels-screen">
      <aside className="channel-picker" aria-label="Channels">
        <h1 id="channels-title">Channels</h1>
        <input type="search" className="input" placeholder="Filter channels" aria-label="Filter channels" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <ErrorText error={channels.error ?? plugins.error} />
        {(['logged', 'math'] as const).map((group) => {
          const items = shown.filter((o) => o.group === group);
          if (items.length === 0) return null;
          return (
            <div key={group} className="channel-group">
              <h2>{group === 'logged' ? 'Logged' : 'Math (plugins)'}</h2>
              <ul>
                {items.map((o) => (
                  <li key={channelKey(o.ref)}>
                    <label className={plottedKeys.has(channelKey(o.ref)) ? 'channel-option on' : 'channel-option'}>
                      <input type="checkbox" checked={plottedKeys.has(channelKey(o.ref))} onChange={() => toggle(o.ref)} aria-label={o.group === 'math' ? `${o.label} (math)` : o.label} />
                      <span className="channel-name">{o.label}</span>
                      <span className="channel-detail">{o.detail}</span>
                    </label>
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
      </aside>

      <div className="plots-column">
        <div className="overlay-bar">
          <div className="lap-chips" aria-label="Overlaid laps">
            {selected.map((l) => (
              <span key={l.number} className={l.number === ws.refLap ? 'lap-chip ref' : 'lap-chip'} style={{ borderColor: lapColour(ws, l.number) }} data-testid={`lap-chip-${l.number}`}>
                <span className="swatch" style={{ background: lapColour(ws, l.number) }} />
                <button type="button" className="chip-main" title="Make this the reference lap" onClick={() => dispatch({ type: 'setRef', lap: l.number })}>
                  Lap {l.number} <b>{formatLapTime(l.timeMs)}</b>
                  {l.number === ws.refLap ? <span className="ref-mark">REF</span> : <span className="chip-delta">{refInfo ? formatDelta(l.timeMs - refInfo.timeMs) : ''}</span>}
                </button>
                <button type="button" className="chip-x" aria-label={`Remove lap ${l.number}`} onClick={() => dispatch({ type: 'toggleLap', lap: l.number })}>
                  ×
                </button>
              </span>
            ))}
            <select
              className="input add-lap"
              aria-label="Add a lap"
              value=""
              onChange={(e) => {
                if (e.target.value) dispatch({ type: 'toggleLap', lap: Number(e.target.value) });
              }}
            >
              <option value="">+ Add lap</option>
              {(laps.data ?? [])
                .filter((l) => !ws.selectedLaps.includes(l.number))
                .map((l) => (
                  <option key={l.number} value={l.number}>
                    Lap {l.number} · {formatLapTime(l.timeMs)}
                    {l.kind !== 'lap' ? ` (${l.kind})` : ''}
                  </option>
                ))}
            </select>
          </div>
        </div>
        <div className="overlay-tools">
          <div className="axis-switch" role="radiogroup" aria-label="X axis">
            {(['distance', 'time'] as const).map((a) => (
              <button key={a} type="button" role="radio" aria-checked={(model?.axis.kind ?? ws.axis) === a} className={(model?.axis.kind ?? ws.axis) === a ? 'active' : ''} onClick={() => dispatch({ type: 'axis', axis: a })}>
                {a === 'distance' ? 'Distance' : 'Time'}
              </button>
            ))}
          </div>
          <button type="button" className="btn btn-small" disabled={!range} onClick={() => setRange(null)}>
            Reset zoom
          </button>
          <p className="keys-hint">Drag to zoom · wheel zoom · Shift+wheel / ←→ pan · + − 0 zoom · [ ] step compared lap · D/T axis · double-click reset</p>
        </div>
        {notes.map((n) => (
          <p key={n} className="note">
            {n}
          </p>
        ))}
        <ErrorText error={loadError} prefix="Could not load the overlay" />
        {selected.length === 0 && laps.data && <p className="note">Pick laps to overlay: + Add lap, or Space on the Session screen.</p>}
        <div className={loading ? 'plots loading' : 'plots'} ref={plotsEl} data-testid="plots" aria-busy={loading} />
      </div>

      <aside className="map-column" aria-label="Track map">
        <div className="map-box" ref={mapEl} data-testid="track-map" />
        {model && !model.map && <p className="note">No GPS position channels: no track map.</p>}
        <div className="lap-cursor" ref={lapCursor}>
          <table className="data-table compact">
            <thead>
              <tr>
                <th>Lap</th>
                <th className="num">Time</th>
                <th className="num">Cursor</th>
                <th className="num">Δ ref</th>
              </tr>
            </thead>
            <tbody>
              {selected.map((l) => {
                return (
                  <tr key={l.number}>
                    <td>
                      <span className="swatch" style={{ background: lapColour(ws, l.number) }} />
                      {l.number}
                      {l.number === ws.refLap && <span className="ref-mark">REF</span>}
                    </td>
                    <td className="num">{formatLapTime(l.timeMs)}</td>
                    <td className="num" data-cursor-lap={l.number}>
                      —
                    </td>
                    <td className="num" data-cursor-delta={l.number} />
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </aside>
    </section>
  );
}
