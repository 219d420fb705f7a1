import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { sql } from 'kysely';
import { type Migration, type MigrationResultSet, Migrator } from 'kysely/migration';
import { LATEST_SCHEMA, MIGRATIONS } from '../../../migrations/index';
import type { AnyDatabase, BranchDatabase, Db } from './db';
import { DomainError } from './errors';

export interface MigrationReport {
  before: string | null;
  after: string;
  applied: string[];
  backupFile: string | null;
}

async function appliedMigrations(db: Db): Promise<string[]> {
  try {
    const rows = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db);
    return rows.rows.map((r) => r.name);
  } catch (error) {
    // A new database has no migration table yet; anything else (an unreachable server) is real.
    if (/no such table|does not exist/i.test(error instanceof Error ? error.message : String(error))) return [];
    throw error;
  }
}

/** Refuses a database written by a newer Branchline: migrating "down" would lose its data. */
export async function assertNotNewer(db: Db): Promise<string[]> {
  const applied = await appliedMigrations(db);
  const unknown = applied.filter((name) => !(name in MIGRATIONS));
  if (unknown.length > 0) {
    throw new DomainError(
      'READ_ONLY',
      `This database was written by a newer version of Branchline (schema ${unknown.at(-1)}; this app knows up to ${LATEST_SCHEMA}). ` +
        'Update Branchline to open it. Nothing was changed.',
      { schema: unknown.at(-1), appSchema: LATEST_SCHEMA },
    );
  }
  return applied;
}

/** Keeps the newest backups of a database file; older ones are removed. */
function pruneBackups(file: string, keep: number): void {
  const dir = dirname(file);
  const prefix = `${basename(file)}.backup-`;
  const backups = readdirSync(dir).filter((f) => f.startsWith(prefix)).sort();
  for (const old of backups.slice(0, Math.max(0, backups.length - keep))) rmSync(join(dir, old), { force: true });
}

/**
 * Applies pending migrations in one transaction. On SQLite with existing data, first copies
 * the file (online backup) so a failed upgrade can be restored by hand or by the updater.
 */
export interface MigrateOptions {
  backupDir?: string;
  keepBackups?: number;
  /** false when the caller has taken its own backup (the desktop's safe start). */
  backup?: boolean;
  /** Checks to run inside the transaction before it commits (SQLite); throwing rolls everything back. */
  beforeCommit?: (database: BranchDatabase) => Promise<void> | void;
  /** Tests only: a different migration list. */
  migrations?: Record<string, Migration>;
}

export async function migrateToLatest(database: AnyDatabase, options: MigrateOptions = {}): Promise<MigrationReport> {
  const applied = await assertNotNewer(database.db);
  const pending = Object.keys(options.migrations ?? MIGRATIONS).filter((name) => !applied.includes(name));
  const before = applied.at(-1) ?? null;
  let backupFile: string | null = null;
  if (pending.length === 0) return { before, after: before ?? LATEST_SCHEMA, applied: [], backupFile };

  if (database.dialect === 'sqlite' && before !== null && database.file !== ':memory:' && options.backup !== false) {
    const dir = options.backupDir ?? dirname(database.file);
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    backupFile = join(dir, `${basename(database.file)}.backup-${stamp}-${before}.sqlite`);
    await database.sqlite.backup(backupFile);
    pruneBackups(database.file, options.keepBackups ?? 5);
  }

  const provider = { getMigrations: async () => options.migrations ?? MIGRATIONS };
  const fail = (results: MigrationResultSet['results'], error: unknown) => {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const reason = error instanceof Error ? error.message : String(error);
    return new Error(`migration ${failed} failed: ${reason} — rolled back, nothing changed${backupFile ? `; a backup is at ${backupFile}` : ''}`);
  };
  let results: MigrationResultSet['results'];
  if (database.dialect === 'sqlite') {
    // Kysely's migrator does not wrap SQLite in a transaction (it reports no transactional DDL,
    // though SQLite has it) and refuses one handed to it: open one on the connection ourselves,
    // so a failure — or the process dying mid-way — leaves the schema untouched.
    database.sqlite.exec('BEGIN IMMEDIATE');
    try {
      const outcome = await new Migrator({ db: database.db, provider }).migrateToLatest();
      if (outcome.error) throw fail(outcome.results, outcome.error);
      await options.beforeCommit?.(database);
      database.sqlite.exec('COMMIT');
      results = outcome.results;
    } catch (error) {
      if (database.sqlite.inTransaction) database.sqlite.exec('ROLLBACK');
      throw error;
    }
  } else {
    const outcome = await new Migrator({ db: database.db, provider }).migrateToLatest();
    if (outcome.error) throw fail(outcome.results, outcome.error);
    results = outcome.results;
  }
  return { before, after: Object.keys(options.migrations ?? MIGRATIONS).sort().at(-1) ?? LATEST_SCHEMA, applied: (results ?? []).map((r) => r.migrationName), backupFile };
}

export async function currentSchema(db: Db): Promise<string | null> {
  return (await appliedMigrations(db)).at(-1) ?? null;
}
