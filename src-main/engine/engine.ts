import { randomUUID } from 'node:crypto';
import type { MethodName, OutputOf, InputOf } from '../../src-shared/contract/index';
import { HOST_PERMISSIONS } from '../../src-shared/permissions';
import type { Envelope } from '../../src-shared/rpc';
import { actorOf, findUser } from './auth/users';
import { catalogHandlers } from './catalog/handlers';
import { documentsHandlers } from './documents/handlers';
import { inventoryHandlers } from './inventory/handlers';
import { partnersHandlers } from './partners/handlers';
import { pricingHandlers } from './pricing/handlers';
import { salesHandlers } from './sales/handlers';
import { financeHandlers } from './finance/handlers';
import { importsHandlers } from './imports/handlers';
import { notificationsHandlers } from './notifications/handlers';
import { reportsHandlers } from './reports/handlers';
import { purchasingHandlers } from './purchasing/handlers';
import { serviceHandlers } from './service/handlers';
import { updatesHandlers } from './updates/handlers';
import type { UpdatesHost } from './updates/host';
import { salesEntryHandlers } from './sales/entry';
import { salesDocumentsHandlers } from './documents/sales-documents';
import { salesDropShipHandlers } from './sales/dropship';
import { purchasingDropShipHandlers } from './purchasing/dropship-handlers';
import { CommandBus } from './platform/bus';
import { ANONYMOUS, type Actor, type Handlers, type Install, type SessionControl } from './platform/context';
import type { AnyDatabase } from './platform/db';
import { DomainError } from './platform/errors';
import { newId } from './platform/ids';
import { assertNotNewer, currentSchema } from './platform/migrate';
import { CENTRAL_ONLY_METHOD_PREFIXES } from './sync/ownership';
import { syncHandlers } from './sync/handlers';
import type { CredentialStore } from './sync/credentials';
import { SyncService } from './sync/service';
import { followUpAfterPull } from './sync/follow-up';
import { systemHandlers } from './system/handlers';
import { LATEST_SCHEMA } from '../../migrations/index';

/** Every handler, checked by the type system to cover the whole contract. */
export const HANDLERS: Handlers = { ...systemHandlers, ...catalogHandlers, ...inventoryHandlers, ...documentsHandlers, ...syncHandlers, ...partnersHandlers, ...pricingHandlers, ...salesHandlers, ...financeHandlers, ...importsHandlers, ...notificationsHandlers, ...reportsHandlers, ...purchasingHandlers, ...salesEntryHandlers, ...salesDocumentsHandlers, ...updatesHandlers, ...serviceHandlers, ...salesDropShipHandlers, ...purchasingDropShipHandlers };

/** How a transport says who is calling: its session key, or (CLI, tests) a user directly. */
/**
 * Who calls. `host` is the app's own background runner (report refresher, replenishment
 * scheduler, sync follow-up), named for the audit log. Transports build callers from their
 * session keys only, so no remote client can call as the host.
 */
export type Caller = { sessionKey: string } | { userId: string } | { anonymous: true } | { host: string };

export interface EngineOptions {
  database: AnyDatabase;
  appVersion?: string;
  validateOutput?: boolean;
  /** Reason the install is read-only (e.g. a failed upgrade), or null. */
  readOnly?: string | null;
  sessionTtlMs?: number;
  /** Where this branch keeps its centre credentials; with them the engine signs mutations and can sync. */
  credentials?: CredentialStore;
  log?: (message: string, error?: unknown) => void;
  /** Update settings, folder and centre for the Admin "Updates" methods (the host injects them). */
  updates?: UpdatesHost;
}

export type EngineEvent = { type: 'committed'; method: string } | { type: 'progress'; task: string; done: number; total: number };

interface SessionEntry {
  userId: string;
  expiresAt: number;
}

/**
 * The UI-free engine: one instance per database. Runs the same inside Electron's worker,
 * the headless host, the CLI and tests.
 */
export class Engine {
  readonly bus: CommandBus;
  private readonly sessions = new Map<string, SessionEntry>();
  private readonly actors = new Map<string, Actor>();
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private install: Install;
  /** Replication, when the install has centre credentials and runs on SQLite. */
  sync: SyncService | null = null;
  /** Set when the install is bound to a centre: every mutation is then signed with it. */
  private signingKey: string | null = null;
  /** Background work a host runs over this engine (it keeps the timers); stopped first on close. */
  readonly background = new Set<{ stop(): Promise<void> }>();

  private constructor(
    readonly database: AnyDatabase,
    private readonly options: EngineOptions,
    install: Install,
  ) {
    this.install = install;
    this.bus = new CommandBus({
      database,
      handlers: HANDLERS,
      install: () => this.install,
      validateOutput: options.validateOutput ?? false,
      readOnly: () => this.options.readOnly ?? null,
      onError: (method, error) => options.log?.(`${method} failed`, error),
      afterCommit: (method) => this.afterCommit(method),
      signingKey: () => this.signingKey,
      services: () => ({ sync: this.sync, updates: options.updates ?? null, progress: (task, done, total) => this.emit({ type: 'progress', task, done, total }) }),
      refuseCommand: (method) =>
        this.signingKey && CENTRAL_ONLY_METHOD_PREFIXES.some((p) => method.startsWith(p))
          ? 'This is master data, managed at the centre: make the change there and it reaches this branch at the next sync'
          : null,
    });
  }

  /** Opens an engine on a migrated database; creates this install's identity on first open. */
  static async open(options: EngineOptions): Promise<Engine> {
    const db = options.database.db;
    await assertNotNewer(db);
    const schema = await currentSchema(db);
    // Read-only (a failed upgrade) opens the previous schema as it is, to show the data.
    if (schema !== LATEST_SCHEMA && !options.readOnly) {
      throw new DomainError('READ_ONLY', `The database is at schema ${schema ?? 'none'}; run the migrations first (branchline migrate)`);
    }
    let state = await db.selectFrom('client_state').selectAll().executeTakeFirst();
    if (!state) {
      await db.insertInto('client_state').values({ singleton: 1, client_id: newId(), branch_id: null, last_mutation_id: 0, demo: 0 }).execute();
      state = await db.selectFrom('client_state').selectAll().executeTakeFirstOrThrow();
    }
    const engine = new Engine(options.database, options, { clientId: state.client_id, branchId: state.branch_id, appVersion: options.appVersion ?? '0.0.0' });
    if (options.credentials) engine.attachCredentials(options.credentials);
    return engine;
  }

  get clientId(): string {
    return this.install.clientId;
  }

  /** Calls a contract method; never throws, always an envelope. */
  async call(method: string, input: unknown, caller: Caller): Promise<Envelope<unknown>> {
    let actor: Actor;
    try {
      actor = await this.resolve(caller);
    } catch (error) {
      return { ok: false, error: { code: 'UNAUTHENTICATED', message: error instanceof Error ? error.message : 'Please log in' } };
    }
    return this.bus.call(method, input, actor, this.sessionControl(caller));
  }

  /** Typed call for engine-internal use and tests; throws DomainError on refusal. */
  async run<M extends MethodName>(method: M, input: InputOf<M>, caller: Caller): Promise<OutputOf<M>> {
    const actor = await this.resolve(caller);
    return (await this.bus.execute(method, input, actor, this.sessionControl(caller))) as OutputOf<M>;
  }

  /** Subscribe to engine events (commits, progress of long work); returns the unsubscribe. */
  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Binds (or unbinds) this install to a centre: mutations are signed, central master data becomes read-only here. */
  setSyncBinding(binding: { signingKey: string } | null): void {
    this.signingKey = binding?.signingKey ?? null;
  }

  /** Uses a credential store: signs with its secret and runs replication through it (branch databases). */
  attachCredentials(store: CredentialStore): void {
    const creds = store.read();
    if (creds) this.setSyncBinding({ signingKey: creds.secret });
    if (this.database.dialect === 'sqlite') {
      this.sync = new SyncService({
        branch: this.database,
        store,
        appVersion: this.install.appVersion,
        onProgress: (task, done, total) => this.emit({ type: 'progress', task: `sync:${task}`, done, total }),
        log: this.options.log,
        afterSync: () => this.followUpSync(),
        onBound: (creds) => {
          this.setSyncBinding({ signingKey: creds.secret });
          void this.reloadInstall();
        },
      });
    }
  }

  /** After a sync: what the pull left this branch owing (sync/follow-up.ts); how many documents that made. */
  followUpSync(): Promise<number> {
    return followUpAfterPull(this.database.db, this.install.branchId, () => this.run('sync.followUp', {}, { host: 'sync' }));
  }

  get boundToCentre(): boolean {
    return this.signingKey !== null;
  }

  endSession(sessionKey: string): void {
    this.sessions.delete(sessionKey);
  }

  /** A fresh, unguessable session key for a transport's new connection. */
  static newSessionKey(): string {
    return randomUUID() + randomUUID();
  }

  async close(): Promise<void> {
    for (const work of this.background) await work.stop();
    await this.sync?.stop();
    // Lets SQLite keep the statistics its planner needs (cheap; only analyses what changed).
    if (this.database.dialect === 'sqlite') this.database.sqlite.pragma('optimize');
    await this.database.close();
  }

  private sessionControl(caller: Caller): SessionControl {
    if (!('sessionKey' in caller)) return { bind() {}, end() {} };
    const ttl = this.options.sessionTtlMs ?? 12 * 3600_000;
    return {
      bind: (userId) => this.sessions.set(caller.sessionKey, { userId, expiresAt: Date.now() + ttl }),
      end: () => this.sessions.delete(caller.sessionKey),
    };
  }

  private async resolve(caller: Caller): Promise<Actor> {
    if ('host' in caller) return { userId: null, username: `(${caller.host})`, roles: [], permissions: HOST_PERMISSIONS };
    let userId: string | null = null;
    if ('userId' in caller) userId = caller.userId;
    else if ('sessionKey' in caller) {
      const entry = this.sessions.get(caller.sessionKey);
      if (entry && entry.expiresAt > Date.now()) userId = entry.userId;
      else if (entry) this.sessions.delete(caller.sessionKey);
    }
    if (!userId) return ANONYMOUS;
    const cached = this.actors.get(userId);
    if (cached) return cached;
    const user = await findUser(this.database.db, userId);
    if (!user || !user.active) {
      if ('sessionKey' in caller) this.sessions.delete(caller.sessionKey);
      throw new DomainError('UNAUTHENTICATED', 'Your user is no longer active; log in again');
    }
    const actor = actorOf(user);
    this.actors.set(userId, actor);
    return actor;
  }

  private afterCommit(method: MethodName): void {
    this.emit({ type: 'committed', method });
    this.sync?.poke();
    // Roles and active flags live in app_user; re-read them on the next call.
    if (method.startsWith('users.') || method.startsWith('system.')) this.actors.clear();
    if (method === 'system.setup' || method === 'system.loadDemo') void this.refreshInstall();
  }

  /** Re-reads this install's identity (client id, branch) after registration or a first sync. */
  async reloadInstall(): Promise<void> {
    await this.refreshInstall();
    this.actors.clear();
  }

  private async refreshInstall(): Promise<void> {
    const state = await this.database.db.selectFrom('client_state').select(['client_id', 'branch_id']).executeTakeFirstOrThrow();
    this.install = { ...this.install, clientId: state.client_id, branchId: state.branch_id };
  }
}
