import type { APIRequestContext, Page } from '@playwright/test';
import { ensureDemo, expect, hostFor, login, rpc, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

interface Availability {
  byWarehouse: { code: string; onHand: number; reserved: number; available: number; incoming: number; outgoing: number }[];
}

const SKU = 'E2E-INTER-PALLET';
let api: APIRequestContext;
let productId = '';

test.beforeAll(async ({ playwright }, testInfo) => {
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  await ensureDemo(api);
  await rpc(api, 'auth.login', { username: 'admin', password: 'demo-admin' });
  const uoms = await rpc<{ uoms: { id: string; code: string }[] }>(api, 'catalog.uom.list', {});
  const p = await rpc<{ id: string }>(api, 'catalog.product.create', { sku: SKU, name: 'Stretch wrap pallet (inter-warehouse test)', uomId: uoms.uoms.find((u) => u.code === 'EA')!.id, listPriceMinor: 2500, costMinor: 1200 });
  productId = p.id;
  const wh = await rpc<{ rows: { id: string; code: string }[] }>(api, 'inventory.warehouse.list', {});
  const locations = await rpc<{ rows: { id: string; path: string }[] }>(api, 'inventory.location.list', { warehouseId: wh.rows.find((w) => w.code === 'WH1')!.id });
  await rpc(api, 'inventory.adjust', { productId, locationId: locations.rows.find((l) => l.path === 'WH1/Stock/B-02-1')!.id, delta: 20, reason: 'opening stock for the e2e test' });
});
test.afterAll(async () => {
  await api?.dispose();
});

const cell = (page: Page, id: string) => page.getByTestId(`watch-${SKU}`).getByTestId(id);

test('inter-warehouse WH1 → WH2: in transit on both sides, then received', async ({ page }) => {
  await login(page, 'warehouse', 'demo-warehouse');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Inter-warehouse', exact: true }).click();
  const form = page.getByRole('form', { name: 'New inter-warehouse transfer' });
  await expect(form.getByRole('combobox', { name: 'From warehouse' })).toHaveValue(/^WH1/);
  await expect(form.getByRole('combobox', { name: 'To warehouse' })).toHaveValue(/^WH2/);
  await form.getByRole('combobox', { name: 'Product, line 1' }).fill(SKU);
  await page.getByRole('option', { name: new RegExp(SKU) }).click();
  await form.getByLabel('Quantity, line 1').fill('5');
  await form.getByLabel('Origin').fill('Rebalance south depot');
  await form.getByRole('button', { name: 'Create transfer' }).click();

  // Planned: WH1 owes 5 (outgoing), WH2 expects 5 (incoming), nothing on the road yet.
  const pair = page.getByTestId('inter-pair');
  await expect(pair.getByTestId('outbound')).toContainText('Ready');
  await expect(pair.getByTestId('inbound')).toContainText('Waiting');
  await expect(cell(page, 'from-onhand')).toHaveText('20');
  await expect(cell(page, 'from-outgoing')).toHaveText('5');
  await expect(cell(page, 'in-transit')).toHaveText('0');
  await expect(cell(page, 'to-incoming')).toHaveText('5');
  await shot(page, '50-inter-created');

  // Shipped: it has left WH1 and sits in Transit, still incoming at WH2.
  await pair.getByRole('button', { name: 'Ship (validate)' }).click();
  await expect(pair.getByTestId('outbound')).toContainText('Done');
  await expect(pair.getByTestId('inbound')).toContainText('Ready');
  await expect(cell(page, 'from-onhand')).toHaveText('15');
  await expect(cell(page, 'from-outgoing')).toHaveText('0');
  await expect(cell(page, 'in-transit')).toHaveText('5');
  await expect(cell(page, 'to-incoming')).toHaveText('5');
  await expect(cell(page, 'to-onhand')).toHaveText('0');
  const inboundNumber = (await pair.getByTestId('inbound').getByRole('link').textContent())!.trim();
  const shipments = page.getByRole('table', { name: 'Shipments between warehouses' });
  await expect(shipments.getByRole('row').filter({ hasText: inboundNumber })).toContainText('In transit');
  await shot(page, '51-inter-in-transit');

  // The product's stock drawer shows the Transit stock too.
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Stock', exact: true }).click();
  await page.getByLabel('Search stock').fill(SKU);
  await expect(page.getByTestId('stock-count')).toHaveText('1 product');
  await page.getByLabel('Search stock').press('Enter');
  const drawer = page.getByRole('dialog');
  const where = drawer.getByRole('table', { name: 'Stock by location' });
  await expect(where.getByRole('row').filter({ hasText: 'Virtual/Transit' })).toContainText('in transit');
  await expect(where.getByRole('row').filter({ hasText: 'Virtual/Transit' }).getByRole('cell').nth(2)).toHaveText('5');
  const byWh = drawer.getByRole('table', { name: 'Availability by warehouse' });
  await expect(byWh.getByRole('row').filter({ hasText: 'WH2' }).getByRole('cell').nth(4)).toHaveText('5');
  await shot(page, '52-inter-transit-drawer');
  await page.keyboard.press('Escape');

  // Received at WH2 from the transfer itself.
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Inter-warehouse', exact: true }).click();
  await page.getByRole('table', { name: 'Shipments between warehouses' }).getByRole('row').filter({ hasText: inboundNumber }).click();
  await expect(page.getByRole('heading', { name: /B01-WH2-TIN-/ })).toBeVisible();
  await page.getByRole('button', { name: 'Fill quantities' }).click();
  await expect(page.getByLabel(`Done ${SKU}`)).toHaveValue('5');
  await page.getByRole('button', { name: 'Validate' }).click();
  await expect(page.getByTestId('transfer-state')).toHaveText('Done');
  await shot(page, '53-inter-received');

  const a = await rpc<Availability>(api, 'inventory.availability', { productId });
  expect(a.byWarehouse.find((w) => w.code === 'WH1')).toMatchObject({ onHand: 15, outgoing: 0, reserved: 0 });
  expect(a.byWarehouse.find((w) => w.code === 'WH2')).toMatchObject({ onHand: 5, incoming: 0 });
  const levels = await rpc<{ rows: { path: string; onHand: number }[] }>(api, 'inventory.stock.byProduct', { productId });
  expect(levels.rows.find((r) => r.path === 'Virtual/Transit')).toBeUndefined();
});
