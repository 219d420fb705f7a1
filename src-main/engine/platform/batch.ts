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

/** An inserter of preparedInsertMany (what deferred rows are written with). */
export type RowsInserter<Row> = (db: Db | Tx, rows: readonly Row[]) => Promise<void>;

interface DeferredRow {
  insert: RowsInserter<Record<string, unknown>>;
  table: string;
  row: Record<string, unknown>;
  /** The document the row belongs to (an order's own rows are written early when something must reference them). */
  owner: string;
}

interface PendingRows {
  rows: DeferredRow[];
  /** Waiting rows by id, to be updated in place. */
  byId: Map<unknown, DeferredRow>;
  /** Each inserter's rank: the order its table's first row was ever deferred in the command (a parent's table before its children's). */
  rank: Map<RowsInserter<Record<string, unknown>>, number>;
}

const pendingRowsByCommand = new WeakMap<object, PendingRows>();

export interface DeferredRows {
  /** How much is waiting now, to come back to if what follows is rolled back. */
  mark(): number;
  /** Forgets the rows deferred since `mark` (the work that made them was rolled back). */
  restore(mark: number): void;
  /** Writes every waiting row — tables in the order their first row was deferred, parents before children — and ends the deferral. */
  flush(): Promise<void>;
}

/**
 * For a command that writes many new documents and reads none of them back (an import chunk):
 * rows given to `insertOrDefer` with an owner wait and are written together by `flush` (one
 * multi-row statement per table and 100 rows), which the caller runs before its command ends.
 * Until then the writers update a waiting row in place (`deferredRow`), and whatever must
 * reference or read an owner's rows through SQL first writes them (`writeDeferredOf`).
 * Tables are written in the order their first row was ever deferred in the command: a
 * document's parent row is always deferred before its children, so foreign keys hold.
 */
export function deferRows(ctx: object): DeferredRows {
  const pending: PendingRows = { rows: [], byId: new Map(), rank: new Map() };
  pendingRowsByCommand.set(ctx, pending);
  return {
    mark: () => pending.rows.length,
    restore(mark) {
      for (const r of pending.rows.splice(mark)) pending.byId.delete(r.row.id);
    },
    async flush() {
      pendingRowsByCommand.delete(ctx);
      await writeRows(ctx, pending, pending.rows);
      pending.rows = [];
      pending.byId.clear();
    },
  };
}

async function writeRows(ctx: object, pending: PendingRows, rows: readonly DeferredRow[]): Promise<void> {
  const byInserter = new Map<RowsInserter<Record<string, unknown>>, Record<string, unknown>[]>();
  for (const r of rows) (byInserter.get(r.insert) ?? byInserter.set(r.insert, []).get(r.insert)!).push(r.row);
  const ordered = [...byInserter].sort(([a], [b]) => pending.rank.get(a)! - pending.rank.get(b)!);
  for (const [insert, list] of ordered) await insert((ctx as { db: Db | Tx }).db, list);
}

/**
 * Inserts `rows` now, or — when the command defers rows (deferRows) and the caller gives the
 * owner document — keeps them to be written at the command's end. Only for rows nothing
 * reads back through SQL before then (the callers say so by giving an owner).
 */
export async function insertOrDefer<Row extends Record<string, unknown>>(ctx: { db: Db | Tx }, insert: RowsInserter<Row>, table: string, rows: readonly Row[], owner: string | null): Promise<void> {
  const pending = owner === null ? undefined : pendingRowsByCommand.get(ctx);
  if (!pending) return insert(ctx.db, rows);
  if (!pending.rank.has(insert as RowsInserter<Record<string, unknown>>)) pending.rank.set(insert as RowsInserter<Record<string, unknown>>, pending.rank.size);
  for (const row of rows) {
    const r: DeferredRow = { insert: insert as RowsInserter<Record<string, unknown>>, table, row, owner: owner! };
    pending.rows.push(r);
    pending.byId.set(row.id, r);
  }
}

/** The waiting row with this id (to update in place instead of with SQL), or undefined when it is written (or never deferred). */
export function deferredRow<Row extends Record<string, unknown>>(ctx: object, table: string, id: string): Row | undefined {
  const r = pendingRowsByCommand.get(ctx)?.byId.get(id);
  return r && r.table === table ? (r.row as Row) : undefined;
}

/** The waiting rows of a table, in the order deferred (e.g. a customer's new orders for its credit exposure). */
export function deferredRowsOf<Row extends Record<string, unknown>>(ctx: object, table: string): Row[] {
  const pending = pendingRowsByCommand.get(ctx);
  return pending ? pending.rows.filter((r) => r.table === table).map((r) => r.row as Row) : [];
}

/** Writes an owner's waiting rows now: something is about to reference them (a foreign key) or read them through SQL. */
export async function writeDeferredOf(ctx: object, owner: string): Promise<void> {
  const pending = pendingRowsByCommand.get(ctx);
  if (!pending || !pending.rows.some((r) => r.owner === owner)) return;
  const mine = pending.rows.filter((r) => r.owner === owner);
  pending.rows = pending.rows.filter((r) => r.owner !== owner);
  for (const r of mine) pending.byId.delete(r.row.id);
  await writeRows(ctx, pending, mine);
}
