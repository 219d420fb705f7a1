import { sql } from 'kysely';
import type { z } from 'zod';
import type { ReplenishmentResult } from '../../../src-shared/contract/purchasing';
import { zoneLocation, virtualLocation } from '../inventory/locations';
import { confirmFlow, insertTransfer, linkSteps, planLines } from '../inventory/transfers';
import { type CommandContext, newRowMeta } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { branchCode, nextDocumentNumber } from '../platform/series';
import { appendLine, createPurchaseOrder } from './orders';
import { readPurchaseSettings } from './settings';
import { preferredVendorTable, roundToVendor, vendorPerformance } from './vendors';

type Result = z.infer<typeof ReplenishmentResult>;
type ProposalOut = Result['proposals'][number];

/** The standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9): z for a service level. */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p <= 0 || p >= 1) throw new RangeError('p must be between 0 and 1');
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

export interface DemandStats {
  /** Mean units per day over the window (days without demand count as zero). */
  mean: number;
  /** Standard deviation of daily demand. */
  sd: number;
}

/**
 * Demand-driven levels: safety stock = z(service level) × σ(daily demand) × √(lead time);
 * min (reorder point) = mean × lead time + safety stock; max = min + mean × cover days.
 */
export function demandLevels(stats: DemandStats, leadDays: number, serviceLevelBp: number, coverDays: number) {
  const safety = normalQuantile(serviceLevelBp / 10_000) * stats.sd * Math.sqrt(Math.max(leadDays, 1));
  const min = Math.ceil(stats.mean * leadDays + Math.max(safety, 0));
  return { safety: Math.ceil(Math.max(safety, 0)), min, max: Math.ceil(min + stats.mean * coverDays) };
}

/** Daily demand (deliveries from a warehouse's own locations to customers) per product and warehouse since `cutoff`. */
async function demandSince(db: Db | Tx, dialect: 'sqlite' | 'postgres', cutoff: string, windowDays: number, warehouseIds: string[] | null) {
  const day = dialect === 'postgres' ? sql`((m.moved_at AT TIME ZONE 'UTC')::date)` : sql`substr(m.moved_at, 1, 10)`;
  const whFilter = warehouseIds ? sql`AND f.warehouse_id IN (${sql.join(warehouseIds)})` : sql``;
  const rows = await sql<{ product_id: string; warehouse_id: string; total: number; sq: number }>`
    SELECT product_id, warehouse_id, SUM(q) AS total, SUM(q * q) AS sq FROM (
      SELECT m.product_id, f.warehouse_id, ${day} AS d, SUM(m.quantity) AS q
      FROM stock_move m
      JOIN location f ON f.id = m.from_location_id
      JOIN location t ON t.id = m.to_location_id
      WHERE m.moved_at >= ${cutoff} AND t.usage = 'customer' AND f.usage = 'internal' ${whFilter}
      GROUP BY m.product_id, f.warehouse_id, ${day}
    ) daily GROUP BY product_id, warehouse_id`.execute(db);
  const out = new Map<string, DemandStats>();
  for (const r of rows.rows) {
    const mean = Number(r.total) / windowDays;
    const variance = Math.max(Number(r.sq) / windowDays - mean * mean, 0);
    out.set(`${r.product_id}|${r.warehouse_id}`, { mean, sd: Math.sqrt(variance) });
  }
  return out;
}

interface Need {
  productId: string;
  sku: string;
  warehouseId: string;
  warehouseCode: string;
  projected: number;
  min: number;
  max: number;
  need: number;
  surplus: number;
  multiple: number;
  leadDays: number;
  why: string;
  urgent: boolean;
}

/**
 * A replenishment run. For each reorder rule: projected stock at the lead-time horizon =
 * on hand + incoming + on order (draft to approved orders) − committed (open deliveries, reserved or not) − mean demand × lead
 * time. Below min, it proposes up to max: first a transfer from a warehouse whose projected
 * stock is above its own max (surplus), then a purchase from the preferred vendor (else the
 * cheapest with a price), rounded to the rule's multiple and the vendor's MOQ and multiple.
 * Exceptions (urgent: projected stockout before the lead time; a line above the value
 * threshold; a vendor whose on-time rate is poor) go to the review queue; the rest become
 * draft purchase orders per vendor and warehouse. A dry run writes nothing.
 */
export async function runReplenishment(ctx: CommandContext, input: { warehouseId?: string; dryRun: boolean }): Promise<Result> {
  const db = ctx.db;
  const settings = await readPurchaseSettings(db);
  const progress = (done: number, total: number) => ctx.services.progress('replenish', done, total);
  const today = ctx.now.slice(0, 10);

  const warehouses = await db.selectFrom('warehouse').select(['id', 'code']).where('active', '=', 1).execute();
  const whCode = new Map(warehouses.map((w) => [w.id, w.code]));
  // Every rule of this branch (other warehouses' rules say where surplus is; each branch keeps its own rules).
  const rules = await db
    .selectFrom('reorder_rule as r')
    .innerJoin('product as p', 'p.id', 'r.product_id')
    .select(['r.product_id', 'r.warehouse_id', 'r.method', 'r.min_qty', 'r.max_qty', 'r.multiple', 'r.window_days', 'r.service_level_bp', 'r.cover_days', 'p.sku'])
    .where('r.branch_id', '=', ctx.branchId)
    .where('r.active', '=', 1)
    .where('p.active', '=', 1)
    .execute();
  progress(0, rules.length);

  const levels = await db
    .selectFrom('stock_level')
    .select((eb) => ['product_id', 'warehouse_id', eb.fn.sum<number>('on_hand').as('on_hand'), eb.fn.sum<number>('incoming').as('incoming'), eb.fn.sum<number>('outgoing').as('outgoing')])
    .where('warehouse_id', 'is not', null)
    .groupBy(['product_id', 'warehouse_id'])
    .execute();
  const stock = new Map(levels.map((l) => [`${l.product_id}|${l.warehouse_id}`, { onHand: Number(l.on_hand), incoming: Number(l.incoming), outgoing: Number(l.outgoing) }]));

  // Orders not yet sent are not incoming stock yet, but they will be: count them so a second run does not buy twice.
  const unsent = await db
    .selectFrom('purchase_order_line as l')
    .innerJoin('purchase_order as o', 'o.id', 'l.order_id')
    .select((eb) => ['l.product_id', 'o.warehouse_id', eb.fn.sum<number>('l.quantity').as('q')])
    .where('o.state', 'in', ['draft', 'to_approve', 'approved'])
    .groupBy(['l.product_id', 'o.warehouse_id'])
    .execute();
  const onOrder = new Map(unsent.map((r) => [`${r.product_id}|${r.warehouse_id}`, Number(r.q)]));

  // Vendors: preferred per product and warehouse, prices valid today, terms and on-time rates.
  const preferred = new Map((await sql<{ product_id: string; warehouse_id: string; vendor_id: string }>`SELECT * FROM ${preferredVendorTable(ctx.branchId)} AS pv`.execute(db)).rows.map((r) => [`${r.product_id}|${r.warehouse_id}`, r.vendor_id]));
  const priceRows = await db
    .selectFrom('vendor_price')
    .select(['vendor_id', 'product_id', 'min_quantity', 'price_minor'])
    .where('active', '=', 1)
    .where((eb) => eb.or([eb('valid_from', 'is', null), eb('valid_from', '<=', today)]))
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>=', today)]))
    .orderBy('min_quantity', 'desc')
    .execute();
  const prices = new Map<string, { vendorId: string; minQuantity: number; price: number }[]>();
  for (const r of priceRows) {
    const list = prices.get(r.product_id) ?? [];
    list.push({ vendorId: r.vendor_id, minQuantity: Number(r.min_quantity), price: Number(r.price_minor) });
    prices.set(r.product_id, list);
  }
  const vendors = new Map(
    (
      await db
        .selectFrom('partner as p')
        .innerJoin('vendor_profile as v', 'v.partner_id', 'p.id')
        .select(['p.id', 'p.name', 'p.lead_time_days', 'v.min_order_qty', 'v.order_multiple'])
        .where('p.active', '=', 1)
        .execute()
    ).map((v) => [v.id, { name: v.name, lead: Number(v.lead_time_days ?? 0), moq: Number(v.min_order_qty), multiple: Number(v.order_multiple) }]),
  );
  const performance = await vendorPerformance(db, [...vendors.keys()], ctx.now);
  const poorVendor = (id: string) => {
    const p = performance.get(id);
    return !!p && p.receiptLines >= settings.poorOnTimeMinLines && p.onTimeRateBp !== null && p.onTimeRateBp < settings.poorOnTimeBp;
  };
  const priceFor = (productId: string, vendorId: string, qty: number) => prices.get(productId)?.find((p) => p.vendorId === vendorId && p.minQuantity <= qty)?.price ?? null;
  const vendorFor = (productId: string, warehouseId: string): string | null => {
    const pref = preferred.get(`${productId}|${warehouseId}`);
    if (pref && vendors.has(pref)) return pref;
    // The cheapest single-unit price among active vendors.
    let best: { vendorId: string; price: number } | null = null;
    for (const p of prices.get(productId) ?? []) if (p.minQuantity <= 1 && vendors.has(p.vendorId) && (!best || p.price < best.price)) best = { vendorId: p.vendorId, price: p.price };
    return best?.vendorId ?? null;
  };

  // Demand statistics, one query per distinct window.
  const windows = [...new Set(rules.map((r) => Number(r.window_days)))];
  const demand = new Map<number, Map<string, DemandStats>>();
  for (const w of windows) demand.set(w, await demandSince(db, ctx.dialect, new Date(Date.parse(ctx.now) - w * 86_400_000).toISOString(), w, null));

  const needs: Need[] = [];
  const byProduct = new Map<string, Need[]>();
  for (const [i, r] of rules.entries()) {
    const key = `${r.product_id}|${r.warehouse_id}`;
    const s = stock.get(key) ?? { onHand: 0, incoming: 0, outgoing: 0 };
    const stats = demand.get(Number(r.window_days))!.get(key) ?? { mean: 0, sd: 0 };
    const vendorId = vendorFor(r.product_id, r.warehouse_id);
    const leadDays = vendorId ? vendors.get(vendorId)!.lead : 0;
    const horizonDemand = Math.ceil(stats.mean * leadDays);
    const ordered = onOrder.get(key) ?? 0;
    const projected = s.onHand + s.incoming + ordered - s.outgoing - horizonDemand;
    let min = Number(r.min_qty);
    let max = Number(r.max_qty);
    let why: string;
    if (r.method === 'demand') {
      const lv = demandLevels(stats, leadDays, Number(r.service_level_bp), Number(r.cover_days));
      min = lv.min;
      max = lv.max;
      why = `demand ${stats.mean.toFixed(2)}/day (σ ${stats.sd.toFixed(2)}) over ${r.window_days} days, safety stock ${lv.safety} at ${(Number(r.service_level_bp) / 100).toFixed(1)} % service`;
    } else why = `min ${min} / max ${max}`;
    const multiple = Number(r.multiple);
    const raw = projected < min ? max - projected : 0;
    const need = raw > 0 ? Math.ceil(raw / multiple) * multiple : 0;
    const n: Need = {
      productId: r.product_id,
      sku: r.sku,
      warehouseId: r.warehouse_id,
      warehouseCode: whCode.get(r.warehouse_id) ?? '?',
      projected,
      min,
      max,
      need,
      surplus: Math.max(projected - max, 0),
      multiple,
      leadDays,
      why: `projected ${projected} in ${leadDays} days (on hand ${s.onHand} + incoming ${s.incoming}${ordered ? ` + on order ${ordered}` : ''} − committed ${s.outgoing} − demand ${horizonDemand}) below min ${min}; ${why}`,
      urgent: projected < 0,
    };
    needs.push(n);
    const list = byProduct.get(r.product_id) ?? [];
    list.push(n);
    byProduct.set(r.product_id, list);
    if (i % 1000 === 999) progress(i + 1, rules.length);
  }

  const proposals: ProposalOut[] = [];
  const scope = input.warehouseId ?? null;
  for (const n of needs) {
    if (n.need <= 0 || (scope && n.warehouseId !== scope)) continue;
    let left = n.need;
    // Rebalance before buying: take from warehouses with surplus above their max.
    for (const other of byProduct.get(n.productId) ?? []) {
      if (left <= 0 || other.warehouseId === n.warehouseId || other.surplus <= 0) continue;
      const take = Math.min(left, other.surplus);
      other.surplus -= take;
      left -= take;
      proposals.push({
        id: null,
        runId: null,
        productId: n.productId,
        sku: n.sku,
        warehouseId: n.warehouseId,
        warehouseCode: n.warehouseCode,
        kind: 'transfer',
        vendorId: null,
        vendorName: null,
        sourceWarehouseId: other.warehouseId,
        quantity: take,
        unitPriceMinor: 0,
        valueMinor: 0,
        projected: n.projected,
        reason: `${n.why}; ${other.warehouseCode} has ${take + other.surplus} above its max`,
        exception: null,
        state: 'proposed',
        orderId: null,
        transferId: null,
      });
    }
    if (left <= 0) continue;
    const vendorId = vendorFor(n.productId, n.warehouseId);
    const vendor = vendorId ? vendors.get(vendorId)! : null;
    const quantity = vendor ? roundToVendor(Math.ceil(left / n.multiple) * n.multiple, vendor.moq, vendor.multiple) : left;
    const price = vendorId ? priceFor(n.productId, vendorId, quantity) : null;
    const value = (price ?? 0) * quantity;
    const exception = n.urgent ? 'urgent' : value > settings.highValueLineMinor ? 'high_value' : vendorId && poorVendor(vendorId) ? 'poor_vendor' : null;
    const noVendor = !vendorId || price === null;
    proposals.push({
      id: null,
      runId: null,
      productId: n.productId,
      sku: n.sku,
      warehouseId: n.warehouseId,
      warehouseCode: n.warehouseCode,
      kind: 'buy',
      vendorId: noVendor ? null : vendorId,
      vendorName: noVendor ? null : vendor!.name,
      sourceWarehouseId: null,
      quantity,
      unitPriceMinor: price ?? 0,
      valueMinor: value,
      projected: n.projected,
      reason: noVendor ? `${n.why}; no vendor has a price for ${n.sku}` : `${n.why}; buy ${quantity} (need ${left}, vendor MOQ ${vendor!.moq}, multiple ${vendor!.multiple})`,
      exception,
      state: exception || noVendor ? 'review' : 'proposed',
      orderId: null,
      transferId: null,
    });
  }
  progress(rules.length, rules.length);

  const result: Result = { runId: null, number: null, dryRun: input.dryRun, productsChecked: rules.filter((r) => !scope || r.warehouse_id === scope).length, proposals, ordersCreated: [], transfersCreated: 0, inReview: proposals.filter((p) => p.state === 'review').length };
  if (input.dryRun) return result;

  const runId = ctx.newId();
  const number = await nextDocumentNumber(ctx, `${await branchCode(ctx)}-RPL-${ctx.now.slice(0, 4)}-`, 5);
  await db.insertInto('replenishment_run').values({ ...newRowMeta(ctx, runId), number, warehouse_id: scope, dry_run: 0, products_checked: result.productsChecked, proposals: proposals.length, orders_created: 0, in_review: result.inReview }).execute();

  // Draft purchase orders per vendor and warehouse.
  const groups = new Map<string, ProposalOut[]>();
  for (const p of proposals) {
    if (p.kind !== 'buy' || p.state !== 'proposed') continue;
    const key = `${p.vendorId}|${p.warehouseId}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  for (const group of groups.values()) {
    const first = group[0]!;
    const orderId = await createPurchaseOrder(ctx, {
      vendorId: first.vendorId!,
      warehouseId: first.warehouseId,
      urgent: false,
      notes: `Replenishment ${number}`,
      runId,
      lines: group.map((p) => ({ productId: p.productId, quantity: p.quantity, unitPriceMinor: p.unitPriceMinor, unitWeightG: 0, reason: p.reason.slice(0, 300) })),
    });
    for (const p of group) {
      p.orderId = orderId;
      p.state = 'ordered';
    }
    const po = await db.selectFrom('purchase_order').select(['number', 'total_minor']).where('id', '=', orderId).executeTakeFirstOrThrow();
    result.ordersCreated.push({ id: orderId, number: po.number, vendorName: vendors.get(first.vendorId!)!.name, lines: group.length, totalMinor: Number(po.total_minor) });
  }

  // Transfers between warehouses, one per source and destination.
  const moves = new Map<string, ProposalOut[]>();
  for (const p of proposals) if (p.kind === 'transfer') moves.set(`${p.sourceWarehouseId}|${p.warehouseId}`, [...(moves.get(`${p.sourceWarehouseId}|${p.warehouseId}`) ?? []), p]);
  for (const group of moves.values()) {
    const from = group[0]!.sourceWarehouseId!;
    const to = group[0]!.warehouseId;
    const planned = await planLines(ctx, group.map((p) => ({ productId: p.productId, quantity: p.quantity })));
    const transit = await virtualLocation(db, 'transit');
    const common = { partnerId: null, origin: number, channelCode: null, priorityRank: 50, promisedDate: null, orderDate: null, scheduledDate: ctx.now, shippingPolicy: 'asap' as const, carrier: null, carrierCutoff: null, orderValueMinor: 0 };
    const out = await insertTransfer(ctx, { ...common, kind: 'transit_out', opCode: 'TOUT', warehouseId: from, from: await zoneLocation(db, from, 'stock'), to: transit }, planned);
    const inbound = await insertTransfer(ctx, { ...common, kind: 'transit_in', opCode: 'TIN', warehouseId: to, from: transit, to: await zoneLocation(db, to, 'stock') }, planned.map((l, i) => ({ ...l, originLineId: out.lineIds[i]! })));
    await linkSteps(ctx, out, inbound);
    await confirmFlow(ctx, out.id);
    for (const p of group) {
      p.transferId = out.id;
      p.state = 'transferred';
    }
    result.transfersCreated++;
  }

  const rows = proposals.map((p) => ({
    ...newRowMeta(ctx),
    run_id: runId,
    product_id: p.productId,
    warehouse_id: p.warehouseId,
    kind: p.kind,
    vendor_id: p.vendorId,
    source_warehouse_id: p.sourceWarehouseId,
    quantity: p.quantity,
    unit_price_minor: p.unitPriceMinor,
    value_minor: p.valueMinor,
    projected: p.projected,
    reason: p.reason,
    exception: p.exception,
    state: p.state,
    order_id: p.orderId,
    transfer_id: p.transferId,
  }));
  for (let i = 0; i < rows.length; i += 200) await db.insertInto('replenishment_proposal').values(rows.slice(i, i + 200)).execute();
  rows.forEach((r, i) => {
    proposals[i]!.id = r.id;
    proposals[i]!.runId = runId;
  });
  await db.updateTable('replenishment_run').set({ orders_created: result.ordersCreated.length }).where('id', '=', runId).execute();
  ctx.summarize(`Replenishment ${number}: ${proposals.length} proposal(s), ${result.ordersCreated.length} draft order(s), ${result.transfersCreated} transfer(s), ${result.inReview} to review`);
  return { ...result, runId, number };
}

/** Accepting a reviewed proposal makes a draft order of it; an urgent one is flagged and needs approval. */
export async function decideProposal(ctx: CommandContext, id: string, accept: boolean): Promise<string | null> {
  const p = await ctx.db.selectFrom('replenishment_proposal').selectAll().where('id', '=', id).executeTakeFirst();
  if (!p) throw notFound('Proposal');
  if (p.state !== 'review') throw new DomainError('BUSINESS_RULE', `This proposal is ${p.state}; only proposals under review can be decided`);
  if (!accept) {
    await ctx.db.updateTable('replenishment_proposal').set({ state: 'rejected', updated_at: ctx.now }).where('id', '=', id).execute();
    ctx.summarize('Rejected a replenishment proposal');
    return null;
  }
  if (!p.vendor_id) throw new DomainError('BUSINESS_RULE', 'No vendor has a price for this product: add a vendor price, then run replenishment again');
  // Proposals of one run for the same vendor and warehouse (and urgency) go on one draft order.
  const urgent = p.exception === 'urgent' ? 1 : 0;
  const open = await ctx.db
    .selectFrom('purchase_order')
    .select('id')
    .where('run_id', '=', p.run_id)
    .where('vendor_id', '=', p.vendor_id)
    .where('warehouse_id', '=', p.warehouse_id)
    .where('urgent', '=', urgent)
    .where('state', '=', 'draft')
    .where('notes', '=', 'Replenishment (reviewed)')
    .executeTakeFirst();
  const onIt = open ? await ctx.db.selectFrom('purchase_order_line').select('id').where('order_id', '=', open.id).where('product_id', '=', p.product_id).executeTakeFirst() : undefined;
  if (open && !onIt) {
    await appendLine(ctx, open.id, { productId: p.product_id, quantity: Number(p.quantity), unitPriceMinor: Number(p.unit_price_minor), reason: p.reason.slice(0, 300) });
    await ctx.db.updateTable('replenishment_proposal').set({ state: 'ordered', order_id: open.id, updated_at: ctx.now }).where('id', '=', id).execute();
    return open.id;
  }
  const orderId = await createPurchaseOrder(ctx, {
    vendorId: p.vendor_id,
    warehouseId: p.warehouse_id,
    urgent: p.exception === 'urgent',
    notes: 'Replenishment (reviewed)',
    runId: p.run_id,
    lines: [{ productId: p.product_id, quantity: Number(p.quantity), unitPriceMinor: Number(p.unit_price_minor), unitWeightG: 0, reason: p.reason.slice(0, 300) }],
  });
  await ctx.db.updateTable('replenishment_proposal').set({ state: 'ordered', order_id: orderId, updated_at: ctx.now }).where('id', '=', id).execute();
  return orderId;
}
