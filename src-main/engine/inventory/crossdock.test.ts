import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';
import { inventoryFixture } from './fixtures';

describe.each(DIALECTS)('cross-dock on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let xd: Awaited<ReturnType<typeof inventoryFixture>>;

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    // Receipts in 2 steps (Input → Stock), deliveries in 3 (pick → pack → ship), cross-docking on.
    xd = await inventoryFixture(t.engine, as, { code: 'XD1', receptionSteps: 2, deliverySteps: 3, crossDock: true });
  });
  afterAll(async () => t.dispose());
  const check = async () => expect((await t.engine.run('inventory.check', {}, as)).differences).toEqual([]);

  it('is a warehouse setting: on at creation, off and on again with configure', async () => {
    expect((await t.engine.run('inventory.warehouse.list', {}, as)).rows.find((w) => w.code === 'XD1')?.crossDock).toBe(true);
    const off = await t.engine.run('inventory.warehouse.configure', { id: xd.wh.id, crossDock: false }, as);
    expect(off.crossDock).toBe(false);
    const on = await t.engine.run('inventory.warehouse.configure', { id: xd.wh.id, crossDock: true }, as);
    expect(on.crossDock).toBe(true);
  });

  it('sends what a waiting delivery lacks from Input straight to Output; the rest is put away', async () => {
    const p = await xd.product();
    // Two orders waiting for stock, the key account first (lower rank).
    const late = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: xd.wh.id, priorityRank: 50, lines: [{ productId: p.id, quantity: 4 }] }, as);
    const first = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: xd.wh.id, priorityRank: 10, lines: [{ productId: p.id, quantity: 3 }] }, as);
    expect(late.state).toBe('waiting');
    const receipt = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: xd.wh.id, lines: [{ productId: p.id, quantity: 10, unitCostMinor: 250 }] }, as);
    await t.engine.run('inventory.transfer.validate', { id: receipt.id }, as);

    // One XD transfer (Input → Output) for both orders, ready, in priority order.
    const xdList = await t.engine.run('inventory.transfer.list', { state: 'open', productId: p.id }, as);
    const dock = xdList.rows.find((r) => r.number.includes('-XD-'))!;
    expect(dock).toBeDefined();
    const dockT = await t.engine.run('inventory.transfer.get', { id: dock.id }, as);
    expect(dockT.state).toBe('ready');
    expect(dockT.fromPath).toBe('XD1/Input');
    expect(dockT.toPath).toBe('XD1/Output');
    expect(dockT.lines.map((l) => l.quantity)).toEqual([3, 4]);
    // The picks (and packs) of those units are no longer needed: both picks are cancelled.
    for (const d of [first, late]) {
      expect((await t.engine.run('inventory.transfer.get', { id: d.id }, as)).state).toBe('cancelled');
      const pack = await t.engine.run('inventory.transfer.get', { id: d.linkedTransferId! }, as);
      expect(pack.state).toBe('cancelled');
    }
    // Put-away carries only the 3 units nobody waits for.
    const putaway = await t.engine.run('inventory.transfer.get', { id: receipt.linkedTransferId! }, as);
    expect(putaway.lines[0]!.quantity).toBe(3);
    expect(putaway.state).toBe('ready');
    await check();

    await t.engine.run('inventory.transfer.validate', { id: dock.id }, as);
    for (const [d, qty] of [[first, 3], [late, 4]] as const) {
      const pack = await t.engine.run('inventory.transfer.get', { id: d.linkedTransferId! }, as);
      const ship = await t.engine.run('inventory.transfer.get', { id: pack.linkedTransferId! }, as);
      expect(ship.state).toBe('ready');
      expect(ship.lines[0]!.reserved).toBe(qty);
      await t.engine.run('inventory.transfer.validate', { id: ship.id }, as);
    }
    await t.engine.run('inventory.transfer.validate', { id: putaway.id }, as);
    const levels = await t.engine.run('inventory.stock.byProduct', { productId: p.id }, as);
    expect(levels.rows.filter((r) => r.onHand !== 0 && r.path.startsWith('XD1/')).map((r) => [r.path, r.onHand])).toEqual([['XD1/Stock', 3]]);
    // The units never passed through Stock or Pack.
    const ledger = await t.engine.run('inventory.ledger', { productId: p.id, limit: 50 }, as);
    expect(ledger.rows.filter((m) => m.fromPath === 'XD1/Stock' || m.toPath === 'XD1/Pack')).toEqual([]);
    expect(ledger.rows.filter((m) => m.fromPath === 'XD1/Input' && m.toPath === 'XD1/Output').reduce((s, m) => s + m.quantity, 0)).toBe(7);
    await check();
  });

  it('takes only what the delivery still lacks, after what stock already covers', async () => {
    const p = await xd.product();
    await t.engine.run('inventory.adjust', { productId: p.id, locationId: xd.stock.id, delta: 2, reason: 'found on shelf' }, as);
    const order = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: xd.wh.id, lines: [{ productId: p.id, quantity: 5 }] }, as);
    expect(order.lines[0]!.reserved).toBe(2);
    const receipt = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: xd.wh.id, lines: [{ productId: p.id, quantity: 2, unitCostMinor: 100 }] }, as);
    await t.engine.run('inventory.transfer.validate', { id: receipt.id }, as);
    const pick = await t.engine.run('inventory.transfer.get', { id: order.id }, as);
    // The pick keeps the 2 reserved in stock; 2 of the 3 missing come by cross-dock; 1 still waits.
    expect(pick.lines[0]!.quantity).toBe(3);
    expect(pick.lines[0]!.reserved).toBe(2);
    const putaway = await t.engine.run('inventory.transfer.get', { id: receipt.linkedTransferId! }, as);
    expect(putaway.state).toBe('cancelled');
    const pack = await t.engine.run('inventory.transfer.get', { id: order.linkedTransferId! }, as);
    expect(pack.lines[0]!.quantity).toBe(3);
    const ship = await t.engine.run('inventory.transfer.get', { id: pack.linkedTransferId! }, as);
    expect(ship.lines[0]!.quantity).toBe(5);
    await check();
  });

  it('does nothing with cross-docking off: the receipt is put away and picked as usual', async () => {
    const plain = await inventoryFixture(t.engine, as, { code: 'XD2', receptionSteps: 2, deliverySteps: 2 });
    const p = await plain.product();
    const order = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: plain.wh.id, lines: [{ productId: p.id, quantity: 2 }] }, as);
    const receipt = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: plain.wh.id, lines: [{ productId: p.id, quantity: 2, unitCostMinor: 100 }] }, as);
    await t.engine.run('inventory.transfer.validate', { id: receipt.id }, as);
    expect((await t.engine.run('inventory.transfer.get', { id: receipt.linkedTransferId! }, as)).lines[0]!.quantity).toBe(2);
    expect((await t.engine.run('inventory.transfer.get', { id: order.id }, as)).lines[0]!.quantity).toBe(2);
    const open = await t.engine.run('inventory.transfer.list', { state: 'open', productId: p.id }, as);
    expect(open.rows.some((r) => r.number.includes('-XD-'))).toBe(false);
    await check();
  });
});
