/**
 * What the sandboxed preload exposes as window.branchline: rpc() and onEvent(), nothing
 * else, and never ipcRenderer itself. Bundled into out/preload/index.cjs, so it imports
 * only types and ./constants (a sandboxed preload can load nothing but `electron`).
 */
import type { Envelope } from '../../src-shared/rpc';
import type { EngineEvent } from '../host/engine-service';
import { EVENT_CHANNEL, RPC_CHANNEL } from './constants';
import type { ElectronPreload } from './electron-api';

export interface BranchlineBridge {
  rpc(method: string, input?: unknown): Promise<Envelope<unknown>>;
  /** Returns the unsubscribe function. */
  onEvent(listener: (event: EngineEvent) => void): () => void;
}

type IpcRendererLike = Pick<ElectronPreload['ipcRenderer'], 'invoke' | 'on' | 'removeListener'>;

export function createBranchlineBridge(ipcRenderer: IpcRendererLike): BranchlineBridge {
  return Object.freeze({
    async rpc(method: string, input?: unknown): Promise<Envelope<unknown>> {
      if (typeof method !== 'string') return { ok: false, error: { code: 'UNKNOWN_METHOD', message: 'The method name must be a string' } };
      try {
        return (await ipcRenderer.invoke(RPC_CHANNEL, method, input)) as Envelope<unknown>;
      } catch (error) {
        // invoke rejects when the input cannot be cloned (functions, DOM nodes…).
        const message = error instanceof Error ? error.message : String(error);
        return { ok: false, error: { code: 'VALIDATION', message: `The request could not be sent: ${message}` } };
      }
    },
    onEvent(listener: (event: EngineEvent) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
      // Pass on the payload only: the IpcRendererEvent (and its `sender`) stays here.
      const relay = (_event: unknown, payload: EngineEvent) => listener(payload);
      ipcRenderer.on(EVENT_CHANNEL, relay);
      return () => {
        ipcRenderer.removeListener(EVENT_CHANNEL, relay);
      };
    },
  });
}

export function exposeBranchlineBridge(electron: ElectronPreload): void {
  electron.contextBridge.exposeInMainWorld('branchline', createBranchlineBridge(electron.ipcRenderer));
}
