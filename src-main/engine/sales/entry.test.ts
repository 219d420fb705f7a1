import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../platform/errors';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';
import { salesFixture } from './fixtures';

describe.each(DIALECTS)('order entry reads and split routing on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let clerk: { userId: string };
  let f: Awaited<ReturnType<typeof salesFixture>>;
  let wh2 = { id: '', code: 'WH2' };

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    f = await salesFixture(t.engine, as);
    clerk = { userId: (await t.engine.run('users.create', { username: 'clerk', displayName: 'Carl', password: 'clerk-password', roles: ['clerk'] }, as)).id };
    wh2 = await t.engine.run('inventory.warehouse.create', { code: 'WH2', name: 'South', region: 'South', receptionSteps: 1, deliverySteps: 1 }, as);
  });
  afterAll(async () => t.dispose());

  const receiveAt = async (warehouseId: string, productId: string, quantity: number) => {
    const r = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId, lines: [{ productId, quantity, unitCostMinor: 400 }] }, as);
    await t.engine.run('inventory.transfer.validate', { id: r.id }, as);
  };

  it('gives price and why, margin, availability per warehouse; substitutes of the same category only when short', async () => {
    const cat = await t.engine.run('catalog.category.create', { name: `Drills ${dialect}` }, as);
    const make = async (sku: string, cost: number) => t.engine.run('catalog.product.create', { sku: `${sku}-${dialect}`, name: sku, uomId: f.each.id, categoryId: cat.id, listPriceMinor: 1000, costMinor: cost }, as);
    const asked = await make('DRILL-A', 600);
    const sub = await make('DRILL-B', 500);
    const thin = await make('DRILL-C', 500);
    await f.receive(asked.id, 4);
    await receiveAt(wh2.id, asked.id, 3);
    await f.receive(sub.id, 50);
    await f.receive(thin.id, 5);
    const c = await f.customer();
    const pl = await t.engine.run('pricing.pricelist.create', { code: `E-${dialect}`, name: 'Entry', customerClass: 'regular' }, as);
    await t.engine.run('pricing.rule.create', { pricelistId: pl.id, productId: asked.id, method: 'list_discount', percentBp: 1000, minQuantity: 5, label: 'Five or more' }, as);

    const few = await t.engine.run('sales.entry.line', { customerId: c.id, productId: asked.id, quantity: 2 }, clerk);
    expect(few).toMatchObject({ quantity: 2, unitPriceMinor: 1000, costMinor: 600, marginBp: 4000, available: 7, short: false, substitutes: [] });
    expect(few.byWarehouse.map((w) => [w.code, w.available]).sort()).toEqual([['WH1', 4], ['WH2', 3]]);

    // By SKU as typed (any case) or by barcode: the same answer in one call.
    const bySku = await t.engine.run('sales.entry.line', { customerId: c.id, code: `drill-a-${dialect}`, quantity: 2 }, clerk);
    expect(bySku).toEqual(few);
    expect(bySku.uomCode).toBe('EA');
    await expect(t.engine.run('sales.entry.line', { customerId: c.id, code: 'NO-SUCH-SKU', quantity: 2 }, clerk)).rejects.toThrow('No product has the SKU or barcode NO-SUCH-SKU');
    await expect(t.engine.run('sales.entry.line', { customerId: c.id, quantity: 2 }, clerk)).rejects.toThrow(/one of them/);
    const many = await t.engine.run('sales.entry.line', { customerId: c.id, productId: asked.id, quantity: 10 }, clerk);
    expect(many.unitPriceMinor).toBe(900);
    expect(many.reason).toContain('Five or more');
    expect(many.marginBp).toBe(3333);
    expect(many.short).toBe(true);
    // DRILL-C has only 5: not enough for 10, so not offered.
    expect(many.substitutes.map((s) => [s.sku, s.available])).toEqual([[`DRILL-B-${dialect.toUpperCase()}`, 50]]);
  });

  it('warns about a customer PO number already used, before the order is saved', async () => {
    const p = await f.stocked(10);
    const c = await f.customer();
    const o = await t.engine.run('sales.order.create', { customerId: c.id, customerPo: 'PO-77', lines: [{ productId: p.id, quantity: 1 }] }, clerk);
    expect((await t.engine.run('sales.entry.checkPo', { customerId: c.id, customerPo: 'PO-77' }, clerk)).warnings).toEqual([`Customer PO PO-77 is already on order ${o.number} (draft); check this is not a duplicate`]);
    expect((await t.engine.run('sales.entry.checkPo', { customerId: c.id, customerPo: 'PO-77', orderId: o.id }, clerk)).warnings).toEqual([]);
    expect((await t.engine.run('sales.entry.checkPo', { customerId: c.id, customerPo: 'PO-78' }, clerk)).warnings).toEqual([]);
  });

  it('refuses bad entry input with a clear message', async () => {
    const p = await f.stocked(1);
    const c = await f.customer();
    const err = await t.engine.run('sales.entry.line', { customerId: c.id, productId: p.id, quantity: -3 }, clerk).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).message).toMatch(/Quantity must be more than zero/);
  });

  it('splits a short order across warehouses by availability; each ships, delivered adds up, invoice follows', async () => {
    const a = await f.stocked(4);
    const b = await f.stocked(10);
    await receiveAt(wh2.id, a.id, 5);
    const c = await f.customer({ creditLimitMinor: null });
    const order = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: a.id, quantity: 12 }, { productId: b.id, quantity: 2 }], confirm: true }, clerk);
    expect(order.state).toBe('confirmed');
    const flows = (await t.engine.run('inventory.transfer.list', { query: order.number, limit: 50 }, as)).rows.filter((r) => r.origin === order.number);
    expect(flows.map((r) => r.warehouseCode).sort()).toEqual(['WH1', 'WH2']);
    const lines = async (code: string) => (await t.engine.run('inventory.transfer.get', { id: flows.find((r) => r.warehouseCode === code)!.id }, as)).lines.map((l) => [l.productId, l.quantity]);
    // WH1 (the region's) gives its 4 of A and all of B, keeps the 3 nobody has; WH2 gives its 5 of A.
    expect(await lines('WH1')).toEqual([[a.id, 7], [b.id, 2]]);
    expect(await lines('WH2')).toEqual([[a.id, 5]]);
    expect(order.lines.map((l) => l.reserved)).toEqual([9, 2]);
    const shipped = await f.ship(order.id, { createBackorder: true });
    expect(shipped.state).toBe('partially_delivered');
    expect(shipped.lines.map((l) => [l.delivered, l.cancelled])).toEqual([[9, 0], [2, 0]]);
    const inv = await t.engine.run('sales.invoice.create', { orderId: order.id }, as);
    expect(inv.lines.map((l) => l.quantity)).toEqual([9, 2]);
    expect((await t.engine.run('inventory.check', {}, as)).differences).toEqual([]);
  });

  it('keeps one warehouse when it can ship everything, or when the channel ships complete', async () => {
    const a = await f.stocked(5);
    await receiveAt(wh2.id, a.id, 5);
    const c = await f.customer({ creditLimitMinor: null });
    const one = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: a.id, quantity: 5 }], confirm: true }, clerk);
    const flows1 = (await t.engine.run('inventory.transfer.list', { query: one.number, limit: 50 }, as)).rows.filter((r) => r.origin === one.number);
    expect(flows1.map((r) => r.warehouseCode)).toEqual(['WH1']);
    await t.engine.run('sales.channel.setPolicy', { code: 'portal', backorderPolicy: 'ship_complete' }, as);
    const complete = await t.engine.run('sales.order.create', { customerId: c.id, channelCode: 'portal', lines: [{ productId: a.id, quantity: 8 }], confirm: true }, clerk);
    const flows2 = (await t.engine.run('inventory.transfer.list', { query: complete.number, limit: 50 }, as)).rows.filter((r) => r.origin === complete.number);
    expect(flows2.map((r) => r.warehouseCode)).toEqual(['WH1']);
  });
});
