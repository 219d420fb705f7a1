/**
 * Service: the ticket queue on 100,000 tickets (filter + sort + total, first page of 100)
 * through Engine.call beside the same statements hand-written and prepared on the same
 * connection; the reason classifier trained on 20,000 labelled texts (beside only tokenising
 * them) and predicting one text (beside tokenising it).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../src-main/engine/engine';
import { openSqlite } from '../src-main/engine/platform/db';
import { newId } from '../src-main/engine/platform/ids';
import { migrateToLatest } from '../src-main/engine/platform/migrate';
import { features, predict, train } from '../src-main/engine/service/classifier';
import { demoTexts, seeded } from '../src-main/engine/service/demo';
import { BENCH_DIR } from './lib/dataset';
import { mustOk } from './lib/engine';
import { check, fmtMs, iterations, log, measurePair, report, stats } from './lib/measure';

const SUITE = 'service';
const TICKETS = 100_000;
const QUEUE_TARGET_MS = 50;

mkdirSync(BENCH_DIR, { recursive: true });
const file = join(BENCH_DIR, `service-${process.pid}.sqlite`);
rmSync(file, { force: true });
const database = openSqlite(file);
await migrateToLatest(database);
const engine = await Engine.open({ database, appVersion: 'bench' });
await engine.run(
  'system.setup',
  { companyName: 'Bench Service', branchCode: 'B01', branchName: 'Bench', adminUsername: 'admin', adminDisplayName: 'Admin', adminPassword: 'bench-admin-pass' },
  { anonymous: true },
);
const s = database.sqlite;
const as = { userId: (s.prepare('SELECT id FROM app_user WHERE username = ?').get('admin') as { id: string }).id };
const branchId = (s.prepare('SELECT branch_id FROM client_state').get() as { branch_id: string }).branch_id;

// 200 customers through the engine, then 100,000 tickets in one prepared transaction.
const customers: string[] = [];
for (let i = 0; i < 200; i++) customers.push((mustOk(await engine.call('partners.customer.create', { name: `Bench customer ${i}`, region: i % 2 ? 'North' : 'South', customerClass: 'regular' }, as)) as { id: string }).id);
const TYPES = ['failed_delivery', 'damaged_goods', 'wrong_item', 'invoice_dispute', 'return_request', 'general'];
const AGENTS = ['ana', 'ben', 'cas', 'dee', 'eli', 'fay', 'gus', 'hal'];
const rnd = seeded(42);
const t0 = Date.parse('2026-01-01T00:00:00.000Z');
const insert = s.prepare(`INSERT INTO ticket (id, branch_id, created_at, updated_at, version, number, type, state, priority, subject, description, partner_id, customer_class, region,
  source, assignee, first_response_due_at, resolution_due_at, resolution_warn_at, first_responded_at, resolved_at, paused_ms, search_text)
  VALUES (?, ?, ?, ?, 1, ?, ?, ?, 'normal', ?, 'bench', ?, 'regular', ?, 'manual', ?, ?, ?, ?, ?, ?, 0, ?)`);
const started = performance.now();
s.transaction(() => {
  for (let i = 0; i < TICKETS; i++) {
    const created = t0 + Math.floor(rnd() * 200 * 86_400_000);
    const iso = (ms: number) => new Date(ms).toISOString();
    // A quarter are still open (the active queue), the rest resolved.
    const resolved = rnd() < 0.75;
    const number = `B01-TCK-2026-${String(i + 1).padStart(6, '0')}`;
    const subject = `Ticket ${i} ${TYPES[i % TYPES.length]}`;
    insert.run(newId(), branchId, iso(created), iso(created), number, TYPES[Math.floor(rnd() * TYPES.length)], resolved ? 'resolved' : 'open', subject, customers[i % customers.length], i % 2 ? 'North' : 'South',
      AGENTS[Math.floor(rnd() * AGENTS.length)], iso(created + 3_600_000), iso(created + 2 * 86_400_000), iso(created + 1.5 * 86_400_000), iso(created + 1_800_000), resolved ? iso(created + 86_400_000) : null,
      `${number} ${subject}`.toLowerCase());
  }
})();
s.exec('ANALYZE');
log(`inserted ${TICKETS} tickets in ${fmtMs(performance.now() - started)}`);

// The queue's statements, hand-written: the page and its total.
const COLS = `t.id, t.number, t.type, t.state, t.priority, t.subject, t.partner_id, p.name AS customer_name, t.customer_class, t.region, t.order_id, o.number AS order_number,
  t.delivery_id, t.invoice_id, t.source, t.assignee, t.first_response_due_at, t.resolution_due_at, t.resolution_warn_at, t.first_responded_at, t.resolved_at,
  t.paused_at, t.paused_ms, t.category, t.category_confidence_bp, t.created_at, t.version`;
const FROM = 'FROM ticket t JOIN partner p ON p.id = t.partner_id LEFT JOIN sales_order o ON o.id = t.order_id';
const CASES: { label: string; input: Record<string, unknown>; where: string; params: unknown[] }[] = [
  { label: 'active queue by due', input: { state: 'active', sort: 'due' }, where: 't.resolved_at IS NULL', params: [] },
  { label: 'active + type by due', input: { state: 'active', type: 'damaged_goods', sort: 'due' }, where: 't.resolved_at IS NULL AND t.type = ?', params: ['damaged_goods'] },
  { label: 'active + assignee by due', input: { state: 'active', assignee: 'cas', sort: 'due' }, where: 't.resolved_at IS NULL AND t.assignee = ?', params: ['cas'] },
  { label: 'resolved by due desc', input: { state: 'resolved', sort: 'due', dir: 'desc' }, where: 't.state = ?', params: ['resolved'] },
];

for (const c of CASES) {
  const dir = (c.input.dir as string) === 'desc' ? 'DESC' : 'ASC';
  const page = s.prepare(`SELECT ${COLS} ${FROM} WHERE ${c.where} ORDER BY t.resolution_due_at ${dir}, t.id ${dir} LIMIT 100 OFFSET 0`);
  const count = s.prepare(`SELECT count(*) FROM ticket t WHERE ${c.where}`).pluck();
  const raw = () => ({ rows: page.all(...c.params) as { id: string }[], total: count.get(...c.params) as number });
  const viaEngine = async () => mustOk(await engine.call('service.ticket.list', { ...c.input, limit: 100 }, as)) as { rows: { id: string }[]; total: number };
  const [e, r] = [await viaEngine(), raw()];
  if (e.total !== r.total || e.rows.map((x) => x.id).join() !== r.rows.map((x) => x.id).join()) throw new Error(`${c.label}: the engine and the raw SQL disagree`);
  const plan = (s.prepare(`EXPLAIN QUERY PLAN SELECT t.id ${FROM} WHERE ${c.where} ORDER BY t.resolution_due_at ${dir}, t.id ${dir} LIMIT 100`).all(...c.params) as { detail: string }[]).map((p) => p.detail).join('; ');
  const run = await measurePair(viaEngine, raw, { iterations: iterations(100), warmup: 3, round: 5, budgetMs: 8_000, minIterations: 10 });
  const [se, sr] = [stats(run.subject), stats(run.baseline)];
  report({
    suite: SUITE,
    name: `ticket.list ${c.label} p50`,
    valueMs: se.p50,
    baseline: { label: 'raw SQL', valueMs: sr.p50 },
    target: { text: `p50<${QUEUE_TARGET_MS}ms`, pass: se.p50 < QUEUE_TARGET_MS },
    note: `${r.total} of ${TICKETS} match; p99 ${fmtMs(se.p99)}`,
  });
  check(SUITE, `ticket.list ${c.label} plan`, plan, !/SCAN t\b|SCAN ticket/.test(plan) || /USING (COVERING )?INDEX/.test(plan) ? true : 'warn');
}

// The classifier: 20,000 labelled texts.
const texts = demoTexts(20_000, 5);
const trainRuns = await measurePair(
  () => train(texts),
  () => {
    let n = 0;
    for (const t of texts) n += t.text.toLowerCase().split(/[^\p{L}\p{N}]+/u).length;
    return n;
  },
  { iterations: iterations(5), warmup: 1, round: 1 },
);
const [tr, tb] = [stats(trainRuns.subject), stats(trainRuns.baseline)];
report({ suite: SUITE, name: 'classifier train 20,000 texts p50', valueMs: tr.p50, baseline: { label: 'tokenise only', valueMs: tb.p50 }, target: { text: 'p50<10s', pass: tr.p50 < 10_000 } });

const model = train(texts);
const probe = demoTexts(2_000, 99);
const predictRuns = await measurePair(
  (i) => predict(model, probe[i % probe.length]!.text),
  (i) => features(probe[i % probe.length]!.text),
  { iterations: iterations(4_000), warmup: 200, round: 50 },
);
const [pr, pb] = [stats(predictRuns.subject), stats(predictRuns.baseline)];
report({ suite: SUITE, name: 'classifier predict one text p50', valueMs: pr.p50, baseline: { label: 'features only', valueMs: pb.p50 }, target: { text: 'p50<1ms & mean<1ms', pass: pr.p50 < 1 && pr.mean < 1 }, note: `mean ${fmtMs(pr.mean)}, p99 ${fmtMs(pr.p99)} (GC pauses on a shared machine)` });

// Held-out accuracy of the same model kind (80/20 split of the demo texts).
const cut = 16_000;
const heldModel = train(texts.slice(0, cut));
let correct = 0;
for (const t of texts.slice(cut)) if (predict(heldModel, t.text).category === t.category) correct++;
const acc = correct / (texts.length - cut);
check(SUITE, 'classifier held-out accuracy', `${(acc * 100).toFixed(1)} % of ${texts.length - cut} held-out demo texts`, acc >= 0.85);

await engine.close();
if (!process.env.BENCH_KEEP) for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
