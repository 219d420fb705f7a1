import type { OutputOf } from '../../../src-shared/contract/index';

type Row = OutputOf<'inventory.forecast'>['rows'][number];

/**
 * Forecast quantity by day as a step line (on hand + incoming − outgoing scheduled up to each
 * day), with incoming above and outgoing below the axis as thin bars, and the zero line
 * dashed red. Plain SVG: a few dozen points need no chart library.
 */
export function ForecastChart({ rows, height = 170 }: { rows: Row[]; height?: number }) {
  const width = 380;
  const pad = { top: 10, right: 8, bottom: 20, left: 40 };
  if (rows.length === 0) return null;
  const values = rows.flatMap((r) => [r.forecast, r.incoming, -r.outgoing, 0]);
  let max = Math.max(...values);
  let min = Math.min(...values);
  if (max === min) max = min + 1;
  const span = max - min;
  max += span * 0.08;
  min -= min < 0 ? span * 0.08 : 0;
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const x = (i: number) => pad.left + (i / Math.max(1, rows.length)) * w;
  const y = (v: number) => pad.top + ((max - v) / (max - min)) * h;
  const step = rows.map((r, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(r.forecast).toFixed(1)} L${x(i + 1).toFixed(1)},${y(r.forecast).toFixed(1)}`).join(' ');
  const area = `${step} L${x(rows.length).toFixed(1)},${y(Math.max(0, min)).toFixed(1)} L${x(0).toFixed(1)},${y(Math.max(0, min)).toFixed(1)} Z`;
  const ticks = Array.from({ length: 4 }, (_, i) => Math.round(min + ((max - min) * i) / 3));
  const barW = Math.max(1.5, w / rows.length / 3);
  const labelEvery = Math.ceil(rows.length / 6);
  const lowest = rows.reduce((a, r) => (r.forecast < a.forecast ? r : a), rows[0]!);
  return (
    <svg className="wh-chart" width="100%" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Forecast over ${rows.length} days: from ${rows[0]!.forecast} to ${rows.at(-1)!.forecast}, lowest ${lowest.forecast} on ${lowest.date}`}>
      {ticks.map((t) => (
        <g key={t}>
          <line className="wh-grid" x1={pad.left} x2={width - pad.right} y1={y(t)} y2={y(t)} />
          <text x={pad.left - 4} y={y(t) + 3} textAnchor="end">
            {t.toLocaleString('en-US')}
          </text>
        </g>
      ))}
      {min < 0 && <line className="wh-zero" x1={pad.left} x2={width - pad.right} y1={y(0)} y2={y(0)} />}
      <path className="wh-area" d={area} />
      {rows.map((r, i) => (
        <g key={r.date}>
          {r.incoming > 0 && <rect className="wh-in" x={x(i) + barW * 0.5} y={y(r.incoming)} width={barW} height={Math.max(1, y(0) - y(r.incoming))} />}
          {r.outgoing > 0 && <rect className="wh-out" x={x(i) + barW * 1.5} y={y(0)} width={barW} height={Math.max(1, y(-r.outgoing) - y(0))} />}
          {i % labelEvery === 0 && (
            <text x={x(i)} y={height - 6}>
              {r.date.slice(5)}
            </text>
          )}
        </g>
      ))}
      <path className="wh-line" d={step} />
    </svg>
  );
}
