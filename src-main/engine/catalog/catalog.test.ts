import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';

describe.each(DIALECTS)('catalog on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let eachId: string;

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    const uom = await t.engine.run('catalog.uom.create', { code: 'EA', name: 'Each' }, as);
    eachId = uom.id;
  });
  afterAll(async () => t.dispose());

  const counts = async () => {
    const db = t.database.db;
    const [p, o, a] = await Promise.all([
      db.selectFrom('product').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { products: Number(p.n), outbox: Number(o.n), audit: Number(a.n) };
  };

  it('creates a product, records one mutation and one audit entry in the same transaction', async () => {
    const before = await counts();
    const p = await t.engine.run('catalog.product.create', { sku: 'drl-100', name: 'Cordless Drill 18V', uomId: eachId, barcode: '4006381333931', listPriceMinor: 12999, costMinor: 8000 }, as);
    expect(p.sku).toBe('DRL-100');
    expect(p.version).toBe(1);
    const after = await counts();
    expect(after).toEqual({ products: before.products + 1, outbox: before.outbox + 1, audit: before.audit + 1 });
    const last = await t.database.db.selectFrom('outbox').selectAll().orderBy('mutation_id', 'desc').executeTakeFirstOrThrow();
    expect(last.method).toBe('catalog.product.create');
    expect(JSON.parse(last.effects).ids).toContain(p.id);
  });

  it('finds by barcode, SKU prefix and name substring', async () => {
    expect((await t.engine.run('catalog.product.byBarcode', { barcode: '4006381333931' }, as))?.sku).toBe('DRL-100');
    expect((await t.engine.run('catalog.product.search', { query: 'drl' }, as)).rows.map((r) => r.sku)).toContain('DRL-100');
    expect((await t.engine.run('catalog.product.search', { query: 'less dri' }, as)).rows.map((r) => r.sku)).toEqual(['DRL-100']);
    expect((await t.engine.run('catalog.product.search', { query: '100%' }, as)).rows).toEqual([]);
    expect((await t.engine.run('catalog.product.search', { query: 'drl_1' }, as)).rows).toEqual([]);
    const nul = await t.engine.call('catalog.product.search', { query: 'dr\u0000l' }, as);
    expect(nul.ok ? 'ok' : nul.error.code).toBe('VALIDATION');
  });

  it('refuses bad input with a field message and changes nothing', async () => {
    const before = await counts();
    const cases: [unknown, string][] = [
      [{ sku: 'X-1', name: 'Neg', uomId: eachId, listPriceMinor: -5, costMinor: 0 }, 'VALIDATION'],
      [{ sku: 'X-2', name: 'Float', uomId: eachId, listPriceMinor: 10.5, costMinor: 0 }, 'VALIDATION'],
      [{ sku: "X'; DROP TABLE product;--", name: 'Inject', uomId: eachId, listPriceMinor: 1, costMinor: 0 }, 'VALIDATION'],
      [{ sku: 'DRL-100', name: 'Dup', uomId: eachId, listPriceMinor: 1, costMinor: 0 }, 'CONFLICT'],
      [{ sku: 'X-3', name: 'Dup barcode', uomId: eachId, barcode: '4006381333931', listPriceMinor: 1, costMinor: 0 }, 'CONFLICT'],
      [{ sku: 'X-4', name: 'Bad check digit', uomId: eachId, barcode: '4006381333932', listPriceMinor: 1, costMinor: 0 }, 'VALIDATION'],
      [{ sku: 'X-5', name: 'Extra', uomId: eachId, listPriceMinor: 1, costMinor: 0, hacked: true }, 'VALIDATION'],
    ];
    for (const [input, code] of cases) {
      const res = await t.engine.call('catalog.product.create', input, as);
      expect(res.ok, JSON.stringify(input)).toBe(false);
      if (!res.ok) {
        expect(res.error.code).toBe(code);
        expect(res.error.message.length).toBeGreaterThan(5);
      }
    }
    const named = await t.engine.call('catalog.product.create', { sku: "O'Brien", name: "Robert'); DROP TABLE product;--", uomId: eachId, listPriceMinor: 1, costMinor: 0 }, as);
    expect(named.ok).toBe(false);
    expect(await counts()).toEqual(before);
    const res = await t.engine.call('catalog.product.create', { sku: 'Q-1', name: "Robert'); DROP TABLE product;--", uomId: eachId, listPriceMinor: 1, costMinor: 0 }, as);
    expect(res.ok).toBe(true);
  });

  it('refuses a stale edit', async () => {
    const [p] = (await t.engine.run('catalog.product.search', { query: 'DRL-100' }, as)).rows;
    const edited = await t.engine.run('catalog.product.update', { id: p!.id, version: p!.version, name: 'Cordless Drill 18V Pro' }, as);
    expect(edited.version).toBe(p!.version + 1);
    const stale = await t.engine.call('catalog.product.update', { id: p!.id, version: p!.version, name: 'Lost update' }, as);
    expect(stale.ok ? null : stale.error.code).toBe('CONFLICT');
    expect((await t.engine.run('catalog.product.get', { id: p!.id }, as)).name).toBe('Cordless Drill 18V Pro');
  });

  it('enforces permissions in the engine', async () => {
    const none = await t.engine.call('catalog.product.list', {}, { anonymous: true });
    expect(none.ok ? null : none.error.code).toBe('UNAUTHENTICATED');
    const wh = await t.engine.run('users.create', { username: 'wally', displayName: 'Wally', password: 'warehouse-1', roles: ['warehouse'] }, as);
    const read = await t.engine.call('catalog.product.list', {}, { userId: wh.id });
    expect(read.ok).toBe(true);
    const write = await t.engine.call('catalog.product.create', { sku: 'W-1', name: 'Nope', uomId: eachId, listPriceMinor: 1, costMinor: 0 }, { userId: wh.id });
    expect(write.ok ? null : write.error.code).toBe('FORBIDDEN');
  });

  it('converts units exactly and refuses a non-whole result', async () => {
    const box = await t.engine.run('catalog.uom.create', { code: 'BOX', name: 'Box' }, as);
    await t.engine.run('catalog.uom.addConversion', { fromUomId: box.id, toUomId: eachId, numerator: 12 }, as);
    expect((await t.engine.run('catalog.uom.convert', { fromUomId: box.id, toUomId: eachId, quantity: 3 }, as)).quantity).toBe(36);
    expect((await t.engine.run('catalog.uom.convert', { fromUomId: eachId, toUomId: box.id, quantity: 24 }, as)).quantity).toBe(2);
    const bad = await t.engine.call('catalog.uom.convert', { fromUomId: eachId, toUomId: box.id, quantity: 5 }, as);
    expect(bad.ok ? null : bad.error.code).toBe('BUSINESS_RULE');
  });

  it('lists pages sorted in SQL', async () => {
    const page = await t.engine.run('catalog.product.list', { sort: 'sku', dir: 'desc', limit: 1 }, as);
    expect(page.total).toBeGreaterThanOrEqual(2);
    expect(page.rows).toHaveLength(1);
    expect(page.rows[0]!.sku).toBe('Q-1');
  });
});
