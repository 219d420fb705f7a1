import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { inventoryFixture } from '../engine/inventory/fixtures';
import { openBranchEngine } from './open-engine';
import { ReportRefresher } from './report-refresher';

describe('the host keeps the report tables fresh in the background', () => {
  it('takes in a write without anyone asking, reports progress, respects a pause, and stops on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bl-refresher-'));
    // Started by openBranchEngine as in the app and `branchline serve` (beside background sync).
    const engine = await openBranchEngine({ dbFile: join(dir, 'branch.sqlite'), appVersion: 'test', backgroundSync: true });
    try {
      expect([...engine.background].some((w) => w instanceof ReportRefresher)).toBe(true);
      await engine.run('system.setup', { companyName: 'Test Co', branchCode: 'B01', branchName: 'Main', adminUsername: 'admin', adminDisplayName: 'Admin', adminPassword: 'correct horse' }, { anonymous: true });
      const admin = await engine.database.db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow();
      const as = { userId: admin.id };
      // A fast runner beside the default one (the default waits 2 s after a commit).
      for (const work of engine.background) if (work instanceof ReportRefresher) await work.stop();
      const runner = new ReportRefresher(engine, { debounceMs: 10, gapMs: 1 });
      runner.start();
      const progress: number[] = [];
      engine.onEvent((e) => {
        if (e.type === 'progress' && e.task === 'reports.refresh') progress.push(e.done);
      });
      const status = () => engine.run('reports.refresh.status', {}, { host: 'test' });
      const settle = async () => {
        for (let i = 0; i < 200 && (await status()).pending; i++) await new Promise((r) => setTimeout(r, 25));
        await runner.kick();
      };

      const inv = await inventoryFixture(engine, as);
      await inv.receive((await inv.product()).id, 7);
      await settle();
      const fresh = await status();
      expect(fresh).toMatchObject({ pending: false, running: false, paused: false });
      expect(fresh.asOf).not.toBeNull();
      expect(progress.length).toBeGreaterThan(0);
      const stock = await sql<{ q: number }>`SELECT SUM(net_qty) AS q FROM report_stock_day`.execute(engine.database.db);
      expect(Number(stock.rows[0]?.q)).toBe(7);

      // Paused: a new write waits until resumed.
      await engine.run('reports.refresh.cancel', {}, as);
      await inv.receive((await inv.product()).id, 5);
      await new Promise((r) => setTimeout(r, 200));
      await runner.kick();
      expect(await status()).toMatchObject({ pending: true, paused: true });
      await engine.run('reports.refresh.resume', {}, as);
      await settle();
      expect(await status()).toMatchObject({ pending: false, paused: false });
      expect(engine.background.has(runner)).toBe(true);
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(engine.background.size).toBe(0);
  }, 60_000);
});
