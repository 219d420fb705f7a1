import type SQLite from 'better-sqlite3';
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
  if (dialect === 'postgres' && byTable.size === 0) {
    // Every table's columns in one query the first time (a push writes up to a dozen tables).
    const all = await sql<{ t: string; name: string }>`SELECT table_name AS t, column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`.execute(db);
    for (const r of all.rows) {
      const list = byTable.get(r.t);
      if (list) list.push(r.name);
      else byTable.set(r.t, [r.name]);
    }
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

/**
 * A PostgreSQL timestamp as the engine writes them (ISO, UTC, milliseconds: what
 * `new Date(v).toISOString()` gives), without building a Date when it is already in UTC:
 * 'YYYY-MM-DD HH:MM:SS[.ffffff]+00' (text results) or 'YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00'
 * (to_jsonb). Parsing a Date per value was a tenth of a first sync's time.
 */
export function isoUtc(v: string): string {
  const end = v.endsWith('+00:00') ? v.length - 6 : v.endsWith('+00') ? v.length - 3 : -1;
  if (end < 19 || v[4] !== '-' || v[13] !== ':') return new Date(v).toISOString();
  let frac = '.000';
  if (end > 19) {
    if (v[19] !== '.') return new Date(v).toISOString();
    frac = `.${`${v.slice(20, end)}000`.slice(0, 3)}`;
  }
  return `${v.slice(0, 10)}T${v.slice(11, 19)}${frac}Z`;
}

/** Row images from PostgreSQL's to_jsonb write timestamps as +00:00; the engine writes ISO "Z". */
export function normalizeValue(value: unknown): unknown {
  if (typeof value === 'string' && value.length >= 25 && value[10] === 'T' && PG_TIMESTAMP.test(value)) return isoUtc(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/**
 * Writes row images into a table: insert, or replace the existing row with the same id
 * (`ledger` tables only ever insert: a row already there is left as it is).
 */
export async function upsertRows(db: Db | Tx, dialect: 'sqlite' | 'postgres', table: string, rows: Record<string, unknown>[], mode: 'upsert' | 'insert-only', json?: string[]): Promise<void> {
  if (rows.length === 0) return;
  const cols = await columnsOf(db, table, dialect);
  const present = cols.filter((c) => c in rows[0]!);
  if (dialect === 'postgres') return upsertRowsPostgres(db, table, json ?? rowChunksJson(rows), present, mode);
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

const sqliteStatements = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>();
const sqliteColumns = new WeakMap<SQLite.Database, Map<string, string[]>>();

/**
 * The SQLite side of upsertRows, with prepared statements on the raw connection: called
 * inside the caller's open transaction (Kysely's SQLite driver holds that same connection).
 * About 2.5x the rows per second of Kysely's multi-row inserts (TOOLCHAIN: 98k vs 39k).
 */
export function upsertRowsSqlite(raw: SQLite.Database, table: string, rows: Record<string, unknown>[], mode: 'upsert' | 'insert-only'): void {
  if (rows.length === 0) return;
  const present = sqliteColumnsOf(raw, table).filter((c) => c in rows[0]!);
  const stmt = sqliteUpsert(raw, table, present, mode);
  const values: unknown[] = new Array(present.length);
  for (const r of rows) {
    for (let i = 0; i < present.length; i++) {
      const v = normalizeValue(r[present[i]!] ?? null);
      values[i] = v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
    }
    stmt.run(values);
  }
}

/**
 * Rows as value arrays in the order of `columns` (a snapshot page read with rowMode 'array'
 * and the sync type parsers: timestamps already ISO text, no JSON or boolean values), bound
 * as they are — no object per row, no per-value conversion. Columns this database does not
 * have are left out.
 */
export function upsertArraysSqlite(raw: SQLite.Database, table: string, columns: string[], rows: unknown[][], mode: 'upsert' | 'insert-only'): void {
  if (rows.length === 0) return;
  const local = new Set(sqliteColumnsOf(raw, table));
  const keep = columns.flatMap((c, i) => (local.has(c) ? [i] : []));
  const stmt = sqliteUpsert(raw, table, keep.map((i) => columns[i]!), mode);
  if (keep.length === columns.length) {
    for (const r of rows) stmt.run(r);
    return;
  }
  const values: unknown[] = new Array(keep.length);
  for (const r of rows) {
    for (let k = 0; k < keep.length; k++) values[k] = r[keep[k]!];
    stmt.run(values);
  }
}

function sqliteColumnsOf(raw: SQLite.Database, table: string): string[] {
  let columns = sqliteColumns.get(raw);
  if (!columns) sqliteColumns.set(raw, (columns = new Map()));
  let cols = columns.get(table);
  if (!cols) columns.set(table, (cols = (raw.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[]).map((r) => r.name)));
  return cols;
}

/** The prepared upsert of these columns of a table (cached per connection). */
function sqliteUpsert(raw: SQLite.Database, table: string, present: string[], mode: 'upsert' | 'insert-only'): SQLite.Statement {
  const key = `${table}|${mode}|${present.join(',')}`;
  let statements = sqliteStatements.get(raw);
  if (!statements) sqliteStatements.set(raw, (statements = new Map()));
  let stmt = statements.get(key);
  if (!stmt) {
    const q = (c: string) => `"${c.replaceAll('"', '""')}"`;
    const conflict = mode === 'insert-only' ? 'DO NOTHING' : `DO UPDATE SET ${present.filter((c) => c !== 'id').map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')}`;
    stmt = raw.prepare(`INSERT INTO ${q(table)} (${present.map(q).join(', ')}) VALUES (${present.map(() => '?').join(', ')}) ON CONFLICT (id) ${conflict}`);
    statements.set(key, stmt);
  }
  return stmt;
}

/**
 * The PostgreSQL side: the rows travel as one JSON parameter per chunk, expanded by
 * json_populate_recordset (the table's own row type does the casts; keys that are not
 * columns are ignored), instead of a VALUES list with a parameter per value — no query
 * building per value on this side, one parameter to bind on the server.
 */
/** Rows per INSERT on PostgreSQL. */
const PG_CHUNK_ROWS = 5_000;

/** Rows as the JSON parameters of upsertRows on PostgreSQL (one per INSERT), serialized ahead by a push. */
export function rowChunksJson(rows: Record<string, unknown>[]): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < rows.length; i += PG_CHUNK_ROWS) chunks.push(JSON.stringify(rows.slice(i, i + PG_CHUNK_ROWS)));
  return chunks;
}

async function upsertRowsPostgres(db: Db | Tx, table: string, chunks: string[], present: string[], mode: 'upsert' | 'insert-only'): Promise<void> {
  const list = sql.join(present.map((c) => sql.ref(c)));
  const conflict =
    mode === 'insert-only' ? sql`DO NOTHING` : sql`DO UPDATE SET ${sql.join(present.filter((c) => c !== 'id').map((c) => sql`${sql.ref(c)} = ${sql.ref(`excluded.${c}`)}`))}`;
  for (const json of chunks) {
    await sql`INSERT INTO ${sql.table(table)} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${sql.table(table)}, ${json}::json) ON CONFLICT (id) ${conflict}`.execute(db);
  }
}
