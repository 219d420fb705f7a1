import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEngine, type TestEngine } from '../testing/databases';
import { POSITION_STEP } from './list-positions';

/**
 * Deep pages seek to remembered sort keys and reuse the total while the database is unchanged.
 * Every page is compared with plain OFFSET SQL on the same file — before and after writes from
 * this engine and from another connection — so a stale memory cannot go unnoticed.
 */
describe('product list: remembered positions on SQLite', () => {
  let t: TestEngine;
  let as: { userId: string };
  let eachId: string;
  const PRODUCTS = POSITION_STEP * 2 + 600;

  beforeAll(async () => {
    t = await createTestEngine('sqlite');
    as = { userId: t.adminId };
    eachId = (await t.engine.run('catalog.uom.create', { code: 'EA', name: 'Each' }, as)).id;
    for (let i = 0; i < PRODUCTS; i++) {
      // Few distinct names: ties are broken by id, which the remembered key must carry.
      await t.engine.run('catalog.product.create', { sku: `LP-${String((i * 7919) % PRODUCTS).padStart(5, '0')}`, name: `Widget ${String.fromCharCode(65 + (i % 23))}`, uomId: eachId, listPriceMinor: 100, costMinor: 50 }, as);
    }
  }, 120_000);
  afterAll(async () => t.dispose());

  const sqlPage = (sort: 'name' | 'sku', dir: 'asc' | 'desc', offset: number, limit: number) => {
    const order = sort === 'sku' ? `sku ${dir}` : `name ${dir}, id ${dir}`;
    return (t.database as { sqlite: Database.Database }).sqlite.prepare(`SELECT id FROM product WHERE active = 1 ORDER BY ${order} LIMIT ? OFFSET ?`).pluck().all(limit, offset) as string[];
  };
  const enginePage = async (sort: 'name' | 'sku', dir: 'asc' | 'desc', offset: number, limit: number) => {
    const r = await t.engine.run('catalog.product.list', { sort, dir, offset, limit }, as);
    return { ids: r.rows.map((p) => p.id), total: r.total };
  };
  const OFFSETS = [POSITION_STEP, POSITION_STEP + 37, POSITION_STEP * 2 - 50, POSITION_STEP * 2, POSITION_STEP * 2 + 550, PRODUCTS - 1, PRODUCTS, PRODUCTS + 500];

  async function expectAllPagesMatch(total: number) {
    for (const sort of ['name', 'sku'] as const) {
      for (const dir of ['asc', 'desc'] as const) {
        // Twice: the second pass is served from the remembered keys and total.
        for (let pass = 0; pass < 2; pass++) {
          for (const offset of OFFSETS) {
            const page = await enginePage(sort, dir, offset, 100);
            expect(page.ids, `${sort} ${dir} at ${offset}, pass ${pass}`).toEqual(sqlPage(sort, dir, offset, 100));
            expect(page.total).toBe(total);
          }
        }
      }
    }
  }

  it('gives the same pages as OFFSET at every depth, ascending and descending', async () => {
    await expectAllPagesMatch(PRODUCTS);
  });

  it('forgets what it remembered when this engine writes', async () => {
    const before = await enginePage('name', 'asc', POSITION_STEP * 2, 5);
    // Renaming the row at the remembered key moves it to the top: every later position shifts.
    const row = await t.engine.run('catalog.product.get', { id: before.ids[0]! }, as);
    await t.engine.run('catalog.product.update', { id: row.id, version: row.version, name: 'AAA first' }, as);
    await t.engine.run('catalog.product.create', { sku: 'LP-NEW', name: 'Widget A', uomId: eachId, listPriceMinor: 1, costMinor: 1 }, as);
    await expectAllPagesMatch(PRODUCTS + 1);
    expect((await enginePage('name', 'asc', POSITION_STEP * 2, 5)).ids).not.toEqual(before.ids);
  });

  it('forgets what it remembered when another connection writes to the file', async () => {
    await expectAllPagesMatch(PRODUCTS + 1);
    const other = new Database((t.database as { sqlite: Database.Database }).sqlite.name);
    try {
      other.prepare("UPDATE product SET active = 0 WHERE sku IN ('LP-00001', 'LP-00002', 'LP-00003')").run();
    } finally {
      other.close();
    }
    await expectAllPagesMatch(PRODUCTS + 1 - 3);
  });
});
