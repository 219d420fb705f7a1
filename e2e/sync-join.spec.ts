import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { expect, login, shot, test } from './support';

/**
 * A whole join against PostgreSQL: this file makes its own central database (demo company,
 * small), joins it from the first-run screen, syncs, resolves a sync exception raised at the
 * centre, and drops the database and the branch logins it created. Skipped without a server.
 */
test.describe.configure({ mode: 'serial' });

const SERVER = process.env.BL_E2E_PG ?? 'postgres://postgres@127.0.0.1:5432';
const DB = `bl_e2e_join_${randomBytes(4).toString('hex')}`;
const CENTRAL = `${SERVER}/${DB}`;
const CODE = 'B77';

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

let available = false;

// Playwright needs the object pattern even when a hook uses no fixture.
// eslint-disable-next-line no-empty-pattern
test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(180_000);
  try {
    await withClient(`${SERVER}/postgres`, (c) => c.query(`CREATE DATABASE ${DB}`));
    available = true;
  } catch {
    return;
  }
  execFileSync(process.execPath, [resolve('scripts/branchline.mjs'), 'central', 'init', '--url', CENTRAL, '--demo', '--size', 'small'], { stdio: 'pipe', timeout: 170_000 });
});

test.afterAll(async () => {
  if (!available) return;
  const roles = await withClient(CENTRAL, async (c) => (await c.query<{ role_name: string }>('SELECT role_name FROM sync_client')).rows.map((r) => r.role_name)).catch(() => [] as string[]);
  await withClient(`${SERVER}/postgres`, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    for (const role of roles) if (/^bl_[a-z0-9_]+$/.test(role)) await c.query(`DROP ROLE IF EXISTS ${role}`);
  });
});

test('join the central database from the first run, sync, and resolve a sync exception', async ({ page }) => {
  test.skip(!available, `PostgreSQL is not reachable at ${SERVER}`);
  test.setTimeout(180_000);
  await page.goto('/');
  await page.getByRole('button', { name: 'Join my company’s central database' }).click();
  const form = page.getByRole('form', { name: 'Join my company’s central database' });
  await form.getByLabel('Central database address').fill(CENTRAL);
  await form.getByLabel('Branch code').fill(CODE);
  await form.getByLabel('Branch name').fill('E2E East');
  await form.getByRole('button', { name: 'Register and sync' }).click();

  // The first sync: the engine brings the company in the background; progress events feed the bar.
  await expect(page.getByRole('heading', { name: 'First sync' })).toBeVisible();
  await expect(page.getByText(`Registered as branch ${CODE}`)).toBeVisible();
  await expect(page.getByRole('progressbar', { name: 'First sync progress' })).toBeVisible();
  await shot(page, '83-first-sync');

  // Then the login screen, with the company that arrived.
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible({ timeout: 120_000 });
  await expect(page.getByText(`Joined Northwind Wholesale Supply as branch ${CODE} (E2E East)`)).toBeVisible();
  await shot(page, '84-joined-login');

  await login(page, 'admin', 'demo-admin');
  await expect(page.getByText(`Branch ${CODE}`)).toBeVisible();
  await expect(page.getByRole('button', { name: /^Sync: Synced/ })).toBeVisible({ timeout: 30_000 });
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Sync' }).click();
  await expect(page.getByTestId('sync-connection')).toHaveText('Online');
  // The centre's address, with this install's own login and no password.
  await expect(page.getByTestId('sync-central')).toContainText(new RegExp(`postgres://bl_${CODE.toLowerCase()}_[0-9a-f]+:\\*\\*\\*@127\\.0\\.0\\.1:5432/${DB}`));
  await expect(page.getByTestId('sync-branch')).toContainText(CODE);
  await expect(page.getByTestId('sync-last-success')).toContainText(/just now|minute/);

  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByText('Everything is pushed')).toBeVisible();
  await shot(page, '85-sync-online');

  // A conflict found at the centre reaches the branch with the next pull, and is resolved here.
  const message = 'SO B77-SO-2026-00012: 4 × DRL-10001 backordered at merge; B01 sold the last units first';
  await withClient(CENTRAL, (c) =>
    c.query(
      `INSERT INTO sync_exception (id, branch_id, created_at, updated_at, version, kind, status, message, details, document_id)
       SELECT gen_random_uuid()::text, id, now(), now(), 1, 'stock', 'open', $1, '{}', gen_random_uuid()::text FROM branch WHERE code = $2`,
      [message, CODE],
    ),
  );
  const grid = page.getByRole('grid', { name: 'Sync exceptions' });
  await expect(grid).toContainText('B01 sold the last units first', { timeout: 30_000 });
  await expect(page.getByRole('button', { name: /^Sync: Synced · 1 exception/ })).toBeVisible({ timeout: 20_000 });
  await grid.getByRole('button', { name: /^Resolve:/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Resolve a sync exception' });
  await dialog.getByRole('button', { name: 'Resolve' }).click();
  await expect(dialog.getByLabel('Resolution note')).toHaveAccessibleDescription(/Resolution needs at least 3 characters/);
  await dialog.getByLabel('Resolution note').fill('Called the customer: the 4 units ship from B01 next week');
  await shot(page, '86-resolve');
  await dialog.getByLabel('Resolution note').press('Control+s');
  await expect(dialog).toBeHidden();
  await expect(grid).toContainText('No open sync exceptions');
  await page.getByText('All', { exact: true }).click();
  await expect(grid).toContainText('Called the customer');
  await shot(page, '87-resolved');

  // The resolution travels to the centre with the next push.
  await expect
    .poll(() => withClient(CENTRAL, async (c) => (await c.query<{ status: string }>('SELECT status FROM sync_exception')).rows[0]?.status), { timeout: 30_000 })
    .toBe('resolved');
});
