import { sql } from 'kysely';
import { bigintType, makeAppendOnly, type MigrationDb, timestampType, withRowMeta } from './helpers';

export async function up(db: MigrationDb): Promise<void> {
  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  // One row: who this install is. mutation ids come from here so they never repeat,
  // even after acknowledged outbox rows are deleted.
  await db.schema
    .createTable('client_state')
    .addColumn('singleton', 'integer', (c) => c.primaryKey().check(sql`singleton = 1`))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('branch_id', 'text')
    .addColumn('last_mutation_id', bigintType(db), (c) => c.notNull().defaultTo(0))
    .addColumn('demo', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await withRowMeta(db, db.schema.createTable('company'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .execute();

  await withRowMeta(db, db.schema.createTable('branch'))
    .addColumn('company_id', 'text', (c) => c.notNull().references('company.id'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .execute();

  await withRowMeta(db, db.schema.createTable('app_user'))
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('outbox')
    .addColumn('mutation_id', bigintType(db), (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('branch_id', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('method_version', 'integer', (c) => c.notNull())
    .addColumn('schema_version', 'text', (c) => c.notNull())
    .addColumn('input', 'text', (c) => c.notNull())
    .addColumn('effects', 'text', (c) => c.notNull())
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('created_at', timestampType(db), (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('branch_id', 'text')
    .addColumn('at', timestampType(db), (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('username', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('mutation_id', bigintType(db), (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('input', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_method_at').on('audit_log').columns(['method', 'at']).execute();
  await makeAppendOnly(db, 'audit_log');
}
