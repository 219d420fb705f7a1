import type { z } from 'zod';
import type { ErrorCode, FieldIssue, RpcError } from '../../../src-shared/rpc';

/** An error meant for the user: its message is shown as is, so write it for a clerk. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: RpcError['details'],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError('NOT_FOUND', `${what} was not found`);
export const conflict = (message: string, details?: RpcError['details']) => new DomainError('CONFLICT', message, details);
export const refuse = (message: string, details?: RpcError['details']) => new DomainError('BUSINESS_RULE', message, details);

export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(input)',
    message: issue.code === 'unrecognized_keys' ? `Unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}

export function validationError(error: z.ZodError): DomainError {
  const fields = fieldIssues(error);
  const first = fields[0];
  const message = first
    ? fields.length === 1
      ? `${first.path}: ${first.message}`
      : `${first.path}: ${first.message} (and ${fields.length - 1} more)`
    : 'The input is not valid';
  return new DomainError('VALIDATION', message, { fields });
}

/** Turns anything thrown into the error half of the envelope, hiding internals. */
export function toRpcError(error: unknown): RpcError {
  if (error instanceof DomainError) {
    return error.details ? { code: error.code, message: error.message, details: error.details } : { code: error.code, message: error.message };
  }
  const uniqueViolation = uniqueViolationColumn(error);
  if (uniqueViolation) {
    return { code: 'CONFLICT', message: `Another record already uses this ${uniqueViolation}`, details: { field: uniqueViolation } };
  }
  return { code: 'INTERNAL', message: 'Something went wrong inside Branchline; nothing was changed. Details are in the log.' };
}

/** Recognises a unique-constraint failure from either database and names the column. */
export function uniqueViolationColumn(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const e = error as Error & { code?: string; constraint?: string; detail?: string };
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const m = /UNIQUE constraint failed: \w+\.(\w+)/.exec(e.message);
    return m?.[1] ?? 'value';
  }
  if (e.code === '23505') {
    const m = /Key \((?:lower\()?(\w+)/.exec(e.detail ?? '');
    return m?.[1] ?? 'value';
  }
  return null;
}
