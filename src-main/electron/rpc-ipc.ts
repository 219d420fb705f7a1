/**
 * The one IPC channel: branchline:rpc. Checks who is calling, runs the shared transport
 * boundary check (size, method name, input schema), and forwards to the engine service
 * with the caller's per-window session key. Always answers with an envelope; never throws.
 */
import { randomUUID } from 'node:crypto';
import type { Envelope } from '../../src-shared/rpc';
import type { EngineService } from '../host/engine-service';
import { checkRpcRequest } from '../host/rpc-boundary';
import { APP_HOST, APP_SCHEME, RPC_CHANNEL } from './constants';
import type { IpcMainInvokeEvent } from './electron-api';

/**
 * Same shape as Engine.newSessionKey() (main-wiring.test.ts checks it), without loading
 * the engine and its dependencies on the main (UI) thread: the engine lives on the worker.
 */
export function newSessionKey(): string {
  return randomUUID() + randomUUID();
}

/** The bits of a webContents a session needs. */
export interface SessionOwner {
  readonly id: number;
  once(event: 'destroyed', listener: () => void): unknown;
}

/** One engine session key per webContents, ended when that webContents is destroyed. */
export class RendererSessions {
  private readonly keys = new Map<number, string>();

  constructor(
    private readonly endSession: (sessionKey: string) => void,
    private readonly newKey: () => string = newSessionKey,
  ) {}

  keyFor(owner: SessionOwner): string {
    const existing = this.keys.get(owner.id);
    if (existing) return existing;
    const key = this.newKey();
    this.keys.set(owner.id, key);
    owner.once('destroyed', () => {
      this.keys.delete(owner.id);
      this.endSession(key);
    });
    return key;
  }

  get size(): number {
    return this.keys.size;
  }
}

type Measured = { ok: true; value: unknown; bytes: number } | { ok: false };

/**
 * The input as JSON (what every other transport receives) and its size in bytes.
 * IPC's structured clone also carries Maps, Dates, cycles…: those are refused here so
 * the engine sees the same values whichever transport they came through.
 */
export function measureJson(input: unknown): Measured {
  if (input === undefined) return { ok: true, value: undefined, bytes: 0 };
  try {
    const json = JSON.stringify(input);
    if (json === undefined) return { ok: false };
    return { ok: true, value: JSON.parse(json) as unknown, bytes: Buffer.byteLength(json, 'utf8') };
  } catch {
    return { ok: false };
  }
}

export type RpcInvokeEvent = Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>;

export interface RpcHandlerOptions {
  service: Pick<EngineService, 'call'>;
  /** Is this the main frame of our own window, showing our own page? */
  isTrustedSender(event: RpcInvokeEvent): boolean;
  sessions: Pick<RendererSessions, 'keyFor'>;
  log?: (message: string, error?: unknown) => void;
}

const refuse = (code: 'FORBIDDEN' | 'VALIDATION' | 'INTERNAL', message: string): Envelope<never> => ({ ok: false, error: { code, message } });

export function createRpcHandler(options: RpcHandlerOptions) {
  return async (event: RpcInvokeEvent, method: unknown, input: unknown): Promise<Envelope<unknown>> => {
    try {
      if (!options.isTrustedSender(event)) return refuse('FORBIDDEN', 'This window may not call Branchline');
      const measured = measureJson(input);
      if (!measured.ok) return refuse('VALIDATION', 'The input must be plain JSON data');
      const checked = checkRpcRequest(method, measured.value, measured.bytes);
      if (!checked.ok) return checked.envelope;
      const sessionKey = options.sessions.keyFor(event.sender);
      return await options.service.call(checked.method, checked.input, { sessionKey });
    } catch (error) {
      options.log?.(`rpc ${String(method).slice(0, 80)} failed in the main process`, error);
      return refuse('INTERNAL', 'Something went wrong; try again, and restart Branchline if it persists');
    }
  };
}

/** Registers the one and only ipcMain.handle channel. */
export function registerRpcChannel(ipcMain: { handle(channel: string, listener: ReturnType<typeof createRpcHandler>): void }, options: RpcHandlerOptions): void {
  ipcMain.handle(RPC_CHANNEL, createRpcHandler(options));
}

/**
 * Is this URL our UI? app://branchline/…, or — only when the wiring says so, for
 * `electron-vite dev` — the dev server's origin.
 */
export function isAppUrl(url: string | undefined, devOrigin?: string): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '') return true;
  return devOrigin !== undefined && (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.origin === devOrigin;
}

/**
 * The trusted-sender rule: the call comes from the top frame of the given window's
 * webContents, and that frame shows our app:// page.
 */
export function trustedSenderCheck(getWindowContents: () => { id: number } | undefined, devOrigin?: string) {
  return (event: RpcInvokeEvent): boolean => {
    const contents = getWindowContents();
    const frame = event.senderFrame;
    if (!contents || !frame || !event.sender || event.sender.id !== contents.id) return false;
    if (frame.parent) return false;
    return isAppUrl(frame.url, devOrigin);
  };
}
