import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Db, Tx } from './db';
import { dialectOf } from './db';

/**
 * A Kysely query compiled once per dialect and run many times with new parameter values.
 * Kysely builds and compiles SQL on every call (~40 µs); hot paths (posting moves,
 * availability) compile once here and, on SQLite, hit the prepared-statement cache in
 * db.ts. Parameters are named: the builder receives markers, and their positions in the
 * compiled SQL are found by value, so a query can use them in any order or repeat them.
 */
export function preparedQuery<P extends Record<string, unknown>, R>(names: (keyof P & string)[], build: (db: Db | Tx, p: P) => Compilable<R>) {
  const compiled = new Map<string, { query: CompiledQuery<R>; slots: (keyof P & string)[] }>();
  const marker = (name: string) => `\u0000param:${name}`;
  const compile = (db: Db | Tx) => {
    const dialect = dialectOf(db);
    let entry = compiled.get(dialect);
    if (!entry) {
      const markers = Object.fromEntries(names.map((n) => [n, marker(n)])) as unknown as P;
      const query = build(db, markers).compile();
      const slots = query.parameters.map((value) => {
        const name = names.find((n) => marker(n) === value);
        if (!name) throw new Error(`preparedQuery: a literal value was compiled as a parameter (${String(value)}); pass it as a named parameter`);
        return name;
      });
      entry = { query, slots };
      compiled.set(dialect, entry);
    }
    return entry;
  };
  return {
    async execute(db: Db | Tx, params: P): Promise<QueryResult<R>> {
      const { query, slots } = compile(db);
      return db.executeQuery<R>({ ...query, parameters: slots.map((s) => params[s]) });
    },
    async rows(db: Db | Tx, params: P): Promise<R[]> {
      return (await this.execute(db, params)).rows;
    },
    async first(db: Db | Tx, params: P): Promise<R | undefined> {
      return (await this.execute(db, params)).rows[0];
    },
  };
}
