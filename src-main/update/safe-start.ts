/**
 * Upgrading the branch database safely before a new version first opens it, and restoring a
 * backup by hand (`branchline restore FILE`).
 *
 * Before the first start of a new version (any start that finds pending migrations):
 *   1. refuse a database written by a newer version (nothing is touched);
 *   2. take an online backup and check it;
 *   3. apply every pending migration inside ONE SQLite transaction (BEGIN IMMEDIATE … COMMIT:
 *      Kysely's Migrator does not open one on SQLite, whose adapter reports no transactional
 *      DDL, so this does), with `PRAGMA integrity_check` and `foreign_key_check` before COMMIT;
 *   4. check integrity again after COMMIT.
 * A failure before COMMIT rolls back (the file is as it was); a failure after COMMIT restores
 * the backup. Either way the caller starts the engine read-only (EngineOptions.readOnly) with
 * the returned reason, on the previous schema, and the user sees why.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import { LATEST_SCHEMA, MIGRATIONS } from '../../migrations/index';
import { type BranchDatabase, openSqlite } from '../engine/platform/db';
import { migrateToLatest } from '../engine/platform/migrate';

export interface StartPreparation {
  /** new: no database yet; current: nothing to migrate; migrated; rolled-back / restored: the upgrade failed; refused: newer schema. */
  state: 'new' | 'current' | 'migrated' | 'rolled-back' | 'restored' | 'refused';
  schemaBefore: string | null;
  schemaAfter: string | null;
  applied: string[];
  backupFile: string | null;
  /** Set when the engine must start read-only: the message to show. */
  readOnly: string | null;
  /** Set when this version cannot open the database at all (written by a newer version). */
  refused: string | null;
}

export interface PrepareOptions {
  dbFile: string;
  appVersion: string;
  nativeBinding?: string;
  /** Where upgrade backups go (default: `backups/` beside the database). */
  backupDir?: string;
  keepBackups?: number;
  now?: () => Date;
  /** Test hooks: run inside the migration transaction. */
  hooks?: { beforeCommit?(database: BranchDatabase): void | Promise<void>; afterCommit?(database: BranchDatabase): void | Promise<void> };
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, '-');

/** The migrations recorded in a SQLite database (empty for a new one). */
export function appliedMigrationsOf(sqlite: SQLite.Database): string[] {
  const table = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'").get();
  if (!table) return [];
  return (sqlite.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as { name: string }[]).map((r) => r.name);
}

/** Migrations this version does not know: the file was written by a newer version. */
export function unknownMigrations(applied: string[]): string[] {
  return applied.filter((name) => !(name in MIGRATIONS));
}

export function newerSchemaMessage(what: string, applied: string[]): string | null {
  const unknown = unknownMigrations(applied);
  if (unknown.length === 0) return null;
  return `${what} was written by a newer version of Branchline (schema ${unknown.at(-1)}; this app knows up to ${LATEST_SCHEMA}). Update Branchline to open it. Nothing was changed.`;
}

/** `PRAGMA integrity_check` (or quick_check): null when ok, else the first problems. */
export function integrityProblems(sqlite: SQLite.Database, quick = false): string | null {
  const rows = sqlite.pragma(quick ? 'quick_check' : 'integrity_check') as Record<string, string>[];
  const messages = rows.map((r) => Object.values(r)[0]).filter((m) => m !== 'ok');
  return messages.length ? messages.slice(0, 5).join('; ') : null;
}

function foreignKeyProblems(sqlite: SQLite.Database): string | null {
  const rows = sqlite.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
  return rows.length ? `${rows.length} row(s) break a foreign key (first: ${rows[0]!.table} row ${rows[0]!.rowid} → ${rows[0]!.parent})` : null;
}

/**
 * Closes a database opened with openSqlite. Kysely opens its driver lazily, so when only the
 * raw handle was used its destroy() leaves the handle open: close that too.
 */
export async function closeFully(database: BranchDatabase): Promise<void> {
  await database.close();
  if (database.sqlite.open) database.sqlite.close();
}

/** Removes a database's WAL and shared-memory files (only when no connection is open). */
function removeSidecars(dbFile: string): void {
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${dbFile}${suffix}`, { force: true });
}

/** Replaces dbFile with a copy of `from`, atomically (copy beside it, then rename). */
function replaceFile(dbFile: string, from: string): void {
  const tmp = `${dbFile}.restoring-${process.pid}`;
  copyFileSync(from, tmp);
  removeSidecars(dbFile);
  renameSync(tmp, dbFile);
}

function pruneBackups(dir: string, prefix: string, keep: number): void {
  const old = readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.sqlite'))
    .sort();
  for (const f of old.slice(0, Math.max(0, old.length - keep))) rmSync(join(dir, f), { force: true });
}

/**
 * Applies the pending migrations in one transaction. Throws (after ROLLBACK) when a migration
 * fails or the result does not pass the integrity and foreign-key checks.
 */
export async function migrateInTransaction(database: BranchDatabase, hooks: PrepareOptions['hooks'] = {}): Promise<string[]> {
  const report = await migrateToLatest(database, {
    backup: false, // prepareDatabaseForStart took (and checked) its own
    beforeCommit: async (db) => {
      const problem = integrityProblems(db.sqlite) ?? foreignKeyProblems(db.sqlite);
      if (problem) throw new Error(`the migrated database fails its integrity check: ${problem}`);
      await hooks.beforeCommit?.(db);
    },
  });
  return report.applied;
}

/** Backs up, migrates in one transaction, checks; on failure leaves the previous data in place. */
export async function prepareDatabaseForStart(options: PrepareOptions): Promise<StartPreparation> {
  const base: StartPreparation = { state: 'new', schemaBefore: null, schemaAfter: null, applied: [], backupFile: null, readOnly: null, refused: null };
  if (options.dbFile === ':memory:' || !existsSync(options.dbFile)) return base;
  const database = openSqlite(options.dbFile, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  let closed = false;
  const close = async () => {
    if (!closed) await closeFully(database);
    closed = true;
  };
  try {
    const applied = appliedMigrationsOf(database.sqlite);
    const before = applied.at(-1) ?? null;
    const refused = newerSchemaMessage(`The database ${options.dbFile}`, applied);
    if (refused) return { ...base, state: 'refused', schemaBefore: before, schemaAfter: before, refused };
    const pending = Object.keys(MIGRATIONS).filter((m) => !applied.includes(m));
    if (pending.length === 0) return { ...base, state: 'current', schemaBefore: before, schemaAfter: before };

    let backupFile: string | null = null;
    if (before !== null) {
      const dir = options.backupDir ?? join(dirname(options.dbFile), 'backups');
      mkdirSync(dir, { recursive: true });
      const prefix = `${basename(options.dbFile)}.pre-upgrade-`;
      backupFile = join(dir, `${prefix}${stamp((options.now ?? (() => new Date()))())}-${before}-to-${options.appVersion}.sqlite`);
      await database.sqlite.backup(backupFile);
      const check = new SQLite(backupFile, { readonly: true, ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}) });
      try {
        const problem = integrityProblems(check, true);
        if (problem) throw new Error(`the backup ${backupFile} is damaged (${problem}); the upgrade was not attempted`);
      } finally {
        check.close();
      }
      pruneBackups(dir, prefix, options.keepBackups ?? 5);
    }

    try {
      const done = await migrateInTransaction(database, options.hooks);
      await options.hooks?.afterCommit?.(database);
      const after = integrityProblems(database.sqlite);
      if (after) throw Object.assign(new Error(`the upgraded database fails its integrity check: ${after}`), { committed: true });
      return { ...base, state: 'migrated', schemaBefore: before, schemaAfter: appliedMigrationsOf(database.sqlite).at(-1) ?? null, applied: done, backupFile };
    } catch (error) {
      const committed = (error as { committed?: boolean }).committed === true || appliedMigrationsOf(database.sqlite).length !== applied.length;
      await close();
      const reason = errorText(error);
      if (committed && backupFile) {
        replaceFile(options.dbFile, backupFile);
        return {
          ...base,
          state: 'restored',
          schemaBefore: before,
          schemaAfter: before,
          backupFile,
          readOnly: `Branchline ${options.appVersion} could not upgrade this branch's database (${reason}). It was restored from the backup taken just before (${backupFile}). The app is read-only until an administrator fixes the cause (see the log) and installs a corrected version; nothing you did before the upgrade was lost.`,
        };
      }
      return {
        ...base,
        state: 'rolled-back',
        schemaBefore: before,
        schemaAfter: before,
        backupFile,
        readOnly: `Branchline ${options.appVersion} could not upgrade this branch's database (${reason}). The upgrade was rolled back and the data is as it was${backupFile ? `; a backup is at ${backupFile}` : ''}. The app is read-only until an administrator installs a corrected version.`,
      };
    }
  } finally {
    await close();
  }
}

export interface RestoreReport {
  dbFile: string;
  from: string;
  schema: string | null;
  /** Migrations the restored file still needs (applied at the next start, with a backup first). */
  pending: string[];
  /** The database as it was before the restore. */
  previousCopy: string | null;
}

/**
 * Restores a backup over the branch database by hand. Refuses a damaged file, a file from a
 * newer schema, and a database in use (the app or `branchline serve` running).
 */
export function restoreDatabase(options: { dbFile: string; from: string; nativeBinding?: string; now?: () => Date }): RestoreReport {
  const binding = options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
  if (!existsSync(options.from) || !statSync(options.from).isFile()) throw new Error(`${options.from} does not exist`);
  let applied: string[];
  const source = new SQLite(options.from, { readonly: true, fileMustExist: true, ...binding });
  try {
    try {
      const problem = integrityProblems(source);
      if (problem) throw new Error(`${options.from} is damaged (${problem}); nothing was restored`);
      applied = appliedMigrationsOf(source);
    } catch (error) {
      if (/file is not a database|file is encrypted/i.test(errorText(error))) throw new Error(`${options.from} is not a Branchline database (not SQLite); nothing was restored`);
      throw error;
    }
  } finally {
    source.close();
  }
  if (applied.length === 0) throw new Error(`${options.from} is not a Branchline database (it has no schema version); nothing was restored`);
  const newer = newerSchemaMessage(options.from, applied);
  if (newer) throw new Error(newer.replace('Nothing was changed.', 'Nothing was restored.'));

  let previousCopy: string | null = null;
  if (existsSync(options.dbFile)) {
    // In use? Leaving WAL mode needs the only connection to the file: it fails (SQLITE_BUSY)
    // while the app or `serve` has it open, and otherwise folds the WAL into the file first.
    const current = new SQLite(options.dbFile, { timeout: 200, ...binding });
    try {
      try {
        current.pragma('journal_mode = DELETE');
      } catch {
        throw new Error(`${options.dbFile} is in use: close Branchline (and stop \`branchline serve\`), then restore again`);
      }
      const dir = join(dirname(options.dbFile), 'backups');
      mkdirSync(dir, { recursive: true });
      previousCopy = join(dir, `${basename(options.dbFile)}.before-restore-${stamp((options.now ?? (() => new Date()))())}.sqlite`);
      copyFileSync(options.dbFile, previousCopy);
    } finally {
      current.close();
    }
  } else {
    mkdirSync(dirname(options.dbFile), { recursive: true });
  }
  replaceFile(options.dbFile, options.from);
  return {
    dbFile: options.dbFile,
    from: options.from,
    schema: applied.at(-1) ?? null,
    pending: Object.keys(MIGRATIONS).filter((m) => !applied.includes(m)),
    previousCopy,
  };
}
