/**
 * Finance figures from the Finance issue (SQLite, a branch):
 *  - trial balance over 1,000,000 journal lines (finance.report.trialBalance through the bus,
 *    which sums the trigger-kept daily balances) vs the hand-written SQL aggregate over the
 *    lines — target < 500 ms and ≤ 1.5x the raw query;
 *  - the close checklist of a month with 100,000 entries — target < 5 s (beside the raw
 *    orphan-line and totals scans it runs);
 *  - posting 10,000 invoices with their entries (sales.invoice.run over 10,000 delivered
 *    orders, two runs of 5,000) — target ≥ 1,000 invoices/s, beside raw prepared INSERTs of
 *    the same invoice, invoice-line and journal rows.
 * The 1M-line ledger is built once with raw inserts (lines first, then entries: the database's
 * balance triggers run on every entry) and cached in .bench-data/.
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { templateAccountId, templateJournalId } from '../migrations/0011_finance';
import { newId } from '../src-main/engine/platform/ids';
import { BENCH_DIR, finishDataset, rng, SCHEMA_KEY, startDataset } from './lib/dataset';
import { mustOk, openBenchEngine } from './lib/engine';
import { iterations, log, measure, measurePair, report, stats } from './lib/measure';

const SUITE = 'finance';
const LINES = Number(process.env.BENCH_FINANCE_LINES ?? 1_000_000);
const MONTH = '2026-10';
const MONTH_ENTRIES = 100_000;
const INVOICES = process.env.BENCH_QUICK ? 2_000 : 10_000;

async function ensureLedger(): Promise<string> {
  const file = join(BENCH_DIR, `finance-${LINES}-${SCHEMA_KEY}-g2.sqlite`);
  if (existsSync(file)) return file;
  const { tmp, startedAt, database, engine } = await startDataset(file, log, `building a ${LINES.toLocaleString('en-US')}-line ledger (cached afterwards) ...`);
  const s = database.sqlite;
  const branchId = (s.prepare('SELECT branch_id FROM client_state').get() as { branch_id: string }).branch_id;
  const accounts = ['1000', '1100', '1200', '2000', '2100', '2200', '4000', '5000', '5200', '6000'].map(templateAccountId);
  const journal = templateJournalId('MISC');
  const insLine = s.prepare(`INSERT INTO journal_line (id, branch_id, created_at, updated_at, version, entry_id, line_no, date, account_id, debit_minor, credit_minor, channel_code)
    VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)`);
  const insEntry = s.prepare(`INSERT INTO journal_entry (id, branch_id, created_at, updated_at, version, journal_id, date, memo, source_kind) VALUES (?, ?, ?, ?, 1, ?, ?, ?, 'manual')`);
  const random = rng(77);
  const entries = LINES / 4;
  const earlier = entries - MONTH_ENTRIES;
  s.pragma('synchronous = OFF');
  const at = new Date().toISOString();
  const batch = s.transaction((from: number, to: number) => {
    for (let e = from; e < to; e++) {
      // The first entries spread over January–September; the last 100,000 fall in October.
      const date = e < earlier ? `2026-${String(1 + Math.floor((e / earlier) * 9)).padStart(2, '0')}-${String(1 + (e % 28)).padStart(2, '0')}` : `${MONTH}-${String(1 + (e % 31)).padStart(2, '0')}`;
      const id = newId();
      const a = Math.floor(random() * 99_999) + 2;
      const b = Math.floor(random() * (a - 1)) + 1;
      const channel = ['rep', 'portal', 'ecommerce', 'marketplace'][e % 4]!;
      // Lines first, the entry last (the entry's insert trigger checks the balance).
      insLine.run(newId(), branchId, at, at, id, 1, date, accounts[e % 10]!, a + 1, 0, channel);
      insLine.run(newId(), branchId, at, at, id, 2, date, accounts[(e + 3) % 10]!, 0, b, channel);
      insLine.run(newId(), branchId, at, at, id, 3, date, accounts[(e + 6) % 10]!, 0, a - b, channel);
      insLine.run(newId(), branchId, at, at, id, 4, date, accounts[(e + 7) % 10]!, 0, 1, channel);
      insEntry.run(id, branchId, at, at, journal, date, `Bench entry ${e}`);
    }
  });
  for (let e = 0; e < entries; e += 10_000) batch(e, Math.min(entries, e + 10_000));
  return finishDataset(s, engine, tmp, file, startedAt, log, { analyze: true });
}

const source = await ensureLedger();
const scratch = join(BENCH_DIR, `finance-scratch-${process.pid}.sqlite`);
copyFileSync(source, scratch);
try {
  const b = await openBenchEngine(scratch);
  const s = b.database.sqlite;

  // Trial balance over 1M lines: the engine (bus + report) vs the hand-written aggregate.
  const rawTb = s.prepare('SELECT account_id, sum(debit_minor) AS d, sum(credit_minor) AS c FROM journal_line WHERE date <= ? GROUP BY account_id');
  const tb = await measurePair(
    async () => {
      const r = mustOk(await b.engine.call('finance.report.trialBalance', { to: '2026-12-31' }, b.as)) as { debitMinor: number; creditMinor: number };
      if (r.debitMinor !== r.creditMinor) throw new Error('finance bench: trial balance does not balance');
    },
    () => rawTb.all('2026-12-31'),
    { iterations: iterations(20), warmup: 2, round: 2 },
  );
  const [te, tr] = [stats(tb.subject), stats(tb.baseline)];
  const plan = (s.prepare(`EXPLAIN QUERY PLAN SELECT account_id, sum(debit_minor), sum(credit_minor) FROM journal_line WHERE date <= '2026-12-31' GROUP BY account_id`).all() as { detail: string }[]).map((p) => p.detail).join('; ');
  report({ suite: SUITE, name: `trial balance, ${(LINES / 1e6).toFixed(1)}M lines p50`, valueMs: te.p50, baseline: { label: 'raw SUM GROUP BY', valueMs: tr.p50 }, target: { text: '<500ms and ≤1.5x raw', pass: te.p50 < 500 && te.p50 <= tr.p50 * 1.5 }, note: `plan: ${plan}` });

  // The close checklist of the month with 100,000 entries.
  const rawChecks = s.prepare(`SELECT (SELECT count(*) FROM journal_line l WHERE l.date <= ? AND NOT EXISTS (SELECT 1 FROM journal_entry e WHERE e.id = l.entry_id)) AS orphans,
    (SELECT sum(debit_minor) - sum(credit_minor) FROM journal_line WHERE date <= ?) AS off`);
  const checklist = await measurePair(
    async () => mustOk(await b.engine.call('finance.close.checklist', { period: MONTH }, b.as)),
    () => rawChecks.get(`${MONTH}-31`, `${MONTH}-31`),
    { iterations: iterations(5), warmup: 1, round: 1 },
  );
  const [ce, cr] = [stats(checklist.subject), stats(checklist.baseline)];
  report({ suite: SUITE, name: `close checklist, ${MONTH_ENTRIES.toLocaleString('en-US')} entries in the month`, valueMs: ce.p50, baseline: { label: 'raw integrity scans', valueMs: cr.p50 }, target: { text: '<5s', pass: ce.p50 < 5000 } });

  // Posting invoices: delivered orders written raw, then invoiced through the engine.
  const branchId = (s.prepare('SELECT branch_id FROM client_state').get() as { branch_id: string }).branch_id;
  const each = mustOk(await b.engine.call('catalog.uom.create', { code: 'EA', name: 'Each' }, b.as)) as { id: string };
  const product = mustOk(await b.engine.call('catalog.product.create', { sku: 'FIN-BENCH', name: 'Bench product', uomId: each.id, listPriceMinor: 1000, costMinor: 400 }, b.as)) as { id: string };
  const customer = mustOk(await b.engine.call('partners.customer.create', { name: 'Bench customer', region: 'North', customerClass: 'regular', paymentTermsDays: 30, creditLimitMinor: null }, b.as)) as { id: string };
  const insOrder = s.prepare(`INSERT INTO sales_order (id, branch_id, created_at, updated_at, version, number, state, partner_id, channel_code, customer_po, currency, order_date, payment_captured, invoice_policy, payment_terms_days, backorder_policy, priority_rank, untaxed_minor, tax_minor, total_minor, cost_minor, search_text)
    VALUES (?, ?, ?, ?, 1, ?, 'delivered', ?, 'rep', NULL, 'USD', ?, 0, 'on_delivery', 30, 'ship_partial', 5, ?, ?, ?, ?, ?)`);
  const insOrderLine = s.prepare(`INSERT INTO sales_order_line (id, branch_id, created_at, updated_at, version, order_id, line_no, product_id, uom_id, uom_quantity, quantity, list_price_minor, unit_price_minor, price_overridden, price_rule_id, price_reason, discount_bp, cost_minor, tax_rate_bp, subtotal_minor, tax_minor, total_minor, qty_delivered, qty_invoiced, qty_returned, qty_cancelled)
    VALUES (?, ?, ?, ?, 1, ?, 1, ?, ?, 3, 3, 1000, 1000, 0, NULL, 'List price', 0, 400, 2000, 3000, 600, 3600, 3, 0, 0, 0)`);
  const now = new Date().toISOString();
  s.transaction(() => {
    for (let i = 0; i < INVOICES; i++) {
      const id = newId();
      insOrder.run(id, branchId, now, now, `B01-SO-BENCH-${String(i).padStart(6, '0')}`, customer.id, now, 3000, 600, 3600, 1200, `bench ${i}`);
      insOrderLine.run(newId(), branchId, now, now, id, product.id, each.id);
    }
  })();
  const t0 = performance.now();
  let invoiced = 0;
  while (invoiced < INVOICES) {
    const r = mustOk(await b.engine.call('sales.invoice.run', { limit: 5000 }, b.as)) as { invoices: unknown[] };
    if (r.invoices.length === 0) break;
    invoiced += r.invoices.length;
  }
  const engineMs = performance.now() - t0;
  if (invoiced !== INVOICES) throw new Error(`finance bench: invoiced ${invoiced} of ${INVOICES}`);
  const entries = (s.prepare("SELECT count(*) AS n FROM journal_entry WHERE source_kind = 'invoice'").get() as { n: number }).n;
  if (entries !== INVOICES) throw new Error(`finance bench: ${entries} invoice entries for ${INVOICES} invoices`);
  // Raw baseline: the same rows (invoice, its line, the entry and its three lines) as prepared INSERTs in one transaction.
  s.exec('CREATE TEMP TABLE raw_invoice (id TEXT, number TEXT, total INTEGER); CREATE TEMP TABLE raw_line (id TEXT, invoice_id TEXT, subtotal INTEGER); CREATE TEMP TABLE raw_jl (id TEXT, entry_id TEXT, account TEXT, d INTEGER, c INTEGER); CREATE TEMP TABLE raw_je (id TEXT, memo TEXT)');
  const ri = s.prepare('INSERT INTO raw_invoice VALUES (?, ?, ?)');
  const rl = s.prepare('INSERT INTO raw_line VALUES (?, ?, ?)');
  const rj = s.prepare('INSERT INTO raw_jl VALUES (?, ?, ?, ?, ?)');
  const re = s.prepare('INSERT INTO raw_je VALUES (?, ?)');
  const rawMs = stats(
    await measure(
      () =>
        s.transaction(() => {
          for (let i = 0; i < INVOICES; i++) {
            const id = newId();
            const e = newId();
            ri.run(id, `RAW-${i}`, 3600);
            rl.run(newId(), id, 3000);
            rj.run(newId(), e, 'ar', 3600, 0);
            rj.run(newId(), e, 'rev', 0, 3000);
            rj.run(newId(), e, 'tax', 0, 600);
            re.run(e, `Invoice RAW-${i}`);
          }
        })(),
      1,
    ),
  ).p50;
  const rate = (INVOICES / engineMs) * 1000;
  report({
    suite: SUITE,
    name: `post ${INVOICES.toLocaleString('en-US')} invoices with entries`,
    valueMs: engineMs,
    baseline: { label: 'raw INSERTs of the same rows', valueMs: rawMs },
    target: { text: '≥1,000 invoices/s', pass: rate >= 1000 },
    note: `${Math.round(rate).toLocaleString('en-US')} invoices/s (sales.invoice.run: order sync, numbering, lines, order state, entry)`,
  });
  await b.close();
} finally {
  for (const f of [scratch, `${scratch}-wal`, `${scratch}-shm`]) rmSync(f, { force: true });
}
