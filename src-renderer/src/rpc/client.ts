import { contract, isMethodName, type InputOf, type MethodName, type OutputOf } from '../../../src-shared/contract/index';
import { ERROR_CODES, type Envelope, type ErrorCode } from '../../../src-shared/rpc';
import { RpcError } from './errors';

export { RpcError } from './errors';

/** An engine event pushed to subscribers (commits, progress of long work). */
export type EngineEvent = { type: 'committed'; method: string } | { type: 'progress'; task: string; done: number; total: number } | { type: string; [key: string]: unknown };

/** How envelopes travel: Electron IPC, WebSocket or HTTP. The client never cares which. */
export interface Transport {
  send(method: MethodName, input: unknown): Promise<unknown>;
  onEvent?(listener: (event: EngineEvent) => void): () => void;
  /** Called after a call that changes the session (login, logout): reconnect whatever carries it. */
  sessionChanged?(): void;
}

export interface Client {
  /** The one path to the engine: a contract method and its input; resolves to its output or throws RpcError. */
  call<M extends MethodName>(method: M, input: InputOf<M>): Promise<OutputOf<M>>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
}

export interface ClientHooks {
  /** Any call refused with UNAUTHENTICATED (other than a failed login): the session is gone. */
  onUnauthenticated?(error: RpcError): void;
}

/** Methods whose success changes who the caller is. */
export const SESSION_METHODS: ReadonlySet<MethodName> = new Set<MethodName>(['auth.login', 'auth.logout', 'system.setup', 'system.loadDemo']);

const KNOWN_CODES = new Set<string>(ERROR_CODES);

/**
 * Turns whatever a transport delivered into the value, or throws RpcError.
 * Anything that is not a well-formed envelope is reported as INTERNAL, never passed on.
 */
export function unwrapEnvelope<T>(raw: unknown, method = ''): T {
  if (raw && typeof raw === 'object' && 'ok' in raw) {
    const env = raw as Envelope<T>;
    if (env.ok === true && 'value' in env) return env.value;
    if (env.ok === false && env.error && typeof env.error === 'object') {
      const { code, message, details } = env.error;
      const known: ErrorCode = typeof code === 'string' && KNOWN_CODES.has(code) ? code : 'INTERNAL';
      return throwRpc(known, typeof message === 'string' && message ? message : 'The engine refused the request', details, method);
    }
  }
  return throwRpc('INTERNAL', 'The engine sent an answer this app does not understand', undefined, method);
}

function throwRpc(code: ErrorCode, message: string, details: unknown, method: string): never {
  throw new RpcError(code, message, { details: details && typeof details === 'object' ? (details as Record<string, unknown>) : undefined, method });
}

export function createClient(transport: Transport, hooks: ClientHooks = {}): Client {
  return {
    async call<M extends MethodName>(method: M, input: InputOf<M>): Promise<OutputOf<M>> {
      if (!isMethodName(method)) throw new RpcError('UNKNOWN_METHOD', `There is no method called "${String(method)}"`, { method });
      let raw: unknown;
      try {
        raw = await transport.send(method, input ?? {});
      } catch (e) {
        if (e instanceof RpcError) throw e;
        throw new RpcError('NETWORK', `Cannot reach the engine (${e instanceof Error ? e.message : String(e)})`, { method });
      }
      try {
        const value = unwrapEnvelope<OutputOf<M>>(raw, method);
        if (SESSION_METHODS.has(method)) transport.sessionChanged?.();
        return value;
      } catch (e) {
        if (e instanceof RpcError && e.code === 'UNAUTHENTICATED' && method !== 'auth.login') hooks.onUnauthenticated?.(e);
        throw e;
      }
    },
    onEvent(listener) {
      return transport.onEvent ? transport.onEvent(listener) : () => {};
    },
  };
}

/** True when the method only reads: safe to send again if the first attempt was lost. */
export function isQuery(method: MethodName): boolean {
  return contract[method].kind === 'query' && !SESSION_METHODS.has(method);
}
