// A uiCell plugin's output, drawn from its declarative tree only: stat, table, sparkline,
// gauge, text and stack map to our own components, and every string is text (React
// escapes it). A plugin never supplies HTML, styles, scripts or URLs.
import type { Cell } from '../../../src-shared/plugins/interfaces.ts';

type Tone = 'normal' | 'good' | 'warn' | 'bad';

const show = (v: number | string | null): string => {
  if (v === null) return '—';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return '—';
  return String(v);
};

function Sparkline({ values, label }: { values: ArrayLike<number>; label?: string }) {
  const w = 220;
  const h = 48;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  const span = max - min || 1;
  // one point per pixel column at most
  const stepN = Math.max(1, Math.floor(values.length / w));
  let d = '';
  let pen = false;
  for (let i = 0; i < values.length; i += stepN) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      pen = false;
      continue;
    }
    const x = values.length > 1 ? (i / (values.length - 1)) * w : 0;
    const y = h - 3 - ((v - min) / span) * (h - 6);
    d += `${pen ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
    pen = true;
  }
  return (
    <figure className="cell-sparkline">
      {label && <figcaption>{label}</figcaption>}
      <svg viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={label ?? 'sparkline'}>
        <path d={d} fill="none" stroke="currentColor" strokeWidth={2} />
      </svg>
    </figure>
  );
}

export function CellView({ cell }: { cell: Cell }) {
  switch (cell.type) {
    case 'stat':
      return (
        <div className={`cell-stat tone-${(cell.tone ?? 'normal') as Tone}`}>
          <span className="cell-label">{cell.label}</span>
          <span className="cell-value">
            {show(cell.value)}
            {cell.unit && <span className="cell-unit">{cell.unit}</span>}
          </span>
        </div>
      );
    case 'table':
      return (
        <table className="data-table compact cell-table">
          <thead>
            <tr>
              {cell.columns.map((c, i) => (
                <th key={i}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {cell.rows.map((r, i) => (
              <tr key={i}>
                {r.map((v, j) => (
                  <td key={j} className={typeof v === 'number' ? 'num' : undefined}>
                    {show(v)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      );
    case 'sparkline':
      return <Sparkline values={cell.values} label={cell.label} />;
    case 'gauge': {
      const span = cell.max - cell.min;
      const f = span > 0 && Number.isFinite(cell.value) ? Math.max(0, Math.min(1, (cell.value - cell.min) / span)) : 0;
      return (
        <div className="cell-gauge">
          <span className="cell-label">{cell.label}</span>
          <div className="gauge-track" role="meter" aria-label={cell.label} aria-valuemin={cell.min} aria-valuemax={cell.max} aria-valuenow={Number.isFinite(cell.value) ? cell.value : undefined}>
            <div className="gauge-fill" style={{ width: `${f * 100}%` }} />
          </div>
          <span className="cell-value small">
            {show(cell.value)}
            {cell.unit && <span className="cell-unit">{cell.unit}</span>}
          </span>
        </div>
      );
    }
    case 'text':
      return <p className={`cell-text tone-${(cell.tone ?? 'normal') as Tone}`}>{cell.text}</p>;
    case 'stack':
      return (
        <div className={`cell-stack ${cell.direction === 'row' ? 'row' : 'column'}`}>
          {cell.children.map((c, i) => (
            <CellView key={i} cell={c} />
          ))}
        </div>
      );
  }
}
