import type { APIRequestContext, Page } from '@playwright/test';
import { expect, hostFor, login, rpc, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

interface Product {
  id: string;
  sku: string;
}

let api: APIRequestContext;
const products: Record<'plain' | 'sterile', Product> = {} as never;

/**
 * A small company made through the API (no demo history, so the spec starts in seconds): a
 * warehouse, a vendor with prices, a category whose receipts are inspected, reorder rules and
 * customer demand that nothing in stock covers — so replenishment finds two urgent needs.
 */
test.beforeAll(async ({ playwright }, testInfo) => {
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  const status = await rpc<{ initialized: boolean }>(api, 'system.status');
  if (!status.initialized) {
    await rpc(api, 'system.setup', { companyName: 'Purchasing E2E', branchCode: 'B01', branchName: 'Main', adminUsername: 'admin', adminDisplayName: 'Admin', adminPassword: 'e2e-admin-pass' });
  }
  await rpc(api, 'auth.login', { username: 'admin', password: 'e2e-admin-pass' });
  await rpc(api, 'users.create', { username: 'bea', displayName: 'Bea Buyer', password: 'bea-buyer-pass', roles: ['buyer'] });
  const each = await rpc<{ id: string }>(api, 'catalog.uom.create', { code: 'EA', name: 'Each' });
  const wh = await rpc<{ id: string }>(api, 'inventory.warehouse.create', { code: 'PW1', name: 'Purchasing WH', region: 'North' });
  const sterile = await rpc<{ id: string }>(api, 'catalog.category.create', { name: 'Sterile supplies' });
  await rpc(api, 'purchasing.categoryPolicy.set', { categoryId: sterile.id, requiresInspection: true });
  const vendor = await rpc<{ id: string }>(api, 'purchasing.vendor.create', { name: 'Acme Industrial', leadTimeDays: 7, contacts: [{ name: 'Ada Sales', email: 'ada@acme.test' }] });
  products.plain = await rpc<Product>(api, 'catalog.product.create', { sku: 'E2E-GLOVES', name: 'Work gloves', uomId: each.id, listPriceMinor: 2500, costMinor: 1000 });
  products.sterile = await rpc<Product>(api, 'catalog.product.create', { sku: 'E2E-GAUZE', name: 'Sterile gauze', uomId: each.id, categoryId: sterile.id, listPriceMinor: 900, costMinor: 300 });
  await rpc(api, 'purchasing.price.set', { vendorId: vendor.id, productId: products.plain.id, priceMinor: 1000 });
  await rpc(api, 'purchasing.price.set', { vendorId: vendor.id, productId: products.sterile.id, priceMinor: 300 });
  await rpc(api, 'purchasing.reorderRule.set', { productId: products.plain.id, warehouseId: wh.id, method: 'min_max', minQty: 10, maxQty: 50 });
  await rpc(api, 'purchasing.reorderRule.set', { productId: products.sterile.id, warehouseId: wh.id, method: 'min_max', minQty: 5, maxQty: 20 });
  // Customers wait for 10 gloves and 4 gauze: projected stock is below zero before anything can arrive.
  await rpc(api, 'inventory.transfer.create', { kind: 'delivery', warehouseId: wh.id, lines: [{ productId: products.plain.id, quantity: 10 }] });
  await rpc(api, 'inventory.transfer.create', { kind: 'delivery', warehouseId: wh.id, lines: [{ productId: products.sterile.id, quantity: 4 }] });
});
test.afterAll(async () => {
  await api?.dispose();
});

const poState = (page: Page) => page.getByTestId('po-state');

test('buyer: replenishment → urgent PO approved and sent → received in two parts with a failed inspection → landed cost → bill held on a price difference and approved', async ({ page }) => {
  test.setTimeout(150_000);
  await login(page, 'bea', 'bea-buyer-pass');
  const nav = page.getByRole('navigation', { name: 'Sections' });

  // 1. Replenishment, for real: both needs are urgent, so they wait in the review queue.
  await nav.getByRole('link', { name: 'Replenishment', exact: true }).click();
  await page.getByTestId('replenish-dry').uncheck();
  await page.getByTestId('replenish-run').click();
  await expect(page.getByTestId('replenish-result')).toContainText('2 to review');
  await expect(page.getByTestId('replenish-result')).toContainText('projected -10 in 7 days');
  await shot(page, '60-replenishment');
  await page.getByTestId('review-E2E-GLOVES').getByTestId('review-accept').click();
  await expect(poState(page)).toHaveText('draft');
  await nav.getByRole('link', { name: 'Replenishment', exact: true }).click();
  await page.getByTestId('review-E2E-GAUZE').getByTestId('review-accept').click();

  // 2. One urgent order with both lines: it needs approval even though it is small.
  await expect(page.getByTestId('po-line-2')).toContainText('E2E-GAUZE');
  await page.getByTestId('po-submit').click();
  await expect(poState(page)).toHaveText('to approve');
  await page.getByTestId('po-approve').click();
  await expect(poState(page)).toHaveText('approved');
  await page.getByTestId('po-send').click();
  await expect(poState(page)).toHaveText('sent');
  await shot(page, '61-po-sent');

  // 3. First delivery: half the gloves and all the gauze; the gauze waits for inspection.
  await page.getByLabel('Receive E2E-GLOVES').fill('30');
  await page.getByLabel('Receive E2E-GAUZE').fill('24');
  await page.getByTestId('po-receive').click();
  await expect(poState(page)).toHaveText('partially received');
  const inspection = page.getByTestId('inspection-E2E-GAUZE');
  await inspection.getByLabel('Passed').fill('20');
  await inspection.getByLabel('Why it failed').fill('Four packs with broken seals');
  await inspection.getByTestId('inspection-record').click();
  await expect(page.getByTestId('inspection-E2E-GAUZE')).toContainText('20 passed, 4 failed');
  await expect(page.getByTestId('inspection-E2E-GAUZE')).toContainText('return to vendor planned');

  // 4. Second delivery completes the order.
  await page.getByLabel('Receive E2E-GLOVES').fill('30');
  await page.getByTestId('po-receive').click();
  await expect(poState(page)).toHaveText('received');
  await expect(page.getByTestId('po-line-1').getByTestId('po-line-received')).toHaveText('60');

  // 5. Freight by quantity: 80.00 over 60 + 20 accepted units → the gloves' average cost rises from 10.00 to 11.00.
  const method = page.getByRole('textbox', { name: 'Allocate by' }).or(page.getByRole('combobox', { name: 'Allocate by' })).first();
  await method.click();
  await page.getByRole('option', { name: 'quantity' }).click();
  await page.getByLabel('Amount').fill('80.00');
  await page.getByTestId('landed-add').click();
  await expect(page.getByTestId('landed-result')).toContainText('E2E-GLOVES +60.00 → average cost 11.00');
  await shot(page, '62-landed-cost');

  // 6. The vendor bills the gloves at 11.00 instead of 10.00: held with the difference, then approved.
  await page.getByLabel("Vendor's bill number").fill('ACME-INV-77');
  await page.getByLabel('Bill price E2E-GLOVES').fill('11.00');
  await page.getByTestId('bill-record').click();
  const bill = page.getByTestId('bill-ACME-INV-77');
  await expect(bill.getByTestId('bill-state')).toHaveText('held');
  await expect(bill).toContainText('E2E-GLOVES: price differs from the order by 60.00');
  await shot(page, '63-bill-held');
  await bill.getByLabel('Reason').fill('Surcharge agreed with Ada on the phone');
  await bill.getByTestId('bill-approve').click();
  await expect(page.getByTestId('bill-ACME-INV-77').getByTestId('bill-state')).toHaveText('ready to pay');
  await expect(poState(page)).toHaveText('billed');

  // The engine agrees: the gauze that failed is on its way back, and the gloves are valued with the freight.
  const availability = await rpc<{ onHand: number }>(api, 'inventory.availability', { productId: products.plain.id });
  expect(availability.onHand).toBe(60);
});
