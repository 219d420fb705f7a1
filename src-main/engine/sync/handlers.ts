import { defineHandlers } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import type { SyncExceptionTable } from '../platform/schema';
import { userCount } from '../auth/users';
import { ediAcknowledgementsOwed, ediOnConfirmed } from '../imports/outbound';
import { shipReleasedElsewhere } from '../sales/credit-release';

function toException(r: Pick<SyncExceptionTable, 'id' | 'kind' | 'message' | 'branch_id' | 'document_id' | 'created_at' | 'resolution'> & { status: string }) {
  return { id: r.id, kind: r.kind, status: r.status as 'open' | 'resolved', message: r.message, branchId: r.branch_id, documentId: r.document_id, createdAt: r.created_at, resolution: r.resolution };
}

async function countOpen(db: Db | Tx): Promise<number> {
  return Number((await db.selectFrom('sync_exception').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'open').executeTakeFirstOrThrow()).n);
}

export const syncHandlers = defineHandlers({
  'sync.status': async (ctx) => {
    const [client, state, outbox] = await Promise.all([
      ctx.db.selectFrom('client_state').select(['client_id', 'capture']).executeTakeFirstOrThrow(),
      ctx.dialect === 'sqlite' ? ctx.db.selectFrom('sync_state').selectAll().executeTakeFirst() : Promise.resolve(undefined),
      ctx.db.selectFrom('outbox').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('created_at').as('oldest')]).executeTakeFirstOrThrow(),
    ]);
    const sync = ctx.services.sync;
    const creds = sync?.credentials() ?? null;
    return {
      bound: client.capture === 1,
      branchCode: creds?.branchCode ?? null,
      clientId: client.client_id,
      central: sync?.centralLabel() ?? null,
      pending: client.capture === 1 ? Number(outbox.n) : 0,
      oldestPendingAt: client.capture === 1 ? ((outbox.oldest as string | null) ?? null) : null,
      lastSuccessAt: state?.last_success_at ?? null,
      lastPushAt: state?.last_push_at ?? null,
      lastPullAt: state?.last_pull_at ?? null,
      lastError: state?.last_error ?? null,
      blockedReason: state?.blocked_reason ?? null,
      snapshotDone: state?.snapshot_done === 1,
      running: sync?.isRunning() ?? false,
      online: sync?.online ?? false,
      openExceptions: await countOpen(ctx.db),
    };
  },

  'sync.run': async (ctx) => {
    const sync = ctx.services.sync;
    if (!sync?.credentials()) throw new DomainError('BUSINESS_RULE', 'This install is not registered with a centre: use `branchline branch register` first');
    try {
      const r = await sync.runOnce();
      return { pushed: r.pushed, quarantined: r.quarantined, pulled: r.pulled, pending: r.pending, message: r.pending === 0 ? 'Everything is pushed' : `${r.pending} change(s) still waiting` };
    } catch (error) {
      throw new DomainError('BUSINESS_RULE', `Sync failed: ${error instanceof Error ? error.message : String(error)}. Your work is safe in the outbox and will be sent later.`);
    }
  },

  'sync.register': async (ctx, input) => {
    const sync = ctx.services.sync;
    if (!sync) throw new DomainError('BUSINESS_RULE', 'Only a branch database (SQLite) registers with a centre');
    // A new install (no users yet) may register from its first-run screen; afterwards only an admin.
    if ((await userCount(ctx.db)) > 0 && !ctx.actor.permissions.has('system.admin')) {
      throw new DomainError(ctx.actor.userId ? 'FORBIDDEN' : 'UNAUTHENTICATED', 'Only an admin can register this install again');
    }
    try {
      const creds = await sync.register(input.centralUrl, input.code, input.name, input.again);
      sync.start();
      return { clientId: creds.clientId, branchCode: creds.branchCode };
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new DomainError('BUSINESS_RULE', `Registration failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  },

  'sync.followUp': async (ctx) => {
    // Releases first: shipping a released EDI order makes its 855 on the way.
    const shipped = await shipReleasedElsewhere(ctx);
    const owed = await ediAcknowledgementsOwed(ctx.db);
    for (const orderId of owed) await ediOnConfirmed(ctx, orderId);
    ctx.summarize(`After sync: ${shipped} order(s) released from credit hold on another install shipped here; 855 acknowledgements of ${owed.length} EDI order(s) released on another install`);
    return { acknowledged: owed.length + shipped };
  },

  'sync.exceptions.list': async (ctx, input) => {
    const base = ctx.db.selectFrom('sync_exception').$if(input.status !== 'all', (q) => q.where('status', '=', input.status as 'open'));
    const [rows, total] = await Promise.all([
      base.select(['id', 'kind', 'status', 'message', 'branch_id', 'document_id', 'created_at', 'resolution']).orderBy('created_at', 'desc').limit(input.limit).offset(input.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows.map(toException), total: Number(total.n), offset: input.offset };
  },

  'sync.exceptions.resolve': async (ctx, input) => {
    const row = await ctx.db.selectFrom('sync_exception').selectAll().where('id', '=', input.id).executeTakeFirst();
    if (!row) throw notFound('Exception');
    if (row.status === 'resolved') throw new DomainError('BUSINESS_RULE', 'This exception is already resolved');
    if (ctx.install.branchId && row.branch_id !== ctx.install.branchId && ctx.dialect === 'sqlite') {
      throw new DomainError('BUSINESS_RULE', 'This exception belongs to another branch; it resolves it there');
    }
    await ctx.db
      .updateTable('sync_exception')
      .set({ status: 'resolved', resolution: input.resolution, resolved_by: ctx.actor.userId, updated_at: ctx.now, version: row.version + 1 })
      .where('id', '=', input.id)
      .execute();
    ctx.summarize(`Resolved exception: ${row.message.slice(0, 120)}`);
    return toException({ ...row, status: 'resolved', resolution: input.resolution });
  },
});
