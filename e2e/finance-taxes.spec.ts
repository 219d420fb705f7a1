import type { APIRequestContext } from '@playwright/test';
import { expect, hostFor, login, rpc, shot, test } from './support';

/**
 * Finance → Taxes: a finance user edits a tax rate (a rate out of range is refused with the
 * engine's words), creates a fiscal position from the keyboard and gives it to a customer.
 */
test.describe.configure({ mode: 'serial' });

let api: APIRequestContext;
let customer: { id: string; code: string; name: string };
let gross: { id: string; code: string; name: string };

test.beforeAll(async ({ playwright }, testInfo) => {
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  const status = await rpc<{ initialized: boolean }>(api, 'system.status');
  if (!status.initialized) {
    await rpc(api, 'system.setup', { companyName: 'Taxes E2E', branchCode: 'B01', branchName: 'Main', adminUsername: 'admin', adminDisplayName: 'Admin', adminPassword: 'e2e-admin-pass' });
  }
  await rpc(api, 'auth.login', { username: 'admin', password: 'e2e-admin-pass' });
  await rpc(api, 'users.create', { username: 'fiona', displayName: 'Fiona Finance', password: 'fiona-finance-pass', roles: ['finance'] });
  customer = await rpc(api, 'partners.customer.create', { name: 'Abroad Trading GmbH', region: 'North', customerClass: 'regular', paymentTermsDays: 30 });
  // A customer whose prices include 20 % tax (a position mapping S20 to an included rate), and a product at 12.00.
  await rpc(api, 'users.create', { username: 'cleo', displayName: 'Cleo Clerk', password: 'cleo-clerk-pass', roles: ['clerk'] });
  const accounts = await rpc<{ id: string; code: string }[]>(api, 'finance.account.list', {});
  await rpc(api, 'finance.tax.rate.save', { code: 'S20I', name: 'Sales VAT 20% included', scope: 'sales', rateBp: 2000, priceIncluded: true, accountId: accounts.find((a) => a.code === '2200')!.id });
  const settings = await rpc<{ fiscalPositions: { id: string; code: string }[] }>(api, 'finance.tax.fiscalPosition.save', { code: 'GROSS', name: 'Consumers (prices include tax)', map: [{ from: 'S20', to: 'S20I' }] });
  gross = await rpc(api, 'partners.customer.create', { name: 'Gross Retail Shop', region: 'North', customerClass: 'consumer', paymentTermsDays: 30, taxRateBp: 2000 });
  await rpc(api, 'finance.partner.fiscalPosition', { partnerId: gross.id, fiscalPositionId: settings.fiscalPositions.find((p) => p.code === 'GROSS')!.id });
  const each = await rpc<{ id: string }>(api, 'catalog.uom.create', { code: 'EA', name: 'Each' });
  await rpc(api, 'catalog.product.create', { sku: 'TAX-LAMP', name: 'Desk lamp', uomId: each.id, listPriceMinor: 1200, costMinor: 400 });
});
test.afterAll(async () => {
  await api?.dispose();
});

test('finance: edit a tax rate, create a fiscal position, assign it to a customer', async ({ page }) => {
  test.setTimeout(120_000);
  await login(page, 'fiona', 'fiona-finance-pass');
  const nav = page.getByRole('navigation', { name: 'Sections' });
  // Finance has two pages now: Books and close, Taxes.
  await nav.getByRole('link', { name: 'Taxes', exact: true }).click();
  await expect(page.getByTestId('rate-S8')).toContainText('8 %');

  // Edit S8: a rate above 100 % is refused as the engine words it, nothing saved; 7.5 % is saved with Enter.
  await page.getByTestId('rate-S8').getByTestId('rate-edit').click();
  const bp = page.getByTestId('rate-bp');
  await bp.fill('20000');
  await bp.press('Enter');
  await expect(page.getByText(/at most 10000 basis points/)).toBeVisible();
  await expect(page.getByTestId('rate-S8')).toContainText('8 %');
  await bp.fill('750');
  await bp.press('Enter');
  await expect(page.getByTestId('taxes-notice')).toHaveText('Saved tax S8');
  await expect(page.getByTestId('rate-form')).toHaveCount(0);
  await expect(page.getByTestId('rate-S8').getByTestId('rate-pct')).toHaveText('7.5 %');

  // A new fiscal position from the keyboard (Alt+F): S8 → S0; Ctrl+S saves.
  await page.getByTestId('rate-S8').getByTestId('rate-edit').focus();
  await page.keyboard.press('Alt+f');
  await expect(page.getByTestId('fp-code')).toBeFocused();
  await page.keyboard.type('eu');
  await page.getByTestId('fp-name').fill('EU business customers');
  await page.getByTestId('fp-from').click();
  await page.getByRole('option', { name: /^S8 · 7\.5 %/ }).click();
  await page.getByTestId('fp-to').click();
  await page.getByRole('option', { name: /^S0 · 0 %/ }).click();
  await page.getByTestId('fp-name').press('Control+s');
  await expect(page.getByTestId('taxes-notice')).toHaveText('Saved fiscal position EU');
  await expect(page.getByTestId('fp-EU').getByTestId('fp-map')).toHaveText('S8 → S0');

  // Give it to the customer.
  await page.getByTestId('fp-partner-search').fill(customer.code);
  const row = page.getByTestId(`fp-partner-${customer.code}`);
  await expect(row).toContainText(customer.name);
  await row.getByTestId('fp-partner-select').click();
  await page.getByRole('option', { name: 'EU EU business customers' }).click();
  await expect(page.getByTestId('taxes-notice')).toHaveText(`Fiscal position of ${customer.name}: EU`);
  await shot(page, '82-finance-taxes');

  // What the engine holds now (and shows after a reload).
  const partners = await rpc<{ id: string; fiscalPositionCode: string | null }[]>(api, 'finance.tax.partners', { query: customer.code });
  expect(partners.find((p) => p.id === customer.id)?.fiscalPositionCode).toBe('EU');
  await page.reload();
  await page.getByTestId('fp-partner-search').fill(customer.code);
  await expect(page.getByTestId(`fp-partner-${customer.code}`).getByTestId('fp-partner-select')).toHaveValue('EU EU business customers');
  await expect(page.getByTestId('rate-S8').getByTestId('rate-pct')).toHaveText('7.5 %');
});

test('order entry shows the taxes the invoice will have: a tax-included customer pays the price, tax taken out of it', async ({ page }) => {
  test.setTimeout(90_000);
  await login(page, 'cleo', 'cleo-clerk-pass');
  await page.goto('/#/orders/new');
  const picker = page.getByRole('combobox', { name: 'Customer' }).or(page.getByRole('textbox', { name: 'Customer' })).first();
  await picker.fill(gross.code);
  await page.getByRole('option', { name: new RegExp(gross.code) }).first().click();
  const cell = page.getByRole('combobox', { name: 'Product, line 1' });
  await expect(cell).toBeFocused();
  await cell.fill('TAX-LAMP');
  await cell.press('Enter');
  // 12.00 including 20 %: base 10.00, tax 2.00, total 12.00 (price × quantity alone would say 12.00 untaxed).
  await expect(page.getByTestId('entry-tax')).toContainText('tax 2.00');
  await expect(page.getByTestId('entry-tax')).toContainText('total 12.00');
  await expect(page.getByTestId('entry-totals')).toContainText('Untaxed 10.00');
});
