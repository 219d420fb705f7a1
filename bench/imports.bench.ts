/**
 * Order imports from the Order-to-cash issue, on a scratch SQLite branch database:
 *  - 10,000 marketplace orders (2 lines each) from one CSV file — target ≥ 1,000 orders/s;
 *  - 1,000 EDI X12 850 interchanges (3 lines each) from one file — target ≥ 500/s.
 * Each runs the whole pipeline per order (stage, then imports.apply chunks: customer and
 * items resolved, the order priced, confirmed with credit control and reserved, its
 * notification queued; EDI also its 855), each chunk at once through the driver (again order
 * by order, each in a savepoint, if an order of it is refused). Baseline, same
 * run and connection: raw prepared INSERTs of the same orders and lines (one transaction).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportReport } from '../src-shared/contract/imports';
import { Engine } from '../src-main/engine/engine';
import { runImport } from '../src-shared/import-driver';
import { openSqlite } from '../src-main/engine/platform/db';
import { newId } from '../src-main/engine/platform/ids';
import { migrateToLatest } from '../src-main/engine/platform/migrate';
import { ADMIN, BENCH_DIR } from './lib/dataset';
import { log, report } from './lib/measure';

const SUITE = 'imports';
const QUICK = !!process.env.BENCH_QUICK;
const CSV_ORDERS = QUICK ? 1_000 : 10_000;
const EDI_ORDERS = QUICK ? 200 : 1_000;
const PRODUCTS = 200;
const CUSTOMERS = 50;

mkdirSync(BENCH_DIR, { recursive: true });
const file = join(BENCH_DIR, `imports-${process.pid}.sqlite`);
const database = openSqlite(file);
try {
  await migrateToLatest(database);
  const engine = await Engine.open({ database, appVersion: 'bench' });
  await engine.run('system.setup', { companyName: 'Bench', branchCode: 'B01', branchName: 'Bench', adminUsername: ADMIN.username, adminDisplayName: 'Admin', adminPassword: ADMIN.password }, { anonymous: true });
  const s = database.sqlite;
  const as = { userId: (s.prepare('SELECT id FROM app_user').get() as { id: string }).id };
  const each = await engine.run('catalog.uom.create', { code: 'EA', name: 'Each' }, as);
  const wh = await engine.run('inventory.warehouse.create', { code: 'WH1', name: 'Main', region: 'North' }, as);
  for (const code of ['marketplace', 'edi'] as const) await engine.run('sales.channel.setPolicy', { code, defaultWarehouseId: wh.id }, as);
  const skus: string[] = [];
  const lines: { productId: string; quantity: number; unitCostMinor: number }[] = [];
  for (let i = 0; i < PRODUCTS; i++) {
    const p = await engine.run('catalog.product.create', { sku: `BI-${String(i).padStart(4, '0')}`, name: `Bench item ${i}`, uomId: each.id, listPriceMinor: 1000 + i, costMinor: 400 }, as);
    skus.push(p.sku);
    lines.push({ productId: p.id, quantity: 1_000_000, unitCostMinor: 400 });
  }
  const receipt = await engine.run('inventory.transfer.create', { kind: 'receipt', warehouseId: wh.id, lines }, as);
  await engine.run('inventory.transfer.validate', { id: receipt.id }, as);
  for (let c = 0; c < CUSTOMERS; c++) await engine.run('partners.customer.create', { code: `BC${c}`, name: `Bench customer ${c}`, externalId: `EDI${String(c).padStart(6, '0')}`, region: 'North', customerClass: 'regular', paymentTermsDays: 30, creditLimitMinor: null }, as);
  const price = (i: number) => `${Math.floor((1000 + i) / 100)}.${String((1000 + i) % 100).padStart(2, '0')}`;
  const call = (method: string, input: unknown) => engine.run(method as 'imports.get', input as never, as) as Promise<ImportReport>;

  // --- CSV --------------------------------------------------------------------------------
  const rows = ['order_id,customer_code,customer_po,sku,quantity,unit_price'];
  for (let o = 0; o < CSV_ORDERS; o++) {
    for (let l = 0; l < 2; l++) {
      const i = (o * 7 + l * 13) % PRODUCTS;
      rows.push(`MP-${o},BC${o % CUSTOMERS},MP-PO-${o},${skus[i]},${1 + (o % 3)},${price(i)}`);
    }
  }
  const csv = rows.join('\n');
  log(`imports: CSV of ${CSV_ORDERS} orders (${(csv.length / 1024 / 1024).toFixed(1)} MB)`);
  let t0 = performance.now();
  const csvReport = await runImport(call, { kind: 'orders', channelCode: 'marketplace', fileName: 'bench.csv', content: csv }, { chunk: 500 });
  const csvMs = performance.now() - t0;
  if (csvReport.batch.counts.accepted !== CSV_ORDERS) throw new Error(`imports bench: CSV accepted ${JSON.stringify(csvReport.batch.counts)}: ${csvReport.orders.find((o) => o.status !== 'accepted')?.message}`);

  // --- EDI --------------------------------------------------------------------------------
  const interchanges: string[] = [];
  for (let k = 0; k < EDI_ORDERS; k++) {
    const ctl = String(100000 + k).padStart(9, '0');
    const sender = `EDI${String(k % CUSTOMERS).padStart(6, '0')}`.padEnd(15, ' ');
    const segs = [`GS*PO*${sender.trim()}*BRANCHLINE*20261129*1200*${k + 1}*X*004010`, `ST*850*0001`, `BEG*00*SA*EDI-PO-${k}**20261129`];
    for (let l = 0; l < 3; l++) {
      const i = (k * 11 + l * 17) % PRODUCTS;
      segs.push(`PO1*${l + 1}*${1 + ((k + l) % 4)}*EA*${price(i)}**VN*${skus[i]}`);
    }
    // SE01 counts ST through SE: the segments after GS, plus CTT and SE.
    segs.push('CTT*3', `SE*${segs.length - 1 + 2}*0001`, `GE*1*${k + 1}`, `IEA*1*${ctl}`);
    interchanges.push([`ISA*00*          *00*          *ZZ*${sender}*ZZ*BRANCHLINE     *261129*1200*U*00401*${ctl}*0*P*>`, ...segs].join('~\n') + '~');
  }
  const edi = interchanges.join('\n');
  t0 = performance.now();
  const ediReport = await runImport(call, { kind: 'edi', fileName: 'bench.edi', content: edi }, { chunk: 500 });
  const ediMs = performance.now() - t0;
  if (ediReport.batch.counts.accepted !== EDI_ORDERS) throw new Error(`imports bench: EDI accepted ${JSON.stringify(ediReport.batch.counts)}: ${ediReport.orders.find((o) => o.status !== 'accepted')?.message}`);

  // --- raw baseline: the same orders and lines as prepared INSERTs in one transaction ---------
  const branchId = (s.prepare('SELECT branch_id FROM client_state').get() as { branch_id: string }).branch_id;
  const customerId = (s.prepare("SELECT id FROM partner WHERE code = 'BC0'").get() as { id: string }).id;
  const productIds = (s.prepare('SELECT id, sku FROM product').all() as { id: string; sku: string }[]).reduce((m, r) => m.set(r.sku, r.id), new Map<string, string>());
  const insOrder = s.prepare(`INSERT INTO sales_order (id, branch_id, created_at, updated_at, version, number, state, partner_id, channel_code, customer_po, currency, order_date, payment_captured, invoice_policy, payment_terms_days, backorder_policy, priority_rank, untaxed_minor, tax_minor, total_minor, cost_minor, search_text)
    VALUES (?, ?, ?, ?, 1, ?, 'confirmed', ?, ?, ?, 'USD', ?, 0, 'on_delivery', 30, 'ship_partial', 5, ?, 0, ?, ?, ?)`);
  const insLine = s.prepare(`INSERT INTO sales_order_line (id, branch_id, created_at, updated_at, version, order_id, line_no, product_id, uom_id, uom_quantity, quantity, list_price_minor, unit_price_minor, price_overridden, price_rule_id, price_reason, discount_bp, cost_minor, tax_rate_bp, subtotal_minor, tax_minor, total_minor, qty_delivered, qty_invoiced, qty_returned, qty_cancelled)
    VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, 'List price', 0, 400, 0, ?, 0, ?, 0, 0, 0, 0)`);
  const raw = (prefix: string, orders: { po: string; lines: { sku: string; q: number; p: number }[] }[]) =>
    s.transaction(() => {
      const now = new Date().toISOString();
      for (const [n, o] of orders.entries()) {
        const id = newId();
        const total = o.lines.reduce((a, l) => a + l.q * l.p, 0);
        insOrder.run(id, branchId, now, now, `${prefix}-${n}`, customerId, 'marketplace', o.po, now, total, total, 400, o.po.toLowerCase());
        o.lines.forEach((l, i) => insLine.run(newId(), branchId, now, now, id, i + 1, productIds.get(l.sku), each.id, l.q, l.q, l.p, l.p, l.q * l.p, l.q * l.p));
      }
    })();
  const rawOrders = (n: number, k: number, po: string) =>
    Array.from({ length: n }, (_, o) => ({ po: `${po}-${o}`, lines: Array.from({ length: k }, (_, l) => ({ sku: skus[(o * 7 + l * 13) % PRODUCTS]!, q: 1 + (o % 3), p: 1000 })) }));
  let r0 = performance.now();
  raw('RAW-CSV', rawOrders(CSV_ORDERS, 2, 'RAW-CSV'));
  const rawCsvMs = performance.now() - r0;
  r0 = performance.now();
  raw('RAW-EDI', rawOrders(EDI_ORDERS, 3, 'RAW-EDI'));
  const rawEdiMs = performance.now() - r0;

  // What the pipeline itself costs: the same kind of order created and confirmed by one bus call each.
  const direct = QUICK ? 100 : 300;
  const c0 = (s.prepare("SELECT id FROM partner WHERE code = 'BC1'").get() as { id: string }).id;
  r0 = performance.now();
  for (let o = 0; o < direct; o++) {
    await engine.run('sales.order.create', { customerId: c0, channelCode: 'marketplace', customerPo: `DIRECT-${o}`, paymentCaptured: true, confirm: true, lines: [0, 1].map((l) => ({ productId: productIds.get(skus[(o * 7 + l * 13) % PRODUCTS]!)!, quantity: 1 + (o % 3) })) }, as);
  }
  const directMs = (performance.now() - r0) / direct;

  const perCsv = csvMs / CSV_ORDERS;
  const perEdi = ediMs / EDI_ORDERS;
  log(`imports: CSV ${CSV_ORDERS} orders in ${(csvMs / 1000).toFixed(1)} s (${Math.round(CSV_ORDERS / (csvMs / 1000))}/s); EDI ${EDI_ORDERS} in ${(ediMs / 1000).toFixed(1)} s (${Math.round(EDI_ORDERS / (ediMs / 1000))}/s)`);
  report({
    suite: SUITE,
    name: `import ${CSV_ORDERS.toLocaleString('en')} CSV orders, per order`,
    valueMs: perCsv,
    baseline: { label: 'raw INSERTs', valueMs: rawCsvMs / CSV_ORDERS },
    also: [{ label: 'sales.order.create+confirm alone', valueMs: directMs }],
    target: { text: '≥ 1,000 orders/s', pass: perCsv <= 1 },
    note: `${Math.round(1000 / perCsv)} orders/s`,
  });
  report({
    suite: SUITE,
    name: `import ${EDI_ORDERS.toLocaleString('en')} EDI 850 interchanges, each`,
    valueMs: perEdi,
    baseline: { label: 'raw INSERTs', valueMs: rawEdiMs / EDI_ORDERS },
    target: { text: '≥ 500/s', pass: perEdi <= 2 },
    note: `${Math.round(1000 / perEdi)}/s`,
  });
  await engine.close();
} finally {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
}
