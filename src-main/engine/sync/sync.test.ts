import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot } from './protocol';
import { createSyncWorld, type SyncWorld, type TestBranch } from './testing';

describe('replication between branches and the centre', () => {
  let world: SyncWorld;
  let b1: TestBranch;
  let b2: TestBranch;

  beforeAll(async () => {
    world = await createSyncWorld();
    b1 = await world.addBranch('B01');
    b2 = await world.addBranch('B02');
  }, 120_000);
  afterAll(async () => world?.dispose());

  /** A product made at the centre for one test (no demo demand waiting for it), pulled by both branches. */
  async function freshProduct(sku: string) {
    const central = { userId: world.adminUserId };
    const each = (await world.centralEngine.run('catalog.uom.list', {}, central)).uoms.find((u) => u.code === 'EA')!;
    const p = await world.centralEngine.run('catalog.product.create', { sku, name: `Sync test ${sku}`, uomId: each.id, listPriceMinor: 1000, costMinor: 500 }, central);
    await b1.sync();
    await b2.sync();
    return p;
  }

  it('a new branch receives the company in its first sync, and can log in with central users', async () => {
    const r = await b1.sync();
    expect(r.pulled).toBeGreaterThan(500);
    const products = await b1.engine.run('catalog.product.list', { limit: 1 }, { userId: await b1.adminId() });
    expect(products.total).toBe(500);
    await b2.sync();
    const login = await b2.engine.run('auth.login', { username: 'clerk', password: 'demo-clerk' }, { sessionKey: 'k' });
    expect(login.user.username).toBe('clerk');
  });

  it('a first sync in small pages (one local transaction each) copies every table whole, leaves no dangling reference, and keeps references enforced afterwards', async () => {
    const central = { userId: world.adminUserId };
    const each = (await world.centralEngine.run('catalog.uom.list', {}, central)).uoms.find((u) => u.code === 'EA')!;
    const p = await world.centralEngine.run('catalog.product.create', { sku: 'SYNC-PAGES-1', name: 'Paged', uomId: each.id, listPriceMinor: 100, costMinor: 50 }, central);
    const b3 = await world.addBranch('B03');
    const pulled = await snapshot(b3.db, b3.link, {}, 3);
    expect(pulled).toBeGreaterThan(500);
    expect(b3.db.sqlite.pragma('foreign_key_check')).toEqual([]);
    expect(b3.db.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    for (const table of ['product', 'location', 'stock_move'] as const) {
      const [here, there] = [await b3.db.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(), await b3.link.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()];
      expect(Number(here.n), table).toBe(Number(there.n));
    }
    expect((await b3.db.db.selectFrom('product').select('sku').where('id', '=', p.id).executeTakeFirst())?.sku).toBe('SYNC-PAGES-1');
  }, 180_000);

  it('master data is read-only on a branch', async () => {
    const uoms = await b1.engine.run('catalog.uom.list', {}, { userId: await b1.adminId() });
    const res = await b1.engine.call('catalog.product.create', { sku: 'BR-1', name: 'Nope', uomId: uoms.uoms[0]!.id, listPriceMinor: 1, costMinor: 1 }, { userId: await b1.adminId() });
    expect(res.ok ? 'ok' : res.error.code).toBe('READ_ONLY');
  });

  it('stock moved at one branch reaches the centre exactly once and the other branch sees it', async () => {
    const as = { userId: await b1.adminId() };
    const wh = (await b1.engine.run('inventory.warehouse.list', {}, as)).rows.find((w) => w.code === 'WH2')!;
    const product = await freshProduct('SYNC-MOVE-1');
    const before = await world.centralEngine.run('inventory.availability', { productId: product.id, warehouseId: wh.id }, { userId: world.adminUserId });
    const receipt = await b1.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: wh.id, lines: [{ productId: product.id, quantity: 12, unitCostMinor: 700 }] }, as);
    await b1.engine.run('inventory.transfer.validate', { id: receipt.id }, as);
    const first = await b1.sync();
    expect(first.pushed).toBe(2);
    expect(first.pending).toBe(0);
    // Pushing again applies nothing twice.
    expect((await b1.sync()).pushed).toBe(0);
    const central = await world.centralEngine.run('inventory.availability', { productId: product.id, warehouseId: wh.id }, { userId: world.adminUserId });
    expect(central.onHand).toBe(before.onHand + 12);
    const moves = await world.admin.db.selectFrom('stock_move').select((eb) => eb.fn.countAll<number>().as('n')).where('transfer_id', '=', receipt.id).executeTakeFirstOrThrow();
    expect(Number(moves.n)).toBe(1);
    await b2.sync();
    const seen = await b2.engine.run('inventory.availability', { productId: product.id, warehouseId: wh.id }, { userId: await b2.adminId() });
    expect(seen.onHand).toBe(before.onHand + 12);
    // B02 cannot see B01's private documents.
    expect(await b2.db.db.selectFrom('transfer').select('id').where('id', '=', receipt.id).executeTakeFirst()).toBeUndefined();
    for (const b of [b1, b2]) expect((await b.engine.run('inventory.check', {}, { userId: await b.adminId() })).differences).toEqual([]);
    expect((await world.centralEngine.run('inventory.check', {}, { userId: world.adminUserId })).differences).toEqual([]);
  });

  it('two branches selling the last units offline: the later order is backordered with an exception both see', async () => {
    const as1 = { userId: await b1.adminId() };
    const as2 = { userId: await b2.adminId() };
    const wh = (await b1.engine.run('inventory.warehouse.list', {}, as1)).rows.find((w) => w.code === 'WH2')!;
    const product = await freshProduct('SYNC-LAST-1');
    const r = await b1.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: wh.id, lines: [{ productId: product.id, quantity: 5, unitCostMinor: 100 }] }, as1);
    await b1.engine.run('inventory.transfer.validate', { id: r.id }, as1);
    await b1.sync();
    await b2.sync();
    // Both offline: each reserves the same 5 units.
    const d1 = await b1.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: wh.id, lines: [{ productId: product.id, quantity: 5 }] }, as1);
    const d2 = await b2.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: wh.id, lines: [{ productId: product.id, quantity: 5 }] }, as2);
    expect(d1.state).toBe('ready');
    expect(d2.state).toBe('ready');
    await b1.sync();
    await b2.sync();
    await b1.sync();
    const exceptions = await world.admin.db.selectFrom('sync_exception').selectAll().where('kind', '=', 'stock').execute();
    expect(exceptions).toHaveLength(1);
    expect(exceptions[0]!.document_id).toBe(d2.id);
    const later = await b2.engine.run('inventory.transfer.get', { id: d2.id }, as2);
    expect(later.state).toBe('waiting');
    expect(later.lines[0]!.reserved).toBe(0);
    expect(later.backorderReason).toMatch(/sold twice/);
    expect(await b1.db.db.selectFrom('sync_exception').select('id').where('id', '=', exceptions[0]!.id).executeTakeFirst()).toBeDefined();
    for (const b of [b1, b2]) expect((await b.engine.run('inventory.check', {}, { userId: await b.adminId() })).differences).toEqual([]);
  });

  it('a new install registers itself from the first-run screen (sync.register), then only an admin may', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { openSqlite } = await import('../platform/db');
    const { migrateToLatest } = await import('../platform/migrate');
    const { Engine } = await import('../engine');
    const { fileCredentialStore } = await import('./credentials');
    const dir = mkdtempSync(join(tmpdir(), 'bl-reg-'));
    const db = openSqlite(join(dir, 'b03.sqlite'));
    await migrateToLatest(db);
    const store = fileCredentialStore(join(dir, 'b03.sqlite.sync.json'));
    const engine = await Engine.open({ database: db, appVersion: '1.0.0', credentials: store });
    try {
      const bad = await engine.call('sync.register', { centralUrl: 'http://example', code: 'B03', name: 'North' }, { anonymous: true });
      expect(bad.ok ? 'ok' : bad.error.code).toBe('VALIDATION');
      const r = await engine.run('sync.register', { centralUrl: world.centralUrl, code: 'B03', name: 'North' }, { anonymous: true });
      expect(r.branchCode).toBe('B03');
      expect(store.read()?.clientId).toBe(r.clientId);
      await engine.sync!.runOnce();
      const again = await engine.call('sync.register', { centralUrl: world.centralUrl, code: 'B03', name: 'North', again: true }, { anonymous: true });
      expect(again.ok ? 'ok' : again.error.code).toBe('UNAUTHENTICATED');
      const status = await engine.run('sync.status', {}, { userId: (await db.db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow()).id });
      expect(status).toMatchObject({ bound: true, branchCode: 'B03', snapshotDone: true, pending: 0 });
    } finally {
      await engine.close();
    }
  });

  it('document numbers come from per-branch series and never collide', async () => {
    const numbers = await world.admin.db.selectFrom('transfer').select('number').execute();
    expect(new Set(numbers.map((n) => n.number)).size).toBe(numbers.length);
    expect(numbers.some((n) => n.number.startsWith('B02-'))).toBe(true);
  });

  it("a branch login can neither read another branch's private documents nor write rows that are not its own", async () => {
    const other = await world.admin.db.selectFrom('transfer').select(['id', 'branch_id']).where('branch_id', '=', b1.creds.branchId).executeTakeFirstOrThrow();
    const seen = await b2.link.db.selectFrom('transfer').select('id').where('id', '=', other.id).execute();
    expect(seen).toEqual([]);
    await expect(b2.link.db.updateTable('transfer').set({ origin: 'hacked' }).where('id', '=', other.id).execute()).resolves.toEqual([expect.objectContaining({ numUpdatedRows: 0n })]);
    await expect(sql`INSERT INTO transfer_line (id) VALUES ('x')`.execute(b2.link.db)).rejects.toThrow();
    await expect(b2.link.db.updateTable('product').set({ name: 'hacked' }).execute()).rejects.toThrow(/permission denied/);
    const p = await world.admin.db.selectFrom('partner').selectAll().where('branch_id', '=', b1.creds.branchId).executeTakeFirst();
    if (p) await expect(b2.link.db.updateTable('partner').set({ name: 'hacked' }).where('id', '=', p.id).execute()).resolves.toEqual([expect.objectContaining({ numUpdatedRows: 0n })]);
    await expect(sql`SELECT * FROM sync_client`.execute(b2.link.db)).rejects.toThrow(/permission denied/);
    const foreignMove = { id: '01890a5d-ac96-774b-bcce-b302099a8057', branch_id: b1.creds.branchId };
    await expect(sql`INSERT INTO stock_move (id, branch_id) VALUES (${foreignMove.id}, ${foreignMove.branch_id})`.execute(b2.link.db)).rejects.toThrow();
  });
});
