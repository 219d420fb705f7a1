import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportReport } from '../../src-shared/contract/imports';
import { salesFixture } from '../engine/sales/fixtures';
import { withEngine } from './commands';
import { main } from './main';

const EDI = '/work/shared/fixtures/edi/850_vics_widgets.edi';

describe('branchline import', () => {
  let dir: string;
  let db: string;
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['node', 'branchline', '--db', db, ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'branchline-import-'));
    db = join(dir, 'branch.sqlite');
    await withEngine(db, async (engine) => {
      await engine.run('system.setup', { companyName: 'Import Co', branchCode: 'B01', branchName: 'Main', adminUsername: 'admin', adminDisplayName: 'Admin', adminPassword: 'correct horse' }, { anonymous: true });
      const admin = await engine.database.db.selectFrom('app_user').select('id').executeTakeFirstOrThrow();
      const as = { userId: admin.id };
      const f = await salesFixture(engine, as);
      for (const [sku, price] of [['AB3542', 925], ['RD5322', 1379], ['XY5266', 1099], ['VX2332', 435], ['RV0524', 750], ['DX1875', 955]] as const) {
        const p = await engine.run('catalog.product.create', { sku, name: sku, uomId: f.each.id, listPriceMinor: price, costMinor: 100 }, as);
        await f.receive(p.id, 1000, 100);
      }
      await f.customer({ code: 'XYZ', externalId: '4405197800', creditLimitMinor: null });
    });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports EDI with a JSON report, and the same file again as a duplicate', async () => {
    const first = await run('--json', 'import', 'edi', EDI);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.out) as ImportReport;
    expect(report.batch.counts).toMatchObject({ accepted: 1, rejected: 0 });
    expect(report.orders[0]).toMatchObject({ ref: '08292233294', status: 'accepted', orderNumber: expect.stringMatching(/^B01-SO-/) });
    const again = await run('import', 'edi', EDI);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/was imported before .*nothing imported again/);
  }, 60_000);

  it('prints held and rejected orders with their lines and exits 1; refuses a file over the limit in one line', async () => {
    const csv = join(dir, 'shop.csv');
    writeFileSync(csv, ['order_id,customer_code,sku,quantity,unit_price', 'S1,XYZ,AB3542,2,9.25', 'S2,XYZ,NOPE-1,1,1.00', 'S3,XYZ,AB3542,-1,9.25'].join('\n'));
    const r = await run('import', 'orders', csv, '--channel', 'portal');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/shop\.csv: 3 order\(s\) — 1 accepted, 1 held, 1 rejected/);
    expect(r.out).toMatch(/held {6}S2 \(unknown sku\).*\n {12}line 1: unknown item NOPE-1 × 1/);
    expect(r.out).toMatch(/rejected {2}S3 \(line 4\)\n {12}line 4: Quantity -1 must be more than zero/);

    const big = join(dir, 'big.csv');
    writeFileSync(big, Buffer.alloc(50 * 1024 * 1024, 'a'));
    const refused = await run('import', 'orders', big, '--channel', 'portal');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^error: .*big\.csv is 50\.0 MB; imports take files up to 20 MB/);
    expect((await run('import', 'orders', csv)).code).toBe(2);
  }, 60_000);
});
