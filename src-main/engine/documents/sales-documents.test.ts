import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryContext } from '../platform/context';
import { salesFixture } from '../sales/fixtures';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';
import { renderSalesDocumentPdf, type SalesDocData } from './sales-document-pdf';
import { invoiceDocData, orderConfirmationDocData, packingSlipDocData } from './sales-documents';

/** The page count a PDF declares in its page tree. */
function pageCount(pdf: Buffer): number {
  const counts = [...pdf.toString('latin1').matchAll(/\/Type \/Pages\b[^>]*?\/Count (\d+)|\/Count (\d+)[^>]*?\/Type \/Pages\b/g)].map((m) => Number(m[1] ?? m[2]));
  expect(counts.length).toBeGreaterThan(0);
  return Math.max(...counts);
}

/** The text runs of an uncompressed PDF (pdfkit writes each as hex strings inside a TJ array). */
function textOf(pdf: Buffer): string[] {
  return [...pdf.toString('latin1').matchAll(/\[((?:<[0-9a-fA-F]*>\s*-?[\d.]*\s*)+)\]\s*TJ/g)].map((m) =>
    [...m[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1]!, 'hex').toString('latin1')).join(''),
  );
}

describe.each(DIALECTS)('printed sales documents on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let ctx: QueryContext;
  let orderId = '';
  let orderNumber = '';
  let invoiceId = '';
  let invoiceNumber = '';
  let deliveryId = '';
  let deliveryNumber = '';

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    ctx = { db: t.database.db, install: { clientId: 'x', branchId: null, appVersion: 'test' }, actor: { username: 'admin' } } as unknown as QueryContext;
    const f = await salesFixture(t.engine, as);
    const drill = await f.stocked(5);
    const saw = await f.stocked(10);
    const c = await f.customer({
      name: 'Acme Builders',
      legalName: 'Acme Builders LLC',
      taxId: 'US-12-3456789',
      creditLimitMinor: null,
      taxRateBp: 825,
      paymentTermsDays: 45,
      addresses: [
        { kind: 'bill_to', line1: '1 Ledger Street', city: 'Springfield', postalCode: '11111', isDefault: true },
        { kind: 'ship_to', label: 'Yard', line1: '99 Dock Road', city: 'Shelbyville', postalCode: '22222', region: 'North', isDefault: true },
      ],
    });
    const order = await t.engine.run('sales.order.create', { customerId: c.id, customerPo: 'PO-ACME-9', lines: [{ productId: drill.id, quantity: 8 }, { productId: saw.id, quantity: 2, discountBp: 500 }], confirm: true }, as);
    orderId = order.id;
    orderNumber = order.number;
    await f.ship(order.id);
    const flows = (await t.engine.run('inventory.transfer.list', { query: order.number, limit: 20 }, as)).rows.filter((r) => r.origin === order.number && r.state === 'done');
    deliveryId = flows[0]!.id;
    deliveryNumber = flows[0]!.number;
    const inv = await t.engine.run('sales.invoice.create', { orderId: order.id }, as);
    invoiceId = inv.id;
    invoiceNumber = inv.number;
  });
  afterAll(async () => t.dispose());

  it('invoice: parties, references, the shipped lines with tax, totals and due date, one page', async () => {
    const data = await invoiceDocData(ctx, invoiceId, '2026-11-30T08:00:00.000Z');
    const pdf = await renderSalesDocumentPdf(data, { compress: false });
    const text = textOf(pdf);
    const all = text.join('\n');
    expect(pageCount(pdf)).toBe(1);
    for (const s of ['Invoice', invoiceNumber, 'Acme Builders LLC', 'Tax id US-12-3456789', '1 Ledger Street', '99 Dock Road', 'PO-ACME-9', orderNumber, '45 days', 'Page 1 of 1']) expect(all).toContain(s);
    const inv = await t.engine.run('sales.invoice.get', { id: invoiceId }, as);
    // 5 drills shipped (of 8), 2 saws at 5 % off; tax 8.25 %.
    expect(inv.lines.map((l) => l.quantity)).toEqual([5, 2]);
    expect(text).toContain('5');
    expect(text).toContain('8.25 %');
    expect(all).toContain(`USD ${(inv.totalMinor / 100).toFixed(2)}`);
    expect(all).toContain(inv.dueDate);
  });

  it('packing slip: ship-to, order and PO, each line shipped, sign-off', async () => {
    const pdf = await renderSalesDocumentPdf(await packingSlipDocData(ctx, deliveryId, '2026-11-30T08:00:00.000Z'), { compress: false });
    const all = textOf(pdf).join('\n');
    expect(pageCount(pdf)).toBe(1);
    for (const s of ['Packing slip', deliveryNumber, '99 Dock Road', 'Shelbyville', orderNumber, 'PO-ACME-9', 'Warehouse WH1', 'Received by (name, date)', 'SHIPPED']) expect(all).toContain(s);
    expect(all).not.toContain('1 Ledger Street');
  });

  it('order confirmation: every ordered line, promised date, totals; the API returns it as a named PDF', async () => {
    const data = await orderConfirmationDocData(ctx, orderId, '2026-11-30T08:00:00.000Z');
    const all = textOf(await renderSalesDocumentPdf(data, { compress: false })).join('\n');
    const order = await t.engine.run('sales.order.get', { id: orderId }, as);
    for (const s of ['Order confirmation', orderNumber, order.lines[0]!.sku, '8 EA', '2 EA', '5 %', order.promisedDate!.slice(0, 10), `USD ${(order.totalMinor / 100).toFixed(2)}`]) expect(all).toContain(s);
    const doc = await t.engine.run('documents.orderConfirmation', { orderId }, as);
    expect(doc.filename).toBe(`order-confirmation-${orderNumber}.pdf`);
    const bytes = Buffer.from(doc.base64, 'base64');
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pageCount(bytes)).toBe(1);
    const inv = await t.engine.run('documents.invoice', { invoiceId }, as);
    expect(inv.filename).toBe(`invoice-${invoiceNumber}.pdf`);
    const slip = await t.engine.run('documents.packingSlip', { transferId: deliveryId }, as);
    expect(slip.filename).toBe(`packing-slip-${deliveryNumber}.pdf`);
  });

  it('refuses a packing slip for a receipt, with a clear message', async () => {
    const rec = (await t.engine.run('inventory.transfer.list', { kind: 'receipt', limit: 1 }, as)).rows[0]!;
    await expect(t.engine.run('documents.packingSlip', { transferId: rec.id }, as)).rejects.toThrow(/not a delivery to a customer/);
  });

  it('a long document breaks over pages, repeating the table header and numbering every page', async () => {
    const data: SalesDocData = {
      title: 'Invoice',
      number: 'B01-INV-2026-000042',
      companyName: 'Northwind',
      branchLine: 'Branch B01 Head Office',
      parties: [{ heading: 'Bill to', lines: ['Someone'] }],
      fields: [['Invoice date', '2026-11-30']],
      columns: [
        { label: 'SKU', width: 20, mono: true },
        { label: 'Description', width: 60 },
        { label: 'Amount', width: 20, align: 'right' },
      ],
      rows: Array.from({ length: 150 }, (_, i) => [`SKU-${1000 + i}`, i % 9 === 0 ? 'A description long enough to wrap onto a second line of the description column, to test row heights' : `Item ${i}`, '1.00']),
      totals: [['Total', 'USD 150.00']],
      printedAt: '2026-11-30T08:00:00.000Z',
    };
    const pdf = await renderSalesDocumentPdf(data, { compress: false });
    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThanOrEqual(3);
    const text = textOf(pdf);
    for (let p = 1; p <= pages; p++) expect(text).toContain(`Page ${p} of ${pages}`);
    expect(text.filter((s) => s === 'DESCRIPTION')).toHaveLength(pages);
    expect(text).toContain('SKU-1149');
    expect(text).toContain('USD 150.00');
  });
});
