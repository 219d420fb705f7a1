/**
 * The Electron main process, composed from the hardening, protocol, IPC and updater
 * modules. Electron comes in as a parameter (src-main/index.ts passes the real module,
 * tests pass fakes), so nothing here loads Electron by itself.
 */
import type { Envelope } from '../../src-shared/rpc';
import type { EngineEvent, EngineService } from '../host/engine-service';
import { handleAppProtocol, registerAppScheme } from './app-protocol';
import { APP_ENTRY_URL, EVENT_CHANNEL } from './constants';
import type { BrowserWindow, ElectronMain, WebContents } from './electron-api';
import { RendererSessions, newSessionKey, registerRpcChannel, trustedSenderCheck } from './rpc-ipc';
import { CONTENT_SECURITY_POLICY, devContentSecurityPolicy, hardenWebContents, openExternalSafely, secureSession, secureWebPreferences } from './security';
import type { UpdaterService } from './updater';
import { isClientUpdater, withClientUpdates } from './update-rpc';

export interface MainProcessOptions {
  /** out/renderer: what app:// serves. */
  rendererDir: string;
  /** out/preload/index.cjs */
  preloadPath: string;
  /** Starts the engine (on its worker thread). Called at once, so the database opens while Electron starts. */
  startService(): Promise<EngineService>;
  updater: UpdaterService;
  /** `electron-vite dev` only (never in a packaged app): the Vite dev server URL to load instead of app://. */
  devServerUrl?: string;
  /** Added to the error shown when the engine cannot start (e.g. the native-binding problem). */
  startupHint?: string;
  log(message: string, error?: unknown): void;
  newSessionKey?: () => string;
  platform?: NodeJS.Platform;
}

export interface MainProcess {
  /** The engine service; calls wait until the engine has started. */
  service: EngineService;
  sessions: RendererSessions;
  /** Resolves once the app is ready, app:// is served and the main window exists. */
  ready: Promise<void>;
  getMainWindow(): BrowserWindow | undefined;
  /** The Content-Security-Policy on every response. */
  csp: string;
  /** Resolves with the reason when the engine could not start, undefined when it started. */
  engineFailure: Promise<string | undefined>;
}

/**
 * Before `ready`, synchronously at startup: sandbox every renderer, make app:// a
 * privileged scheme, and keep a single instance. False when another instance runs
 * (this one then quits).
 */
export function prepareMainProcess(electron: Pick<ElectronMain, 'app' | 'protocol'>): boolean {
  electron.app.enableSandbox();
  registerAppScheme(electron.protocol);
  if (!electron.app.requestSingleInstanceLock()) {
    electron.app.quit();
    return false;
  }
  return true;
}

/** An EngineService usable at once whose calls wait for the real one to start. */
export function deferredService(
  started: Promise<EngineService>,
  describeFailure: (error: unknown) => string,
): { service: EngineService; failure: Promise<string | undefined> } {
  let failure: string | undefined;
  const ready = started.catch((error: unknown) => {
    failure = describeFailure(error);
    return undefined;
  });
  const listeners = new Set<(event: EngineEvent) => void>();
  void ready.then((service) => service?.onEvent((event) => listeners.forEach((l) => l(event))));
  const service: EngineService = {
    async call(method, input, caller): Promise<Envelope<unknown>> {
      const service = await ready;
      if (!service) return { ok: false, error: { code: 'INTERNAL', message: failure ?? 'The engine did not start' } };
      return service.call(method, input, caller);
    },
    endSession(sessionKey) {
      void ready.then((service) => service?.endSession(sessionKey));
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await (await ready)?.close();
    },
  };
  return { service, failure: ready.then(() => failure) };
}

export function wireMainProcess(electron: ElectronMain, options: MainProcessOptions): MainProcess {
  const { app, BrowserWindow, ipcMain, protocol, session, shell, dialog } = electron;
  const log = options.log;
  const devOrigin = options.devServerUrl && !app.isPackaged ? new URL(options.devServerUrl).origin : undefined;
  const csp = devOrigin ? devContentSecurityPolicy(devOrigin) : CONTENT_SECURITY_POLICY;
  const openExternal = (url: string) => openExternalSafely(url, shell);

  // Every webContents, ours or any other, gets the navigation / window / webview guards once.
  const hardened = new WeakSet<object>();
  const hardenOnce = (contents: WebContents) => {
    if (hardened.has(contents)) return;
    hardened.add(contents);
    hardenWebContents(contents, openExternal);
  };
  app.on('web-contents-created', (_event, contents) => hardenOnce(contents));

  // The engine starts now, on its worker thread; IPC calls wait for it.
  const { service, failure: engineFailure } = deferredService(options.startService(), (error) => {
    const reason = error instanceof Error ? error.message : String(error);
    return `Branchline could not open its database: ${reason}${options.startupHint ? `\n\n${options.startupHint}` : ''}`;
  });
  service.onEvent((event) => {
    const win = mainWindow;
    if (win && !win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event);
  });

  let mainWindow: BrowserWindow | undefined;
  const windowContents = () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow.webContents : undefined);
  const sessions = new RendererSessions((key) => service.endSession(key), options.newSessionKey ?? newSessionKey);
  // `updates.client.*` (the header's update indicator) are answered by the updater once the engine has checked the caller.
  registerRpcChannel(ipcMain, { service: withClientUpdates(service, isClientUpdater(options.updater) ? options.updater : null), sessions, isTrustedSender: trustedSenderCheck(windowContents, devOrigin), log });

  const createMainWindow = (): BrowserWindow => {
    const win = new BrowserWindow({
      width: 1280,
      height: 820,
      minWidth: 960,
      minHeight: 600,
      show: false,
      title: 'Branchline',
      backgroundColor: '#ffffff',
      autoHideMenuBar: true,
      webPreferences: secureWebPreferences(options.preloadPath, !app.isPackaged),
    });
    mainWindow = win;
    hardenOnce(win.webContents);
    win.once('ready-to-show', () => {
      win.show();
      options.updater.start().catch((error: unknown) => log('updater failed', error));
    });
    win.on('closed', () => {
      if (mainWindow === win) mainWindow = undefined;
    });
    win.webContents.on('render-process-gone', (_event, details) => log(`renderer gone: ${details.reason} (exit ${details.exitCode})`));
    win.loadURL(devOrigin && options.devServerUrl ? options.devServerUrl : APP_ENTRY_URL).catch((error: unknown) => log('could not load the UI', error));
    return win;
  };

  const ready = app.whenReady().then(() => {
    secureSession(session.defaultSession, csp);
    handleAppProtocol(protocol, options.rendererDir, csp);
    createMainWindow();
  });

  // If the engine cannot start, say why (and what to do) and quit.
  void engineFailure.then((message) => {
    if (message === undefined) return;
    log(message);
    dialog.showErrorBox('Branchline cannot start', message);
    app.quit();
  });

  app.on('second-instance', () => {
    const win = mainWindow;
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('activate', () => {
    if (app.isReady() && !windowContents()) createMainWindow();
  });
  app.on('window-all-closed', () => {
    if ((options.platform ?? process.platform) !== 'darwin') app.quit();
  });
  let engineClosed = false;
  let closing = false;
  app.on('before-quit', (event) => {
    if (engineClosed) return;
    event.preventDefault();
    if (closing) return;
    closing = true;
    const timeout = new Promise<void>((done) => setTimeout(done, 5_000).unref());
    Promise.race([service.close(), timeout])
      .catch((error: unknown) => log('engine did not close cleanly', error))
      .finally(() => {
        engineClosed = true;
        app.quit();
      });
  });

  return { service, sessions, ready, getMainWindow: () => mainWindow, csp, engineFailure };
}
