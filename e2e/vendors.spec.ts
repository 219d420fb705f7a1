import type { APIRequestContext } from '@playwright/test';
import { ensureDemo, expect, hostFor, login, rpc, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

interface VendorRow {
  id: string;
  code: string;
  name: string;
  leadTimeDays: number;
  currency: string;
}

const NEW_VENDOR = 'E2E Fasteners Trading';
const ACME = 'Acme Industrial Supply Co.';
let api: APIRequestContext;
let acme: VendorRow;
let product: { id: string; sku: string };

test.beforeAll(async ({ playwright }, testInfo) => {
  test.setTimeout(300_000);
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  await ensureDemo(api);
  await rpc(api, 'auth.login', { username: 'admin', password: 'demo-admin' });
  // The vendor to find is one a buyer set up earlier through the engine, with a contact and a price.
  product = (await rpc<{ rows: { id: string; sku: string }[] }>(api, 'catalog.product.list', { limit: 1 })).rows[0]!;
  const existing = (await rpc<{ rows: VendorRow[] }>(api, 'purchasing.vendor.list', { query: ACME })).rows[0];
  if (existing) acme = existing;
  else {
    acme = await rpc<VendorRow>(api, 'purchasing.vendor.create', { name: ACME, leadTimeDays: 9, contacts: [{ name: 'Ada Sales', email: 'ada@acme.test' }] });
    await rpc(api, 'purchasing.price.set', { vendorId: acme.id, productId: product.id, priceMinor: 995 });
  }
});
test.afterAll(async () => {
  await api?.dispose();
});

const vendorsNamed = (name: string) => rpc<{ total: number; rows: (VendorRow & { ediEnabled: boolean; ediId: string | null; minOrderQty: number; orderMultiple: number })[] }>(api, 'purchasing.vendor.list', { query: name });

test('buyer: finds a vendor, creates one with a contact (a bad EDI setup is refused first), edits it and adds a price', async ({ page }) => {
  test.setTimeout(120_000);
  await login(page, 'buyer', 'demo-buyer');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Vendors', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Vendors' })).toBeVisible();
  await expect(page.getByTestId('vendor-count')).toHaveText(/^[\d,]+ vendors?$/);
  const grid = page.getByRole('grid', { name: 'Vendors' });
  const firstRow = grid.getByRole('row').nth(1);

  // 1. "/" into the search, the engine finds the vendor, ArrowDown into the grid, Enter opens it.
  await page.keyboard.press('/');
  const search = page.getByLabel('Search vendors');
  await expect(search).toBeFocused();
  // The search answers 200 ms after typing stops, and a new answer clears the selection: first a
  // text that matches nothing, then the name, so "1 vendor" can only be the name's answer.
  await page.keyboard.insertText(`${acme.name} none`);
  await expect(page.getByTestId('vendor-count')).toHaveText('0 vendors');
  await search.fill(acme.name);
  await expect(page.getByTestId('vendor-count')).toHaveText('1 vendor');
  await expect(firstRow).toContainText(acme.code);
  await page.keyboard.press('ArrowDown');
  await expect(firstRow).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  const acmeDialog = page.getByRole('dialog', { name: `Vendor ${acme.code}` });
  await expect(acmeDialog.getByRole('textbox', { name: 'Name', exact: true })).toHaveValue(acme.name);
  await expect(acmeDialog.getByRole('group', { name: 'Performance' })).toContainText('On time');
  await expect(acmeDialog.getByTestId('vendor-on-time')).toHaveText(/^(\d+\.\d %|—)$/);
  await expect(acmeDialog.getByRole('group', { name: 'Contact 1' }).getByLabel('Contact name')).toHaveValue('Ada Sales');
  await expect(acmeDialog.getByTestId(`price-${product.sku}-1`)).toContainText('USD 9.95');
  await shot(page, '90-vendor-demo');
  await page.keyboard.press('Escape');
  await expect(acmeDialog).toBeHidden();

  // 2. "n" creates a vendor; EDI switched on without its id is refused with a clear message, and nothing is saved.
  await grid.focus();
  await page.keyboard.press('n');
  const dialog = page.getByRole('dialog', { name: 'New vendor' });
  const name = dialog.getByRole('textbox', { name: 'Name', exact: true });
  await expect(name).toBeFocused();
  await page.keyboard.insertText(NEW_VENDOR);
  await dialog.getByLabel('Lead time (days)').fill('12');
  await dialog.getByLabel('Currency').fill('eur');
  await dialog.getByLabel('Min order qty').fill('10');
  await dialog.getByLabel('Order multiple').fill('5');
  await dialog.getByRole('button', { name: 'Add contact' }).click();
  const contact = dialog.getByRole('group', { name: 'Contact 1' });
  await contact.getByLabel('Contact name').fill('Frida Fastener');
  await contact.getByLabel('E-mail').fill('frida@fasteners.test');
  await dialog.getByLabel('EDI enabled').check();
  await name.press('Control+s');
  await expect(dialog.getByRole('alert', { name: 'Not saved' })).toContainText('An EDI vendor needs its EDI id');
  await expect(dialog.getByLabel('EDI id')).toHaveAccessibleDescription('Required for EDI');
  await shot(page, '91-vendor-edi-refused');
  expect((await vendorsNamed(NEW_VENDOR)).total).toBe(0);

  await dialog.getByLabel('EDI id').fill('E2EFAST01');
  await dialog.getByLabel('EDI id').press('Control+s');
  await expect(page.getByText('Vendor created')).toBeVisible();
  await expect(dialog).toBeHidden();
  const created = await vendorsNamed(NEW_VENDOR);
  expect(created.total).toBe(1);
  const vendor = created.rows[0]!;
  expect(vendor).toMatchObject({ leadTimeDays: 12, currency: 'EUR', minOrderQty: 10, orderMultiple: 5, ediEnabled: true, ediId: 'E2EFAST01' });
  expect(vendor.code).not.toBe('');

  // 3. Found again by the engine, opened by keyboard, its lead time changed and a price added.
  await page.keyboard.press('/');
  await expect(search).toBeFocused();
  await search.fill(`${NEW_VENDOR} none`);
  await expect(page.getByTestId('vendor-count')).toHaveText('0 vendors');
  await search.fill(NEW_VENDOR);
  await expect(page.getByTestId('vendor-count')).toHaveText('1 vendor');
  await expect(firstRow).toContainText(vendor.code);
  await expect(firstRow).toContainText('10 / 5');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const edit = page.getByRole('dialog', { name: `Vendor ${vendor.code}` });
  await expect(edit.getByRole('group', { name: 'Contact 1' }).getByLabel('Contact name')).toHaveValue('Frida Fastener');
  await expect(edit.getByText('No prices yet.')).toBeVisible();

  const addPrice = edit.getByRole('form', { name: 'Add price' });
  // The product by SKU: the engine's product search answers the picker.
  await addPrice.getByRole('combobox', { name: 'Product' }).fill(product.sku);
  await page.getByRole('option', { name: new RegExp(product.sku.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).first().click();
  await addPrice.getByLabel('From qty').fill('20');
  // Money is typed in the vendor's currency and taken exactly: a third decimal is refused in the form.
  await addPrice.getByLabel('Price').fill('1.005');
  await addPrice.getByLabel('Price').press('Enter');
  await expect(addPrice.getByLabel('Price')).toHaveAccessibleDescription('At most 2 decimals (whole cents)');
  await addPrice.getByLabel('Price').fill('1,234.5');
  // Ctrl+S in the price row adds the price and leaves the vendor open.
  await addPrice.getByLabel('Price').press('Control+s');
  await expect(page.getByText('Price saved')).toBeVisible();
  const priceRow = edit.getByTestId(`price-${product.sku}-20`);
  await expect(priceRow).toContainText('EUR 1,234.50');
  await shot(page, '92-vendor-price-added');
  // Replenishment at WH1 buys this product from the new vendor from now on.
  await edit.getByRole('button', { name: `Make preferred for ${product.sku}` }).click();
  await page.getByRole('menuitem', { name: /^WH1/ }).click();
  await expect(page.getByText('Preferred vendor set')).toBeVisible();

  await edit.getByLabel('Lead time (days)').fill('14');
  await edit.getByLabel('Lead time (days)').press('Control+s');
  await expect(page.getByText('Vendor saved')).toBeVisible();
  await expect(edit).toBeHidden();
  await expect(firstRow).toContainText('14 d');
  await shot(page, '93-vendor-edited');

  const saved = await rpc<{ leadTimeDays: number; contacts: { name: string; email: string | null }[] }>(api, 'purchasing.vendor.get', { id: vendor.id });
  expect(saved.leadTimeDays).toBe(14);
  expect(saved.contacts.map((c) => [c.name, c.email])).toEqual([['Frida Fastener', 'frida@fasteners.test']]);
  const prices = await rpc<{ rows: { sku: string; minQuantity: number; priceMinor: number }[] }>(api, 'purchasing.price.list', { vendorId: vendor.id });
  expect(prices.rows.map((p) => [p.sku, p.minQuantity, p.priceMinor])).toEqual([[product.sku, 20, 123_450]]);
});

// The demo company's 50 vendors come with their purchasing terms, so they are listed and open.
test("the demo company's own vendors are listed with their terms", async () => {
  const all = await rpc<{ total: number; rows: { id: string; code: string; currency: string }[] }>(api, 'purchasing.vendor.list', { limit: 100 });
  expect(all.total).toBeGreaterThanOrEqual(50);
  const v501 = all.rows.find((v) => v.code === 'V501')!;
  expect(v501.currency).toBe('USD');
  expect((await rpc<{ code: string }>(api, 'purchasing.vendor.get', { id: v501.id })).code).toBe('V501');
});

test('warehouse (purchasing read only): sees a vendor without being able to change it', async ({ page }) => {
  await login(page, 'warehouse', 'demo-warehouse');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Vendors', exact: true }).click();
  await expect(page.getByRole('button', { name: /New vendor/ })).toHaveCount(0);
  // A text that matches nothing first, so the row clicked is the name's answer (a new answer clears the selection).
  await page.getByLabel('Search vendors').fill(`${acme.name} none`);
  await expect(page.getByTestId('vendor-count')).toHaveText('0 vendors');
  await page.getByLabel('Search vendors').fill(acme.name);
  await expect(page.getByTestId('vendor-count')).toHaveText('1 vendor');
  const row = page.getByRole('grid', { name: 'Vendors' }).getByRole('row').nth(1);
  await expect(row).toContainText(acme.code);
  await row.dblclick();
  const dialog = page.getByRole('dialog', { name: `Vendor ${acme.code}` });
  await expect(dialog.getByText('Read-only')).toBeVisible();
  await expect(dialog.getByRole('textbox', { name: 'Name', exact: true })).toBeDisabled();
  await expect(dialog.getByRole('button', { name: 'Save' })).toHaveCount(0);
  await expect(dialog.getByRole('form', { name: 'Add price' })).toHaveCount(0);
});
