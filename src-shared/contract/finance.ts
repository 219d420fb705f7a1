import { z } from 'zod';
import { Id, PageInput, pageOf, text } from './common';
import { command, query } from './method';

/** Finance: chart of accounts, journals, entries, payments, bank statements, period close, reports. */

export const ACCOUNT_TYPES = ['asset', 'liability', 'equity', 'income', 'expense'] as const;
export const JOURNAL_KINDS = ['sales', 'purchase', 'bank', 'cash', 'stock', 'misc'] as const;
export const LOCK_KINDS = ['soft', 'hard'] as const;

export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Use a date like 2026-12-31' });
export const Period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'Use a month like 2026-11' });
const Amount = z.number({ message: 'Must be an amount in cents' }).int({ message: 'Whole cents only' }).min(0, { message: 'Cannot be negative' }).max(1e13);

export const Account = z.object({
  id: Id,
  code: z.string(),
  name: z.string(),
  type: z.enum(ACCOUNT_TYPES),
  role: z.string().nullable(),
  reconcile: z.boolean(),
  active: z.boolean(),
});

export const Journal = z.object({ id: Id, code: z.string(), name: z.string(), kind: z.enum(JOURNAL_KINDS), defaultAccountId: Id.nullable() });

export const EntryLineInput = z
  .object({
    accountId: Id,
    debitMinor: Amount.default(0),
    creditMinor: Amount.default(0),
    label: text('Label', 200).optional(),
    partnerId: Id.optional(),
    warehouseId: Id.optional(),
    channelCode: z.string().max(40).optional(),
    customerClass: z.string().max(40).optional(),
  })
  .strict();

export const EntryInput = z
  .object({
    journalId: Id,
    date: IsoDate,
    memo: text('Memo', 500, 1),
    lines: z.array(EntryLineInput).min(2, { message: 'An entry needs at least two lines' }).max(500),
  })
  .strict();

export const EntryLine = z.object({
  id: Id,
  lineNo: z.number().int(),
  accountId: Id,
  accountCode: z.string(),
  accountName: z.string(),
  debitMinor: z.number().int(),
  creditMinor: z.number().int(),
  label: z.string().nullable(),
  partnerId: z.string().nullable(),
  productId: z.string().nullable(),
  warehouseId: z.string().nullable(),
  channelCode: z.string().nullable(),
  customerClass: z.string().nullable(),
  branchId: z.string(),
});

export const EntrySummary = z.object({
  id: Id,
  date: z.string(),
  journalCode: z.string(),
  memo: z.string(),
  sourceKind: z.string(),
  sourceId: z.string().nullable(),
  sourceNumber: z.string().nullable(),
  reversalOfId: z.string().nullable(),
  reversedById: z.string().nullable(),
  movedFromDate: z.string().nullable(),
  totalMinor: z.number().int(),
  branchId: z.string(),
});
export const Entry = EntrySummary.extend({ lines: z.array(EntryLine) });

export const Draft = z.object({ id: Id, journalId: Id, date: z.string(), memo: z.string(), state: z.enum(['draft', 'posted', 'discarded']), lines: z.array(EntryLineInput), entryId: z.string().nullable() });

export const Payment = z.object({
  id: Id,
  number: z.string(),
  direction: z.enum(['in', 'out']),
  partnerId: Id,
  partnerName: z.string(),
  date: z.string(),
  amountMinor: z.number().int(),
  allocatedMinor: z.number().int(),
  /** Not allocated to invoices: the customer's credit. */
  unallocatedMinor: z.number().int(),
  reference: z.string().nullable(),
  entryId: z.string(),
  allocations: z.array(z.object({ invoiceId: Id, invoiceNumber: z.string(), amountMinor: z.number().int() })),
});

export const TrialBalanceRow = z.object({ accountId: Id, code: z.string(), name: z.string(), type: z.enum(ACCOUNT_TYPES), debitMinor: z.number().int(), creditMinor: z.number().int(), balanceMinor: z.number().int() });
export const TrialBalance = z.object({ from: z.string().nullable(), to: z.string(), branchId: z.string().nullable(), rows: z.array(TrialBalanceRow), debitMinor: z.number().int(), creditMinor: z.number().int() });

const ReportScope = { branchId: Id.optional() };
const StatementRow = z.object({ accountId: Id, code: z.string(), name: z.string(), type: z.enum(ACCOUNT_TYPES), amountMinor: z.number().int(), compareMinor: z.number().int().nullable() });

export const BlockingDocument = z.object({ kind: z.string(), id: z.string(), number: z.string().nullable(), label: z.string() });
export const ChecklistItem = z.object({ key: z.string(), title: z.string(), ok: z.boolean(), detail: z.string(), blocking: z.array(BlockingDocument), blockingCount: z.number().int() });
export const Checklist = z.object({ period: z.string(), from: z.string(), to: z.string(), branchId: z.string(), items: z.array(ChecklistItem), ready: z.boolean() });

export const LockState = z.object({
  companySoft: z.string().nullable(),
  companyHard: z.string().nullable(),
  branchSoft: z.string().nullable(),
  branchHard: z.string().nullable(),
});

export const BranchSyncState = z.object({ branchId: z.string(), code: z.string(), name: z.string(), lastSyncAt: z.string().nullable(), closedUntil: z.string().nullable(), behind: z.boolean(), reason: z.string().nullable() });

export const StatementLine = z.object({
  id: Id,
  statementId: Id,
  lineNo: z.number().int(),
  date: z.string(),
  amountMinor: z.number().int(),
  reference: z.string().nullable(),
  partnerName: z.string().nullable(),
  counterpartyIban: z.string().nullable(),
  description: z.string().nullable(),
  state: z.enum(['open', 'matched', 'ignored']),
  paymentId: z.string().nullable(),
  /** Suggested matches by the rules (reference, amount, partner), best first. */
  suggestions: z.array(z.object({ invoiceId: Id, invoiceNumber: z.string(), partnerId: Id, partnerName: z.string(), openMinor: z.number().int(), rule: z.enum(['reference', 'amount_partner', 'amount', 'partner']) })),
});

export const AgingRow = z.object({
  partnerId: Id,
  partnerName: z.string(),
  currentMinor: z.number().int(),
  d1to30Minor: z.number().int(),
  d31to60Minor: z.number().int(),
  d61to90Minor: z.number().int(),
  over90Minor: z.number().int(),
  totalMinor: z.number().int(),
  creditMinor: z.number().int(),
});

export const TaxSettings = z.object({
  rounding: z.enum(['line', 'total']),
  rates: z.array(z.object({ id: Id, code: z.string(), name: z.string(), scope: z.enum(['sales', 'purchase']), rateBp: z.number().int(), priceIncluded: z.boolean(), accountId: Id, active: z.boolean() })),
  fiscalPositions: z.array(z.object({ id: Id, code: z.string(), name: z.string(), map: z.array(z.object({ from: z.string(), to: z.string() })) })),
});

const TaxCode = z
  .string({ message: 'Code must be text' })
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9_-]{0,15}$/, { message: 'Code: 1–16 letters, digits, - or _ (like S20 or EXPORT)' });

export const TaxRateInput = z
  .object({
    id: Id.optional(),
    code: TaxCode,
    name: text('Name', 80, 1),
    scope: z.enum(['sales', 'purchase'], { message: 'Scope is sales or purchase' }),
    rateBp: z.number({ message: 'Rate must be a number of basis points' }).int({ message: 'Rate: whole basis points (20 % = 2000)' }).min(0, { message: 'Rate cannot be negative' }).max(10_000, { message: 'Rate is at most 10000 basis points (100 %)' }),
    priceIncluded: z.boolean().default(false),
    accountId: Id,
    active: z.boolean().default(true),
  })
  .strict();

export const FiscalPositionInput = z
  .object({
    id: Id.optional(),
    code: TaxCode,
    name: text('Name', 80, 1),
    map: z.array(z.object({ from: TaxCode, to: TaxCode }).strict()).max(100),
  })
  .strict();

export const financeContract = {
  'finance.account.list': query({
    access: 'finance.read',
    summary: 'The chart of accounts with each account’s balance to date',
    input: z.object({ includeArchived: z.boolean().default(false) }).strict(),
    output: z.array(Account.extend({ balanceMinor: z.number().int() })),
  }),
  'finance.account.create': command({
    access: 'finance.config',
    summary: 'Add an account to the chart',
    input: z.object({ code: z.string().regex(/^\d{3,8}$/, { message: 'Use 3 to 8 digits' }), name: text('Name', 120, 1), type: z.enum(ACCOUNT_TYPES), role: z.string().max(40).optional(), reconcile: z.boolean().default(false) }).strict(),
    output: Account,
  }),
  'finance.account.update': command({
    access: 'finance.config',
    summary: 'Rename, re-role, re-type (only while nothing is posted to it) or archive an account (its posted lines never change)',
    input: z.object({ id: Id, name: text('Name', 120, 1).optional(), type: z.enum(ACCOUNT_TYPES).optional(), role: z.string().max(40).nullable().optional(), active: z.boolean().optional(), reconcile: z.boolean().optional() }).strict(),
    output: Account,
  }),
  'finance.journal.list': query({ access: 'finance.read', summary: 'Journals', input: z.object({}).strict(), output: z.array(Journal) }),
  'finance.entry.list': query({
    access: 'finance.read',
    summary: 'A page of posted journal entries (newest first)',
    input: z.object({ from: IsoDate.optional(), to: IsoDate.optional(), journalId: Id.optional(), sourceKind: z.string().max(40).optional(), query: z.string().max(100).optional(), ...PageInput }).strict(),
    output: pageOf(EntrySummary),
  }),
  'finance.entry.get': query({ access: 'finance.read', summary: 'One journal entry with its lines', input: z.object({ id: Id }).strict(), output: Entry }),
  'finance.entry.post': command({ access: 'finance.post', summary: 'Post a balanced manual entry', input: EntryInput, output: Entry }),
  'finance.entry.reverse': command({
    access: 'finance.post',
    summary: 'Correct a posted entry by posting its reversal',
    input: z.object({ id: Id, date: IsoDate, reason: text('Reason', 300, 1) }).strict(),
    output: Entry,
  }),
  'finance.draft.save': command({ access: 'finance.post', summary: 'Save a draft entry (not in the books yet)', input: EntryInput.extend({ id: Id.optional() }).strict(), output: Draft }),
  'finance.draft.post': command({ access: 'finance.post', summary: 'Post a draft entry', input: z.object({ id: Id }).strict(), output: Entry }),
  'finance.draft.discard': command({ access: 'finance.post', summary: 'Discard a draft entry', input: z.object({ id: Id }).strict(), output: Draft }),
  'finance.draft.list': query({ access: 'finance.read', summary: 'Draft entries', input: z.object({}).strict(), output: z.array(Draft) }),

  'finance.payment.register': command({
    access: 'finance.post',
    summary: 'Register a customer payment (in) or a payment to a vendor (out); allocates to the given or oldest open invoices, the rest stays as the customer’s credit',
    input: z
      .object({
        partnerId: Id,
        direction: z.enum(['in', 'out']).default('in'),
        amountMinor: Amount.min(1, { message: 'Must be more than zero' }),
        date: IsoDate.optional(),
        journalId: Id.optional(),
        reference: text('Reference', 140).optional(),
        allocations: z.array(z.object({ invoiceId: Id, amountMinor: Amount.min(1, { message: 'Must be more than zero' }) }).strict()).max(200).optional(),
        autoAllocate: z.boolean().default(true),
      })
      .strict(),
    output: Payment,
  }),
  'finance.payment.allocate': command({
    access: 'finance.post',
    summary: 'Use a payment’s unallocated credit to settle an open invoice',
    input: z.object({ paymentId: Id, invoiceId: Id, amountMinor: Amount.min(1, { message: 'Must be more than zero' }) }).strict(),
    output: Payment,
  }),
  'finance.payment.get': query({ access: 'finance.read', summary: 'One payment with what it settled (the general ledger’s drill-down)', input: z.object({ id: Id }).strict(), output: Payment }),
  'finance.payment.list': query({ access: 'finance.read', summary: 'Payments (newest first)', input: z.object({ partnerId: Id.optional(), ...PageInput }).strict(), output: pageOf(Payment) }),

  'finance.bank.import': command({
    access: 'finance.post',
    summary: 'Import a bank statement (CSV or CAMT.053 XML); wrong format or balances are refused with the reason',
    input: z.object({ journalId: Id.optional(), fileName: text('File name', 200, 1), format: z.enum(['csv', 'camt053']), content: z.string().min(1, { message: 'The file is empty' }).max(20_000_000) }).strict(),
    output: z.object({ statementId: Id, lines: z.number().int(), autoMatched: z.number().int() }),
  }),
  'finance.bank.lines': query({
    access: 'finance.read',
    summary: 'Bank statement lines with suggested matches',
    input: z.object({ statementId: Id.optional(), state: z.enum(['open', 'matched', 'ignored', 'all']).default('open'), ...PageInput }).strict(),
    output: pageOf(StatementLine),
  }),
  'finance.bank.match': command({
    access: 'finance.post',
    summary: 'Match a statement line: to invoices (a payment is registered and allocated), to a partner (as credit), or ignore it',
    input: z.object({ lineId: Id, invoiceIds: z.array(Id).max(50).optional(), partnerId: Id.optional(), ignore: z.boolean().optional() }).strict(),
    output: StatementLine,
  }),

  'finance.close.checklist': query({ access: 'finance.read', summary: 'The month-end checklist of this branch, each item with the documents that block it', input: z.object({ period: Period }).strict(), output: Checklist }),
  'finance.close.status': query({
    access: 'finance.read',
    summary: 'Lock dates (company and this branch) and, at the centre, which branches have synced past a date',
    input: z.object({ period: Period.optional() }).strict(),
    output: z.object({ locks: LockState, branches: z.array(BranchSyncState) }),
  }),
  'finance.period.close': command({
    access: 'finance.close',
    summary: 'Close a month at this branch (works offline): soft (only finance posts) or hard (nobody, irreversible)',
    input: z.object({ period: Period, lock: z.enum(LOCK_KINDS).default('soft'), force: z.boolean().default(false) }).strict(),
    output: LockState,
  }),
  'finance.period.reopen': command({
    access: 'finance.close',
    summary: 'Move this branch’s soft lock back to a date (never below the hard lock)',
    input: z.object({ softLockDate: IsoDate.nullable() }).strict(),
    output: LockState,
  }),
  'finance.company.close': command({
    access: 'finance.close',
    summary: 'Company-wide close at the centre: only when every branch has synced past the period end',
    input: z.object({ period: Period, lock: z.enum(LOCK_KINDS).default('soft') }).strict(),
    output: LockState,
  }),
  'finance.year.close': command({
    access: 'finance.close',
    summary: 'Year-end: move the year’s income and expense balances to retained earnings',
    input: z.object({ year: z.number().int().min(2000).max(2200) }).strict(),
    output: Entry,
  }),
  'finance.stock.alignOpening': command({
    access: 'finance.post',
    summary: 'Post the opening stock value (valuation − stock accounts, as of a date) against retained earnings, e.g. after loading stock history',
    input: z.object({ date: IsoDate.optional() }).strict(),
    output: z.object({ entryId: z.string().nullable(), differenceMinor: z.number().int() }),
  }),

  'finance.report.trialBalance': query({ access: 'finance.read', summary: 'Trial balance per account', input: z.object({ from: IsoDate.optional(), to: IsoDate, ...ReportScope }).strict(), output: TrialBalance }),
  'finance.report.profitLoss': query({
    access: 'finance.read',
    summary: 'Profit and loss for a period, optionally beside a comparative period',
    input: z.object({ from: IsoDate, to: IsoDate, compareFrom: IsoDate.optional(), compareTo: IsoDate.optional(), ...ReportScope }).strict(),
    output: z.object({ income: z.array(StatementRow), expense: z.array(StatementRow), incomeMinor: z.number().int(), expenseMinor: z.number().int(), resultMinor: z.number().int(), compareResultMinor: z.number().int().nullable() }),
  }),
  'finance.report.balanceSheet': query({
    access: 'finance.read',
    summary: 'Balance sheet at a date (the result not yet closed shown in equity)',
    input: z.object({ at: IsoDate, ...ReportScope }).strict(),
    output: z.object({ assets: z.array(StatementRow), liabilities: z.array(StatementRow), equity: z.array(StatementRow), assetsMinor: z.number().int(), liabilitiesMinor: z.number().int(), equityMinor: z.number().int(), unclosedResultMinor: z.number().int() }),
  }),
  'finance.report.generalLedger': query({
    access: 'finance.read',
    summary: 'General ledger of one account: lines with running balance and their source document',
    input: z.object({ accountId: Id, from: IsoDate.optional(), to: IsoDate, ...ReportScope, ...PageInput }).strict(),
    output: z.object({
      openingMinor: z.number().int(),
      rows: z.array(z.object({ lineId: Id, entryId: Id, date: z.string(), memo: z.string(), label: z.string().nullable(), debitMinor: z.number().int(), creditMinor: z.number().int(), balanceMinor: z.number().int(), sourceKind: z.string(), sourceId: z.string().nullable(), sourceNumber: z.string().nullable() })),
      total: z.number().int(),
    }),
  }),
  'finance.report.channelMargin': query({
    access: 'finance.read',
    summary: 'Channel margin = (revenue − COGS) ÷ revenue, by channel (and customer class)',
    input: z.object({ from: IsoDate, to: IsoDate, by: z.enum(['channel', 'customer_class', 'warehouse']).default('channel'), ...ReportScope }).strict(),
    output: z.array(z.object({ key: z.string(), revenueMinor: z.number().int(), cogsMinor: z.number().int(), marginMinor: z.number().int(), marginBp: z.number().int().nullable() })),
  }),
  'finance.report.tax': query({
    access: 'finance.read',
    summary: 'Tax report for a period per rate: output tax on sales (base, tax), input tax on vendor bills (base, tax), net payable',
    input: z.object({ from: IsoDate, to: IsoDate, ...ReportScope }).strict(),
    output: z.array(z.object({ rateBp: z.number().int(), baseMinor: z.number().int(), taxMinor: z.number().int(), inputBaseMinor: z.number().int(), inputTaxMinor: z.number().int(), netMinor: z.number().int() })),
  }),
  'finance.report.aging': query({
    access: 'finance.read',
    summary: 'Aged receivables per customer (current, 1–30, 31–60, 61–90, over 90 days past due)',
    input: z.object({ at: IsoDate.optional() }).strict(),
    output: z.object({ at: z.string(), rows: z.array(AgingRow), totalMinor: z.number().int() }),
  }),
  'finance.report.payablesAging': query({
    access: 'finance.read',
    summary: 'Aged payables per vendor from the payable account (bills by due date, payments settling the oldest first)',
    input: z.object({ at: IsoDate.optional() }).strict(),
    output: z.object({ at: z.string(), rows: z.array(AgingRow.extend({ partnerId: Id.nullable() })), totalMinor: z.number().int() }),
  }),
  'finance.tax.settings': query({
    access: 'finance.read',
    summary: 'Tax rates, fiscal positions and the company’s tax rounding rule',
    input: z.object({}).strict(),
    output: TaxSettings,
  }),
  'finance.tax.configure': command({
    access: 'finance.config',
    summary: 'Set how invoice taxes are rounded: per line or once per rate on the total',
    input: z.object({ rounding: z.enum(['line', 'total']) }).strict(),
    output: TaxSettings,
  }),
  'finance.tax.rate.save': command({
    access: 'finance.config',
    summary: 'Create or edit a tax rate (code, name, scope, rate in basis points, price included or not, account, active)',
    input: TaxRateInput,
    output: TaxSettings,
  }),
  'finance.tax.fiscalPosition.save': command({
    access: 'finance.config',
    summary: 'Create or edit a fiscal position: its code, name and tax mapping (from a rate code to another of the same scope)',
    input: FiscalPositionInput,
    output: TaxSettings,
  }),
  'finance.tax.preview': query({
    access: 'sales.read',
    summary: 'The taxes of order lines for a customer as its invoice will compute them (fiscal position, tax-included prices, the company rounding): untaxed, tax per rate, total',
    input: z
      .object({
        partnerId: Id,
        lines: z
          .array(z.object({ productId: Id, quantity: z.number().int().min(0).max(1e9), unitPriceMinor: z.number().int().min(0).max(1e12), discountBp: z.number().int().min(0).max(10_000).default(0) }).strict())
          .max(2000),
      })
      .strict(),
    output: z.object({
      untaxedMinor: z.number().int(),
      taxMinor: z.number().int(),
      totalMinor: z.number().int(),
      byRate: z.array(z.object({ taxCode: z.string(), rateBp: z.number().int(), priceIncluded: z.boolean(), baseMinor: z.number().int(), taxMinor: z.number().int() })),
    }),
  }),
  'finance.tax.partners': query({
    access: 'finance.read',
    summary: 'Customers and vendors by code or name, with their fiscal position (for assigning one)',
    input: z.object({ query: text('Search', 100).default(''), limit: z.number().int().min(1).max(100).default(20) }).strict(),
    output: z.array(z.object({ id: Id, code: z.string(), name: z.string(), kind: z.enum(['customer', 'vendor']), fiscalPositionId: Id.nullable(), fiscalPositionCode: z.string().nullable() })),
  }),
  'finance.partner.fiscalPosition': command({
    access: 'finance.config',
    summary: 'Give a customer or vendor a fiscal position (its taxes are replaced by the position’s), or none',
    input: z.object({ partnerId: Id, fiscalPositionId: Id.nullable() }).strict(),
    output: z.object({ partnerId: Id, fiscalPositionId: Id.nullable() }),
  }),
  'finance.report.dunning': query({
    access: 'finance.read',
    summary: 'Customers with invoices overdue by at least the given days',
    input: z.object({ at: IsoDate.optional(), minDaysOverdue: z.number().int().min(0).max(3650).default(1) }).strict(),
    output: z.array(z.object({ partnerId: Id, partnerName: z.string(), overdueMinor: z.number().int(), oldestDueDate: z.string(), maxDaysOverdue: z.number().int(), invoices: z.array(z.object({ id: Id, number: z.string(), dueDate: z.string(), openMinor: z.number().int() })) })),
  }),
  'finance.report.invoiceNumbers': query({
    access: 'finance.read',
    summary: 'Proof that invoice numbers are gapless per branch series and year',
    input: z.object({}).strict(),
    output: z.array(z.object({ series: z.string(), count: z.number().int(), first: z.number().int(), last: z.number().int(), nextNumber: z.number().int().nullable(), gaps: z.array(z.number().int()), duplicates: z.array(z.string()), ok: z.boolean() })),
  }),
  'finance.report.export': query({
    access: 'finance.read',
    summary: 'Export a report (trial balance, general ledger, P&L, balance sheet, aged receivables or payables, tax) as CSV, XLSX or PDF; the general ledger also as an hledger/ledger journal',
    input: z.object({ report: z.enum(['trialBalance', 'generalLedger', 'profitLoss', 'balanceSheet', 'receivablesAging', 'payablesAging', 'tax']), format: z.enum(['csv', 'xlsx', 'pdf', 'hledger']), from: IsoDate.optional(), to: IsoDate, ...ReportScope }).strict(),
    output: z.object({ fileName: z.string(), mime: z.string(), base64: z.string() }),
  }),
} as const;
