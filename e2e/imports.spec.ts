import type { APIRequestContext } from '@playwright/test';
import { expect, hostFor, login, rpc, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

let api: APIRequestContext;

/** A small company made through the API: a warehouse with stock of one item, a customer. */
test.beforeAll(async ({ playwright }, testInfo) => {
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  const status = await rpc<{ initialized: boolean }>(api, 'system.status');
  if (!status.initialized) {
    await rpc(api, 'system.setup', { companyName: 'Imports E2E', branchCode: 'B01', branchName: 'Main', adminUsername: 'admin', adminDisplayName: 'Admin', adminPassword: 'e2e-admin-pass' });
  }
  await rpc(api, 'auth.login', { username: 'admin', password: 'e2e-admin-pass' });
  const each = await rpc<{ id: string }>(api, 'catalog.uom.create', { code: 'EA', name: 'Each' });
  const wh = await rpc<{ id: string }>(api, 'inventory.warehouse.create', { code: 'IW1', name: 'Imports WH', region: 'North' });
  for (const code of ['marketplace', 'edi'] as const) await rpc(api, 'sales.channel.setPolicy', { code, defaultWarehouseId: wh.id });
  for (const [sku, name] of [['E2E-MUG', 'Enamel mug'], ['E2E-CUP', 'Paper cup']]) {
    const p = await rpc<{ id: string }>(api, 'catalog.product.create', { sku, name, uomId: each.id, listPriceMinor: 1200, costMinor: 400 });
    const t = await rpc<{ id: string }>(api, 'inventory.transfer.create', { kind: 'receipt', warehouseId: wh.id, lines: [{ productId: p.id, quantity: 100, unitCostMinor: 400 }] });
    await rpc(api, 'inventory.transfer.validate', { id: t.id });
  }
  await rpc(api, 'partners.customer.create', { code: 'SHOP1', name: 'Shop One', region: 'North', customerClass: 'regular', creditLimitMinor: null });
});
test.afterAll(async () => {
  await api?.dispose();
});

test('clerk imports a marketplace CSV: report with accepted, held and rejected; maps the unknown item and the held order imports', async ({ page }) => {
  await login(page, 'admin', 'e2e-admin-pass');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Import orders', exact: true }).click();
  const csv = ['order_id,customer_code,sku,quantity,unit_price', 'W-1,SHOP1,E2E-MUG,2,12.00', 'W-2,SHOP1,THEIR-CUP,3,12.00', 'W-3,SHOP1,E2E-MUG,-1,12.00'].join('\n');
  await page.getByTestId('import-file').setInputFiles({ name: 'shop.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-summary')).toHaveText('shop.csv: 3 orders — 1 accepted, 1 held, 1 rejected, 0 duplicate');
  await expect(page.getByTestId('import-row-W-1')).toContainText(/accepted.*B01-SO-/);
  await expect(page.getByTestId('import-row-W-3')).toContainText('line 4: Quantity -1 must be more than zero');
  await expect(page.getByTestId('import-row-W-2')).toContainText('Line 1: unknown item THEIR-CUP × 3');
  await shot(page, 'imports-report');

  await page.getByTestId('map-THEIR-CUP').click();
  await page.getByLabel('Product SKU or name').fill('E2E-CUP');
  await page.getByTestId('map-save').click();
  await expect(page.getByTestId('import-summary')).toHaveText('shop.csv: 3 orders — 2 accepted, 0 held, 1 rejected, 0 duplicate');
  await expect(page.getByTestId('import-row-W-2')).toContainText(/accepted.*B01-SO-/);

  // The same file again: nothing imported twice.
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-summary')).toHaveText('shop.csv was imported before: nothing imported again.');
});
