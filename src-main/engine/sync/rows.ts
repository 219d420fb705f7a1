import { sql } from 'kysely';
import type { Db, Tx } from '../platform/db';

/** Column names of a table, read once per database handle. */
const columnCache = new WeakMap<object, Map<string, string[]>>();

export async function columnsOf(db: Db | Tx, table: string, dialect: 'sqlite' | 'postgres'): Promise<string[]> {
  const key = db.getExecutor().adapter;
  let byTable = columnCache.get(key);
  if (!byTable) {
    byTable = new Map();
    columnCache.set(key, byTable);
  }
  let cols = byTable.get(table);
  if (!cols) {
    const rows =
      dialect === 'sqlite'
        ? await sql<{ name: string }>`SELECT name FROM pragma_table_info(${table})`.execute(db)
        : await sql<{ name: string }>`SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ${table} ORDER BY ordinal_position`.execute(db);
    cols = rows.rows.map((r) => r.name);
    byTable.set(table, cols);
  }
  return cols;
}

const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$/;

/** Row images from PostgreSQL's to_jsonb write timestamps as +00:00; the engine writes ISO "Z". */
export function normalizeValue(value: unknown): unknown {
  if (typeof value === 'string' && PG_TIMESTAMP.test(value)) return new Date(value).toISOString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/**
 * Writes row images into a table: insert, or replace the existing row with the same id
 * (`ledger` tables only ever insert: a row already there is left as it is).
 */
export async function upsertRows(db: Db | Tx, dialect: 'sqlite' | 'postgres', table: string, rows: Record<string, unknown>[], mode: 'upsert' | 'insert-only'): Promise<void> {
  if (rows.length === 0) return;
  const cols = await columnsOf(db, table, dialect);
  const present = cols.filter((c) => c in rows[0]!);
  const batch = Math.max(1, Math.floor(30_000 / Math.max(present.length, 1)));
  for (let i = 0; i < rows.length; i += batch) {
    const values = rows.slice(i, i + batch).map((r) => Object.fromEntries(present.map((c) => [c, normalizeValue(r[c] ?? null)])));
    const q = db.insertInto(table as never).values(values as never);
    if (mode === 'insert-only') await q.onConflict((oc) => oc.column('id' as never).doNothing()).execute();
    else
      await q
        .onConflict((oc) =>
          oc.column('id' as never).doUpdateSet(Object.fromEntries(present.filter((c) => c !== 'id').map((c) => [c, sql.ref(`excluded.${c}`)])) as never),
        )
        .execute();
  }
}

export async function deleteRows(db: Db | Tx, table: string, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) await db.deleteFrom(table as never).where('id' as never, 'in', ids.slice(i, i + 500) as never).execute();
}
