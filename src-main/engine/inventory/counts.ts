import { sql } from 'kysely';
import type { z } from 'zod';
import type { CycleCount } from '../../../src-shared/contract/inventory';
import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { branchCode, nextDocumentNumber } from '../platform/series';
import { averageCost, lotKeyOf, postMoves, readLevel } from './ledger';
import { getLocation, virtualLocation } from './locations';
import { releaseReservations, refreshTransferState } from './reservations';
import { readInventorySettings } from './settings';

type CountOut = z.infer<typeof CycleCount>;

/** Days between counts per ABC class; a product whose last count had a variance is counted twice as often. */
export const COUNT_INTERVAL_DAYS: Record<string, number> = { A: 30, B: 90, C: 365 };

export async function createCount(ctx: CommandContext, input: { locationId: string; productIds?: string[]; scheduledDate?: string }): Promise<string> {
  const loc = await getLocation(ctx.db, input.locationId);
  if (loc.usage !== 'internal' || !loc.warehouse_id) throw new DomainError('BUSINESS_RULE', `${loc.path} is not a warehouse location; counts are for internal locations`);
  const held = await ctx.db
    .selectFrom('cycle_count as c')
    .innerJoin('location as l', 'l.id', 'c.location_id')
    .select(['c.number', 'l.path'])
    .where('c.state', 'in', ['open', 'awaiting_approval'])
    .where((eb) => eb.or([eb('l.path', '=', loc.path), eb('l.path', 'like', `${loc.path}/%`), eb(sql.lit(loc.path), 'like', sql<string>`l.path || '/%'`)]))
    .executeTakeFirst();
  if (held) throw new DomainError('CONFLICT', `${held.path} is held by open count ${held.number}; finish or cancel it first`);
  const wh = await ctx.db.selectFrom('warehouse').select('code').where('id', '=', loc.warehouse_id).executeTakeFirstOrThrow();
  const id = ctx.newId();
  const number = await nextDocumentNumber(ctx, `${await branchCode(ctx)}-${wh.code}-CNT-${ctx.now.slice(0, 4)}-`);
  await ctx.db
    .insertInto('cycle_count')
    .values({ id, branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, number, warehouse_id: loc.warehouse_id, location_id: loc.id, state: 'open', scheduled_date: input.scheduledDate ?? ctx.now, abc_class: null, approved_by: null, posted_at: null })
    .execute();
  let levels = ctx.db
    .selectFrom('stock_level as s')
    .innerJoin('location as l', 'l.id', 's.location_id')
    .select(['s.product_id', 's.location_id', 's.lot_key', 's.on_hand'])
    .where((eb) => eb.or([eb('l.path', '=', loc.path), eb('l.path', 'like', `${loc.path}/%`)]))
    .where('l.usage', '=', 'internal')
    .where('s.on_hand', '!=', 0);
  if (input.productIds?.length) levels = levels.where('s.product_id', 'in', input.productIds);
  const rows = await levels.orderBy('l.path').execute();
  const have = new Set(rows.map((r) => r.product_id));
  // Products asked for but not on record here are counted too: finding them is the point.
  for (const pid of input.productIds ?? []) if (!have.has(pid)) rows.push({ product_id: pid, location_id: loc.id, lot_key: '', on_hand: 0 });
  if (rows.length === 0) throw new DomainError('BUSINESS_RULE', `Nothing is on record at ${loc.path}; name the products to count`);
  for (const r of rows) {
    const product = await ctx.db.selectFrom('product').select('id').where('id', '=', r.product_id).executeTakeFirst();
    if (!product) throw notFound('Product');
    await ctx.db
      .insertInto('count_line')
      .values({
        id: ctx.newId(),
        branch_id: ctx.branchId,
        created_at: ctx.now,
        updated_at: ctx.now,
        version: 1,
        count_id: id,
        product_id: r.product_id,
        location_id: r.location_id,
        lot_key: r.lot_key,
        expected_quantity: Number(r.on_hand),
        counted_quantity: null,
        unit_cost_minor: await averageCost(ctx, r.product_id),
        reason: null,
      })
      .execute();
  }
  ctx.summarize(`Opened count ${number} at ${loc.path} (${rows.length} lines)`);
  return id;
}

export async function loadCount(db: Db | Tx, id: string): Promise<CountOut> {
  const c = await db
    .selectFrom('cycle_count as c')
    .innerJoin('location as l', 'l.id', 'c.location_id')
    .select(['c.id', 'c.number', 'c.warehouse_id', 'c.location_id', 'l.path', 'c.state', 'c.scheduled_date', 'c.abc_class'])
    .where('c.id', '=', id)
    .executeTakeFirst();
  if (!c) throw notFound('Count');
  const lines = await db
    .selectFrom('count_line as cl')
    .innerJoin('product as p', 'p.id', 'cl.product_id')
    .innerJoin('location as l', 'l.id', 'cl.location_id')
    .leftJoin('lot', 'lot.id', 'cl.lot_key')
    .select(['cl.id', 'cl.product_id', 'p.sku', 'p.name', 'lot.name as lot_name', 'cl.expected_quantity', 'cl.counted_quantity', 'cl.unit_cost_minor', 'cl.reason', 'l.path'])
    .where('cl.count_id', '=', id)
    .orderBy('l.path')
    .orderBy('p.sku')
    .execute();
  const settings = await readInventorySettings(db);
  const out = lines.map((l) => {
    const counted = l.counted_quantity === null ? null : Number(l.counted_quantity);
    const variance = counted === null ? null : counted - Number(l.expected_quantity);
    return {
      id: l.id,
      productId: l.product_id,
      sku: l.sku,
      name: l.name,
      lotName: l.lot_name,
      expectedQuantity: Number(l.expected_quantity),
      countedQuantity: counted,
      varianceQuantity: variance,
      varianceValueMinor: variance === null ? null : variance * Number(l.unit_cost_minor),
      reason: l.reason,
    };
  });
  return {
    id: c.id,
    number: c.number,
    warehouseId: c.warehouse_id,
    locationId: c.location_id,
    locationPath: c.path,
    state: c.state,
    scheduledDate: c.scheduled_date,
    abcClass: c.abc_class,
    lines: out,
    needsApprovalReason: approvalReason(out, settings),
  };
}

/** Why a count needs a warehouse manager: the first line whose variance passes the value or percentage threshold. */
function approvalReason(lines: CountOut['lines'], s: { countApprovalValueMinor: number; countApprovalPercent: number }): string | null {
  for (const l of lines) {
    if (l.varianceQuantity === null || l.varianceQuantity === 0) continue;
    const value = Math.abs(l.varianceValueMinor ?? 0);
    if (value > s.countApprovalValueMinor) return `${l.sku}: variance worth ${(value / 100).toFixed(2)} exceeds ${(s.countApprovalValueMinor / 100).toFixed(2)}`;
    const pct = l.expectedQuantity === 0 ? Infinity : (Math.abs(l.varianceQuantity) * 100) / l.expectedQuantity;
    if (pct > s.countApprovalPercent) return `${l.sku}: variance of ${Number.isFinite(pct) ? `${pct.toFixed(1)}%` : 'stock not on record'} exceeds ${s.countApprovalPercent}%`;
  }
  return null;
}

export async function recordCount(ctx: CommandContext, id: string, lines: { lineId: string; countedQuantity: number; reason?: string }[]): Promise<void> {
  const c = await ctx.db.selectFrom('cycle_count').select(['state', 'number']).where('id', '=', id).executeTakeFirst();
  if (!c) throw notFound('Count');
  if (c.state !== 'open') throw new DomainError('BUSINESS_RULE', `${c.number} is ${c.state.replace('_', ' ')}; counts can be recorded only while open`);
  for (const l of lines) {
    const res = await ctx.db
      .updateTable('count_line')
      .set({ counted_quantity: l.countedQuantity, reason: l.reason ?? null, updated_at: ctx.now })
      .where('id', '=', l.lineId)
      .where('count_id', '=', id)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new DomainError('VALIDATION', 'A line does not belong to this count', { fields: [{ path: 'lines', message: 'Unknown line' }] });
  }
}

export async function submitCount(ctx: CommandContext, id: string): Promise<void> {
  const count = await loadCount(ctx.db, id);
  if (count.state !== 'open') throw new DomainError('BUSINESS_RULE', `${count.number} is ${count.state.replace('_', ' ')}; only open counts can be submitted`);
  const missing = count.lines.filter((l) => l.countedQuantity === null);
  if (missing.length > 0) throw new DomainError('BUSINESS_RULE', `${missing.length} line(s) are not counted yet (first: ${missing[0]!.sku})`);
  if (count.needsApprovalReason) {
    await ctx.db.updateTable('cycle_count').set({ state: 'awaiting_approval', updated_at: ctx.now }).where('id', '=', id).execute();
    ctx.summarize(`Count ${count.number} awaits approval: ${count.needsApprovalReason}`);
    return;
  }
  await postCount(ctx, id);
}

export async function approveCount(ctx: CommandContext, id: string): Promise<void> {
  const c = await ctx.db.selectFrom('cycle_count').select(['state', 'number']).where('id', '=', id).executeTakeFirst();
  if (!c) throw notFound('Count');
  if (c.state !== 'awaiting_approval') throw new DomainError('BUSINESS_RULE', `${c.number} is not awaiting approval`);
  await ctx.db.updateTable('cycle_count').set({ approved_by: ctx.actor.userId }).where('id', '=', id).execute();
  await postCount(ctx, id);
}

/**
 * Posts a count: each line's counted quantity becomes the on-hand, through a move to or from
 * Inventory Loss carrying the reason. The variance is taken against the on-hand at posting,
 * so moves made while counting are not undone. Stock found missing loses its reservations first.
 */
async function postCount(ctx: CommandContext, id: string): Promise<void> {
  const c = await ctx.db.selectFrom('cycle_count').select(['number']).where('id', '=', id).executeTakeFirstOrThrow();
  const lines = await ctx.db.selectFrom('count_line').selectAll().where('count_id', '=', id).execute();
  const loss = await virtualLocation(ctx.db, 'inventory_loss');
  const touched = new Set<string>();
  for (const l of lines) {
    const here = await getLocation(ctx.db, l.location_id);
    const level = await readLevel(ctx.db, l.product_id, l.location_id, l.lot_key);
    const variance = Number(l.counted_quantity) - level.onHand;
    if (variance === 0) continue;
    const reason = `Cycle count ${c.number}${l.reason ? `: ${l.reason}` : ''}`;
    if (variance < 0) {
      const short = -variance - (level.onHand - level.reserved);
      if (short > 0) {
        const holders = await ctx.db
          .selectFrom('reservation as r')
          .innerJoin('transfer_line as tl', 'tl.id', 'r.transfer_line_id')
          .innerJoin('transfer as t', 't.id', 'tl.transfer_id')
          .select(['r.transfer_line_id', 'r.quantity', 't.id as transfer_id'])
          .where('r.product_id', '=', l.product_id)
          .where('r.location_id', '=', l.location_id)
          .where('r.lot_key', '=', l.lot_key)
          .orderBy('t.priority_rank', 'desc')
          .execute();
        let left = short;
        for (const h of holders) {
          if (left <= 0) break;
          const take = Math.min(left, h.quantity);
          await releaseReservations(ctx, h.transfer_line_id, take);
          await ctx.db.updateTable('transfer').set({ backorder_reason: `Stock lost in count ${c.number}` }).where('id', '=', h.transfer_id).execute();
          touched.add(h.transfer_id);
          left -= take;
        }
      }
      await postMoves(ctx, [{ productId: l.product_id, quantity: -variance, from: here, to: loss, lotId: l.lot_key || null, reference: c.number, reason }]);
    } else {
      await postMoves(ctx, [{ productId: l.product_id, quantity: variance, from: loss, to: here, lotId: lotKeyOf(l.lot_key) || null, reference: c.number, reason, unitCostMinor: Number(l.unit_cost_minor) }]);
    }
  }
  for (const t of touched) await refreshTransferState(ctx, t);
  await ctx.db.updateTable('cycle_count').set({ state: 'posted', posted_at: ctx.now, updated_at: ctx.now }).where('id', '=', id).execute();
}

/**
 * Opens the counts that are due: stocked products whose last posted count is older than
 * their class's interval (halved after a variance), grouped by the location holding them.
 */
export async function scheduleCounts(ctx: CommandContext, input: { warehouseId: string; asOf?: string; maxCounts: number }) {
  const asOf = input.asOf ?? ctx.now;
  const stocked = await ctx.db
    .selectFrom('stock_level as s')
    .innerJoin('location as l', 'l.id', 's.location_id')
    .innerJoin('product as p', 'p.id', 's.product_id')
    .select(['s.product_id', 's.location_id', 'l.path', 'p.abc_class'])
    .where('s.warehouse_id', '=', input.warehouseId)
    .where('l.usage', '=', 'internal')
    .where('s.on_hand', '>', 0)
    .execute();
  const history = await ctx.db
    .selectFrom('count_line as cl')
    .innerJoin('cycle_count as c', 'c.id', 'cl.count_id')
    .select(['cl.product_id', 'c.posted_at', 'cl.expected_quantity', 'cl.counted_quantity'])
    .where('c.state', '=', 'posted')
    .where('c.warehouse_id', '=', input.warehouseId)
    .orderBy('c.posted_at')
    .execute();
  const last = new Map<string, { at: string; variance: boolean }>();
  for (const h of history) last.set(h.product_id, { at: h.posted_at!, variance: Number(h.counted_quantity) !== Number(h.expected_quantity) });
  const due = new Map<string, { path: string; products: Set<string> }>();
  for (const s of stocked) {
    const interval = (COUNT_INTERVAL_DAYS[s.abc_class ?? 'C'] ?? 365) / (last.get(s.product_id)?.variance ? 2 : 1);
    const prev = last.get(s.product_id);
    if (prev && Date.parse(asOf) - Date.parse(prev.at) < interval * 86_400_000) continue;
    const entry = due.get(s.location_id) ?? { path: s.path, products: new Set<string>() };
    entry.products.add(s.product_id);
    due.set(s.location_id, entry);
  }
  const open = new Set((await ctx.db.selectFrom('cycle_count').select('location_id').where('state', 'in', ['open', 'awaiting_approval']).execute()).map((o) => o.location_id));
  const counts = [];
  for (const [locationId, entry] of [...due.entries()].sort((a, b) => (a[1].path < b[1].path ? -1 : 1))) {
    if (counts.length >= input.maxCounts) break;
    if (open.has(locationId)) continue;
    const id = await createCount(ctx, { locationId, productIds: [...entry.products], scheduledDate: asOf });
    const c = await ctx.db.selectFrom('cycle_count').select('number').where('id', '=', id).executeTakeFirstOrThrow();
    counts.push({ id, number: c.number, locationPath: entry.path, lines: entry.products.size });
  }
  ctx.summarize(`Scheduled ${counts.length} cycle counts`);
  return { counts };
}

/** ABC by consumption value (value of stock leaving to customers) over the 12 months before `asOf`: A = top 80%, B = next 15%, C = rest. */
export async function classifyAbc(ctx: CommandContext, asOf: string) {
  const since = new Date(Date.parse(asOf) - 365 * 86_400_000).toISOString();
  const rows = await ctx.db
    .selectFrom('stock_move as m')
    .innerJoin('location as t', 't.id', 'm.to_location_id')
    .select((eb) => ['m.product_id', eb.fn.sum<number>(eb.neg(eb.ref('m.value_minor'))).as('consumption')])
    .where('t.usage', '=', 'customer')
    .where('m.moved_at', '>=', since)
    .where('m.moved_at', '<=', asOf)
    .groupBy('m.product_id')
    .execute();
  const sorted = rows.map((r) => ({ id: r.product_id, value: Number(r.consumption) })).filter((r) => r.value > 0).sort((a, b) => b.value - a.value);
  const total = sorted.reduce((s, r) => s + r.value, 0);
  const classes = { a: 0, b: 0, c: 0 };
  await ctx.db.updateTable('product').set({ abc_class: 'C' }).execute();
  let cumulative = 0;
  const byClass: Record<'A' | 'B', string[]> = { A: [], B: [] };
  for (const r of sorted) {
    const share = cumulative / total;
    cumulative += r.value;
    if (share < 0.8) byClass.A.push(r.id);
    else if (share < 0.95) byClass.B.push(r.id);
  }
  for (const cls of ['A', 'B'] as const) {
    for (let i = 0; i < byClass[cls].length; i += 500) await ctx.db.updateTable('product').set({ abc_class: cls }).where('id', 'in', byClass[cls].slice(i, i + 500)).execute();
  }
  classes.a = byClass.A.length;
  classes.b = byClass.B.length;
  const all = await ctx.db.selectFrom('product').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  classes.c = Number(all.n) - classes.a - classes.b;
  return classes;
}
