import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Engine } from '../engine/engine';
import { openSqlite } from '../engine/platform/db';
import { migrateToLatest } from '../engine/platform/migrate';
import { fileUpdatesHost } from '../engine/updates/host';
import { credentialsFileFor, encryptedCredentialsFileFor, encryptedFileCredentialStore, fileCredentialStore } from '../engine/sync/credentials';
import type { EngineService, EngineServiceOptions } from './engine-service';
import { ReportRefresher } from './report-refresher';
import { ReplenishScheduler } from './replenish-scheduler';

/** Opens (creating and migrating if needed) the branch database and its engine. */
export async function openBranchEngine(options: EngineServiceOptions): Promise<Engine> {
  if (options.dbFile !== ':memory:' && !existsSync(dirname(options.dbFile))) mkdirSync(dirname(options.dbFile), { recursive: true });
  const database = openSqlite(options.dbFile, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  try {
    if (!options.readOnly) await migrateToLatest(database);
    const credentials =
      options.dbFile === ':memory:'
        ? undefined
        : options.credentialKey
          ? encryptedFileCredentialStore(encryptedCredentialsFileFor(options.dbFile), Buffer.from(options.credentialKey, 'base64'))
          : fileCredentialStore(credentialsFileFor(options.dbFile));
    // Update settings live beside the database (the desktop data folder): settings.json, plus the machine policy.
    const updates = options.dbFile === ':memory:' ? undefined : fileUpdatesHost({ dataDir: dirname(options.dbFile), policyFile: options.policyFile });
    const engine = await Engine.open({ database, appVersion: options.appVersion, log: options.log, credentials, readOnly: options.readOnly ?? null, updates });
    if (options.backgroundSync && !options.readOnly && engine.sync?.credentials()) engine.sync.start();
    // Long-running hosts (those that keep sync going) also keep the report tables fresh.
    if (options.backgroundSync && !options.readOnly) new ReportRefresher(engine, { log: options.log }).start();
    if (options.backgroundSync && !options.readOnly) new ReplenishScheduler(engine, { log: options.log }).start();
    if (options.demoIfEmpty) {
      const status = await engine.run('system.status', {}, { anonymous: true });
      if (!status.initialized) await engine.run('system.loadDemo', { seed: 1 }, { anonymous: true });
    }
    return engine;
  } catch (error) {
    await database.close();
    throw error;
  }
}

/** The engine on the calling thread: for the CLI, tests and benchmarks of the engine itself. */
export async function inProcessEngineService(options: EngineServiceOptions): Promise<EngineService & { engine: Engine }> {
  const engine = await openBranchEngine(options);
  return {
    engine,
    call: (method, input, caller) => engine.call(method, input, caller),
    endSession: (key) => engine.endSession(key),
    onEvent: (listener) => engine.onEvent(listener),
    close: () => engine.close(),
  };
}
