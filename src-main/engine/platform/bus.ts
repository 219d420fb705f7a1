import type { z } from 'zod';
import { contract, isMethodName, type MethodName, type MethodSpec } from '../../../src-shared/contract/index';
import { ROLE_PERMISSIONS, type Permission } from '../../../src-shared/permissions';
import type { Envelope } from '../../../src-shared/rpc';
import { LATEST_SCHEMA } from '../../../migrations/index';
import type { Actor, CommandContext, EngineServices, Handlers, Install, QueryContext, SessionControl } from './context';
import { type AnyDatabase, dialectOf, type Tx } from './db';
import { preparedQuery } from './prepared';
import { DomainError, toRpcError, validationError } from './errors';
import { newId } from './ids';
import { mutationPayload, signPayload } from './mutation';

export interface BusOptions {
  database: AnyDatabase;
  handlers: Handlers;
  install: () => Install;
  /** Check handler results against the contract too (on in tests; costs a parse per call). */
  validateOutput?: boolean;
  readOnly?: () => string | null;
  /** A reason this install may not run a given command (e.g. master data on a branch), or null. */
  refuseCommand?: (method: MethodName) => string | null;
  onError?: (method: string, error: unknown) => void;
  services?: () => EngineServices;
  /** The key that signs each mutation, once the install is bound to a centre. */
  signingKey?: () => string | null;
  /** Called after a command commits (e.g. to invalidate caches, wake sync). */
  afterCommit?: (method: MethodName, mutationId: number) => void;
}

const NO_SESSION: SessionControl = { bind() {}, end() {} };

function rolesFor(access: string): string {
  const roles = Object.entries(ROLE_PERMISSIONS)
    .filter(([, perms]) => perms.includes(access as Permission))
    .map(([role]) => role);
  return roles.join(', ');
}

/** Values whose key names a secret never reach the audit log. */
function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, /password|secret|token/i.test(k) ? '[redacted]' : redact(v)]));
  }
  return value;
}

/**
 * The one path every call takes: method lookup, access check, input validation, then
 * a query, or a command in ONE transaction that also appends the outbox mutation and
 * the audit entry.
 */
export class CommandBus {
  constructor(private readonly options: BusOptions) {}

  async call(method: string, rawInput: unknown, actor: Actor, session: SessionControl = NO_SESSION): Promise<Envelope<unknown>> {
    try {
      return { ok: true, value: await this.execute(method, rawInput, actor, session) };
    } catch (error) {
      if (!(error instanceof DomainError)) this.options.onError?.(method, error);
      return { ok: false, error: toRpcError(error) };
    }
  }

  /** Like call, but throws DomainError instead of returning the envelope (for engine-internal use and tests). */
  async execute(method: string, rawInput: unknown, actor: Actor, session: SessionControl = NO_SESSION): Promise<unknown> {
    if (!isMethodName(method)) throw new DomainError('UNKNOWN_METHOD', `There is no method called "${String(method).slice(0, 80)}"`);
    const spec: MethodSpec = contract[method];
    this.authorize(spec, actor);
    const parsed = spec.input.safeParse(rawInput ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    const handler = this.options.handlers[method] as (ctx: never, input: unknown) => Promise<unknown>;
    const result = spec.kind === 'query' ? await this.runQuery(handler, parsed.data, actor, session) : await this.runCommand(method, spec, handler, parsed.data, actor, session);
    if (this.options.validateOutput) this.checkOutput(method, spec.output, result);
    return result;
  }

  private services(): EngineServices {
    return this.options.services?.() ?? { sync: null, progress: () => {} };
  }

  private authorize(spec: MethodSpec, actor: Actor): void {
    if (spec.access === 'public') return;
    if (actor.userId === null) throw new DomainError('UNAUTHENTICATED', 'Please log in first');
    if (spec.access === 'authenticated') return;
    if (!actor.permissions.has(spec.access)) {
      throw new DomainError('FORBIDDEN', `You do not have the permission "${spec.access}" (roles that have it: ${rolesFor(spec.access)})`, {
        permission: spec.access,
      });
    }
  }

  private checkOutput(method: string, schema: z.ZodType, result: unknown): void {
    const checked = schema.safeParse(result);
    if (!checked.success) throw new Error(`Handler ${method} returned output that breaks the contract: ${checked.error.message}`);
  }

  private runQuery(handler: (ctx: never, input: unknown) => Promise<unknown>, input: unknown, actor: Actor, session: SessionControl) {
    const ctx: QueryContext = { db: this.options.database.db, dialect: this.options.database.dialect, actor, install: this.options.install(), session, services: this.services() };
    return handler(ctx as never, input);
  }

  private async runCommand(method: MethodName, spec: MethodSpec, handler: (ctx: never, input: unknown) => Promise<unknown>, input: unknown, actor: Actor, session: SessionControl) {
    const readOnly = this.options.readOnly?.() ?? this.options.refuseCommand?.(method);
    if (readOnly) throw new DomainError('READ_ONLY', readOnly);
    const install = this.options.install();
    let mutationId = 0;
    const result = await this.options.database.db.transaction().execute(async (trx) => {
      const now = new Date().toISOString();
      const ids: string[] = [];
      let summary: string = method;
      let recordedInput: unknown = input;
      const ctx: CommandContext = {
        services: this.services(),
        db: trx,
        dialect: this.options.database.dialect,
        actor,
        install,
        session,
        now,
        branchId: install.branchId ?? 'unassigned',
        newId() {
          const id = newId();
          ids.push(id);
          return id;
        },
        summarize(s) {
          summary = s;
        },
        recordInputAs(value) {
          recordedInput = value;
        },
      };
      const value = await handler(ctx as never, input);
      // The branch may have been assigned by this very command (first-run setup).
      const state = await appendMutation(trx, this.options.signingKey?.() ?? null, {
        method,
        methodVersion: spec.version ?? 1,
        input: recordedInput,
        effects: { now, ids },
        result: value,
        actor,
        summary,
      });
      mutationId = state.mutationId;
      return value;
    });
    this.options.afterCommit?.(method, mutationId);
    return result;
  }
}

interface MutationRecord {
  method: string;
  methodVersion: number;
  input: unknown;
  effects: { now: string; ids: string[] };
  result: unknown;
  actor: Actor;
  summary: string;
}

export interface RowChange {
  table: string;
  id: string;
  op: 'insert' | 'update' | 'delete';
  /** The row as written (null for a delete). */
  row: Record<string, unknown> | null;
}

const capturedRows = preparedQuery<{ none: 0 }, { table_name: string; row_id: string; op: RowChange['op']; row_json: string | null }>([], (db) =>
  db.selectFrom('change_capture').select(['table_name', 'row_id', 'op', 'row_json']).orderBy('seq'),
);
const clearCapture = preparedQuery<{ none: 0 }, never>([], (db) => db.deleteFrom('change_capture'));

/**
 * The rows this command wrote, as captured by the replication triggers (SQLite installs
 * bound to a centre): one image per row, the last one written. An insert later updated
 * stays an insert; anything later deleted is a delete.
 */
async function takeCapturedChanges(trx: Tx): Promise<RowChange[]> {
  if (dialectOf(trx) !== 'sqlite') return [];
  const rows = await capturedRows.rows(trx, { none: 0 });
  if (rows.length === 0) return [];
  await clearCapture.execute(trx, { none: 0 });
  const byRow = new Map<string, RowChange>();
  for (const r of rows) {
    const key = `${r.table_name}|${r.row_id}`;
    const prev = byRow.get(key);
    const op = r.op === 'update' && prev?.op === 'insert' ? 'insert' : r.op;
    byRow.set(key, { table: r.table_name, id: r.row_id, op, row: r.row_json ? (JSON.parse(r.row_json) as Record<string, unknown>) : null });
  }
  return [...byRow.values()];
}

/** Takes the next mutation id of this install and appends the mutation to the outbox. */
async function appendMutation(trx: Tx, signingKey: string | null, m: MutationRecord): Promise<{ mutationId: number; branchId: string | null }> {
  const state = await trx
    .updateTable('client_state')
    .set((eb) => ({ last_mutation_id: eb('last_mutation_id', '+', 1) }))
    .where('singleton', '=', 1)
    .returning(['last_mutation_id', 'client_id', 'branch_id'])
    .executeTakeFirstOrThrow();
  // The audit entry first, so the captured changes (replicated with the mutation) include it.
  await trx
    .insertInto('audit_log')
    .values({
      id: newId(),
      branch_id: state.branch_id,
      at: m.effects.now,
      user_id: m.actor.userId,
      username: m.actor.username,
      method: m.method,
      mutation_id: state.last_mutation_id,
      summary: m.summary.slice(0, 500),
      input: JSON.stringify(redact(m.input)),
    })
    .execute();
  const changes = await takeCapturedChanges(trx);
  const row = {
    mutation_id: state.last_mutation_id,
    client_id: state.client_id,
    branch_id: state.branch_id,
    method: m.method,
    method_version: m.methodVersion,
    schema_version: LATEST_SCHEMA,
    input: JSON.stringify(m.input),
    effects: JSON.stringify(m.effects),
    result: JSON.stringify(m.result ?? null),
    changes: JSON.stringify(changes),
    user_id: m.actor.userId,
    created_at: m.effects.now,
  };
  await trx
    .insertInto('outbox')
    .values({ ...row, signature: signingKey ? signPayload(signingKey, mutationPayload(row)) : null })
    .execute();
  return { mutationId: state.last_mutation_id, branchId: state.branch_id };
}
