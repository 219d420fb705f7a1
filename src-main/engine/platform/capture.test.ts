import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BranchDatabase } from './db';
import type { RowChange } from './bus';
import { createTestEngine, type TestEngine } from '../testing/databases';
import { inventoryFixture } from '../inventory/fixtures';

/**
 * Capture on a bound branch (SQLite): the triggers record which rows a command wrote and the
 * bus stores each row once, as it stands at commit. Checked against the tables themselves.
 */
describe('change capture on a bound SQLite branch', () => {
  let t: TestEngine;
  let as: { userId: string };
  let f: Awaited<ReturnType<typeof inventoryFixture>>;
  let sqlite: BranchDatabase['sqlite'];
  let p: { id: string };

  beforeAll(async () => {
    t = await createTestEngine('sqlite');
    as = { userId: t.adminId };
    f = await inventoryFixture(t.engine, as);
    // Products are central master data: a bound branch only receives them (owner guards, 0029).
    p = await f.product();
    sqlite = (t.database as BranchDatabase).sqlite;
    sqlite.prepare('UPDATE client_state SET capture = 1').run();
  });
  afterAll(async () => t.dispose());

  const lastChanges = () => {
    const row = sqlite.prepare('SELECT changes FROM outbox ORDER BY mutation_id DESC LIMIT 1').get() as { changes: string };
    return JSON.parse(row.changes) as RowChange[];
  };
  const current = (table: string, id: string) => sqlite.prepare(`SELECT * FROM "${table}" WHERE id = ?`).get(id) as Record<string, unknown> | undefined;

  it('stores every row the command wrote once, with its image at commit, and leaves nothing captured', async () => {
    const receipt = await t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: f.wh.id, lines: [{ productId: p.id, quantity: 5, unitCostMinor: 100 }] }, as);
    await t.engine.run('inventory.transfer.validate', { id: receipt.id }, as);
    // Inserted, then updated by the same command (reserved → ready): one insert with the final row.
    const d = await t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: f.wh.id, lines: [{ productId: p.id, quantity: 2 }] }, as);
    const created = lastChanges();
    const keys = created.map((c) => `${c.table}|${c.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    const transfer = created.find((c) => c.table === 'transfer' && c.id === d.id)!;
    expect(transfer.op).toBe('insert');
    expect(transfer.row).toMatchObject({ id: d.id, state: 'ready' });
    for (const c of created) expect(c.row).toEqual(current(c.table, c.id) ?? null);
    expect(created.some((c) => c.table === 'reservation' && c.op === 'insert')).toBe(true);
    expect(created.some((c) => c.table === 'audit_log')).toBe(true);
    expect(sqlite.prepare('SELECT count(*) AS n FROM change_capture').get()).toEqual({ n: 0 });

    // Validating consumes the reservation (a delete, no image) and updates the transfer.
    await t.engine.run('inventory.transfer.validate', { id: d.id }, as);
    const validated = lastChanges();
    const reservation = created.find((c) => c.table === 'reservation')!;
    expect(validated.find((c) => c.table === 'reservation' && c.id === reservation.id)).toEqual({ table: 'reservation', id: reservation.id, op: 'delete', row: null });
    expect(validated.find((c) => c.table === 'transfer' && c.id === d.id)).toMatchObject({ op: 'update', row: { state: 'done' } });
    for (const c of validated) expect(c.row).toEqual(current(c.table, c.id) ?? null);
    expect(validated.filter((c) => c.table === 'stock_move' && c.op === 'insert')).toHaveLength(1);
  });

  it('captures nothing while the install is not bound', async () => {
    sqlite.prepare('UPDATE client_state SET capture = 0').run();
    try {
      await f.product();
      expect(lastChanges()).toEqual([]);
      expect(sqlite.prepare('SELECT count(*) AS n FROM change_capture').get()).toEqual({ n: 0 });
    } finally {
      sqlite.prepare('UPDATE client_state SET capture = 1').run();
    }
  });
});
