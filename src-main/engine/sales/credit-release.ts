import type { CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import { closeActivities } from './activities';
import { confirmOrder } from './confirm';

/**
 * Releasing a credit hold. An order is a branch's document: only its branch writes its delivery
 * flow (the centre may only change a document's status). So a release made on another install —
 * finance at the centre — records who released it and why, and the owning branch ships it when
 * it pulls the release (`sync.followUp`). A release at the owning branch ships at once.
 */
export async function releaseCreditHold(ctx: CommandContext, orderId: string, reason: string): Promise<'released' | 'deferred'> {
  const o = await ctx.db.selectFrom('sales_order').select(['id', 'number', 'state', 'branch_id', 'credit_released_by']).where('id', '=', orderId).executeTakeFirstOrThrow();
  if (o.state !== 'credit_hold') throw new DomainError('BUSINESS_RULE', `${o.number} is ${o.state.replace(/_/g, ' ')}, not on credit hold`);
  const who = ctx.actor.username ?? 'system';
  if (o.branch_id !== ctx.branchId) {
    if (o.credit_released_by) throw new DomainError('BUSINESS_RULE', `${o.number} was already released by ${o.credit_released_by}; its branch ships it after its next sync`);
    const branch = await ctx.db.selectFrom('branch').select('code').where('id', '=', o.branch_id).executeTakeFirst();
    await ctx.db
      .updateTable('sales_order')
      .set((eb) => ({ credit_released_by: who, credit_release_reason: reason, hold_reason: `Released by ${who}: ${reason} — branch ${branch?.code ?? o.branch_id} ships it after its next sync`, updated_at: ctx.now, version: eb('version', '+', 1) }))
      .where('id', '=', o.id)
      .execute();
    await closeActivities(ctx, o.id, ['credit_hold'], `Released by ${who}: ${reason}`);
    return 'deferred';
  }
  await ctx.db.updateTable('sales_order').set({ credit_released_by: who, credit_release_reason: reason, updated_at: ctx.now }).where('id', '=', o.id).execute();
  await confirmOrder(ctx, o.id, 'release');
  await closeActivities(ctx, o.id, ['credit_hold'], `Released by ${who}: ${reason}`);
  return 'released';
}

const releasedElsewhere = preparedQuery<{ branchId: string }, { id: string }>(['branchId'], (db, p) =>
  db.selectFrom('sales_order').select('id').where('branch_id', '=', p.branchId).where('state', '=', 'credit_hold').where('credit_released_by', 'is not', null).orderBy('created_at'),
);

/** This branch's orders released from credit hold on another install and not yet shipped here. */
export async function creditReleasesOwed(db: Db | Tx, branchId: string | null): Promise<string[]> {
  if (!branchId) return [];
  return (await releasedElsewhere.rows(db, { branchId })).map((r) => r.id);
}

/** Ships, at the owning branch, what another install released (the release's reason and author are already on the order). */
export async function shipReleasedElsewhere(ctx: CommandContext): Promise<number> {
  const owed = await creditReleasesOwed(ctx.db, ctx.branchId);
  for (const id of owed) await confirmOrder(ctx, id, 'release');
  return owed.length;
}
