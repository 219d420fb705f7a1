/**
 * A deterministic multi-branch simulation for the replication proof (simulation.test.ts):
 * branches run random warehouse commands offline and online, sync in random orders with
 * network cuts, then heal; afterwards every database must agree, row by row, and the
 * stock rules must hold at the centre. Shared by the CI run and `npm run test:soak`.
 */
import fc from 'fast-check';
import type { RowChange } from '../platform/bus';
import { TICKET_TYPES } from '../../../src-shared/contract/service';
import { DomainError } from '../platform/errors';
import { mutationPayload, signPayload } from '../platform/mutation';
import { REPLICATED_TABLE_NAMES, REPLICATED_TABLES, type ReplicatedTableName } from './ownership';
import { createSyncWorld, type SyncWorld, type TestBranch } from './testing';
import { build855 } from '../imports/edi';
import type { EdiEnvelope } from '../imports/model';

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
  | { kind: 'ticket'; b: number; type: number; follow: number; pick: number }
  /**
   * Order to cash at the desk: a sales order of 1–3 lines confirmed at once (by the clerk with a
   * discount above the clerk's limit, then approved by the admin), released from credit hold
   * when `release`; then maybe shipped (a fraction of what is reserved), invoiced and paid.
   * `stock`: the goods are received into the warehouse just before (otherwise the order waits
   * for stock other steps bring, or takes it from other branches' orders). `ret`: then the
   * customer sends one unit of a delivered line back (as the `rma` step).
   */
  | { kind: 'order'; b: number; customer: number; wh: number; stock: boolean; lines: { product: number; qty: number }[]; discount: boolean; release: boolean; ship: number; backorder: boolean; invoice: boolean; pay: number; ret: boolean }
  /** The warehouse validates the ready steps of one of the branch's open orders (a fraction of what is reserved). */
  | { kind: 'ship'; b: number; pick: number; fraction: number; backorder: boolean }
  /** Sales invoicing of one of the branch's released orders (refused when nothing is left to invoice). */
  | { kind: 'invoice'; b: number; pick: number }
  /** Finance: a customer payment against one of the branch's open invoices, a fraction of what is open (1 = in full). */
  | { kind: 'pay'; b: number; pick: number; fraction: number }
  /**
   * Procure to pay: a purchase order (urgent ones wait for approval) sent, maybe confirmed by the
   * vendor — by hand, or (`ack`) by importing the vendor's X12 855 — received (a fraction; the
   * rest backordered or dropped), given a freight cost (`landed`) and billed (three-way match;
   * `bill` 2 at a price above the PO's, held then approved).
   */
  | { kind: 'purchase'; b: number; wh: number; lines: { product: number; qty: number; price: number }[]; urgent: boolean; confirm: boolean; ack: boolean; receive: number; backorder: boolean; landed: boolean; bill: number }
  /**
   * The next step of one of the branch's open purchase orders: receive (a fraction of what is open)
   * or bill what was received; `landed`: first a freight cost allocated to what it received.
   */
  | { kind: 'pofollow'; b: number; pick: number; fraction: number; bill: number; landed: boolean }
  /** Purchasing: a min/max reorder rule for a product in a warehouse, then a replenishment run there (draft orders, transfers, exceptions). */
  | { kind: 'replenish'; b: number; wh: number; product: number; min: number; max: number }
  /** Service: a return of delivered units of one of the branch's orders — authorised (approved if needed), received, inspected (restock or scrap), credited or refunded. */
  | { kind: 'rma'; b: number; pick: number; qty: number; receive: number; damaged: boolean; scrap: boolean; refund: boolean }
  /** Finance: the branch soft-closes a past month (forced past the checklist), offline or not. */
  | { kind: 'close'; b: number; monthsBack: number }
  /** Drop ship: a sales line bought from the vendor for the customer (draft PO, ship-to the customer), then maybe sent and shipped by the vendor with a tracking number — no warehouse stock. */
  | { kind: 'dropship'; b: number; customer: number; product: number; qty: number; ship: boolean }
  /**
   * Rows every branch sees, written at several branches while offline (migration 0029): the
   * case's vendor lot received (`lot`, a lot-tracked product; two branches offline often pick
   * the same lot name), the branch's own customer edited and another's refused (`customer`), a
   * preferred vendor chosen for a case product (`preferred`) and a vendor price set (`price`).
   */
  | { kind: 'shared'; b: number; what: 'lot' | 'customer' | 'preferred' | 'price'; product: number; wh: number; qty: number; expiry: boolean };

export const BRANCHES = 3;
export const PRODUCTS_PER_CASE = 2;
const PRODUCT_BATCH = 60;
/**
 * The customers the order steps sell to, made at the centre by createSim: invoiced on delivery
 * or on order, one with a credit limit the branches' orders together exceed (credit holds at
 * the branch and at merge).
 */
export const SIM_CUSTOMERS = [
  { name: 'Sim Desk Buyer', customerClass: 'regular', creditLimitMinor: null, invoicePolicy: 'on_delivery' },
  { name: 'Sim Key Account', customerClass: 'key_account', creditLimitMinor: null, invoicePolicy: 'on_delivery' },
  { name: 'Sim Prepaid Shop', customerClass: 'regular', creditLimitMinor: null, invoicePolicy: 'on_order' },
  { name: 'Sim Tight Credit', customerClass: 'regular', creditLimitMinor: 150_000, invoicePolicy: 'on_delivery' },
] as const;

const branchIx = fc.nat(BRANCHES - 1);
const productIx = fc.nat(PRODUCTS_PER_CASE - 1);
/** WH2 (one step each way) more often than WH1 (2-step receipt, 3-step delivery): more contention on one stock location. */
const whIx = fc.oneof({ arbitrary: fc.constant(1), weight: 2 }, { arbitrary: fc.constant(0), weight: 1 });

/** The warehouse, import and ticket steps (what crash, network and offline tests generate with branchWork). */
const WAREHOUSE_STEPS = [
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
] as const;

/** Order to cash, procure to pay, returns and the branch's close. */
const BUSINESS_STEPS = [
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('order' as const),
      b: branchIx,
      customer: fc.nat(SIM_CUSTOMERS.length - 1),
      wh: whIx,
      stock: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
      lines: fc.array(fc.record({ product: productIx, qty: fc.integer({ min: 1, max: 6 }) }), { minLength: 1, maxLength: 3 }),
      discount: fc.oneof({ arbitrary: fc.constant(true), weight: 1 }, { arbitrary: fc.constant(false), weight: 2 }),
      release: fc.boolean(),
      ship: fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.constant(1), weight: 3 }, { arbitrary: fc.double({ min: 0.2, max: 1, noNaN: true }), weight: 1 }),
      backorder: fc.boolean(),
      invoice: fc.boolean(),
      pay: fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, { arbitrary: fc.constant(1), weight: 1 }, { arbitrary: fc.double({ min: 0.1, max: 0.9, noNaN: true }), weight: 1 }),
      ret: fc.oneof({ arbitrary: fc.constant(true), weight: 1 }, { arbitrary: fc.constant(false), weight: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ship' as const), b: branchIx, pick: fc.nat(), fraction: fc.oneof(fc.constant(1), fc.double({ min: 0.2, max: 1, noNaN: true })), backorder: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invoice' as const), b: branchIx, pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pay' as const), b: branchIx, pick: fc.nat(), fraction: fc.oneof(fc.constant(1), fc.double({ min: 0.1, max: 0.9, noNaN: true })) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('purchase' as const),
      b: branchIx,
      wh: whIx,
      lines: fc.uniqueArray(fc.record({ product: productIx, qty: fc.integer({ min: 1, max: 12 }), price: fc.integer({ min: 100, max: 900 }) }), { minLength: 1, maxLength: PRODUCTS_PER_CASE, selector: (l) => l.product }),
      urgent: fc.boolean(),
      confirm: fc.boolean(),
      ack: fc.boolean(),
      landed: fc.boolean(),
      receive: fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.constant(1), weight: 2 }, { arbitrary: fc.double({ min: 0.2, max: 0.9, noNaN: true }), weight: 1 }),
      backorder: fc.boolean(),
      bill: fc.nat(2),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('pofollow' as const), b: branchIx, pick: fc.nat(), fraction: fc.oneof(fc.constant(1), fc.double({ min: 0.2, max: 1, noNaN: true })), bill: fc.nat(2), landed: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replenish' as const), b: branchIx, wh: whIx, product: productIx, min: fc.integer({ min: 1, max: 20 }), max: fc.integer({ min: 20, max: 60 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('rma' as const),
      b: branchIx,
      pick: fc.nat(),
      qty: fc.integer({ min: 1, max: 3 }),
      receive: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
      damaged: fc.boolean(),
      scrap: fc.boolean(),
      refund: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), b: branchIx, monthsBack: fc.integer({ min: 1, max: 3 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('dropship' as const),
      b: branchIx,
      customer: fc.nat(SIM_CUSTOMERS.length - 1),
      product: productIx,
      qty: fc.integer({ min: 1, max: 6 }),
      ship: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('shared' as const),
      b: branchIx,
      what: fc.constantFrom('lot' as const, 'customer' as const, 'preferred' as const, 'price' as const),
      product: productIx,
      wh: whIx,
      qty: fc.integer({ min: 1, max: 9 }),
      expiry: fc.boolean(),
    }),
  },
] as const;
export const BUSINESS_KINDS = ['order', 'ship', 'invoice', 'pay', 'purchase', 'pofollow', 'replenish', 'rma', 'close', 'dropship', 'shared'] as const satisfies readonly SimStep['kind'][];

const WarehouseStepArb: fc.Arbitrary<SimStep> = fc.oneof(...WAREHOUSE_STEPS);
export const SimStepArb: fc.Arbitrary<SimStep> = fc.oneof(...WAREHOUSE_STEPS, ...BUSINESS_STEPS);

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
  /** Every mutation this branch committed, read from its outbox before each sync (the outbox is emptied once acknowledged), with its payload's HMAC under the branch's secret (what the centre records as applied). */
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
  /** SIM_CUSTOMERS' ids, the vendor the purchase steps buy from, and a clerk (whose discount limit is below the order steps' discount). */
  customers: string[];
  vendorId: string;
  /** A lot-tracked product (the `shared` step's lots). */
  lotProductId: string;
  clerkAs: { userId: string };
  /** For document references that must be unique (vendor bill references). */
  serial: number;
  /** Sync rounds and failures, for the report; `committed` counts the business commands that went through, by kind. */
  stats: { cases: number; syncs: number; commands: number; refused: number; quiesceRounds: number; stockExceptions: number; committed: Record<string, number>; ms: Record<string, number> };
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
  const centralAs = { userId: world.adminUserId };
  // Master data of the order-to-cash, procure-to-pay and return steps, pulled by the branches' first sync.
  const customers: string[] = [];
  for (const c of SIM_CUSTOMERS) customers.push((await world.centralEngine.run('partners.customer.create', { ...c, region: 'North', paymentTermsDays: 30 }, centralAs)).id);
  const vendorId = (await world.centralEngine.run('purchasing.vendor.create', { name: 'Sim Supply Co.', leadTimeDays: 3, contacts: [{ name: 'Sam Seller', email: 'sam@sim-supply.test' }] }, centralAs)).id;
  const lotProductId = (await world.centralEngine.run('catalog.product.create', { sku: `SIM-LOT-${Date.now()}`, name: 'Simulated lot item', uomId: (await world.admin.db.selectFrom('uom').select('id').where('code', '=', 'EA').executeTakeFirstOrThrow()).id, listPriceMinor: 1000, costMinor: 400, tracking: 'lot' }, centralAs)).id;
  const clerkAs = { userId: (await world.centralEngine.run('users.create', { username: 'simclerk', displayName: 'Sim Clerk', password: 'sim-clerk-password', roles: ['clerk'] }, centralAs)).id };
  const branches: SimBranch[] = [];
  for (let i = 0; i < (options.branches ?? BRANCHES); i++) {
    const t = await world.addBranch(`S${String(i + 1).padStart(2, '0')}`);
    if (!options.durable) t.db.sqlite.pragma('synchronous = NORMAL');
    await t.sync();
    branches.push(await simBranch(t));
  }
  const whs = (await world.centralEngine.run('inventory.warehouse.list', {}, centralAs)).rows.sort((a, b) => a.code.localeCompare(b.code));
  const warehouses: SimWarehouse[] = [];
  for (const w of whs) {
    const stock = (await world.centralEngine.run('inventory.location.list', { warehouseId: w.id }, centralAs)).rows.find((l) => l.path === `${w.code}/Stock`)!;
    warehouses.push({ id: w.id, code: w.code, stockId: stock.id });
  }
  const uom = (await world.centralEngine.run('catalog.uom.list', {}, centralAs)).uoms.find((u) => u.code === 'EA')!;
  return {
    world,
    branches,
    warehouses,
    uomId: uom.id,
    centralAs,
    productPool: [],
    productSerial: 0,
    customers,
    vendorId,
    lotProductId,
    clerkAs,
    serial: 0,
    stats: { cases: 0, syncs: 0, commands: 0, refused: 0, quiesceRounds: 0, stockExceptions: 0, committed: {}, ms: {} },
  };
}

export async function simBranch(t: TestBranch): Promise<SimBranch> {
  return { t, as: { userId: await t.adminId() }, committed: new Map() };
}

/** Reads the mutations added to a branch's outbox since the last look (before they are acknowledged and deleted). */
export function recordOutbox(b: SimBranch): void {
  const after = Math.max(0, ...b.committed.keys());
  const rows = b.t.db.sqlite
    .prepare('SELECT mutation_id, client_id, method, method_version, schema_version, created_at, user_id, input, effects, changes FROM outbox WHERE mutation_id > ? ORDER BY mutation_id')
    .all(after) as { mutation_id: number; client_id: string; method: string; method_version: number; schema_version: string; created_at: string; user_id: string | null; input: string; effects: string; changes: string }[];
  for (const m of rows) b.committed.set(Number(m.mutation_id), { changes: JSON.parse(m.changes) as RowChange[], hash: signPayload(b.t.creds.secret, mutationPayload({ ...m, mutation_id: Number(m.mutation_id) })) });
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
  await commit(sim, null, fn);
}

/** As attempt, returning the command's answer (null when refused) and counting what committed under `label`. */
async function commit<T>(sim: Sim, label: string | null, fn: () => Promise<T>): Promise<T | null> {
  sim.stats.commands++;
  try {
    const r = await fn();
    if (label) sim.stats.committed[label] = (sim.stats.committed[label] ?? 0) + 1;
    return r;
  } catch (e) {
    if (!(e instanceof DomainError) || !['BUSINESS_RULE', 'CONFLICT'].includes(e.code)) throw e;
    sim.stats.refused++;
    return null;
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

/** Ids of the branch's documents with a line of the case's products, oldest first (`sql` selects `d.id` from `d` joined to its lines `l`). */
function caseDocs(b: SimBranch, products: string[], sql: string): string[] {
  const rows = b.t.db.sqlite.prepare(`SELECT DISTINCT d.id, d.created_at FROM ${sql} AND l.product_id IN (SELECT value FROM json_each(?)) AND d.branch_id = ? ORDER BY d.created_at, d.id`).all(JSON.stringify(products), b.t.creds.branchId) as { id: string }[];
  return rows.map((r) => r.id);
}

const STEP_RANK: Record<string, number> = { pick: 0, pack: 1, delivery: 2 };

/** The warehouse validates an order's ready steps in flow order (pick, pack, ship), each line a fraction of what it reserved. */
async function shipOrder(sim: Sim, b: SimBranch, orderId: string, fraction: number, backorder: boolean): Promise<void> {
  const e = b.t.engine;
  const number = (b.t.db.sqlite.prepare('SELECT number FROM sales_order WHERE id = ?').get(orderId) as { number: string }).number;
  let shipped = false;
  for (let pass = 0; pass < 6; pass++) {
    const ready = (b.t.db.sqlite.prepare("SELECT id, kind FROM transfer WHERE origin = ? AND branch_id = ? AND state = 'ready'").all(number, b.t.creds.branchId) as { id: string; kind: string }[]).sort(
      (x, y) => (STEP_RANK[x.kind] ?? 9) - (STEP_RANK[y.kind] ?? 9) || x.id.localeCompare(y.id),
    );
    if (ready.length === 0) break;
    const tr = await e.run('inventory.transfer.get', { id: ready[0]!.id }, b.as);
    const lines = tr.lines.filter((l) => l.state === 'waiting' || l.state === 'ready').map((l) => ({ lineId: l.id, quantity: Math.floor(l.reserved * fraction) }));
    if (lines.every((l) => l.quantity === 0)) break;
    if (!(await commit(sim, 'ship', () => e.run('inventory.transfer.validate', { id: tr.id, lines, createBackorder: backorder }, b.as)))) break;
    shipped = true;
  }
  if (shipped) await attempt(sim, () => e.run('sales.order.refresh', { id: orderId }, b.as));
}

/** Finance registers the customer's payment of a fraction of an invoice's open amount (1 = in full), allocated to it. */
async function payInvoice(sim: Sim, b: SimBranch, invoiceId: string, fraction: number): Promise<void> {
  const inv = b.t.db.sqlite.prepare('SELECT partner_id, total_minor - paid_minor AS open FROM invoice WHERE id = ?').get(invoiceId) as { partner_id: string; open: number } | undefined;
  if (!inv || inv.open <= 0) return;
  const amountMinor = Math.max(1, Math.min(inv.open, Math.round(inv.open * fraction)));
  await commit(sim, 'pay', () => b.t.engine.run('finance.payment.register', { partnerId: inv.partner_id, amountMinor, reference: `Simulated ${sim.serial++}`, allocations: [{ invoiceId, amountMinor }] }, b.as));
}

/** Receives a fraction of what is still open on each line of a purchase order (1 = all of it). */
async function receivePo(sim: Sim, b: SimBranch, poId: string, fraction: number, backorder: boolean): Promise<void> {
  const po = await b.t.engine.run('purchasing.po.get', { id: poId }, b.as);
  const lines = po.lines.map((l) => ({ lineId: l.id, quantity: Math.ceil(Math.max(0, l.quantity - l.qtyReceived) * fraction) })).filter((l) => l.quantity > 0);
  if (lines.length === 0) return;
  await commit(sim, 'receive', () => b.t.engine.run('purchasing.po.receive', { id: poId, lines, createBackorder: backorder }, b.as));
}

/** A freight cost allocated by value to what the order received (none when nothing was received yet). */
async function addFreight(sim: Sim, b: SimBranch, poId: string): Promise<void> {
  const received = b.t.db.sqlite.prepare('SELECT sum(qty_received) AS q FROM purchase_order_line WHERE order_id = ?').get(poId) as { q: number | null };
  if (!received.q) return;
  await commit(sim, 'landedCost', () => b.t.engine.run('purchasing.landedCost.add', { orderId: poId, kind: 'freight', method: 'value', amountMinor: 250 + (sim.serial++ % 500) }, b.as));
}

/** The vendor confirms a sent order with an X12 855 (every line accepted as ordered), imported on the branch. */
async function acknowledgePo(sim: Sim, b: SimBranch, poId: string): Promise<void> {
  const po = await b.t.engine.run('purchasing.po.get', { id: poId }, b.as);
  const n = sim.serial++;
  const env: EdiEnvelope = {
    senderQualifier: 'ZZ',
    senderId: 'SIMVENDOR',
    receiverQualifier: 'ZZ',
    receiverId: `BRANCH${b.t.code}`,
    controlNumber: String(n),
    groupControl: String(n),
    setControl: '0001',
    version: '00401',
    gsVersion: '004010',
    delimiters: { element: '*', segment: '~', component: '>' },
  };
  const lines = po.lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, quantity: l.quantity, unit: 'EA', unitPriceMinor: l.unitPriceMinor }));
  const ack = build855(env, 100_000 + n, new Date().toISOString(), { po: po.number, orderNumber: `SIM-SO-${n}`, lines });
  await commit(sim, 'poAck', () => b.t.engine.run('purchasing.po.acknowledge', { fileName: `ack-${n}.x12`, content: ack.content }, b.as));
}

/** The vendor's bill for what was received and not billed, at the PO price (three-way match) or, `off`, above it: held, then approved. */
async function billPo(sim: Sim, b: SimBranch, poId: string, off: boolean): Promise<void> {
  const e = b.t.engine;
  const po = await e.run('purchasing.po.get', { id: poId }, b.as);
  const lines = po.lines
    .map((l) => ({ orderLineId: l.id, quantity: l.qtyReceived - l.qtyRejected - l.qtyBilled, unitPriceMinor: off ? l.unitPriceMinor + Math.ceil(l.unitPriceMinor / 10) : l.unitPriceMinor }))
    .filter((l) => l.quantity > 0);
  if (lines.length === 0) return;
  const bill = await commit(sim, 'bill', () =>
    e.run('purchasing.bill.create', { orderId: poId, vendorReference: `SIM-${b.t.code}-${sim.serial++}`, billDate: new Date().toISOString().slice(0, 10), lines }, b.as),
  );
  if (bill?.state === 'held') await commit(sim, 'billApprove', () => e.run('purchasing.bill.approve', { id: bill.id, reason: 'Simulated: the price increase was agreed' }, b.as));
}

/** The branch's order lines (of one order, or any) of the case's products with delivered units not yet returned. */
function returnable(b: SimBranch, scope: CaseScope, orderId: string | null): { id: string; order_id: string; free: number }[] {
  return b.t.db.sqlite
    .prepare(
      `SELECT l.id, l.order_id, l.qty_delivered - l.qty_returned AS free FROM sales_order_line l JOIN sales_order o ON o.id = l.order_id
       WHERE o.branch_id = ? AND o.state <> 'cancelled' AND l.qty_delivered > l.qty_returned AND l.product_id IN (SELECT value FROM json_each(?)) AND (? IS NULL OR o.id = ?)
       ORDER BY o.created_at, o.id, l.line_no`,
    )
    .all(b.t.creds.branchId, JSON.stringify(scope.products), orderId, orderId) as { id: string; order_id: string; free: number }[];
}

/** A return of an order line: RMA (approved if it waits), received (at least one unit: receiving nothing is a clerk's error), inspected (restock or scrap), resolved (credit note or refund). */
async function returnGoods(sim: Sim, b: SimBranch, line: { id: string; order_id: string; free: number }, s: Extract<SimStep, { kind: 'rma' }>): Promise<void> {
  const e = b.t.engine;
  const as = b.as;
  const rma = await commit(sim, 'rma', () => e.run('service.rma.create', { orderId: line.order_id, reason: 'Simulated return: not as described', lines: [{ orderLineId: line.id, quantity: Math.min(s.qty, line.free) }] }, as));
  if (!rma) return;
  let state = rma.state;
  if (state === 'awaiting_approval') state = (await commit(sim, 'rmaApprove', () => e.run('service.rma.decide', { id: rma.id, decision: 'approve', note: 'Simulated approval' }, as)))?.state ?? state;
  if (state !== 'authorised') return;
  const received = await commit(sim, 'rmaReceive', () =>
    e.run('service.rma.receive', { id: rma.id, lines: rma.lines.map((l) => ({ lineId: l.id, quantity: Math.max(1, Math.round(l.quantity * s.receive)), condition: s.damaged ? ('damaged' as const) : ('ok' as const) })) }, as),
  );
  const toInspect = received?.lines.filter((l) => l.qtyReceived > 0) ?? [];
  if (toInspect.length === 0) return;
  const inspected = await commit(sim, 'rmaInspect', () => e.run('service.rma.inspect', { id: rma.id, lines: toInspect.map((l) => ({ lineId: l.id, disposition: s.scrap ? ('scrap' as const) : ('restock' as const) })) }, as));
  if (inspected) await commit(sim, 'rmaResolve', () => e.run('service.rma.resolve', { id: rma.id, resolution: s.refund ? 'refund' : 'credit_note' }, as));
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
    case 'order': {
      const lines = s.lines.map((l) => ({ productId: scope.products[l.product]!, quantity: l.qty, discountBp: s.discount ? 1500 : 0 }));
      if (s.stock) {
        await attempt(sim, async () => {
          const r = await e.run('inventory.transfer.create', { kind: 'receipt', warehouseId: sim.warehouses[s.wh]!.id, lines: lines.map((l) => ({ productId: l.productId, quantity: l.quantity, unitCostMinor: 400 })) }, as);
          await e.run('inventory.transfer.validate', { id: r.id }, as);
        });
      }
      // A discount above the clerk's limit (10 %) waits for the admin's approval; the admin would approve it on the spot.
      const created = await commit(sim, 'order', () =>
        e.run('sales.order.create', { customerId: sim.customers[s.customer]!, channelCode: 'rep', warehouseId: sim.warehouses[s.wh]!.id, lines, confirm: true }, s.discount ? sim.clerkAs : as),
      );
      if (!created) break;
      let state = created.state;
      if (state === 'awaiting_approval') {
        const req = (await e.run('sales.approval.list', { orderId: created.id, state: 'pending' }, as)).rows[0];
        if (req) state = (await commit(sim, 'approve', () => e.run('sales.approval.decide', { id: req.id, decision: 'approve', reason: 'Simulated: discount agreed' }, as)))?.state ?? state;
      }
      if (state === 'credit_hold' && s.release) state = (await commit(sim, 'release', () => e.run('sales.order.releaseCredit', { id: created.id, reason: 'Simulated: payment promised' }, as)))?.state ?? state;
      if (s.ship > 0) await shipOrder(sim, b, created.id, s.ship, s.backorder);
      // A return is credited for invoiced units only: an order whose goods come back is invoiced first.
      if (s.invoice || s.ret) {
        const inv = await commit(sim, 'invoice', () => e.run('sales.invoice.create', { orderId: created.id }, as));
        if (inv && s.pay > 0) await payInvoice(sim, b, inv.id, s.pay);
      }
      if (s.ret) {
        const [line] = returnable(b, scope, created.id);
        if (line) await returnGoods(sim, b, line, { kind: 'rma', b: s.b, pick: 0, qty: 1, receive: 1, damaged: s.backorder, scrap: s.discount, refund: s.pay > 0 });
      }
      break;
    }
    case 'ship': {
      const open = caseDocs(b, scope.products, "sales_order d JOIN sales_order_line l ON l.order_id = d.id WHERE d.state IN ('confirmed', 'partially_delivered')");
      if (open.length > 0) await shipOrder(sim, b, open[s.pick % open.length]!, s.fraction, s.backorder);
      break;
    }
    case 'invoice': {
      const open = caseDocs(b, scope.products, "sales_order d JOIN sales_order_line l ON l.order_id = d.id WHERE d.state IN ('confirmed', 'partially_delivered', 'delivered')");
      if (open.length > 0) await commit(sim, 'invoice', () => e.run('sales.invoice.create', { orderId: open[s.pick % open.length]! }, as));
      break;
    }
    case 'pay': {
      const open = caseDocs(b, scope.products, "invoice d JOIN sales_order_line l ON l.order_id = d.order_id WHERE d.state = 'open' AND d.total_minor > d.paid_minor");
      if (open.length > 0) await payInvoice(sim, b, open[s.pick % open.length]!, s.fraction);
      break;
    }
    case 'purchase': {
      const wh = sim.warehouses[s.wh]!;
      const po = await commit(sim, 'purchase', () =>
        e.run('purchasing.po.create', { vendorId: sim.vendorId, warehouseId: wh.id, urgent: s.urgent, lines: s.lines.map((l) => ({ productId: scope.products[l.product]!, quantity: l.qty, unitPriceMinor: l.price })) }, as),
      );
      if (!po) break;
      let state = (await commit(sim, null, () => e.run('purchasing.po.submit', { id: po.id }, as)))?.state;
      // Urgent orders always wait for an approver.
      if (state === 'to_approve') state = (await commit(sim, 'poApprove', () => e.run('purchasing.po.approve', { id: po.id }, as)))?.state;
      if (state !== 'approved' || !(await commit(sim, 'poSend', () => e.run('purchasing.po.send', { id: po.id }, as)))) break;
      if (s.ack) await acknowledgePo(sim, b, po.id);
      else if (s.confirm) await commit(sim, 'poConfirm', () => e.run('purchasing.po.confirm', { id: po.id, vendorReference: `ACK-${b.t.code}-${sim.serial++}` }, as));
      if (s.receive > 0) await receivePo(sim, b, po.id, s.receive, s.backorder);
      if (s.landed) await addFreight(sim, b, po.id);
      if (s.bill > 0) await billPo(sim, b, po.id, s.bill === 2);
      break;
    }
    case 'pofollow': {
      const open = caseDocs(b, scope.products, "purchase_order d JOIN purchase_order_line l ON l.order_id = d.id WHERE d.state IN ('sent', 'confirmed', 'partially_received', 'received')");
      if (open.length === 0) break;
      const id = open[s.pick % open.length]!;
      if (s.landed) await addFreight(sim, b, id);
      if (s.bill === 0) await receivePo(sim, b, id, s.fraction, true);
      else await billPo(sim, b, id, s.bill === 2);
      break;
    }
    case 'replenish': {
      const wh = sim.warehouses[s.wh]!;
      if (!(await commit(sim, null, () => e.run('purchasing.reorderRule.set', { productId: scope.products[s.product]!, warehouseId: wh.id, method: 'min_max', minQty: s.min, maxQty: s.max }, as)))) break;
      await commit(sim, 'replenish', () => e.run('purchasing.replenish.run', { warehouseId: wh.id }, as));
      break;
    }
    case 'rma': {
      const lines = returnable(b, scope, null);
      if (lines.length > 0) await returnGoods(sim, b, lines[s.pick % lines.length]!, s);
      break;
    }
    case 'dropship': {
      const productId = scope.products[s.product]!;
      const order = await commit(sim, null, () => e.run('sales.order.create', { customerId: sim.customers[s.customer]!, channelCode: 'rep', warehouseId: sim.warehouses[0]!.id, lines: [{ productId, quantity: s.qty }] }, as));
      if (!order) break;
      if (!(await commit(sim, null, () => e.run('sales.dropship.mark', { orderId: order.id, lineId: order.lines[0]!.id, dropShip: true }, as)))) break;
      if (!(await commit(sim, 'dropship', () => e.run('sales.order.confirm', { id: order.id }, as)))) break;
      // A credit hold keeps the line unbought: no purchase order yet.
      const poId = (await e.run('sales.dropship.list', { orderId: order.id }, as)).lines[0]?.purchaseOrderId;
      if (!poId || !s.ship) break;
      let state = (await commit(sim, null, () => e.run('purchasing.po.submit', { id: poId }, as)))?.state;
      if (state === 'to_approve') state = (await commit(sim, null, () => e.run('purchasing.po.approve', { id: poId }, as)))?.state;
      if (state !== 'approved' || !(await commit(sim, null, () => e.run('purchasing.po.send', { id: poId }, as)))) break;
      await commit(sim, 'dropshipShip', () => e.run('purchasing.dropship.ship', { orderId: poId, trackingNumber: `TRK-${b.t.code}-${sim.serial++}` }, as));
      break;
    }
    case 'shared':
      await sharedRows(sim, scope, b, s);
      break;
    case 'close': {
      const d = new Date();
      d.setUTCDate(1);
      d.setUTCMonth(d.getUTCMonth() - s.monthsBack);
      await commit(sim, 'close', () => e.run('finance.period.close', { period: d.toISOString().slice(0, 7), lock: 'soft', force: true }, as));
      break;
    }
  }
}

/** The `shared` step (see SimStep): each write must commit, or be refused with the owner named; never reach the centre as a clash. */
async function sharedRows(sim: Sim, scope: CaseScope, b: SimBranch, s: Extract<SimStep, { kind: 'shared' }>): Promise<void> {
  const e = b.t.engine;
  const as = b.as;
  const productId = scope.products[s.product]!;
  switch (s.what) {
    case 'lot': {
      // One lot name per case and warehouse: branches offline at once receive "the same vendor lot".
      const lotName = `SL-${sim.stats.cases}-${s.wh}`;
      const expiryDate = s.expiry ? `2027-0${1 + (sim.stats.cases % 9)}-15` : undefined;
      await commit(sim, 'sharedLot', () => e.run('inventory.adjust', { productId: sim.lotProductId, locationId: sim.warehouses[s.wh]!.stockId, delta: s.qty, reason: 'Vendor lot received', lotName, expiryDate }, as));
      break;
    }
    case 'customer': {
      const code = b.t.creds.branchCode;
      const own = b.t.db.sqlite.prepare("SELECT id, version FROM partner WHERE kind = 'customer' AND branch_id = ? AND code LIKE ? ORDER BY id LIMIT 1").get(b.t.creds.branchId, `${code}-SIM%`) as { id: string; version: number } | undefined;
      const mine = own ?? (await e.run('partners.customer.create', { code: `${code}-SIM${sim.serial++}`, name: `Sim walk-in ${code}`, region: 'North', customerClass: 'regular', paymentTermsDays: 30 }, as));
      await commit(sim, 'customerEdit', () => e.run('partners.customer.update', { id: mine.id, version: mine.version, phone: `555-${String(sim.serial++).padStart(4, '0')}` }, as));
      // The centre's customer is not the branch's to change: refused at once, with its owner named.
      const other = b.t.db.sqlite.prepare('SELECT id, version FROM partner WHERE id = ?').get(sim.customers[s.product % sim.customers.length]!) as { id: string; version: number };
      const theirs = await e.call('partners.customer.update', { id: other.id, version: other.version, phone: '555-0000' }, as);
      if (theirs.ok || !/belongs to branch/.test(theirs.error.message)) throw new Error(`A branch changed a customer it does not own: ${JSON.stringify(theirs)}`);
      break;
    }
    case 'preferred':
      await commit(sim, 'preferredVendor', () => e.run('purchasing.preferredVendor.set', { productId, warehouseId: sim.warehouses[s.wh]!.id, vendorId: sim.vendorId }, as));
      break;
    case 'price':
      await commit(sim, 'vendorPrice', () => e.run('purchasing.price.set', { vendorId: sim.vendorId, productId, priceMinor: 500 + s.qty * 10 }, as));
      break;
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
      // The vendor's price (central master data): what a drop-ship line is bought at.
      await sim.world.centralEngine.run('purchasing.price.set', { vendorId: sim.vendorId, productId: p.id, priceMinor: 600 }, sim.centralAs);
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
  // Without business kinds asked for, the generator the crash and network tests were written against (the same steps for the same seed).
  const base = kinds?.some((k) => (BUSINESS_KINDS as readonly string[]).includes(k)) ? SimStepArb : WarehouseStepArb;
  const local = base.filter((s) => !['sync', 'cut', 'restock', 'race'].includes(s.kind) && (!kinds || kinds.includes(s.kind))).map((s) => ({ ...s, b: branch }) as SimStep);
  const before = sim.branches[branch]!.t.db.sqlite.prepare('SELECT last_mutation_id AS n FROM client_state').get() as { n: number };
  const offline = sim.branches.map(() => Number.MAX_SAFE_INTEGER);
  for (const [i, s] of fc.sample(local, { numRuns: count, seed }).entries()) await runStep(sim, scope, s, offline, i);
  const after = sim.branches[branch]!.t.db.sqlite.prepare('SELECT last_mutation_id AS n FROM client_state').get() as { n: number };
  return after.n - before.n;
}

/** Adds the time since `started` to `sim.stats.ms[label]` (where a case's time goes, for the report). */
export function timed(sim: Sim, label: string, started: number): void {
  sim.stats.ms[label] = (sim.stats.ms[label] ?? 0) + (performance.now() - started);
}

export async function runCase(sim: Sim, c: SimCase): Promise<CaseScope> {
  let t = performance.now();
  const scope = await startCase(sim);
  timed(sim, 'start', t);
  const offline = sim.branches.map(() => 0);
  for (const [i, s] of c.steps.entries()) {
    t = performance.now();
    await runStep(sim, scope, s, offline, i);
    timed(sim, s.kind, t);
  }
  t = performance.now();
  await quiesce(sim, c.healOrder);
  timed(sim, 'heal', t);
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
  /** The books, on every branch and at the centre: entries balanced and whole, trial balance = lines, receivables = open invoices, stock accounts = stock value. */
  books: string[];
}

/** Numbered documents: unique everywhere, each branch's in its own series (`<branch code>-…`). */
const NUMBERED = ['transfer', 'ticket', 'sales_order', 'invoice', 'payment', 'purchase_order', 'vendor_bill', 'rma'] as const;

type Books = {
  /** Rows of a query, with `?` placeholders (numbered for PostgreSQL). */
  all(text: string, params: unknown[]): Promise<Record<string, unknown>[]>;
  engine: SimBranch['t']['engine'];
  as: { userId: string };
};

/**
 * Finance invariants on one database: every entry of the case (all of them when `since` is
 * null) balanced with its lines all there; the trial balance the reports read (trigger-kept
 * daily balances) equal to the lines and debits = credits; invoice numbers gapless per
 * series (`finance.report.invoiceNumbers`); for each branch given, the
 * receivable account equal to its open invoices' residuals and the stock accounts equal to
 * the value of its stock moves (`stockTieOut`).
 */
async function checkBooks(where: string, db: Books, branchIds: string[], since: string | null, out: string[]): Promise<void> {
  const scoped = since ? 'WHERE created_at >= ?' : '';
  const p = since ? [since] : [];
  const unbalanced = await db.all(`SELECT entry_id, sum(debit_minor) AS d, sum(credit_minor) AS c FROM journal_line ${scoped} GROUP BY entry_id HAVING sum(debit_minor) <> sum(credit_minor)`, p);
  for (const r of unbalanced.slice(0, 5)) out.push(`${where}: entry ${String(r.entry_id)} debits ${Number(r.d)} ≠ credits ${Number(r.c)}`);
  const orphans = await db.all(`SELECT id FROM journal_line WHERE entry_id NOT IN (SELECT id FROM journal_entry) ${since ? 'AND created_at >= ?' : ''}`, p);
  for (const r of orphans.slice(0, 5)) out.push(`${where}: journal line ${String(r.id)} without its entry`);
  const empty = await db.all(`SELECT id FROM journal_entry WHERE id NOT IN (SELECT entry_id FROM journal_line) ${since ? 'AND created_at >= ?' : ''}`, p);
  for (const r of empty.slice(0, 5)) out.push(`${where}: journal entry ${String(r.id)} without lines`);

  const tb = await db.engine.run('finance.report.trialBalance', { to: '2099-12-31' }, db.as);
  if (tb.debitMinor !== tb.creditMinor) out.push(`${where}: trial balance debits ${tb.debitMinor} ≠ credits ${tb.creditMinor}`);
  const raw = await db.all('SELECT account_id, sum(debit_minor) AS d, sum(credit_minor) AS c FROM journal_line GROUP BY account_id', []);
  const rawBy = new Map(raw.map((r) => [String(r.account_id), [Number(r.d), Number(r.c)]]));
  for (const row of tb.rows) {
    const [d, c] = rawBy.get(row.accountId) ?? [0, 0];
    if (d !== row.debitMinor || c !== row.creditMinor) out.push(`${where}: trial balance ${row.code} ${row.debitMinor}/${row.creditMinor} but its lines ${d}/${c}`);
    rawBy.delete(row.accountId);
  }
  for (const [id, [d, c]] of rawBy) if (d !== 0 || c !== 0) out.push(`${where}: account ${id} has lines ${d}/${c} but no trial balance row`);

  // Invoice numbers gapless and unique per branch series and year (finance's own proof).
  for (const series of await db.engine.run('finance.report.invoiceNumbers', {}, db.as)) {
    if (!series.ok) out.push(`${where}: invoice series ${series.series} gaps ${JSON.stringify(series.gaps.slice(0, 5))} duplicates ${JSON.stringify(series.duplicates.slice(0, 5))}`);
  }

  for (const branchId of branchIds) {
    const role = async (r: string) => {
      const [x] = await db.all(`SELECT COALESCE(sum(l.debit_minor), 0) - COALESCE(sum(l.credit_minor), 0) AS b FROM journal_line l JOIN account a ON a.id = l.account_id WHERE a.role = ? AND l.branch_id = ?`, [r, branchId]);
      return Number(x!.b);
    };
    const [open] = await db.all(`SELECT COALESCE(sum(total_minor - paid_minor), 0) AS o FROM invoice WHERE state = 'open' AND branch_id = ?`, [branchId]);
    const receivable = await role('receivable');
    if (receivable !== Number(open!.o)) out.push(`${where}: receivables of ${branchId} ${receivable} ≠ open invoices ${Number(open!.o)}`);
    const [moves] = await db.all(`SELECT COALESCE(sum(value_minor), 0) AS v FROM stock_move WHERE branch_id = ?`, [branchId]);
    const stock = await role('stock');
    if (stock !== Number(moves!.v)) out.push(`${where}: stock accounts of ${branchId} ${stock} ≠ stock moves' value ${Number(moves!.v)}`);
  }
}

async function booksEverywhere(sim: Sim, scope: CaseScope | null, out: string[]): Promise<void> {
  const branchIds = sim.branches.map((b) => b.t.creds.branchId);
  const pg = async (text: string, params: unknown[]) => {
    let i = 0;
    return (await sim.world.admin.pool.query(text.replace(/\?/g, () => `$${++i}`), params)).rows as Record<string, unknown>[];
  };
  await checkBooks('centre', { all: pg, engine: sim.world.centralEngine, as: sim.centralAs }, branchIds, scope?.since ?? null, out);
  for (const b of sim.branches) {
    const all = async (text: string, params: unknown[]) => b.t.db.sqlite.prepare(text).all(...params) as Record<string, unknown>[];
    await checkBooks(b.t.code, { all, engine: b.t.engine, as: b.as }, [b.t.creds.branchId], scope?.since ?? null, out);
  }
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
  const report: InvariantReport = { rowDifferences: [], ledgerDifferences: [], duplicateNumbers: [], foreignNumbers: [], missing: [], stockRule: [], pending: [], quarantined: 0, books: [] };
  let t = performance.now();
  report.rowDifferences = await compareRows(sim, scope);
  timed(sim, 'check rows', t);
  t = performance.now();

  // Summary = ledger everywhere: for the case's products, and inventory.check itself (every product) on full checks.
  report.ledgerDifferences = scope ? await scopedLedgerDifferences(sim, scope.products) : [];
  if (!scope || options.inventoryCheck) await inventoryCheckEverywhere(sim, report);

  timed(sim, 'check ledger', t);
  t = performance.now();
  // Document numbers: unique at the centre and per branch, each in its branch's series.
  const dup = await admin.query(
    [...NUMBERED.map((t) => `SELECT '${t} ' || number AS number FROM ${t} GROUP BY number HAVING count(*) > 1`), `SELECT key AS number FROM import_key GROUP BY key HAVING count(*) > 1`].join(' UNION ALL '),
  );
  report.duplicateNumbers.push(...dup.rows.map((r: { number: string }) => `centre: ${r.number}`));
  for (const b of sim.branches) {
    for (const table of NUMBERED) {
      const rows = b.t.db.sqlite.prepare(`SELECT number, branch_id FROM ${table}`).all() as { number: string; branch_id: string }[];
      const seen = new Set<string>();
      for (const r of rows) {
        if (seen.has(r.number)) report.duplicateNumbers.push(`${b.t.code}: ${table} ${r.number}`);
        seen.add(r.number);
        if (r.branch_id === b.t.creds.branchId && !r.number.startsWith(`${b.t.code}-`)) report.foreignNumbers.push(`${b.t.code}: ${table} ${r.number}`);
      }
    }
  }
  timed(sim, 'check numbers', t);
  t = performance.now();
  await booksEverywhere(sim, scope, report.books);
  timed(sim, 'check books', t);
  t = performance.now();

  // Nothing a branch committed is missing centrally.
  const takers = new Map<string, Set<string>>();
  const exceptionDocs = new Set((await admin.query(`SELECT document_id FROM sync_exception WHERE kind = 'stock' AND document_id IS NOT NULL`)).rows.map((r: { document_id: string }) => r.document_id));
  // Orders the centre put on credit hold at merge (branchline_credit_holds): their open delivery steps were cancelled and the reservations deleted.
  const creditHeld = new Set((await admin.query(`SELECT so.number FROM sync_exception x JOIN sales_order so ON so.id = x.document_id WHERE x.kind = 'credit'`)).rows.map((r: { number: string }) => r.number));
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
        // An order held for credit at merge has its reservations deleted with its open steps.
        if (table === 'reservation') {
          const line = await admin.query(`SELECT l.transfer_id, t.origin, t.backorder_reason FROM transfer_line l JOIN transfer t ON t.id = l.transfer_id WHERE l.id = $1`, [c.row!.transfer_line_id]);
          const r = line.rows[0] as { transfer_id: string; origin: string | null; backorder_reason: string | null } | undefined;
          if (r && exceptionDocs.has(r.transfer_id)) continue;
          if (r && r.origin && creditHeld.has(r.origin) && r.backorder_reason === 'Credit hold at merge') continue;
        }
        report.missing.push(`${b.t.code}: ${table} ${c.id} missing at the centre`);
      }
      for (const id of gone) report.missing.push(`${b.t.code}: ${table} ${id} deleted by the branch but still at the centre`);
    }
    const pending = b.t.db.sqlite.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number };
    const state = b.t.db.sqlite.prepare('SELECT last_error FROM sync_state').get() as { last_error: string | null };
    if (pending.n > 0 || state.last_error) report.pending.push({ branch: b.t.code, outbox: pending.n, lastError: state.last_error });
  }
  timed(sim, 'check missing', t);
  t = performance.now();
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
  timed(sim, 'check stock rule', t);
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
    r.quarantined === 0 &&
    r.books.length === 0
  );
}

export async function disposeSim(sim: Sim): Promise<void> {
  await sim.world.dispose();
}

export { createSyncWorld };
