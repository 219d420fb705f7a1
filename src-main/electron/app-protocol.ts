/**
 * The app:// scheme: the renderer's files from out/renderer, served by the main process
 * with the CSP on every response. resolveAppFile is the path-traversal guard.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME } from './constants';
import type { Protocol } from './electron-api';

/** Registered before `ready`: standard (relative URLs, origin, storage), secure, fetch-able. */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  // Same-origin module scripts (<script type="module" crossorigin>) are CORS-mode requests.
  corsEnabled: true,
  codeCache: true,
} as const;

export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
}

const URL_PATTERN = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/i;

/**
 * The file under rootDir an app:// URL names, or null when the URL is not ours or tries
 * to leave rootDir: `..` (raw or percent-encoded), backslashes, NUL, drive letters or
 * ':' streams, another host, another scheme. '/' names index.html. No file-system access.
 */
export function resolveAppFile(rootDir: string, requestUrl: string): string | null {
  const match = URL_PATTERN.exec(requestUrl);
  if (!match) return null;
  const [, scheme = '', host = '', rawPath = ''] = match;
  if (scheme.toLowerCase() !== APP_SCHEME || host.toLowerCase() !== APP_HOST) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath || '/');
  } catch {
    return null; // malformed percent-encoding
  }
  if (decoded.includes('\\') || decoded.includes('\0')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..' || s.includes(':'))) return null;
  if (segments.length === 0) segments.push('index.html');
  const root = resolve(rootDir);
  const file = resolve(root, ...segments);
  const rel = relative(root, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return null;
  return file;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The response to one app:// request: the file, or index.html for an extension-less
 * route the SPA handles (/items/42), or 404; 403 for anything resolveAppFile refuses.
 * Every response carries the CSP.
 */
export async function serveAppRequest(rootDir: string, request: { url: string; method: string }, csp: string): Promise<Response> {
  const headers = (contentType?: string): Record<string, string> => ({
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    ...(contentType ? { 'Content-Type': contentType } : {}),
  });
  const plain = (status: number, text: string) => new Response(text, { status, headers: headers('text/plain; charset=utf-8') });

  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed');
  const file = resolveAppFile(rootDir, request.url);
  if (!file) return plain(403, 'Forbidden');
  let target = file;
  if (!(await isFile(file))) {
    if (extname(file) !== '') return plain(404, 'Not found');
    target = resolve(rootDir, 'index.html');
    if (!(await isFile(target))) return plain(404, 'Not found');
  }
  const body = request.method === 'HEAD' ? null : await readFile(target);
  return new Response(body, { status: 200, headers: { ...headers(contentTypeOf(target)), 'Cache-Control': 'no-cache' } });
}

/** protocol.handle('app', …) serving rootDir (after `ready`). */
export function handleAppProtocol(protocol: Pick<Protocol, 'handle'>, rootDir: string, csp: string): void {
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(rootDir, request, csp));
}
