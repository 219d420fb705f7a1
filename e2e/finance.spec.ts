import type { APIRequestContext } from '@playwright/test';
import { expect, hostFor, login, rpc, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

let api: APIRequestContext;
const now = new Date();
const period = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
const periodEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0)).toISOString().slice(0, 10);

/** A company made through the API: a finance user, an entry last month and an unmatched bank line. */
test.beforeAll(async ({ playwright }, testInfo) => {
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  const status = await rpc<{ initialized: boolean }>(api, 'system.status');
  if (!status.initialized) {
    await rpc(api, 'system.setup', { companyName: 'Finance E2E', branchCode: 'B01', branchName: 'Main', adminUsername: 'admin', adminDisplayName: 'Admin', adminPassword: 'e2e-admin-pass' });
  }
  await rpc(api, 'auth.login', { username: 'admin', password: 'e2e-admin-pass' });
  await rpc(api, 'users.create', { username: 'fiona', displayName: 'Fiona Finance', password: 'fiona-finance-pass', roles: ['finance'] });
  const accounts = await rpc<{ id: string; code: string }[]>(api, 'finance.account.list', {});
  const journals = await rpc<{ id: string; kind: string }[]>(api, 'finance.journal.list', {});
  const acc = (code: string) => accounts.find((a) => a.code === code)!.id;
  await rpc(api, 'finance.entry.post', { journalId: journals.find((j) => j.kind === 'misc')!.id, date: `${period}-10`, memo: 'Cash sale', lines: [{ accountId: acc('1000'), debitMinor: 4200 }, { accountId: acc('4000'), creditMinor: 4200 }] });
  await rpc(api, 'finance.bank.import', { fileName: 'last-month.csv', format: 'csv', content: `date,amount,reference\n${period}-12,42.00,CASH SALE\n` });
});
test.afterAll(async () => {
  await api?.dispose();
});

test('finance: trial balance ties out, the bank is reconciled, the month closes at the branch', async ({ page }) => {
  test.setTimeout(120_000);
  await login(page, 'fiona', 'fiona-finance-pass');
  const nav = page.getByRole('navigation', { name: 'Sections' });
  await nav.getByRole('link', { name: 'Books and close', exact: true }).click();
  await expect(page.getByTestId('tb-totals')).toContainText('balanced');
  await expect(page.getByTestId('tb-totals')).toContainText('42.00');
  await shot(page, '80-finance-trial-balance');

  // The checklist names the unmatched statement line; closing is refused until it is reconciled.
  await page.getByRole('tab', { name: 'Month-end close' }).click();
  await page.getByTestId('close-period').fill(period);
  await expect(page.getByTestId('check-bank_reconciled')).toContainText('Open');
  await page.getByTestId('close-branch').click();
  await expect(page.getByText(/cannot be closed yet: bank accounts reconciled/)).toBeVisible();

  // Bank reconciliation: the line is not a customer payment; ignore it (already booked by hand).
  await page.getByRole('tab', { name: 'Bank reconciliation' }).click();
  await expect(page.getByRole('table', { name: 'Statement lines to match' })).toContainText('CASH SALE');
  await page.getByRole('button', { name: 'Ignore' }).click();
  await expect(page.getByText('Every statement line is matched')).toBeVisible();

  // Now the month closes at this branch (offline-capable: nothing here needs the centre).
  await page.getByRole('tab', { name: 'Month-end close' }).click();
  await page.getByTestId('close-period').fill(period);
  await expect(page.getByTestId('check-bank_reconciled')).toContainText('OK');
  await page.getByTestId('close-branch').click();
  await expect(page.getByText(`Closed: branch up to ${periodEnd}`)).toBeVisible();
  await expect(page.getByTestId('close-locks')).toContainText(`Branch soft lock ${periodEnd}`);
  await shot(page, '81-finance-closed');
});

test('finance: chart of accounts, a manual entry (unbalanced refused), the general ledger drills down to the source, aging and tax', async ({ page }) => {
  test.setTimeout(120_000);
  await login(page, 'fiona', 'fiona-finance-pass');
  const nav = page.getByRole('navigation', { name: 'Sections' });
  await nav.getByRole('link', { name: 'Books and close', exact: true }).click();

  // Chart of accounts: add an account, rename it (keyboard: Enter saves).
  await page.getByRole('tab', { name: 'Chart of accounts' }).click();
  await page.getByTestId('account-new').click();
  const form = page.getByTestId('account-form');
  await form.getByLabel('Code').fill('6250');
  await form.getByLabel('Name').fill('Software');
  await page.getByTestId('account-save').click();
  await expect(page.getByTestId('account-6250')).toContainText('Software');
  await page.getByTestId('account-6250').click();
  await form.getByLabel('Name').fill('Software subscriptions');
  await form.getByLabel('Name').press('Enter');
  await expect(page.getByTestId('account-6250')).toContainText('Software subscriptions');

  // Manual entry: an unbalanced one is refused with both totals; the balanced one posts.
  await page.getByRole('tab', { name: 'Journal entries' }).click();
  await page.getByTestId('entry-memo').fill('Software licence');
  const pick = async (i: number, account: string) => {
    await page.getByRole('combobox', { name: `Line ${i + 1} account` }).fill(account);
    await page.getByRole('option', { name: new RegExp(`^${account}`) }).first().click();
  };
  await pick(0, '6250');
  await page.getByLabel('Line 1 debit').fill('99.00');
  await pick(1, '1000');
  await page.getByLabel('Line 2 credit').fill('90.00');
  await expect(page.getByTestId('entry-totals')).toContainText('off by 9.00');
  await page.getByTestId('entry-post').click();
  await expect(page.getByText('The entry is not balanced: debits 99.00, credits 90.00')).toBeVisible();
  await page.getByLabel('Line 2 credit').fill('99.00');
  await expect(page.getByTestId('entry-totals')).toContainText('balanced');
  await page.getByTestId('entry-post').click();
  await expect(page.getByText(/Posted entry Software licence/)).toBeVisible();
  await expect(page.getByRole('table', { name: 'Journal entries' })).toContainText('Software licence');

  // General ledger of the bank: the lines, and Enter on a line opens its source entry.
  await page.getByRole('tab', { name: 'General ledger' }).click();
  await page.getByTestId('gl-account').fill('1000');
  await page.getByRole('option', { name: /^1000 Bank/ }).click();
  const grid = page.getByRole('grid', { name: 'General ledger' });
  await expect(grid).toContainText('Software licence');
  await grid.focus();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('source-entry')).toContainText('6250 Software subscriptions');
  await shot(page, '82-finance-ledger-drilldown');
  await page.keyboard.press('Escape');

  // Aging (receivables and payables) and the tax report render from the engine.
  await page.getByRole('tab', { name: 'Aging' }).click();
  await expect(page.getByTestId('ar-total')).toContainText('Aged receivables');
  await expect(page.getByTestId('ap-total')).toContainText('Aged payables');
  await page.getByRole('tab', { name: 'Tax' }).click();
  await expect(page.getByRole('table', { name: 'Tax report' })).toBeVisible();
  await expect(page.getByText(/fiscal positions: EXPORT/)).toBeVisible();
});
