import type { APIRequestContext } from '@playwright/test';
import { expect, hostFor, login, logout, rpc, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

const SKU = 'E2E-DS-DESK';
const CUSTOMER = 'E2E Dropship Offices';
const VENDOR = 'E2E Direct Furniture';

let api: APIRequestContext;

/**
 * A small company made through the API (no demo history): a warehouse, the sales channels, a
 * customer with a ship-to address, a desk nobody stocks and a vendor that sells it.
 */
test.beforeAll(async ({ playwright }, testInfo) => {
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  const status = await rpc<{ initialized: boolean }>(api, 'system.status');
  if (!status.initialized) {
    await rpc(api, 'system.setup', { companyName: 'Drop ship E2E', branchCode: 'B01', branchName: 'Main', adminUsername: 'admin', adminDisplayName: 'Admin', adminPassword: 'e2e-admin-pass' });
  }
  await rpc(api, 'auth.login', { username: 'admin', password: 'e2e-admin-pass' });
  await rpc(api, 'users.create', { username: 'cleo', displayName: 'Cleo Clerk', password: 'cleo-clerk-pass', roles: ['clerk'] });
  await rpc(api, 'users.create', { username: 'bea', displayName: 'Bea Buyer', password: 'bea-buyer-pass', roles: ['buyer'] });
  await rpc(api, 'users.create', { username: 'finn', displayName: 'Finn Finance', password: 'finn-finance-pass', roles: ['finance'] });
  const each = await rpc<{ id: string }>(api, 'catalog.uom.create', { code: 'EA', name: 'Each' });
  await rpc(api, 'inventory.warehouse.create', { code: 'DW1', name: 'Main warehouse', region: 'North' });
  const channels = await rpc<{ rows: { code: string }[] }>(api, 'sales.channel.list', {});
  if (!channels.rows.some((c) => c.code === 'rep')) await rpc(api, 'sales.channel.setPolicy', { code: 'rep' });
  await rpc(api, 'partners.customer.create', {
    name: CUSTOMER,
    customerClass: 'regular',
    region: 'North',
    paymentTermsDays: 30,
    addresses: [{ kind: 'ship_to', line1: '9 Harbour Road', city: 'Northtown', region: 'North', isDefault: true }],
  });
  const desk = await rpc<{ id: string }>(api, 'catalog.product.create', { sku: SKU, name: 'Standing desk (drop ship)', uomId: each.id, listPriceMinor: 450_00, costMinor: 300_00 });
  const vendor = await rpc<{ id: string }>(api, 'purchasing.vendor.create', { name: VENDOR, leadTimeDays: 5, contacts: [{ name: 'Dee Sales', email: 'dee@direct.test' }] });
  await rpc(api, 'purchasing.price.set', { vendorId: vendor.id, productId: desk.id, priceMinor: 280_00 });
});
test.afterAll(async () => {
  await api?.dispose();
});


test('a drop-ship order: the clerk marks the line, the buyer sends the PO and confirms the vendor shipment, the order is delivered and invoiced', async ({ page }) => {
  test.setTimeout(150_000);
  // 1. The clerk enters the order and saves it as a quotation.
  await login(page, 'cleo', 'cleo-clerk-pass');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'New order', exact: true }).click();
  const customer = page.getByRole('combobox', { name: 'Customer' }).or(page.getByRole('textbox', { name: 'Customer' })).first();
  await customer.fill('E2E Dropship');
  await page.getByRole('option', { name: new RegExp(CUSTOMER) }).click();
  const cell = page.getByRole('combobox', { name: 'Product, line 1' });
  await cell.fill(SKU);
  await cell.press('Enter');
  await expect(page.getByTestId('atp-1')).not.toBeEmpty();
  await page.keyboard.type('3');
  await page.getByRole('button', { name: 'Save quotation' }).click();
  const heading = page.getByRole('heading', { name: /^B01-SO-/ });
  await expect(heading).toBeVisible();
  const orderNumber = (await heading.textContent())!.trim();
  const orderUrl = page.url();

  // 2. The line is marked drop ship (the vendor with a price is found), then the order is confirmed.
  const mark = page.getByTestId(`dropship-mark-${SKU}`);
  // The box follows the engine (checked once the mark is recorded), so it is clicked, not check()ed.
  await mark.click();
  await expect(mark).toBeChecked();
  await expect(page.getByTestId('dropship-panel')).toContainText(`vendor ships it (${VENDOR})`);
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  await expect(page.getByTestId('order-state')).toHaveText('Confirmed');
  const row = page.getByTestId(`dropship-${SKU}`);
  await expect(row.getByTestId('dropship-state')).toHaveText('ordered');
  await expect(row.getByTestId('dropship-po')).toHaveText(/B01-PO-\d{4}-\d+/);
  const poNumber = (await row.getByTestId('dropship-po').textContent())!.trim();
  // Nothing is reserved in the warehouse for it.
  await expect(page.getByTestId(`line-${SKU}`).getByTestId('reserved')).toHaveText('0');
  await shot(page, '80-dropship-order-confirmed');
  await logout(page);

  // 3. The buyer finds the PO in Purchasing, approves and sends it, and confirms the vendor's shipment.
  await login(page, 'bea', 'bea-buyer-pass');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Purchase orders', exact: true }).click();
  // By keyboard: "/" into the search, ArrowDown into the grid, Enter opens the order.
  await expect(page.getByRole('heading', { name: 'Purchase orders' })).toBeVisible();
  await page.keyboard.press('/');
  await expect(page.getByLabel('Search', { exact: true })).toBeFocused();
  // The search answers 200 ms after typing stops, and a new answer clears the selection: first a
  // text that matches nothing, then the number in one edit, so "1 order" can only be its answer.
  await page.keyboard.insertText(`${poNumber}-none`);
  await expect(page.getByTestId('po-count')).toHaveText('0 orders');
  await page.getByLabel('Search', { exact: true }).fill(poNumber);
  await expect(page.getByTestId('po-count')).toHaveText('1 order');
  const poRow = page.getByRole('grid', { name: 'Purchase orders' }).getByRole('row').nth(1);
  await expect(poRow).toContainText(poNumber);
  await page.keyboard.press('ArrowDown');
  await expect(poRow).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('po-dropship-customer')).toHaveText(CUSTOMER);
  await expect(page.getByTestId('po-dropship')).toContainText('9 Harbour Road');
  await expect(page.getByTestId('po-dropship-order')).toHaveText(orderNumber);
  await page.getByTestId('po-submit').click();
  const state = page.getByTestId('po-state');
  await expect(state).not.toHaveText('draft');
  // Above the approval threshold the buyer approves it first (normal purchasing rules).
  if ((await state.textContent()) === 'to approve') await page.getByTestId('po-approve').click();
  await expect(state).toHaveText('approved');
  await page.getByTestId('po-send').click();
  await expect(state).toHaveText('sent');
  // No warehouse receipt for a drop ship: the vendor's shipment is confirmed instead.
  await expect(page.getByTestId('po-receive')).toHaveCount(0);
  await page.getByTestId('dropship-tracking-input').fill('1Z999AA10123456784');
  await page.getByTestId('dropship-confirm').click();
  await expect(state).toHaveText('received');
  await expect(page.getByTestId('po-line-1').getByTestId('po-line-received')).toHaveText('3');
  await expect(page.getByTestId('po-dropship-shipment')).toContainText('1Z999AA10123456784');
  await shot(page, '81-dropship-po-shipped');
  await logout(page);

  // 4. Finance opens the order: delivered by the vendor's shipment, and invoices it.
  await login(page, 'finn', 'finn-finance-pass');
  await page.goto(orderUrl);
  await expect(page.getByTestId('order-state')).toHaveText('Delivered');
  await expect(page.getByTestId(`line-${SKU}`).getByTestId('delivered')).toHaveText('3');
  await expect(page.getByTestId(`dropship-${SKU}`).getByTestId('dropship-tracking')).toHaveText('1Z999AA10123456784');
  await page.getByRole('button', { name: 'Create invoice' }).click();
  await expect(page.getByTestId(`line-${SKU}`).getByTestId('invoiced')).toHaveText('3');
  await shot(page, '82-dropship-invoiced');

  // The engine agrees: no warehouse stock moved, one move Vendors → Customers.
  const id = orderUrl.split('/').pop()!;
  await rpc(api, 'auth.login', { username: 'admin', password: 'e2e-admin-pass' });
  const order = await rpc<{ state: string; lines: { delivered: number; invoiced: number }[] }>(api, 'sales.order.get', { id });
  expect(order.lines.map((l) => [l.delivered, l.invoiced])).toEqual([[3, 3]]);
  const check = await rpc<{ differences: unknown[] }>(api, 'inventory.check', {});
  expect(check.differences).toEqual([]);
});
