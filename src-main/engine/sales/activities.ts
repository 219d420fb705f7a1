import type { z } from 'zod';
import type { Activity } from '../../../src-shared/contract/sales';
import type { Role } from '../../../src-shared/permissions';
import { newRowMeta, type CommandContext } from '../platform/context';
import type { Db, Tx } from '../platform/db';
import { notFound } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
import type { ActivityTable } from './schema';

export type ActivityKind = 'approval' | 'credit_hold' | 'stock_short' | 'pricing' | 'task';

/**
 * Opens a task in a role's inbox about a document, unless an open one of the same kind
 * already exists for it (a blocked order shows once, not once per attempt).
 */
export async function openActivity(
  ctx: CommandContext,
  a: { role: Role; kind: ActivityKind; title: string; body?: string | null; documentKind: string; documentId: string; documentNumber: string },
): Promise<void> {
  const open = await ctx.db.selectFrom('activity').select('id').where('document_id', '=', a.documentId).where('kind', '=', a.kind).where('state', '=', 'open').executeTakeFirst();
  if (open) {
    await ctx.db.updateTable('activity').set((eb) => ({ title: a.title, body: a.body ?? null, role: a.role, updated_at: ctx.now, version: eb('version', '+', 1) })).where('id', '=', open.id).execute();
    return;
  }
  await ctx.db
    .insertInto('activity')
    .values({
      ...newRowMeta(ctx),
      role: a.role,
      kind: a.kind,
      title: a.title,
      body: a.body ?? null,
      document_kind: a.documentKind,
      document_id: a.documentId,
      document_number: a.documentNumber,
      state: 'open',
      done_by: null,
      done_at: null,
      done_note: null,
    })
    .execute();
}

/** Closes the open tasks of some kinds about a document (the block they reported is gone). */
/** Closing one kind (every order state change does): compiled once. */
const closeOfKind = preparedQuery<{ documentId: string; kind: ActivityKind; by: string | null; now: string; note: string }, never>(['documentId', 'kind', 'by', 'now', 'note'], (db, p) =>
  db
    .updateTable('activity')
    .set((eb) => ({ state: 'done', done_by: p.by, done_at: p.now, done_note: p.note, updated_at: p.now, version: eb('version', '+', 1) }))
    .where('document_id', '=', p.documentId)
    .where('kind', '=', p.kind)
    .where('state', '=', 'open'),
);

export async function closeActivities(ctx: CommandContext, documentId: string, kinds: ActivityKind[], note: string): Promise<void> {
  if (kinds.length === 1) {
    await closeOfKind.execute(ctx.db, { documentId, kind: kinds[0]!, by: ctx.actor.username, now: ctx.now, note });
    return;
  }
  await ctx.db
    .updateTable('activity')
    .set((eb) => ({ state: 'done', done_by: ctx.actor.username, done_at: ctx.now, done_note: note, updated_at: ctx.now, version: eb('version', '+', 1) }))
    .where('document_id', '=', documentId)
    .where('kind', 'in', kinds)
    .where('state', '=', 'open')
    .execute();
}

export function toActivity(r: ActivityTable): z.infer<typeof Activity> {
  return {
    id: r.id,
    role: r.role as Role,
    kind: r.kind as ActivityKind,
    title: r.title,
    body: r.body,
    documentKind: r.document_kind,
    documentId: r.document_id,
    documentNumber: r.document_number,
    state: r.state,
    createdAt: r.created_at,
    doneBy: r.done_by,
    doneAt: r.done_at,
    doneNote: r.done_note,
  };
}

export async function loadActivity(db: Db | Tx, id: string) {
  const r = await db.selectFrom('activity').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('Task');
  return toActivity(r);
}
