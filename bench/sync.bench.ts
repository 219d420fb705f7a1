/**
 * Replication figures (the Replication issue), each beside a raw baseline from the same run:
 *  - push: N outbox mutations (adjustments and receipts of the demo company) applied at the
 *    centre by `push()` (exactly-once gate, row images under the branch's own login,
 *    recompute, stock exceptions) vs raw multi-row INSERTs of the same rows (last image per
 *    row per push batch, ids renamed) through pg under the same login, one
 *    transaction per batch — target ≥ 5,000 mutations/s and ≥ 1/3 of raw's rate;
 *  - pull: a branch's first sync of the demo company (`snapshot()`: every row the branch may
 *    see, page by page, then derived stock) vs a raw server-side cursor over the same tables
 *    (same login, same order) with prepared INSERTs into a SQLite database of the same
 *    schema — target ≥ 20,000 rows/s and ≥ 1/2 of raw's rate;
 *  - round trip: a change committed on branch A until it is in branch B's database, both
 *    running SyncService (A pushes soon after a commit; B is woken by LISTEN/NOTIFY) —
 *    target p95 < 2 s; beside a bare NOTIFY round trip.
 * The centre is a PostgreSQL database with the DEFAULT demo company (5,000 products, ~100,000
 * moves, ~24,000 transfers; `large` takes too long to seed), built once into a template
 * database (ANALYZEd, as a running centre would be) and cloned for each run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Engine } from '../src-main/engine/engine';
import type { RowChange } from '../src-main/engine/platform/bus';
import { type BranchDatabase, type CentralDatabase, openPostgres, openSqlite } from '../src-main/engine/platform/db';
import { migrateToLatest } from '../src-main/engine/platform/migrate';
import { initCentral } from '../src-main/engine/sync/central-init';
import type { CredentialStore, SyncCredentials } from '../src-main/engine/sync/credentials';
import { APPLY_ORDER, REPLICATED_TABLES, type ReplicatedTableName } from '../src-main/engine/sync/ownership';
import { push, PUSH_BATCH_SIZE, snapshot } from '../src-main/engine/sync/protocol';
import { registerBranch } from '../src-main/engine/sync/register';
import { isoUtc, normalizeValue } from '../src-main/engine/sync/rows';
import { adminUrl } from '../src-main/engine/testing/databases';
import { SCHEMA_KEY } from './lib/dataset';
import { log, report, stats } from './lib/measure';

const SUITE = 'sync';
const QUICK = !!process.env.BENCH_QUICK;
const MUTATIONS = Number(process.env.BENCH_SYNC_MUTATIONS ?? (QUICK ? 1_000 : 5_000));
const PULL_ROUNDS = QUICK ? 1 : 2;
const ROUND_TRIPS = QUICK ? 6 : 20;
/** The demo size of the centre: `default`, or `large` (the issue's size: 1,000,000 moves; its seeding takes most of an hour here). */
const DEMO_SIZE = process.env.BENCH_SYNC_DEMO === 'large' ? 'large' : 'default';
const TEMPLATE = `bl_bench_sync_${SCHEMA_KEY.replace(/[^a-z0-9]/gi, '_').toLowerCase()}${DEMO_SIZE === 'large' ? '_large' : ''}_g1`;

const withDb = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

/** The demo centre, seeded once into a template database (cached across runs, rebuilt when the schema changes). */
async function ensureTemplate(): Promise<void> {
  const existing = await adminQuery<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'bl_bench_sync_%'`);
  if (existing.some((d) => d.datname === TEMPLATE)) return;
  // Older templates of this size go (a template of the other size stays; so do the clones and
  // the templates other runs on this server are building right now: dropping one broke that run).
  for (const d of existing) if (!d.datname.includes('_run_') && !d.datname.includes('_building_') && d.datname.endsWith('_large_g1') === (DEMO_SIZE === 'large')) await adminQuery(`DROP DATABASE IF EXISTS ${d.datname} WITH (FORCE)`);
  const building = `bl_bench_sync_building_${process.pid}`;
  log(`seeding the ${DEMO_SIZE} demo company into ${TEMPLATE} (once; minutes on a loaded machine) ...`);
  const t0 = performance.now();
  await adminQuery(`CREATE DATABASE ${building}`);
  const central = openPostgres(withDb(adminUrl(), building));
  try {
    await initCentral(central);
    const engine = await Engine.open({ database: central, appVersion: 'bench' });
    await engine.run('system.loadDemo', { seed: 11, size: DEMO_SIZE }, { anonymous: true });
    await central.pool.query('ANALYZE');
  } finally {
    await central.close();
  }
  try {
    await adminQuery(`ALTER DATABASE ${building} RENAME TO ${TEMPLATE}`);
  } catch (error) {
    // Another run on this server finished the same template first: use that one.
    await adminQuery(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    if ((await adminQuery(`SELECT 1 FROM pg_database WHERE datname = '${TEMPLATE}'`)).length === 0) throw error;
  }
  log(`template ready in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

interface Centre {
  url: string;
  admin: CentralDatabase;
  drop(): Promise<void>;
}

async function cloneCentre(): Promise<Centre> {
  const name = `bl_bench_sync_run_${process.pid}`;
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
  const url = withDb(adminUrl(), name);
  const admin = openPostgres(url);
  // The template was seeded by an earlier build: bring functions and policies to this code's.
  await initCentral(admin);
  return {
    url,
    admin,
    async drop() {
      const roles = (await admin.pool.query<{ role_name: string }>('SELECT role_name FROM sync_client')).rows.map((r) => r.role_name);
      await admin.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      for (const role of roles) await adminQuery(`DROP ROLE IF EXISTS ${role}`);
    },
  };
}

interface Branch {
  dir: string;
  db: BranchDatabase;
  creds: SyncCredentials;
  link: CentralDatabase;
  close(): Promise<void>;
}

/** A new branch database registered with the centre (no first sync yet). */
async function newBranch(centre: Centre, code: string): Promise<Branch> {
  const dir = mkdtempSync(join(tmpdir(), 'branchline-bench-sync-'));
  const db = openSqlite(join(dir, 'branch.sqlite'));
  await migrateToLatest(db);
  await Engine.open({ database: db, appVersion: 'bench' }); // this install's identity (client_state)
  const creds = await registerBranch({ admin: centre.admin, branch: db, code, name: `Bench ${code}` });
  const link = openPostgres(creds.url, 2);
  return {
    dir,
    db,
    creds,
    link,
    async close() {
      await link.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const SNAPSHOT_TABLES = APPLY_ORDER.filter((t) => t !== 'audit_log');

/** Raw first sync: a server-side cursor per table (same login, same order), prepared INSERT OR REPLACE (rows the install seeded itself, e.g. its chart of accounts, give way as in an upsert) per 5,000 rows into the same schema. */
async function rawFirstSync(centre: Centre, creds: SyncCredentials): Promise<{ ms: number; rows: number; counts: Map<string, number>; tables: Map<string, number> }> {
  const dir = mkdtempSync(join(tmpdir(), 'branchline-bench-raw-'));
  const db = openSqlite(join(dir, 'raw.sqlite'));
  await migrateToLatest(db);
  await Engine.open({ database: db, appVersion: 'bench' }); // this install's identity (client_state)
  db.sqlite.pragma('foreign_keys = OFF'); // as the snapshot copies pages (a row may refer to a later page)
  const client = new pg.Client({ connectionString: creds.url });
  await client.connect();
  const types = { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === pg.types.builtins.TIMESTAMPTZ ? isoUtc : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser };
  const counts = new Map<string, number>();
  let rows = 0;
  const t0 = performance.now();
  try {
    for (const table of SNAPSHOT_TABLES) {
      await client.query('BEGIN READ ONLY');
      await client.query(`DECLARE c NO SCROLL CURSOR FOR SELECT * FROM "${table}" ORDER BY id`);
      let insert: ((values: unknown[]) => void) | null = null;
      let cols: string[] = [];
      for (;;) {
        const page = await client.query<Record<string, unknown>>({ text: 'FETCH 5000 FROM c', types });
        if (page.rows.length === 0) break;
        if (!insert) {
          cols = Object.keys(page.rows[0]!);
          const stmt = db.sqlite.prepare(`INSERT OR REPLACE INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
          insert = (values) => stmt.run(values);
        }
        const write = insert;
        db.sqlite.transaction(() => {
          for (const r of page.rows) write(cols.map((c) => (r[c] !== null && typeof r[c] === 'object' ? JSON.stringify(r[c]) : (r[c] ?? null))));
        })();
        rows += page.rows.length;
        counts.set(table, (counts.get(table) ?? 0) + page.rows.length);
      }
      await client.query('CLOSE c');
      await client.query('COMMIT');
    }
    const ms = performance.now() - t0;
    // What the copy holds (with the rows this install seeded itself), to compare with the snapshot's copy.
    return { ms, rows, counts, tables: tableCounts(db) };
  } finally {
    await client.end();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function tableCounts(db: BranchDatabase): Map<string, number> {
  return new Map(SNAPSHOT_TABLES.map((t) => [t, (db.sqlite.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]));
}

// ------------------------------------------------------------------------------------------

await ensureTemplate();
const centre = await cloneCentre();
const branches: Branch[] = [];
try {
  // --- pull: first sync of the Head Office branch (B01 in the demo: its documents and the shared ledger)
  const ours: number[] = [];
  const raw: number[] = [];
  let pulledRows = 0;
  let main: Branch | null = null;
  for (let round = 0; round < PULL_ROUNDS; round++) {
    const b = await newBranch(centre, 'B01');
    const t0 = performance.now();
    const n = await snapshot(b.db, b.link);
    ours.push(performance.now() - t0);
    pulledRows = n;
    const r = await rawFirstSync(centre, b.creds);
    raw.push(r.ms);
    const mine = tableCounts(b.db);
    for (const [t, c] of r.tables) if (mine.get(t) !== c) throw new Error(`sync bench: the raw first sync's copy has ${c} ${t} rows, the snapshot's ${mine.get(t)}`);
    if (r.rows !== n) throw new Error(`sync bench: raw read ${r.rows} rows, the snapshot ${n}`);
    log(`first sync round ${round + 1}: ${n} rows in ${(ours.at(-1)! / 1000).toFixed(1)} s; raw ${(r.ms / 1000).toFixed(1)} s`);
    if (main) await main.close();
    main = b;
  }
  branches.push(main!);
  const pullMs = stats(ours).p50;
  const rawPullMs = stats(raw).p50;
  const pullRate = pulledRows / (pullMs / 1000);
  const rawPullRate = pulledRows / (rawPullMs / 1000);
  report({
    suite: SUITE,
    name: `sync first pull (${Math.round(pulledRows / 1000)}k rows, ${DEMO_SIZE} demo)`,
    valueMs: pullMs,
    baseline: { label: 'raw cursor+inserts', valueMs: rawPullMs },
    target: { text: '>=20,000 rows/s & >=1/2 raw', pass: pullRate >= 20_000 && pullRate >= rawPullRate / 2 },
    note: `${Math.round(pullRate).toLocaleString('en-US')} rows/s (raw ${Math.round(rawPullRate).toLocaleString('en-US')})`,
  });

  // --- push: N mutations made offline on B01, then pushed
  const b = main!;
  const engine = await Engine.open({ database: b.db, appVersion: 'bench' });
  engine.setSyncBinding({ signingKey: b.creds.secret });
  await engine.reloadInstall();
  const as = { userId: (b.db.sqlite.prepare(`SELECT id FROM app_user WHERE username = 'admin'`).get() as { id: string }).id };
  const wh2 = b.db.sqlite.prepare(`SELECT w.id, l.id AS stock FROM warehouse w JOIN location l ON l.warehouse_id = w.id AND l.path = w.code || '/Stock' WHERE w.code = 'WH2'`).get() as { id: string; stock: string };
  const products = (b.db.sqlite.prepare("SELECT id FROM product WHERE active = 1 AND tracking = 'none' ORDER BY sku LIMIT 200").all() as { id: string }[]).map((p) => p.id);
  b.db.sqlite.pragma('synchronous = NORMAL'); // test data; the push reads it either way
  log(`making ${MUTATIONS} mutations on the branch ...`);
  let made = 0;
  for (let i = 0; made < MUTATIONS; i++) {
    const productId = products[i % products.length]!;
    if (i % 3 === 0 && made + 2 <= MUTATIONS) {
      const r = await engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: wh2.id, lines: [{ productId, quantity: 5, unitCostMinor: 120 }] }, as);
      await engine.run('inventory.transfer.validate', { id: r.id }, as);
      made += 2;
    } else {
      await engine.run('inventory.adjust', { productId, locationId: wh2.stock, delta: i % 2 === 0 ? 2 : 1, reason: 'bench count' }, as);
      made += 1;
    }
  }
  b.db.sqlite.pragma('synchronous = FULL');
  const outbox = b.db.sqlite.prepare('SELECT changes FROM outbox ORDER BY mutation_id').all() as { changes: string }[];
  const batches: { table: ReplicatedTableName; rows: Record<string, unknown>[] }[][] = [];
  let rowCount = 0;
  // Batched as push() batches them (PUSH_BATCH_SIZE mutations per central transaction), so both write the same rows.
  for (let i = 0; i < outbox.length; i += PUSH_BATCH_SIZE) {
    const last = new Map<string, RowChange>();
    for (const m of outbox.slice(i, i + PUSH_BATCH_SIZE)) for (const c of JSON.parse(m.changes) as RowChange[]) last.set(`${c.table}|${c.id}`, c);
    const byTable = new Map<ReplicatedTableName, Record<string, unknown>[]>();
    for (const c of last.values()) if (c.row && c.table in REPLICATED_TABLES) byTable.set(c.table as ReplicatedTableName, [...(byTable.get(c.table as ReplicatedTableName) ?? []), c.row]);
    batches.push(APPLY_ORDER.filter((t) => byTable.has(t)).map((t) => ({ table: t, rows: byTable.get(t)! })));
    rowCount += last.size;
  }
  /** The same rows, with every id renamed (consistently, so references still hold), as plain multi-row INSERTs. */
  let rawRuns = 0;
  const rawPush = async (): Promise<number> => {
    const rename = new Map<string, string>();
    const suffix = `-R${++rawRuns}`;
    // Ids renamed; the unique document numbers and series prefixes get a suffix.
    const renamed = (v: unknown, col: string) =>
      typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-/.test(v) ? (rename.get(v) ?? v) : (col === 'number' || col === 'prefix') && typeof v === 'string' ? v + suffix : v;
    for (const batch of batches) for (const t of batch) for (const r of t.rows) if (!rename.has(r.id as string)) rename.set(r.id as string, randomUUID());
    const client = new pg.Client({ connectionString: b.creds.url });
    await client.connect();
    const t0 = performance.now();
    try {
      for (const batch of batches) {
        await client.query('BEGIN');
        for (const { table, rows } of batch) {
          const cols = Object.keys(rows[0]!);
          const ledger = REPLICATED_TABLES[table].class === 'ledger';
          const per = Math.max(1, Math.floor(30_000 / cols.length));
          for (let i = 0; i < rows.length; i += per) {
            const values: unknown[] = [];
            const tuples = rows.slice(i, i + per).map((r) => `(${cols.map((c) => `$${values.push(renamed(normalizeValue(r[c] ?? null), c))}`).join(', ')})`);
            const conflict = ledger ? 'DO NOTHING' : `DO UPDATE SET ${cols.filter((c) => c !== 'id').map((c) => `"${c}" = excluded."${c}"`).join(', ')}`;
            await client.query(`INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (id) ${conflict}`, values);
          }
        }
        await client.query('COMMIT');
      }
    } finally {
      await client.end();
    }
    return performance.now() - t0;
  };
  const rawBefore = await rawPush();
  const t0 = performance.now();
  const pushed = await push(b.db, b.link, b.creds, 'bench');
  const pushMs = performance.now() - t0;
  const rawAfter = await rawPush();
  if (pushed.pushed !== made) throw new Error(`sync bench: pushed ${pushed.pushed} of ${made}`);
  const rawPushMs = (rawBefore + rawAfter) / 2;
  const pushRate = made / (pushMs / 1000);
  const rawPushRate = made / (rawPushMs / 1000);
  report({
    suite: SUITE,
    name: `sync push ${made} mutations (${rowCount} rows)`,
    valueMs: pushMs,
    baseline: { label: 'raw multi-row INSERTs', valueMs: rawPushMs },
    target: { text: '>=5,000/s & >=1/3 raw', pass: pushRate >= 5_000 && pushRate >= rawPushRate / 3 },
    note: `${Math.round(pushRate).toLocaleString('en-US')} mutations/s (raw ${Math.round(rawPushRate).toLocaleString('en-US')})`,
  });
  // (The engine is left open: closing it would close the branch database the next engines use.)

  // --- round trip: a change on A, visible on B; both online with SyncService
  const memory = (creds: SyncCredentials): CredentialStore => ({ read: () => creds, write() {}, clear() {} });
  const bBranch = await newBranch(centre, 'B09');
  branches.push(bBranch);
  const engineA = await Engine.open({ database: b.db, appVersion: 'bench', credentials: memory(b.creds) });
  const engineB = await Engine.open({ database: bBranch.db, appVersion: 'bench', credentials: memory(bBranch.creds) });
  log('first sync of the second branch ...');
  await engineA.sync!.runOnce();
  await engineB.sync!.runOnce();
  engineA.sync!.start(15_000);
  engineB.sync!.start(15_000);
  await new Promise((r) => setTimeout(r, 1_000));
  const seen = bBranch.db.sqlite.prepare('SELECT 1 FROM stock_move WHERE id = ?');
  const trips: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const t = performance.now();
    const { moveId } = await engineA.run('inventory.adjust', { productId: products[i]!, locationId: wh2.stock, delta: 1, reason: 'round trip' }, as);
    for (;;) {
      if (seen.get(moveId)) break;
      if (performance.now() - t > 30_000) throw new Error('sync bench: a change did not reach the other branch in 30 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    trips.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 300));
  }
  await engineA.close();
  await engineB.close();
  // Baseline: a bare NOTIFY from one connection to a listening one.
  const listener = new pg.Client({ connectionString: centre.url });
  const notifier = new pg.Client({ connectionString: centre.url });
  await listener.connect();
  await notifier.connect();
  await listener.query('LISTEN bench_round_trip');
  const notifies: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const t = performance.now();
    const got = new Promise<void>((done) => listener.once('notification', () => done()));
    await notifier.query('NOTIFY bench_round_trip');
    await got;
    notifies.push(performance.now() - t);
  }
  await listener.end();
  await notifier.end();
  const rt = stats(trips);
  const p95 = [...trips].sort((x, y) => x - y)[Math.max(0, Math.ceil(0.95 * trips.length) - 1)]!;
  const nt = stats(notifies);
  report({
    suite: SUITE,
    name: 'sync round trip A→B p95',
    valueMs: p95,
    baseline: { label: 'bare NOTIFY p50', valueMs: nt.p50 },
    also: [{ label: 'p50', valueMs: rt.p50 }],
    target: { text: 'p95<2s', pass: p95 < 2_000 },
    note: `${trips.length} changes; A pushes 250 ms after a commit, B pulls 250 ms after the NOTIFY`,
  });
} finally {
  for (const b of branches) await b.close().catch(() => undefined);
  await centre.drop();
}
process.exit(0);
