import type { CommandContext } from '../platform/context';
import { validateTransfer } from '../inventory/transfers';
import { createOrder, invoiceNow } from '../sales/handlers';
import { createRma, decideRma, inspectRma, readServiceSettings, receiveRma, resolveRma } from '../service/rma';
import { createTicket } from '../service/tickets';

/** How far each demo return has gone: the stages a service clerk meets. */
const STAGES = ['authorised', 'received', 'inspected', 'credited', 'awaiting_approval'] as const;
// (awaiting_approval last: the others use small[0..7].)

const STORIES: Record<(typeof STAGES)[number], { type: 'damaged_goods' | 'wrong_item' | 'return_request'; subject: string; description: string; reason: string }> = {
  authorised: { type: 'return_request', subject: 'Return of surplus stock', description: 'We ordered too many and would like to send one back unopened.', reason: 'Ordered too many' },
  received: { type: 'damaged_goods', subject: 'Carton arrived crushed', description: 'One unit arrived with a crushed carton; photos on request. Sending it back.', reason: 'Damaged in transit' },
  inspected: { type: 'wrong_item', subject: 'Wrong size delivered', description: 'The size on the label is not the one we ordered.', reason: 'Wrong item delivered' },
  credited: { type: 'return_request', subject: 'Return: not as described', description: 'The finish is not as shown in the catalogue; please credit us.', reason: 'Not as described' },
  awaiting_approval: { type: 'damaged_goods', subject: 'Whole delivery damaged', description: 'Every unit of this delivery is scratched; we are returning all of it.', reason: 'Damaged goods (whole delivery)' },
};

/**
 * Returns in the demo company, made through the engine's own functions: for each stage, a
 * WH1 order of a regular customer is confirmed, picked, packed, shipped and invoiced; the
 * customer's ticket opens an RMA, which is taken as far as its stage — authorised and waiting
 * for the goods; received (one unit damaged) and waiting for inspection; inspected and
 * waiting for a resolution; resolved with a credit note; and a whole delivery above the
 * approval threshold, waiting for a manager. `products`: WH1 products with free stock.
 */
export async function seedReturnsDemo(ctx: CommandContext, products: { id: string; price: number; free: number }[], customers: { id: string }[]): Promise<{ rmas: number }> {
  const wh1 = await ctx.db.selectFrom('warehouse').select('id').where('code', '=', 'WH1').executeTakeFirst();
  if (!wh1 || products.length < STAGES.length * 2 || customers.length < STAGES.length) return { rmas: 0 };
  const { approvalThresholdMinor } = await readServiceSettings(ctx.db);
  // The whole-delivery return takes the two products whose free stock is worth the most.
  const byWorth = [...products].sort((a, b) => Number(b.price) * Number(b.free) - Number(a.price) * Number(a.free));
  const big = byWorth.slice(0, 2);
  const small = byWorth.slice(2);
  let rmas = 0;
  for (const [i, stage] of STAGES.entries()) {
    const whole = stage === 'awaiting_approval';
    // Enough units that the whole delivery is worth more than the approval threshold; one unit of the others less.
    const lines = whole
      ? big.map((p) => ({ productId: p.id, quantity: Math.min(Number(p.free), Math.ceil(approvalThresholdMinor / Number(p.price)) + 1), discountBp: 0 }))
      : small.slice(i * 2, i * 2 + 2).map((p) => ({ productId: p.id, quantity: 2, discountBp: 0 }));
    const order = await createOrder(ctx, {
      customerId: customers[i]!.id,
      channelCode: 'rep',
      customerPo: `RET-DEMO-${i + 1}`,
      shipToAddressId: null,
      warehouseId: wh1.id,
      requestedDate: null,
      paymentCaptured: false,
      notes: null,
      lines,
      confirm: true,
    });
    if (!(await shipAll(ctx, order.number))) continue;
    await invoiceNow(ctx, order.id);
    const orderLines = await ctx.db.selectFrom('sales_order_line').select(['id', 'qty_delivered']).where('order_id', '=', order.id).orderBy('line_no').execute();
    const story = STORIES[stage];
    const ticketId = await createTicket(ctx, { type: story.type, customerId: customers[i]!.id, subject: story.subject, description: story.description, orderId: order.id, source: 'manual' });
    const rmaId = await createRma(ctx, {
      orderId: order.id,
      ticketId,
      reason: story.reason,
      lines: whole ? orderLines.map((l) => ({ orderLineId: l.id, quantity: Number(l.qty_delivered) })) : [{ orderLineId: orderLines[0]!.id, quantity: 1 }],
    });
    rmas++;
    if (stage === 'authorised' || stage === 'awaiting_approval') continue;
    const rma = await ctx.db.selectFrom('rma').select('state').where('id', '=', rmaId).executeTakeFirstOrThrow();
    if (rma.state === 'awaiting_approval') await decideRma(ctx, rmaId, 'approve', 'Approved in the demo');
    const rmaLines = await ctx.db.selectFrom('rma_line').select(['id', 'quantity']).where('rma_id', '=', rmaId).orderBy('line_no').execute();
    await receiveRma(
      ctx,
      rmaId,
      rmaLines.map((l) => ({ lineId: l.id, quantity: Number(l.quantity), condition: stage === 'received' ? ('damaged' as const) : ('ok' as const) })),
    );
    if (stage === 'received') continue;
    await inspectRma(ctx, rmaId, rmaLines.map((l) => ({ lineId: l.id, disposition: 'restock' as const, note: null })));
    if (stage === 'credited') await resolveRma(ctx, rmaId, 'credit_note');
  }
  return { rmas };
}

/** Validates the order's ready steps (pick, pack, ship) until none is left; false if it could not all ship. */
async function shipAll(ctx: CommandContext, orderNumber: string): Promise<boolean> {
  for (let pass = 0; pass < 10; pass++) {
    const ready = await ctx.db.selectFrom('transfer').select('id').where('origin', '=', orderNumber).where('state', '=', 'ready').orderBy('created_at').orderBy('id').executeTakeFirst();
    if (!ready) break;
    await validateTransfer(ctx, ready.id, undefined, true);
  }
  const open = await ctx.db.selectFrom('transfer').select('id').where('origin', '=', orderNumber).where('state', 'in', ['draft', 'waiting', 'ready']).executeTakeFirst();
  return !open;
}
