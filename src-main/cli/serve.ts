/**
 * `branchline serve`: the engine on a worker thread behind the headless host. Kept apart from
 * the database commands so starting the host loads no engine code on the main thread.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineService } from '../host/engine-service';
import { type HttpHost, startHttpHost } from '../host/server';

export { runningLine } from '../host/server';
import { SOURCE_WORKER_URL, startWorkerEngineService } from '../host/worker-engine-service';
import { CliError, REPO_ROOT, appVersion } from './common';

/** Where electron-vite puts the built renderer. */
export const DEFAULT_UI_DIR = join(REPO_ROOT, 'out', 'renderer');
export const DEFAULT_PORT = 4780;

export interface ServeOptions {
  dbFile: string;
  /** 0 picks a free port. */
  port: number;
  /** The built renderer; null serves the API only. */
  uiDir: string | null;
  /** Run the engine on this thread instead of a worker (to measure the host alone). */
  inProcess?: boolean;
  log?: (message: string, error?: unknown) => void;
}

export interface RunningServer {
  host: HttpHost;
  service: EngineService;
  /** Stops the host, then the engine. */
  close(): Promise<void>;
}

/** The UI folder if it holds a built index.html, else null. */
export function builtUiDir(dir = DEFAULT_UI_DIR): string | null {
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

/**
 * Starts the engine (on a worker thread, from source through tsx) and the headless host.
 * A new database is created and migrated but not seeded: the UI offers the demo.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const engineOptions = { dbFile: options.dbFile, appVersion: appVersion(), demoIfEmpty: false, backgroundSync: true };
  let service: EngineService;
  try {
    if (options.inProcess) {
      const { inProcessEngineService } = await import('../host/open-engine');
      service = await inProcessEngineService({ ...engineOptions, log: options.log });
    } else {
      service = await startWorkerEngineService(SOURCE_WORKER_URL, engineOptions);
    }
  } catch (error) {
    throw new CliError(`Cannot open ${options.dbFile}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let host: HttpHost;
  try {
    host = await startHttpHost({ service, staticDir: options.uiDir, port: options.port, host: '127.0.0.1', log: options.log });
  } catch (error) {
    await service.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`Port ${options.port} is in use; choose another with --port`);
    if (code === 'EACCES') throw new CliError(`Port ${options.port} needs privileges; choose one above 1024 with --port`);
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
  return {
    host,
    service,
    async close() {
      await host.close();
      await service.close();
    },
  };
}
