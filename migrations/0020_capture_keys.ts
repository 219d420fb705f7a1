import { sql } from 'kysely';
import { isPostgres, type MigrationDb } from './helpers';
import { REPLICATED_TABLE_NAMES } from './replicated-tables';

/**
 * Branch capture records keys, not images. The SQLite capture triggers of 0005 built a JSON
 * image of every row on every write (a row written three times by one command: three images),
 * and the bus parsed and re-serialised each. Now each trigger appends only (table, row id, op)
 * to `change_capture`; when the command ends, the bus reads each touched table's rows once, in
 * one statement per table, as they stand at commit — which is the last image the old triggers
 * kept (platform/bus.ts takeCapturedChanges). Same rule for when to capture: only on installs
 * bound to a centre (client_state.capture = 1), decided per write as before. PostgreSQL (the
 * centre's change log) is unchanged.
 */
export async function up(db: MigrationDb): Promise<void> {
  await installKeyCaptureTriggers(db);
}

/**
 * (Re)creates the key-only capture triggers of every replicated table that exists. A later
 * migration that adds a replicated table calls this (not 0005's installCaptureTriggers, whose
 * JSON images the bus would ignore anyway). Column changes need no call: the bus reads the
 * table's current columns.
 */
export async function installKeyCaptureTriggers(db: MigrationDb): Promise<void> {
  if (isPostgres(db)) return;
  for (const table of REPLICATED_TABLE_NAMES) {
    const exists = await sql<{ n: number }>`SELECT count(*) AS n FROM pragma_table_info(${table})`.execute(db);
    if (Number(exists.rows[0]?.n ?? 0) === 0) continue;
    for (const op of ['insert', 'update', 'delete'] as const) {
      const ref = op === 'delete' ? 'OLD' : 'NEW';
      const name = `${table}_capture_${op}`;
      await sql`DROP TRIGGER IF EXISTS ${sql.raw(name)}`.execute(db);
      await sql`CREATE TRIGGER ${sql.raw(name)} AFTER ${sql.raw(op.toUpperCase())} ON ${sql.table(table)}
        WHEN (SELECT capture FROM client_state WHERE singleton = 1) = 1
        BEGIN INSERT INTO change_capture (table_name, row_id, op) VALUES (${sql.lit(table)}, ${sql.raw(ref)}.id, ${sql.lit(op)}); END`.execute(db);
    }
  }
}
