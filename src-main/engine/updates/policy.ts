/**
 * The update policy: when to check, which channel an install follows, whether it is inside a
 * staged rollout, and whether a downloaded update may be installed now. Pure functions; the
 * controller (controller.ts) and the release tools (release.ts) apply them.
 */
import { CHANNELS, type Channel, type EffectiveSettings } from './settings';
import { isNewer, isOlder, isVersion } from './version';

// --- channels and metadata files ---------------------------------------------------------

/** electron-updater's channel name for a Branchline channel: stable is electron-builder's "latest". */
export const channelName = (channel: Channel): string => (channel === 'stable' ? 'latest' : channel);

/**
 * The metadata file electron-updater's generic provider reads for a channel on a platform:
 * latest.yml (Windows), latest-mac.yml, latest-linux.yml, latest-linux-arm64.yml; beta*.yml alike.
 */
export function metadataFileName(channel: Channel, platform: NodeJS.Platform, arch: string = 'x64'): string {
  const base = channelName(channel);
  if (platform === 'win32') return `${base}.yml`;
  if (platform === 'darwin') return `${base}-mac.yml`;
  return `${base}-linux${arch === 'x64' ? '' : `-${arch}`}.yml`;
}

/** Admin assignments published beside the releases (channels.json on the update server). */
export interface ChannelAssignments {
  /** Branch code → channel. */
  branches: Record<string, Channel>;
  /** Device group → channel. */
  groups: Record<string, Channel>;
}

export const CHANNEL_ASSIGNMENTS_FILE = 'channels.json';

export function parseAssignments(raw: unknown): ChannelAssignments {
  const out: ChannelAssignments = { branches: {}, groups: {} };
  if (!raw || typeof raw !== 'object') return out;
  for (const kind of ['branches', 'groups'] as const) {
    const table = (raw as Record<string, unknown>)[kind];
    if (!table || typeof table !== 'object') continue;
    for (const [key, value] of Object.entries(table as Record<string, unknown>)) {
      if (typeof value === 'string' && (CHANNELS as readonly string[]).includes(value)) out[kind][key] = value as Channel;
    }
  }
  return out;
}

export interface ChannelChoice {
  channel: Channel;
  why: 'fixed by the machine policy' | 'assigned to the device group' | 'assigned to the branch' | 'chosen in settings' | 'default';
}

/**
 * Which channel this install follows. A channel fixed in the machine policy wins; then the
 * administrator's assignment for the device group, then for the branch; then the user's
 * choice (or the machine default), then stable.
 */
export function resolveChannel(settings: EffectiveSettings, assignments: ChannelAssignments | null, branchCode: string | null): ChannelChoice {
  if (settings.fixed.includes('channel')) return { channel: settings.values.channel, why: 'fixed by the machine policy' };
  const group = settings.values.deviceGroup;
  if (assignments && group && assignments.groups[group]) return { channel: assignments.groups[group], why: 'assigned to the device group' };
  if (assignments && branchCode && assignments.branches[branchCode]) return { channel: assignments.branches[branchCode], why: 'assigned to the branch' };
  if (settings.source.channel === 'default') return { channel: settings.values.channel, why: 'default' };
  return { channel: settings.values.channel, why: 'chosen in settings' };
}

// --- staged rollout ------------------------------------------------------------------------

/**
 * The install's place in a staged rollout, in [0, 1]: exactly what electron-updater computes
 * (AppUpdater.isStagingMatch): the last 4 bytes of the install's staging UUID (kept in
 * userData/.updaterId), big-endian, divided by 0xffffffff.
 */
export function stagingBucket(stagingUserId: string): number {
  const hex = stagingUserId.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`"${stagingUserId}" is not a UUID`);
  return parseInt(hex.slice(24, 32), 16) / 0xffffffff;
}

/** Whether a release published with `stagingPercentage` reaches this install (no percentage: everyone). */
export function inRollout(stagingUserId: string, stagingPercentage: number | undefined | null): boolean {
  if (stagingPercentage === undefined || stagingPercentage === null) return true;
  return stagingBucket(stagingUserId) < Math.trunc(stagingPercentage) / 100;
}

export function checkRolloutPercent(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 100) throw new Error('The rollout must be a whole percentage from 0 (halted) to 100');
  return value;
}

// --- when to check ----------------------------------------------------------------------

export const HOUR = 3_600_000;

/** Milliseconds until the next scheduled check; 0 = check now. Failed checks retry sooner (15 min). */
export function nextCheckDelay(input: { now: number; lastCheckAt: number | null; lastCheckFailed: boolean; intervalHours: number }): number {
  if (input.lastCheckAt === null) return 0;
  const wait = input.lastCheckFailed ? Math.min(15 * 60_000, input.intervalHours * HOUR) : input.intervalHours * HOUR;
  return Math.max(0, input.lastCheckAt + wait - input.now);
}

// --- may it install now? ----------------------------------------------------------------

/** What the engine is doing, as far as installing an update is concerned. */
export interface Activity {
  periodClose: boolean;
  importing: boolean;
  /** Mutations in the outbox not yet pushed to the centre. */
  unpushed: number;
  /** The centre's min_client_version, when the last sync learned it. */
  minVersion: string | null;
}

export const IDLE: Activity = { periodClose: false, importing: false, unpushed: 0, minVersion: null };

/** An update is forced when the administrator marked the release so, or this version is below the centre's minimum. */
export function isForced(currentVersion: string, release: { force?: boolean }, minVersion: string | null): { forced: boolean; why: string | null } {
  if (release.force) return { forced: true, why: 'the administrator marked this release as required' };
  if (minVersion && isVersion(minVersion) && isOlder(currentVersion, minVersion)) {
    return { forced: true, why: `the centre requires at least ${minVersion}; until then this install cannot send its changes` };
  }
  return { forced: false, why: null };
}

export type InstallDecision =
  | { install: true; forced: boolean; note: string | null }
  | { install: false; wait: boolean; reason: string };

/**
 * Whether a downloaded update may be installed now. Roll forward only: the database is
 * migrated by the new version, so an older one could not open it. Never during a period close
 * or an import (even when forced: the installer waits for them to finish). Not with changes
 * still to push, unless forced: a forced install keeps them in the outbox, and the new
 * version pushes them.
 */
export function decideInstall(input: { currentVersion: string; version: string; activity: Activity; force?: boolean }): InstallDecision {
  if (!isNewer(input.version, input.currentVersion)) {
    return { install: false, wait: false, reason: `${input.version} is not newer than the running ${input.currentVersion}: Branchline only rolls forward (the database would already be migrated)` };
  }
  const { forced, why } = isForced(input.currentVersion, { force: input.force }, input.activity.minVersion);
  if (input.activity.periodClose) return { install: false, wait: true, reason: 'A period close is running; the update installs when it has finished' };
  if (input.activity.importing) return { install: false, wait: true, reason: 'An import is running; the update installs when it has finished' };
  if (input.activity.unpushed > 0 && !forced) {
    return { install: false, wait: true, reason: `${input.activity.unpushed} change(s) have not reached the centre yet; the update installs once they are sent` };
  }
  return { install: true, forced, note: forced && input.activity.unpushed > 0 ? `Installing now because ${why}; ${input.activity.unpushed} unsent change(s) stay in the outbox and are sent by the new version` : why };
}
