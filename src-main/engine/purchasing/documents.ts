import { X12Interchange } from 'node-x12';
import { renderSalesDocumentPdf } from '../documents/sales-document-pdf';
import type { PdfOptions } from '../documents/pick-list-pdf';
import type { Db, Tx } from '../platform/db';
import { formatMinor } from '../pricing/money';
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
      columns: [
        { label: '#', width: 0.05, align: 'right' },
        { label: 'SKU', width: 0.17, mono: true },
        { label: 'Product', width: 0.42 },
        { label: 'Qty', width: 0.1, align: 'right' },
        { label: 'Unit price', width: 0.12, align: 'right' },
        { label: 'Amount', width: 0.14, align: 'right' },
      ],
      rows: po.lines.map((l) => [String(l.lineNo), l.sku, l.productName, String(l.quantity), formatMinor(l.unitPriceMinor), formatMinor(l.subtotalMinor)]),
      totals: [['Total', `${formatMinor(po.totalMinor)} ${po.currency}`]],
      note: po.notes,
      printedAt: new Date().toISOString(),
    },
    options,
  );
  return { filename: `${po.number}.pdf`, buffer };
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
