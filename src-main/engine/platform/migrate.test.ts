import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../migrations/index';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../testing/databases';
import { migrateToLatest } from './migrate';

describe.each(DIALECTS)('migrations on %s', (dialect) => {
  let t: TestDatabase;
  afterEach(async () => t?.dispose());

  const tables = async () => {
    const q =
      t.database.dialect === 'sqlite'
        ? sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
        : sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;
    return (await q.execute(t.database.db)).rows.map((r) => r.name);
  };

  it('a failing migration leaves the schema exactly as it was', async () => {
    t = await createTestDatabase(dialect);
    const firstTwo = Object.fromEntries(Object.entries(MIGRATIONS).slice(0, 2));
    await migrateToLatest(t.database, { migrations: firstTwo });
    const before = await tables();
    const broken = {
      ...firstTwo,
      '0003_ok_part': { up: async (db: never) => void (await sql`CREATE TABLE half_done (id text)`.execute(db)) },
      '0004_fails': { up: async (db: never) => void (await sql`CREATE TABLE nope (id text REFERENCES missing_table_xyz(id) CHECK (oops))`.execute(db)) },
    };
    await expect(migrateToLatest(t.database, { migrations: broken })).rejects.toThrow(/migration 0004_fails failed: .*rolled back, nothing changed/);
    expect(await tables()).toEqual(before);
  });

  it('migrates a new database to the latest schema and is idempotent', async () => {
    t = await createTestDatabase(dialect);
    const first = await migrateToLatest(t.database);
    expect(first.applied).toEqual(Object.keys(MIGRATIONS));
    expect((await migrateToLatest(t.database)).applied).toEqual([]);
  });
});
