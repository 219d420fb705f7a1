import { z } from 'zod';
import { command, query } from './method';

/**
 * The Admin "Updates" screen: releases in the update folder (what each channel offers and to
 * what share of installs), channel per branch or device group, the centre's minimum version,
 * and which device runs which version. Admin only. The folder and the centre come from the
 * install's update settings, some of which the machine-wide policy file may fix.
 */

export const UPDATE_CHANNELS = ['stable', 'beta'] as const;
export const UpdateChannel = z.enum(UPDATE_CHANNELS, { message: 'Channel must be stable or beta' });

const RELEASE_VERSION = /^\d+\.\d+\.\d+$/;

export const UpdateSetting = z.object({
  key: z.string(),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  /** Fixed in the machine-wide policy file: read-only, "set by your administrator". */
  fixed: z.boolean(),
  source: z.enum(['machine', 'machine-default', 'user', 'default']),
});

/** One metadata file of a channel (latest.yml, latest-linux.yml, beta-mac.yml…). */
export const ChannelRelease = z.object({
  channel: UpdateChannel,
  file: z.string(),
  version: z.string(),
  /** Percent of installs offered the release; 0 = halted, 100 = everyone. */
  rollout: z.number().int(),
  required: z.boolean(),
  releaseDate: z.string(),
  files: z.array(z.string()),
});

export const ChannelAssignment = z.object({ kind: z.enum(['branch', 'group']), key: z.string(), channel: UpdateChannel });

export const UpdateDevice = z.object({
  clientId: z.string(),
  branchCode: z.string().nullable(),
  branchName: z.string().nullable(),
  /** Reported when the install pushes; null until it has pushed once. */
  appVersion: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  registeredAt: z.string(),
  retired: z.boolean(),
  belowMinimum: z.boolean(),
});

export const UpdatesOverview = z.object({
  appVersion: z.string(),
  settings: z.array(UpdateSetting),
  policyFile: z.string().nullable(),
  warnings: z.array(z.string()),
  folder: z.object({
    dir: z.string().nullable(),
    /** Why the folder cannot be read (not configured, missing, bad metadata). */
    problem: z.string().nullable(),
    releases: z.array(ChannelRelease),
    assignments: z.array(ChannelAssignment),
  }),
  centre: z.object({
    /** Where devices and the minimum version come from: this database is the centre, or the centralUrl setting. */
    source: z.enum(['this database', 'centralUrl setting', 'none']),
    label: z.string().nullable(),
    minVersion: z.string().nullable(),
    problem: z.string().nullable(),
  }),
});

/**
 * This install's own update, for the header's indicator: found, downloading (progress), ready
 * ("Restart to update"), waiting (and why), required. The engine alone answers `unmanaged`
 * (browser mode, the CLI); in the desktop app the main process answers from its updater.
 */
export const CLIENT_UPDATE_STATES = ['unmanaged', 'disabled', 'idle', 'checking', 'up-to-date', 'available', 'downloading', 'ready', 'waiting', 'installing', 'error'] as const;
export const ClientUpdateStatus = z.object({
  state: z.enum(CLIENT_UPDATE_STATES),
  currentVersion: z.string(),
  channel: UpdateChannel.nullable(),
  availableVersion: z.string().nullable(),
  forced: z.boolean(),
  forcedWhy: z.string().nullable(),
  progress: z.object({ percent: z.number(), transferred: z.number(), total: z.number(), bytesPerSecond: z.number() }).nullable(),
  /** Why the update waits, why updates are off, or what failed. */
  message: z.string().nullable(),
  /** When a required update installs by itself. */
  installAt: z.string().nullable(),
  /** Update settings fixed by the machine policy ("set by your administrator"). */
  fixed: z.array(z.string()),
});
export type ClientUpdateStatusValue = z.infer<typeof ClientUpdateStatus>;

export const updatesContract = {
  'updates.client.status': query({
    access: 'authenticated',
    summary: 'This install’s update: available, downloading (progress), ready to restart, waiting and why',
    input: z.object({}).strict(),
    output: ClientUpdateStatus,
  }),
  'updates.client.download': query({
    access: 'authenticated',
    summary: 'Download the available update in the background (the desktop app)',
    input: z.object({}).strict(),
    output: ClientUpdateStatus,
  }),
  'updates.client.restart': query({
    access: 'authenticated',
    summary: '“Restart to update”: installs now if nothing forbids it (a period close, an import, unsent changes unless required), otherwise waits and says why',
    input: z.object({}).strict(),
    output: ClientUpdateStatus,
  }),
  'updates.overview': query({
    access: 'system.admin',
    summary: 'Update settings (and which the machine policy fixes), releases in the update folder, channel assignments, the centre’s minimum version',
    input: z.object({}).strict(),
    output: UpdatesOverview,
  }),
  'updates.devices': query({
    access: 'system.admin',
    summary: 'Which device runs which version, from the centre’s device registry (sorted by branch and last push)',
    input: z.object({ version: z.string().trim().max(40).optional() }).strict(),
    output: z.object({
      minVersion: z.string().nullable(),
      devices: z.array(UpdateDevice),
      byVersion: z.array(z.object({ version: z.string(), devices: z.number().int() })),
    }),
  }),
  'updates.release.publish': command({
    access: 'system.admin',
    summary: 'Publish the installers electron-builder wrote to a folder into the update folder: installers first, the channel’s metadata last',
    input: z
      .object({
        distDir: z
          .string({ message: 'Build folder is required' })
          .trim()
          .min(1, { message: 'Build folder is required' })
          .max(500, { message: 'Build folder is at most 500 characters' })
          .regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, { message: 'Give the full path of the folder electron-builder wrote (e.g. /home/me/branchline/dist)' }),
        channel: UpdateChannel,
        rollout: z.number({ message: 'Rollout must be a number' }).int({ message: 'Rollout must be a whole percentage' }).min(1, { message: 'Rollout is at least 1 % when publishing' }).max(100, { message: 'Rollout is at most 100' }),
        required: z.boolean().default(false),
      })
      .strict(),
    output: z.object({ version: z.string(), channel: UpdateChannel, rollout: z.number().int(), artifacts: z.array(z.object({ name: z.string(), state: z.enum(['copied', 'present']) })), metadata: z.array(z.string()) }),
  }),
  'updates.rollout.set': command({
    access: 'system.admin',
    summary: 'Change the staged rollout of a channel’s current release: raise it, take it to 100 %, or halt it with 0; optionally mark it required',
    input: z
      .object({
        channel: UpdateChannel,
        percent: z.number({ message: 'Rollout must be a number' }).int({ message: 'Rollout must be a whole percentage' }).min(0, { message: 'Rollout is at least 0 (halted)' }).max(100, { message: 'Rollout is at most 100' }),
        required: z.boolean().optional(),
      })
      .strict(),
    output: z.object({ channel: UpdateChannel, version: z.string(), percent: z.number().int(), releases: z.array(ChannelRelease) }),
  }),
  'updates.channel.assign': command({
    access: 'system.admin',
    summary: 'Put a branch or a device group on a channel (null: back to each install’s own choice)',
    input: z
      .object({
        kind: z.enum(['branch', 'group'], { message: 'Assign a branch or a device group' }),
        key: z.string({ message: 'Branch code or group is required' }).trim().min(1, { message: 'Branch code or group is required' }).max(40, { message: 'At most 40 characters' }),
        channel: UpdateChannel.nullable(),
      })
      .strict(),
    output: z.object({ assignments: z.array(ChannelAssignment) }),
  }),
  'updates.minVersion.set': command({
    access: 'system.admin',
    summary: 'Raise (or clear) the minimum version the centre accepts pushes from; older installs keep working but their changes wait until they update',
    input: z
      .object({
        version: z.string({ message: 'Version is required' }).trim().regex(RELEASE_VERSION, { message: 'A version is three numbers like 1.4.0' }).nullable(),
      })
      .strict(),
    output: z.object({ minVersion: z.string().nullable(), previous: z.string().nullable(), below: z.array(UpdateDevice) }),
  }),
} as const;
