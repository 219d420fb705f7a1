import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';

/** The page may load and connect only to this host; no inline scripts, no framing, no plugins. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:* ; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Sent with every response of the headless host. */
export const SECURITY_HEADERS: Readonly<OutgoingHttpHeaders> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export const SESSION_COOKIE = 'bl_session';

/** Same shape as Engine.newSessionKey(), without loading the engine on the host's thread. */
export function newSessionKey(): string {
  return randomUUID() + randomUUID();
}

export function sessionCookieHeader(key: string): string {
  return `${SESSION_COOKIE}=${key}; Path=/; HttpOnly; SameSite=Strict`;
}

/** The value of one cookie from a Cookie header, or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * Who may talk to the host: the Host header must name this host (loopback, our port: this
 * defeats DNS rebinding), and a browser's Origin, when sent, must be that same origin.
 * Sec-Fetch-Site, when sent, must say the request comes from our own pages.
 * Returns null when allowed, else the reason.
 */
export function refuseForeignRequest(req: IncomingMessage, port: number): string | null {
  const host = req.headers.host;
  const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!host || !allowedHosts.includes(host.toLowerCase())) return 'This host only answers requests addressed to 127.0.0.1';
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host.toLowerCase()}`) return 'Requests from other web sites are refused';
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'Requests from other web sites are refused';
  return null;
}

/**
 * The session keys this host issued. A cookie with a key we did not issue (left from an
 * earlier run, or planted by another page on 127.0.0.1) is replaced with a fresh one, so a
 * caller can never choose its own key. The oldest keys are dropped beyond `max`.
 */
export class SessionKeys {
  private readonly keys = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly onDrop: (key: string) => void,
  ) {}

  /** The caller's key if we issued it, else a new one (and `isNew`). */
  resolve(cookieHeader: string | undefined): { key: string; isNew: boolean } {
    const presented = readCookie(cookieHeader, SESSION_COOKIE);
    if (presented && this.keys.has(presented)) {
      this.touch(presented);
      return { key: presented, isNew: false };
    }
    return { key: this.issue(), isNew: true };
  }

  issue(): string {
    const key = newSessionKey();
    this.touch(key);
    return key;
  }

  drop(key: string): void {
    if (this.keys.delete(key)) this.onDrop(key);
  }

  get size(): number {
    return this.keys.size;
  }

  private touch(key: string): void {
    this.keys.delete(key);
    this.keys.set(key, Date.now());
    while (this.keys.size > this.max) {
      const oldest = this.keys.keys().next().value as string;
      this.drop(oldest);
    }
  }
}
