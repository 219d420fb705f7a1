/**
 * Electron main process entry (out/main/index.js). Thin on purpose: it gathers the
 * facts only Electron knows and composes src-main/electron/*, where the lifecycle,
 * window, security, IPC and updater wiring live and are tested.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, app, dialog, ipcMain, protocol, safeStorage, session, shell } from 'electron';
import { startWorkerEngineService } from './host/worker-engine-service';
import { type MainProcess, prepareMainProcess, wireMainProcess } from './electron/main-process';
import { loadCredentialKey } from './electron/credential-key';
import { chooseNativeBinding } from './electron/native-binding';
import { prepareDesktopDatabase } from './electron/startup-upgrade';
import { createUpdater } from './electron/updater';

const electron = { app, BrowserWindow, dialog, ipcMain, protocol, session, shell };
const log = (message: string, error?: unknown) => (error === undefined ? console.log(`[main] ${message}`) : console.error(`[main] ${message}`, error));

function start(): MainProcess | undefined {
  if (!prepareMainProcess(electron)) return undefined;

  const binding = chooseNativeBinding({
    electronVersion: process.versions.electron,
    isPackaged: app.isPackaged,
    appPath: app.getAppPath(),
    resourcesPath: process.resourcesPath,
    env: process.env,
    exists: existsSync,
    readText: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
  });
  if (binding.problem) log(binding.problem);

  // Built layout: out/main/index.js beside engine-worker.js; out/preload; out/renderer.
  const here = fileURLToPath(new URL('.', import.meta.url));
  return wireMainProcess(electron, {
    rendererDir: join(here, '..', 'renderer'),
    preloadPath: join(here, '..', 'preload', 'index.cjs'),
    startService: async () => {
      const dbFile = join(app.getPath('userData'), 'branch.sqlite');
      // Before a new version first opens the database: backup, migrate in one transaction, check.
      const upgrade = await prepareDesktopDatabase({ dbFile, appVersion: app.getVersion(), ...(binding.path ? { nativeBinding: binding.path } : {}), log });
      if (upgrade.fatal) {
        dialog.showErrorBox('Branchline cannot open its database', upgrade.fatal);
        app.quit();
        throw new Error(upgrade.fatal);
      }
      return startWorkerEngineService(new URL('./engine-worker.js', import.meta.url), {
        dbFile,
        readOnly: upgrade.readOnly,
        appVersion: app.getVersion(),
        backgroundSync: true,
        credentialKey: loadCredentialKey(safeStorage, join(app.getPath('userData'), 'credential-key.bin'), log),
        ...(binding.path ? { nativeBinding: binding.path } : {}),
      });
    },
    updater: createUpdater({ isPackaged: app.isPackaged, currentVersion: app.getVersion(), log }),
    devServerUrl: app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL,
    startupHint: binding.problem,
    log,
  });
}

/** The running main process (undefined when another instance already runs). */
export const mainProcess = start();
