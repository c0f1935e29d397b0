import type { Cell, Kpi, Params, UiCellHandler } from '../../sdk/index.ts';
import { isNum, pad2, pad3 } from '../../sdk/format.ts';

/**
 * A card for one lap: the lap time (m:ss.mmm), one stat per KPI and a table of all KPIs.
 *
 * Tone: a KPI is compared with a reference when params hold a finite number under the
 * KPI's name ({ "max speed": 280 }): at least as good as the reference (by the KPI's
 * `better`) is good, worse is bad. KPIs without a direction or a reference are normal;
 * a KPI without a value (NaN, ±Infinity) is warn. Values are rounded to `decimals`.
 */

type Tone = 'normal' | 'good' | 'warn' | 'bad';

const MAX_STATS = 198; // a stack holds at most 200 cells: the lap, the KPIs, the table
const MAX_ROWS = 2000;


function decimalsOf(params: Params): number {
  const d = params.decimals;
  return isNum(d) ? Math.min(6, Math.max(0, Math.floor(d))) : 2;
}

function rounder(decimals: number): (v: number) => number {
  let scale = 1;
  for (let i = 0; i < decimals; i++) scale *= 10;
  return (v) => Math.round(v * scale) / scale;
}


/** m:ss.mmm, rounded to the millisecond. */
function lapClock(ms: number): string {
  const neg = ms < 0;
  const r = Math.round(neg ? -ms : ms);
  const m = Math.floor(r / 60000);
  const s = Math.floor((r - m * 60000) / 1000);
  return (neg ? '-' : '') + m + ':' + pad2(s) + '.' + pad3(r - m * 60000 - s * 1000);
}

function referenceOf(kpi: Kpi, params: Params): number | null {
  const ref = params[kpi.name];
  return isNum(ref) ? ref : null;
}

function toneOf(kpi: Kpi, ref: number | null): Tone {
  if (!isNum(kpi.value)) return 'warn';
  if (ref === null || kpi.better === 'none') return 'normal';
  const asGood = kpi.better === 'higher' ? kpi.value >= ref : kpi.value <= ref;
  return asGood ? 'good' : 'bad';
}

export const uiCell: UiCellHandler = ({ kpis, lap, params }) => {
  const round = rounder(decimalsOf(params));
  const children: Cell[] = [];

  const refLap = params.refLapMs;
  let lapTone: Tone = 'normal';
  let lapValue = '—';
  if (lap && isNum(lap.timeMs)) {
    lapValue = lapClock(lap.timeMs);
    if (isNum(refLap) && refLap > 0) lapTone = lap.timeMs <= refLap ? 'good' : 'bad';
  } else if (lap) {
    lapTone = 'warn';
  }
  children.push({ type: 'stat', label: lap ? 'Lap ' + lap.number : 'Lap', value: lapValue, tone: lapTone });

  const rows: (string | number | null)[][] = [];
  for (let i = 0; i < kpis.length; i++) {
    const kpi = kpis[i]!;
    const ref = referenceOf(kpi, params);
    const shown = isNum(kpi.value) ? round(kpi.value) : null;
    if (i < MAX_STATS) {
      children.push({ type: 'stat', label: kpi.name, value: shown === null ? '—' : shown, unit: kpi.unit, tone: toneOf(kpi, ref) });
    }
    if (i < MAX_ROWS) {
      rows.push([kpi.name, shown, kpi.unit, kpi.better, ref, shown !== null && ref !== null ? round(kpi.value - ref) : null]);
    }
  }
  children.push({ type: 'table', columns: ['KPI', 'Value', 'Unit', 'Better', 'Reference', 'Delta'], rows });
  return { type: 'stack', direction: 'column', children };
};
