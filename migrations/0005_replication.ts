import { sql } from 'kysely';
import { bigintType, isPostgres, type MigrationDb, timestampType, withRowMeta } from './helpers';
import { REPLICATED_TABLE_NAMES, REPLICATED_TABLES } from './replicated-tables';

/**
 * Replication. Branch (SQLite): row images captured by triggers while a command runs, so
 * the outbox mutation carries exactly the rows it wrote; sync state. Centre (PostgreSQL):
 * a change log written by triggers with the writing transaction's id (the pull cursor),
 * registered clients, applied mutation hashes, quarantine, settings. Both: sync exceptions.
 */
export async function up(db: MigrationDb): Promise<void> {
  const ts = timestampType(db);
  const big = bigintType(db);
  const pg = isPostgres(db);

  await withRowMeta(db, db.schema.createTable('sync_exception'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open', 'resolved')`))
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('origin_branch_id', 'text')
    .addColumn('document_id', 'text')
    .addColumn('resolved_by', 'text')
    .addColumn('resolution', 'text')
    .execute();
  await db.schema.createIndex('sync_exception_status').on('sync_exception').columns(['status', 'created_at']).execute();

  await db.schema.alterTable('client_state').addColumn('capture', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('outbox').addColumn('changes', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  await db.schema.alterTable('outbox').addColumn('signature', 'text').execute();

  if (!pg) {
    await db.schema
      .createTable('change_capture')
      .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('table_name', 'text', (c) => c.notNull())
      .addColumn('row_id', 'text', (c) => c.notNull())
      .addColumn('op', 'text', (c) => c.notNull())
      .addColumn('row_json', 'text')
      .execute();
    await db.schema
      .createTable('sync_state')
      .addColumn('singleton', 'integer', (c) => c.primaryKey().check(sql`singleton = 1`))
      .addColumn('central_label', 'text')
      .addColumn('pull_cursor', 'text')
      .addColumn('snapshot_table', 'text')
      .addColumn('snapshot_after', 'text')
      .addColumn('snapshot_done', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_push_at', ts)
      .addColumn('last_pull_at', ts)
      .addColumn('last_success_at', ts)
      .addColumn('last_error', 'text')
      .addColumn('blocked_reason', 'text')
      .execute();
  } else {
    await db.schema
      .createTable('change_log')
      .addColumn('seq', 'bigserial', (c) => c.primaryKey())
      .addColumn('txid', sql`xid8`, (c) => c.notNull().defaultTo(sql`pg_current_xact_id()`))
      .addColumn('table_name', 'text', (c) => c.notNull())
      .addColumn('row_id', 'text', (c) => c.notNull())
      .addColumn('op', 'text', (c) => c.notNull())
      .addColumn('row_json', 'jsonb')
      .addColumn('branch_id', 'text')
      .addColumn('private', 'boolean', (c) => c.notNull().defaultTo(false))
      .execute();
    await db.schema.createIndex('change_log_txid').on('change_log').columns(['txid', 'seq']).execute();
    await db.schema
      .createTable('sync_client')
      .addColumn('client_id', 'text', (c) => c.primaryKey())
      .addColumn('branch_id', 'text', (c) => c.notNull())
      .addColumn('role_name', 'text', (c) => c.notNull())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('last_mutation_id', big, (c) => c.notNull().defaultTo(0))
      .addColumn('app_version', 'text')
      .addColumn('registered_at', ts, (c) => c.notNull())
      .addColumn('last_seen_at', ts)
      .addColumn('retired', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('sync_applied')
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('mutation_id', big, (c) => c.notNull())
      .addColumn('payload_hash', 'text', (c) => c.notNull())
      .addColumn('applied_at', ts, (c) => c.notNull())
      .addPrimaryKeyConstraint('sync_applied_pk', ['client_id', 'mutation_id'])
      .execute();
    await db.schema
      .createTable('sync_quarantine')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('mutation_id', big, (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('at', ts, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('sync_setting')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  }
  await installCaptureTriggers(db);
}

/**
 * (Re)creates the capture triggers of every replicated table that exists. Later migrations
 * that add columns or replicated tables call this again, because the SQLite triggers list
 * the columns (and a fresh database runs this migration before later tables exist).
 */
export async function installCaptureTriggers(db: MigrationDb): Promise<void> {
  if (isPostgres(db)) {
    await sql`CREATE OR REPLACE FUNCTION branchline_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE r record; priv boolean := TG_ARGV[0]::boolean;
      BEGIN
        IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
        INSERT INTO change_log (table_name, row_id, op, row_json, branch_id, private)
        VALUES (TG_TABLE_NAME, r.id, lower(TG_OP), CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(r) END, r.branch_id, priv);
        RETURN NULL;
      END $$`.execute(db);
    for (const table of REPLICATED_TABLE_NAMES) {
      // A table a later migration creates gets its trigger when that migration calls this again.
      const exists = await sql<{ t: string | null }>`SELECT to_regclass(${table})::text AS t`.execute(db);
      if (!exists.rows[0]?.t) continue;
      const priv = 'private' in REPLICATED_TABLES[table] ? 'true' : 'false';
      await sql`DROP TRIGGER IF EXISTS ${sql.raw(`${table}_log_change`)} ON ${sql.table(table)}`.execute(db);
      await sql`CREATE TRIGGER ${sql.raw(`${table}_log_change`)} AFTER INSERT OR UPDATE OR DELETE ON ${sql.table(table)}
        FOR EACH ROW EXECUTE FUNCTION branchline_log_change(${sql.lit(priv)})`.execute(db);
    }
    return;
  }
  for (const table of REPLICATED_TABLE_NAMES) {
    const cols = await sql<{ name: string }>`SELECT name FROM pragma_table_info(${table})`.execute(db);
    if (cols.rows.length === 0) continue; // created by a later migration, which calls this again
    const image = (ref: string) => `json_object(${cols.rows.map((c) => `'${c.name}', ${ref}."${c.name}"`).join(', ')})`;
    for (const op of ['insert', 'update', 'delete'] as const) {
      const ref = op === 'delete' ? 'OLD' : 'NEW';
      const name = `${table}_capture_${op}`;
      await sql`DROP TRIGGER IF EXISTS ${sql.raw(name)}`.execute(db);
      // Captures only on installs bound to a centre (client_state.capture = 1).
      await sql`CREATE TRIGGER ${sql.raw(name)} AFTER ${sql.raw(op.toUpperCase())} ON ${sql.table(table)}
        WHEN (SELECT capture FROM client_state WHERE singleton = 1) = 1
        BEGIN INSERT INTO change_capture (table_name, row_id, op, row_json)
          VALUES (${sql.lit(table)}, ${sql.raw(ref)}.id, ${sql.lit(op)}, ${sql.raw(op === 'delete' ? 'NULL' : image(ref))}); END`.execute(db);
    }
  }
}
