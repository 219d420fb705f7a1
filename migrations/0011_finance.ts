import { sql } from 'kysely';
import { installCaptureTriggers } from './0005_replication';
import { bigintType, isPostgres, makeAppendOnly, type MigrationDb, withRowMeta } from './helpers';

/**
 * Finance: chart of accounts, journals, posted journal entries and lines (append-only, balanced
 * — enforced by the database, not only the engine), draft entries, tax rates and fiscal
 * positions, payments and their allocations (credit notes are invoices flagged by the service migration), bank statements, lock dates (company
 * and per branch).
 *
 * The template chart and journals get fixed ids so every branch and the centre agree on them
 * before the first sync (they are central master data).
 */

/** [code, name, type, role] — role is how automatic postings find the account. */
export const CHART_TEMPLATE: [string, string, 'asset' | 'liability' | 'equity' | 'income' | 'expense', string | null][] = [
  ['1000', 'Bank', 'asset', 'bank'],
  ['1010', 'Cash', 'asset', 'cash'],
  ['1100', 'Accounts receivable', 'asset', 'receivable'],
  ['1200', 'Stock', 'asset', 'stock'],
  ['1210', 'Stock in transit', 'asset', null],
  ['1400', 'Input tax (VAT receivable)', 'asset', 'tax_in'],
  ['2000', 'Accounts payable', 'liability', 'payable'],
  ['2100', 'Goods received not invoiced (stock interim)', 'liability', 'grni'],
  ['2200', 'Output tax (VAT payable)', 'liability', 'tax_out'],
  ['2300', 'Customer credits and prepayments', 'liability', 'customer_credit'],
  ['3000', 'Share capital', 'equity', null],
  ['3100', 'Retained earnings', 'equity', 'retained_earnings'],
  ['4000', 'Sales revenue', 'income', 'revenue'],
  ['4100', 'Sales returns and credit notes', 'income', 'sales_returns'],
  ['5000', 'Cost of goods sold', 'expense', 'cogs'],
  ['5100', 'Purchase price difference', 'expense', 'price_difference'],
  ['5200', 'Inventory loss and count differences', 'expense', 'inventory_loss'],
  ['5300', 'Scrap', 'expense', 'scrap'],
  ['6000', 'Operating expenses', 'expense', 'expense'],
  ['6100', 'Bank charges', 'expense', 'bank_charges'],
];

/** [code, name, kind, default account code] */
export const JOURNAL_TEMPLATE: [string, string, 'sales' | 'purchase' | 'bank' | 'cash' | 'stock' | 'misc', string | null][] = [
  ['SAL', 'Customer invoices', 'sales', null],
  ['PUR', 'Vendor bills', 'purchase', null],
  ['BNK', 'Bank', 'bank', '1000'],
  ['CSH', 'Cash', 'cash', '1010'],
  ['STK', 'Stock valuation', 'stock', null],
  ['MISC', 'Miscellaneous', 'misc', null],
];

/** Fixed ids for template rows: the same on every database. */
export const templateAccountId = (code: string) => `01900000-0000-7000-8000-1${code.padStart(11, '0')}`;
export const templateJournalId = (code: string) => `01900000-0000-7000-8000-2${Buffer.from(code.padEnd(5, '_')).toString('hex').slice(0, 11).padStart(11, '0')}`;
export const COMPANY_LOCK_ID = '01900000-0000-7000-8000-300000000001';

export async function up(db: MigrationDb): Promise<void> {
  const big = bigintType(db);
  const pg = isPostgres(db);
  const epoch = '2026-01-01T00:00:00.000Z';

  await withRowMeta(db, db.schema.createTable('account'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('asset', 'liability', 'equity', 'income', 'expense')`))
    .addColumn('role', 'text')
    .addColumn('reconcile', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await withRowMeta(db, db.schema.createTable('journal'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('sales', 'purchase', 'bank', 'cash', 'stock', 'misc')`))
    .addColumn('default_account_id', 'text', (c) => c.references('account.id'))
    .execute();

  // Posted entries: append-only. A correction is a reversing entry (reversal_of_id).
  await withRowMeta(db, db.schema.createTable('journal_entry'))
    .addColumn('journal_id', 'text', (c) => c.notNull().references('journal.id'))
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('memo', 'text', (c) => c.notNull())
    .addColumn('source_kind', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text')
    .addColumn('source_number', 'text')
    .addColumn('reversal_of_id', 'text')
    .addColumn('posted_by', 'text')
    // Set by the centre when an entry arrived dated in a locked period and was moved.
    .addColumn('moved_from_date', 'text')
    .execute();
  await db.schema.createIndex('journal_entry_date').on('journal_entry').columns(['date', 'journal_id']).execute();
  await db.schema.createIndex('journal_entry_source').on('journal_entry').columns(['source_id']).execute();
  await db.schema.createIndex('journal_entry_reversal').on('journal_entry').columns(['reversal_of_id']).execute();

  // Lines: debit or credit, never both. Lines are written first and the entry last (its insert
  // checks the balance on SQLite). PostgreSQL: a DEFERRED foreign key to the entry. SQLite: no
  // foreign key — a branch's first sync commits the lines' pages before the entries' — so the
  // close checklist checks that no line is without its entry.
  await withRowMeta(db, db.schema.createTable('journal_line'))
    .addColumn('entry_id', 'text', (c) => (pg ? c.notNull().references('journal_entry.id').modifyEnd(sql`DEFERRABLE INITIALLY DEFERRED`) : c.notNull()))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('debit_minor', big, (c) => c.notNull().check(sql`debit_minor >= 0`))
    .addColumn('credit_minor', big, (c) => c.notNull().check(sql`credit_minor >= 0`))
    .addColumn('label', 'text')
    .addColumn('partner_id', 'text')
    .addColumn('product_id', 'text')
    .addColumn('warehouse_id', 'text')
    .addColumn('channel_code', 'text')
    .addColumn('customer_class', 'text')
    .addColumn('tax_rate_bp', 'integer')
    .addColumn('tax_base_minor', big)
    .addCheckConstraint('journal_line_one_side', sql`(debit_minor > 0 AND credit_minor = 0) OR (debit_minor = 0 AND credit_minor > 0)`)
    .execute();
  // Covering index of the trial balance (account, date range, branch → sums).
  await db.schema.createIndex('journal_line_tb').on('journal_line').columns(['account_id', 'date', 'branch_id', 'debit_minor', 'credit_minor']).execute();
  // Balances per (account, day, branch), kept by a trigger on every line written — also lines
  // a sync applies — so the trial balance sums a few thousand rows instead of every line.
  // Derived and local (not replicated): each database computes its own from its lines.
  await db.schema
    .createTable('account_balance')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('branch_id', 'text', (c) => c.notNull())
    .addColumn('debit_minor', big, (c) => c.notNull())
    .addColumn('credit_minor', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('account_balance_pk', ['account_id', 'date', 'branch_id'])
    .execute();
  if (pg) {
    await sql`CREATE OR REPLACE FUNCTION finance_add_balance() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
      BEGIN
        INSERT INTO account_balance (account_id, date, branch_id, debit_minor, credit_minor) VALUES (NEW.account_id, NEW.date, NEW.branch_id, NEW.debit_minor, NEW.credit_minor)
        ON CONFLICT (account_id, date, branch_id) DO UPDATE SET debit_minor = account_balance.debit_minor + EXCLUDED.debit_minor, credit_minor = account_balance.credit_minor + EXCLUDED.credit_minor;
        RETURN NULL;
      END $$`.execute(db);
    await sql`CREATE TRIGGER journal_line_balance AFTER INSERT ON journal_line FOR EACH ROW EXECUTE FUNCTION finance_add_balance()`.execute(db);
  } else {
    await sql`CREATE TRIGGER journal_line_balance AFTER INSERT ON journal_line
      BEGIN INSERT INTO account_balance (account_id, date, branch_id, debit_minor, credit_minor) VALUES (NEW.account_id, NEW.date, NEW.branch_id, NEW.debit_minor, NEW.credit_minor)
        ON CONFLICT (account_id, date, branch_id) DO UPDATE SET debit_minor = debit_minor + excluded.debit_minor, credit_minor = credit_minor + excluded.credit_minor; END`.execute(db);
  }
  await db.schema.createIndex('journal_line_entry').on('journal_line').columns(['entry_id', 'line_no']).unique().execute();
  await db.schema.createIndex('journal_line_partner').on('journal_line').columns(['partner_id', 'account_id']).execute();
  await db.schema.createIndex('journal_line_date').on('journal_line').columns(['date']).execute();
  await makeAppendOnly(db, 'journal_entry');
  await makeAppendOnly(db, 'journal_line');

  if (pg) {
    // Balanced at commit, whatever wrote the rows: a deferred constraint trigger per entry and per line.
    await sql`CREATE OR REPLACE FUNCTION finance_check_balanced() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
      DECLARE e text := COALESCE(to_jsonb(NEW)->>'entry_id', NEW.id);
        d bigint; c bigint; n bigint;
      BEGIN
        SELECT COALESCE(sum(debit_minor), 0), COALESCE(sum(credit_minor), 0), count(*) INTO d, c, n FROM journal_line WHERE entry_id = e;
        IF n < 2 OR d <> c THEN
          RAISE EXCEPTION 'journal entry % is not balanced (debit %, credit %, % lines)', e, d, c, n USING ERRCODE = '23514';
        END IF;
        RETURN NULL;
      END $$`.execute(db);
    for (const t of ['journal_entry', 'journal_line']) {
      await sql`CREATE CONSTRAINT TRIGGER ${sql.raw(`${t}_balanced`)} AFTER INSERT ON ${sql.table(t)}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION finance_check_balanced()`.execute(db);
    }
  } else {
    // SQLite has no deferred triggers: the entry is inserted after its lines and checks them;
    // a line can never join an entry that already exists. (A row already present is an
    // idempotent replay.)
    await sql`CREATE TRIGGER journal_entry_balanced BEFORE INSERT ON journal_entry
      WHEN NOT EXISTS (SELECT 1 FROM journal_entry WHERE id = NEW.id)
      BEGIN SELECT RAISE(ABORT, 'journal entry is not balanced')
        WHERE (SELECT count(*) FROM journal_line WHERE entry_id = NEW.id) < 2
           OR (SELECT sum(debit_minor) - sum(credit_minor) FROM journal_line WHERE entry_id = NEW.id) <> 0; END`.execute(db);
    await sql`CREATE TRIGGER journal_line_closed_entry BEFORE INSERT ON journal_line
      WHEN EXISTS (SELECT 1 FROM journal_entry WHERE id = NEW.entry_id) AND NOT EXISTS (SELECT 1 FROM journal_line WHERE id = NEW.id)
      BEGIN SELECT RAISE(ABORT, 'journal entry is posted: lines cannot be added'); END`.execute(db);
  }

  await withRowMeta(db, db.schema.createTable('journal_draft'))
    .addColumn('journal_id', 'text', (c) => c.notNull().references('journal.id'))
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('memo', 'text', (c) => c.notNull())
    .addColumn('lines', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('draft', 'posted', 'discarded')`))
    .addColumn('entry_id', 'text')
    .execute();
  await db.schema.createIndex('journal_draft_state_date').on('journal_draft').columns(['state', 'date']).execute();

  await withRowMeta(db, db.schema.createTable('tax_rate'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('sales', 'purchase')`))
    .addColumn('rate_bp', 'integer', (c) => c.notNull().check(sql`rate_bp between 0 and 10000`))
    .addColumn('price_included', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await withRowMeta(db, db.schema.createTable('fiscal_position'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    // JSON [{from: tax code, to: tax code}]: e.g. export → zero rate.
    .addColumn('tax_map', 'text', (c) => c.notNull())
    .execute();

  await withRowMeta(db, db.schema.createTable('payment'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('in', 'out')`))
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partner.id'))
    .addColumn('journal_id', 'text', (c) => c.notNull().references('journal.id'))
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('amount_minor', big, (c) => c.notNull().check(sql`amount_minor > 0`))
    .addColumn('allocated_minor', big, (c) => c.notNull().defaultTo(0))
    .addColumn('reference', 'text')
    .addColumn('entry_id', 'text', (c) => c.notNull())
    .addColumn('statement_line_id', 'text')
    .addCheckConstraint('payment_allocated_le_amount', sql`allocated_minor between 0 and amount_minor`)
    .execute();
  await db.schema.createIndex('payment_partner').on('payment').columns(['partner_id', 'date']).execute();

  await withRowMeta(db, db.schema.createTable('payment_allocation'))
    .addColumn('payment_id', 'text', (c) => c.notNull().references('payment.id'))
    .addColumn('invoice_id', 'text', (c) => c.notNull().references('invoice.id'))
    .addColumn('amount_minor', big, (c) => c.notNull().check(sql`amount_minor > 0`))
    .execute();
  await db.schema.createIndex('payment_allocation_invoice').on('payment_allocation').columns(['invoice_id']).execute();
  await db.schema.createIndex('payment_allocation_payment').on('payment_allocation').columns(['payment_id']).execute();

  await withRowMeta(db, db.schema.createTable('bank_statement'))
    .addColumn('journal_id', 'text', (c) => c.notNull().references('journal.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull().check(sql`format in ('csv', 'camt053')`))
    .addColumn('file_hash', 'text', (c) => c.notNull().unique())
    .addColumn('statement_date', 'text', (c) => c.notNull())
    .addColumn('opening_minor', big)
    .addColumn('closing_minor', big)
    .execute();
  await withRowMeta(db, db.schema.createTable('bank_statement_line'))
    .addColumn('statement_id', 'text', (c) => c.notNull().references('bank_statement.id'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('amount_minor', big, (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('partner_name', 'text')
    .addColumn('counterparty_iban', 'text')
    .addColumn('description', 'text')
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'matched', 'ignored')`))
    .addColumn('payment_id', 'text')
    .addColumn('matched_by', 'text')
    .execute();
  await db.schema.createIndex('bank_statement_line_state').on('bank_statement_line').columns(['state', 'date']).execute();

  // Lock dates (YYYY-MM-DD, inclusive): soft — only finance posts on or before it; hard — nobody, never lowered.
  await withRowMeta(db, db.schema.createTable('company_lock'))
    .addColumn('soft_lock_date', 'text')
    .addColumn('hard_lock_date', 'text')
    .execute();
  await withRowMeta(db, db.schema.createTable('branch_lock'))
    .addColumn('soft_lock_date', 'text')
    .addColumn('hard_lock_date', 'text')
    .addColumn('closed_by', 'text')
    .execute();
  await db.schema.createIndex('branch_lock_branch').on('branch_lock').column('branch_id').unique().execute();

  // The template: chart, journals, tax rates, the company lock row.
  const meta = { branch_id: 'central', created_at: epoch, updated_at: epoch, version: 1 };
  await db
    .insertInto('account')
    .values(CHART_TEMPLATE.map(([code, name, type, role]) => ({ ...meta, id: templateAccountId(code), code, name, type, role, reconcile: role === 'receivable' || role === 'payable' || role === 'bank' ? 1 : 0, active: 1 })))
    .execute();
  await db
    .insertInto('journal')
    .values(JOURNAL_TEMPLATE.map(([code, name, kind, acct]) => ({ ...meta, id: templateJournalId(code), code, name, kind, default_account_id: acct ? templateAccountId(acct) : null })))
    .execute();
  await db
    .insertInto('tax_rate')
    .values([
      { ...meta, id: '01900000-0000-7000-8000-400000000001', code: 'S20', name: 'Sales VAT 20%', scope: 'sales', rate_bp: 2000, price_included: 0, account_id: templateAccountId('2200'), active: 1 },
      { ...meta, id: '01900000-0000-7000-8000-400000000002', code: 'S10', name: 'Sales VAT 10%', scope: 'sales', rate_bp: 1000, price_included: 0, account_id: templateAccountId('2200'), active: 1 },
      { ...meta, id: '01900000-0000-7000-8000-400000000003', code: 'S0', name: 'Sales zero rate', scope: 'sales', rate_bp: 0, price_included: 0, account_id: templateAccountId('2200'), active: 1 },
      { ...meta, id: '01900000-0000-7000-8000-400000000004', code: 'P20', name: 'Purchase VAT 20%', scope: 'purchase', rate_bp: 2000, price_included: 0, account_id: templateAccountId('1400'), active: 1 },
    ])
    .execute();
  await db.insertInto('company_lock').values({ ...meta, id: COMPANY_LOCK_ID, soft_lock_date: null, hard_lock_date: null }).execute();

  if (pg) {
    // The centre: an entry replicated from a branch dated on or before the company's lock date
    // is moved to the first open date (entry and lines alike), with an audit record and a sync
    // exception for finance — never dropped, never silently changed. SECURITY DEFINER: the
    // branch's login may not write audit rows or exceptions itself (row-level security).
    await financeMoveLockedFunction({ branchGuard: false }).execute(db);
    for (const t of ['journal_entry', 'journal_line']) {
      await sql`CREATE TRIGGER ${sql.raw(`${t}_move_locked`)} BEFORE INSERT ON ${sql.table(t)} FOR EACH ROW EXECUTE FUNCTION finance_move_locked()`.execute(db);
    }
  }

  await installCaptureTriggers(db);
}

/**
 * The centre's trigger function that moves a late posting out of a locked period (see up()).
 * `branchGuard` (migration 0022): the engine's "already checked" flag is a session setting any
 * login can set, so it is honoured only for logins that are not branch logins.
 */
export function financeMoveLockedFunction(options: { branchGuard: boolean }) {
  const guard = options.branchGuard
    ? sql.raw(" AND NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = 'branchline_branch' AND pg_has_role(session_user, r.oid, 'MEMBER'))")
    : sql.raw('');
  return sql`CREATE OR REPLACE FUNCTION finance_move_locked() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
      DECLARE lock_date text; open_date text;
      BEGIN
        -- The engine's own postings were checked already (finance may post in a soft-locked period).
        IF current_setting('branchline.finance_local', true) = 'on'${guard} THEN RETURN NEW; END IF;
        SELECT GREATEST(COALESCE(soft_lock_date, ''), COALESCE(hard_lock_date, '')) INTO lock_date FROM company_lock LIMIT 1;
        IF lock_date IS NULL OR lock_date = '' OR NEW.date > lock_date THEN RETURN NEW; END IF;
        open_date := to_char(lock_date::date + 1, 'YYYY-MM-DD');
        IF TG_TABLE_NAME = 'journal_entry' THEN
          NEW.moved_from_date := NEW.date;
          INSERT INTO audit_log (id, branch_id, at, user_id, username, method, mutation_id, summary, input)
          VALUES (gen_random_uuid()::text, NEW.branch_id, now(), NULL, 'centre', 'finance.entry.movedFromLockedPeriod', 0,
            format('Journal entry %s (%s) dated %s arrived in a locked period and was moved to %s', NEW.id, NEW.memo, NEW.date, open_date),
            jsonb_build_object('entryId', NEW.id, 'from', NEW.date, 'to', open_date)::text);
          INSERT INTO sync_exception (id, branch_id, created_at, updated_at, version, kind, status, message, details, origin_branch_id, document_id)
          VALUES (gen_random_uuid()::text, NEW.branch_id, now(), now(), 1, 'finance_locked_period', 'open',
            format('A posting dated %s (%s) reached the centre after the books were locked; it was moved to %s', NEW.date, NEW.memo, open_date),
            jsonb_build_object('entryId', NEW.id, 'from', NEW.date, 'to', open_date)::text, NEW.branch_id, NEW.id);
        END IF;
        NEW.date := open_date;
        RETURN NEW;
      END $$`;
}
