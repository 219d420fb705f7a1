import { sql } from 'kysely';
import { latestAcknowledgement } from './acknowledgement';
import type { z } from 'zod';
import type { PoCreateInput, PurchaseOrder } from '../../../src-shared/contract/purchasing';
import { type CommandContext, newRowMeta } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { preparedInsertMany } from '../platform/batch';
import { formatMinor } from '../pricing/money';
import { branchCode, nextDocumentNumber } from '../platform/series';
import type { PoState, PurchaseOrderLineTable } from './schema';

const PO_LINE_COLUMNS = [
  'id', 'branch_id', 'created_at', 'updated_at', 'version', 'order_id', 'line_no', 'product_id', 'quantity', 'unit_price_minor', 'subtotal_minor', 'unit_weight_g',
  'qty_received', 'qty_rejected', 'qty_billed', 'needs_inspection', 'reason',
] as const satisfies readonly (keyof PurchaseOrderLineTable)[];
const insertPoLines = preparedInsertMany<'purchase_order_line', PurchaseOrderLineTable & Record<string, unknown>>('purchase_order_line', PO_LINE_COLUMNS);
import { readPurchaseSettings } from './settings';
import { findVendorPrice, requireVendor } from './vendors';

type CreateInput = z.output<typeof PoCreateInput>;

const DAY = 86_400_000;
export const addDays = (iso: string, days: number) => new Date(Date.parse(iso) + days * DAY).toISOString();

/** Categories whose receipts go through quality inspection. */
export async function inspectedProducts(db: Db | Tx, productIds: string[]): Promise<Set<string>> {
  if (productIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('product as p')
    .innerJoin('purchase_category_policy as c', 'c.category_id', 'p.category_id')
    .select('p.id')
    .where('p.id', 'in', productIds)
    .where('c.requires_inspection', '=', 1)
    .execute();
  return new Set(rows.map((r) => r.id));
}

export interface PoDraft {
  vendorId: string;
  warehouseId: string;
  expectedDate?: string;
  urgent: boolean;
  notes: string | null;
  runId?: string | null;
  lines: CreateInput['lines'];
}

/**
 * Creates a draft purchase order. Refuses (nothing written) an archived product, a product
 * twice, a line the vendor has no price for (unless the buyer gives one), a quantity below
 * the vendor's minimum or not in its order multiple.
 */
export async function createPurchaseOrder(ctx: CommandContext, input: PoDraft): Promise<string> {
  const vendor = await requireVendor(ctx.db, input.vendorId);
  if (vendor.active !== 1) throw new DomainError('BUSINESS_RULE', `Vendor ${vendor.name} is archived`, { fields: [{ path: 'vendorId', message: 'Archived vendor' }] });
  const wh = await ctx.db.selectFrom('warehouse').select(['id', 'code', 'active']).where('id', '=', input.warehouseId).executeTakeFirst();
  if (!wh) throw new DomainError('VALIDATION', 'Warehouse: no such warehouse', { fields: [{ path: 'warehouseId', message: 'No such warehouse' }] });
  if (wh.active !== 1) throw new DomainError('BUSINESS_RULE', `Warehouse ${wh.code} is not active`, { fields: [{ path: 'warehouseId', message: 'Not active' }] });
  const productIds = input.lines.map((l) => l.productId);
  const products = new Map((await ctx.db.selectFrom('product').select(['id', 'sku', 'active']).where('id', 'in', productIds).execute()).map((p) => [p.id, p]));
  const inspected = await inspectedProducts(ctx.db, productIds);
  const seen = new Set<string>();
  const today = ctx.now.slice(0, 10);
  const moq = Number(vendor.min_order_qty);
  const multiple = Number(vendor.order_multiple);
  const priced: { productId: string; quantity: number; price: number; weight: number; reason: string | null; inspect: boolean }[] = [];
  for (const [i, line] of input.lines.entries()) {
    const field = (f: string, message: string) => ({ fields: [{ path: `lines.${i}.${f}`, message }] });
    const p = products.get(line.productId);
    if (!p) throw new DomainError('VALIDATION', `Line ${i + 1}: no such product`, field('productId', 'No such product'));
    if (p.active !== 1) throw new DomainError('BUSINESS_RULE', `Line ${i + 1}: ${p.sku} is archived and cannot be bought`, field('productId', 'Archived product'));
    if (seen.has(p.id)) throw new DomainError('VALIDATION', `Line ${i + 1}: ${p.sku} is already on this order; put the whole quantity on one line`, field('productId', 'Already on the order'));
    seen.add(p.id);
    if (line.quantity < moq) throw new DomainError('BUSINESS_RULE', `Line ${i + 1} (${p.sku}): ${line.quantity} is below ${vendor.name}'s minimum order quantity of ${moq}`, field('quantity', `At least ${moq}`));
    if (line.quantity % multiple !== 0) {
      const down = Math.floor(line.quantity / multiple) * multiple;
      throw new DomainError('BUSINESS_RULE', `Line ${i + 1} (${p.sku}): ${vendor.name} sells in multiples of ${multiple}; order ${down > 0 ? `${down} or ` : ''}${down + multiple}, not ${line.quantity}`, field('quantity', `A multiple of ${multiple}`));
    }
    let price = line.unitPriceMinor;
    if (price === undefined) {
      const found = await findVendorPrice(ctx.db, { vendorId: vendor.id, productId: p.id, quantity: line.quantity, date: today });
      if (!found) throw new DomainError('BUSINESS_RULE', `Line ${i + 1} (${p.sku}): ${vendor.name} has no price for this product on ${today}; add one to the vendor's pricelist or enter the price`, field('unitPriceMinor', 'No vendor price'));
      price = found.priceMinor;
    }
    priced.push({ productId: p.id, quantity: line.quantity, price, weight: line.unitWeightG, reason: line.reason, inspect: inspected.has(p.id) });
  }
  const total = priced.reduce((s, l) => s + l.quantity * l.price, 0);
  if (!Number.isSafeInteger(total)) throw new DomainError('VALIDATION', 'The order total is too large');
  const number = await nextDocumentNumber(ctx, `${await branchCode(ctx)}-PO-${ctx.now.slice(0, 4)}-`, 5);
  const id = ctx.newId();
  await ctx.db
    .insertInto('purchase_order')
    .values({
      ...newRowMeta(ctx, id),
      number,
      state: 'draft',
      vendor_id: vendor.id,
      warehouse_id: wh.id,
      currency: vendor.currency,
      order_date: ctx.now,
      expected_date: input.expectedDate ?? addDays(ctx.now, Number(vendor.lead_time_days ?? 0)),
      urgent: input.urgent ? 1 : 0,
      total_minor: total,
      approvals_needed: 0,
      approved_by: null,
      approved2_by: null,
      sent_at: null,
      confirmed_at: null,
      vendor_reference: null,
      ship_to_partner_id: null,
      sales_order_id: null,
      run_id: input.runId ?? null,
      notes: input.notes,
      search_text: `${number} ${vendor.code} ${vendor.name}`.toLowerCase(),
    })
    .execute();
  const lineRows = priced.map((l, i) => ({
        ...newRowMeta(ctx),
        order_id: id,
        line_no: i + 1,
        product_id: l.productId,
        quantity: l.quantity,
        unit_price_minor: l.price,
        subtotal_minor: l.quantity * l.price,
        unit_weight_g: l.weight,
        qty_received: 0,
        qty_rejected: 0,
        qty_billed: 0,
        needs_inspection: l.inspect ? 1 : 0,
        reason: l.reason,
      }));
  await insertPoLines(ctx.db, lineRows);
  ctx.summarize(`Created purchase order ${number} for ${vendor.name} (${formatMinor(total)})`);
  return id;
}

export async function orderRow(db: Db | Tx, id: string) {
  const row = await db.selectFrom('purchase_order').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Purchase order');
  return row;
}

export async function setState(ctx: CommandContext, id: string, state: PoState, extra: Record<string, unknown> = {}): Promise<void> {
  await ctx.db
    .updateTable('purchase_order')
    .set((eb) => ({ state, updated_at: ctx.now, version: eb('version', '+', 1), ...extra }))
    .where('id', '=', id)
    .execute();
}

export function refuseState(number: string, state: PoState, action: string): DomainError {
  return new DomainError('BUSINESS_RULE', `${number} is ${state.replace('_', ' ')}; it cannot be ${action}`);
}

/**
 * Submitting decides how many approvals the order needs: none up to the approval threshold
 * (approved at once), one above it or when urgent, two different approvers above the
 * double-validation threshold.
 */
export async function submitOrder(ctx: CommandContext, id: string): Promise<void> {
  const po = await orderRow(ctx.db, id);
  if (po.state !== 'draft') throw refuseState(po.number, po.state, 'submitted');
  const s = await readPurchaseSettings(ctx.db);
  const total = Number(po.total_minor);
  const needed = total > s.doubleApprovalThresholdMinor ? 2 : total > s.approvalThresholdMinor || po.urgent === 1 ? 1 : 0;
  await setState(ctx, id, needed === 0 ? 'approved' : 'to_approve', { approvals_needed: needed });
  ctx.summarize(needed === 0 ? `Submitted ${po.number}: approved (within the threshold)` : `Submitted ${po.number}: waits for ${needed === 2 ? 'two approvals' : 'approval'}`);
}

export async function approveOrder(ctx: CommandContext, id: string): Promise<void> {
  const po = await orderRow(ctx.db, id);
  if (po.state !== 'to_approve') throw refuseState(po.number, po.state, 'approved');
  const who = ctx.actor.username ?? 'system';
  if (po.approvals_needed === 2 && po.approved_by) {
    if (!ctx.actor.permissions.has('purchasing.approve.double')) throw new DomainError('FORBIDDEN', `${po.number} is above the double-validation threshold: the second approval needs a finance approver`);
    if (po.approved_by === who) throw new DomainError('BUSINESS_RULE', `${po.number} needs a second approver: ${who} already approved it`);
    await setState(ctx, id, 'approved', { approved2_by: who });
    ctx.summarize(`Second approval of ${po.number} by ${who}`);
    return;
  }
  const done = po.approvals_needed <= 1;
  await setState(ctx, id, done ? 'approved' : 'to_approve', { approved_by: who });
  ctx.summarize(done ? `Approved ${po.number}` : `First approval of ${po.number} by ${who}; a second approver is needed`);
}

const openReceipts = (db: Db | Tx, number: string) =>
  db.selectFrom('transfer').select(['id', 'number', 'state']).where('origin', '=', number).where('kind', '=', 'receipt').where('state', 'in', ['draft', 'waiting', 'ready']).orderBy('created_at').execute();

export async function openReceiptsOf(db: Db | Tx, number: string) {
  return openReceipts(db, number);
}

/** After receipts: partially received while a receipt is open, received when none is. */
export async function refreshReceiptState(ctx: CommandContext, id: string): Promise<PoState> {
  const po = await orderRow(ctx.db, id);
  if (!['sent', 'confirmed', 'partially_received', 'received'].includes(po.state)) return po.state;
  const open = await openReceipts(ctx.db, po.number);
  const anyReceived = await ctx.db.selectFrom('purchase_order_line').select('id').where('order_id', '=', id).where('qty_received', '>', 0).executeTakeFirst();
  const next: PoState = open.length === 0 ? 'received' : anyReceived ? 'partially_received' : po.state;
  if (next !== po.state) await setState(ctx, id, next);
  return next;
}

/** Billed once every accepted unit (received − rejected) is billed on a bill ready to pay. */
export async function refreshBilledState(ctx: CommandContext, id: string): Promise<void> {
  const po = await orderRow(ctx.db, id);
  if (po.state !== 'received') return;
  const lines = await ctx.db.selectFrom('purchase_order_line').select(['qty_received', 'qty_rejected', 'qty_billed']).where('order_id', '=', id).execute();
  const open = await ctx.db.selectFrom('vendor_bill').select('id').where('order_id', '=', id).where('state', 'in', ['unmatched', 'held', 'credit_requested']).executeTakeFirst();
  if (!open && lines.every((l) => Number(l.qty_billed) >= Number(l.qty_received) - Number(l.qty_rejected))) await setState(ctx, id, 'billed');
}

const SORT = { number: 'o.number', orderDate: 'o.order_date', state: 'o.state', vendor: 'p.name', totalMinor: 'o.total_minor', expectedDate: 'o.expected_date' } as const;

export function orderListQuery(db: Db, input: { query: string; state?: PoState; vendorId?: string; sort: keyof typeof SORT }) {
  let q = db.selectFrom('purchase_order as o').innerJoin('partner as p', 'p.id', 'o.vendor_id').innerJoin('warehouse as w', 'w.id', 'o.warehouse_id');
  if (input.state) q = q.where('o.state', '=', input.state);
  if (input.vendorId) q = q.where('o.vendor_id', '=', input.vendorId);
  if (input.query) q = q.where('o.search_text', 'like', sql<string>`${`%${input.query.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`} ESCAPE '\\'`);
  return { q, sortColumn: SORT[input.sort] };
}

type HeaderRow = Awaited<ReturnType<typeof headerOf>>;
async function headerOf(db: Db | Tx, id: string) {
  return db
    .selectFrom('purchase_order as o')
    .innerJoin('partner as p', 'p.id', 'o.vendor_id')
    .innerJoin('warehouse as w', 'w.id', 'o.warehouse_id')
    .selectAll('o')
    .select(['p.name as vendor_name', 'w.code as warehouse_code'])
    .where('o.id', '=', id)
    .executeTakeFirst();
}

export function toOrderHeader(o: NonNullable<HeaderRow>) {
  return {
    id: o.id,
    number: o.number,
    state: o.state,
    vendorId: o.vendor_id,
    vendorName: o.vendor_name,
    warehouseId: o.warehouse_id,
    warehouseCode: o.warehouse_code,
    currency: o.currency,
    orderDate: o.order_date,
    expectedDate: o.expected_date,
    urgent: o.urgent === 1,
    totalMinor: Number(o.total_minor),
    approvalsNeeded: Number(o.approvals_needed),
    approvedBy: o.approved_by,
    approved2By: o.approved2_by,
    sentAt: o.sent_at,
    confirmedAt: o.confirmed_at,
    vendorReference: o.vendor_reference,
    shipToPartnerId: o.ship_to_partner_id,
    notes: o.notes,
  };
}

export async function loadOrder(db: Db | Tx, id: string): Promise<PurchaseOrder> {
  const o = await headerOf(db, id);
  if (!o) throw notFound('Purchase order');
  const lines = await db
    .selectFrom('purchase_order_line as l')
    .innerJoin('product as p', 'p.id', 'l.product_id')
    .selectAll('l')
    .select(['p.sku', 'p.name as product_name'])
    .where('l.order_id', '=', id)
    .orderBy('l.line_no')
    .execute();
  const open = await openReceipts(db, o.number);
  return {
    ...toOrderHeader(o),
    openReceiptIds: open.map((t) => t.id),
    acknowledgement: await latestAcknowledgement(db, id),
    lines: lines.map((l) => ({
      id: l.id,
      lineNo: l.line_no,
      productId: l.product_id,
      sku: l.sku,
      productName: l.product_name,
      quantity: Number(l.quantity),
      unitPriceMinor: Number(l.unit_price_minor),
      subtotalMinor: Number(l.subtotal_minor),
      unitWeightG: Number(l.unit_weight_g),
      qtyReceived: Number(l.qty_received),
      qtyRejected: Number(l.qty_rejected),
      qtyBilled: Number(l.qty_billed),
      needsInspection: l.needs_inspection === 1,
      reason: l.reason,
    })),
  };
}

/** Adds a line to a draft order (a reviewed proposal joining its run's order); the total follows. */
export async function appendLine(ctx: CommandContext, orderId: string, l: { productId: string; quantity: number; unitPriceMinor: number; reason: string | null }): Promise<void> {
  const po = await orderRow(ctx.db, orderId);
  if (po.state !== 'draft') throw refuseState(po.number, po.state, 'changed');
  const last = await ctx.db.selectFrom('purchase_order_line').select((eb) => eb.fn.max<number>('line_no').as('n')).where('order_id', '=', orderId).executeTakeFirstOrThrow();
  const inspected = await inspectedProducts(ctx.db, [l.productId]);
  const subtotal = l.quantity * l.unitPriceMinor;
  await insertPoLines(ctx.db, [
    {
      ...newRowMeta(ctx),
      order_id: orderId,
      line_no: Number(last.n ?? 0) + 1,
      product_id: l.productId,
      quantity: l.quantity,
      unit_price_minor: l.unitPriceMinor,
      subtotal_minor: subtotal,
      unit_weight_g: 0,
      qty_received: 0,
      qty_rejected: 0,
      qty_billed: 0,
      needs_inspection: inspected.has(l.productId) ? 1 : 0,
      reason: l.reason,
    },
  ]);
  await ctx.db
    .updateTable('purchase_order')
    .set((eb) => ({ total_minor: eb('total_minor', '+', subtotal), updated_at: ctx.now, version: eb('version', '+', 1) }))
    .where('id', '=', orderId)
    .execute();
}
