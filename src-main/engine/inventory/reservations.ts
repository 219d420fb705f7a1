import { sql } from 'kysely';
import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import type { TransferState } from '../platform/schema';
import { adjustLevel } from './ledger';
import { isOwned, type LocationInfo } from './locations';

/** A piece of free stock at one location and lot, in the order it should be taken. */
export interface StockPiece {
  locationId: string;
  warehouseId: string | null;
  path: string;
  lotKey: string;
  free: number;
}

/**
 * Free stock (on hand − reserved) of a product in a location and the bins below it, in the
 * removal order of the product's category: FEFO takes the earliest expiry first, FIFO the
 * oldest lot; untracked stock follows the location path so pickers walk one way.
 */
export async function freeStock(db: Db | Tx, productId: string, root: Pick<LocationInfo, 'path'>): Promise<StockPiece[]> {
  const rows = await db
    .selectFrom('stock_level as s')
    .innerJoin('location as l', 'l.id', 's.location_id')
    .innerJoin('product as p', 'p.id', 's.product_id')
    .leftJoin('category as c', 'c.id', 'p.category_id')
    .leftJoin('lot', (j) => j.onRef(sql`lot.id`, '=', 's.lot_key'))
    .select(['s.location_id', 's.warehouse_id', 'l.path', 's.lot_key', 's.on_hand', 's.reserved', 'lot.expiry_date', 'lot.created_at as lot_created', 'c.removal_strategy'])
    .where('s.product_id', '=', productId)
    .where('l.usage', '=', 'internal')
    .where((eb) => eb.or([eb('l.path', '=', root.path), eb('l.path', 'like', `${root.path}/%`)]))
    .where(sql<boolean>`s.on_hand - s.reserved > 0`)
    .execute();
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

export async function reservedFor(db: Db | Tx, lineId: string): Promise<number> {
  const row = await db.selectFrom('reservation').select((eb) => eb.fn.sum<number>('quantity').as('q')).where('transfer_line_id', '=', lineId).executeTakeFirst();
  return Number(row?.q ?? 0);
}

/** Adds a reservation row and the reserved figure of its stock level, together. */
export async function addReservation(ctx: CommandContext, r: { lineId: string; productId: string; location: Pick<LocationInfo, 'id' | 'warehouse_id'>; lotKey: string; quantity: number }): Promise<void> {
  if (r.quantity <= 0) return;
  await ctx.db
    .insertInto('reservation')
    .values({ id: ctx.newId(), branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, transfer_line_id: r.lineId, product_id: r.productId, location_id: r.location.id, lot_key: r.lotKey, quantity: r.quantity })
    .execute();
  await adjustLevel(ctx, { productId: r.productId, location: r.location, lotKey: r.lotKey }, { reserved: r.quantity });
}

/**
 * Takes up to `quantity` off a line's reservations (all of them when omitted), returning
 * the pieces released so a caller can move exactly that stock.
 */
export async function releaseReservations(ctx: CommandContext, lineId: string, quantity?: number): Promise<{ locationId: string; warehouseId: string | null; lotKey: string; quantity: number }[]> {
  const rows = await ctx.db
    .selectFrom('reservation as r')
    .innerJoin('location as l', 'l.id', 'r.location_id')
    .select(['r.id', 'r.product_id', 'r.location_id', 'l.warehouse_id', 'l.path', 'r.lot_key', 'r.quantity'])
    .where('r.transfer_line_id', '=', lineId)
    .orderBy('l.path')
    .orderBy('r.created_at')
    .execute();
  let left = quantity ?? Number.MAX_SAFE_INTEGER;
  const released = [];
  for (const r of rows) {
    if (left <= 0) break;
    const take = Math.min(left, r.quantity);
    if (take === r.quantity) await ctx.db.deleteFrom('reservation').where('id', '=', r.id).execute();
    else await ctx.db.updateTable('reservation').set({ quantity: r.quantity - take, updated_at: ctx.now, version: sql`version + 1` as never }).where('id', '=', r.id).execute();
    await adjustLevel(ctx, { productId: r.product_id, location: { id: r.location_id, warehouse_id: r.warehouse_id }, lotKey: r.lot_key }, { reserved: -take });
    released.push({ locationId: r.location_id, warehouseId: r.warehouse_id, lotKey: r.lot_key, quantity: take });
    left -= take;
  }
  return released;
}

/** Reserves what free stock allows for one line from its source location's subtree. */
export async function reserveLine(ctx: CommandContext, line: { id: string; product_id: string; quantity: number; quantity_done: number; from: LocationInfo }): Promise<number> {
  if (!isOwned(line.from.usage)) return 0;
  const missing = line.quantity - line.quantity_done - (await reservedFor(ctx.db, line.id));
  if (missing <= 0) return 0;
  let left = missing;
  for (const piece of await freeStock(ctx.db, line.product_id, line.from)) {
    if (left === 0) break;
    const take = Math.min(left, piece.free);
    await addReservation(ctx, { lineId: line.id, productId: line.product_id, location: { id: piece.locationId, warehouse_id: piece.warehouseId }, lotKey: piece.lotKey, quantity: take });
    left -= take;
  }
  return missing - left;
}

/**
 * A transfer is ready when it can be worked: everything reserved (ship complete), or
 * anything reserved (ship as soon as possible). Stock coming from outside the company
 * (vendors, customers) needs no reservation.
 */
export async function refreshTransferState(ctx: CommandContext, transferId: string): Promise<TransferState> {
  const t = await ctx.db
    .selectFrom('transfer as t')
    .innerJoin('location as f', 'f.id', 't.from_location_id')
    .select(['t.state', 't.shipping_policy', 'f.usage'])
    .where('t.id', '=', transferId)
    .executeTakeFirstOrThrow();
  if (t.state === 'draft' || t.state === 'done' || t.state === 'cancelled') return t.state;
  const lines = await ctx.db
    .selectFrom('transfer_line as l')
    .innerJoin('location as f', 'f.id', 'l.from_location_id')
    .select((eb) => [
      'l.id',
      'l.quantity',
      'l.quantity_done',
      'l.state',
      'f.usage',
      eb.fn.coalesce(eb.selectFrom('reservation as r').select((e) => e.fn.sum<number>('r.quantity').as('q')).whereRef('r.transfer_line_id', '=', 'l.id'), eb.lit(0)).as('reserved'),
    ])
    .where('l.transfer_id', '=', transferId)
    .where('l.state', 'in', ['waiting', 'ready'])
    .execute();
  let all = true;
  let any = false;
  for (const l of lines) {
    const need = l.quantity - l.quantity_done;
    const have = isOwned(l.usage) ? Number(l.reserved) : need;
    const lineState: TransferState = have >= need ? 'ready' : 'waiting';
    if (have < need) all = false;
    if (have > 0) any = true;
    if (lineState !== l.state) await ctx.db.updateTable('transfer_line').set({ state: lineState, updated_at: ctx.now }).where('id', '=', l.id).execute();
  }
  const state: TransferState = lines.length > 0 && (t.shipping_policy === 'all' ? all : any) ? 'ready' : 'waiting';
  if (state !== t.state) await ctx.db.updateTable('transfer').set({ state, updated_at: ctx.now }).where('id', '=', transferId).execute();
  return state;
}
