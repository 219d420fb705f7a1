import type { MethodName } from '../../../src-shared/contract/index';
import { type EngineEvent, SESSION_METHODS, type Transport, isQuery } from './client';
import { RpcError } from './errors';

/** What Electron's preload exposes on window.branchline. */
export interface ElectronBridge {
  rpc(method: string, input: unknown): Promise<unknown>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
}

declare global {
  interface Window {
    branchline?: ElectronBridge;
  }
}

export function electronTransport(bridge: ElectronBridge): Transport {
  return {
    send: (method, input) => bridge.rpc(method, input),
    onEvent: (listener) => bridge.onEvent(listener),
  };
}

type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; credentials: 'same-origin' }) => Promise<{
  status: number;
  json(): Promise<unknown>;
}>;

/** POST /rpc {method, input} → Envelope. The host keeps the session in an HttpOnly cookie. */
export function httpTransport(options: { url?: string; fetch?: FetchLike } = {}): Transport {
  const url = options.url ?? '/rpc';
  const doFetch: FetchLike = options.fetch ?? ((u, init) => fetch(u, init));
  return {
    async send(method, input) {
      const res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ method, input }),
        credentials: 'same-origin',
      });
      try {
        return await res.json();
      } catch {
        throw new RpcError(res.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'NETWORK', `The host answered HTTP ${res.status} without an envelope`, { method });
      }
    },
  };
}

interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}
export type SocketFactory = (url: string) => SocketLike;

const OPEN = 1;

/**
 * The browser bridge to the headless host: calls go over one WebSocket (/ws) when it is up,
 * else over POST /rpc. Calls that change the session (login, logout, setup) always use HTTP,
 * because only an HTTP response can set the HttpOnly session cookie; the socket is then
 * reopened so it carries the new cookie. A query lost with a dropped socket is retried over
 * HTTP; a lost command is reported, never silently re-sent.
 */
export function browserTransport(options: { baseUrl?: string; socket?: SocketFactory | null; fetch?: FetchLike; retryMs?: number } = {}): Transport {
  const base = options.baseUrl ?? (typeof location !== 'undefined' ? location.origin : 'http://localhost');
  const http = httpTransport({ url: `${base}/rpc`, fetch: options.fetch });
  const wsUrl = `${base.replace(/^http/, 'ws')}/ws`;
  const makeSocket: SocketFactory | null =
    options.socket === undefined ? (typeof WebSocket !== 'undefined' ? (u) => new WebSocket(u) as unknown as SocketLike : null) : options.socket;
  const retryMs = options.retryMs ?? 5_000;

  const listeners = new Set<(event: EngineEvent) => void>();
  const pending = new Map<number, { socket: SocketLike; method: MethodName; input: unknown; resolve(v: unknown): void; reject(e: unknown): void }>();
  /** Sockets replaced after a session change; each closes once its last answer arrives. */
  const retiring = new Set<SocketLike>();
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let socket: SocketLike | null = null;
  let opening: Promise<SocketLike | null> | null = null;
  let failedAt = 0;
  let nextId = 1;
  /** The first call goes over HTTP so the host can set its cookie before the socket opens. */
  let httpDone = false;

  function open(): Promise<SocketLike | null> {
    if (!makeSocket || !httpDone) return Promise.resolve(null);
    if (socket && socket.readyState === OPEN) return Promise.resolve(socket);
    if (opening) return opening;
    if (Date.now() - failedAt < retryMs) return Promise.resolve(null);
    opening = new Promise<SocketLike | null>((resolve) => {
      let s: SocketLike;
      try {
        s = makeSocket(wsUrl);
      } catch {
        failedAt = Date.now();
        resolve(null);
        return;
      }
      let settled = false;
      const timer = setTimeout(() => {
        if (!settled) {
          settled = true;
          failedAt = Date.now();
          s.close();
          resolve(null);
        }
      }, 3_000);
      s.onopen = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket = s;
        resolve(s);
      };
      s.onerror = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        failedAt = Date.now();
        resolve(null);
      };
      s.onmessage = (ev) => receive(s, ev.data);
      s.onclose = () => {
        const wasCurrent = socket === s;
        if (wasCurrent) socket = null;
        retiring.delete(s);
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          failedAt = Date.now();
          resolve(null);
        }
        dropPending(s);
        if (wasCurrent) scheduleReconnect();
      };
    }).finally(() => {
      opening = null;
    });
    return opening;
  }

  /** Event subscribers need a socket: reopen a dropped one after a pause. */
  function scheduleReconnect() {
    if (!listeners.size || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      if (listeners.size && !socket) void open().then((s) => (s ? undefined : scheduleReconnect()));
    }, retryMs);
  }

  function receive(from: SocketLike, data: unknown) {
    let msg: unknown;
    try {
      msg = JSON.parse(String(data));
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    const m = msg as { id?: unknown; envelope?: unknown; event?: unknown };
    if (typeof m.id === 'number' && pending.has(m.id)) {
      const p = pending.get(m.id)!;
      pending.delete(m.id);
      p.resolve(m.envelope);
      if (retiring.has(from) && ![...pending.values()].some((q) => q.socket === from)) {
        retiring.delete(from);
        from.close();
      }
    } else if (from === socket && m.event && typeof m.event === 'object') {
      for (const l of listeners) l(m.event as EngineEvent);
    }
  }

  function dropPending(from: SocketLike) {
    for (const [id, p] of [...pending]) {
      if (p.socket !== from) continue;
      pending.delete(id);
      if (isQuery(p.method)) http.send(p.method, p.input).then(p.resolve, p.reject);
      else p.reject(new RpcError('NETWORK', 'The connection to the host dropped before it answered; check whether the change was saved before trying again', { method: p.method }));
    }
  }

  return {
    async send(method, input) {
      if (!SESSION_METHODS.has(method)) {
        const s = await open();
        if (s) {
          const id = nextId++;
          return new Promise((resolve, reject) => {
            pending.set(id, { socket: s, method, input, resolve, reject });
            try {
              s.send(JSON.stringify({ id, method, input }));
            } catch (e) {
              pending.delete(id);
              reject(e);
            }
          });
        }
      }
      const result = await http.send(method, input);
      if (!httpDone) {
        httpDone = true;
        if (listeners.size) void open();
      }
      return result;
    },
    onEvent(listener) {
      listeners.add(listener);
      void open();
      return () => listeners.delete(listener);
    },
    sessionChanged() {
      // The socket was opened with the old cookie: retire it (it finishes what it carries) and open a new one.
      const s = socket;
      socket = null;
      failedAt = 0;
      if (s) {
        if ([...pending.values()].some((p) => p.socket === s)) retiring.add(s);
        else {
          s.onclose = null;
          s.close();
        }
      }
      if (listeners.size) void open();
    },
  };
}

/** Electron's preload bridge when present, else the network bridge to the headless host. */
export function defaultTransport(): Transport {
  if (typeof window !== 'undefined' && window.branchline && typeof window.branchline.rpc === 'function') return electronTransport(window.branchline);
  return browserTransport();
}
