// The track map: each overlaid lap's GPS trace (north up, equirectangular around the
// track's centre, which is exact enough over a circuit), the zoomed stretch highlighted,
// and one marker per lap at the plots' cursor. Positions are projected once per model and
// size, so a cursor move is one array lookup and one transform per marker.
import type { Axis } from '../analysis/traces.ts';
import type { MapLap, XRange } from './model.ts';

interface Projected {
  lap: MapLap;
  x: Float32Array;
  y: Float32Array;
  marker: HTMLElement;
}

export class TrackMap {
  private readonly root: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly layer: HTMLElement;
  private laps: MapLap[] = [];
  private axis: Axis | null = null;
  private projected: Projected[] = [];
  private range: XRange = null;
  private cursor: number | null = null;
  private readonly resizeObserver: ResizeObserver;

  constructor(root: HTMLElement) {
    this.root = root;
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'map-canvas';
    this.layer = document.createElement('div');
    this.layer.className = 'map-markers';
    root.append(this.canvas, this.layer);
    this.resizeObserver = new ResizeObserver(() => this.layout());
    this.resizeObserver.observe(root);
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.root.replaceChildren();
  }

  setModel(laps: MapLap[], axis: Axis, range: XRange): void {
    this.laps = laps;
    this.axis = axis;
    this.range = range;
    this.layer.replaceChildren();
    this.projected = laps.map((lap) => {
      const marker = document.createElement('div');
      marker.className = lap.reference ? 'map-marker reference' : 'map-marker';
      marker.style.setProperty('--marker', lap.colour);
      marker.dataset.lap = String(lap.lap);
      marker.dataset.testid = `map-marker-${lap.lap}`;
      marker.hidden = true;
      this.layer.append(marker);
      return { lap, x: new Float32Array(0), y: new Float32Array(0), marker };
    });
    this.layout();
  }

  setRange(range: XRange): void {
    this.range = range;
    this.draw();
  }

  /** Moves the markers to grid index i (null hides them). */
  setCursor(index: number | null): void {
    this.cursor = index;
    for (const p of this.projected) {
      const x = index === null ? NaN : p.x[index]!;
      const y = index === null ? NaN : p.y[index]!;
      if (x === x && y === y) {
        p.marker.hidden = false;
        p.marker.style.transform = `translate(${x}px, ${y}px)`;
      } else {
        p.marker.hidden = true;
      }
    }
  }

  private layout(): void {
    const w = this.root.clientWidth;
    const h = this.root.clientHeight;
    if (w === 0 || h === 0) return;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    // bounds over every lap, in degrees
    let minLat = Infinity;
    let maxLat = -Infinity;
    let minLon = Infinity;
    let maxLon = -Infinity;
    for (const l of this.laps) {
      for (let i = 0; i < l.lat.length; i++) {
        const la = l.lat[i]!;
        const lo = l.lon[i]!;
        if (la !== la || lo !== lo) continue;
        if (la < minLat) minLat = la;
        if (la > maxLat) maxLat = la;
        if (lo < minLon) minLon = lo;
        if (lo > maxLon) maxLon = lo;
      }
    }
    const pad = 18;
    const kx = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
    const spanX = Math.max(1e-9, (maxLon - minLon) * kx);
    const spanY = Math.max(1e-9, maxLat - minLat);
    const scale = Math.min((w - 2 * pad) / spanX, (h - 2 * pad) / spanY);
    const offX = (w - spanX * scale) / 2;
    const offY = (h - spanY * scale) / 2;
    for (const p of this.projected) {
      const n = p.lap.lat.length;
      p.x = new Float32Array(n);
      p.y = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        p.x[i] = offX + (p.lap.lon[i]! - minLon) * kx * scale;
        p.y[i] = offY + (maxLat - p.lap.lat[i]!) * scale;
      }
    }
    this.draw();
    this.setCursor(this.cursor);
  }

  private draw(): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    const path = (p: Projected, from: number, to: number) => {
      ctx.beginPath();
      let pen = false;
      for (let i = from; i <= to && i < p.x.length; i++) {
        const x = p.x[i]!;
        const y = p.y[i]!;
        if (x !== x || y !== y) {
          pen = false;
          continue;
        }
        if (pen) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        pen = true;
      }
      ctx.stroke();
    };
    // the track itself, wide and light, under every lap's line
    const ref = this.projected.find((p) => p.lap.reference) ?? this.projected[0];
    if (!ref) return;
    ctx.strokeStyle = '#3a4450';
    ctx.lineWidth = 9;
    path(ref, 0, ref.x.length - 1);
    for (const p of this.projected) {
      ctx.strokeStyle = p.lap.colour;
      ctx.globalAlpha = p.lap.reference ? 0.95 : 0.6;
      ctx.lineWidth = p.lap.reference ? 2 : 1.5;
      path(p, 0, p.x.length - 1);
    }
    ctx.globalAlpha = 1;
    // the zoomed stretch of the reference lap
    if (this.range && this.axis) {
      const i0 = Math.max(0, Math.floor(this.range[0] / this.axis.step));
      const i1 = Math.min(ref.x.length - 1, Math.ceil(this.range[1] / this.axis.step));
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 5;
      path(ref, i0, i1);
    }
    // start/finish: where the reference lap begins
    const sx = ref.x[0];
    const sy = ref.y[0];
    if (sx !== undefined && sy !== undefined && sx === sx) {
      ctx.fillStyle = '#f4f6f8';
      ctx.fillRect(sx - 6, sy - 6, 12, 12);
      ctx.fillStyle = '#0b0d10';
      ctx.fillRect(sx - 6, sy - 6, 6, 6);
      ctx.fillRect(sx, sy, 6, 6);
    }
  }
}
