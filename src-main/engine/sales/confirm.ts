import { sql } from 'kysely';
import type { z } from 'zod';
import type { TransferCreateInput } from '../../../src-shared/contract/inventory';
import type { OrderState, SalesOrder } from '../../../src-shared/contract/sales';
import { createSalesDelivery } from '../inventory/transfers';
import { orderConfirmed } from '../notifications/order-events';
import { type CommandContext, onceInCommand } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import type { CustomerRow } from '../partners/customers';
import { DomainError } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import { deferredRow, deferredRowsOf, preparedSelectIn, writeDeferredOf } from '../platform/batch';
import type { InvoiceTable, SalesOrderTable } from './schema';
import { formatMinor } from '../pricing/money';
import { openActivity } from './activities';
import { approvalNeeded, requestApproval } from './approvals';
import type { ChannelRules } from './channels';
import { invoiceOrder, writeInvoice } from './invoices';
import { loadOrder } from './orders';
import { reportShortage, updateState } from './progress';
import { activeApprovalRulesOf, channelOf, salesSettingsOf } from './session';
import { releaseDropShip } from '../purchasing/dropship';

const DAY_MS = 86_400_000;

// --- credit control -------------------------------------------------------------------------

/**
 * Credit exposure in one statement: open receivables, confirmed orders not yet invoiced (less
 * what was cancelled; this order excluded) and the oldest open invoice due before the cutoff.
 */
const creditExposure = preparedQuery<
  { partnerId: string; exceptId: string; cutoff: string },
  { receivables: number | null; orders: number | null; overdue_number: string | null; overdue_due_date: string | null; overdue_open: number | null }
>(['partnerId', 'exceptId', 'cutoff'], (db, p) =>
  db
    .selectFrom(
      db
        .selectFrom('invoice')
        .select((eb) => eb.fn.sum<number>(sql`total_minor - paid_minor`).as('receivables'))
        .where('partner_id', '=', p.partnerId)
        .where('state', '=', 'open')
        .as('r'),
    )
    .crossJoin(
      db
        .selectFrom('sales_order')
        .select((eb) => eb.fn.sum<number>(sql`total_minor - cancelled_minor - invoiced_minor`).as('orders'))
        .where('partner_id', '=', p.partnerId)
        .where('state', 'in', ['confirmed', 'partially_delivered', 'delivered'])
        .where('id', '!=', p.exceptId)
        .as('o'),
    )
    .leftJoin(
      oldestOverdueInvoice(db, p).as('d'),
      (join) => join.onTrue(),
    )
    .select(['r.receivables', 'o.orders', 'd.number as overdue_number', 'd.due_date as overdue_due_date', 'd.open as overdue_open']),
);

/** The oldest open invoice due before the cutoff: all credit control asks of a customer without a credit limit. */
const oldestOverdue = preparedQuery<{ partnerId: string; cutoff: string }, { number: string; due_date: string; open: number }>(['partnerId', 'cutoff'], (db, p) => oldestOverdueInvoice(db, p));

function oldestOverdueInvoice(db: Db | Tx, p: { partnerId: string; cutoff: string }) {
  return db
    .selectFrom('invoice')
    .select(['number', 'due_date', sql<number>`total_minor - paid_minor`.as('open')])
    .where('partner_id', '=', p.partnerId)
    .where('state', '=', 'open')
    .where(sql<boolean>`total_minor > paid_minor`)
    .where('due_date', '<', p.cutoff)
    .orderBy('due_date')
    .limit(1);
}

/** The rows of orders and invoices its command has made but not yet written (deferRows: an import chunk). */
export interface WaitingDocuments {
  orders: readonly Pick<SalesOrderTable, 'id' | 'partner_id' | 'state' | 'total_minor' | 'cancelled_minor' | 'invoiced_minor'>[];
  invoices: readonly Pick<InvoiceTable, 'number' | 'partner_id' | 'state' | 'total_minor' | 'paid_minor' | 'due_date'>[];
}

export const waitingDocumentsOf = (ctx: CommandContext): WaitingDocuments => ({
  orders: deferredRowsOf<SalesOrderTable & Record<string, unknown>>(ctx, 'sales_order'),
  invoices: deferredRowsOf<InvoiceTable & Record<string, unknown>>(ctx, 'invoice'),
});

type Exposure = { receivables: number | null; orders: number | null; overdue_number: string | null; overdue_due_date: string | null; overdue_open: number | null };

/** The exposure read from the database plus the customer's waiting orders and invoices, counted by the same rules as creditExposure and oldestOverdueInvoice. */
function withWaiting(read: Exposure | undefined, waiting: WaitingDocuments, partnerId: string, exceptId: string, cutoff: string): Exposure {
  const e: Exposure = { receivables: null, orders: null, overdue_number: null, overdue_due_date: null, overdue_open: null, ...read };
  for (const o of waiting.orders) {
    if (o.partner_id !== partnerId || o.id === exceptId || !['confirmed', 'partially_delivered', 'delivered'].includes(o.state)) continue;
    e.orders = Number(e.orders ?? 0) + Number(o.total_minor) - Number(o.cancelled_minor) - Number(o.invoiced_minor);
  }
  for (const i of waiting.invoices) {
    if (i.partner_id !== partnerId || i.state !== 'open') continue;
    const open = Number(i.total_minor) - Number(i.paid_minor);
    e.receivables = Number(e.receivables ?? 0) + open;
    if (open > 0 && i.due_date < cutoff && (!e.overdue_due_date || i.due_date < e.overdue_due_date)) {
      e.overdue_number = i.number;
      e.overdue_due_date = i.due_date;
      e.overdue_open = open;
    }
  }
  return e;
}

export interface CreditCustomer {
  id: string;
  creditLimitMinor: number | null;
  graceDays: number;
}

/**
 * Credit control. Exposure = open receivables (invoices not yet paid) + confirmed orders not
 * yet invoiced (less what was cancelled) + this order. Over the credit limit, or an invoice
 * overdue beyond the grace days, holds the order. Returns the reason, or null.
 */
export async function creditHoldReason(
  db: Db | Tx,
  c: CreditCustomer,
  order: { id: string; totalMinor: number; invoicedMinor: number; currency: string },
  now: string,
  waiting?: WaitingDocuments,
): Promise<string | null> {
  const cutoff = new Date(Date.parse(now.slice(0, 10)) - c.graceDays * DAY_MS).toISOString().slice(0, 10);
  // Without a credit limit only an overdue invoice holds the order: the sums of open invoices and orders (which grow with the customer's history) are not read.
  const read =
    c.creditLimitMinor === null
      ? await oldestOverdue.first(db, { partnerId: c.id, cutoff }).then((d) => ({ receivables: null, orders: null, overdue_number: d?.number ?? null, overdue_due_date: d?.due_date ?? null, overdue_open: d?.open ?? null }))
      : await creditExposure.first(db, { partnerId: c.id, exceptId: order.id, cutoff });
  const e = waiting ? withWaiting(read, waiting, c.id, order.id, cutoff) : read;
  if (e?.overdue_number && e.overdue_due_date) {
    const days = Math.round((Date.parse(now.slice(0, 10)) - Date.parse(e.overdue_due_date)) / DAY_MS);
    return `Invoice ${e.overdue_number} (${formatMinor(Number(e.overdue_open), order.currency)} open) is ${days} days overdue, beyond the ${c.graceDays} grace days`;
  }
  if (c.creditLimitMinor === null) return null;
  const receivables = Number(e?.receivables ?? 0);
  const orders = Number(e?.orders ?? 0);
  const self = order.totalMinor - order.invoicedMinor;
  const exposure = receivables + orders + self;
  if (exposure <= c.creditLimitMinor) return null;
  const m = (v: number) => formatMinor(v, order.currency);
  return `Credit limit ${m(c.creditLimitMinor)} exceeded: open invoices ${m(receivables)} + open orders ${m(orders)} + this order ${m(self)} = ${m(exposure)}`;
}

// --- routing and release --------------------------------------------------------------------

const warehouseByRegion = preparedQuery<{ region: string }, { id: string }>(['region'], (db, p) =>
  db.selectFrom('warehouse').select('id').where('region', '=', p.region).where('active', '=', 1).orderBy('code').limit(1),
);
const activeWarehouses = preparedQuery<{ none: 0 }, { id: string; code: string }>([], (db) => db.selectFrom('warehouse').select(['id', 'code']).where('active', '=', 1).orderBy('code'));
const freeInWarehouse = preparedSelectIn<{ product_id: string; free: number | null }, { warehouseId: string }>(
  (db, ids, p) =>
    db
      .selectFrom('stock_level as s')
      .innerJoin('location as l', 'l.id', 's.location_id')
      .select(['s.product_id', sql<number>`sum(s.on_hand - s.reserved)`.as('free')])
      .where('s.product_id', 'in', ids as string[])
      .where('s.warehouse_id', '=', p.warehouseId)
      .where('l.usage', '=', 'internal')
      .groupBy('s.product_id'),
  ['warehouseId'],
);

/** Free stock of an order's products per warehouse, read once per warehouse for all of them (not once per line). */
function freeStockOf(db: Db | Tx, order: SalesOrder): (productId: string, warehouseId: string) => Promise<number> {
  const productIds = [...new Set(order.lines.map((l) => l.productId))];
  const byWarehouse = new Map<string, Promise<Map<string, number>>>();
  return async (productId, warehouseId) => {
    let free = byWarehouse.get(warehouseId);
    if (!free) byWarehouse.set(warehouseId, (free = freeInWarehouse(db, productIds, { warehouseId }).then((rows) => new Map(rows.map((r) => [r.product_id, Number(r.free ?? 0)])))));
    return (await free).get(productId) ?? 0;
  };
}

/**
 * Where an order ships from: the warehouse chosen on the order; else the channel's default
 * warehouse (routing rule "default warehouse"); else the warehouse of the ship-to (or the
 * customer's) region; else the first warehouse with the stock for the most lines.
 */
export async function routeWarehouse(db: Db | Tx, order: SalesOrder, channel: ChannelRules, region: string | null, warehouses?: { id: string; code: string }[]): Promise<string> {
  if (order.warehouseId) return order.warehouseId;
  if (channel.routingRule === 'default_warehouse' && channel.defaultWarehouseId) return channel.defaultWarehouseId;
  if (region) {
    const wh = await warehouseByRegion.first(db, { region });
    if (wh) return wh.id;
  }
  const all = warehouses ?? (await activeWarehouses.rows(db, { none: 0 }));
  if (all.length === 0) throw new DomainError('BUSINESS_RULE', 'There is no active warehouse to ship this order from');
  let best = all[0]!.id;
  let bestLines = -1;
  const freeAt = freeStockOf(db, order);
  for (const wh of all) {
    let covered = 0;
    for (const l of order.lines) if ((await freeAt(l.productId, wh.id)) >= l.quantity) covered++;
    if (covered > bestLines) {
      best = wh.id;
      bestLines = covered;
    }
    if (covered === order.lines.length) break;
  }
  return best;
}

/** The active warehouses, read once per command (only for orders of an import chunk: no command there creates warehouses). */
const activeWarehousesOnce = (ctx: CommandContext) => onceInCommand(ctx, 'sales:warehouses', () => activeWarehouses.rows(ctx.db, { none: 0 }));

/** routeWarehouse with the region's warehouse and the warehouse list read once per command (import chunks). */
async function routeWarehouseOnce(ctx: CommandContext, order: SalesOrder, channel: ChannelRules, region: string | null): Promise<string> {
  if (order.warehouseId) return order.warehouseId;
  if (channel.routingRule === 'default_warehouse' && channel.defaultWarehouseId) return channel.defaultWarehouseId;
  const all = await activeWarehousesOnce(ctx);
  if (region) {
    const wh = await regionWarehouseOnce(ctx, region);
    if (wh) return wh;
  }
  return routeWarehouse(ctx.db, order, channel, null, all);
}
const regionWarehouseOnce = (ctx: CommandContext, region: string) =>
  onceInCommand(ctx, `sales:region:${region}`, async () => (await warehouseByRegion.first(ctx.db, { region }))?.id ?? null);

const shipRegion = preparedQuery<{ orderId: string }, { address_region: string | null; customer_region: string | null }>(['orderId'], (db, p) =>
  db
    .selectFrom('sales_order as o')
    .innerJoin('partner as p', 'p.id', 'o.partner_id')
    .leftJoin('partner_address as a', 'a.id', 'o.ship_to_address_id')
    .select(['a.region as address_region', 'p.region as customer_region'])
    .where('o.id', '=', p.orderId),
);

/**
 * Releases an order to the warehouse: routing, the delivery flow through inventory (priority
 * rank, promised date from the channel's service level, ship-complete or partial), line links,
 * the prepaid invoice for customers invoiced on order, and the buyer's task if stock is short.
 */
async function release(ctx: CommandContext, order: SalesOrder, channel: ChannelRules, known: KnownOrder | null = null): Promise<OrderState> {
  let warehouseId: string;
  if (known) warehouseId = await routeWarehouseOnce(ctx, order, channel, known.region);
  else {
    const region = await shipRegion.first(ctx.db, { orderId: order.id });
    warehouseId = await routeWarehouse(ctx.db, order, channel, region?.address_region ?? region?.customer_region ?? null);
  }
  const byService = new Date(Date.parse(ctx.now) + channel.shipWithinHours * 3_600_000).toISOString();
  const promised = order.requestedDate && order.requestedDate > byService ? order.requestedDate : byService;
  // Drop-ship lines are bought for the customer (purchasing/dropship.ts), not taken from stock.
  const dropShip = await dropShipOf(ctx, order, { warehouseId, promisedDate: promised });
  const stocked = dropShip.lineIds.size === 0 ? order : { ...order, lines: order.lines.filter((l) => !dropShip.lineIds.has(l.id)) };
  const flow: z.output<typeof TransferCreateInput> = {
    kind: 'delivery',
    warehouseId,
    partnerId: order.customerId,
    origin: order.number,
    channelCode: order.channelCode,
    priorityRank: order.priorityRank,
    promisedDate: promised,
    orderDate: order.orderDate,
    scheduledDate: ctx.now,
    shippingPolicy: order.backorderPolicy === 'ship_complete' ? 'all' : 'asap',
    carrier: null,
    carrierCutoff: null,
    orderValueMinor: order.totalMinor,
    lines: stocked.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
    confirm: true,
  };
  const split = stocked.lines.length === 0 ? null : await splitByAvailability(ctx.db, stocked, channel, warehouseId, known ? await activeWarehousesOnce(ctx) : undefined);
  let firstId: string;
  // Every step's lines are inserted linked to the order lines (line n of the flow is the n-th line it was given).
  const partnerChecked = known !== null;
  let allReserved = false;
  if (stocked.lines.length === 0) firstId = dropShip.firstTransferId!;
  else if (!split) {
    const made = await createSalesDelivery(ctx, flow, { salesLineIds: stocked.lines.map((l) => l.id), partnerChecked });
    firstId = made.id;
    allReserved = made.allReserved && stocked === order;
  } else {
    // One flow per warehouse (the routed one first); each keeps the order's priority and dates.
    const ids: string[] = [];
    for (const part of split) {
      const made = await createSalesDelivery(ctx, { ...flow, warehouseId: part.warehouseId, lines: part.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })) }, { salesLineIds: part.lines.map((l) => l.salesLineId), partnerChecked });
      ids.push(made.id);
    }
    firstId = ids[0]!;
  }
  const released = { id: order.id, warehouseId, promised, firstId, now: ctx.now, version: order.version + 1 };
  // An order this command has just written (known) is invoiced, stated and announced from what was written, not read back;
  // invoiced on order, its row is updated once (released and invoiced together).
  const waiting = known ? deferredRow<SalesOrderTable & Record<string, unknown>>(ctx, 'sales_order', order.id) : undefined;
  if (known && order.invoicePolicy === 'on_order') {
    const made = await writeInvoice(ctx, order.id, { paid: order.paymentCaptured, fresh: { order, paymentTermsDays: known.customer.payment_terms_days, warehouseId } });
    const invoiced = made?.invoicedMinor ?? order.invoicedMinor;
    if (waiting) Object.assign(waiting, releasedColumns(released), { invoiced_minor: invoiced });
    else await markReleasedInvoiced.execute(ctx.db, { ...released, invoiced });
  } else if (waiting) {
    Object.assign(waiting, releasedColumns(released));
  } else {
    await markReleased.execute(ctx.db, released);
    if (order.invoicePolicy === 'on_order') await invoiceOrder(ctx, order.id, { paid: order.paymentCaptured });
  }
  const state = (known ? await freshReleasedState(ctx, order, allReserved) : await updateState(ctx, order.id)) ?? 'confirmed';
  // The customer's confirmation notice (and an EDI order's 855).
  await orderConfirmed(ctx, order.id, known ? { order, promisedDate: promised, email: known.customer.email } : undefined);
  return state;
}

/**
 * updateState of an order released by this very command from its draft: nothing is delivered
 * or cancelled yet, so it is confirmed (invoicing on order does not change that) and only its
 * shortage is looked at; it has no stock-short task to close yet.
 */
async function freshReleasedState(ctx: CommandContext, order: SalesOrder, allReserved: boolean): Promise<OrderState | null> {
  // Every line reserved in full as its one delivery was created: nothing is short.
  if (allReserved && order.lines.some((l) => l.quantity - l.cancelled > 0)) return 'confirmed';
  // What follows reads the order's lines through SQL: a waiting order is written first.
  await writeDeferredOf(ctx, order.id);
  if (order.lines.every((l) => l.quantity - l.cancelled <= 0)) return updateState(ctx, order.id);
  if (allReserved) return 'confirmed';
  await reportShortage(ctx, { id: order.id, number: order.number, customerName: order.customerName }, { fresh: true });
  return 'confirmed';
}

/** The columns markReleased writes, for an order row still waiting (deferRows). */
const releasedColumns = (p: { warehouseId: string; promised: string; firstId: string; now: string; version: number }) => ({
  state: 'confirmed' as const,
  warehouse_id: p.warehouseId,
  promised_date: p.promised,
  delivery_transfer_id: p.firstId,
  confirmed_at: p.now,
  hold_reason: null,
  updated_at: p.now,
  version: p.version,
});

/** The active drop-ship products, read once per command (only for waiting orders of an import chunk: no command there changes them). */
const dropShipProductsOnce = (ctx: CommandContext) =>
  onceInCommand(ctx, 'sales:dropship-products', async () => new Set((await ctx.db.selectFrom('dropship_product').select('product_id').where('active', '=', 1).execute()).map((r) => r.product_id)));

/**
 * releaseDropShip, except for an order still waiting to be written (deferRows): it can have no
 * drop-ship marks yet (they reference the order), so without a drop-ship product it has no
 * drop-ship line and nothing is read; with one, the order is written first and released as any.
 */
async function dropShipOf(ctx: CommandContext, order: SalesOrder, p: { warehouseId: string; promisedDate: string }): Promise<{ lineIds: Set<string>; firstTransferId: string | null }> {
  if (deferredRow(ctx, 'sales_order', order.id)) {
    const products = await dropShipProductsOnce(ctx);
    if (!order.lines.some((l) => products.has(l.productId))) return { lineIds: new Set(), firstTransferId: null };
    await writeDeferredOf(ctx, order.id);
  }
  return releaseDropShip(ctx, order, p);
}

const markReleased = preparedQuery<{ id: string; warehouseId: string; promised: string; firstId: string; now: string; version: number }, never>(['id', 'warehouseId', 'promised', 'firstId', 'now', 'version'], (db, p) =>
  db
    .updateTable('sales_order')
    .set({ state: 'confirmed', warehouse_id: p.warehouseId, promised_date: p.promised, delivery_transfer_id: p.firstId, confirmed_at: p.now, hold_reason: null, updated_at: p.now, version: p.version })
    .where('id', '=', p.id),
);

const markReleasedInvoiced = preparedQuery<{ id: string; warehouseId: string; promised: string; firstId: string; now: string; version: number; invoiced: number }, never>(
  ['id', 'warehouseId', 'promised', 'firstId', 'now', 'version', 'invoiced'],
  (db, p) =>
    db
      .updateTable('sales_order')
      .set({ state: 'confirmed', warehouse_id: p.warehouseId, promised_date: p.promised, delivery_transfer_id: p.firstId, confirmed_at: p.now, hold_reason: null, invoiced_minor: p.invoiced, updated_at: p.now, version: p.version })
      .where('id', '=', p.id),
);

interface SplitPart {
  warehouseId: string;
  lines: { salesLineId: string; productId: string; quantity: number }[];
}

/**
 * Split routing: when the order names no warehouse, its policy ships what is there (not ship
 * complete) and the routed warehouse cannot cover every line, each line takes what the routed
 * warehouse has free, then what the others have (in code order), and whatever is still missing
 * stays on the routed warehouse (its backorder). Returns null when one warehouse ships it all.
 */
export async function splitByAvailability(db: Db | Tx, order: SalesOrder, channel: ChannelRules, routedId: string, warehouses?: { id: string; code: string }[]): Promise<SplitPart[] | null> {
  if (order.warehouseId || order.backorderPolicy === 'ship_complete' || channel.routingRule === 'default_warehouse') return null;
  const others = (warehouses ?? (await activeWarehouses.rows(db, { none: 0 }))).filter((w) => w.id !== routedId);
  if (others.length === 0) return null;
  const parts = new Map<string, SplitPart['lines']>([[routedId, []]]);
  const add = (wh: string, line: SplitPart['lines'][number]) => {
    const list = parts.get(wh) ?? [];
    const same = list.find((x) => x.salesLineId === line.salesLineId);
    if (same) same.quantity += line.quantity;
    else list.push(line);
    parts.set(wh, list);
  };
  // Free stock already promised to earlier lines of this order (same product on two lines).
  const taken = new Map<string, number>();
  const free = freeStockOf(db, order);
  const freeAt = async (productId: string, wh: string) => Math.max(0, (await free(productId, wh)) - (taken.get(`${wh}:${productId}`) ?? 0));
  for (const l of order.lines) {
    let left = l.quantity;
    for (const wh of [routedId, ...others.map((w) => w.id)]) {
      if (left === 0) break;
      const take = Math.min(left, await freeAt(l.productId, wh));
      if (take <= 0) continue;
      add(wh, { salesLineId: l.id, productId: l.productId, quantity: take });
      taken.set(`${wh}:${l.productId}`, (taken.get(`${wh}:${l.productId}`) ?? 0) + take);
      left -= take;
    }
    if (left > 0) add(routedId, { salesLineId: l.id, productId: l.productId, quantity: left });
  }
  const used = [...parts].filter(([, lines]) => lines.length > 0);
  if (used.length < 2) return null;
  return used.map(([warehouseId, lines]) => ({ warehouseId, lines }));
}

/** Refuses an order missing what its channel requires, or unpaid where the channel ships only paid orders. */
function assertReady(order: SalesOrder, channel: ChannelRules): void {
  if (order.lines.length === 0) throw new DomainError('BUSINESS_RULE', `${order.number} has no lines; add what the customer orders first`);
  const missing: string[] = [];
  for (const f of channel.requiredFields) {
    if (f === 'customerPo' && !order.customerPo) missing.push('the customer PO number');
    if (f === 'shipTo' && !order.shipToAddressId) missing.push('a ship-to address');
    if (f === 'requestedDate' && !order.requestedDate) missing.push('the requested date');
  }
  if (missing.length) {
    throw new DomainError('BUSINESS_RULE', `${channel.name} orders need ${missing.join(' and ')} before they are confirmed`, {
      fields: channel.requiredFields.map((f) => ({ path: f === 'shipTo' ? 'shipToAddressId' : f, message: 'Required by the channel' })),
    });
  }
  if (channel.paymentBeforeRelease && !order.paymentCaptured) {
    throw new DomainError('BUSINESS_RULE', `${channel.name} orders are released only once paid; ${order.number} has no captured payment`, { fields: [{ path: 'paymentCaptured', message: 'Payment required' }] });
  }
}

export type ConfirmStage = 'approval' | 'credit' | 'release';

const creditCustomer = preparedQuery<{ id: string }, { id: string; credit_limit_minor: number | null; grace_days: number | null }>(['id'], (db, p) =>
  db.selectFrom('partner').select(['id', 'credit_limit_minor', 'grace_days']).where('id', '=', p.id),
);

/**
 * Confirms an order from a stage on: approval (discount, margin and approval rules), credit
 * control, then release to the warehouse. Stops at the first block: awaiting approval (the
 * approver role's task) or credit hold (finance's task). Returns the state it leaves the
 * order in, with the reason of a hold.
 */
export async function confirmOrder(ctx: CommandContext, orderId: string, from: ConfirmStage = 'approval', given?: KnownOrder): Promise<{ state: OrderState; holdReason: string | null }> {
  const order = given && given.order.id === orderId ? given.order : await loadOrder(ctx.db, orderId, { reserved: false });
  const known = given && given.order.id === orderId ? given : null;
  const channel = await channelOf(ctx, order.channelCode);
  assertReady(order, channel);
  const setState = async (state: 'awaiting_approval' | 'credit_hold', reason: string) => {
    const set = { state, hold_reason: reason, updated_at: ctx.now, version: order.version + 1 };
    const waiting = deferredRow<SalesOrderTable & Record<string, unknown>>(ctx, 'sales_order', order.id);
    if (waiting) Object.assign(waiting, set);
    else await ctx.db.updateTable('sales_order').set(set).where('id', '=', order.id).execute();
  };
  if (from === 'approval') {
    const settings = await salesSettingsOf(ctx);
    const need = await approvalNeeded(
      ctx.db,
      {
        partnerId: order.customerId,
        customerClass: order.customerClass,
        channelCode: order.channelCode,
        untaxedMinor: order.untaxedMinor,
        totalMinor: order.totalMinor,
        costMinor: order.costMinor,
        currency: order.currency,
        lines: order.lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, quantity: l.quantity, subtotalMinor: l.subtotalMinor, costMinor: l.costMinor, discountBp: l.discountBp })),
      },
      ctx.actor,
      settings,
      await activeApprovalRulesOf(ctx),
    );
    // The approval request references the order: a waiting order is written first.
    if (need) await writeDeferredOf(ctx, order.id);
    if (need && !(await requestApproval(ctx, order, need))) {
      const holdReason = `Waits for approval (${need.approverRole}): ${need.reasons.join('; ')}`;
      await setState('awaiting_approval', holdReason);
      return { state: 'awaiting_approval', holdReason };
    }
  }
  if (from !== 'release' && !order.paymentCaptured) {
    const c = known ? known.customer : await creditCustomer.first(ctx.db, { id: order.customerId });
    const reason = await creditHoldReason(
      ctx.db,
      { id: order.customerId, creditLimitMinor: c?.credit_limit_minor === null || c?.credit_limit_minor === undefined ? null : Number(c.credit_limit_minor), graceDays: c?.grace_days ?? 0 },
      { id: order.id, totalMinor: order.totalMinor, invoicedMinor: order.invoicedMinor, currency: order.currency },
      ctx.now,
      // The chunk's earlier orders and invoices of the customer count though not yet written.
      known ? waitingDocumentsOf(ctx) : undefined,
    );
    if (reason) {
      await setState('credit_hold', reason);
      await openActivity(ctx, {
        role: 'finance',
        kind: 'credit_hold',
        title: `${order.number} for ${order.customerName} is on credit hold`,
        body: reason,
        documentKind: 'sales_order',
        documentId: order.id,
        documentNumber: order.number,
      });
      return { state: 'credit_hold', holdReason: reason };
    }
  }
  return { state: await release(ctx, order, channel, known), holdReason: null };
}

/**
 * An order its caller has just written and still holds (an import chunk, sales/README.md):
 * the draft as written, its customer row and the region it ships to, so confirmation reads
 * none of them back; warehouses are read once per command.
 */
export interface KnownOrder {
  order: SalesOrder;
  customer: CustomerRow;
  region: string | null;
}
