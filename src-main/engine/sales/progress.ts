import { sql } from 'kysely';
import type { OrderState } from '../../../src-shared/contract/sales';
import { cancelTransfer } from '../inventory/transfers';
import { orderShipped } from '../notifications/order-events';
import type { CommandContext } from '../platform/context';
import { preparedQuery } from '../platform/prepared';
import { taxedAmountsBetween, taxPolicyFor, type TaxPolicy } from '../finance/tax';
import { closeActivities, openActivity } from './activities';

/**
 * An order's progress is read from inventory, never pushed by it: the transfers of its
 * delivery flow (the first step, its chained steps and every backorder carry the order's
 * number as origin and its customer as partner) and their lines, linked to order lines by
 * transfer_line.sales_line_id. Delivered = done quantities of lines of 'delivery' transfers
 * (the last step, into Customers); what is still planned there is pending; the rest of the
 * ordered quantity was cancelled (a short pick without backorder, a cancelled backorder).
 */

const OPEN_LINE: string[] = ['draft', 'waiting', 'ready'];

interface FlowLine {
  id: string;
  transfer_id: string;
  line_no: number;
  product_id: string;
  quantity: number;
  quantity_done: number;
  state: string;
  origin_line_id: string | null;
  next_line_id: string | null;
  sales_line_id: string | null;
  kind: string;
  backorder_of_id: string | null;
}

const flowTransfers = preparedQuery<{ origin: string; partnerId: string }, { id: string; state: string; backorder_of_id: string | null }>(['origin', 'partnerId'], (db, p) =>
  db.selectFrom('transfer').select(['id', 'state', 'backorder_of_id']).where('origin', '=', p.origin).where('partner_id', '=', p.partnerId).orderBy('created_at'),
);

const flowLines = preparedQuery<{ origin: string; partnerId: string }, FlowLine>(['origin', 'partnerId'], (db, p) =>
  db
    .selectFrom('transfer_line as l')
    .innerJoin('transfer as t', 't.id', 'l.transfer_id')
    .select(['l.id', 'l.transfer_id', 'l.line_no', 'l.product_id', 'l.quantity', 'l.quantity_done', 'l.state', 'l.origin_line_id', 'l.next_line_id', 'l.sales_line_id', 't.kind', 't.backorder_of_id'])
    .where('t.origin', '=', p.origin)
    .where('t.partner_id', '=', p.partnerId)
    .orderBy('t.created_at')
    .orderBy('l.line_no'),
);

const setLink = preparedQuery<{ id: string; salesLineId: string }, never>(['id', 'salesLineId'], (db, p) => db.updateTable('transfer_line').set({ sales_line_id: p.salesLineId }).where('id', '=', p.id));

interface OrderLineState {
  id: string;
  quantity: number;
  qty_delivered: number;
  qty_cancelled: number;
  qty_invoiced: number;
  unit_price_minor: number;
  discount_bp: number;
  tax_rate_bp: number;
}

const orderLineStates = preparedQuery<{ orderId: string }, OrderLineState>(['orderId'], (db, p) =>
  db
    .selectFrom('sales_order_line')
    .select(['id', 'quantity', 'qty_delivered', 'qty_cancelled', 'qty_invoiced', 'unit_price_minor', 'discount_bp', 'tax_rate_bp'])
    .where('order_id', '=', p.orderId)
    .orderBy('line_no'),
);

const setLineProgress = preparedQuery<{ id: string; delivered: number; cancelled: number; now: string }, never>(['id', 'delivered', 'cancelled', 'now'], (db, p) =>
  db
    .updateTable('sales_order_line')
    .set((eb) => ({ qty_delivered: p.delivered, qty_cancelled: p.cancelled, updated_at: p.now, version: eb('version', '+', sql.lit(1)) }))
    .where('id', '=', p.id),
);

const orderForProgress = preparedQuery<
  { id: string },
  { id: string; number: string; state: OrderState; partner_id: string; customer_name: string; backorder_policy: string; delivery_transfer_id: string | null; cancelled_minor: number; hold_reason: string | null; version: number }
>(['id'], (db, p) =>
  db
    .selectFrom('sales_order as o')
    .innerJoin('partner as p', 'p.id', 'o.partner_id')
    .select(['o.id', 'o.number', 'o.state', 'o.partner_id', 'p.name as customer_name', 'o.backorder_policy', 'o.delivery_transfer_id', 'o.cancelled_minor', 'o.hold_reason', 'o.version'])
    .where('o.id', '=', p.id),
);

/** Backorder lines lose the link (inventory copies lines without it): find it from the chain. */
async function resolveLinks(ctx: CommandContext, lines: FlowLine[], ordered: Map<string, number>): Promise<void> {
  const byId = new Map(lines.map((l) => [l.id, l]));
  const found: FlowLine[] = [];
  let progress = true;
  while (progress) {
    progress = false;
    for (const l of lines) {
      if (l.sales_line_id) continue;
      // A later step's line (or a backorder of it) points back at the step before; a first-step backorder feeds the same next line.
      const via = (l.next_line_id && byId.get(l.next_line_id)?.sales_line_id) || (l.origin_line_id && byId.get(l.origin_line_id)?.sales_line_id) || null;
      if (via) {
        l.sales_line_id = via;
        found.push(l);
        progress = true;
      }
    }
  }
  // A one-step backorder line has neither: pair it with the line of its parent transfer
  // (same product) whose order line still misses that quantity.
  const open = lines.filter((l) => !l.sales_line_id);
  if (open.length) {
    const missing = new Map<string, number>(ordered);
    for (const l of lines) {
      if (!l.sales_line_id || l.kind !== 'delivery') continue;
      const planned = l.state === 'done' ? l.quantity_done : OPEN_LINE.includes(l.state) ? l.quantity : 0;
      missing.set(l.sales_line_id, (missing.get(l.sales_line_id) ?? 0) - planned);
    }
    for (const l of open) {
      if (!l.backorder_of_id) continue;
      const candidates = lines.filter((p) => p.transfer_id === l.backorder_of_id && p.product_id === l.product_id && p.sales_line_id);
      const pick = candidates.find((p) => (missing.get(p.sales_line_id!) ?? 0) >= l.quantity) ?? candidates[0];
      if (!pick) continue;
      l.sales_line_id = pick.sales_line_id;
      missing.set(pick.sales_line_id!, (missing.get(pick.sales_line_id!) ?? 0) - l.quantity);
      found.push(l);
    }
  }
  for (const l of found) await setLink.execute(ctx.db, { id: l.id, salesLineId: l.sales_line_id! });
}

/**
 * Reads the order's deliveries into its lines (delivered, cancelled) and its cancelled value.
 * For orders whose channel cancels the rest, open backorders are cancelled first.
 */
export async function syncDeliveries(ctx: CommandContext, orderId: string): Promise<void> {
  const o = await orderForProgress.first(ctx.db, { id: orderId });
  if (!o || !o.delivery_transfer_id) return;
  if (o.backorder_policy === 'cancel_rest') {
    for (const t of await flowTransfers.rows(ctx.db, { origin: o.number, partnerId: o.partner_id })) {
      if (t.backorder_of_id && OPEN_LINE.includes(t.state)) await cancelTransfer(ctx, t.id);
    }
  }
  const orderLines = await orderLineStates.rows(ctx.db, { orderId });
  const lines = await flowLines.rows(ctx.db, { origin: o.number, partnerId: o.partner_id });
  if (lines.some((l) => !l.sales_line_id)) await resolveLinks(ctx, lines, new Map(orderLines.map((l) => [l.id, Number(l.quantity)])));
  const delivered = new Map<string, number>();
  const pending = new Map<string, number>();
  for (const l of lines) {
    if (!l.sales_line_id || l.kind !== 'delivery') continue;
    if (l.state === 'done') delivered.set(l.sales_line_id, (delivered.get(l.sales_line_id) ?? 0) + Number(l.quantity_done));
    else if (OPEN_LINE.includes(l.state)) pending.set(l.sales_line_id, (pending.get(l.sales_line_id) ?? 0) + Number(l.quantity) - Number(l.quantity_done));
  }
  let cancelledMinor = 0;
  let taxes: TaxPolicy | null = null;
  let shipped = false;
  for (const l of orderLines) {
    const q = Number(l.quantity);
    const d = Math.min(q, delivered.get(l.id) ?? 0);
    const c = Math.max(0, q - d - (pending.get(l.id) ?? 0));
    if (c > 0) {
      const price = { unitPriceMinor: Number(l.unit_price_minor), discountBp: l.discount_bp, taxRateBp: l.tax_rate_bp };
      // The cancelled units' share of the order's amounts, taxed as the order line was (finance/tax.ts).
      taxes ??= await taxPolicyFor(ctx, o.partner_id, 'sales');
      cancelledMinor += taxedAmountsBetween(price, q - c, q, taxes.resolve(l.tax_rate_bp)).totalMinor;
    }
    if (d > Number(l.qty_delivered)) shipped = true;
    if (d !== Number(l.qty_delivered) || c !== Number(l.qty_cancelled)) await setLineProgress.execute(ctx.db, { id: l.id, delivered: d, cancelled: c, now: ctx.now });
  }
  if (cancelledMinor !== Number(o.cancelled_minor)) {
    await ctx.db.updateTable('sales_order').set({ cancelled_minor: cancelledMinor, updated_at: ctx.now }).where('id', '=', orderId).execute();
  }
  // Shipment notices (and an EDI order's 856) for what was delivered since the last look.
  if (shipped) await orderShipped(ctx, orderId);
}

const setOrderState = preparedQuery<{ id: string; state: OrderState; holdReason: string | null; now: string; version: number }, never>(['id', 'state', 'holdReason', 'now', 'version'], (db, p) =>
  db.updateTable('sales_order').set({ state: p.state, hold_reason: p.holdReason, updated_at: p.now, version: p.version }).where('id', '=', p.id),
);

const openInvoices = preparedQuery<{ orderId: string }, { n: number }>(['orderId'], (db, p) =>
  db.selectFrom('invoice').select((eb) => eb.fn.countAll<number>().as('n')).where('order_id', '=', p.orderId).where('state', '=', 'open'),
);

const RELEASED: OrderState[] = ['confirmed', 'partially_delivered', 'delivered', 'invoiced', 'done'];

/**
 * The state of a released order from its lines: delivered and invoiced in full (less what
 * was cancelled) → invoiced, and done once its invoices are paid; all delivered → delivered;
 * some → partially delivered; everything cancelled before shipping → cancelled.
 */
export async function updateState(ctx: CommandContext, orderId: string): Promise<OrderState | null> {
  const o = await orderForProgress.first(ctx.db, { id: orderId });
  if (!o || !RELEASED.includes(o.state)) return o?.state ?? null;
  const lines = await orderLineStates.rows(ctx.db, { orderId });
  let effective = 0;
  let delivered = 0;
  let allDelivered = true;
  let allInvoiced = true;
  for (const l of lines) {
    const e = Number(l.quantity) - Number(l.qty_cancelled);
    effective += e;
    delivered += Number(l.qty_delivered);
    if (Number(l.qty_delivered) < e) allDelivered = false;
    if (Number(l.qty_invoiced) < e) allInvoiced = false;
  }
  let state: OrderState;
  if (effective === 0 && delivered === 0) state = 'cancelled';
  else if (allDelivered && allInvoiced) state = Number((await openInvoices.first(ctx.db, { orderId }))?.n ?? 0) === 0 ? 'done' : 'invoiced';
  else if (allDelivered) state = 'delivered';
  else if (delivered > 0) state = 'partially_delivered';
  else state = 'confirmed';
  if (state !== o.state) {
    await setOrderState.execute(ctx.db, { id: orderId, state, holdReason: state === 'cancelled' ? 'Nothing left to deliver: every line was cancelled' : o.hold_reason, now: ctx.now, version: o.version + 1 });
  }
  if (state === 'confirmed' || state === 'partially_delivered') await reportShortage(ctx, { id: o.id, number: o.number, customerName: o.customer_name });
  else await closeActivities(ctx, o.id, ['stock_short'], `Order is ${state.replace(/_/g, ' ')}`);
  return state;
}

const shortLines = preparedQuery<{ orderId: string }, { sku: string; quantity: number; reserved: number | null }>(['orderId'], (db, p) =>
  db
    .selectFrom('sales_order_line as l')
    .innerJoin('product as p', 'p.id', 'l.product_id')
    .select((eb) => [
      'p.sku',
      sql<number>`l.quantity - l.qty_delivered - l.qty_cancelled`.as('quantity'),
      eb
        .selectFrom('transfer_line as tl')
        .innerJoin('reservation as r', 'r.transfer_line_id', 'tl.id')
        .select((e) => e.fn.sum<number>('r.quantity').as('q'))
        .whereRef('tl.sales_line_id', '=', 'l.id')
        .as('reserved'),
    ])
    .where('l.order_id', '=', p.orderId)
    // Drop-ship lines wait for the vendor, not for stock (purchasing/dropship.ts).
    .where((eb) => eb.not(eb.exists(eb.selectFrom('dropship_line as d').select('d.id').whereRef('d.sales_line_id', '=', 'l.id').where('d.state', '!=', 'planned'))))
    .orderBy('l.line_no'),
);

/** Opens (or updates) the buyer's task when a released order waits for stock; closes it when nothing is short. */
export async function reportShortage(ctx: CommandContext, order: { id: string; number: string; customerName: string }, opts: { fresh?: boolean } = {}): Promise<void> {
  const rows = await shortLines.rows(ctx.db, { orderId: order.id });
  const short = rows.filter((r) => Number(r.reserved ?? 0) < Number(r.quantity));
  if (short.length === 0) {
    // An order released by this command has no task to close yet.
    if (!opts.fresh) await closeActivities(ctx, order.id, ['stock_short'], 'All lines have their stock');
    return;
  }
  const list = short
    .slice(0, 10)
    .map((r) => `${r.sku}: ${Number(r.reserved ?? 0)} of ${Number(r.quantity)} reserved`)
    .join('; ');
  await openActivity(ctx, {
    role: 'buyer',
    kind: 'stock_short',
    title: `${order.number} for ${order.customerName} waits for stock (${short.length} of ${rows.length} lines short)`,
    body: list + (short.length > 10 ? `; and ${short.length - 10} more` : ''),
    documentKind: 'sales_order',
    documentId: order.id,
    documentNumber: order.number,
  });
}

/** Recomputes an order from its deliveries and sets its state. */
export async function refreshOrder(ctx: CommandContext, orderId: string): Promise<OrderState | null> {
  await syncDeliveries(ctx, orderId);
  return updateState(ctx, orderId);
}
