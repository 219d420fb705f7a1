/** Row types of the finance tables (migrations/0011_finance.ts), merged into the engine's `Database`. */
import type { RowMeta } from '../platform/schema';
import type { Generated } from 'kysely';

export type AccountType = 'asset' | 'liability' | 'equity' | 'income' | 'expense';
export type JournalKind = 'sales' | 'purchase' | 'bank' | 'cash' | 'stock' | 'misc';

export interface AccountTable extends RowMeta {
  code: string;
  name: string;
  type: AccountType;
  role: string | null;
  reconcile: number;
  active: number;
}

export interface JournalTable extends RowMeta {
  code: string;
  name: string;
  kind: JournalKind;
  default_account_id: string | null;
}

export interface JournalEntryTable extends RowMeta {
  journal_id: string;
  date: string;
  memo: string;
  source_kind: string;
  source_id: string | null;
  source_number: string | null;
  reversal_of_id: string | null;
  posted_by: string | null;
  moved_from_date: string | null;
}

export interface JournalLineTable extends RowMeta {
  entry_id: string;
  line_no: number;
  date: string;
  account_id: string;
  debit_minor: number;
  credit_minor: number;
  label: string | null;
  partner_id: string | null;
  product_id: string | null;
  warehouse_id: string | null;
  channel_code: string | null;
  customer_class: string | null;
  tax_rate_bp: number | null;
  tax_base_minor: number | null;
}

export interface JournalDraftTable extends RowMeta {
  journal_id: string;
  date: string;
  memo: string;
  lines: string;
  state: 'draft' | 'posted' | 'discarded';
  entry_id: string | null;
}

export interface TaxRateTable extends RowMeta {
  code: string;
  name: string;
  scope: 'sales' | 'purchase';
  rate_bp: number;
  price_included: number;
  account_id: string;
  active: number;
}

export interface FiscalPositionTable extends RowMeta {
  code: string;
  name: string;
  tax_map: string;
}

export interface PaymentTable extends RowMeta {
  number: string;
  direction: 'in' | 'out';
  partner_id: string;
  journal_id: string;
  date: string;
  amount_minor: number;
  allocated_minor: number;
  reference: string | null;
  entry_id: string;
  statement_line_id: string | null;
}

export interface PaymentAllocationTable extends RowMeta {
  payment_id: string;
  invoice_id: string;
  amount_minor: number;
}

export interface BankStatementTable extends RowMeta {
  journal_id: string;
  name: string;
  format: 'csv' | 'camt053';
  file_hash: string;
  statement_date: string;
  opening_minor: number | null;
  closing_minor: number | null;
}

export interface BankStatementLineTable extends RowMeta {
  statement_id: string;
  line_no: number;
  date: string;
  amount_minor: number;
  reference: string | null;
  partner_name: string | null;
  counterparty_iban: string | null;
  description: string | null;
  state: 'open' | 'matched' | 'ignored';
  payment_id: string | null;
  matched_by: string | null;
}

export interface LockTable extends RowMeta {
  soft_lock_date: string | null;
  hard_lock_date: string | null;
}

export interface BranchLockTable extends LockTable {
  closed_by: string | null;
}

/** Derived per-day balances (trigger-maintained), read by the trial balance and statements. */
export interface AccountBalanceTable {
  account_id: string;
  date: string;
  branch_id: string;
  debit_minor: number;
  credit_minor: number;
}

declare module '../platform/schema' {
  /** Migration 0016: how invoice taxes are rounded, per line or once per rate on the total. */
  interface CompanyTable {
    tax_rounding: Generated<'line' | 'total'>;
  }
  /** Migration 0016: the partner's fiscal position (replaces the product's tax). */
  interface PartnerTable {
    fiscal_position_id?: string | null;
  }
  interface Database {
    account_balance: AccountBalanceTable;
    account: AccountTable;
    journal: JournalTable;
    journal_entry: JournalEntryTable;
    journal_line: JournalLineTable;
    journal_draft: JournalDraftTable;
    tax_rate: TaxRateTable;
    fiscal_position: FiscalPositionTable;
    payment: PaymentTable;
    payment_allocation: PaymentAllocationTable;
    bank_statement: BankStatementTable;
    bank_statement_line: BankStatementLineTable;
    company_lock: LockTable;
    branch_lock: BranchLockTable;
  }
}
