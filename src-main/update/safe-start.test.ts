/** Upgrading the database before a new version starts, and restoring by hand: nothing is lost, whatever fails. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { Migrator } from 'kysely/migration';
import { afterEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA, MIGRATIONS } from '../../migrations/index';
import { openSqlite } from '../engine/platform/db';
import { appliedMigrationsOf, closeFully, prepareDatabaseForStart, restoreDatabase } from './safe-start';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./migration-child.ts', import.meta.url));
const NAMES = Object.keys(MIGRATIONS).sort();
const PREVIOUS = NAMES.at(-2)!;

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'bl-safe-start-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A database as the previous version left it: every migration but the last, and some data. */
async function previousVersionDatabase(file: string, rows = 20_000): Promise<void> {
  const database = openSqlite(file);
  try {
    const previous = Object.fromEntries(NAMES.slice(0, -1).map((n) => [n, MIGRATIONS[n]!]));
    const { error } = await new Migrator({ db: database.db, provider: { getMigrations: async () => previous } }).migrateToLatest();
    if (error) throw error;
    database.sqlite.exec('CREATE TABLE test_payload (id INTEGER PRIMARY KEY, note TEXT NOT NULL)');
    const insert = database.sqlite.prepare('INSERT INTO test_payload (note) VALUES (?)');
    database.sqlite.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run(`row ${i} ${'x'.repeat(i % 50)}`);
    })();
  } finally {
    await closeFully(database);
  }
}

/** Everything that tells one state of the file from another: schema objects, migrations, data. */
function snapshot(file: string) {
  const db = new SQLite(file, { readonly: true });
  try {
    return {
      objects: db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all(),
      migrations: appliedMigrationsOf(db),
      payload: db.prepare('SELECT COUNT(*) AS n, SUM(LENGTH(note)) AS len FROM test_payload').get(),
      integrity: db.pragma('integrity_check', { simple: true }),
    };
  } finally {
    db.close();
  }
}

describe('database upgrade before the first start of a new version', () => {
  it('leaves a new or current database alone', async () => {
    const dir = tempDir();
    expect(await prepareDatabaseForStart({ dbFile: join(dir, 'none.sqlite'), appVersion: '2.0.0' })).toMatchObject({ state: 'new', readOnly: null });
    const file = join(dir, 'b.sqlite');
    await previousVersionDatabase(file, 10);
    expect(await prepareDatabaseForStart({ dbFile: file, appVersion: '2.0.0' })).toMatchObject({ state: 'migrated' });
    expect(await prepareDatabaseForStart({ dbFile: file, appVersion: '2.0.0' })).toMatchObject({ state: 'current', schemaAfter: LATEST_SCHEMA, backupFile: null });
  });

  it('backs up, migrates in one transaction and checks integrity', async () => {
    const dir = tempDir();
    const file = join(dir, 'branch.sqlite');
    await previousVersionDatabase(file);
    const before = snapshot(file);
    const r = await prepareDatabaseForStart({ dbFile: file, appVersion: '2.0.0' });
    expect(r).toMatchObject({ state: 'migrated', schemaBefore: PREVIOUS, schemaAfter: LATEST_SCHEMA, applied: [LATEST_SCHEMA], readOnly: null });
    expect(r.backupFile).toMatch(new RegExp(`backups[\\\\/]branch\\.sqlite\\.pre-upgrade-.*-${PREVIOUS}-to-2\\.0\\.0\\.sqlite$`));
    expect(snapshot(r.backupFile!)).toEqual(before);
    const after = snapshot(file);
    expect(after.migrations.at(-1)).toBe(LATEST_SCHEMA);
    expect(after.payload).toEqual(before.payload);
    expect(after.integrity).toBe('ok');
  });

  it('a migration killed mid-way (inside its transaction) leaves the database exactly as before, and the next start upgrades it', async () => {
    const dir = tempDir();
    const file = join(dir, 'branch.sqlite');
    const marker = join(dir, 'marker');
    await previousVersionDatabase(file);
    const before = snapshot(file);
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, marker], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<NodeJS.Signals | number | null>((done) => child.on('exit', (code, signal) => done(signal ?? code)));
    for (let i = 0; i < 600 && !existsSync(marker); i++) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(existsSync(marker), `the child never reached the migration transaction: ${output}`).toBe(true);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // A hot journal/WAL is left behind; SQLite rolls it back when the file is next opened.
    const after = snapshot(file);
    expect(after).toEqual(before);
    expect(after.migrations.at(-1)).toBe(PREVIOUS);
    const retry = await prepareDatabaseForStart({ dbFile: file, appVersion: '2.0.0' });
    expect(retry).toMatchObject({ state: 'migrated', schemaAfter: LATEST_SCHEMA });
    expect(snapshot(file).payload).toEqual(before.payload);
  }, 60_000);

  it('a failing migration rolls back and the app starts read-only with a clear message', async () => {
    const dir = tempDir();
    const file = join(dir, 'branch.sqlite');
    await previousVersionDatabase(file, 100);
    // Sabotage: recording the last migration fails, after its own statements ran.
    const db = new SQLite(file);
    db.exec(`CREATE TRIGGER sabotage BEFORE INSERT ON kysely_migration WHEN NEW.name = '${LATEST_SCHEMA}' BEGIN SELECT RAISE(ABORT, 'disk said no'); END`);
    db.close();
    const before = snapshot(file);
    const r = await prepareDatabaseForStart({ dbFile: file, appVersion: '2.0.0' });
    expect(r.state).toBe('rolled-back');
    expect(r.readOnly).toMatch(/Branchline 2\.0\.0 could not upgrade this branch's database \(migration .* failed: .*\)\. The upgrade was rolled back and the data is as it was; a backup is at /);
    expect(snapshot(file)).toEqual(before);
  });

  it('an integrity problem found before COMMIT rolls back too', async () => {
    const dir = tempDir();
    const file = join(dir, 'branch.sqlite');
    await previousVersionDatabase(file, 100);
    const before = snapshot(file);
    const r = await prepareDatabaseForStart({
      dbFile: file,
      appVersion: '2.0.0',
      hooks: {
        beforeCommit() {
          throw new Error('the migrated database fails its integrity check: simulated');
        },
      },
    });
    expect(r).toMatchObject({ state: 'rolled-back', schemaAfter: PREVIOUS, readOnly: expect.stringMatching(/integrity check: simulated/) });
    expect(snapshot(file)).toEqual(before);
  });

  it('a failure found after COMMIT restores the backup', async () => {
    const dir = tempDir();
    const file = join(dir, 'branch.sqlite');
    await previousVersionDatabase(file, 500);
    const before = snapshot(file);
    const r = await prepareDatabaseForStart({
      dbFile: file,
      appVersion: '2.0.0',
      hooks: {
        afterCommit() {
          throw new Error('simulated damage found after the upgrade');
        },
      },
    });
    expect(r).toMatchObject({ state: 'restored', schemaAfter: PREVIOUS });
    expect(r.readOnly).toMatch(/simulated damage.*restored from the backup taken just before/);
    expect(snapshot(file)).toEqual(before);
  });

  it('refuses a database written by a newer version, touching nothing', async () => {
    const dir = tempDir();
    const file = join(dir, 'branch.sqlite');
    await previousVersionDatabase(file, 10);
    await prepareDatabaseForStart({ dbFile: file, appVersion: '2.0.0' });
    const db = new SQLite(file);
    db.prepare('INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)').run('9999_from_the_future', new Date().toISOString());
    db.close();
    const before = snapshot(file);
    const backups = readdirSync(join(dir, 'backups'));
    const r = await prepareDatabaseForStart({ dbFile: file, appVersion: '2.0.0' });
    expect(r.state).toBe('refused');
    expect(r.refused).toMatch(/written by a newer version of Branchline \(schema 9999_from_the_future; this app knows up to .*\)\. Update Branchline to open it\. Nothing was changed\./);
    expect(snapshot(file)).toEqual(before);
    expect(readdirSync(join(dir, 'backups'))).toEqual(backups);
  });
});

describe('branchline restore', () => {
  it('puts a backup back, keeping a copy of what it replaces', async () => {
    const dir = tempDir();
    const file = join(dir, 'branch.sqlite');
    await previousVersionDatabase(file, 300);
    await prepareDatabaseForStart({ dbFile: file, appVersion: '2.0.0' });
    const backup = join(dir, 'copy.sqlite');
    const live = openSqlite(file);
    await live.sqlite.backup(backup);
    live.sqlite.exec("DELETE FROM test_payload WHERE id > 100; INSERT INTO test_payload (note) VALUES ('after the backup')");
    await closeFully(live);
    const wanted = snapshot(backup);
    const r = restoreDatabase({ dbFile: file, from: backup });
    expect(r).toMatchObject({ schema: LATEST_SCHEMA, pending: [] });
    expect(snapshot(file)).toEqual(wanted);
    expect(snapshot(r.previousCopy!).payload).toEqual({ n: 101, len: expect.any(Number) });
  });

  it('restores an older schema (migrated at the next start) but refuses a newer one, a damaged file and a database in use', async () => {
    const dir = tempDir();
    const file = join(dir, 'branch.sqlite');
    const old = join(dir, 'old.sqlite');
    await previousVersionDatabase(old, 50);
    await previousVersionDatabase(file, 10);
    await prepareDatabaseForStart({ dbFile: file, appVersion: '2.0.0' });
    expect(restoreDatabase({ dbFile: file, from: old })).toMatchObject({ schema: PREVIOUS, pending: [LATEST_SCHEMA] });

    const future = join(dir, 'future.sqlite');
    await previousVersionDatabase(future, 5);
    const f = new SQLite(future);
    f.prepare('INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)').run('9999_from_the_future', new Date().toISOString());
    f.close();
    const before = snapshot(file);
    expect(() => restoreDatabase({ dbFile: file, from: future })).toThrow(/newer version of Branchline \(schema 9999_from_the_future.*Nothing was restored\./);
    expect(snapshot(file)).toEqual(before);

    const junk = join(dir, 'junk.sqlite');
    rmSync(junk, { force: true });
    writeFileSync(junk, 'this is not a database at all, just text '.repeat(200));
    expect(() => restoreDatabase({ dbFile: file, from: junk })).toThrow(/not a Branchline database|damaged/);
    expect(() => restoreDatabase({ dbFile: file, from: join(dir, 'missing.sqlite') })).toThrow(/does not exist/);

    const inUse = openSqlite(file);
    try {
      expect(() => restoreDatabase({ dbFile: file, from: old })).toThrow(/is in use: close Branchline/);
    } finally {
      await closeFully(inUse);
    }
  });
});
