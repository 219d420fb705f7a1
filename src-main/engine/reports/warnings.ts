import { sql } from 'kysely';
import type { Db } from '../platform/db';
import { deviationScore } from './forecast';
import { weekStart } from './forecast-run';
import { median } from './forecast';

/**
 * Early warnings: demand that departs from its forecast, open customer deliveries likely to
 * miss their promised date, and the exceptions inbox that ranks these with the sync
 * exceptions, credit holds and approvals.
 */

const HOUR = 3_600_000;
const fmt = (v: number) => (Math.abs(v - Math.round(v)) < 0.05 ? String(Math.round(v)) : v.toFixed(1));

/**
 * Words for a deviation: "sold 340 vs 95 expected, 4.1 deviations".
 */
export function explainDeviation(actual: number, expected: number, score: number): string {
  return `sold ${fmt(actual)} vs ${fmt(expected)} expected, ${Math.abs(score).toFixed(1)} deviations ${score >= 0 ? 'above' : 'below'}`;
}

/** A spike or drop fires at |score| ≥ threshold and a difference of at least two units; drops only for regular sellers. */
export function classifyDeviation(m: { actual: number; expected: number; scale: number; pattern: string }, threshold: number): { direction: 'spike' | 'drop'; score: number } | null {
  const score = deviationScore(m.actual, m.expected, m.scale);
  if (Math.abs(m.actual - m.expected) < 2 || Math.abs(score) < threshold) return null;
  if (score < 0 && m.pattern !== 'regular') return null;
  return { direction: score > 0 ? 'spike' : 'drop', score };
}

export async function demandWarnings(db: Db, threshold: number, limit: number) {
  const r = await sql<{ product_id: string; warehouse_id: string; sku: string; name: string; code: string; last_actual: number; last_expected: number; params: string; pattern: string; last_week_no: number }>`
    SELECT f.product_id, f.warehouse_id, p.sku, p.name, w.code, f.last_actual, f.last_expected, f.params, f.pattern, f.last_week_no
    FROM forecast_model f JOIN product p ON p.id = f.product_id JOIN warehouse w ON w.id = f.warehouse_id`.execute(db);
  const rows = [];
  for (const m of r.rows) {
    const scale = Number((JSON.parse(m.params) as { scale?: number }).scale ?? 1);
    const c = classifyDeviation({ actual: Number(m.last_actual), expected: Number(m.last_expected), scale, pattern: m.pattern }, threshold);
    if (!c) continue;
    rows.push({
      productId: m.product_id,
      sku: m.sku,
      productName: m.name,
      warehouseId: m.warehouse_id,
      warehouseCode: m.code,
      direction: c.direction,
      actual: Number(m.last_actual),
      expected: Math.round(Number(m.last_expected) * 10) / 10,
      score: Math.round(c.score * 10) / 10,
      explanation: `${m.sku} at ${m.code}, week of ${weekStart(Number(m.last_week_no))}: ${explainDeviation(Number(m.last_actual), Number(m.last_expected), c.score)}`,
    });
  }
  return rows.sort((a, b) => Math.abs(b.score) - Math.abs(a.score)).slice(0, limit);
}

export interface LateRiskInput {
  nowMs: number;
  promisedMs: number | null;
  cutoffMs: number | null;
  /** Some line of the order's flow waits for stock. */
  stockShort: boolean;
  /** Median hours from order to shipment of similar orders (same channel and warehouse). */
  typicalHours: number;
  /** Hours the order has been open already. */
  ageHours: number;
  /** Open customer deliveries ahead of this one ÷ shipments per working day. */
  backlogDays: number;
}

/**
 * Risk that an open delivery misses its promised date: the expected shipping time is now +
 * the remaining typical cycle time, at least the backlog ahead of it, a day more when today's
 * carrier cut-off has passed, three more when stock is short; the risk grows with how far
 * that lands after the promised date (logistic in days; 0.5 when exactly on it).
 */
export function lateRisk(i: LateRiskInput): { risk: number; reasons: string[]; actions: string[] } {
  if (i.promisedMs === null) return { risk: 0, reasons: [], actions: [] };
  const reasons: string[] = [];
  const actions: string[] = [];
  let hours = Math.max(i.typicalHours - i.ageHours, 0);
  if (i.backlogDays * 24 > hours) {
    hours = i.backlogDays * 24;
    if (i.backlogDays >= 1) {
      reasons.push(`${i.backlogDays.toFixed(1)} days of shipping backlog ahead of it`);
      actions.push('move it up the next wave');
    }
  }
  if (i.cutoffMs !== null && i.nowMs > i.cutoffMs && i.nowMs - i.cutoffMs < 24 * HOUR) {
    hours += 24;
    reasons.push("today's carrier cut-off has passed");
    actions.push('book an express pickup or tell the customer');
  }
  if (i.stockShort) {
    hours += 72;
    reasons.push('stock is short for some lines');
    actions.push('transfer stock from another warehouse, expedite the purchase, or ship what is there');
  }
  const slackDays = (i.promisedMs - (i.nowMs + hours * HOUR)) / (24 * HOUR);
  const risk = 1 / (1 + Math.exp(3 * slackDays));
  if (i.nowMs > i.promisedMs) reasons.unshift('the promised date has passed');
  else if (reasons.length === 0 && risk >= 0.5) reasons.push(`similar orders take ${fmt(i.typicalHours)} h; ${fmt((i.promisedMs - i.nowMs) / HOUR)} h are left`);
  if (actions.length === 0 && risk >= 0.5) actions.push('prioritise it in the next wave');
  return { risk, reasons, actions };
}

export async function lateOrders(db: Db, now: string, minRisk: number, limit: number) {
  const nowMs = Date.parse(now);
  const open = await sql<{
    id: string;
    number: string;
    origin: string | null;
    partner_id: string | null;
    customer: string | null;
    warehouse_id: string;
    code: string;
    channel_code: string | null;
    promised_date: string | null;
    carrier_cutoff: string | null;
    order_date: string | null;
    created_at: string;
    priority_rank: number;
    scheduled_date: string;
    order_value_minor: number;
  }>`SELECT t.id, t.number, t.origin, t.partner_id, p.name AS customer, t.warehouse_id, w.code, t.channel_code, t.promised_date, t.carrier_cutoff, t.order_date, t.created_at, t.priority_rank, t.scheduled_date, t.order_value_minor
    FROM transfer t JOIN location l ON l.id = t.to_location_id AND l.usage = 'customer' JOIN warehouse w ON w.id = t.warehouse_id LEFT JOIN partner p ON p.id = t.partner_id
    WHERE t.state IN ('draft', 'waiting', 'ready')`.execute(db);
  if (open.rows.length === 0) return [];
  // Flows waiting for stock: any open step of the same order (origin, customer) in state waiting.
  const waiting = await sql<{ origin: string | null; partner_id: string | null }>`SELECT DISTINCT origin, partner_id FROM transfer WHERE state = 'waiting' AND origin IS NOT NULL`.execute(db);
  const short = new Set(waiting.rows.map((r) => `${r.origin}|${r.partner_id}`));
  // Typical cycle time of similar orders and each warehouse's shipping pace over the last 28 days.
  const since = Math.floor(nowMs / 86_400_000) - 28;
  const cycles = await sql<{ warehouse_id: string; channel_code: string; h: number }>`
    SELECT warehouse_id, channel_code, (MIN(first_ship_ms) - MIN(order_ms)) / 3600000.0 AS h FROM report_order_line
    WHERE day_no >= ${since - 62} AND order_ms IS NOT NULL GROUP BY root_id, warehouse_id, channel_code`.execute(db);
  const typical = new Map<string, number[]>();
  for (const c of cycles.rows) {
    const k = `${c.warehouse_id}|${c.channel_code}`;
    typical.set(k, [...(typical.get(k) ?? []), Number(c.h)]);
  }
  const pace = await sql<{ warehouse_id: string; n: number }>`SELECT warehouse_id, COUNT(DISTINCT root_id) AS n FROM report_order_line WHERE day_no >= ${since} GROUP BY warehouse_id`.execute(db);
  const perDay = new Map(pace.rows.map((r) => [r.warehouse_id, Math.max(1, Number(r.n) / 20)]));
  // Open deliveries ahead of each one (lower rank, or same rank and earlier schedule) per warehouse.
  const byWh = new Map<string, typeof open.rows>();
  for (const t of open.rows) byWh.set(t.warehouse_id, [...(byWh.get(t.warehouse_id) ?? []), t]);
  const ahead = new Map<string, number>();
  for (const list of byWh.values()) {
    list.sort((a, b) => a.priority_rank - b.priority_rank || Date.parse(a.scheduled_date) - Date.parse(b.scheduled_date));
    list.forEach((t, i) => ahead.set(t.id, i));
  }
  const rows = [];
  for (const t of open.rows) {
    const promisedMs = t.promised_date ? Date.parse(t.promised_date) : null;
    const hs = typical.get(`${t.warehouse_id}|${t.channel_code ?? 'none'}`) ?? [];
    const r = lateRisk({
      nowMs,
      promisedMs,
      cutoffMs: t.carrier_cutoff ? Date.parse(t.carrier_cutoff) : null,
      stockShort: short.has(`${t.origin}|${t.partner_id}`),
      typicalHours: hs.length ? median(hs) : 24,
      ageHours: (nowMs - Date.parse(t.order_date ?? t.created_at)) / HOUR,
      backlogDays: (ahead.get(t.id) ?? 0) / (perDay.get(t.warehouse_id) ?? 1),
    });
    if (r.risk < minRisk) continue;
    rows.push({
      transferId: t.id,
      number: t.number,
      origin: t.origin,
      customer: t.customer,
      warehouseCode: t.code,
      promisedDate: t.promised_date ? new Date(t.promised_date).toISOString() : null,
      valueMinor: Number(t.order_value_minor),
      risk: Math.round(r.risk * 100) / 100,
      reason: r.reasons.join('; ') || 'tight against the promised date',
      action: r.actions.join('; ') || 'prioritise it in the next wave',
    });
  }
  return rows.sort((a, b) => b.risk - a.risk || b.valueMinor - a.valueMinor).slice(0, limit);
}

type Item = {
  kind: 'late_order' | 'demand_spike' | 'demand_drop' | 'sync_exception' | 'credit_hold' | 'approval';
  id: string;
  title: string;
  detail: string;
  urgency: number;
  valueMinor: number;
  rank: number;
  document: { kind: 'transfer' | 'sales_order' | 'product' | 'sync_exception'; id: string; number: string | null };
};

/** Rank = urgency × log10(10 + value in whole currency units): urgent first, large before small. */
export const rankOf = (urgency: number, valueMinor: number) => urgency * Math.log10(10 + Math.max(0, valueMinor) / 100);

export async function exceptionsInbox(db: Db, now: string, limit: number): Promise<Item[]> {
  const items: Item[] = [];
  const nowMs = Date.parse(now);
  const add = (i: Omit<Item, 'rank'>) => items.push({ ...i, urgency: Math.round(i.urgency * 100) / 100, rank: Math.round(rankOf(i.urgency, i.valueMinor) * 1000) / 1000 });
  for (const o of await lateOrders(db, now, 0.5, 200)) {
    add({ kind: 'late_order', id: o.transferId, title: `${o.number} may miss ${o.promisedDate?.slice(0, 10) ?? 'its date'}`, detail: `${o.reason} → ${o.action}`, urgency: o.risk, valueMinor: o.valueMinor, document: { kind: 'transfer', id: o.transferId, number: o.number } });
  }
  const costs = new Map<string, number>();
  const warnings = await demandWarnings(db, 3.5, 200);
  if (warnings.length > 0) {
    const c = await sql<{ id: string; cost_minor: number }>`SELECT id, cost_minor FROM product WHERE id IN (${sql.join(warnings.map((w) => w.productId))})`.execute(db);
    for (const r of c.rows) costs.set(r.id, Number(r.cost_minor));
  }
  for (const w of warnings) {
    add({
      kind: w.direction === 'spike' ? 'demand_spike' : 'demand_drop',
      id: `${w.productId}|${w.warehouseId}`,
      title: `Demand ${w.direction} for ${w.sku} at ${w.warehouseCode}`,
      detail: w.explanation,
      urgency: Math.min(1, Math.abs(w.score) / 10) * 0.8,
      valueMinor: Math.round(Math.abs(w.actual - w.expected) * (costs.get(w.productId) ?? 0)),
      document: { kind: 'product', id: w.productId, number: w.sku },
    });
  }
  const sync = await sql<{ id: string; kind: string; message: string; document_id: string | null; created_at: string }>`SELECT id, kind, message, document_id, created_at FROM sync_exception WHERE status = 'open' ORDER BY created_at LIMIT 200`.execute(db);
  for (const s of sync.rows) add({ kind: 'sync_exception', id: s.id, title: `Sync: ${s.kind}`, detail: s.message, urgency: 0.9, valueMinor: 0, document: { kind: 'sync_exception', id: s.id, number: null } });
  const holds = await sql<{ id: string; number: string; total_minor: number; hold_reason: string | null; updated_at: string; name: string }>`
    SELECT o.id, o.number, o.total_minor, o.hold_reason, o.updated_at, p.name FROM sales_order o JOIN partner p ON p.id = o.partner_id WHERE o.state = 'credit_hold' LIMIT 200`.execute(db);
  for (const h of holds.rows) {
    const days = (nowMs - Date.parse(h.updated_at)) / 86_400_000;
    add({ kind: 'credit_hold', id: h.id, title: `${h.number} on credit hold (${h.name})`, detail: h.hold_reason ?? 'over the credit limit', urgency: Math.min(1, 0.6 + days / 10), valueMinor: Number(h.total_minor), document: { kind: 'sales_order', id: h.id, number: h.number } });
  }
  const approvals = await sql<{ id: string; order_id: string; number: string; total_minor: number; reasons: string; created_at: string; approver_role: string }>`
    SELECT a.id, a.order_id, o.number, o.total_minor, a.reasons, a.created_at, a.approver_role FROM approval_request a JOIN sales_order o ON o.id = a.order_id WHERE a.state = 'pending' LIMIT 200`.execute(db);
  for (const a of approvals.rows) {
    const days = (nowMs - Date.parse(a.created_at)) / 86_400_000;
    let reasons = a.reasons;
    try {
      const parsed = JSON.parse(a.reasons) as unknown;
      if (Array.isArray(parsed)) reasons = parsed.join('; ');
    } catch {
      // plain text reasons
    }
    add({ kind: 'approval', id: a.id, title: `${a.number} waits for ${a.approver_role} approval`, detail: reasons, urgency: Math.min(1, 0.5 + days / 10), valueMinor: Number(a.total_minor), document: { kind: 'sales_order', id: a.order_id, number: a.number } });
  }
  return items.sort((a, b) => b.rank - a.rank).slice(0, limit);
}
