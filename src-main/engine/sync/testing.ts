import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Engine } from '../engine';
import { openPostgres, openSqlite, type BranchDatabase, type CentralDatabase } from '../platform/db';
import { migrateToLatest } from '../platform/migrate';
import { adminUrl } from '../testing/databases';
import { initCentral } from './central-init';
import type { SyncCredentials } from './credentials';
import { syncOnce } from './protocol';
import { registerBranch } from './register';

/** A centre (a fresh PostgreSQL database with the demo company) and branches registered to it, for tests. */
export interface SyncWorld {
  centralUrl: string;
  admin: CentralDatabase;
  centralEngine: Engine;
  adminUserId: string;
  addBranch(code: string): Promise<TestBranch>;
  dispose(): Promise<void>;
}

export interface TestBranch {
  code: string;
  file: string;
  db: BranchDatabase;
  engine: Engine;
  creds: SyncCredentials;
  /** A PostgreSQL connection under this branch's own login. */
  link: CentralDatabase;
  sync(): ReturnType<typeof syncOnce>;
  adminId(): Promise<string>;
}

/**
 * One sync as a test expects it: push, pull, and pull again while the centre holds changes
 * behind its horizon, as the background service does. Test files share one PostgreSQL server,
 * and a long transaction anywhere on it (another file loading the default demo) keeps the
 * horizon below changes that are already committed here; without waiting, a pull right after
 * another branch's push may not see them yet. Counts add up over the rounds.
 */
async function syncSettled(db: BranchDatabase, link: CentralDatabase, creds: SyncCredentials, maxWaitMs = 180_000): Promise<Awaited<ReturnType<typeof syncOnce>>> {
  const started = Date.now();
  let total = await syncOnce(db, link, creds, '1.0.0');
  while (total.behind && Date.now() - started < maxWaitMs) {
    await new Promise((done) => setTimeout(done, 100));
    const next = await syncOnce(db, link, creds, '1.0.0');
    total = { ...next, pushed: total.pushed + next.pushed, quarantined: total.quarantined + next.quarantined, pulled: total.pulled + next.pulled };
  }
  return total;
}

export async function createSyncWorld(options: { demoSize?: 'small' | 'default' } = {}): Promise<SyncWorld> {
  const name = `bl_sync_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  const centralUrl = u.toString();
  const admin = openPostgres(centralUrl);
  await initCentral(admin);
  const centralEngine = await Engine.open({ database: admin, appVersion: '1.0.0', validateOutput: true });
  await centralEngine.run('system.loadDemo', { seed: 3, size: options.demoSize ?? 'small' }, { anonymous: true });
  const adminUser = await admin.db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow();
  const dir = mkdtempSync(join(tmpdir(), 'branchline-sync-'));
  const branches: TestBranch[] = [];
  return {
    centralUrl,
    admin,
    centralEngine,
    adminUserId: adminUser.id,
    async addBranch(code) {
      const file = join(dir, `${code}.sqlite`);
      const db = openSqlite(file);
      await migrateToLatest(db);
      const engine = await Engine.open({ database: db, appVersion: '1.0.0', validateOutput: true });
      const creds = await registerBranch({ admin, branch: db, code, name: `Branch ${code}` });
      engine.setSyncBinding({ signingKey: creds.secret });
      const link = openPostgres(creds.url, 2);
      await engine.reloadInstall();
      const b: TestBranch = {
        code,
        file,
        db,
        engine,
        creds,
        link,
        // As SyncService does: what the pull left owed is done, then pushed in another round.
        async sync() {
          const first = await syncSettled(db, link, creds);
          if ((await engine.followUpSync()) === 0) return first;
          const again = await syncSettled(db, link, creds);
          return { ...again, pushed: first.pushed + again.pushed, quarantined: first.quarantined + again.quarantined, pulled: first.pulled + again.pulled };
        },
        async adminId() {
          return (await db.db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow()).id;
        },
      };
      branches.push(b);
      return b;
    },
    async dispose() {
      const roles = (await admin.db.selectFrom('sync_client').select('role_name').execute()).map((r) => r.role_name);
      for (const b of branches) {
        await b.link.close();
        await b.engine.close();
      }
      await admin.close();
      rmSync(dir, { recursive: true, force: true });
      const d = new pg.Client({ connectionString: adminUrl() });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      for (const role of roles) await d.query(`DROP ROLE IF EXISTS ${role}`);
      await d.end();
    },
  };
}

/** An 850 for the given items, in the sender's own delimiters (| elements, ! terminators). */
export function edi850(sender: string, control: string, po: string, items: { sku: string; qty: number; price: string }[]): string {
  const segs = [`GS|PO|${sender}|BRANCHLINE|20261129|1200|1|X|004010`, 'ST|850|0001', `BEG|00|SA|${po}||20261129`];
  items.forEach((it, i) => segs.push(`PO1|${i + 1}|${it.qty}|EA|${it.price}||VN|${it.sku}`));
  segs.push(`CTT|${items.length}`, `SE|${segs.length - 1 + 2}|0001`, 'GE|1|1', `IEA|1|${control}`);
  return [`ISA|00|          |00|          |ZZ|${sender.padEnd(15)}|ZZ|BRANCHLINE     |261129|1200|U|00401|${control}|0|P|^`, ...segs].join('!') + '!';
}
