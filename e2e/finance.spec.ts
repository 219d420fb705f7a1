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
  await nav.getByRole('link', { name: 'Finance', exact: true }).click();
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
