/**
 * The Electron main process and preload, loaded for real (src-main/index.ts and
 * src-main/preload.ts) with a recording stand-in for the `electron` module and a fake
 * engine service in place of the worker thread.
 */
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES } from '../../src-shared/contract/index';
import { type Envelope, MAX_PAYLOAD_BYTES } from '../../src-shared/rpc';
import { Engine } from '../engine/engine';
import type { EngineService } from '../host/engine-service';
import { sampleInput } from './contract-samples';
import type { ElectronMain } from './electron-api';
import { createFakeElectron, fake, fakeEvent } from './fake-electron';
import { type MainProcess, wireMainProcess } from './main-process';
import type { BranchlineBridge } from './preload-api';
import { CONTENT_SECURITY_POLICY, openExternalSafely } from './security';
import type { UpdaterService } from './updater';

vi.mock('electron', async () => (await import('./fake-electron')).fake.module);

const engine = vi.hoisted(() => {
  const listeners = new Set<(event: unknown) => void>();
  const state = {
    calls: [] as { method: string; input: unknown; caller: unknown }[],
    ended: [] as string[],
    closed: 0,
    throwNext: false,
    startedWith: undefined as undefined | { url: URL | string; options: Record<string, unknown> },
    emit(event: unknown) {
      for (const l of listeners) l(event);
    },
    service: {
      async call(method: string, input: unknown, caller: unknown) {
        state.calls.push({ method, input, caller });
        if (state.throwNext) {
          state.throwNext = false;
          throw new Error('boom');
        }
        return { ok: true, value: { answered: method } };
      },
      endSession(key: string) {
        state.ended.push(key);
      },
      onEvent(listener: (event: unknown) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      async close() {
        state.closed++;
      },
    },
  };
  return state;
});

vi.mock('../host/worker-engine-service', () => ({
  startWorkerEngineService: async (url: URL | string, options: Record<string, unknown>) => {
    engine.startedWith = { url, options };
    return engine.service;
  },
}));

type RpcHandler = (event: unknown, method: unknown, input?: unknown) => Promise<Envelope<unknown>>;

let main: MainProcess;
let rpc: RpcHandler;
const win = () => fake.BrowserWindow.instances[0]!;
const trusted = (url = 'app://branchline/#/catalog/products') => ({ sender: win().webContents, senderFrame: { url, parent: null } });
const indexDir = join(dirname(fileURLToPath(import.meta.url)), '..');

beforeAll(async () => {
  const mod = await import('../index');
  expect(mod.mainProcess).toBeDefined();
  main = mod.mainProcess!;
  await main.ready;
  rpc = fake.ipcMain.handlers.get('branchline:rpc') as RpcHandler;
  await import('../preload');
});

afterEach(() => {
  engine.calls.length = 0;
  fake.shell.opened.length = 0;
});

describe('startup', () => {
  it('sandboxes every renderer and registers app:// as a privileged scheme before ready', () => {
    expect(fake.log).toContain('app.enableSandbox');
    expect(fake.log.indexOf('protocol.registerSchemesAsPrivileged')).toBeGreaterThanOrEqual(0);
    expect(fake.log.indexOf('protocol.registerSchemesAsPrivileged')).toBeLessThan(fake.log.indexOf('app.whenReady'));
    expect(fake.protocol.privileged).toHaveLength(1);
    const [scheme] = fake.protocol.privileged;
    expect(scheme!.scheme).toBe('app');
    expect(scheme!.privileges).toMatchObject({ standard: true, secure: true, supportFetchAPI: true });
    expect(scheme!.privileges.bypassCSP).toBeUndefined();
    expect(fake.log.indexOf('protocol.handle app')).toBeGreaterThan(fake.log.indexOf('app.whenReady'));
  });

  it('creates one hardened window loading app://branchline/ with the preload', () => {
    expect(fake.BrowserWindow.instances).toHaveLength(1);
    const prefs = win().options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false });
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    // out/main/index.js → out/preload/index.cjs
    expect(relative(indexDir, prefs.preload)).toBe(join('..', 'preload', 'index.cjs'));
    expect(win().options.show).toBe(false);
    expect(win().loaded).toEqual(['app://branchline/']);
  });

  it('starts the engine on the worker with the userData database and app version', () => {
    expect(engine.startedWith).toBeDefined();
    expect(String(engine.startedWith!.url)).toMatch(/\/engine-worker\.js$/);
    expect(engine.startedWith!.options.dbFile).toBe(join('/nonexistent/userData', 'branch.sqlite'));
    expect(engine.startedWith!.options.appVersion).toBe('0.1.0-test');
    // Plain Node (no process.versions.electron): better-sqlite3's own Node build.
    expect(engine.startedWith!.options).not.toHaveProperty('nativeBinding');
  });

  it('shows the window when ready', () => {
    expect(win().shown).toBe(false);
    win().emit('ready-to-show');
    expect(win().shown).toBe(true);
  });
});

describe('Content-Security-Policy', () => {
  it('has every required directive', () => {
    const directives = CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim());
    expect(directives).toEqual(
      expect.arrayContaining([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'none'",
      ]),
    );
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|\*/);
    expect(main.csp).toBe(CONTENT_SECURITY_POLICY);
  });

  it('is put on every response of the session, replacing any other CSP', () => {
    const listener = fake.defaultSession.headersListener!;
    expect(listener).toBeTypeOf('function');
    const callback = vi.fn();
    listener({ url: 'https://anything.example/', responseHeaders: { 'content-security-policy': ["default-src *"], 'X-Other': ['1'] } }, callback);
    const headers = callback.mock.calls[0]![0].responseHeaders as Record<string, string[]>;
    expect(headers['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['X-Other']).toEqual(['1']);
  });

  it('is on the app:// responses too', async () => {
    const handler = fake.protocol.handlers.get('app')!;
    const response = await handler({ url: 'app://branchline/no-such-file.js', method: 'GET' });
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });
});

describe('navigation, windows, webviews', () => {
  it('hardens each webContents exactly once', () => {
    expect(win().webContents.count('will-navigate')).toBe(1);
    expect(win().webContents.count('will-attach-webview')).toBe(1);
  });

  it('prevents every navigation; https goes to the browser, nothing else leaves', () => {
    for (const url of ['app://branchline/elsewhere', 'file:///etc/passwd', 'http://example.com/', 'javascript:alert(1)']) {
      const event = fakeEvent({ url });
      win().webContents.emit('will-navigate', event);
      expect(event.defaultPrevented, url).toBe(true);
    }
    expect(fake.shell.opened).toEqual([]);
    const https = fakeEvent({ url: 'https://docs.example.com/help' });
    win().webContents.emit('will-navigate', https);
    expect(https.defaultPrevented).toBe(true);
    expect(fake.shell.opened).toEqual(['https://docs.example.com/help']);
  });

  it('prevents subframe navigation', () => {
    const event = fakeEvent({ url: 'https://evil.example/', isMainFrame: false });
    win().webContents.emit('will-frame-navigate', event);
    expect(event.defaultPrevented).toBe(true);
  });

  it('denies window.open; an https URL opens in the browser instead', () => {
    const open = win().webContents.windowOpenHandler!;
    expect(open({ url: 'app://branchline/popup' })).toEqual({ action: 'deny' });
    expect(open({ url: 'http://example.com/' })).toEqual({ action: 'deny' });
    expect(fake.shell.opened).toEqual([]);
    expect(open({ url: 'https://example.com/manual' })).toEqual({ action: 'deny' });
    expect(fake.shell.opened).toEqual(['https://example.com/manual']);
  });

  it('denies webview attachment', () => {
    const event = fakeEvent({});
    win().webContents.emit('will-attach-webview', event, {}, {});
    expect(event.defaultPrevented).toBe(true);
  });

  it('hardens webContents created later (devtools, anything else)', () => {
    const other = new fake.WebContents();
    fake.app.emit('web-contents-created', {}, other);
    expect(other.windowOpenHandler?.({ url: 'https://x.example/' })).toEqual({ action: 'deny' });
    const event = fakeEvent({ url: 'app://branchline/' });
    other.emit('will-navigate', event);
    expect(event.defaultPrevented).toBe(true);
  });
});

describe('openExternalSafely', () => {
  it('opens https: only', async () => {
    const shell = { opened: [] as string[], openExternal: async (url: string) => void shell.opened.push(url) };
    for (const url of ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://server/share', 'ms-msdt:/id', 'HTTP://EXAMPLE.COM', 'https://user:pw@example.com/', 'not a url', '', 42, undefined]) {
      expect(await openExternalSafely(url, shell), String(url)).toBe(false);
    }
    expect(shell.opened).toEqual([]);
    expect(await openExternalSafely('https://example.com/a?b=c', shell)).toBe(true);
    expect(await openExternalSafely('HTTPS://Example.com/x', shell)).toBe(true);
    expect(shell.opened).toEqual(['https://example.com/a?b=c', 'https://example.com/x']);
  });
});

describe('permissions', () => {
  it('denies every permission request and check', () => {
    const request = fake.defaultSession.permissionRequestHandler!;
    const check = fake.defaultSession.permissionCheckHandler!;
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'unknown']) {
      const callback = vi.fn();
      request(win().webContents, permission, callback, {});
      expect(callback, permission).toHaveBeenCalledExactlyOnceWith(false);
      expect(check(win().webContents, permission, 'app://branchline', {}), permission).toBe(false);
    }
  });
});

describe('app:// protocol', () => {
  it('refuses traversal, other hosts and other methods', async () => {
    const handler = fake.protocol.handlers.get('app')!;
    for (const url of ['app://branchline/..%2f..%2fetc%2fpasswd', 'app://branchline/%2e%2e/%2e%2e/etc/passwd', 'app://branchline/a%5c..%5c..%5csecret', 'app://evil/index.html']) {
      expect((await handler({ url, method: 'GET' })).status, url).toBe(403);
    }
    expect((await handler({ url: 'app://branchline/', method: 'POST' })).status).toBe(405);
  });
});

describe('IPC', () => {
  it('registers exactly one channel, branchline:rpc, and no other listeners', () => {
    expect(fake.ipcMain.handleCalls).toEqual(['branchline:rpc']);
    expect(fake.ipcMain.onCalls).toEqual([]);
  });

  it('forwards every contract method with valid input to the engine, with the window session key', async () => {
    expect(METHOD_NAMES.length).toBeGreaterThan(0);
    let sessionKey: string | undefined;
    for (const method of METHOD_NAMES) {
      const input = sampleInput(method);
      expect(input, `no valid sample for ${method}: add one to SAMPLE_OVERRIDES in contract-samples.ts`).toBeDefined();
      const envelope = await rpc(trusted(), method, input);
      expect(envelope, method).toEqual({ ok: true, value: { answered: method } });
      const call = engine.calls.at(-1)!;
      expect(call.method).toBe(method);
      expect(call.input).toEqual(input);
      const caller = call.caller as { sessionKey: string };
      sessionKey ??= caller.sessionKey;
      expect(caller).toEqual({ sessionKey });
    }
    expect(engine.calls).toHaveLength(METHOD_NAMES.length);
  });

  it('refuses names outside the contract with UNKNOWN_METHOD', async () => {
    for (const method of ['system.dropDatabase', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 42, null, undefined, { name: 'system.status' }]) {
      const envelope = await rpc(trusted(), method, {});
      expect(envelope.ok ? null : envelope.error.code, String(method)).toBe('UNKNOWN_METHOD');
    }
    expect(engine.calls).toEqual([]);
  });

  it('refuses callers that are not the top frame of our window showing app:// with FORBIDDEN', async () => {
    const otherContents = { id: 9999, once: () => {} };
    const events = [
      { sender: win().webContents, senderFrame: { url: 'https://evil.example/', parent: null } },
      { sender: win().webContents, senderFrame: { url: 'file:///tmp/x.html', parent: null } },
      { sender: win().webContents, senderFrame: { url: 'app://evil/', parent: null } },
      { sender: win().webContents, senderFrame: { url: 'app://branchline/', parent: { url: 'app://branchline/' } } },
      { sender: win().webContents, senderFrame: null },
      { sender: otherContents, senderFrame: { url: 'app://branchline/', parent: null } },
      {},
    ];
    for (const event of events) {
      const envelope = await rpc(event, 'system.status', {});
      expect(envelope.ok ? null : envelope.error.code, JSON.stringify(event)).toBe('FORBIDDEN');
    }
    expect(engine.calls).toEqual([]);
  });

  it('refuses invalid input with VALIDATION and the fields at fault', async () => {
    const envelope = await rpc(trusted(), 'auth.login', { username: 5 });
    expect(envelope.ok).toBe(false);
    if (envelope.ok) return;
    expect(envelope.error.code).toBe('VALIDATION');
    const paths = envelope.error.details?.fields?.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['username', 'password']));
    expect(engine.calls).toEqual([]);
  });

  it('refuses input that is not plain JSON with VALIDATION', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const input of [cyclic, { n: 10n }]) {
      const envelope = await rpc(trusted(), 'system.status', input);
      expect(envelope.ok ? null : envelope.error.code).toBe('VALIDATION');
    }
    expect(engine.calls).toEqual([]);
  });

  it('refuses oversized input with PAYLOAD_TOO_LARGE, counting bytes not characters', async () => {
    const big = await rpc(trusted(), 'catalog.product.search', { query: 'x'.repeat(MAX_PAYLOAD_BYTES) });
    expect(big.ok ? null : big.error.code).toBe('PAYLOAD_TOO_LARGE');
    // Fewer characters than the limit, more bytes (é is 2 bytes in UTF-8).
    const wide = await rpc(trusted(), 'catalog.product.search', { query: 'é'.repeat(MAX_PAYLOAD_BYTES / 2 + 10) });
    expect(wide.ok ? null : wide.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(engine.calls).toEqual([]);
    // Just under the limit passes the size check (then fails the schema's own max length).
    const under = await rpc(trusted(), 'catalog.product.search', { query: 'x'.repeat(1000) });
    expect(under.ok ? null : under.error.code).not.toBe('PAYLOAD_TOO_LARGE');
  });

  it('never throws across IPC: a failure in main becomes an INTERNAL envelope', async () => {
    engine.throwNext = true;
    await expect(rpc(trusted(), 'system.status', {})).resolves.toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('keeps one session key per webContents, shaped like Engine.newSessionKey(), ended when it is destroyed', async () => {
    await rpc(trusted(), 'system.status', {});
    await rpc(trusted('app://branchline/#/other'), 'auth.session', {});
    const [a, b] = engine.calls.map((c) => (c.caller as { sessionKey: string }).sessionKey);
    expect(a).toBe(b);
    const reference = Engine.newSessionKey();
    expect(a).toHaveLength(reference.length);
    expect(a).toMatch(/^[0-9a-f-]{72}$/);
    expect(a).not.toBe(reference);
    expect(engine.ended).toEqual([]);
    expect(main.sessions.size).toBe(1);

    // A second window's contents would get its own key; here: destroy ours.
    win().webContents.destroy();
    await Promise.resolve();
    expect(engine.ended).toEqual([a]);
    expect(main.sessions.size).toBe(0);
  });

  it('forwards engine events to the window on branchline:event', async () => {
    const event = { type: 'committed', method: 'catalog.product.create' };
    win().webContents.destroyed = false;
    engine.emit(event);
    expect(win().webContents.sent).toContainEqual({ channel: 'branchline:event', args: [event] });
  });
});

describe('preload', () => {
  const bridge = () => fake.contextBridge.exposed.get('branchline') as BranchlineBridge;

  it('exposes window.branchline with rpc and onEvent only, never ipcRenderer', () => {
    expect([...fake.contextBridge.exposed.keys()]).toEqual(['branchline']);
    const api = bridge();
    expect(Object.keys(api).sort()).toEqual(['onEvent', 'rpc']);
    for (const value of Object.values(api)) {
      expect(value).toBeTypeOf('function');
      expect(value).not.toBe(fake.ipcRenderer);
      expect(value).not.toBe(fake.ipcRenderer.invoke);
    }
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('rpc invokes branchline:rpc and returns the envelope', async () => {
    fake.ipcRenderer.invocations.length = 0;
    await expect(bridge().rpc('system.status', { a: 1 })).resolves.toEqual({ ok: true, value: 'from-main' });
    expect(fake.ipcRenderer.invocations).toEqual([{ channel: 'branchline:rpc', args: ['system.status', { a: 1 }] }]);
  });

  it('rpc turns a failed invoke into an envelope instead of throwing', async () => {
    const original = fake.ipcRenderer.invoke;
    fake.ipcRenderer.invoke = async () => {
      throw new Error('An object could not be cloned.');
    };
    try {
      await expect(bridge().rpc('system.status', { f: () => 1 })).resolves.toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    } finally {
      fake.ipcRenderer.invoke = original;
    }
  });

  it('onEvent hands the listener the payload only, and unsubscribes', () => {
    const seen: unknown[] = [];
    const off = bridge().onEvent((e) => seen.push(e));
    const ipcEvent = { sender: fake.ipcRenderer };
    fake.ipcRenderer.emit('branchline:event', ipcEvent, { type: 'progress', task: 't', done: 1, total: 2 });
    expect(seen).toEqual([{ type: 'progress', task: 't', done: 1, total: 2 }]);
    off();
    expect(fake.ipcRenderer.count('branchline:event')).toBe(0);
    fake.ipcRenderer.emit('branchline:event', ipcEvent, { type: 'committed', method: 'x' });
    expect(seen).toHaveLength(1);
  });
});

describe('wireMainProcess lifecycle', () => {
  const stubService = (): EngineService & { closed: number } => ({
    closed: 0,
    call: async () => ({ ok: true, value: null }),
    endSession: () => {},
    onEvent: () => () => {},
    async close() {
      this.closed++;
    },
  });
  const wire = (electron: ReturnType<typeof createFakeElectron>, overrides: Partial<Parameters<typeof wireMainProcess>[1]> = {}) =>
    wireMainProcess(electron.module as unknown as ElectronMain, {
      rendererDir: '/nonexistent/renderer',
      preloadPath: '/nonexistent/preload/index.cjs',
      startService: async () => stubService(),
      updater: { start: async () => {}, checkNow: async () => ({ state: 'up-to-date' }) },
      log: () => {},
      platform: 'linux',
      ...overrides,
    });

  it('calls the updater hook only after the window is shown', async () => {
    const electron = createFakeElectron();
    const shownWhenStarted: boolean[] = [];
    const updater: UpdaterService = {
      start: async () => void shownWhenStarted.push(electron.BrowserWindow.instances[0]!.shown),
      checkNow: async () => ({ state: 'up-to-date' }),
    };
    const mp = wire(electron, { updater });
    await mp.ready;
    expect(shownWhenStarted).toEqual([]);
    electron.BrowserWindow.instances[0]!.emit('ready-to-show');
    expect(shownWhenStarted).toEqual([true]);
  });

  it('explains and quits when the engine cannot start; calls get INTERNAL meanwhile', async () => {
    const electron = createFakeElectron();
    const mp = wire(electron, { startService: async () => Promise.reject(new Error('NODE_MODULE_VERSION 115')), startupHint: 'run the rebuild script' });
    await mp.ready;
    expect(await mp.engineFailure).toContain('NODE_MODULE_VERSION 115');
    await new Promise((r) => setTimeout(r, 0));
    expect(electron.dialog.errors).toHaveLength(1);
    expect(electron.dialog.errors[0]!.content).toContain('run the rebuild script');
    expect(electron.app.quitCalls).toBe(1);
    const handler = electron.ipcMain.handlers.get('branchline:rpc') as RpcHandler;
    const sender = electron.BrowserWindow.instances[0]!.webContents;
    const envelope = await handler({ sender, senderFrame: { url: 'app://branchline/', parent: null } }, 'system.status', {});
    expect(envelope).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('closes the engine before quitting', async () => {
    const electron = createFakeElectron();
    const service = stubService();
    const mp = wire(electron, { startService: async () => service });
    await mp.ready;
    const first = fakeEvent({});
    electron.app.emit('before-quit', first);
    expect(first.defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(electron.app.quitCalls).toBe(1));
    expect(service.closed).toBe(1);
    const second = fakeEvent({});
    electron.app.emit('before-quit', second);
    expect(second.defaultPrevented).toBe(false);
  });

  it('quits when the last window closes, except on macOS', async () => {
    const linux = createFakeElectron();
    await wire(linux).ready;
    linux.app.emit('window-all-closed');
    expect(linux.app.quitCalls).toBe(1);
    const mac = createFakeElectron();
    await wire(mac, { platform: 'darwin' }).ready;
    mac.app.emit('window-all-closed');
    expect(mac.app.quitCalls).toBe(0);
  });

  it('uses the Vite dev server only when unpackaged, with a matching CSP and sender rule', async () => {
    const dev = createFakeElectron();
    const mp = wire(dev, { devServerUrl: 'http://localhost:5173' });
    await mp.ready;
    expect(dev.BrowserWindow.instances[0]!.loaded).toEqual(['http://localhost:5173']);
    expect(mp.csp).toContain('ws://localhost:5173');
    const handler = dev.ipcMain.handlers.get('branchline:rpc') as RpcHandler;
    const sender = dev.BrowserWindow.instances[0]!.webContents;
    expect(await handler({ sender, senderFrame: { url: 'http://localhost:5173/', parent: null } }, 'system.status', {})).toMatchObject({ ok: true });
    expect(await handler({ sender, senderFrame: { url: 'http://localhost:5174/', parent: null } }, 'system.status', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const packaged = createFakeElectron();
    packaged.app.isPackaged = true;
    const prod = wire(packaged, { devServerUrl: 'http://localhost:5173' });
    await prod.ready;
    expect(packaged.BrowserWindow.instances[0]!.loaded).toEqual(['app://branchline/']);
    expect(prod.csp).toBe(CONTENT_SECURITY_POLICY);
    expect(packaged.BrowserWindow.instances[0]!.options.webPreferences.devTools).toBe(false);
  });
});
