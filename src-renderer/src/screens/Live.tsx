import { useEffect, useMemo, useRef, useState } from 'react';
import type { ChannelSummary } from '../../../src-shared/contract/index.ts';
import type { InterfaceOutput } from '../../../src-shared/plugins/interfaces.ts';
import { resolveChannel } from '../../../src-shared/channel-aliases.ts';
import { race } from '../bridge.ts';
import { channelsOf } from '../data/cache.ts';
import { useWorkspace } from '../state/workspace.tsx';
import { Empty, ErrorText, ProgressBar, ScreenHeader } from '../ui/bits.tsx';
import { PluginPicker, usePluginChoice } from '../ui/PluginPicker.tsx';
import { useRaceQuery } from '../useRaceQuery.ts';

type HookOutput = InterfaceOutput<'liveHook'>;
type LiveEvent = HookOutput['events'][number] & { t: number; seq: number };

/** The values a live frame carries, by the canonical names hooks ask for. */
const FRAME_VALUES = ['rpm', 'gear', 'speed', 'throttle', 'brake'] as const;
const FRAME_HZ = 10;
const SPEEDS = [1, 4, 16, 0] as const; // 0: as fast as the hook answers

interface Replay {
  names: Partial<Record<(typeof FRAME_VALUES)[number], ChannelSummary>>;
  values: Record<string, Float64Array>;
  frames: number;
}

/** The session resampled to FRAME_HZ frames of the canonical values it has. */
async function loadReplay(sessionId: string, channels: ChannelSummary[]): Promise<Replay> {
  const names: Replay['names'] = {};
  for (const v of FRAME_VALUES) {
    const c = resolveChannel(v, channels);
    if (c) names[v] = c;
  }
  const values: Record<string, Float64Array> = {};
  let frames = 0;
  await Promise.all(
    Object.entries(names).map(async ([key, c]) => {
      const r = await race.sessions.samples({ sessionId, channel: c!.name });
      const duration = r.samples.length / r.rateHz;
      const n = Math.floor(duration * FRAME_HZ);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const t = i / FRAME_HZ;
        const j = Math.round((t - r.startS) * r.rateHz);
        out[i] = j >= 0 && j < r.samples.length ? r.samples[j]! : NaN;
      }
      values[key] = out;
      frames = Math.max(frames, n);
    }),
  );
  return { names, values, frames };
}

export function LiveScreen() {
  const { ws } = useWorkspace();
  const sessionId = ws.sessionId!;
  const choice = usePluginChoice('liveHook');
  const { plugins, choices: hooks, chosen: hook } = choice;
  const channels = useRaceQuery(() => channelsOf(sessionId), [sessionId]);
  const [speed, setSpeed] = useState<(typeof SPEEDS)[number]>(4);
  const [initialState, setInitialState] = useState('{}');
  const [running, setRunning] = useState(false);
  const [frame, setFrame] = useState(0);
  const [last, setLast] = useState<{ values: Record<string, number>; out: HookOutput | null; ms: number } | null>(null);
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [error, setError] = useState<unknown>(null);
  const replay = useRaceQuery(() => (channels.data ? loadReplay(sessionId, channels.data) : Promise.resolve(null)), [sessionId, channels.data]);
  const stop = useRef(false);
  const speedRef = useRef(speed);
  speedRef.current = speed;

  const stateError = useMemo(() => {
    try {
      JSON.parse(initialState);
      return null;
    } catch (e) {
      return `Initial state is not JSON: ${(e as Error).message}`;
    }
  }, [initialState]);

  useEffect(() => () => void (stop.current = true), []);

  const start = async () => {
    const r = replay.data;
    if (!r || !hook || stateError) return;
    stop.current = false;
    setRunning(true);
    setError(null);
    setEvents([]);
    let state: unknown = JSON.parse(initialState);
    let seq = 0;
    const t0 = performance.now();
    try {
      for (let i = 0; i < r.frames && !stop.current; i++) {
        const t = i / FRAME_HZ;
        const values: Record<string, number> = {};
        for (const [k, arr] of Object.entries(r.values)) {
          const v = arr[i]!;
          if (Number.isFinite(v)) values[k] = v;
        }
        // the hook's state goes back in with the next frame: the hook keeps nothing itself
        const res = await race.plugins.invoke({ plugin: hook.id, interface: 'liveHook', input: { frame: { t, values }, state } });
        const out = res.output as HookOutput;
        state = out.state;
        if (out.events.length) setEvents((es) => [...out.events.map((e) => ({ ...e, t, seq: seq++ })).reverse(), ...es].slice(0, 200));
        setLast({ values, out, ms: res.durationMs });
        setFrame(i + 1);
        // real time × speed: wait until this frame is due
        const s = speedRef.current;
        if (s > 0) {
          const due = t0 + ((i + 1) / FRAME_HZ / s) * 1000;
          const wait = due - performance.now();
          if (wait > 1) await new Promise((ok) => setTimeout(ok, wait));
        }
      }
    } catch (e) {
      setError(e);
    } finally {
      setRunning(false);
    }
  };

  const values = last?.values ?? {};
  const lit = last?.out?.values?.shiftLight;
  const overRev = (last?.out?.values?.overRev ?? 0) > 0;
  const leds = 10;
  const frames = replay.data?.frames ?? 0;

  return (
    <section aria-labelledby="live-title" className="live-screen">
      <ScreenHeader title="Live" id="live-title" keys="The open session replayed frame by frame (10 Hz) through a live hook, as if it came off the car">
        <PluginPicker choice={choice} label="Live hook" disabled={running} />
      </ScreenHeader>
      <ErrorText error={plugins.error ?? channels.error ?? replay.error ?? error} />
      {plugins.data && hooks.length === 0 && (
        <Empty title="No live hook installed">
          <p>Install a liveHook plugin (the first-party shift-light) under Plugins.</p>
        </Empty>
      )}
      {hook && (
        <div className="live-grid">
          <div className="panel live-controls">
            <h2>{hook.name}</h2>
            <p className="muted small">{hook.description}</p>
            <label className="field">
              <span className="field-label">Initial state (JSON)</span>
              <textarea className="input mono" rows={3} value={initialState} onChange={(e) => setInitialState(e.target.value)} disabled={running} aria-invalid={!!stateError} />
            </label>
            {stateError && <p className="error small">{stateError}</p>}
            <div className="segmented" role="radiogroup" aria-label="Replay speed">
              {SPEEDS.map((s) => (
                <button key={s} type="button" role="radio" aria-checked={speed === s} className={speed === s ? 'active' : ''} onClick={() => setSpeed(s)}>
                  {s === 0 ? 'Max' : `${s}×`}
                </button>
              ))}
            </div>
            <div className="live-buttons">
              {running ? (
                <button type="button" className="btn btn-danger" onClick={() => (stop.current = true)}>
                  Stop
                </button>
              ) : (
                <button type="button" className="btn btn-primary" onClick={() => void start()} disabled={!replay.data || !!stateError || frames === 0}>
                  Start replay
                </button>
              )}
            </div>
            <ProgressBar fraction={frames ? frame / frames : 0} label="Replay position" />
            <p className="muted small" data-testid="live-frames">
              {frame} / {frames} frames · t = {(frame / FRAME_HZ).toFixed(1)} s{last ? ` · hook ${last.ms.toFixed(1)} ms` : ''}
            </p>
            <p className="muted small">Frame values: {Object.entries(replay.data?.names ?? {}).map(([k, c]) => `${k} ← ${c!.name}`).join(', ') || 'none found'}</p>
          </div>
          <div className="panel live-display">
            <div className={overRev ? 'shift-bar over' : 'shift-bar'} aria-label="Shift light" data-testid="shift-light">
              {Array.from({ length: leds }, (_, i) => {
                const on = lit !== undefined && lit * leds > i;
                const zone = i < 5 ? 'green' : i < 8 ? 'amber' : 'red';
                return <span key={i} className={on ? `led on ${lit! >= 1 ? 'blue' : zone}` : 'led'} />;
              })}
            </div>
            <div className="live-readouts">
              <div className="live-big">
                <span className="cell-label">RPM</span>
                <span className="live-value">{Number.isFinite(values.rpm) ? Math.round(values.rpm!) : '—'}</span>
              </div>
              <div className="live-big">
                <span className="cell-label">Gear</span>
                <span className="live-value">{Number.isFinite(values.gear) ? Math.round(values.gear!) : '—'}</span>
              </div>
              <div className="live-big">
                <span className="cell-label">Speed</span>
                <span className="live-value">{Number.isFinite(values.speed) ? Math.round(values.speed!) : '—'}</span>
              </div>
            </div>
            <h2>Events</h2>
            <ol className="live-events" data-testid="live-events" aria-live="polite">
              {events.length === 0 && <li className="muted">No events yet.</li>}
              {events.map((e) => (
                <li key={e.seq} className={`live-event level-${e.level}`}>
                  <span className="event-t">{e.t.toFixed(1)} s</span>
                  <span className="event-level">{e.level.toUpperCase()}</span>
                  <span className="event-msg">{e.message}</span>
                </li>
              ))}
            </ol>
          </div>
        </div>
      )}
    </section>
  );
}
