import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite, type BranchDatabase } from '../platform/db';
import { migrateToLatest } from '../platform/migrate';
import { APPLY_ORDER, REPLICATED_TABLE_NAMES } from './ownership';

/**
 * The apply order is written by hand beside the ownership list; a replicated table missing
 * from it is silently never applied (its rows are pushed and pulled, then skipped). These
 * checks run on the migrated schema itself, so every new domain's tables are covered.
 */
describe('replication ownership and apply order', () => {
  let dir: string;
  let branch: BranchDatabase;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'branchline-ownership-'));
    branch = openSqlite(join(dir, 'branch.sqlite'));
    await migrateToLatest(branch);
  });
  afterAll(async () => {
    await branch.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies every replicated table exactly once', () => {
    const missing = REPLICATED_TABLE_NAMES.filter((t) => !APPLY_ORDER.includes(t));
    expect(missing, 'replicated tables missing from APPLY_ORDER').toEqual([]);
    const twice = APPLY_ORDER.filter((t, i) => APPLY_ORDER.indexOf(t) !== i);
    expect(twice, 'tables listed twice in APPLY_ORDER').toEqual([]);
  });

  it('replicates only tables the schema has, and writes parents before the rows that refer to them', () => {
    const tables = new Set((branch.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    expect(APPLY_ORDER.filter((t) => !tables.has(t)), 'replicated tables the schema does not have').toEqual([]);
    const wrong: string[] = [];
    for (const child of APPLY_ORDER) {
      const refs = branch.sqlite.prepare(`SELECT DISTINCT "table" AS parent FROM pragma_foreign_key_list(?)`).all(child) as { parent: string }[];
      for (const { parent } of refs) {
        if (parent === child) continue; // self-references (a parent line) are ordered within the page
        const at = APPLY_ORDER.indexOf(parent as (typeof APPLY_ORDER)[number]);
        if (at !== -1 && at > APPLY_ORDER.indexOf(child)) wrong.push(`${child} → ${parent}`);
      }
    }
    expect(wrong, 'tables applied before a table they refer to').toEqual([]);
  });
});
