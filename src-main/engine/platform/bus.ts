import type { z } from 'zod';
import { contract, isMethodName, type MethodName, type MethodSpec } from '../../../src-shared/contract/index';
import { ROLE_PERMISSIONS, type Permission } from '../../../src-shared/permissions';
import type { Envelope } from '../../../src-shared/rpc';
import { LATEST_SCHEMA } from '../../../migrations/index';
import type { Actor, CommandContext, EngineServices, Handlers, Install, QueryContext, SessionControl } from './context';
import { CompiledQuery, type Insertable, sql } from 'kysely';
import { type AnyDatabase, dialectOf, type Tx } from './db';
import type { AuditLogTable, OutboxTable } from './schema';
import { preparedQuery } from './prepared';
import { DomainError, toRpcError, validationError } from './errors';
import { newId } from './ids';
import { ownerRefusal } from './owner-guard';
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

const SECRET_KEY = /password|secret|token/i;

/**
 * Values whose key names a secret never reach the audit log. Returns `value` itself when it
 * holds no such key, copying only what changes: every command's input passes here, and the
 * common case (nothing secret) then builds no copies.
 */
function redact(value: unknown): unknown {
  if (Array.isArray(value)) {
    let items: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const r = redact(value[i]);
      if (r !== value[i]) (items ??= value.slice())[i] = r;
    }
    return items ?? value;
  }
  if (value && typeof value === 'object') {
    let copy: Record<string, unknown> | null = null;
    for (const k of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[k];
      const r = SECRET_KEY.test(k) ? '[redacted]' : redact(v);
      if (r !== v) (copy ??= Object.fromEntries(Object.entries(value)))[k] = r;
    }
    return copy ?? value;
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
    // The host actor (engine.ts) has no user but holds system.background for its own steps.
    if (actor.userId === null && !actor.permissions.has('system.background')) throw new DomainError('UNAUTHENTICATED', 'Please log in first');
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
      const state = await appendMutation(trx, this.options.database, this.options.signingKey?.() ?? null, {
        method,
        methodVersion: spec.version ?? 1,
        input: recordedInput,
        effects: { now, ids },
        actor,
        summary,
      });
      mutationId = state.mutationId;
      return value;
    }).catch(async (error: unknown) => {
      throw (await ownerRefusal(this.options.database.db, error)) ?? error;
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

const capturedTables = preparedQuery<{ none: 0 }, { table_name: string }>([], (db) => db.selectFrom('change_capture').select('table_name').distinct());
const clearCapture = preparedQuery<{ none: 0 }, never>([], (db) => db.deleteFrom('change_capture'));
const schemaVersion = preparedQuery<{ none: 0 }, { v: number }>([], (db) => db.selectNoFrom(sql<number>`(SELECT schema_version FROM pragma_schema_version())`.as('v')));
const tableColumns = preparedQuery<{ table: string }, { name: string }>(['table'], (db, p) => db.selectFrom(sql<{ name: string; cid: number }>`pragma_table_info(${p.table})`.as('c')).select('c.name').orderBy('c.cid'));

const quoteName = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteText = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The statement that turns what the capture triggers recorded, for this set of tables, into
 * the outbox's JSON array of changes, in SQLite's own JSON functions: per captured row, one
 * change in the order first written, with the row's image as it stands at the end of the
 * command (so a row written three times is sent once, as last written). The operation: a row
 * gone by the end is a delete, whatever came before; a row inserted (after its last delete, if
 * any) is an insert, even if updated later; else an update. Built from the tables' columns and
 * kept until the schema changes (PRAGMA schema_version), per database.
 */
const changeStatements = new WeakMap<object, { version: number; byTables: Map<string, string> }>();
async function changesStatement(trx: Tx, database: object, version: number, tables: string[]): Promise<string> {
  let cache = changeStatements.get(database);
  if (!cache || cache.version !== version) {
    cache = { version, byTables: new Map() };
    changeStatements.set(database, cache);
  }
  const key = tables.join(',');
  let text = cache.byTables.get(key);
  if (!text) {
    const arms: string[] = [];
    for (const table of tables) {
      const cols = await tableColumns.rows(trx, { table });
      if (cols.length === 0) throw new Error(`Captured rows of ${table}, which has no columns`);
      const image = `json_object(${cols.map((c) => `${quoteText(c.name)}, t.${quoteName(c.name)}`).join(', ')})`;
      // (CASE keeps json_object's JSON subtype: the image is nested, not quoted.)
      arms.push(`SELECT k.first, json_object('table', k.table_name, 'id', k.row_id,
          'op', CASE WHEN t.id IS NULL THEN 'delete' ELSE k.op END, 'row', CASE WHEN t.id IS NULL THEN NULL ELSE ${image} END) AS change
        FROM k LEFT JOIN ${quoteName(table)} AS t ON t.id = k.row_id WHERE k.table_name = ${quoteText(table)}`);
    }
    text = `WITH k AS (
        SELECT table_name, row_id, min(seq) AS first,
          CASE WHEN max(CASE WHEN op = 'insert' THEN seq END) > coalesce(max(CASE WHEN op = 'delete' THEN seq END), 0) THEN 'insert' ELSE 'update' END AS op
        FROM change_capture GROUP BY table_name, row_id
      ), c AS (${arms.join('\n UNION ALL ')})
      SELECT '[' || coalesce(group_concat(change, ',' ORDER BY first), '') || ']' AS json, count(*) AS count FROM c`;
    cache.byTables.set(key, text);
  }
  return text;
}

/**
 * The rows this command wrote (SQLite installs bound to a centre), as the JSON text the
 * outbox stores, and their count: the capture triggers recorded which rows (table, id,
 * operation); one statement (changesStatement) reads each touched row once, as it stands at
 * the end of the command, and writes the whole array — no row crosses into JavaScript.
 */
async function takeCapturedChanges(trx: Tx, database: object): Promise<{ json: string; count: number }> {
  if (dialectOf(trx) !== 'sqlite') return NO_CHANGES;
  const tables = (await capturedTables.rows(trx, { none: 0 })).map((r) => r.table_name).sort();
  if (tables.length === 0) return NO_CHANGES;
  const version = Number((await schemaVersion.first(trx, { none: 0 }))!.v);
  const text = await changesStatement(trx, database, version, tables);
  const result = (await trx.executeQuery<{ json: string; count: number }>(CompiledQuery.raw(text, []))).rows[0]!;
  await clearCapture.execute(trx, { none: 0 });
  return { json: result.json, count: Number(result.count) };
}
const NO_CHANGES = { json: '[]', count: 0 };

const nextMutation = preparedQuery<{ none: 0 }, { last_mutation_id: number; client_id: string; branch_id: string | null }>([], (db) =>
  db
    .updateTable('client_state')
    .set((eb) => ({ last_mutation_id: eb('last_mutation_id', '+', 1) }))
    .where('singleton', '=', 1)
    .returning(['last_mutation_id', 'client_id', 'branch_id']),
);
type AuditRow = Insertable<AuditLogTable>;
const insertAudit = preparedQuery<Required<AuditRow>, never>(
  ['id', 'branch_id', 'at', 'user_id', 'username', 'method', 'mutation_id', 'summary', 'input'],
  (db, p) => db.insertInto('audit_log').values(p),
);
type OutboxRow = Insertable<OutboxTable>;
const insertOutbox = preparedQuery<Required<OutboxRow>, never>(
  ['mutation_id', 'client_id', 'branch_id', 'method', 'method_version', 'schema_version', 'input', 'effects', 'changes', 'user_id', 'created_at', 'signature'],
  (db, p) => db.insertInto('outbox').values(p),
);

/** Takes the next mutation id of this install and appends the mutation to the outbox. */
async function appendMutation(trx: Tx, database: object, signingKey: string | null, m: MutationRecord): Promise<{ mutationId: number; branchId: string | null }> {
  const state = await nextMutation.first(trx, { none: 0 });
  if (!state) throw new Error('client_state is missing');
  const input = JSON.stringify(m.input);
  const redacted = redact(m.input);
  // The audit entry first, so the captured changes (replicated with the mutation) include it.
  await insertAudit.execute(trx, {
    id: newId(),
    branch_id: state.branch_id,
    at: m.effects.now,
    user_id: m.actor.userId,
    username: m.actor.username,
    method: m.method,
    mutation_id: state.last_mutation_id,
    summary: m.summary.slice(0, 500),
    input: redacted === m.input ? input : JSON.stringify(redacted),
  });
  const changes = await takeCapturedChanges(trx, database);
  const row = {
    mutation_id: state.last_mutation_id,
    client_id: state.client_id,
    branch_id: state.branch_id,
    method: m.method,
    method_version: m.methodVersion,
    schema_version: LATEST_SCHEMA,
    input,
    effects: JSON.stringify(m.effects),
    changes: changes.json,
    user_id: m.actor.userId,
    created_at: m.effects.now,
  };
  const signature = signingKey ? signPayload(signingKey, mutationPayload(row)) : null;
  await insertOutbox.execute(trx, Object.assign(row, { signature }));
  return { mutationId: state.last_mutation_id, branchId: state.branch_id };
}
