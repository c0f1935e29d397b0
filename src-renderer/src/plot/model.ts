// What the Channels screen draws, independent of the charting library: plots of lap series
// on one axis grid, and the laps' GPS traces for the track map.
import type { Axis } from '../analysis/traces.ts';

export interface SeriesModel {
  lap: number;
  colour: string;
  /** On the axis grid (NaN where the lap has no data). */
  values: Float64Array;
  reference: boolean;
}

export interface PlotModel {
  id: string;
  label: string;
  unit: string;
  series: SeriesModel[];
  /** Why the plot has no data (a math plugin that failed, a channel missing on a lap). */
  error?: string;
}

export interface MapLap {
  lap: number;
  colour: string;
  reference: boolean;
  lat: Float64Array;
  lon: Float64Array;
}

export interface OverlayModel {
  axis: Axis;
  plots: PlotModel[];
  map: MapLap[] | null;
}

export type XRange = [number, number] | null;

export function fullRange(axis: Pick<Axis, 'n' | 'step'>): [number, number] {
  return [0, (axis.n - 1) * axis.step];
}

/** Zoom by `factor` (<1 in, >1 out) around `centre`, kept inside the axis. */
export function zoomRange(axis: Pick<Axis, 'n' | 'step'>, range: XRange, factor: number, centre?: number): XRange {
  const [f0, f1] = fullRange(axis);
  const [a, b] = range ?? [f0, f1];
  const c = centre ?? (a + b) / 2;
  const minSpan = axis.step * 20;
  const span = Math.max(minSpan, (b - a) * factor);
  if (span >= f1 - f0) return null;
  let lo = c - (c - a) * (span / (b - a));
  lo = Math.max(f0, Math.min(f1 - span, lo));
  return [lo, lo + span];
}

/** Pan by `fraction` of the visible span, kept inside the axis. */
export function panRange(axis: Pick<Axis, 'n' | 'step'>, range: XRange, fraction: number): XRange {
  if (!range) return null;
  const [f0, f1] = fullRange(axis);
  const span = range[1] - range[0];
  const lo = Math.max(f0, Math.min(f1 - span, range[0] + span * fraction));
  return [lo, lo + span];
}
