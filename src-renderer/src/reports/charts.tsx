/**
 * Small SVG charts for the dashboards. @mantine/charts would be the first choice, but it has
 * no release for Mantine 9.8 (its newest, 9.7.3, pins @mantine/core 9.7.3 exactly), so these
 * draw the two shapes the widgets need — bars per segment and a line over periods — with the
 * same look (CSS variables of the Mantine theme) and an accessible label listing the values.
 */

export interface Point {
  key: string;
  label: string;
  value: number | null;
}

const W = 420;
const PAD = { top: 12, right: 10, bottom: 34, left: 48 };

function scale(points: Point[]) {
  const values = points.map((p) => p.value ?? 0);
  const max = Math.max(...values, 0);
  const min = Math.min(...values, 0);
  return { max: max === min ? min + 1 : max, min };
}

export function BarChart({ points, height = 190, format, onSelect, name }: { points: Point[]; height?: number; format: (v: number | null) => string; onSelect?: (p: Point) => void; name: string }) {
  if (points.length === 0) return <EmptyChart height={height} />;
  const { max, min } = scale(points);
  const h = height - PAD.top - PAD.bottom;
  const w = W - PAD.left - PAD.right;
  const y = (v: number) => PAD.top + ((max - v) / (max - min)) * h;
  const band = w / points.length;
  const bar = Math.min(48, band * 0.7);
  return (
    <svg className="rp-chart" viewBox={`0 0 ${W} ${height}`} width="100%" role="img" aria-label={`${name}: ${points.map((p) => `${p.label} ${format(p.value)}`).join(', ')}`}>
      <Axis max={max} min={min} y={y} format={format} />
      {points.map((p, i) => {
        const v = p.value ?? 0;
        const x = PAD.left + i * band + (band - bar) / 2;
        return (
          <g key={p.key} className={onSelect ? 'rp-clickable' : undefined} onClick={() => onSelect?.(p)} data-testid={`bar-${p.label}`}>
            <title>{`${p.label}: ${format(p.value)}`}</title>
            <rect className="rp-bar" x={x} y={Math.min(y(v), y(0))} width={bar} height={Math.max(1, Math.abs(y(0) - y(v)))} rx={2} />
            <text x={x + bar / 2} y={height - 18} textAnchor="middle" className="rp-tick">
              {p.label.length > 12 ? `${p.label.slice(0, 11)}…` : p.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export function LineChart({ points, height = 190, format, name }: { points: Point[]; height?: number; format: (v: number | null) => string; name: string }) {
  const known = points.filter((p) => p.value !== null);
  if (known.length === 0) return <EmptyChart height={height} />;
  const { max, min } = scale(known);
  const h = height - PAD.top - PAD.bottom;
  const w = W - PAD.left - PAD.right;
  const x = (i: number) => PAD.left + (points.length === 1 ? w / 2 : (i / (points.length - 1)) * w);
  const y = (v: number) => PAD.top + ((max - v) / (max - min)) * h;
  const path = points
    .map((p, i) => (p.value === null ? null : `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`))
    .filter(Boolean)
    .map((xy, i) => `${i === 0 ? 'M' : 'L'}${xy}`)
    .join(' ');
  const every = Math.ceil(points.length / 6);
  return (
    <svg className="rp-chart" viewBox={`0 0 ${W} ${height}`} width="100%" role="img" aria-label={`${name}: ${points.map((p) => `${p.label} ${format(p.value)}`).join(', ')}`}>
      <Axis max={max} min={min} y={y} format={format} />
      <path className="rp-line" d={path} />
      {points.map((p, i) =>
        p.value === null ? null : (
          <g key={p.key}>
            <circle className="rp-dot" cx={x(i)} cy={y(p.value)} r={2.5}>
              <title>{`${p.label}: ${format(p.value)}`}</title>
            </circle>
            {i % every === 0 && (
              <text x={x(i)} y={height - 18} textAnchor="middle" className="rp-tick">
                {p.label}
              </text>
            )}
          </g>
        ),
      )}
    </svg>
  );
}

function Axis({ max, min, y, format }: { max: number; min: number; y: (v: number) => number; format: (v: number | null) => string }) {
  const ticks = [min, min + (max - min) / 2, max];
  return (
    <g>
      {ticks.map((t) => (
        <g key={t}>
          <line className="rp-grid" x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
          <text x={PAD.left - 4} y={y(t) + 3} textAnchor="end" className="rp-tick">
            {format(t)}
          </text>
        </g>
      ))}
    </g>
  );
}

function EmptyChart({ height }: { height: number }) {
  return (
    <svg className="rp-chart" viewBox={`0 0 ${W} ${height}`} width="100%" role="img" aria-label="No data for this period">
      <text x={W / 2} y={height / 2} textAnchor="middle" className="rp-tick">
        No data for this period
      </text>
    </svg>
  );
}
