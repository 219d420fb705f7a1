import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../migrations/index';
import { openSqlite } from '../engine/platform/db';
import { migrateToLatest } from '../engine/platform/migrate';
import { openBranchEngine } from './open-engine';

describe('opening the branch engine', () => {
  it('after a failed upgrade it opens the previous schema read-only: reads work, every command is refused with the reason', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bl-ro-')), 'branch.sqlite');
    const old = openSqlite(file);
    await migrateToLatest(old, { migrations: Object.fromEntries(Object.entries(MIGRATIONS).slice(0, 3)) });
    await old.close();
    const reason = 'Branchline 9.9.9 could not upgrade this database; the app is read-only until an administrator fixes it.';
    const engine = await openBranchEngine({ dbFile: file, appVersion: '9.9.9', readOnly: reason });
    try {
      const status = await engine.call('system.status', {}, { anonymous: true });
      expect(status.ok).toBe(true);
      const setup = await engine.call('system.setup', { companyName: 'X', branchCode: 'B01', branchName: 'Y', adminUsername: 'admin', adminDisplayName: 'A', adminPassword: 'long-enough' }, { anonymous: true });
      expect(setup.ok ? null : setup.error).toEqual({ code: 'READ_ONLY', message: reason });
    } finally {
      await engine.close();
    }
    // The schema was left as it was: read-only never migrates.
    const again = openSqlite(file);
    const applied = (await again.db.selectFrom('kysely_migration' as never).select('name' as never).execute()) as { name: string }[];
    expect(applied).toHaveLength(3);
    await again.close();
  });
});
