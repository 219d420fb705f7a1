/**
 * The headless host ("browser mode"): serves the built renderer and the engine's contract
 * to a browser on this machine, over POST /rpc and a WebSocket at /ws.
 *
 * - Binds to 127.0.0.1 only; requests addressed to another host name or coming from another
 *   origin are refused (DNS rebinding, cross-site requests).
 * - The session lives in an HttpOnly, SameSite=Strict cookie `bl_session` holding a random
 *   key the host issued; the renderer never sees a token. Every call reaches the engine as
 *   Caller {sessionKey} after the shared boundary check (checkRpcRequest).
 * - Protocol: POST /rpc `{method, input}` → Envelope JSON (HTTP 200; 413 for a body over
 *   MAX_PAYLOAD_BYTES, 403 for a refused origin; always an envelope). WebSocket /ws: the
 *   client sends `{id, method, input}`, the host answers `{id, envelope}` and pushes engine
 *   events as `{event}`.
 */
import { existsSync } from 'node:fs';
import { type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse, createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Envelope, MAX_PAYLOAD_BYTES } from '../../src-shared/rpc';
import type { EngineService } from './engine-service';
import { callChecked, errorEnvelope, parseRpcMessage, readLimitedBody, tooLargeEnvelope } from './http-rpc';
import { SECURITY_HEADERS, SessionKeys, refuseForeignRequest, sessionCookieHeader } from './http-security';
import { createStaticHandler } from './http-static';

export { CONTENT_SECURITY_POLICY, SESSION_COOKIE } from './http-security';

export interface HttpHostOptions {
  service: EngineService;
  /** The built renderer (out/renderer). null: serve the API only (GET / explains how to build the UI). */
  staticDir: string | null;
  /** 0 picks a free port (tests, benchmarks). */
  port: number;
  /** The host never listens beyond this machine. */
  host?: '127.0.0.1';
  /** Session keys kept at most; the least recently used are ended beyond this. */
  maxSessions?: number;
  log?: (message: string, error?: unknown) => void;
}

export interface HttpHost {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  server: Server;
  /** Stops listening and closes every connection; the engine service stays open (its owner closes it). */
  close(): Promise<void>;
}

/** The line the CLI prints once the host listens; scripts and benchmarks wait for it. */
export function runningLine(url: string): string {
  return `Branchline is running at ${url}`;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
/** Socket messages may carry an id and a method name beyond the payload limit; larger frames close the socket. */
const WS_MAX_FRAME = MAX_PAYLOAD_BYTES + 64 * 1024;
/** Events are skipped for a client that does not read its socket. */
const WS_MAX_BUFFERED = 8 * 1024 * 1024;

export async function startHttpHost(options: HttpHostOptions): Promise<HttpHost> {
  const hostName = options.host ?? '127.0.0.1';
  if (hostName !== '127.0.0.1') throw new Error('The headless host only listens on 127.0.0.1');
  if (options.staticDir !== null && !existsSync(options.staticDir)) throw new Error(`The UI folder ${options.staticDir} does not exist; run \`npx electron-vite build\` first`);
  const { service, log } = options;
  const baseHeaders = { ...SECURITY_HEADERS } as Record<string, string>;
  const serveStatic = options.staticDir !== null ? createStaticHandler(options.staticDir, baseHeaders) : null;

  /** Open sockets by the session key they were opened with. */
  const sockets = new Map<WebSocket, string>();
  const sessions = new SessionKeys(options.maxSessions ?? 10_000, (key) => {
    service.endSession(key);
    for (const [ws, k] of sockets) if (k === key) ws.close(4001, 'Session ended');
  });
  let port = options.port;

  function send(res: ServerResponse, status: number, envelope: Envelope<unknown>, extra: OutgoingHttpHeaders = {}): void {
    const body = JSON.stringify(envelope);
    res.writeHead(status, { ...baseHeaders, ...JSON_HEADERS, 'content-length': Buffer.byteLength(body), ...extra });
    res.end(body);
  }

  async function handleRpc(req: IncomingMessage, res: ServerResponse, session: { key: string; isNew: boolean }): Promise<void> {
    const cookie: OutgoingHttpHeaders = session.isNew ? { 'set-cookie': sessionCookieHeader(session.key) } : {};
    if (req.method !== 'POST') return send(res, 405, errorEnvelope('VALIDATION', 'Use POST /rpc with a JSON body {method, input}'), { ...cookie, allow: 'POST' });
    const body = await readLimitedBody(req, MAX_PAYLOAD_BYTES);
    if (!body.ok) {
      // Not reading the rest: answer, then close the connection once the answer is out.
      send(res, 413, tooLargeEnvelope(body.size), { ...cookie, connection: 'close' });
      res.on('finish', () => setTimeout(() => req.socket.destroy(), 1_000).unref());
      return;
    }
    const message = parseRpcMessage(body.text);
    if (!message.ok) return send(res, 200, message.envelope, cookie);

    if (message.method === 'auth.login') {
      // A login starts a fresh session key, so a key known before the login (planted or
      // observed) is never the one that becomes logged in.
      const fresh = sessions.issue();
      const envelope = await callChecked(service, message.method, message.input, body.size, { sessionKey: fresh }, log);
      if (envelope.ok) {
        sessions.drop(session.key);
        return send(res, 200, envelope, { 'set-cookie': sessionCookieHeader(fresh) });
      }
      sessions.drop(fresh);
      return send(res, 200, envelope, cookie);
    }
    const envelope = await callChecked(service, message.method, message.input, body.size, { sessionKey: session.key }, log);
    send(res, 200, envelope, cookie);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split(/[?#]/, 1)[0];
    const isRpc = path === '/rpc';
    const refusal = refuseForeignRequest(req, port);
    if (refusal) {
      if (isRpc) return send(res, 403, errorEnvelope('FORBIDDEN', refusal));
      res.writeHead(403, { ...baseHeaders, 'content-type': 'text/plain; charset=utf-8' });
      res.end(refusal);
      return;
    }
    const session = sessions.resolve(req.headers.cookie);
    if (isRpc) return handleRpc(req, res, session);
    if (session.isNew) res.setHeader('set-cookie', sessionCookieHeader(session.key));
    if (serveStatic) return serveStatic(req, res);
    res.writeHead(503, { ...baseHeaders, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('The Branchline UI is not built. Run `npx electron-vite build`, then start `branchline serve` again. POST /rpc and /ws work without it.');
  }

  const server = createServer({ requestTimeout: 60_000, headersTimeout: 20_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      log?.('HTTP request failed', error);
      if (!res.headersSent) send(res, 500, errorEnvelope('INTERNAL', 'Something went wrong inside Branchline; nothing was changed.'));
      else res.destroy();
    });
  });

  // --- WebSocket /ws ---------------------------------------------------------------
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_FRAME, perMessageDeflate: false });
  const upgradeKeys = new WeakMap<IncomingMessage, { key: string; isNew: boolean }>();
  wss.on('headers', (headers, req) => {
    const session = upgradeKeys.get(req);
    if (session?.isNew) headers.push(`Set-Cookie: ${sessionCookieHeader(session.key)}`);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split(/[?#]/, 1)[0];
    const refusal = path !== '/ws' ? 'Not found' : refuseForeignRequest(req, port);
    if (refusal) {
      socket.end(`HTTP/1.1 ${path !== '/ws' ? '404 Not Found' : '403 Forbidden'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(refusal)}\r\n\r\n${refusal}`);
      return;
    }
    const session = sessions.resolve(req.headers.cookie);
    upgradeKeys.set(req, session);
    wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws, session.key));
  });

  function onSocket(ws: WebSocket, key: string): void {
    sockets.set(ws, key);
    let alive = true;
    ws.on('pong', () => {
      alive = true;
    });
    const ping = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, 30_000);
    ping.unref();
    ws.on('close', () => {
      clearInterval(ping);
      sockets.delete(ws);
    });
    ws.on('error', (error) => log?.('WebSocket error', error));
    ws.on('message', (data, isBinary) => {
      const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer | ArrayBuffer).byteLength;
      if (isBinary) return reply(ws, null, errorEnvelope('VALIDATION', 'Send JSON text messages {id, method, input}'));
      const message = parseRpcMessage(String(data));
      if (!message.ok) return reply(ws, message.id, message.envelope);
      void callChecked(service, message.method, message.input, size, { sessionKey: key }, log).then((envelope) => reply(ws, message.id, envelope));
    });
  }

  function reply(ws: WebSocket, id: unknown, envelope: Envelope<unknown>): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, envelope }));
  }

  const unsubscribe = service.onEvent((event) => {
    if (sockets.size === 0) return;
    const frame = JSON.stringify({ event });
    for (const ws of sockets.keys()) if (ws.readyState === ws.OPEN && ws.bufferedAmount < WS_MAX_BUFFERED) ws.send(frame);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, hostName, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    unsubscribe();
    throw error;
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${hostName}:${port}`;

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    server,
    close() {
      closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        for (const ws of sockets.keys()) ws.close(1001, 'Branchline is shutting down');
        wss.close();
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => {
          for (const ws of sockets.keys()) ws.terminate();
          server.closeAllConnections();
        }, 500).unref();
      });
      return closing;
    },
  };
}
