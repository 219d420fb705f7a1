import { sql } from 'kysely';
import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, refuse } from '../platform/errors';
import { preparedInsertMany } from '../platform/batch';
import type { AccountType, JournalEntryTable, JournalKind, JournalLineTable } from './schema';
import './schema';

/**
 * Posting journal entries. Every posting goes through `postEntry`: lines are checked (one side,
 * whole minor units, active accounts), the entry must balance, the date must be open (lock
 * dates of the company and of this branch), then lines are written first and the entry last —
 * the database checks the balance again (SQLite: a trigger on the entry; PostgreSQL: a deferred
 * constraint trigger), so a bug or a hand-written INSERT cannot leave the books unbalanced.
 * Posted entries are never changed; `reverseEntry` posts the mirror image.
 */

export interface PostingLine {
  /** An account id, or an account role of the chart (`receivable`, `revenue`, …). */
  account: string;
  debit?: number;
  credit?: number;
  label?: string | null;
  partnerId?: string | null;
  productId?: string | null;
  warehouseId?: string | null;
  channelCode?: string | null;
  customerClass?: string | null;
  taxRateBp?: number | null;
  taxBaseMinor?: number | null;
}

export interface PostingRequest {
  /** A journal kind (its first journal) or a journal id. */
  journal: JournalKind | string;
  /** YYYY-MM-DD */
  date: string;
  memo: string;
  sourceKind: string;
  sourceId?: string | null;
  sourceNumber?: string | null;
  reversalOfId?: string | null;
  lines: PostingLine[];
}

interface AccountInfo {
  id: string;
  code: string;
  name: string;
  type: AccountType;
  role: string | null;
  active: number;
}

interface FinanceSession {
  accounts: Map<string, AccountInfo>;
  byRole: Map<string, AccountInfo>;
  journals: Map<string, { id: string; kind: JournalKind; code: string; default_account_id: string | null }>;
  locks?: Locks;
}

const sessions = new WeakMap<object, FinanceSession>();

// Compiled once: Kysely would compile a multi-row insert on every posting (about a millisecond).
const LINE_COLUMNS = ['id', 'branch_id', 'created_at', 'updated_at', 'version', 'entry_id', 'line_no', 'date', 'account_id', 'debit_minor', 'credit_minor', 'label', 'partner_id', 'product_id', 'warehouse_id', 'channel_code', 'customer_class', 'tax_rate_bp', 'tax_base_minor'] as const;
const insertLines = preparedInsertMany<'journal_line', JournalLineTable & Record<string, unknown>>('journal_line', LINE_COLUMNS);
const ENTRY_COLUMNS = ['id', 'branch_id', 'created_at', 'updated_at', 'version', 'journal_id', 'date', 'memo', 'source_kind', 'source_id', 'source_number', 'reversal_of_id', 'posted_by', 'moved_from_date'] as const;
const insertEntries = preparedInsertMany<'journal_entry', JournalEntryTable & Record<string, unknown>>('journal_entry', ENTRY_COLUMNS);

/** The chart and journals, read once per command (they are small). */
export async function financeSession(ctx: CommandContext | { db: Db | Tx }): Promise<FinanceSession> {
  let s = sessions.get(ctx);
  if (s) return s;
  const [accounts, journals] = await Promise.all([
    ctx.db.selectFrom('account').select(['id', 'code', 'name', 'type', 'role', 'active']).orderBy('code').execute(),
    ctx.db.selectFrom('journal').select(['id', 'kind', 'code', 'default_account_id']).orderBy('code').execute(),
  ]);
  s = { accounts: new Map(), byRole: new Map(), journals: new Map() };
  for (const a of accounts) {
    s.accounts.set(a.id, a);
    if (a.role && a.active && !s.byRole.has(a.role)) s.byRole.set(a.role, a);
  }
  for (const j of journals) {
    s.journals.set(j.id, j);
    if (!s.journals.has(j.kind)) s.journals.set(j.kind, j);
  }
  sessions.set(ctx, s);
  return s;
}

/** Forget the cached chart (after a command edits it). */
export function forgetFinanceSession(ctx: object): void {
  sessions.delete(ctx);
}

export async function accountByRole(ctx: CommandContext | { db: Db | Tx }, role: string): Promise<AccountInfo> {
  const a = (await financeSession(ctx)).byRole.get(role);
  if (!a) throw refuse(`The chart of accounts has no active account for "${role}": set one in Finance → Chart of accounts`);
  return a;
}

export interface Locks {
  softLockDate: string | null;
  hardLockDate: string | null;
  companySoft: string | null;
  companyHard: string | null;
  branchSoft: string | null;
  branchHard: string | null;
}

const maxDate = (a: string | null, b: string | null) => (!a ? b : !b ? a : a > b ? a : b);

export async function readLocks(db: Db | Tx, branchId: string): Promise<Locks> {
  const [company, branch] = await Promise.all([
    db.selectFrom('company_lock').select(['soft_lock_date', 'hard_lock_date']).executeTakeFirst(),
    db.selectFrom('branch_lock').select(['soft_lock_date', 'hard_lock_date']).where('branch_id', '=', branchId).executeTakeFirst(),
  ]);
  const companySoft = company?.soft_lock_date ?? null;
  const companyHard = company?.hard_lock_date ?? null;
  const branchSoft = branch?.soft_lock_date ?? null;
  const branchHard = branch?.hard_lock_date ?? null;
  return {
    companySoft,
    companyHard,
    branchSoft,
    branchHard,
    softLockDate: maxDate(companySoft, branchSoft),
    hardLockDate: maxDate(companyHard, branchHard),
  };
}

/** Refuses a date on or before a hard lock, or a soft lock unless the user is finance. */
export async function assertDateOpen(ctx: CommandContext, date: string): Promise<Locks> {
  const s = await financeSession(ctx);
  const locks = s.locks ?? (s.locks = await readLocks(ctx.db, ctx.branchId));
  if (locks.hardLockDate && date <= locks.hardLockDate) {
    throw new DomainError('BUSINESS_RULE', `The books are closed (hard lock) up to ${locks.hardLockDate}: nothing can be posted on ${date}. Use a later date.`, { field: 'date' });
  }
  if (locks.softLockDate && date <= locks.softLockDate && !ctx.actor.permissions.has('finance.close')) {
    throw new DomainError('BUSINESS_RULE', `The period up to ${locks.softLockDate} is closed: only finance may post on ${date}. Use a later date or ask finance.`, { field: 'date' });
  }
  return locks;
}

export const isIsoDate = (d: string) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;

/**
 * Posts one balanced entry in the command's transaction and returns its id; null when every
 * line is zero (nothing to post — e.g. stock moved at zero cost).
 */
export async function postEntry(ctx: CommandContext, req: PostingRequest): Promise<string | null> {
  const s = await financeSession(ctx);
  if (!isIsoDate(req.date)) throw new DomainError('VALIDATION', `date: use a date like 2026-12-31 (got "${req.date}")`, { fields: [{ path: 'date', message: 'Use a date like 2026-12-31' }] });
  const journal = s.journals.get(req.journal);
  if (!journal) throw refuse(`There is no journal "${req.journal}"`);
  const lines: { line: PostingLine; accountId: string; debit: number; credit: number }[] = [];
  let debit = 0;
  let credit = 0;
  req.lines.forEach((l, i) => {
    const d = l.debit ?? 0;
    const c = l.credit ?? 0;
    const where = `Line ${i + 1}`;
    if (!Number.isSafeInteger(d) || !Number.isSafeInteger(c) || d < 0 || c < 0) throw new DomainError('VALIDATION', `${where}: amounts are whole cents, zero or more`, { fields: [{ path: `lines.${i}`, message: 'Amounts are whole cents, zero or more' }] });
    if (d > 0 && c > 0) throw new DomainError('VALIDATION', `${where}: a line is a debit or a credit, not both`, { fields: [{ path: `lines.${i}`, message: 'A debit or a credit, not both' }] });
    if (d === 0 && c === 0) return;
    const account = s.accounts.get(l.account) ?? s.byRole.get(l.account);
    if (!account) throw new DomainError('VALIDATION', `${where}: there is no account "${l.account}" (or none set for that role)`, { fields: [{ path: `lines.${i}.account`, message: 'Unknown account' }] });
    if (!account.active) throw refuse(`${where}: account ${account.code} ${account.name} is archived`);
    // The request's line is kept as it is, not spread into a new object: a spread per line
    // costs V8 (Node 20) far more than the literal below (a 100-line receipt posts 200 lines).
    lines.push({ line: l, accountId: account.id, debit: d, credit: c });
    debit += d;
    credit += c;
  });
  if (lines.length === 0) return null;
  if (debit !== credit) {
    throw new DomainError('BUSINESS_RULE', `The entry is not balanced: debits ${fmt(debit)}, credits ${fmt(credit)} (difference ${fmt(debit - credit)}). Nothing was posted.`, { debitMinor: debit, creditMinor: credit });
  }
  if (lines.length < 2) throw refuse('An entry needs at least two lines');
  const locks = await assertDateOpen(ctx, req.date);
  if (ctx.dialect === 'postgres' && locks.companySoft && req.date <= locks.companySoft) {
    // Finance posting in its own soft-locked period at the centre: not a late arrival to move.
    await sql`SELECT set_config('branchline.finance_local', 'on', true)`.execute(ctx.db);
  }
  const entryId = ctx.newId();
  const rows = lines.map(({ line: l, accountId, debit: d, credit: c }, i) => ({
    id: ctx.newId(),
    branch_id: ctx.branchId,
    created_at: ctx.now,
    updated_at: ctx.now,
    version: 1,
    entry_id: entryId,
    line_no: i + 1,
    date: req.date,
    account_id: accountId,
    debit_minor: d,
    credit_minor: c,
    label: l.label ?? null,
    partner_id: l.partnerId ?? null,
    product_id: l.productId ?? null,
    warehouse_id: l.warehouseId ?? null,
    channel_code: l.channelCode ?? null,
    customer_class: l.customerClass ?? null,
    tax_rate_bp: l.taxRateBp ?? null,
    tax_base_minor: l.taxBaseMinor ?? null,
  }));
  const entry = {
    id: entryId,
    branch_id: ctx.branchId,
    created_at: ctx.now,
    updated_at: ctx.now,
    version: 1,
    journal_id: journal.id,
    date: req.date,
    memo: req.memo.slice(0, 500),
    source_kind: req.sourceKind,
    source_id: req.sourceId ?? null,
    source_number: req.sourceNumber ?? null,
    reversal_of_id: req.reversalOfId ?? null,
    posted_by: ctx.actor.userId,
    moved_from_date: null,
  };
  const deferred = deferredByCommand.get(ctx);
  if (deferred) {
    deferred.lines.push(...rows);
    deferred.entries.push(entry);
    return entryId;
  }
  // Lines first, the entry last: on SQLite the entry's insert trigger checks the lines' balance.
  await insertLines(ctx.db, rows);
  await insertEntries(ctx.db, [entry]);
  return entryId;
}

type LineRow = JournalLineTable & Record<string, unknown>;
type EntryRow = JournalEntryTable & Record<string, unknown>;
const deferredByCommand = new WeakMap<CommandContext, { lines: LineRow[]; entries: EntryRow[] }>();

export interface DeferredPostings {
  /** How much is waiting now, to come back to if what follows is rolled back. */
  mark(): { lines: number; entries: number };
  /** Forgets the entries posted since `mark` (the work that posted them was rolled back). */
  restore(mark: { lines: number; entries: number }): void;
  /** Writes every waiting entry — all lines first, then the entries, in multi-row statements — and ends the deferral. */
  flush(): Promise<void>;
}

/**
 * For a command that posts many entries and reads none of them back (an import chunk: each
 * paid order posts its invoice and its payment): entries are checked in full by postEntry as
 * always, but written together by `flush`, which the caller runs before its command ends —
 * the lines of every entry, then the entries (SQLite's trigger checks each entry's balance
 * as it is inserted; PostgreSQL's at commit). Nothing may read journal lines or entries of
 * this command before `flush`.
 */
export function deferPostings(ctx: CommandContext): DeferredPostings {
  const pending = { lines: [] as LineRow[], entries: [] as EntryRow[] };
  deferredByCommand.set(ctx, pending);
  return {
    mark: () => ({ lines: pending.lines.length, entries: pending.entries.length }),
    restore(mark) {
      pending.lines.length = mark.lines;
      pending.entries.length = mark.entries;
    },
    async flush() {
      deferredByCommand.delete(ctx);
      const { lines, entries } = pending;
      pending.lines = [];
      pending.entries = [];
      if (lines.length) await insertLines(ctx.db, lines);
      if (entries.length) await insertEntries(ctx.db, entries);
    },
  };
}

/** Posts the mirror image of a posted entry (debits become credits) on `date`. */
export async function reverseEntry(ctx: CommandContext, entryId: string, date: string, reason: string): Promise<string> {
  const entry = await ctx.db.selectFrom('journal_entry').selectAll().where('id', '=', entryId).executeTakeFirst();
  if (!entry) throw new DomainError('NOT_FOUND', 'Journal entry was not found');
  if (entry.reversal_of_id) throw refuse('This entry is itself a reversal; post a new entry instead');
  const already = await ctx.db.selectFrom('journal_entry').select('id').where('reversal_of_id', '=', entryId).executeTakeFirst();
  if (already) throw refuse('This entry has already been reversed');
  const lines = await ctx.db.selectFrom('journal_line').selectAll().where('entry_id', '=', entryId).orderBy('line_no').execute();
  const id = await postEntry(ctx, {
    journal: entry.journal_id,
    date,
    memo: `Reversal of ${entry.memo}: ${reason}`,
    sourceKind: 'reversal',
    sourceId: entry.source_id,
    sourceNumber: entry.source_number,
    reversalOfId: entryId,
    lines: lines.map((l) => ({
      account: l.account_id,
      debit: Number(l.credit_minor),
      credit: Number(l.debit_minor),
      label: l.label,
      partnerId: l.partner_id,
      productId: l.product_id,
      warehouseId: l.warehouse_id,
      channelCode: l.channel_code,
      customerClass: l.customer_class,
      taxRateBp: l.tax_rate_bp,
      taxBaseMinor: l.tax_base_minor === null ? null : -Number(l.tax_base_minor),
    })),
  });
  return id!;
}

export const fmt = (minor: number) => {
  const sign = minor < 0 ? '-' : '';
  const a = Math.abs(minor);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
};

export const todayOf = (ctx: { now: string }) => ctx.now.slice(0, 10);
