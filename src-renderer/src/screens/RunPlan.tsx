import { useEffect, useMemo, useState } from 'react';
import type { InterfaceOutput } from '../../../src-shared/plugins/interfaces.ts';
import { formatLapTime } from '../../../src-shared/format.ts';
import { useSessions } from '../App.tsx';
import { race } from '../bridge.ts';
import { useSessionLaps } from '../data/useSessionLaps.ts';
import { useWorkspace } from '../state/workspace.tsx';
import { Empty, ErrorText, ScreenHeader } from '../ui/bits.tsx';
import { PluginPicker, usePluginChoice } from '../ui/PluginPicker.tsx';

type Plan = InterfaceOutput<'runPlan'>;

interface Targets {
  basis: 'laps' | 'minutes';
  laps: string;
  stintMinutes: string;
  fuelPerLap: string;
  tankLitres: string;
  weatherUrl: string;
}

const DEFAULT_TARGETS: Targets = { basis: 'laps', laps: '30', stintMinutes: '60', fuelPerLap: '2.6', tankLitres: '60', weatherUrl: '' };

// targets are remembered per session in this browser (they are the engineer's, not the data's)
const storageKey = (sessionId: string) => `race.runplan.${sessionId}`;
function loadTargets(sessionId: string): Targets {
  try {
    return { ...DEFAULT_TARGETS, ...(JSON.parse(localStorage.getItem(storageKey(sessionId)) ?? '{}') as Partial<Targets>) };
  } catch {
    return DEFAULT_TARGETS;
  }
}

const num = (s: string): number | undefined => {
  const v = Number(s.replace(',', '.'));
  return s.trim() !== '' && Number.isFinite(v) ? v : undefined;
};

function Field({ label, unit, value, onChange, name, invalid }: { label: string; unit?: string; value: string; onChange: (v: string) => void; name: string; invalid?: boolean }) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <span className="field-input">
        <input className={invalid ? 'input invalid' : 'input'} name={name} inputMode="decimal" value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={invalid} />
        {unit && <span className="field-unit">{unit}</span>}
      </span>
    </label>
  );
}

export function RunPlanScreen() {
  const { ws } = useWorkspace();
  const sessionId = ws.sessionId!;
  const sessions = useSessions();
  const laps = useSessionLaps();
  const choice = usePluginChoice('runPlan');
  const { plugins, choices: planners, chosen: plugin } = choice;
  const [targets, setTargets] = useState<Targets>(() => loadTargets(sessionId));
  const [result, setResult] = useState<{ plan?: Plan; error?: unknown; logs?: string[]; ms?: number; runtime?: string }>({});
  const session = sessions.data?.find((s) => s.id === sessionId);

  useEffect(() => setTargets(loadTargets(sessionId)), [sessionId]);
  useEffect(() => localStorage.setItem(storageKey(sessionId), JSON.stringify(targets)), [sessionId, targets]);

  const set = (k: keyof Targets) => (v: string) => setTargets((t) => ({ ...t, [k]: v }));
  const target = useMemo(() => {
    const t: { laps?: number; stintMinutes?: number; fuelPerLap?: number; tankLitres?: number } = {};
    const lapsN = num(targets.laps);
    const minutes = num(targets.stintMinutes);
    if (targets.basis === 'laps' && lapsN !== undefined && lapsN > 0 && Number.isInteger(lapsN)) t.laps = lapsN;
    if (targets.basis === 'minutes' && minutes !== undefined && minutes > 0) t.stintMinutes = minutes;
    const fuel = num(targets.fuelPerLap);
    if (fuel !== undefined && fuel >= 0) t.fuelPerLap = fuel;
    const tank = num(targets.tankLitres);
    if (tank !== undefined && tank > 0) t.tankLitres = tank;
    return t;
  }, [targets]);

  // the plan follows the targets as they are typed (after a short pause)
  useEffect(() => {
    if (!plugin || !laps.data) return;
    let live = true;
    const timer = setTimeout(() => {
      const input = {
        session: { id: sessionId, venue: session?.venue ?? null, ...(targets.weatherUrl.trim() ? { weatherUrl: targets.weatherUrl.trim() } : {}) },
        laps: laps.data!.filter((l) => l.kind === 'lap').map((l) => ({ timeMs: l.timeMs })),
        target,
      };
      race.plugins.invoke({ plugin: plugin.id, interface: 'runPlan', input }).then(
        (r) => live && setResult({ plan: r.output as Plan, logs: r.logs, ms: r.durationMs, runtime: r.runtime }),
        (error) => live && setResult({ error }),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [plugin?.id, plugin?.hash, laps.data, target, targets.weatherUrl, sessionId, session?.venue]);

  const timed = (laps.data ?? []).filter((l) => l.kind === 'lap');
  const fetches = plugin?.capabilities.some((c) => c.name === 'fetch');

  return (
    <section aria-labelledby="runplan-title" className="runplan-screen">
      <ScreenHeader title="Run plan" id="runplan-title" keys="The plan follows the targets as you type">
        <PluginPicker choice={choice} label="Planner plugin" caption="Planner" />
      </ScreenHeader>
      <ErrorText error={plugins.error ?? laps.error} />
      {plugins.data && planners.length === 0 && (
        <Empty title="No run planner installed">
          <p>Install a runPlan plugin (the first-party fuel-plan) under Plugins.</p>
        </Empty>
      )}
      {plugin && (
        <div className="runplan-grid">
          <form className="panel targets" aria-label="Targets" onSubmit={(e) => e.preventDefault()}>
            <h2>Targets</h2>
            <div className="segmented" role="radiogroup" aria-label="Plan for">
              {(['laps', 'minutes'] as const).map((b) => (
                <button key={b} type="button" role="radio" aria-checked={targets.basis === b} className={targets.basis === b ? 'active' : ''} onClick={() => setTargets((t) => ({ ...t, basis: b }))}>
                  {b === 'laps' ? 'Laps' : 'Minutes'}
                </button>
              ))}
            </div>
            {targets.basis === 'laps' ? (
              <Field label="Race laps" name="laps" value={targets.laps} onChange={set('laps')} invalid={target.laps === undefined} />
            ) : (
              <Field label="Run length" unit="min" name="stintMinutes" value={targets.stintMinutes} onChange={set('stintMinutes')} invalid={target.stintMinutes === undefined} />
            )}
            <Field label="Fuel per lap" unit="L" name="fuelPerLap" value={targets.fuelPerLap} onChange={set('fuelPerLap')} invalid={targets.fuelPerLap.trim() !== '' && target.fuelPerLap === undefined} />
            <Field label="Tank capacity" unit="L" name="tankLitres" value={targets.tankLitres} onChange={set('tankLitres')} invalid={targets.tankLitres.trim() !== '' && target.tankLitres === undefined} />
            {fetches && (
              <label className="field">
                <span className="field-label">Weather station URL</span>
                <input className="input" name="weatherUrl" value={targets.weatherUrl} placeholder="http://127.0.0.1:…/weather" onChange={(e) => set('weatherUrl')(e.target.value)} />
              </label>
            )}
            <p className="muted small">
              From this session: {timed.length} timed laps, best {formatLapTime(Math.min(...timed.map((l) => l.timeMs)))}.
            </p>
          </form>
          <div className="panel plan" data-testid="run-plan">
            <h2>{plugin.name}</h2>
            <ErrorText error={result.error} prefix="No plan" />
            {result.plan && (
              <>
                <p className="plan-summary" data-testid="plan-summary">
                  {result.plan.summary}
                </p>
                {result.plan.steps.length > 0 && (
                  <table className="data-table plan-table">
                    <thead>
                      <tr>
                        <th>Stint</th>
                        <th className="num">Laps</th>
                        <th className="num">Fuel</th>
                        <th>Notes</th>
                      </tr>
                    </thead>
                    <tbody>
                      {result.plan.steps.map((s, i) => (
                        <tr key={i}>
                          <td className="strong">{s.label}</td>
                          <td className="num big">{s.laps}</td>
                          <td className="num big">{Number.isFinite(s.fuelLitres) ? `${s.fuelLitres.toFixed(1)} L` : '—'}</td>
                          <td className="notes">{s.notes}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
                {result.logs && result.logs.length > 0 && (
                  <details className="logs">
                    <summary>Plugin log ({result.logs.length})</summary>
                    <pre>{result.logs.join('\n')}</pre>
                  </details>
                )}
                <p className="muted small" data-testid="plan-provenance">
                  {plugin.id} {plugin.version} · {result.runtime === 'v8' ? 'Race server (V8)' : 'this computer (QuickJS)'} · {result.ms?.toFixed(1)} ms
                </p>
              </>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
