import type { z } from 'zod';
import type { Permission } from '../permissions';

/**
 * `public`: callable before login (status, login, first-run setup).
 * `authenticated`: any logged-in user.
 * Otherwise a permission from the list in permissions.ts.
 */
export type Access = 'public' | 'authenticated' | Permission;

export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  /** Commands write (one transaction, outbox, audit); queries only read. */
  kind: 'command' | 'query';
  access: Access;
  input: I;
  output: O;
  /** Bumped when a command's input meaning changes; recorded with each mutation. */
  version?: number;
  summary: string;
}

export function command<I extends z.ZodType, O extends z.ZodType>(
  spec: Omit<MethodSpec<I, O>, 'kind'>,
): MethodSpec<I, O> & { kind: 'command' } {
  return { version: 1, ...spec, kind: 'command' };
}

export function query<I extends z.ZodType, O extends z.ZodType>(
  spec: Omit<MethodSpec<I, O>, 'kind'>,
): MethodSpec<I, O> & { kind: 'query' } {
  return { ...spec, kind: 'query' };
}
