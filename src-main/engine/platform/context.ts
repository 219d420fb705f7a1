import type { Contract, MethodName, OutputOf, ParsedInputOf } from '../../../src-shared/contract/index';
import type { Permission, Role } from '../../../src-shared/permissions';
import type { Db, Dialect, Tx } from './db';

/** Who is calling. `system` is the engine itself (seeding, replication apply). */
export interface Actor {
  userId: string | null;
  username: string | null;
  roles: readonly Role[];
  permissions: ReadonlySet<Permission>;
}

export const ANONYMOUS: Actor = { userId: null, username: null, roles: [], permissions: new Set() };

/** What the engine knows about the install it runs in. */
export interface Install {
  clientId: string;
  branchId: string | null;
  appVersion: string;
}

/** Binds the transport's session key to a user; the engine owns sessions, transports only carry a key. */
export interface SessionControl {
  bind(userId: string): void;
  end(): void;
}

/** Long-lived services a handler may use (absent where the host does not run them). */
export interface EngineServices {
  sync: import('../sync/service').SyncService | null;
  /** Reports progress of long work to whoever watches (the UI's progress bars). */
  progress(task: string, done: number, total: number): void;
  /** Update settings, folder and centre (the Admin "Updates" methods); null without a data folder. */
  updates?: import('../updates/host').UpdatesHost | null;
}

interface BaseContext {
  services: EngineServices;
  actor: Actor;
  install: Install;
  dialect: Dialect;
  session: SessionControl;
}

export interface QueryContext extends BaseContext {
  db: Db;
}

export interface CommandContext extends BaseContext {
  /** The command's transaction: everything written through it commits or rolls back together. */
  db: Tx;
  /** One clock reading per command, recorded so a replay writes the same timestamps. */
  now: string;
  /** A new UUIDv7, recorded so a replay creates the same ids. */
  newId(): string;
  /** The branch that owns rows this command creates. */
  branchId: string;
  /** Human summary for the audit log ("Created product ABC-1"). */
  summarize(summary: string): void;
  /** Replace what the outbox and audit record of the input (e.g. a password by its hash). */
  recordInputAs(input: unknown): void;
}

export type CommandHandler<M extends MethodName> = (ctx: CommandContext, input: ParsedInputOf<M>) => Promise<OutputOf<M>>;
export type QueryHandler<M extends MethodName> = (ctx: QueryContext, input: ParsedInputOf<M>) => Promise<OutputOf<M>>;

export type HandlerOf<M extends MethodName> = Contract[M]['kind'] extends 'command' ? CommandHandler<M> : QueryHandler<M>;

export type Handlers = { [M in MethodName]: HandlerOf<M> };

/** Each domain exports its share of the handlers; the engine checks that together they cover the contract. */
export function defineHandlers<K extends MethodName>(handlers: { [M in K]: HandlerOf<M> }): { [M in K]: HandlerOf<M> } {
  return handlers;
}

/**
 * The columns every new business row starts with: its id (a fresh UUIDv7 unless given),
 * the branch that creates it, the command's clock for both timestamps, version 1.
 */
export function newRowMeta(ctx: Pick<CommandContext, 'newId' | 'branchId' | 'now'>, id?: string) {
  return { id: id ?? ctx.newId(), branch_id: ctx.branchId, created_at: ctx.now, updated_at: ctx.now, version: 1 };
}

const commandMemos = new WeakMap<CommandContext, Map<string, Promise<unknown>>>();

/**
 * A read made once per command under `key` (settings, policies, templates: an import chunk of
 * 500 orders asks for them 500 times). Only for what the command itself does not change; a
 * failed read is not remembered, so the next caller asks again.
 */
export function onceInCommand<T>(ctx: CommandContext, key: string, load: () => Promise<T>): Promise<T> {
  let memo = commandMemos.get(ctx);
  if (!memo) commandMemos.set(ctx, (memo = new Map()));
  let p = memo.get(key) as Promise<T> | undefined;
  if (!p) {
    p = load();
    memo.set(key, p);
    p.catch(() => memo.delete(key));
  }
  return p;
}
