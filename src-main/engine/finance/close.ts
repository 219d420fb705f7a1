import { sql } from 'kysely';
import type { z } from 'zod';
import type { BranchSyncState, Checklist, LockState } from '../../../src-shared/contract/finance';
import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, refuse } from '../platform/errors';
import { financeSession, fmt, postEntry, readLocks, todayOf, type PostingLine } from './ledger';

/**
 * Period close. A period is a calendar month. The checklist is computed from the books and the
 * documents each time (never stored), per branch: on a branch install its own documents, at
 * the centre everything. Closing sets lock dates (inclusive): soft — only finance posts on or
 * before it; hard — nobody, and it never moves back. A branch closes its own books offline
 * (branch_lock, replicated); the centre closes the company (company_lock) only when every
 * branch has synced after the period end.
 */

export function periodBounds(period: string): { from: string; to: string } {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const from = `${period}-01`;
  const to = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  return { from, to };
}

const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const LIST = 50;

type Ctx = { db: Db | Tx; dialect: 'sqlite' | 'postgres'; install: { branchId: string | null } };

/** On a branch (SQLite) the checklist covers this branch; at the centre, the company. */
const branchScope = (ctx: Ctx) => (ctx.dialect === 'sqlite' ? (ctx.install.branchId ?? undefined) : undefined);

/** Stock value from the ledger (moves up to the end of `to`) and the stock accounts' balance, same scope. */
export async function stockTieOut(ctx: Ctx, to: string) {
  const scope = branchScope(ctx);
  let mq = ctx.db.selectFrom('stock_move').select((eb) => eb.fn.sum<number>('value_minor').as('v')).where('moved_at', '<', `${nextDay(to)}T00:00:00.000Z`);
  if (scope) mq = mq.where('branch_id', '=', scope);
  let aq = ctx.db
    .selectFrom('journal_line as l')
    .innerJoin('account as a', 'a.id', 'l.account_id')
    .select((eb) => [eb.fn.sum<number>('l.debit_minor').as('d'), eb.fn.sum<number>('l.credit_minor').as('c')])
    .where('a.role', '=', 'stock')
    .where('l.date', '<=', to);
  if (scope) aq = aq.where('l.branch_id', '=', scope);
  const [m, a] = await Promise.all([mq.executeTakeFirst(), aq.executeTakeFirst()]);
  const valuation = Number(m?.v ?? 0);
  const accounts = Number(a?.d ?? 0) - Number(a?.c ?? 0);
  return { valuation, accounts, difference: valuation - accounts };
}

export async function closeChecklist(ctx: Ctx, period: string): Promise<z.infer<typeof Checklist>> {
  const { from, to } = periodBounds(period);
  const scope = branchScope(ctx);
  const end = `${nextDay(to)}T00:00:00.000Z`;
  const items: z.infer<typeof Checklist>['items'] = [];

  // 1. Every delivery invoiced: order lines delivered beyond what was invoiced (orders of the period or before).
  let dq = ctx.db
    .selectFrom('sales_order as o')
    .innerJoin('sales_order_line as l', 'l.order_id', 'o.id')
    .select((eb) => ['o.id', 'o.number', eb.fn.sum<number>(eb('l.qty_delivered', '-', eb.ref('l.qty_invoiced'))).as('q')])
    .where('o.state', '!=', 'cancelled')
    .where('o.order_date', '<', end)
    .whereRef('l.qty_delivered', '>', 'l.qty_invoiced');
  if (scope) dq = dq.where('o.branch_id', '=', scope);
  const uninvoiced = await dq.groupBy(['o.id', 'o.number']).orderBy('o.number').execute();
  items.push({
    key: 'deliveries_invoiced',
    title: 'Every delivery invoiced',
    ok: uninvoiced.length === 0,
    detail: uninvoiced.length === 0 ? 'All delivered goods are invoiced' : `${uninvoiced.length} order(s) have delivered goods not yet invoiced: invoice them (Sales → Invoices → Run)`,
    blocking: uninvoiced.slice(0, LIST).map((o) => ({ kind: 'sales_order', id: o.id, number: o.number, label: `${Number(o.q)} unit(s) delivered, not invoiced` })),
    blockingCount: uninvoiced.length,
  });

  // 2. Receipts: valued into stock against GRNI when received (perpetual), so each is accrued; GRNI shows what awaits a bill.
  let gq = ctx.db
    .selectFrom('journal_line as l')
    .innerJoin('account as a', 'a.id', 'l.account_id')
    .select((eb) => [eb.fn.sum<number>('l.debit_minor').as('d'), eb.fn.sum<number>('l.credit_minor').as('c')])
    .where('a.role', '=', 'grni')
    .where('l.date', '<=', to);
  if (scope) gq = gq.where('l.branch_id', '=', scope);
  const grni = await gq.executeTakeFirst();
  const grniBalance = Number(grni?.c ?? 0) - Number(grni?.d ?? 0);
  items.push({ key: 'receipts_accrued', title: 'Every receipt billed or accrued in GRNI', ok: true, detail: `Receipts are accrued when received; goods received not invoiced: ${fmt(grniBalance)}`, blocking: [], blockingCount: 0 });

  // 3. Bank reconciled: no statement line up to the period end left unmatched.
  let bq = ctx.db.selectFrom('bank_statement_line').select(['id', 'date', 'amount_minor', 'reference']).where('state', '=', 'open').where('date', '<=', to);
  if (scope) bq = bq.where('branch_id', '=', scope);
  const unmatched = await bq.orderBy('date').execute();
  items.push({
    key: 'bank_reconciled',
    title: 'Bank accounts reconciled to the statement',
    ok: unmatched.length === 0,
    detail: unmatched.length === 0 ? 'Every statement line is matched' : `${unmatched.length} statement line(s) not matched: match them in Finance → Bank`,
    blocking: unmatched.slice(0, LIST).map((l) => ({ kind: 'bank_statement_line', id: l.id, number: l.reference, label: `${l.date} ${fmt(Number(l.amount_minor))}` })),
    blockingCount: unmatched.length,
  });

  // 4. Stock valuation equals the stock accounts.
  const tie = await stockTieOut(ctx, to);
  items.push({
    key: 'stock_valuation',
    title: 'Stock valuation equals the stock accounts',
    ok: tie.difference === 0,
    detail: `Valuation ${fmt(tie.valuation)}, stock accounts ${fmt(tie.accounts)}${tie.difference ? `, difference ${fmt(tie.difference)} (post the opening stock value: Finance → Close → Align opening stock)` : ''}`,
    blocking: [],
    blockingCount: tie.difference === 0 ? 0 : 1,
  });

  // 5. No draft entries dated up to the period end.
  let rq = ctx.db.selectFrom('journal_draft').select(['id', 'date', 'memo']).where('state', '=', 'draft').where('date', '<=', to);
  if (scope) rq = rq.where('branch_id', '=', scope);
  const drafts = await rq.orderBy('date').execute();
  items.push({
    key: 'no_drafts',
    title: 'No draft entries',
    ok: drafts.length === 0,
    detail: drafts.length === 0 ? 'No drafts' : `${drafts.length} draft entr${drafts.length === 1 ? 'y' : 'ies'}: post or discard them`,
    blocking: drafts.slice(0, LIST).map((d) => ({ kind: 'journal_draft', id: d.id, number: null, label: `${d.date} ${d.memo}` })),
    blockingCount: drafts.length,
  });

  // 6. No open sync exceptions raised up to the period end.
  let xq = ctx.db.selectFrom('sync_exception').select(['id', 'kind', 'message', 'document_id']).where('status', '=', 'open').where('created_at', '<', end);
  if (scope) xq = xq.where((eb) => eb.or([eb('branch_id', '=', scope), eb('origin_branch_id', '=', scope)]));
  const exceptions = await xq.orderBy('created_at').execute();
  items.push({
    key: 'no_sync_exceptions',
    title: 'No open sync exceptions',
    ok: exceptions.length === 0,
    detail: exceptions.length === 0 ? 'None open' : `${exceptions.length} open sync exception(s): resolve them in Admin → Sync`,
    blocking: exceptions.slice(0, LIST).map((x) => ({ kind: 'sync_exception', id: x.id, number: x.document_id, label: x.message })),
    blockingCount: exceptions.length,
  });

  // 7. Ledger integrity: no journal line without its entry (SQLite has no foreign key there), debits = credits.
  let oq = ctx.db
    .selectFrom('journal_line as l')
    .select(['l.id', 'l.entry_id', 'l.date'])
    .where('l.date', '<=', to)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('journal_entry as e').select('e.id').whereRef('e.id', '=', 'l.entry_id'))));
  if (scope) oq = oq.where('l.branch_id', '=', scope);
  const orphans = await oq.limit(1000).execute();
  let tq = ctx.db.selectFrom('journal_line').select((eb) => [eb.fn.sum<number>('debit_minor').as('d'), eb.fn.sum<number>('credit_minor').as('c')]).where('date', '<=', to);
  if (scope) tq = tq.where('branch_id', '=', scope);
  const totals = await tq.executeTakeFirst();
  const off = Number(totals?.d ?? 0) - Number(totals?.c ?? 0);
  items.push({
    key: 'ledger_integrity',
    title: 'Ledger integrity',
    ok: orphans.length === 0 && off === 0,
    detail: orphans.length === 0 && off === 0 ? 'Every line belongs to a posted entry; debits equal credits' : `${orphans.length} line(s) without an entry; debits − credits = ${fmt(off)}. The database was written outside Branchline: restore it or ask support`,
    blocking: orphans.slice(0, LIST).map((o) => ({ kind: 'journal_line', id: o.id, number: null, label: `${o.date} line of missing entry ${o.entry_id}` })),
    blockingCount: orphans.length,
  });

  return { period, from, to, branchId: scope ?? 'company', items, ready: items.every((i) => i.ok) };
}

const lockState = (l: Awaited<ReturnType<typeof readLocks>>): z.infer<typeof LockState> => ({ companySoft: l.companySoft, companyHard: l.companyHard, branchSoft: l.branchSoft, branchHard: l.branchHard });

export async function currentLocks(ctx: { db: Db | Tx; install: { branchId: string | null } }) {
  return lockState(await readLocks(ctx.db, ctx.install.branchId ?? 'unassigned'));
}

async function setBranchLock(ctx: CommandContext, soft: string | null, hard: string | null) {
  const row = await ctx.db.selectFrom('branch_lock').selectAll().where('branch_id', '=', ctx.branchId).executeTakeFirst();
  if (row) {
    await ctx.db.updateTable('branch_lock').set({ soft_lock_date: soft, hard_lock_date: hard, closed_by: ctx.actor.userId, updated_at: ctx.now, version: row.version + 1 }).where('id', '=', row.id).execute();
  } else {
    await ctx.db.insertInto('branch_lock').values({ id: ctx.newId(), branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1, soft_lock_date: soft, hard_lock_date: hard, closed_by: ctx.actor.userId }).execute();
  }
}

const later = (a: string | null, b: string) => (a && a > b ? a : b);

/** Closes a month at this branch: needs a clean checklist (a soft close may be forced). Works offline. */
export async function closeBranchPeriod(ctx: CommandContext, input: { period: string; lock: 'soft' | 'hard'; force: boolean }) {
  const { to } = periodBounds(input.period);
  if (to >= todayOf(ctx)) throw new DomainError('BUSINESS_RULE', `${input.period} has not ended yet: it can be closed from ${nextDay(to)}`, { field: 'period' });
  const checklist = await closeChecklist(ctx, input.period);
  if (!checklist.ready && (input.lock === 'hard' || !input.force)) {
    const open = checklist.items.filter((i) => !i.ok).map((i) => i.title.toLowerCase());
    throw new DomainError('BUSINESS_RULE', `${input.period} cannot be closed yet: ${open.join('; ')}. See the close checklist.`, { items: checklist.items.filter((i) => !i.ok).map((i) => i.key) });
  }
  const locks = await readLocks(ctx.db, ctx.branchId);
  const soft = later(locks.branchSoft, to);
  const hard = input.lock === 'hard' ? later(locks.branchHard, to) : locks.branchHard;
  await setBranchLock(ctx, soft, hard);
  ctx.summarize(`Closed ${input.period} at this branch (${input.lock} lock${input.force && !checklist.ready ? ', forced' : ''})`);
  return currentLocks({ db: ctx.db, install: { branchId: ctx.branchId } });
}

export async function reopenBranch(ctx: CommandContext, softLockDate: string | null) {
  const locks = await readLocks(ctx.db, ctx.branchId);
  if (locks.branchHard && (softLockDate === null || softLockDate < locks.branchHard)) {
    throw new DomainError('BUSINESS_RULE', `The books are hard-locked up to ${locks.branchHard}; that can never be reopened`, { field: 'softLockDate' });
  }
  await setBranchLock(ctx, softLockDate, locks.branchHard);
  ctx.summarize(`Moved this branch's soft lock to ${softLockDate ?? 'none'}`);
  return currentLocks({ db: ctx.db, install: { branchId: ctx.branchId } });
}

/** Branches that can post (a registered install) and whether each has synced after `date`; at the centre only. */
export async function branchSyncStates(ctx: Ctx, date: string | null): Promise<z.infer<typeof BranchSyncState>[]> {
  if (ctx.dialect !== 'postgres') return [];
  const rows = await sql<{ id: string; code: string; name: string; last_seen: string | null; soft: string | null }>`
    SELECT b.id, b.code, b.name, max(c.last_seen_at)::text AS last_seen, bl.soft_lock_date AS soft
    FROM branch b JOIN sync_client c ON c.branch_id = b.id AND c.retired = 0
    LEFT JOIN branch_lock bl ON bl.branch_id = b.id
    GROUP BY b.id, b.code, b.name, bl.soft_lock_date ORDER BY b.code`.execute(ctx.db);
  const after = date ? `${nextDay(date)}T00:00:00Z` : null;
  return rows.rows.map((r) => {
    const lastSyncAt = r.last_seen ? new Date(r.last_seen).toISOString() : null;
    const behind = !!after && (!lastSyncAt || lastSyncAt < new Date(after).toISOString());
    return { branchId: r.id, code: r.code, name: r.name, lastSyncAt, closedUntil: r.soft, behind, reason: behind ? `${r.code} ${r.name} last synced ${lastSyncAt ? lastSyncAt.slice(0, 16).replace('T', ' ') : 'never'}: it must sync after ${date} first` : null };
  });
}

/** The company-wide close, at the centre, when every branch has synced past the period end. */
export async function closeCompany(ctx: CommandContext, input: { period: string; lock: 'soft' | 'hard' }) {
  const { to } = periodBounds(input.period);
  if (to >= todayOf(ctx)) throw new DomainError('BUSINESS_RULE', `${input.period} has not ended yet`, { field: 'period' });
  const behind = (await branchSyncStates(ctx, to)).filter((b) => b.behind);
  if (behind.length > 0) {
    throw new DomainError('BUSINESS_RULE', `The company cannot close ${input.period} yet: ${behind.map((b) => b.reason).join('; ')}`, { branches: behind.map((b) => b.code) });
  }
  const row = await ctx.db.selectFrom('company_lock').selectAll().executeTakeFirstOrThrow();
  const soft = later(row.soft_lock_date, to);
  const hard = input.lock === 'hard' ? later(row.hard_lock_date, to) : row.hard_lock_date;
  await ctx.db.updateTable('company_lock').set({ soft_lock_date: soft, hard_lock_date: hard, updated_at: ctx.now, version: row.version + 1 }).where('id', '=', row.id).execute();
  ctx.summarize(`Closed ${input.period} for the company (${input.lock} lock)`);
  return currentLocks({ db: ctx.db, install: { branchId: ctx.branchId } });
}

/** Year-end: every income and expense balance of the year is moved to retained earnings (dated 31 December). */
export async function closeYear(ctx: CommandContext, year: number): Promise<string> {
  const from = `${year}-01-01`;
  const to = `${year}-12-31`;
  if (to >= todayOf(ctx)) throw new DomainError('BUSINESS_RULE', `${year} has not ended yet`, { field: 'year' });
  const done = await ctx.db.selectFrom('journal_entry').select('id').where('source_kind', '=', 'year_end').where('source_number', '=', `YE-${year}`).executeTakeFirst();
  if (done) throw refuse(`${year} is already closed to retained earnings`);
  const rows = await ctx.db
    .selectFrom('journal_line as l')
    .innerJoin('account as a', 'a.id', 'l.account_id')
    .select((eb) => ['l.account_id', eb.fn.sum<number>('l.debit_minor').as('d'), eb.fn.sum<number>('l.credit_minor').as('c')])
    .where('a.type', 'in', ['income', 'expense'])
    .where('l.date', '>=', from)
    .where('l.date', '<=', to)
    .groupBy('l.account_id')
    .execute();
  const lines: PostingLine[] = [];
  let result = 0;
  for (const r of rows) {
    const bal = Number(r.d ?? 0) - Number(r.c ?? 0);
    if (bal === 0) continue;
    lines.push(bal > 0 ? { account: r.account_id, credit: bal, label: `Close ${year}` } : { account: r.account_id, debit: -bal, label: `Close ${year}` });
    result -= bal;
  }
  if (lines.length === 0) throw refuse(`${year} has no income or expense to close`);
  lines.push(result >= 0 ? { account: 'retained_earnings', credit: result, label: `Result ${year}` } : { account: 'retained_earnings', debit: -result, label: `Result ${year}` });
  await financeSession(ctx);
  const id = await postEntry(ctx, { journal: 'misc', date: to, memo: `Year-end ${year}: result to retained earnings`, sourceKind: 'year_end', sourceNumber: `YE-${year}`, lines });
  ctx.summarize(`Closed ${year}: result ${fmt(result)} to retained earnings`);
  return id!;
}

/**
 * Posts the difference between the stock ledger's value and the stock accounts as of `date`
 * (stock history loaded before finance, e.g. the demo's) against retained earnings.
 */
export async function alignOpeningStock(ctx: CommandContext, date = todayOf(ctx)) {
  const r = await postOpeningStock(ctx, date);
  if (r.entryId) ctx.summarize(`Posted opening stock value ${fmt(r.differenceMinor)}`);
  return r;
}

/** Posts the stock ledger's value not in the stock accounts at `date` (valuation − accounts) against retained earnings. */
async function postOpeningStock(ctx: CommandContext, date: string, memo = 'Opening stock value (stock ledger history before finance)') {
  const tie = await stockTieOut(ctx, date);
  if (tie.difference === 0) return { entryId: null, differenceMinor: 0 };
  const d = tie.difference;
  const entryId = await postEntry(ctx, {
    journal: 'stock',
    date,
    memo,
    sourceKind: 'opening',
    lines: [
      { account: 'stock', ...(d > 0 ? { debit: d } : { credit: -d }) },
      { account: 'retained_earnings', ...(d > 0 ? { credit: d } : { debit: -d }) },
    ],
  });
  return { entryId, differenceMinor: d };
}

/**
 * Stock history loaded without postings (the demo's year of moves): posts its value at every
 * month end from the first move, then today, so the stock accounts equal the valuation at each
 * month end and the close checklist's stock item holds from the start. Returns the entries.
 */
export async function alignStockHistory(ctx: CommandContext): Promise<number> {
  const first = await ctx.db.selectFrom('stock_move').select((eb) => eb.fn.min('moved_at').as('at')).executeTakeFirst();
  if (!first?.at) return 0;
  const today = todayOf(ctx);
  let posted = 0;
  for (let month = String(first.at).slice(0, 7); month < today.slice(0, 7); month = nextDay(periodBounds(month).to).slice(0, 7)) {
    const end = periodBounds(month).to;
    if ((await postOpeningStock(ctx, end, `Stock history value to ${end}`)).entryId) posted++;
  }
  if ((await postOpeningStock(ctx, today, `Stock history value to ${today}`)).entryId) posted++;
  return posted;
}

