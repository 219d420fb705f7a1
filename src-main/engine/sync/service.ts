import pg from 'pg';
import { type BranchDatabase, type CentralDatabase, openPostgres } from '../platform/db';
import type { CredentialStore, SyncCredentials } from './credentials';
import { redactUrl } from './credentials';
import { type SyncHooks, SyncBlocked, type SyncOutcome, syncOnce } from './protocol';
import { registerBranch } from './register';

export interface SyncServiceOptions {
  branch: BranchDatabase;
  store: CredentialStore;
  appVersion: string;
  /** Told when registration binds the install, so the engine signs from then on. */
  onBound?: (credentials: SyncCredentials) => void;
  onProgress?: (phase: string, done: number, total: number) => void;
  log?: (message: string, error?: unknown) => void;
  /** After each successful round: the local work a pull may leave owed (engine commands). */
  afterSync?: () => Promise<number>;
  /** Limits that turn a stalled network into a failed sync (defaults: 15 s, 120 s, 60 s). */
  timeouts?: Partial<SyncTimeouts>;
}

export interface SyncTimeouts {
  /** Opening a connection to the centre. */
  connectMs: number;
  /** Waiting for the answer to one statement (client side: covers a connection that went silent). */
  queryMs: number;
  /** The centre ends a session left idle inside a transaction (its branch went silent mid-push): its locks go. */
  idleInTransactionMs: number;
}

export const DEFAULT_SYNC_TIMEOUTS: SyncTimeouts = { connectMs: 15_000, queryMs: 120_000, idleInTransactionMs: 60_000 };

/**
 * Keeps a branch in sync in the background: a timer that retries with exponential backoff
 * whether or not new work arrives, a push soon after each local commit, and a pull when the
 * centre NOTIFYs a change. One sync runs at a time.
 */
export class SyncService {
  private central: CentralDatabase | null = null;
  private listener: pg.Client | null = null;
  private running: Promise<SyncOutcome> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private pokedWhileRunning = false;
  private behindStreak = 0;
  private timerPending = false;
  private stopped = true;
  /**
   * Server process ids of this service's own connections to the centre. A NOTIFY sent by one
   * of them is this install's own push, whose changes the pull of the same run takes (push,
   * then pull): it starts no second run, which only pulled its own rows back and was often
   * still busy when the next local commit came, making that one wait for it.
   */
  private readonly ownBackends = new Set<number>();
  online = false;

  constructor(private readonly options: SyncServiceOptions) {}

  credentials(): SyncCredentials | null {
    return this.options.store.read();
  }

  centralLabel(): string | null {
    const c = this.credentials();
    return c ? redactUrl(c.url) : null;
  }

  /** Registers this install with the centre, stores the credentials, starts syncing. */
  async register(adminUrl: string, code: string, name: string, again: boolean): Promise<SyncCredentials> {
    const admin = openPostgres(adminUrl, 1);
    try {
      const creds = await registerBranch({ admin, branch: this.options.branch, code, name, again });
      this.options.store.write(creds);
      this.options.onBound?.(creds);
      return creds;
    } finally {
      await admin.close();
    }
  }

  isRunning(): boolean {
    return this.running !== null;
  }

  private link(creds: SyncCredentials): CentralDatabase {
    if (!this.central || this.central.url !== creds.url) {
      void this.central?.close();
      this.central = openPostgres(creds.url, 2);
      // Without limits a connection that goes silent (a stalled link, a NAT that forgot it)
      // hangs the sync forever — and every later run shares the hung one — while the
      // centre keeps the half-done push's transaction and its lock on this client's row.
      const t = { ...DEFAULT_SYNC_TIMEOUTS, ...this.options.timeouts };
      Object.assign(this.central.pool.options, { connectionTimeoutMillis: t.connectMs, query_timeout: t.queryMs, idle_in_transaction_session_timeout: t.idleInTransactionMs, keepAlive: true });
      // A connection that breaks (network down, centre restarted) emits 'error' — through the
      // pool when idle, on the client itself while checked out between statements; unheard,
      // that event crashes the process. The statement in flight fails on its own.
      const lost = (e: Error) => this.options.log?.('connection to the centre lost', e);
      this.central.pool.on('error', lost);
      this.central.pool.on('connect', (client) => {
        client.on('error', lost);
        const pid = backendPid(client);
        if (pid) this.ownBackends.add(pid);
      });
      this.central.pool.on('remove', (client) => {
        const pid = backendPid(client);
        if (pid) this.ownBackends.delete(pid);
      });
    }
    return this.central;
  }

  /** After a failure the connections may be broken or stalled: the next run opens new ones. */
  private dropLink(): void {
    const central = this.central;
    this.central = null;
    this.ownBackends.clear();
    void central?.close().catch(() => undefined);
  }

  /** One push-then-pull round; concurrent callers share it. */
  runOnce(hooks: SyncHooks = {}): Promise<SyncOutcome> {
    if (this.running) return this.running;
    const creds = this.credentials();
    if (!creds) return Promise.reject(new Error('This install is not registered with a centre'));
    const run = (async () => {
      try {
        const round = () =>
          syncOnce(this.options.branch, this.link(creds), creds, this.options.appVersion, {
            ...hooks,
            onProgress: (phase, done, total) => {
              this.options.onProgress?.(phase, done, total);
              hooks.onProgress?.(phase, done, total);
            },
          });
        let outcome = await round();
        this.online = true;
        this.failures = 0;
        // What the pull left this branch to do (e.g. an 855 owed for an order released
        // elsewhere) is done now and pushed in a second round, so a sync ends with it sent.
        const owed = await this.options.afterSync?.().catch((e: unknown) => {
          this.options.log?.('follow-up after sync failed', e);
          return 0;
        });
        if (owed) {
          const again = await round();
          outcome = { ...again, pushed: outcome.pushed + again.pushed, quarantined: outcome.quarantined + again.quarantined, pulled: outcome.pulled + again.pulled };
        }
        this.behindStreak = outcome.behind ? this.behindStreak + 1 : 0;
        // Listening stopped when its connection broke: listen again now the centre answers.
        if (!this.stopped && !this.listener) void this.listen();
        return outcome;
      } catch (error) {
        this.online = !(error instanceof Error && /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|terminat|timeout/i.test(error.message));
        this.failures++;
        if (!(error instanceof SyncBlocked)) this.dropLink();
        const message = error instanceof Error ? error.message : String(error);
        await this.options.branch.db
          .updateTable('sync_state')
          .set(error instanceof SyncBlocked ? { blocked_reason: message, last_error: message } : { last_error: message })
          .execute()
          .catch(() => undefined);
        throw error;
      } finally {
        this.running = null;
        // Whatever started this run (the timer, a commit, the user), the next one is timed from its outcome.
        if (!this.stopped) this.schedule(this.nextDelay());
      }
    })();
    this.running = run;
    return run;
  }

  /**
   * When to sync next: backing off after failures; soon when a commit or a central change
   * came in while this run was busy (it may have read before it); soon, then less soon, while
   * the centre holds changes this pull could not take yet (a transaction still running
   * somewhere keeps the horizon below them); otherwise at the interval.
   */
  private nextDelay(): number {
    if (this.failures > 0) return Math.min(this.maxBackoffMs, this.intervalMs * 2 ** Math.min(this.failures, 8));
    if (this.pokedWhileRunning) {
      this.pokedWhileRunning = false;
      return 250;
    }
    if (this.behindStreak > 0) return behindDelay(this.behindStreak, this.intervalMs);
    return this.intervalMs;
  }

  private intervalMs = 15_000;

  private maxBackoffMs = 5 * 60_000;

  /** Starts background syncing: every `intervalMs` when healthy, backing off to `maxBackoffMs` on errors. */
  start(intervalMs = 15_000, maxBackoffMs = 5 * 60_000): void {
    this.intervalMs = intervalMs;
    this.maxBackoffMs = maxBackoffMs;
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
    void this.listen();
  }

  /**
   * A local commit or a central change: sync soon rather than at the next tick. During a
   * run, it is remembered (it was dropped: a NOTIFY arriving while a sync was already
   * reading waited for the next tick, 15 s).
   */
  poke(): void {
    if (this.stopped) return;
    if (this.running) this.pokedWhileRunning = true;
    else this.schedule(250);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerPending = true;
    this.timer = setTimeout(() => {
      this.timerPending = false;
      this.tick();
    }, delay);
  }

  private tick(): void {
    this.runOnce()
      .catch((e) => this.options.log?.('sync failed', e))
      // A run that never started (no credentials yet) schedules nothing itself.
      .finally(() => {
        if (!this.running && !this.timerPending) this.schedule(this.nextDelay());
      });
  }

  private async listen(): Promise<void> {
    const creds = this.credentials();
    if (!creds || this.listener) return;
    try {
      const client = new pg.Client({ connectionString: creds.url });
      await client.connect();
      client.on('notification', (n) => {
        if (!this.ownBackends.has(n.processId)) this.poke();
      });
      client.on('error', () => {
        this.listener = null;
      });
      await client.query('LISTEN branchline_changes');
      this.listener = client;
    } catch (e) {
      this.options.log?.('could not listen for central changes; polling only', e);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
    await this.central?.close();
    this.central = null;
  }
}

/** The server process of a pg connection (known once connected; pg does not type it). */
function backendPid(client: pg.ClientBase): number | null {
  return (client as pg.ClientBase & { processID?: number | null }).processID ?? null;
}

/**
 * While the centre holds committed changes a pull could not take (an older transaction
 * anywhere on the server keeps the horizon below them), pull again soon: a change waits only
 * as long as that transaction, not for an exponential back-off (250 ms, 0.5 s, then every
 * second — doubling to 8 s made the round trip's p95 8.6 s on a busy server). After a minute
 * behind (a long report at the centre), every 5 s.
 */
export function behindDelay(streak: number, intervalMs: number): number {
  if (streak > 60) return Math.min(intervalMs, 5_000);
  return Math.min(intervalMs, 250 * 2 ** Math.min(streak - 1, 2));
}
