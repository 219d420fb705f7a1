import type { Envelope } from '../../src-shared/rpc';
import type { Caller, EngineEvent } from '../engine/engine';

export type { EngineEvent };

/**
 * What every transport (Electron IPC, HTTP/WebSocket host, CLI) talks to: the engine,
 * in-process or on a worker thread. Transports never touch the database.
 */
export interface EngineService {
  call(method: string, input: unknown, caller: Caller): Promise<Envelope<unknown>>;
  endSession(sessionKey: string): void;
  /** Engine events (progress of long work, commits) for subscriptions. */
  onEvent(listener: (event: EngineEvent) => void): () => void;
  close(): Promise<void>;
}


export interface EngineServiceOptions {
  /** SQLite file of this branch. */
  dbFile: string;
  appVersion: string;
  /** better_sqlite3.node built for the current runtime (Electron's ABI inside Electron). */
  nativeBinding?: string;
  /** Base64 AES key for the centre credentials file (desktop: kept by safeStorage); without it, a 0600 file. */
  credentialKey?: string;
  /** Start read-only with this reason (a failed upgrade): no migration, every command refused. */
  readOnly?: string | null;
  /** Keep syncing with the centre in the background (the app and the headless host; not one-shot CLI commands). */
  backgroundSync?: boolean;
  /** The machine policy file (tests); default: the platform's (see engine/updates/settings.ts). */
  policyFile?: string;
  /** Load the demo company if the database is new. */
  demoIfEmpty?: boolean;
  log?: (message: string, error?: unknown) => void;
}
