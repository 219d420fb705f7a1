import type { CommandContext } from '../platform/context';
import { newRowMeta } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { preparedQuery } from '../platform/prepared';
import { branchCode, nextDocumentNumber } from '../platform/series';
import { build855, build856, type OutboundLine } from './edi';
import type { ImportedOrder } from './model';

const ediOrigin = preparedQuery<{ orderId: string }, { payload: string }>(['orderId'], (db, p) =>
  db
    .selectFrom('import_order as io')
    .innerJoin('import_batch as b', 'b.id', 'io.batch_id')
    .select('io.payload')
    .where('io.order_id', '=', p.orderId)
    .where('b.kind', '=', 'edi')
    .limit(1),
);

/**
 * The orders an import command is applying right now (apply.ts), with what it wrote: what
 * their confirmation triggers (the 855) needs no read of the import row, the order or its
 * lines. An order not noted here is looked up as usual.
 */
export interface FreshImport {
  po: ImportedOrder;
  number: string;
  partnerId: string;
  customerPo: string | null;
  lines: OutboundLine[];
}
const freshImports = new WeakMap<CommandContext, Map<string, FreshImport>>();

export function noteFreshImport(ctx: CommandContext, orderId: string, fresh: FreshImport): void {
  let m = freshImports.get(ctx);
  if (!m) freshImports.set(ctx, (m = new Map()));
  m.set(orderId, fresh);
}

/** The purchase order an order was imported from, when it came by EDI on this install. */
async function ediOrderOf(db: Db | Tx, orderId: string): Promise<ImportedOrder | null> {
  const row = await ediOrigin.first(db, { orderId });
  if (!row) return null;
  const o = JSON.parse(row.payload) as ImportedOrder;
  return o.edi ? o : null;
}

const branchSlot = preparedQuery<{ branchId: string }, { slot: number }>(['branchId'], (db, p) =>
  db
    .selectFrom('branch as b')
    .innerJoin('branch as me', (j) => j.on('me.id', '=', p.branchId))
    .select((eb) => eb.fn.countAll<number>().as('slot'))
    .where((eb) => eb.or([eb('b.created_at', '<', eb.ref('me.created_at')), eb.and([eb('b.created_at', '=', eb.ref('me.created_at')), eb('b.id', '<=', eb.ref('me.id'))])])),
);

/**
 * ISA13 control numbers (one per outbound interchange), unique across the company without
 * asking the centre: every branch sends under the company's EDI id, so each numbers in its own
 * range — its place in the company's branch list (central data: the same order everywhere)
 * times 10^7, plus its own series. The series is the branch's (`B01-EDI-ISA-`): one prefix
 * shared by all branches made every branch after the first fail to push its series row.
 */
async function nextControl(ctx: CommandContext): Promise<number> {
  const prefix = `${await branchCode(ctx)}-EDI-ISA-`;
  const n = Number((await nextDocumentNumber(ctx, prefix, 7)).slice(prefix.length));
  const slot = Number((await branchSlot.first(ctx.db, { branchId: ctx.branchId }))?.slot ?? 1);
  return Math.max(1, slot) * 10_000_000 + n;
}

async function save(ctx: CommandContext, kind: '855' | '856', orderId: string, partnerId: string, reference: string | null, doc: { content: string; controlNumber: string }) {
  await ctx.db.insertInto('edi_document').values({ ...newRowMeta(ctx), kind, order_id: orderId, partner_id: partnerId, reference, control_number: doc.controlNumber, content: doc.content }).execute();
}

/** When an EDI order is confirmed (accepted): its 855 acknowledgement, once. */
export async function ediOnConfirmed(ctx: CommandContext, orderId: string, opts: { createdByCommand?: boolean } = {}): Promise<void> {
  const fresh = freshImports.get(ctx)?.get(orderId);
  if (fresh) {
    // Created by this very command: it has no 855 yet, and what the 855 says is at hand.
    if (!fresh.po.edi) return;
    await save(ctx, '855', orderId, fresh.partnerId, null, build855(fresh.po.edi, await nextControl(ctx), ctx.now, { po: fresh.customerPo ?? fresh.po.ref, orderNumber: fresh.number, lines: fresh.lines }));
    return;
  }
  // Created by this command and not by an import: no EDI purchase order stands behind it.
  if (opts.createdByCommand) return;
  const po = await ediOrderOf(ctx.db, orderId);
  if (!po?.edi) return;
  if (await ctx.db.selectFrom('edi_document').select('id').where('order_id', '=', orderId).where('kind', '=', '855').executeTakeFirst()) return;
  const order = await ctx.db.selectFrom('sales_order').select(['number', 'partner_id', 'customer_po']).where('id', '=', orderId).executeTakeFirstOrThrow();
  const rows = await ctx.db
    .selectFrom('sales_order_line as l')
    .innerJoin('product as p', 'p.id', 'l.product_id')
    .innerJoin('uom as u', 'u.id', 'l.uom_id')
    .select(['l.line_no', 'p.sku', 'l.uom_quantity', 'u.code', 'l.unit_price_minor', 'l.quantity'])
    .where('l.order_id', '=', orderId)
    .orderBy('l.line_no')
    .execute();
  const lines: OutboundLine[] = rows.map((r) => ({
    lineNo: r.line_no,
    sku: r.sku,
    quantity: Number(r.uom_quantity),
    unit: r.code,
    // The price per the unit ordered in (the line's price is per stock unit).
    unitPriceMinor: Math.round((Number(r.unit_price_minor) * Number(r.quantity)) / Math.max(1, Number(r.uom_quantity))),
  }));
  await save(ctx, '855', orderId, order.partner_id, null, build855(po.edi, await nextControl(ctx), ctx.now, { po: order.customer_po ?? po.ref, orderNumber: order.number, lines }));
}

const ediOrdersReleasedUnacknowledged = preparedQuery<{ none: 0 }, { order_id: string }>([], (db) =>
  db
    .selectFrom('import_order as io')
    .innerJoin('import_batch as b', 'b.id', 'io.batch_id')
    .innerJoin('sales_order as o', 'o.id', 'io.order_id')
    .select('io.order_id as order_id')
    .distinct()
    .where('b.kind', '=', 'edi')
    .where('o.state', 'in', ['confirmed', 'partially_delivered', 'delivered', 'invoiced', 'done'])
    .where((eb) => eb.not(eb.exists(eb.selectFrom('edi_document as d').select('d.id').whereRef('d.order_id', '=', 'io.order_id').where('d.kind', '=', '855')))),
);

/**
 * EDI orders imported on this install that are released but have no 855 yet: their credit
 * hold (or approval) was released on another install, which has no copy of the 850 (import
 * batches stay local), and the release reached this install by a pull. This install owes
 * their 855 (ediOnConfirmed makes it, once).
 */
export async function ediAcknowledgementsOwed(db: Db | Tx): Promise<string[]> {
  return (await ediOrdersReleasedUnacknowledged.rows(db, { none: 0 })).map((r) => r.order_id);
}

/** When an EDI order ships: an 856 ship notice per delivery not yet noticed. */
export async function ediOnShipped(ctx: CommandContext, orderId: string): Promise<number> {
  const po = await ediOrderOf(ctx.db, orderId);
  if (!po?.edi) return 0;
  const order = await ctx.db.selectFrom('sales_order').select(['number', 'partner_id', 'customer_po']).where('id', '=', orderId).executeTakeFirstOrThrow();
  const done = await ctx.db
    .selectFrom('transfer')
    .select(['id', 'number', 'carrier'])
    .where('origin', '=', order.number)
    .where('partner_id', '=', order.partner_id)
    .where('kind', '=', 'delivery')
    .where('state', '=', 'done')
    .orderBy('created_at')
    .execute();
  let made = 0;
  for (const t of done) {
    if (await ctx.db.selectFrom('edi_document').select('id').where('order_id', '=', orderId).where('kind', '=', '856').where('reference', '=', t.id).executeTakeFirst()) continue;
    const rows = await ctx.db
      .selectFrom('transfer_line as tl')
      .innerJoin('product as p', 'p.id', 'tl.product_id')
      .innerJoin('uom as u', 'u.id', 'p.uom_id')
      .leftJoin('sales_order_line as l', 'l.id', 'tl.sales_line_id')
      .select(['tl.line_no', 'l.line_no as order_line_no', 'p.sku', 'tl.quantity_done', 'u.code'])
      .where('tl.transfer_id', '=', t.id)
      .where('tl.quantity_done', '>', 0)
      .orderBy('tl.line_no')
      .execute();
    if (rows.length === 0) continue;
    const lines = rows.map((r) => ({ lineNo: r.order_line_no ?? r.line_no, sku: r.sku, quantity: Number(r.quantity_done), unit: r.code, unitPriceMinor: 0 }));
    await save(ctx, '856', orderId, order.partner_id, t.id, build856(po.edi, await nextControl(ctx), ctx.now, { po: order.customer_po ?? po.ref, shipmentRef: t.number, carrier: t.carrier, lines }));
    made++;
  }
  return made;
}
