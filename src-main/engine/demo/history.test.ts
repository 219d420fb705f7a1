import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prorate } from '../inventory/ledger';
import type { Db } from '../platform/db';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';

const DAY = 86_400_000;

async function rows<R>(db: Db, query: ReturnType<typeof sql<R>>): Promise<R[]> {
  return (await query.execute(db)).rows;
}

async function count(db: Db, query: ReturnType<typeof sql<{ n: number | string }>>): Promise<number> {
  return Number((await rows(db, query))[0]?.n ?? 0);
}

describe.each(DIALECTS)('demo stock history (small) on %s', (dialect) => {
  let t: TestEngine;
  let db: Db;
  let as: { userId: string };

  beforeAll(async () => {
    t = await createTestEngine(dialect, { demoSize: 'small' });
    db = t.database.db;
    as = { userId: t.adminId };
  });
  afterAll(async () => t.dispose());

  it('keeps the stock summary equal to the ledger', async () => {
    const check = await t.engine.run('inventory.check', {}, as);
    expect(check.differences).toEqual([]);
    expect(check.ok).toBe(true);
  });

  it('posts the history’s stock value: the stock accounts equal the valuation at every month end (finance close checklist)', async () => {
    const { stockTieOut } = await import('../finance/close');
    const ctx = { db, dialect, install: { branchId: null } };
    const today = new Date().toISOString().slice(0, 10);
    const lastMonthEnd = new Date(Date.UTC(Number(today.slice(0, 4)), Number(today.slice(5, 7)) - 1, 0)).toISOString().slice(0, 10);
    const earlier = new Date(Date.UTC(Number(today.slice(0, 4)), Number(today.slice(5, 7)) - 4, 0)).toISOString().slice(0, 10);
    for (const at of [earlier, lastMonthEnd, today]) expect((await stockTieOut(ctx, at)).difference).toBe(0);
    const checklist = await t.engine.run('finance.close.checklist', { period: lastMonthEnd.slice(0, 7) }, as);
    expect(checklist.items.find((i) => i.key === 'stock_valuation')).toMatchObject({ ok: true });
  });

  it('never goes negative or over-reserved inside a warehouse, and conserves every product', async () => {
    const bad = await count(
      db,
      sql`SELECT count(*) AS n FROM stock_level s JOIN location l ON l.id = s.location_id
          WHERE l.usage = 'internal' AND (s.on_hand < 0 OR s.reserved > s.on_hand)`,
    );
    expect(bad).toBe(0);
    const unbalanced = await count(db, sql`SELECT count(*) AS n FROM (SELECT product_id FROM stock_level GROUP BY product_id HAVING sum(on_hand) <> 0) x`);
    expect(unbalanced).toBe(0);
    // Stock sits in the bins below WH?/Stock, not on the zone itself (but what a return's inspection restocked, which goes to the zone).
    const inBins = await count(db, sql`SELECT count(*) AS n FROM stock_level s JOIN location l ON l.id = s.location_id WHERE l.path LIKE 'WH_/Stock/%' AND s.on_hand > 0`);
    const onZone = await count(
      db,
      sql`SELECT count(*) AS n FROM stock_level s JOIN location l ON l.id = s.location_id WHERE l.path LIKE 'WH_/Stock' AND s.on_hand > 0
          AND NOT EXISTS (SELECT 1 FROM stock_move m JOIN rma r ON r.number = m.reference WHERE m.product_id = s.product_id AND m.to_location_id = s.location_id)`,
    );
    expect(inBins).toBeGreaterThan(300);
    expect(onZone).toBe(0);
  });

  it('values exactly the owned stock (internal and in transit), with FIFO layers adding up', async () => {
    const mismatched = await rows<{ product_id: string; quantity: number; value_minor: number; owned: number | string | null }>(
      db,
      sql`SELECT v.product_id, v.quantity, v.value_minor, o.q AS owned FROM product_valuation v
          LEFT JOIN (SELECT s.product_id, sum(s.on_hand) AS q FROM stock_level s JOIN location l ON l.id = s.location_id
                     WHERE l.usage IN ('internal', 'transit') GROUP BY s.product_id) o ON o.product_id = v.product_id
          WHERE v.quantity <> coalesce(o.q, 0) OR (v.quantity = 0 AND v.value_minor <> 0) OR v.value_minor < 0`,
    );
    expect(mismatched).toEqual([]);
    const stocked = await count(db, sql`SELECT count(*) AS n FROM product_valuation WHERE quantity > 0`);
    expect(stocked).toBeGreaterThan(400);
    const fifoProducts = await count(db, sql`SELECT count(DISTINCT product_id) AS n FROM valuation_layer`);
    expect(fifoProducts).toBeGreaterThan(0);
    const layersOff = await count(
      db,
      sql`SELECT count(*) AS n FROM product_valuation v
          JOIN (SELECT product_id, sum(remaining_quantity) AS q, sum(remaining_value_minor) AS val FROM valuation_layer GROUP BY product_id) x ON x.product_id = v.product_id
          WHERE x.q <> v.quantity OR x.val <> v.value_minor`,
    );
    expect(layersOff).toBe(0);
    // Every layer belongs to a product of a FIFO category.
    const stray = await count(
      db,
      sql`SELECT count(*) AS n FROM valuation_layer x JOIN product p ON p.id = x.product_id JOIN category c ON c.id = p.category_id WHERE c.costing_method <> 'fifo'`,
    );
    expect(stray).toBe(0);
  });

  it('values every move as the ledger would: replaying the moves in time order gives their unit costs and values', async () => {
    const moves = await rows<{ id: string; product_id: string; quantity: number; unit_cost_minor: number; value_minor: number; fu: string; tu: string; costing: string | null; cost: number }>(
      db,
      sql`SELECT m.id, m.product_id, m.quantity, m.unit_cost_minor, m.value_minor, f.usage AS fu, t.usage AS tu, c.costing_method AS costing, p.cost_minor AS cost
          FROM stock_move m JOIN location f ON f.id = m.from_location_id JOIN location t ON t.id = m.to_location_id
          JOIN product p ON p.id = m.product_id LEFT JOIN category c ON c.id = p.category_id
          ORDER BY m.moved_at, m.id`,
    );
    const owned = (usage: string) => usage === 'internal' || usage === 'transit';
    const state = new Map<string, { qty: number; value: number; layers: { qty: number; value: number }[] }>();
    const wrong: string[] = [];
    for (const m of moves) {
      const s = state.get(m.product_id) ?? { qty: 0, value: 0, layers: [] };
      state.set(m.product_id, s);
      const q = Number(m.quantity);
      const cost = Number(m.cost);
      let unit: number;
      let value: number;
      if (!owned(m.fu) && owned(m.tu)) {
        unit = Number(m.unit_cost_minor);
        value = unit * q;
        s.qty += q;
        s.value += value;
        if (m.costing === 'fifo') s.layers.push({ qty: q, value });
      } else if (owned(m.fu) && !owned(m.tu)) {
        let out = 0;
        if (m.costing === 'fifo') {
          let left = q;
          for (const layer of s.layers) {
            if (left === 0) break;
            if (layer.qty === 0) continue;
            const take = Math.min(left, layer.qty);
            const v = take === layer.qty ? layer.value : prorate(layer.value, take, layer.qty);
            layer.qty -= take;
            layer.value -= v;
            out += v;
            left -= take;
          }
          out += left * cost;
        } else out = s.qty <= 0 ? q * cost : q >= s.qty ? s.value + (q - s.qty) * cost : prorate(s.value, q, s.qty);
        value = -out;
        unit = prorate(out, 1, q);
        s.qty -= q;
        s.value -= out;
      } else {
        unit = s.qty > 0 ? prorate(s.value, 1, s.qty) : cost;
        value = 0;
      }
      if (unit !== Number(m.unit_cost_minor) || value !== Number(m.value_minor)) wrong.push(`${m.id}: ${m.unit_cost_minor}/${m.value_minor}, replay ${unit}/${value}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    const valuation = await rows<{ product_id: string; quantity: number; value_minor: number }>(db, sql`SELECT product_id, quantity, value_minor FROM product_valuation`);
    for (const v of valuation) expect([Number(v.quantity), Number(v.value_minor)], v.product_id).toEqual([state.get(v.product_id)?.qty ?? 0, state.get(v.product_id)?.value ?? 0]);
  });

  it('spreads about 5,000 moves over the last 12 months, each drilling down to its document', async () => {
    const span = (await rows<{ n: number | string; first: string; last: string }>(db, sql`SELECT count(*) AS n, min(moved_at) AS first, max(moved_at) AS last FROM stock_move`))[0]!;
    expect(Number(span.n)).toBeGreaterThan(4_500);
    expect(Number(span.n)).toBeLessThan(6_500);
    const now = Date.now();
    const first = Date.parse(new Date(span.first).toISOString());
    const last = Date.parse(new Date(span.last).toISOString());
    expect(now - first).toBeGreaterThan(355 * DAY);
    expect(now - first).toBeLessThan(366 * DAY);
    expect(now - last).toBeLessThan(3 * DAY);
    // Months with moves: all twelve.
    const months = new Set((await rows<{ moved_at: string }>(db, sql`SELECT moved_at FROM stock_move`)).map((r) => new Date(r.moved_at).toISOString().slice(0, 7)));
    expect(months.size).toBeGreaterThanOrEqual(12);

    const orphanTransfer = await count(
      db,
      sql`SELECT count(*) AS n FROM stock_move m LEFT JOIN transfer t ON t.id = m.transfer_id
          WHERE m.transfer_id IS NOT NULL AND (t.id IS NULL OR t.number <> m.reference OR t.state NOT IN ('done', 'ready', 'waiting'))`,
    );
    expect(orphanTransfer).toBe(0);
    const orphanLine = await count(
      db,
      sql`SELECT count(*) AS n FROM stock_move m LEFT JOIN transfer_line l ON l.id = m.transfer_line_id
          WHERE m.transfer_id IS NOT NULL AND (l.id IS NULL OR l.transfer_id <> m.transfer_id OR l.product_id <> m.product_id)`,
    );
    expect(orphanLine).toBe(0);
    // Moves without a transfer are cycle-count variances against Inventory Loss, referencing a posted count — or a
    // return's inspection (the demo's returns), referencing an inspected or resolved RMA.
    const countMoves = await rows<{ n: number | string; bad: number | string | null }>(
      db,
      sql`SELECT count(*) AS n, sum(CASE WHEN c.id IS NULL OR (f.usage <> 'inventory_loss' AND t.usage <> 'inventory_loss') THEN 1 ELSE 0 END) AS bad
          FROM stock_move m JOIN location f ON f.id = m.from_location_id JOIN location t ON t.id = m.to_location_id
          LEFT JOIN cycle_count c ON c.number = m.reference AND c.state = 'posted'
          WHERE m.transfer_id IS NULL AND NOT EXISTS (SELECT 1 FROM rma r WHERE r.number = m.reference AND r.state IN ('inspected', 'resolved'))`,
    );
    expect(Number(countMoves[0]!.n)).toBeGreaterThan(0);
    expect(Number(countMoves[0]!.bad ?? 0)).toBe(0);
    // Every kind of document the year had.
    const kinds = new Set((await rows<{ kind: string }>(db, sql`SELECT DISTINCT kind FROM transfer WHERE state = 'done'`)).map((r) => r.kind));
    for (const k of ['receipt', 'internal', 'pick', 'pack', 'delivery', 'transit_out', 'transit_in']) expect(kinds).toContain(k);
    // Multi-step chains are linked both ways, line by line.
    const broken = await count(db, sql`SELECT count(*) AS n FROM transfer_line a JOIN transfer_line b ON b.origin_line_id = a.id WHERE a.next_line_id IS NULL OR a.next_line_id <> b.id`);
    expect(broken).toBe(0);
  });

  it('numbers documents gaplessly from their series', async () => {
    const series = await rows<{ prefix: string; next_number: number }>(db, sql`SELECT prefix, next_number FROM document_series`);
    const numbers = await rows<{ number: string }>(db, sql`SELECT number FROM transfer UNION ALL SELECT number FROM cycle_count`);
    const used = new Map<string, number[]>();
    for (const { number } of numbers) {
      const prefix = number.replace(/\d+$/, '');
      used.set(prefix, [...(used.get(prefix) ?? []), Number(number.slice(prefix.length))]);
    }
    expect(used.size).toBeGreaterThan(10);
    for (const [prefix, list] of used) {
      const s = series.find((x) => x.prefix === prefix);
      expect(s, prefix).toBeDefined();
      list.sort((a, b) => a - b);
      expect(list, prefix).toEqual(Array.from({ length: list.length }, (_, i) => i + 1));
      expect(Number(s!.next_number), prefix).toBe(list.length + 1);
    }
  });

  it('classifies products A/B/C, A the smallest class', async () => {
    const classes = await rows<{ abc_class: string | null; n: number | string }>(db, sql`SELECT abc_class, count(*) AS n FROM product GROUP BY abc_class`);
    const by = Object.fromEntries(classes.map((c) => [c.abc_class ?? 'none', Number(c.n)]));
    expect(by.none ?? 0).toBe(0);
    expect(by.A).toBeGreaterThan(0);
    expect(by.B).toBeGreaterThan(by.A!);
    expect(by.C).toBeGreaterThan(by.B!);
  });

  it('leaves open work for today: ready and waiting deliveries, a backorder, expected receipts, a transfer in transit', async () => {
    const open = await rows<{ kind: string; state: string; n: number | string }>(
      db,
      sql`SELECT t.kind, t.state, count(*) AS n FROM transfer t WHERE t.state IN ('waiting', 'ready') GROUP BY t.kind, t.state`,
    );
    const n = (kind: string, state?: string) => open.filter((o) => o.kind === kind && (!state || o.state === state)).reduce((s, o) => s + Number(o.n), 0);
    // Customer deliveries start with a pick in WH1 (3 steps) and are one step in WH2.
    expect(n('pick', 'ready') + n('delivery', 'ready')).toBeGreaterThan(0);
    expect(n('pick', 'waiting') + n('delivery', 'waiting')).toBeGreaterThan(0);
    expect(n('receipt')).toBeGreaterThan(0);
    expect(n('transit_in', 'ready')).toBe(1);
    const backorders = await count(db, sql`SELECT count(*) AS n FROM transfer WHERE state IN ('waiting', 'ready') AND backorder_of_id IS NOT NULL`);
    expect(backorders).toBeGreaterThan(0);
    const reserved = await count(db, sql`SELECT count(*) AS n FROM reservation`);
    expect(reserved).toBeGreaterThan(0);
    const incoming = await count(db, sql`SELECT coalesce(sum(incoming), 0) AS n FROM stock_level`);
    expect(incoming).toBeGreaterThan(0);
    const inTransit = await count(db, sql`SELECT coalesce(sum(s.on_hand), 0) AS n FROM stock_level s JOIN location l ON l.id = s.location_id WHERE l.usage = 'transit'`);
    expect(inTransit).toBeGreaterThan(0);
    // The open work is listed like any other.
    const list = await t.engine.run('inventory.transfer.list', { state: 'ready', limit: 5 }, as);
    expect(list.total).toBeGreaterThan(0);
  });
});

describe('demo stock history is deterministic', () => {
  async function content(t: TestEngine) {
    const db = t.database.db;
    const counts = await rows<Record<string, number | string>>(
      db,
      sql`SELECT (SELECT count(*) FROM stock_move) AS moves, (SELECT count(*) FROM transfer) AS transfers, (SELECT count(*) FROM transfer_line) AS lines,
                 (SELECT count(*) FROM cycle_count) AS counts, (SELECT count(*) FROM lot) AS lots, (SELECT sum(value_minor) FROM product_valuation) AS value,
                 (SELECT min(moved_at) FROM stock_move) AS first`,
    );
    const onHand = await rows<{ sku: string; q: number | string }>(
      db,
      sql`SELECT p.sku, sum(s.on_hand) AS q FROM stock_level s JOIN product p ON p.id = s.product_id JOIN location l ON l.id = s.location_id
          WHERE l.usage = 'internal' GROUP BY p.sku ORDER BY p.sku`,
    );
    const classes = await rows<{ sku: string; abc_class: string | null }>(db, sql`SELECT sku, abc_class FROM product ORDER BY sku`);
    const numbers = await rows<{ number: string; state: string }>(db, sql`SELECT number, state FROM transfer ORDER BY number`);
    return { counts: counts[0], onHand: onHand.map((r) => `${r.sku}:${Number(r.q)}`), classes: classes.map((c) => `${c.sku}:${c.abc_class}`), numbers: numbers.map((r) => `${r.number}:${r.state}`) };
  }

  it('gives the same business content for the same seed, and other content for another', async () => {
    const a = await createTestEngine('sqlite', { demoSize: 'small', demoSeed: 11 });
    const b = await createTestEngine('sqlite', { demoSize: 'small', demoSeed: 11 });
    const c = await createTestEngine('sqlite', { demoSize: 'small', demoSeed: 12 });
    try {
      const [ca, cb, cc] = [await content(a), await content(b), await content(c)];
      // Dates are relative to today: two seeds either side of midnight (UTC) differ by a day of calendar.
      if (ca.counts!.first === cb.counts!.first) {
        expect(cb).toEqual(ca);
        expect(ca.onHand.length).toBeGreaterThan(400);
      }
      expect(cc.onHand).not.toEqual(ca.onHand);
    } finally {
      await Promise.all([a.dispose(), b.dispose(), c.dispose()]);
    }
  });
});
