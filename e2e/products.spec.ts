import type { APIRequestContext } from '@playwright/test';
import { ensureDemo, expect, hostFor, login, rpc, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

interface Product {
  id: string;
  sku: string;
  name: string;
  barcode: string | null;
  listPriceMinor: number;
  costMinor: number;
}

/** A valid EAN-13 for a 12-digit body (the check digit computed like the engine does). */
function ean13(body: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body[i]) * (i % 2 === 0 ? 1 : 3);
  return body + String((10 - (sum % 10)) % 10);
}

const BARCODE = ean13('590123412345');
const SKU = 'E2E-DRILL-18V';

let api: APIRequestContext;

test.beforeAll(async ({ playwright }, testInfo) => {
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  await ensureDemo(api);
  await rpc(api, 'auth.login', { username: 'admin', password: 'demo-admin' });
});
test.afterAll(async () => {
  await api?.dispose();
});

test.beforeEach(async ({ page }) => {
  await login(page, 'admin', 'demo-admin');
  await expect(page.getByTestId('product-count')).toHaveText(/^5,00\d products$/);
});

test('create a product with the keyboard (n, fields, Ctrl+S); money is stored exactly', async ({ page }) => {
  await page.keyboard.press('n');
  const dialog = page.getByRole('dialog', { name: 'New product' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('SKU')).toBeFocused();

  await dialog.getByLabel('SKU').fill(SKU.toLowerCase());
  await dialog.getByLabel('Barcode').fill(BARCODE);
  await dialog.getByLabel('Name').fill('Cordless drill 18 V, 2 batteries');
  await dialog.getByRole('combobox', { name: 'Category' }).click();
  await page.getByRole('option', { name: 'Power Tools' }).click();
  await dialog.getByLabel('List price').fill('1,234.50');
  await dialog.getByLabel('Cost').fill('0.1');
  await shot(page, '10-product-new');
  await dialog.getByLabel('Name').press('Control+s');

  await expect(page.getByText('Product created')).toBeVisible();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('product-count')).toHaveText('5,001 products');

  const saved = await rpc<Product | null>(api, 'catalog.product.byBarcode', { barcode: BARCODE });
  expect(saved).toMatchObject({ sku: SKU, name: 'Cordless drill 18 V, 2 batteries', listPriceMinor: 123450, costMinor: 10 });
});

test('find the product by scanning its barcode into the search field', async ({ page }) => {
  await page.keyboard.press('/');
  const search = page.getByLabel('Search products');
  await expect(search).toBeFocused();
  await search.fill(BARCODE);

  await expect(page.getByText('Barcode match')).toBeVisible();
  await expect(page.getByTestId('product-count')).toHaveText('1 product');
  const rows = page.getByRole('grid', { name: 'Products' }).getByRole('row');
  await expect(rows).toHaveCount(2); // header + the match
  await expect(rows.nth(1)).toContainText(SKU);
  await expect(rows.nth(1)).toContainText('1,234.50');
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true');
  await shot(page, '11-barcode-search');

  // Enter opens the match; the amounts come back as typed decimals; Esc closes.
  await search.press('Enter');
  const dialog = page.getByRole('dialog', { name: new RegExp(`Product ${SKU}`) });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('List price')).toHaveValue('1234.50');
  await expect(dialog.getByLabel('Cost')).toHaveValue('0.10');
  await shot(page, '12-product-edit');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});

test('a negative price is refused with the schema message, and nothing is saved', async ({ page }) => {
  await page.getByRole('button', { name: 'New product' }).click();
  const dialog = page.getByRole('dialog', { name: 'New product' });
  await dialog.getByLabel('SKU').fill('E2E-NEG-1');
  await dialog.getByLabel('Name').fill('Negative price test');
  await dialog.getByLabel('List price').fill('-5.00');
  await dialog.getByLabel('Cost').fill('1.005');
  await dialog.getByRole('button', { name: 'Create product' }).click();

  const price = dialog.getByLabel('List price');
  await expect(price).toHaveAttribute('aria-invalid', 'true');
  await expect(price).toHaveAccessibleDescription('Cannot be negative'); // ProductCreateInput's PriceMinor message
  await expect(dialog.getByLabel('Cost')).toHaveAccessibleDescription('At most 2 decimals (whole cents)');
  await shot(page, '13-negative-price');

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  const found = await rpc<{ total: number }>(api, 'catalog.product.list', { query: 'E2E-NEG-1', status: 'all' });
  expect(found.total).toBe(0);
});

test('a duplicate SKU refused by the engine shows its message on the SKU field', async ({ page }) => {
  const existing = (await rpc<{ rows: Product[] }>(api, 'catalog.product.list', { sort: 'sku', limit: 1, offset: 10 })).rows[0]!;
  await page.keyboard.press('n');
  const dialog = page.getByRole('dialog', { name: 'New product' });
  await dialog.getByLabel('SKU').fill(existing.sku);
  await dialog.getByLabel('Name').fill('Duplicate SKU test');
  await dialog.getByLabel('List price').fill('10');
  await dialog.getByLabel('SKU').press('Control+s');

  const sku = dialog.getByLabel('SKU');
  await expect(sku).toHaveAttribute('aria-invalid', 'true');
  await expect(sku).toHaveAccessibleDescription(`Already used by "${existing.name}"`);
  await expect(dialog).toBeVisible();
  await shot(page, '14-duplicate-sku');

  const found = await rpc<{ total: number }>(api, 'catalog.product.list', { query: 'Duplicate SKU test', status: 'all' });
  expect(found.total).toBe(0);
});

test('edit, archive and restore a product', async ({ page }) => {
  const search = page.getByLabel('Search products');
  await search.fill(BARCODE);
  await expect(page.getByText('Barcode match')).toBeVisible();
  await search.press('Enter');
  const dialog = page.getByRole('dialog', { name: new RegExp(`Product ${SKU}`) });
  await dialog.getByLabel('List price').fill('1299.99');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Product saved')).toBeVisible();
  await expect(page.getByRole('grid', { name: 'Products' }).getByRole('row').nth(1)).toContainText('1,299.99');

  await search.press('Enter');
  await dialog.getByRole('button', { name: 'Archive' }).click();
  await expect(dialog.getByText('Archived')).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Restore' })).toBeVisible();
  await shot(page, '15-archived');
  expect((await rpc<Product & { active: boolean }>(api, 'catalog.product.byBarcode', { barcode: BARCODE })).active).toBe(false);
  await dialog.getByRole('button', { name: 'Restore' }).click();
  await expect(dialog.getByRole('button', { name: 'Archive' })).toBeVisible();
  const back = await rpc<Product & { active: boolean }>(api, 'catalog.product.byBarcode', { barcode: BARCODE });
  expect(back).toMatchObject({ active: true, listPriceMinor: 129999 });
});
