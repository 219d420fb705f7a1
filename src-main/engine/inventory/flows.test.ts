import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';
import { inventoryFixture } from './fixtures';

describe.each(DIALECTS)('warehouse flows on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let f3: Awaited<ReturnType<typeof inventoryFixture>>;
  let f1: Awaited<ReturnType<typeof inventoryFixture>>;

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    f3 = await inventoryFixture(t.engine, as, { code: 'WH3', receptionSteps: 2, deliverySteps: 3 });
    f1 = await inventoryFixture(t.engine, as, { code: 'WH1' });
  });
  afterAll(async () => t.dispose());
  const check = async () => expect((await t.engine.run('inventory.check', {}, as)).differences).toEqual([]);

  it('receives in two steps and delivers in three (pick → pack → ship), feeding each step from the one before', async () => {
    const p = await f3.product();
    const bin = await t.engine.run('inventory.location.create', { parentId: f3.stock.id, name: 'A-01-1' }, as);
    const receipt = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: f3.wh.id, lines: [{ productId: p.id, quantity: 8, unitCostMinor: 250 }] }, as);
    expect(receipt.toPath).toBe('WH3/Input');
    expect((await t.engine.run('inventory.availability', { productId: p.id }, as)).incoming).toBe(8);
    await t.engine.run('inventory.transfer.validate', { id: receipt.id }, as);
    const putaway = await t.engine.run('inventory.transfer.get', { id: receipt.linkedTransferId! }, as);
    expect(putaway.state).toBe('ready');
    await t.engine.run('inventory.transfer.validate', { id: putaway.id, lines: [{ lineId: putaway.lines[0]!.id, quantity: 8, toLocationId: bin.id }] }, as);
    expect((await t.engine.run('inventory.transfer.get', { id: putaway.id }, as)).lines[0]!.toPath).toBe('WH3/Stock/A-01-1');
    const levels = await t.engine.run('inventory.stock.byProduct', { productId: p.id }, as);
    expect(levels.rows.map((r) => [r.path, r.onHand])).toEqual([['WH3/Stock/A-01-1', 8]]);

    const pick = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f3.wh.id, lines: [{ productId: p.id, quantity: 5 }] }, as);
    expect(pick.kind).toBe('pick');
    expect(pick.state).toBe('ready');
    // Warehouse-level outgoing counts the shipment once, not once per step.
    expect((await t.engine.run('inventory.availability', { productId: p.id }, as)).outgoing).toBe(5);
    const pack = await t.engine.run('inventory.transfer.get', { id: pick.linkedTransferId! }, as);
    expect(pack.state).toBe('waiting');
    await t.engine.run('inventory.transfer.validate', { id: pick.id }, as);
    expect((await t.engine.run('inventory.transfer.get', { id: pack.id }, as)).state).toBe('ready');
    await t.engine.run('inventory.transfer.validate', { id: pack.id }, as);
    const ship = await t.engine.run('inventory.transfer.get', { id: pack.linkedTransferId! }, as);
    expect(ship.state).toBe('ready');
    expect(ship.fromPath).toBe('WH3/Output');
    await t.engine.run('inventory.transfer.validate', { id: ship.id }, as);
    const a = await t.engine.run('inventory.availability', { productId: p.id }, as);
    expect(a).toMatchObject({ onHand: 3, reserved: 0, outgoing: 0, incoming: 0 });
    await check();
  });

  it('receives now: a receipt created and validated in one command, as two commands would leave it', async () => {
    const [a, b] = [await f1.product(), await f1.product()];
    const received = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: f1.wh.id, validate: true, lines: [{ productId: a.id, quantity: 6, unitCostMinor: 300 }, { productId: b.id, quantity: 2, unitCostMinor: 500 }] }, as);
    expect(received.state).toBe('done');
    expect(received.lines.map((l) => [l.quantityDone, l.state])).toEqual([[6, 'done'], [2, 'done']]);
    // The reply is built from the rows written: it must equal what a read returns.
    expect(await t.engine.run('inventory.transfer.get', { id: received.id }, as)).toEqual(received);
    expect(await t.engine.run('inventory.availability', { productId: a.id }, as)).toMatchObject({ onHand: 6, incoming: 0 });
    expect(await t.engine.run('inventory.availability', { productId: b.id }, as)).toMatchObject({ onHand: 2, incoming: 0 });
    const twoStep = await f1.receive(a.id, 4, 600);
    const moves = (await t.engine.run('inventory.ledger', { productId: a.id }, as)).rows;
    expect(moves.map((m) => [m.reference, m.quantity, m.valueMinor, m.toPath])).toEqual([
      [twoStep.number, 4, 2400, 'WH1/Stock'],
      [received.number, 6, 1800, 'WH1/Stock'],
    ]);
    await check();
    // Stored alike: the receipt received at once is inserted done, the other updated to done.
    const stored = async (id: string) => {
      const header = await t.database.db.selectFrom('transfer').select(['state', 'version', 'kind', 'done_at', 'updated_at']).where('id', '=', id).executeTakeFirstOrThrow();
      const lines = await t.database.db.selectFrom('transfer_line').select(['quantity', 'quantity_done', 'state', 'version', 'updated_at', 'unit_cost_minor']).where('transfer_id', '=', id).orderBy('line_no').execute();
      return { header: { ...header, atDone: header.done_at === header.updated_at }, lines: lines.map((l) => ({ ...l, updated_at: undefined })) };
    };
    const once = await stored(received.id);
    const twice = await stored(twoStep.id);
    expect(once.header).toMatchObject({ state: 'done', version: twice.header.version, kind: 'receipt', atDone: true });
    expect(once.lines[0]).toEqual({ ...twice.lines[0], quantity: 6, quantity_done: 6, unit_cost_minor: 300 });
  });

  it('receives now on an install bound to a centre: each row of the receipt goes to the outbox once, as stored', async () => {
    if (dialect !== 'sqlite') return;
    const p = await f1.product();
    const sqlite = (t.database as { sqlite: import('better-sqlite3').Database }).sqlite;
    sqlite.prepare('UPDATE client_state SET capture = 1').run();
    try {
      const received = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: f1.wh.id, validate: true, lines: [{ productId: p.id, quantity: 5, unitCostMinor: 120 }] }, as);
      const { changes } = sqlite.prepare('SELECT changes FROM outbox ORDER BY mutation_id DESC LIMIT 1').get() as { changes: string };
      const rows = (JSON.parse(changes) as { table: string; op: string; row: Record<string, unknown> }[]).filter((c) => c.table === 'transfer' || c.table === 'transfer_line');
      expect(rows.map((c) => [c.table, c.op, c.row.state])).toEqual([
        ['transfer', 'insert', 'done'],
        ['transfer_line', 'insert', 'done'],
      ]);
      expect(rows[1]!.row).toMatchObject({ transfer_id: received.id, quantity: 5, quantity_done: 5 });
    } finally {
      sqlite.prepare('UPDATE client_state SET capture = 0').run();
    }
  });

  it('receive now is refused for a draft and for two-step flows it only receives into Input', async () => {
    const p = await f1.product();
    const draft = await t.engine.call('inventory.transfer.create', { kind: 'receipt', warehouseId: f1.wh.id, confirm: false, validate: true, lines: [{ productId: p.id, quantity: 1 }] }, as);
    expect(draft.ok).toBe(false);
    if (!draft.ok) expect(draft.error.message).toMatch(/validated at once must be confirmed/);
    expect((await t.engine.run('inventory.availability', { productId: p.id }, as)).onHand).toBe(0);
    const p3 = await f3.product();
    const inInput = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: f3.wh.id, validate: true, lines: [{ productId: p3.id, quantity: 3, unitCostMinor: 100 }] }, as);
    expect(inInput).toMatchObject({ state: 'done', toPath: 'WH3/Input' });
    const putaway = await t.engine.run('inventory.transfer.get', { id: inInput.linkedTransferId! }, as);
    expect(putaway.state).toBe('ready');
    await check();
  });

  it('a short pick without backorder shrinks the pack and ship steps', async () => {
    const p = await f3.product();
    await t.engine.run('inventory.adjust', { productId: p.id, locationId: f3.stock.id, delta: 2, reason: 'found on shelf' }, as);
    const pick = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f3.wh.id, lines: [{ productId: p.id, quantity: 5 }] }, as);
    await t.engine.run('inventory.transfer.validate', { id: pick.id, createBackorder: false }, as);
    const pack = await t.engine.run('inventory.transfer.get', { id: pick.linkedTransferId! }, as);
    expect(pack.lines[0]!.quantity).toBe(2);
    expect(pack.state).toBe('ready');
    await check();
  });

  it('partial pick and partial pack: the pick backorder feeds the pack backorder, not the closed pack line', async () => {
    const p = await f3.product();
    await t.engine.run('inventory.adjust', { productId: p.id, locationId: f3.stock.id, delta: 10, reason: 'initial stock' }, as);
    const pick = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f3.wh.id, lines: [{ productId: p.id, quantity: 10 }] }, as);
    const picked = await t.engine.run('inventory.transfer.validate', { id: pick.id, lines: [{ lineId: pick.lines[0]!.id, quantity: 6 }] }, as);
    const pickBackorder = picked.backorder!;
    expect(pickBackorder.lines[0]!.quantity).toBe(4);
    const pack = await t.engine.run('inventory.transfer.get', { id: pick.linkedTransferId! }, as);
    const packed = await t.engine.run('inventory.transfer.validate', { id: pack.id, lines: [{ lineId: pack.lines[0]!.id, quantity: 3 }] }, as);
    const packBackorder = packed.backorder!;
    expect(packBackorder.lines[0]!.quantity).toBe(7);
    await check();
    // The rest of the pick arrives at Pack for the pack backorder (3 waiting there + 4 now).
    await t.engine.run('inventory.transfer.validate', { id: pickBackorder.id }, as);
    const packLeft = await t.engine.run('inventory.transfer.get', { id: packBackorder.id }, as);
    expect(packLeft.state).toBe('ready');
    expect(packLeft.lines[0]!.reserved).toBe(7);
    const closedPack = await t.database.db.selectFrom('reservation').select('quantity').where('transfer_line_id', '=', pack.lines[0]!.id).execute();
    expect(closedPack).toEqual([]);
    await t.engine.run('inventory.transfer.validate', { id: packBackorder.id }, as);
    const ship = await t.engine.run('inventory.transfer.get', { id: pack.linkedTransferId! }, as);
    expect(ship.state).toBe('ready');
    await t.engine.run('inventory.transfer.validate', { id: ship.id }, as);
    const a = await t.engine.run('inventory.availability', { productId: p.id }, as);
    expect(a).toMatchObject({ onHand: 0, reserved: 0, outgoing: 0 });
    const shipped = await t.engine.run('inventory.ledger', { productId: p.id, transferId: ship.id }, as);
    expect(shipped.rows.reduce((sum, m) => sum + m.quantity, 0)).toBe(10);
    await check();
  });

  it('partial pack closed without backorder cancels what the open pick backorder would still bring', async () => {
    const p = await f3.product();
    await t.engine.run('inventory.adjust', { productId: p.id, locationId: f3.stock.id, delta: 10, reason: 'initial stock' }, as);
    const pick = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f3.wh.id, lines: [{ productId: p.id, quantity: 10 }] }, as);
    const picked = await t.engine.run('inventory.transfer.validate', { id: pick.id, lines: [{ lineId: pick.lines[0]!.id, quantity: 6 }] }, as);
    const pack = await t.engine.run('inventory.transfer.get', { id: pick.linkedTransferId! }, as);
    await t.engine.run('inventory.transfer.validate', { id: pack.id, lines: [{ lineId: pack.lines[0]!.id, quantity: 3 }], createBackorder: false }, as);
    const pickBackorder = await t.engine.run('inventory.transfer.get', { id: picked.backorder!.id }, as);
    expect(pickBackorder.state).toBe('cancelled');
    // Its stock is free again, and so are the 3 left at Pack: only the 3 packed for shipping stay reserved.
    const a = await t.engine.run('inventory.availability', { productId: p.id }, as);
    expect(a).toMatchObject({ onHand: 10, reserved: 3, outgoing: 3 });
    const ship = await t.engine.run('inventory.transfer.get', { id: pack.linkedTransferId! }, as);
    expect(ship.lines[0]!.quantity).toBe(3);
    await check();
  });

  it('backorder lines keep the order line they deliver (sales_line_id) at every step', async () => {
    const p = await f3.product();
    await t.engine.run('inventory.adjust', { productId: p.id, locationId: f3.stock.id, delta: 10, reason: 'initial stock' }, as);
    const pick = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f3.wh.id, lines: [{ productId: p.id, quantity: 10 }] }, as);
    // What sales writes when it releases an order (the engine keeps it from then on).
    const salesLineId = `0190a000-0000-7000-8000-${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`;
    for (let id: string | null = pick.id; id; ) {
      await t.database.db.updateTable('transfer_line').set({ sales_line_id: salesLineId }).where('transfer_id', '=', id).execute();
      id = (await t.engine.run('inventory.transfer.get', { id }, as)).linkedTransferId;
    }
    const picked = await t.engine.run('inventory.transfer.validate', { id: pick.id, lines: [{ lineId: pick.lines[0]!.id, quantity: 6 }] }, as);
    const pack = await t.engine.run('inventory.transfer.get', { id: pick.linkedTransferId! }, as);
    const packed = await t.engine.run('inventory.transfer.validate', { id: pack.id, lines: [{ lineId: pack.lines[0]!.id, quantity: 2 }] }, as);
    const links = await t.database.db
      .selectFrom('transfer_line')
      .select(['transfer_id', 'sales_line_id'])
      .where('transfer_id', 'in', [picked.backorder!.id, packed.backorder!.id])
      .execute();
    expect(links).toHaveLength(2);
    for (const l of links) expect(l.sales_line_id).toBe(salesLineId);
    await check();
  });

  it('moves stock between warehouses through Transit, visible on both sides', async () => {
    const p = await f1.product();
    await f1.receive(p.id, 10, 300);
    const { outbound, inbound } = await t.engine.run('inventory.interWarehouse.create', { fromWarehouseId: f1.wh.id, toWarehouseId: f3.wh.id, lines: [{ productId: p.id, quantity: 4 }] }, as);
    let a = await t.engine.run('inventory.availability', { productId: p.id }, as);
    const w = (code: string) => a.byWarehouse.find((x) => x.code === code)!;
    expect(w('WH1')).toMatchObject({ onHand: 10, reserved: 4, outgoing: 4 });
    expect(w('WH3')).toMatchObject({ onHand: 0, incoming: 4 });
    await t.engine.run('inventory.transfer.validate', { id: outbound.id }, as);
    a = await t.engine.run('inventory.availability', { productId: p.id }, as);
    expect(w('WH1')).toMatchObject({ onHand: 6, outgoing: 0 });
    expect(w('WH3')).toMatchObject({ onHand: 0, incoming: 4 });
    const transit = await t.engine.run('inventory.stock.byProduct', { productId: p.id }, as);
    expect(transit.rows.find((r) => r.path === 'Virtual/Transit')?.onHand).toBe(4);
    expect((await t.engine.run('inventory.transfer.get', { id: inbound.id }, as)).state).toBe('ready');
    await t.engine.run('inventory.transfer.validate', { id: inbound.id }, as);
    a = await t.engine.run('inventory.availability', { productId: p.id }, as);
    expect(w('WH3')).toMatchObject({ onHand: 4, incoming: 0 });
    // Moving inside the company does not change its stock value.
    const ledger = await t.engine.run('inventory.ledger', { productId: p.id }, as);
    expect(ledger.rows.filter((m) => m.reference !== ledger.rows.at(-1)!.reference).every((m) => m.valueMinor === 0)).toBe(true);
    await check();
  });

  it('holds a count with a large variance for a warehouse manager, refuses a second count on the location', async () => {
    const p = await f1.product();
    await f1.receive(p.id, 100, 1000);
    const bin = await t.engine.run('inventory.location.create', { parentId: f1.stock.id, name: `CNT-${dialect}` }, as);
    await t.engine.run('inventory.transfer.create', { kind: 'internal', warehouseId: f1.wh.id, toLocationId: bin.id, lines: [{ productId: p.id, quantity: 100 }] }, as).then((tr) => t.engine.run('inventory.transfer.validate', { id: tr.id }, as));
    const count = await t.engine.run('inventory.count.create', { locationId: bin.id }, as);
    expect(count.lines).toHaveLength(1);
    const again = await t.engine.call('inventory.count.create', { locationId: bin.id }, as);
    expect(again.ok ? 'ok' : again.error.code).toBe('CONFLICT');
    await t.engine.run('inventory.count.record', { id: count.id, lines: [{ lineId: count.lines[0]!.id, countedQuantity: 90, reason: 'damaged' }] }, as);
    const submitted = await t.engine.run('inventory.count.submit', { id: count.id }, as);
    expect(submitted.state).toBe('awaiting_approval');
    expect(submitted.needsApprovalReason).toMatch(/exceeds/);
    const wh = await t.engine.run('users.create', { username: `wh-${dialect}`, displayName: 'W', password: 'warehouse-pw', roles: ['warehouse'] }, as);
    const denied = await t.engine.call('inventory.count.approve', { id: count.id }, { userId: wh.id });
    expect(denied.ok ? 'ok' : denied.error.code).toBe('FORBIDDEN');
    const posted = await t.engine.run('inventory.count.approve', { id: count.id }, as);
    expect(posted.state).toBe('posted');
    const levels = await t.engine.run('inventory.stock.byProduct', { productId: p.id }, as);
    expect(levels.rows.find((r) => r.locationId === bin.id)?.onHand).toBe(90);
    const loss = await t.engine.run('inventory.ledger', { productId: p.id, limit: 1 }, as);
    expect(loss.rows[0]).toMatchObject({ toPath: 'Virtual/Inventory Loss', quantity: 10, valueMinor: -10000 });
    expect(loss.rows[0]!.reason).toMatch(/damaged/);
    await check();
  });

  it('builds a wave whose pick list walks the locations in path order, by carrier cut-off priority', async () => {
    const p1 = await f1.product();
    const p2 = await f1.product();
    const binB = await t.engine.run('inventory.location.create', { parentId: f1.stock.id, name: `B-${dialect}` }, as);
    const binA = await t.engine.run('inventory.location.create', { parentId: f1.stock.id, name: `A-${dialect}` }, as);
    for (const [p, bin] of [[p1, binB], [p2, binA]] as const) {
      const r = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: f1.wh.id, toLocationId: bin.id, lines: [{ productId: p.id, quantity: 10 }] }, as);
      await t.engine.run('inventory.transfer.validate', { id: r.id }, as);
    }
    const late = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f1.wh.id, carrier: 'DHL', carrierCutoff: '2026-12-01T17:00:00Z', lines: [{ productId: p1.id, quantity: 2 }, { productId: p2.id, quantity: 1 }] }, as);
    const early = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f1.wh.id, carrier: 'DHL', carrierCutoff: '2026-12-01T12:00:00Z', lines: [{ productId: p1.id, quantity: 3 }] }, as);
    const wave = await t.engine.run('inventory.wave.build', { warehouseId: f1.wh.id, carrier: 'DHL' }, as);
    expect(wave.transfers.map((x) => x.id)).toEqual([early.id, late.id]);
    const mine = wave.pickList.filter((r) => r.productId === p1.id || r.productId === p2.id);
    expect(mine.map((r) => [r.locationPath, r.quantity])).toEqual([
      [`WH1/Stock/A-${dialect}`, 1],
      [`WH1/Stock/B-${dialect}`, 5],
    ]);
    const paths = wave.pickList.map((r) => r.locationPath);
    expect([...paths].sort()).toEqual(paths);
    // Picking every transfer of the wave closes it.
    for (const tr of wave.transfers) await t.engine.run('inventory.transfer.validate', { id: tr.id }, as);
    expect((await t.engine.run('inventory.wave.get', { id: wave.id }, as)).state).toBe('done');
    const open = await t.engine.run('inventory.transfer.list', { state: 'open', productId: p1.id }, as);
    expect(open.rows.map((r) => r.id)).not.toContain(early.id);
    const scanOk = await t.engine.run('inventory.scan', { code: p1.barcode ?? 'x', transferId: late.id }, as);
    expect(scanOk.verdict).toBe(p1.barcode ? 'match' : 'unknown');
  });

  it('scans: right product matches its line, wrong product warns', async () => {
    const good = await t.engine.run('catalog.product.create', { sku: `SCAN-${dialect}-1`, name: 'Scan me', uomId: f1.each.id, barcode: dialect === 'sqlite' ? '4006381333931' : '9506000134352', listPriceMinor: 1, costMinor: 1 }, as);
    const other = await t.engine.run('catalog.product.create', { sku: `SCAN-${dialect}-2`, name: 'Not me', uomId: f1.each.id, barcode: dialect === 'sqlite' ? '5901234123457' : '4012345678901', listPriceMinor: 1, costMinor: 1 }, as);
    await t.engine.run('inventory.adjust', { productId: good.id, locationId: f1.stock.id, delta: 5, reason: 'initial stock' }, as);
    const d = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f1.wh.id, lines: [{ productId: good.id, quantity: 1 }] }, as);
    const hit = await t.engine.run('inventory.scan', { code: good.barcode!, transferId: d.id }, as);
    expect(hit).toMatchObject({ verdict: 'match', lineId: d.lines[0]!.id });
    const gs1 = await t.engine.run('inventory.scan', { code: `(01)0${good.barcode}(10)LOT7(17)271231`, transferId: d.id }, as);
    expect(gs1).toMatchObject({ verdict: 'match', lot: 'LOT7', expiry: '2027-12-31' });
    const miss = await t.engine.run('inventory.scan', { code: other.barcode!, transferId: d.id }, as);
    expect(miss.verdict).toBe('wrong_product');
    expect(miss.message).toMatch(/Wrong product/);
    const junk = await t.engine.run('inventory.scan', { code: '1234567890123', transferId: d.id }, as);
    expect(junk.verdict).toBe('unknown');
  });

  it('values FIFO categories from the oldest layers and picks lots by earliest expiry (FEFO)', async () => {
    const cat = await t.engine.run('catalog.category.create', { name: `Perishables ${dialect}` }, as);
    await t.database.db.updateTable('category').set({ costing_method: 'fifo', removal_strategy: 'fefo' }).where('id', '=', cat.id).execute();
    const p = await t.engine.run('catalog.product.create', { sku: `FEFO-${dialect}`, name: 'Milk powder', uomId: f1.each.id, categoryId: cat.id, listPriceMinor: 500, costMinor: 100, tracking: 'lot' }, as);
    for (const [lot, expiry, cost] of [['L-LATE', '2027-06-30', 100], ['L-SOON', '2027-01-31', 200]] as const) {
      const r = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: f1.wh.id, lines: [{ productId: p.id, quantity: 5, unitCostMinor: cost }] }, as);
      await t.engine.run('inventory.transfer.validate', { id: r.id, lines: [{ lineId: r.lines[0]!.id, quantity: 5, lotName: lot, expiryDate: expiry }] }, as);
    }
    const d = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f1.wh.id, lines: [{ productId: p.id, quantity: 6 }] }, as);
    await t.engine.run('inventory.transfer.validate', { id: d.id }, as);
    const out = (await t.engine.run('inventory.ledger', { transferId: d.id }, as)).rows;
    const byLot = Object.fromEntries(out.map((m) => [m.lotName, m]));
    expect(byLot['L-SOON']!.quantity).toBe(5);
    expect(byLot['L-LATE']!.quantity).toBe(1);
    // FIFO: the first 5 units out are the first layer received (L-LATE at 100), then 1 at 200.
    expect(out.reduce((s, m) => s + m.valueMinor, 0)).toBe(-(5 * 100 + 1 * 200));
    await check();
  });
});
