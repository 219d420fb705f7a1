import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../engine/engine';
import { openSqlite } from '../engine/platform/db';
import { migrateToLatest } from '../engine/platform/migrate';
import { minVersionFromBlockedReason, readActivity, sqliteActivityProbe } from './activity';
import { decideInstall } from './policy';

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

  it('reads a running order import (not one left running hours ago by a crash), so an update waits for it', async () => {
    const file = join(dir, 'importing.sqlite');
    const database = openSqlite(file);
    await migrateToLatest(database);
    await (await Engine.open({ database, appVersion: '1.0.0' })).close();
    const db = new SQLite(file);
    const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'import_batch'").get();
    if (!has) db.exec("CREATE TABLE import_batch (id TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at TEXT NOT NULL)");
    const cols = db.prepare("SELECT name, \"notnull\" AS nn, dflt_value AS d, type FROM pragma_table_info('import_batch')").all() as { name: string; nn: number; d: unknown; type: string }[];
    const insert = (id: string, state: string, updatedAt: string) => {
      const needed = cols.filter((c) => (c.nn && c.d === null) || ['id', 'state', 'updated_at'].includes(c.name));
      const value = (c: { name: string; type: string }) =>
        c.name === 'id' ? id : c.name === 'state' ? state : c.name === 'updated_at' || c.name === 'created_at' ? updatedAt : c.name === 'kind' ? 'orders' : c.name === 'format' ? 'csv' : /INT/i.test(c.type) ? 1 : 'x';
      db.prepare(`INSERT INTO import_batch (${needed.map((c) => c.name).join(', ')}) VALUES (${needed.map(() => '?').join(', ')})`).run(...needed.map(value));
    };
    const now = Date.parse('2030-01-01T12:00:00Z');
    insert('done', 'done', '2030-01-01T11:59:00.000Z');
    insert('stale', 'running', '2030-01-01T09:00:00.000Z');
    expect(readActivity(db, now).importing).toBe(false);
    insert('live', 'running', '2030-01-01T11:30:00.000Z');
    const activity = readActivity(db, now);
    expect(activity.importing).toBe(true);
    expect(decideInstall({ currentVersion: '1.0.0', version: '1.1.0', activity, force: true })).toMatchObject({ install: false, wait: true, reason: expect.stringMatching(/import is running/) });
    const changed = db.prepare("UPDATE import_batch SET state = 'done' WHERE id = 'live'").run().changes;
    expect(changed, JSON.stringify(db.prepare('SELECT id, state, updated_at FROM import_batch').all())).toBe(1);
    expect(readActivity(db, now).importing).toBe(false);
    db.close();
  });
});
