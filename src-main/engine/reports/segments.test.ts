import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salesFixture } from '../sales/fixtures';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';

/**
 * Segments of the figures (KPI_SEGMENTS) and the return breakdown, from real sales orders and
 * RMAs, by hand. One warehouse; P (vendor V at the warehouse) and Q (no vendor), 50 each:
 *  - O1 Key (key account, North) via portal: P 10, Q 4 — shipped;
 *  - O2 Cons (consumer, South) via marketplace: P 6 — shipped;
 *  - O3 Cons via rep: Q 5 — shipped;
 *  - RMA1 of O1: P 3, with a ticket categorised quality defect; RMA2 of O2: P 2, no ticket;
 *    RMA3 of O1: Q 1, ticket categorised wrong item picked. All received.
 * Shipped: portal 14, marketplace 6, rep 5 (25). Returned: portal 4, marketplace 2 (6).
 */
describe.each(DIALECTS)('report segments and return reasons (%s)', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let whId: string;
  let key: { id: string };
  let cons: { id: string };
  let p: { id: string; sku: string };
  let q: { id: string };
  let vendorId: string;
  let hasModel = false;
  const rmaNumbers: string[] = [];
  const today = new Date().toISOString().slice(0, 10);
  const filter = (extra: Record<string, string> = {}) => ({ from: today, to: today, ...extra });
  const kpi = (k: string, extra: Record<string, unknown> = {}) => t.engine.run('reports.kpi', { kpi: k as never, filter: filter(), ...extra } as never, as);
  const cut = (r: { rows: { key: string; numerator: number; denominator: number }[] }) => r.rows.map((x) => [x.key, x.numerator, x.denominator]);

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    const f = await salesFixture(t.engine, as);
    whId = f.wh.id;
    for (const code of ['portal', 'marketplace', 'rep'] as const) await t.engine.run('sales.channel.setPolicy', { code, defaultWarehouseId: whId, routingRule: 'default_warehouse' }, as);
    key = await f.customer({ region: 'North', customerClass: 'key_account' });
    cons = await f.customer({ region: 'South', customerClass: 'consumer' });
    p = await f.stocked(50);
    q = await f.stocked(50);
    vendorId = (await t.engine.run('purchasing.vendor.create', { name: `Vendor V ${dialect}` }, as)).id;
    await t.engine.run('purchasing.preferredVendor.set', { productId: p.id, warehouseId: whId, vendorId }, as);

    const order = async (customerId: string, channelCode: 'portal' | 'marketplace' | 'rep', lines: { productId: string; quantity: number }[]) => {
      const o = await t.engine.run('sales.order.create', { customerId, channelCode, lines, confirm: true, paymentCaptured: true }, as);
      await f.ship(o.id);
      const got = await t.engine.run('sales.order.get', { id: o.id }, as);
      expect(got.lines.reduce((s, l) => s + l.delivered, 0)).toBe(lines.reduce((s, l) => s + l.quantity, 0));
      return got;
    };
    const o1 = await order(key.id, 'portal', [
      { productId: p.id, quantity: 10 },
      { productId: q.id, quantity: 4 },
    ]);
    const o2 = await order(cons.id, 'marketplace', [{ productId: p.id, quantity: 6 }]);
    await order(cons.id, 'rep', [{ productId: q.id, quantity: 5 }]);

    const ret = async (o: typeof o1, productId: string, quantity: number, category: string | null, reason: string) => {
      let ticketId: string | null = null;
      if (category) {
        const ticket = await t.engine.run('service.ticket.create', { type: 'return_request', customerId: o.customerId, subject: 'Return', description: reason, orderId: o.id }, as);
        await t.engine.run('service.ticket.categorize', { id: ticket.id, category: category as never }, as);
        ticketId = ticket.id;
      }
      const line = o.lines.find((l) => l.productId === productId)!;
      const rma = await t.engine.run('service.rma.create', { orderId: o.id, ticketId, reason, lines: [{ orderLineId: line.id, quantity }] }, as);
      expect(rma.state).toBe('authorised');
      await t.engine.run('service.rma.receive', { id: rma.id, lines: [{ lineId: rma.lines[0]!.id, quantity }] }, as);
      rmaNumbers.push(rma.number);
    };
    await ret(o1, p.id, 3, 'quality_defect', 'The casing cracked after a day');
    await ret(o2, p.id, 2, null, 'Not what I expected');
    await ret(o1, q.id, 1, 'wrong_item_picked', 'We got the wrong item');
    hasModel = (await t.database.db.selectFrom('classifier_model').select('name').execute()).length > 0;
    await t.engine.run('reports.refresh', {}, as);
  }, 180_000);

  afterAll(async () => {
    await t?.dispose();
  });

  it('return rate by channel, customer class, region and warehouse equals the documents', async () => {
    expect(cut(await kpi('return_rate', { groupBy: 'channel' }))).toEqual([
      ['marketplace', 2, 6],
      ['portal', 4, 14],
      ['rep', 0, 5],
    ]);
    expect(cut(await kpi('return_rate', { groupBy: 'customerClass' }))).toEqual([
      ['consumer', 2, 11],
      ['key_account', 4, 14],
    ]);
    expect(cut(await kpi('return_rate', { groupBy: 'region' }))).toEqual([
      ['North', 4, 14],
      ['South', 2, 11],
    ]);
    const byWh = await kpi('return_rate', { groupBy: 'warehouse' });
    expect(cut(byWh)).toEqual([[whId, 6, 25]]);
    // Filters: one channel; a region split by channel.
    const portal = await kpi('return_rate', { filter: filter({ channel: 'portal' }) });
    expect([portal.numerator, portal.denominator]).toEqual([4, 14]);
    expect(cut(await kpi('return_rate', { filter: filter({ region: 'South' }), groupBy: 'channel' }))).toEqual([
      ['marketplace', 2, 6],
      ['rep', 0, 5],
    ]);
    const none = await kpi('return_rate', { filter: filter({ customerClass: 'regular' }) });
    expect([none.numerator, none.denominator]).toEqual([0, 0]);
    // The segment table and the warehouse table hold the same units.
    const total = await kpi('return_rate');
    expect([total.numerator, total.denominator]).toEqual([6, 25]);
  });

  it('the other figures keep their customer segments (fill rate by region and channel)', async () => {
    expect(cut(await kpi('fill_rate_units', { groupBy: 'region' }))).toEqual([
      ['North', 14, 14],
      ['South', 11, 11],
    ]);
    const marketplace = await kpi('channel_margin', { filter: filter({ channel: 'marketplace' }) });
    expect(marketplace.rows.map((r) => r.key)).toEqual(['all']);
  });

  it('refuses segments that do not apply, saying why', async () => {
    await expect(kpi('inventory_accuracy', { groupBy: 'channel' })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/^Inventory accuracy cannot be split by channel: a cycle count checks the stock on a warehouse shelf/),
      details: { fields: [{ path: 'groupBy', message: 'Use one of: none, warehouse, month, week' }] },
    });
    await expect(kpi('vendor_on_time', { filter: filter({ customerClass: 'key_account' }) })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/^Vendor on-time rate cannot be filtered by customer class: it measures vendors’ receipts/),
      details: { fields: [{ path: 'filter.customerClass' }] },
    });
    await expect(kpi('stockout_frequency', { groupBy: 'region' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('cannot be split by region') });
    await expect(kpi('inventory_turns', { filter: filter({ channel: 'portal' }) })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('cannot be filtered by channel') });
    await expect(kpi('days_of_supply', { groupBy: 'customerClass' })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('cannot be split by customer class') });
    // The tiles and the drill-down refuse the same way.
    await expect(t.engine.run('reports.kpis', { kpis: ['otif', 'inventory_accuracy'], filter: filter({ region: 'North' }) }, as)).rejects.toMatchObject({ message: expect.stringContaining('Inventory accuracy cannot be filtered by region') });
    await expect(t.engine.run('reports.drill', { kpi: 'stockout_frequency', filter: filter({ channel: 'portal' }) }, as)).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('days of supply and inventory turns by month: the figure at each month end, the total at the period end', async () => {
    const first = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
    const both = { from: first, to: today };
    const dos = await t.engine.run('reports.kpi', { kpi: 'days_of_supply', filter: both, groupBy: 'month' }, as);
    expect(dos.rows.map((r) => r.key)).toEqual([first.slice(0, 7), today.slice(0, 7)]);
    // Last month: nothing on hand yet, nothing shipped. Now: P 50 − 16 + 5, Q 50 − 9 + 1 = 81 on hand; 25 shipped over 90 days.
    expect([dos.rows[0]!.numerator, dos.rows[0]!.denominator, dos.rows[0]!.value]).toEqual([0, 0, null]);
    expect(dos.rows[1]!.numerator).toBe(81);
    expect(dos.value).toBeCloseTo(81 / (25 / 90), 6);
    const plain = await t.engine.run('reports.kpi', { kpi: 'days_of_supply', filter: both }, as);
    expect(plain.value).toBeCloseTo(dos.value!, 9);
    const turns = await t.engine.run('reports.kpi', { kpi: 'inventory_turns', filter: both, groupBy: 'week' }, as);
    const turnsNow = await t.engine.run('reports.kpi', { kpi: 'inventory_turns', filter: both }, as);
    expect(turns.rows.at(-1)!.numerator).toBe(turnsNow.numerator);
    expect(turns.value).toBeCloseTo(turnsNow.value!, 9);
  });

  it('return reasons per product, vendor, channel and customer', async () => {
    const other = hasModel ? null : 'uncategorised'; // RMA2 has no ticket: the classifier's suggestion, else uncategorised
    const byProduct = await t.engine.run('reports.returns.breakdown', { filter: filter(), groupBy: 'product' }, as);
    expect(byProduct.rows.map((r) => [r.key, r.returnedQty, r.rmas, r.shippedQty])).toEqual([
      [p.id, 5, 2, 16],
      [q.id, 1, 1, 9],
    ]);
    expect(byProduct.rows[0]!.label.startsWith(p.sku)).toBe(true);
    expect(byProduct.rows[0]!.rate).toBeCloseTo(5 / 16, 10);
    const pReasons = byProduct.rows[0]!.reasons;
    expect(pReasons[0]).toEqual({ category: 'quality_defect', units: 3, rmas: 1, suggested: 0 });
    expect(pReasons.reduce((s, r) => s + r.units, 0)).toBe(5);
    if (other) expect(pReasons[1]).toEqual({ category: other, units: 2, rmas: 1, suggested: 0 });
    else expect(pReasons.reduce((s, r) => s + r.suggested, 0)).toBe(2);
    expect(byProduct.rows[1]!.reasons).toEqual([{ category: 'wrong_item_picked', units: 1, rmas: 1, suggested: 0 }]);
    expect([byProduct.total.returnedQty, byProduct.total.rmas, byProduct.total.shippedQty]).toEqual([6, 3, 25]);

    const byVendor = await t.engine.run('reports.returns.breakdown', { filter: filter(), groupBy: 'vendor' }, as);
    expect(byVendor.rows.map((r) => [r.key, r.returnedQty, r.shippedQty])).toEqual([
      [vendorId, 5, 16],
      ['none', 1, 9],
    ]);
    expect(byVendor.rows[1]!.label).toBe('No vendor');

    const byChannel = await t.engine.run('reports.returns.breakdown', { filter: filter(), groupBy: 'channel' }, as);
    expect(byChannel.rows.map((r) => [r.key, r.returnedQty, r.rmas, r.shippedQty])).toEqual([
      ['portal', 4, 2, 14],
      ['marketplace', 2, 1, 6],
    ]);
    expect(byChannel.rows[0]!.reasons.map((r) => [r.category, r.units])).toEqual([
      ['quality_defect', 3],
      ['wrong_item_picked', 1],
    ]);

    const byCustomer = await t.engine.run('reports.returns.breakdown', { filter: filter(), groupBy: 'customer' }, as);
    expect(byCustomer.rows.map((r) => [r.key, r.returnedQty, r.shippedQty])).toEqual([
      [key.id, 4, 14],
      [cons.id, 2, 11],
    ]);

    // Segment filters: the RMA's channel; by product the shipped units are then unknown.
    const portal = await t.engine.run('reports.returns.breakdown', { filter: filter({ channel: 'portal' }), groupBy: 'product' }, as);
    expect(portal.rows.map((r) => [r.key, r.returnedQty, r.shippedQty, r.rate])).toEqual([
      [p.id, 3, null, null],
      [q.id, 1, null, null],
    ]);
    expect(portal.total.shippedQty).toBe(14);
    const south = await t.engine.run('reports.returns.breakdown', { filter: filter({ region: 'South' }), groupBy: 'customer' }, as);
    expect(south.rows.map((r) => [r.key, r.returnedQty, r.shippedQty])).toEqual([[cons.id, 2, 11]]);
  });

  it('the return rate by channel drills down to the return receipts of that channel', async () => {
    const d = await t.engine.run('reports.drill', { kpi: 'return_rate', filter: filter({ channel: 'portal' }) }, as);
    expect(d.total).toBe(2);
    expect(d.rows.map((r) => r.origin).sort()).toEqual([rmaNumbers[0], rmaNumbers[2]].sort());
    expect(d.rows.map((r) => r.detail).sort()).toEqual(['returned 1 units of 1 product', 'returned 3 units of 1 product']);
  });

  it('a rebuild and the migration backfill give the same segment table', async () => {
    const before = await t.database.db.selectFrom('report_flow_day' as never).selectAll().orderBy(['channel_code' as never, 'region' as never]).execute();
    await t.engine.run('reports.refresh', { rebuild: true }, as);
    const after = await t.database.db.selectFrom('report_flow_day' as never).selectAll().orderBy(['channel_code' as never, 'region' as never]).execute();
    expect(after).toEqual(before);
    // The migration's backfill (moves up to the ledger cursor) writes the same rows.
    const { up } = await import('../../../migrations/0021_report_segments');
    await t.database.db.schema.dropTable('report_flow_day').execute();
    await up(t.database.db as never);
    const backfilled = await t.database.db.selectFrom('report_flow_day' as never).selectAll().orderBy(['channel_code' as never, 'region' as never]).execute();
    expect(backfilled).toEqual(before);
  });
});
