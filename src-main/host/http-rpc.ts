import type { IncomingMessage } from 'node:http';
import { type Envelope, MAX_PAYLOAD_BYTES } from '../../src-shared/rpc';
import type { Caller } from '../engine/engine';
import type { EngineService } from './engine-service';
import { checkRpcRequest } from './rpc-boundary';

export type BodyRead = { ok: true; text: string; size: number } | { ok: false; size: number };

/**
 * Reads a request body up to `limit` bytes. A larger body (by its Content-Length, or once
 * the bytes received pass the limit) is not read further: the caller answers and closes.
 */
export function readLimitedBody(req: IncomingMessage, limit = MAX_PAYLOAD_BYTES): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ ok: false, size: declared });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        chunks.length = 0;
        resolve({ ok: false, size });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve({ ok: true, text: Buffer.concat(chunks).toString('utf8'), size });
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

export function errorEnvelope(code: 'VALIDATION' | 'PAYLOAD_TOO_LARGE' | 'FORBIDDEN' | 'INTERNAL' | 'UNKNOWN_METHOD', message: string): Envelope<never> {
  return { ok: false, error: { code, message } };
}

export function tooLargeEnvelope(size: number): Envelope<never> {
  const checked = checkRpcRequest(undefined, undefined, size);
  return checked.ok ? errorEnvelope('PAYLOAD_TOO_LARGE', 'The request is too large') : checked.envelope;
}

/** A request body as JSON `{method, input}` (plus `id` on the WebSocket), or the envelope saying why not. */
export function parseRpcMessage(text: string): { ok: true; id: unknown; method: unknown; input: unknown } | { ok: false; id: unknown; envelope: Envelope<never> } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, id: null, envelope: errorEnvelope('VALIDATION', 'The request is not valid JSON') };
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, id: null, envelope: errorEnvelope('VALIDATION', 'The request must be a JSON object {method, input}') };
  }
  const { id, method, input } = body as { id?: unknown; method?: unknown; input?: unknown };
  return { ok: true, id: id ?? null, method, input };
}

/**
 * The one way the host calls the engine: the shared boundary check (size, method, input
 * schema), then the service. Never throws; always an envelope.
 */
export async function callChecked(
  service: EngineService,
  method: unknown,
  input: unknown,
  sizeInBytes: number,
  caller: Caller,
  log?: (message: string, error?: unknown) => void,
): Promise<Envelope<unknown>> {
  const checked = checkRpcRequest(method, input, sizeInBytes);
  if (!checked.ok) return checked.envelope;
  try {
    return await service.call(checked.method, checked.input, caller);
  } catch (error) {
    log?.(`${checked.method} failed in the transport`, error);
    return errorEnvelope('INTERNAL', 'Something went wrong inside Branchline; nothing was changed. Details are in the log.');
  }
}
