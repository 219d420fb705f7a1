import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';
import { inventoryFixture } from './fixtures';

describe.each(DIALECTS)('inventory on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let f: Awaited<ReturnType<typeof inventoryFixture>>;

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    f = await inventoryFixture(t.engine, as);
  });
  afterAll(async () => t.dispose());

  const check = async () => {
    const c = await t.engine.run('inventory.check', {}, as);
    expect(c.differences).toEqual([]);
  };
  const moveCount = async () => Number((await t.database.db.selectFrom('stock_move').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  it('receives, reserves and delivers, valuing stock at moving average cost', async () => {
    const p = await f.product();
    await f.receive(p.id, 10, 100);
    await f.receive(p.id, 10, 200);
    let a = await t.engine.run('inventory.availability', { productId: p.id }, as);
    expect(a).toMatchObject({ onHand: 20, reserved: 0, available: 20 });
    const d = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f.wh.id, lines: [{ productId: p.id, quantity: 5 }] }, as);
    expect(d.state).toBe('ready');
    a = await t.engine.run('inventory.availability', { productId: p.id }, as);
    expect(a).toMatchObject({ onHand: 20, reserved: 5, available: 15, outgoing: 5 });
    const v = await t.engine.run('inventory.transfer.validate', { id: d.id }, as);
    expect(v.transfer.state).toBe('done');
    const ledger = await t.engine.run('inventory.ledger', { productId: p.id }, as);
    expect(ledger.rows[0]).toMatchObject({ quantity: 5, valueMinor: -750, unitCostMinor: 150 });
    a = await t.engine.run('inventory.availability', { productId: p.id }, as);
    expect(a).toMatchObject({ onHand: 15, reserved: 0, outgoing: 0 });
    await check();
  });

  it('replies to transfer.create with the transfer exactly as a later read shows it (built from the rows it wrote)', async () => {
    const p1 = await f.product();
    const p2 = await f.product();
    await f.receive(p1.id, 4);
    const cases = [
      { kind: 'receipt' as const, warehouseId: f.wh.id, lines: [{ productId: p1.id, quantity: 3, unitCostMinor: 250 }, { productId: p2.id, quantity: 2 }] },
      // p1: 4 free, the second line of p1 gets what the first left (1 of 2); p2 none.
      { kind: 'delivery' as const, warehouseId: f.wh.id, channelCode: 'rep' as const, lines: [{ productId: p1.id, quantity: 3 }, { productId: p1.id, quantity: 2 }, { productId: p2.id, quantity: 1 }] },
      { kind: 'delivery' as const, warehouseId: f.wh.id, shippingPolicy: 'all' as const, lines: [{ productId: p2.id, quantity: 1 }] },
      { kind: 'delivery' as const, warehouseId: f.wh.id, confirm: false, lines: [{ productId: p1.id, quantity: 1 }] },
      { kind: 'internal' as const, warehouseId: f.wh.id, toLocationId: f.locations.find((l) => l.zone === 'stock' && l.path !== f.stock.path)?.id, lines: [{ productId: p1.id, quantity: 1 }] },
    ];
    const states: string[] = [];
    for (const input of cases) {
      if (input.kind === 'internal' && !input.toLocationId) continue;
      const created = await t.engine.run('inventory.transfer.create', input, as);
      expect(created).toEqual(await t.engine.run('inventory.transfer.get', { id: created.id }, as));
      states.push(created.state);
    }
    expect(states.slice(0, 4)).toEqual(['ready', 'ready', 'waiting', 'draft']);
    // Validation's reply too: in full (built from what it wrote), partly (read back).
    const receipt = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: f.wh.id, lines: [{ productId: p2.id, quantity: 5, unitCostMinor: 300 }, { productId: p1.id, quantity: 1 }] }, as);
    const full = await t.engine.run('inventory.transfer.validate', { id: receipt.id }, as);
    expect(full.transfer).toEqual(await t.engine.run('inventory.transfer.get', { id: receipt.id }, as));
    expect(full.transfer.lines.map((l) => [l.state, l.quantityDone])).toEqual([['done', 5], ['done', 1]]);
    const delivery = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f.wh.id, lines: [{ productId: p2.id, quantity: 2 }, { productId: p2.id, quantity: 1 }] }, as);
    const partly = await t.engine.run('inventory.transfer.validate', { id: delivery.id, lines: [{ lineId: delivery.lines[0]!.id, quantity: 1 }] }, as);
    expect(partly.transfer).toEqual(await t.engine.run('inventory.transfer.get', { id: delivery.id }, as));
    expect(partly.backorder).not.toBeNull();
    const rest = await t.engine.run('inventory.transfer.validate', { id: partly.backorder!.id }, as);
    expect(rest.transfer).toEqual(await t.engine.run('inventory.transfer.get', { id: partly.backorder!.id }, as));
    await check();
  });

  it('refuses a move that would go negative, naming product, location, needed and available, and writes nothing', async () => {
    const p = await f.product();
    await f.receive(p.id, 3);
    const before = await moveCount();
    const res = await t.engine.call('inventory.adjust', { productId: p.id, locationId: f.stock.id, delta: -5, reason: 'broken' }, as);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error.code).toBe('BUSINESS_RULE');
      expect(res.error.message).toContain(p.sku);
      expect(res.error.message).toContain('WH1/Stock');
      expect(res.error.message).toMatch(/needed 5, available 3/);
    }
    expect(await moveCount()).toBe(before);
    await check();
  });

  it('refuses bad moves with clear messages and changes nothing', async () => {
    const p = await f.product();
    const before = await moveCount();
    const bad: [string, unknown, string][] = [
      ['zero', { kind: 'receipt', warehouseId: f.wh.id, lines: [{ productId: p.id, quantity: 0 }] }, 'VALIDATION'],
      ['negative', { kind: 'receipt', warehouseId: f.wh.id, lines: [{ productId: p.id, quantity: -2 }] }, 'VALIDATION'],
      ['unknown product', { kind: 'receipt', warehouseId: f.wh.id, lines: [{ productId: '01890a5d-ac96-774b-bcce-b302099a8057', quantity: 2 }] }, 'VALIDATION'],
      ['unknown warehouse', { kind: 'receipt', warehouseId: '01890a5d-ac96-774b-bcce-b302099a8057', lines: [{ productId: p.id, quantity: 2 }] }, 'NOT_FOUND'],
      ['unknown location', { kind: 'receipt', warehouseId: f.wh.id, toLocationId: '01890a5d-ac96-774b-bcce-b302099a8057', lines: [{ productId: p.id, quantity: 2 }] }, 'NOT_FOUND'],
    ];
    const transfers = async () => Number((await t.database.db.selectFrom('transfer').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const tBefore = await transfers();
    for (const [name, input, code] of bad) {
      const res = await t.engine.call('inventory.transfer.create', input, as);
      expect(res.ok ? 'ok' : res.error.code, name).toBe(code);
    }
    // A unit that does not convert: a box of 12 and a request for 5 each in boxes.
    const box = await t.engine.run('catalog.uom.create', { code: `BX${dialect.slice(0, 2).toUpperCase()}`, name: 'Box' }, as);
    const noConv = await t.engine.call('inventory.transfer.create', { kind: 'receipt', warehouseId: f.wh.id, lines: [{ productId: p.id, quantity: 2, uomId: box.id }] }, as);
    expect(noConv.ok ? 'ok' : noConv.error.message).toMatch(/does not convert/);
    expect(await moveCount()).toBe(before);
    expect(await transfers()).toBe(tBefore);
    // With a box-of-12 conversion, 2 boxes arrive as 24 each.
    await t.engine.run('catalog.uom.addConversion', { productId: p.id, fromUomId: box.id, toUomId: f.each.id, numerator: 12 }, as);
    const r = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: f.wh.id, lines: [{ productId: p.id, quantity: 2, uomId: box.id }] }, as);
    expect(r.lines[0]!.quantity).toBe(24);
  });

  it('refuses a serial number received twice', async () => {
    const p = await f.product({ tracking: 'serial' });
    await f.receive(p.id, 2, 400, { serials: ['SN-1', 'SN-2'] });
    const t2 = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: f.wh.id, lines: [{ productId: p.id, quantity: 1 }] }, as);
    const res = await t.engine.call('inventory.transfer.validate', { id: t2.id, lines: [{ lineId: t2.lines[0]!.id, quantity: 1, serials: ['SN-2'] }] }, as);
    expect(res.ok ? 'ok' : res.error.message).toMatch(/SN-2.*already in stock/);
    const dup = await t.engine.call('inventory.transfer.validate', { id: t2.id, lines: [{ lineId: t2.lines[0]!.id, quantity: 2, serials: ['SN-9', 'SN-9'] }] }, as);
    expect(dup.ok).toBe(false);
    await check();
  });

  it('serves key accounts before ecommerce: higher priority takes unstarted lower-priority reservations', async () => {
    const p = await f.product();
    await f.receive(p.id, 5);
    const web = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f.wh.id, channelCode: 'ecommerce', priorityRank: 4, lines: [{ productId: p.id, quantity: 5 }] }, as);
    expect(web.lines[0]!.reserved).toBe(5);
    const key = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f.wh.id, channelCode: 'contract', priorityRank: 1, lines: [{ productId: p.id, quantity: 4 }] }, as);
    expect(key.lines[0]!.reserved).toBe(4);
    expect(key.state).toBe('ready');
    const webAfter = await t.engine.run('inventory.transfer.get', { id: web.id }, as);
    expect(webAfter.lines[0]!.reserved).toBe(1);
    expect(webAfter.backorderReason).toMatch(/higher-priority/);
    // Stock arrives: the waiting web order is topped up.
    await f.receive(p.id, 10);
    expect((await t.engine.run('inventory.transfer.get', { id: web.id }, as)).lines[0]!.reserved).toBe(5);
    await check();
  });

  it('turns a partial delivery into a backorder and fills it when stock arrives', async () => {
    const p = await f.product();
    await f.receive(p.id, 6);
    const d = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f.wh.id, lines: [{ productId: p.id, quantity: 10 }] }, as);
    expect(d.lines[0]!.reserved).toBe(6);
    const v = await t.engine.run('inventory.transfer.validate', { id: d.id }, as);
    expect(v.backorder).not.toBeNull();
    expect(v.backorder!.lines[0]!.quantity).toBe(4);
    expect(v.backorder!.state).toBe('waiting');
    await f.receive(p.id, 4);
    const bo = await t.engine.run('inventory.transfer.get', { id: v.backorder!.id }, as);
    expect(bo.state).toBe('ready');
    await t.engine.run('inventory.transfer.validate', { id: bo.id }, as);
    expect((await t.engine.run('inventory.availability', { productId: p.id }, as)).onHand).toBe(0);
    await check();
  });

  it('lists transfers filtered and sorted in SQL, with line counts, and treats % in a search literally', async () => {
    const p = await f.product();
    const r = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: f.wh.id, origin: 'PO 100% match', lines: [{ productId: p.id, quantity: 3 }, { productId: p.id, quantity: 4 }] }, as);
    const page = await t.engine.run('inventory.transfer.list', { kind: 'receipt', state: 'ready', sort: 'number', dir: 'desc', limit: 500 }, as);
    const mine = page.rows.find((x) => x.id === r.id)!;
    expect(mine).toMatchObject({ lineCount: 2, totalQuantity: 7, number: r.number });
    expect(page.total).toBe(page.rows.length);
    expect([...page.rows.map((x) => x.number)].sort().reverse()).toEqual(page.rows.map((x) => x.number));
    expect((await t.engine.run('inventory.transfer.list', { query: '100%' }, as)).rows.map((x) => x.id)).toEqual([r.id]);
    expect((await t.engine.run('inventory.transfer.list', { query: '10_%' }, as)).total).toBe(0);
  });

  it('cancels a transfer and releases its reservations', async () => {
    const p = await f.product();
    await f.receive(p.id, 5);
    const d = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f.wh.id, lines: [{ productId: p.id, quantity: 5 }] }, as);
    await t.engine.run('inventory.transfer.cancel', { id: d.id }, as);
    expect(await t.engine.run('inventory.availability', { productId: p.id }, as)).toMatchObject({ reserved: 0, outgoing: 0, available: 5 });
    await check();
  });
});
