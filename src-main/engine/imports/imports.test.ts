import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { X12Parser } from 'node-x12';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salesFixture } from '../sales/fixtures';
import { createTestEngine, DIALECTS, refusal, type TestEngine } from '../testing/databases';
import type { ImportReport } from '../../../src-shared/contract/imports';
import { runImport } from '../../../src-shared/import-driver';

const EDI_850 = readFileSync('/work/shared/fixtures/edi/850_vics_widgets.edi', 'utf8');
/** The fixture's items (PO1 VN ids) with its prices in cents and quantities. */
const EDI_ITEMS: [string, number, number][] = [
  ['AB3542', 925, 120],
  ['RD5322', 1379, 220],
  ['XY5266', 1099, 126],
  ['VX2332', 435, 76],
  ['RV0524', 750, 72],
  ['DX1875', 955, 696],
];

describe.each(DIALECTS)('order imports on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let f: Awaited<ReturnType<typeof salesFixture>>;
  let n = 0;

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    f = await salesFixture(t.engine, as);
  });
  afterAll(async () => t.dispose());

  /** A product with the given SKU and list price, with stock. */
  const product = async (sku: string, priceMinor = 1000, stock = 1000) => {
    const p = await t.engine.run('catalog.product.create', { sku, name: `Item ${sku}`, uomId: f.each.id, listPriceMinor: priceMinor, costMinor: Math.floor(priceMinor / 3) }, as);
    if (stock > 0) await f.receive(p.id, stock, Math.floor(priceMinor / 3));
    return p;
  };
  /** Stage, then apply until nothing is left (what the CLI and the screen do). */
  const importAll = async (input: { kind: 'orders' | 'edi'; channelCode?: 'ecommerce' | 'marketplace' | 'rep' | 'portal'; fileName: string; content: string; encoding?: 'text' | 'base64' }, who = as) => {
    let r = await t.engine.run('imports.stage', input, who);
    const staged = r;
    while (r.remaining > 0) r = await t.engine.run('imports.apply', { batchId: r.batch.id, limit: 2 }, who);
    const all = await t.engine.run('imports.get', { batchId: r.batch.id }, as);
    return { staged, report: all };
  };
  const ordersOf = async (customerId: string) => (await t.engine.run('sales.order.list', { customerId, limit: 100 }, as)).rows;
  const countRows = async (table: 'import_batch' | 'sales_order' | 'import_order') => Number((await t.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  it('imports a marketplace CSV with a saved mapping: accepted, held (unknown SKU, price) and rejected rows with their lines; the same file twice creates the orders once', async () => {
    const tag = `M${++n}`;
    const a = await product(`${tag}-A`, 1000);
    const b = await product(`${tag}-B`, 2500);
    const c = await f.customer({ code: `${tag}-C1`, creditLimitMinor: null });
    await t.engine.run('imports.mapping.set', { channelCode: 'marketplace', fields: { orderId: 'Order #', customerCode: 'Buyer', customerPo: 'PO', sku: 'Item', quantity: 'Qty', unit: 'UoM', unitPrice: 'Price' }, delimiter: ';', priceToleranceBp: 200, paid: true }, as);
    const csv = [
      'Order #;Buyer;PO;Item;Qty;UoM;Price',
      `${tag}-1;${tag}-C1;PO-${tag}-1;${tag}-A;2;EA;10.00`,
      `${tag}-1;${tag}-C1;PO-${tag}-1;${tag}-B;1;EA;25.00`,
      `${tag}-2;${tag}-C1;PO-${tag}-2;${tag}-UNKNOWN;3;EA;5.00`,
      `${tag}-3;${tag}-C1;PO-${tag}-3;${tag}-A;1;EA;8.00`,
      `${tag}-4;${tag}-C1;PO-${tag}-4;${tag}-A;-2;EA;10.00`,
      `${tag}-5;${tag}-C1;PO-${tag}-5;${tag}-A;1;EA;10.005`,
      `${tag}-6;${tag}-C1;PO-${tag}-6;${tag}-A;1;KG;10.00`,
      `${tag}-7;${tag}-C1;PO-${tag}-7;${tag}-A;1;EA;10.00;extra`,
      `${tag}-8;${tag}-C1;"PO-${tag}-8;${tag}-A;1;EA;10.00`,
    ].join('\n');
    const { staged, report } = await importAll({ kind: 'orders', channelCode: 'marketplace', fileName: 'orders.csv', content: csv });
    // Malformed rows are rejected at once, with their line; the rest go on.
    expect(staged.orders.map((o) => [o.ref, o.errors[0]?.location, o.errors[0]?.message])).toEqual(
      expect.arrayContaining([
        [`${tag}-4`, 'line 6', 'Quantity -2 must be more than zero'],
        [`${tag}-5`, 'line 7', 'Price 10.005 has more than 2 decimals'],
        [`${tag}-7`, 'line 9', expect.stringMatching(/different number of cells/)],
      ]),
    );
    const byRef = new Map(report.orders.map((o) => [o.ref, o]));
    expect(report.batch.counts).toMatchObject({ accepted: 1, held: 2, pending: 0 });
    expect(byRef.get(`${tag}-1`)).toMatchObject({ status: 'accepted', orderNumber: expect.stringMatching(/-SO-/) });
    expect(byRef.get(`${tag}-2`)).toMatchObject({ status: 'held', holdKind: 'unknown_sku', unmapped: [{ lineNo: 1, sku: `${tag}-UNKNOWN`, description: null, quantity: 3 }], orderId: null });
    expect(byRef.get(`${tag}-3`)).toMatchObject({ status: 'held', holdKind: 'price_mismatch', message: expect.stringMatching(/8\.00 sent, 10\.00 is the customer's price/) });
    expect(byRef.get(`${tag}-6`)).toMatchObject({ status: 'rejected', errors: [{ location: 'line 8', message: 'Unknown unit "KG"' }] });
    // The unclosed quote swallows the rest of the file: reported, never half-imported.
    expect(report.orders.some((o) => o.status === 'rejected' && /quoted cell is never closed/.test(o.message ?? ''))).toBe(true);
    const accepted = await t.engine.run('sales.order.get', { id: byRef.get(`${tag}-1`)!.orderId! }, as);
    expect(accepted).toMatchObject({ state: 'confirmed', invoicedMinor: 4500, channelCode: 'marketplace', customerPo: `PO-${tag}-1`, paymentCaptured: true, totalMinor: 4500 });
    // Its invoice and captured payment are in the books (the chunk writes its entries together at its end), each balanced.
    const db = t.database.db;
    const invoice = await db.selectFrom('invoice').select(['id', 'number']).where('order_id', '=', accepted.id).executeTakeFirstOrThrow();
    const payment = await db.selectFrom('payment_allocation as a').innerJoin('payment as p', 'p.id', 'a.payment_id').select(['p.id', 'p.entry_id']).where('a.invoice_id', '=', invoice.id).executeTakeFirstOrThrow();
    const entries = await db.selectFrom('journal_entry').select(['id', 'source_kind']).where('source_id', 'in', [invoice.id, payment.id]).orderBy('source_kind').execute();
    expect(entries.map((e) => e.source_kind)).toEqual(['invoice', 'payment']);
    expect(entries[1]!.id).toBe(payment.entry_id);
    for (const e of entries) {
      const sums = await db.selectFrom('journal_line').select((eb) => [eb.fn.sum<number>('debit_minor').as('d'), eb.fn.sum<number>('credit_minor').as('c')]).where('entry_id', '=', e.id).executeTakeFirstOrThrow();
      expect([Number(sums.d), Number(sums.c)]).toEqual([4500, 4500]);
    }
    expect((await ordersOf(c.id)).length).toBe(2);

    // Same file again: nothing new. Same marketplace order ids in another file: duplicates.
    const again = await t.engine.run('imports.stage', { kind: 'orders', channelCode: 'marketplace', fileName: 'orders-copy.csv', content: csv }, as);
    expect(again.duplicateOfBatchId).toBe(report.batch.id);
    const other = await importAll({ kind: 'orders', channelCode: 'marketplace', fileName: 'orders2.csv', content: csv.split('\n').slice(0, 3).join('\n') + '\n' });
    expect(other.report.orders).toEqual([expect.objectContaining({ ref: `${tag}-1`, status: 'duplicate', message: `Already imported as order ${accepted.number}` })]);
    expect((await ordersOf(c.id)).length).toBe(2);

    // Mapping the unknown SKU imports the held order.
    const mapped = await t.engine.run('imports.sku.map', { batchId: report.batch.id, externalSku: `${tag}-UNKNOWN`, productId: b.id }, as);
    expect(mapped.orders).toEqual([expect.objectContaining({ ref: `${tag}-2`, status: 'held', holdKind: 'price_mismatch' })]);
    expect((await ordersOf(c.id)).length).toBe(3);
    void a;
  });

  it('imports JSON orders; a web-store buyer becomes a consumer customer; the customer PO twice is a duplicate', async () => {
    const tag = `J${++n}`;
    await product(`${tag}-A`, 1999);
    const orders = [
      { orderId: `${tag}-1`, customer: { email: `${tag.toLowerCase()}@example.com`, name: 'Jo Buyer' }, customerPo: `${tag}-PO`, lines: [{ sku: `${tag}-A`, quantity: 2, unitPrice: '19.99' }] },
      { orderId: `${tag}-2`, customer: { email: `${tag.toLowerCase()}@example.com` }, customerPo: `${tag}-PO`, lines: [{ sku: `${tag}-A`, quantity: 1, unitPrice: 19.99 }] },
      { orderId: `${tag}-3`, customer: {}, lines: [{ sku: `${tag}-A`, quantity: 1.5 }] },
    ];
    const { report } = await importAll({ kind: 'orders', channelCode: 'ecommerce', fileName: 'orders.json', content: JSON.stringify({ orders }) });
    expect(report.orders.map((o) => o.status)).toEqual(['accepted', 'duplicate', 'rejected']);
    expect(report.orders[0]!.message).toMatch(/new customer/);
    expect(report.orders[2]!.errors).toEqual(
      expect.arrayContaining([
        { location: 'orders[2].customer', message: expect.stringMatching(/customer is missing/) },
        { location: 'orders[2].lines[0].quantity', message: 'Quantity 1.5 is not a whole number of units' },
      ]),
    );
    const customers = await t.engine.run('partners.customer.list', { query: `${tag.toLowerCase()}@example.com` }, as);
    expect(customers.rows).toEqual([expect.objectContaining({ customerClass: 'consumer', name: 'Jo Buyer' })]);
  });

  it('imports XLSX with the default mapping', async () => {
    const tag = `X${++n}`;
    await product(`${tag}-A`, 1200);
    const c = await f.customer({ code: `${tag}-C`, creditLimitMinor: null });
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Orders');
    ws.addRow(['Order ID', 'Customer Code', 'SKU', 'Quantity', 'Unit Price']);
    ws.addRow([`${tag}-1`, c.code, `${tag}-A`, 3, 12]);
    ws.addRow([`${tag}-1`, c.code, `${tag}-A`, 2, 12]);
    ws.addRow([`${tag}-2`, c.code, `${tag}-A`, 0, 12]);
    const content = Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
    const { report } = await importAll({ kind: 'orders', channelCode: 'portal', fileName: 'orders.xlsx', content, encoding: 'base64' });
    expect(report.orders.map((o) => [o.ref, o.status, o.source, o.errors[0]?.message])).toEqual([
      [`${tag}-1`, 'accepted', 'lines 2–3', undefined],
      [`${tag}-2`, 'rejected', 'line 4', 'Quantity 0 must be more than zero'],
    ]);
    const order = await t.engine.run('sales.order.get', { id: report.orders.find((o) => o.status === 'accepted')!.orderId! }, as);
    expect(order.lines.map((l) => l.quantity)).toEqual([3, 2]);
  });

  it('imports an EDI 850 with whatever delimiters the ISA declares, answers with an 855, and an 856 when it ships; the interchange twice creates the order once', async () => {
    for (const [sku, price] of EDI_ITEMS) await product(sku, price, 2000);
    const c = await f.customer({ code: 'XYZ-RETAIL', externalId: '4405197800', creditLimitMinor: null });
    const { report } = await importAll({ kind: 'edi', fileName: '850_vics_widgets.edi', content: EDI_850 });
    expect(report.orders).toEqual([expect.objectContaining({ ref: '08292233294', status: 'accepted' })]);
    const order = await t.engine.run('sales.order.get', { id: report.orders[0]!.orderId! }, as);
    expect(order).toMatchObject({ customerId: c.id, channelCode: 'edi', customerPo: '08292233294', state: 'confirmed' });
    expect(order.lines.map((l) => [l.sku, l.quantity, l.unitPriceMinor])).toEqual(EDI_ITEMS.map(([s, p, q]) => [s, q, p]));
    const docs = await t.engine.run('imports.edi.documents', { orderId: order.id }, as);
    expect(docs.rows.map((d) => d.kind)).toEqual(['855']);
    const ack = new X12Parser(true).parse(docs.rows[0]!.content);
    const set = (ack as { functionalGroups: { transactions: { header: { elements: { value: string }[] }; segments: { tag: string; elements: { value: string }[] }[] }[] }[] }).functionalGroups[0]!.transactions[0]!;
    expect(set.header.elements[0]!.value).toBe('855');
    expect(set.segments[0]!.elements.map((e) => e.value).slice(0, 3)).toEqual(['00', 'AC', '08292233294']);
    expect(set.segments.filter((s) => s.tag === 'ACK').map((s) => Number(s.elements[1]!.value))).toEqual(EDI_ITEMS.map(([, , q]) => q));

    // The same interchange again (reformatted, so another file): the order once.
    const again = await importAll({ kind: 'edi', fileName: 'again.edi', content: EDI_850.replace(/~\n/g, '~\r\n') });
    expect(again.report.orders).toEqual([expect.objectContaining({ status: 'duplicate', orderNumber: order.number })]);

    // Other delimiters (| elements, ^ components, newline terminators) and another PO read the same.
    const alt = EDI_850.replace(/000003438/g, '000003439').replace('08292233294', 'ALT-PO-1').replace(/\*/g, '|').replace(/~\n?/g, '\n').replace(/>/g, '^');
    const altRun = await importAll({ kind: 'edi', fileName: 'alt.edi', content: alt });
    expect(altRun.report.orders).toEqual([expect.objectContaining({ ref: 'ALT-PO-1', status: 'accepted' })]);
    const altDocs = await t.engine.run('imports.edi.documents', { orderId: altRun.report.orders[0]!.orderId! }, as);
    expect(altDocs.rows[0]!.content.split('\n')[0]).toMatch(/^ISA\|00\|/);

    // Shipping it makes the 856 ship notice.
    await f.ship(order.id);
    const shipped = await t.engine.run('imports.edi.documents', { orderId: order.id }, as);
    expect(shipped.rows.map((d) => d.kind)).toEqual(['855', '856']);
    const asn = shipped.rows[1]!.content;
    expect(asn).toMatch(/ST\*856\*/);
    expect(asn).toMatch(/PRF\*08292233294~/);
    expect(asn).toMatch(/SN1\*\*696\*EA~/);
  });

  it('rejects EDI with a wrong segment count, control number or line count, naming the interchange and segment', async () => {
    const cases = [
      EDI_850.replace(/000003438/g, '000003440').replace('SE*33*', 'SE*30*'),
      EDI_850.replace(/000003438/g, '000003441').replace('IEA*1*000003441', 'IEA*1*000003442'),
      EDI_850.replace(/000003438/g, '000003443').replace('CTT*6', 'CTT*5'),
    ];
    const before = await countRows('sales_order');
    const { report } = await importAll({ kind: 'edi', fileName: 'bad.edi', content: cases.join('\n') });
    expect(report.orders.map((o) => [o.status, o.errors[0]!.location, o.errors[0]!.message])).toEqual([
      ['rejected', 'interchange 000003440', expect.stringMatching(/SE01 \(30\) does not match the number of segments in the transaction \(33\)/)],
      ['rejected', 'interchange 000003441', expect.stringMatching(/IEA02 \(3442\) does not match the value in ISA13 \(3441\)/)],
      ['rejected', 'interchange 000003443, ST 000000010, segment 31 (CTT)', 'CTT01 says 5 lines but the order has 6 PO1 lines'],
    ]);
    expect(await countRows('sales_order')).toBe(before);
    // A file cut short is refused whole.
    expect((await refusal(t.engine.run('imports.stage', { kind: 'edi', fileName: 'cut.edi', content: EDI_850.slice(0, 700) }, as))).message).toMatch(/no IEA trailer/);
  });

  it('holds orders on credit and approval; an order the pipeline refuses midway leaves nothing behind', async () => {
    const tag = `H${++n}`;
    await product(`${tag}-A`, 1000);
    const tight = await f.customer({ code: `${tag}-TIGHT`, creditLimitMinor: 100 });
    await f.customer({ code: `${tag}-OK`, creditLimitMinor: null });
    await t.engine.run('sales.approvalRule.create', { name: `${tag} big orders`, kind: 'order_value', thresholdMinor: 500_000, channelCode: 'portal', approverRole: 'finance' }, as);
    // The rep channel requires a customer PO: an order without one is refused at confirmation, after it was created.
    await t.engine.run('sales.channel.setPolicy', { code: 'rep', requiredFields: ['customerPo'] }, as);
    const sold = await countRows('sales_order');
    // A clerk imports: an admin would approve on the spot.
    const clerk = { userId: (await t.engine.run('users.create', { username: `clerk${tag.toLowerCase()}`, displayName: 'Carl', password: 'clerk-password', roles: ['clerk'] }, as)).id };
    const csv = ['order_id,customer_code,sku,quantity', `${tag}-1,${tag}-TIGHT,${tag}-A,5`, `${tag}-2,${tag}-OK,${tag}-A,600`].join('\n');
    const portal = await importAll({ kind: 'orders', channelCode: 'portal', fileName: `${tag}.csv`, content: csv }, clerk);
    expect(portal.report.orders.map((o) => [o.status, o.holdKind])).toEqual([
      ['held', 'credit'],
      ['held', 'approval'],
    ]);
    const rep = await importAll({ kind: 'orders', channelCode: 'rep', fileName: `${tag}-rep.csv`, content: [`order_id,customer_code,sku,quantity`, `${tag}-3,${tag}-OK,${tag}-A,1`].join('\n') });
    expect(rep.report.orders).toEqual([expect.objectContaining({ status: 'rejected', orderId: null, message: expect.stringMatching(/PO/i) })]);
    expect(await countRows('sales_order')).toBe(sold + 2);
    await t.engine.run('sales.channel.setPolicy', { code: 'rep', requiredFields: [] }, as);
    void tight;
  });

  it("one chunk: a customer's orders written only at the chunk's end still count for the credit of its later ones (an open order; an invoice made on order)", async () => {
    const tag = `D${++n}`;
    await product(`${tag}-A`, 1000);
    for (const atOnce of [true, false]) {
      const k = `${tag}${atOnce ? 'X' : 'S'}`;
      // 50.00 of credit each: the first order (30.00) passes; the second (30.00 more) is over the limit only because of the first.
      const byOrder = await f.customer({ code: `${k}-ORD`, creditLimitMinor: 5000 });
      const byInvoice = await f.customer({ code: `${k}-INV`, creditLimitMinor: 5000, invoicePolicy: 'on_order' });
      const csv = [
        'order_id,customer_code,customer_po,sku,quantity',
        `${k}-1,${k}-ORD,PO-${k}-1,${tag}-A,3`,
        `${k}-2,${k}-INV,PO-${k}-2,${tag}-A,3`,
        `${k}-3,${k}-ORD,PO-${k}-3,${tag}-A,3`,
        `${k}-4,${k}-INV,PO-${k}-4,${tag}-A,3`,
      ].join('\n');
      const staged = await t.engine.run('imports.stage', { kind: 'orders', channelCode: 'portal', fileName: `${k}.csv`, content: csv }, as);
      // The whole file in one apply command (one chunk), at once or order by order.
      const r = await t.engine.run('imports.apply', { batchId: staged.batch.id, limit: 10, atOnce }, as);
      expect(r.orders.map((o) => [o.ref, o.status, o.holdKind])).toEqual([
        [`${k}-1`, 'accepted', null],
        [`${k}-2`, 'accepted', null],
        [`${k}-3`, 'held', 'credit'],
        [`${k}-4`, 'held', 'credit'],
      ]);
      expect(r.orders[2]!.message).toMatch(/open invoices \D*0\.00 \+ open orders \D*30\.00 \+ this order/);
      expect(r.orders[3]!.message).toMatch(/open invoices \D*30\.00 \+ open orders \D*0\.00 \+ this order/);
      // Written at the chunk's end as they stood: the accepted orders confirmed (the second invoiced), the held ones on credit hold.
      const [first, second] = await Promise.all([t.engine.run('sales.order.get', { id: r.orders[0]!.orderId! }, as), t.engine.run('sales.order.get', { id: r.orders[1]!.orderId! }, as)]);
      expect([first.state, first.invoicedMinor, second.state, second.invoicedMinor]).toEqual(['confirmed', 0, 'confirmed', second.totalMinor]);
      expect((await ordersOf(byOrder.id)).map((o) => o.state).sort()).toEqual(['confirmed', 'credit_hold']);
      expect((await ordersOf(byInvoice.id)).map((o) => o.state).sort()).toEqual(['confirmed', 'credit_hold']);
      const invoices = await t.database.db.selectFrom('invoice').select(['state', 'total_minor']).where('partner_id', '=', byInvoice.id).execute();
      expect(invoices.map((i) => [i.state, Number(i.total_minor)])).toEqual([['open', second.totalMinor]]);
    }
  });

  it('one chunk: a new buyer whose first order is refused is created once by the next; a PO repeated in the chunk is a duplicate of the order made earlier in it', async () => {
    const tag = `K${++n}`;
    await product(`${tag}-A`, 1000);
    const gone = await product(`${tag}-OLD`, 1000, 0);
    await t.engine.run('catalog.product.archive', { id: gone.id }, as);
    const email = `${tag.toLowerCase()}@buyers.example`;
    const csv = [
      'order_id,customer_email,customer_name,customer_po,sku,quantity',
      `${tag}-1,${email},Kim Buyer,PO-${tag}-1,${tag}-OLD,1`,
      `${tag}-2,${email},Kim Buyer,PO-${tag}-2,${tag}-A,1`,
      `${tag}-3,${email},Kim Buyer,PO-${tag}-2,${tag}-A,2`,
      `${tag}-4,${email},Kim Buyer,PO-${tag}-4,${tag}-A,3`,
    ].join('\n');
    const staged = await t.engine.run('imports.stage', { kind: 'orders', channelCode: 'ecommerce', fileName: `${tag}.csv`, content: csv }, as);
    // The whole file in one apply command (one chunk).
    const r = await t.engine.run('imports.apply', { batchId: staged.batch.id, limit: 10 }, as);
    expect(r.orders.map((o) => [o.ref, o.status])).toEqual([
      [`${tag}-1`, 'rejected'],
      [`${tag}-2`, 'accepted'],
      [`${tag}-3`, 'duplicate'],
      [`${tag}-4`, 'accepted'],
    ]);
    expect(r.orders[0]!.message).toMatch(/archived/);
    const second = r.orders[1]!;
    expect(r.orders[2]!.message).toBe(`Customer PO PO-${tag}-2 is already on order ${second.orderNumber}`);
    expect(r.orders[2]!.orderId).toBe(second.orderId);
    const buyers = await t.database.db.selectFrom('partner').select('id').where('email', '=', email).execute();
    expect(buyers).toHaveLength(1);
    expect((await ordersOf(buyers[0]!.id)).map((o) => o.customerPo).sort()).toEqual([`PO-${tag}-2`, `PO-${tag}-4`]);
    // Applied again (the same orders staged from a renamed copy): nothing new, each a duplicate of its order.
    const again = await importAll({ kind: 'orders', channelCode: 'ecommerce', fileName: `${tag}-again.csv`, content: csv + '\n' });
    expect(again.report.orders.map((o) => o.status)).toEqual(['rejected', 'duplicate', 'duplicate', 'duplicate']);
    expect(await ordersOf(buyers[0]!.id)).toHaveLength(2);
  });

  it('a chunk applied at once is refused whole when one order is refused (nothing written), and the driver applies it again order by order with gapless numbers', async () => {
    const tag = `Q${++n}`;
    await product(`${tag}-A`, 1000);
    // E-commerce orders need a customer PO: order 2 has none and is refused at confirmation, after it was created and numbered.
    await t.engine.run('sales.channel.setPolicy', { code: 'ecommerce', requiredFields: ['customerPo'] }, as);
    const email = `${tag.toLowerCase()}@buyers.example`;
    const csv = [
      'order_id,customer_email,customer_name,customer_po,sku,quantity',
      `${tag}-1,${email},Quinn Buyer,PO-${tag}-1,${tag}-A,1`,
      `${tag}-2,${email},Quinn Buyer,,${tag}-A,1`,
      `${tag}-3,${email},Quinn Buyer,PO-${tag}-3,${tag}-A,2`,
    ].join('\n');
    const input = { kind: 'orders' as const, channelCode: 'ecommerce' as const, fileName: `${tag}.csv`, content: csv };
    const staged = await t.engine.run('imports.stage', input, as);
    const sold = await countRows('sales_order');
    const e = await refusal(t.engine.run('imports.apply', { batchId: staged.batch.id, limit: 10, atOnce: true }, as));
    expect(e).toMatchObject({ code: 'CONFLICT', details: { reapply: 'order_by_order' } });
    expect(e.message).toMatch(new RegExp(`Order ${tag}-2 of this chunk is refused .*customer PO`));
    // Nothing of the chunk: no order, no new buyer, every import row still pending.
    expect(await countRows('sales_order')).toBe(sold);
    expect(await t.database.db.selectFrom('partner').select('id').where('email', '=', email).execute()).toHaveLength(0);
    expect((await t.engine.run('imports.get', { batchId: staged.batch.id }, as)).batch.counts).toMatchObject({ pending: 3, accepted: 0 });
    // The driver: at once, refused, then order by order: the good orders stand, the bad one is rejected.
    const report = await runImport((method, i) => t.engine.run(method, i as never, as) as Promise<ImportReport>, { ...input, fileName: `${tag}-copy.csv`, content: csv + '\n' }, { chunk: 10 });
    expect(report.orders.map((o) => [o.ref, o.status])).toEqual([
      [`${tag}-1`, 'accepted'],
      [`${tag}-2`, 'rejected'],
      [`${tag}-3`, 'accepted'],
    ]);
    // The refused order's number went to the next order: the series stays gapless.
    const [first, third] = [report.orders[0]!.orderNumber!, report.orders[2]!.orderNumber!];
    const seq = (num: string) => Number(num.slice(-6));
    expect(seq(third)).toBe(seq(first) + 1);
    const prefix = first.slice(0, -6);
    const series = await t.database.db.selectFrom('document_series').select(['next_number']).where('prefix', '=', prefix).executeTakeFirstOrThrow();
    expect(Number(series.next_number)).toBe(seq(third) + 1);
    // The first staging is still pending and applies now as duplicates of those orders.
    const rest = await t.engine.run('imports.apply', { batchId: staged.batch.id, limit: 10 }, as);
    expect(rest.orders.map((o) => o.status)).toEqual(['duplicate', 'rejected', 'duplicate']);
    await t.engine.run('sales.channel.setPolicy', { code: 'ecommerce', requiredFields: [] }, as);
  });

  it('refuses a file over the limit before anything is written, takes a 5,000-line order, refuses 5,001 lines, and can be cancelled midway', async () => {
    const tag = `B${++n}`;
    await product(`${tag}-A`, 100, 0);
    const c = await f.customer({ code: `${tag}-C`, creditLimitMinor: null });
    const batches = await countRows('import_batch');
    const big = 'order_id,customer_code,sku,quantity\n' + `x,${tag}-C,${tag}-A,1\n`.repeat(Math.ceil((50 * 1024 * 1024) / 20));
    const e = await refusal(t.engine.run('imports.stage', { kind: 'orders', channelCode: 'portal', fileName: 'big.csv', content: big }, as));
    expect(e.message).toMatch(/larger than 20 MB; split it/);
    expect(await countRows('import_batch')).toBe(batches);

    const lines = (count: number, id: string) => Array.from({ length: count }, () => `${id},${tag}-C,${tag}-A,1`).join('\n');
    // Confirming a 5,000-line order takes minutes on PostgreSQL (the sales confirmation's own cost): the big order runs on SQLite.
    const size = dialect === 'sqlite' ? 5000 : 300;
    const { report } = await importAll({ kind: 'orders', channelCode: 'portal', fileName: `${tag}-lines.csv`, content: `order_id,customer_code,sku,quantity\n${lines(size, `${tag}-5000`)}\n${lines(5001, `${tag}-5001`)}` });
    expect(report.orders.map((o) => [o.ref, o.status, o.errors[0]?.message])).toEqual([
      [`${tag}-5000`, 'accepted', undefined],
      [`${tag}-5001`, 'rejected', 'The order has 5001 lines; at most 5,000 lines per order'],
    ]);
    const order = await t.engine.run('sales.order.get', { id: report.orders.find((o) => o.status === 'accepted')!.orderId! }, as);
    expect(order.lines).toHaveLength(size);

    const many = `order_id,customer_code,sku,quantity\n${Array.from({ length: 6 }, (_, i) => `${tag}-c${i},${tag}-C,${tag}-A,1`).join('\n')}`;
    const staged = await t.engine.run('imports.stage', { kind: 'orders', channelCode: 'portal', fileName: `${tag}-cancel.csv`, content: many }, as);
    const first = await t.engine.run('imports.apply', { batchId: staged.batch.id, limit: 2 }, as);
    expect(first.remaining).toBe(4);
    const cancelled = await t.engine.run('imports.cancel', { batchId: staged.batch.id }, as);
    expect(cancelled.batch).toMatchObject({ state: 'cancelled', counts: expect.objectContaining({ accepted: 2, cancelled: 4, pending: 0 }) });
    expect((await t.engine.run('imports.apply', { batchId: staged.batch.id }, as)).batch.counts.accepted).toBe(2);
    expect((await ordersOf(c.id)).length).toBe(3);
  });
});
