import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { LATEST_SCHEMA, MIGRATIONS } from '../../../migrations/index';
import type { AnyDatabase, Db } from './db';
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
  } catch {
    return []; // a new database: no migration table yet
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
export async function migrateToLatest(database: AnyDatabase, options: { backupDir?: string; keepBackups?: number } = {}): Promise<MigrationReport> {
  const applied = await assertNotNewer(database.db);
  const pending = Object.keys(MIGRATIONS).filter((name) => !applied.includes(name));
  const before = applied.at(-1) ?? null;
  let backupFile: string | null = null;
  if (pending.length === 0) return { before, after: before ?? LATEST_SCHEMA, applied: [], backupFile };

  if (database.dialect === 'sqlite' && before !== null && database.file !== ':memory:') {
    const dir = options.backupDir ?? dirname(database.file);
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    backupFile = join(dir, `${basename(database.file)}.backup-${stamp}-${before}.sqlite`);
    await database.sqlite.backup(backupFile);
    pruneBackups(database.file, options.keepBackups ?? 5);
  }

  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => MIGRATIONS },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed and was rolled back${backupFile ? `; a backup is at ${backupFile}` : ''}: ${String(error)}`);
  }
  return { before, after: LATEST_SCHEMA, applied: (results ?? []).map((r) => r.migrationName), backupFile };
}

export async function currentSchema(db: Db): Promise<string | null> {
  return (await appliedMigrations(db)).at(-1) ?? null;
}
