import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stockTieOut } from '../finance/close';
import { salesFixture } from '../sales/fixtures';
import { createTestEngine, DIALECTS, refusal, type TestEngine } from '../testing/databases';

describe.each(DIALECTS)('drop ship on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let clerk: { userId: string };
  let buyer: { userId: string };
  let finance: { userId: string };
  let f: Awaited<ReturnType<typeof salesFixture>>;
  let vendorId: string;

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    f = await salesFixture(t.engine, as);
    const mk = async (username: string, role: 'clerk' | 'buyer' | 'finance') => ({ userId: (await t.engine.run('users.create', { username, displayName: username, password: `${username} password 1`, roles: [role] }, as)).id });
    clerk = await mk('cleo', 'clerk');
    buyer = await mk('bea', 'buyer');
    finance = await mk('finn', 'finance');
    vendorId = (await t.engine.run('purchasing.vendor.create', { name: 'Direct Vendor', leadTimeDays: 3 }, as)).id;
  });
  afterAll(async () => t.dispose());

  const db = () => t.database.db;
  const count = async (table: 'stock_move' | 'dropship_line' | 'purchase_order' | 'journal_entry' | 'dropship_shipment') => Number((await db().selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  /** On hand and reserved of a product in the warehouse's own (internal) locations. */
  const warehouseStock = async (productId: string) => {
    const r = await db()
      .selectFrom('stock_level as s')
      .innerJoin('location as l', 'l.id', 's.location_id')
      .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('s.on_hand'), eb.lit(0)).as('on_hand'), eb.fn.coalesce(eb.fn.sum<number>('s.reserved'), eb.lit(0)).as('reserved'), eb.fn.coalesce(eb.fn.sum<number>('s.incoming'), eb.lit(0)).as('incoming')])
      .where('s.product_id', '=', productId)
      .where('l.usage', '=', 'internal')
      .executeTakeFirstOrThrow();
    return { onHand: Number(r.on_hand), reserved: Number(r.reserved), incoming: Number(r.incoming) };
  };
  const invariants = async () => {
    expect((await t.engine.run('inventory.check', {}, as)).differences).toEqual([]);
    const tb = await t.engine.run('finance.report.trialBalance', { to: '2099-12-31' }, finance);
    expect(tb.debitMinor).toBe(tb.creditMinor);
    expect((await stockTieOut({ db: db(), dialect, install: { branchId: null } }, '2099-12-31')).difference).toBe(0);
  };
  const balance = async (role: string) => {
    const tb = await t.engine.run('finance.report.trialBalance', { to: '2099-12-31' }, finance);
    const accounts = await t.engine.run('finance.account.list', {}, finance);
    const code = accounts.find((a) => a.role === role)!.code;
    return tb.rows.find((r) => r.code === code)?.balanceMinor ?? 0;
  };
  /** A product nobody stocks, bought from the vendor at `price`. */
  const dropProduct = async (price = 600) => {
    const p = await f.stocked(0);
    await t.engine.run('purchasing.price.set', { vendorId, productId: p.id, priceMinor: price }, as);
    return p;
  };
  const sendPo = async (id: string) => {
    let po = await t.engine.run('purchasing.po.submit', { id }, buyer);
    while (po.state === 'to_approve') po = await t.engine.run('purchasing.po.approve', { id }, po.approvedBy ? finance : buyer);
    return t.engine.run('purchasing.po.send', { id }, buyer);
  };

  it('buys a drop-ship line for the customer and delivers it from the vendor shipment, without touching warehouse stock', async () => {
    const customer = await f.customer();
    const stocked = await f.stocked(10);
    const direct = await dropProduct(600);
    const order = await t.engine.run('sales.order.create', { customerId: customer.id, lines: [{ productId: stocked.id, quantity: 2 }, { productId: direct.id, quantity: 5 }] }, clerk);
    const dsLine = order.lines.find((l) => l.productId === direct.id)!;
    const marked = await t.engine.run('sales.dropship.mark', { orderId: order.id, lineId: dsLine.id, dropShip: true }, clerk);
    expect(marked.lines).toMatchObject([{ salesLineId: dsLine.id, state: 'planned', vendorName: 'Direct Vendor', purchaseOrderId: null }]);
    const before = await warehouseStock(direct.id);

    const confirmed = await t.engine.run('sales.order.confirm', { id: order.id }, clerk);
    expect(confirmed.state).toBe('confirmed');
    const [ds] = (await t.engine.run('sales.dropship.list', { orderId: order.id }, clerk)).lines;
    expect(ds).toMatchObject({ state: 'ordered', quantity: 5, qtyShipped: 0, purchaseOrderState: 'draft' });
    // No warehouse stock reserved or expected for it; the stocked line is reserved as usual.
    expect(await warehouseStock(direct.id)).toEqual(before);
    const lines = (await t.engine.run('sales.order.get', { id: order.id }, clerk)).lines;
    expect(lines.find((l) => l.productId === stocked.id)!.reserved).toBe(2);
    // The PO ships to the customer and points back at the order.
    const po = await t.engine.run('purchasing.po.get', { id: ds!.purchaseOrderId! }, buyer);
    expect(po).toMatchObject({ state: 'draft', vendorId, shipToPartnerId: customer.id, totalMinor: 3000 });
    expect(po.lines.map((l) => [l.productId, l.quantity, l.unitPriceMinor])).toEqual([[direct.id, 5, 600]]);
    const side = await t.engine.run('purchasing.dropship.get', { orderId: po.id }, buyer);
    expect(side).toMatchObject({ dropShip: true, customerId: customer.id, customerName: customer.name, salesOrders: [{ id: order.id, number: order.number }] });
    // No buyer task "waits for stock" for a line the vendor ships.
    const tasks = await db().selectFrom('activity').select(['kind', 'body']).where('document_id', '=', order.id).where('state', '=', 'open').execute();
    expect(tasks.filter((a) => a.kind === 'stock_short')).toEqual([]);

    // The vendor cannot ship what was never sent to it.
    expect((await refusal(t.engine.run('purchasing.dropship.ship', { orderId: po.id, trackingNumber: 'T-0' }, buyer))).message).toMatch(/draft.*send it to the vendor first/);
    const sent = await sendPo(po.id);
    expect(sent.state).toBe('sent');
    expect(sent.openReceiptIds).toEqual([]);
    expect(await warehouseStock(direct.id)).toEqual(before);

    // The warehouse cannot validate the drop ship's delivery: only the vendor's shipment completes it.
    const dsTransfer = await db().selectFrom('dropship_line').select('transfer_id').where('sales_line_id', '=', dsLine.id).executeTakeFirstOrThrow();
    const bypass = await refusal(t.engine.run('inventory.transfer.validate', { id: dsTransfer.transfer_id!, createBackorder: false }, as));
    expect(bypass.message).toMatch(new RegExp(`drop ship of ${order.number}: the vendor ships it; confirm the vendor's shipment`));

    // More than ordered, nothing written.
    const moves = await count('stock_move');
    const entries = await count('journal_entry');
    const over = await refusal(t.engine.run('purchasing.dropship.ship', { orderId: po.id, trackingNumber: 'T-1', lines: [{ lineId: po.lines[0]!.id, quantity: 6 }] }, buyer));
    expect(over.message).toContain(`${direct.sku}: the vendor can ship at most 5 more`);
    expect([await count('stock_move'), await count('journal_entry'), await count('dropship_shipment')]).toEqual([moves, entries, 0]);

    const cogs0 = await balance('cogs');
    const grni0 = await balance('grni');
    const part = await t.engine.run('purchasing.dropship.ship', { orderId: po.id, trackingNumber: 'T-1', carrier: 'UPS', lines: [{ lineId: po.lines[0]!.id, quantity: 3 }] }, buyer);
    expect(part.lines[0]).toMatchObject({ qtyShipped: 3, state: 'ordered', purchaseOrderState: 'partially_received', trackingNumbers: ['T-1'] });
    expect((await refusal(t.engine.run('purchasing.dropship.ship', { orderId: po.id, trackingNumber: 'T-1' }, buyer))).message).toMatch(/T-1 of .* was already confirmed/);
    let so = await t.engine.run('sales.order.get', { id: order.id }, clerk);
    expect(so.lines.find((l) => l.productId === direct.id)!.delivered).toBe(3);
    expect(so.state).toBe('partially_delivered');
    expect(await balance('cogs')).toBe(cogs0 + 1800);
    expect(await balance('grni')).toBe(grni0 - 1800);
    await invariants();

    const rest = await t.engine.run('purchasing.dropship.ship', { orderId: po.id, trackingNumber: 'T-2' }, buyer);
    expect(rest.lines[0]).toMatchObject({ qtyShipped: 5, state: 'shipped', purchaseOrderState: 'received', trackingNumbers: ['T-1', 'T-2'] });
    expect(rest.shipments.map((s) => [s.trackingNumber, s.units, s.valueMinor])).toEqual([['T-1', 3, 1800], ['T-2', 2, 1200]]);
    // One move Vendors → Customers per shipment line, at the PO price; the warehouse never held it.
    const dsMoves = await db()
      .selectFrom('stock_move as m')
      .innerJoin('location as a', 'a.id', 'm.from_location_id')
      .innerJoin('location as b', 'b.id', 'm.to_location_id')
      .select(['m.quantity', 'm.unit_cost_minor', 'm.value_minor', 'a.usage as from_usage', 'b.usage as to_usage'])
      .where('m.product_id', '=', direct.id)
      .orderBy('m.created_at')
      .execute();
    expect(dsMoves.map((m) => [Number(m.quantity), Number(m.unit_cost_minor), Number(m.value_minor), m.from_usage, m.to_usage])).toEqual([
      [3, 600, 0, 'vendor', 'customer'],
      [2, 600, 0, 'vendor', 'customer'],
    ]);
    expect(await warehouseStock(direct.id)).toEqual(before);
    const received = await t.engine.run('purchasing.po.get', { id: po.id }, buyer);
    expect(received.lines[0]).toMatchObject({ qtyReceived: 5 });
    await invariants();

    // The bill matches three ways against what the vendor shipped and clears GRNI.
    const bill = await t.engine.run('purchasing.bill.create', { orderId: po.id, vendorReference: `INV-${order.number}`, billDate: new Date().toISOString().slice(0, 10), lines: [{ orderLineId: po.lines[0]!.id, quantity: 5, unitPriceMinor: 600 }] }, buyer);
    expect(bill.state).toBe('ready_to_pay');
    expect(await balance('grni')).toBe(grni0);
    expect((await t.engine.run('purchasing.grni', {}, buyer)).rows.find((r) => r.orderId === po.id)).toBeUndefined();

    // The warehouse ships the stocked line; the order is delivered and invoiced on what was delivered.
    await f.ship(order.id);
    so = await t.engine.run('sales.order.get', { id: order.id }, clerk);
    expect(so.state).toBe('delivered');
    const invoice = await t.engine.run('sales.invoice.create', { orderId: order.id }, finance);
    expect(invoice.lines.map((l) => [l.productId, l.quantity])).toEqual([
      [stocked.id, 2],
      [direct.id, 5],
    ]);
    await invariants();
  });

  it('refuses a drop ship without a vendor price, naming the product, and writes nothing', async () => {
    const customer = await f.customer();
    const unpriced = await f.stocked(0);
    const order = await t.engine.run('sales.order.create', { customerId: customer.id, lines: [{ productId: unpriced.id, quantity: 1 }] }, clerk);
    const n = await count('dropship_line');
    const e = await refusal(t.engine.run('sales.dropship.mark', { orderId: order.id, lineId: order.lines[0]!.id, dropShip: true }, clerk));
    expect(e.message).toContain(`${unpriced.sku} cannot be drop-shipped: no vendor has a price for ${unpriced.sku}`);
    expect(await count('dropship_line')).toBe(n);
    // A product sold by drop ship whose price was withdrawn: the confirmation is refused, nothing half-written.
    const withdrawn = await dropProduct(500);
    await t.engine.run('purchasing.dropship.product', { productId: withdrawn.id, dropShip: true, vendorId: null }, buyer);
    await db().updateTable('vendor_price').set({ active: 0 }).where('product_id', '=', withdrawn.id).execute();
    const o2 = await t.engine.run('sales.order.create', { customerId: customer.id, lines: [{ productId: withdrawn.id, quantity: 2 }] }, clerk);
    const pos = await count('purchase_order');
    const moves = await count('stock_move');
    const e2 = await refusal(t.engine.run('sales.order.confirm', { id: o2.id }, clerk));
    expect(e2.message).toContain(withdrawn.sku);
    expect([await count('purchase_order'), await count('stock_move'), await count('dropship_line')]).toEqual([pos, moves, n]);
    expect((await t.engine.run('sales.order.get', { id: o2.id }, clerk)).state).toBe('draft');
  });

  it('groups drop ships of one customer on the open draft PO, reduces it on cancel, and refuses once shipped', async () => {
    const customer = await f.customer();
    const a = await dropProduct(100);
    const b = await dropProduct(200);
    // Product-level drop ship: no marking needed.
    await t.engine.run('purchasing.dropship.product', { productId: a.id, dropShip: true, vendorId: null }, buyer);
    await t.engine.run('purchasing.dropship.product', { productId: b.id, dropShip: true, vendorId: vendorId }, buyer);
    const o1 = await t.engine.run('sales.order.create', { customerId: customer.id, lines: [{ productId: a.id, quantity: 4 }], confirm: true }, clerk);
    const o2 = await t.engine.run('sales.order.create', { customerId: customer.id, lines: [{ productId: a.id, quantity: 1 }, { productId: b.id, quantity: 2 }], confirm: true }, clerk);
    const l1 = (await t.engine.run('sales.dropship.list', { orderId: o1.id }, clerk)).lines;
    const l2 = (await t.engine.run('sales.dropship.list', { orderId: o2.id }, clerk)).lines;
    const poId = l1[0]!.purchaseOrderId!;
    expect(l2.map((l) => l.purchaseOrderId)).toEqual([poId, poId]);
    let po = await t.engine.run('purchasing.po.get', { id: poId }, buyer);
    expect(po.lines.map((l) => [l.productId, l.quantity])).toEqual([
      [a.id, 5],
      [b.id, 2],
    ]);
    expect(po.totalMinor).toBe(900);
    expect((await t.engine.run('purchasing.dropship.get', { orderId: poId }, buyer)).salesOrders.map((s) => s.number).sort()).toEqual([o1.number, o2.number].sort());
    // The PO is not cancelled behind the orders' back.
    expect((await refusal(t.engine.run('purchasing.po.cancel', { id: poId }, buyer))).message).toMatch(/cancel the drop-ship line/);

    // Cancelling the first order's line takes its 4 off the PO; that order has nothing left.
    await t.engine.run('sales.dropship.cancelLine', { lineId: l1[0]!.salesLineId, reason: 'Customer changed its mind' }, clerk);
    po = await t.engine.run('purchasing.po.get', { id: poId }, buyer);
    expect(po.lines.map((l) => [l.productId, l.quantity])).toEqual([
      [a.id, 1],
      [b.id, 2],
    ]);
    expect(po.totalMinor).toBe(500);
    expect((await t.engine.run('sales.order.get', { id: o1.id }, clerk)).state).toBe('cancelled');

    // Ship part of o2, then its shipped line cannot be cancelled; the rest of the order can.
    await sendPo(poId);
    await t.engine.run('purchasing.dropship.ship', { orderId: poId, trackingNumber: 'Z-1', lines: [{ lineId: po.lines[0]!.id, quantity: 1 }] }, buyer);
    const shipped = await refusal(t.engine.run('sales.dropship.cancelLine', { lineId: l2[0]!.salesLineId, reason: 'Too late' }, clerk));
    expect(shipped.message).toContain(`${a.sku} on ${o2.number}: the vendor already shipped 1 of 1`);
    await t.engine.run('sales.order.cancel', { id: o2.id, reason: 'Rest not needed' }, clerk);
    po = await t.engine.run('purchasing.po.get', { id: poId }, buyer);
    expect(po.lines.map((l) => [l.productId, l.quantity, l.qtyReceived])).toEqual([[a.id, 1, 1]]);
    expect(po.state).toBe('received');
    const so2 = await t.engine.run('sales.order.get', { id: o2.id }, clerk);
    expect(so2.lines.map((l) => [l.delivered, l.cancelled])).toEqual([
      [1, 0],
      [0, 2],
    ]);
    await invariants();
  });

  it('cancels a drop-ship PO when its only line is cancelled', async () => {
    const customer = await f.customer();
    const p = await dropProduct(300);
    const o = await t.engine.run('sales.order.create', { customerId: customer.id, lines: [{ productId: p.id, quantity: 3 }] }, clerk);
    await t.engine.run('sales.dropship.mark', { orderId: o.id, lineId: o.lines[0]!.id, dropShip: true, vendorId }, clerk);
    await t.engine.run('sales.order.confirm', { id: o.id }, clerk);
    const [line] = (await t.engine.run('sales.dropship.list', { orderId: o.id }, clerk)).lines;
    await sendPo(line!.purchaseOrderId!);
    await t.engine.run('sales.order.cancel', { id: o.id, reason: 'Lost the deal' }, clerk);
    expect((await t.engine.run('purchasing.po.get', { id: line!.purchaseOrderId! }, buyer)).state).toBe('cancelled');
    expect((await t.engine.run('sales.dropship.list', { orderId: o.id }, clerk)).lines[0]!.state).toBe('cancelled');
    await invariants();
  });
});
