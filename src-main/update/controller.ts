/**
 * The desktop update cycle, without Electron: check at start and every few hours, download in
 * the background with progress, offer "restart to update", and install only when the policy
 * (policy.ts) allows it. The updater itself (electron-updater in the packaged app, a stand-in
 * in tests) sits behind `UpdateDriver`; everything else comes in as functions.
 */
import { type Activity, type ChannelAssignments, HOUR, IDLE, decideInstall, isForced, nextCheckDelay, resolveChannel } from './policy';
import type { Channel, EffectiveSettings } from './settings';
import { isNewer } from './version';

export interface RemoteRelease {
  version: string;
  releaseDate?: string;
  /** Set by `branchline release publish --force` / `release rollout --force`. */
  force?: boolean;
  stagingPercentage?: number;
  releaseNotes?: string | null;
}

export interface DownloadProgress {
  percent: number;
  transferred: number;
  total: number;
  bytesPerSecond: number;
}

/** The updater the controller drives: electron-updater in the app, a stand-in in tests. */
export interface UpdateDriver {
  /** Points the updater at the update server and channel (called before every check). */
  configure(feed: { url: string; channel: Channel }): void;
  /** The release offered to this install, or null (up to date, outside the rollout, or older). */
  check(): Promise<RemoteRelease | null>;
  /** Downloads the offered release (verifying its sha512); rejects on failure. */
  download(onProgress: (progress: DownloadProgress) => void): Promise<void>;
  /** Quits, installs the downloaded release and restarts the app. */
  install(): void;
}

export type UpdateState = 'disabled' | 'idle' | 'checking' | 'up-to-date' | 'downloading' | 'available' | 'ready' | 'waiting' | 'installing' | 'error';

/** What an Admin "Updates" screen and the status bar show. */
export interface UpdateSnapshot {
  state: UpdateState;
  currentVersion: string;
  channel: Channel;
  channelWhy: string;
  updateUrl: string | null;
  /** Settings the administrator fixed in the machine policy (shown read-only). */
  fixed: string[];
  availableVersion: string | null;
  forced: boolean;
  forcedWhy: string | null;
  progress: DownloadProgress | null;
  /** Why the update waits, why updates are off, or what failed. */
  message: string | null;
  lastCheckAt: string | null;
  nextCheckAt: string | null;
  /** When a forced update will install by itself (if the policy allows it then). */
  installAt: string | null;
}

export interface UpdateControllerOptions {
  currentVersion: string;
  driver: UpdateDriver;
  settings(): EffectiveSettings;
  /** channels.json from the update server (null when absent or unreachable). */
  assignments(updateUrl: string): Promise<ChannelAssignments | null>;
  /** This install's branch code, once registered with a centre. */
  branchCode(): Promise<string | null>;
  /** What the engine is doing (period close, import, unpushed changes, the centre's minimum). */
  activity(): Promise<Activity>;
  log(message: string, error?: unknown): void;
  now?: () => number;
  timers?: { set(fn: () => void, ms: number): unknown; clear(handle: unknown): void };
  /** How often a waiting install looks again at the activity. */
  recheckActivityMs?: number;
  /** A forced update installs by itself this long after it is ready (the user is warned). */
  forcedGraceMs?: number;
}

const defaultTimers = {
  set: (fn: () => void, ms: number) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clear: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class UpdateController {
  private status: UpdateSnapshot;
  private readonly listeners = new Set<(status: UpdateSnapshot) => void>();
  private readonly now: () => number;
  private readonly timers: NonNullable<UpdateControllerOptions['timers']>;
  private checkTimer: unknown = null;
  private activityTimer: unknown = null;
  private graceTimer: unknown = null;
  private lastCheckAt: number | null = null;
  private lastCheckFailed = false;
  private release: RemoteRelease | null = null;
  private installRequested = false;
  private stopped = true;
  private checking: Promise<UpdateSnapshot> | null = null;

  constructor(private readonly options: UpdateControllerOptions) {
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? defaultTimers;
    const s = options.settings();
    this.status = {
      state: 'idle',
      currentVersion: options.currentVersion,
      channel: s.values.channel,
      channelWhy: 'default',
      updateUrl: s.values.updateUrl,
      fixed: s.fixed,
      availableVersion: null,
      forced: false,
      forcedWhy: null,
      progress: null,
      message: null,
      lastCheckAt: null,
      nextCheckAt: null,
      installAt: null,
    };
  }

  getStatus(): UpdateSnapshot {
    return { ...this.status };
  }

  onStatus(listener: (status: UpdateSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(patch: Partial<UpdateSnapshot>): void {
    this.status = { ...this.status, ...patch };
    const snapshot = this.getStatus();
    for (const l of this.listeners) {
      try {
        l(snapshot);
      } catch (error) {
        this.options.log('an update status listener failed', error);
      }
    }
  }

  /** Checks now, then every `checkIntervalHours`. Never throws (being offline is normal). */
  start(): Promise<UpdateSnapshot> {
    this.stopped = false;
    return this.checkNow();
  }

  stop(): void {
    this.stopped = true;
    for (const t of [this.checkTimer, this.activityTimer, this.graceTimer]) if (t !== null) this.timers.clear(t);
    this.checkTimer = this.activityTimer = this.graceTimer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.checkTimer !== null) this.timers.clear(this.checkTimer);
    const intervalHours = this.options.settings().values.checkIntervalHours;
    const delay = nextCheckDelay({ now: this.now(), lastCheckAt: this.lastCheckAt, lastCheckFailed: this.lastCheckFailed, intervalHours });
    this.set({ nextCheckAt: new Date(this.now() + delay).toISOString() });
    this.checkTimer = this.timers.set(() => {
      this.checkTimer = null;
      void this.checkNow();
    }, Math.max(delay, 1000));
  }

  /** One check (and, by the settings, a background download). Resolves with the status after the check. */
  checkNow(): Promise<UpdateSnapshot> {
    this.checking ??= this.doCheck().finally(() => {
      this.checking = null;
      this.schedule();
    });
    return this.checking;
  }

  private async doCheck(): Promise<UpdateSnapshot> {
    // Nothing to look for while an update is on its way or waiting to install.
    if (['downloading', 'ready', 'waiting', 'installing'].includes(this.status.state)) return this.getStatus();
    const settings = this.options.settings();
    const url = settings.values.updateUrl;
    if (!url) {
      this.set({ state: 'disabled', updateUrl: null, fixed: settings.fixed, message: 'No update server is configured (updateUrl in settings or in the machine policy)' });
      return this.getStatus();
    }
    this.set({ state: 'checking', updateUrl: url, fixed: settings.fixed, message: null });
    try {
      const [assignments, branchCode] = await Promise.all([
        this.options.assignments(url).catch((error: unknown) => {
          this.options.log('could not read channel assignments', error);
          return null;
        }),
        this.options.branchCode().catch(() => null),
      ]);
      const choice = resolveChannel(settings, assignments, branchCode);
      this.set({ channel: choice.channel, channelWhy: choice.why });
      this.options.driver.configure({ url, channel: choice.channel });
      const release = await this.options.driver.check();
      this.lastCheckAt = this.now();
      this.lastCheckFailed = false;
      this.set({ lastCheckAt: new Date(this.lastCheckAt).toISOString() });
      // Roll forward only, whatever the server offers (a channel switch may point at an older build).
      if (!release || !isNewer(release.version, this.options.currentVersion)) {
        this.release = null;
        this.set({ state: 'up-to-date', availableVersion: null, forced: false, forcedWhy: null, message: release ? `${release.version} on ${choice.channel} is not newer than ${this.options.currentVersion}` : null });
        return this.getStatus();
      }
      this.release = release;
      const activity = await this.options.activity().catch(() => IDLE);
      const { forced, why } = isForced(this.options.currentVersion, release, activity.minVersion);
      this.set({ state: 'available', availableVersion: release.version, forced, forcedWhy: why, message: null });
      if (settings.values.autoDownload || forced) void this.download();
      return this.getStatus();
    } catch (error) {
      this.lastCheckAt = this.now();
      this.lastCheckFailed = true;
      this.options.log('update check failed', error);
      this.set({ state: 'error', message: `Update check failed: ${message(error)}`, lastCheckAt: new Date(this.lastCheckAt).toISOString() });
      return this.getStatus();
    }
  }

  /** Downloads the available release in the background (progress in the status). */
  async download(): Promise<UpdateSnapshot> {
    const release = this.release;
    if (!release || this.status.state === 'downloading' || this.status.state === 'ready' || this.status.state === 'waiting') return this.getStatus();
    this.set({ state: 'downloading', progress: { percent: 0, transferred: 0, total: 0, bytesPerSecond: 0 }, message: null });
    try {
      await this.options.driver.download((progress) => this.set({ progress }));
    } catch (error) {
      this.options.log(`download of ${release.version} failed`, error);
      this.release = null;
      this.lastCheckFailed = true;
      this.set({ state: 'error', progress: null, availableVersion: null, message: `Download of ${release.version} failed: ${message(error)}` });
      return this.getStatus();
    }
    this.set({ state: 'ready', progress: null, message: `Branchline ${release.version} is ready: restart to update` });
    if (this.status.forced) {
      const grace = this.options.forcedGraceMs ?? 5 * 60_000;
      this.set({ installAt: new Date(this.now() + grace).toISOString(), message: `Branchline ${release.version} is required (${this.status.forcedWhy}); it installs by itself in ${Math.round(grace / 60_000)} minute(s)` });
      this.graceTimer = this.timers.set(() => {
        this.graceTimer = null;
        void this.restartToUpdate();
      }, grace);
    }
    return this.getStatus();
  }

  /**
   * "Restart to update": installs now if the policy allows it; otherwise waits (and installs
   * by itself as soon as it may), or refuses (not newer).
   */
  async restartToUpdate(): Promise<UpdateSnapshot> {
    const release = this.release;
    if (!release || !['ready', 'waiting'].includes(this.status.state)) return this.getStatus();
    this.installRequested = true;
    const activity = await this.options.activity().catch((error: unknown) => {
      this.options.log('could not read the engine activity', error);
      return null;
    });
    if (!activity) {
      this.set({ state: 'waiting', message: 'Waiting to know whether the engine is busy before installing' });
      this.watchActivity();
      return this.getStatus();
    }
    const decision = decideInstall({ currentVersion: this.options.currentVersion, version: release.version, activity, force: release.force });
    if (!decision.install) {
      if (!decision.wait) {
        this.installRequested = false;
        this.release = null;
        this.set({ state: 'up-to-date', availableVersion: null, message: decision.reason });
        return this.getStatus();
      }
      this.set({ state: 'waiting', message: decision.reason });
      this.watchActivity();
      return this.getStatus();
    }
    this.set({ state: 'installing', message: decision.note ?? `Installing Branchline ${release.version}` });
    this.stop();
    try {
      this.options.driver.install();
    } catch (error) {
      this.options.log('install failed', error);
      this.set({ state: 'error', message: `Install failed: ${message(error)}` });
    }
    return this.getStatus();
  }

  private watchActivity(): void {
    if (this.activityTimer !== null) return;
    this.activityTimer = this.timers.set(() => {
      this.activityTimer = null;
      if (this.installRequested && this.status.state === 'waiting') void this.restartToUpdate();
    }, this.options.recheckActivityMs ?? 60_000);
  }
}

export const DEFAULT_CHECK_INTERVAL_MS = 4 * HOUR;
