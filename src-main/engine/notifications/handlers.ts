import { sql } from 'kysely';
import { NOTIFICATION_KINDS, TEMPLATE_FIELDS } from '../../../src-shared/contract/notifications';
import { defineHandlers, newRowMeta } from '../platform/context';
import { DomainError, notFound } from '../platform/errors';
import { readMailConfig, mailTransport, writeMailConfig, type MailConfig } from './mail';
import { notificationQuery, queueNotification, renderTemplate, SAMPLE_VALUES, templateOf, templateValues as templateValuesOf, toNotification } from './outbox';
import { checkTemplate } from './templates';

/** A notification that failed this often is given up (failed) instead of retried. */
const MAX_ATTEMPTS = 5;

const mailView = (c: MailConfig | null) => ({ configured: !!c, host: c?.host ?? null, port: c?.port ?? null, secure: c?.secure ?? false, username: c?.username ?? null, from: c?.from ?? null });

export const notificationsHandlers = defineHandlers({
  'notifications.template.list': async (ctx) => ({
    rows: await Promise.all(NOTIFICATION_KINDS.map(async (kind) => ({ kind, ...(await templateOf(ctx.db, kind)) }))),
    fields: [...TEMPLATE_FIELDS],
  }),

  'notifications.template.set': async (ctx, input) => {
    checkTemplate(input.subject, 'subject');
    checkTemplate(input.body, 'body');
    // A new row per edit (the latest wins): edits at two branches never conflict, and history stays.
    await ctx.db.insertInto('notification_template').values({ ...newRowMeta(ctx), kind: input.kind, subject: input.subject, body: input.body }).execute();
    ctx.summarize(`Edited the ${input.kind.replace(/_/g, ' ')} notification template`);
    return { kind: input.kind, subject: input.subject, body: input.body, edited: true };
  },

  'notifications.template.preview': async (ctx, input) => {
    checkTemplate(input.subject, 'subject');
    checkTemplate(input.body, 'body');
    const values = input.orderId ? (await templateValuesOf(ctx.db, { kind: input.kind, orderId: input.orderId, dedupeKey: null })).values : SAMPLE_VALUES;
    return renderTemplate({ subject: input.subject, body: input.body }, values);
  },
  'notifications.list': async (ctx, input) => {
    let q = notificationQuery(ctx.db);
    if (input.state) q = q.where('n.state', '=', input.state);
    if (input.orderId) q = q.where('n.order_id', '=', input.orderId);
    if (input.ticketId) q = q.where('n.ticket_id', '=', input.ticketId);
    const rows = await q
      .orderBy(sql`case n.state when 'queued' then 0 when 'failed' then 1 else 2 end`)
      .orderBy('n.created_at', 'desc')
      .orderBy('n.id')
      .offset(input.offset)
      .limit(input.limit)
      .execute();
    let count = ctx.db.selectFrom('notification as n').select((eb) => eb.fn.countAll<number>().as('n'));
    if (input.state) count = count.where('n.state', '=', input.state);
    if (input.orderId) count = count.where('n.order_id', '=', input.orderId);
    if (input.ticketId) count = count.where('n.ticket_id', '=', input.ticketId);
    const total = Number((await count.executeTakeFirstOrThrow()).n);
    return { rows: rows.map(toNotification), total, offset: input.offset, mailConfigured: !!(await readMailConfig(ctx.db)) };
  },

  'notifications.queue': async (ctx, input) => {
    const id = await queueNotification(ctx, { kind: input.kind, orderId: input.orderId, dedupeKey: null, trackingNumber: input.trackingNumber, carrier: input.carrier, returnNumber: input.returnNumber });
    const row = await notificationQuery(ctx.db).where('n.id', '=', id!).executeTakeFirst();
    if (!row) throw notFound('Notification');
    ctx.summarize(`Queued a ${input.kind.replace(/_/g, ' ')} notification for ${row.order_number ?? 'an order'}`);
    return toNotification(row);
  },

  'notifications.scanDelays': async (ctx) => {
    // Released, not yet delivered in full, promised date passed: one delay notice per order.
    const late = await ctx.db
      .selectFrom('sales_order')
      .select('id')
      .where('state', 'in', ['confirmed', 'partially_delivered'])
      .where('promised_date', '<', ctx.now)
      .execute();
    let queued = 0;
    for (const o of late) if (await queueNotification(ctx, { kind: 'delay', orderId: o.id, dedupeKey: `delay:${o.id}` })) queued++;
    ctx.summarize(`Queued ${queued} delay notice${queued === 1 ? '' : 's'}`);
    return { queued };
  },

  'notifications.dispatch': async (ctx, input) => {
    const config = await readMailConfig(ctx.db);
    const countQueued = async () => Number((await ctx.db.selectFrom('notification').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'queued').executeTakeFirstOrThrow()).n);
    if (!config) {
      ctx.summarize('No mail server: notifications stay queued');
      return { sent: 0, failed: 0, queued: await countQueued(), reason: 'No mail server is configured: notifications stay queued until one is (Settings → Mail server)' };
    }
    const queued = await ctx.db.selectFrom('notification').selectAll().where('state', '=', 'queued').orderBy('created_at').orderBy('id').limit(input.limit).execute();
    const transport = mailTransport(config);
    let sent = 0;
    let failed = 0;
    try {
      // Sent inside the command's transaction: a crash after the server took a message and
      // before commit sends it again at the next run (at least once, never lost).
      for (const n of queued) {
        if (!n.to_address) {
          await ctx.db.updateTable('notification').set({ state: 'failed', last_error: 'The customer has no e-mail address', attempts: n.attempts + 1, updated_at: ctx.now, version: n.version + 1 }).where('id', '=', n.id).execute();
          failed++;
          continue;
        }
        try {
          await transport.sendMail({ from: config.from, to: n.to_address, subject: n.subject, text: n.body });
          await ctx.db.updateTable('notification').set({ state: 'sent', sent_at: ctx.now, attempts: n.attempts + 1, last_error: null, updated_at: ctx.now, version: n.version + 1 }).where('id', '=', n.id).execute();
          sent++;
        } catch (e) {
          const attempts = n.attempts + 1;
          await ctx.db
            .updateTable('notification')
            .set({ state: attempts >= MAX_ATTEMPTS ? 'failed' : 'queued', attempts, last_error: String((e as Error).message).slice(0, 500), updated_at: ctx.now, version: n.version + 1 })
            .where('id', '=', n.id)
            .execute();
          if (attempts >= MAX_ATTEMPTS) failed++;
        }
      }
    } finally {
      transport.close();
    }
    const left = await countQueued();
    ctx.summarize(`Sent ${sent} notification${sent === 1 ? '' : 's'}${failed ? `, ${failed} failed` : ''}; ${left} queued`);
    return { sent, failed, queued: left, reason: null };
  },

  'notifications.mail.get': async (ctx) => mailView(await readMailConfig(ctx.db)),

  'notifications.mail.set': async (ctx, input) => {
    if (input.host && !input.from) throw new DomainError('VALIDATION', 'Sender: give the address notifications are sent from', { fields: [{ path: 'from', message: 'Required with a mail server' }] });
    const config = input.host ? { host: input.host, port: input.port, secure: input.secure, username: input.username, password: input.password, from: input.from! } : null;
    await writeMailConfig(ctx.db, config);
    ctx.recordInputAs({ ...input, password: input.password ? '[set]' : null });
    ctx.summarize(config ? `Mail server set to ${config.host}:${config.port}` : 'Mail server removed: notifications stay queued');
    return mailView(config);
  },
});
