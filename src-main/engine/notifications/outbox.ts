import type { z } from 'zod';
import type { Notification, NotificationKind } from '../../../src-shared/contract/notifications';
import { NOTIFICATION_KINDS } from '../../../src-shared/contract/notifications';
import type { CommandContext } from '../platform/context';
import { newRowMeta } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { notFound } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import { formatMinor } from '../pricing/money';
import { DEFAULT_TEMPLATES, render } from './templates';
import type { NotificationTable } from './schema';

const latestTemplate = preparedQuery<{ kind: string }, { subject: string; body: string }>(['kind'], (db, p) =>
  db.selectFrom('notification_template').select(['subject', 'body']).where('kind', '=', p.kind).orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(1),
);

/** The template in force: the last edit (any branch's), else the built-in text. */
export async function templateOf(db: Db | Tx, kind: NotificationKind): Promise<{ subject: string; body: string; edited: boolean }> {
  const t = await latestTemplate.first(db, { kind });
  return t ? { ...t, edited: true } : { ...DEFAULT_TEMPLATES[kind], edited: false };
}

const orderForMail = preparedQuery<{ id: string }, { number: string; partner_id: string; customer_po: string | null; order_date: string; promised_date: string | null; total_minor: number; currency: string; name: string; email: string | null }>(['id'], (db, p) =>
  db
    .selectFrom('sales_order as o')
    .innerJoin('partner as c', 'c.id', 'o.partner_id')
    .select(['o.number', 'o.partner_id', 'o.customer_po', 'o.order_date', 'o.promised_date', 'o.total_minor', 'o.currency', 'c.name', 'c.email'])
    .where('o.id', '=', p.id),
);
const mailLines = preparedQuery<{ id: string }, { sku: string; name: string; quantity: number }>(['id'], (db, p) =>
  db.selectFrom('sales_order_line as l').innerJoin('product as p', 'p.id', 'l.product_id').select(['p.sku', 'p.name', 'l.quantity']).where('l.order_id', '=', p.id).orderBy('l.line_no').limit(51),
);
const dedupeHit = preparedQuery<{ key: string }, { id: string }>(['key'], (db, p) => db.selectFrom('notification').select('id').where('dedupe_key', '=', p.key).limit(1));
const companyName = preparedQuery<{ none: 0 }, { name: string }>([], (db) => db.selectFrom('company').select('name').orderBy('created_at').limit(1));

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : null);

/**
 * Renders a notification about an order from its template into the notification outbox
 * (queued; `notifications.dispatch` sends it). With a dedupe key it is queued once per event.
 * Returns the notification's id, or null when it was already queued.
 */
export async function queueNotification(
  ctx: CommandContext,
  n: { kind: NotificationKind; orderId: string; dedupeKey: string | null; trackingNumber?: string | null; carrier?: string | null; returnNumber?: string | null },
): Promise<string | null> {
  if (n.dedupeKey && (await dedupeHit.first(ctx.db, { key: n.dedupeKey }))) return null;
  const o = await orderForMail.first(ctx.db, { id: n.orderId });
  if (!o) throw notFound('Sales order');
  const lines = await mailLines.rows(ctx.db, { id: n.orderId });
  const listed = lines.slice(0, 50).map((l) => `  ${l.quantity} × ${l.sku} ${l.name}`);
  if (lines.length > 50) listed.push('  … and more lines');
  const t = await templateOf(ctx.db, n.kind);
  const values = {
    customerName: o.name,
    orderNumber: o.number,
    customerPo: o.customer_po,
    orderDate: day(o.order_date),
    promisedDate: day(o.promised_date),
    total: formatMinor(Number(o.total_minor), o.currency),
    lines: listed.join('\n'),
    trackingNumber: n.trackingNumber ?? null,
    carrier: n.carrier ?? null,
    returnNumber: n.returnNumber ?? null,
    companyName: (await companyName.first(ctx.db, { none: 0 }))?.name ?? null,
  };
  const id = ctx.newId();
  await ctx.db
    .insertInto('notification')
    .values({
      ...newRowMeta(ctx, id),
      kind: n.kind,
      order_id: n.orderId,
      partner_id: o.partner_id,
      dedupe_key: n.dedupeKey,
      to_address: o.email,
      subject: render(t.subject, values),
      body: render(t.body, values),
      state: 'queued',
      attempts: 0,
      last_error: null,
      sent_at: null,
    })
    .execute();
  return id;
}

type NotificationRow = NotificationTable & { order_number: string | null };

export function toNotification(r: NotificationRow): z.infer<typeof Notification> {
  return {
    id: r.id,
    kind: (NOTIFICATION_KINDS as readonly string[]).includes(r.kind) ? (r.kind as NotificationKind) : 'order_confirmation',
    orderId: r.order_id,
    orderNumber: r.order_number,
    toAddress: r.to_address,
    subject: r.subject,
    body: r.body,
    state: r.state,
    attempts: r.attempts,
    lastError: r.last_error,
    sentAt: r.sent_at,
    createdAt: r.created_at,
  };
}

export function notificationQuery(db: Db | Tx) {
  return db.selectFrom('notification as n').leftJoin('sales_order as o', 'o.id', 'n.order_id').selectAll('n').select('o.number as order_number');
}
