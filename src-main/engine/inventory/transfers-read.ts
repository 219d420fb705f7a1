import type { Transfer } from '../../../src-shared/contract/inventory';
import type { Db, Tx } from '../platform/db';
import type { CommandContext } from '../platform/context';
import { notFound } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import type { TransferLineTable, TransferState } from '../platform/schema';
import { reservedByLine } from './reservations';
import { inventorySession } from './session';

/** The header columns of transfers, joined once; shared by the detail and the list. */
export function selectTransferHeaders(db: Db | Tx) {
  return db
    .selectFrom('transfer as t')
    .innerJoin('warehouse as w', 'w.id', 't.warehouse_id')
    .innerJoin('location as f', 'f.id', 't.from_location_id')
    .innerJoin('location as d', 'd.id', 't.to_location_id')
    .leftJoin('partner as p', 'p.id', 't.partner_id')
    .select([
      't.id',
      't.number',
      't.kind',
      't.state',
      't.warehouse_id',
      'w.code as warehouse_code',
      't.from_location_id',
      'f.path as from_path',
      't.to_location_id',
      'd.path as to_path',
      't.partner_id',
      'p.name as partner_name',
      't.origin',
      't.channel_code',
      't.priority_rank',
      't.scheduled_date',
      't.promised_date',
      't.shipping_policy',
      't.carrier',
      't.carrier_cutoff',
      't.backorder_of_id',
      't.backorder_reason',
      't.linked_transfer_id',
      't.wave_id',
      't.done_at',
    ]);
}

export type HeaderRow = Awaited<ReturnType<ReturnType<typeof selectTransferHeaders>['executeTakeFirstOrThrow']>>;

export function toTransferHeader(t: HeaderRow): Omit<Transfer, 'lines'> {
  return {
    id: t.id,
    number: t.number,
    kind: t.kind,
    state: t.state,
    warehouseId: t.warehouse_id,
    warehouseCode: t.warehouse_code,
    fromLocationId: t.from_location_id,
    fromPath: t.from_path,
    toLocationId: t.to_location_id,
    toPath: t.to_path,
    partnerId: t.partner_id,
    partnerName: t.partner_name,
    origin: t.origin,
    channelCode: t.channel_code,
    priorityRank: t.priority_rank,
    scheduledDate: t.scheduled_date,
    promisedDate: t.promised_date,
    shippingPolicy: t.shipping_policy,
    carrier: t.carrier,
    carrierCutoff: t.carrier_cutoff,
    backorderOfId: t.backorder_of_id,
    backorderReason: t.backorder_reason,
    linkedTransferId: t.linked_transfer_id,
    waveId: t.wave_id,
    doneAt: t.done_at,
  };
}

// Compiled once: a transfer is read back after every command that changes it.
const headerById = preparedQuery<{ id: string }, HeaderRow>(['id'], (db, p) => selectTransferHeaders(db).where('t.id', '=', p.id));

const linesById = preparedQuery<{ id: string }, LineRow>(['id'], (db, p) =>
  db
    .selectFrom('transfer_line as l')
    .innerJoin('product as p', 'p.id', 'l.product_id')
    .innerJoin('uom as u', 'u.id', 'p.uom_id')
    .innerJoin('location as f', 'f.id', 'l.from_location_id')
    .innerJoin('location as d', 'd.id', 'l.to_location_id')
    .select((eb) => [
      'l.id',
      'l.line_no',
      'l.product_id',
      'p.sku',
      'p.name',
      'p.barcode',
      'p.tracking',
      'u.code as uom_code',
      'l.quantity',
      'l.quantity_done',
      'l.from_location_id',
      'f.path as from_path',
      'l.to_location_id',
      'd.path as to_path',
      'l.state',
      'l.unit_cost_minor',
      eb.fn.coalesce(eb.selectFrom('reservation as r').select((e) => e.fn.sum<number>('r.quantity').as('q')).whereRef('r.transfer_line_id', '=', 'l.id'), eb.lit(0)).as('reserved'),
    ])
    .where('l.transfer_id', '=', p.id)
    .orderBy('l.line_no'),
);

interface LineRow {
  id: string;
  line_no: number;
  product_id: string;
  sku: string;
  name: string;
  barcode: string | null;
  tracking: string;
  uom_code: string;
  quantity: number;
  quantity_done: number;
  from_location_id: string;
  from_path: string;
  to_location_id: string;
  to_path: string;
  state: TransferState;
  unit_cost_minor: number | null;
  reserved: number;
}

/** Reads a transfer with its lines as the contract shows it. */
export async function loadTransfer(db: Db | Tx, id: string): Promise<Transfer> {
  const t = await headerById.first(db, { id });
  if (!t) throw notFound('Transfer');
  return toTransfer(t, await linesById.rows(db, { id }));
}

export type PlainLine = Pick<TransferLineTable, 'id' | 'line_no' | 'product_id' | 'quantity' | 'quantity_done' | 'from_location_id' | 'to_location_id' | 'state' | 'unit_cost_minor'>;
const plainLinesById = preparedQuery<{ id: string }, PlainLine>(['id'], (db, p) =>
  db
    .selectFrom('transfer_line')
    .select(['id', 'line_no', 'product_id', 'quantity', 'quantity_done', 'from_location_id', 'to_location_id', 'state', 'unit_cost_minor'])
    .where('transfer_id', '=', p.id)
    .orderBy('line_no'),
);

/**
 * loadTransfer for the command that has just worked on the transfer (its reply): the
 * products and locations of the lines are in the command's session already, so only the
 * lines and their reservations are read, not four joined lookups per line. Same output.
 */
export async function loadTransferIn(ctx: CommandContext, id: string): Promise<Transfer> {
  const t = await headerById.first(ctx.db, { id });
  if (!t) throw notFound('Transfer');
  const rows = await plainLinesById.rows(ctx.db, { id });
  const reserved = await reservedByLine(ctx, id);
  return transferFromRows(ctx, t, rows, reserved);
}

/**
 * A transfer as the contract shows it, from its header row, its lines in line order and what
 * is reserved per line (absent: nothing), with products and locations from the command's
 * session: loadTransferIn's output, for a command that holds those rows already.
 */
export async function transferFromRows(ctx: CommandContext, t: HeaderRow, rows: readonly PlainLine[], reserved: ReadonlyMap<string, number>): Promise<Transfer> {
  const session = inventorySession(ctx);
  await session.loadProducts(rows.map((r) => r.product_id));
  const paths = new Map<string, string>();
  for (const r of rows) {
    for (const locationId of [r.from_location_id, r.to_location_id]) if (!paths.has(locationId)) paths.set(locationId, (await session.location(locationId)).path);
  }
  const lines: LineRow[] = [];
  for (const r of rows) {
    const p = session.knownProduct(r.product_id) ?? (await session.product(r.product_id));
    // Fields written out: `{ ...r, more }` costs V8 (Node 20) ~100x a plain literal per object.
    lines.push({
      id: r.id,
      line_no: r.line_no,
      product_id: r.product_id,
      quantity: r.quantity,
      quantity_done: r.quantity_done,
      from_location_id: r.from_location_id,
      to_location_id: r.to_location_id,
      state: r.state,
      unit_cost_minor: r.unit_cost_minor,
      sku: p.sku,
      name: p.name,
      barcode: p.barcode,
      tracking: p.tracking,
      uom_code: p.uomCode,
      from_path: paths.get(r.from_location_id)!,
      to_path: paths.get(r.to_location_id)!,
      reserved: reserved.get(r.id) ?? 0,
    });
  }
  return toTransfer(t, lines);
}

function toTransfer(t: HeaderRow, lines: LineRow[]): Transfer {
  return {
    ...toTransferHeader(t),
    lines: lines.map((l) => ({
      id: l.id,
      lineNo: l.line_no,
      productId: l.product_id,
      sku: l.sku,
      productName: l.name,
      barcode: l.barcode,
      tracking: l.tracking,
      uomCode: l.uom_code,
      quantity: l.quantity,
      quantityDone: l.quantity_done,
      reserved: Number(l.reserved),
      fromLocationId: l.from_location_id,
      fromPath: l.from_path,
      toLocationId: l.to_location_id,
      toPath: l.to_path,
      state: l.state,
      unitCostMinor: l.unit_cost_minor === null ? null : Number(l.unit_cost_minor),
    })),
  };
}
