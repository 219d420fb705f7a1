import { contract, isMethodName, type MethodName } from '../../src-shared/contract/index';
import { type Envelope, MAX_PAYLOAD_BYTES } from '../../src-shared/rpc';
import { validationError } from '../engine/platform/errors';

export type CheckedRequest = { ok: true; method: MethodName; input: unknown } | { ok: false; envelope: Envelope<never> };

/**
 * The checks every transport makes before a call crosses into the engine: size, a known
 * contract method, and the contract's input schema. The engine's bus checks again (it
 * also serves the CLI and tests); this one keeps junk off the worker thread.
 */
export function checkRpcRequest(method: unknown, input: unknown, sizeInBytes?: number): CheckedRequest {
  if (sizeInBytes !== undefined && sizeInBytes > MAX_PAYLOAD_BYTES) {
    return fail('PAYLOAD_TOO_LARGE', `The request is ${Math.ceil(sizeInBytes / 1024)} KB; the limit is ${MAX_PAYLOAD_BYTES / 1000} KB`);
  }
  if (!isMethodName(method)) return fail('UNKNOWN_METHOD', `There is no method called "${String(method).slice(0, 80)}"`);
  const parsed = contract[method].input.safeParse(input ?? {});
  if (!parsed.success) {
    const e = validationError(parsed.error);
    return { ok: false, envelope: { ok: false, error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } } };
  }
  // Forward the raw input: the engine parses it itself (defaults, transforms) and records that.
  return { ok: true, method, input: input ?? {} };
}

function fail(code: 'PAYLOAD_TOO_LARGE' | 'UNKNOWN_METHOD', message: string): CheckedRequest {
  return { ok: false, envelope: { ok: false, error: { code, message } } };
}
