import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateAccountId, templateJournalId } from '../../../migrations/0011_finance';
import { DomainError } from '../platform/errors';
import { salesFixture } from '../sales/fixtures';
import { createTestEngine, DIALECTS, type TestEngine } from '../testing/databases';
import { stockTieOut } from './close';

/**
 * Random sequences of operations — receipts, orders delivered and invoiced, payments (partial,
 * full, over), count differences, manual entries and reversals — must keep every entry
 * balanced, the trial balance at zero, the receivable account equal to the open invoices and
 * the stock accounts equal to the stock valuation.
 */
type Op =
  | { kind: 'receive'; product: number; qty: number; cost: number }
  | { kind: 'sell'; product: number; customer: number; qty: number; invoice: boolean }
  | { kind: 'pay'; customer: number; amount: number }
  | { kind: 'adjust'; product: number; delta: number }
  | { kind: 'manual'; amount: number; reverse: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('receive' as const), product: fc.nat(2), qty: fc.integer({ min: 1, max: 20 }), cost: fc.integer({ min: 1, max: 2000 }) }),
  fc.record({ kind: fc.constant('sell' as const), product: fc.nat(2), customer: fc.nat(1), qty: fc.integer({ min: 1, max: 5 }), invoice: fc.boolean() }),
  fc.record({ kind: fc.constant('pay' as const), customer: fc.nat(1), amount: fc.integer({ min: 1, max: 20_000 }) }),
  fc.record({ kind: fc.constant('adjust' as const), product: fc.nat(2), delta: fc.integer({ min: -3, max: 3 }).filter((d) => d !== 0) }),
  fc.record({ kind: fc.constant('manual' as const), amount: fc.integer({ min: 1, max: 100_000 }), reverse: fc.boolean() }),
);

describe.each(DIALECTS)('finance invariants on %s (property)', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let f: Awaited<ReturnType<typeof salesFixture>>;
  let products: { id: string }[];
  let customers: { id: string }[];

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    as = { userId: t.adminId };
    f = await salesFixture(t.engine, as);
    products = [await f.stocked(30, { cost: 400 }), await f.stocked(30, { cost: 250 }), await f.stocked(0)];
    customers = [await f.customer({ creditLimitMinor: null }), await f.customer({ creditLimitMinor: null, customerClass: 'key_account' })];
  }, 120_000);
  afterAll(async () => t.dispose());

  const tolerate = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      // Business refusals (not enough stock, nothing to invoice, …) are fine; nothing was written.
      if (!(e instanceof DomainError)) throw e;
    }
  };

  async function run(o: Op) {
    const e = t.engine;
    if (o.kind === 'receive') await f.receive(products[o.product]!.id, o.qty, o.cost);
    else if (o.kind === 'sell') {
      const order = await e.run('sales.order.create', { customerId: customers[o.customer]!.id, channelCode: o.customer ? 'portal' : 'rep', lines: [{ productId: products[o.product]!.id, quantity: o.qty }], confirm: true }, as);
      if (order.state !== 'confirmed') return;
      await f.ship(order.id);
      if (o.invoice) await tolerate(e.run('sales.invoice.create', { orderId: order.id }, as));
    } else if (o.kind === 'pay') await e.run('finance.payment.register', { partnerId: customers[o.customer]!.id, amountMinor: o.amount }, as);
    else if (o.kind === 'adjust') await tolerate(e.run('inventory.adjust', { productId: products[o.product]!.id, locationId: f.stock.id, delta: o.delta, reason: 'Property test count' }, as));
    else {
      const posted = await e.run('finance.entry.post', { journalId: templateJournalId('MISC'), date: new Date().toISOString().slice(0, 10), memo: 'Property', lines: [{ accountId: templateAccountId('6000'), debitMinor: o.amount }, { accountId: templateAccountId('1000'), creditMinor: o.amount }] }, as);
      if (o.reverse) await e.run('finance.entry.reverse', { id: posted.id, date: posted.date, reason: 'Property reversal' }, as);
    }
  }

  async function check() {
    const db = t.database.db;
    const unbalanced = await sql<{ n: number }>`SELECT count(*) AS n FROM (SELECT entry_id FROM journal_line GROUP BY entry_id HAVING sum(debit_minor) <> sum(credit_minor)) x`.execute(db);
    expect(Number(unbalanced.rows[0]!.n)).toBe(0);
    const tb = await t.engine.run('finance.report.trialBalance', { to: '2099-12-31' }, as);
    // The trigger-kept daily balances the reports read equal the lines themselves.
    const raw = await sql<{ account_id: string; d: number; c: number }>`SELECT account_id, sum(debit_minor) AS d, sum(credit_minor) AS c FROM journal_line GROUP BY account_id ORDER BY account_id`.execute(db);
    expect(tb.rows.map((r) => [r.accountId, r.debitMinor, r.creditMinor]).sort()).toEqual(raw.rows.map((r) => [r.account_id, Number(r.d), Number(r.c)]).sort());
    expect(tb.debitMinor).toBe(tb.creditMinor);
    const receivable = tb.rows.find((r) => r.code === '1100')?.balanceMinor ?? 0;
    const open = await db.selectFrom('invoice').select(['total_minor', 'paid_minor']).where('state', '=', 'open').execute();
    expect(receivable).toBe(open.reduce((s, r) => s + Number(r.total_minor) - Number(r.paid_minor), 0));
    const tie = await stockTieOut({ db, dialect, install: { branchId: null } }, '2099-12-31');
    expect(tie.difference).toBe(0);
    const valuation = await db.selectFrom('product_valuation').select((eb) => eb.fn.sum<number>('value_minor').as('v')).executeTakeFirst();
    expect(tie.accounts).toBe(Number(valuation?.v ?? 0));
  }

  it('keeps the books balanced and tied to invoices and stock', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), async (ops) => {
        for (const o of ops) await run(o);
        await check();
      }),
      { numRuns: dialect === 'sqlite' ? 25 : 12 },
    );
  }, 300_000);
});
