/**
 * Replenishment housekeeping: dismissing proposals or whole runs, and the daily schedule the
 * host runs (`purchasing.replenish.runDue` on its timer; the engine itself keeps no timer).
 */
import type { z } from 'zod';
import type { ReplenishSchedule } from '../../../src-shared/contract/purchasing';
import { type CommandContext, newRowMeta } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { setState } from './orders';
import { runReplenishment } from './replenish';

/** The first time of day (HH:MM, UTC) strictly after `now`. */
export function nextOccurrence(timeOfDay: string, now: string): string {
  const [h, m] = timeOfDay.split(':').map(Number) as [number, number];
  const at = new Date(now);
  const candidate = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), h, m);
  return new Date(candidate > at.getTime() ? candidate : candidate + 86_400_000).toISOString();
}

/** Dismisses one proposal under review, or a run: its proposals under review are rejected and its draft orders cancelled. */
export async function dismissReplenishment(ctx: CommandContext, input: { runId?: string; proposalId?: string; reason: string }) {
  if (input.proposalId) {
    const p = await ctx.db.selectFrom('replenishment_proposal as r').innerJoin('product as p', 'p.id', 'r.product_id').select(['r.id', 'r.state', 'r.order_id', 'p.sku']).where('r.id', '=', input.proposalId).executeTakeFirst();
    if (!p) throw notFound('Proposal');
    if (p.state !== 'review') {
      const where = p.order_id ? (await ctx.db.selectFrom('purchase_order').select('number').where('id', '=', p.order_id).executeTakeFirst())?.number : null;
      throw new DomainError('BUSINESS_RULE', `The proposal for ${p.sku} is ${p.state}${where ? ` on ${where}` : ''}; only proposals under review can be dismissed${where ? ' (cancel or edit the order instead)' : ''}`);
    }
    await ctx.db.updateTable('replenishment_proposal').set((eb) => ({ state: 'rejected', dismiss_reason: input.reason, updated_at: ctx.now, version: eb('version', '+', 1) })).where('id', '=', p.id).execute();
    ctx.summarize(`Dismissed the replenishment proposal for ${p.sku}: ${input.reason}`);
    return { proposalsDismissed: 1, ordersCancelled: [] as string[] };
  }
  const run = await ctx.db.selectFrom('replenishment_run').select(['id', 'number', 'dismissed_at']).where('id', '=', input.runId!).executeTakeFirst();
  if (!run) throw notFound('Replenishment run');
  if (run.dismissed_at) throw new DomainError('BUSINESS_RULE', `${run.number} was already dismissed`);
  const drafts = await ctx.db.selectFrom('purchase_order').select(['id', 'number']).where('run_id', '=', run.id).where('state', '=', 'draft').orderBy('number').execute();
  for (const o of drafts) await setState(ctx, o.id, 'cancelled');
  const draftIds = drafts.map((o) => o.id);
  const dismissed = await ctx.db
    .updateTable('replenishment_proposal')
    .set((eb) => ({ state: 'rejected', dismiss_reason: input.reason, updated_at: ctx.now, version: eb('version', '+', 1) }))
    .where('run_id', '=', run.id)
    .where((eb) => (draftIds.length ? eb.or([eb('state', '=', 'review'), eb.and([eb('state', '=', 'ordered'), eb('order_id', 'in', draftIds)])]) : eb('state', '=', 'review')))
    .executeTakeFirst();
  await ctx.db.updateTable('replenishment_run').set((eb) => ({ dismissed_at: ctx.now, dismissed_by: ctx.actor.username ?? 'system', dismiss_reason: input.reason, updated_at: ctx.now, version: eb('version', '+', 1) })).where('id', '=', run.id).execute();
  const n = Number(dismissed.numUpdatedRows);
  ctx.summarize(`Dismissed ${run.number}: ${n} proposal(s), ${drafts.length} draft order(s) cancelled${drafts.length ? ` (${drafts.map((o) => o.number).join(', ')})` : ''}: ${input.reason}`);
  return { proposalsDismissed: n, ordersCancelled: drafts.map((o) => o.number) };
}

type Schedule = z.infer<typeof ReplenishSchedule>;

async function scheduleRows(db: Db | Tx, id?: string): Promise<Schedule[]> {
  let q = db
    .selectFrom('replenishment_schedule as s')
    .leftJoin('warehouse as w', 'w.id', 's.warehouse_id')
    .leftJoin('replenishment_run as r', 'r.id', 's.last_run_id')
    .select(['s.id', 's.warehouse_id', 'w.code', 's.time_of_day', 's.active', 's.next_run_at', 's.last_run_at', 'r.number', 's.last_result']);
  if (id) q = q.where('s.id', '=', id);
  const rows = await q.orderBy('w.code').orderBy('s.time_of_day').execute();
  return rows.map((r) => ({ id: r.id, warehouseId: r.warehouse_id, warehouseCode: r.code ?? null, timeOfDay: r.time_of_day, active: r.active === 1, nextRunAt: r.next_run_at, lastRunAt: r.last_run_at, lastRunNumber: r.number ?? null, lastResult: r.last_result }));
}
export const listSchedules = (db: Db | Tx) => scheduleRows(db);

/** One schedule per warehouse (or one for all warehouses): setting it again changes its time. */
export async function setSchedule(ctx: CommandContext, input: { warehouseId: string | null; timeOfDay: string; active: boolean }): Promise<Schedule> {
  let code = 'all warehouses';
  if (input.warehouseId) {
    const wh = await ctx.db.selectFrom('warehouse').select(['id', 'code', 'active']).where('id', '=', input.warehouseId).executeTakeFirst();
    if (!wh) throw new DomainError('VALIDATION', 'Warehouse: no such warehouse', { fields: [{ path: 'warehouseId', message: 'No such warehouse' }] });
    if (wh.active !== 1 && input.active) throw new DomainError('VALIDATION', `Warehouse ${wh.code} is archived: it cannot be replenished on a schedule`, { fields: [{ path: 'warehouseId', message: 'Archived' }] });
    code = wh.code;
  }
  let q = ctx.db.selectFrom('replenishment_schedule').select('id');
  q = input.warehouseId ? q.where('warehouse_id', '=', input.warehouseId) : q.where('warehouse_id', 'is', null);
  const existing = await q.executeTakeFirst();
  const values = { time_of_day: input.timeOfDay, active: input.active ? 1 : 0, next_run_at: nextOccurrence(input.timeOfDay, ctx.now), set_by: ctx.actor.username ?? null };
  const id = existing?.id ?? ctx.newId();
  if (existing) await ctx.db.updateTable('replenishment_schedule').set((eb) => ({ ...values, updated_at: ctx.now, version: eb('version', '+', 1) })).where('id', '=', id).execute();
  else await ctx.db.insertInto('replenishment_schedule').values({ ...newRowMeta(ctx, id), warehouse_id: input.warehouseId, ...values, last_run_at: null, last_run_id: null, last_result: null }).execute();
  ctx.summarize(input.active ? `Replenishment of ${code} scheduled daily at ${input.timeOfDay} UTC` : `Scheduled replenishment of ${code} switched off`);
  return (await scheduleRows(ctx.db, id))[0]!;
}

/**
 * Runs every active schedule whose time has come, once each (a host that was off for days
 * runs it once, then at the next time of day). The runs are real (draft orders, review queue).
 */
export async function runDueSchedules(ctx: CommandContext) {
  const due = await ctx.db.selectFrom('replenishment_schedule').select(['id', 'warehouse_id', 'time_of_day']).where('active', '=', 1).where('next_run_at', '<=', ctx.now).orderBy('next_run_at').execute();
  const ran = [];
  for (const s of due) {
    const r = await runReplenishment(ctx, { warehouseId: s.warehouse_id ?? undefined, dryRun: false });
    const result = `${r.proposals.length} proposal(s), ${r.ordersCreated.length} draft order(s), ${r.inReview} to review`;
    if (r.runId) await ctx.db.updateTable('replenishment_run').set({ schedule_id: s.id }).where('id', '=', r.runId).execute();
    await ctx.db
      .updateTable('replenishment_schedule')
      .set((eb) => ({ last_run_at: ctx.now, last_run_id: r.runId, last_result: result, next_run_at: nextOccurrence(s.time_of_day, ctx.now), updated_at: ctx.now, version: eb('version', '+', 1) }))
      .where('id', '=', s.id)
      .execute();
    ran.push({ scheduleId: s.id, number: r.number, proposals: r.proposals.length, ordersCreated: r.ordersCreated.length, inReview: r.inReview });
  }
  ctx.summarize(ran.length ? `Scheduled replenishment: ${ran.map((r) => `${r.number} (${r.proposals} proposal(s))`).join(', ')}` : 'Scheduled replenishment: nothing due');
  return { ran };
}

/** How many schedules are due, and when the next one is (for the host's timer). */
export async function dueSchedules(db: Db | Tx, now: string) {
  const row = await db
    .selectFrom('replenishment_schedule')
    .select((eb) => [eb.fn.sum<number>(eb.case().when('next_run_at', '<=', now).then(1).else(0).end()).as('due'), eb.fn.min<string>('next_run_at').as('next')])
    .where('active', '=', 1)
    .executeTakeFirst();
  return { due: Number(row?.due ?? 0), nextRunAt: row?.next ?? null };
}
