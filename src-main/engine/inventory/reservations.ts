import { sql } from 'kysely';
import type { CommandContext } from '../platform/context';
import { notFound } from '../platform/errors';
import type { ReservationTable, TransferState } from '../platform/schema';
import { preparedQuery } from '../platform/prepared';
import { preparedInsertMany, preparedSelectIn } from '../platform/batch';
import { adjustLevel, flushProductLevels, hasPendingLevels } from './levels';
import { isOwned, type LocationInfo } from './locations';
import { inventorySession } from './session';

/** A piece of free stock at one location and lot, in the order it should be taken. */
export interface StockPiece {
  locationId: string;
  warehouseId: string | null;
  path: string;
  lotKey: string;
  free: number;
}

type FreeRow = { location_id: string; warehouse_id: string | null; path: string; lot_key: string; on_hand: number; reserved: number; expiry_date: string | null; lot_created: string | null; removal_strategy: string | null };

// The pattern is its own parameter (a prepared query takes values only as whole parameters),
// and it is wrapped in `|| ''`: SQLite re-prepares a statement on every new value bound to a
// bare LIKE pattern (the value might allow the LIKE index optimisation), which made this
// lookup ~100 µs instead of ~15 µs. The match is the same LIKE either way.
const freeRows = preparedQuery<{ productId: string; path: string; below: string }, FreeRow>(['productId', 'path', 'below'], (db, p) =>
  db
    .selectFrom('stock_level as s')
    .innerJoin('location as l', 'l.id', 's.location_id')
    .innerJoin('product as p', 'p.id', 's.product_id')
    .leftJoin('category as c', 'c.id', 'p.category_id')
    .leftJoin('lot', (j) => j.onRef(sql`lot.id`, '=', 's.lot_key'))
    .select(['s.location_id', 's.warehouse_id', 'l.path', 's.lot_key', 's.on_hand', 's.reserved', 'lot.expiry_date', 'lot.created_at as lot_created', 'c.removal_strategy'])
    .where('s.product_id', '=', p.productId)
    .where('l.usage', '=', 'internal')
    .where((eb) => eb.or([eb('l.path', '=', p.path), eb('l.path', 'like', sql<string>`${p.below} || ''`)]))
    .where(sql<boolean>`s.on_hand - s.reserved > 0`),
);

const reservedOfLine = preparedQuery<{ lineId: string }, { q: number | null }>(['lineId'], (db, p) =>
  db.selectFrom('reservation').select((eb) => eb.fn.sum<number>('quantity').as('q')).where('transfer_line_id', '=', p.lineId),
);

const reservedOfTransfer = preparedQuery<{ transferId: string }, { transfer_line_id: string; q: number }>(['transferId'], (db, p) =>
  db
    .selectFrom('reservation as r')
    .innerJoin('transfer_line as l', 'l.id', 'r.transfer_line_id')
    .select((eb) => ['r.transfer_line_id', eb.fn.sum<number>('r.quantity').as('q')])
    .where('l.transfer_id', '=', p.transferId)
    .groupBy('r.transfer_line_id'),
);

const RESERVATION_COLUMNS = ['id', 'branch_id', 'created_at', 'updated_at', 'version', 'transfer_line_id', 'product_id', 'location_id', 'lot_key', 'quantity'] as const;
type ReservationRow = Pick<ReservationTable, (typeof RESERVATION_COLUMNS)[number]>;
const insertReservations = preparedInsertMany<'reservation', ReservationRow>('reservation', RESERVATION_COLUMNS);

/**
 * Reservation rows added while ledger writes are batched (a 20-line order reserves in one
 * multi-row insert, not 20); every reader of reservation rows writes them first
 * (flushReservations), and the batch's end writes the rest.
 */
const pendingByCommand = new WeakMap<CommandContext, ReservationRow[]>();

export async function flushReservations(ctx: CommandContext): Promise<void> {
  const pending = pendingByCommand.get(ctx);
  if (!pending || pending.length === 0) return;
  pendingByCommand.set(ctx, []);
  await insertReservations(ctx.db, pending);
}

const reservationsOfLine = preparedQuery<{ lineId: string }, { id: string; product_id: string; location_id: string; warehouse_id: string | null; path: string; lot_key: string; quantity: number }>(['lineId'], (db, p) =>
  db
    .selectFrom('reservation as r')
    .innerJoin('location as l', 'l.id', 'r.location_id')
    .select(['r.id', 'r.product_id', 'r.location_id', 'l.warehouse_id', 'l.path', 'r.lot_key', 'r.quantity'])
    .where('r.transfer_line_id', '=', p.lineId)
    .orderBy('l.path')
    .orderBy('r.created_at'),
);

const deleteReservation = preparedQuery<{ id: string }, never>(['id'], (db, p) => db.deleteFrom('reservation').where('id', '=', p.id));

const shrinkReservation = preparedQuery<{ id: string; quantity: number; now: string }, never>(['id', 'quantity', 'now'], (db, p) =>
  db
    .updateTable('reservation')
    .set((eb) => ({ quantity: p.quantity, updated_at: p.now, version: eb('version', '+', 1 as never) }))
    .where('id', '=', p.id),
);

/**
 * Free stock (on hand − reserved) of a product in a location and the bins below it, in the
 * removal order of the product's category: FEFO takes the earliest expiry first, FIFO the
 * oldest lot; untracked stock follows the location path so pickers walk one way.
 */
export async function freeStock(ctx: CommandContext, productId: string, root: Pick<LocationInfo, 'path'>): Promise<StockPiece[]> {
  await flushProductLevels(ctx, productId);
  return inRemovalOrder(await freeRows.rows(ctx.db, { productId, path: root.path, below: `${root.path}/%` }));
}

/** One product's free rows as pieces, in its category's removal order. */
function inRemovalOrder(rows: FreeRow[]): StockPiece[] {
  const fefo = rows[0]?.removal_strategy === 'fefo';
  rows.sort((a, b) => {
    if (fefo) {
      const ea = a.expiry_date ?? '9999';
      const eb2 = b.expiry_date ?? '9999';
      if (ea !== eb2) return ea < eb2 ? -1 : 1;
    }
    const la = a.lot_created ?? '';
    const lb = b.lot_created ?? '';
    if (la !== lb) return la < lb ? -1 : 1;
    return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  });
  return rows.map((r) => ({ locationId: r.location_id, warehouseId: r.warehouse_id, path: r.path, lotKey: r.lot_key, free: Number(r.on_hand) - Number(r.reserved) }));
}

const freeRowsOfProducts = preparedSelectIn<FreeRow & { product_id: string }, { path: string; below: string }>(
  (db, productIds, p) =>
    db
      .selectFrom('stock_level as s')
      .innerJoin('location as l', 'l.id', 's.location_id')
      .innerJoin('product as p', 'p.id', 's.product_id')
      .leftJoin('category as c', 'c.id', 'p.category_id')
      .leftJoin('lot', (j) => j.onRef(sql`lot.id`, '=', 's.lot_key'))
      .select(['s.product_id', 's.location_id', 's.warehouse_id', 'l.path', 's.lot_key', 's.on_hand', 's.reserved', 'lot.expiry_date', 'lot.created_at as lot_created', 'c.removal_strategy'])
      .where('s.product_id', 'in', productIds as string[])
      .where('l.usage', '=', 'internal')
      .where((eb) => eb.or([eb('l.path', '=', p.path), eb('l.path', 'like', sql<string>`${p.below} || ''`)]))
      .where(sql<boolean>`s.on_hand - s.reserved > 0`),
  ['path', 'below'],
);

/**
 * Free stock of many products, read in one query per source location and handed out line by
 * line: what one line takes is no longer free for the next line of the same product, exactly
 * as a fresh freeStock read would show (pieces emptied drop out). For reserving a whole
 * transfer at once instead of one query per line.
 */
export class FreeStockPool {
  private readonly pieces = new Map<string, StockPiece[]>();
  /** Taken from a piece so far, by product|location|lot (a piece may show under two roots). */
  private readonly taken = new Map<string, number>();
  constructor(private readonly ctx: CommandContext) {}

  /** Reads the free stock of `productIds` under `root`. */
  async load(productIds: string[], root: Pick<LocationInfo, 'path'>): Promise<void> {
    if (hasPendingLevels(this.ctx)) for (const id of productIds) await flushProductLevels(this.ctx, id);
    const byProduct = new Map<string, FreeRow[]>(productIds.map((id) => [id, []]));
    for (const row of await freeRowsOfProducts(this.ctx.db, productIds, { path: root.path, below: `${root.path}/%` })) byProduct.get(row.product_id)?.push(row);
    for (const [id, rows] of byProduct) this.pieces.set(`${id}|${root.path}`, inRemovalOrder(rows));
  }

  /** The product's free pieces under `root` now, in removal order (read on first use if not loaded). */
  async free(productId: string, root: Pick<LocationInfo, 'path'>): Promise<StockPiece[]> {
    if (!this.pieces.has(`${productId}|${root.path}`)) await this.load([productId], root);
    return this.loaded(productId, root)!;
  }

  /** free() without a read: undefined when the product's stock under `root` is not loaded yet. */
  loaded(productId: string, root: Pick<LocationInfo, 'path'>): StockPiece[] | undefined {
    const pieces = this.pieces.get(`${productId}|${root.path}`);
    if (!pieces) return undefined;
    return pieces
      .map((p) => ({ locationId: p.locationId, warehouseId: p.warehouseId, path: p.path, lotKey: p.lotKey, free: p.free - (this.taken.get(`${productId}|${p.locationId}|${p.lotKey}`) ?? 0) }))
      .filter((p) => p.free > 0);
  }

  take(productId: string, piece: StockPiece, quantity: number): void {
    const key = `${productId}|${piece.locationId}|${piece.lotKey}`;
    this.taken.set(key, (this.taken.get(key) ?? 0) + quantity);
  }
}

export async function reservedFor(ctx: CommandContext, lineId: string): Promise<number> {
  await flushReservations(ctx);
  const row = await reservedOfLine.first(ctx.db, { lineId });
  return Number(row?.q ?? 0);
}

/** What is reserved for each line of a transfer, in one query (lines without reservations are absent). */
export async function reservedByLine(ctx: CommandContext, transferId: string): Promise<Map<string, number>> {
  await flushReservations(ctx);
  const rows = await reservedOfTransfer.rows(ctx.db, { transferId });
  return new Map(rows.map((r) => [r.transfer_line_id, Number(r.q)]));
}

/**
 * Adds a reservation row and the reserved figure of its stock level, together. While writes
 * are batched both only wait in memory: it returns undefined, nothing to await.
 */
export function addReservation(ctx: CommandContext, r: { lineId: string; productId: string; location: Pick<LocationInfo, 'id' | 'warehouse_id'>; lotKey: string; quantity: number }): Promise<void> | undefined {
  if (r.quantity <= 0) return undefined;
  const row: ReservationRow = { id: ctx.newId(), branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, transfer_line_id: r.lineId, product_id: r.productId, location_id: r.location.id, lot_key: r.lotKey, quantity: r.quantity };
  const level = { productId: r.productId, location: r.location, lotKey: r.lotKey };
  if (inventorySession(ctx).batchDepth > 0) {
    let pending = pendingByCommand.get(ctx);
    if (!pending) pendingByCommand.set(ctx, (pending = []));
    pending.push(row);
    return adjustLevel(ctx, level, { reserved: r.quantity });
  }
  return insertReservations(ctx.db, [row]).then(() => adjustLevel(ctx, level, { reserved: r.quantity }));
}

/**
 * Takes up to `quantity` off a line's reservations (all of them when omitted), returning
 * the pieces released so a caller can move exactly that stock.
 */
export async function releaseReservations(ctx: CommandContext, lineId: string, quantity?: number): Promise<{ locationId: string; warehouseId: string | null; lotKey: string; quantity: number }[]> {
  await flushReservations(ctx);
  const rows = await reservationsOfLine.rows(ctx.db, { lineId });
  let left = quantity ?? Number.MAX_SAFE_INTEGER;
  const released = [];
  for (const r of rows) {
    if (left <= 0) break;
    const take = Math.min(left, r.quantity);
    if (take === r.quantity) await deleteReservation.execute(ctx.db, { id: r.id });
    else await shrinkReservation.execute(ctx.db, { id: r.id, quantity: r.quantity - take, now: ctx.now });
    await adjustLevel(ctx, { productId: r.product_id, location: { id: r.location_id, warehouse_id: r.warehouse_id }, lotKey: r.lot_key }, { reserved: -take });
    released.push({ locationId: r.location_id, warehouseId: r.warehouse_id, lotKey: r.lot_key, quantity: take });
    left -= take;
  }
  return released;
}

/**
 * Reserves what free stock allows for one line from its source location's subtree. A caller
 * that read the line's reservations with the rest of its transfer passes them as `reserved`
 * (saves a query per line). Returns what it reserved now and what the line still lacks;
 * stock coming from outside the company needs no reservation, so nothing is short there.
 */
export async function reserveLine(
  ctx: CommandContext,
  line: { id: string; product_id: string; quantity: number; quantity_done: number; from: LocationInfo; reserved?: number },
  pool?: FreeStockPool,
): Promise<{ reserved: number; short: number }> {
  if (!isOwned(line.from.usage)) return { reserved: 0, short: 0 };
  const missing = line.quantity - line.quantity_done - (line.reserved ?? (await reservedFor(ctx, line.id)));
  if (missing <= 0) return { reserved: 0, short: 0 };
  let left = missing;
  const pieces = pool?.loaded(line.product_id, line.from) ?? (pool ? await pool.free(line.product_id, line.from) : await freeStock(ctx, line.product_id, line.from));
  for (const piece of pieces) {
    if (left === 0) break;
    const take = Math.min(left, piece.free);
    const written = addReservation(ctx, { lineId: line.id, productId: line.product_id, location: { id: piece.locationId, warehouse_id: piece.warehouseId }, lotKey: piece.lotKey, quantity: take });
    if (written) await written;
    pool?.take(line.product_id, piece, take);
    left -= take;
  }
  return { reserved: missing - left, short: left };
}

const transferForState = preparedQuery<{ id: string }, { state: TransferState; shipping_policy: 'asap' | 'all'; warehouse_id: string }>(['id'], (db, p) =>
  db.selectFrom('transfer').select(['state', 'shipping_policy', 'warehouse_id']).where('id', '=', p.id),
);

const openLinesForState = preparedQuery<
  { transferId: string },
  { id: string; product_id: string; quantity: number; quantity_done: number; state: TransferState; usage: LocationInfo['usage']; reserved: number }
>(['transferId'], (db, p) =>
  db
    .selectFrom('transfer_line as l')
    .innerJoin('location as f', 'f.id', 'l.from_location_id')
    .select((eb) => [
      'l.id',
      'l.product_id',
      'l.quantity',
      'l.quantity_done',
      'l.state',
      'f.usage',
      eb.fn.coalesce(eb.selectFrom('reservation as r').select((e) => e.fn.sum<number>('r.quantity').as('q')).whereRef('r.transfer_line_id', '=', 'l.id'), eb.lit(0)).as('reserved'),
    ])
    .where('l.transfer_id', '=', p.transferId)
    .where('l.state', 'in', ['waiting', 'ready']),
);

const setLineState = preparedQuery<{ id: string; state: TransferState; now: string }, never>(['id', 'state', 'now'], (db, p) =>
  db.updateTable('transfer_line').set({ state: p.state, updated_at: p.now }).where('id', '=', p.id),
);

/** Every open line of the transfer not yet in `state` takes it (used when all open lines end in one state). */
const setOpenLinesState = preparedQuery<{ transferId: string; state: TransferState; now: string }, never>(['transferId', 'state', 'now'], (db, p) =>
  db
    .updateTable('transfer_line')
    .set({ state: p.state, updated_at: p.now })
    .where('transfer_id', '=', p.transferId)
    .where('state', 'in', ['waiting', 'ready'])
    .where('state', '!=', p.state),
);

const setTransferState = preparedQuery<{ id: string; state: TransferState; now: string }, never>(['id', 'state', 'now'], (db, p) =>
  db.updateTable('transfer').set({ state: p.state, updated_at: p.now }).where('id', '=', p.id),
);

/** An open line as the state refresh saw it: what it still needs and what is reserved for it. */
export interface OpenLine {
  id: string;
  productId: string;
  usage: LocationInfo['usage'];
  need: number;
  reserved: number;
}

/**
 * A transfer is ready when it can be worked: everything reserved (ship complete), or
 * anything reserved (ship as soon as possible). Stock coming from outside the company
 * (vendors, customers) needs no reservation.
 */
export async function refreshTransferState(ctx: CommandContext, transferId: string): Promise<TransferState> {
  return (await refreshTransfer(ctx, transferId)).state;
}

/** refreshTransferState, also returning the transfer's warehouse and its open lines (for callers that look for shortages). */
export async function refreshTransfer(ctx: CommandContext, transferId: string): Promise<{ state: TransferState; warehouseId: string; lines: OpenLine[] }> {
  const t = await transferForState.first(ctx.db, { id: transferId });
  if (!t) throw notFound('Transfer');
  if (t.state === 'draft' || t.state === 'done' || t.state === 'cancelled') return { state: t.state, warehouseId: t.warehouse_id, lines: [] };
  await flushReservations(ctx);
  const rows = await openLinesForState.rows(ctx.db, { transferId });
  let all = true;
  let any = false;
  const lines: OpenLine[] = [];
  const states: { id: string; from: TransferState; to: TransferState }[] = [];
  for (const l of rows) {
    const need = l.quantity - l.quantity_done;
    const reserved = Number(l.reserved);
    const have = isOwned(l.usage) ? reserved : need;
    if (have < need) all = false;
    if (have > 0) any = true;
    states.push({ id: l.id, from: l.state, to: have >= need ? 'ready' : 'waiting' });
    lines.push({ id: l.id, productId: l.product_id, usage: l.usage, need, reserved });
  }
  await writeLineStates(ctx, transferId, states);
  const state: TransferState = rows.length > 0 && (t.shipping_policy === 'all' ? all : any) ? 'ready' : 'waiting';
  if (state !== t.state) await setTransferState.execute(ctx.db, { id: transferId, state, now: ctx.now });
  return { state, warehouseId: t.warehouse_id, lines };
}

/**
 * Writes the lines whose state changed. When every open line ends in the same state (the
 * usual case: a whole order becomes ready), one statement updates exactly the lines not in
 * that state yet, instead of one statement per line.
 */
async function writeLineStates(ctx: CommandContext, transferId: string, lines: { id: string; from: TransferState; to: TransferState }[]): Promise<void> {
  const changed = lines.filter((l) => l.from !== l.to);
  if (changed.length === 0) return;
  const target = lines[0]!.to;
  if (changed.length > 1 && lines.every((l) => l.to === target)) {
    await setOpenLinesState.execute(ctx.db, { transferId, state: target, now: ctx.now });
    return;
  }
  for (const l of changed) await setLineState.execute(ctx.db, { id: l.id, state: l.to, now: ctx.now });
}
