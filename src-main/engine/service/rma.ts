import type { z } from 'zod';
import type { Rma, RmaSummary, ServiceSettings } from '../../../src-shared/contract/service';
import { batchLedgerWrites, postMoves } from '../inventory/ledger';
import { inventorySession } from '../inventory/session';
import { confirmFlow, insertTransfer, NO_ORDER_FIELDS, validateTransfer } from '../inventory/transfers';
import { newRowMeta, type CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { branchCode, nextDocumentNumber } from '../platform/series';
import { formatMinor, lineAmountsBetween } from '../pricing/money';
import { createCreditNote } from '../sales/invoices';
import { createOrder } from '../sales/handlers';
import type { RmaTable } from './schema';
import { queueNotification } from '../notifications/outbox';
import { addMessage, createTicket } from './tickets';

type RmaOut = z.infer<typeof Rma>;
type RmaSummaryOut = z.infer<typeof RmaSummary>;
const DAY_MS = 86_400_000;

// ── Settings: `setting:service.` rows of the meta table (per install, like sales' and inventory's).

export const SERVICE_DEFAULTS: z.infer<typeof ServiceSettings> = { returnWindowDays: 30, approvalThresholdMinor: 500_00 };

export async function readServiceSettings(db: Db | Tx): Promise<z.infer<typeof ServiceSettings>> {
  const rows = await db.selectFrom('meta').select(['key', 'value']).where('key', '>=', 'setting:service.').where('key', '<', 'setting:service/').execute();
  const num = (k: keyof typeof SERVICE_DEFAULTS) => {
    const v = rows.find((r) => r.key === `setting:service.${k}`)?.value;
    return v === undefined ? SERVICE_DEFAULTS[k] : Number(v);
  };
  return { returnWindowDays: num('returnWindowDays'), approvalThresholdMinor: num('approvalThresholdMinor') };
}

export async function writeServiceSettings(db: Tx, patch: Partial<z.infer<typeof ServiceSettings>>) {
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    await db
      .insertInto('meta')
      .values({ key: `setting:service.${k}`, value: String(v) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(v) }))
      .execute();
  }
  return readServiceSettings(db);
}

// ── Creating an RMA.

const OPEN_RMA_STATES = ['awaiting_approval', 'authorised', 'received', 'inspected', 'resolved'] as const;

async function orderOf(db: Tx, input: { orderId?: string; deliveryId?: string }) {
  let orderId = input.orderId;
  let delivery: { id: string; number: string; origin: string | null; partner_id: string | null; state: string; done_at: string | null; warehouse_id: string; kind: string } | undefined;
  if (input.deliveryId) {
    delivery = await db.selectFrom('transfer').select(['id', 'number', 'origin', 'partner_id', 'state', 'done_at', 'warehouse_id', 'kind']).where('id', '=', input.deliveryId).executeTakeFirst();
    if (!delivery || delivery.kind !== 'delivery') throw new DomainError('VALIDATION', 'Delivery: no such delivery', { fields: [{ path: 'deliveryId', message: 'No such delivery' }] });
    if (delivery.state !== 'done') throw new DomainError('BUSINESS_RULE', `Delivery ${delivery.number} has not shipped; there is nothing to return`);
    const o = await db.selectFrom('sales_order').select('id').where('number', '=', delivery.origin ?? '').where('partner_id', '=', delivery.partner_id ?? '').executeTakeFirst();
    if (!o) throw new DomainError('BUSINESS_RULE', `Delivery ${delivery.number} does not belong to a sales order`);
    if (orderId && orderId !== o.id) throw new DomainError('VALIDATION', `Delivery ${delivery.number} belongs to another order`, { fields: [{ path: 'deliveryId', message: 'Another order’s delivery' }] });
    orderId = o.id;
  }
  const order = await db
    .selectFrom('sales_order')
    .select(['id', 'number', 'state', 'partner_id', 'warehouse_id', 'channel_code'])
    .where('id', '=', orderId!)
    .executeTakeFirst();
  if (!order) throw new DomainError('VALIDATION', 'Order: no such order', { fields: [{ path: 'orderId', message: 'No such order' }] });
  return { order, delivery };
}

/**
 * Starts a return. Each line may return at most what was delivered (on the given delivery, or
 * on the order) less what open returns already cover. Authorisation: within the return window
 * after delivery and at most the value threshold → authorised at once (the receipt into the
 * Returns location is planned); otherwise it waits for approval with the reasons.
 */
export async function createRma(ctx: CommandContext, input: { orderId?: string; deliveryId?: string; ticketId: string | null; reason: string; lines: { orderLineId: string; quantity: number; lotName?: string }[] }): Promise<string> {
  const { order, delivery } = await orderOf(ctx.db, input);
  if (order.state === 'cancelled') throw new DomainError('BUSINESS_RULE', `Order ${order.number} is cancelled: nothing was delivered that could be returned`, { fields: [{ path: 'orderId', message: 'Cancelled order' }] });
  if (input.ticketId) {
    const t = await ctx.db.selectFrom('ticket').select(['partner_id', 'number']).where('id', '=', input.ticketId).executeTakeFirst();
    if (!t) throw new DomainError('VALIDATION', 'Ticket: no such ticket', { fields: [{ path: 'ticketId', message: 'No such ticket' }] });
    if (t.partner_id !== order.partner_id) throw new DomainError('BUSINESS_RULE', `Ticket ${t.number} is another customer’s`);
  }
  const orderLines = await ctx.db
    .selectFrom('sales_order_line as l')
    .innerJoin('product as p', 'p.id', 'l.product_id')
    .select(['l.id', 'l.line_no', 'l.product_id', 'p.sku', 'p.tracking', 'l.qty_delivered', 'l.unit_price_minor', 'l.discount_bp', 'l.tax_rate_bp', 'l.cost_minor', 'l.quantity'])
    .where('l.order_id', '=', order.id)
    .execute();
  const byId = new Map(orderLines.map((l) => [l.id, l]));
  const inReturns = await ctx.db
    .selectFrom('rma_line as rl')
    .innerJoin('rma as r', 'r.id', 'rl.rma_id')
    .select(['rl.order_line_id', (eb) => eb.fn.sum<number>('rl.quantity').as('q')])
    .where('r.order_id', '=', order.id)
    .where('r.state', 'in', [...OPEN_RMA_STATES])
    .groupBy('rl.order_line_id')
    .execute();
  const returning = new Map(inReturns.map((r) => [r.order_line_id, Number(r.q)]));
  let onDelivery: Map<string, number> | null = null;
  if (delivery) {
    const done = await ctx.db.selectFrom('transfer_line').select(['sales_line_id', 'quantity_done']).where('transfer_id', '=', delivery.id).execute();
    onDelivery = new Map();
    for (const d of done) if (d.sales_line_id) onDelivery.set(d.sales_line_id, (onDelivery.get(d.sales_line_id) ?? 0) + Number(d.quantity_done));
  }
  const lots = new LotCheck(ctx.db, order, delivery?.id ?? null);
  let value = 0;
  const planned: { line: (typeof orderLines)[number]; quantity: number; lotId: string | null }[] = [];
  for (const [i, want] of input.lines.entries()) {
    const l = byId.get(want.orderLineId);
    if (!l) throw new DomainError('VALIDATION', `Line ${i + 1}: not a line of order ${order.number}`, { fields: [{ path: `lines.${i}.orderLineId`, message: 'Not a line of this order' }] });
    const delivered = onDelivery ? (onDelivery.get(l.id) ?? 0) : Number(l.qty_delivered);
    const already = returning.get(l.id) ?? 0;
    const open = Math.min(delivered, Number(l.qty_delivered) - already);
    if (want.quantity > open) {
      throw new DomainError(
        'BUSINESS_RULE',
        `Line ${i + 1} (${l.sku}): you can return at most ${Math.max(open, 0)} — delivered ${delivered}${already ? `, already in returns ${already}` : ''}; asked ${want.quantity}`,
        { fields: [{ path: `lines.${i}.quantity`, message: `At most ${Math.max(open, 0)}` }] },
      );
    }
    const lotId = await lots.take(i, l, want);
    returning.set(l.id, already + want.quantity);
    value += lineAmountsBetween({ unitPriceMinor: Number(l.unit_price_minor), discountBp: l.discount_bp, taxRateBp: l.tax_rate_bp }, 0, want.quantity).totalMinor;
    planned.push({ line: l, quantity: want.quantity, lotId });
  }

  const deliveredAt = delivery?.done_at ?? (await lastDelivery(ctx.db, order))?.done_at ?? null;
  if (!deliveredAt) throw new DomainError('BUSINESS_RULE', `Order ${order.number} has no shipped delivery; there is nothing to return`);
  const deliveredIso = new Date(deliveredAt).toISOString();
  const settings = await readServiceSettings(ctx.db);
  const reasons: string[] = [];
  const days = Math.floor((Date.parse(ctx.now) - Date.parse(deliveredIso)) / DAY_MS);
  if (days > settings.returnWindowDays) reasons.push(`delivered ${days} days ago; the return window is ${settings.returnWindowDays} days`);
  if (value > settings.approvalThresholdMinor) reasons.push(`value ${formatMinor(value)} is above the approval threshold of ${formatMinor(settings.approvalThresholdMinor)}`);

  const warehouseId = delivery?.warehouse_id ?? order.warehouse_id ?? (await lastDelivery(ctx.db, order))?.warehouse_id;
  if (!warehouseId) throw new DomainError('BUSINESS_RULE', `Order ${order.number} has no warehouse to return to`);
  const wh = await ctx.db.selectFrom('warehouse').select(['code', 'name']).where('id', '=', warehouseId).executeTakeFirstOrThrow();
  const number = await nextDocumentNumber(ctx, `${await branchCode(ctx)}-RMA-${ctx.now.slice(0, 4)}-`);
  const id = ctx.newId();
  await ctx.db
    .insertInto('rma')
    .values({
      ...newRowMeta(ctx, id),
      number,
      state: reasons.length ? 'awaiting_approval' : 'authorised',
      ticket_id: input.ticketId,
      order_id: order.id,
      delivery_id: delivery?.id ?? null,
      partner_id: order.partner_id,
      warehouse_id: warehouseId,
      channel_code: order.channel_code,
      reason: input.reason,
      reason_category: input.ticketId ? ((await ctx.db.selectFrom('ticket').select('category').where('id', '=', input.ticketId).executeTakeFirst())?.category ?? null) : null,
      delivered_at: deliveredIso,
      value_minor: value,
      approval_reason: reasons.length ? reasons.join('; ') : null,
      decided_by: null,
      decision_note: null,
      instructions: `Pack the goods securely, write ${number} on the parcel and send it to ${wh.name} (${wh.code}) within 14 days. Goods arriving without the RMA number may be refused.`,
      receipt_transfer_id: null,
      resolution: null,
      credit_note_id: null,
      replacement_order_id: null,
      refund_minor: 0,
      refund_payment_id: null,
      resolved_at: null,
    })
    .execute();
  await ctx.db
    .insertInto('rma_line')
    .values(
      planned.map((p, i) => ({
        ...newRowMeta(ctx),
        rma_id: id,
        line_no: i + 1,
        order_line_id: p.line.id,
        product_id: p.line.product_id,
        quantity: p.quantity,
        qty_received: 0,
        unit_price_minor: Number(p.line.unit_price_minor),
        unit_cost_minor: Number(p.line.cost_minor),
        condition: null,
        disposition: null,
        inspection_note: null,
        receipt_line_id: null,
        lot_id: p.lotId,
      })),
    )
    .execute();
  if (!reasons.length) await authorised(ctx, id);
  if (input.ticketId) await addMessage(ctx, input.ticketId, { kind: 'system', body: `RMA ${number} ${reasons.length ? `waits for approval: ${reasons.join('; ')}` : 'authorised'}.` });
  ctx.summarize(`RMA ${number} for order ${order.number}: ${reasons.length ? `awaiting approval (${reasons.join('; ')})` : 'authorised'}`);
  return id;
}

/**
 * Lot/serial-tracked lines: the lot (or serial number) must have been delivered on this order
 * line (on the given delivery, when there is one), at most what was delivered of it less what
 * open returns already cover; a serial number comes back once.
 */
class LotCheck {
  private taken = new Map<string, number>();
  constructor(
    private db: Tx,
    private order: { id: string; number: string },
    private deliveryId: string | null,
  ) {}

  async take(i: number, l: { id: string; product_id: string; sku: string; tracking: string }, want: { quantity: number; lotName?: string }): Promise<string | null> {
    const path = `lines.${i}.lotName`;
    const kind = l.tracking === 'serial' ? 'serial number' : 'lot';
    if (l.tracking === 'none') {
      if (want.lotName) throw new DomainError('VALIDATION', `Line ${i + 1} (${l.sku}): the product is not tracked by lot or serial number; leave the lot empty`, { fields: [{ path, message: 'Not tracked' }] });
      return null;
    }
    let q = this.db
      .selectFrom('stock_move as m')
      .innerJoin('transfer_line as tl', 'tl.id', 'm.transfer_line_id')
      .innerJoin('location as to', 'to.id', 'm.to_location_id')
      .innerJoin('lot', 'lot.id', 'm.lot_id')
      .select(['lot.id', 'lot.name', (eb) => eb.fn.sum<number>('m.quantity').as('q')])
      .where('tl.sales_line_id', '=', l.id)
      .where('to.usage', '=', 'customer')
      .where('m.reversal_of_id', 'is', null)
      .groupBy(['lot.id', 'lot.name'])
      .orderBy('lot.name');
    if (this.deliveryId) q = q.where('m.transfer_id', '=', this.deliveryId);
    const delivered = await q.execute();
    const names = delivered.map((d) => d.name).join(', ') || 'none';
    if (!want.lotName) throw new DomainError('VALIDATION', `Line ${i + 1} (${l.sku}) is tracked by ${kind}: name the ${kind} delivered (delivered: ${names})`, { fields: [{ path, message: `Give the ${kind}` }] });
    if (l.tracking === 'serial' && want.quantity !== 1) {
      throw new DomainError('VALIDATION', `Line ${i + 1} (${l.sku}): a serial number is one unit; return ${want.quantity} units as ${want.quantity} lines, one per serial number`, { fields: [{ path: `lines.${i}.quantity`, message: 'One unit per serial number' }] });
    }
    const lot = delivered.find((d) => d.name === want.lotName);
    if (!lot) {
      throw new DomainError('BUSINESS_RULE', `Line ${i + 1} (${l.sku}): ${kind} ${want.lotName} was not delivered on ${this.deliveryId ? 'this delivery of ' : ''}order ${this.order.number} (delivered: ${names})`, { fields: [{ path, message: `Not delivered on this order` }] });
    }
    const earlier = await this.db
      .selectFrom('rma_line as rl')
      .innerJoin('rma as r', 'r.id', 'rl.rma_id')
      .select(['r.number', 'rl.quantity'])
      .where('r.order_id', '=', this.order.id)
      .where('r.state', 'in', [...OPEN_RMA_STATES])
      .where('rl.order_line_id', '=', l.id)
      .where('rl.lot_id', '=', lot.id)
      .execute();
    const key = `${l.id}:${lot.id}`;
    const already = earlier.reduce((t, e) => t + Number(e.quantity), 0) + (this.taken.get(key) ?? 0);
    if (l.tracking === 'serial' && already > 0) {
      const where = earlier[0] ? `on return ${earlier[0].number}` : 'twice on this return';
      throw new DomainError('BUSINESS_RULE', `Line ${i + 1} (${l.sku}): serial number ${lot.name} is already being returned ${where}; a serial number comes back once`, { fields: [{ path, message: 'Already returned' }] });
    }
    if (want.quantity > Number(lot.q) - already) {
      const open = Math.max(Number(lot.q) - already, 0);
      throw new DomainError('BUSINESS_RULE', `Line ${i + 1} (${l.sku}): you can return at most ${open} of lot ${lot.name} — delivered ${Number(lot.q)}${already ? `, already in returns ${already}` : ''}; asked ${want.quantity}`, {
        fields: [{ path: `lines.${i}.quantity`, message: `At most ${open}` }],
      });
    }
    this.taken.set(key, (this.taken.get(key) ?? 0) + want.quantity);
    return lot.id;
  }
}

/** An authorised return: the receipt into Returns is planned and the customer gets the "return authorised" notification. */
async function authorised(ctx: CommandContext, rmaId: string) {
  await planReceipt(ctx, rmaId);
  const r = await rmaRow(ctx.db, rmaId);
  await queueNotification(ctx, { kind: 'return_authorised', orderId: r.order_id, ticketId: r.ticket_id, dedupeKey: `return_authorised:${r.id}`, returnNumber: r.number });
}

async function lastDelivery(db: Tx, order: { number: string; partner_id: string }) {
  return db
    .selectFrom('transfer')
    .select(['done_at', 'warehouse_id'])
    .where('origin', '=', order.number)
    .where('partner_id', '=', order.partner_id)
    .where('kind', '=', 'delivery')
    .where('state', '=', 'done')
    .orderBy('done_at', 'desc')
    .executeTakeFirst();
}

async function rmaRow(db: Tx, id: string) {
  const r = await db.selectFrom('rma').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('RMA');
  return r;
}

async function setRma(ctx: CommandContext, r: { id: string; version: number }, set: Partial<RmaTable>) {
  await ctx.db.updateTable('rma').set({ ...set, updated_at: ctx.now, version: r.version + 1 }).where('id', '=', r.id).execute();
}

/** The separate receipt operation: customer → the warehouse's Returns location, valued at the cost the goods left with. */
async function planReceipt(ctx: CommandContext, rmaId: string) {
  const r = await rmaRow(ctx.db, rmaId);
  const lines = await ctx.db.selectFrom('rma_line').selectAll().where('rma_id', '=', rmaId).orderBy('line_no').execute();
  const session = inventorySession(ctx);
  const from = await session.virtual('customer');
  const to = await session.zone(r.warehouse_id, 'returns');
  const products = await ctx.db.selectFrom('product').select(['id', 'uom_id']).where('id', 'in', lines.map((l) => l.product_id)).execute();
  const uomOf = new Map(products.map((p) => [p.id, p.uom_id]));
  const created = await insertTransfer(
    ctx,
    {
      kind: 'receipt',
      opCode: 'IN',
      warehouseId: r.warehouse_id,
      from,
      to,
      partnerId: r.partner_id,
      origin: r.number,
      channelCode: r.channel_code,
      priorityRank: 100,
      scheduledDate: ctx.now,
      ...NO_ORDER_FIELDS,
    },
    lines.map((l) => ({ productId: l.product_id, uomId: uomOf.get(l.product_id)!, uomQuantity: Number(l.quantity), quantity: Number(l.quantity), unitCostMinor: Number(l.unit_cost_minor) })),
  );
  await confirmFlow(ctx, created.id);
  for (const [i, l] of lines.entries()) await ctx.db.updateTable('rma_line').set({ receipt_line_id: created.lineIds[i]! }).where('id', '=', l.id).execute();
  await ctx.db.updateTable('rma').set({ receipt_transfer_id: created.id }).where('id', '=', rmaId).execute();
}

export async function decideRma(ctx: CommandContext, id: string, decision: 'approve' | 'reject', note: string) {
  const r = await rmaRow(ctx.db, id);
  if (r.state !== 'awaiting_approval') throw new DomainError('BUSINESS_RULE', `RMA ${r.number} is ${r.state.replace('_', ' ')}; only returns waiting for approval are decided`);
  await setRma(ctx, r, { state: decision === 'approve' ? 'authorised' : 'rejected', decided_by: ctx.actor.username, decision_note: note });
  if (decision === 'approve') await authorised(ctx, id);
  if (r.ticket_id) await addMessage(ctx, r.ticket_id, { kind: 'system', body: `RMA ${r.number} ${decision === 'approve' ? 'approved' : 'rejected'} by ${ctx.actor.username}: ${note}` });
  ctx.summarize(`${decision === 'approve' ? 'Approved' : 'Rejected'} RMA ${r.number}: ${note}`);
}

/**
 * Receives the goods: validates the receipt (what is not received is cancelled, not kept as a
 * backorder), records the received quantities on the RMA and on the order lines (returned).
 * Goods received damaged open a damaged-goods ticket (or note it on the RMA's ticket).
 */
export async function receiveRma(ctx: CommandContext, id: string, given: { lineId: string; quantity: number; condition: 'ok' | 'damaged' }[]) {
  const r = await rmaRow(ctx.db, id);
  if (r.state === 'awaiting_approval') throw new DomainError('BUSINESS_RULE', `RMA ${r.number} waits for approval (${r.approval_reason}); it cannot be received until it is approved`);
  if (r.state !== 'authorised') throw new DomainError('BUSINESS_RULE', `RMA ${r.number} is ${r.state.replace('_', ' ')}; only authorised returns are received`);
  const lines = await ctx.db
    .selectFrom('rma_line as l')
    .innerJoin('product as p', 'p.id', 'l.product_id')
    .leftJoin('lot', 'lot.id', 'l.lot_id')
    .select(['l.id', 'l.line_no', 'l.quantity', 'l.receipt_line_id', 'l.order_line_id', 'p.sku', 'p.tracking', 'lot.name as lot_name'])
    .where('l.rma_id', '=', id)
    .execute();
  const byId = new Map(lines.map((l) => [l.id, l]));
  const seen = new Set<string>();
  let total = 0;
  const damaged: string[] = [];
  for (const [i, g] of given.entries()) {
    const l = byId.get(g.lineId);
    if (!l || seen.has(g.lineId)) throw new DomainError('VALIDATION', `Line ${i + 1}: not a line of RMA ${r.number} (or given twice)`, { fields: [{ path: `lines.${i}.lineId`, message: 'Unknown line' }] });
    seen.add(g.lineId);
    if (g.quantity > Number(l.quantity)) {
      throw new DomainError('BUSINESS_RULE', `Line ${l.line_no} (${l.sku}): received ${g.quantity} but the RMA authorises ${Number(l.quantity)}; receive the extra on a new RMA`, {
        fields: [{ path: `lines.${i}.quantity`, message: `At most ${Number(l.quantity)}` }],
      });
    }
    total += g.quantity;
    if (g.condition === 'damaged' && g.quantity > 0) damaged.push(`${g.quantity} × ${l.sku}`);
  }
  if (total === 0) throw new DomainError('VALIDATION', 'Enter the quantity received on at least one line', { fields: [{ path: 'lines', message: 'Nothing received' }] });
  const qty = new Map(given.map((g) => [g.lineId, g]));
  await validateTransfer(
    ctx,
    r.receipt_transfer_id!,
    lines.map((l) => {
      const quantity = qty.get(l.id)?.quantity ?? 0;
      // The lot (or serial) the customer had comes back into Returns under its own number.
      const lot = !l.lot_name || quantity === 0 ? {} : l.tracking === 'serial' ? { serials: [l.lot_name] } : { lotName: l.lot_name };
      return { lineId: l.receipt_line_id!, quantity, ...lot };
    }),
    false,
  );
  for (const l of lines) {
    const g = qty.get(l.id);
    const q = g?.quantity ?? 0;
    await ctx.db.updateTable('rma_line').set({ qty_received: q, condition: q > 0 ? (g?.condition ?? 'ok') : null, updated_at: ctx.now }).where('id', '=', l.id).execute();
    if (q > 0) await ctx.db.updateTable('sales_order_line').set((eb) => ({ qty_returned: eb('qty_returned', '+', q), updated_at: ctx.now })).where('id', '=', l.order_line_id).execute();
  }
  await setRma(ctx, r, { state: 'received' });
  if (damaged.length) {
    const body = `Return ${r.number} arrived damaged: ${damaged.join(', ')}.`;
    if (r.ticket_id) await addMessage(ctx, r.ticket_id, { kind: 'system', body });
    else {
      const ticketId = await createTicket(ctx, { type: 'damaged_goods', customerId: r.partner_id, subject: `Return ${r.number} received damaged`, description: body, orderId: r.order_id, source: 'event', sourceEvent: 'return_received_damaged' });
      await ctx.db.updateTable('rma').set({ ticket_id: ticketId }).where('id', '=', id).execute();
    }
  }
  ctx.summarize(`Received ${total} unit(s) on RMA ${r.number}${damaged.length ? ` (damaged: ${damaged.join(', ')})` : ''}`);
}

/**
 * Inspection decides each received line: restock (Returns → Stock, value unchanged), scrap
 * (→ Scrap: leaves the stock value), return to vendor (→ Vendors: leaves the stock value), or
 * repair (→ the Quality location, still owned, until repaired). Every received line must be decided.
 */
export async function inspectRma(ctx: CommandContext, id: string, given: { lineId: string; disposition: 'restock' | 'scrap' | 'return_to_vendor' | 'repair'; note: string | null }[]) {
  const r = await rmaRow(ctx.db, id);
  if (r.state !== 'received') throw new DomainError('BUSINESS_RULE', `RMA ${r.number} is ${r.state.replace('_', ' ')}; inspection follows the receipt`);
  const lines = await ctx.db.selectFrom('rma_line as l').innerJoin('product as p', 'p.id', 'l.product_id').select(['l.id', 'l.line_no', 'l.product_id', 'l.qty_received', 'l.lot_id', 'p.sku']).where('l.rma_id', '=', id).execute();
  const decided = new Map(given.map((g) => [g.lineId, g]));
  for (const [i, g] of given.entries()) if (!lines.some((l) => l.id === g.lineId)) throw new DomainError('VALIDATION', `Line ${i + 1}: not a line of RMA ${r.number}`, { fields: [{ path: `lines.${i}.lineId`, message: 'Unknown line' }] });
  const missing = lines.filter((l) => Number(l.qty_received) > 0 && !decided.has(l.id));
  if (missing.length) throw new DomainError('VALIDATION', `Decide every received line: ${missing.map((l) => `line ${l.line_no} (${l.sku})`).join(', ')} has no disposition`, { fields: [{ path: 'lines', message: 'Missing lines' }] });
  const session = inventorySession(ctx);
  const returns = await session.zone(r.warehouse_id, 'returns');
  const targets = {
    restock: await session.zone(r.warehouse_id, 'stock'),
    scrap: await session.virtual('scrap'),
    return_to_vendor: await session.virtual('vendor'),
    repair: await session.zone(r.warehouse_id, 'quality'),
  };
  await batchLedgerWrites(ctx, async () => {
    for (const l of lines) {
      const g = decided.get(l.id);
      const q = Number(l.qty_received);
      if (!g || q <= 0) continue;
      await postMoves(ctx, [{ productId: l.product_id, quantity: q, from: returns, to: targets[g.disposition], lotId: l.lot_id, reference: r.number, reason: `Return ${g.disposition.replace(/_/g, ' ')}${g.note ? `: ${g.note}` : ''}` }]);
    }
  });
  for (const l of lines) {
    const g = decided.get(l.id);
    if (g) await ctx.db.updateTable('rma_line').set({ disposition: g.disposition, inspection_note: g.note, updated_at: ctx.now }).where('id', '=', l.id).execute();
  }
  await setRma(ctx, r, { state: 'inspected' });
  ctx.summarize(`Inspected RMA ${r.number}: ${given.map((g) => `${lines.find((l) => l.id === g.lineId)!.sku} ${g.disposition}`).join(', ')}`);
}

/**
 * Resolution of an inspected return: a credit note for the received units (open credit), a
 * refund (the credit note is settled against the original payment), or a replacement order
 * for the same units at no charge, confirmed and released to the warehouse. Linked to the RMA,
 * its ticket and the original order.
 */
export async function resolveRma(ctx: CommandContext, id: string, resolution: 'credit_note' | 'refund' | 'replacement') {
  const r = await rmaRow(ctx.db, id);
  if (r.state !== 'inspected') throw new DomainError('BUSINESS_RULE', `RMA ${r.number} is ${r.state.replace('_', ' ')}; it is resolved after inspection`);
  const lines = (await ctx.db.selectFrom('rma_line').selectAll().where('rma_id', '=', id).orderBy('line_no').execute()).filter((l) => Number(l.qty_received) > 0);
  const set: Partial<RmaTable> = { state: 'resolved', resolution, resolved_at: ctx.now };
  let what: string;
  if (resolution === 'replacement') {
    const o = await createOrder(ctx, {
      customerId: r.partner_id,
      channelCode: r.channel_code as 'rep',
      customerPo: r.number,
      shipToAddressId: null,
      warehouseId: r.warehouse_id,
      requestedDate: null,
      paymentCaptured: true,
      notes: `Replacement for return ${r.number}`,
      lines: lines.map((l) => ({ productId: l.product_id, quantity: Number(l.qty_received), unitPriceMinor: 0, discountBp: 0 })),
      confirm: true,
    });
    set.replacement_order_id = o.id;
    what = `replacement order ${o.number}`;
  } else {
    // A refund pays back money the customer paid on this order: at most what its invoices
    // received, less what earlier refunds paid back (credit notes settled carry it negative).
    const received = resolution === 'refund' ? await receivedOnOrder(ctx.db, r.order_id) : 0;
    const orderNumber = resolution === 'refund' ? (await ctx.db.selectFrom('sales_order').select('number').where('id', '=', r.order_id).executeTakeFirstOrThrow()).number : '';
    if (resolution === 'refund' && received <= 0) {
      throw new DomainError('BUSINESS_RULE', `RMA ${r.number}: no payment was received on order ${orderNumber}, so there is nothing to refund; resolve it with a credit note (it reduces what the customer owes)`, { fields: [{ path: 'resolution', message: 'Nothing paid to refund' }] });
    }
    const creditId = await createCreditNote(ctx, {
      orderId: r.order_id,
      lines: lines.map((l) => ({ orderLineId: l.order_line_id, quantity: Number(l.qty_received) })),
      reason: `Return ${r.number}: ${r.reason}`,
      settled: resolution === 'refund',
    });
    const cn = await ctx.db.selectFrom('invoice').select(['number', 'total_minor']).where('id', '=', creditId).executeTakeFirstOrThrow();
    set.credit_note_id = creditId;
    if (resolution === 'refund') {
      const amount = -Number(cn.total_minor);
      if (amount > received) {
        // Thrown inside the command's transaction: the credit note above is not kept either.
        throw new DomainError('BUSINESS_RULE', `RMA ${r.number}: the refund of ${formatMinor(amount)} is more than the ${formatMinor(received)} received on order ${orderNumber}; resolve it with a credit note instead`, {
          fields: [{ path: 'resolution', message: `At most ${formatMinor(received)} can be refunded` }],
        });
      }
      // Finance recorded the refund with the settled credit note: an outgoing payment (Dr receivable / Cr bank) allocated to it.
      const paid = await ctx.db.selectFrom('payment_allocation as a').innerJoin('payment as p', 'p.id', 'a.payment_id').select(['p.id', 'p.number']).where('a.invoice_id', '=', creditId).executeTakeFirstOrThrow();
      set.refund_minor = amount;
      set.refund_payment_id = paid.id;
      what = `refund ${paid.number} of ${formatMinor(amount)} by credit note ${cn.number}`;
    } else what = `credit note ${cn.number} (${formatMinor(-Number(cn.total_minor))})`;
  }
  await setRma(ctx, r, set);
  if (r.ticket_id) await addMessage(ctx, r.ticket_id, { kind: 'system', body: `RMA ${r.number} resolved: ${what}.` });
  ctx.summarize(`Resolved RMA ${r.number}: ${what}`);
}

/** What the customer paid on the order's invoices, less what was already paid back (refunded credit notes). */
async function receivedOnOrder(db: Tx, orderId: string): Promise<number> {
  const row = await db.selectFrom('invoice').select((eb) => eb.fn.sum<number>('paid_minor').as('paid')).where('order_id', '=', orderId).executeTakeFirst();
  return Number(row?.paid ?? 0);
}

// ── Reading.

function rmaQuery(db: Db | Tx) {
  return db
    .selectFrom('rma as r')
    .innerJoin('sales_order as o', 'o.id', 'r.order_id')
    .innerJoin('partner as p', 'p.id', 'r.partner_id')
    .leftJoin('ticket as t', 't.id', 'r.ticket_id')
    .leftJoin('transfer as x', 'x.id', 'r.receipt_transfer_id')
    .leftJoin('invoice as cn', 'cn.id', 'r.credit_note_id')
    .leftJoin('sales_order as ro', 'ro.id', 'r.replacement_order_id')
    .leftJoin('payment as pay', 'pay.id', 'r.refund_payment_id')
    .selectAll('r')
    .select(['pay.number as refund_payment_number', 'o.number as order_number', 'p.name as customer_name', 't.number as ticket_number', 'x.number as receipt_number', 'cn.number as credit_note_number', 'cn.total_minor as credit_note_total', 'ro.number as replacement_number']);
}
type RmaRow = Awaited<ReturnType<ReturnType<typeof rmaQuery>['executeTakeFirstOrThrow']>>;
const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v instanceof Date ? v : String(v)).toISOString());

function toRmaSummary(r: RmaRow): RmaSummaryOut {
  return {
    id: r.id,
    number: r.number,
    state: r.state,
    ticketId: r.ticket_id,
    ticketNumber: r.ticket_number,
    orderId: r.order_id,
    orderNumber: r.order_number,
    deliveryId: r.delivery_id,
    customerId: r.partner_id,
    customerName: r.customer_name,
    warehouseId: r.warehouse_id,
    reason: r.reason,
    reasonCategory: r.reason_category as RmaSummaryOut['reasonCategory'],
    deliveredAt: iso(r.delivered_at),
    valueMinor: Number(r.value_minor),
    approvalReason: r.approval_reason,
    decidedBy: r.decided_by,
    instructions: r.instructions,
    receiptTransferId: r.receipt_transfer_id,
    receiptNumber: r.receipt_number,
    resolution: r.resolution as RmaSummaryOut['resolution'],
    creditNoteId: r.credit_note_id,
    creditNoteNumber: r.credit_note_number,
    creditNoteTotalMinor: r.credit_note_total === null ? null : Number(r.credit_note_total),
    replacementOrderId: r.replacement_order_id,
    replacementOrderNumber: r.replacement_number,
    refundMinor: Number(r.refund_minor),
    refundPaymentId: r.refund_payment_id,
    refundPaymentNumber: r.refund_payment_number,
    createdAt: iso(r.created_at)!,
    version: r.version,
  };
}

export async function loadRmaSummaries(db: Db | Tx, f: { ticketId?: string; orderId?: string; state?: string; limit?: number; offset?: number }) {
  let q = rmaQuery(db);
  if (f.ticketId) q = q.where('r.ticket_id', '=', f.ticketId);
  if (f.orderId) q = q.where('r.order_id', '=', f.orderId);
  if (f.state) q = q.where('r.state', '=', f.state as RmaTable['state']);
  const rows = await q.orderBy('r.created_at', 'desc').orderBy('r.id', 'desc').limit(f.limit ?? 100).offset(f.offset ?? 0).execute();
  return rows.map(toRmaSummary);
}

export async function countRmas(db: Db | Tx, f: { orderId?: string; state?: string }) {
  let q = db.selectFrom('rma as r').select((eb) => eb.fn.countAll<number>().as('n'));
  if (f.orderId) q = q.where('r.order_id', '=', f.orderId);
  if (f.state) q = q.where('r.state', '=', f.state as RmaTable['state']);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

export async function loadRma(db: Db | Tx, id: string): Promise<RmaOut> {
  const r = await rmaQuery(db).where('r.id', '=', id).executeTakeFirst();
  if (!r) throw notFound('RMA');
  const lines = await db
    .selectFrom('rma_line as l')
    .innerJoin('product as p', 'p.id', 'l.product_id')
    .leftJoin('lot', 'lot.id', 'l.lot_id')
    .select(['l.id', 'l.line_no', 'l.order_line_id', 'l.product_id', 'p.sku', 'p.name', 'lot.name as lot_name', 'l.quantity', 'l.qty_received', 'l.unit_price_minor', 'l.unit_cost_minor', 'l.condition', 'l.disposition', 'l.inspection_note'])
    .where('l.rma_id', '=', id)
    .orderBy('l.line_no')
    .execute();
  return {
    ...toRmaSummary(r),
    lines: lines.map((l) => ({
      id: l.id,
      lineNo: l.line_no,
      orderLineId: l.order_line_id,
      productId: l.product_id,
      sku: l.sku,
      productName: l.name,
      lotName: l.lot_name,
      quantity: Number(l.quantity),
      qtyReceived: Number(l.qty_received),
      unitPriceMinor: Number(l.unit_price_minor),
      unitCostMinor: Number(l.unit_cost_minor),
      condition: l.condition,
      disposition: l.disposition,
      inspectionNote: l.inspection_note,
    })),
  };
}
