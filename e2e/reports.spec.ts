import type { APIRequestContext } from '@playwright/test';
import { ensureDemo, expect, hostFor, login, rpc, shot, test } from './support';

/**
 * Reports in browser mode on the demo company: the dashboard opens while the host takes the
 * history into the report tables in the background (progress, stop, resume, "figures as of");
 * then it shows real figures for the last year (tiles and widgets), a tile drills down to the deliveries behind the
 * figure, and a document opens from there; the exceptions inbox lists what needs attention.
 */
test.describe.configure({ mode: 'serial' });

let api: APIRequestContext;

test.beforeAll(async ({ playwright }, testInfo) => {
  testInfo.setTimeout(300_000);
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  await ensureDemo(api);
  await rpc(api, 'auth.login', { username: 'admin', password: 'demo-admin' });
  // The host refreshes the report tables in the background once the demo is in; pause it so
  // the first test sees (and drives) the catch-up from the dashboard.
  await rpc(api, 'reports.refresh.cancel', {});
});
test.afterAll(async () => {
  await api?.dispose();
});

test('the dashboard opens at once while the figures are refreshed in the background, with progress, stop and resume', async ({ page }) => {
  test.setTimeout(420_000);
  await login(page, 'admin', 'demo-admin');
  await page.goto(`${page.url().split('#')[0]}#/reports`);
  await expect(page.getByRole('heading', { name: 'Dashboards' })).toBeVisible();
  const freshness = page.getByTestId('report-freshness');
  await expect(freshness).toContainText('Background refresh paused');
  await freshness.getByRole('button', { name: 'Resume' }).click();
  await expect(freshness).toContainText(/Refreshing \d+ %/, { timeout: 60_000 });
  await expect(freshness.locator('.mantine-Progress-root')).toBeVisible();
  await shot(page, '89-reports-refreshing');
  await freshness.getByRole('button', { name: 'Stop' }).click();
  await expect(freshness).toContainText('Background refresh paused');
  const paused = await rpc<{ paused: boolean; running: boolean }>(api, 'reports.refresh.status', {});
  expect(paused).toMatchObject({ paused: true, running: true });
  await freshness.getByRole('button', { name: 'Resume' }).click();
  await expect(freshness).toContainText(/^Figures as of \d+ \w+ \d{4}/, { timeout: 360_000 });
  const done = await rpc<{ pending: boolean; asOf: string | null }>(api, 'reports.refresh.status', {});
  expect(done.pending).toBe(false);
  expect(done.asOf).not.toBeNull();
});

test('the admin dashboard shows the figures of the demo year and drills down to a delivery', async ({ page }) => {
  await login(page, 'admin', 'demo-admin');
  await page.goto(`${page.url().split('#')[0]}#/reports`);
  await expect(page.getByRole('heading', { name: 'Dashboards' })).toBeVisible();
  // A whole year, so the history's shipments are in the period.
  const today = new Date().toISOString().slice(0, 10);
  const yearAgo = new Date(Date.now() - 364 * 86_400_000).toISOString().slice(0, 10);
  await page.getByRole('textbox', { name: 'From', exact: true }).fill(yearAgo);
  await page.getByRole('textbox', { name: 'To', exact: true }).fill(today);

  const fill = page.getByTestId('tile-fill_rate_lines');
  await expect(fill).toContainText(/\d+\.\d %/, { timeout: 30_000 });
  await expect(page.getByTestId('tile-otif')).toContainText(/\d+\.\d %/);
  await expect(page.getByTestId('widget-otif-month').getByRole('img', { name: /^On time in full by month: \d{4}-\d{2} \d+\.\d %/ })).toBeVisible();
  await expect(page.getByTestId('widget-channel_margin-channel').getByRole('img', { name: /^Channel margin by channel: .*portal \d+\.\d %/ })).toBeVisible();
  await shot(page, '90-reports-admin-dashboard');

  // The same figure as the engine computes it.
  const engine = await rpc<{ value: number }>(api, 'reports.kpi', { kpi: 'fill_rate_lines', filter: { from: yearAgo, to: today } });
  await expect(fill).toContainText(`${(engine.value * 100).toFixed(1)} %`);

  // A bar of a chart drills down too (then back to the dashboard).
  await page.getByTestId('widget-fill_rate_lines-warehouse').locator('.recharts-bar-rectangle').first().click();
  await expect(page.getByRole('heading', { name: 'Fill rate (lines): documents' })).toBeVisible();
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Dashboards' })).toBeVisible();

  // Drill down: the order lines that were short on their first shipment.
  await fill.click();
  await expect(page.getByRole('heading', { name: 'Fill rate (lines): documents' })).toBeVisible();
  await expect(page.getByTestId('drill-count')).toHaveText(/[1-9][\d,]* document lines/, { timeout: 30_000 });
  const first = page.getByRole('table', { name: 'Documents behind the figure' }).getByRole('row').nth(1);
  await expect(first).toContainText('against');
  const number = (await first.getByRole('cell').nth(1).textContent())!.trim();
  expect(number).toMatch(/-OUT-|-OUT-\d|WH\d-/);
  await shot(page, '91-reports-drill-down');
  await first.click();
  await expect(page.getByRole('heading', { name: number })).toBeVisible();
});

test('the exceptions inbox ranks what needs attention', async ({ page }) => {
  await login(page, 'admin', 'demo-admin');
  await page.goto(`${page.url().split('#')[0]}#/reports/inbox`);
  await expect(page.getByRole('heading', { name: 'Exceptions inbox' })).toBeVisible();
  await expect(page.getByTestId('inbox-count')).toHaveText(/[1-9][\d,]* exceptions?/, { timeout: 30_000 });
  await expect(page.getByRole('table', { name: 'Exceptions' })).toContainText('Credit hold');
  await shot(page, '92-reports-inbox');
});
