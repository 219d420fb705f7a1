/**
 * A deterministic multi-branch simulation for the replication proof (simulation.test.ts):
 * branches run random warehouse commands offline and online, sync in random orders with
 * network cuts, then heal; afterwards every database must agree, row by row, and the
 * stock rules must hold at the centre. Shared by the CI run and `npm run test:soak`.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { RowChange } from '../platform/bus';
import { TICKET_TYPES } from '../../../src-shared/contract/service';
import { DomainError } from '../platform/errors';
import { mutationPayload } from '../platform/mutation';
import { REPLICATED_TABLE_NAMES, REPLICATED_TABLES, type ReplicatedTableName } from './ownership';
import { createSyncWorld, type SyncWorld, type TestBranch } from './testing';

// ---------------------------------------------------------------------------------------
// Steps

export type SimStep =
  | { kind: 'receive'; b: number; product: number; wh: number; qty: number; cost: number }
  | { kind: 'deliver'; b: number; product: number; wh: number; qty: number; rank: number; all: boolean }
  | { kind: 'validate'; b: number; pick: number; fraction: number; backorder: boolean }
  | { kind: 'cancel'; b: number; pick: number }
  | { kind: 'transfer'; b: number; product: number; qty: number; toSecond: boolean }
  | { kind: 'adjust'; b: number; product: number; wh: number; delta: number }
  | { kind: 'allocate'; b: number }
  | { kind: 'sync'; b: number }
  | { kind: 'cut'; b: number; length: number }
  /**
   * Two branches sell the same product from the same warehouse without syncing in between,
   * then sync x, y, x: the later reservation may give way at the centre after its branch has
   * already pulled back its own rows.
   */
  | { kind: 'race'; b: number; other: number; product: number; wh: number; qty: number; otherQty: number; all: boolean }
  /** Receive at one branch, then every online branch syncs: stock all of them see, and may all sell. */
  | { kind: 'restock'; b: number; product: number; wh: number; qty: number }
  /** Imports: an order file for a case product through imports.stage/apply; `again` re-sends the branch's last order id (imported once). */
  | { kind: 'import'; b: number; product: number; qty: number; again: boolean }
  /** Service: a ticket for a customer, then a note or a wait (pausing its SLA) on one of the branch's tickets. */
  | { kind: 'ticket'; b: number; type: number; follow: number; pick: number };

export const BRANCHES = 3;
export const PRODUCTS_PER_CASE = 2;
const PRODUCT_BATCH = 60;

const branchIx = fc.nat(BRANCHES - 1);
const productIx = fc.nat(PRODUCTS_PER_CASE - 1);
/** WH2 (one step each way) more often than WH1 (2-step receipt, 3-step delivery): more contention on one stock location. */
const whIx = fc.oneof({ arbitrary: fc.constant(1), weight: 2 }, { arbitrary: fc.constant(0), weight: 1 });

export const SimStepArb: fc.Arbitrary<SimStep> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('receive' as const), b: branchIx, product: productIx, wh: whIx, qty: fc.integer({ min: 1, max: 12 }), cost: fc.integer({ min: 1, max: 5000 }) }) },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('deliver' as const), b: branchIx, product: productIx, wh: whIx, qty: fc.integer({ min: 1, max: 10 }), rank: fc.integer({ min: 1, max: 5 }), all: fc.boolean() }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('validate' as const), b: branchIx, pick: fc.nat(), fraction: fc.double({ min: 0, max: 1, noNaN: true }), backorder: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), b: branchIx, pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('transfer' as const), b: branchIx, product: productIx, qty: fc.integer({ min: 1, max: 8 }), toSecond: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('adjust' as const), b: branchIx, product: productIx, wh: whIx, delta: fc.integer({ min: -8, max: 8 }).filter((d) => d !== 0) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('allocate' as const), b: branchIx }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('sync' as const), b: branchIx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cut' as const), b: branchIx, length: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('restock' as const), b: branchIx, product: productIx, wh: whIx, qty: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('import' as const), b: branchIx, product: productIx, qty: fc.integer({ min: 1, max: 6 }), again: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ticket' as const), b: branchIx, type: fc.nat(TICKET_TYPES.length - 1), follow: fc.nat(2), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('race' as const),
      b: branchIx,
      other: fc.integer({ min: 1, max: BRANCHES - 1 }),
      product: productIx,
      wh: whIx,
      qty: fc.integer({ min: 1, max: 10 }),
      otherQty: fc.integer({ min: 1, max: 10 }),
      all: fc.boolean(),
    }),
  },
);

export interface SimCase {
  steps: SimStep[];
  /** The order branches sync in while healing (a permutation of 0..BRANCHES-1). */
  healOrder: number[];
}

export const SimCaseArb: fc.Arbitrary<SimCase> = fc.record({
  steps: fc.array(SimStepArb, { minLength: 4, maxLength: 28 }),
  healOrder: fc.shuffledSubarray([...Array(BRANCHES).keys()], { minLength: BRANCHES, maxLength: BRANCHES }),
});

// ---------------------------------------------------------------------------------------
// World

export interface SimBranch {
  t: TestBranch;
  as: { userId: string };
  /** Every mutation this branch committed, read from its outbox before each sync (the outbox is emptied once acknowledged). */
  committed: Map<number, { changes: RowChange[]; hash: string }>;
}

export interface SimWarehouse {
  id: string;
  code: string;
  stockId: string;
}

export interface Sim {
  world: SyncWorld;
  branches: SimBranch[];
  warehouses: SimWarehouse[];
  uomId: string;
  centralAs: { userId: string };
  productPool: string[];
  productSerial: number;
  /** Sync rounds and failures, for the report. */
  stats: { cases: number; syncs: number; commands: number; refused: number; quiesceRounds: number; stockExceptions: number };
}

/**
 * The world: a centre with the small demo company and three branches after their first
 * sync. Commits skip the wait for the disk on both sides (SQLite synchronous=NORMAL,
 * PostgreSQL synchronous_commit=off) — this proves the protocol's logic, and a case costs a
 * third of the time; crash-test.test.ts proves durability with the real settings.
 */
export async function createSim(options: { branches?: number; durable?: boolean } = {}): Promise<Sim> {
  const world = await createSyncWorld({ demoSize: 'small' });
  if (!options.durable) {
    const dbName = new URL(world.centralUrl).pathname.slice(1);
    await world.admin.pool.query(`ALTER DATABASE ${dbName} SET synchronous_commit = off`);
  }
  const branches: SimBranch[] = [];
  for (let i = 0; i < (options.branches ?? BRANCHES); i++) {
    const t = await world.addBranch(`S${String(i + 1).padStart(2, '0')}`);
    if (!options.durable) t.db.sqlite.pragma('synchronous = NORMAL');
    await t.sync();
    branches.push(await simBranch(t));
  }
  const centralAs = { userId: world.adminUserId };
  const whs = (await world.centralEngine.run('inventory.warehouse.list', {}, centralAs)).rows.sort((a, b) => a.code.localeCompare(b.code));
  const warehouses: SimWarehouse[] = [];
  for (const w of whs) {
    const stock = (await world.centralEngine.run('inventory.location.list', { warehouseId: w.id }, centralAs)).rows.find((l) => l.path === `${w.code}/Stock`)!;
    warehouses.push({ id: w.id, code: w.code, stockId: stock.id });
  }
  const uom = (await world.centralEngine.run('catalog.uom.list', {}, centralAs)).uoms.find((u) => u.code === 'EA')!;
  return { world, branches, warehouses, uomId: uom.id, centralAs, productPool: [], productSerial: 0, stats: { cases: 0, syncs: 0, commands: 0, refused: 0, quiesceRounds: 0, stockExceptions: 0 } };
}

export async function simBranch(t: TestBranch): Promise<SimBranch> {
  return { t, as: { userId: await t.adminId() }, committed: new Map() };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Reads the mutations added to a branch's outbox since the last look (before they are acknowledged and deleted). */
export function recordOutbox(b: SimBranch): void {
  const after = Math.max(0, ...b.committed.keys());
  const rows = b.t.db.sqlite
    .prepare('SELECT mutation_id, client_id, method, method_version, schema_version, created_at, user_id, input, effects, changes FROM outbox WHERE mutation_id > ? ORDER BY mutation_id')
    .all(after) as { mutation_id: number; client_id: string; method: string; method_version: number; schema_version: string; created_at: string; user_id: string | null; input: string; effects: string; changes: string }[];
  for (const m of rows) b.committed.set(Number(m.mutation_id), { changes: JSON.parse(m.changes) as RowChange[], hash: sha256(mutationPayload({ ...m, mutation_id: Number(m.mutation_id) })) });
}

/** One sync of a branch, with its outbox recorded first. */
export async function syncBranch(sim: Sim, b: SimBranch) {
  recordOutbox(b);
  sim.stats.syncs++;
  return b.t.sync();
}

/**
 * Sync rounds in the given order until nothing moves: no branch has pending mutations, a
 * whole round pulled nothing anywhere, and every branch's pull cursor has passed the last
 * central change. (The cursor is the oldest transaction still running on the server; any
 * transaction of the cluster — another test's, autovacuum's — holds it back, so a round that
 * pulls nothing proves nothing until the cursor is past the changes.)
 */
/**
 * The pull horizon is server-wide: a long transaction of any other suite on the same server
 * (a bench's cursor, a big test) holds it back, so the wait for it is long by default.
 */
export const HORIZON_WAIT_MS = 180_000;

export async function quiesce(sim: Sim, order: number[], maxRounds = 8, maxWaitMs = HORIZON_WAIT_MS): Promise<number> {
  const started = Date.now();
  let quiet = 0;
  for (let round = 1; ; round++) {
    let moved = 0;
    let pending = 0;
    for (const i of order) {
      const r = await syncBranch(sim, sim.branches[i]!);
      moved += r.pulled + r.pushed + r.quarantined;
      pending += r.pending;
    }
    sim.stats.quiesceRounds++;
    if (moved === 0 && pending === 0) {
      if (await cursorsCaughtUp(sim)) return round;
      // Held back by a transaction elsewhere on the server: wait for it, then sync again.
      quiet++;
      await new Promise((r) => setTimeout(r, Math.min(20 * quiet, 250)));
      if (Date.now() - started > maxWaitMs) throw new Error(`Pull cursors still behind the centre's changes after ${maxWaitMs} ms`);
      continue;
    }
    if (round - quiet >= maxRounds) throw new Error(`No quiescence after ${maxRounds} sync rounds`);
  }
}

/**
 * Waits until the centre's pull horizon (the oldest transaction still running anywhere on
 * the server) has passed every change in its log, so the next pull sees all of them.
 */
export async function waitForHorizon(sim: Sim, maxWaitMs = HORIZON_WAIT_MS): Promise<void> {
  const started = Date.now();
  for (;;) {
    const r = (await sim.world.admin.pool.query(`SELECT (SELECT max(txid) FROM change_log) < pg_snapshot_xmin(pg_current_snapshot()) AS past`)).rows[0] as { past: boolean | null };
    if (r.past !== false) return;
    if (Date.now() - started > maxWaitMs) throw new Error(`The centre's horizon stayed behind its change log for ${maxWaitMs} ms`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

/** Every branch's pull cursor is past the newest change in the centre's change log. */
export async function cursorsCaughtUp(sim: Sim): Promise<boolean> {
  const newest = (await sim.world.admin.pool.query(`SELECT max(txid)::text AS t FROM change_log`)).rows[0].t as string | null;
  if (!newest) return true;
  return sim.branches.every((b) => {
    const c = (b.t.db.sqlite.prepare('SELECT pull_cursor FROM sync_state').get() as { pull_cursor: string | null }).pull_cursor;
    return c !== null && BigInt(c) > BigInt(newest);
  });
}

// ---------------------------------------------------------------------------------------
// Running a case

export interface CaseScope {
  products: string[];
  /** ISO time the case started: rows written from then on belong to it. */
  since: string;
}

/** Runs a command; business refusals are part of the game, anything else is a bug. */
async function attempt(sim: Sim, fn: () => Promise<unknown>): Promise<void> {
  sim.stats.commands++;
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof DomainError) || !['BUSINESS_RULE', 'CONFLICT'].includes(e.code)) throw e;
    sim.stats.refused++;
  }
}

async function openTransfers(b: SimBranch, products: string[]): Promise<string[]> {
  const rows = b.t.db.sqlite
    .prepare(
      `SELECT DISTINCT t.id, t.created_at FROM transfer t JOIN transfer_line l ON l.transfer_id = t.id
       WHERE l.product_id IN (SELECT value FROM json_each(?)) AND t.state IN ('waiting', 'ready') AND t.branch_id = ?
       ORDER BY t.created_at, t.id`,
    )
    .all(JSON.stringify(products), b.t.creds.branchId) as { id: string }[];
  return rows.map((r) => r.id);
}

/** The last imported order id per branch, re-sent by `again` import steps. */
const lastImportId = new Map<number, string>();

export async function runStep(sim: Sim, scope: CaseScope, s: SimStep, offline: number[], index: number): Promise<void> {
  const b = sim.branches[s.b]!;
  const e = b.t.engine;
  const as = b.as;
  const product = 'product' in s ? scope.products[s.product]! : '';
  switch (s.kind) {
    case 'receive': {
      const wh = sim.warehouses[s.wh]!;
      await attempt(sim, async () => {
        const r = await e.run('inventory.transfer.create', { kind: 'receipt', warehouseId: wh.id, lines: [{ productId: product, quantity: s.qty, unitCostMinor: s.cost }] }, as);
        await e.run('inventory.transfer.validate', { id: r.id }, as);
      });
      break;
    }
    case 'deliver':
      await attempt(sim, () =>
        e.run('inventory.transfer.create', { kind: 'delivery', warehouseId: sim.warehouses[s.wh]!.id, priorityRank: s.rank, shippingPolicy: s.all ? 'all' : 'asap', lines: [{ productId: product, quantity: s.qty }] }, as),
      );
      break;
    case 'validate': {
      const open = await openTransfers(b, scope.products);
      if (open.length === 0) break;
      const tr = await e.run('inventory.transfer.get', { id: open[s.pick % open.length]! }, as);
      const incoming = tr.fromPath.startsWith('Virtual/') && !tr.fromPath.endsWith('Transit');
      const lines = tr.lines
        .filter((l) => l.state === 'waiting' || l.state === 'ready')
        .map((l) => ({ lineId: l.id, quantity: Math.floor((incoming ? l.quantity - l.quantityDone : l.reserved) * s.fraction) }));
      await attempt(sim, () => e.run('inventory.transfer.validate', { id: tr.id, lines, createBackorder: s.backorder }, as));
      break;
    }
    case 'cancel': {
      const open = await openTransfers(b, scope.products);
      if (open.length > 0) await attempt(sim, () => e.run('inventory.transfer.cancel', { id: open[s.pick % open.length]! }, as));
      break;
    }
    case 'transfer': {
      const [from, to] = s.toSecond ? [sim.warehouses[0]!, sim.warehouses[1]!] : [sim.warehouses[1]!, sim.warehouses[0]!];
      await attempt(sim, () => e.run('inventory.interWarehouse.create', { fromWarehouseId: from.id, toWarehouseId: to.id, lines: [{ productId: product, quantity: s.qty }] }, as));
      break;
    }
    case 'adjust':
      await attempt(sim, () => e.run('inventory.adjust', { productId: product, locationId: sim.warehouses[s.wh]!.stockId, delta: s.delta, reason: 'simulation' }, as));
      break;
    case 'allocate':
      await attempt(sim, () => e.run('inventory.allocate', { productIds: scope.products }, as));
      break;
    case 'sync':
      if (offline[s.b]! <= index) await syncBranch(sim, b);
      break;
    case 'cut':
      offline[s.b] = Math.max(offline[s.b]!, index + s.length);
      break;
    case 'restock': {
      const wh = sim.warehouses[s.wh]!;
      await attempt(sim, async () => {
        const r = await e.run('inventory.transfer.create', { kind: 'receipt', warehouseId: wh.id, lines: [{ productId: product, quantity: s.qty, unitCostMinor: 250 }] }, as);
        await e.run('inventory.transfer.validate', { id: r.id }, as);
      });
      for (const k of [s.b, ...sim.branches.keys()]) if (offline[k]! <= index) await syncBranch(sim, sim.branches[k]!);
      break;
    }
    case 'race': {
      const other = (s.b + s.other) % sim.branches.length;
      const wh = sim.warehouses[s.wh]!;
      for (const [k, qty] of [[s.b, s.qty], [other, s.otherQty]] as const) {
        await attempt(sim, () =>
          sim.branches[k]!.t.engine.run('inventory.transfer.create', { kind: 'delivery', warehouseId: wh.id, shippingPolicy: s.all ? 'all' : 'asap', lines: [{ productId: product, quantity: qty }] }, sim.branches[k]!.as),
        );
      }
      for (const k of [other, s.b, other]) if (offline[k]! <= index) await syncBranch(sim, sim.branches[k]!);
      break;
    }
    case 'import': {
      const customer = b.t.db.sqlite.prepare("SELECT code FROM partner WHERE kind = 'customer' AND active = 1 AND merged_into_id IS NULL ORDER BY id LIMIT 1").get() as { code: string } | undefined;
      const channel = b.t.db.sqlite.prepare("SELECT channel_code FROM channel_policy WHERE channel_code IN ('portal', 'ecommerce', 'rep') ORDER BY channel_code LIMIT 1").get() as { channel_code: 'portal' | 'ecommerce' | 'rep' } | undefined;
      const sku = (b.t.db.sqlite.prepare('SELECT sku FROM product WHERE id = ?').get(product) as { sku: string } | undefined)?.sku;
      if (!customer || !channel || !sku) break;
      const orderId = (s.again && lastImportId.get(s.b)) || `SIM-${s.b}-${index}-${sim.stats.commands}`;
      lastImportId.set(s.b, orderId);
      await attempt(sim, async () => {
        let r = await e.run('imports.stage', { kind: 'orders', channelCode: channel.channel_code, fileName: `sim-${index}.csv`, content: `order_id,customer_code,sku,quantity\n${orderId},${customer.code},${sku},${s.qty}\n` }, as);
        while (r.remaining > 0) r = await e.run('imports.apply', { batchId: r.batch.id }, as);
      });
      break;
    }
    case 'ticket': {
      const customers = b.t.db.sqlite.prepare("SELECT id FROM partner WHERE kind = 'customer' AND active = 1 ORDER BY id LIMIT 20").all() as { id: string }[];
      if (customers.length === 0) break;
      await attempt(sim, () =>
        e.run('service.ticket.create', { type: TICKET_TYPES[s.type]!, customerId: customers[s.pick % customers.length]!.id, subject: `Simulated ${index}`, description: 'Simulated complaint: the box arrived crushed' }, as),
      );
      const open = b.t.db.sqlite.prepare("SELECT id FROM ticket WHERE branch_id = ? AND state = 'open' ORDER BY created_at, id").all(b.t.creds.branchId) as { id: string }[];
      if (open.length === 0 || s.follow === 0) break;
      const id = open[s.pick % open.length]!.id;
      await attempt(sim, () => (s.follow === 1 ? e.run('service.ticket.note', { id, body: 'Simulated note' }, as) : e.run('service.ticket.setState', { id, state: 'waiting_customer' }, as)));
      break;
    }
  }
}

/**
 * Fresh products for a case, made at the centre (master data) and pulled by every branch.
 * Made ahead in batches (one sync pulls a batch) so a case does not pay for them.
 */
export async function startCase(sim: Sim): Promise<CaseScope> {
  if (sim.productPool.length < PRODUCTS_PER_CASE) {
    for (let i = 0; i < PRODUCT_BATCH; i++) {
      const n = sim.productSerial++;
      const p = await sim.world.centralEngine.run(
        'catalog.product.create',
        { sku: `SIM-${n}-${Math.floor(Math.random() * 1e9)}`, name: `Simulated ${n}`, uomId: sim.uomId, listPriceMinor: 1000, costMinor: 400 },
        sim.centralAs,
      );
      sim.productPool.push(p.id);
    }
    await quiesce(sim, [...sim.branches.keys()]);
  }
  const since = new Date().toISOString();
  const products = sim.productPool.splice(0, PRODUCTS_PER_CASE);
  sim.stats.cases++;
  return { products, since };
}

/**
 * Local work on one branch only (no syncs): `count` generated warehouse steps (of the given
 * kinds), the same for the same seed. Returns how many commands committed.
 */
export async function branchWork(sim: Sim, branch: number, scope: CaseScope, count: number, seed: number, kinds?: SimStep['kind'][]): Promise<number> {
  const local = SimStepArb.filter((s) => !['sync', 'cut', 'restock', 'race'].includes(s.kind) && (!kinds || kinds.includes(s.kind))).map((s) => ({ ...s, b: branch }) as SimStep);
  const before = sim.branches[branch]!.t.db.sqlite.prepare('SELECT last_mutation_id AS n FROM client_state').get() as { n: number };
  const offline = sim.branches.map(() => Number.MAX_SAFE_INTEGER);
  for (const [i, s] of fc.sample(local, { numRuns: count, seed }).entries()) await runStep(sim, scope, s, offline, i);
  const after = sim.branches[branch]!.t.db.sqlite.prepare('SELECT last_mutation_id AS n FROM client_state').get() as { n: number };
  return after.n - before.n;
}

export async function runCase(sim: Sim, c: SimCase): Promise<CaseScope> {
  const scope = await startCase(sim);
  const offline = sim.branches.map(() => 0);
  for (const [i, s] of c.steps.entries()) await runStep(sim, scope, s, offline, i);
  await quiesce(sim, c.healOrder);
  return scope;
}

// ---------------------------------------------------------------------------------------
// Checks

type Row = Record<string, unknown>;

const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)$/;

/** Values as both databases should mean them: timestamps to ISO UTC (ms), booleans to 0/1, numeric strings kept. */
export function normalise(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && ISO.test(value)) return new Date(value).toISOString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return Number(value);
  return value;
}

function normaliseRow(row: Row): Row {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, normalise(v)]));
}

const isPrivate = (t: ReplicatedTableName) => 'private' in REPLICATED_TABLES[t] && (REPLICATED_TABLES[t] as { private?: boolean }).private === true;

/** Which rows of a table a check looks at: the case's (by product or time), or all. */
function scopeSql(table: ReplicatedTableName, scope: CaseScope | null, dialect: 'pg' | 'sqlite'): { where: string; params: unknown[] } {
  if (!scope) return { where: 'true', params: [] };
  const ids = dialect === 'pg' ? '(SELECT unnest($1::text[]))' : '(SELECT value FROM json_each(?))';
  const idsParam = dialect === 'pg' ? scope.products : JSON.stringify(scope.products);
  const since = dialect === 'pg' ? '$1::timestamptz' : '?';
  switch (table) {
    case 'product':
      return { where: `id IN ${ids}`, params: [idsParam] };
    case 'stock_move':
    case 'transfer_line':
    case 'reservation':
    case 'lot':
      return { where: `product_id IN ${ids}`, params: [idsParam] };
    case 'transfer':
      return { where: `id IN (SELECT transfer_id FROM transfer_line WHERE product_id IN ${ids})`, params: [idsParam] };
    case 'audit_log':
      return { where: `at >= ${since}`, params: [scope.since] };
    default:
      return { where: `updated_at >= ${since}`, params: [scope.since] };
  }
}

/** The centre's rows of a table in scope, keyed by id; private tables only for the given branches. */
async function centralRows(sim: Sim, table: ReplicatedTableName, scope: CaseScope | null, branchIds: string[] | null): Promise<Map<string, Row>> {
  const s = scopeSql(table, scope, 'pg');
  const params = [...s.params];
  let where = s.where;
  if (branchIds) {
    params.push(branchIds);
    where += ` AND branch_id = ANY($${params.length}::text[])`;
  }
  const r = await sim.world.admin.pool.query(`SELECT * FROM ${table} WHERE ${where}`, params);
  return new Map((r.rows as Row[]).map((row) => [row.id as string, normaliseRow(row)]));
}

function branchRows(b: SimBranch, table: ReplicatedTableName, scope: CaseScope | null): Map<string, Row> {
  const s = scopeSql(table, scope, 'sqlite');
  const rows = b.t.db.sqlite.prepare(`SELECT * FROM ${table} WHERE ${s.where === 'true' ? '1' : s.where}`).all(...s.params) as Row[];
  return new Map(rows.map((row) => [row.id as string, normaliseRow(row)]));
}

export interface RowDifference {
  branch: string;
  table: string;
  id: string;
  problem: string;
}

function diffRows(branch: string, table: string, central: Map<string, Row>, local: Map<string, Row>, out: RowDifference[]): void {
  for (const [id, c] of central) {
    const l = local.get(id);
    if (!l) {
      out.push({ branch, table, id, problem: 'missing on the branch' });
      continue;
    }
    for (const col of new Set([...Object.keys(c), ...Object.keys(l)])) {
      if ((c[col] ?? null) !== (l[col] ?? null)) out.push({ branch, table, id, problem: `${col}: centre ${JSON.stringify(c[col])} vs branch ${JSON.stringify(l[col])}` });
    }
  }
  for (const id of local.keys()) if (!central.has(id)) out.push({ branch, table, id, problem: 'only on the branch' });
}

/**
 * Every branch agrees with the centre on every row it can see: master data and shared rows
 * (all), private rows (its own). Scoped to a case, or everything (`scope` null).
 */
export async function compareRows(sim: Sim, scope: CaseScope | null): Promise<RowDifference[]> {
  const out: RowDifference[] = [];
  for (const table of REPLICATED_TABLE_NAMES) {
    const priv = isPrivate(table);
    const all = await centralRows(sim, table, scope, priv ? sim.branches.map((b) => b.t.creds.branchId) : null);
    for (const b of sim.branches) {
      const central = priv ? new Map([...all].filter(([, r]) => r.branch_id === b.t.creds.branchId)) : all;
      // A branch holds only its own private rows: another branch's would show as "only on the branch".
      const local = branchRows(b, table, scope);
      diffRows(b.t.code, table, central, local, out);
    }
  }
  return out;
}

/**
 * Summary = ledger for some products, the same proof as inventory.check (which reads every
 * product): on hand from the moves, reserved from the reservations, incoming/outgoing from
 * open lines crossing a warehouse boundary, compared with stock_level.
 */
const LEDGER_SQL = (ids: string) => `
  WITH open_crossing AS (
    SELECT l.* FROM transfer_line l JOIN location f ON f.id = l.from_location_id JOIN location t ON t.id = l.to_location_id
    WHERE l.state IN ('waiting', 'ready') AND f.warehouse_id IS DISTINCT FROM t.warehouse_id AND l.product_id IN ${ids}
  ), flows AS (
    SELECT product_id, to_location_id AS location_id, COALESCE(lot_id, '') AS lot_key, quantity AS on_hand, 0 AS reserved, 0 AS incoming, 0 AS outgoing FROM stock_move WHERE product_id IN ${ids}
    UNION ALL SELECT product_id, from_location_id, COALESCE(lot_id, ''), -quantity, 0, 0, 0 FROM stock_move WHERE product_id IN ${ids}
    UNION ALL SELECT product_id, location_id, lot_key, 0, quantity, 0, 0 FROM reservation WHERE product_id IN ${ids}
    UNION ALL SELECT l.product_id, l.to_location_id, '', 0, 0, l.quantity - l.quantity_done, 0 FROM open_crossing l
    UNION ALL SELECT l.product_id, l.from_location_id, '', 0, 0, 0, l.quantity - l.quantity_done FROM open_crossing l
    UNION ALL SELECT product_id, location_id, lot_key, -on_hand, -reserved, -incoming, -outgoing FROM stock_level WHERE product_id IN ${ids}
  )
  SELECT product_id, location_id, lot_key, SUM(on_hand) AS on_hand, SUM(reserved) AS reserved, SUM(incoming) AS incoming, SUM(outgoing) AS outgoing
  FROM flows GROUP BY product_id, location_id, lot_key
  HAVING SUM(on_hand) <> 0 OR SUM(reserved) <> 0 OR SUM(incoming) <> 0 OR SUM(outgoing) <> 0`;

async function scopedLedgerDifferences(sim: Sim, products: string[]): Promise<{ where: string; count: number; sample: unknown }[]> {
  const out: { where: string; count: number; sample: unknown }[] = [];
  const central = (await sim.world.admin.pool.query(LEDGER_SQL('(SELECT unnest($1::text[]))'), [products])).rows;
  if (central.length) out.push({ where: 'centre', count: central.length, sample: central.slice(0, 3) });
  for (const b of sim.branches) {
    const json = JSON.stringify(products);
    const rows = b.t.db.sqlite.prepare(LEDGER_SQL('(SELECT value FROM json_each(?))')).all(json, json, json, json, json) as unknown[];
    if (rows.length) out.push({ where: b.t.code, count: rows.length, sample: rows.slice(0, 3) });
  }
  return out;
}

export interface InvariantReport {
  rowDifferences: RowDifference[];
  ledgerDifferences: { where: string; count: number; sample: unknown }[];
  duplicateNumbers: string[];
  foreignNumbers: string[];
  missing: string[];
  stockRule: string[];
  pending: { branch: string; outbox: number; lastError: string | null }[];
  quarantined: number;
}

async function inventoryCheckEverywhere(sim: Sim, report: InvariantReport): Promise<void> {
  const central = await sim.world.centralEngine.run('inventory.check', {}, sim.centralAs);
  if (central.differences.length) report.ledgerDifferences.push({ where: 'centre (inventory.check)', count: central.differences.length, sample: central.differences.slice(0, 3) });
  for (const b of sim.branches) {
    const r = await b.t.engine.run('inventory.check', {}, b.as);
    if (r.differences.length) report.ledgerDifferences.push({ where: `${b.t.code} (inventory.check)`, count: r.differences.length, sample: r.differences.slice(0, 3) });
  }
}

/**
 * All the convergence checks after quiescence: of one case's rows (`scope`), or of the whole
 * databases (`null`, which also runs inventory.check everywhere). An empty report is a pass.
 */
export async function checkInvariants(sim: Sim, scope: CaseScope | null, options: { inventoryCheck?: boolean } = {}): Promise<InvariantReport> {
  const admin = sim.world.admin.pool;
  const report: InvariantReport = { rowDifferences: [], ledgerDifferences: [], duplicateNumbers: [], foreignNumbers: [], missing: [], stockRule: [], pending: [], quarantined: 0 };
  report.rowDifferences = await compareRows(sim, scope);

  // Summary = ledger everywhere: for the case's products, and inventory.check itself (every product) on full checks.
  report.ledgerDifferences = scope ? await scopedLedgerDifferences(sim, scope.products) : [];
  if (!scope || options.inventoryCheck) await inventoryCheckEverywhere(sim, report);

  // Document numbers: unique at the centre and per branch, each in its branch's series.
  const dup = await admin.query(`SELECT number FROM transfer GROUP BY number HAVING count(*) > 1 UNION ALL SELECT number FROM ticket GROUP BY number HAVING count(*) > 1 UNION ALL SELECT key AS number FROM import_key GROUP BY key HAVING count(*) > 1 UNION ALL SELECT number FROM sales_order GROUP BY number HAVING count(*) > 1`);
  report.duplicateNumbers.push(...dup.rows.map((r: { number: string }) => `centre: ${r.number}`));
  for (const b of sim.branches) {
    const rows = b.t.db.sqlite.prepare('SELECT number, branch_id FROM transfer').all() as { number: string; branch_id: string }[];
    const seen = new Set<string>();
    for (const r of rows) {
      if (seen.has(r.number)) report.duplicateNumbers.push(`${b.t.code}: ${r.number}`);
      seen.add(r.number);
      if (r.branch_id === b.t.creds.branchId && !r.number.startsWith(`${b.t.code}-`)) report.foreignNumbers.push(`${b.t.code}: ${r.number}`);
    }
  }

  // Nothing a branch committed is missing centrally.
  const takers = new Map<string, Set<string>>();
  const exceptionDocs = new Set((await admin.query(`SELECT document_id FROM sync_exception WHERE kind = 'stock' AND document_id IS NOT NULL`)).rows.map((r: { document_id: string }) => r.document_id));
  for (const b of sim.branches) {
    recordOutbox(b);
    const ids = [...b.committed.keys()];
    const applied = await admin.query(`SELECT mutation_id, payload_hash FROM sync_applied WHERE client_id = $1 AND mutation_id = ANY($2::bigint[])`, [b.t.creds.clientId, ids]);
    const hashes = new Map(applied.rows.map((r: { mutation_id: number; payload_hash: string }) => [Number(r.mutation_id), r.payload_hash]));
    for (const [id, m] of b.committed) {
      if (!hashes.has(id)) report.missing.push(`${b.t.code}: mutation ${id} never applied`);
      else if (hashes.get(id) !== m.hash) report.missing.push(`${b.t.code}: mutation ${id} applied with another payload`);
    }
    // The last image of every row the branch wrote, by table.
    const last = new Map<string, RowChange>();
    for (const id of ids.sort((x, y) => x - y)) {
      for (const c of b.committed.get(id)!.changes) {
        last.set(`${c.table}|${c.id}`, c);
        // Who took stock from, or reserved at, each location (for the exception rule below).
        const where = c.table === 'reservation' ? c.row?.location_id : c.table === 'stock_move' ? c.row?.from_location_id : null;
        if (where) {
          const key = `${String(c.row!.product_id)}|${String(where)}`;
          takers.set(key, (takers.get(key) ?? new Set()).add(b.t.creds.branchId));
        }
      }
    }
    const byTable = new Map<string, RowChange[]>();
    for (const c of last.values()) byTable.set(c.table, [...(byTable.get(c.table) ?? []), c]);
    for (const [table, changes] of byTable) {
      if (!(REPLICATED_TABLE_NAMES as string[]).includes(table)) continue;
      const want = changes.filter((c) => c.op !== 'delete');
      const present = new Set(
        (await admin.query(`SELECT id FROM ${table} WHERE id = ANY($1::text[])`, [want.map((c) => c.id)])).rows.map((r: { id: string }) => r.id),
      );
      const gone = new Set((await admin.query(`SELECT id FROM ${table} WHERE id = ANY($1::text[])`, [changes.filter((c) => c.op === 'delete').map((c) => c.id)])).rows.map((r: { id: string }) => r.id));
      for (const c of want) {
        if (present.has(c.id)) continue;
        // A reservation may give way at the centre (two branches sold the same units): then its transfer has an exception.
        if (table === 'reservation') {
          const line = await admin.query(`SELECT transfer_id FROM transfer_line WHERE id = $1`, [c.row!.transfer_line_id]);
          if (line.rows[0] && exceptionDocs.has(line.rows[0].transfer_id)) continue;
        }
        report.missing.push(`${b.t.code}: ${table} ${c.id} missing at the centre`);
      }
      for (const id of gone) report.missing.push(`${b.t.code}: ${table} ${id} deleted by the branch but still at the centre`);
    }
    const pending = b.t.db.sqlite.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number };
    const state = b.t.db.sqlite.prepare('SELECT last_error FROM sync_state').get() as { last_error: string | null };
    if (pending.n > 0 || state.last_error) report.pending.push({ branch: b.t.code, outbox: pending.n, lastError: state.last_error });
  }
  report.quarantined = Number((await admin.query(`SELECT count(*)::int AS n FROM sync_quarantine${scope ? ' WHERE at >= $1::timestamptz' : ''}`, scope ? [scope.since] : [])).rows[0].n);

  // The stock rule at the centre (case products): no internal location reserves more than it holds; a location
  // below zero has an exception; every transfer backordered at merge has one; and an exception only where at
  // least two branches took stock from (or reserved at) the same location.
  const products = scope?.products ?? null;
  const prodFilter = products ? `AND s.product_id = ANY($1::text[])` : '';
  const params = products ? [products] : [];
  const over = await admin.query(
    `SELECT s.product_id, l.path, s.on_hand, s.reserved FROM stock_level s JOIN location l ON l.id = s.location_id
     WHERE l.usage = 'internal' AND s.reserved > GREATEST(s.on_hand, 0) ${prodFilter}`,
    params,
  );
  for (const r of over.rows) report.stockRule.push(`centre: ${r.path} reserves ${r.reserved} of ${r.on_hand} (${r.product_id})`);
  const exceptions = (await admin.query(`SELECT id, details, document_id, message FROM sync_exception WHERE kind = 'stock'${scope ? ' AND created_at >= $1::timestamptz' : ''}`, scope ? [scope.since] : []))
    .rows as { id: string; details: string; document_id: string | null; message: string }[];
  const parsed = exceptions.map((x) => ({ ...x, d: JSON.parse(x.details) as { productId: string; locationId: string; transferId?: string; onHand?: number } }));
  sim.stats.stockExceptions += parsed.length;
  const negative = await admin.query(
    `SELECT s.product_id, s.location_id, l.path, s.on_hand FROM stock_level s JOIN location l ON l.id = s.location_id WHERE l.usage = 'internal' AND s.on_hand < 0 ${prodFilter}`,
    params,
  );
  for (const r of negative.rows) {
    if (!parsed.some((x) => x.d.productId === r.product_id && x.d.locationId === r.location_id)) report.stockRule.push(`centre: ${r.path} is at ${r.on_hand} without an exception`);
  }
  const backordered = await admin.query(
    `SELECT t.id, t.number FROM transfer t LEFT JOIN transfer p ON p.id = t.backorder_of_id
     WHERE t.backorder_reason LIKE 'Stock sold twice%' AND (p.id IS NULL OR p.backorder_reason IS DISTINCT FROM t.backorder_reason)
     ${products ? 'AND t.id IN (SELECT transfer_id FROM transfer_line WHERE product_id = ANY($1::text[]))' : ''}`,
    params,
  );
  for (const r of backordered.rows) if (!exceptionDocs.has(r.id)) report.stockRule.push(`centre: ${r.number} was backordered at merge without an exception`);
  if (products) {
    for (const x of parsed) {
      if (!products.includes(x.d.productId)) continue;
      const reservers = takers.get(`${x.d.productId}|${x.d.locationId}`) ?? new Set<string>();
      if (reservers.size < 2) report.stockRule.push(`centre: exception "${x.message}" where only ${[...reservers].join(', ')} took stock`);
    }
  }
  if (scope) for (const b of sim.branches) b.committed.clear();
  return report;
}

/** True when the report found nothing wrong. */
export function clean(r: InvariantReport): boolean {
  return (
    r.rowDifferences.length === 0 &&
    r.ledgerDifferences.length === 0 &&
    r.duplicateNumbers.length === 0 &&
    r.foreignNumbers.length === 0 &&
    r.missing.length === 0 &&
    r.stockRule.length === 0 &&
    r.pending.length === 0 &&
    r.quarantined === 0
  );
}

export async function disposeSim(sim: Sim): Promise<void> {
  await sim.world.dispose();
}

export { createSyncWorld };
