import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEngine, DIALECTS, refusal, type TestEngine } from '../testing/databases';
import { X12Parser, type X12Interchange } from 'node-x12';
import { billAccountingFacts } from './bills';
import { purchaseOrderPdf } from './documents';
import { purchasingFixture } from './fixtures';

/** The text runs of an uncompressed PDF (pdfkit writes each as hex strings inside a TJ array). */
function textOf(pdf: Buffer): string[] {
  return [...pdf.toString('latin1').matchAll(/\[((?:<[0-9a-fA-F]*>\s*-?[\d.]*\s*)+)\]\s*TJ/g)].map((m) =>
    [...m[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1]!, 'hex').toString('latin1')).join(''),
  );
}

describe.each(DIALECTS)('procure to pay on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let f: Awaited<ReturnType<typeof purchasingFixture>>;
  let buyer: { userId: string };
  let finance: { userId: string };

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    f = await purchasingFixture(t.engine, as);
    const b = await t.engine.run('users.create', { username: 'bea', displayName: 'Bea Buyer', password: 'buyer password 1', roles: ['buyer'] }, as);
    const fi = await t.engine.run('users.create', { username: 'finn', displayName: 'Finn Finance', password: 'finance password 1', roles: ['finance'] }, as);
    buyer = { userId: b.id };
    finance = { userId: fi.id };
  });
  afterAll(async () => t.dispose());
  const check = async () => expect((await t.engine.run('inventory.check', {}, as)).differences).toEqual([]);
  const count = async (table: 'purchase_order' | 'vendor_bill') => Number((await t.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  it('keeps vendors with terms, contacts and pricelists with quantity breaks and validity', async () => {
    const v = await f.vendor({ minOrderQty: 10, orderMultiple: 5, currency: 'eur', paymentTermsDays: 45 });
    expect(v).toMatchObject({ currency: 'EUR', minOrderQty: 10, orderMultiple: 5, paymentTermsDays: 45, leadTimeDays: 5, active: true });
    expect(v.contacts.map((c) => c.email)).toEqual(['sam@vendor.test']);
    const p = await f.bought(v.id, 500);
    await t.engine.run('purchasing.price.set', { vendorId: v.id, productId: p.id, minQuantity: 100, priceMinor: 450 }, as);
    await t.engine.run('purchasing.price.set', { vendorId: v.id, productId: p.id, minQuantity: 1, priceMinor: 300, validFrom: '2000-01-01', validTo: '2000-12-31' }, as);
    const find = (quantity: number, date?: string) => t.engine.run('purchasing.price.find', { vendorId: v.id, productId: p.id, quantity, date }, as);
    expect((await find(10)).priceMinor).toBe(500);
    expect((await find(100)).priceMinor).toBe(450);
    expect((await find(10, '2000-06-01')).priceMinor).toBe(300);
    const e = await refusal(t.engine.run('purchasing.price.set', { vendorId: v.id, productId: p.id, priceMinor: 1, validFrom: '2027-02-01', validTo: '2027-01-01' }, as));
    expect(e.code).toBe('VALIDATION');
    const list = await t.engine.run('purchasing.vendor.list', { query: v.name.slice(0, 12) }, as);
    expect(list.rows.map((r) => r.id)).toContain(v.id);
  });

  it('refuses bad orders with a clear message and writes nothing', async () => {
    const v = await f.vendor({ minOrderQty: 10, orderMultiple: 5 });
    const priced = await f.bought(v.id);
    const unpriced = await f.product();
    const archived = await f.bought(v.id);
    await t.engine.run('catalog.product.archive', { id: archived.id }, as);
    const before = await count('purchase_order');
    const create = (lines: { productId: string; quantity: number; unitPriceMinor?: number }[]) => refusal(t.engine.run('purchasing.po.create', { vendorId: v.id, warehouseId: f.wh.id, lines }, as));
    expect((await create([{ productId: priced.id, quantity: 12 }])).message).toMatch(/multiples of 5; order 10 or 15, not 12/);
    expect((await create([{ productId: priced.id, quantity: 5 }])).message).toMatch(/below .* minimum order quantity of 10/);
    expect((await create([{ productId: unpriced.id, quantity: 10 }])).message).toMatch(/has no price for this product/);
    expect((await create([{ productId: archived.id, quantity: 10 }])).message).toMatch(/archived and cannot be bought/);
    const dup = await create([{ productId: priced.id, quantity: 10 }, { productId: priced.id, quantity: 10 }]);
    expect(dup.details?.fields?.[0]?.path).toBe('lines.1.productId');
    const env = await t.engine.call('purchasing.po.create', { vendorId: v.id, warehouseId: f.wh.id, lines: [] }, as);
    expect(env.ok).toBe(false);
    expect(await count('purchase_order')).toBe(before);
    // A price given by the buyer is allowed where the vendor has none.
    const ok = await t.engine.run('purchasing.po.create', { vendorId: v.id, warehouseId: f.wh.id, lines: [{ productId: unpriced.id, quantity: 10, unitPriceMinor: 123 }] }, as);
    expect(ok.lines[0]!.unitPriceMinor).toBe(123);
  });

  it('approves by amount and role: none below the threshold, one above, two different people above the second', async () => {
    await t.engine.run('purchasing.settings.set', { approvalThresholdMinor: 10_000, doubleApprovalThresholdMinor: 100_000 }, as);
    const v = await f.vendor();
    const p = await f.bought(v.id, 100);
    const make = (quantity: number, urgent = false) => t.engine.run('purchasing.po.create', { vendorId: v.id, warehouseId: f.wh.id, urgent, lines: [{ productId: p.id, quantity }] }, buyer);
    const small = await t.engine.run('purchasing.po.submit', { id: (await make(50)).id }, buyer);
    expect(small.state).toBe('approved');
    const urgent = await t.engine.run('purchasing.po.submit', { id: (await make(50, true)).id }, buyer);
    expect(urgent).toMatchObject({ state: 'to_approve', approvalsNeeded: 1 });
    expect((await t.engine.run('purchasing.po.approve', { id: urgent.id }, buyer)).state).toBe('approved');
    const big = await t.engine.run('purchasing.po.submit', { id: (await make(2000)).id }, buyer);
    expect(big).toMatchObject({ state: 'to_approve', approvalsNeeded: 2 });
    const first = await t.engine.run('purchasing.po.approve', { id: big.id }, buyer);
    expect(first).toMatchObject({ state: 'to_approve', approvedBy: 'bea' });
    // The buyer cannot give the second approval (no double-validation right), nor can the same person twice.
    expect((await refusal(t.engine.run('purchasing.po.approve', { id: big.id }, buyer))).code).toBe('FORBIDDEN');
    const env = await t.engine.call('purchasing.po.approve', { id: big.id }, finance);
    expect(env).toMatchObject({ ok: true, value: { state: 'approved', approved2By: 'finn' } });
    // Finance cannot create orders at all.
    expect((await t.engine.call('purchasing.po.create', { vendorId: v.id, warehouseId: f.wh.id, lines: [{ productId: p.id, quantity: 1 }] }, finance)).ok).toBe(false);
    await t.engine.run('purchasing.settings.set', { approvalThresholdMinor: 500_000, doubleApprovalThresholdMinor: 5_000_000 }, as);
  });

  it('receives in parts with a backorder, within the over-receipt tolerance, and tracks vendor performance', async () => {
    const v = await f.vendor();
    const a = await f.bought(v.id, 400);
    const b = await f.bought(v.id, 250);
    const po = await f.sentOrder({ vendorId: v.id, warehouseId: f.wh.id, lines: [{ productId: a.id, quantity: 100 }, { productId: b.id, quantity: 40 }] });
    expect(po.state).toBe('sent');
    expect((await t.engine.run('inventory.availability', { productId: a.id }, as)).incoming).toBe(100);
    const [la, lb] = po.lines;
    const part = await t.engine.run('purchasing.po.receive', { id: po.id, lines: [{ lineId: la!.id, quantity: 60 }] }, as);
    expect(part.state).toBe('partially_received');
    expect(part.lines.map((l) => l.qtyReceived)).toEqual([60, 0]);
    expect(part.openReceiptIds).toHaveLength(1);
    const avail = await t.engine.run('inventory.availability', { productId: a.id }, as);
    expect(avail).toMatchObject({ onHand: 60, incoming: 40 });
    // 5 % tolerance: 105 at most for 100 ordered.
    const over = await refusal(t.engine.run('purchasing.po.receive', { id: po.id, lines: [{ lineId: la!.id, quantity: 46 }] }, as));
    expect(over.message).toMatch(/above the over-receipt tolerance of 5 % \(at most 45 more\)/);
    const done = await t.engine.run('purchasing.po.receive', { id: po.id, lines: [{ lineId: la!.id, quantity: 45 }, { lineId: lb!.id, quantity: 40 }] }, as);
    expect(done.state).toBe('received');
    expect(done.lines.map((l) => l.qtyReceived)).toEqual([105, 40]);
    expect(await t.engine.run('inventory.availability', { productId: a.id }, as)).toMatchObject({ onHand: 105, incoming: 0 });
    const vendor = await t.engine.run('purchasing.vendor.get', { id: v.id }, as);
    expect(vendor.performance).toMatchObject({ receiptLines: 3, onTimeRateBp: 10_000, fillRateBp: 10_000, observedLeadDays: 0 });
    expect((await refusal(t.engine.run('purchasing.po.receive', { id: po.id, lines: [{ lineId: lb!.id, quantity: 1 }] }, as))).message).toMatch(/is received; it cannot be received/);
    await check();
  });

  it('receives in a 3-step warehouse, carrying an over-receipt through the later steps', async () => {
    const f3 = await purchasingFixture(t.engine, as, { code: 'WH3', receptionSteps: 3 });
    const v = await f3.vendor();
    const p = await f3.bought(v.id, 400);
    const po = await f3.sentOrder({ vendorId: v.id, warehouseId: f3.wh.id, lines: [{ productId: p.id, quantity: 20 }] });
    const got = await t.engine.run('purchasing.po.receive', { id: po.id, lines: [{ lineId: po.lines[0]!.id, quantity: 21 }] }, as);
    expect(got.state).toBe('received');
    const qc = await t.engine.run('inventory.transfer.list', { query: po.number, limit: 20 }, as);
    const qcStep = qc.rows.find((r) => r.kind === 'quality')!;
    await t.engine.run('inventory.transfer.validate', { id: qcStep.id }, as);
    const put = await t.engine.run('inventory.transfer.get', { id: qcStep.linkedTransferId! }, as);
    expect(put.lines[0]!.quantity).toBe(21);
    await t.engine.run('inventory.transfer.validate', { id: put.id }, as);
    expect((await t.engine.run('inventory.stock.byProduct', { productId: p.id }, as)).rows.map((r) => [r.path, r.onHand])).toEqual([['WH3/Stock', 21]]);
    await check();
  });

  it('inspects categories that require it: passed to stock, failed to quarantine with a return to the vendor', async () => {
    const cat = await t.engine.run('catalog.category.create', { name: `Pharma ${Math.random()}` }, as);
    await t.engine.run('purchasing.categoryPolicy.set', { categoryId: cat.id, requiresInspection: true }, as);
    const v = await f.vendor();
    const p = await f.bought(v.id, 1000, { categoryId: cat.id });
    const po = await f.sentOrder({ vendorId: v.id, warehouseId: f.wh.id, lines: [{ productId: p.id, quantity: 10 }] });
    expect(po.lines[0]!.needsInspection).toBe(true);
    await t.engine.run('purchasing.po.receive', { id: po.id, lines: [{ lineId: po.lines[0]!.id, quantity: 10 }] }, as);
    const pending = await t.engine.run('purchasing.inspection.list', { orderId: po.id }, as);
    expect(pending.rows).toHaveLength(1);
    expect((await t.engine.run('inventory.stock.byProduct', { productId: p.id }, as)).rows.map((r) => [r.path, r.onHand])).toEqual([['WH1/Quality', 10]]);
    const bad = await refusal(t.engine.run('purchasing.inspection.record', { id: pending.rows[0]!.id, passed: 7, failed: 2, note: 'x' }, as));
    expect(bad.message).toMatch(/must equal the 10 unit/);
    expect((await refusal(t.engine.run('purchasing.inspection.record', { id: pending.rows[0]!.id, passed: 7, failed: 3 }, as))).message).toMatch(/Say why/);
    const rec = await t.engine.run('purchasing.inspection.record', { id: pending.rows[0]!.id, passed: 7, failed: 3, note: 'Seal broken' }, as);
    expect(rec).toMatchObject({ state: 'done', passed: 7, failed: 3 });
    const levels = (await t.engine.run('inventory.stock.byProduct', { productId: p.id }, as)).rows;
    expect(Object.fromEntries(levels.map((r) => [r.path, [r.onHand, r.reserved]]))).toEqual({ 'WH1/Stock': [7, 0], 'WH1/Returns': [3, 3] });
    const rtv = await t.engine.run('inventory.transfer.get', { id: rec.returnTransferId! }, as);
    expect(rtv).toMatchObject({ kind: 'delivery', state: 'ready', partnerId: v.id, toPath: 'Virtual/Vendors' });
    await t.engine.run('inventory.transfer.validate', { id: rtv.id }, as);
    expect((await t.engine.run('inventory.availability', { productId: p.id }, as)).onHand).toBe(7);
    expect((await t.engine.run('purchasing.po.get', { id: po.id }, as)).lines[0]).toMatchObject({ qtyReceived: 10, qtyRejected: 3 });
    await check();
  });

  it('allocates landed costs by value, weight or quantity and moves the average cost', async () => {
    const v = await f.vendor();
    const a = await f.bought(v.id, 400);
    const b = await f.bought(v.id, 100);
    const po = await f.sentOrder({ vendorId: v.id, warehouseId: f.wh.id, lines: [{ productId: a.id, quantity: 10, unitWeightG: 1000 }, { productId: b.id, quantity: 20, unitWeightG: 0 }] });
    await t.engine.run('purchasing.po.receive', { id: po.id, lines: po.lines.map((l) => ({ lineId: l.id, quantity: l.quantity })) }, as);
    // By value: 4,000 vs 2,000 → 2/3 and 1/3 of 3,000.
    const byValue = await t.engine.run('purchasing.landedCost.add', { orderId: po.id, kind: 'freight', method: 'value', amountMinor: 3000 }, as);
    expect(byValue.lines.map((l) => [l.allocatedMinor, l.capitalizedMinor])).toEqual([[2000, 2000], [1000, 1000]]);
    expect(byValue.lines.map((l) => l.averageCostMinor)).toEqual([600, 150]);
    expect(byValue).toMatchObject({ capitalizedMinor: 3000, expensedMinor: 0 });
    // By weight: only A weighs anything.
    const byWeight = await t.engine.run('purchasing.landedCost.add', { orderId: po.id, kind: 'duty', method: 'weight', amountMinor: 1001 }, as);
    expect(byWeight.lines.map((l) => l.allocatedMinor)).toEqual([1001, 0]);
    const valuation = await t.database.db.selectFrom('product_valuation').select(['quantity', 'value_minor']).where('product_id', '=', a.id).executeTakeFirstOrThrow();
    expect([Number(valuation.quantity), Number(valuation.value_minor)]).toEqual([10, 4000 + 2000 + 1001]);
    // By quantity: 10 and 20 units.
    const byQty = await t.engine.run('purchasing.landedCost.add', { orderId: po.id, kind: 'other', method: 'quantity', amountMinor: 31 }, as);
    expect(byQty.lines.map((l) => l.allocatedMinor).reduce((x, y) => x + y)).toBe(31);
    expect(byQty.lines.map((l) => l.allocatedMinor)).toEqual([10, 21]);
    await check();
  });

  it('matches bills three ways: unmatched before receipt, ready within tolerance, held outside until approved; duplicates refused', async () => {
    const v = await f.vendor();
    const a = await f.bought(v.id, 1000);
    const b = await f.bought(v.id, 2000);
    const po = await f.sentOrder({ vendorId: v.id, warehouseId: f.wh.id, lines: [{ productId: a.id, quantity: 10 }, { productId: b.id, quantity: 5 }] });
    const [la, lb] = po.lines;
    // Before any receipt the bill stays unmatched.
    const early = await t.engine.run('purchasing.bill.create', { orderId: po.id, vendorReference: 'INV-1', billDate: '2026-11-01', lines: [{ orderLineId: la!.id, quantity: 10, unitPriceMinor: 1002 }] }, buyer);
    expect(early).toMatchObject({ state: 'unmatched' });
    expect(early.lines[0]!.status).toBe('unreceived');
    const dupBefore = await count('vendor_bill');
    const dup = await refusal(t.engine.run('purchasing.bill.create', { orderId: po.id, vendorReference: 'INV-1', billDate: '2026-11-02', lines: [{ orderLineId: lb!.id, quantity: 1, unitPriceMinor: 2000 }] }, buyer));
    expect(dup).toMatchObject({ code: 'CONFLICT' });
    expect(dup.message).toMatch(/INV-1 is already recorded as/);
    expect(await count('vendor_bill')).toBe(dupBefore);
    // The receipt matches it: +0.02 × 10 = 0.20 is within 5.00 and 2 %.
    await t.engine.run('purchasing.po.receive', { id: po.id, lines: [{ lineId: la!.id, quantity: 10 }, { lineId: lb!.id, quantity: 5 }] }, as);
    const matched = await t.engine.run('purchasing.bill.get', { id: early.id }, buyer);
    expect(matched).toMatchObject({ state: 'ready_to_pay', differenceMinor: 20 });
    // 21.00 instead of 20.00 on 5 units: 5.00 is within the amount but 5 % is over 2 % → held.
    const held = await t.engine.run('purchasing.bill.create', { orderId: po.id, vendorReference: 'INV-2', billDate: '2026-11-03', lines: [{ orderLineId: lb!.id, quantity: 5, unitPriceMinor: 2100 }] }, buyer);
    expect(held).toMatchObject({ state: 'held', differenceMinor: 500 });
    expect(held.lines[0]).toMatchObject({ status: 'price', priceDifferenceMinor: 500, poPriceMinor: 2000 });
    expect(held.holdReasons[0]).toMatch(/price differs from the order by 5\.00/);
    // Billing more than was received is held on quantity.
    const facts = await billAccountingFacts(t.database.db, held.id);
    expect(facts).toMatchObject({ postable: false, totalMinor: 10_500, grniClearedMinor: 10_000, priceDifferenceMinor: 500 });
    expect((await t.engine.run('purchasing.po.get', { id: po.id }, as)).state).toBe('received');
    const approved = await t.engine.run('purchasing.bill.approve', { id: held.id, reason: 'Vendor raised prices, agreed by phone' }, finance);
    expect(approved).toMatchObject({ state: 'ready_to_pay', approvedBy: 'finn' });
    expect((await billAccountingFacts(t.database.db, held.id)).postable).toBe(true);
    expect((await t.engine.run('purchasing.po.get', { id: po.id }, as)).state).toBe('billed');
    const grni = await t.engine.run('purchasing.grni', { vendorId: v.id }, as);
    expect(grni.totalMinor).toBe(0);
    expect((await t.engine.run('purchasing.po.close', { id: po.id }, as)).state).toBe('done');
  });

  it('holds a bill for more than was received, and reports goods received not invoiced', async () => {
    const v = await f.vendor();
    const a = await f.bought(v.id, 1000);
    const po = await f.sentOrder({ vendorId: v.id, warehouseId: f.wh.id, lines: [{ productId: a.id, quantity: 10 }] });
    await t.engine.run('purchasing.po.receive', { id: po.id, lines: [{ lineId: po.lines[0]!.id, quantity: 6 }], createBackorder: false }, as);
    expect((await t.engine.run('purchasing.po.get', { id: po.id }, as)).state).toBe('received');
    expect((await t.engine.run('purchasing.grni', { vendorId: v.id }, as)).totalMinor).toBe(6000);
    const bill = await t.engine.run('purchasing.bill.create', { orderId: po.id, vendorReference: 'Q-9', billDate: '2026-11-03', lines: [{ orderLineId: po.lines[0]!.id, quantity: 10, unitPriceMinor: 1000 }] }, buyer);
    expect(bill).toMatchObject({ state: 'held', differenceMinor: 4000 });
    expect(bill.lines[0]).toMatchObject({ status: 'quantity', qtyShort: 4 });
    const credit = await t.engine.run('purchasing.bill.requestCredit', { id: bill.id, reason: 'Only 6 delivered' }, buyer);
    expect(credit.state).toBe('credit_requested');
  });

  it('sends the order as a PDF, and as an X12 850 to EDI vendors, keeping both with the order', async () => {
    const v = await f.vendor({ ediEnabled: true, ediId: 'ACME850' });
    const p = await f.bought(v.id, 1234);
    const po = await f.sentOrder({ vendorId: v.id, warehouseId: f.wh.id, lines: [{ productId: p.id, quantity: 3 }] });
    const files = await t.engine.run('purchasing.attachment.list', { ownerKind: 'purchase_order', ownerId: po.id }, as);
    expect(files.rows.map((r) => [r.fileName, r.mimeType])).toEqual([[`${po.number}.pdf`, 'application/pdf'], [`${po.number}.x12`, 'application/edi-x12']]);
    const edi = await t.engine.run('purchasing.po.edi850', { id: po.id }, as);
    const parsed = new X12Parser(true).parse(edi.text) as X12Interchange;
    const segments = parsed.functionalGroups[0]!.transactions[0]!.segments;
    expect(segments.find((s) => s.tag === 'BEG')!.valueOf(3)).toBe(po.number);
    const po1 = segments.find((s) => s.tag === 'PO1')!;
    expect([po1.valueOf(2), po1.valueOf(4), po1.valueOf(7)]).toEqual(['3', '12.34', p.sku]);
    expect(parsed.header.valueOf(8)?.trim()).toBe('ACME850');
    const stored = await t.engine.run('purchasing.attachment.get', { id: files.rows[1]!.id }, as);
    expect(Buffer.from(stored.contentBase64, 'base64').toString('utf8')).toBe(edi.text);
    const text = textOf((await purchaseOrderPdf(t.database.db, po.id, { compress: false })).buffer).join(' ');
    expect(text).toContain(po.number);
    expect(text).toContain(p.sku);
    expect(text).toContain('37.02');
    const pdf = await t.engine.run('purchasing.po.pdf', { id: po.id }, as);
    expect(Buffer.from(pdf.base64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    const plain = await f.vendor();
    const q = await f.bought(plain.id);
    const po2 = await t.engine.run('purchasing.po.create', { vendorId: plain.id, warehouseId: f.wh.id, lines: [{ productId: q.id, quantity: 1 }] }, as);
    expect((await refusal(t.engine.run('purchasing.po.edi850', { id: po2.id }, as))).message).toMatch(/does not take EDI orders/);
  });

  it('refuses attachments that are too large or not the type they claim', async () => {
    const v = await f.vendor();
    const p = await f.bought(v.id);
    const po = await t.engine.run('purchasing.po.create', { vendorId: v.id, warehouseId: f.wh.id, lines: [{ productId: p.id, quantity: 1 }] }, as);
    const pdf = Buffer.from('%PDF-1.4\n%…\n').toString('base64');
    const ok = await t.engine.run('purchasing.attachment.add', { ownerKind: 'purchase_order', ownerId: po.id, fileName: 'confirmation.pdf', mimeType: 'application/pdf', contentBase64: pdf }, as);
    expect(ok.sizeBytes).toBeGreaterThan(5);
    const exe = await refusal(t.engine.run('purchasing.attachment.add', { ownerKind: 'purchase_order', ownerId: po.id, fileName: 'x.exe', mimeType: 'application/x-msdownload', contentBase64: 'TVqQ' }, as));
    expect(exe.message).toMatch(/cannot be attached/);
    const liar = await refusal(t.engine.run('purchasing.attachment.add', { ownerKind: 'purchase_order', ownerId: po.id, fileName: 'fake.pdf', mimeType: 'application/pdf', contentBase64: Buffer.from('MZ not a pdf').toString('base64') }, as));
    expect(liar.message).toMatch(/not a application\/pdf file/);
    const big = Buffer.alloc(5 * 1024 * 1024 + 10, 0x41).toString('base64');
    const env = await t.engine.call('purchasing.attachment.add', { ownerKind: 'purchase_order', ownerId: po.id, fileName: 'big.txt', mimeType: 'text/plain', contentBase64: big }, as);
    expect(env).toMatchObject({ ok: false });
    expect((await t.engine.run('purchasing.attachment.list', { ownerKind: 'purchase_order', ownerId: po.id }, as)).rows).toHaveLength(1);
  });
});
