import { readFileSync } from 'node:fs';
import type { APIRequestContext, Page } from '@playwright/test';
import { ensureDemo, expect, hostFor, login, rpc, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

/** A valid EAN-13 for a 12-digit body. */
function ean13(body: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body[i]) * (i % 2 === 0 ? 1 : 3);
  return body + String((10 - (sum % 10)) % 10);
}

interface Product {
  id: string;
  sku: string;
  barcode: string | null;
}
interface Availability {
  onHand: number;
  reserved: number;
  byWarehouse: { code: string; onHand: number; reserved: number; available: number; incoming: number; outgoing: number }[];
}

const SKU = 'E2E-SCAN-DRILL';
const BARCODE = ean13('590123400017');
const OTHER_SKU = 'E2E-SCAN-OTHER';
const OTHER_BARCODE = ean13('590123400024');
const CARRIER = 'E2E-EXPRESS';
const BIN = 'WH1/Stock/A-01-1';

let api: APIRequestContext;
let product: Product;

test.beforeAll(async ({ playwright }, testInfo) => {
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  await ensureDemo(api);
  await rpc(api, 'auth.login', { username: 'admin', password: 'demo-admin' });
  const uoms = await rpc<{ uoms: { id: string; code: string }[] }>(api, 'catalog.uom.list', {});
  const each = uoms.uoms.find((u) => u.code === 'EA')!.id;
  product = await rpc<Product>(api, 'catalog.product.create', { sku: SKU, name: 'Cordless drill 18 V (scan test)', uomId: each, barcode: BARCODE, listPriceMinor: 12900, costMinor: 6500 });
  await rpc(api, 'catalog.product.create', { sku: OTHER_SKU, name: 'Angle grinder (not on the order)', uomId: each, barcode: OTHER_BARCODE, listPriceMinor: 8900, costMinor: 4000 });
});
test.afterAll(async () => {
  await api?.dispose();
});

async function pickProduct(page: Page, scope: ReturnType<Page['getByRole']>, label: string, query: string) {
  const input = scope.getByRole('combobox', { name: label });
  await input.fill(query);
  await page.getByRole('option', { name: new RegExp(query) }).first().click();
}

/** Types like a keyboard-wedge scanner: fast keystrokes, then Enter. */
async function scan(page: Page, code: string) {
  const field = page.getByLabel('Scan barcode');
  await field.focus();
  await field.pressSequentially(code, { delay: 6 });
  await field.press('Enter');
}

const state = (page: Page) => page.getByTestId('transfer-state');

test('receive → put away → deliver: wave pick by scanning (one wrong product), pack, ship — stock follows', async ({ page }) => {
  test.setTimeout(120_000);
  await login(page, 'warehouse', 'demo-warehouse');
  const nav = page.getByRole('navigation', { name: 'Sections' });

  // 1. A receipt in WH1 (2 steps: IN → PUT).
  await nav.getByRole('link', { name: 'Receipts', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Receipts' })).toBeVisible();
  await page.getByRole('button', { name: 'New receipt' }).click();
  const form = page.getByRole('dialog', { name: 'New receipt' });
  await expect(form.getByText('2 steps: received into Input, then put away into a bin.')).toBeVisible();
  await pickProduct(page, form, 'Product, line 1', SKU);
  await form.getByLabel('Quantity, line 1').fill('10');
  await form.getByLabel('Unit cost, line 1').fill('65.00');
  await form.getByLabel('Origin').fill('PO-E2E-1');
  await shot(page, '40-receipt-new');
  await form.getByRole('button', { name: 'Create and confirm' }).click();
  await expect(form).toBeHidden();
  await expect(page.getByRole('heading', { name: /B01-WH1-IN-/ })).toBeVisible();
  await expect(state(page)).toHaveText('Ready');
  expect((await rpc<Availability>(api, 'inventory.availability', { productId: product.id })).byWarehouse.find((w) => w.code === 'WH1')?.incoming).toBe(10);

  await page.getByRole('button', { name: 'Fill quantities' }).click();
  await expect(page.getByLabel(`Done ${SKU}`)).toHaveValue('10');
  await shot(page, '41-receipt-ready');
  await page.getByRole('button', { name: 'Validate' }).click();
  await expect(state(page)).toHaveText('Done');

  // 2. Put away into a bin.
  await page.getByRole('button', { name: /Open next step: Put-away/ }).click();
  await expect(page.getByRole('heading', { name: /B01-WH1-PUT-/ })).toBeVisible();
  await expect(state(page)).toHaveText('Ready');
  await page.getByRole('combobox', { name: `Destination for ${SKU}` }).click();
  await page.getByRole('option', { name: BIN, exact: true }).click();
  await page.getByLabel(`Done ${SKU}`).fill('10');
  await shot(page, '42-putaway');
  await page.getByRole('button', { name: 'Validate' }).click();
  await expect(state(page)).toHaveText('Done');
  await expect(page.getByTestId(`line-${SKU}`)).toContainText(BIN);

  // 3. A delivery (3 steps: PICK → PACK → OUT), ready because the stock is reserved.
  await nav.getByRole('link', { name: 'Transfers', exact: true }).click();
  await page.getByRole('button', { name: 'New transfer' }).click();
  const delivery = page.getByRole('dialog', { name: 'New delivery' });
  await expect(delivery.getByText('Three steps: pick → pack → ship.')).toBeVisible();
  await delivery.getByLabel('Carrier', { exact: true }).fill(CARRIER);
  await pickProduct(page, delivery, 'Product, line 1', SKU);
  await delivery.getByLabel('Quantity, line 1').fill('4');
  await delivery.getByRole('button', { name: 'Create and confirm' }).click();
  await expect(page.getByRole('heading', { name: /B01-WH1-PICK-/ })).toBeVisible();
  await expect(state(page)).toHaveText('Ready');
  await expect(page.getByTestId(`line-${SKU}`).getByRole('cell').nth(7)).toHaveText('4'); // reserved
  await expect(page.getByRole('navigation', { name: 'Steps of this flow' }).getByRole('button')).toHaveCount(3);
  await shot(page, '43-delivery-ready');

  // 4. Wave: build for the carrier, print the pick list, open the pick.
  await nav.getByRole('link', { name: 'Waves & picking', exact: true }).click();
  const builder = page.getByRole('form', { name: 'Build a wave' });
  await builder.getByLabel('Carrier').fill(CARRIER);
  await builder.getByRole('button', { name: 'Build wave' }).click();
  await expect(page.getByRole('heading', { name: /B01-WH1-WAVE-/ })).toBeVisible();
  const pickList = page.getByRole('table', { name: 'Pick list' });
  await expect(pickList.getByRole('row')).toHaveCount(2);
  await expect(pickList.getByRole('row').nth(1)).toContainText(BIN);
  await expect(pickList.getByRole('row').nth(1)).toContainText(SKU);
  await expect(pickList.getByRole('row').nth(1)).toContainText('4');
  await shot(page, '44-wave');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Print pick list (PDF)' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^pick-list-B01-WH1-WAVE-\d{4}-\d+\.pdf$/);
  const pdf = readFileSync(await file.path());
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  await page.getByRole('button', { name: /Open B01-WH1-PICK-/ }).click();
  await expect(page.getByRole('heading', { name: /B01-WH1-PICK-/ })).toBeVisible();

  // 5. Scan: the wrong product first (red warning), then the right one (1 + a GS1 label with count 3).
  const message = page.getByTestId('scan-message');
  await scan(page, OTHER_BARCODE);
  await expect(message).toHaveAttribute('data-tone', 'error');
  await expect(message).toContainText(`Wrong product: ${OTHER_SKU} is not on this transfer`);
  await expect(page.getByRole('alert').filter({ hasText: 'Wrong product' })).toBeVisible();
  await expect(page.getByLabel(`Done ${SKU}`)).toHaveValue('0');
  await shot(page, '45-scan-wrong-product');
  await scan(page, BARCODE);
  await expect(message).toHaveAttribute('data-tone', 'ok');
  await expect(page.getByLabel(`Done ${SKU}`)).toHaveValue('1');
  await scan(page, `(01)0${BARCODE}(37)3`);
  await expect(page.getByLabel(`Done ${SKU}`)).toHaveValue('4');
  await expect(message).toContainText('4 of 4');
  await expect(page.getByTestId('done-summary')).toHaveText('4 of 4 units confirmed');
  await shot(page, '46-scan-complete');
  // One more is too many: refused, amber.
  await scan(page, BARCODE);
  await expect(message).toHaveAttribute('data-tone', 'warn');
  await expect(page.getByLabel(`Done ${SKU}`)).toHaveValue('4');
  await page.getByRole('button', { name: 'Validate' }).click();
  await expect(state(page)).toHaveText('Done');

  // 6. Pack, then ship.
  await page.getByRole('button', { name: /Open next step: Pack/ }).click();
  await expect(page.getByRole('heading', { name: /B01-WH1-PACK-/ })).toBeVisible();
  await expect(state(page)).toHaveText('Ready');
  await scan(page, `(01)0${BARCODE}(37)4`);
  await expect(page.getByLabel(`Done ${SKU}`)).toHaveValue('4');
  await page.getByRole('button', { name: 'Validate' }).click();
  await expect(state(page)).toHaveText('Done');
  await page.getByRole('button', { name: /Open next step: Delivery/ }).click();
  await expect(page.getByRole('heading', { name: /B01-WH1-OUT-/ })).toBeVisible();
  await page.getByRole('button', { name: 'Fill quantities' }).click();
  await page.getByRole('button', { name: 'Validate' }).click();
  await expect(state(page)).toHaveText('Done');
  await expect(page.getByRole('navigation', { name: 'Steps of this flow' })).toBeVisible();
  await shot(page, '47-shipped');

  // 7. Stock and availability afterwards: 10 in, 4 out, nothing reserved or planned.
  const a = await rpc<Availability>(api, 'inventory.availability', { productId: product.id });
  expect(a.byWarehouse.find((w) => w.code === 'WH1')).toMatchObject({ onHand: 6, reserved: 0, available: 6, incoming: 0, outgoing: 0 });
  const check = await rpc<{ ok: boolean }>(api, 'inventory.check', {});
  expect(check.ok).toBe(true);

  await nav.getByRole('link', { name: 'Stock', exact: true }).click();
  await page.getByLabel('Search stock').fill(SKU);
  await expect(page.getByTestId('stock-count')).toHaveText('1 product');
  const row = page.getByRole('grid', { name: 'Stock' }).getByRole('row').nth(1);
  await expect(row).toContainText(SKU);
  await expect(row.getByRole('gridcell').nth(4)).toHaveText('6');
  await expect(row.getByRole('gridcell').nth(6)).toHaveText('6');
  await row.dblclick();
  const drawer = page.getByRole('dialog');
  await expect(drawer.getByRole('table', { name: 'Stock by location' })).toContainText(BIN);
  await expect(drawer.getByTestId('stat-available')).toContainText('6');
  await expect(drawer.getByRole('img', { name: /Forecast over 30 days/ })).toBeVisible();
  await shot(page, '48-stock-drawer');
});

test('the stock ledger of the product lists its moves, filtered by the engine', async ({ page }) => {
  await login(page, 'warehouse', 'demo-warehouse');
  await page.goto(`/#/warehouse/ledger/${product.id}`);
  await expect(page.getByRole('heading', { name: 'Stock ledger' })).toBeVisible();
  // IN, PUT, PICK, PACK, OUT.
  await expect(page.getByTestId('ledger-count')).toHaveText('5 moves');
  const grid = page.getByRole('grid', { name: 'Stock moves' });
  await expect(grid.getByRole('row').nth(1)).toContainText('Virtual/Customers');
  await expect(grid.getByRole('row').nth(5)).toContainText('Virtual/Vendors');
  await page.getByRole('combobox', { name: 'Location' }).click();
  await page.getByRole('option', { name: BIN, exact: true }).click();
  await expect(page.getByTestId('ledger-count')).toHaveText('2 moves');
  await shot(page, '49-ledger');
});

test('transfers are filtered by type, state and warehouse and sorted by the engine; settings are read-only without inventory.config', async ({ page }) => {
  await login(page, 'warehouse', 'demo-warehouse');
  const nav = page.getByRole('navigation', { name: 'Sections' });
  await nav.getByRole('link', { name: 'Transfers', exact: true }).click();
  const count = page.getByTestId('transfer-count');
  await expect(count).not.toHaveText('Loading…');
  const all = Number((await count.textContent())!.replace(/\D/g, ''));
  await page.getByRole('combobox', { name: 'Type' }).click();
  await page.getByRole('option', { name: 'Pick', exact: true }).click();
  await page.getByRole('combobox', { name: 'State' }).click();
  await page.getByRole('option', { name: 'Done', exact: true }).click();
  await page.getByRole('combobox', { name: 'Warehouse' }).click();
  await page.getByRole('option', { name: /^WH1/ }).click();
  await expect(count).not.toHaveText(`${all.toLocaleString('en-US')} transfers`);
  await page.getByLabel('Search transfers').fill('PICK');
  const grid = page.getByRole('grid', { name: 'Transfers' });
  await expect(grid.getByRole('row').nth(1)).toContainText('Done');
  await grid.getByRole('columnheader', { name: /Number/ }).getByRole('button').click();
  await expect(grid.getByRole('columnheader', { name: /Number/ })).toHaveAttribute('aria-sort', 'ascending');
  const first = await grid.getByRole('row').nth(1).getByRole('gridcell').first().textContent();
  await grid.getByRole('columnheader', { name: /Number/ }).getByRole('button').click();
  await expect(grid.getByRole('columnheader', { name: /Number/ })).toHaveAttribute('aria-sort', 'descending');
  await expect(grid.getByRole('row').nth(1).getByRole('gridcell').first()).not.toHaveText(first!);
  await shot(page, '70-transfers-filtered');

  await nav.getByRole('link', { name: 'Warehouse settings', exact: true }).click();
  await expect(page.getByText('Read-only: changing these needs inventory.config')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Warehouses' }).getByRole('row').filter({ hasText: 'WH1' })).toContainText('Central Distribution Centre');
  await expect(page.getByRole('combobox', { name: 'Delivery steps of WH1' })).toHaveValue('3 steps — pick, pack, ship');
  // Cross-docking is a warehouse setting too, off in the demo and read-only here.
  await expect(page.getByRole('switch', { name: 'Cross-dock in WH1' })).not.toBeChecked();
  await expect(page.getByRole('switch', { name: 'Cross-dock in WH1' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Save policies' })).toHaveCount(0);
  await shot(page, '71-settings-read-only');
});

test('a short receipt asks whether to keep a backorder for the rest', async ({ page }) => {
  const warehouses = await rpc<{ rows: { id: string; code: string }[] }>(api, 'inventory.warehouse.list', {});
  const receipt = await rpc<{ id: string; number: string }>(api, 'inventory.transfer.create', { kind: 'receipt', warehouseId: warehouses.rows.find((w) => w.code === 'WH2')!.id, origin: 'PO-E2E-SHORT', lines: [{ productId: product.id, quantity: 5 }] });
  await login(page, 'warehouse', 'demo-warehouse');
  await page.goto(`/#/warehouse/receipts/${receipt.id}`);
  await expect(page.getByRole('heading', { name: receipt.number })).toBeVisible();
  await page.getByLabel(`Done ${SKU}`).fill('3');
  await page.getByLabel(`Done ${SKU}`).press('Control+Enter');
  const ask = page.getByRole('dialog', { name: 'Not everything is done' });
  await expect(ask.getByRole('table', { name: 'Short lines' })).toContainText(SKU);
  await expect(ask.getByRole('row').nth(1).getByRole('cell').nth(3)).toHaveText('2');
  await shot(page, '72-backorder-prompt');
  await ask.getByRole('button', { name: 'Create backorder' }).click();
  await expect(page.getByTestId('transfer-state')).toHaveText('Done');
  await expect(page.getByText(/Backorder B01-WH2-IN-\d{4}-\d+ holds what is left/)).toBeVisible();
  const backorders = await rpc<{ rows: { backorderOfId: string | null; totalQuantity: number; state: string }[] }>(api, 'inventory.transfer.list', { query: 'PO-E2E-SHORT', kind: 'receipt' });
  expect(backorders.rows.find((r) => r.backorderOfId === receipt.id)).toMatchObject({ totalQuantity: 2, state: 'ready' });
});

test('goods already here: a receipt created and received in one step from the form', async ({ page }) => {
  await login(page, 'warehouse', 'demo-warehouse');
  const nav = page.getByRole('navigation', { name: 'Sections' });
  await nav.getByRole('link', { name: 'Receipts', exact: true }).click();
  await page.getByRole('button', { name: 'New receipt' }).click();
  const form = page.getByRole('dialog', { name: 'New receipt' });
  await pickProduct(page, form, 'Product, line 1', OTHER_SKU);
  await form.getByLabel('Quantity, line 1').fill('5');
  await form.getByLabel('Unit cost, line 1').fill('40.00');
  await form.getByLabel('Origin').fill('PO-E2E-NOW');
  await form.getByLabel('Goods are here: receive into Input now').check();
  await form.getByRole('button', { name: 'Create and receive' }).click();
  await expect(form).toBeHidden();
  await expect(page.getByRole('heading', { name: /B01-WH1-IN-/ })).toBeVisible();
  await expect(state(page)).toHaveText('Done');
  // Received into Input: the put-away is ready for a bin.
  await expect(page.getByRole('button', { name: /Open next step: Put-away/ })).toBeVisible();
  const other = await rpc<{ rows: { id: string; sku: string }[] }>(api, 'catalog.product.search', { query: OTHER_SKU, limit: 5 });
  const wh1 = (await rpc<Availability>(api, 'inventory.availability', { productId: other.rows.find((p) => p.sku === OTHER_SKU)!.id })).byWarehouse.find((w) => w.code === 'WH1');
  expect(wh1).toMatchObject({ onHand: 5, incoming: 0 });
});
