import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { StatementLine } from '../../../src-shared/contract/finance';
import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound, refuse } from '../platform/errors';
import { financeSession } from './ledger';
import { registerPayment } from './payments';
import { parseCamt053, parseCsvStatement } from './statements';

/**
 * Bank reconciliation. An imported statement's lines are matched to open invoices by rules,
 * best first: the invoice number in the reference or description; the open amount and the
 * customer's name; the open amount alone (only when one invoice has it); the name alone.
 * Matching registers the payment (bank / receivable, an over-payment as customer credit) and
 * links it to the line. Import auto-matches lines with exactly one reference or
 * amount-and-name candidate; the rest wait for a person.
 */

type Rule = z.infer<typeof StatementLine>['suggestions'][number]['rule'];
interface OpenInvoice {
  id: string;
  number: string;
  partner_id: string;
  name: string;
  open: number;
}

async function openInvoices(db: Db | Tx): Promise<OpenInvoice[]> {
  const rows = await db
    .selectFrom('invoice as i')
    .innerJoin('partner as p', 'p.id', 'i.partner_id')
    .select(['i.id', 'i.number', 'i.partner_id', 'p.name', 'i.total_minor', 'i.paid_minor'])
    .where('i.state', '=', 'open')
    .where('i.total_minor', '>', 0)
    .orderBy('i.due_date')
    .limit(20_000)
    .execute();
  return rows.map((r) => ({ id: r.id, number: r.number, partner_id: r.partner_id, name: r.name, open: Number(r.total_minor) - Number(r.paid_minor) }));
}

const norm = (s: string | null) => (s ?? '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

export function suggest(line: { amount_minor: number; reference: string | null; description: string | null; partner_name: string | null }, invoices: OpenInvoice[]) {
  const amount = Number(line.amount_minor);
  if (amount <= 0) return [];
  const text = `${line.reference ?? ''} ${line.description ?? ''}`.toUpperCase();
  const name = norm(line.partner_name);
  const nameMatches = (inv: OpenInvoice) => !!name && (norm(inv.name) === name || norm(inv.name).includes(name) || name.includes(norm(inv.name)));
  const out: { inv: OpenInvoice; rule: Rule }[] = [];
  const seen = new Set<string>();
  const add = (inv: OpenInvoice, rule: Rule) => {
    if (!seen.has(inv.id)) out.push({ inv, rule });
    seen.add(inv.id);
  };
  for (const inv of invoices) if (text.includes(inv.number.toUpperCase())) add(inv, 'reference');
  for (const inv of invoices) if (inv.open === amount && nameMatches(inv)) add(inv, 'amount_partner');
  const sameAmount = invoices.filter((i) => i.open === amount);
  if (sameAmount.length === 1) add(sameAmount[0]!, 'amount');
  for (const inv of invoices) if (out.length < 10 && nameMatches(inv)) add(inv, 'partner');
  return out.slice(0, 10).map(({ inv, rule }) => ({ invoiceId: inv.id, invoiceNumber: inv.number, partnerId: inv.partner_id, partnerName: inv.name, openMinor: inv.open, rule }));
}

export async function importStatement(ctx: CommandContext, input: { journalId?: string; fileName: string; format: 'csv' | 'camt053'; content: string }) {
  const s = await financeSession(ctx);
  const journal = s.journals.get(input.journalId ?? 'bank');
  if (!journal || journal.kind !== 'bank') throw new DomainError('VALIDATION', 'journalId: statements are imported into a bank journal', { fields: [{ path: 'journalId', message: 'Not a bank journal' }] });
  const parsed = input.format === 'csv' ? parseCsvStatement(input.content) : parseCamt053(input.content);
  const hash = createHash('sha256').update(input.content).digest('hex');
  const dup = await ctx.db.selectFrom('bank_statement').select(['name', 'created_at']).where('file_hash', '=', hash).executeTakeFirst();
  if (dup) throw refuse(`This file was already imported (${dup.name}, ${dup.created_at.slice(0, 10)}); nothing was imported again`);
  const statementId = ctx.newId();
  await ctx.db
    .insertInto('bank_statement')
    .values({ id: statementId, branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, journal_id: journal.id, name: input.fileName, format: input.format, file_hash: hash, statement_date: parsed.statementDate, opening_minor: parsed.openingMinor, closing_minor: parsed.closingMinor })
    .execute();
  const rows = parsed.lines.map((l, i) => ({
    id: ctx.newId(),
    branch_id: ctx.branchId,
    created_at: ctx.now,
    updated_at: ctx.now,
    version: 1,
    statement_id: statementId,
    line_no: i + 1,
    date: l.date,
    amount_minor: l.amountMinor,
    reference: l.reference?.slice(0, 200) ?? null,
    partner_name: l.partnerName?.slice(0, 200) ?? null,
    counterparty_iban: l.counterpartyIban,
    description: l.description?.slice(0, 500) ?? null,
    state: 'open' as const,
    payment_id: null,
    matched_by: null,
  }));
  for (let i = 0; i < rows.length; i += 200) await ctx.db.insertInto('bank_statement_line').values(rows.slice(i, i + 200)).execute();
  let autoMatched = 0;
  let invoices = await openInvoices(ctx.db);
  for (const r of rows) {
    const sug = suggest(r, invoices);
    const sure = sug.filter((x) => x.rule === 'reference' || x.rule === 'amount_partner');
    if (sure.length !== 1) continue;
    await matchLine(ctx, { lineId: r.id, invoiceIds: [sure[0]!.invoiceId] }, 'rule');
    autoMatched++;
    invoices = await openInvoices(ctx.db);
  }
  ctx.summarize(`Imported bank statement ${input.fileName}: ${rows.length} line(s), ${autoMatched} matched by the rules`);
  return { statementId, lines: rows.length, autoMatched };
}

export async function matchLine(ctx: CommandContext, input: { lineId: string; invoiceIds?: string[]; partnerId?: string; ignore?: boolean }, by = 'user'): Promise<void> {
  const line = await ctx.db.selectFrom('bank_statement_line as l').innerJoin('bank_statement as s', 's.id', 'l.statement_id').selectAll('l').select('s.journal_id').where('l.id', '=', input.lineId).executeTakeFirst();
  if (!line) throw notFound('Statement line');
  if (line.state !== 'open') throw refuse(`This statement line is already ${line.state}`);
  if (input.ignore) {
    await ctx.db.updateTable('bank_statement_line').set({ state: 'ignored', matched_by: ctx.actor.username ?? by, updated_at: ctx.now, version: line.version + 1 }).where('id', '=', line.id).execute();
    return;
  }
  const amount = Number(line.amount_minor);
  let partnerId = input.partnerId;
  let allocations: { invoiceId: string; amountMinor: number }[] | undefined;
  if (input.invoiceIds?.length) {
    if (amount <= 0) throw refuse('An outgoing amount cannot settle customer invoices');
    const invs = await ctx.db.selectFrom('invoice').select(['id', 'number', 'partner_id', 'total_minor', 'paid_minor', 'state']).where('id', 'in', input.invoiceIds).execute();
    if (invs.length !== new Set(input.invoiceIds).size) throw new DomainError('VALIDATION', 'invoiceIds: an invoice was not found', { fields: [{ path: 'invoiceIds', message: 'Not found' }] });
    const partners = new Set(invs.map((i) => i.partner_id));
    if (partners.size > 1) throw refuse('One statement line can settle invoices of one customer only');
    partnerId = invs[0]!.partner_id;
    let left = amount;
    allocations = [];
    for (const id of input.invoiceIds) {
      const inv = invs.find((i) => i.id === id)!;
      if (inv.state !== 'open') throw refuse(`Invoice ${inv.number} is ${inv.state}`);
      const take = Math.min(left, Number(inv.total_minor) - Number(inv.paid_minor));
      if (take > 0) allocations.push({ invoiceId: inv.id, amountMinor: take });
      left -= take;
    }
  }
  if (!partnerId) throw new DomainError('VALIDATION', 'Choose the invoices or the partner this line pays', { fields: [{ path: 'invoiceIds', message: 'Required' }] });
  const paymentId = await registerPayment(ctx, {
    partnerId,
    direction: amount > 0 ? 'in' : 'out',
    amountMinor: Math.abs(amount),
    date: line.date,
    journalId: line.journal_id,
    reference: (line.reference ?? line.description ?? undefined)?.slice(0, 140),
    allocations,
    autoAllocate: false,
    statementLineId: line.id,
  });
  await ctx.db.updateTable('bank_statement_line').set({ state: 'matched', payment_id: paymentId, matched_by: by === 'rule' ? 'rule' : (ctx.actor.username ?? 'user'), updated_at: ctx.now, version: line.version + 1 }).where('id', '=', line.id).execute();
}

export async function listLines(db: Db | Tx, input: { statementId?: string; state: 'open' | 'matched' | 'ignored' | 'all'; id?: string; offset: number; limit: number }) {
  let q = db.selectFrom('bank_statement_line');
  if (input.id) q = q.where('id', '=', input.id);
  if (input.statementId) q = q.where('statement_id', '=', input.statementId);
  if (input.state !== 'all') q = q.where('state', '=', input.state);
  const [rows, count] = await Promise.all([q.selectAll().orderBy('date').orderBy('line_no').offset(input.offset).limit(input.limit).execute(), q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()]);
  const invoices = rows.some((r) => r.state === 'open') ? await openInvoices(db) : [];
  return {
    total: Number(count.n),
    offset: input.offset,
    rows: rows.map((r) => ({
      id: r.id,
      statementId: r.statement_id,
      lineNo: r.line_no,
      date: r.date,
      amountMinor: Number(r.amount_minor),
      reference: r.reference,
      partnerName: r.partner_name,
      counterpartyIban: r.counterparty_iban,
      description: r.description,
      state: r.state,
      paymentId: r.payment_id,
      suggestions: r.state === 'open' ? suggest(r, invoices) : [],
    })),
  };
}
