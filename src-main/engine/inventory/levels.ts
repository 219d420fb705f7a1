import { type QueryResult, sql } from 'kysely';
import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { preparedQuery } from '../platform/prepared';
import { compileRows, inChunks, preparedInsertMany } from '../platform/batch';
import type { LocationInfo } from './locations';
import { inventorySession } from './session';

/**
 * The summary rows (`stock_level`: on hand, reserved, incoming, outgoing per product,
 * location and lot) and how commands change them.
 *
 * A document touches the same few keys line after line (a 100-line receipt used to write
 * 600 single-row updates). While ledger writes are batched (ledger.ts batchLedgerWrites)
 * the deltas are summed per key in memory and written together at the end, in multi-row
 * statements; a reader of on hand or reserved first writes what is pending for its product
 * (`flushProductLevels`), so every read still sees exact figures. Incoming/outgoing are
 * never read while a command runs.
 */

export interface LevelDelta {
  onHand?: number;
  reserved?: number;
  incoming?: number;
  outgoing?: number;
}

export interface LevelKey {
  productId: string;
  location: Pick<LocationInfo, 'id' | 'warehouse_id'>;
  lotKey: string;
}

interface PendingLevel {
  productId: string;
  locationId: string;
  warehouseId: string | null;
  lotKey: string;
  onHand: number;
  reserved: number;
  incoming: number;
  outgoing: number;
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

// Only incoming/outgoing (planning a line that crosses a warehouse boundary): SET leaves
// on_hand and reserved out, so the centre need not rewrite the row's entry in its
// (product, warehouse, on_hand, reserved) index (a branch's table is clustered on its key
// and has no such index: migration 0024).
const updateLevelFlows = preparedQuery<LevelParams, never>(LEVEL_PARAMS, (db, p) =>
  db
    .updateTable('stock_level')
    .set((eb) => ({
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

const flowsOnly = (l: Pick<PendingLevel, 'onHand' | 'reserved'>) => l.onHand === 0 && l.reserved === 0;

/** Writes one key's delta: update the row, or insert it when it is new. */
async function writeLevel(ctx: CommandContext, l: PendingLevel): Promise<void> {
  const params: LevelParams = { ...l, now: ctx.now };
  const updated = await (flowsOnly(l) ? updateLevelFlows : updateLevel).execute(ctx.db, params);
  if (Number(updated.numAffectedRows ?? 0) === 0) await insertLevel.execute(ctx.db, params);
}

type LevelField = 'onHand' | 'reserved' | 'incoming' | 'outgoing';
const COLUMN_OF: Record<LevelField, string> = { onHand: 'on_hand', reserved: 'reserved', incoming: 'incoming', outgoing: 'outgoing' };

/**
 * `UPDATE stock_level … FROM (VALUES …)`: adds the deltas of `size` keys in one statement,
 * touching only rows that exist. Flows-only keys leave on_hand/reserved (and so the
 * centre's covering index) alone, as updateLevelFlows does. The casts type the VALUES columns for
 * PostgreSQL (untyped parameters would be text there).
 */
function updateLevelsFrom(size: number, flows: boolean) {
  const fields: LevelField[] = flows ? ['incoming', 'outgoing'] : ['onHand', 'reserved', 'incoming', 'outgoing'];
  return compileRows<PendingLevel, { now: string }>(size, ['productId', 'locationId', 'lotKey', ...fields], ['now'], (db, rows, p) => {
    const values = rows.map((r) => sql`(${r.productId}, ${r.locationId}, ${r.lotKey}, ${sql.join(fields.map((f) => sql`CAST(${r[f]} AS bigint)`))})`);
    const set = sql.join(fields.map((f, j) => sql`${sql.ref(COLUMN_OF[f])} = ${sql.ref(`stock_level.${COLUMN_OF[f]}`)} + ${sql.ref(`v.column${j + 4}`)}`));
    const query = sql`UPDATE stock_level SET ${set}, updated_at = ${p.now} FROM (VALUES ${sql.join(values)}) AS v
      WHERE stock_level.product_id = v.column1 AND stock_level.location_id = v.column2 AND stock_level.lot_key = v.column3`;
    return { compile: () => query.compile(db) };
  });
}

/** Of `size` keys, those with no summary row yet (one statement instead of a lookup per key). */
function missingKeysOf(size: number) {
  return compileRows<PendingLevel, Record<string, never>, { product_id: string; location_id: string; lot_key: string }>(size, ['productId', 'locationId', 'lotKey'], [], (db, rows) => {
    const values = rows.map((r) => sql`(${r.productId}, ${r.locationId}, ${r.lotKey})`);
    const query = sql`SELECT v.column1 AS product_id, v.column2 AS location_id, v.column3 AS lot_key FROM (VALUES ${sql.join(values)}) AS v
      WHERE NOT EXISTS (SELECT 1 FROM stock_level s WHERE s.product_id = v.column1 AND s.location_id = v.column2 AND s.lot_key = v.column3)`;
    return { compile: () => query.compile(db) };
  });
}

const statements = new Map<string, { execute: (db: Db | Tx, rows: readonly PendingLevel[], scalars: never) => Promise<QueryResult<unknown>> }>();
/** The statement of one kind and size, compiled on first use. */
function statement<S>(kind: string, size: number, make: (size: number) => S): S {
  const key = `${kind}|${size}`;
  let st = statements.get(key);
  if (!st) {
    st = make(size) as never;
    statements.set(key, st!);
  }
  return st as S;
}

/** Writes many keys' deltas: multi-row updates, then an insert for each key that had no row yet. */
async function writeLevels(ctx: CommandContext, levels: PendingLevel[]): Promise<void> {
  for (const flows of [true, false]) {
    await inChunks(
      levels.filter((l) => flowsOnly(l) === flows),
      async (size, chunk) => {
        const update = statement(flows ? 'flows' : 'full', size, (n) => updateLevelsFrom(n, flows));
        const updated = await update.execute(ctx.db, chunk, { now: ctx.now });
        if (Number(updated.numAffectedRows ?? 0) < size) await insertMissing(ctx, chunk);
      },
    );
  }
}

type LevelRow = { product_id: string; location_id: string; lot_key: string; warehouse_id: string | null; on_hand: number; reserved: number; incoming: number; outgoing: number; updated_at: string };
const insertLevels = preparedInsertMany<'stock_level', LevelRow>('stock_level', ['product_id', 'location_id', 'lot_key', 'warehouse_id', 'on_hand', 'reserved', 'incoming', 'outgoing', 'updated_at']);

/** After a multi-row update that missed some keys: those rows are new, inserted with the delta (as writeLevel would), together. */
async function insertMissing(ctx: CommandContext, chunk: readonly PendingLevel[]): Promise<void> {
  const missing = await statement('missing', chunk.length, missingKeysOf).execute(ctx.db, chunk, {});
  const isMissing = new Set(missing.rows.map((r) => `${r.product_id}|${r.location_id}|${r.lot_key}`));
  const rows: LevelRow[] = [];
  for (const l of chunk) {
    if (!isMissing.has(`${l.productId}|${l.locationId}|${l.lotKey}`)) continue;
    rows.push({ product_id: l.productId, location_id: l.locationId, lot_key: l.lotKey, warehouse_id: l.warehouseId, on_hand: l.onHand, reserved: l.reserved, incoming: l.incoming, outgoing: l.outgoing, updated_at: ctx.now });
  }
  if (rows.length > 0) await insertLevels(ctx.db, rows);
}

/** Deltas not written yet, per key (`product|location|lot`), per command. */
const pendingByCommand = new WeakMap<CommandContext, Map<string, PendingLevel>>();
function pendingOf(ctx: CommandContext): Map<string, PendingLevel> {
  let p = pendingByCommand.get(ctx);
  if (!p) {
    p = new Map();
    pendingByCommand.set(ctx, p);
  }
  return p;
}

/**
 * Changes a summary row by a delta (creating the row when new); while writes are batched, when
 * the batch ends. Batched, it only adds to the pending delta and returns undefined, with no
 * promise to wait for: hot loops (reserving, planning a document's lines) skip the await.
 */
export function adjustLevel(ctx: CommandContext, key: LevelKey, delta: LevelDelta): Promise<void> | undefined {
  const level: PendingLevel = {
    productId: key.productId,
    locationId: key.location.id,
    warehouseId: key.location.warehouse_id,
    lotKey: key.lotKey,
    onHand: delta.onHand ?? 0,
    reserved: delta.reserved ?? 0,
    incoming: delta.incoming ?? 0,
    outgoing: delta.outgoing ?? 0,
  };
  if (inventorySession(ctx).batchDepth === 0) return writeLevel(ctx, level);
  const all = pendingOf(ctx);
  const k = `${level.productId}|${level.locationId}|${level.lotKey}`;
  const pending = all.get(k);
  if (!pending) {
    all.set(k, level);
    return undefined;
  }
  pending.onHand += level.onHand;
  pending.reserved += level.reserved;
  pending.incoming += level.incoming;
  pending.outgoing += level.outgoing;
  return undefined;
}

/** Writes every pending delta (when a batch ends). */
export async function flushAllLevels(ctx: CommandContext): Promise<void> {
  await flushLevels(ctx, () => true);
}

async function flushLevels(ctx: CommandContext, which: (l: PendingLevel) => boolean): Promise<void> {
  const pending = pendingByCommand.get(ctx);
  if (!pending || pending.size === 0) return;
  const due: PendingLevel[] = [];
  for (const [k, l] of pending) {
    if (!which(l)) continue;
    pending.delete(k);
    if (l.onHand !== 0 || l.reserved !== 0 || l.incoming !== 0 || l.outgoing !== 0) due.push(l);
    else await writeLevel(ctx, l); // a net zero still touches the row (and creates it), as the single writes did
  }
  if (due.length > 0) await writeLevels(ctx, due);
}

/** Whether any delta waits to be written (readers of many products skip flushing each when none does). */
export function hasPendingLevels(ctx: CommandContext): boolean {
  return (pendingByCommand.get(ctx)?.size ?? 0) > 0;
}

/**
 * Writes the pending on hand/reserved changes of a product before something reads its free
 * stock. Incoming/outgoing stay pending: nothing reads them inside a command.
 */
export async function flushProductLevels(ctx: CommandContext, productId: string): Promise<void> {
  await flushLevels(ctx, (l) => l.productId === productId && !flowsOnly(l));
}

export async function readLevel(db: Db | Tx, productId: string, locationId: string, lotKey: string): Promise<{ onHand: number; reserved: number }> {
  const row = await selectLevel.first(db, { productId, locationId, lotKey });
  return { onHand: Number(row?.on_hand ?? 0), reserved: Number(row?.reserved ?? 0) };
}
