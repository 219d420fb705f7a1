import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../engine/engine';
import { openSqlite } from '../engine/platform/db';
import { migrateToLatest } from '../engine/platform/migrate';
import { purchasingFixture } from '../engine/purchasing/fixtures';

const BIN = join(resolve(import.meta.dirname, '..', '..'), 'scripts', 'branchline.mjs');

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, BRANCHLINE_HOME: join(dir, 'home') } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

let dir: string;
let db: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'branchline-replenish-'));
  db = join(dir, 'branch.sqlite');
  const database = openSqlite(db);
  await migrateToLatest(database);
  const engine = await Engine.open({ database, appVersion: 'test' });
  await engine.run('system.setup', { companyName: 'CLI Co', branchCode: 'B01', branchName: 'Main', adminUsername: 'admin', adminDisplayName: 'Admin', adminPassword: 'correct horse' }, { anonymous: true });
  const admin = await database.db.selectFrom('app_user').select('id').executeTakeFirstOrThrow();
  const as = { userId: admin.id };
  const f = await purchasingFixture(engine, as, { code: 'CW1' });
  const v = await f.vendor({ orderMultiple: 12 });
  const p = await f.bought(v.id, 250);
  await engine.run('purchasing.reorderRule.set', { productId: p.id, warehouseId: f.wh.id, method: 'min_max', minQty: 10, maxQty: 30 }, as);
  await engine.close();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('branchline replenish', () => {
  it('shows proposals on a dry run and makes draft orders otherwise', async () => {
    const dry = await cli(['--db', db, '--json', 'replenish', '--warehouse', 'cw1', '--dry-run']);
    expect(dry.code).toBe(0);
    const r = JSON.parse(dry.stdout) as { dryRun: boolean; proposals: { quantity: number; kind: string }[]; ordersCreated: unknown[] };
    expect(r.dryRun).toBe(true);
    expect(r.proposals.map((p) => [p.kind, p.quantity])).toEqual([['buy', 36]]);
    expect(r.ordersCreated).toEqual([]);
    const real = await cli(['--db', db, 'replenish']);
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/BUY .* → CW1: 36 from Vendor/);
    expect(real.stdout).toMatch(/draft B01-PO-\d{4}-00001 for Vendor .*: 1 line/);
  }, 60_000);

  it('refuses an unknown warehouse in one line', async () => {
    const bad = await cli(['--db', db, 'replenish', '--warehouse', 'NOPE']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('error: There is no warehouse NOPE; warehouses are CW1');
  }, 60_000);
});
