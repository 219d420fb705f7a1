import { sql } from 'kysely';
import type { z } from 'zod';
import type { Availability } from '../../../src-shared/contract/inventory';
import type { Db, Tx } from '../platform/db';
import { notFound } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';

type AvailabilityOut = z.infer<typeof Availability>;

// Warehouse locations only (virtual ones have no warehouse): one index range per product.
const levelsByWarehouse = preparedQuery<{ productId: string }, { warehouse_id: string; on_hand: number; reserved: number; incoming: number; outgoing: number }>(['productId'], (db, p) =>
  db
    .selectFrom('stock_level')
    .select((eb) => [
      'warehouse_id',
      eb.fn.sum<number>('on_hand').as('on_hand'),
      eb.fn.sum<number>('reserved').as('reserved'),
      eb.fn.sum<number>('incoming').as('incoming'),
      eb.fn.sum<number>('outgoing').as('outgoing'),
    ])
    .where('product_id', '=', p.productId)
    .where('warehouse_id', 'is not', null)
    .groupBy('warehouse_id') as never,
);

const warehouseCodes = new WeakMap<object, Map<string, string>>();

async function codeOf(db: Db | Tx, id: string): Promise<string> {
  const key = db.getExecutor().adapter;
  let codes = warehouseCodes.get(key);
  if (!codes?.has(id)) {
    const rows = await db.selectFrom('warehouse').select(['id', 'code']).execute();
    codes = new Map(rows.map((r) => [r.id, r.code]));
    warehouseCodes.set(key, codes);
  }
  return codes.get(id) ?? '?';
}

/**
 * ATP = on hand − reserved, from the summary rows (never by summing the ledger).
 * Transit stock belongs to no warehouse until it arrives, so it shows as incoming there.
 */
export async function availability(db: Db | Tx, productId: string, warehouseId?: string): Promise<AvailabilityOut> {
  const rows = await levelsByWarehouse.rows(db, { productId });
  const byWarehouse = [];
  const total = { onHand: 0, reserved: 0, incoming: 0, outgoing: 0 };
  for (const r of rows) {
    if (warehouseId && r.warehouse_id !== warehouseId) continue;
    const w = { warehouseId: r.warehouse_id, code: await codeOf(db, r.warehouse_id), onHand: Number(r.on_hand), reserved: Number(r.reserved), incoming: Number(r.incoming), outgoing: Number(r.outgoing) };
    byWarehouse.push({ ...w, available: w.onHand - w.reserved });
    total.onHand += w.onHand;
    total.reserved += w.reserved;
    total.incoming += w.incoming;
    total.outgoing += w.outgoing;
  }
  return { productId, ...total, available: total.onHand - total.reserved, byWarehouse };
}

/** Forecast quantity per day: on hand + incoming − outgoing of open transfers scheduled up to that day. */
export async function forecast(db: Db | Tx, productId: string, warehouseId: string | undefined, days: number, now: string) {
  const base = await availability(db, productId, warehouseId);
  let q = db
    .selectFrom('transfer_line as l')
    .innerJoin('transfer as t', 't.id', 'l.transfer_id')
    .innerJoin('location as f', 'f.id', 'l.from_location_id')
    .innerJoin('location as d', 'd.id', 'l.to_location_id')
    .select(['t.scheduled_date', 'f.warehouse_id as from_wh', 'd.warehouse_id as to_wh', sql<number>`l.quantity - l.quantity_done`.as('open')])
    .where('l.product_id', '=', productId)
    .where('l.state', 'in', ['waiting', 'ready'])
    .where(sql<boolean>`f.warehouse_id IS DISTINCT FROM d.warehouse_id`);
  if (warehouseId) q = q.where((eb) => eb.or([eb('f.warehouse_id', '=', warehouseId), eb('d.warehouse_id', '=', warehouseId)]));
  const lines = await q.execute();
  const start = now.slice(0, 10);
  const dayOf = (iso: string) => (iso.slice(0, 10) < start ? start : iso.slice(0, 10));
  const rows = [];
  let level = base.onHand;
  for (let i = 0; i < days; i++) {
    const date = new Date(Date.parse(`${start}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10);
    let incoming = 0;
    let outgoing = 0;
    for (const l of lines) {
      if (dayOf(l.scheduled_date) !== date) continue;
      const inbound = warehouseId ? l.to_wh === warehouseId : l.to_wh !== null;
      const outbound = warehouseId ? l.from_wh === warehouseId : l.from_wh !== null;
      if (inbound) incoming += Number(l.open);
      if (outbound) outgoing += Number(l.open);
    }
    level += incoming - outgoing;
    rows.push({ date, incoming, outgoing, forecast: level });
  }
  return { rows };
}

export async function stockByProduct(db: Db | Tx, productId: string, warehouseId?: string) {
  const product = await db.selectFrom('product').select('id').where('id', '=', productId).executeTakeFirst();
  if (!product) throw notFound('Product');
  let q = db
    .selectFrom('stock_level as s')
    .innerJoin('location as l', 'l.id', 's.location_id')
    .leftJoin('warehouse as w', 'w.id', 's.warehouse_id')
    .leftJoin('lot', 'lot.id', 's.lot_key')
    .select(['s.location_id', 'l.path', 'w.code', 'lot.name as lot_name', 'lot.expiry_date', 's.on_hand', 's.reserved', 's.incoming', 's.outgoing'])
    .where('s.product_id', '=', productId)
    .where('l.usage', 'in', ['internal', 'transit'])
    .where((eb) => eb.or([eb('s.on_hand', '!=', 0), eb('s.reserved', '!=', 0), eb('s.incoming', '!=', 0), eb('s.outgoing', '!=', 0)]));
  if (warehouseId) q = q.where('s.warehouse_id', '=', warehouseId);
  const rows = await q.orderBy('l.path').orderBy('lot.name').execute();
  return {
    rows: rows.map((r) => ({
      locationId: r.location_id,
      path: r.path,
      warehouseCode: r.code,
      lotName: r.lot_name,
      expiryDate: r.expiry_date,
      onHand: Number(r.on_hand),
      reserved: Number(r.reserved),
      incoming: Number(r.incoming),
      outgoing: Number(r.outgoing),
    })),
  };
}
