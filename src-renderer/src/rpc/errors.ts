import type { ErrorCode, FieldIssue } from '../../../src-shared/rpc';

/** The engine's codes plus NETWORK: the request never got an answer (host down, socket dropped). */
export type ClientErrorCode = ErrorCode | 'NETWORK';

/** What `client.call` throws when the engine refuses a call or cannot be reached. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly code: ClientErrorCode;
  readonly details: Record<string, unknown>;
  /** Per-field messages (path like "sku" or "lines.0.qty"); empty when the error is not about a field. */
  readonly fields: FieldIssue[];
  readonly method: string;

  constructor(code: ClientErrorCode, message: string, options: { details?: Record<string, unknown>; method?: string } = {}) {
    super(message);
    this.code = code;
    this.details = options.details ?? {};
    this.method = options.method ?? '';
    const fields = this.details.fields;
    this.fields = Array.isArray(fields)
      ? fields.filter((f): f is FieldIssue => !!f && typeof f === 'object' && typeof (f as FieldIssue).path === 'string' && typeof (f as FieldIssue).message === 'string')
      : [];
  }

  /** The message for one field path, if the engine named that field. */
  fieldMessage(path: string): string | undefined {
    return this.fields.find((f) => f.path === path)?.message;
  }
}

export function isRpcError(e: unknown): e is RpcError {
  return e instanceof RpcError;
}

/** A message fit for a notification, whatever was thrown. */
export function messageOf(e: unknown): string {
  if (e instanceof RpcError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
