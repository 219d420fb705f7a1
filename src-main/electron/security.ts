/**
 * Hardening for every window and the default session: web preferences, the
 * Content-Security-Policy, navigation, window.open, webviews, permissions and the one
 * way out to the user's browser. No Electron import: the wiring passes Electron in.
 */
import type { Session, Shell, WebContents } from './electron-api';

/**
 * The app's Content-Security-Policy. `style-src 'unsafe-inline'` because Mantine
 * injects <style> tags; everything else is same-origin (app://branchline) only.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/**
 * With `electron-vite dev` only (never packaged): Vite's dev server needs its inline
 * React-refresh preamble and the HMR websocket.
 */
export function devContentSecurityPolicy(devOrigin: string): string {
  const ws = devOrigin.replace(/^http/, 'ws');
  return CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "connect-src 'self'",
    `connect-src 'self' ${ws}`,
  );
}

/** Response headers with our CSP, replacing any CSP header whatever its case. */
export function withCsp(headers: Record<string, string[] | string> | undefined, csp: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [csp];
  return out;
}

/** The web preferences of every Branchline window. */
export function secureWebPreferences(preloadPath: string, devTools: boolean) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    devTools,
  } as const;
}

/** Only https: leaves the app, and only through openExternalSafely. */
export function isSafeExternalUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.length > 2048) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' && parsed.hostname !== '' && parsed.username === '' && parsed.password === '';
}

/**
 * The ONE way to open something outside the app: the user's browser, for https: URLs
 * only (no http:, file:, smb:, javascript:, custom handlers). Resolves whether it opened.
 */
export async function openExternalSafely(url: unknown, shell: Pick<Shell, 'openExternal'>): Promise<boolean> {
  if (!isSafeExternalUrl(url)) return false;
  try {
    await shell.openExternal(new URL(url).toString());
    return true;
  } catch {
    return false;
  }
}

type HardenableContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/**
 * Applied to every webContents the app creates (app 'web-contents-created'): no
 * navigation away from the loaded page, no new windows, no webviews. An https link the
 * user clicks opens in the browser through openExternalSafely.
 */
export function hardenWebContents(contents: HardenableContents, openExternal: (url: string) => unknown): void {
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    if (isSafeExternalUrl(event.url)) void openExternal(event.url);
  });
  contents.on('will-frame-navigate', (event) => {
    // Subframes (we have none) may not navigate either; the main frame is handled above.
    if (!event.isMainFrame) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void openExternal(url);
    return { action: 'deny' };
  });
}

/** Permissions the app may use. Empty: everything is denied unless added here on purpose. */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set<string>();

/** Deny permission requests and checks, and put our CSP on every response of the session. */
export function secureSession(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'webRequest'>, csp: string): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => callback(ALLOWED_PERMISSIONS.has(permission)));
  session.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.has(permission));
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCsp(details.responseHeaders, csp) });
  });
}
