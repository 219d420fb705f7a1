// The raw baseline for the worker transport: answers each call with a canned envelope of the
// same shape and size the engine worker returns, and does nothing else.
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort;
port.on('message', (req) => {
  if (req.kind === 'call') port.postMessage({ kind: 'result', id: req.id, envelope: { ok: true, value: workerData.value } });
});
port.postMessage({ kind: 'ready' });
