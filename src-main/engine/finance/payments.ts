import type { z } from 'zod';
import type { Payment } from '../../../src-shared/contract/finance';
import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound, refuse } from '../platform/errors';
import { branchCode, nextDocumentNumber } from '../platform/series';
import { financeSession, fmt, postEntry, todayOf, type PostingLine } from './ledger';

/**
 * Payments. A customer payment (in) posts Dr bank / Cr receivable for what it settles and
 * Cr customer credit for the rest (an over-payment stays the customer's credit, so the
 * receivable account always equals the open invoices). Allocations never exceed an invoice's
 * open amount; an invoice fully settled becomes `paid`. A payment to a vendor (out) posts
 * Dr payable / Cr bank.
 */

export interface AllocationRequest {
  invoiceId: string;
  amountMinor: number;
}

async function openInvoices(db: Db | Tx, partnerId: string, ids?: string[]) {
  let q = db
    .selectFrom('invoice')
    .select(['id', 'number', 'total_minor', 'paid_minor', 'due_date', 'partner_id', 'state', 'version'])
    .where('state', '=', 'open')
    .where('partner_id', '=', partnerId)
    .where('total_minor', '>', 0);
  if (ids) q = q.where('id', 'in', ids);
  return q.orderBy('due_date').orderBy('number').execute();
}

/** Settles invoices: raises paid_minor, marks fully paid ones `paid`, writes the allocation rows. */
async function applyAllocations(ctx: CommandContext, paymentId: string, allocations: { invoice: { id: string; total_minor: number; paid_minor: number; version: number }; amount: number }[]) {
  for (const a of allocations) {
    const paid = Number(a.invoice.paid_minor) + a.amount;
    await ctx.db
      .updateTable('invoice')
      .set({ paid_minor: paid, state: paid >= Number(a.invoice.total_minor) ? 'paid' : 'open', updated_at: ctx.now, version: a.invoice.version + 1 })
      .where('id', '=', a.invoice.id)
      .execute();
    await ctx.db.insertInto('payment_allocation').values({ id: ctx.newId(), branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, payment_id: paymentId, invoice_id: a.invoice.id, amount_minor: a.amount }).execute();
  }
}

export async function registerPayment(
  ctx: CommandContext,
  input: { partnerId: string; direction: 'in' | 'out'; amountMinor: number; date?: string; journalId?: string; reference?: string; allocations?: AllocationRequest[]; autoAllocate: boolean; statementLineId?: string },
): Promise<string> {
  const partner = await ctx.db.selectFrom('partner').select(['id', 'name']).where('id', '=', input.partnerId).executeTakeFirst();
  if (!partner) throw new DomainError('VALIDATION', 'partnerId: there is no such customer or vendor', { fields: [{ path: 'partnerId', message: 'Unknown partner' }] });
  const s = await financeSession(ctx);
  const journal = s.journals.get(input.journalId ?? 'bank');
  if (!journal || (journal.kind !== 'bank' && journal.kind !== 'cash')) throw new DomainError('VALIDATION', 'journalId: payments go through a bank or cash journal', { fields: [{ path: 'journalId', message: 'Not a bank or cash journal' }] });
  const cashAccount = journal.default_account_id ?? (journal.kind === 'cash' ? 'cash' : 'bank');
  const date = input.date ?? todayOf(ctx);
  const id = ctx.newId();
  const number = await nextDocumentNumber(ctx, `${await branchCode(ctx)}-PAY-${date.slice(0, 4)}-`);
  let allocations: { invoice: Awaited<ReturnType<typeof openInvoices>>[number]; amount: number }[] = [];
  if (input.direction === 'in') {
    if (input.allocations?.length) {
      const invoices = await openInvoices(ctx.db, input.partnerId, input.allocations.map((a) => a.invoiceId));
      const byId = new Map(invoices.map((i) => [i.id, i]));
      input.allocations.forEach((a, i) => {
        const inv = byId.get(a.invoiceId);
        if (!inv) throw new DomainError('VALIDATION', `allocations.${i}: not an open invoice of ${partner.name}`, { fields: [{ path: `allocations.${i}.invoiceId`, message: 'Not an open invoice of this customer' }] });
        const open = Number(inv.total_minor) - Number(inv.paid_minor);
        if (a.amountMinor > open) {
          throw new DomainError('BUSINESS_RULE', `Invoice ${inv.number} has ${fmt(open)} open: ${fmt(a.amountMinor)} is more than allowed`, { fields: [{ path: `allocations.${i}.amountMinor`, message: `At most ${fmt(open)}` }] });
        }
        allocations.push({ invoice: inv, amount: a.amountMinor });
      });
      const allocated = allocations.reduce((t, a) => t + a.amount, 0);
      if (allocated > input.amountMinor) throw new DomainError('BUSINESS_RULE', `The allocations (${fmt(allocated)}) are more than the payment (${fmt(input.amountMinor)})`, { fields: [{ path: 'allocations', message: 'More than the payment' }] });
    } else if (input.autoAllocate) {
      // Oldest due first, until the money runs out.
      let left = input.amountMinor;
      for (const inv of await openInvoices(ctx.db, input.partnerId)) {
        if (left === 0) break;
        const take = Math.min(left, Number(inv.total_minor) - Number(inv.paid_minor));
        if (take > 0) allocations.push({ invoice: inv, amount: take });
        left -= take;
      }
    }
  }
  allocations = allocations.filter((a) => a.amount > 0);
  const allocated = allocations.reduce((t, a) => t + a.amount, 0);
  const lines: PostingLine[] =
    input.direction === 'in'
      ? [
          { account: cashAccount, debit: input.amountMinor, partnerId: partner.id, label: input.reference ?? number },
          { account: 'receivable', credit: allocated, partnerId: partner.id, label: allocations.map((a) => a.invoice.number).join(', ').slice(0, 200) || null },
          { account: 'customer_credit', credit: input.amountMinor - allocated, partnerId: partner.id, label: 'Unallocated (customer credit)' },
        ]
      : [
          { account: 'payable', debit: input.amountMinor, partnerId: partner.id, label: input.reference ?? number },
          { account: cashAccount, credit: input.amountMinor, partnerId: partner.id },
        ];
  const entryId = await postEntry(ctx, { journal: journal.id, date, memo: `Payment ${number} ${input.direction === 'in' ? 'from' : 'to'} ${partner.name}`, sourceKind: 'payment', sourceId: id, sourceNumber: number, lines });
  await ctx.db
    .insertInto('payment')
    .values({ id, branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, number, direction: input.direction, partner_id: partner.id, journal_id: journal.id, date, amount_minor: input.amountMinor, allocated_minor: input.direction === 'in' ? allocated : input.amountMinor, reference: input.reference ?? null, entry_id: entryId!, statement_line_id: input.statementLineId ?? null })
    .execute();
  await applyAllocations(ctx, id, allocations);
  ctx.summarize(`Registered payment ${number} (${fmt(input.amountMinor)}) ${input.direction === 'in' ? 'from' : 'to'} ${partner.name}`);
  return id;
}

/** Uses a payment's unallocated credit for an open invoice: Dr customer credit / Cr receivable. */
export async function allocateCredit(ctx: CommandContext, input: { paymentId: string; invoiceId: string; amountMinor: number }): Promise<void> {
  const p = await ctx.db.selectFrom('payment').selectAll().where('id', '=', input.paymentId).executeTakeFirst();
  if (!p) throw notFound('Payment');
  if (p.direction !== 'in') throw refuse('Only customer payments carry credit to allocate');
  const free = Number(p.amount_minor) - Number(p.allocated_minor);
  if (input.amountMinor > free) throw new DomainError('BUSINESS_RULE', `Payment ${p.number} has ${fmt(free)} unallocated: ${fmt(input.amountMinor)} is more than allowed`, { fields: [{ path: 'amountMinor', message: `At most ${fmt(free)}` }] });
  const [inv] = await openInvoices(ctx.db, p.partner_id, [input.invoiceId]);
  if (!inv) throw new DomainError('VALIDATION', 'invoiceId: not an open invoice of this customer', { fields: [{ path: 'invoiceId', message: 'Not an open invoice of this customer' }] });
  const open = Number(inv.total_minor) - Number(inv.paid_minor);
  if (input.amountMinor > open) throw new DomainError('BUSINESS_RULE', `Invoice ${inv.number} has ${fmt(open)} open: ${fmt(input.amountMinor)} is more than allowed`, { fields: [{ path: 'amountMinor', message: `At most ${fmt(open)}` }] });
  await postEntry(ctx, {
    journal: p.journal_id,
    date: todayOf(ctx),
    memo: `Credit of ${p.number} used for ${inv.number}`,
    sourceKind: 'payment',
    sourceId: p.id,
    sourceNumber: p.number,
    lines: [
      { account: 'customer_credit', debit: input.amountMinor, partnerId: p.partner_id },
      { account: 'receivable', credit: input.amountMinor, partnerId: p.partner_id, label: inv.number },
    ],
  });
  await ctx.db.updateTable('payment').set({ allocated_minor: Number(p.allocated_minor) + input.amountMinor, updated_at: ctx.now, version: p.version + 1 }).where('id', '=', p.id).execute();
  await applyAllocations(ctx, p.id, [{ invoice: inv, amount: input.amountMinor }]);
  ctx.summarize(`Allocated ${fmt(input.amountMinor)} of ${p.number} to ${inv.number}`);
}

export async function loadPayments(db: Db | Tx, filter: { id?: string; partnerId?: string; offset: number; limit: number }): Promise<{ rows: z.infer<typeof Payment>[]; total: number }> {
  let q = db.selectFrom('payment as p').innerJoin('partner as c', 'c.id', 'p.partner_id');
  if (filter.id) q = q.where('p.id', '=', filter.id);
  if (filter.partnerId) q = q.where('p.partner_id', '=', filter.partnerId);
  const [rows, count] = await Promise.all([
    q
      .select(['p.id', 'p.number', 'p.direction', 'p.partner_id', 'c.name', 'p.date', 'p.amount_minor', 'p.allocated_minor', 'p.reference', 'p.entry_id'])
      .orderBy('p.date', 'desc')
      .orderBy('p.id', 'desc')
      .offset(filter.offset)
      .limit(filter.limit)
      .execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const ids = rows.map((r) => r.id);
  const allocs = ids.length
    ? await db.selectFrom('payment_allocation as a').innerJoin('invoice as i', 'i.id', 'a.invoice_id').select(['a.payment_id', 'a.invoice_id', 'i.number', 'a.amount_minor']).where('a.payment_id', 'in', ids).orderBy('a.created_at').execute()
    : [];
  return {
    total: Number(count.n),
    rows: rows.map((r) => ({
      id: r.id,
      number: r.number,
      direction: r.direction,
      partnerId: r.partner_id,
      partnerName: r.name,
      date: r.date,
      amountMinor: Number(r.amount_minor),
      allocatedMinor: Number(r.allocated_minor),
      unallocatedMinor: Number(r.amount_minor) - Number(r.allocated_minor),
      reference: r.reference,
      entryId: r.entry_id,
      allocations: allocs.filter((a) => a.payment_id === r.id).map((a) => ({ invoiceId: a.invoice_id, invoiceNumber: a.number, amountMinor: Number(a.amount_minor) })),
    })),
  };
}

export async function loadPayment(db: Db | Tx, id: string) {
  const { rows } = await loadPayments(db, { id, offset: 0, limit: 1 });
  if (!rows[0]) throw notFound('Payment');
  return rows[0];
}
