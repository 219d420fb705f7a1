import { sql } from 'kysely';
import type { z } from 'zod';
import type { Bill, BillCreateInput, PurchaseSettings } from '../../../src-shared/contract/purchasing';
import { type CommandContext, newRowMeta } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { preparedInsertMany } from '../platform/batch';
import { preparedQuery } from '../platform/prepared';
import { formatMinor } from '../pricing/money';
import { branchCode, nextDocumentNumber } from '../platform/series';
import { addDays, openReceiptsOf, orderRow, refreshBilledState } from './orders';
import type { BillState, VendorBillLineTable } from './schema';
import { readPurchaseSettings } from './settings';
import { postVendorBill } from '../finance/auto';

type CreateInput = z.output<typeof BillCreateInput>;
type LineStatus = 'matched' | 'price' | 'quantity' | 'unreceived';

const BILL_LINE_COLUMNS = [
  'id', 'branch_id', 'created_at', 'updated_at', 'version', 'bill_id', 'line_no', 'order_line_id', 'product_id', 'quantity', 'unit_price_minor', 'subtotal_minor',
  'po_price_minor', 'price_difference_minor', 'qty_short', 'status',
] as const satisfies readonly (keyof VendorBillLineTable)[];
// Compiled once: a 1,000-line bill is a few prepared multi-row statements, not SQL built per call.
const insertBillLines = preparedInsertMany<'vendor_bill_line', VendorBillLineTable & Record<string, unknown>>('vendor_bill_line', BILL_LINE_COLUMNS);
const orderLinesForMatch = preparedQuery<{ orderId: string }, { id: string; product_id: string; unit_price_minor: number; qty_received: number; qty_rejected: number }>(['orderId'], (db, p) =>
  db.selectFrom('purchase_order_line').select(['id', 'product_id', 'unit_price_minor', 'qty_received', 'qty_rejected']).where('order_id', '=', p.orderId),
);

export interface MatchInput {
  quantity: number;
  unitPriceMinor: number;
  poPriceMinor: number;
  /** Accepted units (received − rejected) not billed on other bills. */
  billable: number;
  /** Units received at all on the PO line (0: the bill came before the goods). */
  received: number;
}

export interface MatchResult {
  status: LineStatus;
  priceDifferenceMinor: number;
  qtyShort: number;
}

/**
 * Three-way match of one bill line: the bill against the PO price and the received quantity.
 * The price is within tolerance when the difference is at most the amount tolerance AND at
 * most the percentage of the line's PO value; the quantity must not exceed what was accepted
 * and not yet billed.
 */
export function matchLine(l: MatchInput, s: Pick<PurchaseSettings, 'matchToleranceMinor' | 'matchToleranceBp'>): MatchResult {
  const priceDifferenceMinor = (l.unitPriceMinor - l.poPriceMinor) * l.quantity;
  const qtyShort = Math.max(0, l.quantity - Math.max(l.billable, 0));
  if (l.received === 0) return { status: 'unreceived', priceDifferenceMinor, qtyShort };
  if (qtyShort > 0) return { status: 'quantity', priceDifferenceMinor, qtyShort };
  const abs = Math.abs(priceDifferenceMinor);
  const within = abs <= s.matchToleranceMinor && abs * 10_000 <= s.matchToleranceBp * l.poPriceMinor * l.quantity;
  return { status: within ? 'matched' : 'price', priceDifferenceMinor, qtyShort };
}

/** The bill's state from its lines: waiting for goods → unmatched; a difference → held; else ready to pay. */
export function billStateOf(statuses: LineStatus[], receiptsOpen: boolean): BillState {
  if (statuses.some((s) => s === 'unreceived') || (receiptsOpen && statuses.some((s) => s === 'quantity'))) return 'unmatched';
  if (statuses.some((s) => s !== 'matched')) return 'held';
  return 'ready_to_pay';
}

function reasonsOf(lines: { sku: string; status: LineStatus; priceDifferenceMinor: number; qtyShort: number; quantity: number }[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    if (l.status === 'unreceived') out.push(`${l.sku}: billed ${l.quantity} before any receipt`);
    else if (l.status === 'quantity') out.push(`${l.sku}: billed ${l.qtyShort} more than received and not yet billed`);
    else if (l.status === 'price') out.push(`${l.sku}: price differs from the order by ${formatMinor(l.priceDifferenceMinor)} (outside tolerance)`);
  }
  return out;
}

/** Billed quantities per PO line on other bills (not cancelled). */
async function billedElsewhere(db: Db | Tx, orderLineIds: string[], exceptBillId: string | null) {
  if (orderLineIds.length === 0) return new Map<string, number>();
  let q = db
    .selectFrom('vendor_bill_line as l')
    .innerJoin('vendor_bill as b', 'b.id', 'l.bill_id')
    .select((eb) => ['l.order_line_id', eb.fn.sum<number>('l.quantity').as('q')])
    .where('l.order_line_id', 'in', orderLineIds)
    .where('b.state', '!=', 'cancelled');
  if (exceptBillId) q = q.where('b.id', '!=', exceptBillId);
  const rows = await q.groupBy('l.order_line_id').execute();
  return new Map(rows.map((r) => [r.order_line_id, Number(r.q)]));
}

async function syncBilledQuantities(ctx: CommandContext, orderId: string): Promise<void> {
  await sql`UPDATE purchase_order_line SET qty_billed = COALESCE((
      SELECT SUM(l.quantity) FROM vendor_bill_line l JOIN vendor_bill b ON b.id = l.bill_id
      WHERE l.order_line_id = purchase_order_line.id AND b.state <> 'cancelled'), 0), updated_at = ${ctx.now}
    WHERE order_id = ${orderId}`.execute(ctx.db);
}

/** (Re)matches one bill's lines and sets its state; approved bills keep their decision. */
async function matchBill(ctx: CommandContext, billId: string, settings: PurchaseSettings): Promise<BillState> {
  const bill = await ctx.db.selectFrom('vendor_bill').selectAll().where('id', '=', billId).executeTakeFirstOrThrow();
  const po = await orderRow(ctx.db, bill.order_id);
  const lines = await ctx.db
    .selectFrom('vendor_bill_line as l')
    .innerJoin('purchase_order_line as o', 'o.id', 'l.order_line_id')
    .innerJoin('product as p', 'p.id', 'l.product_id')
    .select(['l.id', 'l.order_line_id', 'l.quantity', 'l.unit_price_minor', 'o.unit_price_minor as po_price', 'o.qty_received', 'o.qty_rejected', 'p.sku'])
    .where('l.bill_id', '=', billId)
    .orderBy('l.line_no')
    .execute();
  const elsewhere = await billedElsewhere(ctx.db, lines.map((l) => l.order_line_id), billId);
  const results = lines.map((l) => {
    const received = Number(l.qty_received);
    const r = matchLine(
      { quantity: Number(l.quantity), unitPriceMinor: Number(l.unit_price_minor), poPriceMinor: Number(l.po_price), received, billable: received - Number(l.qty_rejected) - (elsewhere.get(l.order_line_id) ?? 0) },
      settings,
    );
    return { ...r, id: l.id, sku: l.sku, quantity: Number(l.quantity), poPrice: Number(l.po_price) };
  });
  for (const r of results) {
    await ctx.db.updateTable('vendor_bill_line').set({ status: r.status, price_difference_minor: r.priceDifferenceMinor, qty_short: r.qtyShort, po_price_minor: r.poPrice, updated_at: ctx.now }).where('id', '=', r.id).execute();
  }
  const receiptsOpen = (await openReceiptsOf(ctx.db, po.number)).length > 0;
  const state = billStateOf(results.map((r) => r.status), receiptsOpen);
  const difference = results.reduce((s, r) => s + r.priceDifferenceMinor + r.qtyShort * r.poPrice, 0);
  await ctx.db
    .updateTable('vendor_bill')
    .set((eb) => ({ state, difference_minor: difference, hold_reason: JSON.stringify(reasonsOf(results)), updated_at: ctx.now, version: eb('version', '+', 1) }))
    .where('id', '=', billId)
    .execute();
  return state;
}

/** After a receipt or an inspection: bills waiting on this order are matched again. */
export async function rematchBillsOf(ctx: CommandContext, orderId: string): Promise<void> {
  const bills = await ctx.db.selectFrom('vendor_bill').select('id').where('order_id', '=', orderId).where('state', 'in', ['unmatched', 'held']).where('approved_by', 'is', null).execute();
  if (bills.length === 0) return;
  const settings = await readPurchaseSettings(ctx.db);
  for (const b of bills) {
    await matchBill(ctx, b.id, settings);
    await postVendorBill(ctx, b.id); // finance: posted once ready to pay
  }
  await refreshBilledState(ctx, orderId);
}

export async function createBill(ctx: CommandContext, input: CreateInput): Promise<string> {
  const po = await orderRow(ctx.db, input.orderId);
  if (['draft', 'to_approve', 'approved', 'cancelled'].includes(po.state)) throw new DomainError('BUSINESS_RULE', `${po.number} is ${po.state.replace('_', ' ')}: bills are recorded against orders sent to the vendor`);
  const dup = await ctx.db.selectFrom('vendor_bill').select(['number']).where('vendor_id', '=', po.vendor_id).where('vendor_reference', '=', input.vendorReference).executeTakeFirst();
  if (dup) throw new DomainError('CONFLICT', `This vendor's bill ${input.vendorReference} is already recorded as ${dup.number}`, { fields: [{ path: 'vendorReference', message: `Already recorded as ${dup.number}` }] });
  // The PO side of the match, read once for the whole bill (only the columns the match needs).
  const poLines = new Map((await orderLinesForMatch.rows(ctx.db, { orderId: po.id })).map((l) => [l.id, l]));
  const seen = new Set<string>();
  for (const [i, l] of input.lines.entries()) {
    if (!poLines.has(l.orderLineId)) throw new DomainError('VALIDATION', `Line ${i + 1}: not a line of ${po.number}`, { fields: [{ path: `lines.${i}.orderLineId`, message: 'Not on this order' }] });
    if (seen.has(l.orderLineId)) throw new DomainError('VALIDATION', `Line ${i + 1}: the order line is billed twice on this bill`, { fields: [{ path: `lines.${i}.orderLineId`, message: 'Given twice' }] });
    seen.add(l.orderLineId);
  }
  const vendor = await ctx.db.selectFrom('partner').select(['payment_terms_days']).where('id', '=', po.vendor_id).executeTakeFirstOrThrow();
  const total = input.lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor, 0);
  const settings = await readPurchaseSettings(ctx.db);
  // Matched before writing: the lines are inserted with their status in one pass (no update per line).
  // Most orders have no other bill yet: then nothing is billed elsewhere and the per-line read is skipped.
  const otherBill = await ctx.db.selectFrom('vendor_bill').select('id').where('order_id', '=', po.id).where('state', '!=', 'cancelled').executeTakeFirst();
  const elsewhere = otherBill ? await billedElsewhere(ctx.db, [...seen], null) : new Map<string, number>();
  const results = input.lines.map((l) => {
    const o = poLines.get(l.orderLineId)!;
    const received = Number(o.qty_received);
    const r = matchLine({ quantity: l.quantity, unitPriceMinor: l.unitPriceMinor, poPriceMinor: Number(o.unit_price_minor), received, billable: received - Number(o.qty_rejected) - (elsewhere.get(l.orderLineId) ?? 0) }, settings);
    return { ...r, sku: '', quantity: l.quantity, poPrice: Number(o.unit_price_minor), productId: o.product_id };
  });
  // SKUs only for the lines a reason is written about.
  const flagged = results.filter((r) => r.status !== 'matched');
  if (flagged.length > 0) {
    const skus = new Map((await ctx.db.selectFrom('product').select(['id', 'sku']).where('id', 'in', [...new Set(flagged.map((r) => r.productId))]).execute()).map((p) => [p.id, p.sku]));
    for (const r of flagged) r.sku = skus.get(r.productId) ?? '?';
  }
  const receiptsOpen = (await openReceiptsOf(ctx.db, po.number)).length > 0;
  const state = billStateOf(results.map((r) => r.status), receiptsOpen);
  const id = ctx.newId();
  const number = await nextDocumentNumber(ctx, `${await branchCode(ctx)}-BILL-${ctx.now.slice(0, 4)}-`, 5);
  await ctx.db
    .insertInto('vendor_bill')
    .values({
      ...newRowMeta(ctx, id),
      number,
      vendor_id: po.vendor_id,
      order_id: po.id,
      vendor_reference: input.vendorReference,
      bill_date: input.billDate,
      due_date: input.dueDate ?? addDays(`${input.billDate}T00:00:00.000Z`, Number(vendor.payment_terms_days)).slice(0, 10),
      currency: po.currency,
      state,
      total_minor: total,
      difference_minor: results.reduce((s, r) => s + r.priceDifferenceMinor + r.qtyShort * r.poPrice, 0),
      hold_reason: JSON.stringify(reasonsOf(results)),
      approved_by: null,
      approved_at: null,
    })
    .execute();
  const rows = input.lines.map((l, i) => {
    const r = results[i]!;
    return {
      ...newRowMeta(ctx),
      bill_id: id,
      line_no: i + 1,
      order_line_id: l.orderLineId,
      product_id: r.productId,
      quantity: l.quantity,
      unit_price_minor: l.unitPriceMinor,
      subtotal_minor: l.quantity * l.unitPriceMinor,
      po_price_minor: r.poPrice,
      price_difference_minor: r.priceDifferenceMinor,
      qty_short: r.qtyShort,
      status: r.status,
    };
  });
  await insertBillLines(ctx.db, rows);
  await syncBilledQuantities(ctx, po.id);
  await refreshBilledState(ctx, po.id);
  if (state === 'ready_to_pay') await postVendorBill(ctx, id); // finance: GRNI / price difference / payable once ready to pay (a held bill posts when approved)
  ctx.summarize(`Recorded bill ${number} (${input.vendorReference}, ${formatMinor(total)}) on ${po.number}: ${state.replaceAll('_', ' ')}`);
  return id;
}

export async function decideBill(ctx: CommandContext, id: string, decision: 'approve' | 'credit', reason: string): Promise<void> {
  const bill = await ctx.db.selectFrom('vendor_bill').selectAll().where('id', '=', id).executeTakeFirst();
  if (!bill) throw notFound('Bill');
  if (bill.state !== 'held' && !(decision === 'credit' && bill.state === 'ready_to_pay')) {
    throw new DomainError('BUSINESS_RULE', `${bill.number} is ${bill.state.replaceAll('_', ' ')}: only held bills wait for a decision${bill.state === 'unmatched' ? ' (this one waits for the goods)' : ''}`);
  }
  const state: BillState = decision === 'approve' ? 'ready_to_pay' : 'credit_requested';
  await ctx.db
    .updateTable('vendor_bill')
    .set((eb) => ({ state, approved_by: decision === 'approve' ? ctx.actor.username : null, approved_at: ctx.now, hold_reason: JSON.stringify([...(JSON.parse(bill.hold_reason ?? '[]') as string[]), `${decision === 'approve' ? 'Approved' : 'Credit note requested'} by ${ctx.actor.username}: ${reason}`]), updated_at: ctx.now, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .execute();
  await refreshBilledState(ctx, bill.order_id);
  await postVendorBill(ctx, id);
  ctx.summarize(`${decision === 'approve' ? 'Approved held bill' : 'Requested a credit note for'} ${bill.number}: ${reason}`);
}

export async function loadBill(db: Db | Tx, id: string): Promise<Bill> {
  const b = await db
    .selectFrom('vendor_bill as b')
    .innerJoin('partner as p', 'p.id', 'b.vendor_id')
    .innerJoin('purchase_order as o', 'o.id', 'b.order_id')
    .selectAll('b')
    .select(['p.name as vendor_name', 'o.number as order_number'])
    .where('b.id', '=', id)
    .executeTakeFirst();
  if (!b) throw notFound('Bill');
  const lines = await db.selectFrom('vendor_bill_line as l').innerJoin('product as p', 'p.id', 'l.product_id').selectAll('l').select('p.sku').where('l.bill_id', '=', id).orderBy('l.line_no').execute();
  return {
    ...toBillHeader(b),
    lines: lines.map((l) => ({
      id: l.id,
      lineNo: l.line_no,
      orderLineId: l.order_line_id,
      productId: l.product_id,
      sku: l.sku,
      quantity: Number(l.quantity),
      unitPriceMinor: Number(l.unit_price_minor),
      subtotalMinor: Number(l.subtotal_minor),
      poPriceMinor: Number(l.po_price_minor),
      priceDifferenceMinor: Number(l.price_difference_minor),
      qtyShort: Number(l.qty_short),
      status: l.status,
    })),
  };
}

export function toBillHeader(b: { id: string; number: string; vendor_id: string; vendor_name: string; order_id: string; order_number: string; vendor_reference: string; bill_date: string; due_date: string; currency: string; state: BillState; total_minor: number; difference_minor: number; hold_reason: string | null; approved_by: string | null }) {
  return {
    id: b.id,
    number: b.number,
    vendorId: b.vendor_id,
    vendorName: b.vendor_name,
    orderId: b.order_id,
    orderNumber: b.order_number,
    vendorReference: b.vendor_reference,
    billDate: b.bill_date,
    dueDate: b.due_date,
    currency: b.currency,
    state: b.state,
    totalMinor: Number(b.total_minor),
    differenceMinor: Number(b.difference_minor),
    holdReasons: JSON.parse(b.hold_reason ?? '[]') as string[],
    approvedBy: b.approved_by,
  };
}

/**
 * What Finance needs to post a vendor bill (the accounting entries are Finance's):
 *  - grniClearedMinor: PO price × billed quantity — clears Goods Received Not Invoiced;
 *  - priceDifferenceMinor: (bill price − PO price) × quantity — to the price difference account;
 *  - totalMinor = grniClearedMinor + priceDifferenceMinor: the payable to the vendor.
 * `postable` is true once the bill is ready to pay (matched or approved).
 */
export async function billAccountingFacts(db: Db | Tx, billId: string) {
  const bill = await loadBill(db, billId);
  const lines = bill.lines.map((l) => ({ productId: l.productId, quantity: l.quantity, grniClearedMinor: l.poPriceMinor * l.quantity, priceDifferenceMinor: (l.unitPriceMinor - l.poPriceMinor) * l.quantity, totalMinor: l.subtotalMinor }));
  return {
    billId: bill.id,
    number: bill.number,
    vendorId: bill.vendorId,
    orderId: bill.orderId,
    currency: bill.currency,
    billDate: bill.billDate,
    dueDate: bill.dueDate,
    state: bill.state,
    postable: bill.state === 'ready_to_pay',
    totalMinor: bill.totalMinor,
    grniClearedMinor: lines.reduce((s, l) => s + l.grniClearedMinor, 0),
    priceDifferenceMinor: lines.reduce((s, l) => s + l.priceDifferenceMinor, 0),
    lines,
  };
}

/** Goods received not invoiced: accepted units not yet billed × PO price, per order (positive only). */
export async function grniByOrder(db: Db | Tx, vendorId?: string) {
  let q = db
    .selectFrom('purchase_order_line as l')
    .innerJoin('purchase_order as o', 'o.id', 'l.order_id')
    .innerJoin('partner as p', 'p.id', 'o.vendor_id')
    .select((eb) => ['o.id', 'o.number', 'p.name', eb.fn.sum<number>(sql`(l.qty_received - l.qty_rejected - l.qty_billed) * l.unit_price_minor`).as('amount')])
    .where('o.state', '!=', 'cancelled')
    .where(sql<boolean>`l.qty_received - l.qty_rejected - l.qty_billed > 0`);
  if (vendorId) q = q.where('o.vendor_id', '=', vendorId);
  const rows = await q.groupBy(['o.id', 'o.number', 'p.name']).orderBy('o.number').execute();
  const out = rows.map((r) => ({ orderId: r.id, number: r.number, vendorName: r.name, amountMinor: Number(r.amount) }));
  return { totalMinor: out.reduce((s, r) => s + r.amountMinor, 0), rows: out };
}
