import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';
import { purchasingFixture } from './fixtures';
import { demandLevels, normalQuantile } from './replenish';
import { roundToVendor } from './vendors';

describe('replenishment arithmetic', () => {
  it('takes z from the service level and sizes safety stock, min and max from demand', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.95)).toBeCloseTo(1.6449, 4);
    expect(normalQuantile(0.99)).toBeCloseTo(2.3263, 4);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.3263, 4);
    // One day of 30 units in 90: mean 1/3, σ ≈ 3.145; 5 days' lead time at 95 %.
    const mean = 30 / 90;
    const sd = Math.sqrt(900 / 90 - mean * mean);
    expect(demandLevels({ mean, sd }, 5, 9500, 30)).toEqual({ safety: 12, min: 14, max: 24 });
    expect(demandLevels({ mean: 0, sd: 0 }, 5, 9500, 30)).toEqual({ safety: 0, min: 0, max: 0 });
  });
  it('rounds a need up to the MOQ and the order multiple', () => {
    expect(roundToVendor(3, 10, 5)).toBe(10);
    expect(roundToVendor(11, 10, 5)).toBe(15);
    expect(roundToVendor(7, 1, 6)).toBe(12);
    expect(roundToVendor(12, 1, 6)).toBe(12);
  });
});

describe.each(DIALECTS)('replenishment run on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let w1: Awaited<ReturnType<typeof purchasingFixture>>;
  let w2: Awaited<ReturnType<typeof purchasingFixture>>;

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    w1 = await purchasingFixture(t.engine, as, { code: 'RW1' });
    w2 = await purchasingFixture(t.engine, as, { code: 'RW2' });
  });
  afterAll(async () => t.dispose());
  const rule = (productId: string, warehouseId: string, minQty: number, maxQty: number) => t.engine.run('purchasing.reorderRule.set', { productId, warehouseId, method: 'min_max', minQty, maxQty }, as);

  it('buys below min up to max in the vendor multiple, rebalances from a warehouse with surplus first, and sends exceptions to review', async () => {
    const v = await w1.vendor({ minOrderQty: 10, orderMultiple: 10 });
    const a = await w1.bought(v.id, 100);
    await w1.receive(a.id, 5, 100);
    await rule(a.id, w1.wh.id, 20, 100);
    // B: nothing in RW1, 40 in RW2 whose max is 10 → 30 surplus moves before buying the rest.
    const b = await w1.bought(v.id, 100);
    await w2.receive(b.id, 40, 100);
    await rule(b.id, w1.wh.id, 10, 50);
    await rule(b.id, w2.wh.id, 0, 10);
    // C: a customer waits for 10 that are not there → projected below zero before any order arrives.
    const c = await w1.bought(v.id, 100);
    await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: w1.wh.id, lines: [{ productId: c.id, quantity: 10 }] }, as);
    await rule(c.id, w1.wh.id, 5, 20);

    const poCount = async () => Number((await t.database.db.selectFrom('purchase_order').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await poCount();
    const dry = await t.engine.run('purchasing.replenish.run', { warehouseId: w1.wh.id, dryRun: true }, as);
    expect(await poCount()).toBe(before);
    expect(dry.runId).toBeNull();
    const byProduct = (r: typeof dry, id: string) => r.proposals.filter((p) => p.productId === id).map((p) => [p.kind, p.quantity, p.exception, p.state]);
    expect(byProduct(dry, a.id)).toEqual([['buy', 100, null, 'proposed']]);
    expect(byProduct(dry, b.id)).toEqual([['transfer', 30, null, 'proposed'], ['buy', 20, null, 'proposed']]);
    expect(byProduct(dry, c.id)).toEqual([['buy', 30, 'urgent', 'review']]);
    expect(dry.proposals.find((p) => p.productId === a.id)!.reason).toMatch(/projected 5 in 5 days .* below min 20; min 20 \/ max 100; buy 100/);

    const run = await t.engine.run('purchasing.replenish.run', { warehouseId: w1.wh.id }, as);
    expect(run.ordersCreated).toHaveLength(1);
    expect(run.ordersCreated[0]).toMatchObject({ lines: 2, totalMinor: 12_000 });
    expect(run.transfersCreated).toBe(1);
    expect(run.inReview).toBe(1);
    const po = await t.engine.run('purchasing.po.get', { id: run.ordersCreated[0]!.id }, as);
    expect(po.state).toBe('draft');
    expect(po.lines.map((l) => l.reason)).toEqual([expect.stringMatching(/min 20/), expect.stringMatching(/min 10/)]);
    expect((await t.engine.run('inventory.availability', { productId: b.id }, as)).byWarehouse.find((x) => x.code === 'RW2')!.outgoing).toBe(30);

    const review = await t.engine.run('purchasing.replenish.review', { runId: run.runId! }, as);
    expect(review.rows.map((r) => [r.sku, r.exception])).toEqual([[c.sku, 'urgent']]);
    const decided = await t.engine.run('purchasing.replenish.decide', { id: review.rows[0]!.id, accept: true }, as);
    expect(decided.proposal.state).toBe('ordered');
    // Urgent procurement needs approval even below the amount threshold.
    const urgent = await t.engine.run('purchasing.po.submit', { id: decided.orderId! }, as);
    expect(urgent).toMatchObject({ urgent: true, state: 'to_approve' });

    // A second run sees the incoming stock and proposes nothing more for A.
    const again = await t.engine.run('purchasing.replenish.run', { warehouseId: w1.wh.id, dryRun: true }, as);
    expect(again.proposals.filter((p) => p.productId === a.id)).toEqual([]);
  });

  it('puts reviewed proposals of one run for the same vendor and warehouse on one urgent order', async () => {
    const v = await w2.vendor();
    const x = await w2.bought(v.id, 100);
    const y = await w2.bought(v.id, 200);
    for (const p of [x, y]) {
      await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: w2.wh.id, lines: [{ productId: p.id, quantity: 4 }] }, as);
      await rule(p.id, w2.wh.id, 2, 10);
    }
    const run = await t.engine.run('purchasing.replenish.run', { warehouseId: w2.wh.id }, as);
    const review = (await t.engine.run('purchasing.replenish.review', { runId: run.runId! }, as)).rows.filter((r) => r.productId === x.id || r.productId === y.id);
    expect(review.map((r) => r.exception)).toEqual(['urgent', 'urgent']);
    const a = await t.engine.run('purchasing.replenish.decide', { id: review[0]!.id, accept: true }, as);
    const b = await t.engine.run('purchasing.replenish.decide', { id: review[1]!.id, accept: true }, as);
    expect(b.orderId).toBe(a.orderId);
    const po = await t.engine.run('purchasing.po.get', { id: a.orderId! }, as);
    expect(po.lines.map((l) => l.quantity).sort()).toEqual([14, 14]);
    expect(po).toMatchObject({ urgent: true, totalMinor: 14 * 100 + 14 * 200 });
  });

  it('flags high-value lines and vendors that deliver late', async () => {
    const late = await w1.vendor();
    const p = await w1.bought(late.id, 100);
    const po = await w1.sentOrder({ vendorId: late.id, warehouseId: w1.wh.id, expectedDate: '2020-01-01T00:00:00.000Z', lines: [{ productId: p.id, quantity: 1 }] });
    await t.engine.run('purchasing.po.receive', { id: po.id, lines: [{ lineId: po.lines[0]!.id, quantity: 1 }] }, as);
    expect((await t.engine.run('purchasing.vendor.get', { id: late.id }, as)).performance.onTimeRateBp).toBe(0);
    await t.engine.run('purchasing.settings.set', { poorOnTimeMinLines: 1 }, as);
    const q = await w1.bought(late.id, 100);
    await rule(q.id, w1.wh.id, 5, 10);
    const pricey = await w1.vendor();
    const r = await w1.bought(pricey.id, 5_000_000);
    await rule(r.id, w1.wh.id, 1, 2);
    const dry = await t.engine.run('purchasing.replenish.run', { dryRun: true }, as);
    expect(dry.proposals.find((x) => x.productId === q.id)).toMatchObject({ exception: 'poor_vendor', state: 'review' });
    expect(dry.proposals.find((x) => x.productId === r.id)).toMatchObject({ exception: 'high_value', state: 'review', valueMinor: 10_000_000 });
  });

  it('sizes demand-driven rules from delivery history', async () => {
    const v = await w1.vendor({ leadTimeDays: 10 });
    const p = await w1.bought(v.id, 100);
    await w1.receive(p.id, 40, 100);
    const out = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: w1.wh.id, lines: [{ productId: p.id, quantity: 36 }] }, as);
    await t.engine.run('inventory.transfer.validate', { id: out.id }, as);
    await t.engine.run('purchasing.reorderRule.set', { productId: p.id, warehouseId: w1.wh.id, method: 'demand', windowDays: 90, serviceLevelBp: 9500, coverDays: 30 }, as);
    const dry = await t.engine.run('purchasing.replenish.run', { warehouseId: w1.wh.id, dryRun: true }, as);
    const mine = dry.proposals.find((x) => x.productId === p.id)!;
    // mean 0.4/day, σ ≈ 3.77 → horizon demand 4, safety ⌈1.645 × 3.77 × √10⌉ = 20, min 24, max 36.
    expect(mine.projected).toBe(0);
    expect(mine.quantity).toBe(36);
    expect(mine.reason).toMatch(/demand 0\.40\/day .* safety stock 20 at 95\.0 % service/);
  });
});
