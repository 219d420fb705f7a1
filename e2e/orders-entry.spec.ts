import { writeFileSync } from 'node:fs';
import type { APIRequestContext } from '@playwright/test';
import { ensureDemo, expect, hostFor, login, rpc, test } from './support';

/**
 * Order entry speed in Chromium: from Enter on a typed SKU to the line's price and
 * availability on screen (performance marks in OrderEntry: "order-entry:sku-to-price"), over
 * many SKUs of the demo catalogue. The raw baseline, measured in the same page and minutes, is
 * the engine call the line needs (sales.entry.line by SKU) over fetch, with no rendering,
 * one after each UI line. `npm run bench -- --only orders-ui` runs this and reports the p95
 * (BL_ORDERS_PERF_OUT names the file the samples go to).
 */

const SAMPLES = Number(process.env.BL_ORDERS_PERF_SAMPLES ?? 40);
let api: APIRequestContext;
let skus: string[] = [];
let customer = { id: '', code: '', name: '' };

test.beforeAll(async ({ playwright }, testInfo) => {
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  await ensureDemo(api);
  await rpc(api, 'auth.login', { username: 'admin', password: 'demo-admin' });
  const products = await rpc<{ rows: { sku: string }[] }>(api, 'catalog.product.list', { limit: SAMPLES + 10, offset: 200 });
  skus = products.rows.map((p) => p.sku).slice(0, SAMPLES);
  const customers = await rpc<{ rows: { id: string; code: string; name: string }[] }>(api, 'partners.customer.list', { customerClass: 'regular', limit: 1 });
  customer = customers.rows[0]!;
});
test.afterAll(async () => {
  await api?.dispose();
});

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(q * xs.length) - 1)]!;

test('typing SKUs in the order entry grid: price and availability show fast (p95 measured)', async ({ page }) => {
  test.setTimeout(180_000);
  await login(page, 'clerk', 'demo-clerk');
  await page.goto('/#/orders/new');
  const picker = page.getByRole('combobox', { name: 'Customer' }).or(page.getByRole('textbox', { name: 'Customer' })).first();
  await picker.fill(customer.code);
  await page.getByRole('option', { name: new RegExp(customer.code) }).first().click();
  await expect(page.getByRole('combobox', { name: 'Product, line 1' })).toBeFocused();

  // Baseline: the same engine call over fetch from the page, without React or the DOM; one after
  // each UI line, so both sides see the same moments of a busy machine.
  const rawCalls = (sku: string) =>
    page.evaluate(
      async ({ sku, customerId }) => {
        const call = async (method: string, input: unknown) => {
          const r = await fetch('/rpc', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method, input }) });
          const env = (await r.json()) as { ok: boolean; value?: unknown };
          if (!env.ok) throw new Error(`${method} failed`);
          return env.value;
        };
        const t0 = performance.now();
        await call('sales.entry.line', { customerId, code: sku, quantity: 1 });
        return performance.now() - t0;
      },
      { sku, customerId: customer.id },
    );
  const raw: number[] = [];
  for (let i = 0; i < skus.length; i++) {
    const line = i + 1;
    const cell = page.getByRole('combobox', { name: `Product, line ${line}` });
    await cell.fill(skus[i]!);
    await cell.press('Enter');
    await expect(page.getByTestId(`atp-${line}`)).not.toBeEmpty();
    await expect(page.getByTestId(`why-${line}`)).not.toBeEmpty();
    raw.push(await rawCalls(skus[(i + 1) % skus.length]!));
    // Qty → unit → price → discount → next line.
    for (let k = 0; k < 4; k++) await page.keyboard.press('Enter');
    await expect(page.getByRole('combobox', { name: `Product, line ${line + 1}` })).toBeFocused();
  }
  const ui = await page.evaluate(() => performance.getEntriesByName('order-entry:sku-to-price').map((e) => e.duration));
  expect(ui).toHaveLength(skus.length);

  const result = { ui, raw, p50: quantile(ui, 0.5), p95: quantile(ui, 0.95), rawP95: quantile(raw, 0.95) };
  console.log(`order entry SKU → price p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms; samples ${ui.map((x) => x.toFixed(0)).join(' ')} (raw calls p95 ${result.rawP95.toFixed(1)} ms, n=${ui.length})`);
  if (process.env.BL_ORDERS_PERF_OUT) writeFileSync(process.env.BL_ORDERS_PERF_OUT, JSON.stringify(result));
  // The target is 50 ms (the bench reports it); here only a bound a loaded CI machine still meets.
  expect(result.p95).toBeLessThan(500);
});
