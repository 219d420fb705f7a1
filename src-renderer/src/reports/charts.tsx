import { BarChart as MantineBarChart, LineChart as MantineLineChart } from '@mantine/charts';
import '@mantine/charts/styles.css';

/**
 * The dashboards' two chart shapes — bars per segment and a line over periods — drawn with
 * @mantine/charts (Recharts underneath). @mantine/charts 9.7.3 is its newest release and
 * declares @mantine/core 9.7.3 as a peer; package.json's `overrides` points it at our 9.8
 * core (same major, the chart components use only stable core APIs).
 * Each chart sits in a labelled figure that lists every value, so a screen reader (and the
 * end-to-end tests) read the figures without hovering.
 */

export interface Point {
  key: string;
  label: string;
  value: number | null;
}

interface ChartProps {
  points: Point[];
  height?: number;
  format: (v: number | null) => string;
  name: string;
}

function Figure({ name, points, format, height, children }: ChartProps & { children: React.ReactNode }) {
  if (points.every((p) => p.value === null)) {
    return (
      <div className="rp-chart rp-empty" role="img" aria-label="No data for this period" style={{ height }}>
        No data for this period
      </div>
    );
  }
  return (
    <div className="rp-chart" role="img" aria-label={`${name}: ${points.map((p) => `${p.label} ${format(p.value)}`).join(', ')}`}>
      {children}
    </div>
  );
}

const short = (label: string) => (label.length > 12 ? `${label.slice(0, 11)}…` : label);

export function BarChart({ points, height = 190, format, onSelect, name }: ChartProps & { onSelect?: (p: Point) => void }) {
  const data = points.map((p) => ({ key: p.key, label: p.label, value: p.value ?? 0 }));
  return (
    <Figure points={points} height={height} format={format} name={name}>
      <MantineBarChart
        h={height}
        data={data}
        dataKey="label"
        series={[{ name: 'value', label: name, color: 'blue.6' }]}
        valueFormatter={(v) => format(v)}
        tickLine="y"
        xAxisProps={{ tickFormatter: short, interval: 0 }}
        barProps={{ radius: 2, cursor: onSelect ? 'pointer' : undefined, onClick: (entry: { payload?: { key?: string } }) => {
          const point = points.find((p) => p.key === entry.payload?.key);
          if (point) onSelect?.(point);
        } }}
      />
    </Figure>
  );
}

export function LineChart({ points, height = 190, format, name }: ChartProps) {
  const data = points.map((p) => ({ key: p.key, label: p.label, value: p.value }));
  return (
    <Figure points={points} height={height} format={format} name={name}>
      <MantineLineChart
        h={height}
        data={data}
        dataKey="label"
        series={[{ name: 'value', label: name, color: 'blue.6' }]}
        valueFormatter={(v) => format(v)}
        curveType="linear"
        connectNulls={false}
        tickLine="y"
        dotProps={{ r: 2.5 }}
      />
    </Figure>
  );
}
