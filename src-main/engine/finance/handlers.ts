import { defineHandlers } from '../platform/context';
import { DomainError } from '../platform/errors';
import { importStatement, listLines, matchLine } from './bank';
import { alignOpeningStock, branchSyncStates, closeBranchPeriod, closeChecklist, closeCompany, closeYear, currentLocks, periodBounds, reopenBranch } from './close';
import { createAccount, discardDraft, listEntries, loadEntry, postDraft, postManualEntry, reverse, saveDraft, toAccount, updateAccount } from './entries';
import { exportReport } from './export';

import { allocateCredit, loadPayment, loadPayments, registerPayment } from './payments';
import { configureTaxes, previewTaxes, saveFiscalPosition, saveTaxRate, setFiscalPosition, taxPartners, taxSettings } from './tax';
import { accountSums, agedPayables, agedReceivables, balanceSheet, channelMargin, dunningList, generalLedger, invoiceNumberProof, profitLoss, taxReport, trialBalance } from './reports';
import './schema';

const today = () => new Date().toISOString().slice(0, 10);

export const financeHandlers = defineHandlers({
  'finance.account.list': async (ctx, input) => {
    let q = ctx.db.selectFrom('account').select(['id', 'code', 'name', 'type', 'role', 'reconcile', 'active']).orderBy('code');
    if (!input.includeArchived) q = q.where('active', '=', 1);
    const [accounts, sums] = await Promise.all([q.execute(), accountSums(ctx.db, { to: '9999-12-31' })]);
    return accounts.map((a) => {
      const s = sums.get(a.id);
      return { ...toAccount(a), balanceMinor: s ? s.debit - s.credit : 0 };
    });
  },
  'finance.account.create': (ctx, input) => createAccount(ctx, input),
  'finance.account.update': (ctx, input) => updateAccount(ctx, input),
  'finance.journal.list': async (ctx) => {
    const rows = await ctx.db.selectFrom('journal').selectAll().orderBy('code').execute();
    return rows.map((j) => ({ id: j.id, code: j.code, name: j.name, kind: j.kind, defaultAccountId: j.default_account_id }));
  },
  'finance.entry.list': (ctx, input) => listEntries(ctx.db, input),
  'finance.entry.get': (ctx, input) => loadEntry(ctx.db, input.id),
  'finance.entry.post': (ctx, input) => postManualEntry(ctx, input),
  'finance.entry.reverse': (ctx, input) => reverse(ctx, input),
  'finance.draft.save': (ctx, input) => saveDraft(ctx, input),
  'finance.draft.post': (ctx, input) => postDraft(ctx, input.id),
  'finance.draft.discard': (ctx, input) => discardDraft(ctx, input.id),
  'finance.draft.list': async (ctx) => {
    const rows = await ctx.db.selectFrom('journal_draft').selectAll().where('state', '=', 'draft').orderBy('date').execute();
    return rows.map((r) => ({ id: r.id, journalId: r.journal_id, date: r.date, memo: r.memo, state: r.state, lines: JSON.parse(r.lines), entryId: r.entry_id }));
  },

  'finance.payment.register': async (ctx, input) => loadPayment(ctx.db, await registerPayment(ctx, input)),
  'finance.payment.allocate': async (ctx, input) => {
    await allocateCredit(ctx, input);
    return loadPayment(ctx.db, input.paymentId);
  },
  'finance.payment.get': (ctx, input) => loadPayment(ctx.db, input.id),
  'finance.payment.list': async (ctx, input) => ({ ...(await loadPayments(ctx.db, input)), offset: input.offset }),

  'finance.bank.import': (ctx, input) => importStatement(ctx, input),
  'finance.bank.lines': (ctx, input) => listLines(ctx.db, input),
  'finance.bank.match': async (ctx, input) => {
    await matchLine(ctx, input);
    ctx.summarize(`Matched statement line ${input.lineId}`);
    const { rows } = await listLines(ctx.db, { id: input.lineId, state: 'all', offset: 0, limit: 1 });
    return rows[0]!;
  },

  'finance.close.checklist': (ctx, input) => closeChecklist(ctx, input.period),
  'finance.close.status': async (ctx, input) => ({
    locks: await currentLocks(ctx),
    branches: await branchSyncStates(ctx, input.period ? periodBounds(input.period).to : null),
  }),
  'finance.period.close': (ctx, input) => closeBranchPeriod(ctx, input),
  'finance.period.reopen': (ctx, input) => reopenBranch(ctx, input.softLockDate),
  'finance.company.close': (ctx, input) => closeCompany(ctx, input),
  'finance.year.close': async (ctx, input) => loadEntry(ctx.db, await closeYear(ctx, input.year)),
  'finance.stock.alignOpening': (ctx, input) => alignOpeningStock(ctx, input.date),

  'finance.report.trialBalance': (ctx, input) => trialBalance(ctx.db, input),
  'finance.report.profitLoss': (ctx, input) => {
    if (input.from > input.to) throw new DomainError('VALIDATION', 'from: the period starts after it ends', { fields: [{ path: 'from', message: 'After "to"' }] });
    return profitLoss(ctx.db, input);
  },
  'finance.report.balanceSheet': (ctx, input) => balanceSheet(ctx.db, input),
  'finance.report.generalLedger': (ctx, input) => generalLedger(ctx.db, input),
  'finance.report.channelMargin': (ctx, input) => channelMargin(ctx.db, input),
  'finance.report.tax': (ctx, input) => taxReport(ctx.db, input),
  'finance.report.aging': (ctx, input) => agedReceivables(ctx.db, input.at ?? today()),
  'finance.report.payablesAging': (ctx, input) => agedPayables(ctx.db, input.at ?? today()),
  'finance.tax.settings': (ctx) => taxSettings(ctx.db),
  'finance.tax.configure': (ctx, input) => configureTaxes(ctx, input),
  'finance.tax.rate.save': (ctx, input) => saveTaxRate(ctx, input),
  'finance.tax.fiscalPosition.save': (ctx, input) => saveFiscalPosition(ctx, input),
  'finance.tax.partners': (ctx, input) => taxPartners(ctx.db, input),
  'finance.tax.preview': (ctx, input) => previewTaxes(ctx.db, input),
  'finance.partner.fiscalPosition': (ctx, input) => setFiscalPosition(ctx, input),
  'finance.report.dunning': (ctx, input) => dunningList(ctx.db, input.at ?? today(), input.minDaysOverdue),
  'finance.report.invoiceNumbers': (ctx) => invoiceNumberProof(ctx.db),
  'finance.report.export': (ctx, input) => exportReport(ctx.db, input),
});


