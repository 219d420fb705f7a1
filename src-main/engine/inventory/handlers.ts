import { sql } from 'kysely';
import { parseScan, ScanError } from '../../../src-shared/barcode';
import { containsTerm, likeEscape } from '../catalog/products';
import { type CommandContext, defineHandlers } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import type { TransferState } from '../platform/schema';
import { approveCount, classifyAbc, createCount, loadCount, recordCount, scheduleCounts, submitCount } from './counts';
import { crossDockOn, setCrossDock } from './crossdock';
import { averageCost, checkLedger, postMoves } from './ledger';
import { createWarehouseStructure, getLocation, virtualLocation, zoneLocation } from './locations';
import { findOrCreateLot } from './lots';
import { availability, forecast, stockByProduct } from './queries';
import { readInventorySettings, writeInventorySettings } from './settings';
import { allocate, cancelTransfer, confirmFlow, createFlowWithRows, insertTransfer, linkSteps, planLines, receiveNow, reserveTransfer, unreserveTransfer, validateTransferWithRows } from './transfers';
import { loadTransfer, loadTransferIn, selectTransferHeaders, toTransferHeader, transferFromRows } from './transfers-read';
import { buildWave, loadWave } from './waves';

async function loadWarehouse(db: Db | Tx, id: string) {
  const w = await db.selectFrom('warehouse').selectAll().where('id', '=', id).executeTakeFirst();
  if (!w) throw notFound('Warehouse');
  return { id: w.id, code: w.code, name: w.name, region: w.region, receptionSteps: w.reception_steps, deliverySteps: w.delivery_steps, allowNegative: w.allow_negative === 1, crossDock: await crossDockOn(db, w.id) };
}

/** A transfer's state and number, for a command's precondition (the full transfer is read once, for its reply). */
const transferHead = preparedQuery<{ id: string }, { state: TransferState; number: string }>(['id'], (db, p) => db.selectFrom('transfer').select(['state', 'number']).where('id', '=', p.id));
async function transferStateOf(db: Db | Tx, id: string) {
  const t = await transferHead.first(db, { id });
  if (!t) throw notFound('Transfer');
  return t;
}

const TRANSFER_SORT = { scheduledDate: 't.scheduled_date', number: 't.number', state: 't.state', priority: 't.priority_rank', carrierCutoff: 't.carrier_cutoff' } as const;
const STOCK_SORT = { sku: 'p.sku', name: 'p.name', onHand: 'on_hand', available: 'available', reserved: 'reserved' } as const;

async function findLot(ctx: CommandContext, productId: string, lotName: string | undefined, expiry: string | undefined, tracking: string, sku: string) {
  if (tracking === 'none') return null;
  if (!lotName) throw new DomainError('BUSINESS_RULE', `${sku} is tracked by ${tracking}: give the ${tracking} number`);
  return findOrCreateLot(ctx, productId, lotName, expiry ?? null);
}

export const inventoryHandlers = defineHandlers({
  'inventory.warehouse.list': async (ctx) => {
    const rows = await ctx.db.selectFrom('warehouse').select('id').where('active', '=', 1).orderBy('code').execute();
    return { rows: await Promise.all(rows.map((r) => loadWarehouse(ctx.db, r.id))) };
  },

  'inventory.warehouse.create': async (ctx, input) => {
    const dup = await ctx.db.selectFrom('warehouse').select('id').where('code', '=', input.code).executeTakeFirst();
    if (dup) throw new DomainError('CONFLICT', `Warehouse ${input.code} already exists`, { fields: [{ path: 'code', message: 'Already exists' }] });
    const id = ctx.newId();
    await ctx.db
      .insertInto('warehouse')
      .values({ id, branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, code: input.code, name: input.name, region: input.region, active: 1, reception_steps: input.receptionSteps, delivery_steps: input.deliverySteps, allow_negative: input.allowNegative ? 1 : 0 })
      .execute();
    await createWarehouseStructure(ctx, { id, code: input.code });
    if (input.crossDock) await setCrossDock(ctx, id, true);
    ctx.summarize(`Created warehouse ${input.code}`);
    return loadWarehouse(ctx.db, id);
  },

  'inventory.warehouse.configure': async (ctx, input) => {
    const w = await loadWarehouse(ctx.db, input.id);
    await ctx.db
      .updateTable('warehouse')
      .set({
        reception_steps: input.receptionSteps ?? w.receptionSteps,
        delivery_steps: input.deliverySteps ?? w.deliverySteps,
        allow_negative: (input.allowNegative ?? w.allowNegative) ? 1 : 0,
        updated_at: ctx.now,
        version: sql`version + 1` as never,
      })
      .where('id', '=', input.id)
      .execute();
    if (input.crossDock !== undefined) await setCrossDock(ctx, input.id, input.crossDock);
    ctx.summarize(`Configured warehouse ${w.code}`);
    return loadWarehouse(ctx.db, input.id);
  },

  'inventory.location.list': async (ctx, input) => {
    let q = ctx.db.selectFrom('location').select(['id', 'warehouse_id', 'parent_id', 'name', 'path', 'usage', 'zone']).where('active', '=', 1);
    if (input.warehouseId) q = q.where('warehouse_id', '=', input.warehouseId);
    if (input.usage) q = q.where('usage', '=', input.usage as never);
    const rows = await q.orderBy('path').execute();
    return { rows: rows.map((r) => ({ id: r.id, warehouseId: r.warehouse_id, parentId: r.parent_id, name: r.name, path: r.path, usage: r.usage, zone: r.zone })) };
  },

  'inventory.location.create': async (ctx, input) => {
    const parent = await getLocation(ctx.db, input.parentId);
    if (parent.usage !== 'internal') throw new DomainError('BUSINESS_RULE', `Bins go under internal locations; ${parent.path} is ${parent.usage}`);
    const path = `${parent.path}/${input.name}`;
    const dup = await ctx.db.selectFrom('location').select('id').where('path', '=', path).executeTakeFirst();
    if (dup) throw new DomainError('CONFLICT', `Location ${path} already exists`, { fields: [{ path: 'name', message: 'Already exists' }] });
    const id = ctx.newId();
    await ctx.db
      .insertInto('location')
      .values({ id, branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, warehouse_id: parent.warehouse_id, parent_id: parent.id, name: input.name, path, usage: 'internal', zone: parent.zone, active: 1 })
      .execute();
    ctx.summarize(`Created location ${path}`);
    return { id, warehouseId: parent.warehouse_id, parentId: parent.id, name: input.name, path, usage: 'internal', zone: parent.zone };
  },

  'inventory.availability': async (ctx, input) => availability(ctx.db, input.productId, input.warehouseId),

  'inventory.forecast': async (ctx, input) => forecast(ctx.db, input.productId, input.warehouseId, input.days, new Date().toISOString()),

  'inventory.stock.list': async (ctx, input) => {
    const levels = ctx.db
      .selectFrom('stock_level')
      .select((eb) => [
        'product_id',
        eb.fn.sum<number>('on_hand').as('on_hand'),
        eb.fn.sum<number>('reserved').as('reserved'),
        eb.fn.sum<number>('incoming').as('incoming'),
        eb.fn.sum<number>('outgoing').as('outgoing'),
      ])
      .where('warehouse_id', 'is not', null)
      .$if(!!input.warehouseId, (q) => q.where('warehouse_id', '=', input.warehouseId!))
      .groupBy('product_id')
      .as('s');
    const base = ctx.db
      .selectFrom('product as p')
      .innerJoin('uom as u', 'u.id', 'p.uom_id')
      .leftJoin(levels, 's.product_id', 'p.id')
      .where('p.active', '=', 1)
      .$if(!!input.query, (q) => q.where(containsTerm(ctx.dialect, input.query)))
      .$if(input.onlyInStock, (q) => q.where('s.on_hand', '>', 0));
    const [rows, total] = await Promise.all([
      base
        .select((eb) => [
          'p.id',
          'p.sku',
          'p.name',
          'u.code as uom_code',
          'p.abc_class',
          eb.fn.coalesce('s.on_hand', eb.lit(0)).as('on_hand'),
          eb.fn.coalesce('s.reserved', eb.lit(0)).as('reserved'),
          eb.fn.coalesce('s.incoming', eb.lit(0)).as('incoming'),
          eb.fn.coalesce('s.outgoing', eb.lit(0)).as('outgoing'),
          sql<number>`COALESCE(s.on_hand, 0) - COALESCE(s.reserved, 0)`.as('available'),
        ])
        .orderBy(sql.ref(STOCK_SORT[input.sort]), input.dir)
        .orderBy('p.id', input.dir)
        .limit(input.limit)
        .offset(input.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return {
      rows: rows.map((r) => ({ productId: r.id, sku: r.sku, name: r.name, uomCode: r.uom_code, abcClass: r.abc_class, onHand: Number(r.on_hand), reserved: Number(r.reserved), available: Number(r.available), incoming: Number(r.incoming), outgoing: Number(r.outgoing) })),
      total: Number(total.n),
      offset: input.offset,
    };
  },

  'inventory.stock.byProduct': async (ctx, input) => stockByProduct(ctx.db, input.productId, input.warehouseId),

  'inventory.ledger': async (ctx, input) => {
    const base = ctx.db
      .selectFrom('stock_move as m')
      .$if(!!input.productId, (q) => q.where('m.product_id', '=', input.productId!))
      .$if(!!input.locationId, (q) => q.where((eb) => eb.or([eb('m.from_location_id', '=', input.locationId!), eb('m.to_location_id', '=', input.locationId!)])))
      .$if(!!input.transferId, (q) => q.where('m.transfer_id', '=', input.transferId!))
      .$if(!!input.from, (q) => q.where('m.moved_at', '>=', input.from!))
      .$if(!!input.to, (q) => q.where('m.moved_at', '<=', input.to!));
    const [rows, total] = await Promise.all([
      base
        .innerJoin('product as p', 'p.id', 'm.product_id')
        .innerJoin('location as f', 'f.id', 'm.from_location_id')
        .innerJoin('location as t', 't.id', 'm.to_location_id')
        .leftJoin('lot', 'lot.id', 'm.lot_id')
        .select(['m.id', 'm.moved_at', 'm.product_id', 'p.sku', 'm.quantity', 'f.path as from_path', 't.path as to_path', 'lot.name as lot_name', 'm.reference', 'm.transfer_id', 'm.unit_cost_minor', 'm.value_minor', 'm.reason', 'm.reversal_of_id'])
        .orderBy('m.moved_at', 'desc')
        .orderBy('m.id', 'desc')
        .limit(input.limit)
        .offset(input.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return {
      rows: rows.map((r) => ({
        id: r.id,
        movedAt: r.moved_at,
        productId: r.product_id,
        sku: r.sku,
        quantity: r.quantity,
        fromPath: r.from_path,
        toPath: r.to_path,
        lotName: r.lot_name,
        reference: r.reference,
        transferId: r.transfer_id,
        unitCostMinor: Number(r.unit_cost_minor),
        valueMinor: Number(r.value_minor),
        reason: r.reason,
        reversalOfId: r.reversal_of_id,
      })),
      total: Number(total.n),
      offset: input.offset,
    };
  },

  'inventory.check': async (ctx) => {
    const differences = await checkLedger(ctx.db);
    return { ok: differences.length === 0, differences };
  },

  'inventory.transfer.create': async (ctx, input) => {
    // Receive now (validate): created and validated in one batch — the lines' incoming
    // quantity added and taken off again nets to nothing in the level writes.
    const { id, written } = input.validate ? await receiveNow(ctx, input) : await createFlowWithRows(ctx, input);
    // The reply from the rows just written when the flow kept them (no read-back).
    const t = written ? await transferFromRows(ctx, written.header, written.lines, written.reserved) : await loadTransferIn(ctx, id);
    ctx.summarize(`${input.validate ? 'Received' : 'Created'} ${input.kind} ${t.number} (${t.lines.length} lines)`);
    return t;
  },

  'inventory.transfer.confirm': async (ctx, input) => {
    await confirmFlow(ctx, input.id);
    const t = await loadTransferIn(ctx, input.id);
    ctx.summarize(`Confirmed ${t.number}`);
    return t;
  },

  'inventory.transfer.reserve': async (ctx, input) => {
    const t0 = await transferStateOf(ctx.db, input.id);
    if (t0.state !== 'waiting' && t0.state !== 'ready') throw new DomainError('BUSINESS_RULE', `${t0.number} is ${t0.state}; only waiting or ready transfers reserve`);
    await reserveTransfer(ctx, input.id);
    ctx.summarize(`Checked availability of ${t0.number}`);
    return loadTransferIn(ctx, input.id);
  },

  'inventory.transfer.unreserve': async (ctx, input) => {
    const t0 = await transferStateOf(ctx.db, input.id);
    if (t0.state !== 'waiting' && t0.state !== 'ready') throw new DomainError('BUSINESS_RULE', `${t0.number} is ${t0.state}`);
    await unreserveTransfer(ctx, input.id);
    ctx.summarize(`Released reservations of ${t0.number}`);
    return loadTransferIn(ctx, input.id);
  },

  'inventory.transfer.validate': async (ctx, input) => {
    // (A drop ship — a delivery from Vendors — is refused here: validateTransferWithRows.)
    const { backorderId, written } = await validateTransferWithRows(ctx, input.id, input.lines, input.createBackorder);
    // The reply from the rows as validation wrote them when it knows them (no read-back).
    const transfer = written ? await transferFromRows(ctx, written.header, written.lines, written.reserved) : await loadTransferIn(ctx, input.id);
    ctx.summarize(`Validated ${transfer.number}${backorderId ? ' with a backorder' : ''}`);
    return { transfer, backorder: backorderId ? await loadTransferIn(ctx, backorderId) : null };
  },

  'inventory.transfer.cancel': async (ctx, input) => {
    await cancelTransfer(ctx, input.id);
    const t = await loadTransferIn(ctx, input.id);
    ctx.summarize(`Cancelled ${t.number}`);
    return t;
  },

  'inventory.transfer.get': async (ctx, input) => loadTransfer(ctx.db, input.id),

  'inventory.transfer.list': async (ctx, input) => {
    const pattern = sql<string>`${`%${likeEscape(input.query)}%`} ESCAPE '\\'`;
    const matching = ctx.db
      .selectFrom('transfer as t')
      .select('t.id')
      .$if(!!input.warehouseId, (q) => q.where('t.warehouse_id', '=', input.warehouseId!))
      .$if(!!input.kind, (q) => q.where('t.kind', '=', input.kind!))
      .$if(!!input.state, (q) => (input.state === 'open' ? q.where('t.state', 'in', ['waiting', 'ready']) : q.where('t.state', '=', input.state as 'draft')))
      .$if(!!input.productId, (q) => q.where((eb) => eb.exists(eb.selectFrom('transfer_line as pl').select('pl.id').whereRef('pl.transfer_id', '=', 't.id').where('pl.product_id', '=', input.productId!))))
      .$if(!!input.query, (q) => q.where((eb) => eb.or([eb('t.number', 'like', pattern), eb('t.origin', 'like', pattern)])));
    const page = matching.orderBy(sql.ref(TRANSFER_SORT[input.sort]), input.dir).orderBy('t.id', input.dir).limit(input.limit).offset(input.offset);
    const [rows, total] = await Promise.all([
      selectTransferHeaders(ctx.db)
        .select((eb) => [
          eb.selectFrom('transfer_line as l').select((e) => e.fn.countAll<number>().as('n')).whereRef('l.transfer_id', '=', 't.id').as('line_count'),
          eb.selectFrom('transfer_line as l').select((e) => e.fn.sum<number>('l.quantity').as('q')).whereRef('l.transfer_id', '=', 't.id').as('total_quantity'),
        ])
        .where('t.id', 'in', page)
        .orderBy(sql.ref(TRANSFER_SORT[input.sort]), input.dir)
        .orderBy('t.id', input.dir)
        .execute(),
      ctx.db.selectFrom(matching.as('m')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return {
      rows: rows.map((r) => Object.assign(toTransferHeader(r), { lineCount: Number(r.line_count ?? 0), totalQuantity: Number(r.total_quantity ?? 0) })),
      total: Number(total.n),
      offset: input.offset,
    };
  },

  'inventory.interWarehouse.create': async (ctx, input) => {
    if (input.fromWarehouseId === input.toWarehouseId) throw new DomainError('BUSINESS_RULE', 'Choose two different warehouses');
    const [fromWh, toWh] = await Promise.all([loadWarehouse(ctx.db, input.fromWarehouseId), loadWarehouse(ctx.db, input.toWarehouseId)]);
    const planned = await planLines(ctx, input.lines);
    const transit = await virtualLocation(ctx.db, 'transit');
    const common = { partnerId: null, origin: input.origin, channelCode: null, priorityRank: 50, promisedDate: null, orderDate: null, scheduledDate: input.scheduledDate ?? ctx.now, shippingPolicy: 'asap' as const, carrier: null, carrierCutoff: null, orderValueMinor: 0 };
    const out = await insertTransfer(ctx, { ...common, kind: 'transit_out', opCode: 'TOUT', warehouseId: fromWh.id, from: await zoneLocation(ctx.db, fromWh.id, 'stock'), to: transit }, planned);
    const inbound = await insertTransfer(
      ctx,
      { ...common, kind: 'transit_in', opCode: 'TIN', warehouseId: toWh.id, from: transit, to: await zoneLocation(ctx.db, toWh.id, 'stock') },
      planned.map((l, i) => ({ ...l, originLineId: out.lineIds[i]! })),
    );
    await linkSteps(ctx, out, inbound);
    await confirmFlow(ctx, out.id);
    ctx.summarize(`Inter-warehouse ${fromWh.code} → ${toWh.code}: ${out.number} / ${inbound.number}`);
    return { outbound: await loadTransferIn(ctx, out.id), inbound: await loadTransferIn(ctx, inbound.id) };
  },

  'inventory.allocate': async (ctx, input) => {
    const result = await allocate(ctx, input);
    ctx.summarize(`Allocated ${result.quantityReserved} units to ${result.linesReserved} lines (${result.preempted} preempted)`);
    return result;
  },

  'inventory.settings.get': async (ctx) => readInventorySettings(ctx.db),
  'inventory.settings.set': async (ctx, input) => writeInventorySettings(ctx.db, input),

  'inventory.adjust': async (ctx, input) => {
    const product = await ctx.db.selectFrom('product').select(['id', 'sku', 'tracking']).where('id', '=', input.productId).executeTakeFirst();
    if (!product) throw notFound('Product');
    const here = await getLocation(ctx.db, input.locationId);
    if (here.usage !== 'internal') throw new DomainError('BUSINESS_RULE', `${here.path} is not a warehouse location`);
    const loss = await virtualLocation(ctx.db, 'inventory_loss');
    const lotId = await findLot(ctx, product.id, input.lotName, input.expiryDate, product.tracking, product.sku);
    const [moveId] = await postMoves(ctx, [
      input.delta > 0
        ? { productId: product.id, quantity: input.delta, from: loss, to: here, lotId, reference: 'ADJUST', reason: input.reason, unitCostMinor: input.unitCostMinor ?? (await averageCost(ctx, product.id)) }
        : { productId: product.id, quantity: -input.delta, from: here, to: loss, lotId, reference: 'ADJUST', reason: input.reason },
    ]);
    if (input.delta > 0 && here.warehouse_id) await allocate(ctx, { warehouseId: here.warehouse_id, productIds: [product.id] });
    ctx.summarize(`Adjusted ${product.sku} at ${here.path} by ${input.delta}: ${input.reason}`);
    return { moveId: moveId! };
  },

  'inventory.wave.build': async (ctx, input) => loadWave(ctx.db, await buildWave(ctx, input)),
  'inventory.wave.get': async (ctx, input) => loadWave(ctx.db, input.id),
  'inventory.wave.list': async (ctx, input) => {
    const base = ctx.db
      .selectFrom('wave as w')
      .$if(!!input.warehouseId, (q) => q.where('w.warehouse_id', '=', input.warehouseId!))
      .$if(!!input.state, (q) => q.where('w.state', '=', input.state!));
    const [rows, total] = await Promise.all([
      base
        .select((eb) => ['w.id', 'w.number', 'w.warehouse_id', 'w.state', 'w.carrier', 'w.zone', 'w.cutoff_before', eb.selectFrom('transfer as t').select((e) => e.fn.countAll<number>().as('n')).whereRef('t.wave_id', '=', 'w.id').as('n')])
        .orderBy('w.created_at', 'desc')
        .limit(input.limit)
        .offset(input.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return {
      rows: rows.map((r) => ({ id: r.id, number: r.number, warehouseId: r.warehouse_id, state: r.state, carrier: r.carrier, zone: r.zone, cutoffBefore: r.cutoff_before, transferCount: Number(r.n ?? 0) })),
      total: Number(total.n),
      offset: input.offset,
    };
  },

  'inventory.scan': async (ctx, input) => {
    let scan;
    try {
      scan = parseScan(input.code);
    } catch (e) {
      if (e instanceof ScanError) return { productId: null, sku: null, lot: null, serial: null, expiry: null, count: null, lineId: null, verdict: 'unknown' as const, message: e.message };
      throw e;
    }
    const codes = scan.gtin ? [scan.gtin, scan.gtin.replace(/^0/, ''), `0${scan.gtin}`] : [];
    const product = codes.length ? await ctx.db.selectFrom('product').select(['id', 'sku', 'name']).where('barcode', 'in', codes).executeTakeFirst() : undefined;
    const base = { productId: product?.id ?? null, sku: product?.sku ?? null, lot: scan.lot, serial: scan.serial, expiry: scan.expiry, count: scan.count };
    if (!product) return { ...base, lineId: null, verdict: 'unknown' as const, message: `No product has barcode ${scan.gtin ?? input.code}` };
    if (!input.transferId) return { ...base, lineId: null, verdict: 'match' as const, message: `${product.sku} — ${product.name}` };
    const lines = await ctx.db.selectFrom('transfer_line').select(['id', 'product_id', 'state']).where('transfer_id', '=', input.transferId).execute();
    if (lines.length === 0) throw notFound('Transfer');
    const line = lines.find((l) => l.product_id === product.id && (l.state === 'ready' || l.state === 'waiting'));
    if (!line) {
      const done = lines.find((l) => l.product_id === product.id);
      return done
        ? { ...base, lineId: done.id, verdict: 'complete' as const, message: `${product.sku} is already complete on this transfer` }
        : { ...base, lineId: null, verdict: 'wrong_product' as const, message: `Wrong product: ${product.sku} is not on this transfer — put it back` };
    }
    return { ...base, lineId: line.id, verdict: 'match' as const, message: `${product.sku} — ${product.name}` };
  },

  'inventory.count.create': async (ctx, input) => loadCount(ctx.db, await createCount(ctx, input)),
  'inventory.count.schedule': async (ctx, input) => scheduleCounts(ctx, input),
  'inventory.count.record': async (ctx, input) => {
    await recordCount(ctx, input.id, input.lines);
    return loadCount(ctx.db, input.id);
  },
  'inventory.count.submit': async (ctx, input) => {
    await submitCount(ctx, input.id);
    return loadCount(ctx.db, input.id);
  },
  'inventory.count.approve': async (ctx, input) => {
    await approveCount(ctx, input.id);
    const c = await loadCount(ctx.db, input.id);
    ctx.summarize(`Approved and posted count ${c.number}`);
    return c;
  },
  'inventory.count.get': async (ctx, input) => loadCount(ctx.db, input.id),
  'inventory.count.list': async (ctx, input) => {
    const base = ctx.db
      .selectFrom('cycle_count as c')
      .$if(!!input.warehouseId, (q) => q.where('c.warehouse_id', '=', input.warehouseId!))
      .$if(!!input.state, (q) => q.where('c.state', '=', input.state!));
    const [ids, total] = await Promise.all([
      base.select('c.id').orderBy('c.created_at', 'desc').limit(input.limit).offset(input.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    const rows = [];
    for (const { id } of ids) {
      const { lines, ...c } = await loadCount(ctx.db, id);
      rows.push({ ...c, lineCount: lines.length });
    }
    return { rows, total: Number(total.n), offset: input.offset };
  },

  'inventory.abc.classify': async (ctx, input) => {
    const r = await classifyAbc(ctx, input.asOf ?? ctx.now);
    ctx.summarize(`ABC classes: ${r.a} A, ${r.b} B, ${r.c} C`);
    return r;
  },
});
