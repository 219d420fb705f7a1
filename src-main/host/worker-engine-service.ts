import { Worker } from 'node:worker_threads';
import type { Envelope } from '../../src-shared/rpc';
import type { EngineEvent, EngineService, EngineServiceOptions } from './engine-service';
import type { WorkerMessage, WorkerRequest } from './engine-worker';

/**
 * Runs the engine on a worker thread and forwards calls to it.
 * `workerUrl` is the engine-worker entry: the bundled file in a build, or the .ts source
 * under tsx (then `execArgv` carries tsx's loader).
 */
export function startWorkerEngineService(workerUrl: URL | string, options: Omit<EngineServiceOptions, 'log'>, execArgv?: string[]): Promise<EngineService> {
  const worker = new Worker(workerUrl, { workerData: options, ...(execArgv ? { execArgv } : {}) });
  const pending = new Map<number, (value: Envelope<unknown>) => void>();
  const listeners = new Set<(event: EngineEvent) => void>();
  let nextId = 1;
  const send = (req: WorkerRequest) => worker.postMessage(req);

  return new Promise((resolve, reject) => {
    const service: EngineService = {
      call(method, input, caller) {
        const id = nextId++;
        return new Promise((done) => {
          pending.set(id, done);
          send({ kind: 'call', id, method, input, caller });
        });
      },
      endSession: (sessionKey) => send({ kind: 'endSession', sessionKey }),
      onEvent(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      close() {
        const id = nextId++;
        return new Promise<void>((done) => {
          pending.set(id, () => done());
          send({ kind: 'close', id });
        }).then(() => worker.terminate().then(() => undefined));
      },
    };
    worker.on('message', (m: WorkerMessage) => {
      switch (m.kind) {
        case 'ready':
          resolve(service);
          break;
        case 'failed':
          reject(new Error(m.message));
          void worker.terminate();
          break;
        case 'result':
          pending.get(m.id)?.(m.envelope as Envelope<unknown>);
          pending.delete(m.id);
          break;
        case 'closed':
          pending.get(m.id)?.({ ok: true, value: null });
          pending.delete(m.id);
          break;
        case 'event':
          for (const l of listeners) l(m.event as EngineEvent);
          break;
      }
    });
    worker.on('error', (error) => {
      reject(error);
      for (const done of pending.values()) done({ ok: false, error: { code: 'INTERNAL', message: 'The engine stopped unexpectedly; restart Branchline' } });
      pending.clear();
    });
  });
}

/** The worker entry when running from source under tsx (CLI and tests, no build needed). */
export const SOURCE_WORKER_URL = new URL('./engine-worker-tsx.mjs', import.meta.url);
