import type { Compilable, CompiledQuery, InsertQueryBuilder, InsertResult, QueryResult } from 'kysely';
import { type Db, dialectOf, type Tx } from './db';
import type { Database } from './schema';

/**
 * Multi-row statements compiled once per dialect. Like preparedQuery (platform/prepared.ts),
 * the builder receives markers in place of values and the compiled SQL is reused (SQLite's
 * statement cache keeps it prepared); here the values come by position from an array of
 * rows, since a 50-row statement has hundreds of parameters and naming each would cost more
 * than the statement saves.
 */

type Slot = { row: number; column: number } | { scalar: string } | { constant: unknown };

export interface RowsStatement<Row, Scalars, R = never> {
  /** Runs the statement with exactly `size` rows. */
  execute(db: Db | Tx, rows: readonly Row[], scalars: Scalars): Promise<QueryResult<R>>;
}

export function compileRows<Row extends object, Scalars extends Record<string, unknown> = Record<string, never>, R = never>(
  size: number,
  columns: readonly (keyof Row & string)[],
  scalarNames: readonly (keyof Scalars & string)[],
  build: (db: Db | Tx, rows: Record<string, unknown>[], scalars: Scalars) => Compilable<unknown>,
): RowsStatement<Row, Scalars, R> {
  const compiled = new Map<string, { query: CompiledQuery; slots: Slot[] }>();
  const compile = (db: Db | Tx) => {
    const dialect = dialectOf(db);
    let entry = compiled.get(dialect);
    if (!entry) {
      const slotOf = new Map<string, Slot>();
      const rows = Array.from({ length: size }, (_, row) =>
        Object.fromEntries(
          columns.map((c, column) => {
            const marker = `\u0000row:${row}:${column}`;
            slotOf.set(marker, { row, column });
            return [c, marker];
          }),
        ),
      );
      const scalars = Object.fromEntries(
        scalarNames.map((name) => {
          const marker = `\u0000scalar:${name}`;
          slotOf.set(marker, { scalar: name });
          return [name, marker];
        }),
      ) as Scalars;
      const query = build(db, rows, scalars).compile();
      // A value the builder wrote itself (e.g. a literal state) stays as it is.
      const slots = query.parameters.map((value) => (typeof value === 'string' && slotOf.get(value)) || { constant: value });
      entry = { query, slots };
      compiled.set(dialect, entry);
    }
    return entry;
  };
  return {
    execute(db, rows, scalars) {
      const { query, slots } = compile(db);
      const parameters = slots.map((s) => ('row' in s ? rows[s.row]![columns[s.column]!] : 'scalar' in s ? scalars[s.scalar] : s.constant));
      return db.executeQuery<R>({ query: query.query, queryId: query.queryId, sql: query.sql, parameters });
    },
  };
}

/**
 * Rows per statement, largest first (each size compiled once per dialect, on first use): a
 * 100-line document is one statement, a 20-line one one (and its 40 crossing levels one),
 * a 7-line one two.
 */
const CHUNKS: readonly number[] = [100, 50, 40, 20, 10, 5, 2, 1];

/** Runs `rows` in chunks of CHUNKS sizes (`run` gets each chunk with its size). */
export async function inChunks<Row>(rows: readonly Row[], run: (size: number, chunk: readonly Row[]) => Promise<void>): Promise<void> {
  let at = 0;
  for (const size of CHUNKS) {
    for (; rows.length - at >= size; at += size) await run(size, rows.slice(at, at + size));
  }
}

/**
 * Inserts many rows into one table, in multi-row statements of fixed sizes. Kysely compiles
 * a 100-row insert anew on every call (about a millisecond), and one statement per row costs
 * a round trip each on PostgreSQL. Every row must give every column in `columns`; `finish`
 * may add to the statement (e.g. ON CONFLICT … DO UPDATE).
 */
export function preparedInsertMany<T extends keyof Database & string, Row extends Record<string, unknown>>(
  table: T,
  columns: readonly (keyof Row & string)[],
  finish: (insert: InsertQueryBuilder<Database, T, InsertResult>) => Compilable<unknown> = (insert) => insert,
) {
  const statements = new Map(CHUNKS.map((size) => [size, compileRows<Row>(size, columns, [], (db, rows) => finish(db.insertInto(table).values(rows as never)))] as const));
  return (db: Db | Tx, rows: readonly Row[]): Promise<void> =>
    inChunks(rows, async (size, chunk) => {
      await statements.get(size)!.execute(db, chunk, {});
    });
}

/** List sizes of preparedSelectIn: a list is padded up to the next one (IN ignores repeats). */
const IN_SIZES = [10, 50, 100];

/**
 * A query over a list of values (`… WHERE x IN (…)`), prepared once per list size: a
 * 20-product list is one statement (padded to 50 with repeats of its last value, which IN
 * ignores), a 100-product list one, where Kysely would compile a query with a parameter per
 * value on every call. Give distinct values.
 */
export function preparedSelectIn<R, Scalars extends Record<string, unknown> = Record<string, never>>(
  build: (db: Db | Tx, values: unknown[], scalars: Scalars) => Compilable<R>,
  scalarNames: readonly (keyof Scalars & string)[] = [],
) {
  const statements = new Map<number, RowsStatement<{ value: unknown }, Scalars, R>>();
  const statement = (size: number) => {
    let st = statements.get(size);
    if (!st) {
      st = compileRows<{ value: unknown }, Scalars, R>(size, ['value'], scalarNames, (db, rows, scalars) => build(db, rows.map((r) => r.value), scalars));
      statements.set(size, st);
    }
    return st;
  };
  const largest = IN_SIZES[IN_SIZES.length - 1]!;
  return async (db: Db | Tx, values: readonly unknown[], scalars: Scalars): Promise<R[]> => {
    const out: R[] = [];
    for (let at = 0; at < values.length; at += largest) {
      const chunk = values.slice(at, at + largest).map((value) => ({ value }));
      const size = IN_SIZES.find((n) => n >= chunk.length)!;
      while (chunk.length < size) chunk.push(chunk[chunk.length - 1]!);
      out.push(...(await statement(size).execute(db, chunk, scalars)).rows);
    }
    return out;
  };
}
