import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncWorld, edi850, type SyncWorld, type TestBranch } from '../sync/testing';

describe('imports across branches and the centre', () => {
  let world: SyncWorld;
  let b1: TestBranch;
  let b2: TestBranch;

  beforeAll(async () => {
    world = await createSyncWorld();
    b1 = await world.addBranch('B07');
    b2 = await world.addBranch('B08');
    await b1.sync();
    await b2.sync();
  }, 180_000);
  afterAll(async () => world?.dispose());

  it('a branch imports EDI offline; the centre gets the order, its idempotency key, 855 and notification; the SKU alias reaches the other branch', async () => {
    const as = { userId: await b1.adminId() };
    const products = (await b1.engine.run('catalog.product.list', { limit: 50, offset: 60, sort: 'sku', dir: 'asc' }, as)).rows.filter((p) => p.tracking === 'none').slice(0, 2);
    const customer = await b1.engine.run('partners.customer.create', { name: 'EDI Retail B07', externalId: 'B07SENDER', email: 'edi@example.com', region: 'North', customerClass: 'regular', creditLimitMinor: null }, as);
    const price = (minor: number) => (minor / 100).toFixed(2);
    const quote = async (id: string) => (await b1.engine.run('pricing.quote', { customerId: customer.id, productId: id }, as)).unitPriceMinor;
    const items = [
      { sku: products[0]!.sku, qty: 2, price: price(await quote(products[0]!.id)) },
      { sku: 'THEIR-CODE-9', qty: 1, price: price(await quote(products[1]!.id)) },
    ];
    let r = await b1.engine.run('imports.stage', { kind: 'edi', fileName: 'b07.edi', content: edi850('B07SENDER', '000000777', 'B07-EDI-PO', items) }, as);
    r = await b1.engine.run('imports.apply', { batchId: r.batch.id }, as);
    expect(r.orders[0]).toMatchObject({ status: 'held', holdKind: 'unknown_sku', unmapped: [expect.objectContaining({ sku: 'THEIR-CODE-9' })] });
    r = await b1.engine.run('imports.sku.map', { batchId: r.batch.id, externalSku: 'THEIR-CODE-9', productId: products[1]!.id, forCustomerOnly: false }, as);
    const imported = r.orders[0]!;
    expect(imported).toMatchObject({ status: 'accepted', message: expect.stringMatching(/confirmed/) });
    expect(imported.orderId).not.toBeNull();

    expect((await b1.sync()).pending).toBe(0);
    const central = world.admin.db;
    expect(await central.selectFrom('sales_order').select(['customer_po', 'channel_code']).where('id', '=', imported.orderId!).executeTakeFirst()).toEqual({ customer_po: 'B07-EDI-PO', channel_code: 'edi' });
    expect(await central.selectFrom('import_key').select('order_id').where('key', '=', 'edi:ZZ:B07SENDER:000000777:0001').execute()).toEqual([{ order_id: imported.orderId }]);
    expect(await central.selectFrom('edi_document').select('kind').where('order_id', '=', imported.orderId!).execute()).toEqual([{ kind: '855' }]);
    expect(await central.selectFrom('notification').select('kind').where('order_id', '=', imported.orderId!).execute()).toEqual([{ kind: 'order_confirmation' }]);

    // The alias is shared: the other branch resolves the same code.
    for (let i = 0; i < 40; i++) {
      await b2.sync();
      if (await b2.db.db.selectFrom('sku_alias').select('id').where('external_sku', '=', 'THEIR-CODE-9').executeTakeFirst()) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(await b2.db.db.selectFrom('sku_alias').select('product_id').where('external_sku', '=', 'THEIR-CODE-9').executeTakeFirst()).toEqual({ product_id: products[1]!.id });
    // Private documents stay with their branch.
    expect(await b2.db.db.selectFrom('import_key').select('id').executeTakeFirst()).toBeUndefined();
  });
});
