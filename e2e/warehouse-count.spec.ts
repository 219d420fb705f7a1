import type { APIRequestContext } from '@playwright/test';
import { ensureDemo, expect, hostFor, login, logout, rpc, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

const SKU = 'E2E-COUNT-GLOVES';
const BIN = 'WH1/Stock/E2E-CNT-1';
let api: APIRequestContext;
let productId = '';
let binId = '';

test.beforeAll(async ({ playwright }, testInfo) => {
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  await ensureDemo(api);
  await rpc(api, 'auth.login', { username: 'admin', password: 'demo-admin' });
  const uoms = await rpc<{ uoms: { id: string; code: string }[] }>(api, 'catalog.uom.list', {});
  productId = (await rpc<{ id: string }>(api, 'catalog.product.create', { sku: SKU, name: 'Nitrile gloves, box of 100 (count test)', uomId: uoms.uoms.find((u) => u.code === 'EA')!.id, listPriceMinor: 1490, costMinor: 800 })).id;
  const wh = await rpc<{ rows: { id: string; code: string }[] }>(api, 'inventory.warehouse.list', {});
  const locations = await rpc<{ rows: { id: string; path: string }[] }>(api, 'inventory.location.list', { warehouseId: wh.rows.find((w) => w.code === 'WH1')!.id });
  binId = (await rpc<{ id: string }>(api, 'inventory.location.create', { parentId: locations.rows.find((l) => l.path === 'WH1/Stock')!.id, name: 'E2E-CNT-1' })).id;
  await rpc(api, 'inventory.adjust', { productId, locationId: binId, delta: 100, reason: 'opening stock for the e2e test' });
});
test.afterAll(async () => {
  await api?.dispose();
});


test('a cycle count with a large variance waits for approval; a warehouse user cannot approve, an admin can; stock follows', async ({ page }) => {
  await login(page, 'warehouse', 'demo-warehouse');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Cycle counts', exact: true }).click();
  await page.getByRole('button', { name: 'New count' }).click();
  const dialog = page.getByRole('dialog', { name: 'New cycle count' });
  await dialog.getByRole('combobox', { name: 'Location to count' }).fill('E2E-CNT');
  await page.getByRole('option', { name: BIN, exact: true }).click();
  await dialog.getByRole('button', { name: 'Open count' }).click();

  await expect(page.getByRole('heading', { name: /B01-WH1-CNT-/ })).toBeVisible();
  await expect(page.getByTestId('count-state')).toHaveText('Open');
  const line = page.getByTestId(`count-line-${SKU}`);
  await expect(line.getByRole('cell').nth(3)).toHaveText('100');
  await page.getByLabel(`Counted ${SKU}`).fill('80');
  await page.getByLabel(`Reason ${SKU}`).fill('water damage');
  await expect(line.getByRole('cell').nth(5)).toHaveText('-20');
  await shot(page, '60-count-worksheet');
  await page.getByRole('button', { name: 'Submit count' }).click();

  await expect(page.getByTestId('count-state')).toHaveText('Awaiting approval');
  await expect(page.getByText('Held for a warehouse manager')).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'Held for a warehouse manager' })).toContainText(`${SKU}: variance of 20.0% exceeds 5%`);
  await expect(page.getByText('You cannot approve counts')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Approve and post' })).toHaveCount(0);
  await shot(page, '61-count-awaiting-warehouse-user');

  // The approval queue lists it; the warehouse user still has no approve button.
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByText('Approval queue').click();
  const queue = page.getByRole('table', { name: 'Cycle counts' });
  await expect(queue.getByRole('row').filter({ hasText: BIN })).toContainText('Awaiting approval');
  await shot(page, '62-approval-queue');
  // The engine refuses too, whatever the screen shows.
  const countId = (await queue.getByRole('row').filter({ hasText: BIN }).getByRole('link').getAttribute('href'))!.split('/').pop()!;
  const refused = await page.request.post('/rpc', { data: { method: 'inventory.count.approve', input: { id: countId } } });
  expect(((await refused.json()) as { ok: boolean; error?: { code: string } }).error?.code).toBe('FORBIDDEN');

  // An admin (warehouse manager) approves: the count posts and the stock becomes what was counted.
  await logout(page);
  await login(page, 'admin', 'demo-admin');
  await page.goto(`/#/warehouse/counts/${countId}`);
  await expect(page.getByTestId('count-state')).toHaveText('Awaiting approval');
  await shot(page, '63-count-admin-approve');
  await page.getByRole('button', { name: 'Approve and post' }).click();
  await expect(page.getByTestId('count-state')).toHaveText('Posted');

  const levels = await rpc<{ rows: { locationId: string; onHand: number }[] }>(api, 'inventory.stock.byProduct', { productId });
  expect(levels.rows.find((r) => r.locationId === binId)?.onHand).toBe(80);
  const moves = await rpc<{ rows: { toPath: string; quantity: number; reason: string | null }[] }>(api, 'inventory.ledger', { productId, limit: 1 });
  expect(moves.rows[0]).toMatchObject({ toPath: 'Virtual/Inventory Loss', quantity: 20 });
  expect(moves.rows[0]!.reason).toMatch(/water damage/);

  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Stock', exact: true }).click();
  await page.getByLabel('Search stock').fill(SKU);
  await expect(page.getByRole('grid', { name: 'Stock' }).getByRole('row').nth(1).getByRole('gridcell').nth(4)).toHaveText('80');
  await shot(page, '64-count-posted-stock');
});
