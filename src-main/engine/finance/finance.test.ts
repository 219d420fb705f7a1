import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateAccountId, templateJournalId } from '../../../migrations/0011_finance';
import { purchasingFixture } from '../purchasing/fixtures';
import { salesFixture } from '../sales/fixtures';
import { createTestEngine, DIALECTS, errorOf, type TestEngine } from '../testing/databases';
import { financeUsers } from './fixtures';
import { stockTieOut } from './close';

const ACC = (code: string) => templateAccountId(code);
const MISC = templateJournalId('MISC');

describe.each(DIALECTS)('finance on %s', (dialect) => {
  let t: TestEngine;
  let as: { userId: string };
  let finance: { userId: string };
  let clerk: { userId: string };
  let f: Awaited<ReturnType<typeof salesFixture>>;

  beforeAll(async () => {
    t = await createTestEngine(dialect);
    ({ as, f, finance, clerk } = await financeUsers(t));
  });
  afterAll(async () => t.dispose());

  const today = () => new Date().toISOString().slice(0, 10);
  const count = async (table: 'journal_entry' | 'journal_line') => Number((await t.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const tb = () => t.engine.run('finance.report.trialBalance', { to: '2099-12-31' }, finance);
  const balanceOf = async (code: string) => (await tb()).rows.find((r) => r.code === code)?.balanceMinor ?? 0;
  const openInvoices = async () => {
    const rows = await t.database.db.selectFrom('invoice').select(['total_minor', 'paid_minor']).where('state', '=', 'open').execute();
    return rows.reduce((s, r) => s + Number(r.total_minor) - Number(r.paid_minor), 0);
  };
  const invariants = async () => {
    const trial = await tb();
    expect(trial.debitMinor).toBe(trial.creditMinor);
    expect(await balanceOf('1100')).toBe(await openInvoices());
    const tie = await stockTieOut({ db: t.database.db, dialect, install: { branchId: null } }, '2099-12-31');
    expect(tie.difference).toBe(0);
  };

  it('starts from the template chart and journals; finance edits the chart', async () => {
    const accounts = await t.engine.run('finance.account.list', {}, finance);
    const roles = new Set(accounts.map((a) => a.role));
    for (const r of ['receivable', 'payable', 'bank', 'stock', 'grni', 'cogs', 'price_difference', 'inventory_loss', 'tax_out', 'tax_in', 'retained_earnings', 'revenue']) expect(roles).toContain(r);
    const journals = await t.engine.run('finance.journal.list', {}, finance);
    expect(journals.map((j) => j.kind).sort()).toEqual(['bank', 'cash', 'misc', 'purchase', 'sales', 'stock']);
    const acc = await t.engine.run('finance.account.create', { code: '6200', name: 'Rent', type: 'expense' }, finance);
    expect(acc).toMatchObject({ code: '6200', active: true });
    expect((await errorOf(t.engine.run('finance.account.create', { code: '6200', name: 'Again', type: 'expense' }, finance)))?.code).toBe('CONFLICT');
    expect((await errorOf(t.engine.run('finance.account.create', { code: '62x', name: 'Bad', type: 'expense' }, finance)))?.code).toBe('VALIDATION');
    expect((await errorOf(t.engine.run('finance.account.create', { code: '6300', name: 'Clerk', type: 'expense' }, clerk)))?.code).toBe('FORBIDDEN');
    const renamed = await t.engine.run('finance.account.update', { id: acc.id, name: 'Rent and rates' }, finance);
    expect(renamed.name).toBe('Rent and rates');
    // The type may change while nothing is posted to the account; a posted account keeps its type.
    expect((await t.engine.run('finance.account.update', { id: acc.id, type: 'asset' }, finance)).type).toBe('asset');
    await t.engine.run('finance.account.update', { id: acc.id, type: 'expense' }, finance);
    await t.engine.run('finance.entry.post', { journalId: MISC, date: today(), memo: 'Rent', lines: [{ accountId: acc.id, debitMinor: 100 }, { accountId: ACC('1000'), creditMinor: 100 }] }, finance);
    const typeChange = await errorOf(t.engine.run('finance.account.update', { id: acc.id, type: 'asset' }, finance));
    expect(typeChange?.message).toMatch(/6200 Rent and rates has postings: its type \(expense\) cannot change to asset/);
    expect((await t.engine.run('finance.account.list', {}, finance)).find((a) => a.id === acc.id)?.type).toBe('expense');
  });

  it('refuses an unbalanced or one-sided manual entry with nothing written; posts a balanced one; corrects by reversal', async () => {
    const before = await count('journal_line');
    const unbalanced = await errorOf(
      t.engine.run('finance.entry.post', { journalId: MISC, date: today(), memo: 'Rent', lines: [{ accountId: ACC('6000'), debitMinor: 100_00 }, { accountId: ACC('1000'), creditMinor: 99_00 }] }, finance),
    );
    expect(unbalanced?.message).toMatch(/not balanced: debits 100\.00, credits 99\.00 \(difference 1\.00\)/);
    const both = await errorOf(t.engine.run('finance.entry.post', { journalId: MISC, date: today(), memo: 'Both', lines: [{ accountId: ACC('6000'), debitMinor: 5, creditMinor: 5 }, { accountId: ACC('1000'), creditMinor: 0 }] }, finance));
    expect(both?.message).toMatch(/debit or a credit, not both/);
    const float = await errorOf(t.engine.run('finance.entry.post', { journalId: MISC, date: today(), memo: 'Float', lines: [{ accountId: ACC('6000'), debitMinor: 1.5 }, { accountId: ACC('1000'), creditMinor: 1.5 }] }, finance));
    expect(float?.code).toBe('VALIDATION');
    expect(await count('journal_line')).toBe(before);

    const e = await t.engine.run('finance.entry.post', { journalId: MISC, date: today(), memo: 'Office rent', lines: [{ accountId: ACC('6000'), debitMinor: 1200_00, label: 'November' }, { accountId: ACC('1000'), creditMinor: 1200_00 }] }, finance);
    expect(e).toMatchObject({ memo: 'Office rent', totalMinor: 1200_00, sourceKind: 'manual', reversedById: null });
    expect(e.lines.map((l) => [l.accountCode, l.debitMinor, l.creditMinor])).toEqual([['6000', 1200_00, 0], ['1000', 0, 1200_00]]);
    const r = await t.engine.run('finance.entry.reverse', { id: e.id, date: today(), reason: 'Wrong month' }, finance);
    expect(r.lines.map((l) => [l.accountCode, l.debitMinor, l.creditMinor])).toEqual([['6000', 0, 1200_00], ['1000', 1200_00, 0]]);
    expect((await t.engine.run('finance.entry.get', { id: e.id }, finance)).reversedById).toBe(r.id);
    expect((await errorOf(t.engine.run('finance.entry.reverse', { id: e.id, date: today(), reason: 'Twice' }, finance)))?.message).toMatch(/already been reversed/);
    await invariants();
  });

  it('the database itself refuses unbalanced entries and any change to posted ones', async () => {
    const db = t.database.db;
    const e = (await t.engine.run('finance.entry.list', { limit: 1 }, finance)).rows[0]!;
    await expect(db.updateTable('journal_line').set({ debit_minor: 1 }).where('entry_id', '=', e.id).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('journal_entry').where('id', '=', e.id).execute()).rejects.toThrow(/append-only/);
    // A hand-written unbalanced entry: refused at insert (SQLite) or at commit (PostgreSQL's deferred trigger).
    const id = '01900000-0000-7000-8000-900000000001';
    const branchId = (await db.selectFrom('client_state').select('branch_id').executeTakeFirstOrThrow()).branch_id!;
    const meta = { branch_id: branchId, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', version: 1 };
    const line = (n: number, debit: number, credit: number) => ({ ...meta, id: `01900000-0000-7000-8000-90000000001${n}`, entry_id: id, line_no: n, date: '2026-11-01', account_id: ACC('1000'), debit_minor: debit, credit_minor: credit });
    let before = await count('journal_line');
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('journal_line').values([line(1, 500, 0), line(2, 0, 400)]).execute();
        await trx.insertInto('journal_entry').values({ ...meta, id, journal_id: MISC, date: '2026-11-01', memo: 'hack', source_kind: 'manual' }).execute();
      }),
    ).rejects.toThrow(/not balanced/);
    // Lines without an entry: PostgreSQL refuses them at commit (deferred foreign key); SQLite
    // (whose first sync commits line pages before entry pages) flags them in the close checklist.
    const orphans = db.transaction().execute(async (trx) => void (await trx.insertInto('journal_line').values([line(1, 500, 0), line(2, 0, 500)]).execute()));
    if (dialect === 'postgres') await expect(orphans).rejects.toThrow(/foreign key/);
    else {
      await orphans;
      const item = (await t.engine.run('finance.close.checklist', { period: '2026-11' }, finance)).items.find((i) => i.key === 'ledger_integrity')!;
      expect(item).toMatchObject({ ok: false, blockingCount: 2 });
      expect((await t.engine.run('finance.close.checklist', { period: '2026-10' }, finance)).items.find((i) => i.key === 'ledger_integrity')!.ok).toBe(true);
    }
    before = await count('journal_line');
    // Nor can a line be added to a posted entry.
    await expect(db.transaction().execute(async (trx) => void (await trx.insertInto('journal_line').values({ ...line(3, 1, 0), entry_id: e.id, line_no: 99 }).execute()))).rejects.toThrow(/posted|not balanced/);
    expect(await count('journal_line')).toBe(before);
    // A line that is both a debit and a credit is refused by a check constraint.
    await expect(db.insertInto('journal_line').values({ ...line(4, 1, 1) }).execute()).rejects.toThrow();
  });

  it('posts receipts, deliveries, invoices and adjustments automatically, with channel and class on the lines', async () => {
    const p = await f.stocked(10, { cost: 400 });
    expect(await balanceOf('1200')).toBeGreaterThanOrEqual(4000);
    const grni = await balanceOf('2100');
    const c = await f.customer({ customerClass: 'key_account', creditLimitMinor: null });
    const order = await t.engine.run('sales.order.create', { customerId: c.id, channelCode: 'portal', lines: [{ productId: p.id, quantity: 3 }], confirm: true }, as);
    expect(order.state).toBe('confirmed');
    await f.ship(order.id);
    const inv = await t.engine.run('sales.invoice.create', { orderId: order.id }, as);
    const sales = (await t.engine.run('finance.entry.list', { sourceKind: 'invoice', query: inv.number, limit: 5 }, finance)).rows;
    expect(sales).toHaveLength(1);
    const entry = await t.engine.run('finance.entry.get', { id: sales[0]!.id }, finance);
    expect(entry.sourceId).toBe(inv.id);
    const byAccount = Object.fromEntries(entry.lines.map((l) => [l.accountCode, l.debitMinor - l.creditMinor]));
    expect(byAccount).toEqual({ '1100': inv.totalMinor, '4000': -inv.untaxedMinor, ...(inv.taxMinor ? { '2200': -inv.taxMinor } : {}) });
    expect(entry.lines.find((l) => l.accountCode === '4000')).toMatchObject({ channelCode: 'portal', customerClass: 'key_account', partnerId: c.id });
    // Delivery: COGS at average cost, tagged with the channel; one line per account (the
    // product's detail is the stock ledger's).
    const delivery = (await t.engine.run('inventory.transfer.list', { query: order.number, limit: 10 }, as)).rows.find((r) => r.kind === 'delivery')!;
    const stockEntries = (await t.engine.run('finance.entry.list', { sourceKind: 'stock', query: delivery.number, limit: 5 }, finance)).rows;
    expect(stockEntries).toHaveLength(1);
    const cogs = (await t.engine.run('finance.entry.get', { id: stockEntries[0]!.id }, finance)).lines;
    expect(cogs.map((l) => [l.accountCode, l.debitMinor, l.creditMinor, l.channelCode, l.customerClass, l.productId])).toEqual([
      ['1200', 0, 1200, null, null, null],
      ['5000', 1200, 0, 'portal', 'key_account', null],
    ]);
    expect(await balanceOf('2100')).toBe(grni);
    // A count difference: found stock (Dr stock / Cr inventory loss), lost stock the reverse.
    const lossBefore = await balanceOf('5200');
    await t.engine.run('inventory.adjust', { productId: p.id, locationId: f.stock.id, delta: -2, reason: 'Broken in the aisle' }, as);
    expect(await balanceOf('5200')).toBe(lossBefore + 800);
    const margin = await t.engine.run('finance.report.channelMargin', { from: today(), to: today() }, finance);
    expect(margin.find((m) => m.key === 'portal')).toMatchObject({ revenueMinor: inv.untaxedMinor, cogsMinor: 1200, marginMinor: inv.untaxedMinor - 1200 });
    await invariants();
  });

  it('posts an order paid when placed from what release wrote: the same entry as read back (channel, class, warehouse, payment)', async () => {
    const p = await f.stocked(5, { cost: 300 });
    const c = await f.customer({ customerClass: 'consumer', creditLimitMinor: null });
    const order = await t.engine.run('sales.order.create', { customerId: c.id, channelCode: 'ecommerce', paymentCaptured: true, lines: [{ productId: p.id, quantity: 2 }], confirm: true }, as);
    expect(order.warehouseId).not.toBeNull();
    const invoices = (await t.engine.run('finance.entry.list', { sourceKind: 'invoice', query: order.number, limit: 5 }, finance)).rows;
    const entries = invoices.length ? invoices : (await t.engine.run('finance.entry.list', { sourceKind: 'invoice', limit: 50 }, finance)).rows;
    const full = await Promise.all(entries.map((e) => t.engine.run('finance.entry.get', { id: e.id }, finance)));
    const entry = full.find((e) => e.lines.some((l) => l.partnerId === c.id && l.accountCode === '1100'))!;
    expect(entry).toBeDefined();
    for (const l of entry.lines) expect(l).toMatchObject({ partnerId: c.id, channelCode: 'ecommerce', customerClass: 'consumer', warehouseId: order.warehouseId });
    expect(entry.lines.find((l) => l.accountCode === '4000')).toMatchObject({ productId: p.id });
    const debit = entry.lines.reduce((sum, l) => sum + l.debitMinor, 0);
    expect(debit).toBe(entry.lines.reduce((sum, l) => sum + l.creditMinor, 0));
    const payments = (await t.engine.run('finance.entry.list', { sourceKind: 'payment', limit: 50 }, finance)).rows;
    const paid = await Promise.all(payments.map((e) => t.engine.run('finance.entry.get', { id: e.id }, finance)));
    expect(paid.filter((e) => e.lines.some((l) => l.partnerId === c.id))).toHaveLength(1);
    await invariants();
  });

  it('posts vendor bills once ready to pay: GRNI cleared, price difference, payable; pays the vendor', async () => {
    const pf = await purchasingFixture(t.engine, as, { code: 'WHP' });
    const v = await pf.vendor();
    const a = await pf.bought(v.id, 1000);
    const po = await pf.sentOrder({ vendorId: v.id, warehouseId: pf.wh.id, lines: [{ productId: a.id, quantity: 10 }] });
    const grniBefore = await balanceOf('2100');
    await t.engine.run('purchasing.po.receive', { id: po.id, lines: po.lines.map((l) => ({ lineId: l.id, quantity: l.quantity })) }, as);
    expect(await balanceOf('2100')).toBe(grniBefore - 10_000);
    const bill = await t.engine.run('purchasing.bill.create', { orderId: po.id, vendorReference: `FIN-${dialect}`, billDate: today(), lines: [{ orderLineId: po.lines[0]!.id, quantity: 10, unitPriceMinor: 1002 }] }, as);
    expect(bill.state).toBe('ready_to_pay');
    const [posted] = (await t.engine.run('finance.entry.list', { sourceKind: 'bill', query: bill.number }, finance)).rows;
    const e = await t.engine.run('finance.entry.get', { id: posted!.id }, finance);
    expect(Object.fromEntries(e.lines.map((l) => [l.accountCode, l.debitMinor - l.creditMinor]))).toEqual({ '2100': 10_000, '5100': 20, '2000': -10_020 });
    expect(await balanceOf('2100')).toBe(grniBefore);
    const pay = await t.engine.run('finance.payment.register', { partnerId: v.id, direction: 'out', amountMinor: 10_020, reference: bill.number }, finance);
    expect(pay.direction).toBe('out');
    await invariants();
  });

  it('registers payments: partial, full, over-payment as credit; refuses more than an invoice is owed', async () => {
    const p = await f.stocked(20);
    const c = await f.customer({ creditLimitMinor: null });
    const order = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p.id, quantity: 4 }], confirm: true }, as);
    await f.ship(order.id);
    const inv = await t.engine.run('sales.invoice.create', { orderId: order.id }, as);
    const tooMuch = await errorOf(t.engine.run('finance.payment.register', { partnerId: c.id, amountMinor: inv.totalMinor + 1, allocations: [{ invoiceId: inv.id, amountMinor: inv.totalMinor + 1 }] }, finance));
    expect(tooMuch?.message).toMatch(/more than allowed/);
    const partial = await t.engine.run('finance.payment.register', { partnerId: c.id, amountMinor: 1000, allocations: [{ invoiceId: inv.id, amountMinor: 1000 }] }, finance);
    expect(partial).toMatchObject({ allocatedMinor: 1000, unallocatedMinor: 0 });
    expect((await t.engine.run('sales.invoice.get', { id: inv.id }, as)).openMinor).toBe(inv.totalMinor - 1000);
    await invariants();
    // Over-payment: the rest of the invoice is settled (oldest first), the remainder is the customer's credit.
    const over = await t.engine.run('finance.payment.register', { partnerId: c.id, amountMinor: inv.totalMinor }, finance);
    expect(over).toMatchObject({ allocatedMinor: inv.totalMinor - 1000, unallocatedMinor: 1000 });
    expect((await t.engine.run('sales.invoice.get', { id: inv.id }, as)).state).toBe('paid');
    const aging = await t.engine.run('finance.report.aging', {}, finance);
    expect(aging.rows.find((r) => r.partnerId === c.id)).toMatchObject({ creditMinor: -1000, totalMinor: -1000 });
    await invariants();
    // The credit settles the next invoice.
    const order2 = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p.id, quantity: 1 }], confirm: true }, as);
    await f.ship(order2.id);
    const inv2 = await t.engine.run('sales.invoice.create', { orderId: order2.id }, as);
    expect((await errorOf(t.engine.run('finance.payment.allocate', { paymentId: over.id, invoiceId: inv2.id, amountMinor: 1001 }, finance)))?.message).toMatch(/1 0\.00|10\.00 unallocated/);
    const used = await t.engine.run('finance.payment.allocate', { paymentId: over.id, invoiceId: inv2.id, amountMinor: 1000 }, finance);
    expect(used.unallocatedMinor).toBe(0);
    expect((await t.engine.run('sales.invoice.get', { id: inv2.id }, as)).openMinor).toBe(inv2.totalMinor - 1000);
    await invariants();
  });

  it('imports CSV and CAMT.053 statements, matches by reference, refuses bad files', async () => {
    const p = await f.stocked(10);
    const c = await f.customer({ name: `Acme Trading ${dialect}`, creditLimitMinor: null });
    const order = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p.id, quantity: 2 }], confirm: true }, as);
    await f.ship(order.id);
    const inv = await t.engine.run('sales.invoice.create', { orderId: order.id }, as);
    const amount = (inv.totalMinor / 100).toFixed(2);
    const csv = `date,amount,reference,name\n${today()},${amount},Payment ${inv.number},Acme Trading ${dialect}\n${today()},-12.50,FEE-1,Bank\n`;
    const imported = await t.engine.run('finance.bank.import', { fileName: 'nov.csv', format: 'csv', content: csv }, finance);
    expect(imported).toMatchObject({ lines: 2, autoMatched: 1 });
    expect((await t.engine.run('sales.invoice.get', { id: inv.id }, as)).state).toBe('paid');
    expect((await errorOf(t.engine.run('finance.bank.import', { fileName: 'nov.csv', format: 'csv', content: csv }, finance)))?.message).toMatch(/already imported/);
    expect((await errorOf(t.engine.run('finance.bank.import', { fileName: 'x.csv', format: 'csv', content: 'when,how much\n1,2\n' }, finance)))?.message).toMatch(/not a bank statement CSV/);
    expect((await errorOf(t.engine.run('finance.bank.import', { fileName: 'x.csv', format: 'csv', content: 'date,amount\n2026-11-31,5\n' }, finance)))?.message).toMatch(/Line 2: "2026-11-31" is not a date/);
    const open = await t.engine.run('finance.bank.lines', { statementId: imported.statementId }, finance);
    expect(open.rows).toHaveLength(1);
    const fee = await t.engine.run('finance.bank.match', { lineId: open.rows[0]!.id, ignore: true }, finance);
    expect(fee.state).toBe('ignored');

    // CAMT.053: a second invoice paid by a transfer naming it; balances must add up, the IBAN must be valid.
    const order2 = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p.id, quantity: 1 }], confirm: true }, as);
    await f.ship(order2.id);
    const inv2 = await t.engine.run('sales.invoice.create', { orderId: order2.id }, as);
    const camt = (iban: string, closing: number) => `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr><Stmt><Id>S1</Id>
<Acct><Id><IBAN>${iban}</IBAN></Id></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="USD">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>${today()}</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="USD">${(closing / 100).toFixed(2)}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>${today()}</Dt></Dt></Bal>
<Ntry><Amt Ccy="USD">${(inv2.totalMinor / 100).toFixed(2)}</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>${today()}</Dt></BookgDt>
<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Acme Trading ${dialect}</Nm></Dbtr></RltdPties><RmtInf><Ustrd>Invoice ${inv2.number}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>`;
    expect((await errorOf(t.engine.run('finance.bank.import', { fileName: 'bad.xml', format: 'camt053', content: camt('DE89370400440532013001', 10000 + inv2.totalMinor) }, finance)))?.message).toMatch(/IBAN DE89370400440532013001 fails its checksum/);
    expect((await errorOf(t.engine.run('finance.bank.import', { fileName: 'bad.xml', format: 'camt053', content: camt('DE89370400440532013000', 10000 + inv2.totalMinor + 1) }, finance)))?.message).toMatch(/balances do not add up/);
    expect((await errorOf(t.engine.run('finance.bank.import', { fileName: 'bad.xml', format: 'camt053', content: '<html><body>hi</body></html>' }, finance)))?.message).toMatch(/not a CAMT\.053/);
    const ok = await t.engine.run('finance.bank.import', { fileName: 'camt.xml', format: 'camt053', content: camt('DE89370400440532013000', 10000 + inv2.totalMinor) }, finance);
    expect(ok).toMatchObject({ lines: 1, autoMatched: 1 });
    expect((await t.engine.run('sales.invoice.get', { id: inv2.id }, as)).state).toBe('paid');
    await invariants();
  });

  it('manual matching: suggestions by amount and partner, then match', async () => {
    const p = await f.stocked(10);
    const c = await f.customer({ name: `Zenith Supplies ${dialect}`, creditLimitMinor: null });
    const order = await t.engine.run('sales.order.create', { customerId: c.id, lines: [{ productId: p.id, quantity: 3 }], confirm: true }, as);
    await f.ship(order.id);
    const inv = await t.engine.run('sales.invoice.create', { orderId: order.id }, as);
    const csv = `date;amount;description;name\n${today()};${(inv.totalMinor / 100).toFixed(2).replace('.', ',')};thanks;Zenith Supplies ${dialect}\n`;
    const imp = await t.engine.run('finance.bank.import', { fileName: 'z.csv', format: 'csv', content: csv }, finance);
    expect(imp.autoMatched).toBe(1); // amount + partner name is a sure match
    expect((await t.engine.run('sales.invoice.get', { id: inv.id }, as)).state).toBe('paid');
    const csv2 = `date,amount,description\n${today()},7.77,unknown payer\n`;
    const imp2 = await t.engine.run('finance.bank.import', { fileName: 'z2.csv', format: 'csv', content: csv2 }, finance);
    expect(imp2.autoMatched).toBe(0);
    const line = (await t.engine.run('finance.bank.lines', { statementId: imp2.statementId }, finance)).rows[0]!;
    const m = await t.engine.run('finance.bank.match', { lineId: line.id, partnerId: c.id }, finance);
    expect(m.state).toBe('matched');
    const pay = await t.engine.run('finance.payment.list', { partnerId: c.id }, finance);
    expect(pay.rows[0]).toMatchObject({ amountMinor: 777, unallocatedMinor: 777 });
    await invariants();
  });

  it('closes a month: checklist with blocking documents, soft and hard locks, year-end', async () => {
    // Year-end first (a hard lock below makes 2025 unpostable): 2025's result moves to retained earnings.
    await t.engine.run('finance.entry.post', { journalId: MISC, date: '2025-06-30', memo: 'Old sale', lines: [{ accountId: ACC('1000'), debitMinor: 900_00 }, { accountId: ACC('4000'), creditMinor: 900_00 }] }, finance);
    await t.engine.run('finance.entry.post', { journalId: MISC, date: '2025-06-30', memo: 'Old rent', lines: [{ accountId: ACC('6000'), debitMinor: 300_00 }, { accountId: ACC('1000'), creditMinor: 300_00 }] }, finance);
    const ye = await t.engine.run('finance.year.close', { year: 2025 }, finance);
    expect(ye.lines.find((l) => l.accountCode === '3100')).toMatchObject({ creditMinor: 600_00 });
    const pl = await t.engine.run('finance.report.profitLoss', { from: '2025-01-01', to: '2025-12-31' }, finance);
    expect(pl.resultMinor).toBe(0);
    expect((await errorOf(t.engine.run('finance.year.close', { year: 2025 }, finance)))?.message).toMatch(/already closed/);
    const period = '2026-01';
    const draft = await t.engine.run('finance.draft.save', { journalId: MISC, date: '2026-01-20', memo: 'Accrual', lines: [{ accountId: ACC('6000'), debitMinor: 500_00 }, { accountId: ACC('2000'), creditMinor: 500_00 }] }, finance);
    await t.engine.run('finance.bank.import', { fileName: 'jan.csv', format: 'csv', content: 'date,amount,reference\n2026-01-15,42.00,UNKNOWN\n' }, finance);
    const list = await t.engine.run('finance.close.checklist', { period }, finance);
    const item = (k: string) => list.items.find((i) => i.key === k)!;
    expect(list.ready).toBe(false);
    expect(item('no_drafts')).toMatchObject({ ok: false, blocking: [expect.objectContaining({ kind: 'journal_draft', id: draft.id })] });
    expect(item('bank_reconciled')).toMatchObject({ ok: false, blockingCount: 1 });
    expect(item('stock_valuation').ok).toBe(true);
    const refused = await errorOf(t.engine.run('finance.period.close', { period }, finance));
    expect(refused?.message).toMatch(/cannot be closed yet: bank accounts reconciled to the statement; no draft entries/);
    expect((await errorOf(t.engine.run('finance.period.close', { period }, clerk)))?.code).toBe('FORBIDDEN');
    await t.engine.run('finance.draft.post', { id: draft.id }, finance);
    const jan = (await t.engine.run('finance.bank.lines', { state: 'open', limit: 500 }, finance)).rows.find((r) => r.date === '2026-01-15')!;
    await t.engine.run('finance.bank.match', { lineId: jan.id, ignore: true }, finance);
    expect((await t.engine.run('finance.close.checklist', { period }, finance)).ready).toBe(true);
    const soft = await t.engine.run('finance.period.close', { period, lock: 'soft' }, finance);
    expect(soft.branchSoft).toBe('2026-01-31');
    // Soft lock: finance may still post; an admin without finance.close may not.
    const entry = { journalId: MISC, date: '2026-01-31', memo: 'Late accrual', lines: [{ accountId: ACC('6000'), debitMinor: 100 }, { accountId: ACC('2000'), creditMinor: 100 }] };
    await t.engine.run('finance.entry.post', entry, finance);
    const hard = await t.engine.run('finance.period.close', { period, lock: 'hard' }, finance);
    expect(hard.branchHard).toBe('2026-01-31');
    const before = await count('journal_line');
    expect((await errorOf(t.engine.run('finance.entry.post', entry, finance)))?.message).toMatch(/closed \(hard lock\) up to 2026-01-31/);
    expect((await errorOf(t.engine.run('finance.period.reopen', { softLockDate: '2025-12-31' }, finance)))?.message).toMatch(/can never be reopened/);
    expect(await count('journal_line')).toBe(before);
    expect((await errorOf(t.engine.run('finance.period.close', { period: today().slice(0, 7) }, finance)))?.message).toMatch(/has not ended yet/);

    await invariants();
  });

  it('taxes invoices by the customer’s fiscal position and the company’s rounding, bills with input tax; tax report and AP aging tie out', async () => {
    const db = t.database.db;
    const p1 = await f.stocked(20, { cost: 100 });
    const p2 = await f.stocked(20, { cost: 100 });
    const c = await f.customer({ creditLimitMinor: null, taxRateBp: 2000 });
    const invoiceOf = async (customerId: string, lines: { productId: string; quantity: number; unitPriceMinor: number }[]) => {
      const order = await t.engine.run('sales.order.create', { customerId, lines, confirm: true }, as);
      await f.ship(order.id);
      const inv = await t.engine.run('sales.invoice.create', { orderId: order.id }, as);
      const [posted] = (await t.engine.run('finance.entry.list', { sourceKind: 'invoice', query: inv.number }, finance)).rows;
      const e = await t.engine.run('finance.entry.get', { id: posted!.id }, finance);
      const byAccount: Record<string, number> = {};
      for (const l of e.lines) byAccount[l.accountCode] = (byAccount[l.accountCode] ?? 0) + l.debitMinor - l.creditMinor;
      return { order, inv, byAccount };
    };
    const two = [{ productId: p1.id, quantity: 1, unitPriceMinor: 333 }, { productId: p2.id, quantity: 1, unitPriceMinor: 333 }];
    // Per line (the default): 66.6 → 67 on each line.
    const perLine = await invoiceOf(c.id, two);
    expect(perLine.inv).toMatchObject({ untaxedMinor: 666, taxMinor: 134, totalMinor: 800 });
    expect(perLine.byAccount).toEqual({ '1100': 800, '4000': -666, '2200': -134 });
    // Per total: 133.2 → 133 once for the rate; the difference sits on one line, lines still add up.
    expect((await errorOf(t.engine.run('finance.tax.configure', { rounding: 'total' }, clerk)))?.code).toBe('FORBIDDEN');
    expect((await t.engine.run('finance.tax.configure', { rounding: 'total' }, finance)).rounding).toBe('total');
    const perTotal = await invoiceOf(c.id, two);
    expect(perTotal.inv).toMatchObject({ untaxedMinor: 666, taxMinor: 133, totalMinor: 799 });
    expect(perTotal.inv.lines.reduce((s, l) => s + l.taxMinor, 0)).toBe(133);
    expect(perTotal.inv.lines.every((l) => l.subtotalMinor + l.taxMinor === l.totalMinor)).toBe(true);
    expect(perTotal.byAccount).toEqual({ '1100': 799, '4000': -666, '2200': -133 });
    // The order's figures come from the same tax function: its total is the invoice's, and fully invoiced is what it said.
    const perTotalOrder = await t.engine.run('sales.order.get', { id: perTotal.order.id }, as);
    expect(perTotalOrder).toMatchObject({ untaxedMinor: 666, taxMinor: 133, totalMinor: 799, invoicedMinor: 799 });
    await t.engine.run('finance.tax.configure', { rounding: 'line' }, finance);
    // A fiscal position replaces the tax: export → zero rate; the tax report shows the zero-rated base.
    const settings = await t.engine.run('finance.tax.settings', {}, finance);
    const exportFp = settings.fiscalPositions.find((x) => x.code === 'EXPORT')!;
    const abroad = await f.customer({ creditLimitMinor: null, taxRateBp: 2000 });
    expect((await errorOf(t.engine.run('finance.partner.fiscalPosition', { partnerId: abroad.id, fiscalPositionId: ACC('9999') }, finance)))?.message).toMatch(/no such fiscal position/);
    await t.engine.run('finance.partner.fiscalPosition', { partnerId: abroad.id, fiscalPositionId: exportFp.id }, finance);
    const exported = await invoiceOf(abroad.id, two);
    expect(exported.inv).toMatchObject({ untaxedMinor: 666, taxMinor: 0, totalMinor: 666 });
    expect(exported.inv.lines.map((l) => l.taxRateBp)).toEqual([0, 0]);
    // Prices including tax: base + tax = the price paid, exactly.
    await db.insertInto('tax_rate').values({ id: '01900000-0000-7000-8000-400000000077', branch_id: 'central', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', version: 1, code: 'S15I', name: 'Sales VAT 15% included', scope: 'sales', rate_bp: 1500, price_included: 1, account_id: ACC('2200'), active: 1 }).execute();
    const gross = await f.customer({ creditLimitMinor: null, taxRateBp: 1500 });
    const included = await invoiceOf(gross.id, [{ productId: p1.id, quantity: 3, unitPriceMinor: 1150 }]);
    expect(included.inv).toMatchObject({ untaxedMinor: 3000, taxMinor: 450, totalMinor: 3450 });
    expect(included.byAccount).toEqual({ '1100': 3450, '4000': -3000, '2200': -450 });
    await db.updateTable('tax_rate').set({ active: 0 }).where('code', '=', 'S15I').execute();
    // Vendor bill: input tax at the product's rate on the billed amount; payable = bill + tax.
    const pf = await purchasingFixture(t.engine, as, { code: 'WHT' });
    const v = await pf.vendor();
    const a = await pf.bought(v.id, 1000);
    await db.updateTable('product').set({ tax_rate_bp: 2000 }).where('id', '=', a.id).execute();
    const po = await pf.sentOrder({ vendorId: v.id, warehouseId: pf.wh.id, lines: [{ productId: a.id, quantity: 10 }] });
    await t.engine.run('purchasing.po.receive', { id: po.id, lines: po.lines.map((l) => ({ lineId: l.id, quantity: l.quantity })) }, as);
    const bill = await t.engine.run('purchasing.bill.create', { orderId: po.id, vendorReference: `TAX-${dialect}`, billDate: today(), lines: [{ orderLineId: po.lines[0]!.id, quantity: 10, unitPriceMinor: 1000 }] }, as);
    const [billEntry] = (await t.engine.run('finance.entry.list', { sourceKind: 'bill', query: bill.number }, finance)).rows;
    const be = await t.engine.run('finance.entry.get', { id: billEntry!.id }, finance);
    expect(Object.fromEntries(be.lines.map((l) => [l.accountCode, l.debitMinor - l.creditMinor]))).toEqual({ '2100': 10_000, '1400': 2000, '2000': -12_000 });
    // AP aging is the payable account; a part payment settles the bill's oldest due amount.
    await t.engine.run('finance.payment.register', { partnerId: v.id, direction: 'out', amountMinor: 5000 }, finance);
    const ap = await t.engine.run('finance.report.payablesAging', {}, finance);
    expect(ap.totalMinor).toBe(-(await balanceOf('2000')));
    expect(ap.rows.find((r) => r.partnerId === v.id)).toMatchObject({ currentMinor: 7000, totalMinor: 7000, creditMinor: 0 });
    const apCsv = Buffer.from((await t.engine.run('finance.report.export', { report: 'payablesAging', format: 'csv', to: today() }, finance)).base64, 'base64').toString();
    expect(apCsv).toMatch(/^Vendor,Current,/);
    expect(apCsv).toContain('70.00');
    // The tax report per period: output tax = the output tax account, input tax = the input tax account.
    const report = await t.engine.run('finance.report.tax', { from: '2026-01-01', to: '2099-12-31' }, finance);
    expect(report.reduce((s, r) => s + r.taxMinor, 0)).toBe(-(await balanceOf('2200')));
    expect(report.reduce((s, r) => s + r.inputTaxMinor, 0)).toBe(await balanceOf('1400'));
    expect(report.find((r) => r.rateBp === 2000)).toMatchObject({ inputBaseMinor: expect.any(Number) });
    expect(report.find((r) => r.rateBp === 0)?.baseMinor).toBeGreaterThanOrEqual(666);
    await invariants();
  });

  it('reports tie out: P&L, balance sheet, general ledger, tax, exports, gapless invoice numbers', async () => {
    const to = '2099-12-31';
    const bs = await t.engine.run('finance.report.balanceSheet', { at: to }, finance);
    expect(bs.assetsMinor).toBe(bs.liabilitiesMinor + bs.equityMinor);
    const pl = await t.engine.run('finance.report.profitLoss', { from: '2026-01-01', to, compareFrom: '2025-01-01', compareTo: '2025-12-31' }, finance);
    expect(pl.resultMinor).toBe(pl.incomeMinor - pl.expenseMinor);
    expect(pl.compareResultMinor).toBe(0);
    const gl = await t.engine.run('finance.report.generalLedger', { accountId: ACC('1100'), to, limit: 500 }, finance);
    expect(gl.rows.at(-1)!.balanceMinor).toBe(await balanceOf('1100'));
    const page2 = await t.engine.run('finance.report.generalLedger', { accountId: ACC('1100'), to, offset: 2, limit: 2 }, finance);
    expect(page2.rows[0]!.balanceMinor).toBe(gl.rows[2]!.balanceMinor);
    expect(gl.rows.some((r) => r.sourceKind === 'invoice' && r.sourceId)).toBe(true);
    const tax = await t.engine.run('finance.report.tax', { from: '2026-01-01', to }, finance);
    const taxBalance = 0 - (await balanceOf('2200'));
    expect(tax.reduce((s, r) => s + r.taxMinor, 0)).toBe(taxBalance);

    const csv = await t.engine.run('finance.report.export', { report: 'trialBalance', format: 'csv', to }, finance);
    expect(Buffer.from(csv.base64, 'base64').toString()).toMatch(/^Account,Name,Debit,Credit,Balance\r\n1000,Bank,/);
    const xlsx = await t.engine.run('finance.report.export', { report: 'trialBalance', format: 'xlsx', to }, finance);
    expect(Buffer.from(xlsx.base64, 'base64').subarray(0, 2).toString()).toBe('PK');
    const pdf = await t.engine.run('finance.report.export', { report: 'balanceSheet', format: 'pdf', to }, finance);
    expect(Buffer.from(pdf.base64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    const journal = Buffer.from((await t.engine.run('finance.report.export', { report: 'generalLedger', format: 'hledger', to }, finance)).base64, 'base64').toString();
    // Every transaction in the plain-text journal balances to zero (what hledger checks).
    const txns = journal.split('\n\n').filter((b) => /^\d{4}-\d{2}-\d{2} /m.test(b));
    expect(txns.length).toBe((await t.engine.run('finance.entry.list', { limit: 1 }, finance)).total);
    for (const txn of txns) {
      const amounts = [...txn.matchAll(/ {2}(-?\d+)\.(\d{2})$/gm)].map((m) => (m[1]!.startsWith('-') ? -1 : 1) * (Math.abs(Number(m[1])) * 100 + Number(m[2])));
      expect(amounts.reduce((a, b) => a + b, 0)).toBe(0);
    }
    const proof = await t.engine.run('finance.report.invoiceNumbers', {}, finance);
    expect(proof.length).toBeGreaterThan(0);
    expect(proof.every((s) => s.ok)).toBe(true);
  });

  it.runIf(dialect === 'postgres')('the centre moves a replicated posting dated in a locked period, with an audit record and an exception', async () => {
    const db = t.database.db;
    await db.updateTable('company_lock').set({ soft_lock_date: '2026-02-28' }).execute();
    const id = '01900000-0000-7000-8000-900000000099';
    const meta = { branch_id: 'B02-branch', created_at: '2026-02-10T00:00:00Z', updated_at: '2026-02-10T00:00:00Z', version: 1 };
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('journal_line').values([
        { ...meta, id: '01900000-0000-7000-8000-900000000091', entry_id: id, line_no: 1, date: '2026-02-10', account_id: ACC('1000'), debit_minor: 700, credit_minor: 0 },
        { ...meta, id: '01900000-0000-7000-8000-900000000092', entry_id: id, line_no: 2, date: '2026-02-10', account_id: ACC('4000'), debit_minor: 0, credit_minor: 700 },
      ]).execute();
      await trx.insertInto('journal_entry').values({ ...meta, id, journal_id: MISC, date: '2026-02-10', memo: 'Offline sale', source_kind: 'manual' }).execute();
    });
    const e = await db.selectFrom('journal_entry').select(['date', 'moved_from_date']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(e).toEqual({ date: '2026-03-01', moved_from_date: '2026-02-10' });
    const lines = await db.selectFrom('journal_line').select('date').where('entry_id', '=', id).execute();
    expect(lines.map((l) => l.date)).toEqual(['2026-03-01', '2026-03-01']);
    const x = await db.selectFrom('sync_exception').select(['kind', 'message']).where('document_id', '=', id).executeTakeFirstOrThrow();
    expect(x).toMatchObject({ kind: 'finance_locked_period', message: expect.stringMatching(/dated 2026-02-10 .* moved to 2026-03-01/) });
    const audit = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE method = 'finance.entry.movedFromLockedPeriod'`.execute(db);
    expect(audit.rows[0]!.n).toBe(1);
    await db.updateTable('company_lock').set({ soft_lock_date: null }).execute();
  });
});
