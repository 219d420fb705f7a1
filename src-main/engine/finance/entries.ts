import type { z } from 'zod';
import type { Account, Draft, Entry, EntryInput, EntrySummary } from '../../../src-shared/contract/finance';
import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound, refuse } from '../platform/errors';
import { forgetFinanceSession, postEntry, reverseEntry } from './ledger';
import type { AccountTable } from './schema';

/** Accounts, manual entries, drafts and reversals (the commands behind Finance → Journal entries). */

export function toAccount(a: Pick<AccountTable, 'id' | 'code' | 'name' | 'type' | 'role' | 'reconcile' | 'active'>): z.infer<typeof Account> {
  return { id: a.id, code: a.code, name: a.name, type: a.type, role: a.role, reconcile: !!a.reconcile, active: !!a.active };
}

export async function createAccount(ctx: CommandContext, input: { code: string; name: string; type: AccountTable['type']; role?: string; reconcile: boolean }) {
  const dup = await ctx.db.selectFrom('account').select('id').where('code', '=', input.code).executeTakeFirst();
  if (dup) throw new DomainError('CONFLICT', `Account ${input.code} already exists`, { fields: [{ path: 'code', message: 'Already used' }] });
  const row = { id: ctx.newId(), branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, code: input.code, name: input.name, type: input.type, role: input.role ?? null, reconcile: input.reconcile ? 1 : 0, active: 1 };
  await ctx.db.insertInto('account').values(row).execute();
  forgetFinanceSession(ctx);
  ctx.summarize(`Created account ${input.code} ${input.name}`);
  return toAccount(row);
}

export async function updateAccount(ctx: CommandContext, input: { id: string; name?: string; type?: AccountTable['type']; role?: string | null; active?: boolean; reconcile?: boolean }) {
  const a = await ctx.db.selectFrom('account').selectAll().where('id', '=', input.id).executeTakeFirst();
  if (!a) throw notFound('Account');
  if (input.type !== undefined && input.type !== a.type) {
    const posted = await ctx.db.selectFrom('journal_line').select('id').where('account_id', '=', a.id).limit(1).executeTakeFirst();
    if (posted) throw new DomainError('BUSINESS_RULE', `Account ${a.code} ${a.name} has postings: its type (${a.type}) cannot change to ${input.type}. Open a new ${input.type} account and move the balance with a manual entry.`, { fields: [{ path: 'type', message: 'Has postings' }] });
  }
  if (input.active === false) {
    const bal = await ctx.db
      .selectFrom('journal_line')
      .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('debit_minor'), eb.lit(0)).as('d'), eb.fn.coalesce(eb.fn.sum<number>('credit_minor'), eb.lit(0)).as('c')])
      .where('account_id', '=', a.id)
      .executeTakeFirstOrThrow();
    if (Number(bal.d) !== Number(bal.c)) throw refuse(`Account ${a.code} still has a balance; move it to another account before archiving`);
  }
  const next = { ...a, name: input.name ?? a.name, type: input.type ?? a.type, role: input.role === undefined ? a.role : input.role, active: input.active === undefined ? a.active : input.active ? 1 : 0, reconcile: input.reconcile === undefined ? a.reconcile : input.reconcile ? 1 : 0 };
  await ctx.db.updateTable('account').set({ name: next.name, type: next.type, role: next.role, active: next.active, reconcile: next.reconcile, updated_at: ctx.now, version: a.version + 1 }).where('id', '=', a.id).execute();
  forgetFinanceSession(ctx);
  ctx.summarize(`Updated account ${a.code}`);
  return toAccount(next);
}

function entryQuery(db: Db | Tx) {
  return db
    .selectFrom('journal_entry as e')
    .innerJoin('journal as j', 'j.id', 'e.journal_id')
    .select((eb) => [
      'e.id',
      'e.date',
      'j.code as journal_code',
      'e.memo',
      'e.source_kind',
      'e.source_id',
      'e.source_number',
      'e.reversal_of_id',
      'e.moved_from_date',
      'e.branch_id',
      eb.selectFrom('journal_entry as r').select('r.id').whereRef('r.reversal_of_id', '=', 'e.id').limit(1).as('reversed_by_id'),
      eb.selectFrom('journal_line as l').select((x) => x.fn.sum<number>('l.debit_minor').as('t')).whereRef('l.entry_id', '=', 'e.id').as('total'),
    ]);
}

type EntryRow = Awaited<ReturnType<ReturnType<typeof entryQuery>['executeTakeFirstOrThrow']>>;

const toSummary = (r: EntryRow): z.infer<typeof EntrySummary> => ({
  id: r.id,
  date: r.date,
  journalCode: r.journal_code,
  memo: r.memo,
  sourceKind: r.source_kind,
  sourceId: r.source_id,
  sourceNumber: r.source_number,
  reversalOfId: r.reversal_of_id,
  reversedById: r.reversed_by_id ?? null,
  movedFromDate: r.moved_from_date,
  totalMinor: Number(r.total ?? 0),
  branchId: r.branch_id,
});

export async function listEntries(db: Db, input: { from?: string; to?: string; journalId?: string; sourceKind?: string; query?: string; offset: number; limit: number }) {
  let q = entryQuery(db);
  if (input.from) q = q.where('e.date', '>=', input.from);
  if (input.to) q = q.where('e.date', '<=', input.to);
  if (input.journalId) q = q.where('e.journal_id', '=', input.journalId);
  if (input.sourceKind) q = q.where('e.source_kind', '=', input.sourceKind);
  if (input.query) {
    const like = `%${input.query.replace(/[%_]/g, '')}%`;
    q = q.where((eb) => eb.or([eb('e.memo', 'like', like), eb('e.source_number', 'like', like)]));
  }
  const [rows, count] = await Promise.all([
    q.orderBy('e.date', 'desc').orderBy('e.id', 'desc').offset(input.offset).limit(input.limit).execute(),
    q.clearSelect().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map(toSummary), total: Number(count.n), offset: input.offset };
}

export async function loadEntry(db: Db | Tx, id: string): Promise<z.infer<typeof Entry>> {
  const r = await entryQuery(db).where('e.id', '=', id).executeTakeFirst();
  if (!r) throw notFound('Journal entry');
  const lines = await db
    .selectFrom('journal_line as l')
    .innerJoin('account as a', 'a.id', 'l.account_id')
    .select(['l.id', 'l.line_no', 'l.account_id', 'a.code', 'a.name', 'l.debit_minor', 'l.credit_minor', 'l.label', 'l.partner_id', 'l.product_id', 'l.warehouse_id', 'l.channel_code', 'l.customer_class', 'l.branch_id'])
    .where('l.entry_id', '=', id)
    .orderBy('l.line_no')
    .execute();
  return {
    ...toSummary(r),
    lines: lines.map((l) => ({
      id: l.id,
      lineNo: l.line_no,
      accountId: l.account_id,
      accountCode: l.code,
      accountName: l.name,
      debitMinor: Number(l.debit_minor),
      creditMinor: Number(l.credit_minor),
      label: l.label,
      partnerId: l.partner_id,
      productId: l.product_id,
      warehouseId: l.warehouse_id,
      channelCode: l.channel_code,
      customerClass: l.customer_class,
      branchId: l.branch_id,
    })),
  };
}

type EntryIn = z.output<typeof EntryInput>;

async function postManual(ctx: CommandContext, input: EntryIn, sourceKind = 'manual', sourceId: string | null = null): Promise<string> {
  const id = await postEntry(ctx, {
    journal: input.journalId,
    date: input.date,
    memo: input.memo,
    sourceKind,
    sourceId,
    lines: input.lines.map((l) => ({ account: l.accountId, debit: l.debitMinor, credit: l.creditMinor, label: l.label, partnerId: l.partnerId, warehouseId: l.warehouseId, channelCode: l.channelCode, customerClass: l.customerClass })),
  });
  if (!id) throw new DomainError('VALIDATION', 'Every line is zero: there is nothing to post');
  return id;
}

export async function postManualEntry(ctx: CommandContext, input: EntryIn) {
  const id = await postManual(ctx, input);
  ctx.summarize(`Posted entry ${input.memo}`);
  return loadEntry(ctx.db, id);
}

export async function reverse(ctx: CommandContext, input: { id: string; date: string; reason: string }) {
  const id = await reverseEntry(ctx, input.id, input.date, input.reason);
  ctx.summarize(`Reversed entry ${input.id}`);
  return loadEntry(ctx.db, id);
}

const toDraft = (r: { id: string; journal_id: string; date: string; memo: string; state: 'draft' | 'posted' | 'discarded'; lines: string; entry_id: string | null }): z.infer<typeof Draft> => ({
  id: r.id,
  journalId: r.journal_id,
  date: r.date,
  memo: r.memo,
  state: r.state,
  lines: JSON.parse(r.lines),
  entryId: r.entry_id,
});

export async function saveDraft(ctx: CommandContext, input: EntryIn & { id?: string }) {
  const row = { journal_id: input.journalId, date: input.date, memo: input.memo, lines: JSON.stringify(input.lines), state: 'draft' as const, entry_id: null };
  if (input.id) {
    const d = await ctx.db.selectFrom('journal_draft').selectAll().where('id', '=', input.id).executeTakeFirst();
    if (!d) throw notFound('Draft entry');
    if (d.state !== 'draft') throw refuse(`This draft is ${d.state}; it can no longer be edited`);
    await ctx.db.updateTable('journal_draft').set({ ...row, updated_at: ctx.now, version: d.version + 1 }).where('id', '=', d.id).execute();
    return toDraft({ ...d, ...row });
  }
  const id = ctx.newId();
  await ctx.db.insertInto('journal_draft').values({ id, branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, ...row }).execute();
  ctx.summarize(`Saved draft entry ${input.memo}`);
  return toDraft({ id, ...row });
}

export async function postDraft(ctx: CommandContext, id: string) {
  const d = await ctx.db.selectFrom('journal_draft').selectAll().where('id', '=', id).executeTakeFirst();
  if (!d) throw notFound('Draft entry');
  if (d.state !== 'draft') throw refuse(`This draft is already ${d.state}`);
  const entryId = await postManual(ctx, { journalId: d.journal_id, date: d.date, memo: d.memo, lines: JSON.parse(d.lines) }, 'manual', d.id);
  await ctx.db.updateTable('journal_draft').set({ state: 'posted', entry_id: entryId, updated_at: ctx.now, version: d.version + 1 }).where('id', '=', d.id).execute();
  ctx.summarize(`Posted draft entry ${d.memo}`);
  return loadEntry(ctx.db, entryId);
}

export async function discardDraft(ctx: CommandContext, id: string) {
  const d = await ctx.db.selectFrom('journal_draft').selectAll().where('id', '=', id).executeTakeFirst();
  if (!d) throw notFound('Draft entry');
  if (d.state !== 'draft') throw refuse(`This draft is already ${d.state}`);
  await ctx.db.updateTable('journal_draft').set({ state: 'discarded', updated_at: ctx.now, version: d.version + 1 }).where('id', '=', d.id).execute();
  return toDraft({ ...d, state: 'discarded' });
}
