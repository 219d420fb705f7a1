import type { CommandContext } from '../platform/context';
import { preparedQuery } from '../platform/prepared';

/**
 * Lots are seen by every branch and unique per (branch, product, name) (migration 0029): two
 * branches that receive the same vendor lot offline each make their own row, and neither push
 * clashes. A branch that can already see a lot of that name uses it (its own first, else the
 * oldest), so stock of one vendor lot keeps one lot key wherever it can.
 */
const lotsByName = preparedQuery<{ productId: string; name: string; branchId: string }, { id: string; branch_id: string; expiry_date: string | null }>(['productId', 'name', 'branchId'], (db, p) =>
  db
    .selectFrom('lot')
    .select(['id', 'branch_id', 'expiry_date'])
    .where('product_id', '=', p.productId)
    .where('name', '=', p.name)
    .orderBy((eb) => eb.case().when('branch_id', '=', p.branchId).then(0).else(1).end())
    .orderBy('created_at')
    .orderBy('id')
    .limit(1),
);
const setLotExpiry = preparedQuery<{ id: string; expiry: string; now: string }, never>(['id', 'expiry', 'now'], (db, p) =>
  db.updateTable('lot').set({ expiry_date: p.expiry, updated_at: p.now }).where('id', '=', p.id),
);
const insertLot = preparedQuery<{ id: string; branchId: string; now: string; productId: string; name: string; expiry: string | null }, never>(['id', 'branchId', 'now', 'productId', 'name', 'expiry'], (db, p) =>
  db.insertInto('lot').values({ id: p.id, branch_id: p.branchId, created_at: p.now, updated_at: p.now, version: 1 as never, product_id: p.productId, name: p.name, expiry_date: p.expiry }),
);

/** The lot (or serial number) `name` of a product, made for this branch when there is none to use. */
export async function findOrCreateLot(ctx: Pick<CommandContext, 'db' | 'newId' | 'branchId' | 'now'>, productId: string, name: string, expiry: string | null): Promise<string> {
  const lot = await lotsByName.first(ctx.db, { productId, name, branchId: ctx.branchId });
  if (lot && lot.branch_id === ctx.branchId) {
    if (expiry && !lot.expiry_date) await setLotExpiry.execute(ctx.db, { id: lot.id, expiry, now: ctx.now });
    return lot.id;
  }
  // Another branch's lot is used as it is; only its own branch changes it. An expiry it lacks
  // goes on a lot of this branch instead, so what the clerk read off the goods is kept.
  if (lot && !(expiry && !lot.expiry_date)) return lot.id;
  const id = ctx.newId();
  await insertLot.execute(ctx.db, { id, branchId: ctx.branchId, now: ctx.now, productId, name, expiry });
  return id;
}
