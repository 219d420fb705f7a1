import { sql } from 'kysely';
import type { Db, Tx } from '../platform/db';
import { notFound } from '../platform/errors';
import type { AccountType } from './schema';

/**
 * Account totals come from account_balance (per account, day and branch; kept by a trigger on
 * every journal line, so it always agrees with the lines); line-level reports read the lines
 * (covering index journal_line_tb: account, date, branch → debit, credit). Signs: assets and
 * expenses are debit − credit; liabilities, equity and income credit − debit.
 */

interface Scope {
  from?: string;
  to: string;
  branchId?: string;
}

/** Debit and credit per account in the scope, from the trigger-kept daily balances. */
export async function accountSums(db: Db | Tx, scope: Scope) {
  let q = db
    .selectFrom('account_balance')
    .select((eb) => ['account_id', eb.fn.sum<number>('debit_minor').as('d'), eb.fn.sum<number>('credit_minor').as('c')])
    .where('date', '<=', scope.to);
  if (scope.from) q = q.where('date', '>=', scope.from);
  if (scope.branchId) q = q.where('branch_id', '=', scope.branchId);
  const rows = await q.groupBy('account_id').execute();
  return new Map(rows.map((r) => [r.account_id, { debit: Number(r.d ?? 0), credit: Number(r.c ?? 0) }]));
}

async function chart(db: Db | Tx) {
  return db.selectFrom('account').select(['id', 'code', 'name', 'type', 'role']).orderBy('code').execute();
}

const natural = (type: AccountType, debit: number, credit: number) => (type === 'asset' || type === 'expense' ? debit - credit : credit - debit);

export async function trialBalance(db: Db | Tx, scope: Scope) {
  const [sums, accounts] = await Promise.all([accountSums(db, scope), chart(db)]);
  let debit = 0;
  let credit = 0;
  const rows = [];
  for (const a of accounts) {
    const s = sums.get(a.id);
    if (!s) continue;
    debit += s.debit;
    credit += s.credit;
    rows.push({ accountId: a.id, code: a.code, name: a.name, type: a.type, debitMinor: s.debit, creditMinor: s.credit, balanceMinor: s.debit - s.credit });
  }
  return { from: scope.from ?? null, to: scope.to, branchId: scope.branchId ?? null, rows, debitMinor: debit, creditMinor: credit };
}

export async function profitLoss(db: Db | Tx, input: { from: string; to: string; compareFrom?: string; compareTo?: string; branchId?: string }) {
  const [sums, accounts] = await Promise.all([accountSums(db, input), chart(db)]);
  const compare = input.compareFrom && input.compareTo ? await accountSums(db, { from: input.compareFrom, to: input.compareTo, branchId: input.branchId }) : null;
  const rowsOf = (type: 'income' | 'expense') =>
    accounts
      .filter((a) => a.type === type && (sums.has(a.id) || compare?.has(a.id)))
      .map((a) => {
        const s = sums.get(a.id);
        const c = compare?.get(a.id);
        return { accountId: a.id, code: a.code, name: a.name, type: a.type, amountMinor: s ? natural(a.type, s.debit, s.credit) : 0, compareMinor: compare ? (c ? natural(a.type, c.debit, c.credit) : 0) : null };
      });
  const income = rowsOf('income');
  const expense = rowsOf('expense');
  const incomeMinor = income.reduce((t, r) => t + r.amountMinor, 0);
  const expenseMinor = expense.reduce((t, r) => t + r.amountMinor, 0);
  const compareResultMinor = compare ? income.reduce((t, r) => t + (r.compareMinor ?? 0), 0) - expense.reduce((t, r) => t + (r.compareMinor ?? 0), 0) : null;
  return { income, expense, incomeMinor, expenseMinor, resultMinor: incomeMinor - expenseMinor, compareResultMinor };
}

export async function balanceSheet(db: Db | Tx, input: { at: string; branchId?: string }) {
  const [sums, accounts] = await Promise.all([accountSums(db, { to: input.at, branchId: input.branchId }), chart(db)]);
  const rowsOf = (type: AccountType) =>
    accounts
      .filter((a) => a.type === type && sums.has(a.id))
      .map((a) => ({ accountId: a.id, code: a.code, name: a.name, type: a.type, amountMinor: natural(a.type, sums.get(a.id)!.debit, sums.get(a.id)!.credit), compareMinor: null }));
  const sum = (rows: { amountMinor: number }[]) => rows.reduce((t, r) => t + r.amountMinor, 0);
  const assets = rowsOf('asset');
  const liabilities = rowsOf('liability');
  const equity = rowsOf('equity');
  // Income and expense not yet closed to retained earnings belong to equity.
  const unclosedResultMinor = sum(rowsOf('income')) - sum(rowsOf('expense'));
  return { assets, liabilities, equity, assetsMinor: sum(assets), liabilitiesMinor: sum(liabilities), equityMinor: sum(equity) + unclosedResultMinor, unclosedResultMinor };
}

export async function generalLedger(db: Db | Tx, input: { accountId: string; from?: string; to: string; branchId?: string; offset: number; limit: number }) {
  const account = await db.selectFrom('account').select(['id', 'type']).where('id', '=', input.accountId).executeTakeFirst();
  if (!account) throw notFound('Account');
  const base = () => {
    let q = db.selectFrom('journal_line as l').where('l.account_id', '=', input.accountId).where('l.date', '<=', input.to);
    if (input.from) q = q.where('l.date', '>=', input.from);
    if (input.branchId) q = q.where('l.branch_id', '=', input.branchId);
    return q;
  };
  let openingQ = db.selectFrom('journal_line').select((eb) => [eb.fn.sum<number>('debit_minor').as('d'), eb.fn.sum<number>('credit_minor').as('c')]).where('account_id', '=', input.accountId);
  openingQ = input.from ? openingQ.where('date', '<', input.from) : openingQ.where(sql<boolean>`1 = 0`);
  if (input.branchId) openingQ = openingQ.where('branch_id', '=', input.branchId);
  const opening = await openingQ.executeTakeFirst();
  const openingMinor = Number(opening?.d ?? 0) - Number(opening?.c ?? 0);
  // Running balance: the opening balance plus every line before this page, then line by line.
  const before = input.offset
    ? await db
        .selectFrom(base().select(['l.debit_minor', 'l.credit_minor']).orderBy('l.date').orderBy('l.entry_id').orderBy('l.line_no').limit(input.offset).as('x'))
        .select((eb) => [eb.fn.sum<number>('x.debit_minor').as('d'), eb.fn.sum<number>('x.credit_minor').as('c')])
        .executeTakeFirst()
    : null;
  let balance = openingMinor + Number(before?.d ?? 0) - Number(before?.c ?? 0);
  const [rows, count] = await Promise.all([
    base()
      .innerJoin('journal_entry as e', 'e.id', 'l.entry_id')
      .select(['l.id', 'l.entry_id', 'l.date', 'e.memo', 'l.label', 'l.debit_minor', 'l.credit_minor', 'e.source_kind', 'e.source_id', 'e.source_number'])
      .orderBy('l.date')
      .orderBy('l.entry_id')
      .orderBy('l.line_no')
      .offset(input.offset)
      .limit(input.limit)
      .execute(),
    base().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    openingMinor,
    total: Number(count.n),
    rows: rows.map((r) => {
      balance += Number(r.debit_minor) - Number(r.credit_minor);
      return { lineId: r.id, entryId: r.entry_id, date: r.date, memo: r.memo, label: r.label, debitMinor: Number(r.debit_minor), creditMinor: Number(r.credit_minor), balanceMinor: balance, sourceKind: r.source_kind, sourceId: r.source_id, sourceNumber: r.source_number };
    }),
  };
}

/** channel margin = (revenue − cost of goods sold) ÷ revenue, by channel (GLOSSARY; channel fees are not booked yet). */
export async function channelMargin(db: Db | Tx, input: { from: string; to: string; by: 'channel' | 'customer_class' | 'warehouse'; branchId?: string }) {
  const col = input.by === 'channel' ? 'l.channel_code' : input.by === 'customer_class' ? 'l.customer_class' : 'l.warehouse_id';
  let q = db
    .selectFrom('journal_line as l')
    .innerJoin('account as a', 'a.id', 'l.account_id')
    .select((eb) => [sql<string | null>`${sql.ref(col)}`.as('k'), 'a.role', eb.fn.sum<number>('l.debit_minor').as('d'), eb.fn.sum<number>('l.credit_minor').as('c')])
    .where('a.role', 'in', ['revenue', 'sales_returns', 'cogs'])
    .where('l.date', '>=', input.from)
    .where('l.date', '<=', input.to);
  if (input.branchId) q = q.where('l.branch_id', '=', input.branchId);
  const rows = await q.groupBy([sql.ref(col), 'a.role']).execute();
  const out = new Map<string, { revenue: number; cogs: number }>();
  for (const r of rows) {
    const key = r.k ?? '(none)';
    const m = out.get(key) ?? { revenue: 0, cogs: 0 };
    if (r.role === 'cogs') m.cogs += Number(r.d ?? 0) - Number(r.c ?? 0);
    else m.revenue += Number(r.c ?? 0) - Number(r.d ?? 0);
    out.set(key, m);
  }
  return [...out.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, m]) => ({ key, revenueMinor: m.revenue, cogsMinor: m.cogs, marginMinor: m.revenue - m.cogs, marginBp: m.revenue !== 0 ? Math.round(((m.revenue - m.cogs) * 10000) / m.revenue) : null }));
}

/** Tax per rate: tax from the tax accounts' lines, base from the revenue lines of the same rate. */
export async function taxReport(db: Db | Tx, input: { from: string; to: string; branchId?: string }) {
  let q = db
    .selectFrom('journal_line as l')
    .innerJoin('account as a', 'a.id', 'l.account_id')
    .select((eb) => ['l.tax_rate_bp', 'a.role', eb.fn.sum<number>('l.debit_minor').as('d'), eb.fn.sum<number>('l.credit_minor').as('c'), eb.fn.sum<number>('l.tax_base_minor').as('b')])
    .where('l.tax_rate_bp', 'is not', null)
    .where('a.role', 'in', ['revenue', 'sales_returns', 'tax_out', 'tax_in'])
    .where('l.date', '>=', input.from)
    .where('l.date', '<=', input.to);
  if (input.branchId) q = q.where('l.branch_id', '=', input.branchId);
  const rows = await q.groupBy(['l.tax_rate_bp', 'a.role']).execute();
  const out = new Map<number, { base: number; tax: number; inputBase: number; inputTax: number }>();
  for (const r of rows) {
    const m = out.get(r.tax_rate_bp!) ?? { base: 0, tax: 0, inputBase: 0, inputTax: 0 };
    const amount = Number(r.c ?? 0) - Number(r.d ?? 0);
    if (r.role === 'tax_out') m.tax += amount;
    else if (r.role === 'tax_in') {
      // Input tax lines carry their signed base (vendor bills; a reversal negates it).
      m.inputTax -= amount;
      m.inputBase += Number(r.b ?? 0);
    } else m.base += amount;
    out.set(r.tax_rate_bp!, m);
  }
  return [...out.entries()]
    .sort(([a], [b]) => a - b)
    .map(([rateBp, m]) => ({ rateBp, baseMinor: m.base, taxMinor: m.tax, inputBaseMinor: m.inputBase, inputTaxMinor: m.inputTax, netMinor: m.tax - m.inputTax }));
}

const DAY = 86_400_000;
const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);

/** Aged receivables from the open invoices (credit notes and unallocated payments as credit). */
export async function agedReceivables(db: Db | Tx, at: string) {
  const [invoices, payments] = await Promise.all([
    db
      .selectFrom('invoice as i')
      .innerJoin('partner as p', 'p.id', 'i.partner_id')
      .select(['i.partner_id', 'p.name', 'i.due_date', 'i.total_minor', 'i.paid_minor'])
      .where('i.state', '=', 'open')
      .where('i.invoice_date', '<=', at)
      .execute(),
    db
      .selectFrom('payment as y')
      .innerJoin('partner as p', 'p.id', 'y.partner_id')
      .select(['y.partner_id', 'p.name', (eb) => eb.fn.sum<number>(eb('y.amount_minor', '-', eb.ref('y.allocated_minor'))).as('free')])
      .where('y.direction', '=', 'in')
      .where('y.date', '<=', at)
      .groupBy(['y.partner_id', 'p.name'])
      .execute(),
  ]);
  const rows = agingRows();
  for (const i of invoices) {
    const open = Number(i.total_minor) - Number(i.paid_minor);
    if (open === 0) continue;
    const r = rows.of(i.partner_id, i.name);
    if (open < 0) r.creditMinor += open;
    else addToBucket(r, daysBetween(i.due_date, at), open);
    r.totalMinor += open;
  }
  for (const p of payments) {
    const free = Number(p.free ?? 0);
    if (free <= 0) continue;
    const r = rows.of(p.partner_id, p.name);
    r.creditMinor -= free;
    r.totalMinor -= free;
  }
  return rows.done(at);
}

type AgingRow = { partnerId: string; partnerName: string; currentMinor: number; d1to30Minor: number; d31to60Minor: number; d61to90Minor: number; over90Minor: number; totalMinor: number; creditMinor: number };

/** Aging rows per partner, sorted by amount owed. */
function agingRows() {
  const rows = new Map<string, AgingRow>();
  return {
    of(id: string, name: string) {
      let r = rows.get(id);
      if (!r) rows.set(id, (r = { partnerId: id, partnerName: name, currentMinor: 0, d1to30Minor: 0, d31to60Minor: 0, d61to90Minor: 0, over90Minor: 0, totalMinor: 0, creditMinor: 0 }));
      return r;
    },
    drop(id: string) {
      rows.delete(id);
    },
    done(at: string) {
      const list = [...rows.values()].sort((a, b) => b.totalMinor - a.totalMinor || a.partnerName.localeCompare(b.partnerName));
      return { at, rows: list, totalMinor: list.reduce((t, r) => t + r.totalMinor, 0) };
    },
  };
}

/** Current, 1–30, 31–60, 61–90, over 90 days past due. */
function addToBucket(r: AgingRow, late: number, amount: number) {
  if (late <= 0) r.currentMinor += amount;
  else if (late <= 30) r.d1to30Minor += amount;
  else if (late <= 60) r.d31to60Minor += amount;
  else if (late <= 90) r.d61to90Minor += amount;
  else r.over90Minor += amount;
}

/**
 * Aged payables per vendor, read from the payable account (so the total is its balance at the
 * date): each vendor bill's entry credits what is owed (bill + input tax) with the bill's due
 * date; payments to the vendor (debits) settle the bills oldest due first — vendor payments are
 * not allocated to bills — and what they pay beyond the bills is an advance (`creditMinor`,
 * negative). Lines without a bill age from their own date.
 */
export async function agedPayables(db: Db | Tx, at: string) {
  const lines = await db
    .selectFrom('journal_line as l')
    .innerJoin('account as a', 'a.id', 'l.account_id')
    .innerJoin('journal_entry as e', 'e.id', 'l.entry_id')
    .leftJoin('vendor_bill as b', (j) => j.onRef('b.id', '=', 'e.source_id').on('e.source_kind', '=', 'bill'))
    .leftJoin('partner as p', 'p.id', 'l.partner_id')
    .select((eb) => ['l.partner_id', 'p.name', eb.fn.coalesce('b.due_date', 'l.date').as('due'), eb.fn.sum<number>('l.credit_minor').as('c'), eb.fn.sum<number>('l.debit_minor').as('d')])
    .where('a.role', '=', 'payable')
    .where('l.date', '<=', at)
    .groupBy(['l.partner_id', 'p.name', 'e.id', 'b.due_date', 'l.date'])
    .execute();
  const byVendor = new Map<string, { name: string; owed: { due: string; amount: number }[]; paid: number }>();
  for (const l of lines) {
    const key = l.partner_id ?? '';
    const v = byVendor.get(key) ?? { name: l.name ?? '(no partner)', owed: [], paid: 0 };
    const net = Number(l.c ?? 0) - Number(l.d ?? 0);
    if (net > 0) v.owed.push({ due: String(l.due), amount: net });
    else v.paid -= net;
    byVendor.set(key, v);
  }
  const rows = agingRows();
  for (const [id, v] of byVendor) {
    let paid = v.paid;
    const r = rows.of(id, v.name);
    for (const o of v.owed.sort((a, b) => a.due.localeCompare(b.due))) {
      const open = o.amount - Math.min(paid, o.amount);
      paid -= o.amount - open;
      if (open > 0) addToBucket(r, daysBetween(o.due, at), open);
      r.totalMinor += open;
    }
    r.creditMinor -= paid;
    r.totalMinor -= paid;
    if (r.totalMinor === 0 && r.creditMinor === 0) rows.drop(id);
  }
  const done = rows.done(at);
  return { ...done, rows: done.rows.map((r) => Object.assign(r, { partnerId: r.partnerId || null })) };
}

export async function dunningList(db: Db | Tx, at: string, minDaysOverdue: number) {
  const cutoff = new Date(Date.parse(`${at}T00:00:00Z`) - minDaysOverdue * DAY).toISOString().slice(0, 10);
  const rows = await db
    .selectFrom('invoice as i')
    .innerJoin('partner as p', 'p.id', 'i.partner_id')
    .select(['i.id', 'i.number', 'i.partner_id', 'p.name', 'i.due_date', 'i.total_minor', 'i.paid_minor'])
    .where('i.state', '=', 'open')
    .where('i.total_minor', '>', 0)
    .where('i.due_date', '<', minDaysOverdue === 0 ? at : cutoff)
    .orderBy('i.due_date')
    .execute();
  const out = new Map<string, { partnerId: string; partnerName: string; overdueMinor: number; oldestDueDate: string; maxDaysOverdue: number; invoices: { id: string; number: string; dueDate: string; openMinor: number }[] }>();
  for (const r of rows) {
    const open = Number(r.total_minor) - Number(r.paid_minor);
    let d = out.get(r.partner_id);
    if (!d) out.set(r.partner_id, (d = { partnerId: r.partner_id, partnerName: r.name, overdueMinor: 0, oldestDueDate: r.due_date, maxDaysOverdue: daysBetween(r.due_date, at), invoices: [] }));
    d.overdueMinor += open;
    d.invoices.push({ id: r.id, number: r.number, dueDate: r.due_date, openMinor: open });
  }
  return [...out.values()].sort((a, b) => b.maxDaysOverdue - a.maxDaysOverdue || b.overdueMinor - a.overdueMinor);
}

/**
 * Gapless proof: per series (the number without its 6-digit counter) the numbers used must be
 * exactly 1..last, none twice, and the series' next number must be last + 1.
 */
export async function invoiceNumberProof(db: Db | Tx) {
  const rows = await db.selectFrom('invoice').select(['number']).execute();
  const series = new Map<string, number[]>();
  for (const r of rows) {
    const m = /^(.*?)(\d{6,})$/.exec(r.number);
    if (!m) continue;
    const list = series.get(m[1]!) ?? [];
    list.push(Number(m[2]));
    series.set(m[1]!, list);
  }
  const prefixes = [...series.keys()];
  const next = prefixes.length ? await db.selectFrom('document_series').select(['prefix', 'next_number']).where('prefix', 'in', prefixes).execute() : [];
  const nextOf = new Map(next.map((n) => [n.prefix, Number(n.next_number)]));
  return prefixes.sort().map((prefix) => {
    const nums = series.get(prefix)!.sort((a, b) => a - b);
    const seen = new Set<number>();
    const duplicates: string[] = [];
    for (const n of nums) {
      if (seen.has(n)) duplicates.push(`${prefix}${String(n).padStart(6, '0')}`);
      seen.add(n);
    }
    const last = nums.at(-1)!;
    const gaps: number[] = [];
    for (let n = 1; n <= last && gaps.length < 1000; n++) if (!seen.has(n)) gaps.push(n);
    const nextNumber = nextOf.get(prefix) ?? null;
    return { series: prefix, count: nums.length, first: nums[0]!, last, nextNumber, gaps, duplicates, ok: gaps.length === 0 && duplicates.length === 0 && (nextNumber === null || nextNumber === last + 1) };
  });
}
