import { type RawBuilder, sql } from 'kysely';
import type { DrillRow, KpiId, ReportFilter } from '../../../src-shared/contract/reports';
import type { Db } from '../platform/db';
import { dayOf } from './kpis';
import { isoDay } from './refresh';

/**
 * The documents behind a KPI: the order lines (with their first delivery), orders, receipt
 * lines, count lines or products that the figure counts, newest first; `failingOnly` keeps
 * those that count against it (short, late, off by more than the tolerance, sold at a loss).
 */
const DAY_MS = 86_400_000;

function segments(f: ReportFilter, alias: string, withCustomer: boolean): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`${sql.ref(`${alias}.day_no`)} >= ${dayOf(f.from)}`, sql`${sql.ref(`${alias}.day_no`)} <= ${dayOf(f.to)}`];
  if (f.warehouseId) parts.push(sql`${sql.ref(`${alias}.warehouse_id`)} = ${f.warehouseId}`);
  if (withCustomer) {
    if (f.region) parts.push(sql`${sql.ref(`${alias}.region`)} = ${f.region}`);
    if (f.customerClass) parts.push(sql`${sql.ref(`${alias}.customer_class`)} = ${f.customerClass}`);
    if (f.channel) parts.push(sql`${sql.ref(`${alias}.channel_code`)} = ${f.channel}`);
  }
  return sql.join(parts, sql` AND `);
}

type Page = { rows: DrillRow[]; total: number; offset: number };

async function page<R>(db: Db, base: RawBuilder<R>, order: RawBuilder<unknown>, offset: number, limit: number, map: (r: R) => DrillRow): Promise<Page> {
  const total = await sql<{ n: number }>`SELECT count(*) AS n FROM (${base}) x`.execute(db);
  const rows = await sql<R>`SELECT * FROM (${base}) x ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`.execute(db);
  return { rows: rows.rows.map(map), total: Number(total.rows[0]?.n ?? 0), offset };
}

const FAILING_LINE: Partial<Record<KpiId, RawBuilder<unknown>>> = {
  fill_rate_lines: sql`r.first_qty < r.ordered_qty`,
  fill_rate_units: sql`r.first_qty < r.ordered_qty`,
  backorder_rate: sql`r.backordered = 1`,
  stockout_frequency: sql`r.backordered = 1`,
  channel_margin: sql`r.revenue_minor <= r.cogs_minor`,
  order_cycle_time: sql`r.order_ms IS NOT NULL AND r.first_ship_ms - r.order_ms > 172800000`,
};

export async function drill(db: Db, kpi: KpiId, f: ReportFilter, failingOnly: boolean, offset: number, limit: number): Promise<Page> {
  if (kpi === 'otif') {
    const base = sql<{ root_id: string; root_number: string; origin: string | null; day: string; party: string | null; lines: number; in_full: number; last_ship_ms: number; promised_ms: number | null }>`
      SELECT r.root_id, r.root_number, r.origin, MIN(r.day) AS day, MIN(p.name) AS party, COUNT(*) AS lines,
        MIN(CASE WHEN r.shipped_qty >= r.ordered_qty THEN 1 ELSE 0 END) AS in_full, MAX(r.last_ship_ms) AS last_ship_ms, MAX(r.promised_ms) AS promised_ms
      FROM report_order_line r LEFT JOIN partner p ON p.id = r.partner_id
      WHERE ${segments(f, 'r', true)} GROUP BY r.root_id, r.root_number, r.origin HAVING MIN(r.finished) = 1
        ${failingOnly ? sql`AND (MIN(CASE WHEN r.shipped_qty >= r.ordered_qty THEN 1 ELSE 0 END) = 0 OR (MAX(r.promised_ms) IS NOT NULL AND CAST(MAX(r.last_ship_ms) / 86400000 AS INTEGER) > CAST(MAX(r.promised_ms) / 86400000 AS INTEGER)))` : sql``}`;
    return page(db, base, sql`day DESC, root_number DESC`, offset, limit, (r) => {
      const onTime = r.promised_ms == null || Math.floor(Number(r.last_ship_ms) / DAY_MS) <= Math.floor(Number(r.promised_ms) / DAY_MS);
      const inFull = Number(r.in_full) === 1;
      return {
        kind: 'delivery',
        id: r.root_id,
        number: r.root_number,
        origin: r.origin,
        date: r.day,
        party: r.party,
        sku: null,
        detail: `${r.lines} lines; ${inFull ? 'in full' : 'not in full'}; last shipped ${isoDay(Number(r.last_ship_ms))}${r.promised_ms == null ? '' : `, promised ${isoDay(Number(r.promised_ms))}`}${onTime ? '' : ' (late)'}`,
        ok: onTime && inFull,
      };
    });
  }
  if (kpi === 'vendor_on_time') {
    const base = sql<{ transfer_id: string; number: string; day_no: number; party: string | null; sku: string; promised_ms: number | null; done_ms: number; on_time: number }>`
      SELECT r.transfer_id, r.number, r.day_no, p.name AS party, pr.sku, r.promised_ms, r.done_ms, r.on_time
      FROM report_receipt_line r LEFT JOIN partner p ON p.id = r.partner_id JOIN product pr ON pr.id = r.product_id
      WHERE ${segments(f, 'r', false)} ${failingOnly ? sql`AND r.on_time = 0` : sql``}`;
    return page(db, base, sql`day_no DESC, number DESC`, offset, limit, (r) => ({
      kind: 'receipt',
      id: r.transfer_id,
      number: r.number,
      origin: null,
      date: isoDay(Number(r.day_no) * DAY_MS),
      party: r.party,
      sku: r.sku,
      detail: `received ${isoDay(Number(r.done_ms))}${r.promised_ms == null ? ' (no promised date)' : `, promised ${isoDay(Number(r.promised_ms))}`}`,
      ok: Number(r.on_time) === 1,
    }));
  }
  if (kpi === 'inventory_accuracy') {
    const from = `${f.from}T00:00:00.000Z`;
    const to = `${isoDay((dayOf(f.to) + 1) * DAY_MS)}T00:00:00.000Z`;
    const off = sql`abs(c.counted_quantity - c.expected_quantity) * 100 > 2 * abs(c.expected_quantity)`;
    const base = sql<{ id: string; number: string; posted_at: string; sku: string; expected: number; counted: number; off: number }>`
      SELECT k.id, k.number, k.posted_at, pr.sku, c.expected_quantity AS expected, c.counted_quantity AS counted, CASE WHEN ${off} THEN 1 ELSE 0 END AS off
      FROM count_line c JOIN cycle_count k ON k.id = c.count_id JOIN product pr ON pr.id = c.product_id
      WHERE k.state = 'posted' AND c.counted_quantity IS NOT NULL AND k.posted_at >= ${from} AND k.posted_at < ${to}
        ${f.warehouseId ? sql`AND k.warehouse_id = ${f.warehouseId}` : sql``} ${failingOnly ? sql`AND ${off}` : sql``}`;
    return page(db, base, sql`posted_at DESC, number DESC`, offset, limit, (r) => ({
      kind: 'count',
      id: r.id,
      number: r.number,
      origin: null,
      date: new Date(r.posted_at).toISOString().slice(0, 10),
      party: null,
      sku: r.sku,
      detail: `expected ${r.expected}, counted ${r.counted}`,
      ok: Number(r.off) === 0,
    }));
  }
  if (kpi === 'return_rate' && (f.region || f.customerClass || f.channel)) {
    // Cut by a customer segment: the product totals cannot be, so the return receipts (stock
    // moved back from Customers in the period) of the segment's documents are listed.
    const from = `${f.from}T00:00:00.000Z`;
    const to = `${isoDay((dayOf(f.to) + 1) * DAY_MS)}T00:00:00.000Z`;
    const base = sql<{ id: string; number: string; origin: string | null; moved: string; party: string | null; qty: number; lines: number }>`
      SELECT t.id, t.number, t.origin, MAX(m.moved_at) AS moved, MIN(p.name) AS party, SUM(m.quantity) AS qty, COUNT(DISTINCT m.product_id) AS lines
      FROM stock_move m JOIN location fl ON fl.id = m.from_location_id AND fl.usage = 'customer' JOIN location tl ON tl.id = m.to_location_id AND tl.usage = 'internal'
        JOIN transfer t ON t.id = m.transfer_id LEFT JOIN partner p ON p.id = t.partner_id
      WHERE m.moved_at >= ${from} AND m.moved_at < ${to} AND tl.warehouse_id IS NOT NULL
        ${f.warehouseId ? sql`AND tl.warehouse_id = ${f.warehouseId}` : sql``} ${f.channel ? sql`AND t.channel_code = ${f.channel}` : sql``}
        ${f.region ? sql`AND p.region = ${f.region}` : sql``} ${f.customerClass ? sql`AND p.customer_class = ${f.customerClass}` : sql``}
      GROUP BY t.id, t.number, t.origin`;
    return page(db, base, sql`moved DESC, number DESC`, offset, limit, (r) => ({
      kind: 'receipt',
      id: r.id,
      number: r.number,
      origin: r.origin,
      date: new Date(r.moved).toISOString().slice(0, 10),
      party: r.party,
      sku: null,
      detail: `returned ${Number(r.qty)} units of ${Number(r.lines)} product${Number(r.lines) === 1 ? '' : 's'}`,
      ok: false,
    }));
  }
  if (kpi === 'return_rate' || kpi === 'inventory_turns' || kpi === 'days_of_supply') {
    const base = sql<{ product_id: string; sku: string; name: string; out_qty: number; return_qty: number; cogs: number }>`
      SELECT s.product_id, pr.sku, pr.name, SUM(s.out_qty) AS out_qty, SUM(s.return_qty) AS return_qty, SUM(s.cogs_minor) AS cogs
      FROM report_stock_day s JOIN product pr ON pr.id = s.product_id
      WHERE ${segments(f, 's', false)} GROUP BY s.product_id, pr.sku, pr.name
      ${kpi === 'return_rate' && failingOnly ? sql`HAVING SUM(s.return_qty) > 0` : sql``}`;
    const order = kpi === 'return_rate' ? sql`return_qty DESC, sku` : sql`cogs DESC, sku`;
    return page(db, base, order, offset, limit, (r) => ({
      kind: 'product',
      id: r.product_id,
      number: r.sku,
      origin: null,
      date: f.to,
      party: null,
      sku: r.sku,
      detail: `${r.name}: shipped ${r.out_qty}, returned ${r.return_qty}, cost of goods sold ${(Number(r.cogs) / 100).toFixed(2)}`,
      ok: Number(r.return_qty) === 0,
    }));
  }
  const failing = FAILING_LINE[kpi] ?? sql`1 = 0`;
  const base = sql<{ root_id: string; root_number: string; origin: string | null; day: string; party: string | null; sku: string; ordered_qty: number; first_qty: number; shipped_qty: number; revenue_minor: number; cogs_minor: number; order_ms: number | null; first_ship_ms: number; bad: number }>`
    SELECT r.root_id, r.root_number, r.origin, r.day, p.name AS party, pr.sku, r.ordered_qty, r.first_qty, r.shipped_qty, r.revenue_minor, r.cogs_minor, r.order_ms, r.first_ship_ms,
      CASE WHEN ${failing} THEN 1 ELSE 0 END AS bad
    FROM report_order_line r LEFT JOIN partner p ON p.id = r.partner_id JOIN product pr ON pr.id = r.product_id
    WHERE ${segments(f, 'r', true)} ${failingOnly ? sql`AND ${failing}` : sql``}`;
  return page(db, base, sql`day DESC, root_number DESC, sku`, offset, limit, (r) => ({
    kind: 'delivery',
    id: r.root_id,
    number: r.root_number,
    origin: r.origin,
    date: r.day,
    party: r.party,
    sku: r.sku,
    detail:
      kpi === 'channel_margin'
        ? `revenue ${(Number(r.revenue_minor) / 100).toFixed(2)}, cost ${(Number(r.cogs_minor) / 100).toFixed(2)}`
        : kpi === 'order_cycle_time'
          ? `${r.order_ms == null ? 'no order time' : `${((Number(r.first_ship_ms) - Number(r.order_ms)) / 3_600_000).toFixed(1)} h from order to first shipment`}`
          : `ordered ${r.ordered_qty}, first shipment ${r.first_qty}, shipped ${r.shipped_qty}`,
    ok: Number(r.bad) === 0,
  }));
}
