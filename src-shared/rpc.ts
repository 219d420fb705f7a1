/** The envelope every transport (Electron IPC, HTTP, WebSocket, CLI) returns. */
export const ERROR_CODES = [
  'VALIDATION', // input does not match the contract; details.fields says which field and why
  'UNKNOWN_METHOD',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT', // e.g. a duplicate SKU, or a stale version
  'BUSINESS_RULE', // the input is well-formed but the business refuses it
  'PAYLOAD_TOO_LARGE',
  'READ_ONLY',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldIssue {
  path: string;
  message: string;
}

export interface RpcError {
  code: ErrorCode;
  message: string;
  details?: { fields?: FieldIssue[]; [key: string]: unknown };
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: RpcError };

/** Largest JSON request body any transport accepts, in bytes. */
export const MAX_PAYLOAD_BYTES = 1_000_000;
