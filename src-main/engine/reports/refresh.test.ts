import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryFixture } from '../inventory/fixtures';
import { DomainError } from '../platform/errors';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';
import { refreshReports, refreshStep } from './refresh';

/**
 * The background refresh: small steps (one transaction each, resumable from the cursors),
 * interleaved with random writes, leave the report tables exactly equal to a rebuild from
 * scratch; status, pause and resume through the commands.
 */
const TABLES = ['report_delivery', 'report_order_line', 'report_order', 'report_order_day', 'report_short_day', 'report_stock_day', 'report_value_day', 'report_flow_day', 'report_receipt_line'];

type Op =
  | { kind: 'receive'; product: number; qty: number; cost: number }
  | { kind: 'deliver'; customer: number; lines: { product: number; qty: number }[]; shipPct: number; backorder: boolean }
  | { kind: 'backorder'; pick: number }
  | { kind: 'steps'; n: number };

const OpArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('receive' as const), product: fc.integer({ min: 0, max: 2 }), qty: fc.integer({ min: 1, max: 30 }), cost: fc.integer({ min: 100, max: 900 }) }),
  fc.record({
    kind: fc.constant('deliver' as const),
    customer: fc.integer({ min: 0, max: 1 }),
    lines: fc.uniqueArray(fc.record({ product: fc.integer({ min: 0, max: 2 }), qty: fc.integer({ min: 1, max: 12 }) }), { minLength: 1, maxLength: 3, selector: (l) => l.product }),
    shipPct: fc.constantFrom(0, 50, 100),
    backorder: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('backorder' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('steps' as const), n: fc.integer({ min: 1, max: 3 }) }),
);

describe.each(DIALECTS)('background refresh of the report tables (%s)', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let inv: Awaited<ReturnType<typeof inventoryFixture>>;
  const products: string[] = [];
  const customers: string[] = [];
  const backorders: string[] = [];

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    inv = await inventoryFixture(t.engine, as);
    for (let i = 0; i < 3; i++) products.push((await inv.product()).id);
    customers.push((await t.engine.run('partners.customer.create', { name: 'Key Co', region: 'North', customerClass: 'key_account', paymentTermsDays: 30 }, as)).id);
    customers.push((await t.engine.run('partners.customer.create', { name: 'Web Co', region: 'South', customerClass: 'consumer', paymentTermsDays: 0 }, as)).id);
  }, 120_000);

  afterAll(async () => {
    await t?.dispose();
  });

  /** Every report table, rows in a stable order, values as strings (the dialects type numbers differently). */
  const snapshot = async () => {
    const out: Record<string, string[]> = {};
    for (const table of TABLES) {
      const rows = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(t.database.db);
      out[table] = rows.rows.map((r) => JSON.stringify(Object.keys(r).sort().map((k) => [k, r[k] == null ? null : String(Number.isFinite(Number(r[k])) && typeof r[k] !== 'string' ? Number(r[k]) : r[k])]))).sort();
    }
    return out;
  };
  /** A background step of a few moves / documents, in its own transaction, as the host runs it. */
  const tinyStep = () => t.database.db.transaction().execute((trx) => refreshStep(trx, t.database.dialect, { now: new Date().toISOString(), size: { moves: 3, documents: 2 } }));
  const attempt = async (f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  };

  const apply = async (op: Op) => {
    if (op.kind === 'receive') await inv.receive(products[op.product]!, op.qty, op.cost);
    else if (op.kind === 'steps') for (let i = 0; i < op.n; i++) await tinyStep();
    else if (op.kind === 'backorder') {
      const id = backorders.splice(op.pick % Math.max(1, backorders.length), 1)[0];
      if (!id) return;
      const bo = await t.engine.run('inventory.transfer.get', { id }, as);
      await attempt(() => t.engine.run('inventory.transfer.validate', { id, lines: bo.lines.map((l) => ({ lineId: l.id, quantity: l.quantity })), createBackorder: false }, as));
    } else {
      const d = await t.engine.run(
        'inventory.transfer.create',
        { kind: 'delivery', warehouseId: inv.wh.id, partnerId: customers[op.customer]!, channelCode: op.customer === 0 ? 'rep' : 'ecommerce', orderDate: new Date(Date.now() - 3_600_000).toISOString(), lines: op.lines.map((l) => ({ productId: products[l.product]!, quantity: l.qty })) },
        as,
      );
      if (op.shipPct === 0) return;
      await attempt(async () => {
        const v = await t.engine.run('inventory.transfer.validate', { id: d.id, lines: d.lines.map((l) => ({ lineId: l.id, quantity: Math.max(1, Math.floor((l.quantity * op.shipPct) / 100)) })), createBackorder: op.backorder }, as);
        if (v.backorder) backorders.push(v.backorder.id);
      });
    }
  };

  it('after random writes and small background steps, the tables equal a rebuild from scratch', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(OpArb, { minLength: 3, maxLength: 12 }), async (ops) => {
        for (const op of ops) await apply(op);
        // Catch up the way the host does: step until nothing more.
        for (let guard = 0; guard < 10_000 && (await tinyStep()).more; guard++);
        const incremental = await snapshot();
        await t.database.db.transaction().execute((trx) => refreshReports(trx, t.database.dialect, { rebuild: true }));
        expect(await snapshot()).toEqual(incremental);
      }),
      {
        numRuns: dialect === 'sqlite' ? 10 : 4,
        examples: [
          // Stock in, a partial shipment leaving a backorder, a step half-way, the backorder ships, more steps.
          [
            [
              { kind: 'receive', product: 0, qty: 10, cost: 400 },
              { kind: 'receive', product: 1, qty: 4, cost: 250 },
              { kind: 'deliver', customer: 0, lines: [{ product: 0, qty: 6 }, { product: 1, qty: 8 }], shipPct: 50, backorder: true },
              { kind: 'steps', n: 1 },
              { kind: 'receive', product: 1, qty: 20, cost: 300 },
              { kind: 'backorder', pick: 0 },
              { kind: 'deliver', customer: 1, lines: [{ product: 1, qty: 3 }], shipPct: 100, backorder: false },
              { kind: 'steps', n: 2 },
            ],
          ],
        ],
      },
    );
  }, 300_000);

  it('status says how fresh the figures are; steps through the command catch up; a pause stops them until resumed', async () => {
    await inv.receive(products[2]!, 5);
    const before = await t.engine.run('reports.refresh.status', {}, { host: 'test' });
    expect(before).toMatchObject({ pending: true, paused: false });
    const paused = await t.engine.run('reports.refresh.cancel', {}, as);
    expect(paused.paused).toBe(true);
    const idle = await t.engine.run('reports.refresh.step', {}, { host: 'test' });
    expect(idle).toMatchObject({ paused: true, more: false, moves: 0 });
    await t.engine.run('reports.refresh.resume', {}, as);
    let step = await t.engine.run('reports.refresh.step', {}, { host: 'test' });
    expect(step.moves).toBeGreaterThan(0);
    while (step.more) step = await t.engine.run('reports.refresh.step', {}, { host: 'test' });
    const after = await t.engine.run('reports.refresh.status', {}, { host: 'test' });
    expect(after).toMatchObject({ pending: false, running: false, percent: null, paused: false });
    expect(after.asOf! >= before.asOf!).toBe(true);
    // Pausing is a user's act; stepping is the host's background work, which no user (not even
    // an admin) and no anonymous caller may drive through the transports.
    await expect(t.engine.run('reports.refresh.cancel', {}, { anonymous: true })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(t.engine.run('reports.refresh.cancel', {}, { host: 'test' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(t.engine.run('reports.refresh.step', {}, { anonymous: true })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(t.engine.run('reports.refresh.step', {}, as)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(t.engine.run('reports.refresh.status', {}, { anonymous: true })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
