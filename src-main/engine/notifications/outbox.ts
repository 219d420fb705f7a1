import type { z } from 'zod';
import type { Notification, NotificationKind } from '../../../src-shared/contract/notifications';
import type { SalesOrder } from '../../../src-shared/contract/sales';
import { NOTIFICATION_KINDS, type TEMPLATE_FIELDS } from '../../../src-shared/contract/notifications';
import type { CommandContext } from '../platform/context';
import { newRowMeta, onceInCommand } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { notFound } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import { insertOrDefer, preparedInsertMany } from '../platform/batch';
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

export interface NotificationRequest {
  kind: NotificationKind;
  /** The order it is about (its number, lines, total fill the template); null for a ticket reply without an order. */
  orderId: string | null;
  dedupeKey: string | null;
  /** Without an order: the customer (name and e-mail address). */
  partnerId?: string | null;
  /** A reply on a service ticket: shown on the ticket. */
  ticketId?: string | null;
  /** Overrides the customer's e-mail address (a ticket opened from another sender's mail). */
  toAddress?: string | null;
  trackingNumber?: string | null;
  carrier?: string | null;
  returnNumber?: string | null;
  ticketNumber?: string | null;
  ticketSubject?: string | null;
  message?: string | null;
  /**
   * The order as its command has just written it (an imported order's confirmation): its
   * values are not read back, and no notice can exist for it yet (no dedupe look-up).
   */
  freshOrder?: FreshOrderFacts;
}

/** An order as the command that released it has just written it (sales' fresh order), with what its release decided. */
export interface FreshOrderFacts {
  order: SalesOrder;
  promisedDate: string | null;
  /** The customer's e-mail address (the order carries its name). */
  email: string | null;
}

const partnerForMail = preparedQuery<{ id: string }, { name: string; email: string | null }>(['id'], (db, p) => db.selectFrom('partner').select(['name', 'email']).where('id', '=', p.id));

/** The values a template is rendered with: the order's (when there is one), the customer's and the event's. */
export async function templateValues(db: Db | Tx, n: NotificationRequest, company?: () => Promise<string | null>) {
  const f = n.orderId ? n.freshOrder : undefined;
  const o = f
    ? { number: f.order.number, partner_id: f.order.customerId, customer_po: f.order.customerPo, order_date: f.order.orderDate, promised_date: f.promisedDate, total_minor: f.order.totalMinor, currency: f.order.currency, name: f.order.customerName, email: f.email }
    : n.orderId
      ? await orderForMail.first(db, { id: n.orderId })
      : undefined;
  if (n.orderId && !o) throw notFound('Sales order');
  const partnerId = o?.partner_id ?? n.partnerId ?? null;
  const partner = o ? { name: o.name, email: o.email } : partnerId ? await partnerForMail.first(db, { id: partnerId }) : undefined;
  if (!partner) throw notFound('Customer');
  let listed: string[] = [];
  if (o) {
    const lines = f ? f.order.lines.slice(0, 51).map((l) => ({ quantity: l.quantity, sku: l.sku, name: l.productName })) : await mailLines.rows(db, { id: n.orderId! });
    listed = lines.slice(0, 50).map((l) => `  ${l.quantity} × ${l.sku} ${l.name}`);
    if (lines.length > 50) listed.push('  … and more lines');
  }
  const values: Record<(typeof TEMPLATE_FIELDS)[number], string | null> = {
    customerName: partner.name,
    orderNumber: o?.number ?? null,
    customerPo: o?.customer_po ?? null,
    orderDate: day(o?.order_date ?? null),
    promisedDate: day(o?.promised_date ?? null),
    total: o ? formatMinor(Number(o.total_minor), o.currency) : null,
    lines: listed.join('\n'),
    trackingNumber: n.trackingNumber ?? null,
    carrier: n.carrier ?? null,
    returnNumber: n.returnNumber ?? null,
    companyName: company ? await company() : ((await companyName.first(db, { none: 0 }))?.name ?? null),
    ticketNumber: n.ticketNumber ?? null,
    ticketSubject: n.ticketSubject ?? null,
    message: n.message ?? null,
  };
  return { values, partnerId, email: partner.email };
}

/** A template rendered with the given values (the template editor's preview). */
export function renderTemplate(t: { subject: string; body: string }, values: Partial<Record<(typeof TEMPLATE_FIELDS)[number], string | null>>) {
  return { subject: render(t.subject, values), body: render(t.body, values) };
}

/** Made-up values for previewing a template without a real order. */
export const SAMPLE_VALUES: Record<(typeof TEMPLATE_FIELDS)[number], string> = {
  customerName: 'Acme Retail Ltd',
  orderNumber: 'B01-SO-2026-000123',
  customerPo: 'PO-4711',
  orderDate: '2026-03-02',
  promisedDate: '2026-03-06',
  total: '1,234.50',
  lines: '  3 × SKU-100 Widget\n  1 × SKU-200 Gadget',
  trackingNumber: 'B01-WH1-OUT-2026-000042',
  carrier: 'our own delivery',
  returnNumber: 'B01-RMA-2026-000007',
  companyName: 'Your company',
  ticketNumber: 'B01-TCK-2026-000015',
  ticketSubject: 'Damaged carton',
  message: 'We are sorry about the damage; a replacement is on its way.',
};

/**
 * Renders a customer notification from its template into the notification outbox (queued;
 * `notifications.dispatch` sends it): about an order, or a reply on a service ticket. With a
 * dedupe key it is queued once per event. Returns the notification's id, or null when it was
 * already queued.
 */
export async function queueNotification(ctx: CommandContext, n: NotificationRequest): Promise<string | null> {
  if (n.dedupeKey && !n.freshOrder && (await dedupeHit.first(ctx.db, { key: n.dedupeKey }))) return null;
  const { values, partnerId, email } = await templateValues(ctx.db, n, () => onceInCommand(ctx, 'notifications:company', async () => (await companyName.first(ctx.db, { none: 0 }))?.name ?? null));
  const t = await onceInCommand(ctx, `notifications:template:${n.kind}`, () => templateOf(ctx.db, n.kind));
  const rendered = renderTemplate(t, values);
  const id = ctx.newId();
  // A fresh order's notice is read by nothing in its command (no dedupe look-up): under deferRows (an import chunk) it waits for the chunk's end.
  await insertOrDefer(ctx, insertNotification, 'notification', [
    {
      kind: n.kind,
      order_id: n.orderId,
      partner_id: partnerId,
      ticket_id: n.ticketId ?? null,
      dedupe_key: n.dedupeKey,
      to_address: n.toAddress ?? email,
      subject: rendered.subject,
      body: rendered.body,
      state: 'queued',
      attempts: 0,
      last_error: null,
      sent_at: null,
      // Spread last: a leading spread is slow on Node 20 (sales/orders.ts insertLines).
      ...newRowMeta(ctx, id),
    },
  ], n.freshOrder && n.orderId ? n.orderId : null);
  return id;
}

const NOTIFICATION_COLUMNS = ['id', 'branch_id', 'created_at', 'updated_at', 'version', 'kind', 'order_id', 'partner_id', 'ticket_id', 'dedupe_key', 'to_address', 'subject', 'body', 'state', 'attempts', 'last_error', 'sent_at'] as const satisfies readonly (keyof NotificationTable)[];
const insertNotification = preparedInsertMany<'notification', NotificationTable & Record<string, unknown>>('notification', NOTIFICATION_COLUMNS);

// The company's name and the templates are read once per command (onceInCommand): an import
// chunk queues 500 confirmations; the commands that edit them queue nothing after the edit.

type NotificationRow = NotificationTable & { order_number: string | null };

export function toNotification(r: NotificationRow): z.infer<typeof Notification> {
  return {
    id: r.id,
    kind: (NOTIFICATION_KINDS as readonly string[]).includes(r.kind) ? (r.kind as NotificationKind) : 'order_confirmation',
    orderId: r.order_id,
    orderNumber: r.order_number,
    ticketId: r.ticket_id,
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
