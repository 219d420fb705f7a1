import { type CreateTableBuilder, type Kysely, PostgresAdapter, sql } from 'kysely';

/** Migrations run on both databases; these keep the few type differences in one place. */
export type MigrationDb = Kysely<any>;

export function isPostgres(db: MigrationDb): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** ISO timestamps: text in SQLite, timestamptz in PostgreSQL (read back as ISO strings). */
export const timestampType = (db: MigrationDb) => (isPostgres(db) ? 'timestamptz' : 'text');
/** Money in minor units and counters that may pass 2^31. */
export const bigintType = (db: MigrationDb) => (isPostgres(db) ? 'bigint' : 'integer');

/** The columns every business table has (see engine/platform/schema.ts). */
export function withRowMeta<T extends string>(db: MigrationDb, table: CreateTableBuilder<T, never>) {
  return table
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('branch_id', 'text', (c) => c.notNull())
    .addColumn('created_at', timestampType(db), (c) => c.notNull())
    .addColumn('updated_at', timestampType(db), (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1));
}

/** Makes a table append-only at the database level: updates and deletes abort. */
export async function makeAppendOnly(db: MigrationDb, table: string): Promise<void> {
  if (isPostgres(db)) {
    await sql`CREATE OR REPLACE FUNCTION branchline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$`.execute(db);
    await sql`CREATE TRIGGER ${sql.raw(`${table}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.table(table)}
      FOR EACH ROW EXECUTE FUNCTION branchline_append_only()`.execute(db);
  } else {
    for (const op of ['UPDATE', 'DELETE']) {
      await sql`CREATE TRIGGER ${sql.raw(`${table}_no_${op.toLowerCase()}`)} BEFORE ${sql.raw(op)} ON ${sql.table(table)}
        BEGIN SELECT RAISE(ABORT, ${sql.lit(`${table} is append-only`)}); END`.execute(db);
    }
  }
}
