import { sql } from 'kysely';
import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import { isOwned, type LocationInfo } from './locations';
import { postStockValuation, type ValuedMove } from '../finance/auto';
import type { StockMoveTable, ValuationLayerTable } from '../platform/schema';
import { preparedInsertMany } from '../platform/batch';
import { adjustLevel, flushAllLevels, flushProductLevels, readLevel } from './levels';
import { flushReservations } from './reservations';
import { inventorySession, type ProductInfo } from './session';

export { adjustLevel, readLevel, type LevelDelta } from './levels';

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

/** Incoming/outgoing count only lines entering or leaving a warehouse, so multi-step flows are not counted per step. */
export const crossesWarehouse = (from: Pick<LocationInfo, 'warehouse_id'>, to: Pick<LocationInfo, 'warehouse_id'>) => from.warehouse_id !== to.warehouse_id;

export const lotKeyOf = (lotId: string | null | undefined) => lotId ?? '';

const MOVE_COLUMNS = [
  'id', 'branch_id', 'created_at', 'updated_at', 'version', 'product_id', 'quantity', 'from_location_id', 'to_location_id', 'lot_id', 'moved_at',
  'reference', 'transfer_id', 'transfer_line_id', 'unit_cost_minor', 'value_minor', 'reversal_of_id', 'reason',
] as const satisfies readonly (keyof StockMoveTable)[];
type MoveRow = Pick<StockMoveTable, (typeof MOVE_COLUMNS)[number]> & Record<string, unknown>;
const insertMoves = preparedInsertMany<'stock_move', MoveRow>('stock_move', MOVE_COLUMNS);

const selectValuation = preparedQuery<{ productId: string }, { quantity: number; value_minor: number }>(['productId'], (db, p) =>
  db.selectFrom('product_valuation').select(['quantity', 'value_minor']).where('product_id', '=', p.productId),
);

type ValuationRow = { product_id: string; quantity: number; value_minor: number; updated_at: string };
const upsertValuations = preparedInsertMany<'product_valuation', ValuationRow>('product_valuation', ['product_id', 'quantity', 'value_minor', 'updated_at'], (insert) =>
  insert.onConflict((oc) =>
    oc.column('product_id').doUpdateSet((eb) => ({
      quantity: eb('product_valuation.quantity', '+', eb.ref('excluded.quantity')),
      value_minor: eb('product_valuation.value_minor', '+', eb.ref('excluded.value_minor')),
      updated_at: eb.ref('excluded.updated_at'),
    })),
  ),
);

// FIFO layers: the oldest open layer is consumed first.
const openLayers = preparedQuery<{ productId: string }, { id: string; remaining_quantity: number; remaining_value_minor: number }>(['productId'], (db, p) =>
  db
    .selectFrom('valuation_layer')
    .select(['id', 'remaining_quantity', 'remaining_value_minor'])
    .where('product_id', '=', p.productId)
    .where('remaining_quantity', '>', 0)
    .orderBy('created_at')
    .orderBy('id'),
);

const updateLayer = preparedQuery<{ id: string; quantity: number; value: number; now: string }, never>(['id', 'quantity', 'value', 'now'], (db, p) =>
  db.updateTable('valuation_layer').set({ remaining_quantity: p.quantity, remaining_value_minor: p.value, updated_at: p.now }).where('id', '=', p.id),
);

const LAYER_COLUMNS = ['id', 'branch_id', 'created_at', 'updated_at', 'version', 'product_id', 'move_id', 'remaining_quantity', 'remaining_value_minor'] as const;
type LayerRow = Pick<ValuationLayerTable, (typeof LAYER_COLUMNS)[number]> & Record<string, unknown>;
const insertLayers = preparedInsertMany<'valuation_layer', LayerRow>('valuation_layer', LAYER_COLUMNS);

/**
 * Ledger rows and valuation changes waiting for the end of a batch (batchLedgerWrites): a
 * 100-line receipt writes its moves and its products' value in a few multi-row statements
 * instead of 200 single ones. Nothing reads stock_move while a command runs; valuation and
 * FIFO layers are written before they are read (readValuation, openLayersOf).
 */
interface PendingLedger {
  moves: MoveRow[];
  /** After the moves: a layer refers to the move that opened it. */
  layers: LayerRow[];
  valuations: Map<string, ValuationRow>;
}

const pendingByCommand = new WeakMap<CommandContext, PendingLedger>();
function pendingOf(ctx: CommandContext): PendingLedger {
  let p = pendingByCommand.get(ctx);
  if (!p) {
    p = { moves: [], layers: [], valuations: new Map() };
    pendingByCommand.set(ctx, p);
  }
  return p;
}

const batching = (ctx: CommandContext) => inventorySession(ctx).batchDepth > 0;

async function writeMove(ctx: CommandContext, row: MoveRow): Promise<void> {
  if (batching(ctx)) pendingOf(ctx).moves.push(row);
  else await insertMoves(ctx.db, [row]);
}

async function writeLayer(ctx: CommandContext, row: LayerRow): Promise<void> {
  if (batching(ctx)) pendingOf(ctx).layers.push(row);
  else await insertLayers(ctx.db, [row]);
}

/** Adds to a product's owned quantity and value (summed per product while batched). */
async function addValuation(ctx: CommandContext, productId: string, quantity: number, value: number): Promise<void> {
  if (!batching(ctx)) return upsertValuations(ctx.db, [{ product_id: productId, quantity, value_minor: value, updated_at: ctx.now }]);
  const valuations = pendingOf(ctx).valuations;
  const v = valuations.get(productId);
  if (v) {
    v.quantity += quantity;
    v.value_minor += value;
  } else valuations.set(productId, { product_id: productId, quantity, value_minor: value, updated_at: ctx.now });
}

async function flushMovesAndLayers(ctx: CommandContext): Promise<void> {
  const pending = pendingByCommand.get(ctx);
  if (!pending) return;
  const { moves, layers } = pending;
  pending.moves = [];
  pending.layers = [];
  if (moves.length > 0) await insertMoves(ctx.db, moves);
  if (layers.length > 0) await insertLayers(ctx.db, layers);
}

async function flushValuations(ctx: CommandContext, productId?: string): Promise<void> {
  const valuations = pendingByCommand.get(ctx)?.valuations;
  if (!valuations || valuations.size === 0) return;
  const due = productId === undefined ? [...valuations.values()] : [valuations.get(productId)].filter((v): v is ValuationRow => !!v);
  for (const v of due) valuations.delete(v.product_id);
  if (due.length > 0) await upsertValuations(ctx.db, due);
}

/** The product's owned quantity and value, including what this command has not written yet. */
async function readValuation(ctx: CommandContext, productId: string) {
  await flushValuations(ctx, productId);
  return selectValuation.first(ctx.db, { productId });
}

/** The product's open FIFO layers, oldest first (pending layers, and the moves they refer to, written first). */
async function openLayersOf(ctx: CommandContext, productId: string) {
  await flushMovesAndLayers(ctx);
  return openLayers.rows(ctx.db, { productId });
}

/**
 * Runs `fn` with ledger rows, valuation and summary levels batched, writing them when the
 * outermost batch ends. If `fn` fails, what is pending is still written (as unbatched
 * writes would have been) unless that fails too — the command's transaction rolls back.
 */
export async function batchLedgerWrites<T>(ctx: CommandContext, fn: () => Promise<T>): Promise<T> {
  const session = inventorySession(ctx);
  session.batchDepth++;
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    if (--session.batchDepth === 0) await flushLedgerWrites(ctx).catch(() => undefined);
    throw error;
  }
  if (--session.batchDepth === 0) await flushLedgerWrites(ctx);
  return result;
}

async function flushLedgerWrites(ctx: CommandContext): Promise<void> {
  await flushReservations(ctx);
  await flushMovesAndLayers(ctx);
  await flushValuations(ctx);
  await flushAllLevels(ctx);
}

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

/** Value of stock leaving the company: AVCO at the running average, FIFO from the oldest layers. */
async function valueOut(ctx: CommandContext, productId: string, info: ProductInfo, quantity: number): Promise<number> {
  if (info.costing === 'fifo') {
    let left = quantity;
    let value = 0;
    const layers = await openLayersOf(ctx, productId);
    for (const layer of layers) {
      if (left === 0) break;
      const rq = Number(layer.remaining_quantity);
      const rv = Number(layer.remaining_value_minor);
      const take = Math.min(left, rq);
      const takeValue = take === rq ? rv : prorate(rv, take, rq);
      await updateLayer.execute(ctx.db, { id: layer.id, quantity: rq - take, value: rv - takeValue, now: ctx.now });
      value += takeValue;
      left -= take;
    }
    // Beyond the layers (negative stock): value at the product's standard cost.
    return value + left * info.costMinor;
  }
  const v = await readValuation(ctx, productId);
  const qty = Number(v?.quantity ?? 0);
  const val = Number(v?.value_minor ?? 0);
  if (qty <= 0) return quantity * info.costMinor;
  if (quantity >= qty) return val + (quantity - qty) * info.costMinor;
  return prorate(val, quantity, qty);
}

/** The current average unit cost (for moves that enter without a price, e.g. found stock, returns). */
export async function averageCost(ctx: CommandContext, productId: string): Promise<number> {
  const info = await inventorySession(ctx).product(productId);
  const v = await readValuation(ctx, productId);
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
  const s = inventorySession(ctx);
  const ids: string[] = [];
  const valued: ValuedMove[] = [];
  for (const m of moves) {
    if (!Number.isInteger(m.quantity) || m.quantity <= 0) throw new DomainError('VALIDATION', `Move quantity must be a whole number above zero (got ${m.quantity})`);
    if (m.from.id === m.to.id) throw new DomainError('BUSINESS_RULE', `A move needs two different locations (${m.from.path})`);
    if (m.from.usage === 'view' || m.to.usage === 'view') throw new DomainError('BUSINESS_RULE', `${m.from.usage === 'view' ? m.from.path : m.to.path} is a view location; choose a location below it`);
    const info = await s.product(m.productId);
    if (info.tracking !== 'none' && !m.lotId) throw new DomainError('BUSINESS_RULE', `${info.sku} is tracked by ${info.tracking}: give the ${info.tracking} number`);
    const lotKey = lotKeyOf(m.lotId);

    if (m.from.usage === 'internal' && !(await s.allowsNegative(m.from.warehouse_id))) {
      await flushProductLevels(ctx, m.productId);
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
      // Between two virtual locations (a drop ship Vendors → Customers) the given cost is kept: the company's stock value does not change.
      unitCost = m.unitCostMinor !== undefined && !isOwned(m.from.usage) && !isOwned(m.to.usage) ? m.unitCostMinor : await averageCost(ctx, m.productId);
      value = 0;
    }
    await writeMove(ctx, {
      id,
      branch_id: ctx.branchId,
      created_at: ctx.now,
      updated_at: ctx.now,
      version: 1,
      product_id: m.productId,
      quantity: m.quantity,
      from_location_id: m.from.id,
      to_location_id: m.to.id,
      lot_id: m.lotId,
      moved_at: ctx.now,
      reference: m.reference,
      transfer_id: m.transferId ?? null,
      transfer_line_id: m.transferLineId ?? null,
      unit_cost_minor: unitCost,
      value_minor: value,
      reversal_of_id: m.reversalOfId ?? null,
      reason: m.reason ?? null,
    });
    await adjustLevel(ctx, { productId: m.productId, location: m.from, lotKey }, { onHand: -m.quantity });
    await adjustLevel(ctx, { productId: m.productId, location: m.to, lotKey }, { onHand: m.quantity });
    if (entering || leaving) {
      await addValuation(ctx, m.productId, entering ? m.quantity : -m.quantity, value);
      valued.push({ productId: m.productId, valueMinor: value, fromUsage: m.from.usage, toUsage: m.to.usage, fromWarehouseId: m.from.warehouse_id, toWarehouseId: m.to.warehouse_id, transferId: m.transferId ?? null, reference: m.reference });
      if (entering && info.costing === 'fifo') {
        await writeLayer(ctx, { id: ctx.newId(), branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, product_id: m.productId, move_id: id, remaining_quantity: m.quantity, remaining_value_minor: value });
      }
    }
    ids.push(id);
  }
  // Finance: perpetual valuation — the stock entry of these moves, in the same transaction.
  await postStockValuation(ctx, valued);
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
