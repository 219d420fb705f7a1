import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zoneLocation } from '../inventory/locations';
import { preferredVendorTable } from '../purchasing/vendors';
import { createSyncWorld, edi850, type SyncWorld, type TestBranch } from './testing';

/**
 * Rows every branch sees (customers, vendors, lots, preferred vendors, vendor prices) and keys
 * two branches can both take offline must never make a push the centre refuses: the centre sets
 * such a mutation aside (quarantine) and the branch's whole command — an import with its order,
 * say — never reaches the centre or the other branches (migration 0029). Each case works
 * offline on two branches, then syncs everything: nothing may be set aside.
 */
describe('rows every branch sees, written offline by two branches', () => {
  let world: SyncWorld;
  let a: TestBranch;
  let b: TestBranch;
  let asA: { userId: string };
  let asB: { userId: string };
  let central: { userId: string };
  let uomId: string;
  let whId: string;

  /** Syncs until both branches have pushed everything and hold what the other pushed; nothing may be set aside at the centre. */
  const syncAll = async () => {
    for (const t of [a, b, a, b]) expect(await t.sync()).toMatchObject({ pending: 0, quarantined: 0 });
    expect(await world.admin.db.selectFrom('sync_quarantine').select('reason').execute()).toEqual([]);
  };
  const outboxSize = (t: TestBranch) => (t.db.sqlite.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;

  beforeAll(async () => {
    world = await createSyncWorld();
    a = await world.addBranch('B21');
    b = await world.addBranch('B22');
    central = { userId: world.adminUserId };
    uomId = (await world.admin.db.selectFrom('uom').select('id').where('code', '=', 'EA').executeTakeFirstOrThrow()).id;
    whId = (await world.admin.db.selectFrom('warehouse').select('id').where('code', '=', 'WH1').executeTakeFirstOrThrow()).id;
    await a.sync();
    await b.sync();
    asA = { userId: await a.adminId() };
    asB = { userId: await b.adminId() };
  }, 180_000);
  afterAll(async () => world?.dispose());

  it('the same vendor lot received at two branches offline: both push, each keeps its lot, and a branch uses a lot it can see', async () => {
    const product = await world.centralEngine.run('catalog.product.create', { sku: `LOT-${Date.now()}`, name: 'Tracked item', uomId, listPriceMinor: 900, costMinor: 400, tracking: 'lot' }, central);
    await syncAll();
    const stockA = (await zoneLocation(a.db.db, whId, 'stock')).id;
    const stockB = (await zoneLocation(b.db.db, whId, 'stock')).id;
    // Offline: both receive vendor lot VL-7 (the second without an expiry on the label).
    await a.engine.run('inventory.adjust', { productId: product.id, locationId: stockA, delta: 5, reason: 'Found on the shelf', lotName: 'VL-7', expiryDate: '2027-06-30' }, asA);
    await b.engine.run('inventory.adjust', { productId: product.id, locationId: stockB, delta: 3, reason: 'Found on the shelf', lotName: 'VL-7' }, asB);
    await syncAll();

    const lots = await world.admin.db.selectFrom('lot').innerJoin('branch', 'branch.id', 'lot.branch_id').select(['lot.id', 'branch.code', 'lot.expiry_date']).where('lot.product_id', '=', product.id).where('lot.name', '=', 'VL-7').orderBy('branch.code').execute();
    expect(lots.map((l) => [l.code, l.expiry_date?.slice(0, 10) ?? null])).toEqual([
      ['B21', '2027-06-30'],
      ['B22', null],
    ]);
    for (const t of [a, b]) expect(await t.db.db.selectFrom('lot').select('id').where('product_id', '=', product.id).orderBy('id').execute()).toEqual(lots.map((l) => ({ id: l.id })).sort((x, y) => x.id.localeCompare(y.id)));

    // Later receipts of VL-7 use the branch's own lot; B22 sets its own lot's expiry, never B21's.
    await a.engine.run('inventory.adjust', { productId: product.id, locationId: stockA, delta: 2, reason: 'Found on the shelf', lotName: 'VL-7' }, asA);
    await b.engine.run('inventory.adjust', { productId: product.id, locationId: stockB, delta: 2, reason: 'Found on the shelf', lotName: 'VL-7', expiryDate: '2027-07-31' }, asB);
    await syncAll();
    expect(await world.admin.db.selectFrom('lot').select('id').where('product_id', '=', product.id).execute()).toHaveLength(2);
    const bLot = await world.admin.db.selectFrom('lot').select('expiry_date').where('id', '=', lots[1]!.id).executeTakeFirstOrThrow();
    expect(bLot.expiry_date?.slice(0, 10)).toBe('2027-07-31');

    // A third branch sees both lots and takes the oldest (B21's) instead of making its own.
    const c = await world.addBranch('B23');
    await c.sync();
    const asC = { userId: await c.adminId() };
    const stockC = (await zoneLocation(c.db.db, whId, 'stock')).id;
    await c.engine.run('inventory.adjust', { productId: product.id, locationId: stockC, delta: 1, reason: 'Found on the shelf', lotName: 'VL-7' }, asC);
    expect((await c.sync()).pending).toBe(0);
    const moved = await world.admin.db.selectFrom('stock_move').select('lot_id').where('product_id', '=', product.id).where('branch_id', '=', c.creds.branchId).executeTakeFirstOrThrow();
    expect(moved.lot_id).toBe(lots[0]!.id);
    expect((await world.centralEngine.run('inventory.check', {}, central)).differences).toEqual([]);
  });

  it("a branch cannot change another branch's customer: refused with the owner named, nothing written, and both branches keep syncing", async () => {
    const customer = await a.engine.run('partners.customer.create', { name: 'Owned by B21', region: 'North', customerClass: 'regular', paymentTermsDays: 30 }, asA);
    await syncAll();
    const before = outboxSize(b);
    const seen = await b.engine.run('partners.customer.get', { id: customer.id }, asB);
    // The form knows before the clerk types: read-only here, owned by B21.
    expect(seen.ownedElsewhere).toBe('B21 "Branch B21"');
    expect((await a.engine.run('partners.customer.get', { id: customer.id }, asA)).ownedElsewhere).toBeNull();
    const r = await b.engine.call('partners.customer.update', { id: customer.id, version: seen.version, phone: '555-0100' }, asB);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('BUSINESS_RULE');
      expect(r.error.message).toBe(`Customer ${customer.code} "Owned by B21" belongs to branch B21 "Branch B21": only that branch can change it (its changes reach every branch with the sync). Nothing was changed.`);
    }
    expect(outboxSize(b)).toBe(before);
    expect((await b.engine.run('partners.customer.get', { id: customer.id }, asB)).phone).toBe(seen.phone);
    // The owner's change reaches the other branch.
    await a.engine.run('partners.customer.update', { id: customer.id, version: seen.version, phone: '555-0199' }, asA);
    await syncAll();
    expect((await b.engine.run('partners.customer.get', { id: customer.id }, asB)).phone).toBe('555-0199');
  });

  it("a code typed on a branch starts with the branch's code, so two branches offline cannot take the same one", async () => {
    const r = await b.engine.call('partners.customer.create', { code: 'ACME', name: 'Acme', region: 'North', customerClass: 'regular', paymentTermsDays: 30 }, asB);
    expect(r.ok ? 'ok' : r.error).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('a code you type starts with "B22-"') as unknown });
    const v = await b.engine.call('purchasing.vendor.create', { code: 'ACME', name: 'Acme Supply', leadTimeDays: 3, contacts: [] }, asB);
    expect(v.ok ? 'ok' : v.error.code).toBe('VALIDATION');
    // Nor may the centre take a code in a branch's prefix while that branch may be offline.
    const atCentre = await world.centralEngine.call('partners.customer.create', { code: 'B21-ACME', name: 'Acme', region: 'North', customerClass: 'regular', paymentTermsDays: 30 }, central);
    expect(atCentre.ok ? 'ok' : atCentre.error.message).toBe(`Codes starting with "B21-" are branch B21's to give; choose another code`);
    await a.engine.run('partners.customer.create', { code: 'B21-ACME', name: 'Acme North', region: 'North', customerClass: 'regular', paymentTermsDays: 30 }, asA);
    await b.engine.run('partners.customer.create', { code: 'B22-ACME', name: 'Acme South', region: 'North', customerClass: 'regular', paymentTermsDays: 30 }, asB);
    await syncAll();
    const codes = await world.admin.db.selectFrom('partner').select('code').where('code', 'like', 'B2%-ACME').orderBy('code').execute();
    expect(codes.map((c) => c.code)).toEqual(['B21-ACME', 'B22-ACME']);
  });

  it("preferred vendors are each branch's own; a vendor price set at a branch replaces the centre's without touching its row", async () => {
    const product = await world.centralEngine.run('catalog.product.create', { sku: `PV-${Date.now()}`, name: 'Bought item', uomId, listPriceMinor: 900, costMinor: 400 }, central);
    const north = await world.centralEngine.run('purchasing.vendor.create', { name: 'North Supply', leadTimeDays: 3, contacts: [] }, central);
    const south = await world.centralEngine.run('purchasing.vendor.create', { name: 'South Supply', leadTimeDays: 3, contacts: [] }, central);
    await world.centralEngine.run('purchasing.price.set', { vendorId: north.id, productId: product.id, priceMinor: 600 }, central);
    await syncAll();
    // Offline, both branches choose a vendor for the product at WH1, and B22 gets a better price.
    await a.engine.run('purchasing.preferredVendor.set', { productId: product.id, warehouseId: whId, vendorId: north.id }, asA);
    await b.engine.run('purchasing.preferredVendor.set', { productId: product.id, warehouseId: whId, vendorId: south.id }, asB);
    await b.engine.run('purchasing.price.set', { vendorId: north.id, productId: product.id, priceMinor: 550 }, asB);
    await syncAll();

    const preferredOf = async (t: TestBranch) =>
      (await sql<{ vendor_id: string }>`SELECT vendor_id FROM ${preferredVendorTable(t.creds.branchId)} AS pv WHERE product_id = ${product.id} AND warehouse_id = ${whId}`.execute(t.db.db)).rows.map((r) => r.vendor_id);
    expect(await preferredOf(a)).toEqual([north.id]);
    expect(await preferredOf(b)).toEqual([south.id]);
    expect(await world.admin.db.selectFrom('product_vendor').select('branch_id').where('product_id', '=', product.id).execute()).toHaveLength(2);

    // The newest price wins on every side; the centre's row stays active, the list shows one price.
    for (const [t, as] of [
      [a, asA],
      [b, asB],
    ] as const) {
      expect((await t.engine.run('purchasing.price.find', { vendorId: north.id, productId: product.id, quantity: 1 }, as)).priceMinor).toBe(550);
      expect((await t.engine.run('purchasing.price.list', { productId: product.id }, as)).rows.map((p) => p.priceMinor)).toEqual([550]);
    }
    expect((await world.admin.db.selectFrom('vendor_price').select('active').where('product_id', '=', product.id).execute()).map((p) => p.active)).toEqual([1, 1]);
  });

  it('two branches answer EDI orders offline: both 855s push, their control numbers in each branch\'s own range', async () => {
    const controls: number[] = [];
    for (const [t, as, sender] of [
      [a, asA, 'B21EDI'],
      [b, asB, 'B22EDI'],
    ] as const) {
      const products = (await t.engine.run('catalog.product.list', { limit: 50, offset: 60, sort: 'sku', dir: 'asc' }, as)).rows.filter((p) => p.tracking === 'none').slice(0, 1);
      const customer = await t.engine.run('partners.customer.create', { name: `EDI buyer ${sender}`, externalId: sender, region: 'North', customerClass: 'regular', creditLimitMinor: null }, as);
      const price = (await t.engine.run('pricing.quote', { customerId: customer.id, productId: products[0]!.id }, as)).unitPriceMinor;
      let r = await t.engine.run('imports.stage', { kind: 'edi', fileName: `${sender}.edi`, content: edi850(sender, '000000101', `${sender}-PO`, [{ sku: products[0]!.sku, qty: 1, price: (price / 100).toFixed(2) }]) }, as);
      r = await t.engine.run('imports.apply', { batchId: r.batch.id }, as);
      expect(r.orders[0]).toMatchObject({ status: 'accepted' });
      const doc = await t.db.db.selectFrom('edi_document').select('control_number').where('order_id', '=', r.orders[0]!.orderId!).where('kind', '=', '855').executeTakeFirstOrThrow();
      controls.push(Number(doc.control_number));
    }
    await syncAll();
    const slot = async (code: string) => {
      const branches = await world.admin.db.selectFrom('branch').select('code').orderBy('created_at').orderBy('id').execute();
      return branches.findIndex((x) => x.code === code) + 1;
    };
    expect(controls).toEqual([(await slot('B21')) * 10_000_000 + 1, (await slot('B22')) * 10_000_000 + 1]);
    expect(await world.admin.db.selectFrom('document_series').select('prefix').where('prefix', 'like', '%EDI-ISA-').orderBy('prefix').execute()).toEqual([{ prefix: 'B21-EDI-ISA-' }, { prefix: 'B22-EDI-ISA-' }]);
  });

  it('the same vendor invoice, location count, bank statement and imported order at two branches offline: all push, and the later branch gets an exception for each', async () => {
    const product = await world.centralEngine.run('catalog.product.create', { sku: `DUP-${Date.now()}`, name: 'Billed twice', uomId, listPriceMinor: 900, costMinor: 400 }, central);
    const vendor = await world.centralEngine.run('purchasing.vendor.create', { name: 'Twice Billing Co.', leadTimeDays: 3, contacts: [] }, central);
    const buyer = await world.centralEngine.run('partners.customer.create', { name: 'Portal Buyer', region: 'North', customerClass: 'regular', paymentTermsDays: 30 }, central);
    await syncAll();
    const bills: string[] = [];
    const counts: string[] = [];
    const orders: string[] = [];
    for (const [t, as] of [
      [a, asA],
      [b, asB],
    ] as const) {
      const po = await t.engine.run('purchasing.po.create', { vendorId: vendor.id, warehouseId: whId, lines: [{ productId: product.id, quantity: 4, unitPriceMinor: 500 }] }, as);
      await t.engine.run('purchasing.po.submit', { id: po.id }, as);
      await t.engine.run('purchasing.po.send', { id: po.id }, as);
      await t.engine.run('purchasing.po.receive', { id: po.id, lines: [{ lineId: po.lines[0]!.id, quantity: 4 }], createBackorder: false }, as);
      const bill = await t.engine.run('purchasing.bill.create', { orderId: po.id, vendorReference: 'INV-77', billDate: '2026-11-30', lines: [{ orderLineId: po.lines[0]!.id, quantity: 4, unitPriceMinor: 500 }] }, as);
      bills.push(bill.number);
      // Its own second entry of INV-77 is still refused at once.
      const again = await t.engine.call('purchasing.bill.create', { orderId: po.id, vendorReference: 'INV-77', billDate: '2026-11-30', lines: [{ orderLineId: po.lines[0]!.id, quantity: 1, unitPriceMinor: 500 }] }, as);
      expect(again.ok ? 'ok' : again.error.code).toBe('CONFLICT');
      const stock = (await zoneLocation(t.db.db, whId, 'stock')).id;
      counts.push((await t.engine.run('inventory.count.create', { locationId: stock, productIds: [product.id] }, as)).number);
      // The company's bank statement file, imported at both branches.
      await t.engine.run('finance.bank.import', { fileName: `stmt-${t.code}.csv`, format: 'csv', content: 'date,amount,reference,name\n2026-11-27,-12.50,FEE-NOV,Bank\n' }, as);
      // The portal's order file, sent to both branches.
      const staged = await t.engine.run('imports.stage', { kind: 'orders', channelCode: 'portal', fileName: 'portal.csv', content: `order_id,customer_code,sku,quantity\nWEB-9001,${buyer.code},${product.sku},1\n` }, as);
      const applied = await t.engine.run('imports.apply', { batchId: staged.batch.id }, as);
      orders.push(applied.orders[0]!.orderNumber!);
    }
    await syncAll();
    const kinds = ['duplicate_bill', 'count', 'duplicate_statement', 'duplicate_import'];
    const raised = await world.admin.db.selectFrom('sync_exception').innerJoin('branch', 'branch.id', 'sync_exception.branch_id').select(['branch.code', 'sync_exception.kind', 'sync_exception.message']).where('sync_exception.kind', 'in', kinds).orderBy('sync_exception.kind').execute();
    expect(raised).toEqual([
      { code: 'B22', kind: 'count', message: `WH1/Stock is counted here (${counts[1]}) and at branch B21 (${counts[0]}) at the same time: post one count and cancel the other, or both adjustments post` },
      { code: 'B22', kind: 'duplicate_bill', message: `Twice Billing Co.'s bill INV-77 was recorded here as ${bills[1]} and at branch B21 as ${bills[0]} while offline: make sure it is paid once` },
      { code: 'B22', kind: 'duplicate_import', message: expect.stringMatching(new RegExp(`^The imported order .*WEB-9001.* became ${orders[1]} here and ${orders[0]} at branch B21 while offline: cancel one, or the customer gets it twice$`)) as unknown as string },
      { code: 'B22', kind: 'duplicate_statement', message: 'Bank statement stmt-B22.csv was imported here and at branch B21 (as stmt-B21.csv) while offline: reconcile it at one branch only' },
    ]);
    // Both branches see the exceptions (kept once, however often the rows travel again).
    await syncAll();
    for (const t of [a, b]) expect(await t.db.db.selectFrom('sync_exception').select('kind').where('kind', 'in', kinds).execute()).toHaveLength(4);
  });

  it('master data on a bound branch is refused by the engine and by the database itself', async () => {
    const category = await a.db.db.selectFrom('category').select('id').executeTakeFirstOrThrow();
    const r = await a.engine.call('purchasing.categoryPolicy.set', { categoryId: category.id, requiresInspection: true }, asA);
    expect(r.ok ? 'ok' : r.error.code).toBe('READ_ONLY');
    const product = await a.db.db.selectFrom('product').select(['id', 'name']).executeTakeFirstOrThrow();
    expect(() => a.db.sqlite.prepare('UPDATE product SET name = ? WHERE id = ?').run('Renamed at a branch', product.id)).toThrow(/BL_CENTRAL product/);
    expect((await a.db.db.selectFrom('product').select('name').where('id', '=', product.id).executeTakeFirstOrThrow()).name).toBe(product.name);
  });
});
