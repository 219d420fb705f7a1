/**
 * Before the engine opens the branch database in the desktop app: back up, migrate in one
 * transaction, check integrity; on failure keep (or restore) the previous data and start
 * read-only. src-main/update/safe-start.ts does the work; this decides what the user is told.
 *
 * Wiring (index.ts, before startWorkerEngineService):
 *   const upgrade = await prepareDesktopDatabase({ dbFile, appVersion: app.getVersion(), nativeBinding: binding.path, log });
 *   if (upgrade.fatal) { dialog.showErrorBox('Branchline cannot open its database', upgrade.fatal); app.quit(); }
 *   …startWorkerEngineService(url, { …, readOnly: upgrade.readOnly })   // EngineServiceOptions.readOnly → Engine.open({ readOnly }), skipping migrateToLatest
 */
import { type StartPreparation, prepareDatabaseForStart } from '../update/safe-start';

export interface DesktopUpgrade {
  preparation: StartPreparation | null;
  /** Start the engine read-only with this reason (EngineOptions.readOnly). */
  readOnly: string | null;
  /** The app cannot use this database at all: say this and quit. */
  fatal: string | null;
}

export async function prepareDesktopDatabase(options: { dbFile: string; appVersion: string; nativeBinding?: string; log(message: string, error?: unknown): void; prepare?: typeof prepareDatabaseForStart }): Promise<DesktopUpgrade> {
  try {
    const p = await (options.prepare ?? prepareDatabaseForStart)({ dbFile: options.dbFile, appVersion: options.appVersion, ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}) });
    if (p.state === 'migrated') options.log(`database upgraded ${p.schemaBefore ?? 'new'} → ${p.schemaAfter} (${p.applied.join(', ')}); backup ${p.backupFile ?? 'none'}`);
    if (p.readOnly) options.log(`database upgrade failed (${p.state}); starting read-only: ${p.readOnly}`);
    if (p.refused) options.log(p.refused);
    return { preparation: p, readOnly: p.readOnly, fatal: p.refused };
  } catch (error) {
    // The upgrade could not even start (no disk space for the backup, a damaged file…): nothing was migrated.
    const reason = error instanceof Error ? error.message : String(error);
    options.log('database upgrade could not run', error);
    return { preparation: null, readOnly: null, fatal: `Branchline could not prepare its database for this version: ${reason}. Nothing was changed; free disk space or restore a backup (branchline restore FILE), then start again.` };
  }
}
