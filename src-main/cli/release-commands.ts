/**
 * Release, rollout, update-server, restore and diagnostics commands: what main.ts calls.
 * The work is done in src-main/update (no Electron), so the CLI, tests and the app share it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import { LATEST_SCHEMA } from '../../migrations/index';
import { openPostgres } from '../engine/platform/db';
import { redactUrl } from '../engine/sync/credentials';
import * as update from '../update/index';
import { CliError, appVersion } from './common';

const fail = (error: unknown): never => {
  throw new CliError(error instanceof Error ? error.message : String(error));
};

export function parseChannel(value: string): 'stable' | 'beta' {
  if (value !== 'stable' && value !== 'beta') throw new CliError(`--channel must be stable or beta, not "${value}"`, 2);
  return value;
}

export async function releasePublish(options: { dist: string; to: string; channel: 'stable' | 'beta'; rollout?: number; required?: boolean; version?: string; allowOlder?: boolean }) {
  return update.publishRelease({ distDir: options.dist, outDir: options.to, channel: options.channel, rollout: options.rollout, required: options.required, version: options.version, allowOlder: options.allowOlder }).catch(fail);
}

export function releaseRollout(options: { to: string; channel: 'stable' | 'beta'; percent: number; required?: boolean }) {
  try {
    return update.setRollout({ dir: options.to, channel: options.channel, percent: options.percent, required: options.required });
  } catch (error) {
    return fail(error);
  }
}

export function releaseChannel(options: { to: string; branch?: string; group?: string; channel: 'stable' | 'beta' | null }) {
  try {
    return update.assignChannel({ dir: options.to, branch: options.branch?.toUpperCase(), group: options.group, channel: options.channel });
  } catch (error) {
    return fail(error);
  }
}

export function releaseStatus(to: string) {
  if (!existsSync(to)) throw new CliError(`${to} does not exist`);
  return update.releaseStatus(to);
}

export function startUpdateServer(dir: string, port: number, log?: (line: string) => void) {
  return update.startUpdateServer({ dir, port, log }).catch(fail);
}

async function withCentral<T>(url: string, work: (central: ReturnType<typeof openPostgres>) => Promise<T>): Promise<T> {
  const central = openPostgres(url, 2);
  try {
    return await work(central);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new CliError(/sync_setting|sync_client/.test(message) && /does not exist/.test(message) ? `${redactUrl(url)} is not a Branchline centre: run \`branchline central init\` first` : `${redactUrl(url)}: ${message}`);
  } finally {
    await central.close();
  }
}

export function centralMinVersion(url: string, set: string | null | undefined) {
  return withCentral(url, async (central) => {
    if (set === undefined) {
      const minVersion = await update.getMinVersion(central);
      const below = (await update.listDevices(central)).filter((d) => d.belowMinimum && !d.retired);
      return { minVersion, previous: minVersion, below, changed: false };
    }
    if (set !== null) {
      try {
        update.checkMinVersion(set);
      } catch (error) {
        fail(error);
      }
    }
    return { ...(await update.setMinVersion(central, set)), changed: true };
  });
}

export function centralDevices(url: string) {
  return withCentral(url, async (central) => {
    const devices = await update.listDevices(central);
    return { minVersion: await update.getMinVersion(central), devices, versions: update.versionSummary(devices) };
  });
}

export function restoreBackup(dbFile: string, from: string) {
  try {
    return update.restoreDatabase({ dbFile, from });
  } catch (error) {
    return fail(error);
  }
}

/** The support zip for a branch database: logs, versions, settings (no secrets) and sync status. */
export async function exportDiagnosticsFor(dbFile: string, out: string) {
  const dataDir = dirname(dbFile);
  const settings = update.loadSettings({
    dataDir,
    probes: {
      readText: (p) => {
        try {
          return readFileSync(p, 'utf8');
        } catch {
          return undefined;
        }
      },
    },
  });
  let database: Record<string, unknown> = { file: dbFile, exists: existsSync(dbFile) };
  let syncStatus: unknown = { note: 'no database' };
  if (existsSync(dbFile)) {
    const db = new SQLite(dbFile, { readonly: true, fileMustExist: true, timeout: 2000 });
    try {
      const applied = update.appliedMigrationsOf(db);
      database = { ...database, bytes: statSync(dbFile).size, schema: applied.at(-1) ?? null, appSchema: LATEST_SCHEMA, newerThanApp: update.unknownMigrations(applied), quickCheck: update.integrityProblems(db, true) ?? 'ok' };
      const activity = update.readActivity(db);
      const hasState = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_state'").get();
      syncStatus = { ...activity, state: hasState ? db.prepare('SELECT * FROM sync_state LIMIT 1').get() : null };
    } finally {
      db.close();
    }
  }
  const logDir = join(dataDir, 'logs');
  return update.exportDiagnostics({
    outFile: out,
    logFiles: [...update.logFiles(logDir, 'branchline'), ...update.logFiles(logDir, 'updates')],
    versions: { app: appVersion(), node: process.versions.node, electron: process.versions.electron ?? null, sqlite: process.versions.sqlite ?? null, platform: `${process.platform}-${process.arch}` },
    settings: { values: settings.values, fixed: settings.fixed, source: settings.source, warnings: settings.warnings, policyFile: settings.policyFile },
    syncStatus,
    extra: { database },
  }).catch(fail);
}
