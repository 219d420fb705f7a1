import type { APIRequestContext } from '@playwright/test';
import { ensureDemo, expect, hostFor, login, rpc, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

/**
 * The order-to-cash admin screens: a price rule edited on Pricelists & rules shows in order
 * entry with its "why this price"; a notification template edited on Notification templates
 * shows in the next notification queued.
 */
const SKU = 'E2E-O2C-ADMIN-DRILL';
const LIST = 'E2E-ADMIN';
let api: APIRequestContext;
let product = { id: '', sku: SKU };
let customer = { id: '', code: '', name: '' };

test.beforeAll(async ({ playwright }, testInfo) => {
  test.setTimeout(180_000);
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  await ensureDemo(api);
  await rpc(api, 'auth.login', { username: 'admin', password: 'demo-admin' });
  const uoms = await rpc<{ uoms: { id: string; code: string }[] }>(api, 'catalog.uom.list', {});
  product = await rpc<{ id: string; sku: string }>(api, 'catalog.product.create', { sku: SKU, name: 'Cordless drill (admin test)', uomId: uoms.uoms.find((u) => u.code === 'EA')!.id, listPriceMinor: 200_00, costMinor: 120_00 });
  const whs = await rpc<{ rows: { id: string; code: string }[] }>(api, 'inventory.warehouse.list', {});
  const wh = whs.rows.find((w) => w.code === 'WH1')!;
  const locs = await rpc<{ rows: { id: string; path: string }[] }>(api, 'inventory.location.list', { warehouseId: wh.id });
  await rpc(api, 'inventory.adjust', { productId: product.id, locationId: locs.rows.find((l) => l.path === 'WH1/Stock')!.id, delta: 50, reason: 'e2e opening stock' });
  // A pricelist assigned to one customer, with 10 % off list on the drill.
  const list = await rpc<{ id: string }>(api, 'pricing.pricelist.create', { code: LIST, name: 'Admin test list', currency: 'USD' });
  await rpc(api, 'pricing.rule.create', { pricelistId: list.id, productId: product.id, method: 'list_discount', percentBp: 1000 });
  customer = await rpc<{ id: string; code: string; name: string }>(api, 'partners.customer.create', { name: 'E2E Admin Builders', customerClass: 'regular', region: 'North', paymentTermsDays: 30, email: 'buyer@e2e-admin.test', pricelistId: list.id, creditLimitMinor: null });
});
test.afterAll(async () => {
  await api?.dispose();
});

test('a price rule edited on Pricelists & rules gives the new price, and why, in order entry', async ({ page }) => {
  await login(page, 'admin', 'demo-admin');
  await page.goto('/#/orders/pricelists');
  await page.getByRole('searchbox', { name: 'Search pricelists' }).fill(LIST);
  const lists = page.getByTestId('pricelist-table');
  await expect(lists.getByText('Admin test list')).toBeVisible();
  await lists.getByText('Admin test list').dblclick();
  await expect(page.getByTestId('pricelist-title')).toContainText(`${LIST} — Admin test list`);
  const rules = page.getByTestId('rule-table');
  await expect(rules.getByText(SKU)).toBeVisible();
  await expect(rules.getByText('list − 10 %')).toBeVisible();
  // Keyboard: the rule grid has focus after opening the list; Enter edits the selected rule.
  await rules.getByText(SKU).dblclick();
  const dialog = page.getByRole('dialog', { name: 'Edit price rule' });
  await dialog.getByLabel('Discount off list (%)').fill('25');
  await dialog.getByLabel('Label').fill('Spring promo');
  await dialog.getByRole('button', { name: 'Save rule' }).click();
  await expect(dialog).toBeHidden();
  await expect(rules.getByText('list − 25 %')).toBeVisible();
  await shot(page, 'o2c-admin-pricelist');

  await page.goto('/#/orders/new');
  const picker = page.getByRole('combobox', { name: 'Customer' }).or(page.getByRole('textbox', { name: 'Customer' })).first();
  await picker.fill(customer.code);
  await page.getByRole('option', { name: new RegExp(customer.code) }).first().click();
  const cell = page.getByRole('combobox', { name: 'Product, line 1' });
  await expect(cell).toBeFocused();
  await cell.fill(SKU);
  await cell.press('Enter');
  // 200.00 − 25 % = 150.00, and the line says which rule set it.
  await expect(page.getByTestId('price-1')).toHaveAttribute('placeholder', /150\.00/);
  await expect(page.getByTestId('why-1')).toContainText(`Spring promo: List price − 25 % on ${SKU}, pricelist ${LIST} "Admin test list"`);
  await shot(page, 'o2c-admin-why-this-price');
});

test('a template edited on Notification templates shows in the next notification queued', async ({ page }) => {
  await login(page, 'admin', 'demo-admin');
  await page.goto('/#/orders/notifications');
  await page.getByTestId('template-order_confirmation').click();
  const subject = page.getByLabel('Subject');
  await subject.fill('We have your order {{orderNumber}} (PO {{customerPo}})');
  await expect(page.getByTestId('preview-subject')).toHaveText('We have your order B01-SO-2026-000123 (PO PO-4711)');
  await page.keyboard.press('Control+s');
  await expect(page.getByTestId('template-order_confirmation')).toContainText('edited');

  // A confirmed order queues its confirmation from the edited template; the outbox shows it.
  const order = await rpc<{ number: string }>(api, 'sales.order.create', { customerId: customer.id, customerPo: 'E2E-PO-77', lines: [{ productId: product.id, quantity: 2 }], confirm: true });
  await page.reload();
  const notice = page.getByRole('table', { name: 'Notification outbox' }).getByRole('row').filter({ hasText: order.number });
  await expect(notice.getByTestId('notice-subject')).toHaveText(`We have your order ${order.number} (PO E2E-PO-77)`);
  await expect(notice).toContainText('queued');
  await shot(page, 'o2c-admin-template');
});
