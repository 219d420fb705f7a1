import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salesFixture } from '../sales/fixtures';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';

/**
 * Figures from real sales orders and a real return (service RMA), by hand:
 *  - order O1: 10 units of P (6 in stock): ships 6, the backorder of 4 ships after 4 arrive;
 *  - the customer returns 2 units through an RMA (received into the Returns location).
 * Ordered comes from the sales order line (10), revenue from its price; return rate = 2 ÷ 10.
 */
describe.each(DIALECTS)('reports from sales orders and returns (%s)', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let subtotal = 0;
  const today = new Date().toISOString().slice(0, 10);
  const filter = { from: today, to: today };

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    const f = await salesFixture(t.engine, as);
    const customer = await f.customer();
    const p = await f.stocked(6);
    const created = await t.engine.run('sales.order.create', { customerId: customer.id, channelCode: 'rep', lines: [{ productId: p.id, quantity: 10 }], confirm: true }, as);
    await f.ship(created.id);
    await f.receive(p.id, 4);
    await f.ship(created.id);
    const order = await t.engine.run('sales.order.get', { id: created.id }, as);
    expect(order.lines[0]!.delivered).toBe(10);
    subtotal = order.lines[0]!.subtotalMinor;
    const rma = await t.engine.run('service.rma.create', { orderId: order.id, reason: 'Two arrived damaged', lines: [{ orderLineId: order.lines[0]!.id, quantity: 2 }] }, as);
    await t.engine.run('service.rma.receive', { id: rma.id, lines: [{ lineId: rma.lines[0]!.id, quantity: 2 }] }, as);
    await t.engine.run('reports.refresh', {}, as);
  }, 120_000);

  afterAll(async () => {
    await t?.dispose();
  });

  it('ordered comes from the sales order line: 6 of 10 on the first shipment', async () => {
    const r = await t.engine.run('reports.kpi', { kpi: 'fill_rate_units', filter }, as);
    expect([r.numerator, r.denominator]).toEqual([6, 10]);
    const otif = await t.engine.run('reports.kpi', { kpi: 'otif', filter }, as);
    expect(otif.denominator).toBe(1);
  });

  it('return rate = units returned ÷ units shipped: 2 of 10', async () => {
    const r = await t.engine.run('reports.kpi', { kpi: 'return_rate', filter }, as);
    expect([r.numerator, r.denominator]).toEqual([2, 10]);
  });

  it('channel margin takes revenue at the sales order price and COGS from the ledger', async () => {
    const r = await t.engine.run('reports.kpi', { kpi: 'channel_margin', filter, groupBy: 'channel' }, as);
    expect(r.denominator).toBe(subtotal);
    expect(r.numerator).toBe(subtotal - 10 * 400);
  });
});
