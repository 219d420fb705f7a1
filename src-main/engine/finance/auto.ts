import type { Db, Tx } from '../platform/db';
import type { CommandContext } from '../platform/context';
import { nextDocumentNumber, branchCode } from '../platform/series';
import { preparedQuery } from '../platform/prepared';
import { financeSession, postEntry, todayOf, type PostingLine } from './ledger';
import { insertOrDefer, preparedInsertMany } from '../platform/batch';
import { percentOf } from '../pricing/money';
import { applyTaxRounding, taxPolicyFor } from './tax';

const invoiceForPosting = preparedQuery<
  { id: string },
  { id: string; number: string; partner_id: string; invoice_date: string; total_minor: number; customer_class: string | null; channel_code: string | null; warehouse_id: string | null }
>(['id'], (db, p) =>
  db
    .selectFrom('invoice as i')
    .innerJoin('partner as p', 'p.id', 'i.partner_id')
    .leftJoin('sales_order as o', 'o.id', 'i.order_id')
    .select(['i.id', 'i.number', 'i.partner_id', 'i.invoice_date', 'i.total_minor', 'p.customer_class', 'o.channel_code', 'o.warehouse_id'])
    .where('i.id', '=', p.id),
);
const invoiceLinesForPosting = preparedQuery<{ id: string }, { product_id: string | null; description: string; subtotal_minor: number; tax_minor: number; tax_rate_bp: number }>(['id'], (db, p) =>
  db.selectFrom('invoice_line').select(['product_id', 'description', 'subtotal_minor', 'tax_minor', 'tax_rate_bp']).where('invoice_id', '=', p.id).orderBy('line_no'),
);

/**
 * Automatic postings, called by the commands that make the source documents, inside their
 * transaction — so a document without its entry (or the reverse) cannot exist:
 *  - customer invoice: Dr receivable (total) / Cr revenue (each line's subtotal) / Cr output tax (per rate);
 *    an invoice paid when placed also gets its payment (Dr bank / Cr receivable);
 *  - stock moves entering or leaving owned stock (perpetual valuation): receipt Dr stock / Cr GRNI,
 *    delivery Dr COGS / Cr stock, customer return the reverse, count differences and scrap
 *    against inventory loss / scrap, return to vendor Dr GRNI / Cr stock.
 */

/** A signed amount on its natural side: negative amounts (credit notes) go to the other side. */
const side = (natural: 'debit' | 'credit', amount: number): { debit?: number; credit?: number } =>
  amount >= 0 ? { [natural]: amount } : { [natural === 'debit' ? 'credit' : 'debit']: -amount };

/** What posting an invoice reads: given by a caller that has just written it (an order invoiced as it is released), read otherwise. */
export interface InvoiceToPost {
  invoice: { id: string; number: string; partner_id: string; invoice_date: string; total_minor: number; customer_class: string | null; channel_code: string | null; warehouse_id: string | null };
  lines: { product_id: string | null; description: string; subtotal_minor: number; tax_minor: number; tax_rate_bp: number }[];
}

/**
 * Posts a customer invoice (or credit note: an invoice row with negative amounts) just written
 * by sales (`sales/invoices.ts`). Credit notes go to the sales-returns account.
 */
export async function postCustomerInvoice(ctx: CommandContext, invoiceId: string, opts: { paid: boolean }, written?: InvoiceToPost): Promise<string | null> {
  const known = written?.invoice.id === invoiceId ? written : null;
  const inv = known ? known.invoice : await invoiceForPosting.first(ctx.db, { id: invoiceId });
  if (!inv) throw new Error(`invoice ${invoiceId} to post was not found`);
  const lines = known ? known.lines : await invoiceLinesForPosting.rows(ctx.db, { id: invoiceId });
  const total = Number(inv.total_minor);
  const credit = total < 0;
  const dims = { partnerId: inv.partner_id, channelCode: inv.channel_code ?? null, customerClass: inv.customer_class ?? null, warehouseId: inv.warehouse_id ?? null };
  const posting: PostingLine[] = [{ account: 'receivable', ...side('debit', total), label: inv.number, ...dims }];
  const taxByRate = new Map<number, { tax: number; base: number }>();
  for (const l of lines) {
    const base = Number(l.subtotal_minor);
    posting.push({ account: credit ? 'sales_returns' : 'revenue', ...side('credit', base), label: l.description, productId: l.product_id, taxRateBp: l.tax_rate_bp, taxBaseMinor: base, ...dims });
    const t = taxByRate.get(l.tax_rate_bp) ?? { tax: 0, base: 0 };
    t.tax += Number(l.tax_minor);
    t.base += base;
    taxByRate.set(l.tax_rate_bp, t);
  }
  // A zero-rate tax line posts nothing; the tax report reads bases from the revenue lines.
  for (const [rate, t] of taxByRate) posting.push({ account: 'tax_out', ...side('credit', t.tax), label: `Output tax ${rate / 100}%`, taxRateBp: rate, ...dims });
  const entryId = await postEntry(ctx, { journal: 'sales', date: inv.invoice_date, memo: `${credit ? 'Credit note' : 'Invoice'} ${inv.number}`, sourceKind: 'invoice', sourceId: inv.id, sourceNumber: inv.number, lines: posting });
  // An invoice given as written (a fresh order's) has its payment read by nothing of the command: under deferRows it waits for the chunk's end.
  if (opts.paid && total !== 0) await recordCapturedPayment(ctx, inv.id, inv.number, inv.partner_id, total, inv.invoice_date, !!known);
  return entryId;
}

/** An invoice settled when placed (payment captured by the channel), or a credit note refunded at once: a payment fully allocated to it. */
async function recordCapturedPayment(ctx: CommandContext, invoiceId: string, invoiceNumber: string, partnerId: string, amount: number, date: string, mayWait = false): Promise<void> {
  const number = await nextDocumentNumber(ctx, `${await branchCode(ctx)}-PAY-${date.slice(0, 4)}-`);
  const paymentId = ctx.newId();
  const entryId = await postEntry(ctx, {
    journal: 'bank',
    date,
    memo: amount > 0 ? `Payment ${number} captured with ${invoiceNumber}` : `Refund ${number} of ${invoiceNumber}`,
    sourceKind: 'payment',
    sourceId: paymentId,
    sourceNumber: number,
    lines: [
      { account: 'bank', ...side('debit', amount), partnerId },
      { account: 'receivable', ...side('credit', amount), partnerId, label: invoiceNumber },
    ],
  });
  const owner = mayWait ? invoiceId : null;
  await insertOrDefer(ctx, insertPayment, 'payment', [
    { id: paymentId, branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, number, direction: amount > 0 ? 'in' : 'out', partner_id: partnerId, journal_id: (await journalIdOf(ctx, 'bank'))!, date, amount_minor: Math.abs(amount), allocated_minor: Math.abs(amount), reference: invoiceNumber, entry_id: entryId!, statement_line_id: null },
  ], owner);
  await insertOrDefer(ctx, insertAllocation, 'payment_allocation', [{ id: ctx.newId(), branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, payment_id: paymentId, invoice_id: invoiceId, amount_minor: Math.abs(amount) }], owner);
}

// Compiled once: every order paid when placed (an import's marketplace orders) records one of each.
const insertPayment = preparedInsertMany<'payment', Record<string, unknown>>('payment', [
  'id', 'branch_id', 'created_at', 'updated_at', 'version', 'number', 'direction', 'partner_id', 'journal_id', 'date', 'amount_minor', 'allocated_minor', 'reference', 'entry_id', 'statement_line_id',
]);
const insertAllocation = preparedInsertMany<'payment_allocation', Record<string, unknown>>('payment_allocation', ['id', 'branch_id', 'created_at', 'updated_at', 'version', 'payment_id', 'invoice_id', 'amount_minor']);

async function journalIdOf(ctx: CommandContext, kind: string): Promise<string | undefined> {
  return (await financeSession(ctx)).journals.get(kind)?.id;
}

/** One stock move as the inventory ledger valued it. */
export interface ValuedMove {
  productId: string;
  /** Signed change of the company's stock value (+ entering owned stock, − leaving). */
  valueMinor: number;
  fromUsage: string;
  toUsage: string;
  fromWarehouseId: string | null;
  toWarehouseId: string | null;
  transferId: string | null;
  reference: string;
}

const OWNED = new Set(['internal', 'transit']);

/** The account on the other side of the stock account, by the virtual location the stock came from or went to. */
function counterpartRole(usage: string): string {
  switch (usage) {
    case 'vendor':
      return 'grni';
    case 'customer':
      return 'cogs';
    case 'scrap':
      return 'scrap';
    default:
      return 'inventory_loss';
  }
}

/**
 * Perpetual valuation: one stock entry for the moves of one `postMoves` call, lines summed
 * per (account, warehouse, channel, customer class) — as Business Central posts inventory
 * cost "per posting group". The product detail is the stock ledger's (every move carries its
 * value; stock accounts tie out to it in total, `stockTieOut`): a 100-line receipt posts two
 * journal lines, not two hundred. Deliveries carry the order's channel and the customer's
 * class so channel margin can be read from the ledger.
 */
export async function postStockValuation(ctx: CommandContext, moves: ValuedMove[]): Promise<string | null> {
  const valued = moves.filter((m) => m.valueMinor !== 0 && OWNED.has(m.fromUsage) !== OWNED.has(m.toUsage));
  if (valued.length === 0) return null;
  const salesDims = new Map<string, { channel_code: string; customer_class: string | null } | null>();
  for (const m of valued) {
    if (m.transferId && (m.toUsage === 'customer' || m.fromUsage === 'customer') && !salesDims.has(m.transferId)) {
      const row = await ctx.db
        .selectFrom('transfer as t')
        .innerJoin('sales_order as o', (j) => j.onRef('o.number', '=', 't.origin'))
        .innerJoin('partner as p', 'p.id', 'o.partner_id')
        .select(['o.channel_code', 'p.customer_class'])
        .where('t.id', '=', m.transferId)
        .executeTakeFirst();
      salesDims.set(m.transferId, row ?? null);
    }
  }
  // Summed per key into plain literals (no spreads: a 100-line receipt adds 200 lines here).
  const lines = new Map<string, PostingLine & { debit: number; credit: number }>();
  const add = (side: 'debit' | 'credit', account: string, amount: number, warehouseId: string | null, channelCode: string | null, customerClass: string | null) => {
    const key = `${side}|${account}|${warehouseId}|${channelCode}|${customerClass}`;
    let l = lines.get(key);
    if (!l) {
      l = { account, debit: 0, credit: 0, warehouseId, channelCode, customerClass };
      lines.set(key, l);
    }
    l[side] += amount;
  };
  for (const m of valued) {
    const entering = OWNED.has(m.toUsage);
    const amount = Math.abs(m.valueMinor);
    // A negative value entering (or positive leaving) flips the sides.
    const stockSide = (m.valueMinor > 0) === entering ? (entering ? 'debit' : 'credit') : entering ? 'credit' : 'debit';
    const other = stockSide === 'debit' ? 'credit' : 'debit';
    const sd = m.transferId ? salesDims.get(m.transferId) : null;
    const warehouseId = entering ? m.toWarehouseId : m.fromWarehouseId;
    add(stockSide, 'stock', amount, warehouseId, null, null);
    add(other, counterpartRole(entering ? m.fromUsage : m.toUsage), amount, warehouseId, sd?.channel_code ?? null, sd?.customer_class ?? null);
  }
  const first = valued[0]!;
  return postEntry(ctx, {
    journal: 'stock',
    date: todayOf(ctx),
    memo: `Stock valuation ${first.reference}${valued.length > 1 ? ` (${valued.length} moves)` : ''}`,
    sourceKind: 'stock',
    sourceId: first.transferId,
    sourceNumber: first.reference,
    lines: [...lines.values()],
  });
}

/**
 * A vendor bill's input tax, as its journal entry posts it and its PDF shows it: each line's
 * product rate after the vendor's fiscal position, on the billed amount (purchasing prices bills
 * excluding tax), rounded per the company's rule. Per line and per rate (base, tax), and the
 * untaxed / tax / total of the bill.
 */
export async function vendorBillTaxes(ctx: { db: Db | Tx }, facts: { vendorId: string; lines: { productId: string; totalMinor: number }[] }) {
  const taxes = await taxPolicyFor(ctx, facts.vendorId, 'purchase');
  const ids = [...new Set(facts.lines.map((l) => l.productId))];
  const productRates = new Map((ids.length ? await ctx.db.selectFrom('product').select(['id', 'tax_rate_bp']).where('id', 'in', ids).execute() : []).map((p) => [p.id, p.tax_rate_bp ?? 0]));
  const taxCodes: string[] = [];
  const lines = facts.lines.map((l) => {
    const rate = taxes.resolve(productRates.get(l.productId) ?? 0);
    taxCodes.push(rate.code);
    const tax = percentOf(l.totalMinor, rate.rateBp);
    return { rateBp: rate.rateBp, taxCode: rate.code, subtotal_minor: l.totalMinor, tax_minor: tax, total_minor: l.totalMinor + tax };
  });
  applyTaxRounding(lines, taxCodes, taxes);
  const byRate = new Map<number, { rateBp: number; baseMinor: number; taxMinor: number }>();
  for (const l of lines) {
    const t = byRate.get(l.rateBp) ?? { rateBp: l.rateBp, baseMinor: 0, taxMinor: 0 };
    t.taxMinor += l.tax_minor;
    t.baseMinor += l.subtotal_minor;
    byRate.set(l.rateBp, t);
  }
  const untaxedMinor = lines.reduce((s, l) => s + l.subtotal_minor, 0);
  const taxMinor = lines.reduce((s, l) => s + l.tax_minor, 0);
  return { lines, byRate: [...byRate.values()], untaxedMinor, taxMinor, totalMinor: untaxedMinor + taxMinor };
}

/**
 * Posts a vendor bill once it is ready to pay (matched, or a held one approved) — purchasing
 * calls this after it records, re-matches or approves a bill; a bill already posted is left
 * alone. Dr GRNI (PO price × billed quantity: clears the receipt's accrual), Dr/Cr price
 * difference (bill price − PO price), Dr input tax per rate (the product's rate after the
 * vendor's fiscal position, on the billed amount, rounded per the company's rule), Cr payable
 * (the bill total + input tax), from purchasing's `billAccountingFacts`.
 */
export async function postVendorBill(ctx: CommandContext, billId: string): Promise<string | null> {
  const { billAccountingFacts } = await import('../purchasing/bills');
  const facts = await billAccountingFacts(ctx.db, billId);
  if (!facts.postable) return null;
  const done = await ctx.db.selectFrom('journal_entry').select('id').where('source_id', '=', billId).where('source_kind', '=', 'bill').executeTakeFirst();
  if (done) return null;
  const vendor = { partnerId: facts.vendorId };
  const lines: PostingLine[] = [];
  for (const l of facts.lines) {
    lines.push({ account: 'grni', ...side('debit', l.grniClearedMinor), productId: l.productId, ...vendor });
    if (l.priceDifferenceMinor !== 0) lines.push({ account: 'price_difference', ...side('debit', l.priceDifferenceMinor), productId: l.productId, ...vendor });
  }
  // Input tax: each line's product rate (after the vendor's fiscal position) on the billed amount, the company's rounding.
  const inputTax = new Map((await vendorBillTaxes(ctx, facts)).byRate.map((r) => [r.rateBp, { tax: r.taxMinor, base: r.baseMinor }]));
  let taxTotal = 0;
  for (const [rate, t] of inputTax) {
    if (t.tax === 0) continue;
    taxTotal += t.tax;
    lines.push({ account: 'tax_in', ...side('debit', t.tax), label: `Input tax ${rate / 100}%`, taxRateBp: rate, taxBaseMinor: t.base, ...vendor });
  }
  lines.push({ account: 'payable', ...side('credit', facts.totalMinor + taxTotal), label: facts.number, ...vendor });
  return postEntry(ctx, { journal: 'purchase', date: facts.billDate, memo: `Vendor bill ${facts.number}`, sourceKind: 'bill', sourceId: billId, sourceNumber: facts.number, lines });
}
