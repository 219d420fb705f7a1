import { z } from 'zod';
import { Id, PageInput, pageOf, text } from './common';
import { command, query } from './method';

export const NOTIFICATION_KINDS = ['order_confirmation', 'shipment', 'delay', 'return_authorised', 'ticket_reply'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
/** Placeholders a template may use: {{name}}. */
export const TEMPLATE_FIELDS = ['customerName', 'orderNumber', 'customerPo', 'orderDate', 'promisedDate', 'total', 'lines', 'trackingNumber', 'carrier', 'returnNumber', 'companyName', 'ticketNumber', 'ticketSubject', 'message'] as const;

export const NotificationTemplate = z.object({
  kind: z.enum(NOTIFICATION_KINDS),
  subject: z.string(),
  body: z.string(),
  /** False while the built-in text is used. */
  edited: z.boolean(),
});

export const Notification = z.object({
  id: Id,
  kind: z.enum(NOTIFICATION_KINDS),
  orderId: Id.nullable(),
  orderNumber: z.string().nullable(),
  /** A reply on a service ticket. */
  ticketId: Id.nullable(),
  toAddress: z.string().nullable(),
  subject: z.string(),
  body: z.string(),
  state: z.enum(['queued', 'sent', 'failed']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  sentAt: z.string().nullable(),
  createdAt: z.string(),
});

export const MailServer = z.object({
  configured: z.boolean(),
  host: z.string().nullable(),
  port: z.number().int().nullable(),
  secure: z.boolean(),
  username: z.string().nullable(),
  from: z.string().nullable(),
});

export const notificationsContract = {
  'notifications.template.list': query({
    access: 'sales.read',
    summary: 'The customer notification templates (order confirmation, shipment, delay, return authorised, ticket reply)',
    input: z.object({}).strict(),
    output: z.object({ rows: z.array(NotificationTemplate), fields: z.array(z.string()) }),
  }),
  'notifications.template.set': command({
    access: 'sales.config',
    summary: 'Edit a notification template ({{placeholders}} from the listed fields)',
    input: z.object({ kind: z.enum(NOTIFICATION_KINDS), subject: text('Subject', 200, 1), body: z.string().trim().min(1, 'Body is required').max(20_000, 'Body is at most 20,000 characters') }).strict(),
    output: NotificationTemplate,
  }),
  'notifications.template.preview': query({
    access: 'sales.read',
    summary: 'A template rendered before it is saved: with an order (and its customer) when given, else with sample values',
    input: z
      .object({ kind: z.enum(NOTIFICATION_KINDS), subject: z.string().max(200), body: z.string().max(20_000), orderId: Id.optional() })
      .strict(),
    output: z.object({ subject: z.string(), body: z.string() }),
  }),
  'notifications.list': query({
    access: 'sales.read',
    summary: 'The notification outbox (queued first), and whether a mail server is configured',
    input: z.object({ state: z.enum(['queued', 'sent', 'failed']).optional(), orderId: Id.optional(), ticketId: Id.optional(), ...PageInput }).strict(),
    output: pageOf(Notification).extend({ mailConfigured: z.boolean() }),
  }),
  'notifications.queue': command({
    access: 'sales.write',
    summary: "Queue a customer notification for an order (e.g. return authorised, with the RMA number)",
    input: z
      .object({ orderId: Id, kind: z.enum(NOTIFICATION_KINDS), trackingNumber: text('Tracking number', 100).optional(), carrier: text('Carrier', 60).optional(), returnNumber: text('Return number', 60).optional() })
      .strict(),
    output: Notification,
  }),
  'notifications.scanDelays': command({
    access: 'sales.write',
    summary: 'Queue a delay notice for every order not delivered by its promised date (once per order)',
    input: z.object({}).strict(),
    output: z.object({ queued: z.number().int() }),
  }),
  'notifications.dispatch': command({
    access: 'sales.write',
    summary: 'Send queued notifications by SMTP; without a mail server they stay queued',
    input: z.object({ limit: z.number().int().min(1).max(200).default(50) }).strict(),
    output: z.object({ sent: z.number().int(), failed: z.number().int(), queued: z.number().int(), reason: z.string().nullable() }),
  }),
  'notifications.mail.get': query({
    access: 'sales.config',
    summary: 'The mail server notifications are sent through',
    input: z.object({}).strict(),
    output: MailServer,
  }),
  'notifications.mail.set': command({
    access: 'sales.config',
    summary: 'Configure (or, with host null, remove) the SMTP server for notifications',
    input: z
      .object({
        host: text('Host', 255, 1).nullable(),
        port: z.number().int().min(1).max(65535).default(587),
        secure: z.boolean().default(false),
        username: text('User name', 255).nullable().default(null),
        password: z.string().max(500).nullable().default(null),
        from: z.email({ message: 'Sender must be an e-mail address' }).nullable().default(null),
      })
      .strict(),
    output: MailServer,
  }),
} as const;
