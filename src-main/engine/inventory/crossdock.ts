import { sql } from 'kysely';
import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { preparedQuery } from '../platform/prepared';
import type { TransferState } from '../platform/schema';
import { FAR_FUTURE, type LocationInfo } from './locations';
import { addReservation, refreshTransferState } from './reservations';
import { inventorySession } from './session';
import { insertTransfer, NO_ORDER_FIELDS, shrinkLine } from './transfers';

/**
 * Cross-dock: with the warehouse's XD operation type active, what a receipt brings into Input
 * that a waiting delivery lacks goes straight from Input to Output (an XD transfer feeding
 * the delivery's last step), not through put-away, stock and picking. The delivery's steps
 * before Output (pick, pack) and the receipt's steps after Input (quality, put-away) shrink
 * by what is cross-docked. Deliveries are served in allocation order (priority rank,
 * promised date, order date). One-step deliveries ship from Stock and are not cross-docked.
 */

export const CROSS_DOCK_CODE = 'XD';

const crossDockActive = preparedQuery<{ warehouseId: string; code: string }, { active: number }>(['warehouseId', 'code'], (db, p) =>
  db.selectFrom('operation_type').select('active').where('warehouse_id', '=', p.warehouseId).where('code', '=', p.code),
);

/** Is cross-docking on for the warehouse (its XD operation type exists and is active)? */
export async function crossDockOn(db: Db | Tx, warehouseId: string): Promise<boolean> {
  return (await crossDockActive.first(db, { warehouseId, code: CROSS_DOCK_CODE }))?.active === 1;
}

/** Turns cross-docking on or off for a warehouse (creates its XD operation type, Input → Output, on first use). */
export async function setCrossDock(ctx: CommandContext, warehouseId: string, on: boolean): Promise<void> {
  const existing = await ctx.db.selectFrom('operation_type').select(['id', 'active', 'version']).where('warehouse_id', '=', warehouseId).where('code', '=', CROSS_DOCK_CODE).executeTakeFirst();
  if (existing) {
    if ((existing.active === 1) !== on) {
      await ctx.db.updateTable('operation_type').set({ active: on ? 1 : 0, updated_at: ctx.now, version: existing.version + 1 }).where('id', '=', existing.id).execute();
    }
    return;
  }
  if (!on) return;
  const session = inventorySession(ctx);
  const input = await session.zone(warehouseId, 'input');
  const output = await session.zone(warehouseId, 'output');
  await ctx.db
    .insertInto('operation_type')
    .values({
      id: ctx.newId(),
      branch_id: ctx.branchId,
      created_at: ctx.now,
      updated_at: ctx.now,
      version: 1,
      warehouse_id: warehouseId,
      kind: 'internal',
      code: CROSS_DOCK_CODE,
      name: 'Cross-dock',
      default_from_location_id: input.id,
      default_to_location_id: output.id,
      reservation_method: 'at_confirm',
      reservation_days: 0,
      active: 1,
    })
    .execute();
}

type DemandRow = { id: string; quantity: number; quantity_done: number; next_line_id: string; reserved: number; priority_rank: number };

/** First-step pick lines of deliveries waiting for the product in the warehouse, in allocation order, with what is reserved for each. */
const waitingDemand = preparedQuery<{ productId: string; warehouseId: string; far: string }, DemandRow>(['productId', 'warehouseId', 'far'], (db, p) =>
  db
    .selectFrom('transfer_line as l')
    .innerJoin('transfer as t', 't.id', 'l.transfer_id')
    .innerJoin('location as f', 'f.id', 'l.from_location_id')
    .innerJoin('operation_type as o', 'o.id', 't.operation_type_id')
    .select((eb) => [
      'l.id',
      'l.quantity',
      'l.quantity_done',
      sql<string>`l.next_line_id`.as('next_line_id'),
      eb.fn.coalesce(eb.selectFrom('reservation as r').select((e) => e.fn.sum<number>('r.quantity').as('q')).whereRef('r.transfer_line_id', '=', 'l.id'), eb.lit(0)).as('reserved'),
      't.priority_rank',
    ])
    .where('l.product_id', '=', p.productId)
    .where('l.state', 'in', ['waiting', 'ready'])
    .where('t.state', 'in', ['waiting', 'ready'])
    .where('t.warehouse_id', '=', p.warehouseId)
    .where('t.kind', '=', 'pick')
    .where('f.zone', '=', 'stock')
    .where('o.reservation_method', '!=', 'manual')
    .where('l.next_line_id', 'is not', null)
    .where(sql<boolean>`l.origin_line_id IS NULL`)
    .orderBy('t.priority_rank')
    .orderBy((eb) => eb.fn.coalesce('t.promised_date', eb.val(p.far)))
    .orderBy((eb) => eb.fn.coalesce('t.order_date', eb.val(p.far)))
    .orderBy('t.created_at')
    .orderBy('l.line_no')
    .orderBy('l.id'),
);

type ChainLine = { id: string; transfer_id: string; state: TransferState; from_location_id: string; next_line_id: string | null; sales_line_id: string | null };
const chainLine = preparedQuery<{ id: string }, ChainLine>(['id'], (db, p) =>
  db.selectFrom('transfer_line').select(['id', 'transfer_id', 'state', 'from_location_id', 'next_line_id', sql<string | null>`sales_line_id`.as('sales_line_id')]).where('id', '=', p.id),
);

const OPEN: TransferState[] = ['draft', 'waiting', 'ready'];

interface Docked {
  productId: string;
  uomId: string;
  quantity: number;
  /** The receipt line whose stock this is, and where it lies (Input or a bin below it). */
  receiptLineId: string;
  at: LocationInfo;
  lots: { lotKey: string; quantity: number }[];
  /** The delivery's lines before Output (pick, pack), which no longer carry this quantity. */
  skipped: string[];
  /** The delivery's line that takes from Output: the XD line feeds it. */
  outLine: ChainLine;
  output: LocationInfo;
  priorityRank: number;
}

/** Cross-docking for one receipt validation: `take` line by line, then `finish` once. */
export class CrossDock {
  private readonly docked: Docked[] = [];
  /** Quantity already promised per demand line by earlier lines of this receipt. */
  private readonly promised = new Map<string, number>();

  private constructor(
    private readonly ctx: CommandContext,
    private readonly receipt: { id: string; number: string; warehouse_id: string },
  ) {}

  /** A cross-dock for validating this transfer, or null (not a receipt into Input, or cross-docking is off). */
  static async open(ctx: CommandContext, t: { id: string; number: string; kind: string; warehouse_id: string }): Promise<CrossDock | null> {
    if (t.kind !== 'receipt' || !(await crossDockOn(ctx.db, t.warehouse_id))) return null;
    return new CrossDock(ctx, t);
  }

  /**
   * Takes, from what `line` just brought to `at` (pieces by lot), what waiting deliveries
   * lack; returns the pieces left for the receipt's next step.
   */
  async take(line: { id: string; product_id: string }, at: LocationInfo, pieces: { lotKey: string; quantity: number }[]): Promise<{ lotKey: string; quantity: number }[]> {
    if (at.zone !== 'input') return pieces;
    let left = pieces.reduce((s, p) => s + p.quantity, 0);
    if (left === 0) return pieces;
    const session = inventorySession(this.ctx);
    const rest = pieces.map((p) => ({ ...p }));
    const product = await session.product(line.product_id);
    for (const d of await waitingDemand.rows(this.ctx.db, { productId: line.product_id, warehouseId: this.receipt.warehouse_id, far: FAR_FUTURE })) {
      if (left === 0) break;
      const short = Number(d.quantity) - Number(d.quantity_done) - Number(d.reserved) - (this.promised.get(d.id) ?? 0);
      if (short <= 0) continue;
      const chain = await this.toOutput(d.next_line_id);
      if (!chain) continue;
      const quantity = Math.min(short, left);
      const lots: { lotKey: string; quantity: number }[] = [];
      let need = quantity;
      for (const p of rest) {
        if (need === 0) break;
        const take = Math.min(need, p.quantity);
        if (take === 0) continue;
        lots.push({ lotKey: p.lotKey, quantity: take });
        p.quantity -= take;
        need -= take;
      }
      this.docked.push({ productId: line.product_id, uomId: product.uomId, quantity, receiptLineId: line.id, at, lots, skipped: [d.id, ...chain.before], outLine: chain.out, output: chain.output, priorityRank: d.priority_rank });
      this.promised.set(d.id, (this.promised.get(d.id) ?? 0) + quantity);
      left -= quantity;
    }
    return rest.filter((p) => p.quantity > 0);
  }

  /** From the pick's next line, the open lines before the one that takes from Output, and that line; null if the chain does not reach Output open. */
  private async toOutput(firstId: string): Promise<{ before: string[]; out: ChainLine; output: LocationInfo } | null> {
    const session = inventorySession(this.ctx);
    const before: string[] = [];
    for (let id: string | null = firstId, hops = 0; id && hops < 5; hops++) {
      const l = await chainLine.first(this.ctx.db, { id });
      if (!l || !OPEN.includes(l.state)) return null;
      const from = await session.location(l.from_location_id);
      if (from.zone === 'output') return { before, out: l, output: from };
      before.push(l.id);
      id = l.next_line_id;
    }
    return null;
  }

  /** Quantity cross-docked from a receipt line (its next step shrinks by that much). */
  dockedFrom(receiptLineId: string): number {
    return this.docked.filter((d) => d.receiptLineId === receiptLineId).reduce((s, d) => s + d.quantity, 0);
  }

  /**
   * Writes what was taken: the XD transfer (one line per delivery line served, reserved at
   * Input, feeding the delivery's line from Output), and the skipped pick/pack lines shrunk.
   * Returns the XD transfer's id, or null when nothing was cross-docked.
   */
  async finish(): Promise<string | null> {
    if (this.docked.length === 0) return null;
    const ctx = this.ctx;
    const session = inventorySession(ctx);
    for (const d of this.docked) for (const id of d.skipped) await shrinkLine(ctx, id, d.quantity, false);
    const input = await session.zone(this.receipt.warehouse_id, 'input');
    const created = await insertTransfer(
      ctx,
      {
        kind: 'internal',
        opCode: CROSS_DOCK_CODE,
        warehouseId: this.receipt.warehouse_id,
        from: input,
        to: this.docked[0]!.output,
        partnerId: null,
        origin: this.receipt.number,
        channelCode: null,
        priorityRank: Math.min(...this.docked.map((d) => d.priorityRank)),
        scheduledDate: ctx.now,
        ...NO_ORDER_FIELDS,
      },
      this.docked.map((d) => ({
        productId: d.productId,
        uomId: d.uomId,
        uomQuantity: d.quantity,
        quantity: d.quantity,
        unitCostMinor: null,
        originLineId: d.receiptLineId,
        salesLineId: d.outLine.sales_line_id,
        from: d.at,
        to: d.output,
      })),
    );
    for (const [j, d] of this.docked.entries()) {
      const lineId = created.lineIds[j]!;
      await ctx.db.updateTable('transfer_line').set({ next_line_id: d.outLine.id, state: 'waiting', updated_at: ctx.now }).where('id', '=', lineId).execute();
      for (const lot of d.lots) await addReservation(ctx, { lineId, productId: d.productId, location: d.at, lotKey: lot.lotKey, quantity: lot.quantity });
    }
    await ctx.db.updateTable('transfer').set({ state: 'waiting', updated_at: ctx.now }).where('id', '=', created.id).execute();
    await refreshTransferState(ctx, created.id);
    return created.id;
  }
}
