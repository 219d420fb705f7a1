import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../engine';
import { migrateToLatest } from '../platform/migrate';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../testing/databases';

describe.each(DIALECTS)('the demo company sells on %s', (dialect) => {
  let t: TestDatabase;
  let engine: Engine;
  let as: { userId: string };

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
    await migrateToLatest(t.database);
    engine = await Engine.open({ database: t.database, validateOutput: true, appVersion: 'test' });
    await engine.run('system.loadDemo', { seed: 5, size: 'small' }, { anonymous: true });
    const admin = await t.database.db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow();
    as = { userId: admin.id };
  }, 180_000);
  afterAll(async () => {
    // Let the pool's connections end before the database is dropped (a forced drop would kill them mid-goodbye).
    await t.database.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await t.dispose();
  });

  it('has every channel, pricelists with contract prices, and open orders in the states a clerk meets', async () => {
    const channels = await engine.run('sales.channel.list', {}, as);
    expect(channels.rows.map((c) => c.code).sort()).toEqual(['contract', 'ecommerce', 'edi', 'marketplace', 'portal', 'rep']);
    expect(channels.rows.find((c) => c.code === 'contract')).toMatchObject({ reservationPriority: 1, requiredFields: ['customerPo', 'shipTo'] });
    const lists = await engine.run('pricing.pricelist.list', {}, as);
    expect(lists.rows.map((l) => l.code)).toContain('KEY-ACCOUNTS');
    const orders = await engine.run('sales.order.list', { limit: 50 }, as);
    const states = new Set(orders.rows.map((o) => o.state));
    for (const s of ['draft', 'confirmed', 'awaiting_approval', 'credit_hold'] as const) expect(states, s).toContain(s);
    const contract = orders.rows.find((o) => o.channelCode === 'contract')!;
    const full = await engine.run('sales.order.get', { id: contract.id }, as);
    expect(full.priorityRank).toBe(1);
    expect(full.lines.some((l) => /^Contract \d{4}: Contract price/.test(l.priceReason))).toBe(true);
    expect(full.lines.every((l) => l.reserved === l.quantity)).toBe(true);
    const inbox = await engine.run('activity.list', { state: 'open' }, as);
    expect(new Set(inbox.rows.map((a) => a.kind))).toEqual(new Set(['pricing', 'credit_hold', 'stock_short']));
    expect((await engine.run('partners.customer.search', { query: 'c1000' }, as)).rows.length).toBeGreaterThan(0);
    expect((await engine.run('inventory.check', {}, as)).differences).toEqual([]);
  });

  it('has returns at every stage, each opened from a customer ticket on a shipped, invoiced order', async () => {
    const rmas = await engine.run('service.rma.list', { limit: 50 }, as);
    expect(rmas.rows.map((r) => r.state).sort()).toEqual(['authorised', 'awaiting_approval', 'inspected', 'received', 'resolved']);
    for (const summary of rmas.rows) {
      const rma = await engine.run('service.rma.get', { id: summary.id }, as);
      expect(rma.ticketId).not.toBeNull();
      const order = await engine.run('sales.order.get', { id: rma.orderId }, as);
      expect(['invoiced', 'done']).toContain(order.state);
      expect(order.lines.every((l) => l.delivered === l.quantity)).toBe(true);
    }
    const resolved = await engine.run('service.rma.get', { id: rmas.rows.find((r) => r.state === 'resolved')!.id }, as);
    expect(resolved).toMatchObject({ resolution: 'credit_note' });
    expect(resolved.creditNoteId).not.toBeNull();
    const waiting = await engine.run('service.rma.get', { id: rmas.rows.find((r) => r.state === 'awaiting_approval')!.id }, as);
    expect(waiting.approvalReason ?? '').toMatch(/above the approval threshold/);
    const tickets = await engine.run('service.ticket.list', { limit: 50 }, as);
    expect(tickets.rows.filter((tk) => tk.orderId !== null).length).toBeGreaterThanOrEqual(5);
    expect((await engine.run('inventory.check', {}, as)).differences).toEqual([]);
  });
});
