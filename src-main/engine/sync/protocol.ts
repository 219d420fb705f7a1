import type SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import type { BranchDatabase, CentralDatabase, Db, Tx } from '../platform/db';
import { mutationPayload, type SignedFields } from '../platform/mutation';
import type { RowChange } from '../platform/bus';
import type { SyncCredentials } from './credentials';
import { recomputeDerivedLocally } from './derived';
import { APPLY_ORDER, isReplicated, REPLICATED_TABLES, type ReplicatedTableName } from './ownership';
import { deleteRows, isoUtc, rowChunksJson, upsertArraysSqlite, upsertRows, upsertRowsSqlite } from './rows';

/**
 * The replication protocol, in one module so it could later sit behind an HTTPS service
 * unchanged. Push: outbox mutations, signed at commit, go through the centre's exactly-once
 * gate and their row images are applied under the branch's own login (row-level security
 * decides what it may write). Pull: central changes since a transaction-id cursor that
 * cannot skip a late-committing transaction, never over rows this branch has not pushed yet.
 */

export interface SyncHooks {
  onProgress?: (phase: 'push' | 'pull' | 'snapshot', done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface PushResult {
  pushed: number;
  quarantined: number;
  stop: 'gap' | 'version' | null;
  remaining: number;
}

export class SyncBlocked extends Error {
  constructor(
    readonly reason: 'copy' | 'version' | 'retired',
    message: string,
  ) {
    super(message);
  }
}

const crashCounts = new Map<string, number>();

/**
 * Test hook for crash tests: a child process run with BRANCHLINE_SYNC_CRASH_AT=<step> dies
 * there, as a power cut would; `<step>@N` dies the Nth time it gets there (deep in a snapshot,
 * after the second push batch).
 */
export function crashPoint(step: string): void {
  const at = process.env.BRANCHLINE_SYNC_CRASH_AT;
  if (!at) return;
  const [name, nth] = at.split('@');
  if (name !== step) return;
  const n = (crashCounts.get(step) ?? 0) + 1;
  crashCounts.set(step, n);
  if (n >= Number(nth ?? 1)) process.kill(process.pid, 'SIGKILL');
}

function aborted(hooks: SyncHooks): void {
  if (hooks.signal?.aborted) throw new Error('Sync cancelled');
}

interface ClientStatus {
  lastMutationId: number;
  branchId: string;
  retired: boolean;
  minVersion: string | null;
}

export async function clientStatus(central: Db | Tx, clientId: string): Promise<ClientStatus> {
  const r = await sql<{ s: ClientStatus }>`SELECT branchline_client_status(${clientId}) AS s`.execute(central);
  return r.rows[0]!.s;
}

export function versionBelow(version: string, minimum: string | null): boolean {
  if (!minimum) return false;
  const a = version.replace(/[^0-9.]/g, '').split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  }
  return false;
}

/** Last image per row across a batch of changes, in the order rows must be written. */
function collapse(changes: RowChange[]): { upserts: Map<ReplicatedTableName, Record<string, unknown>[]>; deletes: Map<ReplicatedTableName, string[]>; products: Set<string> } {
  const last = new Map<string, RowChange>();
  for (const c of changes) last.set(`${c.table}|${c.id}`, c);
  const upserts = new Map<ReplicatedTableName, Record<string, unknown>[]>();
  const deletes = new Map<ReplicatedTableName, string[]>();
  const products = new Set<string>();
  for (const c of last.values()) {
    if (!isReplicated(c.table)) continue;
    const productId = (c.row?.product_id as string | undefined) ?? null;
    if (productId && (c.table === 'stock_move' || c.table === 'reservation' || c.table === 'transfer_line')) products.add(productId);
    // (Appended in place: copying the list for every row made a 5,000-row page quadratic.)
    if (c.op === 'delete') {
      const list = deletes.get(c.table);
      if (list) list.push(c.id);
      else deletes.set(c.table, [c.id]);
    } else {
      const list = upserts.get(c.table);
      if (list) list.push(c.row!);
      else upserts.set(c.table, [c.row!]);
    }
  }
  return { upserts, deletes, products };
}

/** Tables whose rows feed the derived stock figures (each row names its product). */
const STOCK_FACT_TABLES = new Set<string>(['stock_move', 'reservation', 'transfer_line']);

type Collapsed = ReturnType<typeof collapse>;

/**
 * A push batch made ready before the centre is asked: the last images collapsed and each
 * table's rows serialized, while the centre still works on the batch before (the gate nearly
 * always accepts the whole batch; when it does not, the accepted part is collapsed anew).
 */
function collapseForCentre(changes: RowChange[]): Collapsed & { json: Map<ReplicatedTableName, string[]> } {
  const collapsed = collapse(changes);
  const json = new Map<ReplicatedTableName, string[]>();
  for (const [table, rows] of collapsed.upserts) json.set(table, rowChunksJson(rows));
  return { ...collapsed, json };
}

/** `raw`: the branch's SQLite connection, whose open transaction `db` is; rows are then written with prepared statements. */
async function applyChanges(db: Db | Tx, dialect: 'sqlite' | 'postgres', changes: RowChange[] | (Collapsed & { json?: Map<ReplicatedTableName, string[]> }), raw?: SQLite.Database): Promise<Set<string>> {
  const collapsed = Array.isArray(changes) ? collapse(changes) : changes;
  const { upserts, deletes } = collapsed;
  const products = new Set(collapsed.products);
  const json = Array.isArray(changes) ? undefined : changes.json;
  for (const table of [...APPLY_ORDER].reverse()) {
    const ids = deletes.get(table);
    if (!ids?.length) continue;
    // A delete carries no row image: read the products of the rows it removes, so their stock
    // is recomputed too (a reservation given way at the centre, or released at a branch,
    // otherwise left `reserved` stale on the other side).
    if (STOCK_FACT_TABLES.has(table)) {
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await db.selectFrom(table as 'reservation').select('product_id').where('id', 'in', ids.slice(i, i + 500)).execute();
        for (const r of rows) products.add(r.product_id);
      }
    }
    await deleteRows(db, table, ids);
  }
  for (const table of APPLY_ORDER) {
    const rows = upserts.get(table);
    if (!rows?.length) continue;
    const mode = REPLICATED_TABLES[table].class === 'ledger' ? 'insert-only' : 'upsert';
    if (raw) upsertRowsSqlite(raw, table, rows, mode);
    else await upsertRows(db, dialect, table, rows, mode, json?.get(table));
  }
  return products;
}

type PendingMutation = SignedFields & { signature: string | null };

/**
 * Mutations per push batch (one central transaction). Each batch recomputes the derived
 * stock of every product it touches from the whole ledger; 2,000 rather than 500 does that
 * a quarter as often (4,000 mutations of the default demo: 1,345 → 1,588 per second).
 */
export const PUSH_BATCH_SIZE = 2000;

/**
 * Pushes the outbox in batches until it is empty or the centre stops it. Each batch is one
 * central transaction: the gate locks the client's row and advances it only for what this
 * transaction applies, so a push cut anywhere resumes without loss or duplication.
 */
export async function push(
  branch: BranchDatabase,
  central: CentralDatabase,
  creds: SyncCredentials,
  appVersion: string,
  hooks: SyncHooks = {},
  batchSize = PUSH_BATCH_SIZE,
  /** Counts what committed batches applied and set aside, also when a later batch then fails. */
  tally: { pushed: number; quarantined: number } = { pushed: 0, quarantined: 0 },
): Promise<PushResult> {
  const status = await clientStatus(central.db, creds.clientId);
  if (status.retired) throw new SyncBlocked('retired', 'This install was retired at the centre; register it again');
  const local = await branch.db.selectFrom('client_state').select(['last_mutation_id', 'client_id']).executeTakeFirstOrThrow();
  if (local.client_id !== creds.clientId || Number(local.last_mutation_id) < status.lastMutationId) {
    throw new SyncBlocked('copy', 'This database is a copy or an older restore of a registered install (the centre has newer changes from it); register it again before syncing');
  }
  if (versionBelow(appVersion, status.minVersion)) {
    throw new SyncBlocked('version', `Branchline ${appVersion} is older than the minimum ${status.minVersion} the centre accepts: update the app. You can keep working; changes wait in the outbox.`);
  }
  await checkUnacknowledged(branch, central, creds, appVersion, status.lastMutationId, batchSize);
  const total = Number((await branch.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('mutation_id', '>', status.lastMutationId).executeTakeFirstOrThrow()).n);
  let pushed = 0;
  let quarantined = 0;
  /** A batch read from the outbox and made ready to send: the gate's payloads and the parsed row images. */
  const prepare = async (after: number) => {
    const batch: PendingMutation[] = await branch.db
      .selectFrom('outbox')
      .select(['mutation_id', 'client_id', 'method', 'method_version', 'schema_version', 'created_at', 'user_id', 'input', 'effects', 'changes', 'signature'])
      .where('mutation_id', '>', after)
      .orderBy('mutation_id')
      .limit(batchSize)
      .execute();
    const gate = gateBatch(batch, appVersion);
    const changes = batch.map((m) => ({ id: Number(m.mutation_id), changes: JSON.parse(m.changes) as RowChange[] }));
    const whole = collapseForCentre(changes.flatMap((m) => m.changes));
    return { gate, changes, whole, last: batch.length ? Number(batch.at(-1)!.mutation_id) : after };
  };
  let next = ahead(prepare(status.lastMutationId));
  for (;;) {
    aborted(hooks);
    const current = await next;
    if (current.changes.length === 0) return { pushed, quarantined, stop: null, remaining: 0 };
    // The next batch is read and prepared while the centre works on this one.
    next = ahead(prepare(current.last));
    const outcome = await central.db.transaction().execute(async (trx) => {
      const gate = await callGate(trx, creds.clientId, current.gate);
      const accepted = new Set(gate.accepted.map(Number));
      const changes: RowChange[] = [];
      for (const m of current.changes) if (accepted.has(m.id)) for (const c of m.changes) changes.push(c);
      const released = await newlyReleasedOrders(trx, changes);
      const products = await applyChanges(trx, 'postgres', accepted.size === current.changes.length ? current.whole : changes);
      const now = new Date().toISOString();
      // Credit first: an order held at merge gives its reservations back before stock is judged.
      if (released.length > 0) await sql`SELECT branchline_credit_holds(${JSON.stringify(released)}::jsonb, ${now}::timestamptz)`.execute(trx);
      if (products.size > 0) {
        const ids = JSON.stringify([...products]);
        await sql`SELECT branchline_recompute(${ids}::jsonb, ${now}::timestamptz)`.execute(trx);
        await sql`SELECT branchline_stock_exceptions(${ids}::jsonb, ${now}::timestamptz)`.execute(trx);
      }
      const opened = newDocuments(current.changes, accepted);
      if (opened) await sql`SELECT branchline_duplicate_exceptions(${JSON.stringify(opened)}::jsonb, ${now}::timestamptz)`.execute(trx);
      crashPoint('push:before-commit');
      return gate;
    });
    crashPoint('push:after-commit');
    pushed += outcome.accepted.length;
    quarantined += outcome.quarantined;
    tally.pushed += outcome.accepted.length;
    tally.quarantined += outcome.quarantined;
    hooks.onProgress?.('push', pushed + quarantined, total);
    if (outcome.stop) return { pushed, quarantined, stop: outcome.stop, remaining: total - pushed - quarantined };
    // (The gate advanced to this batch's last id; the batch prepared ahead starts after it.)
    if (outcome.lastMutationId !== current.last) next = ahead(prepare(outcome.lastMutationId));
  }
}

/** Tables whose new rows the centre checks against other branches' (`branchline_duplicate_exceptions`): keys two branches can take at once offline. */
const DUPLICATE_CHECKED = new Set(['vendor_bill', 'cycle_count', 'bank_statement', 'import_key']);

/** The ids of rows of DUPLICATE_CHECKED tables the accepted mutations of a batch inserted, by table; null when none. */
function newDocuments(mutations: { id: number; changes: RowChange[] }[], accepted: Set<number>): Record<string, string[]> | null {
  let found: Record<string, string[]> | null = null;
  for (const m of mutations) {
    if (!accepted.has(m.id)) continue;
    for (const c of m.changes) {
      if (c.op !== 'insert' || !DUPLICATE_CHECKED.has(c.table)) continue;
      found ??= {};
      (found[c.table] ??= []).push(c.id);
    }
  }
  return found;
}

/** Order states after release to the warehouse (sales' RELEASED). */
const RELEASED_ORDER_STATES = new Set(['confirmed', 'partially_delivered', 'delivered', 'invoiced', 'done']);

/**
 * Orders this batch releases (confirms) at the centre: released in their last image here, and
 * not yet at the centre (new, or a draft, held or awaiting approval there). Read before the
 * batch is applied; the centre then checks their customer's credit across every branch.
 */
async function newlyReleasedOrders(trx: Tx, changes: RowChange[]): Promise<string[]> {
  const last = new Map<string, string>();
  for (const c of changes) if (c.table === 'sales_order') last.set(c.id, c.op === 'delete' ? '' : String(c.row?.state ?? ''));
  const ids = [...last].filter(([, state]) => RELEASED_ORDER_STATES.has(state)).map(([id]) => id);
  if (ids.length === 0) return [];
  const before = await sql<{ id: string; state: string }>`SELECT id, state FROM sales_order WHERE id = ANY(${ids}::text[])`.execute(trx);
  const released = new Set(before.rows.filter((r) => RELEASED_ORDER_STATES.has(r.state)).map((r) => r.id));
  return ids.filter((id) => !released.has(id));
}

/** A batch as the centre's gate takes it (`branchline_push_check_packed`). */
interface GateBatch {
  ids: number[];
  payloads: string[];
  signatures: (string | null)[];
  appVersion: string;
}

function gateBatch(batch: PendingMutation[], appVersion: string): GateBatch {
  return {
    ids: batch.map((m) => Number(m.mutation_id)),
    payloads: batch.map((m) => mutationPayload({ ...m, mutation_id: Number(m.mutation_id) })),
    signatures: batch.map((m) => m.signature),
    appVersion,
  };
}

/** U+001E separates the payloads in one text: JSON text escapes it, so only an altered outbox row can hold one. */
const PAYLOAD_SEPARATOR = '\x1e';

/**
 * The gate for a batch. Payloads travel as one separated text (a jsonb array of 2,000 payload
 * strings, 9 MB, took the centre ~110 ms to parse and the branch as long to build); a batch
 * with a payload holding the separator goes as that jsonb array instead, so the gate still
 * sees (and sets aside) exactly what the outbox holds.
 */
async function callGate(central: Db | Tx, clientId: string, batch: GateBatch): Promise<GateResult> {
  if (batch.payloads.some((p) => p.includes(PAYLOAD_SEPARATOR))) {
    const wire = batch.ids.map((id, i) => ({ id, payload: batch.payloads[i], signature: batch.signatures[i], appVersion: batch.appVersion }));
    return (await sql<{ r: GateResult }>`SELECT branchline_push_check(${clientId}, ${JSON.stringify(wire)}::jsonb) AS r`.execute(central)).rows[0]!.r;
  }
  const r = await sql<{ r: GateResult }>`SELECT branchline_push_check_packed(${clientId}, ${batch.ids}::bigint[], ${batch.payloads.join(PAYLOAD_SEPARATOR)}, ${batch.signatures}::text[], ${batch.appVersion}) AS r`.execute(central);
  return r.rows[0]!.r;
}

type GateResult = { accepted: number[]; stop: 'gap' | 'version' | null; stopAt: number | null; lastMutationId: number; quarantined: number };

/**
 * Mutations this outbox still holds under ids the centre has already taken. Normally the ones a
 * cut kept from being acknowledged: the gate finds the same payload and skips them. A different
 * payload under such an id means this database is a copy (or a restore) that went its own way
 * after it was copied — acknowledging would delete its changes unseen (its counter equals or
 * passes the centre's, so the check above cannot tell). The gate records them in the
 * quarantine and the sync stops, the outbox intact, until the install is registered again.
 */
async function checkUnacknowledged(branch: BranchDatabase, central: CentralDatabase, creds: SyncCredentials, appVersion: string, lastApplied: number, batchSize: number): Promise<void> {
  let after = 0;
  for (;;) {
    const batch: PendingMutation[] = await branch.db
      .selectFrom('outbox')
      .select(['mutation_id', 'client_id', 'method', 'method_version', 'schema_version', 'created_at', 'user_id', 'input', 'effects', 'changes', 'signature'])
      .where('mutation_id', '>', after)
      .where('mutation_id', '<=', lastApplied)
      .orderBy('mutation_id')
      .limit(batchSize)
      .execute();
    if (batch.length === 0) return;
    const gate = await callGate(central.db, creds.clientId, gateBatch(batch, appVersion));
    if (gate.quarantined > 0) {
      throw new SyncBlocked(
        'copy',
        `This database is a copy or a restore of a registered install: ${gate.quarantined} of its changes differ from what the centre received under the same numbers (set aside at the centre). Register it again (branch register --again) before syncing; its outbox is kept.`,
      );
    }
    after = Number(batch.at(-1)!.mutation_id);
  }
}

/**
 * A batch whose rows cannot be written (e.g. a row the branch does not own) fails as a whole;
 * it is retried one mutation at a time and the one that fails is quarantined at the centre.
 */
export async function pushIsolating(branch: BranchDatabase, central: CentralDatabase, creds: SyncCredentials, appVersion: string, hooks: SyncHooks = {}): Promise<PushResult> {
  // Totals over every attempt: the counts a sync reports ("N set aside at the centre") used
  // to be those of the last single push only.
  const tally = { pushed: 0, quarantined: 0 };
  try {
    return await push(branch, central, creds, appVersion, hooks, PUSH_BATCH_SIZE, tally);
  } catch (error) {
    if (error instanceof SyncBlocked || !isRowRefusal(error)) throw error;
    for (;;) {
      try {
        const last = await push(branch, central, creds, appVersion, hooks, 1, tally);
        return { ...last, pushed: tally.pushed, quarantined: tally.quarantined };
      } catch (single) {
        if (single instanceof SyncBlocked || !isRowRefusal(single)) throw single;
        const status = await clientStatus(central.db, creds.clientId);
        const next = await branch.db.selectFrom('outbox').selectAll().where('mutation_id', '=', status.lastMutationId + 1).executeTakeFirst();
        if (!next) throw single;
        await sql`SELECT branchline_quarantine(${creds.clientId}, ${Number(next.mutation_id)}, ${mutationPayload({ ...next, mutation_id: Number(next.mutation_id) })}, ${(single as Error).message.slice(0, 500)})`.execute(central.db);
        tally.quarantined++;
      }
    }
  }
}

/** Row-level security refusals and constraint violations: the data is wrong, retrying will not help. */
function isRowRefusal(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return code === '42501' || code.startsWith('23');
}

interface ChangeRow {
  seq: number;
  txid: string;
  table_name: string;
  row_id: string;
  op: string;
  row_json: Record<string, unknown> | null;
}

/** Ids of rows this branch changed and has not pushed yet: a pull must not overwrite them. */
async function pendingRowKeys(branch: BranchDatabase): Promise<Set<string>> {
  const rows = await branch.db.selectFrom('outbox').select('changes').execute();
  const keys = new Set<string>();
  for (const r of rows) for (const c of JSON.parse(r.changes) as RowChange[]) keys.add(`${c.table}|${c.id}`);
  return keys;
}

/** Applies pulled rows locally without capturing them as local changes, then recomputes derived stock. */
async function applyPulled(branch: BranchDatabase, changes: RowChange[], pending: Set<string>): Promise<number> {
  const wanted = pending.size > 0 ? changes.filter((c) => !pending.has(`${c.table}|${c.id}`)) : changes;
  await branch.db.transaction().execute(async (trx) => {
    await trx.updateTable('client_state').set({ capture: 0 }).execute();
    const products = await applyChanges(trx, 'sqlite', wanted, branch.sqlite);
    if (products.size > 0) await recomputeDerivedLocally(trx, [...products], new Date().toISOString());
    crashPoint('pull:during-apply');
    await trx.updateTable('client_state').set({ capture: 1 }).execute();
  });
  return wanted.length;
}

function toChange(r: ChangeRow): RowChange {
  return { table: r.table_name, id: r.row_id, op: r.op === 'delete' ? 'delete' : 'update', row: r.row_json };
}

const asText = (v: string) => v;
const asFlag = (v: string) => (v === 't' ? 1 : 0);

/**
 * Result types for bulk reads, as SQLite stores them: timestamptz as the engine's ISO text
 * (without a Date per value), json/jsonb as their text, booleans as 0/1 — so a snapshot
 * row binds into SQLite as it arrives.
 */
const FAST_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === pg.types.builtins.TIMESTAMPTZ) return isoUtc;
    if (oid === pg.types.builtins.JSON || oid === pg.types.builtins.JSONB) return asText;
    if (oid === pg.types.builtins.BOOL) return asFlag;
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

/**
 * One page of a table in id order, straight through pg (no query builder; timestamps
 * converted without a Date each). Sorting is switched off for it: on a private table the
 * row-level security filter makes the planner, without statistics yet (a centre just
 * loaded), expect a few rows and sort the whole table on disk for every page (2.6 s
 * instead of 0.9 s for 100,000 transfer lines); the primary key gives the order.
 */
async function readPage(central: CentralDatabase, table: string, after: string, pageSize: number): Promise<SnapshotPage> {
  const client = await central.pool.connect();
  try {
    await client.query('BEGIN READ ONLY');
    await client.query('SET LOCAL enable_sort = off');
    // Rows as arrays (no object per row), bound into SQLite as they come (upsertArraysSqlite).
    const r = await client.query<unknown[]>({ text: `SELECT * FROM "${table}" WHERE id > $1 ORDER BY id LIMIT $2`, values: [after, pageSize], types: FAST_TYPES, rowMode: 'array' });
    await client.query('COMMIT');
    return { columns: r.fields.map((f) => f.name), rows: r.rows };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

interface SnapshotPage {
  columns: string[];
  rows: unknown[][];
}

const EMPTY_PAGE: SnapshotPage = { columns: [], rows: [] };

/** One snapshot page written locally in one transaction, with the position it reached (no capture: these rows came from the centre). */
async function applySnapshotPage(branch: BranchDatabase, table: ReplicatedTableName, page: SnapshotPage, after: string): Promise<void> {
  const mode = REPLICATED_TABLES[table].class === 'ledger' ? 'insert-only' : 'upsert';
  await branch.db.transaction().execute(async (trx) => {
    await trx.updateTable('client_state').set({ capture: 0 }).execute();
    upsertArraysSqlite(branch.sqlite, table, page.columns, page.rows, mode);
    crashPoint('pull:during-apply');
    await trx.updateTable('client_state').set({ capture: 1 }).execute();
    await trx.updateTable('sync_state').set({ snapshot_table: table, snapshot_after: after }).execute();
  });
}

/** Rows per snapshot page (one local transaction each; the position is saved with it). */
export const SNAPSHOT_PAGE_SIZE = 5000;

/** Starts a read now and keeps its failure from going unhandled if the caller stops before awaiting it. */
function ahead<T>(read: Promise<T>): Promise<T> {
  read.catch(() => undefined);
  return read;
}

/**
 * First sync of a branch: every row it may see, table by table, with progress; resumable
 * (the position is saved after each page). The pull cursor is the horizon taken before the
 * first page, so whatever changes meanwhile is pulled again afterwards. The next page is
 * read while one is written, and derived stock is computed once at the end, from all the
 * facts (per page, it recomputed the same products again and again).
 */
export async function snapshot(branch: BranchDatabase, central: CentralDatabase, hooks: SyncHooks = {}, pageSize = SNAPSHOT_PAGE_SIZE): Promise<number> {
  let state = await branch.db.selectFrom('sync_state').selectAll().executeTakeFirstOrThrow();
  if (state.snapshot_done === 1) return 0;
  if (!state.pull_cursor) {
    const horizon = (await sql<{ h: string }>`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS h`.execute(central.db)).rows[0]!.h;
    await branch.db.updateTable('sync_state').set({ pull_cursor: horizon, snapshot_table: APPLY_ORDER[0]!, snapshot_after: '' }).execute();
    state = await branch.db.selectFrom('sync_state').selectAll().executeTakeFirstOrThrow();
  }
  const tables = APPLY_ORDER.filter((t): t is Exclude<ReplicatedTableName, 'audit_log'> => t !== 'audit_log');
  const counts = await Promise.all(tables.map(async (t) => Number((await central.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)));
  const total = counts.reduce((a, b) => a + b, 0);
  let done = tables.slice(0, Math.max(tables.indexOf(state.snapshot_table as never), 0)).reduce((s, t) => s + counts[tables.indexOf(t)]!, 0);
  let applied = 0;
  const page = (table: (typeof tables)[number], after: string) => ahead(readPage(central, table, after, pageSize));
  // Each page is its own local transaction, and in between the copy is only partly there
  // (checked page by page, the default demo's first sync failed on a foreign key mid-copy).
  // The rows come from the centre, where they hold together, so references are not checked
  // while the copy is made; the finished copy has no dangling one (sync.test.ts checks).
  const enforced = branch.sqlite.pragma('foreign_keys', { simple: true }) === 1;
  if (enforced) branch.sqlite.pragma('foreign_keys = OFF');
  try {
    for (let i = Math.max(tables.indexOf(state.snapshot_table as never), 0); i < tables.length; i++) {
      const table = tables[i]!;
      let after = table === state.snapshot_table ? (state.snapshot_after ?? '') : '';
      let next = page(table, after);
      for (;;) {
        aborted(hooks);
        const current = await next;
        const rows = current.rows;
        if (rows.length === 0) break;
        after = rows.at(-1)![current.columns.indexOf('id')] as string;
        next = rows.length < pageSize ? Promise.resolve(EMPTY_PAGE) : page(table, after);
        await applySnapshotPage(branch, table, current, after);
        applied += rows.length;
        done += rows.length;
        hooks.onProgress?.('snapshot', done, total);
        crashPoint('snapshot:page');
      }
      const following = tables[i + 1];
      await branch.db.updateTable('sync_state').set({ snapshot_table: following ?? null, snapshot_after: '' }).execute();
    }
  } finally {
    if (enforced) branch.sqlite.pragma('foreign_keys = ON');
  }
  // Derived stock, once, from every fact now here (also those of pages a resumed snapshot did not re-read).
  await branch.db.transaction().execute(async (trx) => {
    const products = await sql<{ id: string }>`SELECT product_id AS id FROM stock_move UNION SELECT product_id FROM reservation UNION SELECT product_id FROM transfer_line`.execute(trx);
    await recomputeDerivedLocally(trx, products.rows.map((r) => r.id), new Date().toISOString());
    await trx.updateTable('sync_state').set({ snapshot_done: 1, snapshot_table: null, snapshot_after: null }).execute();
  });
  return applied;
}

/**
 * Pulls central changes since the cursor. Inside one repeatable-read transaction the horizon
 * is the oldest transaction still running: every change below it is committed and visible,
 * so advancing the cursor to it never skips a transaction that commits late.
 */
export async function pull(branch: BranchDatabase, central: CentralDatabase, creds: SyncCredentials, hooks: SyncHooks = {}, pageSize = 5000): Promise<{ applied: number; acknowledged: number; behind: boolean }> {
  const state = await branch.db.selectFrom('sync_state').selectAll().executeTakeFirstOrThrow();
  const fromSnapshot = state.snapshot_done !== 1 ? await snapshot(branch, central, hooks) : 0;
  const cursor = (await branch.db.selectFrom('sync_state').select('pull_cursor').executeTakeFirstOrThrow()).pull_cursor ?? '0';
  return central.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      // (This database's oldest running transaction: branchline_pull_horizon in central-init.ts.)
      const horizon = (await sql<{ h: string }>`SELECT branchline_pull_horizon() AS h`.execute(trx)).rows[0]!.h;
      const status = await clientStatus(trx, creds.clientId);
      // What the centre has applied may leave the outbox now (and is no longer "pending").
      const acked = await branch.db.deleteFrom('outbox').where('mutation_id', '<=', status.lastMutationId).executeTakeFirst();
      const pending = await pendingRowKeys(branch);
      let applied = 0;
      let last: { txid: string; seq: number } = { txid: cursor, seq: 0 };
      const total = Number(
        (await sql<{ n: number }>`SELECT count(*)::int AS n FROM change_log WHERE txid >= ${cursor}::xid8 AND txid < ${horizon}::xid8`.execute(trx)).rows[0]!.n,
      );
      let seen = 0;
      const read = (from: { txid: string; seq: number }) =>
        ahead(
          sql<ChangeRow>`
          SELECT seq, txid::text AS txid, table_name, row_id, op, row_json FROM change_log
          WHERE txid >= ${cursor}::xid8 AND txid < ${horizon}::xid8 AND (txid, seq) > (${from.txid}::xid8, ${from.seq}::bigint)
          ORDER BY txid, seq LIMIT ${pageSize}`.execute(trx),
        );
      let next = read(last);
      for (;;) {
        aborted(hooks);
        const page = await next;
        if (page.rows.length === 0) break;
        const tail = page.rows.at(-1)!;
        last = { txid: tail.txid, seq: Number(tail.seq) };
        // The next page is read (on the same connection) while this one is written.
        next = page.rows.length < pageSize ? Promise.resolve({ rows: [] as ChangeRow[] }) : read(last);
        applied += await applyPulled(branch, page.rows.map(toChange), pending);
        seen += page.rows.length;
        hooks.onProgress?.('pull', seen, total);
      }
      // Committed changes this pull could not take (at or past the horizon): pull again soon.
      const behind = (await sql<{ b: boolean }>`SELECT EXISTS (SELECT 1 FROM change_log WHERE txid >= ${horizon}::xid8) AS b`.execute(trx)).rows[0]!.b;
      const now = new Date().toISOString();
      await branch.db.updateTable('sync_state').set({ pull_cursor: horizon, last_pull_at: now }).execute();
      return { applied: applied + fromSnapshot, acknowledged: Number(acked.numDeletedRows ?? 0), behind };
    });
}

export interface SyncOutcome {
  pushed: number;
  quarantined: number;
  pulled: number;
  pending: number;
  stop: PushResult['stop'];
  /** The centre has committed changes this pull could not take yet (a transaction still running held the horizon below them). */
  behind: boolean;
}

/** Push, then pull: one round. `pending` is what is still waiting in the outbox afterwards. */
export async function syncOnce(branch: BranchDatabase, central: CentralDatabase, creds: SyncCredentials, appVersion: string, hooks: SyncHooks = {}): Promise<SyncOutcome> {
  const pushed = await pushIsolating(branch, central, creds, appVersion, hooks);
  const pulled = await pull(branch, central, creds, hooks);
  const pending = Number((await branch.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const now = new Date().toISOString();
  await branch.db.updateTable('sync_state').set({ last_push_at: now, last_success_at: now, last_error: null, blocked_reason: null }).execute();
  return { pushed: pushed.pushed, quarantined: pushed.quarantined, pulled: pulled.applied, pending, stop: pushed.stop, behind: pulled.behind };
}
