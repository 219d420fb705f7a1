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
export function preparedQuery<P extends object, R>(names: (keyof P & string)[], build: (db: Db | Tx, p: P) => Compilable<R>) {
  // A slot is a named parameter, or a constant the builder wrote into the query (e.g. version 1).
  type Slot = { name: keyof P & string } | { constant: unknown };
  const compiled = new Map<string, { query: CompiledQuery<R>; slots: Slot[] }>();
  const marker = (name: string) => `\u0000param:${name}`;
  const compile = (db: Db | Tx) => {
    const dialect = dialectOf(db);
    let entry = compiled.get(dialect);
    if (!entry) {
      const markers = Object.fromEntries(names.map((n) => [n, marker(n)])) as unknown as P;
      const query = build(db, markers).compile();
      const slots: Slot[] = query.parameters.map((value) => {
        const name = names.find((n) => marker(n) === value);
        return name ? { name } : { constant: value };
      });
      entry = { query, slots };
      compiled.set(dialect, entry);
    }
    return entry;
  };
  return {
    async execute(db: Db | Tx, params: P): Promise<QueryResult<R>> {
      const { query, slots } = compile(db);
      return db.executeQuery<R>({ ...query, parameters: slots.map((s) => ('name' in s ? params[s.name] : s.constant)) });
    },
    async rows(db: Db | Tx, params: P): Promise<R[]> {
      return (await this.execute(db, params)).rows;
    },
    async first(db: Db | Tx, params: P): Promise<R | undefined> {
      return (await this.execute(db, params)).rows[0];
    },
  };
}
