// The stacked channel plots (uPlot), driven imperatively: React hands over a model and a
// zoom range; this draws min/max-decimated series for the visible range at one point pair
// per pixel, keeps one cursor across all plots (and reports it for the track map), and
// turns drag-select, wheel and double-click into zoom requests. No React state is touched
// on a cursor move: it has to be done well inside a frame.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { decimateMinMax } from '../analysis/decimate.ts';
import { indexAt, type Axis } from '../analysis/traces.ts';
import { fullRange, zoomRange, panRange, type OverlayModel, type PlotModel, type XRange } from './model.ts';

export interface PlotStackEvents {
  /**
   * The cursor's grid index (null: it left the plots); the pointer event that moved it and
   * when the page started handling that event (performance.now()), when it was one.
   */
  onCursor(index: number | null, event: Event | null, handlingFrom: number | null): void;
  onRange(range: XRange): void;
  /** Every plot has drawn the model given to setModel. */
  onDrawn(): void;
}

interface Entry {
  model: PlotModel;
  u: uPlot;
  readouts: HTMLElement[];
}

const AXIS_STROKE = '#c9d1da';
const GRID = { stroke: '#2a323c', width: 1 };
const FONT = '13px system-ui, sans-serif';

function formatX(axis: Axis, x: number): string {
  return axis.kind === 'distance' ? `${Math.round(x)} m` : `${x.toFixed(2)} s`;
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  return v.toFixed(a >= 1000 ? 0 : a >= 100 ? 1 : a >= 1 ? 2 : 3);
}

export class PlotStack {
  private readonly root: HTMLElement;
  private readonly events: PlotStackEvents;
  private model: OverlayModel | null = null;
  private entries: Entry[] = [];
  private range: XRange = null;
  private syncing = false;
  private pendingDraws = 0;
  private readonly resizeObserver: ResizeObserver;
  private xReadout: HTMLElement | null = null;
  /** When the current pointer event reached the plots (capture phase, before uPlot's handler). */
  private dispatchedAt: number | null = null;
  private readonly onPointer = () => {
    this.dispatchedAt = performance.now();
  };

  constructor(root: HTMLElement, events: PlotStackEvents) {
    this.root = root;
    this.events = events;
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(root);
    root.addEventListener('wheel', this.onWheel, { passive: false });
    root.addEventListener('mousemove', this.onPointer, { capture: true });
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.root.removeEventListener('wheel', this.onWheel);
    this.root.removeEventListener('mousemove', this.onPointer, { capture: true });
    this.clear();
  }

  private clear(): void {
    for (const e of this.entries) e.u.destroy();
    this.entries = [];
    this.root.replaceChildren();
  }

  private plotSize(): { width: number; height: number } {
    const count = Math.max(1, this.model?.plots.length ?? 1);
    const headers = count * 26 + 24; // + the x axis under the last plot
    const width = Math.max(200, Math.floor(this.root.clientWidth));
    // share the height; past ~6 plots they keep a readable minimum and the stack scrolls
    const height = Math.max(90, Math.floor((this.root.clientHeight - headers - 4) / count));
    return { width, height };
  }

  setModel(model: OverlayModel, range: XRange): void {
    this.clear();
    this.model = model;
    this.range = range;
    this.showRange();
    const { width, height } = this.plotSize();
    const axis = model.axis;
    this.pendingDraws = model.plots.length;
    if (this.pendingDraws === 0) this.events.onDrawn();
    model.plots.forEach((plot, k) => {
      const last = k === model.plots.length - 1;
      const box = document.createElement('div');
      box.className = 'plot';
      box.dataset.testid = `plot-${plot.id}`;
      box.dataset.series = String(plot.series.length);
      const header = document.createElement('div');
      header.className = 'plot-header';
      const title = document.createElement('span');
      title.className = 'plot-title';
      title.textContent = plot.label;
      const unit = document.createElement('span');
      unit.className = 'plot-unit';
      unit.textContent = plot.unit;
      header.append(title, unit);
      const readouts = plot.series.map((s) => {
        const r = document.createElement('span');
        r.className = 'plot-readout';
        r.style.color = s.colour;
        r.dataset.lap = String(s.lap);
        r.textContent = '—';
        header.append(r);
        return r;
      });
      if (plot.error) {
        const err = document.createElement('span');
        err.className = 'plot-error';
        err.textContent = plot.error;
        header.append(err);
      }
      if (k === 0) {
        this.xReadout = document.createElement('span');
        this.xReadout.className = 'plot-x-readout';
        this.xReadout.dataset.testid = 'cursor-x';
        header.append(this.xReadout);
      }
      const target = document.createElement('div');
      box.append(header, target);
      this.root.append(box);

      const opts: uPlot.Options = {
        width,
        height: last ? height + 24 : height,
        padding: [6, 14, 0, 0],
        legend: { show: false },
        cursor: {
          y: false,
          drag: { x: true, y: false, setScale: false },
          points: { size: 8, width: 2 },
          bind: {
            dblclick: () => () => {
              this.events.onRange(null);
              return null;
            },
          },
        },
        select: { show: true, left: 0, top: 0, width: 0, height: 0 },
        scales: {
          x: { time: false, range: () => this.visible() },
          y: { auto: true },
        },
        axes: [
          {
            stroke: AXIS_STROKE,
            grid: GRID,
            ticks: { stroke: GRID.stroke, width: 1, size: 4 },
            font: FONT,
            size: last ? 30 : 6,
            values: last ? (_u, splits) => splits.map((v) => (axis.kind === 'distance' ? `${Math.round(v)}` : v.toFixed(1))) : (_u, splits) => splits.map(() => ''),
          },
          { stroke: AXIS_STROKE, grid: GRID, ticks: { stroke: GRID.stroke, width: 1, size: 4 }, font: FONT, size: 64 },
        ],
        series: [{}, ...plot.series.map((s) => ({ label: `Lap ${s.lap}`, stroke: s.colour, width: s.reference ? 2 : 1.5, points: { show: false }, spanGaps: false }))],
        hooks: {
          setCursor: [(u) => this.cursorMoved(u)],
          setSelect: [(u) => this.selected(u)],
          draw: [() => this.drawn()],
        },
      };
      const u = new uPlot(opts, this.dataFor(plot, width), target);
      this.entries.push({ model: plot, u, readouts });
    });
  }

  /** The visible x range (the whole axis when not zoomed). */
  visible(): [number, number] {
    return this.range ?? (this.model ? fullRange(this.model.axis) : [0, 1]);
  }

  /** The visible range, also on the element (data-xmin / data-xmax) for tests and tooling. */
  private showRange(): void {
    const [a, b] = this.visible();
    this.root.dataset.xmin = a.toFixed(3);
    this.root.dataset.xmax = b.toFixed(3);
  }

  setRange(range: XRange): void {
    this.range = range;
    this.showRange();
    if (!this.model) return;
    for (const e of this.entries) e.u.setData(this.dataFor(e.model, e.u.width));
  }

  private dataFor(plot: PlotModel, widthPx: number): uPlot.AlignedData {
    const axis = this.model!.axis;
    const [a, b] = this.visible();
    // one bucket margin each side, so lines run to the plot's edges
    const i0 = Math.max(0, Math.floor(a / axis.step) - 1);
    const i1 = Math.min(axis.n - 1, Math.ceil(b / axis.step) + 1);
    const d = decimateMinMax(
      plot.series.map((s) => s.values),
      axis.step,
      i0,
      i1,
      Math.max(50, widthPx - 70),
    );
    return [d.x, ...d.ys] as uPlot.AlignedData;
  }

  private drawn(): void {
    if (this.pendingDraws <= 0) return;
    this.pendingDraws--;
    if (this.pendingDraws === 0) this.events.onDrawn();
  }

  private cursorMoved(src: uPlot): void {
    if (this.syncing || !this.model) return;
    const left = src.cursor.left ?? -1;
    const event = (src.cursor as { event?: Event | null }).event ?? null;
    this.syncing = true;
    try {
      if (left < 0) {
        for (const e of this.entries) if (e.u !== src) e.u.setCursor({ left: -10, top: -10 }, false);
        this.showReadouts(null);
        this.events.onCursor(null, event, null);
        return;
      }
      const x = src.posToVal(left, 'x');
      this.moveCursorTo(x, src);
      this.events.onCursor(indexAt(this.model.axis, x), event, event ? this.dispatchedAt : null);
    } finally {
      this.syncing = false;
    }
  }

  /** Puts the cursor at x on every plot (but `except`), and updates the readouts. */
  private moveCursorTo(x: number, except?: uPlot): void {
    for (const e of this.entries) {
      if (e.u === except) continue;
      e.u.setCursor({ left: e.u.valToPos(x, 'x'), top: 10 }, false);
    }
    this.showReadouts(indexAt(this.model!.axis, x));
  }

  private showReadouts(index: number | null): void {
    for (const e of this.entries) {
      e.model.series.forEach((s, k) => {
        e.readouts[k]!.textContent = index === null ? '—' : formatValue(s.values[index]!);
      });
    }
    if (this.xReadout) this.xReadout.textContent = index === null || !this.model ? '' : formatX(this.model.axis, index * this.model.axis.step);
  }

  private selected(u: uPlot): void {
    const { left, width } = u.select;
    if (width > 4) {
      const a = u.posToVal(left, 'x');
      const b = u.posToVal(left + width, 'x');
      this.events.onRange([Math.min(a, b), Math.max(a, b)]);
    }
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
  }

  private readonly onWheel = (e: WheelEvent) => {
    if (!this.model || this.entries.length === 0) return;
    e.preventDefault();
    const axis = this.model.axis;
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      const d = e.shiftKey ? e.deltaY : e.deltaX;
      this.events.onRange(panRange(axis, this.range, Math.sign(d) * 0.15));
      return;
    }
    const u = this.entries[0]!.u;
    const rect = u.over.getBoundingClientRect();
    const centre = e.clientX >= rect.left && e.clientX <= rect.right ? u.posToVal(e.clientX - rect.left, 'x') : undefined;
    this.events.onRange(zoomRange(axis, this.range, e.deltaY < 0 ? 0.8 : 1.25, centre));
  };

  resize(): void {
    if (!this.model || this.entries.length === 0) return;
    const { width, height } = this.plotSize();
    this.entries.forEach((e, k) => {
      const last = k === this.entries.length - 1;
      e.u.setSize({ width, height: last ? height + 24 : height });
      e.u.setData(this.dataFor(e.model, width));
    });
  }
}
