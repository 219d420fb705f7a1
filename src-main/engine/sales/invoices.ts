import { sql } from 'kysely';
import type { z } from 'zod';
import type { Invoice, InvoiceSummary, SalesOrder } from '../../../src-shared/contract/sales';
import { newRowMeta, type CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import { branchCode, nextDocumentNumber } from '../platform/series';
import type { LinePrice } from '../pricing/money';
import { postCustomerInvoice } from '../finance/auto';
import { applyTaxRounding, taxDocumentLines, taxedAmountsBetween, taxPolicyFor } from '../finance/tax';
import type { InvoiceLineTable, SalesOrderLineTable } from './schema';
import { compileRows, deferredRow, inChunks, insertOrDefer, preparedInsertMany, type RowsStatement } from '../platform/batch';
import { salesTaxPolicyOf } from './session';

/**
 * Invoices. An order is invoiced on order (prepaid: everything ordered, at confirmation) or
 * on delivery (what was delivered and not yet invoiced). A line's invoiced amounts are the
 * differences of its amount function at cumulative quantities (pricing/money.ts), so the
 * invoices of an order add up to exactly what the order says; an invoice's totals are the
 * sums of its lines. Numbers come from the branch's yearly series in the same transaction
 * (`B01-INV-2026-000001`), so they are gapless.
 */

const DAY_MS = 86_400_000;

const orderForInvoice = preparedQuery<
  { id: string },
  { id: string; number: string; partner_id: string; currency: string; payment_terms_days: number; invoice_policy: 'on_order' | 'on_delivery'; invoiced_minor: number; version: number }
>(['id'], (db, p) => db.selectFrom('sales_order').select(['id', 'number', 'partner_id', 'currency', 'payment_terms_days', 'invoice_policy', 'invoiced_minor', 'version']).where('id', '=', p.id));

const linesForInvoice = preparedQuery<
  { orderId: string },
  { id: string; product_id: string; sku: string; name: string; quantity: number; qty_delivered: number; qty_cancelled: number; qty_invoiced: number; unit_price_minor: number; discount_bp: number; tax_rate_bp: number }
>(['orderId'], (db, p) =>
  db
    .selectFrom('sales_order_line as l')
    .innerJoin('product as p', 'p.id', 'l.product_id')
    .select(['l.id', 'l.product_id', 'p.sku', 'p.name', 'l.quantity', 'l.qty_delivered', 'l.qty_cancelled', 'l.qty_invoiced', 'l.unit_price_minor', 'l.discount_bp', 'l.tax_rate_bp'])
    .where('l.order_id', '=', p.orderId)
    .orderBy('l.line_no'),
);

/**
 * `UPDATE sales_order_line … FROM (VALUES …)`: the invoiced quantity of `size` lines in one
 * statement (an invoice's lines, whatever their number). The cast types the VALUES column for
 * PostgreSQL.
 */
const setInvoicedStatements = new Map<number, RowsStatement<{ id: string; invoiced: number }, { now: string }>>();
function setInvoiced(size: number): RowsStatement<{ id: string; invoiced: number }, { now: string }> {
  let st = setInvoicedStatements.get(size);
  if (!st) {
    st = compileRows<{ id: string; invoiced: number }, { now: string }>(size, ['id', 'invoiced'], ['now'], (db, rows, p) => {
      const values = rows.map((r) => sql`(${r.id}, CAST(${r.invoiced} AS bigint))`);
      const query = sql`UPDATE sales_order_line SET qty_invoiced = v.column2, updated_at = ${p.now} FROM (VALUES ${sql.join(values)}) AS v WHERE sales_order_line.id = v.column1`;
      return { compile: () => query.compile(db) };
    });
    setInvoicedStatements.set(size, st);
  }
  return st;
}

const setOrderInvoiced = preparedQuery<{ id: string; invoiced: number; now: string }, never>(['id', 'invoiced', 'now'], (db, p) =>
  db.updateTable('sales_order').set({ invoiced_minor: p.invoiced, updated_at: p.now }).where('id', '=', p.id),
);
const INVOICE_COLUMNS = ['id', 'branch_id', 'created_at', 'updated_at', 'version', 'number', 'state', 'partner_id', 'order_id', 'currency', 'invoice_date', 'due_date', 'untaxed_minor', 'tax_minor', 'total_minor', 'paid_minor'] as const;
const INVOICE_LINE_COLUMNS = ['id', 'branch_id', 'created_at', 'updated_at', 'version', 'invoice_id', 'line_no', 'order_line_id', 'product_id', 'description', 'quantity', 'unit_price_minor', 'discount_bp', 'subtotal_minor', 'tax_rate_bp', 'tax_minor', 'total_minor'] as const satisfies readonly (keyof InvoiceLineTable)[];
const insertInvoiceRow = preparedInsertMany<'invoice', Record<(typeof INVOICE_COLUMNS)[number], unknown>>('invoice', INVOICE_COLUMNS);
const insertInvoiceLines = preparedInsertMany<'invoice_line', InvoiceLineTable & Record<string, unknown>>('invoice_line', INVOICE_LINE_COLUMNS);

/**
 * An order this command has just written and released (an import chunk's, sales/README.md):
 * invoiced from what was written, without reading the order and its lines back.
 */
export interface FreshOrder {
  order: SalesOrder;
  paymentTermsDays: number;
  /** The warehouse release routed it to (the order object predates the routing). */
  warehouseId: string;
}

type LineToInvoice = { id: string; product_id: string; sku: string; name: string; quantity: number; qty_delivered: number; qty_cancelled: number; qty_invoiced: number; unit_price_minor: number; discount_bp: number; tax_rate_bp: number };

/**
 * Invoices what an order has to invoice now (see above); `paid` settles it at once (an order
 * paid when placed). Returns the new invoice's id, or null when there is nothing to invoice.
 * Call syncDeliveries first for orders invoiced on delivery.
 */
export async function invoiceOrder(ctx: CommandContext, orderId: string, opts: { paid: boolean; fresh?: FreshOrder }): Promise<string | null> {
  const made = await writeInvoice(ctx, orderId, opts);
  if (!made) return null;
  await setOrderInvoiced.execute(ctx.db, { id: orderId, invoiced: made.invoicedMinor, now: ctx.now });
  return made.id;
}

/**
 * invoiceOrder without writing the order's new invoiced amount, which it returns: the release
 * of a fresh order writes it with the order's other columns (one update of the order row).
 */
export async function writeInvoice(ctx: CommandContext, orderId: string, opts: { paid: boolean; fresh?: FreshOrder }): Promise<{ id: string; invoicedMinor: number } | null> {
  const fresh = opts.fresh && opts.fresh.order.id === orderId ? opts.fresh : null;
  const o = fresh
    ? { id: fresh.order.id, number: fresh.order.number, partner_id: fresh.order.customerId, currency: fresh.order.currency, payment_terms_days: fresh.paymentTermsDays, invoice_policy: fresh.order.invoicePolicy, invoiced_minor: fresh.order.invoicedMinor }
    : await orderForInvoice.first(ctx.db, { id: orderId });
  if (!o) throw notFound('Sales order');
  const lines: LineToInvoice[] = fresh
    ? fresh.order.lines.map((l) => ({ id: l.id, product_id: l.productId, sku: l.sku, name: l.productName, quantity: l.quantity, qty_delivered: l.delivered, qty_cancelled: l.cancelled, qty_invoiced: l.invoiced, unit_price_minor: l.unitPriceMinor, discount_bp: l.discountBp, tax_rate_bp: l.taxRateBp }))
    : await linesForInvoice.rows(ctx.db, { orderId });
  const rows: Omit<InvoiceLineTable, 'invoice_id' | 'line_no'>[] = [];
  const updates: { id: string; invoiced: number }[] = [];
  const toInvoice: { l: LineToInvoice; price: LinePrice; from: number; to: number }[] = [];
  for (const l of lines) {
    const already = Number(l.qty_invoiced);
    const target = o.invoice_policy === 'on_order' ? Number(l.quantity) - Number(l.qty_cancelled) : Number(l.qty_delivered);
    if (target - already <= 0) continue;
    toInvoice.push({ l, price: { unitPriceMinor: Number(l.unit_price_minor), discountBp: l.discount_bp, taxRateBp: l.tax_rate_bp }, from: already, to: target });
  }
  if (toInvoice.length === 0) return null;
  // Finance's tax rules (the customer's fiscal position, prices with or without tax, the
  // company's rounding) through the function the order's own amounts came from.
  const taxed = taxDocumentLines(await salesTaxPolicyOf(ctx, o.partner_id), toInvoice);
  for (const [i, { l, price, from, to }] of toInvoice.entries()) {
    const a = taxed[i]!;
    // The row's meta spread last (sales/orders.ts insertLines: a leading spread is slow on Node 20).
    rows.push({
      order_line_id: l.id,
      product_id: l.product_id,
      description: `${l.sku} ${l.name}`,
      quantity: to - from,
      unit_price_minor: price.unitPriceMinor,
      discount_bp: price.discountBp,
      subtotal_minor: a.subtotal_minor,
      tax_rate_bp: a.rate.rateBp,
      tax_minor: a.tax_minor,
      total_minor: a.total_minor,
      ...newRowMeta(ctx),
    });
    updates.push({ id: l.id, invoiced: to });
  }
  let untaxed = 0;
  let tax = 0;
  for (const r of rows) {
    untaxed += r.subtotal_minor;
    tax += r.tax_minor;
  }
  const total = untaxed + tax;
  const number = await nextDocumentNumber(ctx, `${await branchCode(ctx)}-INV-${ctx.now.slice(0, 4)}-`);
  const id = ctx.newId();
  const invoiceDate = ctx.now.slice(0, 10);
  // A fresh order's invoice is read back by nothing of its command (its posting is given what was written): under deferRows it waits for the chunk's end.
  const owner = fresh ? o.id : null;
  await insertOrDefer(ctx, insertInvoiceRow, 'invoice', [
    {
      number,
      state: opts.paid ? 'paid' : 'open',
      partner_id: o.partner_id,
      order_id: o.id,
      currency: o.currency,
      invoice_date: invoiceDate,
      due_date: new Date(Date.parse(invoiceDate) + o.payment_terms_days * DAY_MS).toISOString().slice(0, 10),
      untaxed_minor: untaxed,
      tax_minor: tax,
      total_minor: total,
      paid_minor: opts.paid ? total : 0,
      ...newRowMeta(ctx, id),
    },
  ], owner);
  await insertOrDefer(ctx, insertInvoiceLines, 'invoice_line', rows.map((r, i) => ({ invoice_id: id, line_no: i + 1, ...r })) as (InvoiceLineTable & Record<string, unknown>)[], owner);
  // Order lines still waiting to be written (deferRows) are marked invoiced in place.
  const written = updates.filter((u) => {
    const waiting = fresh ? deferredRow<SalesOrderLineTable & Record<string, unknown>>(ctx, 'sales_order_line', u.id) : undefined;
    if (waiting) Object.assign(waiting, { qty_invoiced: u.invoiced, updated_at: ctx.now });
    return !waiting;
  });
  await inChunks(written, (size, chunk) => setInvoiced(size).execute(ctx.db, chunk, { now: ctx.now }).then(() => undefined));
  // Finance: the invoice's journal entry (and captured payment) in the same transaction; a
  // fresh order's invoice from what was just written.
  const posted = fresh
    ? {
        invoice: { id, number, partner_id: o.partner_id, invoice_date: invoiceDate, total_minor: total, customer_class: fresh.order.customerClass, channel_code: fresh.order.channelCode, warehouse_id: fresh.warehouseId },
        lines: rows,
      }
    : undefined;
  await postCustomerInvoice(ctx, id, opts, posted);
  return { id, invoicedMinor: Number(o.invoiced_minor) + total };
}

function invoiceQuery(db: Db | Tx) {
  return db
    .selectFrom('invoice as i')
    .innerJoin('partner as p', 'p.id', 'i.partner_id')
    .leftJoin('sales_order as o', 'o.id', 'i.order_id')
    .select((eb) => [
      'i.id',
      'i.number',
      'i.state',
      'i.partner_id',
      'p.name as customer_name',
      'i.order_id',
      'o.number as order_number',
      'i.currency',
      'i.invoice_date',
      'i.due_date',
      'i.untaxed_minor',
      'i.tax_minor',
      'i.total_minor',
      'i.paid_minor',
      'i.created_at',
      eb.selectFrom('invoice_line as x').select((e) => e.fn.countAll<number>().as('n')).whereRef('x.invoice_id', '=', 'i.id').as('line_count'),
    ]);
}

type InvoiceRow = Awaited<ReturnType<ReturnType<typeof invoiceQuery>['executeTakeFirstOrThrow']>>;

export function toInvoiceSummary(r: InvoiceRow): z.infer<typeof InvoiceSummary> {
  return {
    id: r.id,
    number: r.number,
    state: r.state,
    customerId: r.partner_id,
    customerName: r.customer_name,
    orderId: r.order_id,
    orderNumber: r.order_number,
    currency: r.currency,
    invoiceDate: r.invoice_date,
    dueDate: r.due_date,
    untaxedMinor: Number(r.untaxed_minor),
    taxMinor: Number(r.tax_minor),
    totalMinor: Number(r.total_minor),
    paidMinor: Number(r.paid_minor),
    openMinor: r.state === 'cancelled' ? 0 : Number(r.total_minor) - Number(r.paid_minor),
    createdAt: r.created_at,
    lineCount: Number(r.line_count ?? 0),
  };
}

export async function loadInvoice(db: Db | Tx, id: string): Promise<Invoice> {
  const r = await invoiceQuery(db).where('i.id', '=', id).executeTakeFirst();
  if (!r) throw notFound('Invoice');
  const lines = await db
    .selectFrom('invoice_line as l')
    .leftJoin('product as p', 'p.id', 'l.product_id')
    .select(['l.id', 'l.line_no', 'l.order_line_id', 'l.product_id', 'p.sku', 'l.description', 'l.quantity', 'l.unit_price_minor', 'l.discount_bp', 'l.subtotal_minor', 'l.tax_rate_bp', 'l.tax_minor', 'l.total_minor'])
    .where('l.invoice_id', '=', id)
    .orderBy('l.line_no')
    .execute();
  const { lineCount: _n, ...summary } = toInvoiceSummary(r);
  return {
    ...summary,
    lines: lines.map((l) => ({
      id: l.id,
      lineNo: l.line_no,
      orderLineId: l.order_line_id,
      productId: l.product_id,
      sku: l.sku,
      description: l.description,
      quantity: Number(l.quantity),
      unitPriceMinor: Number(l.unit_price_minor),
      discountBp: l.discount_bp,
      subtotalMinor: Number(l.subtotal_minor),
      taxRateBp: l.tax_rate_bp,
      taxMinor: Number(l.tax_minor),
      totalMinor: Number(l.total_minor),
    })),
  };
}

export { invoiceQuery };

/**
 * A credit note: an invoice row flagged `is_credit_note` with negative quantities and amounts,
 * crediting returned units of an order's lines. Each line's amounts are differences of its
 * amount function at cumulative credited quantities (like invoices), so crediting everything
 * invoiced gives back exactly what was invoiced. Only invoiced units can be credited. `settled`
 * records the money as paid back (a refund against the original payment); otherwise the
 * credit stays open for the customer. Numbers come from the invoice series. Returns its id.
 */
export async function createCreditNote(
  ctx: CommandContext,
  input: { orderId: string; lines: { orderLineId: string; quantity: number }[]; reason: string; settled: boolean },
): Promise<string> {
  const o = await orderForInvoice.first(ctx.db, { id: input.orderId });
  if (!o) throw notFound('Sales order');
  const lines = new Map((await linesForInvoice.rows(ctx.db, { orderId: o.id })).map((l) => [l.id, l]));
  const credited = await ctx.db
    .selectFrom('invoice_line as l')
    .innerJoin('invoice as i', 'i.id', 'l.invoice_id')
    .select(['l.order_line_id', (eb) => eb.fn.sum<number>('l.quantity').as('q')])
    .where('i.order_id', '=', o.id)
    .where('i.is_credit_note', '=', 1)
    .groupBy('l.order_line_id')
    .execute();
  const creditedOf = new Map(credited.map((c) => [c.order_line_id, -Number(c.q)]));
  const rows: Omit<InvoiceLineTable, 'invoice_id' | 'line_no'>[] = [];
  const taxes = await taxPolicyFor(ctx, o.partner_id, 'sales');
  const taxCodes: string[] = [];
  for (const [i, want] of input.lines.entries()) {
    const l = lines.get(want.orderLineId);
    if (!l) throw new DomainError('VALIDATION', `Line ${i + 1}: not a line of order ${o.number}`, { fields: [{ path: `lines.${i}.orderLineId`, message: 'Not a line of this order' }] });
    const done = creditedOf.get(l.id) ?? 0;
    const open = Number(l.qty_invoiced) - done;
    if (want.quantity > open) {
      throw new DomainError('BUSINESS_RULE', `Line ${i + 1} (${l.sku}): only ${open} invoiced unit(s) can still be credited (invoiced ${Number(l.qty_invoiced)}, credited ${done})`, {
        fields: [{ path: `lines.${i}.quantity`, message: `At most ${open}` }],
      });
    }
    const price = { unitPriceMinor: Number(l.unit_price_minor), discountBp: l.discount_bp, taxRateBp: l.tax_rate_bp };
    const rate = taxes.resolve(l.tax_rate_bp);
    const a = taxedAmountsBetween(price, done, done + want.quantity, rate);
    taxCodes.push(rate.code);
    creditedOf.set(l.id, done + want.quantity);
    rows.push({
      ...newRowMeta(ctx),
      order_line_id: l.id,
      product_id: l.product_id,
      description: `${l.sku} ${l.name}`,
      quantity: -want.quantity,
      unit_price_minor: price.unitPriceMinor,
      discount_bp: price.discountBp,
      subtotal_minor: -a.subtotalMinor,
      tax_rate_bp: rate.rateBp,
      tax_minor: -a.taxMinor,
      total_minor: -a.totalMinor,
    });
  }
  if (rows.length === 0) throw new DomainError('VALIDATION', 'A credit note needs at least one line');
  applyTaxRounding(rows, taxCodes, taxes);
  const untaxed = rows.reduce((s, r) => s + r.subtotal_minor, 0);
  const tax = rows.reduce((s, r) => s + r.tax_minor, 0);
  const total = untaxed + tax;
  const last = await ctx.db.selectFrom('invoice').select('id').where('order_id', '=', o.id).where('is_credit_note', '=', 0).orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
  const id = ctx.newId();
  const date = ctx.now.slice(0, 10);
  await ctx.db
    .insertInto('invoice')
    .values({
      ...newRowMeta(ctx, id),
      number: await nextDocumentNumber(ctx, `${await branchCode(ctx)}-INV-${ctx.now.slice(0, 4)}-`),
      state: input.settled ? 'paid' : 'open',
      partner_id: o.partner_id,
      order_id: o.id,
      currency: o.currency,
      invoice_date: date,
      due_date: date,
      untaxed_minor: untaxed,
      tax_minor: tax,
      total_minor: total,
      paid_minor: input.settled ? total : 0,
      is_credit_note: 1,
      credited_invoice_id: last?.id ?? null,
      credit_reason: input.reason,
    })
    .execute();
  await ctx.db.insertInto('invoice_line').values(rows.map((r, i) => ({ ...r, invoice_id: id, line_no: i + 1 }))).execute();
  await postCustomerInvoice(ctx, id, { paid: input.settled }); // finance: the credit note's entry (and refund)
  return id;
}
