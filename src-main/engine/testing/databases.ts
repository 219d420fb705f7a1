import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Engine } from '../engine';
import { type AnyDatabase, openPostgres, openSqlite } from '../platform/db';
import { migrateToLatest } from '../platform/migrate';
import { DomainError } from '../platform/errors';

export type TestDialect = 'sqlite' | 'postgres';
export const DIALECTS: TestDialect[] = ['sqlite', 'postgres'];

/** Server URL for test databases; each test database is created and dropped by the test. */
export function adminUrl(): string {
  return process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface TestDatabase {
  database: AnyDatabase;
  /** Drops the database (PostgreSQL) or deletes the file (SQLite). */
  dispose(): Promise<void>;
}

/** A fresh, empty database of the given dialect: a real SQLite file or a real PostgreSQL database. */
export async function createTestDatabase(dialect: TestDialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'branchline-test-'));
    const database = openSqlite(join(dir, 'branch.sqlite'));
    return {
      database,
      async dispose() {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `bl_test_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const database = openPostgres(withDatabase(adminUrl(), name));
  return {
    database,
    async dispose() {
      await database.close();
      const c = new pg.Client({ connectionString: adminUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestEngine extends TestDatabase {
  engine: Engine;
  adminId: string;
}

/**
 * A migrated database with an engine on it and a first admin, set up through the real
 * `system.setup` command (so the outbox and audit hold what a real install holds).
 */
export async function createTestEngine(dialect: TestDialect, options: { demo?: boolean; demoSize?: 'small' | 'default' | 'large'; demoSeed?: number } = {}): Promise<TestEngine> {
  const test = await createTestDatabase(dialect);
  await migrateToLatest(test.database);
  const engine = await Engine.open({ database: test.database, validateOutput: true, appVersion: 'test' });
  if (options.demo || options.demoSize) {
    // The default size loads a year of stock history (~100,000 moves); tests that only need a company use 'small'.
    await engine.run('system.loadDemo', { seed: options.demoSeed ?? 7, size: options.demoSize ?? 'default' }, { anonymous: true });
  } else {
    await engine.run(
      'system.setup',
      { companyName: 'Test Co', branchCode: 'B01', branchName: 'Test Branch', adminUsername: 'admin', adminDisplayName: 'Admin', adminPassword: 'correct horse' },
      { anonymous: true },
    );
  }
  const admin = await test.database.db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow();
  return { ...test, engine, adminId: admin.id };
}

/** The DomainError a command was refused with; fails the test when it was not refused. */
export async function refusal(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

/** The DomainError a command was refused with, or null when it went through. */
export async function errorOf(p: Promise<unknown>): Promise<DomainError | null> {
  return p.then(
    () => null,
    (e) => (e instanceof DomainError ? e : Promise.reject(e)),
  );
}
