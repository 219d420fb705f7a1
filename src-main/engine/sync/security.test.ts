import { copyFileSync, existsSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowChange } from '../platform/bus';
import { openPostgres, openSqlite } from '../platform/db';
import { mutationPayload, signPayload } from '../platform/mutation';
import { credentialsFileFor, fileCredentialStore } from './credentials';
import { push, SyncBlocked, syncOnce } from './protocol';
import { checkInvariants, clean, createSim, quiesce, recordOutbox, startCase, type CaseScope, type Sim, type SimBranch } from './simulation';
import { branchline, writeCredentials } from './sync-child';

/**
 * Security of the replication beyond the role tests in sync.test.ts: what a branch database
 * file edited by hand, a compromised client, a copied install or an outdated client can and
 * cannot do at the centre.
 */
describe('replication security', () => {
  let sim: Sim;
  let a: SimBranch;
  let b: SimBranch;

  beforeAll(async () => {
    sim = await createSim({ branches: 2 });
    [a, b] = sim.branches as [SimBranch, SimBranch];
  }, 180_000);
  afterAll(async () => {
    if (sim) await sim.world.dispose();
  });

  const admin = () => sim.world.admin.pool;
  const lastApplied = async (clientId: string) => (await admin().query(`SELECT last_mutation_id FROM sync_client WHERE client_id = $1`, [clientId])).rows[0].last_mutation_id as number;
  const outbox = (x: SimBranch) => x.t.db.sqlite.prepare('SELECT mutation_id, client_id, method, method_version, schema_version, created_at, user_id, input, effects, changes, signature FROM outbox ORDER BY mutation_id').all() as Outbox[];
  const centralHas = async (table: string, id: string) => (await admin().query(`SELECT 1 FROM ${table} WHERE id = $1`, [id])).rowCount === 1;
  const adjust = (x: SimBranch, scope: CaseScope, delta: number) => x.t.engine.run('inventory.adjust', { productId: scope.products[0]!, locationId: sim.warehouses[1]!.stockId, delta, reason: 'security test' }, x.as);

  interface Outbox {
    mutation_id: number;
    client_id: string;
    method: string;
    method_version: number;
    schema_version: string;
    created_at: string;
    user_id: string | null;
    input: string;
    effects: string;
    changes: string;
    signature: string | null;
  }
  const moveOf = (m: Outbox) => (JSON.parse(m.changes) as RowChange[]).find((c) => c.table === 'stock_move')!;

  it('a tampered outbox row (same mutation id, payload edited in the SQLite file) is quarantined at the centre, not applied; later mutations go through', async () => {
    const scope = await startCase(sim);
    for (const delta of [5, 6, 7]) await adjust(a, scope, delta);
    const [m1, m2, m3] = outbox(a);
    // Someone edits the file: 6 found becomes 600.
    const changes = JSON.parse(m2!.changes) as RowChange[];
    const move = changes.find((c) => c.table === 'stock_move')!;
    move.row!.quantity = 600;
    a.t.db.sqlite.prepare('UPDATE outbox SET changes = ? WHERE mutation_id = ?').run(JSON.stringify(changes), m2!.mutation_id);

    const r = await a.t.sync();
    expect(r).toMatchObject({ pushed: 2, quarantined: 1, pending: 0 });
    expect(await centralHas('stock_move', move.id)).toBe(false);
    expect(await centralHas('stock_move', moveOf(m1!).id)).toBe(true);
    expect(await centralHas('stock_move', moveOf(m3!).id)).toBe(true);
    const q = await admin().query(`SELECT reason, payload FROM sync_quarantine WHERE client_id = $1 AND mutation_id = $2`, [a.t.creds.clientId, m2!.mutation_id]);
    expect(q.rows).toHaveLength(1);
    expect(q.rows[0].reason).toMatch(/signature/);
    expect(q.rows[0].payload).toContain('"quantity":600');
    const ex = await admin().query(`SELECT id, branch_id, status FROM sync_exception WHERE kind = 'quarantine' AND details::jsonb ->> 'mutationId' = $1`, [String(m2!.mutation_id)]);
    expect(ex.rows).toMatchObject([{ branch_id: a.t.creds.branchId, status: 'open' }]);
    // The branch is told (the exception reaches it), and its next changes go through.
    expect(a.t.db.sqlite.prepare('SELECT kind FROM sync_exception WHERE id = ?').get(ex.rows[0].id)).toEqual({ kind: 'quarantine' });
    await adjust(a, scope, 1);
    const [m4] = outbox(a);
    expect(await a.t.sync()).toMatchObject({ pushed: 1, quarantined: 0, pending: 0 });
    expect(await centralHas('stock_move', moveOf(m4!).id)).toBe(true);
  });

  it('a forged signature, or a payload re-signed with another key, is refused the same way', async () => {
    const scope = await startCase(sim);
    await adjust(a, scope, 3);
    await adjust(a, scope, 4);
    const [m1, m2] = outbox(a);
    a.t.db.sqlite.prepare('UPDATE outbox SET signature = ? WHERE mutation_id = ?').run('0'.repeat(64), m1!.mutation_id);
    a.t.db.sqlite.prepare('UPDATE outbox SET signature = ? WHERE mutation_id = ?').run(signPayload('not-the-secret', mutationPayload(m2!)), m2!.mutation_id);
    expect(await a.t.sync()).toMatchObject({ pushed: 0, quarantined: 2, pending: 0 });
    expect(await centralHas('stock_move', moveOf(m1!).id)).toBe(false);
    expect(await centralHas('stock_move', moveOf(m2!).id)).toBe(false);
  });

  it("a correctly signed mutation (a compromised client) writing another branch's rows is refused by row-level security and set aside; later ones go through", async () => {
    const scope = await startCase(sim);
    // B owns a delivery at the centre.
    await b.t.engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: sim.warehouses[1]!.id, lines: [{ productId: scope.products[0]!, quantity: 3, unitCostMinor: 10 }] }, b.as);
    recordOutbox(b);
    await b.t.sync();
    const theirs = (await admin().query(`SELECT * FROM transfer WHERE branch_id = $1 ORDER BY created_at DESC LIMIT 1`, [b.t.creds.branchId])).rows[0];
    // A's client, with A's own key, forges: a move booked to B, then an overwrite of B's transfer.
    await adjust(a, scope, 2);
    await adjust(a, scope, 2);
    await adjust(a, scope, 9);
    const [f1, f2, ok] = outbox(a);
    const forge = (m: Outbox, edit: (changes: RowChange[]) => RowChange[]) => {
      const changes = JSON.stringify(edit(JSON.parse(m.changes) as RowChange[]));
      const row = { ...m, changes };
      a.t.db.sqlite.prepare('UPDATE outbox SET changes = ?, signature = ? WHERE mutation_id = ?').run(changes, signPayload(a.t.creds.secret, mutationPayload(row)), m.mutation_id);
    };
    forge(f1!, (cs) => cs.map((c) => (c.table === 'stock_move' ? { ...c, row: { ...c.row, branch_id: b.t.creds.branchId } } : c)));
    forge(f2!, (cs) => [...cs, { table: 'transfer', id: theirs.id, op: 'update', row: { ...theirs, origin: 'forged by A', created_at: new Date(theirs.created_at).toISOString(), updated_at: new Date().toISOString() } }]);
    const r = await a.t.sync();
    expect(r).toMatchObject({ pushed: 1, quarantined: 2, pending: 0 });
    expect(await centralHas('stock_move', moveOf(f1!).id)).toBe(false);
    expect(await centralHas('stock_move', moveOf(f2!).id)).toBe(false);
    expect(await centralHas('stock_move', moveOf(ok!).id)).toBe(true);
    expect((await admin().query(`SELECT origin FROM transfer WHERE id = $1`, [theirs.id])).rows[0].origin).not.toBe('forged by A');
    const reasons = (await admin().query(`SELECT reason FROM sync_quarantine WHERE client_id = $1 AND mutation_id = ANY($2::bigint[]) ORDER BY mutation_id`, [a.t.creds.clientId, [f1!.mutation_id, f2!.mutation_id]])).rows.map((x: { reason: string }) => x.reason);
    expect(reasons).toHaveLength(2);
    for (const reason of reasons) expect(reason).toMatch(/row-level security|violates/);
    const exceptions = await admin().query(`SELECT count(*)::int AS n FROM sync_exception WHERE kind = 'quarantine' AND branch_id = $1 AND details::jsonb ->> 'mutationId' = ANY($2::text[])`, [a.t.creds.branchId, [String(f1!.mutation_id), String(f2!.mutation_id)]]);
    expect(exceptions.rows[0].n).toBe(2);
  });

  it("a branch login cannot use another client's identity, read or write the gate's own tables, or lower the minimum version", async () => {
    const link = a.t.link.db;
    await expect(sql`SELECT branchline_push_check(${b.t.creds.clientId}, '[]'::jsonb)`.execute(link)).rejects.toThrow(/not registered for this login/);
    await expect(sql`SELECT branchline_client_status(${b.t.creds.clientId})`.execute(link)).rejects.toThrow(/not registered for this login/);
    await expect(sql`SELECT branchline_quarantine(${b.t.creds.clientId}, 1, 'x', 'x')`.execute(link)).rejects.toThrow(/not registered for this login/);
    for (const table of ['sync_client', 'sync_applied', 'sync_quarantine', 'sync_setting']) {
      await expect(sql`SELECT * FROM ${sql.table(table)}`.execute(link)).rejects.toThrow(/permission denied/);
    }
    await expect(sql`INSERT INTO sync_setting (key, value) VALUES ('min_client_version', '0.0.1')`.execute(link)).rejects.toThrow(/permission denied/);
    await expect(sql`UPDATE sync_client SET last_mutation_id = 0`.execute(link)).rejects.toThrow(/permission denied/);
    await expect(sql`INSERT INTO change_log (table_name, row_id, op) VALUES ('product', 'x', 'update')`.execute(link)).rejects.toThrow(/permission denied/);
    await expect(sql`DELETE FROM stock_move`.execute(link)).rejects.toThrow(/permission denied/);
    // The change log shows A nothing private of B's.
    const leaked = await sql<{ n: number }>`SELECT count(*)::int AS n FROM change_log WHERE private AND branch_id = ${b.t.creds.branchId}`.execute(link);
    expect(leaked.rows[0]!.n).toBe(0);
    const exists = await admin().query(`SELECT count(*)::int AS n FROM change_log WHERE private AND branch_id = $1`, [b.t.creds.branchId]);
    expect(exists.rows[0].n).toBeGreaterThan(0);
  });

  it('two pushes of the same outbox at the same moment apply each mutation once', async () => {
    const scope = await startCase(sim);
    for (let i = 1; i <= 40; i++) await adjust(b, scope, i);
    const made = outbox(b).length;
    const before = await lastApplied(b.t.creds.clientId);
    const second = openPostgres(b.t.creds.url, 2);
    try {
      // Both read the same status, both send the whole batch; the gate serialises them on the client's row.
      const [r1, r2] = await Promise.all([push(b.t.db, b.t.link, b.t.creds, '1.0.0'), push(b.t.db, second, b.t.creds, '1.0.0')]);
      expect(r1.pushed + r2.pushed).toBe(made);
      expect(r1.quarantined + r2.quarantined).toBe(0);
    } finally {
      await second.close();
    }
    expect(await lastApplied(b.t.creds.clientId)).toBe(before + made);
    const local = b.t.db.sqlite.prepare(`SELECT count(*) AS n FROM stock_move WHERE product_id = ?`).get(scope.products[0]) as { n: number };
    const central = await admin().query(`SELECT count(*)::int AS n FROM stock_move WHERE product_id = $1`, [scope.products[0]]);
    expect(central.rows[0].n).toBe(local.n);
    recordOutbox(b);
    await quiesce(sim, [0, 1]);
    const report = await checkInvariants(sim, scope);
    expect(clean(report), JSON.stringify(report, null, 2)).toBe(true);
  });

  it('a client below the centre’s minimum version keeps working offline and keeps its outbox; it pushes nothing until it is updated', async () => {
    const scope = await startCase(sim);
    await admin().query(`INSERT INTO sync_setting (key, value) VALUES ('min_client_version', '2.0.0') ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    try {
      await adjust(b, scope, 4);
      const before = await lastApplied(b.t.creds.clientId);
      const blocked = await syncOnce(b.t.db, b.t.link, b.t.creds, '1.9.9').catch((e: unknown) => e);
      expect(blocked).toBeInstanceOf(SyncBlocked);
      expect(blocked).toMatchObject({ reason: 'version' });
      // Offline work goes on and waits in the outbox.
      await adjust(b, scope, 5);
      expect(outbox(b)).toHaveLength(2);
      expect(await lastApplied(b.t.creds.clientId)).toBe(before);
      // An old client that skipped its own check is stopped by the centre's gate.
      const wire = outbox(b).map((m) => ({ id: Number(m.mutation_id), payload: mutationPayload(m), signature: m.signature, appVersion: '1.9.9' }));
      const gate = await sql<{ r: { accepted: number[]; stop: string } }>`SELECT branchline_push_check(${b.t.creds.clientId}, ${JSON.stringify(wire)}::jsonb) AS r`.execute(b.t.link.db);
      expect(gate.rows[0]!.r).toMatchObject({ accepted: [], stop: 'version' });
      expect(await lastApplied(b.t.creds.clientId)).toBe(before);
      // The command line says why and exits non-zero (its version, 0.x, is below 2.0.0).
      writeCredentials(b.t.file, b.t.creds);
      const run = await branchline(['--db', b.t.file, 'sync']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/older than the minimum 2\.0\.0/);
      expect(outbox(b)).toHaveLength(2);
      // Updated: everything goes.
      recordOutbox(b);
      const r = await syncOnce(b.t.db, b.t.link, b.t.creds, '2.0.0');
      expect(r).toMatchObject({ pushed: 2, pending: 0 });
      expect(await lastApplied(b.t.creds.clientId)).toBe(before + 2);
    } finally {
      await admin().query(`DELETE FROM sync_setting WHERE key = 'min_client_version'`);
    }
  });

  it('a copied database file is detected — behind the original (copy), or gone its own way (quarantine + copy) with its outbox kept — and `branch register --again` lets it continue', async () => {
    const scope = await startCase(sim);
    await adjust(a, scope, 10);
    recordOutbox(a);
    await a.t.sync();
    // Two copies of the file (with its credentials) while the original is in sync.
    a.t.db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const behind = `${a.t.file}.copy-behind.sqlite`;
    const diverged = `${a.t.file}.copy-diverged.sqlite`;
    for (const f of [behind, diverged]) {
      copyFileSync(a.t.file, f);
      writeCredentials(f, a.t.creds);
    }
    // The original moves on.
    await adjust(a, scope, 11);
    recordOutbox(a);
    await a.t.sync();
    const atCentre = await lastApplied(a.t.creds.clientId);

    // 1. The copy that did nothing is behind the centre: blocked as a copy.
    const run1 = await branchline(['--db', behind, 'sync']);
    expect(run1.code).toBe(1);
    expect(run1.stderr).toMatch(/copy or an older restore/);

    // 2. The copy that made its own change under the same mutation number as the original's.
    const copy = openSqlite(diverged);
    try {
      const copyEngine = await (await import('../engine')).Engine.open({ database: copy, appVersion: '1.0.0', credentials: fileCredentialStore(credentialsFileFor(diverged)) });
      await copyEngine.run('inventory.adjust', { productId: scope.products[0]!, locationId: sim.warehouses[1]!.stockId, delta: 12, reason: 'made on the copy' }, a.as);
      await copyEngine.close();
    } finally {
      await copy.close().catch(() => undefined);
    }
    const peek = openSqlite(diverged);
    const copyOutbox = peek.sqlite.prepare('SELECT mutation_id, changes FROM outbox').all() as { mutation_id: number; changes: string }[];
    await peek.close();
    expect(copyOutbox).toHaveLength(1);
    expect(copyOutbox[0]!.mutation_id).toBe(atCentre);
    const copyMove = (JSON.parse(copyOutbox[0]!.changes) as RowChange[]).find((c) => c.table === 'stock_move')!.id;

    const run2 = await branchline(['--db', diverged, 'sync']);
    expect(run2.code).toBe(1);
    expect(run2.stderr).toMatch(/copy or a restore/);
    expect(await centralHas('stock_move', copyMove)).toBe(false);
    const q = await admin().query(`SELECT reason FROM sync_quarantine WHERE client_id = $1 AND mutation_id = $2`, [a.t.creds.clientId, atCentre]);
    expect(q.rows.map((x: { reason: string }) => x.reason)).toContain('a different payload for a mutation id already applied');
    // Nothing was acknowledged away: the copy's change still waits.
    const still = openSqlite(diverged);
    expect((still.sqlite.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n).toBe(1);
    await still.close();

    // 3. Registered again (a new identity; the old one is retired), the copy continues and its change arrives.
    const reg = await branchline(['--db', diverged, 'branch', 'register', '--central', sim.world.centralUrl, '--code', a.t.code, '--name', 'Copied install', '--again']);
    expect(reg.code, reg.stderr).toBe(0);
    expect(existsSync(credentialsFileFor(diverged))).toBe(true);
    const run3 = await branchline(['--db', diverged, 'sync']);
    expect(run3.code, run3.stderr).toBe(0);
    expect(run3.stdout).toMatch(/Pushed 1/);
    expect(await centralHas('stock_move', copyMove)).toBe(true);
    // The identity both files shared is retired: the original must register again too.
    await expect(syncOnce(a.t.db, a.t.link, a.t.creds, '1.0.0')).rejects.toMatchObject({ reason: 'retired' });
  });
});
