import { RETURN_CATEGORIES, type ReturnCategory } from '../../../src-shared/contract/service';
import { defineHandlers, newRowMeta, type CommandContext } from '../platform/context';
import { DomainError } from '../platform/errors';
import { predict, train } from './classifier';
import { demoTexts } from './demo';
import { seedServiceDemo } from './seed';
import { acceptableAttachments, parseEmail } from './email';
import { retrain, suggest, teach } from './model';
import { countRmas, createRma, decideRma, inspectRma, loadRma, loadRmaSummaries, readServiceSettings, receiveRma, resolveRma, writeServiceSettings } from './rma';
import { addMessage, attach, createTicket, decodeBase64, listTickets, loadTicket, reply, setAssignee, setState, sniffType, ticketRow, TYPE_OF_CATEGORY } from './tickets';

const ticketOut = (ctx: CommandContext, id: string) => loadTicket(ctx.db, ctx.install, id, ctx.now);

const toTeam = (t: { id: string; code: string; name: string; inbound_email: string | null; region: string | null; active: number }) => ({
  id: t.id,
  code: t.code,
  name: t.name,
  inboundEmail: t.inbound_email,
  region: t.region,
  active: t.active === 1,
});
const toPolicy = (p: { id: string; name: string; customer_class: string | null; ticket_type: string | null; first_response_minutes: number; resolution_minutes: number; warn_percent: number; active: number }) => ({
  id: p.id,
  name: p.name,
  customerClass: p.customer_class as 'regular' | null,
  ticketType: p.ticket_type as 'general' | null,
  firstResponseMinutes: p.first_response_minutes,
  resolutionMinutes: p.resolution_minutes,
  warnPercent: p.warn_percent,
  active: p.active === 1,
});
const toRule = (r: { id: string; name: string; ticket_type: string | null; region: string | null; team_id: string | null; assignees: string; position: number; active: number }) => ({
  id: r.id,
  name: r.name,
  ticketType: r.ticket_type as 'general' | null,
  region: r.region,
  teamId: r.team_id,
  assignees: JSON.parse(r.assignees) as string[],
  position: r.position,
  active: r.active === 1,
});

export const serviceHandlers = defineHandlers({
  'service.settings.get': (ctx) => readServiceSettings(ctx.db),
  'service.settings.set': async (ctx, input) => {
    const s = await writeServiceSettings(ctx.db, input);
    ctx.summarize(`Service settings: return window ${s.returnWindowDays} days, approval above ${s.approvalThresholdMinor}`);
    return s;
  },
  'service.team.create': async (ctx, input) => {
    const id = ctx.newId();
    await ctx.db.insertInto('service_team').values({ ...newRowMeta(ctx, id), code: input.code, name: input.name, inbound_email: input.inboundEmail?.toLowerCase() ?? null, region: input.region, active: 1 }).execute();
    ctx.summarize(`Service team ${input.code}${input.inboundEmail ? ` receives ${input.inboundEmail}` : ''}`);
    return toTeam(await ctx.db.selectFrom('service_team').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
  },
  'service.team.list': async (ctx) => ({ rows: (await ctx.db.selectFrom('service_team').selectAll().orderBy('code').execute()).map(toTeam) }),
  'service.sla.create': async (ctx, input) => {
    const id = ctx.newId();
    await ctx.db
      .insertInto('sla_policy')
      .values({ ...newRowMeta(ctx, id), name: input.name, customer_class: input.customerClass, ticket_type: input.ticketType, first_response_minutes: input.firstResponseMinutes, resolution_minutes: input.resolutionMinutes, warn_percent: input.warnPercent, active: 1 })
      .execute();
    ctx.summarize(`SLA policy ${input.name}: first response ${input.firstResponseMinutes} min, resolution ${input.resolutionMinutes} min`);
    return toPolicy(await ctx.db.selectFrom('sla_policy').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
  },
  'service.sla.list': async (ctx) => ({ rows: (await ctx.db.selectFrom('sla_policy').selectAll().orderBy('name').execute()).map(toPolicy) }),
  'service.assignmentRule.create': async (ctx, input) => {
    for (const [i, u] of input.assignees.entries()) {
      const user = await ctx.db.selectFrom('app_user').select('active').where('username', '=', u).executeTakeFirst();
      if (!user || !user.active) throw new DomainError('VALIDATION', `Assignees: no active user ${u}`, { fields: [{ path: `assignees.${i}`, message: 'No such active user' }] });
    }
    if (input.teamId && !(await ctx.db.selectFrom('service_team').select('id').where('id', '=', input.teamId).executeTakeFirst())) {
      throw new DomainError('VALIDATION', 'Team: no such team', { fields: [{ path: 'teamId', message: 'No such team' }] });
    }
    const id = ctx.newId();
    await ctx.db
      .insertInto('assignment_rule')
      .values({ ...newRowMeta(ctx, id), name: input.name, ticket_type: input.ticketType, region: input.region, team_id: input.teamId, assignees: JSON.stringify(input.assignees), position: input.position, active: 1 })
      .execute();
    ctx.summarize(`Assignment rule ${input.name}: ${input.assignees.join(', ')}`);
    return toRule(await ctx.db.selectFrom('assignment_rule').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
  },
  'service.assignmentRule.list': async (ctx) => ({ rows: (await ctx.db.selectFrom('assignment_rule').selectAll().orderBy('position').orderBy('id').execute()).map(toRule) }),

  'service.ticket.create': async (ctx, input) => {
    const id = await createTicket(ctx, { ...input, source: 'manual' });
    return ticketOut(ctx, id);
  },

  'service.ticket.fromEmail': async (ctx, input) => {
    const mail = await parseEmail(input.eml);
    const dup = await ctx.db.selectFrom('ticket').select('number').where('email_message_id', '=', mail.messageId).executeTakeFirst();
    if (dup) throw new DomainError('CONFLICT', `This e-mail was already received as ticket ${dup.number}`, { fields: [{ path: 'eml', message: 'Already received' }] });
    const teams = await ctx.db.selectFrom('service_team').select(['id', 'inbound_email']).where('active', '=', 1).execute();
    const team = teams.find((t) => t.inbound_email && mail.to.includes(t.inbound_email));
    const customer =
      (await ctx.db.selectFrom('partner').select('id').where('kind', '=', 'customer').where('email', '=', mail.from).where('active', '=', 1).executeTakeFirst()) ??
      (await ctx.db
        .selectFrom('partner_contact as c')
        .innerJoin('partner as p', 'p.id', 'c.partner_id')
        .select('p.id')
        .where('p.kind', '=', 'customer')
        .where('c.active', '=', 1)
        .where((eb) => eb(eb.fn('lower', ['c.email']), '=', mail.from))
        .executeTakeFirst());
    if (!customer) throw new DomainError('BUSINESS_RULE', `No customer uses the address ${mail.from}; add it to the customer (or a contact) and receive the e-mail again`, { fields: [{ path: 'eml', message: 'Unknown sender' }] });
    // An order number in the subject or text links the ticket to that order (if it is this customer's).
    const ref = /\b[A-Z0-9]{2,5}-SO-\d{4}-\d{3,}\b/.exec(`${mail.subject} ${mail.text}`)?.[0];
    const order = ref ? await ctx.db.selectFrom('sales_order').select('id').where('number', '=', ref).where('partner_id', '=', customer.id).executeTakeFirst() : undefined;
    const s = await suggest(ctx.db, ctx.install, `${mail.subject} ${mail.text}`);
    const id = await createTicket(ctx, {
      type: s ? TYPE_OF_CATEGORY[s.category] : 'general',
      customerId: customer.id,
      subject: mail.subject.slice(0, 200),
      description: mail.text.slice(0, 20_000),
      orderId: order?.id ?? null,
      source: 'email',
      emailMessageId: mail.messageId,
      fromEmail: mail.from,
      teamId: team?.id ?? null,
    });
    await addMessage(ctx, id, { kind: 'inbound', body: mail.text.slice(0, 20_000), subject: mail.subject, author: mail.from });
    const { kept, refused } = acceptableAttachments(mail.attachments);
    for (const a of kept) {
      if (sniffType(a.bytes) !== a.contentType.toLowerCase()) refused.push(`${a.fileName} (content is not ${a.contentType})`);
      else await attach(ctx, id, a);
    }
    if (refused.length) await addMessage(ctx, id, { kind: 'system', author: null, body: `Attachments not kept: ${refused.join('; ')}` });
    return ticketOut(ctx, id);
  },

  'service.ticket.fromEvent': async (ctx, input) => {
    let id: string;
    if (input.event === 'delivery_failed') {
      const d = await ctx.db.selectFrom('transfer').select(['id', 'number', 'partner_id', 'origin', 'kind']).where('id', '=', input.documentId).executeTakeFirst();
      if (!d || d.kind !== 'delivery') throw new DomainError('VALIDATION', 'Delivery: no such delivery', { fields: [{ path: 'documentId', message: 'No such delivery' }] });
      if (!d.partner_id) throw new DomainError('BUSINESS_RULE', `Delivery ${d.number} has no customer`);
      const o = await ctx.db.selectFrom('sales_order').select('id').where('number', '=', d.origin ?? '').where('partner_id', '=', d.partner_id).executeTakeFirst();
      id = await createTicket(ctx, { type: 'failed_delivery', customerId: d.partner_id, subject: `Delivery ${d.number} failed`, description: input.note, deliveryId: d.id, orderId: o?.id ?? null, priority: 'high', source: 'event', sourceEvent: 'delivery_failed' });
    } else {
      const inv = await ctx.db.selectFrom('invoice').select(['id', 'number', 'partner_id', 'order_id']).where('id', '=', input.documentId).executeTakeFirst();
      if (!inv) throw new DomainError('VALIDATION', 'Invoice: no such invoice', { fields: [{ path: 'documentId', message: 'No such invoice' }] });
      id = await createTicket(ctx, { type: 'invoice_dispute', customerId: inv.partner_id, subject: `Invoice ${inv.number} disputed`, description: input.note, invoiceId: inv.id, orderId: inv.order_id, source: 'event', sourceEvent: 'invoice_disputed' });
    }
    return ticketOut(ctx, id);
  },

  'service.ticket.get': (ctx, input) => loadTicket(ctx.db, ctx.install, input.id, new Date().toISOString()),
  'service.ticket.list': (ctx, input) => listTickets(ctx, input),
  'service.ticket.reply': async (ctx, input) => {
    await reply(ctx, input.id, input.body, input.waitForCustomer);
    return ticketOut(ctx, input.id);
  },
  'service.ticket.note': async (ctx, input) => {
    const t = await ticketRow(ctx.db, input.id);
    await addMessage(ctx, input.id, { kind: 'note', body: input.body });
    ctx.summarize(`Note on ticket ${t.number}`);
    return ticketOut(ctx, input.id);
  },
  'service.ticket.setState': async (ctx, input) => {
    await setState(ctx, input.id, input.state);
    return ticketOut(ctx, input.id);
  },
  'service.ticket.assign': async (ctx, input) => {
    await setAssignee(ctx, input.id, input.assignee);
    return ticketOut(ctx, input.id);
  },
  'service.ticket.attach': async (ctx, input) => {
    const t = await ticketRow(ctx.db, input.id);
    await attach(ctx, input.id, { fileName: input.fileName, contentType: input.contentType, bytes: decodeBase64(input.contentBase64) });
    // The file is stored in its table; the outbox and audit record only what was attached.
    ctx.recordInputAs({ id: input.id, fileName: input.fileName, contentType: input.contentType });
    ctx.summarize(`Attached ${input.fileName} to ticket ${t.number}`);
    return ticketOut(ctx, input.id);
  },
  'service.ticket.categorize': async (ctx, input) => {
    const t = await ticketRow(ctx.db, input.id);
    await teach(ctx, ctx.install, `${t.subject} ${t.description}`, input.category, t.id);
    await ctx.db.updateTable('ticket').set({ category: input.category, category_confidence_bp: null, category_source: 'agent', updated_at: ctx.now, version: t.version + 1 }).where('id', '=', t.id).execute();
    ctx.summarize(`Ticket ${t.number} categorised as ${input.category.replace(/_/g, ' ')}${t.category && t.category !== input.category ? ` (was ${t.category.replace(/_/g, ' ')})` : ''}`);
    return ticketOut(ctx, input.id);
  },

  'service.rma.create': async (ctx, input) => loadRma(ctx.db, await createRma(ctx, input)),
  'service.rma.decide': async (ctx, input) => {
    await decideRma(ctx, input.id, input.decision, input.note);
    return loadRma(ctx.db, input.id);
  },
  'service.rma.receive': async (ctx, input) => {
    await receiveRma(ctx, input.id, input.lines);
    return loadRma(ctx.db, input.id);
  },
  'service.rma.inspect': async (ctx, input) => {
    await inspectRma(ctx, input.id, input.lines);
    return loadRma(ctx.db, input.id);
  },
  'service.rma.resolve': async (ctx, input) => {
    await resolveRma(ctx, input.id, input.resolution);
    return loadRma(ctx.db, input.id);
  },
  'service.rma.get': (ctx, input) => loadRma(ctx.db, input.id),
  'service.rma.list': async (ctx, input) => ({ rows: await loadRmaSummaries(ctx.db, input), total: await countRmas(ctx.db, input), offset: input.offset }),

  'service.classifier.train': async (ctx) => {
    const r = await retrain(ctx);
    ctx.summarize(`Trained the reason classifier on ${r.examples} examples`);
    return { ...r, trainedAt: ctx.now };
  },
  'service.classifier.predict': async (ctx, input) => {
    const s = await suggest(ctx.db, ctx.install, input.text);
    if (!s) throw new DomainError('BUSINESS_RULE', 'The classifier has not been trained yet: train it on labelled examples first');
    return s;
  },
  'service.classifier.evaluate': async (_ctx, input) => {
    const data = demoTexts(input.count, input.seed);
    const cut = Math.round((data.length * (100 - input.holdoutPercent)) / 100);
    const model = train(data.slice(0, cut));
    const test = data.slice(cut);
    const per = new Map<ReturnCategory, { tested: number; correct: number }>(RETURN_CATEGORIES.map((c) => [c, { tested: 0, correct: 0 }]));
    let correct = 0;
    for (const e of test) {
      const ok = predict(model, e.text).category === e.category;
      const p = per.get(e.category)!;
      p.tested++;
      if (ok) {
        p.correct++;
        correct++;
      }
    }
    return { trained: cut, tested: test.length, accuracyBp: test.length ? Math.round((correct * 10_000) / test.length) : 0, perCategory: [...per].map(([category, v]) => ({ category, ...v })) };
  },
  'service.demo.seed': async (ctx, input) => {
    const r = await seedServiceDemo(ctx, input);
    ctx.summarize(`Loaded ${r.examples} labelled return reasons${r.policies ? ` and ${r.policies} SLA policies` : ''}; trained the classifier`);
    return r;
  },
});

