import { type Client, createClient } from './client';
import type { RpcError } from './errors';
import { defaultTransport } from './transports';

export { RpcError, isRpcError, messageOf } from './errors';
export type { Client, EngineEvent } from './client';

const expiredListeners = new Set<(e: RpcError) => void>();

/** Called when any call finds the session gone (expired, user deactivated). */
export function onSessionExpired(listener: (e: RpcError) => void): () => void {
  expiredListeners.add(listener);
  return () => expiredListeners.delete(listener);
}

/** The renderer's only path to the engine. */
export const client: Client = createClient(defaultTransport(), {
  onUnauthenticated: (e) => {
    for (const l of expiredListeners) l(e);
  },
});
