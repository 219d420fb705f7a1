import { sql } from 'kysely';
import { isPostgres, type MigrationDb } from './helpers';

/**
 * Leaner writes per command on a branch.
 * - `outbox.result` goes: the reply of every command was stored beside its mutation and never
 *   read (not pushed, not signed, not shown) — about 45 KB for a 100-line receipt. Both databases
 *   (the centre's outbox table is unused and keeps the same shape).
 * - SQLite: `change_capture` without AUTOINCREMENT (and without 0005's unused row_json). It is
 *   emptied by every command; AUTOINCREMENT made each capture — every row a bound install
 *   writes — also read and rewrite its counter in sqlite_sequence. The rowid still grows within
 *   a command, which is the order the bus reads.
 */
export async function up(db: MigrationDb): Promise<void> {
  await sql`ALTER TABLE outbox DROP COLUMN result`.execute(db);
  if (isPostgres(db)) return;
  await sql`DROP TABLE change_capture`.execute(db);
  await sql`DELETE FROM sqlite_sequence WHERE name = 'change_capture'`.execute(db);
  await sql`CREATE TABLE change_capture (seq integer PRIMARY KEY, table_name text NOT NULL, row_id text NOT NULL, op text NOT NULL)`.execute(db);
}
