import { createReadStream, realpathSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticTarget =
  /** A file to try, and whether a missing file falls back to index.html (extension-less paths). */
  | { kind: 'file'; relative: string; spaFallback: boolean }
  | { kind: 'refused' };

/**
 * Maps a request path to a path inside the static root, refusing anything that could step
 * outside it: `..` or `.` segments (raw or percent-encoded), backslashes, NUL bytes, hidden
 * files, and malformed percent-encoding.
 */
export function staticTargetOf(rawUrl: string): StaticTarget {
  const rawPath = rawUrl.split(/[?#]/, 1)[0] ?? '';
  if (!rawPath.startsWith('/')) return { kind: 'refused' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'refused' };
  }
  if (/[\\\0]/.test(decoded)) return { kind: 'refused' };
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.' || s.startsWith('.'))) return { kind: 'refused' };
  const last = segments.at(-1) ?? '';
  if (segments.length === 0 || decoded.endsWith('/')) return { kind: 'file', relative: [...segments, 'index.html'].join('/'), spaFallback: true };
  return { kind: 'file', relative: segments.join('/'), spaFallback: !last.includes('.') };
}

/** Serves the built renderer: its files, index.html for app routes (single-page app). */
export function createStaticHandler(staticDir: string, baseHeaders: Readonly<Record<string, string | number | string[]>>) {
  const root = realpathSync(resolve(staticDir));

  async function fileInRoot(relative: string): Promise<string | null> {
    const candidate = resolve(root, relative);
    if (candidate !== root && !candidate.startsWith(root + sep)) return null;
    try {
      const real = await realpath(candidate); // symlinks must not lead outside either
      if (!real.startsWith(root + sep)) return null;
      return (await stat(real)).isFile() ? real : null;
    } catch {
      return null;
    }
  }

  return async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return plain(res, 405, 'Method not allowed', { ...baseHeaders, allow: 'GET, HEAD' });
    }
    const target = staticTargetOf(req.url ?? '/');
    if (target.kind === 'refused') return plain(res, 400, 'Bad path', baseHeaders);
    let file = await fileInRoot(target.relative);
    // index.html refers to its assets relatively (./assets/x.js), so a deep link such as
    // /catalog/products asks for /catalog/assets/x.js: serve the root's asset.
    if (!file && !target.spaFallback) {
      const at = target.relative.lastIndexOf('/assets/');
      if (at >= 0) file = await fileInRoot(target.relative.slice(at + 1));
    }
    if (!file && target.spaFallback) file = await fileInRoot('index.html');
    if (!file) return plain(res, 404, 'Not found', baseHeaders);

    const info = await stat(file);
    const immutable = file.includes(`${sep}assets${sep}`);
    res.writeHead(200, {
      ...baseHeaders,
      'content-type': contentTypeOf(file),
      'content-length': info.size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await new Promise<void>((done) => {
      const stream = createReadStream(file);
      stream.on('error', () => {
        res.destroy();
        done();
      });
      res.on('close', () => {
        stream.destroy();
        done();
      });
      stream.pipe(res);
    });
  };
}

function plain(res: ServerResponse, status: number, text: string, headers: Readonly<Record<string, string | number | string[]>>): void {
  res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}
