/**
 * A stand-in for the `electron` module in tests (vi.mock('electron', …)): records every
 * call the wiring makes and lets the test fire events. Only tests import this file.
 */
type Listener = (...args: any[]) => unknown;

export class FakeEmitter {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  once(event: string, listener: Listener): this {
    const wrapped: Listener = (...args) => {
      this.removeListener(event, wrapped);
      return listener(...args);
    };
    return this.on(event, wrapped);
  }
  removeListener(event: string, listener: Listener): this {
    this.listeners.set(
      event,
      (this.listeners.get(event) ?? []).filter((l) => l !== listener),
    );
    return this;
  }
  emit(event: string, ...args: unknown[]): boolean {
    const ls = [...(this.listeners.get(event) ?? [])];
    for (const l of ls) l(...args);
    return ls.length > 0;
  }
  count(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}

/** The navigation-style event Electron passes to will-navigate & co. */
export function fakeEvent<T extends object>(fields: T = {} as T) {
  return {
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

export function createFakeElectron() {
  const log: string[] = [];
  let nextId = 1;

  class FakeWebContents extends FakeEmitter {
    readonly id = nextId++;
    destroyed = false;
    windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
    readonly sent: { channel: string; args: unknown[] }[] = [];
    readonly mainFrame = { url: 'app://branchline/', parent: null };
    setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
      this.windowOpenHandler = handler;
    }
    send(channel: string, ...args: unknown[]) {
      this.sent.push({ channel, args });
    }
    isDestroyed() {
      return this.destroyed;
    }
    destroy() {
      this.destroyed = true;
      this.emit('destroyed');
    }
  }

  class FakeBrowserWindow extends FakeEmitter {
    static readonly instances: FakeBrowserWindow[] = [];
    readonly webContents = new FakeWebContents();
    readonly loaded: string[] = [];
    shown = false;
    destroyed = false;
    constructor(readonly options: Record<string, any>) {
      super();
      log.push('new BrowserWindow');
      FakeBrowserWindow.instances.push(this);
      // Like Electron: the app hears about the new webContents while the window is built.
      app.emit('web-contents-created', {}, this.webContents);
    }
    async loadURL(url: string) {
      this.loaded.push(url);
    }
    show() {
      this.shown = true;
    }
    isDestroyed() {
      return this.destroyed;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
  }

  class FakeApp extends FakeEmitter {
    isPackaged = false;
    ready = false;
    quitCalls = 0;
    enableSandbox() {
      log.push('app.enableSandbox');
    }
    requestSingleInstanceLock() {
      return true;
    }
    quit() {
      this.quitCalls++;
    }
    whenReady() {
      log.push('app.whenReady');
      this.ready = true;
      return Promise.resolve();
    }
    isReady() {
      return this.ready;
    }
    getAppPath() {
      return '/nonexistent/branchline';
    }
    getPath(name: string) {
      return `/nonexistent/${name}`;
    }
    getVersion() {
      return '0.1.0-test';
    }
  }
  const app = new FakeApp();

  const ipcMain = {
    handlers: new Map<string, Listener>(),
    handleCalls: [] as string[],
    onCalls: [] as string[],
    handle(channel: string, listener: Listener) {
      this.handleCalls.push(channel);
      this.handlers.set(channel, listener);
    },
    on(channel: string) {
      this.onCalls.push(channel);
    },
    handleOnce(channel: string) {
      this.onCalls.push(channel);
    },
  };

  const protocol = {
    privileged: [] as { scheme: string; privileges: Record<string, boolean> }[],
    handlers: new Map<string, (request: { url: string; method: string }) => Promise<Response> | Response>(),
    registerSchemesAsPrivileged(schemes: { scheme: string; privileges: Record<string, boolean> }[]) {
      log.push('protocol.registerSchemesAsPrivileged');
      this.privileged.push(...schemes);
    },
    handle(scheme: string, handler: (request: { url: string; method: string }) => Promise<Response> | Response) {
      log.push(`protocol.handle ${scheme}`);
      this.handlers.set(scheme, handler);
    },
  };

  const defaultSession = {
    permissionRequestHandler: undefined as Listener | undefined,
    permissionCheckHandler: undefined as Listener | undefined,
    headersListener: undefined as Listener | undefined,
    setPermissionRequestHandler(handler: Listener) {
      this.permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler: Listener) {
      this.permissionCheckHandler = handler;
    },
    webRequest: {
      onHeadersReceived(listener: Listener) {
        defaultSession.headersListener = listener;
      },
    },
  };

  const shell = {
    opened: [] as string[],
    async openExternal(url: string) {
      this.opened.push(url);
    },
  };

  const dialog = {
    errors: [] as { title: string; content: string }[],
    showErrorBox(title: string, content: string) {
      this.errors.push({ title, content });
    },
  };

  const contextBridge = {
    exposed: new Map<string, unknown>(),
    exposeInMainWorld(key: string, api: unknown) {
      this.exposed.set(key, api);
    },
  };

  const ipcRenderer = Object.assign(new FakeEmitter(), {
    invocations: [] as { channel: string; args: unknown[] }[],
    invokeResult: { ok: true, value: 'from-main' } as unknown,
    async invoke(channel: string, ...args: unknown[]) {
      ipcRenderer.invocations.push({ channel, args });
      return ipcRenderer.invokeResult;
    },
  });

  // Reversible "encryption" so tests can check the credential key never sits on disk in clear.
  const safeStorage = {
    isEncryptionAvailable: () => true,
    encryptString: (plain: string) => Buffer.from(`enc:${Buffer.from(plain).toString('hex')}`),
    decryptString: (b: Buffer) => Buffer.from(b.toString().slice(4), 'hex').toString(),
  };
  const module = { app, BrowserWindow: FakeBrowserWindow, ipcMain, protocol, session: { defaultSession }, shell, dialog, contextBridge, ipcRenderer, safeStorage };
  return { log, module, app, BrowserWindow: FakeBrowserWindow, WebContents: FakeWebContents, ipcMain, protocol, defaultSession, shell, dialog, contextBridge, ipcRenderer };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;

/** The instance vi.mock('electron') hands out; tests import it to inspect and drive it. */
export const fake: FakeElectron = createFakeElectron();
