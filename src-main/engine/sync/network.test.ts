import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialStore, SyncCredentials } from './credentials';
import { type Fault, FaultProxy } from './fault-proxy';
import { SyncService } from './service';
import { branchWork, checkInvariants, clean, createSim, quiesce, recordOutbox, startCase, waitForHorizon, type Sim, type SimBranch } from './simulation';

/**
 * Network faults: branch S01 syncs through a loopback proxy (its credentials point at the
 * proxy's port) that closes, resets or stalls the connection in the middle of a push or a
 * pull. The sync must fail cleanly (an error within the time limits, nothing half-applied on
 * either side, the service not stuck), and a later sync must converge with nothing lost or
 * applied twice. Syncs go through SyncService, as the app and `branchline sync` run them.
 */
const TIMEOUTS = { connectMs: 3_000, queryMs: 3_000, idleInTransactionMs: 2_000 };

describe('network faults between a branch and the centre', () => {
  let sim: Sim;
  let proxy: FaultProxy;
  let service: SyncService;
  let a: SimBranch;
  let b: SimBranch;

  beforeAll(async () => {
    sim = await createSim({ branches: 2 });
    [a, b] = sim.branches as [SimBranch, SimBranch];
    const centre = new URL(sim.world.centralUrl);
    proxy = new FaultProxy({ host: centre.hostname, port: Number(centre.port || 5432) });
    await proxy.start();
    const url = new URL(a.t.creds.url);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const creds: SyncCredentials = { ...a.t.creds, url: url.toString() };
    const store: CredentialStore = { read: () => creds, write() {}, clear() {} };
    service = new SyncService({ branch: a.t.db, store, appVersion: '1.0.0', timeouts: TIMEOUTS });
  }, 180_000);
  afterAll(async () => {
    await service?.stop();
    await proxy?.close();
    if (sim) await sim.world.dispose();
  });

  const lastApplied = async () => (await sim.world.admin.pool.query(`SELECT last_mutation_id FROM sync_client WHERE client_id = $1`, [a.t.creds.clientId])).rows[0].last_mutation_id as number;
  const cursor = () => (a.t.db.sqlite.prepare('SELECT pull_cursor FROM sync_state').get() as { pull_cursor: string }).pull_cursor;
  const outbox = () => (a.t.db.sqlite.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;

  /** The other branch's rows (its moves: the rest is private to it) wait at the centre, visible to the next pull, and are many (> 40 KB). */
  async function pulledRowsAhead() {
    await waitForHorizon(sim);
    const r = (await sim.world.admin.pool.query(`SELECT count(*)::int AS n, sum(length(row_json::text))::int AS bytes FROM change_log WHERE txid >= $1::xid8 AND NOT private`, [cursor()])).rows[0] as { n: number; bytes: number };
    expect(r.bytes).toBeGreaterThan(60_000);
  }

  /** The fault fires, the sync fails within its limits, and the service is free again. */
  async function failsCleanly(fault: Fault | 'offline'): Promise<number> {
    recordOutbox(a);
    if (fault === 'offline') proxy.down();
    else proxy.arm(fault);
    const fired = proxy.fired.length;
    const t0 = Date.now();
    const failed = await service.runOnce().then(
      () => null,
      (e: Error) => e,
    );
    const ms = Date.now() - t0;
    proxy.arm(null);
    expect(failed, 'the sync should have failed').toBeInstanceOf(Error);
    expect(ms).toBeLessThan(4 * TIMEOUTS.queryMs + 2_000);
    expect(service.isRunning()).toBe(false);
    if (fault !== 'offline') expect(proxy.fired.length).toBe(fired + 1);
    return ms;
  }

  async function convergesAfter(scope: Awaited<ReturnType<typeof startCase>>, made: number, before: number, options: { heal?: boolean } = {}) {
    if (options.heal !== false) proxy.heal();
    recordOutbox(a);
    const r = await service.runOnce();
    expect(r.pending).toBe(0);
    expect(outbox()).toBe(0);
    expect(await lastApplied()).toBe(before + made);
    await quiesce(sim, [0, 1]);
    const report = await checkInvariants(sim, scope, { inventoryCheck: true });
    expect(clean(report), JSON.stringify(report, null, 2)).toBe(true);
  }

  it('connection closed while the push payload is half sent: nothing applied, the retry pushes it once', async () => {
    const scope = await startCase(sim);
    const made = await branchWork(sim, 0, scope, 120, 11);
    const before = await lastApplied();
    await failsCleanly({ kind: 'close', direction: 'up', afterBytes: 30_000 });
    expect(await lastApplied()).toBe(before);
    expect(outbox()).toBe(made);
    await convergesAfter(scope, made, before);
  });

  it('connection reset mid-push: nothing applied, the retry pushes it once', async () => {
    const scope = await startCase(sim);
    const made = await branchWork(sim, 0, scope, 120, 12);
    const before = await lastApplied();
    await failsCleanly({ kind: 'reset', direction: 'up', afterBytes: 40_000 });
    expect(await lastApplied()).toBe(before);
    await convergesAfter(scope, made, before);
  });

  it('connection lost right after COMMIT was sent (the branch cannot know it committed): the retry applies nothing twice', async () => {
    const scope = await startCase(sim);
    const made = await branchWork(sim, 0, scope, 60, 13);
    const before = await lastApplied();
    await failsCleanly({ kind: 'close', direction: 'up', afterText: 'commit', delayMs: 300 });
    // The centre did commit; the branch still holds the whole outbox (never acknowledged).
    expect(await lastApplied()).toBe(before + made);
    expect(outbox()).toBe(made);
    await convergesAfter(scope, made, before);
  });

  it('connection stalled inside the push transaction: the client gives up, the centre ends the idle session and frees the lock; a retry on the still-broken network succeeds', async () => {
    const scope = await startCase(sim);
    const made = await branchWork(sim, 0, scope, 60, 14);
    const before = await lastApplied();
    // The gate has run (this client's row is locked), the first rows are sent, then silence.
    await failsCleanly({ kind: 'stall', direction: 'up', afterText: 'insert into' });
    expect(await lastApplied()).toBe(before);
    // Not healed: the stalled connection stays open. The centre's idle-in-transaction limit
    // ends that session, so the retry (new connection) is not blocked on the lock forever.
    await convergesAfter(scope, made, before, { heal: false });
    proxy.heal();
  });

  it('connection reset while pulled rows stream in: the cursor stays, the retry pulls them', async () => {
    const scope = await startCase(sim);
    await branchWork(sim, 1, scope, 150, 15, ['receive', 'adjust']);
    recordOutbox(b);
    await b.t.sync();
    await pulledRowsAhead();
    const made = await branchWork(sim, 0, scope, 5, 16);
    const before = await lastApplied();
    const at = cursor();
    // Past the push's few small answers, into the pull's rows.
    await failsCleanly({ kind: 'reset', direction: 'down', afterBytes: 40_000 });
    expect(cursor()).toBe(at);
    await convergesAfter(scope, made, before);
  });

  it('connection stalled while pulled rows stream in: the client gives up; the retry pulls them', async () => {
    const scope = await startCase(sim);
    await branchWork(sim, 1, scope, 150, 17, ['receive', 'adjust']);
    recordOutbox(b);
    await b.t.sync();
    await pulledRowsAhead();
    const before = await lastApplied();
    const at = cursor();
    await failsCleanly({ kind: 'stall', direction: 'down', afterBytes: 40_000 });
    expect(cursor()).toBe(at);
    await convergesAfter(scope, 0, before);
  });

  it('network down (connections refused): fails fast, keeps working offline, converges when it is back', async () => {
    const scope = await startCase(sim);
    const made = await branchWork(sim, 0, scope, 30, 18);
    const before = await lastApplied();
    const ms = await failsCleanly('offline');
    expect(ms).toBeLessThan(TIMEOUTS.connectMs + 1_000);
    const more = await branchWork(sim, 0, scope, 10, 19);
    expect(outbox()).toBe(made + more);
    await convergesAfter(scope, made + more, before);
  });
});
