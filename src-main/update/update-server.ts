/**
 * `branchline update-server`: serves an update folder on 127.0.0.1 for trials and tests, the
 * way any static HTTPS host would in production. GET and HEAD, single byte ranges, no
 * directory listings, no dot files (unfinished copies), nothing outside the folder.
 */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, sep } from 'node:path';

export interface UpdateServer {
  url: string;
  port: number;
  server: Server;
  /** Every request served: "GET /latest-linux.yml 200". */
  requests: string[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.yml': 'text/yaml; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.blockmap': 'application/octet-stream',
};

function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const parts = decoded.split('/').filter(Boolean);
  if (parts.length === 0 || parts.some((p) => p === '..' || p.startsWith('.') || p.includes('\\'))) return null;
  const file = join(root, ...parts);
  if (!existsSync(file)) return null;
  const real = realpathSync(file);
  if (!real.startsWith(root + sep) || !statSync(real).isFile()) return null;
  return real;
}

export function startUpdateServer(options: { dir: string; port?: number; log?: (line: string) => void }): Promise<UpdateServer> {
  if (!existsSync(options.dir) || !statSync(options.dir).isDirectory()) return Promise.reject(new Error(`${options.dir} is not a folder`));
  const root = realpathSync(options.dir);
  const requests: string[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const done = (status: number, body?: string) => {
      requests.push(`${req.method} ${req.url} ${status}`);
      options.log?.(`${req.method} ${req.url} ${status}`);
      if (body !== undefined) {
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      }
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return done(405, 'Method not allowed\n');
    }
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const file = resolveInside(root, path);
    if (!file) return done(404, 'Not found\n');
    const size = statSync(file).size;
    const headers: Record<string, string | number> = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'accept-ranges': 'bytes',
      // Metadata changes in place (rollout, new releases); artifacts never do.
      'cache-control': /\.(yml|json)$/.test(file) ? 'no-cache' : 'public, max-age=31536000, immutable',
    };
    const range = req.headers.range;
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      if (m && (m[1] || m[2])) {
        if (m[1]) {
          start = Number(m[1]);
          end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
        } else {
          start = Math.max(0, size - Number(m[2]));
        }
        if (start > end || start >= size) {
          res.setHeader('content-range', `bytes */${size}`);
          return done(416, 'Range not satisfiable\n');
        }
        status = 206;
        headers['content-range'] = `bytes ${start}-${end}/${size}`;
      }
      // Several ranges: served whole (200); electron-updater then downloads in full.
    }
    headers['content-length'] = size === 0 ? 0 : end - start + 1;
    res.writeHead(status, headers);
    done(status);
    if (req.method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    createReadStream(file, { start, end })
      .on('error', () => res.destroy())
      .pipe(res);
  };
  const server = createServer(handle);
  return new Promise((ready, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', fail);
      const port = (server.address() as AddressInfo).port;
      ready({
        url: `http://127.0.0.1:${port}`,
        port,
        server,
        requests,
        close: () =>
          new Promise<void>((closed) => {
            server.closeAllConnections();
            server.close(() => closed());
          }),
      });
    });
  });
}
