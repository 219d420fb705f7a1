import type { Address } from '../../../src-shared/contract/partners';
import type { z } from 'zod';
import { loadTransfer } from '../inventory/transfers-read';
import { loadCustomer } from '../partners/customers';
import { defineHandlers, type QueryContext } from '../platform/context';
import { DomainError } from '../platform/errors';
import { formatBp, formatMinor } from '../pricing/money';
import { loadInvoice } from '../sales/invoices';
import { loadOrder } from '../sales/orders';
import { pricedLineColumns, renderSalesDocumentPdf, type SalesDocData } from './sales-document-pdf';

/**
 * The printed sales documents, built from what the engine already knows: the invoice (lines,
 * taxes, due date), the packing slip of a delivery (what leaves in this parcel, for the order
 * and its ship-to), and the order confirmation (what was ordered, at which price, promised when).
 */

type Ctx = Pick<QueryContext, 'db' | 'install'>;
type AddressOut = z.infer<typeof Address>;

/** Standard PDF fonts speak WinAnsi: the typographic minus becomes a hyphen. */
const money = (minor: number, currency: string) => formatMinor(minor, currency).replace('−', '-');
const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '—');
const units = (n: number) => n.toLocaleString('en-US');

async function letterhead(ctx: Ctx): Promise<{ companyName: string; branchLine: string }> {
  let q = ctx.db.selectFrom('branch as b').innerJoin('company as c', 'c.id', 'b.company_id').select(['b.code', 'b.name', 'c.name as company_name']);
  if (ctx.install.branchId) q = q.where('b.id', '=', ctx.install.branchId);
  const b = await q.orderBy('b.created_at').executeTakeFirst();
  return { companyName: b?.company_name ?? 'Branchline', branchLine: b ? `Branch ${b.code} ${b.name}` : '' };
}

function addressLines(a: AddressOut | undefined): string[] {
  if (!a) return [];
  return [a.line1, a.line2 ?? '', [a.postalCode, a.city].filter(Boolean).join(' '), [a.region, a.country].filter(Boolean).join(', ')].filter(Boolean);
}

async function parties(ctx: Ctx, customerId: string, shipToId: string | null) {
  const c = await loadCustomer(ctx.db, customerId);
  const bill = c.addresses.find((a) => a.kind === 'bill_to' && a.isDefault) ?? c.addresses.find((a) => a.kind === 'bill_to');
  const ship = (shipToId ? c.addresses.find((a) => a.id === shipToId) : undefined) ?? c.addresses.find((a) => a.kind === 'ship_to' && a.isDefault) ?? c.addresses.find((a) => a.kind === 'ship_to') ?? bill;
  const head = [c.legalName ?? c.name, `Customer ${c.code}`, c.taxId ? `Tax id ${c.taxId}` : ''];
  return { customer: c, bill: [...head, ...addressLines(bill)], ship: [c.name, ...addressLines(ship)] };
}

export async function invoiceDocData(ctx: Ctx, invoiceId: string, now = new Date().toISOString()): Promise<SalesDocData> {
  const inv = await loadInvoice(ctx.db, invoiceId);
  const order = inv.orderId ? await loadOrder(ctx.db, inv.orderId, { reserved: false }) : null;
  const p = await parties(ctx, inv.customerId, order?.shipToAddressId ?? null);
  const cur = inv.currency;
  return {
    ...(await letterhead(ctx)),
    title: 'Invoice',
    number: inv.number,
    parties: [
      { heading: 'Bill to', lines: p.bill },
      { heading: 'Ship to', lines: p.ship },
    ],
    fields: [
      ['Invoice date', day(inv.invoiceDate)],
      ['Due date', day(inv.dueDate)],
      ['Order', inv.orderNumber ?? '—'],
      ['Customer PO', order?.customerPo ?? '—'],
      ['Payment terms', `${p.customer.paymentTermsDays} days`],
      ['Currency', cur],
      ['State', inv.state],
    ],
    columns: pricedLineColumns({ lineNo: 4, product: 26, quantity: 7, discount: 7, tax: 7, amount: 13 }, 'Description'),
    rows: inv.lines.map((l) => [String(l.lineNo), l.sku ?? '', l.description, units(l.quantity), money(l.unitPriceMinor, ''), l.discountBp ? formatBp(l.discountBp) : '', formatBp(l.taxRateBp), money(l.subtotalMinor, '')]),
    totals: [
      ['Subtotal', money(inv.untaxedMinor, cur)],
      ['Tax', money(inv.taxMinor, cur)],
      ...(inv.paidMinor ? ([['Paid', money(inv.paidMinor, cur)]] as [string, string][]) : []),
      [inv.paidMinor ? 'Amount due' : 'Total', money(inv.paidMinor ? inv.openMinor : inv.totalMinor, cur)],
    ],
    note: inv.state === 'paid' ? 'Paid in full. Thank you.' : `Please pay ${money(inv.openMinor, cur)} by ${day(inv.dueDate)}, quoting ${inv.number}.`,
    printedAt: now,
  };
}

export async function orderConfirmationDocData(ctx: Ctx, orderId: string, now = new Date().toISOString()): Promise<SalesDocData> {
  const o = await loadOrder(ctx.db, orderId, { reserved: false });
  if (o.state === 'draft' || o.state === 'cancelled') {
    // A draft prints as a quotation; only a cancelled order has nothing to confirm.
    if (o.state === 'cancelled') throw new DomainError('BUSINESS_RULE', `${o.number} is cancelled; there is nothing to confirm`);
  }
  const p = await parties(ctx, o.customerId, o.shipToAddressId);
  const cur = o.currency;
  return {
    ...(await letterhead(ctx)),
    title: o.state === 'draft' ? 'Quotation' : 'Order confirmation',
    number: o.number,
    parties: [
      { heading: 'Customer', lines: p.bill },
      { heading: 'Ship to', lines: p.ship },
    ],
    fields: [
      ['Order date', day(o.orderDate)],
      ['Customer PO', o.customerPo ?? '—'],
      ['Requested', day(o.requestedDate)],
      ['Promised', day(o.promisedDate)],
      ['Channel', o.channelCode],
      ['Ships from', o.warehouseCode ?? 'to be routed'],
      ['Payment terms', `${p.customer.paymentTermsDays} days`],
      ['State', o.state.replace(/_/g, ' ')],
    ],
    columns: pricedLineColumns({ lineNo: 4, product: 26, quantity: 9, discount: 7, amount: 13 }),
    rows: o.lines.map((l) => [String(l.lineNo), l.sku, l.productName, `${units(l.uomQuantity)} ${l.uomCode}`, money(l.unitPriceMinor, ''), l.discountBp ? formatBp(l.discountBp) : '', money(l.subtotalMinor, '')]),
    totals: [
      ['Subtotal', money(o.untaxedMinor, cur)],
      ['Tax', money(o.taxMinor, cur)],
      ['Total', money(o.totalMinor, cur)],
    ],
    note: o.notes,
    printedAt: now,
  };
}

export async function packingSlipDocData(ctx: Ctx, transferId: string, now = new Date().toISOString()): Promise<SalesDocData> {
  const t = await loadTransfer(ctx.db, transferId);
  if (!t.partnerId || !['delivery', 'pack', 'pick'].includes(t.kind)) throw new DomainError('BUSINESS_RULE', `${t.number} is not a delivery to a customer; a packing slip is printed for deliveries`);
  const order = t.origin ? await ctx.db.selectFrom('sales_order').select(['id', 'customer_po', 'ship_to_address_id']).where('number', '=', t.origin).where('partner_id', '=', t.partnerId).executeTakeFirst() : undefined;
  const p = await parties(ctx, t.partnerId, order?.ship_to_address_id ?? null);
  const shipped = t.state === 'done';
  const lines = t.lines.filter((l) => l.state !== 'cancelled');
  return {
    ...(await letterhead(ctx)),
    title: 'Packing slip',
    number: t.number,
    parties: [
      { heading: 'Ship to', lines: p.ship },
      { heading: 'Ship from', lines: [`Warehouse ${t.warehouseCode}`] },
    ],
    fields: [
      ['Order', t.origin ?? '—'],
      ['Customer PO', order?.customer_po ?? '—'],
      ['Carrier', t.carrier ?? '—'],
      [shipped ? 'Shipped' : 'Scheduled', day(shipped ? t.doneAt : t.scheduledDate)],
      ['Promised', day(t.promisedDate)],
      ['Lines', String(lines.length)],
    ],
    columns: [
      { label: '#', width: 4, align: 'right' },
      { label: 'SKU', width: 14, mono: true },
      { label: 'Product', width: 36 },
      { label: 'Barcode', width: 16, mono: true },
      { label: 'Ordered', width: 8, align: 'right' },
      { label: shipped ? 'Shipped' : 'To ship', width: 8, align: 'right' },
      { label: 'Unit', width: 6 },
    ],
    rows: lines.map((l) => [String(l.lineNo), l.sku, l.productName, l.barcode ?? '', units(l.quantity), units(shipped ? l.quantityDone : l.quantity), l.uomCode]),
    totals: [['Units', units(lines.reduce((s, l) => s + (shipped ? l.quantityDone : l.quantity), 0))]],
    note: t.backorderOfId ? 'This parcel completes a backorder.' : null,
    signatures: ['Packed by', 'Received by (name, date)'],
    printedAt: now,
  };
}

const pdf = async (filename: string, data: SalesDocData) => ({ filename, contentType: 'application/pdf' as const, base64: (await renderSalesDocumentPdf(data)).toString('base64') });

export const salesDocumentsHandlers = defineHandlers({
  'documents.invoice': async (ctx, input) => {
    const d = await invoiceDocData(ctx, input.invoiceId);
    return pdf(`invoice-${d.number}.pdf`, d);
  },
  'documents.orderConfirmation': async (ctx, input) => {
    const d = await orderConfirmationDocData(ctx, input.orderId);
    return pdf(`${d.title === 'Quotation' ? 'quotation' : 'order-confirmation'}-${d.number}.pdf`, d);
  },
  'documents.packingSlip': async (ctx, input) => {
    const d = await packingSlipDocData(ctx, input.transferId);
    return pdf(`packing-slip-${d.number}.pdf`, d);
  },
});
