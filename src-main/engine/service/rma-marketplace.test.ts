import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportReport } from '../../../src-shared/contract/imports';
import { runImport } from '../../../src-shared/import-driver';
import { salesFixture } from '../sales/fixtures';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';

/**
 * "Marketplace returns are tracked here too": a return (RMA) of an order that came in from a
 * marketplace file keeps the channel (on the RMA and on its return receipt) and the
 * marketplace's own order id stays linked to the order; the return counts in the return rate.
 */
describe.each(DIALECTS)('marketplace returns on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let f: Awaited<ReturnType<typeof salesFixture>>;
  const today = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    f = await salesFixture(t.engine, as);
    await t.engine.run('sales.channel.setPolicy', { code: 'marketplace', defaultWarehouseId: f.wh.id }, as);
  });
  afterAll(async () => t.dispose());

  it('an RMA of a marketplace order records the channel and reaches the marketplace order id; the return rate counts it', async () => {
    const customer = await f.customer({ code: `MKT-${dialect}`.toUpperCase(), email: `mkt-${dialect}@example.com` });
    const product = await f.stocked(20);
    const csv = ['order_id,customer_code,sku,quantity,unit_price', `AMZ-700-${dialect},${customer.code},${product.sku},4,10.00`].join('\n');
    const report = await runImport((method, input) => t.engine.run(method, input as never, as) as Promise<ImportReport>, {
      kind: 'orders',
      channelCode: 'marketplace',
      fileName: 'marketplace.csv',
      content: csv,
      encoding: 'text',
    });
    expect(report.orders.map((o) => o.status)).toEqual(['accepted']);
    const orderId = report.orders[0]!.orderId!;
    const order = await t.engine.run('sales.order.get', { id: orderId }, as);
    expect(order.channelCode).toBe('marketplace');
    await f.ship(orderId);

    const rma = await t.engine.run('service.rma.create', { orderId, reason: 'Buyer returned it through the marketplace: wrong size', lines: [{ orderLineId: order.lines[0]!.id, quantity: 1 }] }, as);
    expect(rma.state).toBe('authorised');
    await t.engine.run('service.rma.receive', { id: rma.id, lines: [{ lineId: rma.lines[0]!.id, quantity: 1 }] }, as);

    // The RMA and its return receipt carry the marketplace channel.
    const row = await t.database.db.selectFrom('rma').select(['channel_code', 'order_id']).where('id', '=', rma.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ channel_code: 'marketplace', order_id: orderId });
    const receipt = await t.database.db.selectFrom('transfer').select(['channel_code', 'origin', 'state']).where('id', '=', rma.receiptTransferId!).executeTakeFirstOrThrow();
    expect(receipt).toEqual({ channel_code: 'marketplace', origin: rma.number, state: 'done' });
    // The marketplace's order id leads to the order the RMA returns (the import's key).
    const key = await t.database.db.selectFrom('import_key').select(['key', 'order_id']).where('order_id', '=', orderId).executeTakeFirstOrThrow();
    expect(key).toEqual({ key: `order:marketplace:AMZ-700-${dialect}`, order_id: orderId });

    // Return rate = units returned ÷ units shipped: the marketplace unit is in it.
    await t.engine.run('reports.refresh', {}, as);
    const rate = await t.engine.run('reports.kpi', { kpi: 'return_rate', filter: { from: today, to: today } }, as);
    expect([rate.numerator, rate.denominator]).toEqual([1, 4]);
  }, 120_000);
});
