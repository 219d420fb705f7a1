import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../platform/errors';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';
import { inventoryFixture } from './fixtures';

/** One step of a random warehouse day. Indexes pick among this run's products and open transfers. */
const Step = fc.oneof(
  fc.record({ kind: fc.constant('receive' as const), product: fc.nat(2), wh: fc.nat(1), qty: fc.integer({ min: 1, max: 20 }), cost: fc.integer({ min: 1, max: 5000 }) }),
  fc.record({ kind: fc.constant('deliver' as const), product: fc.nat(2), wh: fc.nat(1), qty: fc.integer({ min: 1, max: 15 }), rank: fc.integer({ min: 1, max: 5 }), all: fc.boolean() }),
  fc.record({ kind: fc.constant('validate' as const), pick: fc.nat(), fraction: fc.double({ min: 0, max: 1, noNaN: true }), backorder: fc.boolean() }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('transfer' as const), product: fc.nat(2), qty: fc.integer({ min: 1, max: 10 }), toSecond: fc.boolean() }),
  fc.record({ kind: fc.constant('adjust' as const), product: fc.nat(2), wh: fc.nat(1), delta: fc.integer({ min: -10, max: 10 }).filter((d) => d !== 0) }),
  fc.record({ kind: fc.constant('allocate' as const) }),
);

describe.each(DIALECTS)('inventory invariants on %s (fast-check)', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let fixtures: Awaited<ReturnType<typeof inventoryFixture>>[];

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    fixtures = [await inventoryFixture(t.engine, as, { code: 'WHA' }), await inventoryFixture(t.engine, as, { code: 'WHB', receptionSteps: 2, deliverySteps: 3 })];
  });
  afterAll(async () => t.dispose());

  /** Runs a command; business refusals are part of the game, anything else is a bug. */
  const attempt = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      expect(['BUSINESS_RULE', 'CONFLICT']).toContain(e.code);
    }
  };

  it('never lets the summary drift from the ledger, over-reserve, or create or lose quantity', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(Step, { minLength: 5, maxLength: dialect === 'sqlite' ? 30 : 18 }), async (steps) => {
        const products: { id: string }[] = [];
        for (let i = 0; i < 3; i++) products.push(await fixtures[0]!.product());
        for (const s of steps) {
          const open = await t.database.db.selectFrom('transfer').select(['id', 'state']).where('state', 'in', ['waiting', 'ready']).orderBy('created_at').execute();
          switch (s.kind) {
            case 'receive': {
              const f = fixtures[s.wh]!;
              await attempt(async () => {
                const r = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: f.wh.id, lines: [{ productId: products[s.product]!.id, quantity: s.qty, unitCostMinor: s.cost }] }, as);
                await t.engine.run('inventory.transfer.validate', { id: r.id }, as);
              });
              break;
            }
            case 'deliver':
              await attempt(() =>
                t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: fixtures[s.wh]!.wh.id, priorityRank: s.rank, shippingPolicy: s.all ? 'all' : 'asap', lines: [{ productId: products[s.product]!.id, quantity: s.qty }] }, as),
              );
              break;
            case 'validate': {
              if (open.length === 0) break;
              const tr = await t.engine.run('inventory.transfer.get', { id: open[s.pick % open.length]!.id }, as);
              const incoming = tr.fromPath.startsWith('Virtual/') && !tr.fromPath.endsWith('Transit');
              const lines = tr.lines
                .filter((l) => l.state === 'waiting' || l.state === 'ready')
                .map((l) => ({ lineId: l.id, quantity: Math.floor((incoming ? l.quantity - l.quantityDone : l.reserved) * s.fraction) }));
              await attempt(() => t.engine.run('inventory.transfer.validate', { id: tr.id, lines, createBackorder: s.backorder }, as));
              break;
            }
            case 'cancel':
              if (open.length > 0) await attempt(() => t.engine.run('inventory.transfer.cancel', { id: open[s.pick % open.length]!.id }, as));
              break;
            case 'transfer': {
              const [from, to] = s.toSecond ? [fixtures[0]!, fixtures[1]!] : [fixtures[1]!, fixtures[0]!];
              await attempt(() => t.engine.run('inventory.interWarehouse.create', { fromWarehouseId: from.wh.id, toWarehouseId: to.wh.id, lines: [{ productId: products[s.product]!.id, quantity: s.qty }] }, as));
              break;
            }
            case 'adjust':
              await attempt(() => t.engine.run('inventory.adjust', { productId: products[s.product]!.id, locationId: fixtures[s.wh]!.stock.id, delta: s.delta, reason: 'property test' }, as));
              break;
            case 'allocate':
              await t.engine.run('inventory.allocate', {}, as);
              break;
          }
        }
        // 1. The summary equals the ledger (on hand), the reservations and the open lines.
        expect((await t.engine.run('inventory.check', {}, as)).differences).toEqual([]);
        // 2. No warehouse location holds negative stock or reserves more than it holds.
        const bad = await t.database.db
          .selectFrom('stock_level as s')
          .innerJoin('location as l', 'l.id', 's.location_id')
          .select(['l.path', 's.on_hand', 's.reserved'])
          .where('l.usage', 'in', ['internal', 'transit'])
          .where((eb) => eb.or([eb('s.on_hand', '<', 0), eb(sql`s.reserved`, '>', sql`s.on_hand`)]))
          .execute();
        expect(bad).toEqual([]);
        // 3. Quantity is neither created nor lost: every product sums to zero over all locations, virtual ones included.
        const sums = await t.database.db.selectFrom('stock_level').select((eb) => ['product_id', eb.fn.sum<number>('on_hand').as('total')]).groupBy('product_id').execute();
        for (const r of sums) expect(Number(r.total)).toBe(0);
        // 4. The valued quantity is the stock the company owns.
        for (const p of products) {
          const owned = await t.database.db
            .selectFrom('stock_level as s')
            .innerJoin('location as l', 'l.id', 's.location_id')
            .select((eb) => eb.fn.sum<number>('s.on_hand').as('q'))
            .where('s.product_id', '=', p.id)
            .where('l.usage', 'in', ['internal', 'transit'])
            .executeTakeFirst();
          const valued = await t.database.db.selectFrom('product_valuation').select(['quantity', 'value_minor']).where('product_id', '=', p.id).executeTakeFirst();
          expect(Number(valued?.quantity ?? 0)).toBe(Number(owned?.q ?? 0));
          if (Number(valued?.quantity ?? 0) === 0) expect(Number(valued?.value_minor ?? 0)).toBe(0);
        }
      }),
      { numRuns: dialect === 'sqlite' ? 40 : 12, seed: Number(process.env.FC_SEED ?? Date.now() % 1e9) },
    );
  }, 240_000);
});
