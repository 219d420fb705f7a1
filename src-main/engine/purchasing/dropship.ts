import { sql } from 'kysely';
import type { DropShipLine, DropShipOrderInfo } from '../../../src-shared/contract/dropship';
import type { SalesOrder } from '../../../src-shared/contract/sales';
import { postEntry, todayOf, type PostingLine } from '../finance/ledger';
import { confirmFlow, insertTransfer, planLines, shrinkLine, validateTransfer } from '../inventory/transfers';
import { preparedSelectIn } from '../platform/batch';
import { inventorySession } from '../inventory/session';
import { queueNotification } from '../notifications/outbox';
import { preparedQuery } from '../platform/prepared';
import { type CommandContext, newRowMeta } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { formatMinor } from '../pricing/money';
import { rematchBillsOf } from './bills';
import { appendLine, createPurchaseOrder, orderRow, refreshBilledState, refuseState, setState } from './orders';
import type { PoState } from './schema';
import { findVendorPrice, preferredVendorTable } from './vendors';
import './dropship-schema';

/**
 * Drop ship (Odoo's dropship route): a sales line the vendor ships straight to the customer.
 *  - A line is drop ship when the clerk marks it (`sales.dropship.mark`) or its product is sold
 *    by drop ship (`dropship_product`). Its vendor: the one named, else the preferred vendor of
 *    the order's warehouse, else the cheapest vendor with a price; no price → refused.
 *  - Releasing the order reserves no warehouse stock for it: the order's drop-ship delivery is
 *    an OUT transfer Vendors → Customers (origin = the order, lines linked to the order lines,
 *    so sales progress reads it like any delivery), and the line is bought on a draft PO whose
 *    ship-to is the customer (an open draft drop-ship PO of that vendor, customer and address
 *    takes it, else a new one). Approval and sending follow the normal purchasing rules, but
 *    sending plans no warehouse receipt.
 *  - The vendor's shipment confirmation (`purchasing.dropship.ship`, with tracking number)
 *    validates the drop-ship delivery: one stock move Vendors → Customers per line at the PO
 *    price (no warehouse on-hand changes), the PO line's received quantity (so bills match),
 *    the sales line's delivered quantity (so invoicing works), and one journal entry
 *    Dr COGS / Cr GRNI at the PO price (the bill clears GRNI as for any receipt).
 *  - Cancelling a drop-ship line (or the order) before the vendor ships reduces the PO line
 *    (deleted, or the PO cancelled when nothing is left); once shipped it is refused.
 */

const OPEN_TRANSFER = ['draft', 'waiting', 'ready'] as const;
const SHIPPABLE: PoState[] = ['sent', 'confirmed', 'partially_received'];
const REDUCIBLE: PoState[] = ['draft', 'to_approve', 'approved', 'sent', 'confirmed', 'partially_received'];
const DAY = 86_400_000;
/** The carrier a customer reads when the vendor confirmed a shipment without naming one (the vendor stays unnamed: blind drop ship). */
const VENDOR_CARRIER = "our supplier's delivery";

/** The vendor that drop-ships a product from a warehouse: the given one, the preferred one, else the cheapest with a price today. */
export async function dropShipVendor(db: Db | Tx, p: { productId: string; warehouseId: string | null; vendorId: string | null; quantity: number; date: string; sku: string; branchId: string }): Promise<{ vendorId: string; priceMinor: number }> {
  const candidates: string[] = [];
  if (p.vendorId) candidates.push(p.vendorId);
  else {
    const dp = await db.selectFrom('dropship_product').select('vendor_id').where('product_id', '=', p.productId).where('active', '=', 1).executeTakeFirst();
    if (dp?.vendor_id) candidates.push(dp.vendor_id);
    if (p.warehouseId) {
      const pref = (await sql<{ vendor_id: string }>`SELECT vendor_id FROM ${preferredVendorTable(p.branchId)} AS pv WHERE product_id = ${p.productId} AND warehouse_id = ${p.warehouseId}`.execute(db)).rows[0];
      if (pref) candidates.push(pref.vendor_id);
    }
    const priced = await db
      .selectFrom('vendor_price as vp')
      .innerJoin('partner as v', 'v.id', 'vp.vendor_id')
      .select('vp.vendor_id')
      .where('vp.product_id', '=', p.productId)
      .where('vp.active', '=', 1)
      .where('v.active', '=', 1)
      .orderBy('vp.price_minor')
      .orderBy('vp.vendor_id')
      .execute();
    candidates.push(...priced.map((r) => r.vendor_id));
  }
  for (const vendorId of candidates) {
    const price = await findVendorPrice(db, { vendorId, productId: p.productId, quantity: p.quantity, date: p.date });
    if (price) return { vendorId, priceMinor: price.priceMinor };
  }
  if (p.vendorId) {
    const v = await db.selectFrom('partner').select('name').where('id', '=', p.vendorId).executeTakeFirst();
    throw new DomainError('BUSINESS_RULE', `${p.sku} cannot be drop-shipped from ${v?.name ?? 'that vendor'}: the vendor has no price for ${p.sku} for ${p.quantity} on ${p.date}; add one to its pricelist`, { fields: [{ path: 'vendorId', message: 'No vendor price' }] });
  }
  throw new DomainError('BUSINESS_RULE', `${p.sku} cannot be drop-shipped: no vendor has a price for ${p.sku} for ${p.quantity} on ${p.date}; add one to a vendor's pricelist`, { fields: [{ path: 'lineId', message: 'No vendor price' }] });
}

/** An open draft drop-ship PO of the vendor for this customer and address, to add lines to. */
async function openDropShipPo(db: Db | Tx, vendorId: string, customerId: string, addressId: string | null, warehouseId: string) {
  let q = db
    .selectFrom('purchase_order')
    .select(['id', 'number'])
    .where('state', '=', 'draft')
    .where('vendor_id', '=', vendorId)
    .where('ship_to_partner_id', '=', customerId)
    .where('warehouse_id', '=', warehouseId);
  q = addressId ? q.where('ship_to_address_id', '=', addressId) : q.where('ship_to_address_id', 'is', null);
  return q.orderBy('created_at').executeTakeFirst();
}

/** Adds quantity to a PO line (a product is once per order); the order total follows. */
async function growPoLine(ctx: CommandContext, poLineId: string, by: number): Promise<void> {
  const l = await ctx.db.selectFrom('purchase_order_line').select(['order_id', 'unit_price_minor']).where('id', '=', poLineId).executeTakeFirstOrThrow();
  const delta = by * Number(l.unit_price_minor);
  await ctx.db
    .updateTable('purchase_order_line')
    .set((eb) => ({ quantity: eb('quantity', '+', by), subtotal_minor: eb('subtotal_minor', '+', delta), updated_at: ctx.now, version: eb('version', '+', 1) }))
    .where('id', '=', poLineId)
    .execute();
  await ctx.db
    .updateTable('purchase_order')
    .set((eb) => ({ total_minor: eb('total_minor', '+', delta), updated_at: ctx.now, version: eb('version', '+', 1) }))
    .where('id', '=', l.order_id)
    .execute();
}

const marksOfOrder = preparedQuery<{ orderId: string }, { id: string; sales_line_id: string; product_id: string; vendor_id: string | null; state: string }>(['orderId'], (db, p) =>
  db.selectFrom('dropship_line').select(['id', 'sales_line_id', 'product_id', 'vendor_id', 'state']).where('sales_order_id', '=', p.orderId),
);
const dropShipProducts = preparedSelectIn<{ product_id: string; vendor_id: string | null }>((db, ids) =>
  db.selectFrom('dropship_product').select(['product_id', 'vendor_id']).where('product_id', 'in', ids as string[]).where('active', '=', 1),
);

interface DropShipPlan {
  salesLineId: string;
  lineNo: number;
  productId: string;
  sku: string;
  quantity: number;
  vendorId: string;
  priceMinor: number;
  markId: string | null;
}

/**
 * Called when sales releases an order (sales/confirm.ts): buys its drop-ship lines and plans
 * their delivery Vendors → Customers. Returns the drop-ship sales line ids (the warehouse
 * flow leaves them out) and the first drop-ship delivery (the order's delivery when every
 * line is drop ship). Writes nothing for an order without drop-ship lines.
 */
export async function releaseDropShip(
  ctx: CommandContext,
  order: SalesOrder,
  p: { warehouseId: string; promisedDate: string },
): Promise<{ lineIds: Set<string>; firstTransferId: string | null }> {
  // Runs on every release (the confirm hot path): two prepared statements, nothing more when no line is drop ship.
  const marks = await marksOfOrder.rows(ctx.db, { orderId: order.id });
  const products = [...new Set(order.lines.map((l) => l.productId))];
  const byProduct = new Map(products.length ? (await dropShipProducts(ctx.db, products, {})).map((r) => [r.product_id, r]) : []);
  if (marks.length === 0 && byProduct.size === 0) return { lineIds: new Set(), firstTransferId: null };
  const today = ctx.now.slice(0, 10);
  const plans: DropShipPlan[] = [];
  for (const l of order.lines) {
    // A mark follows its line; a line re-created by an edit keeps the mark of its product.
    const mark = marks.find((m) => m.sales_line_id === l.id) ?? marks.find((m) => m.product_id === l.productId && !order.lines.some((x) => x.id === m.sales_line_id));
    if (mark?.state === 'ordered' || mark?.state === 'shipped') throw new DomainError('CONFLICT', `${order.number} line ${l.lineNo} (${l.sku}) is already bought by drop ship`);
    if (!mark && !byProduct.has(l.productId)) continue;
    const vendor = await dropShipVendor(ctx.db, { productId: l.productId, warehouseId: p.warehouseId, vendorId: mark?.vendor_id ?? byProduct.get(l.productId)?.vendor_id ?? null, quantity: l.quantity, date: today, sku: l.sku, branchId: ctx.branchId });
    plans.push({ salesLineId: l.id, lineNo: l.lineNo, productId: l.productId, sku: l.sku, quantity: l.quantity, vendorId: vendor.vendorId, priceMinor: vendor.priceMinor, markId: mark?.id ?? null });
  }
  // Marks whose line is gone (an edit removed the product) are dropped.
  for (const m of marks) if (m.state === 'planned' && !plans.some((x) => x.markId === m.id)) await ctx.db.deleteFrom('dropship_line').where('id', '=', m.id).execute();
  if (plans.length === 0) return { lineIds: new Set(), firstTransferId: null };

  const session = inventorySession(ctx);
  const from = await session.virtual('vendor');
  const to = await session.virtual('customer');
  const addressId = order.shipToAddressId ?? (await defaultShipTo(ctx.db, order.customerId));
  let firstTransferId: string | null = null;
  const vendors = [...new Set(plans.map((x) => x.vendorId))];
  for (const vendorId of vendors) {
    const group = plans.filter((x) => x.vendorId === vendorId);
    // The delivery Vendors → Customers: read by sales progress like any delivery of the order.
    const planned = await planLines(ctx, group.map((g) => ({ productId: g.productId, quantity: g.quantity, unitCostMinor: g.priceMinor })));
    const t = await insertTransfer(
      ctx,
      {
        kind: 'delivery',
        opCode: 'OUT',
        warehouseId: p.warehouseId,
        from,
        to,
        partnerId: order.customerId,
        origin: order.number,
        channelCode: order.channelCode,
        priorityRank: order.priorityRank,
        promisedDate: p.promisedDate,
        orderDate: order.orderDate,
        scheduledDate: ctx.now,
        shippingPolicy: 'asap',
        carrier: null,
        carrierCutoff: null,
        orderValueMinor: order.totalMinor,
      },
      planned.map((pl, i) => ({ ...pl, salesLineId: group[i]!.salesLineId })),
    );
    await confirmFlow(ctx, t.id);
    firstTransferId ??= t.id;

    // The purchase: an open draft drop-ship PO of the vendor for this customer and address, else a new one.
    const quantities = new Map<string, number>();
    for (const g of group) quantities.set(g.productId, (quantities.get(g.productId) ?? 0) + g.quantity);
    const open = await openDropShipPo(ctx.db, vendorId, order.customerId, addressId, p.warehouseId);
    let poId: string;
    if (open) {
      poId = open.id;
      const existing = new Map((await ctx.db.selectFrom('purchase_order_line').select(['id', 'product_id']).where('order_id', '=', poId).execute()).map((r) => [r.product_id, r.id]));
      for (const [productId, quantity] of quantities) {
        const lineId = existing.get(productId);
        if (lineId) await growPoLine(ctx, lineId, quantity);
        else await appendLine(ctx, poId, { productId, quantity, unitPriceMinor: group.find((g) => g.productId === productId)!.priceMinor, reason: `Drop ship for ${order.number}` });
      }
      const current = await orderRow(ctx.db, poId);
      await ctx.db
        .updateTable('purchase_order')
        .set({ notes: `${current.notes ?? ''}; and ${order.number}`, search_text: `${current.search_text} ${order.number.toLowerCase()}`, updated_at: ctx.now })
        .where('id', '=', poId)
        .execute();
    } else {
      try {
        poId = await createPurchaseOrder(ctx, {
          vendorId,
          warehouseId: p.warehouseId,
          urgent: false,
          notes: `Drop ship for ${order.number}: the vendor ships to ${order.customerName}`,
          lines: [...quantities].map(([productId, quantity]) => ({ productId, quantity, unitPriceMinor: group.find((g) => g.productId === productId)!.priceMinor, unitWeightG: 0, reason: `Drop ship for ${order.number}` })),
        });
      } catch (e) {
        if (e instanceof DomainError) throw new DomainError(e.code, `Drop ship of ${group.map((g) => g.sku).join(', ')} on ${order.number}: ${e.message}`);
        throw e;
      }
      const po = await orderRow(ctx.db, poId);
      await ctx.db
        .updateTable('purchase_order')
        .set({ ship_to_partner_id: order.customerId, ship_to_address_id: addressId, sales_order_id: order.id, search_text: `${po.search_text} ${order.number.toLowerCase()} ${order.customerName.toLowerCase()}` })
        .where('id', '=', poId)
        .execute();
    }
    const poLines = new Map((await ctx.db.selectFrom('purchase_order_line').select(['id', 'product_id']).where('order_id', '=', poId).execute()).map((r) => [r.product_id, r.id]));
    for (const g of group) {
      const values = { state: 'ordered' as const, vendor_id: vendorId, quantity: g.quantity, qty_shipped: 0, qty_cancelled: 0, purchase_order_id: poId, purchase_order_line_id: poLines.get(g.productId)!, transfer_id: t.id };
      if (g.markId) await ctx.db.updateTable('dropship_line').set((eb) => ({ ...values, sales_line_id: g.salesLineId, updated_at: ctx.now, version: eb('version', '+', 1) })).where('id', '=', g.markId).execute();
      else await ctx.db.insertInto('dropship_line').values({ ...newRowMeta(ctx), sales_order_id: order.id, sales_line_id: g.salesLineId, product_id: g.productId, ...values }).execute();
    }
  }
  return { lineIds: new Set(plans.map((x) => x.salesLineId)), firstTransferId };
}

async function defaultShipTo(db: Db | Tx, customerId: string): Promise<string | null> {
  const a = await db.selectFrom('partner_address').select('id').where('partner_id', '=', customerId).where('kind', '=', 'ship_to').where('active', '=', 1).orderBy('is_default', 'desc').orderBy('created_at').executeTakeFirst();
  return a?.id ?? null;
}

/** Is this purchase order a drop ship (the vendor ships to a customer)? */
export const isDropShipPo = (po: { ship_to_partner_id: string | null }) => po.ship_to_partner_id !== null;

/**
 * Refuses to cancel a drop-ship PO while sales lines wait for it: cancelling the sales line
 * (or order) is what cancels the PO, so the customer's order never waits for nothing.
 */
export async function assertDropShipPoCancellable(db: Db | Tx, po: { id: string; number: string; ship_to_partner_id: string | null }): Promise<void> {
  if (!isDropShipPo(po)) return;
  const waiting = await db
    .selectFrom('dropship_line as d')
    .innerJoin('sales_order as o', 'o.id', 'd.sales_order_id')
    .select('o.number')
    .where('d.purchase_order_id', '=', po.id)
    .where('d.state', '=', 'ordered')
    .executeTakeFirst();
  if (waiting) throw new DomainError('BUSINESS_RULE', `${po.number} is the drop ship of ${waiting.number}, which still waits for it; cancel the drop-ship line on ${waiting.number} instead (that reduces or cancels this order)`);
}

/**
 * Takes `by` units off a drop-ship PO line: the line shrinks, or is removed when nothing is
 * left of it, or the whole PO is cancelled when it was the last line.
 */
async function reducePoLine(ctx: CommandContext, poLineId: string, by: number): Promise<void> {
  const l = await ctx.db.selectFrom('purchase_order_line').select(['id', 'order_id', 'quantity', 'qty_received', 'unit_price_minor']).where('id', '=', poLineId).executeTakeFirstOrThrow();
  const po = await orderRow(ctx.db, l.order_id);
  if (!REDUCIBLE.includes(po.state)) throw refuseState(po.number, po.state, 'reduced');
  const left = Number(l.quantity) - by;
  if (left < Number(l.qty_received)) throw new DomainError('BUSINESS_RULE', `${po.number}: the vendor already shipped ${Number(l.qty_received)}; the line cannot go below that`);
  const delta = by * Number(l.unit_price_minor);
  if (left > 0) {
    await ctx.db
      .updateTable('purchase_order_line')
      .set((eb) => ({ quantity: left, subtotal_minor: eb('subtotal_minor', '-', delta), updated_at: ctx.now, version: eb('version', '+', 1) }))
      .where('id', '=', l.id)
      .execute();
  } else {
    const others = await ctx.db.selectFrom('purchase_order_line').select('id').where('order_id', '=', po.id).where('id', '!=', l.id).executeTakeFirst();
    if (!others) {
      await setState(ctx, po.id, 'cancelled');
      return;
    }
    await ctx.db.deleteFrom('purchase_order_line').where('id', '=', l.id).execute();
  }
  await ctx.db
    .updateTable('purchase_order')
    .set((eb) => ({ total_minor: eb('total_minor', '-', delta), updated_at: ctx.now, version: eb('version', '+', 1) }))
    .where('id', '=', po.id)
    .execute();
  // What is left was all shipped already: the order is received.
  if (po.state === 'partially_received') {
    const lines = await ctx.db.selectFrom('purchase_order_line').select(['quantity', 'qty_received']).where('order_id', '=', po.id).execute();
    if (lines.every((x) => Number(x.qty_received) >= Number(x.quantity))) {
      await setState(ctx, po.id, 'received');
      await refreshBilledState(ctx, po.id);
    }
  }
}

/** Open drop-ship delivery lines (Vendors → Customers) of a sales line, backorders included. */
async function openDeliveryLines(db: Db | Tx, salesLineId: string) {
  return db
    .selectFrom('transfer_line as l')
    .innerJoin('transfer as t', 't.id', 'l.transfer_id')
    .innerJoin('location as f', 'f.id', 'l.from_location_id')
    .select(['l.id', 'l.transfer_id', 'l.quantity', 'l.quantity_done', 't.number'])
    .where('l.sales_line_id', '=', salesLineId)
    .where('t.kind', '=', 'delivery')
    .where('f.usage', '=', 'vendor')
    .where('l.state', 'in', [...OPEN_TRANSFER])
    .orderBy('t.created_at')
    .execute();
}

/**
 * Cancels what is still open of a drop-ship line (the sales line command), refusing once the
 * vendor has shipped any of it.
 */
export async function cancelDropShipLine(ctx: CommandContext, salesLineId: string): Promise<{ salesOrderId: string }> {
  const d = await ctx.db.selectFrom('dropship_line').selectAll().where('sales_line_id', '=', salesLineId).executeTakeFirst();
  if (!d) throw new DomainError('VALIDATION', 'That order line is not drop ship', { fields: [{ path: 'lineId', message: 'Not a drop-ship line' }] });
  const sku = (await ctx.db.selectFrom('product').select('sku').where('id', '=', d.product_id).executeTakeFirstOrThrow()).sku;
  const so = await ctx.db.selectFrom('sales_order').select('number').where('id', '=', d.sales_order_id).executeTakeFirstOrThrow();
  if (d.state === 'planned') {
    await ctx.db.deleteFrom('dropship_line').where('id', '=', d.id).execute();
    return { salesOrderId: d.sales_order_id };
  }
  if (Number(d.qty_shipped) > 0) {
    throw new DomainError('BUSINESS_RULE', `${sku} on ${so.number}: the vendor already shipped ${Number(d.qty_shipped)} of ${Number(d.quantity)} to the customer; a shipped drop-ship line cannot be cancelled (take a return instead)`);
  }
  if (d.state === 'cancelled') throw new DomainError('BUSINESS_RULE', `${sku} on ${so.number}: the drop-ship line is already cancelled`);
  for (const tl of await openDeliveryLines(ctx.db, salesLineId)) await shrinkLine(ctx, tl.id, Number(tl.quantity) - Number(tl.quantity_done));
  await settleCancelled(ctx, d.sales_order_id);
  return { salesOrderId: d.sales_order_id };
}

/**
 * After the order's open deliveries were cancelled (the sales order's cancel): each drop-ship
 * line's quantity no longer planned nor shipped is taken off its PO line.
 */
export async function settleCancelled(ctx: CommandContext, salesOrderId: string): Promise<void> {
  const lines = await ctx.db.selectFrom('dropship_line').selectAll().where('sales_order_id', '=', salesOrderId).where('state', '=', 'ordered').execute();
  for (const d of lines) {
    const open = (await openDeliveryLines(ctx.db, d.sales_line_id)).reduce((s, l) => s + Number(l.quantity) - Number(l.quantity_done), 0);
    const cancelled = Number(d.quantity) - Number(d.qty_shipped) - open;
    const newly = cancelled - Number(d.qty_cancelled);
    if (newly <= 0) continue;
    if (d.purchase_order_line_id) await reducePoLine(ctx, d.purchase_order_line_id, newly);
    await ctx.db
      .updateTable('dropship_line')
      .set((eb) => ({ qty_cancelled: cancelled, state: open === 0 ? (Number(d.qty_shipped) > 0 ? 'shipped' : 'cancelled') : 'ordered', updated_at: ctx.now, version: eb('version', '+', 1) }))
      .where('id', '=', d.id)
      .execute();
  }
}

/**
 * The vendor's shipment to the customer: validates the drop-ship deliveries of the PO's lines
 * (one stock move Vendors → Customers per line, at the PO price), receives the PO lines, posts
 * Dr COGS / Cr GRNI, re-matches waiting bills and refreshes the sales orders it delivers.
 * Returns the sales orders it delivered, for the caller to refresh.
 */
export async function shipDropShip(
  ctx: CommandContext,
  input: { orderId: string; trackingNumber: string; carrier: string | null; lines?: { lineId: string; quantity: number }[] },
): Promise<{ salesOrderIds: string[] }> {
  const po = await orderRow(ctx.db, input.orderId);
  if (!isDropShipPo(po)) throw new DomainError('BUSINESS_RULE', `${po.number} is not a drop-ship order; its goods are received into the warehouse (Receive)`);
  if (!SHIPPABLE.includes(po.state)) throw refuseState(po.number, po.state, `shipped by the vendor${po.state === 'draft' || po.state === 'to_approve' || po.state === 'approved' ? ' (send it to the vendor first)' : ''}`);
  const again = await ctx.db.selectFrom('dropship_shipment').select('shipped_at').where('purchase_order_id', '=', po.id).where('tracking_number', '=', input.trackingNumber).executeTakeFirst();
  if (again) throw new DomainError('CONFLICT', `Shipment ${input.trackingNumber} of ${po.number} was already confirmed on ${again.shipped_at.slice(0, 10)}`, { fields: [{ path: 'trackingNumber', message: 'Already confirmed' }] });
  const poLines = await ctx.db
    .selectFrom('purchase_order_line as l')
    .innerJoin('product as p', 'p.id', 'l.product_id')
    .select(['l.id', 'l.product_id', 'l.quantity', 'l.qty_received', 'l.unit_price_minor', 'p.sku'])
    .where('l.order_id', '=', po.id)
    .orderBy('l.line_no')
    .execute();
  const byId = new Map(poLines.map((l) => [l.id, l]));
  const given = input.lines ?? poLines.map((l) => ({ lineId: l.id, quantity: Number(l.quantity) - Number(l.qty_received) }));
  const seen = new Set<string>();
  for (const [i, g] of given.entries()) {
    const l = byId.get(g.lineId);
    if (!l) throw new DomainError('VALIDATION', `Line ${i + 1}: not a line of ${po.number}`, { fields: [{ path: `lines.${i}.lineId`, message: 'Not on this order' }] });
    if (seen.has(g.lineId)) throw new DomainError('VALIDATION', `Line ${i + 1}: ${l.sku} is given twice`, { fields: [{ path: `lines.${i}.lineId`, message: 'Given twice' }] });
    seen.add(g.lineId);
    const open = Number(l.quantity) - Number(l.qty_received);
    if (g.quantity > open) {
      throw new DomainError('BUSINESS_RULE', `${l.sku}: the vendor can ship at most ${open} more on ${po.number} (ordered ${Number(l.quantity)}, shipped ${Number(l.qty_received)}), not ${g.quantity}`, { fields: [{ path: `lines.${i}.quantity`, message: `At most ${open}` }] });
    }
  }
  if (given.every((g) => g.quantity === 0)) throw new DomainError('VALIDATION', `Nothing to ship on ${po.number}: every quantity is zero`, { fields: [{ path: 'lines', message: 'Nothing shipped' }] });

  // Each PO line's quantity goes to its sales lines in order; each delivery is validated once.
  const perTransfer = new Map<string, Map<string, number>>();
  const orderOfTransfer = new Map<string, string>();
  const shippedPerDropLine = new Map<string, number>();
  const salesOrders = new Set<string>();
  for (const g of given) {
    let left = g.quantity;
    if (left === 0) continue;
    const drops = await ctx.db.selectFrom('dropship_line').selectAll().where('purchase_order_line_id', '=', g.lineId).where('state', '=', 'ordered').orderBy('created_at').orderBy('id').execute();
    for (const d of drops) {
      if (left === 0) break;
      for (const tl of await openDeliveryLines(ctx.db, d.sales_line_id)) {
        if (left === 0) break;
        const take = Math.min(left, Number(tl.quantity) - Number(tl.quantity_done));
        if (take <= 0) continue;
        const lines = perTransfer.get(tl.transfer_id) ?? new Map<string, number>();
        lines.set(tl.id, (lines.get(tl.id) ?? 0) + take);
        perTransfer.set(tl.transfer_id, lines);
        orderOfTransfer.set(tl.transfer_id, d.sales_order_id);
        shippedPerDropLine.set(d.id, (shippedPerDropLine.get(d.id) ?? 0) + take);
        salesOrders.add(d.sales_order_id);
        left -= take;
      }
    }
    if (left > 0) throw new DomainError('BUSINESS_RULE', `${byId.get(g.lineId)!.sku}: ${left} of the ${g.quantity} shipped have no open customer delivery on ${po.number} (was the sales line cancelled?)`);
  }
  for (const [transferId, lines] of perTransfer) {
    const open = await ctx.db.selectFrom('transfer_line').select('id').where('transfer_id', '=', transferId).where('state', 'in', ['waiting', 'ready']).execute();
    // Lines of this delivery not shipped now are given as 0: they stay on its backorder.
    await validateTransfer(ctx, transferId, open.map((l) => ({ lineId: l.id, quantity: lines.get(l.id) ?? 0 })), true);
    await ctx.db.updateTable('transfer').set({ carrier: input.carrier ?? 'Vendor' }).where('id', '=', transferId).execute();
    // The customer's shipment notice carries the vendor's tracking number (a warehouse delivery's
    // notice, queued by sales when the order is refreshed, gives the delivery's number). Same
    // dedupe key as that notice, so the refresh below queues no second one for this delivery.
    await queueNotification(ctx, { kind: 'shipment', orderId: orderOfTransfer.get(transferId)!, dedupeKey: `shipment:${transferId}`, trackingNumber: input.trackingNumber, carrier: input.carrier ?? VENDOR_CARRIER });
  }

  // The PO side: received quantities and the receipt history vendor performance reads.
  const sentAt = Date.parse(po.sent_at ?? po.order_date);
  const leadDays = Math.max(0, Math.round((Date.parse(ctx.now) - sentAt) / DAY));
  const onTime = ctx.now.slice(0, 10) <= po.expected_date.slice(0, 10) ? 1 : 0;
  const firstTransfer = [...perTransfer.keys()][0] ?? null;
  let units = 0;
  let value = 0;
  const costLines: { productId: string; amount: number }[] = [];
  for (const g of given) {
    if (g.quantity === 0) continue;
    const l = byId.get(g.lineId)!;
    await ctx.db
      .updateTable('purchase_order_line')
      .set((eb) => ({ qty_received: eb('qty_received', '+', g.quantity), updated_at: ctx.now, version: eb('version', '+', 1) }))
      .where('id', '=', l.id)
      .execute();
    await ctx.db
      .insertInto('purchase_receipt_line')
      .values({ ...newRowMeta(ctx), order_id: po.id, order_line_id: l.id, vendor_id: po.vendor_id, transfer_id: firstTransfer, quantity: g.quantity, received_at: ctx.now, on_time: onTime, lead_days: leadDays })
      .execute();
    units += g.quantity;
    value += g.quantity * Number(l.unit_price_minor);
    costLines.push({ productId: l.product_id, amount: g.quantity * Number(l.unit_price_minor) });
  }
  for (const [dropId, q] of shippedPerDropLine) {
    const d = await ctx.db.selectFrom('dropship_line').select(['quantity', 'qty_shipped', 'qty_cancelled']).where('id', '=', dropId).executeTakeFirstOrThrow();
    const shipped = Number(d.qty_shipped) + q;
    await ctx.db
      .updateTable('dropship_line')
      .set((eb) => ({ qty_shipped: shipped, state: shipped + Number(d.qty_cancelled) >= Number(d.quantity) ? 'shipped' : 'ordered', updated_at: ctx.now, version: eb('version', '+', 1) }))
      .where('id', '=', dropId)
      .execute();
  }
  const after = await ctx.db.selectFrom('purchase_order_line').select(['quantity', 'qty_received']).where('order_id', '=', po.id).execute();
  await setState(ctx, po.id, after.every((l) => Number(l.qty_received) >= Number(l.quantity)) ? 'received' : 'partially_received');
  await ctx.db
    .insertInto('dropship_shipment')
    .values({ ...newRowMeta(ctx), purchase_order_id: po.id, tracking_number: input.trackingNumber, carrier: input.carrier, shipped_at: ctx.now, units, value_minor: value })
    .execute();
  await postDropShipCost(ctx, { po, transferId: firstTransfer, salesOrderIds: [...salesOrders], lines: costLines, tracking: input.trackingNumber });
  await rematchBillsOf(ctx, po.id);
  await refreshBilledState(ctx, po.id);
  ctx.summarize(`Vendor shipped ${units} unit(s) of ${po.number} to the customer (${input.trackingNumber}, ${formatMinor(value)})`);
  return { salesOrderIds: [...salesOrders] };
}

/**
 * Finance: goods that never enter owned stock cost the company what the PO says when they
 * reach the customer — Dr COGS (with the order's channel and the customer's class, for channel
 * margin) / Cr GRNI (cleared by the vendor bill, as for a receipt). Stock accounts are untouched.
 */
async function postDropShipCost(
  ctx: CommandContext,
  p: { po: { id: string; number: string; vendor_id: string; warehouse_id: string }; transferId: string | null; salesOrderIds: string[]; lines: { productId: string; amount: number }[]; tracking: string },
): Promise<void> {
  const dims = p.salesOrderIds.length
    ? await ctx.db
        .selectFrom('sales_order as o')
        .innerJoin('partner as c', 'c.id', 'o.partner_id')
        .select(['o.number', 'o.channel_code', 'c.customer_class'])
        .where('o.id', '=', p.salesOrderIds[0]!)
        .executeTakeFirst()
    : undefined;
  const lines: PostingLine[] = [];
  for (const l of p.lines) {
    if (l.amount === 0) continue;
    lines.push({ account: 'cogs', debit: l.amount, productId: l.productId, warehouseId: p.po.warehouse_id, channelCode: dims?.channel_code ?? null, customerClass: dims?.customer_class ?? null, label: `Drop ship ${p.po.number}` });
    lines.push({ account: 'grni', credit: l.amount, productId: l.productId, partnerId: p.po.vendor_id, label: `Drop ship ${p.po.number}` });
  }
  if (lines.length === 0) return;
  await postEntry(ctx, {
    journal: 'stock',
    date: todayOf(ctx),
    memo: `Drop ship ${p.po.number}${dims ? ` to ${dims.number}` : ''} (${p.tracking})`,
    sourceKind: 'stock',
    sourceId: p.transferId,
    sourceNumber: p.po.number,
    lines,
  });
}

function dropQuery(db: Db | Tx) {
  return db
    .selectFrom('dropship_line as d')
    .innerJoin('sales_order_line as sl', 'sl.id', 'd.sales_line_id')
    .innerJoin('product as p', 'p.id', 'd.product_id')
    .leftJoin('partner as v', 'v.id', 'd.vendor_id')
    .leftJoin('purchase_order as po', 'po.id', 'd.purchase_order_id')
    .select(['d.id', 'd.sales_order_id', 'd.sales_line_id', 'sl.line_no', 'd.product_id', 'p.sku', 'p.name as product_name', 'd.vendor_id', 'v.name as vendor_name', 'd.state', 'd.quantity', 'd.qty_shipped', 'd.qty_cancelled', 'd.purchase_order_id', 'po.number as po_number', 'po.state as po_state'])
    .orderBy('d.sales_order_id')
    .orderBy('sl.line_no');
}
type DropRow = Awaited<ReturnType<ReturnType<typeof dropQuery>['execute']>>[number];

async function toLines(db: Db | Tx, rows: DropRow[]): Promise<DropShipLine[]> {
  const poIds = [...new Set(rows.map((r) => r.purchase_order_id).filter((x): x is string => !!x))];
  const tracking = poIds.length ? await db.selectFrom('dropship_shipment').select(['purchase_order_id', 'tracking_number']).where('purchase_order_id', 'in', poIds).orderBy('shipped_at').execute() : [];
  return rows.map((r) => ({
    id: r.id,
    salesOrderId: r.sales_order_id,
    salesLineId: r.sales_line_id,
    lineNo: r.line_no,
    productId: r.product_id,
    sku: r.sku,
    productName: r.product_name,
    vendorId: r.vendor_id,
    vendorName: r.vendor_name ?? null,
    state: r.state,
    quantity: Number(r.quantity),
    qtyShipped: Number(r.qty_shipped),
    qtyCancelled: Number(r.qty_cancelled),
    purchaseOrderId: r.purchase_order_id,
    purchaseOrderNumber: r.po_number ?? null,
    purchaseOrderState: r.po_state ?? null,
    trackingNumbers: Number(r.qty_shipped) > 0 ? tracking.filter((t) => t.purchase_order_id === r.purchase_order_id).map((t) => t.tracking_number) : [],
  }));
}

/** An order's drop-ship lines (marked or bought), in line order. */
export async function dropShipLinesOfOrder(db: Db | Tx, salesOrderId: string): Promise<DropShipLine[]> {
  return toLines(db, await dropQuery(db).where('d.sales_order_id', '=', salesOrderId).execute());
}

/** The drop-ship side of a purchase order: customer, address, the sales orders and lines it serves, the shipments. */
export async function dropShipOfPo(db: Db | Tx, poId: string): Promise<DropShipOrderInfo> {
  const po = await db.selectFrom('purchase_order').select(['id', 'ship_to_partner_id', 'ship_to_address_id']).where('id', '=', poId).executeTakeFirst();
  if (!po) throw notFound('Purchase order');
  if (!po.ship_to_partner_id) return { dropShip: false, customerId: null, customerName: null, shipTo: null, salesOrders: [], lines: [], shipments: [] };
  const customer = await db.selectFrom('partner').select('name').where('id', '=', po.ship_to_partner_id).executeTakeFirst();
  const addr = po.ship_to_address_id
    ? await db.selectFrom('partner_address').select(['line1', 'city', 'postal_code', 'country']).where('id', '=', po.ship_to_address_id).executeTakeFirst()
    : undefined;
  const lines = await toLines(db, await dropQuery(db).where('d.purchase_order_id', '=', poId).execute());
  const orderIds = [...new Set(lines.map((l) => l.salesOrderId))];
  const orders = orderIds.length ? await db.selectFrom('sales_order').select(['id', 'number']).where('id', 'in', orderIds).orderBy('number').execute() : [];
  const shipments = await db.selectFrom('dropship_shipment').selectAll().where('purchase_order_id', '=', poId).orderBy('shipped_at').execute();
  return {
    dropShip: true,
    customerId: po.ship_to_partner_id,
    customerName: customer?.name ?? null,
    shipTo: addr ? [addr.line1, [addr.postal_code, addr.city].filter(Boolean).join(' '), addr.country].filter(Boolean).join(', ') : null,
    salesOrders: orders,
    lines,
    shipments: shipments.map((s) => ({ id: s.id, trackingNumber: s.tracking_number, carrier: s.carrier, shippedAt: s.shipped_at, units: Number(s.units), valueMinor: Number(s.value_minor) })),
  };
}
