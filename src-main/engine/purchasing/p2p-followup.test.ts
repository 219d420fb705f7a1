import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleBalance } from '../finance/fixtures';
import { ordersFromX12, build855 } from '../imports/edi';
import { createTestEngine, DIALECTS, refusal, type TestEngine } from '../testing/databases';
import { purchasingFixture } from './fixtures';
import { nextOccurrence } from './schedule';
import { ReplenishScheduler } from '../../host/replenish-scheduler';

describe('schedule arithmetic', () => {
  it('takes the next time of day strictly after now (UTC)', () => {
    expect(nextOccurrence('06:30', '2026-03-01T05:00:00.000Z')).toBe('2026-03-01T06:30:00.000Z');
    expect(nextOccurrence('06:30', '2026-03-01T06:30:00.000Z')).toBe('2026-03-02T06:30:00.000Z');
    expect(nextOccurrence('00:00', '2026-12-31T23:59:00.000Z')).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe.each(DIALECTS)('procure to pay follow-ups on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let f: Awaited<ReturnType<typeof purchasingFixture>>;

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    f = await purchasingFixture(t.engine, as, { code: 'FW1' });
  });
  afterAll(async () => t.dispose());
  const outboxCount = async () => Number((await t.database.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const balance = (role: string) => roleBalance(t.database.db, role);

  it('dismisses a proposal or a whole run (draft orders cancelled); bad input writes nothing', async () => {
    const v = await f.vendor();
    const a = await f.bought(v.id, 100);
    const c = await f.bought(v.id, 100);
    await t.engine.run('purchasing.reorderRule.set', { productId: a.id, warehouseId: f.wh.id, method: 'min_max', minQty: 10, maxQty: 20 }, as);
    await t.engine.run('purchasing.reorderRule.set', { productId: c.id, warehouseId: f.wh.id, method: 'min_max', minQty: 5, maxQty: 20 }, as);
    await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f.wh.id, lines: [{ productId: c.id, quantity: 10 }] }, as);
    const run = await t.engine.run('purchasing.replenish.run', { warehouseId: f.wh.id }, as);
    const review = run.proposals.find((p) => p.productId === c.id)!;
    expect(review.state).toBe('review');
    expect(run.ordersCreated).toHaveLength(1);

    const before = await outboxCount();
    expect((await refusal(t.engine.run('purchasing.replenish.dismiss', { reason: 'no' + 'pe' }, as))).code).toBe('VALIDATION');
    const ordered = run.proposals.find((p) => p.productId === a.id)!;
    const e = await refusal(t.engine.run('purchasing.replenish.dismiss', { proposalId: ordered.id!, reason: 'Not needed' }, as));
    expect(e.message).toMatch(/is ordered on .*-PO-.*only proposals under review can be dismissed/);
    expect(await outboxCount()).toBe(before);

    const one = await t.engine.run('purchasing.replenish.dismiss', { proposalId: review.id!, reason: 'Customer cancelled' }, as);
    expect(one).toEqual({ proposalsDismissed: 1, ordersCancelled: [] });
    const all = await t.engine.run('purchasing.replenish.dismiss', { runId: run.runId!, reason: 'Wrong rules this morning' }, as);
    expect(all.ordersCancelled).toEqual([run.ordersCreated[0]!.number]);
    expect(all.proposalsDismissed).toBeGreaterThanOrEqual(1);
    expect((await t.engine.run('purchasing.po.get', { id: run.ordersCreated[0]!.id }, as)).state).toBe('cancelled');
    const again = await refusal(t.engine.run('purchasing.replenish.dismiss', { runId: run.runId!, reason: 'Twice' }, as));
    expect(again.message).toMatch(/already dismissed/);
    const rows = await t.database.db.selectFrom('replenishment_proposal').select(['state', 'dismiss_reason']).where('run_id', '=', run.runId!).execute();
    expect(rows.every((r) => r.state === 'rejected')).toBe(true);
  });

  it('runs due schedules once (not for every missed day), and an idle check writes nothing', async () => {
    const before = await outboxCount();
    expect((await refusal(t.engine.run('purchasing.replenish.schedule.set', { warehouseId: f.wh.id, timeOfDay: '25:00' }, as))).code).toBe('VALIDATION');
    expect((await refusal(t.engine.run('purchasing.replenish.schedule.set', { warehouseId: '01900000-0000-7000-8000-000000000000', timeOfDay: '06:00' }, as))).message).toMatch(/no such warehouse/);
    expect(await outboxCount()).toBe(before);

    const s = await t.engine.run('purchasing.replenish.schedule.set', { warehouseId: f.wh.id, timeOfDay: '06:00' }, as);
    expect(s).toMatchObject({ warehouseCode: 'FW1', timeOfDay: '06:00', active: true, lastRunAt: null });
    expect(s.nextRunAt.slice(11, 16)).toBe('06:00');
    expect((await t.engine.run('purchasing.replenish.due', {}, { host: 'test' })).due).toBe(0);
    // Not due yet: nothing runs.
    expect((await t.engine.run('purchasing.replenish.runDue', {}, { host: 'test' })).ran).toEqual([]);
    // Three days late (the host was off): it runs once, and next time is in the future.
    await t.database.db.updateTable('replenishment_schedule').set({ next_run_at: new Date(Date.now() - 3 * 86_400_000).toISOString() }).where('id', '=', s.id).execute();
    expect((await t.engine.run('purchasing.replenish.due', {}, { host: 'test' })).due).toBe(1);
    const ran = await t.engine.run('purchasing.replenish.runDue', {}, { host: 'test' });
    expect(ran.ran).toHaveLength(1);
    expect(ran.ran[0]!.number).toMatch(/-RPL-/);
    expect((await t.engine.run('purchasing.replenish.runDue', {}, { host: 'test' })).ran).toEqual([]);
    const [listed] = (await t.engine.run('purchasing.replenish.schedule.list', {}, as)).rows;
    expect(listed).toMatchObject({ id: s.id, lastRunNumber: ran.ran[0]!.number });
    expect(Date.parse(listed!.nextRunAt)).toBeGreaterThan(Date.now());
    const run = await t.database.db.selectFrom('replenishment_run').select('schedule_id').where('number', '=', ran.ran[0]!.number!).executeTakeFirstOrThrow();
    expect(run.schedule_id).toBe(s.id);
    // The host's scheduler (the app's background runner) runs it when due.
    await t.database.db.updateTable('replenishment_schedule').set({ next_run_at: new Date(Date.now() - 60_000).toISOString() }).where('id', '=', s.id).execute();
    const scheduler = new ReplenishScheduler(t.engine, { intervalMs: 3_600_000 });
    scheduler.start();
    await scheduler.tick();
    await scheduler.stop();
    const [after] = (await t.engine.run('purchasing.replenish.schedule.list', {}, as)).rows;
    expect(after!.lastRunNumber).not.toBe(listed!.lastRunNumber);
    expect(t.engine.background.size).toBe(0);
    // Switched off: never due.
    await t.engine.run('purchasing.replenish.schedule.set', { warehouseId: f.wh.id, timeOfDay: '06:00', active: false }, as);
    expect((await t.engine.run('purchasing.replenish.schedule.list', {}, as)).rows).toHaveLength(1);
  });

  it("imports the vendor's 855 for an order the engine sent as an 850: confirmed, with accepted, changed and rejected lines", async () => {
    const v = await f.vendor({ ediEnabled: true, ediId: 'ACMEEDI' });
    const [a, b, c] = [await f.bought(v.id, 1000), await f.bought(v.id, 500), await f.bought(v.id, 200)];
    const po = await f.sentOrder({ vendorId: v.id, warehouseId: f.wh.id, lines: [{ productId: a.id, quantity: 60 }, { productId: b.id, quantity: 10 }, { productId: c.id, quantity: 5 }] });
    // Our 850, as the vendor received it; the vendor answers with an 855 in the same envelope, swapped.
    const edi = await t.engine.run('purchasing.po.edi850', { id: po.id }, as);
    const env = ordersFromX12(edi.text)[0]!.order!.edi!;
    const lines = po.lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, quantity: l.quantity, unit: 'EA', unitPriceMinor: l.unitPriceMinor }));
    const ack = build855(env, 4711, new Date().toISOString(), { po: po.number, orderNumber: 'SO-ACME-9', lines });
    // Line 2: only 6 at 5.25; line 3: rejected.
    const content = ack.content
      .replace(`PO1*2*10*EA*5.00**VN*${b.sku}~\nACK*IA*10*EA`, `PO1*2*6*EA*5.25**VN*${b.sku}~\nACK*IC*6*EA`)
      .replace(`ACK*IA*5*EA`, 'ACK*IR*0*EA');
    expect(content).not.toBe(ack.content);

    const before = await outboxCount();
    const bad = [
      ['', /empty/],
      ['hello', /must start with an ISA segment/],
      [content.replace(`BAK*00*AC*${po.number}`, 'BAK*00*AC*NOPE-1'), /no purchase order NOPE-1/],
      [content.replace('ACK*IR*0*EA', 'ACK*ZZ*0*EA'), /line status "ZZ" is not known/],
      [edi.text, /not a purchase order acknowledgement \(855\)/],
    ] as const;
    for (const [text, message] of bad) {
      const e = await refusal(t.engine.run('purchasing.po.acknowledge', { fileName: 'ack.x12', content: text }, as));
      expect(e.message).toMatch(message);
    }
    expect(await outboxCount()).toBe(before);

    const r = await t.engine.run('purchasing.po.acknowledge', { fileName: 'ack.x12', content }, as);
    expect(r.orderNumber).toBe(po.number);
    expect(r.acknowledgement).toMatchObject({ ackType: 'AC', vendorReference: 'SO-ACME-9', accepted: 1, changed: 1, rejected: 1 });
    expect(r.acknowledgement.lines.map((l) => [l.sku, l.status, l.difference])).toEqual([
      [a.sku, 'accepted', ''],
      [b.sku, 'changed', 'quantity 6 instead of 10; price 5.25 instead of 5.00'],
      [c.sku, 'rejected', 'rejected by the vendor'],
    ]);
    const order = await t.engine.run('purchasing.po.get', { id: po.id }, as);
    expect(order).toMatchObject({ state: 'confirmed', vendorReference: 'SO-ACME-9' });
    expect(order.acknowledgement?.changed).toBe(1);
    const files = await t.engine.run('purchasing.attachment.list', { ownerKind: 'purchase_order', ownerId: po.id }, as);
    expect(files.rows.map((x) => x.mimeType)).toContain('application/edi-x12');
    // The same 855 twice is refused.
    expect((await refusal(t.engine.run('purchasing.po.acknowledge', { fileName: 'ack.x12', content }, as))).message).toMatch(/already imported/);
    // From another sender: refused.
    const other = content.replace(/ZZ\*ACMEEDI {8}/, 'ZZ*OTHEREDI       ');
    expect((await refusal(t.engine.run('purchasing.po.acknowledge', { fileName: 'ack.x12', content: other.replaceAll('000004711', '000004712') }, as))).message).toMatch(/sent by OTHEREDI/);
  });

  it('posts landed cost through the clearing account (stock / COGS), and the freight bill clears it', async () => {
    const v = await f.vendor();
    const freight = await f.vendor({ name: `Fast Freight ${Date.now()}` });
    const a = await f.bought(v.id, 1000);
    const po = await f.sentOrder({ vendorId: v.id, warehouseId: f.wh.id, lines: [{ productId: a.id, quantity: 10 }] });
    await t.engine.run('purchasing.po.receive', { id: po.id, lines: po.lines.map((l) => ({ lineId: l.id, quantity: 10 })) }, as);
    // Four of the ten are sold before the freight bill arrives.
    const out = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f.wh.id, lines: [{ productId: a.id, quantity: 4 }] }, as);
    expect(out.state).toBe('ready');
    await t.engine.run('inventory.transfer.validate', { id: out.id }, as);
    const [stock0, cogs0, grni0, clearing0] = [await balance('stock'), await balance('cogs'), await balance('grni'), await balance('landed_cost_clearing')];
    const lc = await t.engine.run('purchasing.landedCost.add', { orderId: po.id, kind: 'freight', method: 'quantity', amountMinor: 1000 }, as);
    expect(lc.capitalizedMinor + lc.expensedMinor).toBe(1000);
    expect(await balance('landed_cost_clearing')).toBe(clearing0 - 1000);
    expect(await balance('stock')).toBe(stock0 + lc.capitalizedMinor);
    expect(await balance('cogs')).toBe(cogs0 + lc.expensedMinor);
    expect(await balance('grni')).toBe(grni0);

    const before = await outboxCount();
    expect((await refusal(t.engine.run('purchasing.landedCost.bill', { id: lc.id, vendorId: '01900000-0000-7000-8000-000000000000', vendorReference: 'FF-1', billDate: '2026-11-30' }, as))).message).toMatch(/no such vendor/);
    expect((await refusal(t.engine.run('purchasing.landedCost.bill', { id: lc.id, vendorId: freight.id, vendorReference: 'FF-1', billDate: '30/11/2026' }, as))).code).toBe('VALIDATION');
    expect(await outboxCount()).toBe(before);
    const billed = await t.engine.run('purchasing.landedCost.bill', { id: lc.id, vendorId: freight.id, vendorReference: 'FF-1', billDate: new Date().toISOString().slice(0, 10) }, as);
    expect(billed).toMatchObject({ billVendorId: freight.id, billReference: 'FF-1' });
    expect(await balance('landed_cost_clearing')).toBe(clearing0);
    expect((await refusal(t.engine.run('purchasing.landedCost.bill', { id: lc.id, vendorId: freight.id, vendorReference: 'FF-2', billDate: '2026-11-30' }, as))).message).toMatch(/already billed \(FF-1\)/);
  });
});
