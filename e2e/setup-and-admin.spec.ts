import { expect, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

test('set up my company, then manage users and read the audit log', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Set up my company' }).click();
  const form = page.getByRole('form', { name: 'Set up my company' });
  await expect(form).toBeVisible();

  // The shared schema's messages, before anything is sent.
  await form.getByLabel('Branch code').fill('b1');
  await form.getByRole('button', { name: 'Create company' }).click();
  await expect(form.getByLabel('Company name')).toHaveAccessibleDescription('Company name is required');
  await expect(form.getByLabel('Branch code')).toHaveAccessibleDescription(/Branch code is 2–6 capital letters/);
  await shot(page, '30-setup-validation');

  await form.getByLabel('Company name').fill('Acme Industrial Supply');
  await form.getByLabel('Branch code').fill('B01');
  await form.getByLabel('Branch name').fill('Main Warehouse');
  await form.getByLabel('Admin user name').fill('owner');
  await form.getByLabel('Admin display name').fill('Olga Owner');
  await form.getByLabel('Password', { exact: true }).fill('correct horse battery');
  await form.getByLabel('Confirm password').fill('correct horse battery');
  await form.getByLabel('Confirm password').press('Control+s');

  // Set up and logged in as the new admin.
  await expect(page.getByRole('button', { name: 'User menu' })).toContainText('Olga Owner');
  await expect(page.getByText('Acme Industrial Supply')).toBeVisible();
  await expect(page.getByTestId('product-count')).toHaveText('0 products');

  // Admin → Users: create a user with roles.
  await page.getByRole('navigation', { name: 'Sections' }).getByText('Users', { exact: true }).click();
  await page.getByRole('button', { name: 'New user' }).click();
  const create = page.getByRole('dialog', { name: 'New user' });
  await create.getByLabel('User name').fill('bea');
  await create.getByLabel('Display name').fill('Bea Buyer');
  await create.getByLabel('Password', { exact: true }).fill('short');
  await create.getByLabel('Role clerk').uncheck();
  await create.getByRole('button', { name: 'Create user' }).click();
  await expect(create.getByLabel('Password', { exact: true })).toHaveAccessibleDescription(/Password needs at least 8 characters/);
  await expect(create.getByText('Give the user at least one role')).toBeVisible();
  await create.getByLabel('Password', { exact: true }).fill('buyer-password-1');
  await create.getByLabel('Role buyer').check();
  await create.getByLabel('Role warehouse').check();
  await shot(page, '31-new-user');
  await create.getByRole('button', { name: 'Create user' }).click();
  await expect(create).toBeHidden();
  const users = page.getByRole('table', { name: 'Users' });
  const bea = users.getByRole('row', { name: /bea/ });
  await expect(bea).toContainText('Bea Buyer');
  await expect(bea).toContainText('buyer');
  await expect(bea).toContainText('warehouse');

  // Change roles.
  await page.getByRole('button', { name: 'Actions for bea' }).click();
  await page.getByRole('menuitem', { name: 'Change roles' }).click();
  const roles = page.getByRole('dialog', { name: 'Roles of bea' });
  await roles.getByLabel('Role warehouse').uncheck();
  await roles.getByLabel('Role finance').check();
  await roles.getByRole('button', { name: 'Save roles' }).click();
  await expect(roles).toBeHidden();
  await expect(bea).toContainText('finance');
  await expect(bea).not.toContainText('warehouse');

  // Deactivate.
  await page.getByRole('button', { name: 'Actions for bea' }).click();
  await page.getByRole('menuitem', { name: 'Deactivate' }).click();
  await expect(bea).toContainText('Deactivated');
  await shot(page, '32-users');

  // The last admin cannot deactivate themself: the action is not offered.
  await page.getByRole('button', { name: 'Actions for owner' }).click();
  await expect(page.getByRole('menuitem', { name: 'Deactivate' })).toBeDisabled();
  await page.keyboard.press('Escape');

  // Audit log: newest first, with who did what.
  await page.getByRole('navigation', { name: 'Sections' }).getByText('Audit log', { exact: true }).click();
  const audit = page.getByRole('table', { name: 'Audit log' });
  await expect(audit.getByRole('row').nth(1)).toContainText('users.setActive');
  await expect(audit.getByRole('row').nth(1)).toContainText('owner');
  await expect(audit).toContainText('users.create');
  await expect(audit).toContainText('system.setup');
  await shot(page, '33-audit-log');

  // The deactivated user cannot log in.
  await page.getByRole('button', { name: 'User menu' }).click();
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await page.getByLabel('User name').fill('bea');
  await page.getByLabel('Password', { exact: true }).fill('buyer-password-1');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText('This user is deactivated; ask an admin')).toBeVisible();
});

test('categories and units of measure: list and create', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('User name').fill('owner');
  await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
  await page.getByRole('button', { name: 'Log in' }).click();

  await page.goto('/#/catalog/categories');
  const newCategory = page.getByRole('form', { name: 'New category' });
  await newCategory.getByLabel('Category name').fill('Fasteners');
  await newCategory.getByRole('button', { name: 'Create category' }).click();
  await expect(page.getByRole('table', { name: 'Categories' })).toContainText('Fasteners');
  // The engine refuses a duplicate name; its message lands on the field.
  await newCategory.getByLabel('Category name').fill('Fasteners');
  await newCategory.getByLabel('Category name').press('Enter');
  await expect(newCategory.getByLabel('Category name')).toHaveAccessibleDescription('Already exists');

  await page.goto('/#/catalog/uoms');
  const newUom = page.getByRole('form', { name: 'New unit of measure' });
  await newUom.getByLabel('Code').fill('DZ');
  await newUom.getByLabel('Unit name').fill('Dozen');
  await newUom.getByRole('button', { name: 'Create unit' }).click();
  await expect(page.getByRole('table', { name: 'Units of measure' })).toContainText('Dozen');
  await shot(page, '34-uoms');
});
