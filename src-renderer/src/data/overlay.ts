// Loads what the Channels screen overlays and puts it on one axis: for each selected lap,
// the plotted channels (logged or from math plugins), the distance basis (speed, else GPS)
// and the GPS trace for the map; then the axis grid, the plots, the time variance against
// the reference lap, and the map laps.
import type { ChannelSummary, LapInfo, PluginInfo } from '../../../src-shared/contract/index.ts';
import { resolveChannel } from '../../../src-shared/channel-aliases.ts';
import { distanceAxis, distanceFromGps, distanceFromSpeed, onAxis, timeAxis, timeVariance, type Axis, type AxisKind, type Trace } from '../analysis/traces.ts';
import type { MapLap, OverlayModel, PlotModel } from '../plot/model.ts';
import type { ChannelRef } from '../state/workspace.tsx';
import { lapMath, lapSamples, mathOutputs } from './cache.ts';

const MAX_RATE_HZ = 500;

export function gpsChannelsOf(channels: ChannelSummary[]): { lat: ChannelSummary; lon: ChannelSummary } | null {
  const isDeg = (c: ChannelSummary) => /^(deg|°|degrees?)$/i.test(c.unit.trim());
  const lat = resolveChannel('latitude', channels) ?? channels.find((c) => /lat/i.test(c.name) && isDeg(c));
  const lon = resolveChannel('longitude', channels) ?? channels.find((c) => /lon/i.test(c.name) && isDeg(c));
  return lat && lon ? { lat, lon } : null;
}

/** The channels plotted when the engineer has not chosen: the usual four, where the session has them. */
export function defaultPlotted(channels: ChannelSummary[]): ChannelRef[] {
  const names = ['speed', 'rpm', 'throttle', 'brake'].map((n) => resolveChannel(n, channels)?.name).filter((n): n is string => n !== undefined);
  return [...new Set(names)].map((name) => ({ kind: 'log', name }));
}

export function refLabel(ref: ChannelRef, plugins: PluginInfo[]): string {
  if (ref.kind === 'log') return ref.name;
  const p = plugins.find((x) => x.id === ref.plugin);
  return `${ref.output} (${p?.name ?? ref.plugin})`;
}

export interface OverlayRequest {
  sessionId: string;
  laps: LapInfo[];
  refLap: number | null;
  axis: AxisKind;
  plotted: ChannelRef[];
  channels: ChannelSummary[];
  plugins: PluginInfo[];
  colour: (lap: number) => string;
}

export interface OverlayResult {
  model: OverlayModel;
  /** Why the requested axis could not be used, etc. */
  notes: string[];
}

type Loaded = { trace: Trace | null; unit: string; error?: string };

async function loadRef(req: OverlayRequest, ref: ChannelRef, lap: number): Promise<Loaded> {
  try {
    if (ref.kind === 'log') {
      const t = await lapSamples(req.sessionId, ref.name, lap);
      return { trace: t, unit: t.unit };
    }
    const m = await lapMath(req.sessionId, ref.plugin, lap);
    const out = m.channels.find((c) => c.name === ref.output);
    if (!out) return { trace: null, unit: '', error: `${ref.plugin} gave no ${ref.output}` };
    return { trace: { rateHz: m.rateHz, startS: m.startS, samples: out.samples }, unit: out.unit };
  } catch (e) {
    return { trace: null, unit: '', error: (e as Error).message };
  }
}

export async function loadOverlay(req: OverlayRequest, onLoaded?: () => void): Promise<OverlayResult> {
  const notes: string[] = [];
  const speed = resolveChannel('speed', req.channels);
  const gps = gpsChannelsOf(req.channels);
  const wantDistance = req.axis === 'distance';
  if (wantDistance && !speed && !gps) notes.push('No speed or GPS channel to measure distance: laps are overlaid on time.');

  const perLap = await Promise.all(
    req.laps.map(async (lap) => {
      const [plotted, speedTrace, lat, lon] = await Promise.all([
        Promise.all(req.plotted.map((r) => loadRef(req, r, lap.number))),
        wantDistance && speed ? lapSamples(req.sessionId, speed.name, lap.number) : null,
        gps ? lapSamples(req.sessionId, gps.lat.name, lap.number) : null,
        gps ? lapSamples(req.sessionId, gps.lon.name, lap.number) : null,
      ]);
      return { lap, plotted, speedTrace, lat, lon };
    }),
  );
  onLoaded?.();

  const rates = perLap.flatMap((l) => l.plotted.map((p) => p.trace?.rateHz ?? 0));
  const rate = Math.min(MAX_RATE_HZ, Math.max(10, ...rates));
  const windows = req.laps.map((l) => ({ lap: l.number, startS: l.startS, endS: l.endS }));
  let axis: Axis;
  if (wantDistance && (speed || gps)) {
    const longest = Math.max(...req.laps.map((l) => l.endS - l.startS));
    axis = distanceAxis(
      perLap.map((l) => {
        let distance: Trace;
        if (l.speedTrace) distance = { ...l.speedTrace, samples: distanceFromSpeed(l.speedTrace.samples, l.speedTrace.rateHz) };
        else distance = { ...l.lat!, samples: distanceFromGps(l.lat!.samples, l.lon!.samples) };
        return { lap: l.lap.number, startS: l.lap.startS, endS: l.lap.endS, distance };
      }),
      Math.min(200_000, Math.ceil(longest * rate) + 1),
    );
  } else {
    axis = timeAxis(windows, rate);
  }

  const plots: PlotModel[] = [];
  if (axis.kind === 'time' && req.laps.length > 1 && (speed || gps)) notes.push('Time variance compares laps at the same place: switch to the distance axis (D) to see it.');
  const ref = req.refLap !== null && req.laps.some((l) => l.number === req.refLap) ? req.refLap : (req.laps[0]?.number ?? null);
  if (axis.kind === 'distance' && ref !== null && req.laps.length > 1) {
    plots.push({
      id: 'variance',
      label: `Time variance vs lap ${ref}`,
      unit: 's',
      series: req.laps
        .filter((l) => l.number !== ref)
        .map((l) => ({ lap: l.number, colour: req.colour(l.number), reference: false, values: timeVariance(axis, ref, l.number)! })),
    });
  }
  req.plotted.forEach((r, k) => {
    const errors = perLap.map((l) => l.plotted[k]!.error).filter((e): e is string => e !== undefined);
    const unit = perLap.map((l) => l.plotted[k]!.unit).find((u) => u) ?? '';
    plots.push({
      id: r.kind === 'log' ? `log-${r.name}` : `math-${r.plugin}-${r.output}`,
      label: refLabel(r, req.plugins),
      unit,
      error: errors[0],
      series: perLap
        .filter((l) => l.plotted[k]!.trace)
        .map((l) => ({ lap: l.lap.number, colour: req.colour(l.lap.number), reference: l.lap.number === ref, values: onAxis(axis, l.lap.number, l.plotted[k]!.trace!) })),
    });
  });

  let map: MapLap[] | null = null;
  if (gps) {
    map = perLap
      .filter((l) => l.lat && l.lon)
      .map((l) => ({ lap: l.lap.number, colour: req.colour(l.lap.number), reference: l.lap.number === ref, lat: onAxis(axis, l.lap.number, l.lat!), lon: onAxis(axis, l.lap.number, l.lon!) }));
  }
  return { model: { axis, plots, map }, notes };
}

/** Every channel that can be plotted: the session's own, then each math plugin's outputs. */
export function plottable(channels: ChannelSummary[], plugins: PluginInfo[]): { ref: ChannelRef; label: string; detail: string; group: 'logged' | 'math' }[] {
  const logged = channels.map((c) => ({ ref: { kind: 'log', name: c.name } as ChannelRef, label: c.name, detail: `${c.unit || '—'} · ${c.rateHz} Hz`, group: 'logged' as const }));
  const math = plugins
    .filter((p) => p.enabled)
    .flatMap((p) => mathOutputs(p).map((o) => ({ ref: { kind: 'math', plugin: p.id, output: o.name } as ChannelRef, label: o.name, detail: `${o.unit || '—'} · ${p.name}`, group: 'math' as const })));
  return [...logged, ...math];
}
