/**
 * Worker-thread entry: owns the engine and the database so the thread that serves
 * windows, IPC or HTTP never waits on a query or a period close.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Caller } from '../engine/engine';
import type { EngineServiceOptions } from './engine-service';
import { openBranchEngine } from './open-engine';

export type WorkerRequest =
  | { kind: 'call'; id: number; method: string; input: unknown; caller: Caller }
  | { kind: 'endSession'; sessionKey: string }
  | { kind: 'close'; id: number };

export type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  | { kind: 'result'; id: number; envelope: unknown }
  | { kind: 'event'; event: unknown }
  | { kind: 'closed'; id: number };

const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);

const options = workerData as Omit<EngineServiceOptions, 'log'>;
openBranchEngine({ ...options, log: (message, error) => console.error(`[engine] ${message}`, error) }).then(
  (engine) => {
    engine.onEvent((event) => post({ kind: 'event', event }));
    port.on('message', (req: WorkerRequest) => {
      if (req.kind === 'call') {
        void engine.call(req.method, req.input, req.caller).then((envelope) => post({ kind: 'result', id: req.id, envelope }));
      } else if (req.kind === 'endSession') {
        engine.endSession(req.sessionKey);
      } else if (req.kind === 'close') {
        void engine.close().then(() => post({ kind: 'closed', id: req.id }));
      }
    });
    post({ kind: 'ready' });
  },
  (error: unknown) => post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
);
