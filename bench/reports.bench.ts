/**
 * Reports figures from the Reports issue, on the large demo company (≥ 1,000,000 stock moves,
 * ≥ 200,000 order lines; built once through `system.loadDemo` and cached in .bench-data/):
 *  - every dashboard widget (ROLE_DASHBOARDS, plus the twelve KPI tiles) through Engine.call,
 *    beside a prepared raw SQL aggregate over the same report table (the floor) and, for
 *    reference, the same figure straight from the documents/ledger without the report tables
 *    — target p50 < 300 ms each;
 *  - reports.refresh when nothing changed;
 *  - the background refresh from scratch: how long each step (one transaction) takes;
 *  - a forecast run over every product × warehouse (5,000 × 2) — target < 30 s, beside the
 *    raw read of the weekly demand it starts from.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { KPI_IDS, ROLE_DASHBOARDS } from '../src-shared/contract/reports';
import { Engine } from '../src-main/engine/engine';
import { openSqlite } from '../src-main/engine/platform/db';
import { migrateToLatest } from '../src-main/engine/platform/migrate';
import { BENCH_DIR, SCHEMA_KEY } from './lib/dataset';
import { mustOk, openBenchEngine } from './lib/engine';
import { iterations, log, measure, measurePair, report, stats } from './lib/measure';

const SUITE = 'reports';
const SIZE = (process.env.BENCH_REPORTS_SIZE ?? 'large') as 'large' | 'default' | 'small';

async function ensureDemo(): Promise<string> {
  const file = join(BENCH_DIR, `reports-demo-${SIZE}-${SCHEMA_KEY}-g3.sqlite`);
  if (existsSync(file)) return file;
  mkdirSync(BENCH_DIR, { recursive: true });
  const tmp = `${file}.building-${process.pid}`;
  log(`loading the ${SIZE} demo company (cached afterwards; several minutes for large) ...`);
  const t0 = performance.now();
  const database = openSqlite(tmp);
  await migrateToLatest(database);
  const engine = await Engine.open({ database, appVersion: 'bench' });
  await engine.run('system.loadDemo', { seed: 7, size: SIZE }, { anonymous: true });
  const admin = database.sqlite.prepare("SELECT id FROM app_user WHERE username = 'admin'").get() as { id: string };
  const t1 = performance.now();
  await engine.run('reports.refresh', { rebuild: true }, { userId: admin.id });
  log(`demo loaded in ${((t1 - t0) / 1000).toFixed(0)} s; report tables built in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  await engine.close();
  for (const suffix of ['-wal', '-shm']) rmSync(`${tmp}${suffix}`, { force: true });
  renameSync(tmp, file);
  return file;
}

const file = await ensureDemo();
const scratch = join(BENCH_DIR, `reports-${process.pid}.sqlite`);
copyFileSync(file, scratch);
try {
  const b = await openBenchEngine(scratch);
  const s = b.sqlite;
  const count = (q: string) => (s.prepare(q).get() as { n: number }).n;
  const moves = count('SELECT count(*) AS n FROM stock_move');
  const lines = count("SELECT count(*) AS n FROM transfer_line l JOIN transfer t ON t.id = l.transfer_id JOIN location c ON c.id = t.to_location_id AND c.usage = 'customer'");
  log(`reports: ${moves.toLocaleString('en-US')} moves, ${lines.toLocaleString('en-US')} customer delivery lines, ${count('SELECT count(*) AS n FROM report_order_line').toLocaleString('en-US')} order lines in the report table`);

  // Catch up first (the cached database may predate derived rows a newer refresh keeps).
  mustOk(await b.engine.call('reports.refresh', {}, b.as));
  const today = new Date().toISOString().slice(0, 10);
  const yearAgo = new Date(Date.now() - 364 * 86_400_000).toISOString().slice(0, 10);
  const filter = { from: yearAgo, to: today };
  const dayNo = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
  const [fromNo, toNo] = [dayNo(yearAgo), dayNo(today)];

  // The floors: one prepared aggregate over the report table each figure family reads.
  const rawOrderLines = s.prepare('SELECT channel_code, SUM(first_qty), SUM(ordered_qty), SUM(backordered), SUM(lines) FROM report_order_day WHERE day_no >= ? AND day_no <= ? GROUP BY channel_code');
  const rawStockDays = s.prepare('SELECT warehouse_id, SUM(out_qty), SUM(return_qty), SUM(cogs_minor) FROM report_value_day WHERE day_no >= ? AND day_no <= ? GROUP BY warehouse_id');
  const rawOrders = s.prepare('SELECT channel_code, cycle_hours FROM report_order WHERE day_no >= ? AND day_no <= ? AND cycle_hours IS NOT NULL');
  const rawReceipts = s.prepare('SELECT warehouse_id, SUM(on_time), COUNT(*) FROM report_receipt_line WHERE day_no >= ? AND day_no <= ? GROUP BY warehouse_id');
  const rawCounts = s.prepare("SELECT k.warehouse_id, COUNT(*) FROM count_line c JOIN cycle_count k ON k.id = c.count_id WHERE k.state = 'posted' AND k.posted_at >= ? GROUP BY k.warehouse_id");
  const family = (kpi: string): { label: string; run: () => unknown } => {
    if (['return_rate', 'inventory_turns', 'days_of_supply'].includes(kpi)) return { label: 'raw SQL on report_value_day', run: () => rawStockDays.all(fromNo, toNo) };
    if (kpi === 'order_cycle_time') return { label: 'raw SQL on report_order', run: () => rawOrders.all(fromNo, toNo) };
    if (kpi === 'vendor_on_time') return { label: 'raw SQL on report_receipt_line', run: () => rawReceipts.all(fromNo, toNo) };
    if (kpi === 'inventory_accuracy') return { label: 'raw SQL on count_line', run: () => rawCounts.all(`${yearAgo}T00:00:00.000Z`) };
    return { label: 'raw SQL on report_order_day', run: () => rawOrderLines.all(fromNo, toNo) };
  };
  // References without the report tables: the same figures straight from the documents/ledger.
  const fromLedger = s.prepare(`SELECT f.warehouse_id, SUM(m.quantity), SUM(-m.value_minor) FROM stock_move m JOIN location f ON f.id = m.from_location_id AND f.usage = 'internal'
    JOIN location t ON t.id = m.to_location_id AND t.usage = 'customer' WHERE m.moved_at >= ? GROUP BY f.warehouse_id`);
  const fromDocuments = s.prepare(`SELECT t.channel_code, SUM(l.quantity_done), COUNT(*) FROM transfer t JOIN location c ON c.id = t.to_location_id AND c.usage = 'customer'
    JOIN transfer_line l ON l.transfer_id = t.id WHERE t.state = 'done' AND t.backorder_of_id IS NULL AND t.done_at >= ? GROUP BY t.channel_code`);
  const refLedger = stats(await measure(() => fromLedger.all(`${yearAgo}T00:00:00.000Z`), process.env.BENCH_QUICK ? 1 : 3));
  const refDocs = stats(await measure(() => fromDocuments.all(`${yearAgo}T00:00:00.000Z`), process.env.BENCH_QUICK ? 1 : 3));

  const widgets = new Map<string, { kpi: string; groupBy: string }>();
  for (const list of Object.values(ROLE_DASHBOARDS)) for (const w of list) widgets.set(`${w.kpi}/${w.groupBy}`, w);
  for (const k of KPI_IDS) if (![...widgets.values()].some((w) => w.kpi === k)) widgets.set(`${k}/none`, { kpi: k, groupBy: 'none' });
  for (const [name, w] of widgets) {
    const base = family(w.kpi);
    const pair = await measurePair(async () => mustOk(await b.engine.call('reports.kpi', { kpi: w.kpi, filter, groupBy: w.groupBy }, b.as)), () => base.run(), {
      iterations: iterations(30),
      warmup: 2,
      round: 5,
      budgetMs: 6000,
      minIterations: 5,
    });
    const [e, r] = [stats(pair.subject), stats(pair.baseline)];
    const ledgerRef = ['return_rate', 'inventory_turns', 'days_of_supply'].includes(w.kpi);
    report({
      suite: SUITE,
      name: `widget ${name} p50`,
      valueMs: e.p50,
      baseline: { label: base.label, valueMs: r.p50 },
      also: [{ label: ledgerRef ? 'straight from the ledger' : 'straight from the documents', valueMs: ledgerRef ? refLedger.p50 : refDocs.p50 }],
      target: { text: 'p50<300ms', pass: e.p50 < 300 },
    });
  }
  const tiles = await measurePair(async () => mustOk(await b.engine.call('reports.kpis', { kpis: [...KPI_IDS], filter }, b.as)), () => rawOrderLines.all(fromNo, toNo), { iterations: iterations(10), warmup: 1, round: 2, budgetMs: 8000, minIterations: 3 });
  report({ suite: SUITE, name: 'all 12 KPI tiles (one call) p50', valueMs: stats(tiles.subject).p50, baseline: { label: 'raw SQL on report_order_day', valueMs: stats(tiles.baseline).p50 }, note: 'every tile of a dashboard at once' });

  const rawDrill = s.prepare('SELECT root_id, product_id FROM report_order_line WHERE day_no >= ? AND day_no <= ? AND first_qty < ordered_qty ORDER BY day DESC LIMIT 100');
  const drill = await measurePair(async () => mustOk(await b.engine.call('reports.drill', { kpi: 'fill_rate_lines', filter, limit: 100 }, b.as)), () => rawDrill.all(fromNo, toNo), { iterations: iterations(20), warmup: 2, round: 4, budgetMs: 6000, minIterations: 5 });
  report({ suite: SUITE, name: 'drill-down fill rate, first page p50', valueMs: stats(drill.subject).p50, baseline: { label: 'raw first-page SQL', valueMs: stats(drill.baseline).p50 }, note: 'counts the whole year behind the page' });

  const noop = await measurePair(async () => mustOk(await b.engine.call('reports.refresh', {}, b.as)), () => s.prepare('SELECT max(id) FROM stock_move').get(), { iterations: iterations(30), warmup: 2, round: 5, budgetMs: 5000, minIterations: 5 });
  report({ suite: SUITE, name: 'reports.refresh with nothing new p50', valueMs: stats(noop.subject).p50, baseline: { label: 'raw max(id) probe', valueMs: stats(noop.baseline).p50 }, target: { text: 'p50<50ms', pass: stats(noop.subject).p50 < 50 } });

  // Forecast run over every product × warehouse.
  const weekly = s.prepare('SELECT product_id, warehouse_id, (day_no + 3) / 7 AS wk, SUM(out_qty) FROM report_stock_day WHERE out_qty > 0 GROUP BY 1, 2, 3');
  const rawWeekly = stats(await measure(() => weekly.all(), 1));
  const t0 = performance.now();
  const summary = mustOk(await b.engine.call('reports.forecast.run', {}, b.as)) as { series: number; wape: number; naiveWape: number; mase: number; naiveMase: number; byMethod: { method: string; count: number }[] };
  const runMs = performance.now() - t0;
  report({
    suite: SUITE,
    name: `forecast run (${summary.series.toLocaleString('en-US')} series)`,
    valueMs: runMs,
    baseline: { label: 'raw weekly demand read', valueMs: rawWeekly.p50 },
    target: { text: '<30s', pass: runMs < 30_000 },
    note: `WAPE ${(summary.wape * 100).toFixed(1)}% vs seasonal naive ${(summary.naiveWape * 100).toFixed(1)}%; MASE ${summary.mase.toFixed(2)} vs ${summary.naiveMase.toFixed(2)}; ${summary.byMethod.map((m) => `${m.method} ${m.count}`).join(', ')}`,
  });

  // The background refresh from scratch (after the figures above: this empties the copy's report
  // tables): each step is one transaction, so its length is how long a user's command may wait.
  for (const t of ['report_cursor', 'report_delivery', 'report_order_line', 'report_order', 'report_order_day', 'report_short_day', 'report_stock_day', 'report_value_day', 'report_flow_day', 'report_receipt_line']) s.exec(`DELETE FROM ${t}`);
  const steps: { ms: number; moves: number; docs: number }[] = [];
  let last: { more: boolean; done: number; total: number } = { more: true, done: 0, total: 0 };
  const stepBudget = performance.now() + 60_000;
  while (last.more && performance.now() < stepBudget) {
    const t1 = performance.now();
    const r = mustOk(await b.engine.call('reports.refresh.step', {}, { host: 'bench' })) as { more: boolean; done: number; total: number; moves: number; shipments: number; receipts: number };
    steps.push({ ms: performance.now() - t1, moves: r.moves, docs: r.shipments + r.receipts });
    last = r;
  }
  const commit = stats(await measure(() => s.prepare("UPDATE report_cursor SET updated_at = updated_at WHERE name = 'stock_move'").run(), 20));
  for (const [label, pick] of [
    ['ledger chunk (20,000 moves)', steps.filter((x) => x.moves > 0)],
    ['document batch (200 documents)', steps.filter((x) => x.moves === 0 && x.docs > 0)],
  ] as const) {
    if (pick.length === 0) continue;
    const st = stats(pick.map((x) => x.ms));
    report({
      suite: SUITE,
      name: `background refresh step, ${label} p50`,
      valueMs: st.p50,
      baseline: { label: 'raw one-row update', valueMs: commit.p50 },
      target: { text: 'p99<1s', pass: st.p99 < 1_000 },
      note: `${pick.length} steps, max ${Math.max(...pick.map((x) => x.ms)).toFixed(0)} ms; catch-up at ${Math.floor((100 * last.done) / Math.max(1, last.total))} % after 60 s`,
    });
  }
  await b.close();
} finally {
  for (const f of [scratch, `${scratch}-wal`, `${scratch}-shm`]) rmSync(f, { force: true });
}
