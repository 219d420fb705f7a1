import type { APIRequestContext } from '@playwright/test';
import { expect, hostFor, login, rpc, shot, test } from './support';

test.describe.configure({ mode: 'serial' });

const SKU = 'E2E-SVC-GRINDER';
const CUSTOMER = 'E2E Service Builders';

let api: APIRequestContext;
let orderNumber = '';
let orderId = '';

interface TransferRow {
  id: string;
  origin: string | null;
  state: string;
  kind: string;
}
interface Transfer {
  id: string;
  lines: { id: string; quantity: number; quantityDone: number; reserved: number; state: string }[];
}

test.beforeAll(async ({ playwright }, testInfo) => {
  test.setTimeout(180_000);
  api = await playwright.request.newContext({ baseURL: hostFor(testInfo.file).url });
  const status = await rpc<{ initialized: boolean }>(api, 'system.status');
  if (!status.initialized) await rpc(api, 'system.loadDemo', { size: 'small' });
  await rpc(api, 'auth.login', { username: 'admin', password: 'demo-admin' });
  // SLA policies and labelled return reasons (the classifier's history).
  await rpc(api, 'service.demo.seed', { count: 800 });
  const uoms = await rpc<{ uoms: { id: string; code: string }[] }>(api, 'catalog.uom.list', {});
  const product = await rpc<{ id: string }>(api, 'catalog.product.create', { sku: SKU, name: 'Angle grinder 125 mm (service test)', uomId: uoms.uoms.find((u) => u.code === 'EA')!.id, listPriceMinor: 80_00, costMinor: 45_00 });
  const whs = await rpc<{ rows: { id: string; code: string }[] }>(api, 'inventory.warehouse.list', {});
  const wh = whs.rows.find((w) => w.code === 'WH1')!;
  const locs = await rpc<{ rows: { id: string; path: string }[] }>(api, 'inventory.location.list', { warehouseId: wh.id });
  await rpc(api, 'inventory.adjust', { productId: product.id, locationId: locs.rows.find((l) => l.path === 'WH1/Stock')!.id, delta: 10, reason: 'e2e opening stock' });
  const c = await rpc<{ id: string }>(api, 'partners.customer.create', { name: CUSTOMER, customerClass: 'regular', region: 'North', paymentTermsDays: 30, email: 'service@e2e-builders.test' });
  const order = await rpc<{ id: string; number: string }>(api, 'sales.order.create', { customerId: c.id, warehouseId: wh.id, lines: [{ productId: product.id, quantity: 5 }], confirm: true });
  orderId = order.id;
  orderNumber = order.number;
  // The warehouse ships it (every step), then it is invoiced.
  const rank: Record<string, number> = { pick: 0, pack: 1, delivery: 2 };
  for (let pass = 0; pass < 12; pass++) {
    const listed = await rpc<{ rows: TransferRow[] }>(api, 'inventory.transfer.list', { query: orderNumber, limit: 100 });
    const ready = listed.rows.filter((r) => r.origin === orderNumber && r.state === 'ready').sort((x, y) => (rank[x.kind] ?? 9) - (rank[y.kind] ?? 9));
    if (ready.length === 0) break;
    const t = await rpc<Transfer>(api, 'inventory.transfer.get', { id: ready[0]!.id });
    const lines = t.lines.filter((l) => l.state !== 'done' && l.state !== 'cancelled').map((l) => ({ lineId: l.id, quantity: Math.min(l.quantity - l.quantityDone, l.reserved) }));
    await rpc(api, 'inventory.transfer.validate', { id: t.id, lines, createBackorder: true });
  }
  await rpc(api, 'sales.order.refresh', { id: orderId });
  await rpc(api, 'sales.invoice.create', { orderId });
});
test.afterAll(async () => {
  await api?.dispose();
});

test('a damaged-goods complaint: ticket → RMA → receive and inspect → credit note, with the SLA timer visible throughout', async ({ page }) => {
  test.setTimeout(180_000);
  await login(page, 'admin', 'demo-admin');
  await page.goto('/#/service');
  await expect(page.getByRole('heading', { name: 'Service tickets' })).toBeVisible();

  // 1. The agent opens the ticket from the keyboard's N.
  await page.keyboard.press('n');
  const dialog = page.getByRole('dialog', { name: 'New ticket' });
  await expect(dialog).toBeVisible();
  const customer = dialog.getByRole('combobox', { name: 'Customer' }).or(dialog.getByRole('textbox', { name: 'Customer' })).first();
  await customer.fill('E2E Service');
  await page.getByRole('option', { name: new RegExp(CUSTOMER) }).click();
  await dialog.getByRole('combobox', { name: 'Order' }).or(dialog.getByRole('textbox', { name: 'Order' })).first().click();
  await page.getByRole('option', { name: new RegExp(orderNumber) }).click();
  await dialog.getByLabel('Subject').fill('Grinders arrived broken');
  await dialog.getByLabel('What the customer says').fill('The carton was crushed and two grinders arrived broken, the casing is cracked.');
  await dialog.getByRole('button', { name: 'Open ticket' }).click();

  const sla = page.getByTestId('sla-timer');
  await expect(page.getByRole('heading', { name: /^Ticket B01-TCK-/ })).toBeVisible();
  await expect(sla).toBeVisible();
  await expect(sla).toHaveText(/left$/);
  await expect(sla).toHaveAttribute('data-sla', 'ok');
  // The classifier suggests the reason and a reply template.
  await expect(page.getByTestId('ticket-category')).toContainText('Damaged in transit');
  await page.getByRole('button', { name: 'Use the reply template' }).click();
  await expect(page.getByLabel('Reply or note')).toHaveValue(/arrived damaged/);
  await page.getByRole('button', { name: 'Send reply' }).click();
  await expect(page.getByTestId('messages')).toContainText('Reply to service@e2e-builders.test');
  await shot(page, 'service-ticket');

  // 2. A return for two of the five grinders.
  await page.getByRole('button', { name: 'Start a return' }).click();
  await page.getByLabel(`Return quantity ${SKU}`).fill('2');
  await page.getByLabel('Return reason').fill('Damaged in transit');
  await page.getByRole('button', { name: 'Create RMA' }).click();
  const rma = page.locator('[data-testid^="rma-B01-RMA-"]');
  await expect(rma.getByTestId('rma-state')).toHaveText(/Authorised/);
  await expect(rma).toContainText('write B01-RMA-');
  await expect(sla).toBeVisible();

  // 3. The goods come back: received into Returns, then inspected (restock).
  await rma.getByRole('button', { name: 'Receive into Returns' }).click();
  await expect(rma.getByTestId('rma-state')).toHaveText(/Received/);
  await expect(sla).toBeVisible();
  await rma.getByRole('combobox', { name: `Disposition ${SKU}` }).or(rma.getByRole('textbox', { name: `Disposition ${SKU}` })).first().click();
  await page.getByRole('option', { name: 'Restock' }).click();
  await rma.getByRole('button', { name: 'Record inspection' }).click();
  await expect(rma.getByTestId('rma-state')).toHaveText(/Inspected/);
  await expect(sla).toBeVisible();

  // 4. The credit note.
  await rma.getByRole('button', { name: 'Issue credit note' }).click();
  await expect(rma.getByTestId('rma-state')).toHaveText('Resolved');
  await expect(rma.getByTestId('rma-resolution')).toContainText(/Credit note B01-INV-\d{4}-\d{6}: −160\.00/);
  await expect(sla).toBeVisible();
  await expect(page.getByTestId('messages')).toContainText('resolved: credit note');
  await shot(page, 'service-credit-note');

  // The engine agrees: the credit note is on the order, and the goods are back in stock.
  const invoices = await rpc<{ rows: { totalMinor: number }[] }>(api, 'sales.invoice.list', { orderId });
  expect(invoices.rows.map((i) => i.totalMinor).sort((a, b) => a - b)).toEqual([-160_00, 400_00]);

  // The queue shows the ticket with its SLA timer.
  await page.goto('/#/service');
  await page.getByLabel('Search tickets').fill('Grinders arrived');
  await expect(page.getByTestId('ticket-count')).toContainText('1 ticket');
  await expect(page.getByRole('grid', { name: 'Service tickets' })).toContainText(/left/);
});
