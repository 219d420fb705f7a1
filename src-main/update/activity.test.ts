import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../engine/engine';
import { openSqlite } from '../engine/platform/db';
import { migrateToLatest } from '../engine/platform/migrate';
import { minVersionFromBlockedReason, sqliteActivityProbe } from './activity';

const dir = mkdtempSync(join(tmpdir(), 'bl-activity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('engine activity read from the database', () => {
  it('counts unsent changes only once bound to a centre, and reads the centre’s minimum from the sync refusal', async () => {
    const file = join(dir, 'branch.sqlite');
    const probe = sqliteActivityProbe(file);
    expect(await probe()).toEqual({ periodClose: false, importing: false, unpushed: 0, minVersion: null, branchCode: null });
    const database = openSqlite(file);
    await migrateToLatest(database);
    const engine = await Engine.open({ database, appVersion: '1.0.0' });
    await engine.close();
    const db = new SQLite(file);
    const cols = db.prepare('SELECT name, "notnull" AS nn, dflt_value AS d, type FROM pragma_table_info(\'outbox\')').all() as { name: string; nn: number; d: unknown; type: string }[];
    const needed = cols.filter((c) => c.nn && c.d === null);
    const insert = db.prepare(`INSERT INTO outbox (${needed.map((c) => c.name).join(', ')}) VALUES (${needed.map(() => '?').join(', ')})`);
    for (let i = 1; i <= 3; i++) insert.run(...needed.map((c) => (c.name === 'mutation_id' ? i : /INT/i.test(c.type) ? 1 : 'x')));
    expect((await probe()).unpushed).toBe(0); // not bound: nothing waits for a centre
    db.exec('UPDATE client_state SET capture = 1');
    db.exec("UPDATE sync_state SET blocked_reason = 'Branchline 1.0.0 is older than the minimum 1.2.0 the centre accepts: update the app. You can keep working; changes wait in the outbox.'");
    if (db.prepare('SELECT COUNT(*) AS n FROM sync_state').pluck().get() === 0) db.exec("INSERT INTO sync_state (singleton, blocked_reason) VALUES (1, 'older than the minimum 1.2.0 the centre accepts')");
    db.close();
    expect(await probe()).toMatchObject({ unpushed: 3, minVersion: '1.2.0' });
    expect(minVersionFromBlockedReason('This database is a copy')).toBeNull();
  });
});
