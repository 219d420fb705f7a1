import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vendorBillPdf } from '../purchasing/documents';
import { purchasingFixture } from '../purchasing/fixtures';
import { createTestEngine, type TestEngine } from '../testing/databases';

/** The text runs of an uncompressed PDF (pdfkit writes each as hex strings inside a TJ array). */
function textOf(pdf: Buffer): string {
  return [...pdf.toString('latin1').matchAll(/\[((?:<[0-9a-fA-F]*>\s*-?[\d.]*\s*)+)\]\s*TJ/g)]
    .map((m) => [...m[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1]!, 'hex').toString('latin1')).join(''))
    .join('\n');
}

/** The vendor bill document shows untaxed, input tax per rate and total, as the bill's journal entry posts them. */
describe('vendor bill document (sqlite)', () => {
  let t: TestEngine;
  let as: { userId: string };

  beforeAll(async () => {
    t = await createTestEngine('sqlite');
    as = { userId: t.adminId };
  });
  afterAll(async () => t.dispose());

  it('lists each line’s rate, the input tax per rate and the taxed total; equal to the posted entry', async () => {
    const db = t.database.db;
    const pf = await purchasingFixture(t.engine, as, { code: 'WHB' });
    const v = await pf.vendor();
    const a = await pf.bought(v.id, 1000);
    const b = await pf.bought(v.id, 333);
    await db.updateTable('product').set({ tax_rate_bp: 2000 }).where('id', '=', a.id).execute();
    await db.updateTable('product').set({ tax_rate_bp: 1000 }).where('id', '=', b.id).execute();
    const po = await pf.sentOrder({ vendorId: v.id, warehouseId: pf.wh.id, lines: [{ productId: a.id, quantity: 10 }, { productId: b.id, quantity: 3 }] });
    await t.engine.run('purchasing.po.receive', { id: po.id, lines: po.lines.map((l) => ({ lineId: l.id, quantity: l.quantity })) }, as);
    const bill = await t.engine.run('purchasing.bill.create', { orderId: po.id, vendorReference: 'V-INV-77', billDate: new Date().toISOString().slice(0, 10), lines: po.lines.map((l) => ({ orderLineId: l.id, quantity: l.quantity, unitPriceMinor: l.unitPriceMinor })) }, as);
    expect(bill.totalMinor).toBe(10_000 + 999);

    const text = textOf((await vendorBillPdf(db, bill.id, { compress: false, printedAt: '2026-11-30T08:00:00.000Z' })).buffer);
    for (const s of ['Vendor bill', bill.number, 'V-INV-77', po.number, '20 %', '10 %']) expect(text).toContain(s);
    // Untaxed 109.99; tax 20 % on 100.00 = 20.00, 10 % on 9.99 = 1.00 (0.999 rounded); total 130.99.
    expect(text).toContain('Untaxed');
    expect(text).toContain('109.99 USD');
    expect(text).toMatch(/Tax 20 % on 100\.00\n20\.00 USD/);
    expect(text).toMatch(/Tax 10 % on 9\.99\n1\.00 USD/);
    expect(text).toMatch(/Total\n130\.99 USD/);

    // The same figures as the bill's journal entry: payable = the document's total.
    const [entry] = (await t.engine.run('finance.entry.list', { sourceKind: 'bill', query: bill.number }, as)).rows;
    const e = await t.engine.run('finance.entry.get', { id: entry!.id }, as);
    expect(e.lines.filter((l) => l.accountCode === '2000').reduce((s, l) => s + l.creditMinor - l.debitMinor, 0)).toBe(13_099);

    // Through the contract: a PDF, and a clear refusal for an unknown bill.
    const viaRpc = await t.engine.run('purchasing.bill.pdf', { id: bill.id }, as);
    expect(Buffer.from(viaRpc.base64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    await expect(t.engine.run('purchasing.bill.pdf', { id: '01900000-0000-7000-8000-999999999999' }, as)).rejects.toThrow(/Bill was not found/);
  });
});
