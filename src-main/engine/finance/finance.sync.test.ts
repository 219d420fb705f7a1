import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateAccountId, templateJournalId } from '../../../migrations/0011_finance';
import { errorOf } from '../testing/databases';
import { createSyncWorld, type SyncWorld, type TestBranch } from '../sync/testing';
import { periodBounds } from './close';

/**
 * Offline close across branches: a branch closes its month with no connection and then
 * refuses postings dated in it; its entries and its close replicate; the centre's company
 * close waits for the branch that has not synced since the month ended (and says which);
 * a posting that reaches the centre dated in the closed month is moved, with an exception.
 */
describe('finance across branches and the centre', () => {
  let world: SyncWorld;
  let b1: TestBranch;
  let b2: TestBranch;
  const MISC = templateJournalId('MISC');
  const now = new Date();
  const period = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
  const { to: periodEnd } = periodBounds(period);
  const firstOpen = new Date(Date.parse(`${periodEnd}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const entry = (memo: string, amount: number) => ({ journalId: MISC, date: `${period}-15`, memo, lines: [{ accountId: templateAccountId('1000'), debitMinor: amount }, { accountId: templateAccountId('4000'), creditMinor: amount }] });
  beforeAll(async () => {
    world = await createSyncWorld();
    b1 = await world.addBranch('B01');
    b2 = await world.addBranch('B02');
    await b1.sync();
    await b2.sync();
  }, 240_000);
  afterAll(async () => world?.dispose());

  it('a branch closes its month offline, refuses postings in it, and the close and entries replicate', async () => {
    const as = { userId: await b1.adminId() };
    await b1.engine.run('finance.entry.post', entry('B01 October sale', 500_00), as);
    // The demo posts its stock history's value when it is loaded (every month end): nothing is left to align.
    const opening = await b1.engine.run('finance.stock.alignOpening', { date: periodEnd }, as);
    expect(opening).toEqual({ entryId: null, differenceMinor: 0 });
    // Offline: no sync between the posting and the close.
    const locks = await b1.engine.run('finance.period.close', { period, lock: 'hard' }, as);
    expect(locks.branchHard).toBe(periodEnd);
    expect((await errorOf(b1.engine.run('finance.entry.post', entry('Too late', 1_00), as)))?.message).toMatch(new RegExp(`hard lock\\) up to ${periodEnd}`));
    await b1.sync();
    const central = world.admin.db;
    const lines = await central.selectFrom('journal_line').innerJoin('journal_entry as e', 'e.id', 'journal_line.entry_id').select(['e.memo', 'journal_line.debit_minor']).where('e.memo', '=', 'B01 October sale').execute();
    expect(lines).toHaveLength(2);
    const b1Id = (await b1.db.db.selectFrom('client_state').select('branch_id').executeTakeFirstOrThrow()).branch_id!;
    expect(await central.selectFrom('branch_lock').select('hard_lock_date').where('branch_id', '=', b1Id).executeTakeFirst()).toEqual({ hard_lock_date: periodEnd });
  });

  it('the company close waits for the branch that has not synced since the month ended, then closes', async () => {
    const central = { userId: world.adminUserId };
    const b2Id = (await b2.db.db.selectFrom('client_state').select('branch_id').executeTakeFirstOrThrow()).branch_id!;
    // B02 last reached the centre before the month ended (it has been offline since).
    await world.admin.db.updateTable('sync_client').set({ last_seen_at: `${period}-20T10:00:00.000Z` }).where('branch_id', '=', b2Id).execute();
    const status = await world.centralEngine.run('finance.close.status', { period }, central);
    expect(status.branches.filter((b) => b.behind).map((b) => b.code)).toEqual(['B02']);
    const refused = await errorOf(world.centralEngine.run('finance.company.close', { period }, central));
    expect(refused?.message).toMatch(/cannot close .* yet: B02 Branch B02 last synced .* it must sync after/);
    // A branch may not run the company close.
    expect((await b1.engine.call('finance.company.close', { period }, { userId: await b1.adminId() })).ok).toBe(false);

    // Meanwhile B02, offline, posted in the month; it syncs, and the centre may close.
    await b2.engine.run('finance.entry.post', entry('B02 offline sale', 300_00), { userId: await b2.adminId() });
    await b2.sync();
    expect((await world.centralEngine.run('finance.close.status', { period }, central)).branches.every((b) => !b.behind)).toBe(true);
    const locks = await world.centralEngine.run('finance.company.close', { period }, central);
    expect(locks.companySoft).toBe(periodEnd);
    const b2Entry = await world.admin.db.selectFrom('journal_entry').select(['date', 'moved_from_date']).where('memo', '=', 'B02 offline sale').executeTakeFirstOrThrow();
    expect(b2Entry).toEqual({ date: `${period}-15`, moved_from_date: null });
  });

  it('a posting reaching the centre dated in the closed month is moved to the first open date, with an audit record and an exception', async () => {
    // B02 has not pulled the company close yet: it still accepts a posting dated in the month.
    await b2.engine.run('finance.entry.post', entry('B02 late sale', 200_00), { userId: await b2.adminId() });
    await b2.sync();
    const moved = await world.admin.db.selectFrom('journal_entry').select(['id', 'date', 'moved_from_date']).where('memo', '=', 'B02 late sale').executeTakeFirstOrThrow();
    expect(moved).toMatchObject({ date: firstOpen, moved_from_date: `${period}-15` });
    const lineDates = await world.admin.db.selectFrom('journal_line').select('date').where('entry_id', '=', moved.id).execute();
    expect(lineDates.map((l) => l.date)).toEqual([firstOpen, firstOpen]);
    const x = await world.admin.db.selectFrom('sync_exception').select(['kind', 'status', 'message']).where('document_id', '=', moved.id).executeTakeFirstOrThrow();
    expect(x).toMatchObject({ kind: 'finance_locked_period', status: 'open' });
    const audit = await world.admin.db.selectFrom('audit_log').select('summary').where('method', '=', 'finance.entry.movedFromLockedPeriod').execute();
    expect(audit.map((a) => a.summary)).toEqual([expect.stringMatching(/B02 late sale.*moved to/)]);
    // The centre's books still balance.
    const tb = await world.centralEngine.run('finance.report.trialBalance', { to: '2099-12-31' }, { userId: world.adminUserId });
    expect(tb.debitMinor).toBe(tb.creditMinor);
  });

  it("a branch login cannot skip the move by setting the engine's session flag", async () => {
    // The flag tells the trigger the centre's own engine checked the lock already; a branch's
    // login that sets it for its session is still moved (migration 0022).
    const model = await world.admin.db.selectFrom('journal_entry').selectAll().where('memo', '=', 'B02 late sale').executeTakeFirstOrThrow();
    const lines = await world.admin.db.selectFrom('journal_line').selectAll().where('entry_id', '=', model.id).orderBy('line_no').execute();
    const id = crypto.randomUUID();
    await b2.link.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('branchline.finance_local', 'on', true)`.execute(tx);
      await tx.insertInto('journal_entry').values({ ...model, id, memo: 'B02 forged flag', date: `${period}-20`, moved_from_date: null }).execute();
      await tx.insertInto('journal_line').values(lines.map((l) => ({ ...l, id: crypto.randomUUID(), entry_id: id, date: `${period}-20` }))).execute();
    });
    const forged = await world.admin.db.selectFrom('journal_entry').select(['date', 'moved_from_date']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(forged).toEqual({ date: firstOpen, moved_from_date: `${period}-20` });
    const lineDates = await world.admin.db.selectFrom('journal_line').select('date').where('entry_id', '=', id).execute();
    expect(lineDates.map((l) => l.date)).toEqual([firstOpen, firstOpen]);
  });
});
