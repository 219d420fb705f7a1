import { sql } from 'kysely';
import { isPostgres, type MigrationDb } from './helpers';

/**
 * Two keys of branches' private documents that two branches can take at once while offline,
 * made unique per branch (as 0028/0029 did for shared rows): otherwise the centre cannot write
 * the second branch's row and sets its whole mutation aside. The business conflict itself is
 * raised at merge as a sync exception instead (`branchline_duplicate_exceptions`, central init):
 * - a vendor's bill reference: the same vendor invoice entered at two branches (paid twice?);
 * - one open count per location: a shared warehouse's location counted at two branches at once
 *   (both adjustments would post).
 * Each branch still refuses its own duplicates, as before.
 *
 * Two more such keys are column constraints, which SQLite cannot drop without rebuilding the
 * table; a branch holds only its own private rows, so only the centre needs them per branch:
 * - a bank statement file (its hash) imported at two branches: raised too (`duplicate_statement`);
 * - an e-mail turned into a ticket at two branches (two tickets; each branch answers its own).
 */
export async function up(db: MigrationDb): Promise<void> {
  await sql`DROP INDEX IF EXISTS vendor_bill_reference`.execute(db);
  await db.schema.createIndex('vendor_bill_reference').on('vendor_bill').columns(['branch_id', 'vendor_id', 'vendor_reference']).unique().execute();
  await db.schema.createIndex('vendor_bill_vendor_reference').on('vendor_bill').columns(['vendor_id', 'vendor_reference']).execute();
  await sql`DROP INDEX IF EXISTS cycle_count_open_location`.execute(db);
  await sql`CREATE UNIQUE INDEX cycle_count_open_location ON cycle_count (branch_id, location_id) WHERE state in ('open', 'awaiting_approval')`.execute(db);
  await sql`CREATE INDEX cycle_count_location ON cycle_count (location_id)`.execute(db);
  if (!isPostgres(db)) return;
  await sql`ALTER TABLE bank_statement DROP CONSTRAINT IF EXISTS bank_statement_file_hash_key`.execute(db);
  await sql`CREATE UNIQUE INDEX bank_statement_branch_file ON bank_statement (branch_id, file_hash)`.execute(db);
  await sql`CREATE INDEX bank_statement_file ON bank_statement (file_hash)`.execute(db);
  await sql`ALTER TABLE ticket DROP CONSTRAINT IF EXISTS ticket_email_message_id_key`.execute(db);
  await sql`CREATE UNIQUE INDEX ticket_branch_email_message ON ticket (branch_id, email_message_id)`.execute(db);
  await sql`CREATE INDEX ticket_email_message ON ticket (email_message_id)`.execute(db);
}
