import type { APIRequestContext } from '@playwright/test';
import { ensureDemo, expect, hostFor, login, rpc, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

interface Page<T> {
  rows: T[];
  total: number;
}
interface Product {
  sku: string;
  name: string;
}

let api: APIRequestContext;

test.beforeAll(async ({ playwright }, testInfo) => {
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  await ensureDemo(api);
  await rpc(api, 'auth.login', { username: 'admin', password: 'demo-admin' });
});
test.afterAll(async () => {
  await api?.dispose();
});

test('the virtualized list scrolls to the end of 5,000 products sorted by name descending', async ({ page }) => {
  await login(page, 'admin', 'demo-admin');
  const grid = page.getByRole('grid', { name: 'Products' });
  await expect(page.getByTestId('product-count')).toHaveText('5,000 products');

  // Sorting is the engine's: click Name (ascending), click again (descending).
  const nameHeader = grid.getByRole('columnheader', { name: 'Name' });
  await nameHeader.getByRole('button').click();
  await expect(nameHeader).toHaveAttribute('aria-sort', 'ascending');
  await nameHeader.getByRole('button').click();
  await expect(nameHeader).toHaveAttribute('aria-sort', 'descending');

  const desc = await rpc<Page<Product>>(api, 'catalog.product.list', { sort: 'name', dir: 'desc', limit: 1 });
  const asc = await rpc<Page<Product>>(api, 'catalog.product.list', { sort: 'name', dir: 'asc', limit: 1 });
  const firstRow = grid.locator('[role=row][aria-rowindex="2"]');
  await expect(firstRow).toContainText(desc.rows[0]!.sku);

  // Only a window of rows exists in the DOM, never 5,000.
  expect(await grid.getByRole('row').count()).toBeLessThan(80);

  // Keyboard: focus the grid, select the first row, End jumps to the last one.
  await firstRow.click();
  await expect(firstRow).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('End');
  const lastRow = grid.locator('[role=row][aria-rowindex="5001"]');
  await expect(lastRow).toBeVisible();
  await expect(lastRow).toHaveAttribute('aria-selected', 'true');
  // The last row of "name descending" is the first of "name ascending" (ties broken by id both ways).
  await expect(lastRow).toContainText(asc.rows[0]!.sku);
  await expect(lastRow).toContainText(asc.rows[0]!.name);
  await expect(page.getByTestId('grid-status')).toContainText('Row 5,000 of 5,000');
  await expect(grid.locator('.bl-skeleton')).toHaveCount(0);
  expect(await grid.getByRole('row').count()).toBeLessThan(80);
  await shot(page, '20-list-end-name-desc');

  // Arrow keys move the selection; Enter opens it; Esc closes.
  await page.keyboard.press('ArrowUp');
  const beforeLast = grid.locator('[role=row][aria-rowindex="5000"]');
  await expect(beforeLast).toHaveAttribute('aria-selected', 'true');
  const sku = (await beforeLast.locator('[role=gridcell]').first().textContent())!;
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: new RegExp(`Product ${sku}`) });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('SKU')).toHaveValue(sku);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // Scrolling with the wheel back to the middle loads that window too.
  await grid.hover();
  await page.mouse.wheel(0, -70_000);
  await expect(grid.locator('.bl-skeleton')).toHaveCount(0);
  const firstVisible = Number(await grid.locator('[role=row][aria-rowindex]:not([aria-rowindex="1"])').first().getAttribute('aria-rowindex'));
  expect(firstVisible).toBeGreaterThan(2);
  expect(firstVisible).toBeLessThan(5000);
});

test('filters by text, category and status run in the engine', async ({ page }) => {
  await login(page, 'admin', 'demo-admin');
  const grid = page.getByRole('grid', { name: 'Products' });
  const count = page.getByTestId('product-count');
  await expect(count).toHaveText('5,000 products');

  const search = page.getByLabel('Search products');
  await search.fill('wire brush');
  const expected = await rpc<Page<Product>>(api, 'catalog.product.list', { query: 'wire brush', limit: 1 });
  await expect(count).toHaveText(`${expected.total.toLocaleString('en-US')} products`);
  await expect(grid.locator('[role=row][aria-rowindex="2"]')).toContainText(/wire brush/i);
  await search.fill('');
  await expect(count).toHaveText('5,000 products');

  const categories = await rpc<{ rows: { id: string; name: string; productCount: number }[] }>(api, 'catalog.category.list');
  const cat = categories.rows.find((c) => c.productCount > 0)!;
  await page.getByRole('textbox', { name: 'Category' }).or(page.getByRole('combobox', { name: 'Category' })).click();
  await page.getByRole('option', { name: `${cat.name} (${cat.productCount})` }).click();
  await expect(count).toHaveText(`${cat.productCount.toLocaleString('en-US')} ${cat.productCount === 1 ? 'product' : 'products'}`);
  await expect(grid.locator('[role=row][aria-rowindex="2"]')).toContainText(cat.name);
  await shot(page, '21-list-category-filter');

  await page.getByText('Archived', { exact: true }).click();
  await expect(count).toHaveText(/^\d+ products?$/);
  const archived = await rpc<Page<Product>>(api, 'catalog.product.list', { status: 'archived', categoryId: cat.id, limit: 1 });
  await expect(count).toHaveText(`${archived.total} ${archived.total === 1 ? 'product' : 'products'}`);
});

test('a clerk sees the catalog read-only and no Admin section', async ({ page }) => {
  await login(page, 'clerk', 'demo-clerk');
  await expect(page.getByTestId('product-count')).toHaveText('5,000 products');
  await expect(page.getByRole('button', { name: 'New product' })).toHaveCount(0);
  await expect(page.getByRole('navigation', { name: 'Sections' }).getByText('Admin', { exact: true })).toHaveCount(0);
  await page.keyboard.press('n');
  await expect(page.getByRole('dialog')).toHaveCount(0);

  // Opening a product shows it without save, archive or restore.
  await page.getByRole('grid', { name: 'Products' }).locator('[role=row][aria-rowindex="2"]').dblclick();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: /Save|Archive|Restore/ })).toHaveCount(0);
  await expect(dialog.getByLabel('SKU')).toHaveAttribute('readonly', '');
  await shot(page, '22-clerk-read-only');
});
