/**
 * What the Updates methods need from the machine they run on: the update settings (the user's
 * file merged with the machine-wide policy), the update folder, and an admin connection to the
 * centre. The host (open-engine.ts) injects `fileUpdatesHost`; tests inject it with their own
 * folders and policy file. Without a host (an in-memory engine) the methods say updates are
 * not managed here.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Db } from '../platform/db';
import type { Database } from '../platform/schema';
import type { ChannelAssignments } from './policy';
import { type ChannelState, type PublishReport, assignChannel, publishRelease, releaseStatus, setRollout } from './release';
import { type Channel, type EffectiveSettings, loadSettings } from './settings';

export interface LoadedSettings extends EffectiveSettings {
  policyFile: string | null;
}

/** The update folder (the static host's files, as this machine sees them). */
export interface ReleaseFolder {
  readonly dir: string;
  exists(): boolean;
  status(): { channels: ChannelState[]; assignments: ChannelAssignments };
  setRollout(channel: Channel, percent: number, required?: boolean): { files: string[]; version: string };
  assign(target: { branch?: string; group?: string }, channel: Channel | null): ChannelAssignments;
  publish(options: { distDir: string; channel: Channel; rollout: number; required: boolean }): Promise<PublishReport>;
}

/** An admin connection to the centre, closed after each use. */
export interface CentralLink {
  db: Db;
  close(): Promise<void>;
}

export interface UpdatesHost {
  settings(): LoadedSettings;
  releaseFolder(dir: string): ReleaseFolder;
  central(url: string): CentralLink;
}

export function folderOf(dir: string): ReleaseFolder {
  return {
    dir,
    exists: () => existsSync(dir) && statSync(dir).isDirectory(),
    status: () => releaseStatus(dir),
    setRollout: (channel, percent, required) => setRollout({ dir, channel, percent, required }),
    assign: (target, channel) => assignChannel({ dir, ...target, channel }),
    publish: (options) => publishRelease({ ...options, outDir: dir }),
  };
}

/**
 * The real host: settings.json in the data folder (beside the branch database) and the
 * platform's machine policy file; the folder and the centre as the settings name them.
 */
export function fileUpdatesHost(options: { dataDir: string; policyFile?: string }): UpdatesHost {
  const probes = {
    readText: (path: string) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    mode: (path: string) => (process.platform === 'win32' ? undefined : statSync(path).mode),
  };
  return {
    settings: () => loadSettings({ dataDir: options.dataDir, policyFile: options.policyFile, probes }),
    releaseFolder: folderOf,
    central(url) {
      // One connection, with limits: an unreachable centre must not hang the Admin screen.
      const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 10_000, query_timeout: 30_000 });
      pool.on('error', () => undefined);
      const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
      return { db, close: () => db.destroy() };
    },
  };
}
