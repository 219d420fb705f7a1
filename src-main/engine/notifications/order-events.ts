import { ediOnConfirmed, ediOnShipped } from '../imports/outbound';
import type { CommandContext } from '../platform/context';
import { preparedQuery } from '../platform/prepared';
import { type FreshOrderFacts, queueNotification } from './outbox';

/**
 * What follows an order event, called from the sales flow: the customer's notification and,
 * for orders that came by EDI, the 855 / 856 answer to the sender.
 */
export async function orderConfirmed(ctx: CommandContext, orderId: string, fresh?: FreshOrderFacts): Promise<void> {
  await queueNotification(ctx, { kind: 'order_confirmation', orderId, dedupeKey: `order_confirmation:${orderId}`, freshOrder: fresh });
  await ediOnConfirmed(ctx, orderId, { createdByCommand: !!fresh });
}

const doneDeliveries = preparedQuery<{ orderId: string }, { id: string; number: string; carrier: string | null }>(['orderId'], (db, p) =>
  db
    .selectFrom('transfer as t')
    .innerJoin('sales_order as o', (j) => j.onRef('o.number', '=', 't.origin').onRef('o.partner_id', '=', 't.partner_id'))
    .select(['t.id', 't.number', 't.carrier'])
    .where('o.id', '=', p.orderId)
    .where('t.kind', '=', 'delivery')
    .where('t.state', '=', 'done')
    .orderBy('t.created_at'),
);

/** Something of the order was delivered: one shipment notice per delivery (its number is the tracking reference until carriers are integrated). */
export async function orderShipped(ctx: CommandContext, orderId: string): Promise<void> {
  for (const t of await doneDeliveries.rows(ctx.db, { orderId })) {
    await queueNotification(ctx, { kind: 'shipment', orderId, dedupeKey: `shipment:${t.id}`, trackingNumber: t.number, carrier: t.carrier ?? 'our own delivery' });
  }
  await ediOnShipped(ctx, orderId);
}
