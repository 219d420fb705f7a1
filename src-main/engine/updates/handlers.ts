import { defineHandlers, type QueryContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, refuse } from '../platform/errors';
import { redactUrl } from '../sync/credentials';
import { type Device, getMinVersion, listDevices, setMinVersion, versionSummary } from './central-admin';
import type { LoadedSettings, ReleaseFolder, UpdatesHost } from './host';
import type { ChannelAssignments } from './policy';
import type { ChannelState } from './release';
import { SETTING_KEYS } from './settings';

type Ctx = Pick<QueryContext, 'services' | 'dialect'> & { db: Db | Tx };

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

function hostOf(ctx: Ctx): UpdatesHost {
  const host = ctx.services.updates;
  if (!host) throw refuse('This install has no data folder, so it manages no updates (start it from the app or `branchline serve`)');
  return host;
}

const NO_FOLDER = 'No update folder is set: put "releaseDir" (the update server’s folder as this machine sees it) in settings.json beside the database, or in the machine policy';

/** The update folder from the settings, refusing clearly when there is none. */
function folderOf(host: UpdatesHost, settings: LoadedSettings): ReleaseFolder {
  const dir = settings.values.releaseDir;
  if (!dir) throw refuse(NO_FOLDER);
  const folder = host.releaseFolder(dir);
  if (!folder.exists()) throw refuse(`The update folder ${dir} does not exist or is not reachable from this machine`);
  return folder;
}

const NO_CENTRE =
  'No centre to ask: set "centralUrl" to an administrator’s login to the central database (postgres://user@host/db, the password in ~/.pgpass or PGPASSWORD), in settings.json or the machine policy';

/**
 * Runs `fn` on the centre's database: this one when the engine runs at the centre
 * (PostgreSQL), otherwise an admin connection named by the centralUrl setting.
 */
async function withCentre<T>(ctx: Ctx, fn: (db: Db | Tx) => Promise<T>): Promise<T> {
  if (ctx.dialect === 'postgres') return fn(ctx.db);
  const url = hostOf(ctx).settings().values.centralUrl;
  if (!url) throw refuse(NO_CENTRE);
  const link = hostOf(ctx).central(url);
  try {
    return await fn(link.db);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    const why = reason(error);
    if (/permission denied/i.test(why)) throw refuse(`The centre at ${redactUrl(url)} refused: ${why}. centralUrl must be an administrator’s login, not a branch’s`);
    throw refuse(`The centre at ${redactUrl(url)} did not answer: ${why}`);
  } finally {
    await link.close().catch(() => undefined);
  }
}

function assignmentRows(a: ChannelAssignments) {
  return [
    ...Object.entries(a.branches).map(([key, channel]) => ({ kind: 'branch' as const, key, channel })),
    ...Object.entries(a.groups).map(([key, channel]) => ({ kind: 'group' as const, key, channel })),
  ].sort((x, y) => x.kind.localeCompare(y.kind) || x.key.localeCompare(y.key));
}

const releaseRows = (channels: ChannelState[]) => channels.map((c) => ({ ...c, releaseDate: String(c.releaseDate) }));

const deviceRow = (d: Device) => d;

/**
 * The engine has no updater: the desktop app's main process answers the client methods from
 * its own (src-main/electron/update-rpc.ts) after the engine has checked the caller. Here,
 * in browser mode and the CLI, this install does not update itself.
 */
function unmanaged(ctx: Ctx & { install: QueryContext['install'] }) {
  let fixed: string[] = [];
  try {
    fixed = ctx.services.updates?.settings().fixed ?? [];
  } catch {
    fixed = [];
  }
  return {
    state: 'unmanaged' as const,
    currentVersion: ctx.install.appVersion,
    channel: null,
    availableVersion: null,
    forced: false,
    forcedWhy: null,
    progress: null,
    message: 'This install does not update itself here: the desktop app checks for updates and installs them',
    installAt: null,
    fixed,
  };
}

export const updatesHandlers = defineHandlers({
  'updates.client.status': async (ctx) => unmanaged(ctx),
  'updates.client.download': async (ctx) => unmanaged(ctx),
  'updates.client.restart': async (ctx) => unmanaged(ctx),

  'updates.overview': async (ctx) => {
    const host = hostOf(ctx);
    const settings = host.settings();
    const folder = { dir: settings.values.releaseDir, problem: null as string | null, releases: [] as ReturnType<typeof releaseRows>, assignments: [] as ReturnType<typeof assignmentRows> };
    if (!folder.dir) folder.problem = NO_FOLDER;
    else {
      try {
        const f = folderOf(host, settings);
        const status = f.status();
        folder.releases = releaseRows(status.channels);
        folder.assignments = assignmentRows(status.assignments);
      } catch (error) {
        folder.problem = reason(error);
      }
    }
    const centralUrl = settings.values.centralUrl;
    const centre = {
      source: ctx.dialect === 'postgres' ? ('this database' as const) : centralUrl ? ('centralUrl setting' as const) : ('none' as const),
      label: ctx.dialect === 'postgres' ? null : centralUrl ? redactUrl(centralUrl) : null,
      minVersion: null as string | null,
      problem: null as string | null,
    };
    if (centre.source === 'none') centre.problem = NO_CENTRE;
    else {
      try {
        centre.minVersion = await withCentre(ctx, (db) => getMinVersion({ db }));
      } catch (error) {
        centre.problem = reason(error);
      }
    }
    return {
      appVersion: ctx.install.appVersion,
      settings: SETTING_KEYS.map((key) => ({ key, value: settings.values[key], fixed: settings.fixed.includes(key), source: settings.source[key] })),
      policyFile: settings.policyFile,
      warnings: settings.warnings,
      folder,
      centre,
    };
  },

  'updates.devices': async (ctx, input) => {
    // One row per install: small enough to summarise here; the order comes from SQL.
    const { minVersion, devices } = await withCentre(ctx, async (db) => ({ minVersion: await getMinVersion({ db }), devices: await listDevices({ db }) }));
    const wanted = input.version;
    return {
      minVersion,
      devices: (wanted ? devices.filter((d) => (d.appVersion ?? 'unknown') === wanted) : devices).map(deviceRow),
      byVersion: versionSummary(devices),
    };
  },

  'updates.release.publish': async (ctx, input) => {
    const host = hostOf(ctx);
    const folder = folderOf(host, host.settings());
    let report: Awaited<ReturnType<ReleaseFolder['publish']>>;
    try {
      report = await folder.publish({ distDir: input.distDir, channel: input.channel, rollout: input.rollout, required: input.required });
    } catch (error) {
      throw refuse(reason(error));
    }
    ctx.summarize(`Published ${report.version} to ${input.channel} for ${input.rollout === 100 ? 'every install' : `${input.rollout} % of installs`}${input.required ? ', required' : ''}`);
    return { version: report.version, channel: report.channel, rollout: report.rollout, artifacts: report.artifacts.map((a) => ({ name: a.name, state: a.state })), metadata: report.metadata };
  },

  'updates.rollout.set': async (ctx, input) => {
    const host = hostOf(ctx);
    const folder = folderOf(host, host.settings());
    let result: { files: string[]; version: string };
    try {
      result = folder.setRollout(input.channel, input.percent, input.required);
    } catch (error) {
      throw refuse(reason(error));
    }
    const state = input.percent === 0 ? 'halted' : input.percent === 100 ? 'offered to every install' : `offered to ${input.percent} % of installs`;
    ctx.summarize(`Update ${result.version} on ${input.channel} ${state}${input.required === true ? ', required' : input.required === false ? ', no longer required' : ''}`);
    return {
      channel: input.channel,
      version: result.version,
      percent: input.percent,
      releases: releaseRows(folder.status().channels.filter((c) => c.channel === input.channel)),
    };
  },

  'updates.channel.assign': async (ctx, input) => {
    const host = hostOf(ctx);
    const folder = folderOf(host, host.settings());
    const key = input.kind === 'branch' ? input.key.toUpperCase() : input.key;
    let assignments: ChannelAssignments;
    try {
      assignments = folder.assign(input.kind === 'branch' ? { branch: key } : { group: key }, input.channel);
    } catch (error) {
      throw new DomainError('VALIDATION', reason(error), { fields: [{ path: 'key', message: reason(error) }] });
    }
    const who = input.kind === 'branch' ? `Branch ${key}` : `Device group ${key}`;
    ctx.summarize(input.channel ? `${who} follows the ${input.channel} update channel` : `${who} back to each install’s own update channel`);
    return { assignments: assignmentRows(assignments) };
  },

  'updates.minVersion.set': async (ctx, input) => {
    const result = await withCentre(ctx, (db) => setMinVersion({ db }, input.version));
    ctx.summarize(input.version ? `Minimum supported version raised to ${input.version} (was ${result.previous ?? 'none'})` : `Minimum supported version cleared (was ${result.previous ?? 'none'})`);
    return { minVersion: result.minVersion, previous: result.previous, below: result.below.map(deviceRow) };
  },
});
