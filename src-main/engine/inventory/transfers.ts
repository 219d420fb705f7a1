import { sql } from 'kysely';
import type { z } from 'zod';
import type { TransferCreateInput, ValidateLineInput } from '../../../src-shared/contract/inventory';
import { convertQuantity } from '../catalog/uom';
import type { CommandContext } from '../platform/context';
import { DomainError, notFound } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import type { LocationUsage, LocationZone, OperationKind, TransferLineTable, TransferState, TransferTable } from '../platform/schema';
import { branchCode, nextDocumentNumber } from '../platform/series';
import { CrossDock } from './crossdock';
import { preparedInsertMany, preparedSelectIn } from '../platform/batch';
import { adjustLevel, batchLedgerWrites, crossesWarehouse, lotKeyOf, postMoves, type MoveRequest } from './ledger';
import { flushProductLevels } from './levels';
import { isOwned, isWithin, type LocationInfo } from './locations';
import { findOrCreateLot } from './lots';
import { readInventorySettings } from './settings';
import { FAR_FUTURE } from './locations';
import { addReservation, flushReservations, FreeStockPool, freeStock, refreshTransfer, refreshTransferState, releaseReservations, reservedByLine, reservedFor, reserveLine } from './reservations';
import { inventorySession } from './session';
import type { HeaderRow, PlainLine } from './transfers-read';

type CreateInput = z.output<typeof TransferCreateInput>;
type ValidateLine = z.output<typeof ValidateLineInput>;

interface Step {
  code: string;
  from: LocationZone | LocationUsage;
  to: LocationZone | LocationUsage;
}

/** The steps a flow takes in a warehouse, per its reception/delivery step settings. */
export function flowSteps(kind: 'receipt' | 'delivery' | 'internal', steps: number): Step[] {
  if (kind === 'delivery') {
    if (steps === 1) return [{ code: 'OUT', from: 'stock', to: 'customer' }];
    if (steps === 2) return [{ code: 'PICK', from: 'stock', to: 'output' }, { code: 'OUT', from: 'output', to: 'customer' }];
    return [{ code: 'PICK', from: 'stock', to: 'pack' }, { code: 'PACK', from: 'pack', to: 'output' }, { code: 'OUT', from: 'output', to: 'customer' }];
  }
  if (kind === 'receipt') {
    if (steps === 1) return [{ code: 'IN', from: 'vendor', to: 'stock' }];
    if (steps === 2) return [{ code: 'IN', from: 'vendor', to: 'input' }, { code: 'PUT', from: 'input', to: 'stock' }];
    return [{ code: 'IN', from: 'vendor', to: 'input' }, { code: 'QC', from: 'input', to: 'quality' }, { code: 'PUT', from: 'quality', to: 'stock' }];
  }
  return [{ code: 'INT', from: 'stock', to: 'stock' }];
}

const VIRTUAL_USAGES: LocationUsage[] = ['vendor', 'customer', 'inventory_loss', 'scrap', 'transit'];

async function resolveEnd(ctx: CommandContext, warehouseId: string, key: LocationZone | LocationUsage): Promise<LocationInfo> {
  const session = inventorySession(ctx);
  return (VIRTUAL_USAGES as string[]).includes(key) ? session.virtual(key as LocationUsage) : session.zone(warehouseId, key as LocationZone);
}

export interface PlannedLine {
  productId: string;
  uomId: string;
  uomQuantity: number;
  quantity: number;
  unitCostMinor: number | null;
}

/**
 * Checks products and converts each line to the product's stock unit, exactly. The products
 * are read in one query (and stay in the command's session for the ledger); a conversion
 * queries only for a line given in another unit than the product's.
 */
export async function planLines(ctx: CommandContext, lines: CreateInput['lines']): Promise<PlannedLine[]> {
  const session = inventorySession(ctx);
  await session.loadProducts(lines.map((l) => l.productId));
  const planned: PlannedLine[] = [];
  for (const [i, line] of lines.entries()) {
    // Loaded above: read from the session without an await per line.
    const p = session.knownProduct(line.productId) ?? (await session.findProduct(line.productId));
    if (!p) throw new DomainError('VALIDATION', `Line ${i + 1}: no such product`, { fields: [{ path: `lines.${i}.productId`, message: 'No such product' }] });
    if (!p.active) throw new DomainError('BUSINESS_RULE', `Line ${i + 1}: ${p.sku} is archived and cannot be moved`, { fields: [{ path: `lines.${i}.productId`, message: 'Archived product' }] });
    const uomId = line.uomId ?? p.uomId;
    let quantity: number;
    try {
      // (convertQuantity returns a quantity in the product's own unit as it is.)
      quantity = uomId === p.uomId ? line.quantity : await convertQuantity(ctx.db, { productId: p.id, fromUomId: uomId, toUomId: p.uomId, quantity: line.quantity });
    } catch (e) {
      if (e instanceof DomainError) throw new DomainError(e.code, `Line ${i + 1} (${p.sku}): ${e.message}`, { fields: [{ path: `lines.${i}.uomId`, message: e.message }] });
      throw e;
    }
    planned.push({ productId: p.id, uomId, uomQuantity: line.quantity, quantity, unitCostMinor: line.unitCostMinor ?? null });
  }
  return planned;
}

export interface NewTransfer {
  kind: OperationKind;
  opCode: string;
  warehouseId: string;
  from: LocationInfo;
  to: LocationInfo;
  partnerId: string | null;
  origin: string | null;
  channelCode: string | null;
  priorityRank: number;
  promisedDate: string | null;
  orderDate: string | null;
  scheduledDate: string;
  shippingPolicy: 'asap' | 'all';
  carrier: string | null;
  carrierCutoff: string | null;
  orderValueMinor: number;
  backorderOfId?: string | null;
}

/**
 * The order fields of a transfer that serves no customer order (cross-dock, return to vendor,
 * a customer return): shipped as soon as possible, no promise, no carrier, no order value.
 */
export const NO_ORDER_FIELDS = {
  promisedDate: null,
  orderDate: null,
  shippingPolicy: 'asap',
  carrier: null,
  carrierCutoff: null,
  orderValueMinor: 0,
} as const satisfies Partial<NewTransfer>;

type OperationTypeRow = { id: string; reservation_method: string; reservation_days: number };
const operationTypeByCode = preparedQuery<{ warehouseId: string; code: string }, OperationTypeRow>(['warehouseId', 'code'], (db, p) =>
  db.selectFrom('operation_type').select(['id', 'reservation_method', 'reservation_days']).where('warehouse_id', '=', p.warehouseId).where('code', '=', p.code),
);

/** A warehouse's operation type by code, read once per command (a flow inserts and then reserves by it). */
const operationTypesByCommand = new WeakMap<CommandContext, Map<string, OperationTypeRow>>();
async function operationType(ctx: CommandContext, warehouseId: string, code: string): Promise<OperationTypeRow | undefined> {
  let cache = operationTypesByCommand.get(ctx);
  if (!cache) operationTypesByCommand.set(ctx, (cache = new Map()));
  const key = `${warehouseId}|${code}`;
  let row = cache.get(key);
  if (!row) {
    row = await operationTypeByCode.first(ctx.db, { warehouseId, code });
    if (row) cache.set(key, row);
  }
  return row;
}

const TRANSFER_COLUMNS = [
  'id', 'branch_id', 'created_at', 'updated_at', 'version', 'number', 'operation_type_id', 'warehouse_id', 'kind', 'state', 'from_location_id', 'to_location_id',
  'partner_id', 'origin', 'channel_code', 'priority_rank', 'promised_date', 'order_date', 'scheduled_date', 'shipping_policy', 'carrier', 'carrier_cutoff',
  'order_value_minor', 'backorder_of_id', 'linked_transfer_id', 'wave_id', 'backorder_reason', 'done_at',
] as const satisfies readonly (keyof TransferTable)[];
const insertTransferRows = preparedInsertMany<'transfer', TransferTable & Record<string, unknown>>('transfer', TRANSFER_COLUMNS);

const LINE_COLUMNS = [
  'id', 'branch_id', 'created_at', 'updated_at', 'version', 'transfer_id', 'line_no', 'product_id', 'uom_id', 'uom_quantity', 'quantity', 'quantity_done',
  'from_location_id', 'to_location_id', 'state', 'unit_cost_minor', 'origin_line_id', 'next_line_id', 'sales_line_id',
] as const satisfies readonly (keyof TransferLineTable)[];
const insertLineRows = preparedInsertMany<'transfer_line', TransferLineTable & Record<string, unknown>>('transfer_line', LINE_COLUMNS);

/** Where a transfer sits in a flow created at once: ids chosen ahead, so steps link as they are inserted. */
interface Placement {
  id: string;
  lineIds: string[];
  /** The next step and its lines (by position), or null for the last step. */
  next: { id: string; lineIds: string[] } | null;
  /** 'waiting' when the flow is confirmed as it is created (no draft to update); 'ready' when its first step is already served. */
  state: TransferState;
  /** Each line's state, by position, when not the transfer's (a confirmed first step: ready where served). */
  lineStates?: TransferState[];
  /** Build the rows but do not insert them yet (a receipt received at once: validation inserts them done, see KnownStep). */
  unwritten?: boolean;
}

/** Inserts one transfer (draft, unless placed otherwise) and its lines; returns the ids of its lines in order, and the rows. */
export async function insertTransfer(
  ctx: CommandContext,
  t: NewTransfer,
  lines: (PlannedLine & { originLineId?: string | null; salesLineId?: string | null; from?: LocationInfo; to?: LocationInfo })[],
  placement?: Placement,
) {
  const wh = await inventorySession(ctx).warehouse(t.warehouseId);
  if (!wh) throw notFound('Warehouse');
  const op = await operationType(ctx, t.warehouseId, t.opCode);
  if (!op) throw new DomainError('NOT_FOUND', `Warehouse ${wh.code} has no operation type ${t.opCode}`);
  const number = await nextDocumentNumber(ctx, `${await branchCode(ctx)}-${wh.code}-${t.opCode}-${ctx.now.slice(0, 4)}-`);
  const id = placement?.id ?? ctx.newId();
  const state = placement?.state ?? 'draft';
  const transfer: TransferTable = {
    id,
    branch_id: ctx.branchId,
    created_at: ctx.now,
    updated_at: ctx.now,
    version: 1,
    number,
    operation_type_id: op.id,
    warehouse_id: t.warehouseId,
    kind: t.kind,
    state,
    from_location_id: t.from.id,
    to_location_id: t.to.id,
    partner_id: t.partnerId,
    origin: t.origin,
    channel_code: t.channelCode,
    priority_rank: t.priorityRank,
    promised_date: t.promisedDate,
    order_date: t.orderDate,
    scheduled_date: t.scheduledDate,
    shipping_policy: t.shippingPolicy,
    carrier: t.carrier,
    carrier_cutoff: t.carrierCutoff,
    order_value_minor: t.orderValueMinor,
    backorder_of_id: t.backorderOfId ?? null,
    linked_transfer_id: placement?.next?.id ?? null,
    wave_id: null,
    backorder_reason: null,
    done_at: null,
  };
  // A plain literal per row: `{ ...meta, more }` costs V8 (Node 20) ~100x as much per object.
  const lineRows: TransferLineTable[] = lines.map((l, i) => ({
    id: placement?.lineIds[i] ?? ctx.newId(),
    branch_id: ctx.branchId,
    created_at: ctx.now,
    updated_at: ctx.now,
    version: 1,
    transfer_id: id,
    line_no: i + 1,
    product_id: l.productId,
    uom_id: l.uomId,
    uom_quantity: l.uomQuantity,
    quantity: l.quantity,
    quantity_done: 0,
    from_location_id: (l.from ?? t.from).id,
    to_location_id: (l.to ?? t.to).id,
    state: placement?.lineStates?.[i] ?? state,
    unit_cost_minor: l.unitCostMinor,
    origin_line_id: l.originLineId ?? null,
    next_line_id: placement?.next?.lineIds[i] ?? null,
    sales_line_id: l.salesLineId ?? null,
  }));
  if (!placement?.unwritten) await writeTransferRows(ctx, transfer, lineRows);
  return { id, number, lineIds: lineRows.map((l) => l.id), lineRows, transfer };
}

/** Inserts a transfer and its lines as given. */
async function writeTransferRows(ctx: CommandContext, transfer: TransferTable, lines: TransferLineTable[]): Promise<void> {
  await insertTransferRows(ctx.db, [transfer as TransferTable & Record<string, unknown>]);
  await insertLineRows(ctx.db, lines as (TransferLineTable & Record<string, unknown>)[]);
}

const channelPriority = preparedQuery<{ code: string }, { reservation_priority: number }>(['code'], (db, p) =>
  db.selectFrom('channel').select('reservation_priority').where('code', '=', p.code),
);

const partnerExists = preparedQuery<{ id: string }, { id: string }>(['id'], (db, p) => db.selectFrom('partner').select('id').where('id', '=', p.id));

/** Channel priority of an order, for allocation; a contract customer can be ranked even higher by the caller. */
async function channelRank(ctx: CommandContext, code: string | null): Promise<number> {
  if (!code) return 100;
  const row = await channelPriority.first(ctx.db, { code });
  return row?.reservation_priority ?? 100;
}

/**
 * Creates the transfers of a flow: one per step of the warehouse's configuration (a 3-step
 * delivery is pick → pack → ship), chained line by line. Returns the first step's id.
 */
export async function createFlow(ctx: CommandContext, input: CreateInput): Promise<string> {
  return (await batchLedgerWrites(ctx, () => createFlowBatched(ctx, input))).id;
}

/**
 * createFlow, also returning the first step as it was written — header, lines and what each
 * line reserved — when nothing changed it afterwards (no allocation ran for short lines) and
 * the header needs nothing the command did not read (no partner): the reply can then be
 * built without reading back the rows just inserted (transfers-read transferFromRows).
 */
export function createFlowWithRows(ctx: CommandContext, input: CreateInput): Promise<FlowCreated> {
  return batchLedgerWrites(ctx, () => createFlowBatched(ctx, input));
}

/**
 * Creates a receipt flow and validates its first step in the same command (the goods are
 * here). A first step from outside the company (Vendors) is inserted once, done, by its
 * validation — not inserted open and then updated line by line.
 */
export function receiveNow(ctx: CommandContext, input: CreateInput): Promise<{ id: string; written: WrittenStep | null }> {
  return batchLedgerWrites(ctx, async () => {
    const created = await createFlowBatched(ctx, input, { receiveNow: true });
    const validated = await validateTransferBatched(ctx, created.id, undefined, false, { known: created.firstRows, refuseDropShip: true });
    return { id: created.id, written: validated.written };
  });
}

/**
 * A transfer's header and lines as the command itself wrote them, so a later step of the same
 * command need not read them back. `unwritten`: not inserted yet — validating inserts them.
 */
export interface KnownStep {
  transfer: TransferTable;
  lines: TransferLineTable[];
  unwritten?: boolean;
}

/**
 * A flow just created: the first step's id; the first step as written (header, lines, what
 * each line reserved) when the reply can be built from it; `allReserved`: every line of the
 * first step has its stock reserved; `firstRows`: the first step's rows for a validation in
 * the same command.
 */
export interface FlowCreated {
  id: string;
  written: WrittenStep | null;
  allReserved: boolean;
  firstRows?: KnownStep;
}

/**
 * A sales order's delivery flow (sales/confirm.ts): every step's line j is linked to the order
 * line `salesLineIds[j]` as it is inserted (no update afterwards), the customer is known to exist.
 */
export interface SalesDelivery {
  salesLineIds: string[];
  partnerChecked: boolean;
}

/** createFlow for a sales order's delivery; `allReserved`: every line of the first step has its stock reserved. */
export function createSalesDelivery(ctx: CommandContext, input: CreateInput, sales: SalesDelivery): Promise<FlowCreated> {
  return batchLedgerWrites(ctx, () => createFlowBatched(ctx, input, { sales }));
}

export interface WrittenStep {
  header: HeaderRow;
  lines: PlainLine[];
  reserved: Map<string, number>;
}

// Moves, valuation and level writes are batched and written in a few multi-row statements
// when the operation ends (ledger.ts batchLedgerWrites); readers flush what they read first.
// firstRows: the first step's rows as inserted, unless allocation changed them afterwards.
async function createFlowBatched(ctx: CommandContext, input: CreateInput, options: { sales?: SalesDelivery; receiveNow?: boolean } = {}): Promise<FlowCreated> {
  const { sales } = options;
  const wh = await inventorySession(ctx).warehouse(input.warehouseId);
  if (!wh) throw notFound('Warehouse');
  if (wh.active !== 1) throw new DomainError('BUSINESS_RULE', `Warehouse ${wh.code} is not active`);
  if (input.partnerId && !sales?.partnerChecked) {
    const partner = await partnerExists.first(ctx.db, { id: input.partnerId });
    if (!partner) throw notFound('Partner');
  }
  const steps = flowSteps(input.kind, input.kind === 'delivery' ? wh.delivery_steps : wh.reception_steps);
  const planned = await planLines(ctx, input.lines);
  const ends = await Promise.all(steps.map(async (s) => ({ from: await resolveEnd(ctx, wh.id, s.from), to: await resolveEnd(ctx, wh.id, s.to) })));
  if (input.fromLocationId) ends[0]!.from = await ownLocation(ctx, input.fromLocationId, wh.id, ends[0]!.from, 'Source');
  if (input.toLocationId) ends[ends.length - 1]!.to = await ownLocation(ctx, input.toLocationId, wh.id, ends[ends.length - 1]!.to, 'Destination');
  if (input.kind === 'internal' && ends[0]!.from.id === ends[0]!.to.id) throw new DomainError('BUSINESS_RULE', 'An internal transfer needs a destination different from its source');
  const rank = input.priorityRank ?? (await channelRank(ctx, input.channelCode));
  const opKinds: Record<string, OperationKind> = { IN: 'receipt', QC: 'quality', PUT: 'internal', PICK: 'pick', PACK: 'pack', OUT: 'delivery', INT: 'internal' };

  // Every step's ids are chosen first, so each step is inserted already linked to the next
  // (and, when confirming, already waiting) instead of updated line by line afterwards.
  const placed = steps.map(() => ({ id: ctx.newId(), lineIds: planned.map(() => ctx.newId()) }));
  const state = input.confirm ? 'waiting' : 'draft';
  const firstId = placed[0]!.id;
  // Received at once from outside the company: nothing reserves for or reads the first step
  // before its validation, which inserts it done (an owned source reserves for its lines first).
  const deferFirst = options.receiveNow === true && !isOwned(ends[0]!.from.usage);
  // Confirming: the first step reserves before it is inserted, so it is written in its final
  // state (lines ready where served) instead of inserted waiting and updated line by line.
  const first = input.confirm
    ? await reserveFirstStep(ctx, { warehouse: wh, opCode: steps[0]!.code, from: ends[0]!.from, scheduledDate: input.scheduledDate ?? ctx.now, shippingPolicy: input.shippingPolicy }, planned, placed[0]!.lineIds)
    : null;
  const created: { lineRows: TransferLineTable[]; transfer: TransferTable; from: LocationInfo; to: LocationInfo }[] = [];
  for (const [i, step] of steps.entries()) {
    const { lineRows, transfer } = await insertTransfer(
      ctx,
      {
        kind: opKinds[step.code]!,
        opCode: step.code,
        warehouseId: wh.id,
        from: ends[i]!.from,
        to: ends[i]!.to,
        partnerId: input.partnerId,
        origin: input.origin,
        channelCode: input.channelCode,
        priorityRank: rank,
        promisedDate: input.promisedDate,
        orderDate: input.orderDate,
        scheduledDate: input.scheduledDate ?? ctx.now,
        shippingPolicy: input.shippingPolicy,
        carrier: input.carrier,
        carrierCutoff: input.carrierCutoff,
        orderValueMinor: input.orderValueMinor,
      },
      planned.map((l, j) => ({ productId: l.productId, uomId: l.uomId, uomQuantity: l.uomQuantity, quantity: l.quantity, unitCostMinor: l.unitCostMinor, originLineId: i > 0 ? placed[i - 1]!.lineIds[j]! : null, salesLineId: sales?.salesLineIds[j] ?? null })),
      i === 0 && first
        ? { ...placed[0]!, next: placed[1] ?? null, state: first.state, lineStates: first.lineStates, unwritten: deferFirst }
        : { ...placed[i]!, next: placed[i + 1] ?? null, state, unwritten: i === 0 && deferFirst },
    );
    created.push({ lineRows, transfer, from: ends[i]!.from, to: ends[i]!.to });
  }
  if (first) {
    // As confirmFlow does for drafts: lines become planned moves (the first step reserved above).
    for (const c of created) await planCrossings(ctx, c.lineRows.map((l) => ({ line: { product_id: l.product_id, from: c.from, to: c.to }, quantity: l.quantity })));
    // Short: let the allocation policy decide, which may take stock from lower-priority demand.
    if (first.short.length > 0) {
      // (Never a deferred step: only an owned source is short.)
      await allocate(ctx, { warehouseId: wh.id, productIds: first.short });
      return { id: firstId, written: null, allReserved: false };
    }
  }
  const step = created[0]!;
  const allReserved = !!first && planned.every((l, j) => first.reserved[j]! >= l.quantity);
  if (sales) return { id: firstId, written: null, allReserved };
  const firstRows: KnownStep = { transfer: step.transfer, lines: step.lineRows, unwritten: deferFirst };
  if (step.transfer.partner_id !== null) return { id: firstId, written: null, allReserved, firstRows };
  const reserved = new Map<string, number>();
  if (first) for (const [j, l] of step.lineRows.entries()) if (first.reserved[j]! > 0) reserved.set(l.id, first.reserved[j]!);
  const t = step.transfer;
  const header = writtenHeader(t, { warehouseCode: wh.code, fromPath: step.from.path, toPath: step.to.path });
  return { id: firstId, written: { header, lines: step.lineRows, reserved }, allReserved, firstRows };
}

/**
 * Reserves for the first step of a flow confirmed as it is created, before its rows exist
 * (the reservation rows wait in the batch until the lines are inserted): what
 * reserveConfirmed would reserve for fresh lines, and the states its refresh would then give
 * (refreshTransfer's rules) — so the step is inserted in its final state. `short`: the
 * products of lines short of internal stock, for allocation once the rows exist.
 */
async function reserveFirstStep(
  ctx: CommandContext,
  step: { warehouse: { id: string; code: string }; opCode: string; from: LocationInfo; scheduledDate: string; shippingPolicy: 'asap' | 'all' },
  planned: PlannedLine[],
  lineIds: string[],
): Promise<{ state: TransferState; lineStates: TransferState[]; reserved: number[]; short: string[] }> {
  const op = await operationType(ctx, step.warehouse.id, step.opCode);
  if (!op) throw new DomainError('NOT_FOUND', `Warehouse ${step.warehouse.code} has no operation type ${step.opCode}`);
  const { from } = step;
  const owned = isOwned(from.usage);
  const reserves = policyReservesNow(ctx, { reservation_method: op.reservation_method, reservation_days: op.reservation_days, scheduled_date: step.scheduledDate });
  const got = planned.map(() => 0);
  if (reserves && owned) {
    // Free stock of all the lines' products in one query, handed out line by line.
    const pool = new FreeStockPool(ctx);
    await pool.load([...new Set(planned.map((l) => l.productId))], from);
    for (const [j, l] of planned.entries()) got[j] = (await reserveLine(ctx, { id: lineIds[j]!, product_id: l.productId, quantity: l.quantity, quantity_done: 0, from, reserved: 0 }, pool)).reserved;
  }
  let all = true;
  let any = false;
  const lineStates = planned.map((l, j): TransferState => {
    // Stock from outside the company needs no reservation.
    const have = owned ? got[j]! : l.quantity;
    if (have < l.quantity) all = false;
    if (have > 0) any = true;
    return have >= l.quantity ? 'ready' : 'waiting';
  });
  const state: TransferState = planned.length > 0 && (step.shippingPolicy === 'all' ? all : any) ? 'ready' : 'waiting';
  const short = reserves && from.usage === 'internal' ? planned.filter((l, j) => got[j]! < l.quantity).map((l) => l.productId) : [];
  return { state, lineStates, reserved: got, short };
}

async function ownLocation(ctx: CommandContext, id: string, warehouseId: string, zone: LocationInfo, label: string): Promise<LocationInfo> {
  const loc = await inventorySession(ctx).location(id);
  if (loc.warehouse_id !== warehouseId || loc.usage !== 'internal') throw new DomainError('BUSINESS_RULE', `${label} ${loc.path} is not a location of this warehouse`);
  if (zone.usage === 'internal' && !isWithin(loc, zone)) throw new DomainError('BUSINESS_RULE', `${label} must be ${zone.path} or a bin below it (got ${loc.path})`);
  return loc;
}

const linkTransfer = preparedQuery<{ id: string; next: string }, never>(['id', 'next'], (db, p) => db.updateTable('transfer').set({ linked_transfer_id: p.next }).where('id', '=', p.id));
const linkLine = preparedQuery<{ id: string; next: string }, never>(['id', 'next'], (db, p) => db.updateTable('transfer_line').set({ next_line_id: p.next }).where('id', '=', p.id));

export async function linkSteps(ctx: CommandContext, previous: { id: string; lineIds: string[] }, next: { id: string; lineIds: string[] }): Promise<void> {
  await linkTransfer.execute(ctx.db, { id: previous.id, next: next.id });
  for (const [j, lineId] of previous.lineIds.entries()) await linkLine.execute(ctx.db, { id: lineId, next: next.lineIds[j]! });
}

type CrossingLine = { product_id: string; from: LocationInfo; to: LocationInfo };

/** Counts a line's open quantity as incoming/outgoing where it crosses a warehouse boundary. */
async function planCrossing(ctx: CommandContext, line: CrossingLine, quantity: number): Promise<void> {
  await planCrossings(ctx, [{ line, quantity }]);
}

/**
 * planCrossing for many lines at once: the quantities are summed per (product, location)
 * first, so a document writes one level update per product and end, not two per line.
 */
async function planCrossings(ctx: CommandContext, items: { line: CrossingLine; quantity: number }[]): Promise<void> {
  const levels = new Map<string, { productId: string; location: LocationInfo; incoming: number; outgoing: number }>();
  const add = (productId: string, location: LocationInfo, field: 'incoming' | 'outgoing', quantity: number) => {
    const key = `${productId}|${location.id}`;
    let level = levels.get(key);
    if (!level) {
      level = { productId, location, incoming: 0, outgoing: 0 };
      levels.set(key, level);
    }
    level[field] += quantity;
  };
  for (const { line, quantity } of items) {
    if (quantity === 0 || !crossesWarehouse(line.from, line.to)) continue;
    add(line.product_id, line.to, 'incoming', quantity);
    add(line.product_id, line.from, 'outgoing', quantity);
  }
  for (const l of levels.values()) {
    const written = adjustLevel(ctx, { productId: l.productId, location: l.location, lotKey: '' }, { incoming: l.incoming, outgoing: l.outgoing });
    if (written) await written;
  }
}

const linesOfTransfer = preparedQuery<{ transferId: string }, TransferLineTable>(['transferId'], (db, p) =>
  db.selectFrom('transfer_line').selectAll().where('transfer_id', '=', p.transferId).orderBy('line_no'),
);

type Line = Awaited<ReturnType<typeof linesOf>>[number];

/** The transfer's lines in the given states, in line order, with their locations (from the command's session). */
async function linesOf(ctx: CommandContext, transferId: string, states: TransferState[]) {
  return withLocations(ctx, (await linesOfTransfer.rows(ctx.db, { transferId })).filter((r) => states.includes(r.state)));
}

async function withLocations(ctx: CommandContext, rows: TransferLineTable[]) {
  const session = inventorySession(ctx);
  // A transfer's lines share a few locations: each is looked up once, then attached to the rows.
  const locations = new Map<string, LocationInfo>();
  for (const r of rows) {
    for (const id of [r.from_location_id, r.to_location_id]) if (!locations.has(id)) locations.set(id, await session.location(id));
  }
  return rows.map((r) => Object.assign(r, { from: locations.get(r.from_location_id)!, to: locations.get(r.to_location_id)! }));
}

const reservationPolicy = preparedQuery<{ id: string }, { reservation_method: string; reservation_days: number; scheduled_date: string }>(['id'], (db, p) =>
  db
    .selectFrom('transfer as t')
    .innerJoin('operation_type as o', 'o.id', 't.operation_type_id')
    .select(['o.reservation_method', 'o.reservation_days', 't.scheduled_date'])
    .where('t.id', '=', p.id),
);

/** Should this transfer reserve now, per its operation type's reservation method? */
async function reservesNow(ctx: CommandContext, transferId: string): Promise<boolean> {
  const row = await reservationPolicy.first(ctx.db, { id: transferId });
  if (!row) throw notFound('Transfer');
  return policyReservesNow(ctx, row);
}

function policyReservesNow(ctx: CommandContext, row: { reservation_method: string; reservation_days: number; scheduled_date: string }): boolean {
  if (row.reservation_method === 'manual') return false;
  if (row.reservation_method === 'before_days') {
    const horizon = new Date(Date.parse(ctx.now) + row.reservation_days * 86_400_000).toISOString();
    return row.scheduled_date <= horizon;
  }
  return true;
}

/** What confirming needs of each step: its state and number, the next step, and the operation's reservation policy. */
const stepToConfirm = preparedQuery<
  { id: string },
  { state: TransferState; number: string; linked_transfer_id: string | null; reservation_method: string; reservation_days: number; scheduled_date: string }
>(['id'], (db, p) =>
  db
    .selectFrom('transfer as t')
    .innerJoin('operation_type as o', 'o.id', 't.operation_type_id')
    .select(['t.state', 't.number', 't.linked_transfer_id', 'o.reservation_method', 'o.reservation_days', 't.scheduled_date'])
    .where('t.id', '=', p.id),
);

/** The steps of a chain starting at `firstId`, in order, read once each. */
async function stepsOfChain(ctx: CommandContext, firstId: string) {
  const steps = [];
  for (let id: string | null = firstId; id; ) {
    const step = await stepToConfirm.first(ctx.db, { id });
    if (!step) throw notFound('Transfer');
    steps.push({ id, ...step });
    id = step.linked_transfer_id;
  }
  return steps;
}
const confirmDraftLines = preparedQuery<{ transferId: string; now: string }, never>(['transferId', 'now'], (db, p) =>
  db.updateTable('transfer_line').set({ state: 'waiting', updated_at: p.now }).where('transfer_id', '=', p.transferId).where('state', '=', 'draft'),
);
const setTransferWaiting = preparedQuery<{ id: string; now: string }, never>(['id', 'now'], (db, p) => db.updateTable('transfer').set({ state: 'waiting', updated_at: p.now }).where('id', '=', p.id));

/** Confirms every draft transfer of a chain: lines become planned moves; the first step reserves. */
export function confirmFlow(ctx: CommandContext, firstId: string): Promise<void> {
  return batchLedgerWrites(ctx, () => confirmFlowBatched(ctx, firstId));
}

async function confirmFlowBatched(ctx: CommandContext, firstId: string): Promise<void> {
  const chain = await stepsOfChain(ctx, firstId);
  let firstLines: Line[] = [];
  for (const t of chain) {
    const id = t.id;
    if (t.state !== 'draft') {
      if (id === firstId) throw new DomainError('BUSINESS_RULE', `${t.number} is already confirmed`);
      continue;
    }
    const lines = await linesOf(ctx, id, ['draft']);
    await planCrossings(ctx, lines.map((line) => ({ line, quantity: line.quantity })));
    await confirmDraftLines.execute(ctx.db, { transferId: id, now: ctx.now });
    await setTransferWaiting.execute(ctx.db, { id, now: ctx.now });
    // The first step's lines, as they now are (all of a draft's lines are drafts), for reserving.
    if (id === firstId) firstLines = lines.map((l) => Object.assign(l, { state: 'waiting' as const }));
  }
  await reserveConfirmed(ctx, firstId, chain[0]!, firstLines, false);
}

/**
 * The first step of a just-confirmed flow reserves (per its operation's reservation policy);
 * what is short is left to the allocation policy. `fresh`: its lines were made by this
 * command, so nothing is reserved for them yet.
 */
async function reserveConfirmed(ctx: CommandContext, firstId: string, policy: { reservation_method: string; reservation_days: number; scheduled_date: string }, firstLines: Line[], fresh: boolean): Promise<void> {
  if (policyReservesNow(ctx, policy)) {
    // After confirming, every line of the first step is open, so the refresh that ends the
    // reservation sees them all: short lines need no second read.
    const reserved = await reserveTransferBatched(ctx, firstId, firstLines, fresh);
    // Short: let the allocation policy decide, which may take stock from lower-priority demand.
    const missing = reserved.lines.filter((l) => l.usage === 'internal' && l.reserved < l.need).map((l) => l.productId);
    if (missing.length > 0) await allocate(ctx, { warehouseId: reserved.warehouseId, productIds: missing });
  } else await refreshTransferState(ctx, firstId);
}

/** Reserves free stock for the transfer's open first-step lines, then refreshes its state (returned, with its open lines). */
export function reserveTransfer(ctx: CommandContext, id: string) {
  return batchLedgerWrites(ctx, () => reserveTransferBatched(ctx, id));
}

/** `open`: the transfer's open lines when the caller has just read them (confirmFlow); `fresh`: made by this command (nothing reserved yet). */
async function reserveTransferBatched(ctx: CommandContext, id: string, open?: Line[], fresh = false) {
  const lines = open ?? (await linesOf(ctx, id, ['waiting', 'ready']));
  // Later steps of a chain are fed by the step before them, not from free stock; stock from
  // outside the company (vendors) needs no reservation.
  const first = lines.filter((l) => l.origin_line_id === null && isOwned(l.from.usage));
  if (first.length > 0) {
    const reserved = fresh ? new Map<string, number>() : await reservedByLine(ctx, id);
    const short = first.filter((l) => l.quantity - l.quantity_done - (reserved.get(l.id) ?? 0) > 0);
    // Free stock of all short lines' products in one query per source location, not one per line.
    const pool = new FreeStockPool(ctx);
    for (const [root, group] of groupBy(short, (l) => l.from.path)) await pool.load([...new Set(group.map((l) => l.product_id))], { path: root });
    for (const line of short) await reserveLine(ctx, { id: line.id, product_id: line.product_id, quantity: line.quantity, quantity_done: line.quantity_done, from: line.from, reserved: reserved.get(line.id) ?? 0 }, pool);
  }
  return refreshTransfer(ctx, id);
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function unreserveTransfer(ctx: CommandContext, id: string): Promise<void> {
  return batchLedgerWrites(ctx, () => unreserveTransferBatched(ctx, id));
}

async function unreserveTransferBatched(ctx: CommandContext, id: string): Promise<void> {
  for (const line of await linesOf(ctx, id, ['waiting', 'ready'])) if (line.origin_line_id === null) await releaseReservations(ctx, line.id);
  await refreshTransferState(ctx, id);
}

/** Refuses a serial number that is already in the company's stock (or given twice). */
async function assertSerialsFree(ctx: CommandContext, productId: string, sku: string, serials: string[]): Promise<void> {
  const seen = new Set<string>();
  for (const s of serials) {
    if (seen.has(s)) throw new DomainError('BUSINESS_RULE', `Serial number ${s} of ${sku} is given twice`);
    seen.add(s);
  }
  await flushProductLevels(ctx, productId);
  const inStock = await ctx.db
    .selectFrom('stock_level as s')
    .innerJoin('lot', 'lot.id', 's.lot_key')
    .innerJoin('location as l', 'l.id', 's.location_id')
    .select('lot.name')
    .where('s.product_id', '=', productId)
    .where('lot.name', 'in', serials)
    .where('l.usage', 'in', ['internal', 'transit'])
    .where('s.on_hand', '>', 0)
    .execute();
  if (inStock.length > 0) throw new DomainError('BUSINESS_RULE', `Serial number ${inStock[0]!.name} of ${sku} is already in stock; a serial number can be received only once`);
}

const transferById = preparedQuery<{ id: string }, TransferTable>(['id'], (db, p) => db.selectFrom('transfer').selectAll().where('id', '=', p.id));
const setLineDestination = preparedQuery<{ id: string; to: string }, never>(['id', 'to'], (db, p) => db.updateTable('transfer_line').set({ to_location_id: p.to }).where('id', '=', p.id));
const closeLine = preparedQuery<{ id: string; done: number; quantity: number; state: TransferState; now: string }, never>(['id', 'done', 'quantity', 'state', 'now'], (db, p) =>
  db.updateTable('transfer_line').set({ quantity_done: p.done, quantity: p.quantity, state: p.state, updated_at: p.now }).where('id', '=', p.id),
);
/** Every open line of the transfer done exactly as planned (quantity_done = quantity). */
const closeOpenLinesDone = preparedQuery<{ transferId: string; now: string }, never>(['transferId', 'now'], (db, p) =>
  db
    .updateTable('transfer_line')
    .set((eb) => ({ quantity_done: eb.ref('quantity'), state: 'done', updated_at: p.now }))
    .where('transfer_id', '=', p.transferId)
    .where('state', 'in', ['waiting', 'ready']),
);

interface LineClosing {
  id: string;
  done: number;
  quantity: number;
  state: TransferState;
  /** Done exactly as planned: done = quantity, nothing left over, nothing extra. */
  complete: boolean;
}

/**
 * Writes the validated lines' done quantities and states: one statement when every open
 * line was done exactly as planned (the usual full validation), else one per line.
 */
async function closeLines(ctx: CommandContext, transferId: string, closings: LineClosing[]): Promise<void> {
  if (closings.length > 1 && closings.every((c) => c.complete)) {
    await closeOpenLinesDone.execute(ctx.db, { transferId, now: ctx.now });
    return;
  }
  for (const c of closings) await closeLine.execute(ctx.db, { id: c.id, done: c.done, quantity: c.quantity, state: c.state, now: ctx.now });
}

/** A step not inserted yet, inserted as closeLines and setTransferDone would leave it. */
async function writeClosedRows(ctx: CommandContext, known: KnownStep, closings: LineClosing[]): Promise<void> {
  const closingOf = new Map(closings.map((c) => [c.id, c]));
  for (const l of known.lines) {
    const c = closingOf.get(l.id);
    if (!c) continue;
    l.quantity_done = c.done;
    l.quantity = c.quantity;
    l.state = c.state;
    l.updated_at = ctx.now;
  }
  const t = known.transfer;
  t.state = 'done';
  t.done_at = ctx.now;
  t.updated_at = ctx.now;
  t.version += 1;
  known.unwritten = false;
  await writeTransferRows(ctx, t, known.lines);
}

const setTransferDone = preparedQuery<{ id: string; now: string; version: number }, never>(['id', 'now', 'version'], (db, p) =>
  db.updateTable('transfer').set({ state: 'done', done_at: p.now, updated_at: p.now, version: p.version }).where('id', '=', p.id),
);

/**
 * Validates a transfer: posts the done quantities as moves (from the line's reservations
 * first), feeds the next step of the chain, and turns what is left into a backorder — or
 * cancels it when the caller says no backorder.
 */
export async function validateTransfer(ctx: CommandContext, id: string, given: ValidateLine[] | undefined, createBackorder: boolean): Promise<string | null> {
  return (await batchLedgerWrites(ctx, () => validateTransferBatched(ctx, id, given, createBackorder))).backorderId;
}

/**
 * validateTransfer, also returning the transfer as it now stands when that is known without
 * reading it back: every line was open and is done exactly as planned, put where planned,
 * nothing cross-docked, no backorder, no partner on the header (the usual full validation).
 */
/**
 * `known`: the transfer's rows as this command wrote them (created and validated at once),
 * used instead of reading them back.
 */
export function validateTransferWithRows(ctx: CommandContext, id: string, given: ValidateLine[] | undefined, createBackorder: boolean): Promise<ValidatedStep> {
  return batchLedgerWrites(ctx, () => validateTransferBatched(ctx, id, given, createBackorder, { refuseDropShip: true }));
}

type ValidatedStep = { backorderId: string | null; written: WrittenStep | null };

/**
 * `known`: the transfer's rows as this command wrote them (or is about to: `unwritten`).
 * `refuseDropShip`: a user validating (a drop ship is completed by the vendor's shipment
 * confirmation on its purchase order, which validates it through validateTransfer).
 */
async function validateTransferBatched(
  ctx: CommandContext,
  id: string,
  given: ValidateLine[] | undefined,
  createBackorder: boolean,
  options: { known?: KnownStep; refuseDropShip?: boolean } = {},
): Promise<ValidatedStep> {
  const session = inventorySession(ctx);
  const known = options.known?.transfer.id === id ? options.known : undefined;
  const t = known ? known.transfer : await transferById.first(ctx.db, { id });
  if (!t) throw notFound('Transfer');
  if (options.refuseDropShip && t.kind === 'delivery' && (await session.location(t.from_location_id)).usage === 'vendor') {
    throw new DomainError('BUSINESS_RULE', `${t.number} is a drop ship of ${t.origin ?? 'a sales order'}: the vendor ships it; confirm the vendor's shipment on the purchase order instead`);
  }
  if (t.state === 'done' || t.state === 'cancelled') throw new DomainError('BUSINESS_RULE', `${t.number} is ${t.state}; nothing to validate`);
  if (t.state === 'draft') throw new DomainError('BUSINESS_RULE', `${t.number} is a draft; confirm it first`);
  // Rows not inserted yet are inserted done at the end — unless the user gave quantities or
  // places, which this path does not take: then they are inserted as they are, now.
  let unwritten = known?.unwritten === true;
  if (known && unwritten && given !== undefined) {
    await writeTransferRows(ctx, known.transfer, known.lines);
    unwritten = false;
  }
  const all = known ? await withLocations(ctx, known.lines) : await linesOf(ctx, id, ['draft', 'waiting', 'ready', 'done', 'cancelled']);
  const lines = all.filter((l) => l.state === 'waiting' || l.state === 'ready');
  const byId = new Map(lines.map((l) => [l.id, l]));
  for (const g of given ?? []) if (!byId.has(g.lineId)) throw new DomainError('VALIDATION', 'A line does not belong to this transfer or is closed', { fields: [{ path: 'lines', message: 'Unknown line' }] });
  const doneOf = new Map<string, ValidateLine>();
  for (const g of given ?? []) doneOf.set(g.lineId, g);

  // Read once for all lines: validating one line changes only its own reservations (and
  // those of the next step's lines, which belong to another transfer). Only lines taking
  // owned stock use them (a receipt's lines come from Vendors).
  const reservedOf = lines.some((l) => isOwned(l.from.usage)) ? await reservedByLine(ctx, id) : new Map<string, number>();
  await session.loadProducts(lines.map((l) => l.product_id));

  let anyDone = false;
  const leftovers: { line: (typeof lines)[number]; remaining: number }[] = [];
  const crossings: { line: (typeof lines)[number]; quantity: number }[] = [];
  // Nothing in the loop reads this transfer's lines again, so they are closed after it.
  const closings: LineClosing[] = [];
  const enteredProducts = new Set<string>();
  // The lines' moves are posted together (one valuation entry for the document, level and
  // ledger writes summed); a step that reads stock levels posts what is pending first.
  const pendingMoves: MoveRequest[] = [];
  const postPending = async () => {
    if (pendingMoves.length > 0) await postMoves(ctx, pendingMoves.splice(0));
  };
  const crossDock = await CrossDock.open(ctx, t);
  // Every line done as planned, at its planned destination (for the reply without a read-back).
  let asPlanned = all.length === lines.length && !crossDock && t.partner_id === null;
  for (const line of lines) {
    const need = line.quantity - line.quantity_done;
    const reserved = reservedOf.get(line.id) ?? 0;
    const g = doneOf.get(line.id);
    const owned = isOwned(line.from.usage);
    const q = g ? g.quantity : given ? 0 : owned ? Math.min(reserved, need) : need;
    const product = await session.product(line.product_id);
    const overAllowed = !owned && (t.kind === 'receipt' || t.kind === 'transit_in');
    if (q > need && !overAllowed) throw new DomainError('BUSINESS_RULE', `${product.sku}: done quantity ${q} is more than the ${need} planned`);
    const dest = g?.toLocationId ? await ownLocation(ctx, g.toLocationId, line.to.warehouse_id ?? '', line.to, 'Destination') : line.to;
    if (q > 0) {
      anyDone = true;
      const moves: MoveRequest[] = [];
      // Moves as plain literals (move()): `{ ...base, more }` costs V8 (Node 20) ~100x as much per object.
      const move = (quantity: number, from: LocationInfo, lotId: string | null, unitCostMinor?: number): MoveRequest => ({
        productId: line.product_id,
        reference: t.number,
        transferId: t.id,
        transferLineId: line.id,
        to: dest,
        quantity,
        from,
        lotId,
        unitCostMinor,
      });
      if (owned) {
        const pieces = await releaseReservations(ctx, line.id, q);
        let left = q - pieces.reduce((s, p) => s + p.quantity, 0);
        if (left > 0 && line.origin_line_id === null) {
          await postPending();
          for (const piece of await freeStock(ctx, line.product_id, line.from)) {
            if (left === 0) break;
            const take = Math.min(left, piece.free);
            pieces.push({ locationId: piece.locationId, warehouseId: piece.warehouseId, lotKey: piece.lotKey, quantity: take });
            left -= take;
          }
        }
        if (left > 0) {
          if (product.tracking !== 'none') throw new DomainError('BUSINESS_RULE', `Not enough ${product.sku} at ${line.from.path}: needed ${q}, available ${q - left}`);
          // The ledger refuses this unless the warehouse allows negative stock, with the figures.
          pieces.push({ locationId: line.from.id, warehouseId: line.from.warehouse_id, lotKey: '', quantity: left });
        }
        for (const p of pieces) moves.push(move(p.quantity, await session.location(p.locationId), p.lotKey || null));
      } else if (product.tracking === 'serial') {
        const serials = g?.serials ?? [];
        if (serials.length !== q) throw new DomainError('BUSINESS_RULE', `${product.sku} is tracked by serial number: give ${q} serial number(s), got ${serials.length}`);
        await postPending();
        await assertSerialsFree(ctx, line.product_id, product.sku, serials);
        for (const s of serials) moves.push(move(1, line.from, await findOrCreateLot(ctx, line.product_id, s, g?.expiryDate ?? null), line.unit_cost_minor ?? undefined));
      } else if (product.tracking === 'lot') {
        if (!g?.lotName) throw new DomainError('BUSINESS_RULE', `${product.sku} is tracked by lot: give the lot number`);
        moves.push(move(q, line.from, await findOrCreateLot(ctx, line.product_id, g.lotName, g.expiryDate ?? null), line.unit_cost_minor ?? undefined));
      } else {
        moves.push(move(q, line.from, null, line.unit_cost_minor ?? undefined));
      }
      pendingMoves.push(...moves);
      if (isOwned(dest.usage) && !isOwned(line.from.usage)) enteredProducts.add(line.product_id);
      if (dest.usage === 'internal' && line.from.usage === 'transit') enteredProducts.add(line.product_id);
      // Feed the next step: what arrived here is reserved for it, lot by lot — less what
      // cross-docking sends straight to waiting deliveries.
      if (line.next_line_id) {
        let feed = moves.map((m) => ({ lotKey: lotKeyOf(m.lotId), quantity: m.quantity }));
        if (crossDock) feed = await crossDock.take(line, dest, feed);
        for (const f of feed) await addReservation(ctx, { lineId: line.next_line_id, productId: line.product_id, location: dest, lotKey: f.lotKey, quantity: f.quantity });
      }
    }
    // Nothing in this loop reads incoming/outgoing, so the line's planned crossing is taken
    // off after it, summed per product and location.
    crossings.push({ line, quantity: -need });
    // The line shows where its stock actually went (a put-away into a bin).
    if (dest.id !== line.to.id) await setLineDestination.execute(ctx.db, { id: line.id, to: dest.id });
    if (dest.id !== line.to.id || q !== need || (reservedOf.get(line.id) ?? 0) > q) asPlanned = false;
    const remaining = Math.max(need - q, 0);
    closings.push({ id: line.id, done: line.quantity_done + q, quantity: q > 0 ? line.quantity_done + q : line.quantity, state: q > 0 ? 'done' : 'cancelled', complete: q > 0 && q === need });
    if (remaining > 0) leftovers.push({ line, remaining });
  }
  if (!anyDone) throw new DomainError('BUSINESS_RULE', `Nothing to validate on ${t.number}: no quantity is done${t.state === 'waiting' ? ' (stock is not reserved yet)' : ''}`);
  await postPending();
  if (crossDock && (await crossDock.finish())) {
    for (const line of lines) {
      const docked = crossDock.dockedFrom(line.id);
      if (docked > 0 && line.next_line_id) await shrinkLine(ctx, line.next_line_id, docked);
    }
  }
  if (known && unwritten) await writeClosedRows(ctx, known, closings);
  else {
    await closeLines(ctx, id, closings);
    await setTransferDone.execute(ctx.db, { id, now: ctx.now, version: t.version + 1 });
  }
  await planCrossings(ctx, crossings);
  if (t.wave_id) await closeWaveIfFinished(ctx, t.wave_id);

  let backorderId: string | null = null;
  if (leftovers.length > 0 && createBackorder) {
    const prefix = t.number.replace(/\d+$/, '');
    const opCode = prefix.split('-').at(-3) ?? 'INT';
    const created = await insertTransfer(
      ctx,
      {
        kind: t.kind,
        opCode,
        warehouseId: t.warehouse_id,
        from: await session.location(t.from_location_id),
        to: await session.location(t.to_location_id),
        partnerId: t.partner_id,
        origin: t.origin,
        channelCode: t.channel_code,
        priorityRank: t.priority_rank,
        promisedDate: t.promised_date,
        orderDate: t.order_date,
        scheduledDate: t.scheduled_date,
        shippingPolicy: t.shipping_policy,
        carrier: t.carrier,
        carrierCutoff: t.carrier_cutoff,
        orderValueMinor: t.order_value_minor,
        backorderOfId: t.id,
      },
      leftovers.map(({ line, remaining }) => ({
        productId: line.product_id,
        uomId: line.uom_id,
        uomQuantity: remaining,
        quantity: remaining,
        unitCostMinor: line.unit_cost_minor,
        originLineId: line.origin_line_id,
        // The order line it delivers stays the same: sales need not re-link backorders.
        salesLineId: line.sales_line_id ?? null,
        from: line.from,
        to: line.to,
      })),
    );
    backorderId = created.id;
    await ctx.db.updateTable('transfer').set({ linked_transfer_id: t.linked_transfer_id, backorder_reason: t.backorder_reason }).where('id', '=', created.id).execute();
    for (const [j, { line }] of leftovers.entries()) {
      const newLineId = created.lineIds[j]!;
      await ctx.db.updateTable('transfer_line').set({ next_line_id: line.next_line_id, state: 'waiting' }).where('id', '=', newLineId).execute();
      // An open step before this one (e.g. the backorder of a partial pick) still feeds this
      // line, which is now closed: it feeds the backorder line instead.
      await repointFeeders.execute(ctx.db, { from: line.id, to: newLineId, now: ctx.now });
      // Reservations not consumed stay with the stock, now for the backorder line.
      await flushReservations(ctx);
      await ctx.db.updateTable('reservation').set({ transfer_line_id: newLineId, updated_at: ctx.now }).where('transfer_line_id', '=', line.id).execute();
    }
    await planCrossings(ctx, leftovers.map(({ line, remaining }) => ({ line, quantity: remaining })));
    await ctx.db.updateTable('transfer').set({ state: 'waiting' }).where('id', '=', created.id).execute();
    if (leftovers.some(({ line }) => line.origin_line_id === null) && (await reservesNow(ctx, created.id))) await reserveTransfer(ctx, created.id);
    else await refreshTransferState(ctx, created.id);
  } else {
    for (const { line, remaining } of leftovers) {
      // What is already here for the line stays as free stock; what open steps before it
      // would still bring is no longer wanted.
      const here = (await releaseReservations(ctx, line.id)).reduce((sum, r) => sum + r.quantity, 0);
      if (remaining > here) await shrinkFeeders(ctx, line.id, remaining - here);
      if (line.next_line_id) await shrinkLine(ctx, line.next_line_id, remaining);
    }
  }
  for (const nextTransfer of await transfersOfLines(ctx, lines.map((l) => l.next_line_id).filter((x): x is string => !!x))) await refreshTransferState(ctx, nextTransfer);
  if (enteredProducts.size > 0) await allocate(ctx, { warehouseId: t.warehouse_id, productIds: [...enteredProducts] });
  if (!asPlanned || leftovers.length > 0) return { backorderId, written: null };
  // As written: the lines done in full (their reservations consumed), the transfer done.
  const wh = await session.warehouse(t.warehouse_id);
  if (!wh) return { backorderId, written: null };
  const header = writtenHeader(
    { ...t, state: 'done', done_at: ctx.now },
    { warehouseCode: wh.code, fromPath: (await session.location(t.from_location_id)).path, toPath: (await session.location(t.to_location_id)).path },
  );
  const written: PlainLine[] = lines.map((l) => ({
    id: l.id,
    line_no: l.line_no,
    product_id: l.product_id,
    quantity: l.quantity,
    quantity_done: l.quantity,
    from_location_id: l.from_location_id,
    to_location_id: l.to_location_id,
    state: 'done',
    unit_cost_minor: l.unit_cost_minor,
  }));
  return { backorderId, written: { header, lines: written, reserved: new Map() } };
}

/**
 * The transfers holding these lines, each once, in the order of the lines. A step's lines
 * usually all feed one next transfer: refreshing it once per line would repeat the same work.
 */
async function transfersOfLines(ctx: CommandContext, lineIds: string[]): Promise<string[]> {
  const ids = [...new Set(lineIds)];
  if (ids.length === 0) return [];
  const transferOf = new Map((await transferIdsOfLines(ctx.db, ids, {})).map((r) => [r.id, r.transfer_id]));
  return [...new Set(ids.map((id) => transferOf.get(id)).filter((x): x is string => !!x))];
}

const transferIdsOfLines = preparedSelectIn<{ id: string; transfer_id: string }>((db, ids) => db.selectFrom('transfer_line').select(['id', 'transfer_id']).where('id', 'in', ids as string[]));

const repointFeeders = preparedQuery<{ from: string; to: string; now: string }, never>(['from', 'to', 'now'], (db, p) =>
  db.updateTable('transfer_line').set({ next_line_id: p.to, updated_at: p.now }).where('next_line_id', '=', p.from).where('state', 'in', ['draft', 'waiting', 'ready']),
);

const openFeeders = preparedQuery<{ lineId: string }, TransferLineTable>(['lineId'], (db, p) =>
  db.selectFrom('transfer_line').selectAll().where('next_line_id', '=', p.lineId).where('state', 'in', ['draft', 'waiting', 'ready']).orderBy('created_at').orderBy('id'),
);

/**
 * A closed line will not take `by` more units: the open lines feeding it (a partial pick's
 * backorder, when the pack is closed without one) shrink or are cancelled, releasing
 * reservations they no longer need, and so on up the chain.
 */
async function shrinkFeeders(ctx: CommandContext, lineId: string, by: number): Promise<void> {
  let left = by;
  for (const f of await openFeeders.rows(ctx.db, { lineId })) {
    if (left <= 0) break;
    const open = f.quantity - f.quantity_done;
    const cut = Math.min(left, open);
    if (cut <= 0) continue;
    const from = await inventorySession(ctx).location(f.from_location_id);
    const to = await inventorySession(ctx).location(f.to_location_id);
    if (f.state !== 'draft') await planCrossing(ctx, { product_id: f.product_id, from, to }, -cut);
    if (cut === open) {
      await releaseReservations(ctx, f.id);
      await ctx.db.updateTable('transfer_line').set({ state: 'cancelled', updated_at: ctx.now }).where('id', '=', f.id).execute();
    } else {
      await ctx.db.updateTable('transfer_line').set({ quantity: f.quantity - cut, updated_at: ctx.now }).where('id', '=', f.id).execute();
      const excess = (await reservedFor(ctx, f.id)) - (open - cut);
      if (excess > 0) await releaseReservations(ctx, f.id, excess);
    }
    await shrinkFeeders(ctx, f.id, cut);
    await closeIfEmpty(ctx, f.transfer_id);
    left -= cut;
  }
}

/**
 * A step upstream will not deliver `by` units: the line (and, with `cascade`, the steps after
 * it) shrink, or are cancelled.
 */
export async function shrinkLine(ctx: CommandContext, lineId: string, by: number, cascade = true): Promise<void> {
  const line = await ctx.db.selectFrom('transfer_line').selectAll().where('id', '=', lineId).executeTakeFirst();
  if (!line || line.state === 'done' || line.state === 'cancelled') return;
  const from = await inventorySession(ctx).location(line.from_location_id);
  const to = await inventorySession(ctx).location(line.to_location_id);
  const cut = Math.min(by, line.quantity - line.quantity_done);
  await planCrossing(ctx, { product_id: line.product_id, from, to }, -cut);
  const left = line.quantity - cut;
  if (left - line.quantity_done <= 0) {
    await releaseReservations(ctx, line.id);
    await ctx.db.updateTable('transfer_line').set({ state: 'cancelled', quantity: Math.max(left, line.quantity_done) || line.quantity, updated_at: ctx.now }).where('id', '=', line.id).execute();
  } else {
    await ctx.db.updateTable('transfer_line').set({ quantity: left, updated_at: ctx.now }).where('id', '=', line.id).execute();
  }
  if (line.next_line_id && cascade) await shrinkLine(ctx, line.next_line_id, cut);
  await closeIfEmpty(ctx, line.transfer_id);
}

async function closeIfEmpty(ctx: CommandContext, transferId: string): Promise<void> {
  const open = await ctx.db.selectFrom('transfer_line').select('id').where('transfer_id', '=', transferId).where('state', 'in', ['draft', 'waiting', 'ready']).executeTakeFirst();
  if (!open) {
    const anyDone = await ctx.db.selectFrom('transfer_line').select('id').where('transfer_id', '=', transferId).where('state', '=', 'done').executeTakeFirst();
    await ctx.db.updateTable('transfer').set({ state: anyDone ? 'done' : 'cancelled', updated_at: ctx.now }).where('id', '=', transferId).where('state', 'not in', ['done', 'cancelled']).execute();
  } else {
    await refreshTransferState(ctx, transferId);
  }
}

/** A wave is done when none of its transfers is open any more. */
async function closeWaveIfFinished(ctx: CommandContext, waveId: string): Promise<void> {
  const open = await ctx.db.selectFrom('transfer').select('id').where('wave_id', '=', waveId).where('state', 'in', ['draft', 'waiting', 'ready']).executeTakeFirst();
  if (!open) await ctx.db.updateTable('wave').set({ state: 'done', updated_at: ctx.now }).where('id', '=', waveId).where('state', '=', 'open').execute();
}

/** Cancels what is left of a transfer: releases its reservations and shrinks the steps after it. */
export function cancelTransfer(ctx: CommandContext, id: string): Promise<void> {
  return batchLedgerWrites(ctx, () => cancelTransferBatched(ctx, id));
}

async function cancelTransferBatched(ctx: CommandContext, id: string): Promise<void> {
  const t = await ctx.db.selectFrom('transfer').select(['state', 'number', 'version']).where('id', '=', id).executeTakeFirst();
  if (!t) throw notFound('Transfer');
  if (t.state === 'done' || t.state === 'cancelled') throw new DomainError('BUSINESS_RULE', `${t.number} is ${t.state} and cannot be cancelled`);
  for (const line of await linesOf(ctx, id, ['draft', 'waiting', 'ready'])) {
    const open = line.quantity - line.quantity_done;
    await releaseReservations(ctx, line.id);
    if (line.state !== 'draft') await planCrossing(ctx, line, -open);
    await ctx.db.updateTable('transfer_line').set({ state: 'cancelled', updated_at: ctx.now }).where('id', '=', line.id).execute();
    if (line.next_line_id) await shrinkLine(ctx, line.next_line_id, open);
  }
  await ctx.db.updateTable('transfer').set({ state: 'cancelled', updated_at: ctx.now, version: t.version + 1 }).where('id', '=', id).execute();
  const wave = await ctx.db.selectFrom('transfer').select('wave_id').where('id', '=', id).executeTakeFirst();
  if (wave?.wave_id) await closeWaveIfFinished(ctx, wave.wave_id);
}

/**
 * Allocation by policy: unreserved demand (first steps that take stock from a warehouse) is
 * served in order of priority rank (channel, then customer), promised date, order date.
 * With preemption on, a higher-priority line may take stock reserved for a lower-priority
 * transfer that has not started (nothing done, not in a wave); that transfer waits with a reason.
 */
export function allocate(ctx: CommandContext, scope: { warehouseId?: string; productIds?: string[] }): Promise<{ linesReserved: number; quantityReserved: number; preempted: number }> {
  return batchLedgerWrites(ctx, () => allocateBatched(ctx, scope));
}

async function allocateBatched(ctx: CommandContext, scope: { warehouseId?: string; productIds?: string[] }): Promise<{ linesReserved: number; quantityReserved: number; preempted: number }> {
  // The policy is read only when some line is short (most allocations after a receipt find no demand).
  let preempt: boolean | undefined;
  const preemptOn = async () => (preempt ??= (await readInventorySettings(ctx.db)).preemptLowerPriority);
  let productIds = scope.productIds;
  if (productIds?.length) {
    productIds = await productsWithOpenDemand(ctx, productIds);
    if (productIds.length === 0) return { linesReserved: 0, quantityReserved: 0, preempted: 0 };
  }
  let q = ctx.db
    .selectFrom('transfer_line as l')
    .innerJoin('transfer as t', 't.id', 'l.transfer_id')
    .innerJoin('location as f', 'f.id', 'l.from_location_id')
    .innerJoin('operation_type as o', 'o.id', 't.operation_type_id')
    .select(['l.id', 'l.product_id', 'l.quantity', 'l.quantity_done', 'l.from_location_id', 't.id as transfer_id', 't.number', 't.priority_rank', 't.warehouse_id', 't.scheduled_date', 'o.reservation_method', 'o.reservation_days'])
    .where('l.state', 'in', ['waiting', 'ready'])
    .where('t.state', 'in', ['waiting', 'ready'])
    .where('f.usage', '=', 'internal')
    .where('o.reservation_method', '!=', 'manual');
  if (scope.warehouseId) q = q.where('t.warehouse_id', '=', scope.warehouseId);
  if (productIds?.length) {
    // With products given, SQLite must search (product, state), not every first-step line
    // ever (origin_line_id IS NULL, which its planner favours without statistics): likely()
    // keeps the same condition out of index selection.
    q = q.where('l.product_id', 'in', productIds).where(ctx.dialect === 'sqlite' ? sql<boolean>`likely(l.origin_line_id IS NULL)` : sql<boolean>`l.origin_line_id IS NULL`);
  } else q = q.where('l.origin_line_id', 'is', null);
  const demand = await q
    .orderBy('t.priority_rank')
    .orderBy((eb) => eb.fn.coalesce('t.promised_date', eb.val(FAR_FUTURE)))
    .orderBy((eb) => eb.fn.coalesce('t.order_date', eb.val(FAR_FUTURE)))
    .orderBy('t.created_at')
    .orderBy('l.line_no')
    // Ties (transfers created by one command) in creation order, whatever the plan.
    .orderBy('l.id')
    .execute();
  let linesReserved = 0;
  let quantityReserved = 0;
  let preempted = 0;
  const touched = new Set<string>();
  for (const d of demand) {
    if (d.reservation_method === 'before_days' && d.scheduled_date > new Date(Date.parse(ctx.now) + d.reservation_days * 86_400_000).toISOString()) continue;
    const from = await inventorySession(ctx).location(d.from_location_id);
    const first = await reserveLine(ctx, { id: d.id, product_id: d.product_id, quantity: d.quantity, quantity_done: d.quantity_done, from });
    let got = first.reserved;
    if (first.short > 0 && (await preemptOn())) {
      const taken = await preemptFor(ctx, d, from, first.short);
      preempted += taken.count;
      for (const tid of taken.transfers) touched.add(tid);
      got += (await reserveLine(ctx, { id: d.id, product_id: d.product_id, quantity: d.quantity, quantity_done: d.quantity_done, from })).reserved;
    }
    if (got > 0) {
      linesReserved++;
      quantityReserved += got;
      touched.add(d.transfer_id);
    }
  }
  for (const tid of touched) await refreshTransferState(ctx, tid);
  return { linesReserved, quantityReserved, preempted };
}

/**
 * Which of these products have an open first-step line anywhere: one (product, state)
 * index range each. After a receipt there is usually none, and allocation has nothing to do.
 */
async function productsWithOpenDemand(ctx: CommandContext, productIds: string[]): Promise<string[]> {
  const ids = [...new Set(productIds)];
  const found = new Set((await openDemandProducts(ctx.db, ids, {})).map((r) => r.product_id));
  return ids.filter((id) => found.has(id));
}

// Per product an EXISTS over (product, state): with both conditions as IN lists on one
// query, SQLite (no statistics) searched the index by product only and stepped through every
// line the product ever had, done ones included.
const openDemandProducts = preparedSelectIn<{ product_id: string }>((db, ids) =>
  db
    .selectFrom('product as p')
    .select('p.id as product_id')
    .where('p.id', 'in', ids as string[])
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('transfer_line as l')
          .select('l.id')
          .whereRef('l.product_id', '=', 'p.id')
          .where('l.state', 'in', ['waiting', 'ready'])
          .where('l.origin_line_id', 'is', null),
      ),
    ),
);

async function preemptFor(ctx: CommandContext, d: { product_id: string; priority_rank: number; number: string; warehouse_id: string }, from: LocationInfo, missing: number) {
  await flushReservations(ctx);
  const victims = await ctx.db
    .selectFrom('reservation as r')
    .innerJoin('transfer_line as l', 'l.id', 'r.transfer_line_id')
    .innerJoin('transfer as t', 't.id', 'l.transfer_id')
    .innerJoin('location as loc', 'loc.id', 'r.location_id')
    .select(['r.transfer_line_id', 'r.quantity', 't.id as transfer_id', 't.number', 'loc.path'])
    .where('r.product_id', '=', d.product_id)
    .where('t.warehouse_id', '=', d.warehouse_id)
    .where('t.priority_rank', '>', d.priority_rank)
    .where('t.wave_id', 'is', null)
    .where('l.origin_line_id', 'is', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('transfer_line as x').select('x.id').whereRef('x.transfer_id', '=', 't.id').where('x.quantity_done', '>', 0))))
    .orderBy('t.priority_rank', 'desc')
    .orderBy('t.created_at', 'desc')
    .execute();
  let left = missing;
  const transfers = new Set<string>();
  let count = 0;
  for (const v of victims) {
    if (left <= 0) break;
    if (!isWithin({ path: v.path }, from)) continue;
    const take = Math.min(left, v.quantity);
    await releaseReservations(ctx, v.transfer_line_id, take);
    await ctx.db
      .updateTable('transfer')
      .set({ backorder_reason: `Stock taken by higher-priority ${d.number}`, updated_at: ctx.now })
      .where('id', '=', v.transfer_id)
      .execute();
    transfers.add(v.transfer_id);
    left -= take;
    count++;
  }
  return { count, transfers };
}

/** Columns of a transfer row that its reply header shows as they are. */
type ShownTransferColumns = 'id' | 'number' | 'kind' | 'state' | 'warehouse_id' | 'from_location_id' | 'to_location_id' | 'origin' | 'channel_code' | 'priority_rank' | 'scheduled_date' | 'promised_date' | 'shipping_policy' | 'carrier' | 'carrier_cutoff' | 'backorder_of_id' | 'backorder_reason' | 'linked_transfer_id' | 'wave_id' | 'done_at';

/** The reply header of a transfer this command wrote, from the row itself (no read back; partner-less transfers only). */
function writtenHeader(t: Pick<HeaderRow, ShownTransferColumns>, names: { warehouseCode: string; fromPath: string; toPath: string }): HeaderRow {
  return {
    id: t.id,
    number: t.number,
    kind: t.kind,
    state: t.state,
    warehouse_id: t.warehouse_id,
    warehouse_code: names.warehouseCode,
    from_location_id: t.from_location_id,
    from_path: names.fromPath,
    to_location_id: t.to_location_id,
    to_path: names.toPath,
    partner_id: null,
    partner_name: null,
    origin: t.origin,
    channel_code: t.channel_code,
    priority_rank: t.priority_rank,
    scheduled_date: t.scheduled_date,
    promised_date: t.promised_date,
    shipping_policy: t.shipping_policy,
    carrier: t.carrier,
    carrier_cutoff: t.carrier_cutoff,
    backorder_of_id: t.backorder_of_id,
    backorder_reason: t.backorder_reason,
    linked_transfer_id: t.linked_transfer_id,
    wave_id: t.wave_id,
    done_at: t.done_at,
  };
}
