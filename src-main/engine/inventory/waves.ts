import type { z } from 'zod';
import type { Wave } from '../../../src-shared/contract/inventory';
import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { branchCode, nextDocumentNumber } from '../platform/series';
import { FAR_FUTURE } from './locations';

type WaveOut = z.infer<typeof Wave>;

/**
 * Builds a wave from ready transfers that take stock from the warehouse (picks, or
 * deliveries in a 1-step warehouse), filtered by carrier, carrier cut-off and zone, in
 * priority order: earliest carrier cut-off, then customer priority, then order value.
 */
export async function buildWave(ctx: CommandContext, input: { warehouseId: string; carrier?: string; cutoffBefore?: string; zone?: string; maxTransfers: number }): Promise<string> {
  const wh = await ctx.db.selectFrom('warehouse').select(['id', 'code']).where('id', '=', input.warehouseId).executeTakeFirst();
  if (!wh) throw notFound('Warehouse');
  let q = ctx.db
    .selectFrom('transfer as t')
    .innerJoin('location as f', 'f.id', 't.from_location_id')
    .select(['t.id'])
    .where('t.warehouse_id', '=', wh.id)
    .where('t.state', '=', 'ready')
    .where('t.wave_id', 'is', null)
    .where('t.kind', 'in', ['pick', 'delivery'])
    .where('f.zone', '=', 'stock');
  if (input.carrier) q = q.where('t.carrier', '=', input.carrier);
  if (input.cutoffBefore) q = q.where('t.carrier_cutoff', '<=', input.cutoffBefore);
  if (input.zone) {
    const prefix = input.zone;
    // Only transfers whose reserved stock lies entirely in the zone (a location path prefix).
    q = q.where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('reservation as r')
            .innerJoin('transfer_line as l', 'l.id', 'r.transfer_line_id')
            .innerJoin('location as rl', 'rl.id', 'r.location_id')
            .select('r.id')
            .whereRef('l.transfer_id', '=', 't.id')
            .where((e) => e.and([e('rl.path', '!=', prefix), e('rl.path', 'not like', `${prefix}/%`)])),
        ),
      ),
    );
  }
  const picked = await q
    .orderBy((eb) => eb.fn.coalesce('t.carrier_cutoff', eb.val(FAR_FUTURE)))
    .orderBy('t.priority_rank')
    .orderBy('t.order_value_minor', 'desc')
    .orderBy('t.number')
    .limit(input.maxTransfers)
    .execute();
  if (picked.length === 0) throw new DomainError('BUSINESS_RULE', 'No ready transfers match these filters; nothing to put in a wave');
  const id = ctx.newId();
  const number = await nextDocumentNumber(ctx, `${await branchCode(ctx)}-${wh.code}-WAVE-${ctx.now.slice(0, 4)}-`);
  await ctx.db
    .insertInto('wave')
    .values({ id, branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, number, warehouse_id: wh.id, state: 'open', carrier: input.carrier ?? null, zone: input.zone ?? null, cutoff_before: input.cutoffBefore ?? null })
    .execute();
  const ids = picked.map((p) => p.id);
  for (let i = 0; i < ids.length; i += 500) {
    await ctx.db.updateTable('transfer').set({ wave_id: id, updated_at: ctx.now }).where('id', 'in', ids.slice(i, i + 500)).execute();
  }
  ctx.summarize(`Built wave ${number} with ${ids.length} transfers`);
  return id;
}

/** The wave with its pick list: reserved stock grouped by location and product, in path order, so the picker walks once. */
export async function loadWave(db: Db | Tx, id: string): Promise<WaveOut> {
  const w = await db.selectFrom('wave').selectAll().where('id', '=', id).executeTakeFirst();
  if (!w) throw notFound('Wave');
  const transfers = await db
    .selectFrom('transfer')
    .select(['id', 'number', 'carrier', 'carrier_cutoff', 'priority_rank', 'order_value_minor', 'state'])
    .where('wave_id', '=', id)
    .orderBy((eb) => eb.fn.coalesce('carrier_cutoff', eb.val(FAR_FUTURE)))
    .orderBy('priority_rank')
    .orderBy('order_value_minor', 'desc')
    .execute();
  const rows = await db
    .selectFrom('reservation as r')
    .innerJoin('transfer_line as l', 'l.id', 'r.transfer_line_id')
    .innerJoin('transfer as t', 't.id', 'l.transfer_id')
    .innerJoin('location as loc', 'loc.id', 'r.location_id')
    .innerJoin('product as p', 'p.id', 'r.product_id')
    .leftJoin('lot', 'lot.id', 'r.lot_key')
    .select(['loc.path', 'r.product_id', 'p.sku', 'p.name', 'p.barcode', 'lot.name as lot_name', 'r.quantity', 't.number'])
    .where('t.wave_id', '=', id)
    .where('l.origin_line_id', 'is', null)
    .orderBy('loc.path')
    .orderBy('p.sku')
    .execute();
  const grouped = new Map<string, WaveOut['pickList'][number]>();
  for (const r of rows) {
    const key = `${r.path}|${r.product_id}|${r.lot_name ?? ''}`;
    const g = grouped.get(key);
    if (g) {
      g.quantity += r.quantity;
      if (!g.transferNumbers.includes(r.number)) g.transferNumbers.push(r.number);
    } else {
      grouped.set(key, { locationPath: r.path, productId: r.product_id, sku: r.sku, name: r.name, barcode: r.barcode, lotName: r.lot_name, quantity: r.quantity, transferNumbers: [r.number] });
    }
  }
  return {
    id: w.id,
    number: w.number,
    warehouseId: w.warehouse_id,
    state: w.state,
    carrier: w.carrier,
    zone: w.zone,
    cutoffBefore: w.cutoff_before,
    transfers: transfers.map((t) => ({ id: t.id, number: t.number, carrier: t.carrier, carrierCutoff: t.carrier_cutoff, priorityRank: t.priority_rank, orderValueMinor: Number(t.order_value_minor), state: t.state })),
    pickList: [...grouped.values()],
  };
}
