import { readFileSync } from 'node:fs';
import type { APIRequestContext, Page } from '@playwright/test';
import { ensureDemo, expect, hostFor, login, logout, rpc, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

interface Product {
  id: string;
  sku: string;
}
interface TransferRow {
  id: string;
  origin: string | null;
  state: string;
  kind: string;
  warehouseCode: string;
}
interface Transfer {
  id: string;
  lines: { id: string; quantity: number; quantityDone: number; reserved: number; state: string }[];
}

const SKU_A = 'E2E-ORD-DRILL';
const SKU_B = 'E2E-ORD-BITS';
const CUSTOMER = 'E2E Builders Ltd';
const USED_PO = 'PO-E2E-77';

let api: APIRequestContext;
let customerCode = '';

async function stockAt(warehouseCode: string, productId: string, delta: number) {
  const whs = await rpc<{ rows: { id: string; code: string }[] }>(api, 'inventory.warehouse.list', {});
  const wh = whs.rows.find((w) => w.code === warehouseCode)!;
  const locs = await rpc<{ rows: { id: string; path: string }[] }>(api, 'inventory.location.list', { warehouseId: wh.id });
  const stock = locs.rows.find((l) => l.path === `${warehouseCode}/Stock`)!;
  await rpc(api, 'inventory.adjust', { productId, locationId: stock.id, delta, reason: 'e2e opening stock' });
}

test.beforeAll(async ({ playwright }, testInfo) => {
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  await ensureDemo(api);
  await rpc(api, 'auth.login', { username: 'admin', password: 'demo-admin' });
  const uoms = await rpc<{ uoms: { id: string; code: string }[] }>(api, 'catalog.uom.list', {});
  const each = uoms.uoms.find((u) => u.code === 'EA')!.id;
  const a = await rpc<Product>(api, 'catalog.product.create', { sku: SKU_A, name: 'Hammer drill 800 W (order test)', uomId: each, listPriceMinor: 100_00, costMinor: 60_00 });
  const b = await rpc<Product>(api, 'catalog.product.create', { sku: SKU_B, name: 'Drill bit set (order test)', uomId: each, listPriceMinor: 50_00, costMinor: 20_00 });
  // WH1 (the customer's region, North) has 4 drills and plenty of bits; WH2 has 6 drills.
  await stockAt('WH1', a.id, 4);
  await stockAt('WH2', a.id, 6);
  await stockAt('WH1', b.id, 10);
  const c = await rpc<{ id: string; code: string }>(api, 'partners.customer.create', {
    name: CUSTOMER,
    legalName: 'E2E Builders Limited',
    customerClass: 'regular',
    region: 'North',
    paymentTermsDays: 30,
    creditLimitMinor: 500_00,
    addresses: [{ kind: 'bill_to', line1: '1 Test Street', city: 'Northtown', region: 'North', isDefault: true }],
  });
  customerCode = c.code;
  // A quotation that already carries the PO number the clerk will type.
  await rpc(api, 'sales.order.create', { customerId: c.id, customerPo: USED_PO, lines: [{ productId: b.id, quantity: 1 }] });
});
test.afterAll(async () => {
  await api?.dispose();
});


async function typeSku(page: Page, line: number, sku: string) {
  const cell = page.getByRole('combobox', { name: `Product, line ${line}` });
  await cell.fill(sku);
  await cell.press('Enter');
  await expect(page.getByTestId(`atp-${line}`)).not.toBeEmpty();
}

/** Validates every ready step of the order's deliveries with what is reserved (backordering the rest), as the warehouse would. */
async function shipWhatIsReserved(number: string) {
  const rank: Record<string, number> = { pick: 0, pack: 1, delivery: 2 };
  for (let pass = 0; pass < 12; pass++) {
    const listed = await rpc<{ rows: TransferRow[] }>(api, 'inventory.transfer.list', { query: number, limit: 100 });
    const ready = listed.rows.filter((r) => r.origin === number && r.state === 'ready').sort((x, y) => (rank[x.kind] ?? 9) - (rank[y.kind] ?? 9));
    if (ready.length === 0) return;
    const t = await rpc<Transfer>(api, 'inventory.transfer.get', { id: ready[0]!.id });
    const lines = t.lines.filter((l) => l.state !== 'done' && l.state !== 'cancelled').map((l) => ({ lineId: l.id, quantity: Math.min(l.quantity - l.quantityDone, l.reserved) }));
    await rpc(api, 'inventory.transfer.validate', { id: t.id, lines, createBackorder: true });
  }
}

test('a clerk enters a B2B order; discount approval and credit hold are released; it ships from two warehouses; what shipped is invoiced', async ({ page }) => {
  test.setTimeout(180_000);
  // 1. The clerk enters the order from the keyboard.
  await login(page, 'clerk', 'demo-clerk');
  const nav = page.getByRole('navigation', { name: 'Sections' });
  await nav.getByRole('link', { name: 'New order', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'New order' })).toBeVisible();
  const customer = page.getByRole('combobox', { name: 'Customer' }).or(page.getByRole('textbox', { name: 'Customer' })).first();
  await customer.fill('E2E Builders');
  await page.getByRole('option', { name: new RegExp(CUSTOMER) }).click();
  await expect(page.getByTestId('customer-terms')).toContainText('credit limit 500.00');
  // Picking the customer puts the cursor in the first product cell.
  await expect(page.getByRole('combobox', { name: 'Product, line 1' })).toBeFocused();
  await typeSku(page, 1, SKU_A);
  await expect(page.getByRole('textbox', { name: 'Quantity, line 1' })).toBeFocused();
  await expect(page.getByTestId('atp-1')).toContainText('WH1 4');
  await expect(page.getByTestId('atp-1')).toContainText('WH2 6');
  await expect(page.getByTestId('why-1')).not.toBeEmpty();
  await page.keyboard.type('12');
  await expect(page.getByTestId('atp-1')).toContainText('short by 2');
  // Enter walks the row: unit → price → discount.
  await page.keyboard.press('Enter');
  await expect(page.getByRole('combobox', { name: 'Unit, line 1' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('textbox', { name: 'Price, line 1' })).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.type('15');
  await expect(page.getByTestId('margin-1')).not.toHaveText('');
  // Enter on the last cell opens the next line.
  await page.keyboard.press('Enter');
  await expect(page.getByRole('combobox', { name: 'Product, line 2' })).toBeFocused();
  await typeSku(page, 2, SKU_B);
  await page.keyboard.type('3');
  await page.getByRole('textbox', { name: 'Customer PO' }).fill(USED_PO);
  await page.getByRole('textbox', { name: 'Notes' }).click();
  await expect(page.getByTestId('po-warning')).toContainText(`Customer PO ${USED_PO} is already on order`);
  await shot(page, '60-order-entry');
  await page.getByRole('button', { name: 'Confirm order' }).click();

  // 2. The discount is above the clerk's limit: the order waits for approval.
  const heading = page.getByRole('heading', { name: /^B01-SO-/ });
  await expect(heading).toBeVisible();
  const number = (await heading.textContent())!.trim();
  await expect(page.getByTestId('order-state')).toHaveText('Awaiting approval');
  await expect(page.getByTestId('hold-reason')).toContainText('discount 15 %');
  const orderUrl = page.url();
  await shot(page, '61-awaiting-approval');
  await logout(page);

  // 3. The approver (admin) approves from the inbox; credit control then holds it.
  await login(page, 'admin', 'demo-admin');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Approvals & tasks', exact: true }).click();
  const request = page.getByTestId(`approval-${number}`);
  await expect(request).toContainText('discount 15 %');
  await request.getByRole('button', { name: 'Approve' }).click();
  const approve = page.getByRole('dialog', { name: `Approve ${number}` });
  await approve.getByLabel('Reason').fill('Volume deal agreed with the customer');
  await approve.getByRole('button', { name: 'Approve' }).click();
  await expect(approve).toBeHidden();
  await expect(page.getByTestId(`approval-${number}`)).toHaveCount(0);
  await logout(page);

  // 4. Finance sees the hold in its tasks, opens the order and releases it with a reason.
  await login(page, 'finance', 'demo-finance');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Approvals & tasks', exact: true }).click();
  await page.getByRole('table', { name: 'Tasks' }).getByText(`${number} for ${CUSTOMER} is on credit hold`).click();
  await expect(page.getByTestId('order-state')).toHaveText('Credit hold');
  await expect(page.getByTestId('hold-reason')).toContainText('Credit limit USD 500.00 exceeded');
  await shot(page, '62-credit-hold');
  await page.getByRole('button', { name: 'Release credit hold' }).click();
  const release = page.getByRole('dialog', { name: `Release ${number} from credit hold` });
  await release.getByLabel('Reason').fill('Customer paid the overdue balance by wire today');
  await release.getByRole('button', { name: 'Release' }).click();
  await expect(page.getByTestId('order-state')).toHaveText('Confirmed');
  // Split: WH1 has only 4 of the 12 drills, WH2 the next 6; 2 stay on backorder at WH1.
  await expect(page.getByTestId('ships-from')).toHaveText('WH1, WH2');
  await expect(page.getByTestId(`line-${SKU_A}`).getByTestId('reserved')).toHaveText('10');

  // 5. The warehouses ship what they have (API: the warehouse screens have their own specs).
  await shipWhatIsReserved(number);
  await page.getByRole('button', { name: 'Update from deliveries' }).click();
  await expect(page.getByTestId('order-state')).toHaveText('Partially delivered');
  await expect(page.getByTestId(`line-${SKU_A}`).getByTestId('delivered')).toHaveText('10');
  await expect(page.getByTestId(`line-${SKU_B}`).getByTestId('delivered')).toHaveText('3');
  await shot(page, '63-partially-delivered');

  // 6. Invoice what shipped.
  await page.getByRole('button', { name: 'Create invoice' }).click();
  await expect(page.getByTestId(`line-${SKU_A}`).getByTestId('invoiced')).toHaveText('10');
  await expect(page.getByTestId(`line-${SKU_B}`).getByTestId('invoiced')).toHaveText('3');
  const invoices = page.getByRole('table', { name: 'Invoices of this order' });
  await expect(invoices.getByRole('row')).toHaveCount(2);
  await expect(invoices).toContainText(/B01-INV-\d{4}-\d+/);
  const download = page.waitForEvent('download');
  await invoices.getByRole('button', { name: 'Invoice PDF' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^invoice-B01-INV-\d{4}-\d+\.pdf$/);
  expect(readFileSync(await file.path()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  await shot(page, '64-invoiced');

  // The engine agrees: 10 + 3 invoiced at the order's prices, 2 drills still to come.
  const id = orderUrl.split('/').pop()!;
  const order = await rpc<{ lines: { sku: string; delivered: number; invoiced: number; quantity: number }[] }>(api, 'sales.order.get', { id });
  expect(order.lines.map((l) => [l.sku, l.quantity, l.delivered, l.invoiced])).toEqual([
    [SKU_A, 12, 10, 10],
    [SKU_B, 3, 3, 3],
  ]);
  expect(customerCode).not.toBe('');
});

test('customers: the list is searched by the engine and a customer is edited with a ship-to address', async ({ page }) => {
  await login(page, 'clerk', 'demo-clerk');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Customers', exact: true }).click();
  await page.getByLabel('Search customers').fill('E2E Builders');
  await expect(page.getByTestId('customer-count')).toHaveText('1 customer');
  const row = page.getByRole('grid', { name: 'Customers' }).getByRole('row').nth(1);
  await expect(row).toContainText(CUSTOMER);
  await row.dblclick();
  const dialog = page.getByRole('dialog', { name: `Customer ${customerCode}` });
  await expect(dialog.getByRole('textbox', { name: 'Name', exact: true })).toHaveValue(CUSTOMER);
  await dialog.getByRole('button', { name: 'Add ship-to address' }).click();
  await dialog.getByLabel('Street, address 2').fill('99 Dock Road');
  await dialog.getByLabel('City, address 2').fill('Harbour');
  await dialog.getByRole('textbox', { name: 'Credit limit' }).fill('abc');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByText('Enter an amount like 12.50')).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Credit limit' }).fill('750.00');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText('750.00');
  const list = await rpc<{ rows: { id: string }[] }>(api, 'partners.customer.list', { query: 'E2E Builders' });
  const saved = await rpc<{ creditLimitMinor: number; addresses: { kind: string; line1: string }[] }>(api, 'partners.customer.get', { id: list.rows[0]!.id });
  expect(saved.creditLimitMinor).toBe(750_00);
  expect(saved.addresses.map((a) => [a.kind, a.line1])).toEqual([
    ['bill_to', '1 Test Street'],
    ['ship_to', '99 Dock Road'],
  ]);
});
