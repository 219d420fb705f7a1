/**
 * The update hook. index.ts calls start() once the window shows. Policy (channels,
 * download/install consent, branch-wide rollout) is a later issue: for now the packaged
 * app only checks and logs, and never downloads or installs by itself.
 */

export type UpdateStatus =
  | { state: 'disabled'; reason: string }
  | { state: 'up-to-date' }
  | { state: 'available'; version: string }
  | { state: 'error'; message: string };

export interface UpdaterService {
  /** Called once after the main window is shown. Never throws: being offline is normal. */
  start(): Promise<void>;
  /** A check on demand (a menu item or settings screen, later). */
  checkNow(): Promise<UpdateStatus>;
}

export function noopUpdater(reason = 'Updates are checked only in the packaged app'): UpdaterService {
  return {
    start: async () => {},
    checkNow: async () => ({ state: 'disabled', reason }),
  };
}

/** The part of electron-updater's AppUpdater this hook uses. */
export interface AppUpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  checkForUpdates(): Promise<{ updateInfo: { version: string }; isUpdateAvailable?: boolean } | null>;
}

export type UpdaterModuleLoader = () => Promise<{ autoUpdater?: AppUpdaterLike; default?: { autoUpdater?: AppUpdaterLike } }>;

/** electron-updater is CommonJS and needs Electron: load it only when asked, only here. */
const loadElectronUpdater: UpdaterModuleLoader = () => import('electron-updater') as unknown as ReturnType<UpdaterModuleLoader>;

export function electronUpdater(options: { currentVersion: string; log: (message: string, error?: unknown) => void; load?: UpdaterModuleLoader }): UpdaterService {
  let updater: Promise<AppUpdaterLike> | undefined;
  const get = () =>
    (updater ??= (options.load ?? loadElectronUpdater)().then((mod) => {
      const u = mod.autoUpdater ?? mod.default?.autoUpdater;
      if (!u) throw new Error('electron-updater has no autoUpdater export');
      u.autoDownload = false;
      u.autoInstallOnAppQuit = false;
      return u;
    }));

  const checkNow = async (): Promise<UpdateStatus> => {
    try {
      const result = await (await get()).checkForUpdates();
      if (!result) return { state: 'disabled', reason: 'electron-updater declined to check (not packaged or no feed)' };
      const available = result.isUpdateAvailable ?? result.updateInfo.version !== options.currentVersion;
      return available ? { state: 'available', version: result.updateInfo.version } : { state: 'up-to-date' };
    } catch (error) {
      return { state: 'error', message: error instanceof Error ? error.message : String(error) };
    }
  };

  return {
    checkNow,
    async start() {
      const status = await checkNow();
      if (status.state === 'available') options.log(`update ${status.version} is available (current ${options.currentVersion})`);
      else if (status.state === 'error') options.log(`update check failed: ${status.message}`);
    },
  };
}

/** The real updater in a packaged app, the no-op everywhere else (dev, preview, tests). */
export function createUpdater(options: { isPackaged: boolean; currentVersion: string; log: (message: string, error?: unknown) => void; load?: UpdaterModuleLoader }): UpdaterService {
  return options.isPackaged ? electronUpdater(options) : noopUpdater();
}
