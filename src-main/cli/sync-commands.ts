/** `central init`, `branch register`, `sync`: replication chores for the CLI. */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Engine } from '../engine/engine';
import { openPostgres, openSqlite } from '../engine/platform/db';
import { migrateToLatest } from '../engine/platform/migrate';
import { initCentral } from '../engine/sync/central-init';
import { credentialsFileFor, fileCredentialStore, redactUrl } from '../engine/sync/credentials';
import { registerBranch } from '../engine/sync/register';
import { CliError, appVersion } from './common';

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function centralInit(url: string, options: { demo: boolean; seed: number; size: 'small' | 'default' | 'large' }) {
  const central = openPostgres(url);
  try {
    const { migrated } = await initCentral(central);
    let demo = false;
    if (options.demo) {
      const engine = await Engine.open({ database: central, appVersion: appVersion() });
      const status = await engine.run('system.status', {}, { anonymous: true });
      if (!status.initialized) {
        await engine.run('system.loadDemo', { seed: options.seed, size: options.size }, { anonymous: true });
        demo = true;
      }
    }
    return { central: redactUrl(url), migrated, demo };
  } catch (error) {
    throw new CliError(`Central init failed: ${message(error)}`);
  } finally {
    await central.close();
  }
}

export async function branchRegister(dbFile: string, url: string, code: string, name: string, again: boolean) {
  if (!existsSync(dirname(dbFile))) mkdirSync(dirname(dbFile), { recursive: true });
  const store = fileCredentialStore(credentialsFileFor(dbFile));
  if (store.read() && !again) throw new CliError(`${dbFile} is already registered (${redactUrl(store.read()!.url)}); use --again to register a copied or restored database anew`);
  const admin = openPostgres(url);
  const branch = openSqlite(dbFile);
  try {
    await migrateToLatest(branch);
    await Engine.open({ database: branch, appVersion: appVersion() });
    const creds = await registerBranch({ admin, branch, code, name, again });
    store.write(creds);
    return { dbFile, branch: code, clientId: creds.clientId, credentials: credentialsFileFor(dbFile) };
  } catch (error) {
    throw new CliError(`Registration failed: ${message(error)}`);
  } finally {
    await branch.close();
    await admin.close();
  }
}

/** One sync round, or (watch) keep syncing until interrupted. Reports progress through `progress`. */
export async function syncBranch(dbFile: string, progress: (line: string) => void, signal?: AbortSignal) {
  const store = fileCredentialStore(credentialsFileFor(dbFile));
  if (!store.read()) throw new CliError(`${dbFile} is not registered with a centre: run \`branchline branch register --central URL --code B01 --name NAME\` first`);
  const database = openSqlite(dbFile);
  await migrateToLatest(database);
  const engine = await Engine.open({ database, appVersion: appVersion(), credentials: store });
  try {
    let last = 0;
    return await engine.sync!.runOnce({
      signal,
      onProgress: (phase, done, total) => {
        const now = Date.now();
        if (now - last > 500 || done === total) {
          last = now;
          progress(`${phase}: ${done}/${total}`);
        }
      },
    });
  } catch (error) {
    throw new CliError(`Sync failed: ${message(error)}`);
  } finally {
    await engine.close();
  }
}
