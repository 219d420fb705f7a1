import { sql } from 'kysely';
import type { Db, Dialect, Tx } from '../platform/db';

/**
 * Keeps the report tables (migration 0013) equal to what the documents and the ledger imply,
 * incrementally from cursors:
 *  - stock moves are append-only: report_stock_day adds each move once, in id order, after
 *    the `stock_move` cursor (chunks of CHUNK moves, one INSERT … SELECT … ON CONFLICT each);
 *  - finished documents (customer shipments, vendor receipts) are read after the
 *    (updated_at, id) cursor; each customer shipment re-derives the order lines of the order
 *    (root delivery) it belongs to, so a backorder shipping later updates its order's line.
 * `rebuild` empties the tables and reads everything again (after a restore, or to take in
 * replicated moves that arrived with ids older than the cursor).
 */
type AnyDb = Db | Tx;

const DAY_MS = 86_400_000;

export const dayNo = (ms: number) => Math.floor(ms / DAY_MS);
export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const toMs = (v: string | Date | null | undefined): number | null => (v == null ? null : new Date(v).getTime());

/** The epoch day of a timestamp column, in each dialect's SQL. */
export function daySql(dialect: Dialect, column: string) {
  return dialect === 'postgres'
    ? sql.raw(`((${column} AT TIME ZONE 'UTC')::date - DATE '1970-01-01')`)
    : sql.raw(`CAST(julianday(substr(${column}, 1, 10)) - 2440587.5 AS INTEGER)`);
}

async function readCursor(db: AnyDb, name: string): Promise<string | null> {
  const r = await sql<{ position: string }>`SELECT position FROM report_cursor WHERE name = ${name}`.execute(db);
  return r.rows[0]?.position ?? null;
}

async function writeCursor(db: AnyDb, name: string, position: string, now: string): Promise<void> {
  await sql`INSERT INTO report_cursor (name, position, updated_at) VALUES (${name}, ${position}, ${now})
    ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`.execute(db);
}

export interface RefreshResult {
  moves: number;
  shipments: number;
  orders: number;
  receipts: number;
}

/** How much one background step does: each step is one short transaction. */
export interface StepSize {
  moves: number;
  documents: number;
}
/** A step of about a quarter of a second on the shared 2-core machine (large demo). */
export const STEP_SIZE: StepSize = { moves: 20_000, documents: 200 };
/** A finished document costs about as much as this many moves (deriving an order reads its chain). */
const DOC_WEIGHT = 25;

/** A catch-up in progress: what it found to do when it started, and what it has done. */
interface RunState {
  total: number;
  done: number;
  moves: number;
  startedAt: string;
}

export interface StepResult extends RefreshResult {
  /** More work is waiting: call again (the host does, in the background). */
  more: boolean;
  /** Paused by the user (reports.refresh.cancel): nothing was done. */
  paused: boolean;
  done: number;
  total: number;
}

export interface RefreshStatus {
  /** When the report tables last caught up with everything (null: never yet). */
  asOf: string | null;
  /** Something is waiting to be taken in (new moves or finished documents, or a catch-up under way). */
  pending: boolean;
  /** A catch-up is under way: its work done and found, in move-equivalents. */
  running: boolean;
  done: number;
  total: number;
  percent: number | null;
  paused: boolean;
}

const zero = (): RefreshResult => ({ moves: 0, shipments: 0, orders: 0, receipts: 0 });

/** Empties every report table and cursor: the next refresh reads everything again. */
export async function clearReports(db: AnyDb): Promise<void> {
  for (const t of ['report_cursor', 'report_delivery', 'report_order_line', 'report_order', 'report_order_day', 'report_short_day', 'report_stock_day', 'report_value_day', 'report_flow_day', 'report_receipt_line']) await sql`DELETE FROM ${sql.table(t)}`.execute(db);
}

/**
 * Brings every report table up to date in the caller's transaction (tests, the CLI): the
 * background steps run back to back. Cheap when nothing changed (three index probes).
 */
export async function refreshReports(db: AnyDb, dialect: Dialect, options: { rebuild?: boolean; now?: string; progress?: (done: number, total: number) => void; size?: StepSize } = {}): Promise<RefreshResult> {
  const now = options.now ?? new Date().toISOString();
  if (options.rebuild) await clearReports(db);
  const sum = zero();
  for (;;) {
    const r = await refreshStep(db, dialect, { now, force: true, size: options.size ?? { moves: 50_000, documents: 1_000 } });
    sum.moves += r.moves;
    sum.shipments += r.shipments;
    sum.orders += r.orders;
    sum.receipts += r.receipts;
    if (r.total > 0) options.progress?.(Math.min(r.done, r.total), r.total);
    if (!r.more) return sum;
  }
}

/** Moves after the ledger cursor, finished documents after theirs: is anything waiting? */
async function waiting(db: AnyDb, dialect: Dialect): Promise<boolean> {
  const cursor = (await readCursor(db, 'stock_move')) ?? '';
  const move = await sql<{ id: string }>`SELECT id FROM stock_move WHERE id > ${cursor} ORDER BY id LIMIT 1`.execute(db);
  if (move.rows.length > 0) return true;
  if ((await finishedAfter(db, dialect, 'shipments', 'to_customer', 1)).length > 0) return true;
  return (await finishedAfter(db, dialect, 'receipts', 'from_vendor', 1)).length > 0;
}

/** What waits, in move-equivalents (moves + DOC_WEIGHT per finished document): a catch-up's total. */
async function workWaiting(db: AnyDb, dialect: Dialect): Promise<number> {
  const cursor = (await readCursor(db, 'stock_move')) ?? '';
  const moves = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM stock_move WHERE id > ${cursor}`.execute(db)).rows[0]?.n ?? 0);
  const docs = (await countFinishedAfter(db, dialect, 'shipments', 'to_customer')) + (await countFinishedAfter(db, dialect, 'receipts', 'from_vendor'));
  return moves + DOC_WEIGHT * docs;
}

async function readRun(db: AnyDb): Promise<RunState | null> {
  const raw = await readCursor(db, 'run');
  return raw ? (JSON.parse(raw) as RunState) : null;
}

/** Freshness and progress of the report tables, for the dashboards and the host's background runner. */
export async function refreshStatus(db: AnyDb, dialect: Dialect): Promise<RefreshStatus> {
  const run = await readRun(db);
  const paused = (await readCursor(db, 'paused')) !== null;
  const asOf = await readCursor(db, 'asof');
  const pending = run !== null || (await waiting(db, dialect));
  const percent = run ? Math.min(99, Math.floor((100 * run.done) / Math.max(1, run.total))) : null;
  return { asOf, pending, running: run !== null, done: run?.done ?? 0, total: run?.total ?? 0, percent, paused };
}

/** Stops the background refresh until it is resumed; what it has taken in so far stays. */
export async function pauseRefresh(db: AnyDb, now: string): Promise<void> {
  await writeCursor(db, 'paused', now, now);
}

export async function resumeRefresh(db: AnyDb): Promise<void> {
  await sql`DELETE FROM report_cursor WHERE name = 'paused'`.execute(db);
}

/**
 * One step of the refresh, small enough for one short transaction: a chunk of the ledger
 * (`size.moves` moves), else a batch of finished customer shipments, else of vendor
 * receipts, each moving its cursor, so the next step resumes where this one stopped. The
 * first step of a catch-up measures what waits (for the progress); the step that finds
 * nothing left ends it and stamps "as of". Paused (and not forced): does nothing.
 */
export async function refreshStep(db: AnyDb, dialect: Dialect, options: { now: string; size?: StepSize; force?: boolean }): Promise<StepResult> {
  const { now } = options;
  const size = options.size ?? STEP_SIZE;
  const r = zero();
  let run = await readRun(db);
  if (!options.force && (await readCursor(db, 'paused')) !== null) return { ...r, more: false, paused: true, done: run?.done ?? 0, total: run?.total ?? 0 };
  if (!run) {
    const total = await workWaiting(db, dialect);
    if (total === 0) {
      // Nothing new; the first refresh of an empty company still counts what each warehouse stocks.
      if ((await readCursor(db, 'asof')) === null) await finishRun(db, now, true);
      return { ...r, more: false, paused: false, done: 0, total: 0 };
    }
    run = { total, done: 0, moves: 0, startedAt: now };
  }
  r.moves = await stockDaysChunk(db, dialect, now, size.moves);
  let work = r.moves;
  if (r.moves === 0) {
    const s = await shipmentsBatch(db, dialect, now, size.documents);
    r.shipments = s.shipments;
    r.orders = s.orders;
    work = DOC_WEIGHT * s.shipments;
    if (s.shipments === 0) {
      const rc = await receiptsBatch(db, dialect, now, size.documents);
      r.receipts = rc.lines;
      work = DOC_WEIGHT * rc.documents;
    }
  }
  run.done += work;
  run.moves += r.moves;
  if (work === 0) {
    await finishRun(db, now, run.moves > 0);
    return { ...r, more: false, paused: false, done: run.total, total: run.total };
  }
  // New work that arrived during the catch-up stretches its total.
  run.total = Math.max(run.total, run.done);
  await writeCursor(db, 'run', JSON.stringify(run), now);
  return { ...r, more: true, paused: false, done: run.done, total: run.total };
}

/** Ends a catch-up: products stocked per warehouse (stockout frequency's denominator) when moves came in, and "as of". */
async function finishRun(db: AnyDb, now: string, sawMoves: boolean): Promise<void> {
  const known = await sql<{ n: number }>`SELECT count(*) AS n FROM report_cursor WHERE name LIKE 'stocked:%'`.execute(db);
  if (sawMoves || Number(known.rows[0]?.n ?? 0) === 0) {
    const stocked = await sql<{ warehouse_id: string; n: number }>`SELECT warehouse_id, COUNT(DISTINCT product_id) AS n FROM stock_level WHERE warehouse_id IS NOT NULL GROUP BY warehouse_id`.execute(db);
    for (const s of stocked.rows) await writeCursor(db, `stocked:${s.warehouse_id}`, String(s.n), now);
  }
  await sql`DELETE FROM report_cursor WHERE name = 'run'`.execute(db);
  await writeCursor(db, 'asof', now, now);
}

// --- the ledger: report_stock_day --------------------------------------------------------

/** Adds the next `size` moves after the ledger cursor (in id order) and moves the cursor; returns how many. */
async function stockDaysChunk(db: AnyDb, dialect: Dialect, now: string, size: number): Promise<number> {
  const cursor = (await readCursor(db, 'stock_move')) ?? '';
  const day = daySql(dialect, 'm.moved_at');
  const hiRow = await sql<{ id: string }>`SELECT id FROM stock_move WHERE id > ${cursor} ORDER BY id LIMIT 1 OFFSET ${size - 1}`.execute(db);
  let hi = hiRow.rows[0]?.id;
  if (!hi) hi = (await sql<{ id: string | null }>`SELECT max(id) AS id FROM stock_move WHERE id > ${cursor}`.execute(db)).rows[0]?.id ?? undefined;
  if (!hi) return 0;
  // Each move counts at the warehouse(s) whose internal stock it changes: out of one
  // (negative), into another (positive); moves inside one warehouse change nothing here.
  await sql`
    INSERT INTO report_stock_day (product_id, warehouse_id, day_no, net_qty, out_qty, return_qty, cogs_minor)
    SELECT product_id, warehouse_id, day_no, SUM(net_qty), SUM(out_qty), SUM(return_qty), SUM(cogs_minor) FROM (
      SELECT m.product_id, f.warehouse_id, ${day} AS day_no, -m.quantity AS net_qty,
        CASE WHEN t.usage = 'customer' THEN m.quantity ELSE 0 END AS out_qty, 0 AS return_qty,
        CASE WHEN t.usage = 'customer' THEN -m.value_minor ELSE 0 END AS cogs_minor
      FROM stock_move m JOIN location f ON f.id = m.from_location_id JOIN location t ON t.id = m.to_location_id
      WHERE m.id > ${cursor} AND m.id <= ${hi} AND f.usage = 'internal' AND f.warehouse_id IS NOT NULL
        AND (t.usage <> 'internal' OR t.warehouse_id IS NULL OR t.warehouse_id <> f.warehouse_id)
      UNION ALL
      SELECT m.product_id, t.warehouse_id, ${day}, m.quantity, 0, CASE WHEN f.usage = 'customer' THEN m.quantity ELSE 0 END, 0
      FROM stock_move m JOIN location f ON f.id = m.from_location_id JOIN location t ON t.id = m.to_location_id
      WHERE m.id > ${cursor} AND m.id <= ${hi} AND t.usage = 'internal' AND t.warehouse_id IS NOT NULL
        AND (f.usage <> 'internal' OR f.warehouse_id IS NULL OR f.warehouse_id <> t.warehouse_id)
    ) x GROUP BY product_id, warehouse_id, day_no
    ON CONFLICT (product_id, warehouse_id, day_no) DO UPDATE SET
      net_qty = report_stock_day.net_qty + excluded.net_qty,
      out_qty = report_stock_day.out_qty + excluded.out_qty,
      return_qty = report_stock_day.return_qty + excluded.return_qty,
      cogs_minor = report_stock_day.cogs_minor + excluded.cogs_minor`.execute(db);
  // The same moves per warehouse and day, with their value at the move's unit cost.
  await sql`
    INSERT INTO report_value_day (warehouse_id, day_no, net_qty, net_value_minor, out_qty, return_qty, cogs_minor)
    SELECT warehouse_id, day_no, SUM(net_qty), SUM(net_value), SUM(out_qty), SUM(return_qty), SUM(cogs_minor) FROM (
      SELECT f.warehouse_id, ${day} AS day_no, -m.quantity AS net_qty, -m.quantity * m.unit_cost_minor AS net_value,
        CASE WHEN t.usage = 'customer' THEN m.quantity ELSE 0 END AS out_qty, 0 AS return_qty,
        CASE WHEN t.usage = 'customer' THEN -m.value_minor ELSE 0 END AS cogs_minor
      FROM stock_move m JOIN location f ON f.id = m.from_location_id JOIN location t ON t.id = m.to_location_id
      WHERE m.id > ${cursor} AND m.id <= ${hi} AND f.usage = 'internal' AND f.warehouse_id IS NOT NULL
        AND (t.usage <> 'internal' OR t.warehouse_id IS NULL OR t.warehouse_id <> f.warehouse_id)
      UNION ALL
      SELECT t.warehouse_id, ${day}, m.quantity, m.quantity * m.unit_cost_minor, 0, CASE WHEN f.usage = 'customer' THEN m.quantity ELSE 0 END, 0
      FROM stock_move m JOIN location f ON f.id = m.from_location_id JOIN location t ON t.id = m.to_location_id
      WHERE m.id > ${cursor} AND m.id <= ${hi} AND t.usage = 'internal' AND t.warehouse_id IS NOT NULL
        AND (f.usage <> 'internal' OR f.warehouse_id IS NULL OR f.warehouse_id <> t.warehouse_id)
    ) x GROUP BY warehouse_id, day_no
    ON CONFLICT (warehouse_id, day_no) DO UPDATE SET
      net_qty = report_value_day.net_qty + excluded.net_qty,
      net_value_minor = report_value_day.net_value_minor + excluded.net_value_minor,
      out_qty = report_value_day.out_qty + excluded.out_qty,
      return_qty = report_value_day.return_qty + excluded.return_qty,
      cogs_minor = report_value_day.cogs_minor + excluded.cogs_minor`.execute(db);
  // Units shipped to and returned by customers per day, warehouse and customer segment (return
  // rate by channel, customer class, region — migration 0021): the channel of the move's
  // document, the class and region of its partner; moves without a document count as 'none'.
  await sql`
    INSERT INTO report_flow_day (day_no, warehouse_id, channel_code, customer_class, region, out_qty, return_qty)
    SELECT day_no, warehouse_id, channel_code, customer_class, region, SUM(out_qty), SUM(return_qty) FROM (
      SELECT ${day} AS day_no, f.warehouse_id, COALESCE(tr.channel_code, 'none') AS channel_code, COALESCE(pa.customer_class, 'none') AS customer_class,
        COALESCE(pa.region, 'none') AS region, m.quantity AS out_qty, 0 AS return_qty
      FROM stock_move m JOIN location f ON f.id = m.from_location_id JOIN location t ON t.id = m.to_location_id
        LEFT JOIN transfer tr ON tr.id = m.transfer_id LEFT JOIN partner pa ON pa.id = tr.partner_id
      WHERE m.id > ${cursor} AND m.id <= ${hi} AND f.usage = 'internal' AND f.warehouse_id IS NOT NULL AND t.usage = 'customer'
      UNION ALL
      SELECT ${day}, t.warehouse_id, COALESCE(tr.channel_code, 'none'), COALESCE(pa.customer_class, 'none'), COALESCE(pa.region, 'none'), 0, m.quantity
      FROM stock_move m JOIN location f ON f.id = m.from_location_id JOIN location t ON t.id = m.to_location_id
        LEFT JOIN transfer tr ON tr.id = m.transfer_id LEFT JOIN partner pa ON pa.id = tr.partner_id
      WHERE m.id > ${cursor} AND m.id <= ${hi} AND t.usage = 'internal' AND t.warehouse_id IS NOT NULL AND f.usage = 'customer'
    ) x GROUP BY day_no, warehouse_id, channel_code, customer_class, region
    ON CONFLICT (day_no, warehouse_id, channel_code, customer_class, region) DO UPDATE SET
      out_qty = report_flow_day.out_qty + excluded.out_qty,
      return_qty = report_flow_day.return_qty + excluded.return_qty`.execute(db);
  const n = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM stock_move WHERE id > ${cursor} AND id <= ${hi}`.execute(db)).rows[0]?.n ?? 0);
  await writeCursor(db, 'stock_move', hi, now);
  return n;
}

// --- customer shipments: report_delivery, report_order_line -------------------------------

interface TransferRow {
  id: string;
  number: string;
  state: string;
  origin: string | null;
  warehouse_id: string;
  partner_id: string | null;
  channel_code: string | null;
  order_date: string | null;
  promised_date: string | null;
  done_at: string | null;
  updated_at: string;
  backorder_of_id: string | null;
  order_value_minor: number;
}

const FINAL = new Set(['done', 'cancelled']);

function splitCursor(c: string | null): [string, string] {
  if (!c) return ['', ''];
  const i = c.lastIndexOf('|');
  return [c.slice(0, i), c.slice(i + 1)];
}

function afterCursor(side: 'to_customer' | 'from_vendor', cursor: string | null) {
  const [u, id] = splitCursor(cursor);
  const join = side === 'to_customer' ? sql`JOIN location l ON l.id = t.to_location_id AND l.usage = 'customer'` : sql`JOIN location l ON l.id = t.from_location_id AND l.usage = 'vendor'`;
  // An empty cursor reads from the start (a timestamp column cannot compare with '').
  // The first term is an index range on (updated_at, id): a refresh with nothing new reads nothing.
  const after = u === '' ? sql`1 = 1` : sql`t.updated_at >= ${u} AND (t.updated_at > ${u} OR t.id > ${id})`;
  return { join, after };
}

/** How many finished documents wait after the cursor (a catch-up's measure). */
async function countFinishedAfter(db: AnyDb, dialect: Dialect, cursorName: string, side: 'to_customer' | 'from_vendor'): Promise<number> {
  const { join, after } = afterCursor(side, await readCursor(db, cursorName));
  const r = await sql<{ n: number }>`SELECT count(*) AS n FROM transfer t ${dialect === 'sqlite' ? sql.raw('INDEXED BY transfer_updated') : sql``} ${join} WHERE t.state IN ('done', 'cancelled') AND ${after}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** Finished documents after the cursor whose locations have the given usages. */
async function finishedAfter(db: AnyDb, dialect: Dialect, cursorName: string, side: 'to_customer' | 'from_vendor', limit: number) {
  const { join, after } = afterCursor(side, await readCursor(db, cursorName));
  const r = await sql<TransferRow>`
    SELECT t.id, t.number, t.state, t.origin, t.warehouse_id, t.partner_id, t.channel_code, t.order_date, t.promised_date, t.done_at, t.updated_at, t.backorder_of_id, t.order_value_minor
    FROM transfer t ${dialect === 'sqlite' ? sql.raw('INDEXED BY transfer_updated') : sql``} ${join}
    WHERE t.state IN ('done', 'cancelled') AND ${after}
    ORDER BY t.updated_at, t.id LIMIT ${limit}`.execute(db);
  return r.rows.map((row) => Object.assign(row, { updated_at: new Date(row.updated_at).toISOString() }));
}

/** Re-derives the orders of the next `limit` finished customer shipments after the cursor, and moves it. */
async function shipmentsBatch(db: AnyDb, dialect: Dialect, now: string, limit: number): Promise<{ shipments: number; orders: number }> {
  const batch = await finishedAfter(db, dialect, 'shipments', 'to_customer', limit);
  if (batch.length === 0) return { shipments: 0, orders: 0 };
  const roots = new Set<string>();
  for (const t of batch) {
    const root = t.backorder_of_id ? await rootOf(db, t.backorder_of_id) : t.id;
    await sql`INSERT INTO report_delivery (transfer_id, root_id) VALUES (${t.id}, ${root}) ON CONFLICT (transfer_id) DO NOTHING`.execute(db);
    roots.add(root);
  }
  for (const root of roots) await deriveOrder(db, root);
  const last = batch.at(-1)!;
  await writeCursor(db, 'shipments', `${last.updated_at}|${last.id}`, now);
  return { shipments: batch.length, orders: roots.size };
}

/** The first delivery of a backorder chain (each backorder names the delivery it continues). */
async function rootOf(db: AnyDb, id: string): Promise<string> {
  let current = id;
  for (let guard = 0; guard < 1000; guard++) {
    const known = await sql<{ root_id: string }>`SELECT root_id FROM report_delivery WHERE transfer_id = ${current}`.execute(db);
    if (known.rows[0]) return known.rows[0].root_id;
    const r = await sql<{ backorder_of_id: string | null }>`SELECT backorder_of_id FROM transfer WHERE id = ${current}`.execute(db);
    const up = r.rows[0]?.backorder_of_id;
    if (!up) return current;
    current = up;
  }
  return current;
}

interface LineRow {
  id: string;
  transfer_id: string;
  product_id: string;
  quantity: number;
  quantity_done: number;
  state: string;
  sales_line_id: string | null;
}

/**
 * Re-derives the order lines of one order (root delivery and its backorders), per product:
 * ordered = what the order line asked for (the sales order line when linked; else what the
 * first shipment shipped plus what its backorder took over, or the line as planned);
 * first = shipped by the first shipment; shipped = by all shipments; finished when no
 * shipment of the chain still waits.
 */
async function deriveOrder(db: AnyDb, rootId: string): Promise<void> {
  // Take the order's old contribution out of the rollup, then write it anew.
  const old = await sql<OrderDayKey & Totals>`
    SELECT l.day_no, l.warehouse_id, l.channel_code, l.customer_class, l.region, COUNT(*) AS lines,
      SUM(CASE WHEN l.first_qty >= l.ordered_qty THEN 1 ELSE 0 END) AS complete_first, SUM(l.first_qty) AS first_qty, SUM(l.ordered_qty) AS ordered_qty,
      SUM(l.backordered) AS backordered, SUM(l.revenue_minor) AS revenue_minor, SUM(l.cogs_minor) AS cogs_minor,
      MIN(o.finished) AS orders_finished, MIN(o.otif) AS orders_otif
    FROM report_order_line l JOIN report_order o ON o.root_id = l.root_id WHERE l.root_id = ${rootId}
    GROUP BY l.day_no, l.warehouse_id, l.channel_code, l.customer_class, l.region`.execute(db);
  for (const o of old.rows) await addOrderDay(db, o, { ...o, orders: 1 }, -1);
  await sql`DELETE FROM report_order_line WHERE root_id = ${rootId}`.execute(db);
  await sql`DELETE FROM report_order WHERE root_id = ${rootId}`.execute(db);
  const rootRows = await sql<TransferRow>`SELECT id, number, state, origin, warehouse_id, partner_id, channel_code, order_date, promised_date, done_at, updated_at, backorder_of_id, order_value_minor FROM transfer WHERE id = ${rootId}`.execute(db);
  const root = rootRows.rows[0];
  if (!root || root.state !== 'done' || !root.done_at) return;
  // The chain: every backorder below the root, found by its link.
  const chain: TransferRow[] = [root];
  let frontier = [rootId];
  while (frontier.length > 0) {
    const next = await sql<TransferRow>`SELECT id, number, state, origin, warehouse_id, partner_id, channel_code, order_date, promised_date, done_at, updated_at, backorder_of_id, order_value_minor
      FROM transfer WHERE backorder_of_id IN (${sql.join(frontier)})`.execute(db);
    chain.push(...next.rows);
    frontier = next.rows.map((r) => r.id);
  }
  const byId = new Map(chain.map((t) => [t.id, t]));
  const lines = (
    await sql<LineRow>`SELECT id, transfer_id, product_id, quantity, quantity_done, state, sales_line_id FROM transfer_line WHERE transfer_id IN (${sql.join(chain.map((t) => t.id))})`.execute(db)
  ).rows.map((l) => Object.assign(l, { quantity: Number(l.quantity), quantity_done: Number(l.quantity_done) }));
  const cogsRows = await sql<{ transfer_line_id: string; value: number }>`
    SELECT m.transfer_line_id, SUM(m.value_minor) AS value FROM stock_move m JOIN location t ON t.id = m.to_location_id AND t.usage = 'customer'
    WHERE m.transfer_id IN (${sql.join(chain.map((t) => t.id))}) GROUP BY m.transfer_line_id`.execute(db);
  const cogsOf = new Map(cogsRows.rows.map((r) => [r.transfer_line_id, -Number(r.value)]));

  const partner = root.partner_id
    ? (await sql<{ customer_class: string | null; region: string | null }>`SELECT customer_class, region FROM partner WHERE id = ${root.partner_id}`.execute(db)).rows[0]
    : undefined;
  const salesIds = [...new Set(lines.map((l) => l.sales_line_id).filter((x): x is string => !!x))];
  const salesLines = new Map(
    salesIds.length === 0
      ? []
      : (await sql<{ id: string; quantity: number; subtotal_minor: number }>`SELECT id, quantity, subtotal_minor FROM sales_order_line WHERE id IN (${sql.join(salesIds)})`.execute(db)).rows.map((r) => [
          r.id,
          { quantity: Number(r.quantity), subtotal: Number(r.subtotal_minor) },
        ]),
  );
  const productIds = [...new Set(lines.map((l) => l.product_id))];
  const listPrice = new Map(
    (await sql<{ id: string; list_price_minor: number }>`SELECT id, list_price_minor FROM product WHERE id IN (${sql.join(productIds)})`.execute(db)).rows.map((r) => [r.id, Number(r.list_price_minor)]),
  );

  // A partial shipment splits a line: the shipped part stays on it, the rest moves to the
  // backorder. So what was ordered = everything shipped along the chain + what is left on the
  // last document of each line (one that no backorder continues for that product).
  const continued = new Map<string, Set<string>>();
  for (const l of lines) {
    const parent = byId.get(l.transfer_id)!.backorder_of_id;
    if (!parent) continue;
    let set = continued.get(parent);
    if (!set) continued.set(parent, (set = new Set()));
    set.add(l.product_id);
  }
  type Acc = { ordered: number; first: number; shipped: number; backordered: boolean; open: boolean; last: number; cogs: number; sales: Set<string>; revenueShipped: number };
  const acc = new Map<string, Acc>();
  for (const l of lines) {
    if (l.transfer_id !== rootId || acc.has(l.product_id)) continue;
    acc.set(l.product_id, { ordered: 0, first: 0, shipped: 0, backordered: continued.get(rootId)?.has(l.product_id) ?? false, open: false, last: 0, cogs: 0, sales: new Set(), revenueShipped: 0 });
  }
  const rootDone = toMs(root.done_at)!;
  for (const l of lines) {
    const t = byId.get(l.transfer_id)!;
    const a = acc.get(l.product_id);
    if (!a) continue; // a product the first shipment never had is not one of this order's lines
    if (l.sales_line_id) a.sales.add(l.sales_line_id);
    const done = t.state === 'done' && l.quantity_done > 0;
    if (t.id === rootId) a.first += done ? l.quantity_done : 0;
    if (done) {
      a.ordered += l.quantity_done;
      a.shipped += l.quantity_done;
      a.last = Math.max(a.last, toMs(t.done_at) ?? rootDone);
      a.cogs += cogsOf.get(l.id) ?? 0;
      const s = l.sales_line_id ? salesLines.get(l.sales_line_id) : undefined;
      a.revenueShipped += s && s.quantity > 0 ? Math.round((s.subtotal * l.quantity_done) / s.quantity) : 0;
    } else if (!continued.get(t.id)?.has(l.product_id)) a.ordered += l.quantity;
    if (!FINAL.has(t.state)) a.open = true;
  }
  // Revenue of lines without a sales order line: list price, scaled to the order's value when known.
  let listValue = 0;
  for (const [p, a] of acc) listValue += a.ordered * (listPrice.get(p) ?? 0);
  const factor = listValue > 0 && Number(root.order_value_minor) > 0 ? Math.min(1, Number(root.order_value_minor) / listValue) : 1;

  const dn = dayNo(rootDone);
  const rows = [...acc].map(([productId, a]) => {
    let ordered = a.ordered;
    if (a.sales.size > 0) ordered = [...a.sales].reduce((s, id) => s + (salesLines.get(id)?.quantity ?? 0), 0) || ordered;
    const revenue = a.sales.size > 0 ? a.revenueShipped : Math.round(a.shipped * (listPrice.get(productId) ?? 0) * factor);
    return {
      root_id: rootId,
      product_id: productId,
      root_number: root.number,
      origin: root.origin,
      warehouse_id: root.warehouse_id,
      partner_id: root.partner_id,
      channel_code: root.channel_code ?? 'none',
      customer_class: partner?.customer_class ?? 'none',
      region: partner?.region ?? 'none',
      day_no: dn,
      day: isoDay(rootDone),
      ordered_qty: ordered,
      first_qty: a.first,
      shipped_qty: a.shipped,
      backordered: a.backordered || a.first < ordered ? 1 : 0,
      finished: a.open ? 0 : 1,
      order_ms: toMs(root.order_date),
      promised_ms: toMs(root.promised_date),
      first_ship_ms: rootDone,
      last_ship_ms: a.last || rootDone,
      revenue_minor: revenue,
      cogs_minor: a.cogs,
    };
  });
  for (let i = 0; i < rows.length; i += 50) {
    const part = rows.slice(i, i + 50);
    const cols = Object.keys(part[0]!);
    await sql`INSERT INTO report_order_line (${sql.join(cols.map((c) => sql.ref(c)))}) VALUES ${sql.join(
      part.map((r) => sql`(${sql.join(cols.map((c) => (r as Record<string, unknown>)[c]))})`),
    )}`.execute(db);
  }
  if (rows.length === 0) return;
  const key: OrderDayKey = { day_no: dn, warehouse_id: root.warehouse_id, channel_code: rows[0]!.channel_code, customer_class: rows[0]!.customer_class, region: rows[0]!.region };
  // The order: delivered (nothing waits), in full, on time (last shipment's day ≤ promised day).
  const finished = rows.every((r) => r.finished === 1) ? 1 : 0;
  const inFull = rows.every((r) => r.shipped_qty >= r.ordered_qty);
  const last = Math.max(...rows.map((r) => r.last_ship_ms));
  const promised = toMs(root.promised_date);
  const otif = finished && inFull && (promised === null || dayNo(last) <= dayNo(promised)) ? 1 : 0;
  const orderMs = toMs(root.order_date);
  const cycle = orderMs === null ? null : Math.max(0, (rootDone - orderMs) / 3_600_000);
  await sql`INSERT INTO report_order (root_id, day_no, warehouse_id, channel_code, customer_class, region, finished, otif, cycle_hours)
    VALUES (${rootId}, ${dn}, ${key.warehouse_id}, ${key.channel_code}, ${key.customer_class}, ${key.region}, ${finished}, ${otif}, ${cycle})`.execute(db);
  await addOrderDay(
    db,
    key,
    {
      lines: rows.length,
      complete_first: rows.filter((r) => r.first_qty >= r.ordered_qty).length,
      first_qty: rows.reduce((a, r) => a + r.first_qty, 0),
      ordered_qty: rows.reduce((a, r) => a + r.ordered_qty, 0),
      backordered: rows.reduce((a, r) => a + r.backordered, 0),
      revenue_minor: rows.reduce((a, r) => a + r.revenue_minor, 0),
      cogs_minor: rows.reduce((a, r) => a + r.cogs_minor, 0),
      orders: 1,
      orders_finished: finished,
      orders_otif: otif,
    },
    1,
  );
  for (const r of rows.filter((x) => x.backordered === 1)) {
    await sql`INSERT INTO report_short_day (warehouse_id, day_no, product_id) VALUES (${key.warehouse_id}, ${dn}, ${r.product_id}) ON CONFLICT DO NOTHING`.execute(db);
  }
}

interface OrderDayKey {
  day_no: number;
  warehouse_id: string;
  channel_code: string;
  customer_class: string;
  region: string;
}
interface Totals {
  lines: number;
  complete_first: number;
  first_qty: number;
  ordered_qty: number;
  backordered: number;
  revenue_minor: number;
  cogs_minor: number;
  orders: number;
  orders_finished: number;
  orders_otif: number;
}

/** Adds (sign 1) or takes out (sign −1) an order's totals at its day and segment. */
async function addOrderDay(db: AnyDb, k: OrderDayKey, t: Totals, sign: 1 | -1): Promise<void> {
  const v = (x: number) => sign * Number(x);
  await sql`INSERT INTO report_order_day (day_no, warehouse_id, channel_code, customer_class, region, lines, complete_first, first_qty, ordered_qty, backordered, revenue_minor, cogs_minor, orders, orders_finished, orders_otif)
    VALUES (${Number(k.day_no)}, ${k.warehouse_id}, ${k.channel_code}, ${k.customer_class}, ${k.region}, ${v(t.lines)}, ${v(t.complete_first)}, ${v(t.first_qty)}, ${v(t.ordered_qty)}, ${v(t.backordered)}, ${v(t.revenue_minor)}, ${v(t.cogs_minor)}, ${v(t.orders)}, ${v(t.orders_finished)}, ${v(t.orders_otif)})
    ON CONFLICT (day_no, warehouse_id, channel_code, customer_class, region) DO UPDATE SET
      lines = report_order_day.lines + excluded.lines, complete_first = report_order_day.complete_first + excluded.complete_first,
      first_qty = report_order_day.first_qty + excluded.first_qty, ordered_qty = report_order_day.ordered_qty + excluded.ordered_qty,
      backordered = report_order_day.backordered + excluded.backordered, revenue_minor = report_order_day.revenue_minor + excluded.revenue_minor,
      cogs_minor = report_order_day.cogs_minor + excluded.cogs_minor, orders = report_order_day.orders + excluded.orders,
      orders_finished = report_order_day.orders_finished + excluded.orders_finished, orders_otif = report_order_day.orders_otif + excluded.orders_otif`.execute(db);
}

// --- vendor receipts: report_receipt_line --------------------------------------------------

/** Adds the lines of the next `limit` finished vendor receipts after the cursor, and moves it. */
async function receiptsBatch(db: AnyDb, dialect: Dialect, now: string, limit: number): Promise<{ documents: number; lines: number }> {
  const batch = await finishedAfter(db, dialect, 'receipts', 'from_vendor', limit);
  if (batch.length === 0) return { documents: 0, lines: 0 };
  let count = 0;
  const done = batch.filter((t) => t.state === 'done' && t.done_at);
  if (done.length > 0) {
    const lines = await sql<{ id: string; transfer_id: string; product_id: string }>`
      SELECT id, transfer_id, product_id FROM transfer_line WHERE transfer_id IN (${sql.join(done.map((t) => t.id))}) AND quantity_done > 0`.execute(db);
    const byId = new Map(done.map((t) => [t.id, t]));
    const rows = lines.rows.map((l) => {
      const t = byId.get(l.transfer_id)!;
      const doneMs = toMs(t.done_at)!;
      const promisedMs = toMs(t.promised_date);
      return {
        line_id: l.id,
        transfer_id: t.id,
        number: t.number,
        warehouse_id: t.warehouse_id,
        partner_id: t.partner_id,
        product_id: l.product_id,
        day_no: dayNo(doneMs),
        promised_ms: promisedMs,
        done_ms: doneMs,
        // On time = received on or before the promised day (no promise: on time).
        on_time: promisedMs === null || dayNo(doneMs) <= dayNo(promisedMs) ? 1 : 0,
      };
    });
    for (let i = 0; i < rows.length; i += 100) {
      const part = rows.slice(i, i + 100);
      const cols = Object.keys(part[0]!);
      await sql`INSERT INTO report_receipt_line (${sql.join(cols.map((c) => sql.ref(c)))}) VALUES ${sql.join(
        part.map((r) => sql`(${sql.join(cols.map((c) => (r as Record<string, unknown>)[c]))})`),
      )} ON CONFLICT (line_id) DO NOTHING`.execute(db);
    }
    count += rows.length;
  }
  const last = batch.at(-1)!;
  await writeCursor(db, 'receipts', `${last.updated_at}|${last.id}`, now);
  return { documents: batch.length, lines: count };
}
