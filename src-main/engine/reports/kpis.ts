import { type RawBuilder, sql } from 'kysely';
import { GROUP_BYS, type GroupBy, KPI_LABELS, KPI_SEGMENTS, type KpiId, type KpiResult, type KpiRow, type ReportFilter, SEGMENT_OF, type SegmentName } from '../../../src-shared/contract/reports';
import type { Db, Dialect } from '../platform/db';
import { DomainError } from '../platform/errors';
import { isoDay } from './refresh';

/**
 * The KPIs, each defined once here with its formula (GLOSSARY.md names). They read the report
 * tables kept by refresh.ts; every figure returns its numerator and denominator so a reader
 * can check it, per segment (warehouse, region, customer class, channel, month, week).
 */

const DAY_MS = 86_400_000;
export const dayOf = (iso: string) => Math.floor(Date.parse(`${iso.slice(0, 10)}T00:00:00Z`) / DAY_MS);

interface Ctx {
  db: Db;
  dialect: Dialect;
}

/** Sources other domains plug in (finance: channel fees). Absent → zero. */
export interface ChannelFeeSource {
  /** Fees charged by each channel over the period, minor units, by channel code. */
  (ctx: Ctx, filter: ReportFilter): Promise<Map<string, number>>;
}
const feeSources: ChannelFeeSource[] = [];
/** Lets finance (or a marketplace integration) add channel fees to channel margin. */
export function registerChannelFeeSource(source: ChannelFeeSource): void {
  feeSources.push(source);
}

const COLUMN: Record<Exclude<GroupBy, 'none' | 'month' | 'week'>, string> = { warehouse: 'warehouse_id', region: 'region', customerClass: 'customer_class', channel: 'channel_code' };
const FILTER_SEGMENT: Record<keyof typeof COLUMN, 'warehouseId' | 'region' | 'customerClass' | 'channel'> = { warehouse: 'warehouseId', region: 'region', customerClass: 'customerClass', channel: 'channel' };
const SEGMENT_WORDS: Record<SegmentName, string> = { warehouse: 'warehouse', region: 'region', customerClass: 'customer class', channel: 'channel', period: 'period' };

/**
 * Refuses a filter or split the KPI cannot make (KPI_SEGMENTS says which apply and why), with
 * the reason, before anything is read. Every KPI takes the period (from/to) as its range.
 */
export function checkSegments(kpi: KpiId, filter: ReportFilter, groupBy: GroupBy): void {
  const rule = KPI_SEGMENTS[kpi];
  const seg = SEGMENT_OF[groupBy];
  if (seg && !rule.applies.includes(seg)) {
    const allowed = GROUP_BYS.filter((g) => g === 'none' || rule.applies.includes(SEGMENT_OF[g]!));
    throw new DomainError('VALIDATION', `${KPI_LABELS[kpi]} cannot be split by ${SEGMENT_WORDS[seg]}: ${rule.why}`, { fields: [{ path: 'groupBy', message: `Use one of: ${allowed.join(', ')}` }] });
  }
  for (const s of Object.keys(FILTER_SEGMENT) as (keyof typeof COLUMN)[]) {
    const field = FILTER_SEGMENT[s];
    if (filter[field] && !rule.applies.includes(s)) {
      throw new DomainError('VALIDATION', `${KPI_LABELS[kpi]} cannot be filtered by ${SEGMENT_WORDS[s]}: ${rule.why}`, { fields: [{ path: `filter.${field}`, message: `Not available for ${KPI_LABELS[kpi].toLowerCase()}` }] });
    }
  }
}

function groupKey(groupBy: GroupBy, alias = ''): RawBuilder<string> {
  const a = alias ? `${alias}.` : '';
  if (groupBy === 'none') return sql<string>`'all'`;
  // Weeks start on Monday: epoch day 0 (1970-01-01) was a Thursday.
  if (groupBy === 'week') return sql<string>`CAST((${sql.raw(`${a}day_no`)} + 3) / 7 AS INTEGER)`;
  if (groupBy === 'month') return sql<string>`${sql.raw(`${a}day_no`)}`; // folded to months in JS (cheap: one row per day)
  return sql<string>`${sql.raw(`${a}${COLUMN[groupBy]}`)}`;
}

/** The period and the segment filters as SQL; checkSegments has already refused what the KPI's table cannot hold. */
function where(filter: ReportFilter, alias = ''): RawBuilder<unknown> {
  const a = alias ? `${alias}.` : '';
  const parts: RawBuilder<unknown>[] = [sql`${sql.raw(`${a}day_no`)} >= ${dayOf(filter.from)}`, sql`${sql.raw(`${a}day_no`)} <= ${dayOf(filter.to)}`];
  for (const s of Object.keys(FILTER_SEGMENT) as (keyof typeof COLUMN)[]) {
    const value = filter[FILTER_SEGMENT[s]];
    if (value) parts.push(sql`${sql.raw(`${a}${COLUMN[s]}`)} = ${value}`);
  }
  return sql.join(parts, sql` AND `);
}

type Raw = { key: string | number; n: number; d: number; extra?: number };

/** Folds day-keyed rows into months (YYYY-MM) or turns week numbers into their Monday's date. */
function fold(groupBy: GroupBy, rows: Raw[]): Raw[] {
  // (Rows fresh from the query, changed in place: `{ ...r, key }` costs V8 (Node 20) microseconds a row.)
  if (groupBy === 'week') return rows.map((r) => Object.assign(r, { key: isoDay((Number(r.key) * 7 - 3) * DAY_MS) }));
  if (groupBy !== 'month') return rows.map((r) => Object.assign(r, { key: String(r.key) }));
  const out = new Map<string, Raw>();
  for (const r of rows) {
    const key = isoDay(Number(r.key) * DAY_MS).slice(0, 7);
    const o = out.get(key) ?? { key, n: 0, d: 0 };
    o.n += r.n;
    o.d += r.d;
    out.set(key, o);
  }
  return [...out.values()];
}

async function labels(ctx: Ctx, groupBy: GroupBy): Promise<(key: string) => string> {
  if (groupBy !== 'warehouse') return (k) => (groupBy === 'none' ? 'All' : k);
  const rows = await sql<{ id: string; code: string }>`SELECT id, code FROM warehouse`.execute(ctx.db);
  const m = new Map(rows.rows.map((r) => [r.id, r.code]));
  return (k) => m.get(k) ?? k;
}

async function ratio(ctx: Ctx, kpi: KpiId, groupBy: GroupBy, raw: Raw[], unit: KpiResult['unit'] = 'percent', note?: string): Promise<KpiResult> {
  const folded = fold(groupBy, raw.map((r) => ({ key: r.key, n: Number(r.n), d: Number(r.d) })));
  const label = await labels(ctx, groupBy);
  const rows: KpiRow[] = folded
    .map((r) => ({ key: String(r.key), label: label(String(r.key)), numerator: r.n, denominator: r.d, value: r.d === 0 ? null : r.n / r.d }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const n = rows.reduce((s, r) => s + r.numerator, 0);
  const d = rows.reduce((s, r) => s + r.denominator, 0);
  return { kpi, label: KPI_LABELS[kpi], unit, value: d === 0 ? null : n / d, numerator: n, denominator: d, rows, note: note ?? null };
}

async function orderLineRatio(ctx: Ctx, kpi: KpiId, filter: ReportFilter, groupBy: GroupBy, n: RawBuilder<number>, d: RawBuilder<number>): Promise<KpiResult> {
  const r = await sql<Raw>`SELECT ${groupKey(groupBy)} AS key, SUM(${n}) AS n, SUM(${d}) AS d FROM report_order_day WHERE ${where(filter)} GROUP BY 1`.execute(ctx.db);
  return ratio(ctx, kpi, groupBy, r.rows);
}

/** The p-quantile (nearest rank) of counts per tenth-of-an-hour bucket, as the bucket's middle. */
function bucketPercentile(hist: Map<number, number>, p: number): number | null {
  const buckets = [...hist].sort((a, b) => a[0] - b[0]);
  const n = buckets.reduce((s, [, c]) => s + c, 0);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(p * n));
  let seen = 0;
  for (const [b, c] of buckets) {
    seen += c;
    if (seen >= rank) return (b + 0.5) / 10;
  }
  return (buckets.at(-1)![0] + 0.5) / 10;
}

/** The KPIs. Each function's comment is its definition. */
export const KPIS: Record<KpiId, (ctx: Ctx, filter: ReportFilter, groupBy: GroupBy, options: { tolerancePct: number }) => Promise<KpiResult>> = {
  /**
   * Fill rate (lines) = order lines shipped complete on the first shipment ÷ order lines
   * shipped, in the period (of the first shipment). An order line is one product of one
   * order (first shipment and its backorders); complete = first shipment shipped all ordered.
   */
  fill_rate_lines: (ctx, f, g) => orderLineRatio(ctx, 'fill_rate_lines', f, g, sql`complete_first`, sql`lines`),

  /** Fill rate (units) = units shipped on the first shipment ÷ units ordered. */
  fill_rate_units: (ctx, f, g) => orderLineRatio(ctx, 'fill_rate_units', f, g, sql`first_qty`, sql`ordered_qty`),

  /** Backorder rate = order lines that produced a backorder (first shipment short) ÷ order lines. */
  backorder_rate: (ctx, f, g) => orderLineRatio(ctx, 'backorder_rate', f, g, sql`backordered`, sql`lines`),

  /**
   * OTIF = orders delivered complete on or before the promised date ÷ orders delivered.
   * Delivered = nothing of the order still waits; complete = every line shipped in full;
   * on time = the last shipment's day ≤ the promised day (no promise: on time).
   */
  otif: (ctx, f, g) => orderLineRatio(ctx, 'otif', f, g, sql`orders_otif`, sql`orders_finished`),


  /**
   * Order cycle time = time from the order (confirmation) to its first shipment, in hours:
   * value = median, p90 beside it, per segment. Orders without an order time are left out.
   */
  order_cycle_time: async (ctx, f, g) => {
    // Percentiles from tenth-of-an-hour buckets counted in SQL (a few hundred rows, not every order).
    const r = await sql<{ key: string | number; b: number; n: number }>`SELECT ${groupKey(g)} AS key, CAST(cycle_hours * 10 AS INTEGER) AS b, COUNT(*) AS n
      FROM report_order WHERE ${where(f)} AND cycle_hours IS NOT NULL GROUP BY 1, 2`.execute(ctx.db);
    const folded = new Map<string, Map<number, number>>();
    const overall = new Map<number, number>();
    for (const x of r.rows) {
      const day = Number(x.key);
      const key = g === 'month' ? isoDay(day * DAY_MS).slice(0, 7) : g === 'week' ? isoDay((day * 7 - 3) * DAY_MS) : String(x.key);
      const hist = folded.get(key) ?? new Map<number, number>();
      hist.set(Number(x.b), (hist.get(Number(x.b)) ?? 0) + Number(x.n));
      folded.set(key, hist);
      overall.set(Number(x.b), (overall.get(Number(x.b)) ?? 0) + Number(x.n));
    }
    const label = await labels(ctx, g);
    const rows: KpiRow[] = [...folded]
      .map(([key, hist]) => {
        const n = [...hist.values()].reduce((a, b) => a + b, 0);
        return { key, label: label(key), value: bucketPercentile(hist, 0.5), p90: bucketPercentile(hist, 0.9), numerator: n, denominator: n };
      })
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    const all = { length: [...overall.values()].reduce((a, b) => a + b, 0) };
    return { kpi: 'order_cycle_time', label: KPI_LABELS.order_cycle_time, unit: 'hours', value: bucketPercentile(overall, 0.5), p90: bucketPercentile(overall, 0.9), numerator: all.length, denominator: all.length, rows, note: 'median hours from order to first shipment (p90 beside it)' };
  },

  /**
   * Channel margin = (revenue − cost of goods sold − channel fees) ÷ revenue, by channel.
   * Revenue of shipped units at the sales order line's price (list price scaled to the
   * order's value for documents without one); COGS = the ledger's value of the units shipped;
   * channel fees from the registered fee sources (finance), else zero.
   */
  channel_margin: async (ctx, f, g) => {
    const r = await sql<{ key: string | number; revenue: number; cogs: number; channel: string }>`SELECT ${groupKey(g)} AS key, channel_code AS channel, SUM(revenue_minor) AS revenue, SUM(cogs_minor) AS cogs
      FROM report_order_day WHERE ${where(f)} GROUP BY 1, 2`.execute(ctx.db);
    const fees = new Map<string, number>();
    for (const source of feeSources) for (const [ch, v] of await source(ctx, f)) fees.set(ch, (fees.get(ch) ?? 0) + v);
    // Fees are known per channel; other splits share a channel's fee by revenue.
    const revByChannel = new Map<string, number>();
    for (const x of r.rows) revByChannel.set(x.channel, (revByChannel.get(x.channel) ?? 0) + Number(x.revenue));
    const raw: Raw[] = r.rows.map((x) => {
      const rev = Number(x.revenue);
      const share = (revByChannel.get(x.channel) ?? 0) > 0 ? rev / revByChannel.get(x.channel)! : 0;
      return { key: x.key, n: rev - Number(x.cogs) - Math.round((fees.get(x.channel) ?? 0) * share), d: rev };
    });
    const merged = new Map<string, Raw>();
    for (const x of raw) {
      const k = String(x.key);
      const m = merged.get(k) ?? { key: x.key, n: 0, d: 0 };
      m.n += x.n;
      m.d += x.d;
      merged.set(k, m);
    }
    return ratio(ctx, 'channel_margin', g, [...merged.values()], 'percent', feeSources.length === 0 ? 'no channel fees recorded yet (finance adds them)' : undefined);
  },

  /**
   * Return rate = units returned by customers ÷ units shipped to customers (by movement day).
   * Returned = moved from Customers into a warehouse (RMA receipts); shipped = moved from a
   * warehouse to Customers. Split by channel (of the moving document), customer class and
   * region (of its customer) from report_flow_day; by warehouse and period alone from
   * report_value_day (the same units, fewer rows).
   */
  return_rate: async (ctx, f, g) => {
    const customerCut = g === 'region' || g === 'customerClass' || g === 'channel' || !!(f.region || f.customerClass || f.channel);
    const table = sql.table(customerCut ? 'report_flow_day' : 'report_value_day');
    const r = await sql<Raw>`SELECT ${groupKey(g)} AS key, SUM(return_qty) AS n, SUM(out_qty) AS d FROM ${table} WHERE ${where(f)} GROUP BY 1`.execute(ctx.db);
    return ratio(ctx, 'return_rate', g, r.rows);
  },

  /**
   * Stockout frequency = product-days on which demand could not be served in full (an order
   * line's first shipment was short: available stock below demand) ÷ product-days (products
   * stocked at the warehouse × days in the period), per warehouse.
   */
  stockout_frequency: async (ctx, f, g) => {
    const w = where(f);
    const num = await sql<{ key: string | number; warehouse_id: string; day_no: number; n: number }>`
      SELECT ${groupKey(g)} AS key, warehouse_id, day_no, COUNT(*) AS n FROM report_short_day WHERE ${w} GROUP BY 1, 2, 3`.execute(ctx.db);
    // Products stocked at each warehouse (with a stock level row there), as counted by the last refresh.
    const stocked = await sql<{ name: string; position: string }>`SELECT name, position FROM report_cursor WHERE name LIKE 'stocked:%'`.execute(ctx.db);
    const products = new Map(stocked.rows.map((r) => [r.name.slice('stocked:'.length), Number(r.position)]).filter(([wh]) => !f.warehouseId || wh === f.warehouseId) as [string, number][]);
    const allProducts = [...products.values()].reduce((a, b) => a + b, 0);
    const raw = new Map<string, Raw>();
    const keyFor = (key: string | number, day: number) => (g === 'month' ? isoDay(day * DAY_MS).slice(0, 7) : g === 'week' ? isoDay((Math.floor((day + 3) / 7) * 7 - 3) * DAY_MS) : String(key));
    // Denominators: product-days per segment.
    for (let day = dayOf(f.from); day <= dayOf(f.to); day++) {
      if (g === 'warehouse') {
        for (const [wh, n] of products) {
          const r = raw.get(wh) ?? { key: wh, n: 0, d: 0 };
          r.d += n;
          raw.set(wh, r);
        }
      } else {
        const k = keyFor('all', day);
        const r = raw.get(k) ?? { key: k, n: 0, d: 0 };
        r.d += allProducts;
        raw.set(k, r);
      }
    }
    for (const x of num.rows) {
      const k = keyFor(x.key, Number(x.day_no));
      const r = raw.get(k) ?? { key: k, n: 0, d: 0 };
      r.n += Number(x.n);
      raw.set(k, r);
    }
    const label = await labels(ctx, g);
    const rows = [...raw.values()].map((r) => ({ key: String(r.key), label: label(String(r.key)), numerator: r.n, denominator: r.d, value: r.d === 0 ? null : r.n / r.d })).sort((a, b) => (a.key < b.key ? -1 : 1));
    const n = rows.reduce((s, r) => s + r.numerator, 0);
    const d = rows.reduce((s, r) => s + r.denominator, 0);
    return { kpi: 'stockout_frequency', label: KPI_LABELS.stockout_frequency, unit: 'percent', value: d === 0 ? null : n / d, numerator: n, denominator: d, rows, note: null };
  },

  /**
   * Inventory accuracy = count lines within tolerance ÷ count lines counted (posted cycle
   * counts in the period); within tolerance: |counted − expected| ≤ tolerance % × expected.
   */
  inventory_accuracy: async (ctx, f, g, o) => {
    const day = ctx.dialect === 'postgres' ? sql.raw(`((k.posted_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01')`) : sql.raw(`CAST(julianday(substr(k.posted_at, 1, 10)) - 2440587.5 AS INTEGER)`);
    const key = g === 'warehouse' ? sql`k.warehouse_id` : g === 'none' ? sql`'all'` : g === 'week' ? sql`CAST((${day} + 3) / 7 AS INTEGER)` : day;
    const r = await sql<Raw>`SELECT ${key} AS key,
        SUM(CASE WHEN abs(c.counted_quantity - c.expected_quantity) * 100 <= ${o.tolerancePct} * abs(c.expected_quantity) THEN 1 ELSE 0 END) AS n, COUNT(*) AS d
      FROM count_line c JOIN cycle_count k ON k.id = c.count_id
      WHERE k.state = 'posted' AND c.counted_quantity IS NOT NULL AND k.posted_at >= ${`${f.from.slice(0, 10)}T00:00:00.000Z`} AND k.posted_at < ${isoDay((dayOf(f.to) + 1) * DAY_MS) + 'T00:00:00.000Z'}
        ${f.warehouseId ? sql`AND k.warehouse_id = ${f.warehouseId}` : sql``}
      GROUP BY 1`.execute(ctx.db);
    return ratio(ctx, 'inventory_accuracy', g, r.rows, 'percent', `tolerance ${o.tolerancePct}% of the expected quantity`);
  },

  /**
   * Inventory turns = COGS over the 12 months ending on the period's last day ÷ average stock
   * value over those months. Average stock value = the mean of each day's closing stock value,
   * the stock valued at the unit cost each move carried (receipts at their cost, issues at the
   * moving average or FIFO cost they left with). By month or week: the same figure at the end
   * of each month or week of the period (a rolling 12 months), so the trend shows.
   */
  inventory_turns: async (ctx, f, g) => {
    const raw: Raw[] = [];
    for (const p of periodEnds(f, g)) {
      const end = p.end;
      const start = end - 364;
      const stock = await averageStock(ctx, start, end, f.warehouseId, true);
      const cogs = await sql<{ warehouse_id: string; v: number }>`SELECT warehouse_id, SUM(cogs_minor) AS v FROM report_value_day WHERE day_no >= ${start} AND day_no <= ${end} ${f.warehouseId ? sql`AND warehouse_id = ${f.warehouseId}` : sql``} GROUP BY warehouse_id`.execute(ctx.db);
      for (const [wh, avg] of stock) raw.push({ key: g === 'warehouse' ? wh : p.key, n: Number(cogs.rows.find((c) => c.warehouse_id === wh)?.v ?? 0), d: avg });
    }
    return atPeriodEnd(g, await ratio(ctx, 'inventory_turns', g, merge(raw), 'turns', g === 'month' || g === 'week' ? `12 months ending on the last day of each ${g}` : '12 months ending on the last day of the period'));
  },

  /**
   * Days of supply = stock on hand at the period's end ÷ average daily demand (units shipped
   * to customers over the 90 days before). By month or week: at the end of each.
   */
  days_of_supply: async (ctx, f, g) => {
    const raw: Raw[] = [];
    for (const p of periodEnds(f, g)) {
      const end = p.end;
      const stock = await averageStock(ctx, end, end, f.warehouseId, false);
      const demand = await sql<{ warehouse_id: string; q: number }>`SELECT warehouse_id, SUM(out_qty) AS q FROM report_value_day WHERE day_no > ${end - 90} AND day_no <= ${end} ${f.warehouseId ? sql`AND warehouse_id = ${f.warehouseId}` : sql``} GROUP BY warehouse_id`.execute(ctx.db);
      for (const [wh, qty] of stock) raw.push({ key: g === 'warehouse' ? wh : p.key, n: qty, d: Number(demand.rows.find((d) => d.warehouse_id === wh)?.q ?? 0) / 90 });
    }
    return atPeriodEnd(g, await ratio(ctx, 'days_of_supply', g, merge(raw), 'days', 'units on hand ÷ average daily units shipped over the last 90 days'));
  },

  /** Vendor on-time rate = receipt lines received by the promised date ÷ receipt lines. */
  vendor_on_time: async (ctx, f, g) => {
    const r = await sql<Raw>`SELECT ${groupKey(g)} AS key, SUM(on_time) AS n, COUNT(*) AS d FROM report_receipt_line WHERE ${where(f)} GROUP BY 1`.execute(ctx.db);
    return ratio(ctx, 'vendor_on_time', g, r.rows);
  },
};

/** A point-in-time figure split by month or week: its total is the figure at the period's end (the last row), not a sum over the rows. */
function atPeriodEnd(g: GroupBy, r: KpiResult): KpiResult {
  if ((g !== 'month' && g !== 'week') || r.rows.length === 0) return r;
  const last = r.rows.at(-1)!;
  return { ...r, value: last.value, numerator: last.numerator, denominator: last.denominator };
}

/** Sums raw rows with the same key. */
function merge(raw: Raw[]): Raw[] {
  const merged = new Map<string, Raw>();
  for (const x of raw) {
    const m = merged.get(String(x.key)) ?? { key: x.key, n: 0, d: 0 };
    m.n += x.n;
    m.d += x.d;
    merged.set(String(x.key), m);
  }
  return [...merged.values()];
}

/**
 * The days a point-in-time figure (turns, days of supply) is taken on: the period's last day,
 * or the last day of each month / week within the period (the period's end for the last one).
 * Keys are what fold() expects: a day number for months, a week number for weeks.
 */
function periodEnds(f: ReportFilter, g: GroupBy): { key: string | number; end: number }[] {
  const from = dayOf(f.from);
  const to = dayOf(f.to);
  if (g !== 'month' && g !== 'week') return [{ key: 'all', end: to }];
  const out: { key: string | number; end: number }[] = [];
  for (let day = from; day <= to; ) {
    let end: number;
    if (g === 'week') {
      const week = Math.floor((day + 3) / 7);
      end = Math.min(week * 7 - 3 + 6, to);
      out.push({ key: week, end });
    } else {
      const d = new Date(day * DAY_MS);
      end = Math.min(Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY_MS) - 1, to);
      out.push({ key: end, end });
    }
    day = end + 1;
  }
  return out;
}

/**
 * Average on hand per warehouse over days [start, end] (end of each day), in units or in value
 * (minor units, each move at its own unit cost): from report_value_day, a row per warehouse and day.
 */
async function averageStock(ctx: Ctx, start: number, end: number, warehouseId: string | undefined, value: boolean): Promise<Map<string, number>> {
  const D = end - start + 1;
  // On hand at the end of day x = Σ changes of days ≤ x (the rollup holds the whole ledger);
  // averaged over [start, end], a day's change weighs the number of window days it precedes.
  const change = value ? sql.raw('net_value_minor') : sql.raw('net_qty');
  const r = await sql<{ warehouse_id: string; v: number }>`
    SELECT warehouse_id, SUM(${change} * (CASE WHEN day_no <= ${start} THEN ${D} WHEN day_no > ${end} THEN 0 ELSE ${D} - (day_no - ${start}) END)) * 1.0 / ${D} AS v
    FROM report_value_day ${warehouseId ? sql`WHERE warehouse_id = ${warehouseId}` : sql``} GROUP BY warehouse_id`.execute(ctx.db);
  return new Map(r.rows.map((x) => [x.warehouse_id, Number(x.v)]));
}

export async function computeKpi(ctx: Ctx, kpi: KpiId, filter: ReportFilter, groupBy: GroupBy, options: { tolerancePct?: number } = {}): Promise<KpiResult> {
  if (dayOf(filter.from) > dayOf(filter.to)) throw new DomainError('VALIDATION', 'The period starts after it ends', { fields: [{ path: 'filter.from', message: 'Must be on or before the end date' }] });
  checkSegments(kpi, filter, groupBy);
  return KPIS[kpi](ctx, filter, groupBy, { tolerancePct: options.tolerancePct ?? 2 });
}
