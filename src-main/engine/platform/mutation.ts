import { createHmac } from 'node:crypto';
/** The stored fields of an outbox row that a signature covers. */
export interface SignedFields {
  mutation_id: number;
  client_id: string;
  method: string;
  method_version: number;
  schema_version: string;
  created_at: string;
  user_id: string | null;
  input: string;
  effects: string;
  changes: string;
}

/**
 * The exact text a mutation is signed and verified over: its stored fields, in a fixed
 * order, as stored. The branch signs it when the command commits; the centre recomputes
 * the HMAC over the pushed text — so a row edited later in the database file is caught.
 */
export function mutationPayload(m: SignedFields): string {
  return [m.mutation_id, m.client_id, m.method, m.method_version, m.schema_version, m.created_at, m.user_id ?? '', m.input, m.effects, m.changes].join('\n');
}

export function signPayload(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}
