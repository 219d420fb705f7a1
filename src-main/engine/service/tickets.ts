import { createHash } from 'node:crypto';
import { type SelectQueryBuilder, sql } from 'kysely';
import type { z } from 'zod';
import {
  ATTACHMENT_TYPES,
  MAX_ATTACHMENT_BYTES,
  RETURN_CATEGORIES,
  type ReturnCategory,
  type Ticket,
  type TicketSummary,
  type TicketType,
} from '../../../src-shared/contract/service';
import { likeEscape } from '../catalog/products';
import { newRowMeta, type CommandContext, type QueryContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { branchCode, nextDocumentNumber } from '../platform/series';
import { queueNotification } from '../notifications/outbox';
import { suggest } from './model';
import type { TicketTable } from './schema';
import { deadlines, matchPolicy, NO_DEADLINE, resume, slaStatus } from './sla';
import { loadRmaSummaries } from './rma';

type TicketOut = z.infer<typeof Ticket>;
type SummaryOut = z.infer<typeof TicketSummary>;

/** The classifier's category → the ticket type a message most likely is. */
export const TYPE_OF_CATEGORY: Record<ReturnCategory, TicketType> = {
  damaged_in_transit: 'damaged_goods',
  wrong_item_picked: 'wrong_item',
  not_as_described: 'return_request',
  late_delivery: 'failed_delivery',
  no_longer_needed: 'return_request',
  quality_defect: 'return_request',
  other: 'general',
};

export interface NewTicket {
  type: TicketType;
  customerId: string;
  subject: string;
  description: string;
  priority?: TicketTable['priority'];
  orderId?: string | null;
  deliveryId?: string | null;
  invoiceId?: string | null;
  source: TicketTable['source'];
  sourceEvent?: string | null;
  emailMessageId?: string | null;
  fromEmail?: string | null;
  teamId?: string | null;
}

async function customerOf(db: Tx, id: string) {
  const c = await db.selectFrom('partner').select(['id', 'code', 'name', 'customer_class', 'region', 'kind', 'email']).where('id', '=', id).executeTakeFirst();
  if (!c || c.kind !== 'customer') throw new DomainError('VALIDATION', 'Customer: no such customer', { fields: [{ path: 'customerId', message: 'No such customer' }] });
  return c;
}

/** Checks that linked documents exist and belong to the customer. */
async function checkLinks(db: Tx, customerId: string, t: Pick<NewTicket, 'orderId' | 'deliveryId' | 'invoiceId'>) {
  if (t.orderId) {
    const o = await db.selectFrom('sales_order').select(['partner_id', 'number']).where('id', '=', t.orderId).executeTakeFirst();
    if (!o) throw new DomainError('VALIDATION', 'Order: no such order', { fields: [{ path: 'orderId', message: 'No such order' }] });
    if (o.partner_id !== customerId) throw new DomainError('BUSINESS_RULE', `Order ${o.number} belongs to another customer`, { fields: [{ path: 'orderId', message: 'Another customer’s order' }] });
  }
  if (t.deliveryId) {
    const d = await db.selectFrom('transfer').select(['partner_id', 'number', 'kind']).where('id', '=', t.deliveryId).executeTakeFirst();
    if (!d || d.kind !== 'delivery') throw new DomainError('VALIDATION', 'Delivery: no such delivery', { fields: [{ path: 'deliveryId', message: 'No such delivery' }] });
    if (d.partner_id !== customerId) throw new DomainError('BUSINESS_RULE', `Delivery ${d.number} went to another customer`, { fields: [{ path: 'deliveryId', message: 'Another customer’s delivery' }] });
  }
  if (t.invoiceId) {
    const i = await db.selectFrom('invoice').select(['partner_id', 'number']).where('id', '=', t.invoiceId).executeTakeFirst();
    if (!i) throw new DomainError('VALIDATION', 'Invoice: no such invoice', { fields: [{ path: 'invoiceId', message: 'No such invoice' }] });
    if (i.partner_id !== customerId) throw new DomainError('BUSINESS_RULE', `Invoice ${i.number} belongs to another customer`, { fields: [{ path: 'invoiceId', message: 'Another customer’s invoice' }] });
  }
}

/**
 * Assignment: the first active rule (by position) whose type and region match (empty matches
 * any) picks the next of its users in turn — round-robin by the number of tickets it has
 * already assigned, which replicates with the tickets and needs no shared counter.
 */
export async function assign(db: Tx, type: string, region: string | null) {
  const rules = await db.selectFrom('assignment_rule').select(['id', 'ticket_type', 'region', 'team_id', 'assignees']).where('active', '=', 1).orderBy('position').orderBy('id').execute();
  const rule = rules.find((r) => (!r.ticket_type || r.ticket_type === type) && (!r.region || r.region === region));
  if (!rule) return { ruleId: null, assignee: null, teamId: null };
  const users = JSON.parse(rule.assignees) as string[];
  const n = await db.selectFrom('ticket').select((eb) => eb.fn.countAll<number>().as('n')).where('assignment_rule_id', '=', rule.id).executeTakeFirstOrThrow();
  return { ruleId: rule.id, assignee: users[Number(n.n) % users.length] ?? null, teamId: rule.team_id };
}

const searchText = (parts: (string | null | undefined)[]) => parts.filter(Boolean).join(' ').toLowerCase().slice(0, 2000);

/** Opens a ticket: SLA deadlines from the matching policy, assignee from the rules, suggested category. */
export async function createTicket(ctx: CommandContext, t: NewTicket): Promise<string> {
  const c = await customerOf(ctx.db, t.customerId);
  await checkLinks(ctx.db, c.id, t);
  const customerClass = c.customer_class ?? 'regular';
  const policy = await matchPolicy(ctx.db, customerClass, t.type);
  const who = await assign(ctx.db, t.type, c.region ?? null);
  const number = await nextDocumentNumber(ctx, `${await branchCode(ctx)}-TCK-${ctx.now.slice(0, 4)}-`);
  const s = await suggest(ctx.db, ctx.install, `${t.subject} ${t.description}`);
  const id = ctx.newId();
  await ctx.db
    .insertInto('ticket')
    .values({
      ...newRowMeta(ctx, id),
      number,
      type: t.type,
      state: 'open',
      priority: t.priority ?? 'normal',
      subject: t.subject,
      description: t.description,
      partner_id: c.id,
      customer_class: customerClass,
      region: c.region ?? null,
      order_id: t.orderId ?? null,
      delivery_id: t.deliveryId ?? null,
      invoice_id: t.invoiceId ?? null,
      source: t.source,
      source_event: t.sourceEvent ?? null,
      email_message_id: t.emailMessageId ?? null,
      from_email: t.fromEmail ?? null,
      team_id: t.teamId ?? who.teamId,
      assignee: who.assignee,
      assignment_rule_id: who.ruleId,
      sla_policy_id: policy?.id ?? null,
      ...deadlines(policy, ctx.now),
      first_responded_at: null,
      paused_at: null,
      paused_ms: 0,
      resolved_at: null,
      category: s?.category ?? null,
      category_confidence_bp: s?.confidenceBp ?? null,
      category_source: s ? 'model' : null,
      search_text: searchText([number, t.subject, c.name, c.code, t.fromEmail]),
    })
    .execute();
  ctx.summarize(`Opened ticket ${number} (${t.type}) for ${c.name}${who.assignee ? `, assigned to ${who.assignee}` : ''}`);
  return id;
}

function summaryQuery(db: Db | Tx) {
  return db
    .selectFrom('ticket as t')
    .innerJoin('partner as p', 'p.id', 't.partner_id')
    .leftJoin('sales_order as o', 'o.id', 't.order_id')
    .select([
      't.id', 't.number', 't.type', 't.state', 't.priority', 't.subject', 't.partner_id', 'p.name as customer_name', 't.customer_class', 't.region', 't.order_id', 'o.number as order_number',
      't.delivery_id', 't.invoice_id', 't.source', 't.assignee', 't.first_response_due_at', 't.resolution_due_at', 't.resolution_warn_at', 't.first_responded_at', 't.resolved_at',
      't.paused_at', 't.paused_ms', 't.category', 't.category_confidence_bp', 't.created_at', 't.version',
    ]);
}
type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaryQuery>['executeTakeFirstOrThrow']>>;

const isoOrNull = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());

function toSummary(r: SummaryRow, now: string): SummaryOut {
  const timers = {
    first_response_due_at: isoOrNull(r.first_response_due_at),
    resolution_due_at: isoOrNull(r.resolution_due_at),
    resolution_warn_at: isoOrNull(r.resolution_warn_at),
    first_responded_at: isoOrNull(r.first_responded_at),
    paused_at: isoOrNull(r.paused_at),
    paused_ms: Number(r.paused_ms),
    created_at: isoOrNull(r.created_at)!,
    resolved_at: isoOrNull(r.resolved_at),
  };
  const due = timers.resolution_due_at === NO_DEADLINE ? null : timers.resolution_due_at;
  return {
    id: r.id,
    number: r.number,
    type: r.type as TicketType,
    state: r.state,
    priority: r.priority,
    subject: r.subject,
    customerId: r.partner_id,
    customerName: r.customer_name,
    customerClass: r.customer_class as SummaryOut['customerClass'],
    region: r.region,
    orderId: r.order_id,
    orderNumber: r.order_number,
    deliveryId: r.delivery_id,
    invoiceId: r.invoice_id,
    source: r.source,
    assignee: r.assignee,
    firstResponseDueAt: timers.first_response_due_at,
    resolutionDueAt: due,
    firstRespondedAt: timers.first_responded_at,
    resolvedAt: timers.resolved_at,
    pausedAt: timers.paused_at,
    ...slaStatus(timers, now),
    category: (RETURN_CATEGORIES as readonly string[]).includes(r.category ?? '') ? (r.category as ReturnCategory) : null,
    categoryConfidenceBp: r.category_confidence_bp,
    createdAt: timers.created_at,
    version: r.version,
  };
}

export async function loadTicket(db: Db | Tx, cacheKey: object, id: string, now: string): Promise<TicketOut> {
  const r = await summaryQuery(db)
    .leftJoin('invoice as i', 'i.id', 't.invoice_id')
    .leftJoin('transfer as d', 'd.id', 't.delivery_id')
    .select(['t.description', 't.from_email', 'p.email as customer_email', 'i.number as invoice_number', 'd.number as delivery_number', 't.category_source'])
    .where('t.id', '=', id)
    .executeTakeFirst();
  if (!r) throw notFound('Ticket');
  const [messages, attachments, rmas, suggestion] = await Promise.all([
    db
      .selectFrom('ticket_message as m')
      .leftJoin('notification as n', 'n.id', 'm.notification_id')
      .select(['m.id', 'm.kind', 'm.author', 'm.to_address', 'm.subject', 'm.body', 'n.state as outbox_state', 'm.notification_id', 'm.created_at'])
      .where('m.ticket_id', '=', id)
      .orderBy('m.created_at')
      .orderBy('m.id')
      .execute(),
    db.selectFrom('ticket_attachment').select(['id', 'file_name', 'content_type', 'size_bytes', 'sha256', 'created_at']).where('ticket_id', '=', id).orderBy('created_at').orderBy('id').execute(),
    loadRmaSummaries(db, { ticketId: id }),
    suggest(db, cacheKey, `${r.subject} ${r.description}`),
  ]);
  return {
    ...toSummary(r, now),
    description: r.description,
    fromEmail: r.from_email,
    customerEmail: r.customer_email ?? null,
    invoiceNumber: r.invoice_number,
    deliveryNumber: r.delivery_number,
    categorySource: r.category_source,
    messages: messages.map((m) => ({ id: m.id, kind: m.kind, author: m.author, toAddress: m.to_address, subject: m.subject, body: m.body, outboxState: m.outbox_state, notificationId: m.notification_id, createdAt: isoOrNull(m.created_at)! })),
    attachments: attachments.map((a) => ({ id: a.id, fileName: a.file_name, contentType: a.content_type, sizeBytes: Number(a.size_bytes), sha256: a.sha256, createdAt: isoOrNull(a.created_at)! })),
    rmas,
    suggestion,
  };
}

const SORT = {
  due: 't.resolution_due_at',
  created: 't.created_at',
  number: 't.number',
  customer: 'p.name',
  state: 't.state',
} as const;

export interface QueueFilter {
  query: string;
  state: 'open' | 'waiting_customer' | 'resolved' | 'closed' | 'active';
  type?: string;
  assignee?: string;
  customerId?: string;
  sla?: 'breached' | 'at_risk';
  sort: 'due' | 'created' | 'number' | 'priority' | 'customer' | 'state';
  dir: 'asc' | 'desc';
  offset: number;
  limit: number;
}

/** The queue: filters and sort in SQL (indexes: active by due, per assignee, per type); SLA state per row of the page. */
export async function listTickets(ctx: QueryContext, f: QueueFilter, now = new Date().toISOString()) {
  // The same filters on the page (with its joins) and on the total (the ticket table alone: the
  // customer always exists, so counting needs no join and reads only an index range).
  const filter = <Q extends SelectQueryBuilder<any, any, any>>(q: Q): Q => {
    let w = q as unknown as SelectQueryBuilder<{ t: TicketTable }, 't', object>;
    // "active" = not resolved: one index range (resolved_at IS NULL) ordered by due time.
    if (f.state === 'active') w = w.where('t.resolved_at', 'is', null);
    else w = w.where('t.state', '=', f.state);
    if (f.type) w = w.where('t.type', '=', f.type);
    if (f.assignee) w = w.where('t.assignee', '=', f.assignee);
    if (f.customerId) w = w.where('t.partner_id', '=', f.customerId);
    if (f.sla) {
      const nowTs = ctx.dialect === 'postgres' ? sql`${now}::timestamptz` : sql`${now}`;
      w = w.where('t.paused_at', 'is', null).where('t.resolved_at', 'is', null);
      w =
        f.sla === 'breached'
          ? w.where((eb) => eb.or([sql<boolean>`t.resolution_due_at < ${nowTs}`, sql<boolean>`(t.first_responded_at IS NULL AND t.first_response_due_at < ${nowTs})`]))
          : w.where(sql<boolean>`t.resolution_warn_at <= ${nowTs}`);
    }
    if (f.query) {
      const pattern = `%${likeEscape(f.query.toLowerCase())}%`;
      w = w.where(sql<boolean>`t.search_text LIKE ${pattern} ESCAPE '\\'`);
    }
    return w as unknown as Q;
  };
  const order = f.sort === 'priority' ? sql`CASE t.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END` : sql.ref(SORT[f.sort]);
  const [rows, total] = await Promise.all([
    filter(summaryQuery(ctx.db)).orderBy(order, f.dir).orderBy('t.id', f.dir).limit(f.limit).offset(f.offset).execute(),
    filter(ctx.db.selectFrom('ticket as t').select((eb) => eb.fn.countAll<number>().as('n'))).executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map((r) => toSummary(r, now)), total: Number(total.n), offset: f.offset };
}

export async function ticketRow(db: Tx, id: string) {
  const t = await db.selectFrom('ticket').selectAll().where('id', '=', id).executeTakeFirst();
  if (!t) throw notFound('Ticket');
  return t;
}

/**
 * A message on the ticket. Internal notes, inbound mail and system lines stay on the ticket;
 * a reply goes to the customer through the notification outbox (rendered from the ticket
 * reply template, sent by `notifications.dispatch`), and the message points at it.
 */
export async function addMessage(ctx: CommandContext, ticketId: string, m: { kind: 'note' | 'reply' | 'inbound' | 'system'; body: string; toAddress?: string | null; subject?: string | null; author?: string | null }) {
  let notificationId: string | null = null;
  let subject = m.subject ?? null;
  if (m.kind === 'reply') {
    const t = await ticketRow(ctx.db, ticketId);
    notificationId = await queueNotification(ctx, { kind: 'ticket_reply', orderId: t.order_id, partnerId: t.partner_id, ticketId, dedupeKey: null, toAddress: m.toAddress ?? null, ticketNumber: t.number, ticketSubject: t.subject, message: m.body });
    subject = (await ctx.db.selectFrom('notification').select('subject').where('id', '=', notificationId!).executeTakeFirstOrThrow()).subject;
  }
  await ctx.db
    .insertInto('ticket_message')
    .values({
      ...newRowMeta(ctx),
      ticket_id: ticketId,
      kind: m.kind,
      author: m.author === undefined ? ctx.actor.username : m.author,
      to_address: m.toAddress ?? null,
      subject,
      body: m.body,
      outbox_state: null,
      notification_id: notificationId,
    })
    .execute();
}

async function update(ctx: CommandContext, t: { id: string; version: number }, set: Partial<TicketTable>) {
  await ctx.db.updateTable('ticket').set({ ...set, updated_at: ctx.now, version: t.version + 1 }).where('id', '=', t.id).execute();
}

/** A reply to the customer: queued for sending; the first one meets the first-response SLA; may pause the timers. */
export async function reply(ctx: CommandContext, id: string, body: string, waitForCustomer: boolean) {
  const t = await ticketRow(ctx.db, id);
  if (t.state === 'closed') throw new DomainError('BUSINESS_RULE', `Ticket ${t.number} is closed; reopen it to reply`);
  const to = t.from_email ?? (await ctx.db.selectFrom('partner').select('email').where('id', '=', t.partner_id).executeTakeFirst())?.email ?? null;
  if (!to) throw new DomainError('BUSINESS_RULE', 'The customer has no e-mail address to reply to; add one to the customer or note the call instead');
  await addMessage(ctx, id, { kind: 'reply', body, toAddress: to });
  const set: Partial<TicketTable> = {};
  if (!t.first_responded_at) set.first_responded_at = ctx.now;
  if (waitForCustomer && !t.paused_at) {
    set.state = 'waiting_customer';
    set.paused_at = ctx.now;
  }
  await update(ctx, t, set);
  ctx.summarize(`Replied on ticket ${t.number}${waitForCustomer ? ' (waiting for the customer)' : ''}`);
}

/** Moves a ticket between states; waiting pauses the timers, leaving it resumes them (deadlines move). */
export async function setState(ctx: CommandContext, id: string, state: TicketTable['state']) {
  const t = await ticketRow(ctx.db, id);
  if (t.state === state) return;
  const timers = { ...t, paused_ms: Number(t.paused_ms), first_response_due_at: isoOrNull(t.first_response_due_at), resolution_due_at: isoOrNull(t.resolution_due_at), resolution_warn_at: isoOrNull(t.resolution_warn_at), first_responded_at: isoOrNull(t.first_responded_at), paused_at: isoOrNull(t.paused_at) };
  let set: Partial<TicketTable> = { state };
  if (state === 'waiting_customer') {
    if (t.resolved_at) throw new DomainError('BUSINESS_RULE', `Ticket ${t.number} is ${t.state}; reopen it first`);
    set.paused_at = ctx.now;
  } else {
    set = { ...set, ...resume(timers, ctx.now) };
    if (state === 'open') set.resolved_at = null;
    else if (!t.resolved_at) set.resolved_at = ctx.now;
  }
  await update(ctx, t, set);
  ctx.summarize(`Ticket ${t.number}: ${t.state} → ${state}`);
}

export async function setAssignee(ctx: CommandContext, id: string, assignee: string | null) {
  const t = await ticketRow(ctx.db, id);
  if (assignee) {
    const u = await ctx.db.selectFrom('app_user').select(['username', 'active']).where('username', '=', assignee).executeTakeFirst();
    if (!u || !u.active) throw new DomainError('VALIDATION', `Assignee: no active user ${assignee}`, { fields: [{ path: 'assignee', message: 'No such active user' }] });
  }
  await update(ctx, t, { assignee });
  ctx.summarize(`Ticket ${t.number} assigned to ${assignee ?? 'nobody'}`);
}

/** Detects what a file really is from its first bytes, so a renamed executable is not taken for a photo. */
export function sniffType(bytes: Buffer): string | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  // Plain text: no NUL bytes and valid UTF-8.
  if (!bytes.includes(0) && Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes)) return 'text/plain';
  return null;
}

/** Checks an attachment: an allowed type (declared and by its content), a size limit; returns its bytes. */
export function checkAttachment(fileName: string, contentType: string, bytes: Buffer): void {
  const declared = contentType.toLowerCase().split(';')[0]!.trim();
  if (!(ATTACHMENT_TYPES as readonly string[]).includes(declared)) {
    throw new DomainError('VALIDATION', `${fileName}: files of type ${declared} cannot be attached; use a photo (JPEG, PNG, WebP), a PDF or a text file`, {
      fields: [{ path: 'contentType', message: 'Type not allowed' }],
    });
  }
  if (bytes.length === 0) throw new DomainError('VALIDATION', `${fileName} is empty`, { fields: [{ path: 'contentBase64', message: 'Empty file' }] });
  if (bytes.length > MAX_ATTACHMENT_BYTES) throw new DomainError('VALIDATION', `${fileName} is larger than 5 MB`, { fields: [{ path: 'contentBase64', message: 'Larger than 5 MB' }] });
  const actual = sniffType(bytes);
  if (actual !== declared) {
    throw new DomainError('VALIDATION', `${fileName} is not really a ${declared} file${actual ? ` (it is ${actual})` : ''}`, { fields: [{ path: 'contentBase64', message: 'Content does not match its type' }] });
  }
}

export async function attach(ctx: CommandContext, ticketId: string, a: { fileName: string; contentType: string; bytes: Buffer }) {
  checkAttachment(a.fileName, a.contentType, a.bytes);
  await ctx.db
    .insertInto('ticket_attachment')
    .values({
      ...newRowMeta(ctx),
      ticket_id: ticketId,
      file_name: a.fileName,
      content_type: a.contentType.toLowerCase().split(';')[0]!.trim(),
      size_bytes: a.bytes.length,
      sha256: createHash('sha256').update(a.bytes).digest('hex'),
      content_base64: a.bytes.toString('base64'),
    })
    .execute();
}

export function decodeBase64(s: string): Buffer {
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(s)) throw new DomainError('VALIDATION', 'The file is not valid base64', { fields: [{ path: 'contentBase64', message: 'Not base64' }] });
  return Buffer.from(s, 'base64');
}
