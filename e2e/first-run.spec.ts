import { expect, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

test('first run: load the demo company, then log in as admin', async ({ page }) => {
  // Loading the demo builds 12 months of stock history (~100,000 moves): allow for a busy machine.
  test.setTimeout(240_000);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: /let's get this install ready/i })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Set up my company' })).toBeVisible();
  await shot(page, '01-first-run');

  const load = page.getByRole('button', { name: 'Load the demo company' });
  await load.click();
  // Busy while the engine seeds 5,000 products and their stock history.
  await expect(load).toBeDisabled();
  await shot(page, '02-first-run-loading');

  // Done: the login screen lists the demo logins.
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible({ timeout: 180_000 });
  await expect(page.getByText('Demo company loaded')).toBeVisible();
  const demo = page.getByRole('table');
  await expect(demo.getByRole('row', { name: /admin demo-admin admin/ })).toBeVisible();
  await expect(demo.getByText('demo-clerk')).toBeVisible();
  await shot(page, '03-login-demo');

  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password', { exact: true }).fill('wrong-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText('User name or password is wrong')).toBeVisible();

  await page.getByLabel('Password', { exact: true }).fill('demo-admin');
  await page.getByRole('button', { name: 'Log in' }).click();

  // The app shell: navigation, company, branch, the user menu.
  await expect(page.getByRole('button', { name: 'User menu' })).toContainText('Ada Admin');
  await expect(page.getByText('Northwind Wholesale Supply')).toBeVisible();
  await expect(page.getByText('Branch B01')).toBeVisible();
  for (const section of ['Orders', 'Warehouse', 'Purchasing', 'Finance', 'Service', 'Reports', 'Catalog', 'Admin']) {
    await expect(page.getByRole('navigation', { name: 'Sections' }).getByText(section, { exact: true })).toBeVisible();
  }
  await expect(page.getByRole('heading', { name: 'Products' })).toBeVisible();
  await expect(page.getByTestId('product-count')).toHaveText('5,000 products');
  await expect(page.getByRole('row').nth(1)).not.toContainText(/^$/);
  await shot(page, '04-products');

  // Every section is there: Purchasing opens on the purchase orders list.
  const sections = page.getByRole('navigation', { name: 'Sections' });
  if (!(await sections.getByText('Purchase orders', { exact: true }).isVisible())) await sections.getByText('Purchasing', { exact: true }).click();
  await sections.getByText('Purchase orders', { exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Purchase orders' })).toBeVisible();
  await expect(page.getByTestId('po-count')).toContainText(/\d+ orders?/);
  await shot(page, '05-purchasing');

  // The user menu: roles, branch, log out.
  await page.getByRole('button', { name: 'User menu' }).click();
  const menu = page.getByRole('menu');
  await expect(menu).toContainText('@admin');
  await expect(menu).toContainText('Branch B01');
  await shot(page, '06-user-menu');
  await menu.getByRole('menuitem', { name: 'Log out' }).click();
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
});
