import SQLite from 'better-sqlite3';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
export type Dialect = 'sqlite' | 'postgres';

export interface BranchDatabase {
  dialect: 'sqlite';
  db: Db;
  /** The raw handle, for backups, pragmas and the few hot paths that use prepared statements. */
  sqlite: SQLite.Database;
  file: string;
  close(): Promise<void>;
}

export interface CentralDatabase {
  dialect: 'postgres';
  db: Db;
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
}

export type AnyDatabase = BranchDatabase | CentralDatabase;

export interface SqliteOptions {
  /** Path of a better_sqlite3.node built for this runtime's ABI (Electron's, when inside Electron). */
  nativeBinding?: string;
  readonly?: boolean;
}

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs more than running a
 * point lookup. This keeps the prepared statements by SQL text (the driver runs one query
 * at a time on its single connection, so reuse is safe).
 */
function withStatementCache(database: SQLite.Database, max = 500): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = database.prepare.bind(database);
  return new Proxy(database, {
    get(target, prop, receiver) {
      if (prop === 'prepare') {
        return (source: string) => {
          let stmt = cache.get(source);
          if (!stmt) {
            stmt = prepare(source);
            if (cache.size >= max) cache.delete(cache.keys().next().value as string);
            cache.set(source, stmt);
          }
          return stmt;
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export function openSqlite(file: string, options: SqliteOptions = {}): BranchDatabase {
  const sqlite = new SQLite(file, {
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    ...(options.readonly ? { readonly: true } : {}),
  });
  if (!options.readonly) sqlite.pragma('journal_mode = WAL');
  // FULL: a committed order survives a power cut; the brief's durability floor.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -32000');
  // Savepoint and statement journals (an import keeps each order atomic with a savepoint) and
  // temporary sort trees in memory, not temp files: the kernel time of creating and writing
  // them was a fifth of an imported order's cost.
  sqlite.pragma('temp_store = MEMORY');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    dialect: 'sqlite',
    db,
    sqlite,
    file,
    async close() {
      await db.destroy();
    },
  };
}

let pgTypesConfigured = false;
/** int8 → number (refusing values beyond 2^53), timestamptz → ISO string, like SQLite gives. */
function configurePgTypes(): void {
  if (pgTypesConfigured) return;
  pgTypesConfigured = true;
  pg.types.setTypeParser(pg.types.builtins.INT8, (v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new Error(`Integer ${v} is beyond the safe range`);
    return n;
  });
  pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (v) => new Date(v).toISOString());
}

export function openPostgres(url: string, poolSize = 5): CentralDatabase {
  configurePgTypes();
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle pooled connection the server ends (restart, admin termination, network loss) is
  // reported on the pool; without a listener Node treats it as an uncaught exception and the
  // whole process dies. The pool has already discarded that client; the next query reconnects
  // or fails with its own error, where the caller handles it.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    dialect: 'postgres',
    db,
    pool,
    url,
    async close() {
      await db.destroy();
    },
  };
}

export function dialectOf(db: Db | Tx): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
