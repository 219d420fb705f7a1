import { expect, hostFor, login, rpc, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

test('first run: the Join form refuses a bad address with the schema’s message, and shows the engine’s refusal', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: /let's get this install ready/i })).toBeVisible();
  await page.getByRole('button', { name: 'Join my company’s central database' }).click();
  const form = page.getByRole('form', { name: 'Join my company’s central database' });
  await expect(form.getByLabel('Central database address')).toBeFocused();

  // The contract's messages, before anything is sent.
  await form.getByLabel('Central database address').fill('https://central.example.com/branchline');
  await form.getByLabel('Branch code').fill('b2');
  await form.getByRole('button', { name: 'Register and sync' }).click();
  await expect(form.getByLabel('Central database address')).toHaveAccessibleDescription(/Use a postgres:\/\/ address/);
  await expect(form.getByLabel('Branch code')).toHaveAccessibleDescription(/Branch code is 2–6 capital letters/);
  await expect(form.getByLabel('Branch name')).toHaveAccessibleDescription(/Branch name is required/);
  await shot(page, '80-join-validation');

  // A well-formed address where no centre answers: the engine's own message, and nothing registered.
  await form.getByLabel('Central database address').fill('postgres://nobody@127.0.0.1:1/nothing');
  await form.getByLabel('Branch code').fill('B02');
  await form.getByLabel('Branch name').fill('South');
  await form.getByLabel('Branch name').press('Control+s');
  const refusal = form.getByRole('alert').filter({ hasText: 'Not registered' });
  await expect(refusal).toBeVisible();
  await expect(refusal).toContainText(/central database|connect|ECONNREFUSED/i);
  await expect(form.getByLabel('Central database address')).toHaveAccessibleDescription(/^postgres:\/\/user:password@host/);
  await shot(page, '81-join-refused');

  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.getByRole('button', { name: 'Load the demo company' })).toBeVisible();
});

test('a standalone demo install: the Sync screen says it is not registered and why', async ({ page, playwright }, testInfo) => {
  const api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  try {
    const status = await rpc<{ initialized: boolean }>(api, 'system.status');
    if (!status.initialized) await rpc(api, 'system.loadDemo', { size: 'small' });
  } finally {
    await api.dispose();
  }

  await login(page, 'admin', 'demo-admin');
  // The header's sync badge: a standalone install syncs nothing.
  const indicator = page.getByRole('button', { name: /^Sync: Standalone/ });
  await expect(indicator).toBeVisible();
  await indicator.click();

  await expect(page.getByRole('heading', { name: 'Sync', exact: true })).toBeVisible();
  await expect(page.getByTestId('sync-connection')).toHaveText('Not registered');
  const why = page.getByTestId('sync-not-registered');
  await expect(why).toContainText('Not registered with a central database');
  await expect(why).toContainText('nothing is sent anywhere');
  await expect(why).toContainText('Join my company’s central database');
  await expect(page.getByTestId('sync-central')).toContainText('none');
  await expect(page.getByTestId('sync-pending')).toContainText('0');
  await expect(page.getByRole('button', { name: 'Sync now' })).toHaveCount(0);
  await expect(page.getByRole('grid', { name: 'Sync exceptions' })).toContainText('No open sync exceptions');
  await expect(page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Sync' })).toHaveAttribute('aria-current', 'page');
  await page.mouse.move(700, 600);
  await shot(page, '82-sync-standalone');

  // A clerk sees the same status from the header badge, but no Admin section and no actions.
  await page.getByRole('button', { name: 'User menu' }).click();
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await login(page, 'clerk', 'demo-clerk');
  await expect(page.getByRole('navigation', { name: 'Sections' }).getByText('Admin', { exact: true })).toHaveCount(0);
  await page.getByRole('button', { name: /^Sync: Standalone/ }).click();
  await expect(page.getByTestId('sync-not-registered')).toBeVisible();
  await expect(page.getByRole('button', { name: /Sync now|Resolve/ })).toHaveCount(0);
});
