import { type RawBuilder, sql } from 'kysely';
import { RETURN_REASON_CATEGORIES, type ReportFilter, type ReturnBreakdownRow } from '../../../src-shared/contract/reports';
import type { Db } from '../platform/db';
import { DomainError } from '../platform/errors';
import { preferredVendorTable } from '../purchasing/vendors';
import { loadModel } from '../service/model';
import { predict } from '../service/classifier';
import { dayOf } from './kpis';
import { isoDay } from './refresh';

/**
 * Return reasons per product, vendor, channel or customer (Service → Reports): the units
 * received back on RMAs whose return receipt was done in the period, with the RMAs they came
 * on and their reason category, beside the units shipped to customers for the same key (so
 * the return rate per key).
 *
 *  - Reason category: the RMA's (`rma.reason_category`, from its ticket's category); an RMA
 *    without one gets the reason classifier's suggestion for its reason text, counted as
 *    `suggested`; without a trained model it stays `uncategorised`.
 *  - Vendor: the product's vendor at the RMA's warehouse (`product_vendor`); none on file → "No vendor".
 *  - Shipped: by channel from report_flow_day (every filter applies); by product and vendor
 *    from report_stock_day (warehouse and period only — with a region, class or channel filter
 *    it is unknown: null); by customer from the customer's own shipments (stock moves to
 *    Customers of its documents in the period).
 * Filters: warehouse = the RMA's, channel = the RMA's (the order's), region and customer class =
 * the customer's. Returned units here are RMA units; the return rate KPI counts every move back
 * from Customers, which is the same when every return goes through an RMA.
 */

type By = 'product' | 'vendor' | 'channel' | 'customer';
type Category = (typeof RETURN_REASON_CATEGORIES)[number];
const DAY_MS = 86_400_000;
const NO_VENDOR = 'none';

interface ReturnLine {
  rma_id: string;
  reason: string;
  reason_category: string | null;
  channel_code: string;
  partner_id: string;
  partner_name: string;
  product_id: string;
  sku: string;
  product_name: string;
  vendor_id: string | null;
  vendor_name: string | null;
  qty: number;
}

function periodBounds(f: ReportFilter) {
  if (dayOf(f.from) > dayOf(f.to)) throw new DomainError('VALIDATION', 'The period starts after it ends', { fields: [{ path: 'filter.from', message: 'Must be on or before the end date' }] });
  return { from: `${f.from}T00:00:00.000Z`, to: `${isoDay((dayOf(f.to) + 1) * DAY_MS)}T00:00:00.000Z` };
}

const customerCut = (f: ReportFilter) => !!(f.region || f.customerClass || f.channel);

export async function returnBreakdown(db: Db, installKey: object, f: ReportFilter, by: By, limit: number): Promise<{ rows: ReturnBreakdownRow[]; total: ReturnBreakdownRow }> {
  const { from, to } = periodBounds(f);
  const filters: RawBuilder<unknown>[] = [];
  if (f.warehouseId) filters.push(sql`AND r.warehouse_id = ${f.warehouseId}`);
  if (f.channel) filters.push(sql`AND r.channel_code = ${f.channel}`);
  if (f.region) filters.push(sql`AND pa.region = ${f.region}`);
  if (f.customerClass) filters.push(sql`AND pa.customer_class = ${f.customerClass}`);
  const lines = (
    await sql<ReturnLine>`
    SELECT r.id AS rma_id, r.reason, r.reason_category, r.channel_code, r.partner_id, pa.name AS partner_name, l.product_id, pr.sku, pr.name AS product_name,
      pv.vendor_id, v.name AS vendor_name, l.qty_received AS qty
    FROM rma r JOIN rma_line l ON l.rma_id = r.id JOIN transfer x ON x.id = r.receipt_transfer_id
      JOIN partner pa ON pa.id = r.partner_id JOIN product pr ON pr.id = l.product_id
      LEFT JOIN ${preferredVendorTable(null)} pv ON pv.product_id = l.product_id AND pv.warehouse_id = r.warehouse_id
      LEFT JOIN partner v ON v.id = pv.vendor_id
    WHERE x.state = 'done' AND x.done_at >= ${from} AND x.done_at < ${to} AND l.qty_received > 0 ${sql.join(filters, sql` `)}`.execute(db)
  ).rows;

  // Each RMA's category: its own, else the classifier's suggestion for its reason text.
  const model = lines.some((l) => !isCategory(l.reason_category)) ? await loadModel(db, installKey) : null;
  const categoryOf = new Map<string, { category: Category; suggested: boolean }>();
  for (const l of lines) {
    if (categoryOf.has(l.rma_id)) continue;
    if (isCategory(l.reason_category)) categoryOf.set(l.rma_id, { category: l.reason_category, suggested: false });
    else if (model) categoryOf.set(l.rma_id, { category: predict(model, l.reason).category, suggested: true });
    else categoryOf.set(l.rma_id, { category: 'uncategorised', suggested: false });
  }

  const keyOf = (l: ReturnLine): [string, string] => {
    if (by === 'product') return [l.product_id, `${l.sku} ${l.product_name}`];
    if (by === 'vendor') return l.vendor_id ? [l.vendor_id, l.vendor_name ?? l.vendor_id] : [NO_VENDOR, 'No vendor'];
    if (by === 'channel') return [l.channel_code, l.channel_code];
    return [l.partner_id, l.partner_name];
  };
  type Acc = { key: string; label: string; qty: number; rmas: Set<string>; reasons: Map<Category, { units: number; rmas: Set<string>; suggested: number }> };
  const groups = new Map<string, Acc>();
  const all: Acc = { key: 'all', label: 'All', qty: 0, rmas: new Set(), reasons: new Map() };
  for (const l of lines) {
    const [key, label] = keyOf(l);
    const g = groups.get(key) ?? { key, label, qty: 0, rmas: new Set<string>(), reasons: new Map() };
    groups.set(key, g);
    const c = categoryOf.get(l.rma_id)!;
    for (const acc of [g, all]) {
      const qty = Number(l.qty);
      acc.qty += qty;
      acc.rmas.add(l.rma_id);
      const r = acc.reasons.get(c.category) ?? { units: 0, rmas: new Set<string>(), suggested: 0 };
      r.units += qty;
      r.rmas.add(l.rma_id);
      if (c.suggested) r.suggested += qty;
      acc.reasons.set(c.category, r);
    }
  }
  const top = [...groups.values()].sort((a, b) => b.qty - a.qty || (a.label < b.label ? -1 : 1)).slice(0, limit);
  const shipped = await shippedFor(db, f, by, top.map((g) => g.key), from, to);
  const totalShipped = await shippedTotal(db, f);
  const row = (a: Acc, s: number | null): ReturnBreakdownRow => ({
    key: a.key,
    label: a.label,
    returnedQty: a.qty,
    rmas: a.rmas.size,
    shippedQty: s,
    rate: s === null || s === 0 ? null : a.qty / s,
    reasons: [...a.reasons]
      .map(([category, r]) => ({ category, units: r.units, rmas: r.rmas.size, suggested: r.suggested }))
      .sort((x, y) => y.units - x.units || (x.category < y.category ? -1 : 1)),
  });
  return { rows: top.map((g) => row(g, shipped === null ? null : (shipped.get(g.key) ?? 0))), total: row(all, totalShipped) };
}

function isCategory(c: string | null): c is Category {
  return c !== null && c !== 'uncategorised' && (RETURN_REASON_CATEGORIES as readonly string[]).includes(c);
}

/** Units shipped to customers in the period: every filter applies (report_flow_day). */
async function shippedTotal(db: Db, f: ReportFilter): Promise<number> {
  const r = await sql<{ q: number | null }>`SELECT SUM(out_qty) AS q FROM report_flow_day WHERE ${flowWhere(f)}`.execute(db);
  return Number(r.rows[0]?.q ?? 0);
}

function flowWhere(f: ReportFilter): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`day_no >= ${dayOf(f.from)}`, sql`day_no <= ${dayOf(f.to)}`];
  if (f.warehouseId) parts.push(sql`warehouse_id = ${f.warehouseId}`);
  if (f.channel) parts.push(sql`channel_code = ${f.channel}`);
  if (f.region) parts.push(sql`region = ${f.region}`);
  if (f.customerClass) parts.push(sql`customer_class = ${f.customerClass}`);
  return sql.join(parts, sql` AND `);
}

/** Units shipped per key (null: the report tables cannot tell with these filters). */
async function shippedFor(db: Db, f: ReportFilter, by: By, keys: string[], from: string, to: string): Promise<Map<string, number> | null> {
  if (keys.length === 0) return new Map();
  const wh = f.warehouseId ? sql`AND s.warehouse_id = ${f.warehouseId}` : sql``;
  const days = sql`s.day_no >= ${dayOf(f.from)} AND s.day_no <= ${dayOf(f.to)}`;
  if (by === 'channel') {
    const r = await sql<{ k: string; q: number }>`SELECT channel_code AS k, SUM(out_qty) AS q FROM report_flow_day WHERE ${flowWhere(f)} GROUP BY channel_code`.execute(db);
    return new Map(r.rows.map((x) => [x.k, Number(x.q)]));
  }
  if (by === 'customer') {
    const seg: RawBuilder<unknown>[] = [];
    if (f.warehouseId) seg.push(sql`AND fl.warehouse_id = ${f.warehouseId}`);
    if (f.channel) seg.push(sql`AND t.channel_code = ${f.channel}`);
    const r = await sql<{ k: string; q: number }>`
      SELECT t.partner_id AS k, SUM(m.quantity) AS q
      FROM transfer t JOIN stock_move m ON m.transfer_id = t.id JOIN location fl ON fl.id = m.from_location_id JOIN location tl ON tl.id = m.to_location_id
      WHERE t.partner_id IN (${sql.join(keys)}) AND tl.usage = 'customer' AND fl.usage = 'internal' AND fl.warehouse_id IS NOT NULL
        AND m.moved_at >= ${from} AND m.moved_at < ${to} ${sql.join(seg, sql` `)}
      GROUP BY t.partner_id`.execute(db);
    return new Map(r.rows.map((x) => [x.k, Number(x.q)]));
  }
  if (customerCut(f)) return null;
  if (by === 'product') {
    const r = await sql<{ k: string; q: number }>`SELECT s.product_id AS k, SUM(s.out_qty) AS q FROM report_stock_day s WHERE ${days} ${wh} AND s.product_id IN (${sql.join(keys)}) GROUP BY s.product_id`.execute(db);
    return new Map(r.rows.map((x) => [x.k, Number(x.q)]));
  }
  const r = await sql<{ k: string | null; q: number }>`
    SELECT pv.vendor_id AS k, SUM(s.out_qty) AS q FROM report_stock_day s LEFT JOIN ${preferredVendorTable(null)} pv ON pv.product_id = s.product_id AND pv.warehouse_id = s.warehouse_id
    WHERE ${days} ${wh} GROUP BY pv.vendor_id`.execute(db);
  return new Map(r.rows.map((x) => [x.k ?? NO_VENDOR, Number(x.q)]));
}
