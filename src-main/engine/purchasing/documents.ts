import { X12Interchange } from 'node-x12';
import { pricedLineColumns, renderSalesDocumentPdf } from '../documents/sales-document-pdf';
import type { PdfOptions } from '../documents/pdf-style';
import type { Db, Tx } from '../platform/db';
import { vendorBillTaxes } from '../finance/auto';
import { formatMinor } from '../pricing/money';
import { billAccountingFacts, loadBill } from './bills';
import { loadOrder } from './orders';
import { vendorRow } from './vendors';

/**
 * The purchase order as the vendor receives it: a PDF in the shared document layout, and for
 * EDI vendors an ASC X12 850 built with node-x12 (the library the imports domain reads inbound
 * 850s with), so what we send parses with the same rules as what we receive.
 */

async function letterhead(db: Db | Tx) {
  const company = await db.selectFrom('company').select(['name']).executeTakeFirst();
  const branch = await db.selectFrom('branch').select(['code', 'name']).orderBy('created_at').executeTakeFirst();
  return { companyName: company?.name ?? 'Branchline', branchLine: branch ? `Branch ${branch.code} ${branch.name}` : '' };
}

export async function purchaseOrderPdf(db: Db | Tx, orderId: string, options: PdfOptions = {}): Promise<{ filename: string; buffer: Buffer }> {
  const po = await loadOrder(db, orderId);
  const vendor = await vendorRow(db, po.vendorId);
  const wh = await db.selectFrom('warehouse').select(['code', 'name', 'region']).where('id', '=', po.warehouseId).executeTakeFirstOrThrow();
  const head = await letterhead(db);
  const title = po.state === 'draft' || po.state === 'to_approve' ? 'Purchase order (draft)' : 'Purchase order';
  const buffer = await renderSalesDocumentPdf(
    {
      title,
      number: po.number,
      ...head,
      parties: [
        { heading: 'Vendor', lines: [vendor?.name ?? po.vendorName, vendor?.code ?? '', vendor?.email ?? '', vendor?.phone ?? ''].filter(Boolean) },
        { heading: 'Deliver to', lines: [`${wh.name} (${wh.code})`, wh.region] },
      ],
      fields: [
        ['Order date', po.orderDate.slice(0, 10)],
        ['Expected', po.expectedDate.slice(0, 10)],
        ['Currency', po.currency],
        ['Payment terms', `${vendor?.payment_terms_days ?? 30} days`],
        ...(po.urgent ? ([['Priority', 'URGENT']] as [string, string][]) : []),
      ],
      columns: pricedLineColumns({ lineNo: 5, product: 42, quantity: 10, amount: 14 }),
      rows: po.lines.map((l) => [String(l.lineNo), l.sku, l.productName, String(l.quantity), formatMinor(l.unitPriceMinor), formatMinor(l.subtotalMinor)]),
      totals: [['Total', `${formatMinor(po.totalMinor)} ${po.currency}`]],
      note: po.notes,
      printedAt: new Date().toISOString(),
    },
    options,
  );
  return { filename: `${po.number}.pdf`, buffer };
}

const BILL_STATE_LABEL: Record<string, string> = { unmatched: 'Not matched yet', held: 'Held (match differences)', ready_to_pay: 'Ready to pay', credit_requested: 'Credit requested', cancelled: 'Cancelled' };

/**
 * A vendor bill as a printable PDF, laid out like the customer invoice: the vendor, references
 * (vendor's number, PO, dates, match state), the billed lines with their tax rate, and the
 * totals — untaxed, input tax per rate, total — from finance's `vendorBillTaxes`, the same
 * figures the bill's journal entry posts (the bill row itself keeps the untaxed total).
 */
export async function vendorBillPdf(db: Db | Tx, billId: string, options: PdfOptions & { printedAt?: string } = {}): Promise<{ filename: string; buffer: Buffer }> {
  const bill = await loadBill(db, billId);
  const vendor = await vendorRow(db, bill.vendorId);
  const taxes = await vendorBillTaxes({ db }, await billAccountingFacts(db, billId));
  const head = await letterhead(db);
  const names = new Map(
    (bill.lines.length ? await db.selectFrom('product').select(['id', 'name']).where('id', 'in', [...new Set(bill.lines.map((l) => l.productId))]).execute() : []).map((p) => [p.id, p.name]),
  );
  const cur = bill.currency;
  const pct = (bp: number) => `${(bp / 100).toFixed(2).replace(/\.?0+$/, '')} %`;
  const buffer = await renderSalesDocumentPdf(
    {
      title: 'Vendor bill',
      number: bill.number,
      ...head,
      parties: [{ heading: 'Vendor', lines: [vendor?.name ?? bill.vendorName, vendor?.code ?? '', vendor?.email ?? '', vendor?.phone ?? ''].filter(Boolean) }],
      fields: [
        ['Vendor reference', bill.vendorReference],
        ['Purchase order', bill.orderNumber],
        ['Bill date', bill.billDate.slice(0, 10)],
        ['Due date', bill.dueDate.slice(0, 10)],
        ['Currency', cur],
        ['State', BILL_STATE_LABEL[bill.state] ?? bill.state],
      ],
      columns: pricedLineColumns({ lineNo: 5, product: 34, quantity: 9, tax: 9, amount: 14 }),
      rows: bill.lines.map((l, i) => [String(l.lineNo), l.sku, names.get(l.productId) ?? '', String(l.quantity), formatMinor(l.unitPriceMinor), pct(taxes.lines[i]!.rateBp), formatMinor(l.subtotalMinor)]),
      totals: [
        ['Untaxed', `${formatMinor(taxes.untaxedMinor)} ${cur}`],
        ...taxes.byRate.map((r): [string, string] => [`Tax ${pct(r.rateBp)} on ${formatMinor(r.baseMinor)}`, `${formatMinor(r.taxMinor)} ${cur}`]),
        ['Total', `${formatMinor(taxes.totalMinor)} ${cur}`],
      ],
      note: bill.holdReasons.length ? `Held: ${bill.holdReasons.join('; ')}` : null,
      printedAt: options.printedAt ?? new Date().toISOString(),
    },
    options,
  );
  return { filename: `${bill.number}.pdf`, buffer };
}

/** Minor units as an X12 decimal (R type), exactly: 1234 → "12.34". */
const decimal = (minor: number) => `${minor < 0 ? '-' : ''}${Math.floor(Math.abs(minor) / 100)}.${String(Math.abs(minor) % 100).padStart(2, '0')}`;
const pad = (s: string, n: number) => s.slice(0, n).padEnd(n, ' ');
const ymd = (iso: string) => iso.slice(0, 10).replaceAll('-', '');

/** An X12 850 (version 004010) for one order: BEG, DTM (delivery requested), PO1 per line, CTT. */
export async function purchaseOrder850(db: Db | Tx, orderId: string, senderId: string): Promise<{ filename: string; text: string }> {
  const po = await loadOrder(db, orderId);
  const vendor = await vendorRow(db, po.vendorId);
  if (!vendor?.edi_enabled || !vendor.edi_id) throw new Error(`${po.vendorName} does not take EDI orders`);
  // The control number comes from the order's own sequence, so a resend carries the same one.
  const control = String(Number(/(\d+)$/.exec(po.number)?.[1] ?? '1')).padStart(9, '0');
  const at = new Date(po.sentAt ?? po.orderDate);
  const date = at.toISOString().slice(0, 10).replaceAll('-', '');
  const time = at.toISOString().slice(11, 16).replace(':', '');
  const i = new X12Interchange({ elementDelimiter: '*', segmentTerminator: '~', subElementDelimiter: '>' } as never);
  i.setHeader(['00', pad('', 10), '00', pad('', 10), 'ZZ', pad(senderId, 15), 'ZZ', pad(vendor.edi_id, 15), date.slice(2), time, 'U', '00401', control, '0', 'P', '>']);
  const g = i.addFunctionalGroup();
  g.setHeader(['PO', senderId, vendor.edi_id, date, time, String(Number(control)), 'X', '004010']);
  const t = g.addTransaction();
  t.setHeader(['850', control.slice(-4)]);
  t.addSegment('BEG', ['00', 'SA', po.number, '', ymd(po.orderDate)]);
  t.addSegment('CUR', ['BY', po.currency]);
  t.addSegment('DTM', ['002', ymd(po.expectedDate)]);
  for (const l of po.lines) t.addSegment('PO1', [String(l.lineNo), String(l.quantity), 'EA', decimal(l.unitPriceMinor), '', 'VP', l.sku]);
  t.addSegment('CTT', [String(po.lines.length)]);
  return { filename: `${po.number}.x12`, text: i.toString() };
}
