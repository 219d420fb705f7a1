import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';
import { salesFixture } from '../sales/fixtures';
import { priceFor, pricesFor, productsById, type PricingContext } from './price';
import { divRound, formatBp, lessPercent, lineAmounts, lineAmountsBetween, marginBp, percentOf, plusPercent } from './money';

describe('money math', () => {
  it('rounds half away from zero, exactly, in integers', () => {
    expect([divRound(5n, 2n), divRound(-5n, 2n), divRound(7n, 3n), divRound(-7n, 3n), divRound(8n, 3n), divRound(-8n, 3n)]).toEqual([3n, -3n, 2n, -2n, 3n, -3n]);
    expect(lessPercent(1001, 5000)).toBe(501); // 500.5 → 501
    expect(lessPercent(999, 1250)).toBe(874); // 874.125
    expect(plusPercent(400, 5000)).toBe(600);
    expect(plusPercent(333, 1)).toBe(333); // 333.0333
    expect(percentOf(3000, 825)).toBe(248); // 247.5 → 248
    // No float ever: 2^53 − 1 cents times a percentage stays exact.
    expect(lessPercent(Number.MAX_SAFE_INTEGER, 0)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => plusPercent(Number.MAX_SAFE_INTEGER, 10_000)).toThrow(RangeError);
  });

  it('splits a line into parts that add up to the whole', () => {
    const line = { unitPriceMinor: 333, discountBp: 333, taxRateBp: 825 };
    const whole = lineAmounts(line, 7);
    const parts = [lineAmountsBetween(line, 0, 2), lineAmountsBetween(line, 2, 3), lineAmountsBetween(line, 3, 7)];
    expect(parts.reduce((s, p) => s + p.totalMinor, 0)).toBe(whole.totalMinor);
    expect(parts.reduce((s, p) => s + p.taxMinor, 0)).toBe(whole.taxMinor);
    expect(whole).toEqual({ subtotalMinor: 2253, taxMinor: 186, totalMinor: 2439 });
    expect(marginBp(420, 400)).toBe(476);
    expect(formatBp(1250)).toBe('12.5 %');
    expect(formatBp(5)).toBe('0.05 %');
  });
});

describe.each(DIALECTS)('pricing on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let f: Awaited<ReturnType<typeof salesFixture>>;

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    f = await salesFixture(t.engine, as);
  });
  afterAll(async () => t.dispose());

  it('picks the rule: contract price, customer pricelist, class, channel, default; breaks; validity dates', async () => {
    const p = await f.stocked(0);
    const catProduct = await f.stocked(0);
    const cats = await t.engine.run('catalog.category.create', { name: `Cat ${dialect}` }, as);
    await t.engine.run('catalog.product.update', { id: catProduct.id, version: catProduct.version, categoryId: cats.id }, as);
    const regular = await f.customer();
    const key = await f.customer({ customerClass: 'key_account' });
    const def = await t.engine.run('pricing.pricelist.create', { code: 'DEFAULT', name: 'Company list', isDefault: true }, as);
    await t.engine.run('pricing.rule.create', { pricelistId: def.id, method: 'cost_plus', percentBp: 5000 }, as);
    const web = await t.engine.run('pricing.pricelist.create', { code: 'WEB', name: 'Web store', channelCode: 'ecommerce' }, as);
    await t.engine.run('pricing.rule.create', { pricelistId: web.id, method: 'list_discount', percentBp: 500 }, as);
    const ka = await t.engine.run('pricing.pricelist.create', { code: 'KA', name: 'Key accounts', customerClass: 'key_account' }, as);
    await t.engine.run('pricing.rule.create', { pricelistId: ka.id, method: 'list_discount', percentBp: 1000 }, as);
    const kaCat = await t.engine.run('pricing.rule.create', { pricelistId: ka.id, categoryId: cats.id, method: 'list_discount', percentBp: 2000 }, as);
    const past = await t.engine.run('pricing.rule.create', { pricelistId: ka.id, productId: p.id, method: 'fixed', priceMinor: 700, validFrom: '2020-01-01', validTo: '2020-12-31', label: 'Launch offer' }, as);
    await t.engine.run('pricing.rule.create', { pricelistId: ka.id, productId: p.id, method: 'list_discount', percentBp: 1500, minQuantity: 10 }, as);
    await t.engine.run('pricing.rule.create', { pricelistId: ka.id, productId: p.id, method: 'list_discount', percentBp: 2000, minQuantity: 50 }, as);
    const contract = await t.engine.run('pricing.rule.create', { pricelistId: ka.id, productId: p.id, partnerId: key.id, method: 'fixed', priceMinor: 777 }, as);
    const quote = (customerId: string, productId: string, quantity: number, extra: { channelCode?: 'ecommerce' | 'rep'; date?: string } = {}) => t.engine.run('pricing.quote', { customerId, productId, quantity, ...extra }, as);

    expect(await quote(regular.id, p.id, 1)).toMatchObject({ unitPriceMinor: 600, reason: 'Cost + 50 % on all products, pricelist DEFAULT "Company list"' });
    expect(await quote(regular.id, p.id, 1, { channelCode: 'ecommerce' })).toMatchObject({ unitPriceMinor: 950, pricelistId: web.id });
    // The contract price wins over every pricelist rule, whatever the quantity.
    expect(await quote(key.id, p.id, 60)).toMatchObject({ unitPriceMinor: 777, ruleId: contract.id, reason: expect.stringMatching(/^Contract price for this customer on P-/) });
    const other = await f.customer({ customerClass: 'key_account' });
    expect((await quote(other.id, p.id, 1)).unitPriceMinor).toBe(900);
    expect(await quote(other.id, p.id, 10)).toMatchObject({ unitPriceMinor: 850, reason: expect.stringMatching(/List price − 15 % on P-.* from 10 units/) });
    expect((await quote(other.id, p.id, 49)).unitPriceMinor).toBe(850);
    expect((await quote(other.id, p.id, 50)).unitPriceMinor).toBe(800);
    // Within its dates the launch offer (a product rule) beats the class-wide discount.
    expect(await quote(other.id, p.id, 1, { date: '2020-06-30' })).toMatchObject({ unitPriceMinor: 700, ruleId: past.id, reason: `Launch offer: Fixed price on ${p.sku} (valid 2020-01-01 to 2020-12-31), pricelist KA "Key accounts"` });
    expect((await quote(other.id, p.id, 1, { date: '2021-01-01' })).unitPriceMinor).toBe(900);
    // A category rule beats an all-products rule of the same pricelist.
    expect(await quote(other.id, catProduct.id, 1)).toMatchObject({ unitPriceMinor: 800, ruleId: kaCat.id });
    // An order's lines priced together (one read of the rules) get exactly what each gets alone:
    // contract, breaks, category and all-products rules, dates inside and outside validity.
    const db = t.database.db;
    const products = await productsById(db, [p.id, catProduct.id]);
    const contextOf = (c: { id: string }, customerClass: string, date: string): PricingContext => ({ partnerId: c.id, customerClass, pricelistId: null, channelCode: 'rep', currency: 'USD', date });
    const wantedArb = fc.array(fc.record({ productId: fc.constantFrom(p.id, catProduct.id), quantity: fc.integer({ min: 1, max: 80 }) }), { minLength: 2, maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<[{ id: string }, string]>([other, 'key_account'], [key, 'key_account'], [regular, 'regular']), fc.constantFrom('2026-01-15', '2020-06-30'), wantedArb, async ([c, cls], date, wanted) => {
        const items = wanted.map((w) => ({ product: products.get(w.productId)!, quantity: w.quantity }));
        const together = await pricesFor(db, contextOf(c, cls, date), items);
        const alone = await Promise.all(items.map((i) => priceFor(db, contextOf(c, cls, date), i.product, i.quantity)));
        expect(together).toEqual(alone);
      }),
      {
        numRuns: 25,
        examples: [
          [[other, 'key_account'], '2020-06-30', [{ productId: p.id, quantity: 1 }, { productId: p.id, quantity: 10 }, { productId: p.id, quantity: 50 }, { productId: catProduct.id, quantity: 1 }]],
          [[key, 'key_account'], '2026-01-15', [{ productId: p.id, quantity: 60 }, { productId: catProduct.id, quantity: 9 }]],
        ],
      },
    );
    expect((await pricesFor(db, contextOf(key, 'key_account', '2026-01-15'), [{ product: products.get(p.id)!, quantity: 60 }, { product: products.get(catProduct.id)!, quantity: 1 }])).map((q) => q.unitPriceMinor)).toEqual([777, 800]);
    // The customer's own pricelist beats its class's.
    const own = await t.engine.run('pricing.pricelist.create', { code: 'OWN', name: 'Negotiated' }, as);
    await t.engine.run('pricing.rule.create', { pricelistId: own.id, method: 'list_discount', percentBp: 3000 }, as);
    const negotiated = await f.customer({ customerClass: 'key_account', pricelistId: own.id });
    expect((await quote(negotiated.id, p.id, 1)).unitPriceMinor).toBe(700);
    // Deactivated: back to the class list.
    await t.engine.run('pricing.pricelist.update', { id: own.id, version: 1, active: false }, as);
    expect((await quote(negotiated.id, p.id, 1)).unitPriceMinor).toBe(900);
    const all = await t.engine.run('pricing.pricelist.get', { id: ka.id }, as);
    expect(all.rules).toHaveLength(6);
    expect(all.ruleCount).toBe(6);
  });

  it('refuses rules without their value, fractional cents, and reversed dates', async () => {
    const pl = await t.engine.run('pricing.pricelist.create', { code: 'BAD', name: 'Bad rules' }, as);
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ method: 'fixed' }, 'VALIDATION', /A fixed price needs its price/],
      [{ method: 'list_discount' }, 'VALIDATION', /needs its percentage/],
      [{ method: 'fixed', priceMinor: 12.5 }, 'VALIDATION', /priceMinor: Must be a whole number of cents/],
      [{ method: 'list_discount', percentBp: 10.5 }, 'VALIDATION', /whole basis points/],
      [{ method: 'list_discount', percentBp: 12_000 }, 'VALIDATION', /at most 100 %/],
      [{ method: 'fixed', priceMinor: 100, validFrom: '2026-02-01', validTo: '2026-01-01' }, 'VALIDATION', /ends before it starts/],
      [{ method: 'fixed', priceMinor: -1 }, 'VALIDATION', /Cannot be negative/],
    ];
    for (const [input, code, message] of cases) {
      const r = await t.engine.call('pricing.rule.create', { pricelistId: pl.id, ...input }, as);
      expect(r.ok ? 'ok' : `${r.error.code} ${r.error.message}`).toMatch(new RegExp(`^${code} .*${message.source}`));
    }
    expect((await t.engine.run('pricing.pricelist.get', { id: pl.id }, as)).rules).toEqual([]);
  });
});
