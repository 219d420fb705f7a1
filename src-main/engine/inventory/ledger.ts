import { sql } from 'kysely';
import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import { isOwned, type LocationInfo } from './locations';

/** One quantity of a product moving between two locations; becomes one immutable ledger row. */
export interface MoveRequest {
  productId: string;
  quantity: number;
  from: LocationInfo;
  to: LocationInfo;
  lotId: string | null;
  reference: string;
  transferId?: string | null;
  transferLineId?: string | null;
  /** Cost per unit of stock entering the company (receipts); otherwise the current valuation decides. */
  unitCostMinor?: number;
  reason?: string | null;
  reversalOfId?: string | null;
}

export interface LevelDelta {
  onHand?: number;
  reserved?: number;
  incoming?: number;
  outgoing?: number;
}

/** Incoming/outgoing count only lines entering or leaving a warehouse, so multi-step flows are not counted per step. */
export const crossesWarehouse = (from: Pick<LocationInfo, 'warehouse_id'>, to: Pick<LocationInfo, 'warehouse_id'>) => from.warehouse_id !== to.warehouse_id;

export const lotKeyOf = (lotId: string | null | undefined) => lotId ?? '';

interface ProductStockInfo {
  sku: string;
  tracking: string;
  costMinor: number;
  costing: 'avco' | 'fifo';
}

type LevelParams = { productId: string; locationId: string; lotKey: string; warehouseId: string | null; onHand: number; reserved: number; incoming: number; outgoing: number; now: string };
const LEVEL_PARAMS: (keyof LevelParams)[] = ['productId', 'locationId', 'lotKey', 'warehouseId', 'onHand', 'reserved', 'incoming', 'outgoing', 'now'];

// Update first, insert when the row is new: an INSERT … ON CONFLICT would check the
// table's CHECKs (reserved >= 0, …) against the delta itself, which may be negative.
const updateLevel = preparedQuery<LevelParams, never>(LEVEL_PARAMS, (db, p) =>
  db
    .updateTable('stock_level')
    .set((eb) => ({
      on_hand: eb('on_hand', '+', p.onHand),
      reserved: eb('reserved', '+', p.reserved),
      incoming: eb('incoming', '+', p.incoming),
      outgoing: eb('outgoing', '+', p.outgoing),
      updated_at: p.now,
    }))
    .where('product_id', '=', p.productId)
    .where('location_id', '=', p.locationId)
    .where('lot_key', '=', p.lotKey),
);

const insertLevel = preparedQuery<LevelParams, never>(LEVEL_PARAMS, (db, p) =>
  db
    .insertInto('stock_level')
    .values({ product_id: p.productId, location_id: p.locationId, lot_key: p.lotKey, warehouse_id: p.warehouseId, on_hand: p.onHand, reserved: p.reserved, incoming: p.incoming, outgoing: p.outgoing, updated_at: p.now }),
);

const selectLevel = preparedQuery<{ productId: string; locationId: string; lotKey: string }, { on_hand: number; reserved: number }>(['productId', 'locationId', 'lotKey'], (db, p) =>
  db.selectFrom('stock_level').select(['on_hand', 'reserved']).where('product_id', '=', p.productId).where('location_id', '=', p.locationId).where('lot_key', '=', p.lotKey),
);

const insertMove = preparedQuery<
  {
    id: string;
    branchId: string;
    now: string;
    productId: string;
    quantity: number;
    fromId: string;
    toId: string;
    lotId: string | null;
    reference: string;
    transferId: string | null;
    transferLineId: string | null;
    unitCost: number;
    value: number;
    reversalOfId: string | null;
    reason: string | null;
  },
  never
>(['id', 'branchId', 'now', 'productId', 'quantity', 'fromId', 'toId', 'lotId', 'reference', 'transferId', 'transferLineId', 'unitCost', 'value', 'reversalOfId', 'reason'], (db, p) =>
  db.insertInto('stock_move').values({
    id: p.id,
    branch_id: p.branchId,
    created_at: p.now,
    updated_at: p.now,
    version: 1 as never,
    product_id: p.productId,
    quantity: p.quantity,
    from_location_id: p.fromId,
    to_location_id: p.toId,
    lot_id: p.lotId,
    moved_at: p.now,
    reference: p.reference,
    transfer_id: p.transferId,
    transfer_line_id: p.transferLineId,
    unit_cost_minor: p.unitCost,
    value_minor: p.value,
    reversal_of_id: p.reversalOfId,
    reason: p.reason,
  }),
);

const selectValuation = preparedQuery<{ productId: string }, { quantity: number; value_minor: number }>(['productId'], (db, p) =>
  db.selectFrom('product_valuation').select(['quantity', 'value_minor']).where('product_id', '=', p.productId),
);

const upsertValuation = preparedQuery<{ productId: string; quantity: number; value: number; now: string }, never>(['productId', 'quantity', 'value', 'now'], (db, p) =>
  db
    .insertInto('product_valuation')
    .values({ product_id: p.productId, quantity: p.quantity, value_minor: p.value, updated_at: p.now })
    .onConflict((oc) =>
      oc.column('product_id').doUpdateSet((eb) => ({
        quantity: eb('product_valuation.quantity', '+', eb.ref('excluded.quantity')),
        value_minor: eb('product_valuation.value_minor', '+', eb.ref('excluded.value_minor')),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    ),
);

/** value × part ÷ whole, rounded half away from zero, in exact integers. */
export function prorate(value: number, part: number, whole: number): number {
  const n = BigInt(value) * BigInt(part);
  const d = BigInt(whole);
  const q = n / d;
  const r = n % d;
  const twice = (r < 0n ? -r : r) * 2n;
  const adjust = twice >= (d < 0n ? -d : d) ? (n < 0n !== d < 0n ? -1n : 1n) : 0n;
  return Number(q + adjust);
}

/** Per-command caches: products and warehouse policies are read once per transaction. */
class LedgerSession {
  private products = new Map<string, ProductStockInfo>();
  private negative = new Map<string, boolean>();
  constructor(private readonly ctx: CommandContext) {}

  async product(id: string): Promise<ProductStockInfo> {
    let p = this.products.get(id);
    if (!p) {
      const row = await this.ctx.db
        .selectFrom('product as p')
        .leftJoin('category as c', 'c.id', 'p.category_id')
        .select(['p.sku', 'p.tracking', 'p.cost_minor', 'c.costing_method'])
        .where('p.id', '=', id)
        .executeTakeFirst();
      if (!row) throw new DomainError('NOT_FOUND', 'Product was not found');
      p = { sku: row.sku, tracking: row.tracking, costMinor: Number(row.cost_minor), costing: (row.costing_method as 'avco' | 'fifo' | null) ?? 'avco' };
      this.products.set(id, p);
    }
    return p;
  }

  async allowsNegative(warehouseId: string | null): Promise<boolean> {
    if (!warehouseId) return true; // virtual locations go negative by design (Vendors gives, Customers takes)
    let v = this.negative.get(warehouseId);
    if (v === undefined) {
      const row = await this.ctx.db.selectFrom('warehouse').select('allow_negative').where('id', '=', warehouseId).executeTakeFirst();
      v = row?.allow_negative === 1;
      this.negative.set(warehouseId, v);
    }
    return v;
  }
}

const sessions = new WeakMap<CommandContext, LedgerSession>();
function session(ctx: CommandContext): LedgerSession {
  let s = sessions.get(ctx);
  if (!s) {
    s = new LedgerSession(ctx);
    sessions.set(ctx, s);
  }
  return s;
}

export async function adjustLevel(ctx: CommandContext, key: { productId: string; location: Pick<LocationInfo, 'id' | 'warehouse_id'>; lotKey: string }, delta: LevelDelta): Promise<void> {
  const params: LevelParams = {
    productId: key.productId,
    locationId: key.location.id,
    lotKey: key.lotKey,
    warehouseId: key.location.warehouse_id,
    onHand: delta.onHand ?? 0,
    reserved: delta.reserved ?? 0,
    incoming: delta.incoming ?? 0,
    outgoing: delta.outgoing ?? 0,
    now: ctx.now,
  };
  const updated = await updateLevel.execute(ctx.db, params);
  if (Number(updated.numAffectedRows ?? 0) === 0) await insertLevel.execute(ctx.db, params);
}

export async function readLevel(db: Db | Tx, productId: string, locationId: string, lotKey: string): Promise<{ onHand: number; reserved: number }> {
  const row = await selectLevel.first(db, { productId, locationId, lotKey });
  return { onHand: Number(row?.on_hand ?? 0), reserved: Number(row?.reserved ?? 0) };
}

/** Value of stock leaving the company: AVCO at the running average, FIFO from the oldest layers. */
async function valueOut(ctx: CommandContext, productId: string, info: ProductStockInfo, quantity: number): Promise<number> {
  if (info.costing === 'fifo') {
    let left = quantity;
    let value = 0;
    const layers = await ctx.db
      .selectFrom('valuation_layer')
      .select(['id', 'remaining_quantity', 'remaining_value_minor'])
      .where('product_id', '=', productId)
      .where('remaining_quantity', '>', 0)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    for (const layer of layers) {
      if (left === 0) break;
      const rq = Number(layer.remaining_quantity);
      const rv = Number(layer.remaining_value_minor);
      const take = Math.min(left, rq);
      const takeValue = take === rq ? rv : prorate(rv, take, rq);
      await ctx.db
        .updateTable('valuation_layer')
        .set({ remaining_quantity: rq - take, remaining_value_minor: rv - takeValue, updated_at: ctx.now })
        .where('id', '=', layer.id)
        .execute();
      value += takeValue;
      left -= take;
    }
    // Beyond the layers (negative stock): value at the product's standard cost.
    return value + left * info.costMinor;
  }
  const v = await selectValuation.first(ctx.db, { productId });
  const qty = Number(v?.quantity ?? 0);
  const val = Number(v?.value_minor ?? 0);
  if (qty <= 0) return quantity * info.costMinor;
  if (quantity >= qty) return val + (quantity - qty) * info.costMinor;
  return prorate(val, quantity, qty);
}

/** The current average unit cost (for moves that enter without a price, e.g. found stock, returns). */
export async function averageCost(ctx: CommandContext, productId: string): Promise<number> {
  const info = await session(ctx).product(productId);
  const v = await selectValuation.first(ctx.db, { productId });
  const qty = Number(v?.quantity ?? 0);
  return qty > 0 ? prorate(Number(v!.value_minor), 1, qty) : info.costMinor;
}

/**
 * Posts moves: each becomes one ledger row, the summary levels of both locations change in
 * the same transaction, and the company's stock value changes when stock enters or leaves
 * owned locations. Refuses (nothing written: the command's transaction rolls back) a move
 * that would take a warehouse location below zero where negative stock is not allowed.
 */
export async function postMoves(ctx: CommandContext, moves: MoveRequest[]): Promise<string[]> {
  const s = session(ctx);
  const ids: string[] = [];
  for (const m of moves) {
    if (!Number.isInteger(m.quantity) || m.quantity <= 0) throw new DomainError('VALIDATION', `Move quantity must be a whole number above zero (got ${m.quantity})`);
    if (m.from.id === m.to.id) throw new DomainError('BUSINESS_RULE', `A move needs two different locations (${m.from.path})`);
    if (m.from.usage === 'view' || m.to.usage === 'view') throw new DomainError('BUSINESS_RULE', `${m.from.usage === 'view' ? m.from.path : m.to.path} is a view location; choose a location below it`);
    const info = await s.product(m.productId);
    if (info.tracking !== 'none' && !m.lotId) throw new DomainError('BUSINESS_RULE', `${info.sku} is tracked by ${info.tracking}: give the ${info.tracking} number`);
    const lotKey = lotKeyOf(m.lotId);

    if (m.from.usage === 'internal' && !(await s.allowsNegative(m.from.warehouse_id))) {
      const level = await readLevel(ctx.db, m.productId, m.from.id, lotKey);
      const free = level.onHand - level.reserved;
      if (free < m.quantity) {
        throw new DomainError('BUSINESS_RULE', `Not enough ${info.sku} at ${m.from.path}: needed ${m.quantity}, available ${Math.max(free, 0)}`, {
          productId: m.productId,
          locationId: m.from.id,
          needed: m.quantity,
          available: Math.max(free, 0),
        });
      }
    }

    const entering = !isOwned(m.from.usage) && isOwned(m.to.usage);
    const leaving = isOwned(m.from.usage) && !isOwned(m.to.usage);
    let unitCost: number;
    let value: number;
    const id = ctx.newId();
    if (entering) {
      unitCost = m.unitCostMinor ?? (await averageCost(ctx, m.productId));
      value = unitCost * m.quantity;
    } else if (leaving) {
      const out = await valueOut(ctx, m.productId, info, m.quantity);
      value = -out;
      unitCost = prorate(out, 1, m.quantity);
    } else {
      unitCost = await averageCost(ctx, m.productId);
      value = 0;
    }
    await insertMove.execute(ctx.db, {
      id,
      branchId: ctx.branchId,
      now: ctx.now,
      productId: m.productId,
      quantity: m.quantity,
      fromId: m.from.id,
      toId: m.to.id,
      lotId: m.lotId,
      reference: m.reference,
      transferId: m.transferId ?? null,
      transferLineId: m.transferLineId ?? null,
      unitCost,
      value,
      reversalOfId: m.reversalOfId ?? null,
      reason: m.reason ?? null,
    });
    await adjustLevel(ctx, { productId: m.productId, location: m.from, lotKey }, { onHand: -m.quantity });
    await adjustLevel(ctx, { productId: m.productId, location: m.to, lotKey }, { onHand: m.quantity });
    if (entering || leaving) {
      await upsertValuation.execute(ctx.db, { productId: m.productId, quantity: entering ? m.quantity : -m.quantity, value, now: ctx.now });
      if (entering && info.costing === 'fifo') {
        await ctx.db
          .insertInto('valuation_layer')
          .values({ id: ctx.newId(), branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, product_id: m.productId, move_id: id, remaining_quantity: m.quantity, remaining_value_minor: value })
          .execute();
      }
    }
    ids.push(id);
  }
  return ids;
}

export interface LedgerDifference {
  productId: string;
  locationId: string;
  lotKey: string;
  field: string;
  summary: number;
  ledger: number;
}

/**
 * Recomputes every summary figure from its source — on hand from the moves, reserved from
 * the reservations, incoming/outgoing from open transfer lines that cross a warehouse's
 * boundary (steps inside one warehouse are neither) — and lists each difference.
 */
export async function checkLedger(db: Db | Tx): Promise<LedgerDifference[]> {
  const ledger = await sql<{ product_id: string; location_id: string; lot_key: string; on_hand: number; reserved: number; incoming: number; outgoing: number }>`
    WITH open_crossing AS (
      SELECT l.* FROM transfer_line l
      JOIN location f ON f.id = l.from_location_id
      JOIN location t ON t.id = l.to_location_id
      WHERE l.state IN ('waiting', 'ready') AND f.warehouse_id IS DISTINCT FROM t.warehouse_id
    ), flows AS (
      SELECT product_id, to_location_id AS location_id, COALESCE(lot_id, '') AS lot_key, quantity AS on_hand, 0 AS reserved, 0 AS incoming, 0 AS outgoing FROM stock_move
      UNION ALL SELECT product_id, from_location_id, COALESCE(lot_id, ''), -quantity, 0, 0, 0 FROM stock_move
      UNION ALL SELECT product_id, location_id, lot_key, 0, quantity, 0, 0 FROM reservation
      UNION ALL SELECT l.product_id, l.to_location_id, '', 0, 0, l.quantity - l.quantity_done, 0 FROM open_crossing l
      UNION ALL SELECT l.product_id, l.from_location_id, '', 0, 0, 0, l.quantity - l.quantity_done FROM open_crossing l
    )
    SELECT product_id, location_id, lot_key, SUM(on_hand) AS on_hand, SUM(reserved) AS reserved, SUM(incoming) AS incoming, SUM(outgoing) AS outgoing
    FROM flows GROUP BY product_id, location_id, lot_key`.execute(db);
  const summary = await db.selectFrom('stock_level').select(['product_id', 'location_id', 'lot_key', 'on_hand', 'reserved', 'incoming', 'outgoing']).execute();
  const key = (r: { product_id: string; location_id: string; lot_key: string }) => `${r.product_id}|${r.location_id}|${r.lot_key}`;
  const fromLedger = new Map(ledger.rows.map((r) => [key(r), r]));
  const fromSummary = new Map(summary.map((r) => [key(r), r]));
  const differences: LedgerDifference[] = [];
  for (const k of new Set([...fromLedger.keys(), ...fromSummary.keys()])) {
    const l = fromLedger.get(k);
    const s = fromSummary.get(k);
    const [productId, locationId, lotKey] = k.split('|') as [string, string, string];
    for (const field of ['on_hand', 'reserved', 'incoming', 'outgoing'] as const) {
      const a = Number(s?.[field] ?? 0);
      const b = Number(l?.[field] ?? 0);
      if (a !== b) differences.push({ productId, locationId, lotKey, field, summary: a, ledger: b });
    }
  }
  return differences;
}
