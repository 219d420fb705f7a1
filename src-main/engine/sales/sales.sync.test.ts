import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncWorld, type SyncWorld, type TestBranch } from '../sync/testing';

describe('order to cash across branches and the centre', () => {
  let world: SyncWorld;
  let b1: TestBranch;
  let b2: TestBranch;

  beforeAll(async () => {
    world = await createSyncWorld();
    b1 = await world.addBranch('B05');
    b2 = await world.addBranch('B06');
    await b1.sync();
    await b2.sync();
  }, 180_000);
  afterAll(async () => world?.dispose());

  it('a branch sells to its new customer; the centre gets the order, the other branch only the customer', async () => {
    const as = { userId: await b1.adminId() };
    const wh = (await b1.engine.run('inventory.warehouse.list', {}, as)).rows.find((w) => w.code === 'WH1')!;
    const product = (await b1.engine.run('catalog.product.list', { limit: 50, offset: 40, sort: 'sku', dir: 'desc' }, as)).rows.find((p) => p.tracking === 'none')!;
    const receipt = await b1.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: wh.id, lines: [{ productId: product.id, quantity: 7, unitCostMinor: 300 }] }, as);
    await b1.engine.run('inventory.transfer.validate', { id: receipt.id }, as);
    const customer = await b1.engine.run(
      'partners.customer.create',
      { name: 'Branch Five Customer', customerClass: 'key_account', region: 'North', addresses: [{ kind: 'ship_to', line1: '5 Quay', city: 'Port' }] },
      as,
    );
    const order = await b1.engine.run('sales.order.create', { customerId: customer.id, channelCode: 'contract', customerPo: 'B05-PO-1', warehouseId: wh.id, lines: [{ productId: product.id, quantity: 3 }], confirm: true }, as);
    expect(order.state).toBe('confirmed');
    expect(order.number).toMatch(/^B05-SO-\d{4}-000001$/);
    // The demo's key-account pricelist reached the branch and priced the line.
    expect(order.lines[0]!.priceReason).toMatch(/pricelist KEY-ACCOUNTS/);

    const pushed = await b1.sync();
    expect(pushed.pending).toBe(0);
    const central = world.admin.db;
    expect(await central.selectFrom('sales_order').select(['number', 'state']).where('id', '=', order.id).executeTakeFirst()).toEqual({ number: order.number, state: 'confirmed' });
    const linked = await central.selectFrom('transfer_line').select('sales_line_id').where('transfer_id', '=', order.deliveryTransferId!).execute();
    expect(linked.map((l) => l.sales_line_id)).toEqual([order.lines[0]!.id]);
    const centre = await world.centralEngine.run('sales.order.get', { id: order.id }, { userId: world.adminUserId });
    expect(centre.lines[0]!.reserved).toBe(3);
    expect((await world.centralEngine.run('inventory.check', {}, { userId: world.adminUserId })).differences).toEqual([]);

    // A pull stops at the oldest transaction still running on the server (other tests share it): pull until the customer is there.
    const as2 = { userId: await b2.adminId() };
    for (let i = 0; i < 40; i++) {
      await b2.sync();
      if (await b2.db.db.selectFrom('partner').select('id').where('id', '=', customer.id).executeTakeFirst()) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect((await b2.engine.run('partners.customer.get', { id: customer.id }, as2)).addresses).toHaveLength(1);
    expect(await b2.db.db.selectFrom('sales_order').select('id').where('id', '=', order.id).executeTakeFirst()).toBeUndefined();
  });

  it('pricing and channel policies are master data: read-only on a branch', async () => {
    const as = { userId: await b1.adminId() };
    for (const [method, input] of [
      ['pricing.pricelist.create', { code: 'BR', name: 'Branch list' }],
      ['sales.channel.setPolicy', { code: 'rep', shipWithinHours: 12 }],
      ['sales.approvalRule.create', { name: 'x', kind: 'channel', channelCode: 'rep' }],
    ] as const) {
      const r = await b1.engine.call(method, input, as);
      expect(r.ok ? 'ok' : r.error.code, method).toBe('READ_ONLY');
    }
    // Quotes still work offline from the replicated pricelists.
    const product = (await b1.engine.run('catalog.product.list', { limit: 1 }, as)).rows[0]!;
    const customer = (await b1.engine.run('partners.customer.list', { customerClass: 'key_account', limit: 1 }, as)).rows[0]!;
    expect((await b1.engine.run('pricing.quote', { customerId: customer.id, productId: product.id }, as)).pricelistId).not.toBeNull();
  });
});
