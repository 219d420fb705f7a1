/**
 * The desktop updater: electron-updater (generic provider) driven by the update policy in
 * src-main/update. index.ts calls start() once the window shows: it checks at once and every
 * few hours, downloads in the background (progress on the taskbar icon), offers "Restart to
 * update", and installs only when the policy allows (never during a period close or an import,
 * never with unsent changes unless the administrator forces it, never a downgrade).
 *
 * Nothing here loads Electron or electron-updater at import time: both come in lazily, in the
 * packaged app only, or as stand-ins in tests.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataDir } from '../host/paths';
import { chooseNativeBinding } from './native-binding';
import { sqliteActivityProbe } from '../update/activity';
import { type DownloadProgress, type RemoteRelease, type UpdateDriver, UpdateController, type UpdateSnapshot } from '../update/controller';
import { RotatingLog } from '../update/diagnostics';
import { CHANNEL_ASSIGNMENTS_FILE, type Activity, type ChannelAssignments, channelName, parseAssignments } from '../update/policy';
import { type EffectiveSettings, loadSettings } from '../update/settings';

/** The short status the main-process wiring (and its tests) know. */
export type UpdateStatus =
  | { state: 'disabled'; reason: string }
  | { state: 'up-to-date' }
  | { state: 'available'; version: string }
  | { state: 'error'; message: string };

export interface UpdaterService {
  /** Called once after the main window is shown. Never throws: being offline is normal. */
  start(): Promise<void>;
  /** A check on demand (a menu item or settings screen). */
  checkNow(): Promise<UpdateStatus>;
}

/** What an Admin "Updates" screen needs beyond the hook (see the README). */
export interface DesktopUpdater extends UpdaterService {
  status(): UpdateSnapshot;
  onStatus(listener: (status: UpdateSnapshot) => void): () => void;
  /** "Restart to update": installs now, or says why it waits. */
  restartToUpdate(): Promise<UpdateSnapshot>;
  /** Downloads the available release in the background (when autoDownload is off). */
  download(): Promise<UpdateSnapshot>;
  /** The merged settings, with the keys the administrator fixed. */
  settings(): EffectiveSettings;
  stop(): void;
}

export function noopUpdater(reason = 'Updates are checked only in the packaged app'): UpdaterService {
  return {
    start: async () => {},
    checkNow: async () => ({ state: 'disabled', reason }),
  };
}

/** The part of electron-updater's AppUpdater this module uses. */
export interface AppUpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowDowngrade?: boolean;
  setFeedURL?(options: { provider: 'generic'; url: string; channel?: string }): void;
  checkForUpdates(): Promise<{ updateInfo: { version: string; [key: string]: unknown }; isUpdateAvailable?: boolean } | null>;
  downloadUpdate?(): Promise<string[]>;
  quitAndInstall?(isSilent?: boolean, isForceRunAfter?: boolean): void;
  on?(event: 'download-progress', listener: (info: DownloadProgress) => void): unknown;
  removeListener?(event: 'download-progress', listener: (info: DownloadProgress) => void): unknown;
}

export type UpdaterModuleLoader = () => Promise<{ autoUpdater?: AppUpdaterLike; default?: { autoUpdater?: AppUpdaterLike } }>;

/** electron-updater is CommonJS and needs Electron: load it only when asked, only here. */
const loadElectronUpdater: UpdaterModuleLoader = () => import('electron-updater') as unknown as ReturnType<UpdaterModuleLoader>;


/**
 * electron-updater behind the controller's driver interface. Downloads and installs are
 * always explicit (autoDownload/autoInstallOnAppQuit off), and downgrades stay refused.
 */
export function electronUpdaterDriver(get: () => Promise<AppUpdaterLike>): UpdateDriver {
  let feed: { url: string; channel: string } | null = null;
  let updater: AppUpdaterLike | null = null;
  const ready = async () => {
    updater ??= await get();
    if (feed && updater.setFeedURL) updater.setFeedURL({ provider: 'generic', url: feed.url, channel: feed.channel });
    // Setting a channel makes electron-updater allow downgrades; Branchline never does.
    updater.allowDowngrade = false;
    return updater;
  };
  return {
    configure({ url, channel }) {
      feed = { url, channel: channelName(channel) };
    },
    async check(): Promise<RemoteRelease | null> {
      const u = await ready();
      const result = await u.checkForUpdates();
      if (!result || result.isUpdateAvailable === false) return null;
      const info = result.updateInfo;
      return {
        version: info.version,
        releaseDate: typeof info.releaseDate === 'string' ? info.releaseDate : undefined,
        stagingPercentage: typeof info.stagingPercentage === 'number' ? info.stagingPercentage : undefined,
        force: info.branchlineRequired === true,
        releaseNotes: typeof info.releaseNotes === 'string' ? info.releaseNotes : null,
      };
    },
    async download(onProgress) {
      const u = await ready();
      if (!u.downloadUpdate) throw new Error('this updater cannot download');
      const listener = (info: DownloadProgress) => onProgress({ percent: info.percent, transferred: info.transferred, total: info.total, bytesPerSecond: info.bytesPerSecond });
      u.on?.('download-progress', listener);
      try {
        await u.downloadUpdate();
      } finally {
        u.removeListener?.('download-progress', listener);
      }
    },
    install() {
      if (!updater?.quitAndInstall) throw new Error('nothing was downloaded');
      updater.quitAndInstall(false, true);
    },
  };
}

/** Reads channels.json from the update server (null when it has none). */
export async function fetchAssignments(updateUrl: string, fetchImpl: typeof fetch = fetch): Promise<ChannelAssignments | null> {
  const response = await fetchImpl(`${updateUrl.replace(/\/+$/, '')}/${CHANNEL_ASSIGNMENTS_FILE}`, { signal: AbortSignal.timeout(15_000), headers: { 'cache-control': 'no-cache' } });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${CHANNEL_ASSIGNMENTS_FILE}: HTTP ${response.status}`);
  return parseAssignments(await response.json());
}

/** The Electron pieces the updater shows itself with (the taskbar progress and the restart prompt). */
export interface UpdaterUi {
  progress(fraction: number | null): void;
  /** Asks "Restart to update?"; resolves true for yes. */
  offerRestart(version: string, detail: string): Promise<boolean>;
  notice(message: string): void;
}

export interface ElectronUpdaterOptions {
  currentVersion: string;
  log: (message: string, error?: unknown) => void;
  load?: UpdaterModuleLoader;
  /** The app's data folder (userData); default: the folder the CLI uses too. */
  dataDir?: string;
  /** The machine policy file (tests); default: the platform's (see update/settings.ts). */
  policyFile?: string;
  activity?: () => Promise<Activity & { branchCode?: string | null }>;
  /** better_sqlite3.node for this runtime (the main process reads the database read-only); default: chosen as index.ts chooses it. */
  nativeBinding?: string;
  assignments?: (updateUrl: string) => Promise<ChannelAssignments | null>;
  ui?: UpdaterUi | (() => Promise<UpdaterUi>);
  now?: () => number;
  timers?: { set(fn: () => void, ms: number): unknown; clear(handle: unknown): void };
}

function fileProbes() {
  return {
    readText: (path: string) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    mode: (path: string) => (process.platform === 'win32' ? undefined : statSync(path).mode),
  };
}

/** The better-sqlite3 build for Electron's ABI, found the way index.ts finds it. Loaded lazily. */
async function electronNativeBinding(): Promise<string | undefined> {
  const { app } = await import('electron');
  const choice = chooseNativeBinding({
    electronVersion: process.versions.electron,
    isPackaged: app.isPackaged,
    appPath: app.getAppPath(),
    resourcesPath: process.resourcesPath,
    env: process.env,
    exists: existsSync,
    readText: fileProbes().readText,
  });
  return choice.path;
}

/** The Electron UI: progress on the taskbar icon, a native prompt to restart. Loaded lazily. */
async function electronUi(): Promise<UpdaterUi> {
  const { BrowserWindow, dialog } = await import('electron');
  const win = () => BrowserWindow.getAllWindows().find((w) => !w.isDestroyed());
  return {
    progress(fraction) {
      win()?.setProgressBar(fraction === null ? -1 : fraction);
    },
    async offerRestart(version, detail) {
      const w = win();
      const options = { type: 'info' as const, buttons: ['Restart to update', 'Later'], defaultId: 0, cancelId: 1, title: 'Update ready', message: `Branchline ${version} is ready to install`, detail };
      const { response } = w ? await dialog.showMessageBox(w, options) : await dialog.showMessageBox(options);
      return response === 0;
    },
    notice(message) {
      const w = win();
      const options = { type: 'info' as const, title: 'Update', message };
      void (w ? dialog.showMessageBox(w, options) : dialog.showMessageBox(options));
    },
  };
}

export function electronUpdater(options: ElectronUpdaterOptions): DesktopUpdater {
  const dataDir = options.dataDir ?? defaultDataDir();
  const fileLog = new RotatingLog({ dir: join(dataDir, 'logs'), name: 'updates' });
  const log = (message: string, error?: unknown) => {
    options.log(message, error);
    fileLog.write(error === undefined ? 'info' : 'warn', 'updater', message, error);
  };
  let updater: Promise<AppUpdaterLike> | undefined;
  const get = () =>
    (updater ??= (options.load ?? loadElectronUpdater)().then((mod) => {
      const u = mod.autoUpdater ?? mod.default?.autoUpdater;
      if (!u) throw new Error('electron-updater has no autoUpdater export');
      u.autoDownload = false;
      u.autoInstallOnAppQuit = false;
      return u;
    }));
  const settings = () => loadSettings({ dataDir, policyFile: options.policyFile, probes: fileProbes() });
  const dbFile = join(dataDir, 'branch.sqlite');
  let probe: Promise<() => ReturnType<ReturnType<typeof sqliteActivityProbe>>> | null = null;
  const activityProbe =
    options.activity ??
    (async () => {
      probe ??= (options.nativeBinding ? Promise.resolve(options.nativeBinding) : electronNativeBinding()).then((binding) => sqliteActivityProbe(dbFile, binding));
      return (await probe)();
    });
  const activity = () => activityProbe();
  const controller = new UpdateController({
    currentVersion: options.currentVersion,
    driver: electronUpdaterDriver(get),
    settings,
    assignments: options.assignments ?? ((url) => fetchAssignments(url)),
    branchCode: async () => (await activity().catch(() => null))?.branchCode ?? null,
    activity,
    log,
    now: options.now,
    timers: options.timers,
  });

  let ui: Promise<UpdaterUi> | null = null;
  const getUi = () => (ui ??= typeof options.ui === 'function' ? options.ui() : options.ui ? Promise.resolve(options.ui) : electronUi());
  const offered = new Set<string>();
  let lastState = '';
  controller.onStatus((s) => {
    if (s.state !== lastState) log(`update: ${s.state}${s.availableVersion ? ` ${s.availableVersion}` : ''}${s.message ? ` — ${s.message}` : ''}`);
    lastState = s.state;
    void getUi()
      .then(async (u) => {
        u.progress(s.state === 'downloading' && s.progress ? s.progress.percent / 100 : null);
        if (s.state === 'ready' && s.availableVersion && !offered.has(s.availableVersion)) {
          offered.add(s.availableVersion);
          const detail = s.forced ? `This update is required: ${s.forcedWhy}.` : 'Branchline restarts and upgrades its database (after a backup).';
          if (await u.offerRestart(s.availableVersion, detail)) {
            const after = await controller.restartToUpdate();
            if (after.state === 'waiting' && after.message) u.notice(after.message);
          }
        }
      })
      .catch((error: unknown) => log('update UI failed', error));
  });

  const checkNow = async (): Promise<UpdateStatus> => {
    const s = await controller.checkNow();
    return shortStatus(s);
  };

  return {
    checkNow,
    async start() {
      try {
        const s = settings();
        for (const w of s.warnings) log(`settings: ${w}`);
        await controller.start();
      } catch (error) {
        log('updater failed to start', error);
      }
    },
    status: () => controller.getStatus(),
    onStatus: (listener) => controller.onStatus(listener),
    restartToUpdate: () => controller.restartToUpdate(),
    download: () => controller.download(),
    settings,
    stop: () => controller.stop(),
  };
}

export function shortStatus(s: UpdateSnapshot): UpdateStatus {
  switch (s.state) {
    case 'disabled':
      return { state: 'disabled', reason: s.message ?? 'Updates are off' };
    case 'error':
      return { state: 'error', message: s.message ?? 'Update check failed' };
    case 'up-to-date':
    case 'idle':
    case 'checking':
      return { state: 'up-to-date' };
    default:
      return s.availableVersion ? { state: 'available', version: s.availableVersion } : { state: 'up-to-date' };
  }
}

/** The real updater in a packaged app, the no-op everywhere else (dev, preview, tests). */
export function createUpdater(options: { isPackaged: boolean } & ElectronUpdaterOptions): UpdaterService {
  return options.isPackaged ? electronUpdater(options) : noopUpdater();
}
