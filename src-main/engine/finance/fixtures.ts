import type { Db } from '../platform/db';
import { salesFixture } from '../sales/fixtures';
import type { TestEngine } from '../testing/databases';

/**
 * Tests' view of the books: the debit − credit balance of the accounts with a role (receivable,
 * bank, stock, grni, …), optionally of one partner's lines, straight from the journal.
 */
export async function roleBalance(db: Db, role: string, partnerId?: string): Promise<number> {
  const r = await db
    .selectFrom('journal_line as l')
    .innerJoin('account as a', 'a.id', 'l.account_id')
    .select((eb) => [eb.fn.sum<number>('l.debit_minor').as('d'), eb.fn.sum<number>('l.credit_minor').as('c')])
    .where('a.role', '=', role as never)
    .$if(partnerId !== undefined, (q) => q.where('l.partner_id', '=', partnerId!))
    .executeTakeFirst();
  return Number(r?.d ?? 0) - Number(r?.c ?? 0);
}

/** The finance tests' common start: the sales fixture, and a finance user and a clerk beside the admin. */
export async function financeUsers(t: TestEngine) {
  const as = { userId: t.adminId };
  const f = await salesFixture(t.engine, as);
  const finance = { userId: (await t.engine.run('users.create', { username: 'fiona', displayName: 'Fiona', password: 'finance-password', roles: ['finance'] }, as)).id };
  const clerk = { userId: (await t.engine.run('users.create', { username: 'carl', displayName: 'Carl', password: 'clerk-password', roles: ['clerk'] }, as)).id };
  return { as, f, finance, clerk };
}
