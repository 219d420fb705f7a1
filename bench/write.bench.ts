/**
 * A command write: catalog.product.create through Engine.call (bus: access check, input
 * parse, reference and uniqueness checks, insert, read-back, outbox mutation and audit entry,
 * one durable transaction) against a raw prepared transaction writing the same rows
 * (mutation counter, product, outbox, audit) on the same connection. On a scratch copy of the
 * 100,000-product database, so the indexes have their real depth and the cache stays clean.
 */
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { searchTextOf } from '../src-main/engine/catalog/products';
import { demoBarcode } from '../src-main/engine/demo/seed';
import { newId } from '../src-main/engine/platform/ids';
import { BENCH_DIR, ensureDataset } from './lib/dataset';
import { mustOk, openBenchEngine } from './lib/engine';
import { iterations, log, measurePair, report, stats } from './lib/measure';

const SUITE = 'write';
const { file } = await ensureDataset(100_000, log);
const scratch = join(BENCH_DIR, `write-${process.pid}.sqlite`);
copyFileSync(file, scratch);

try {
  const b = await openBenchEngine(scratch);
  const s = b.sqlite;
  const { uomId, categoryId } = s.prepare("SELECT (SELECT id FROM uom WHERE code = 'EA') AS uomId, (SELECT id FROM category ORDER BY name LIMIT 1) AS categoryId").get() as {
    uomId: string;
    categoryId: string;
  };
  const input = (side: 'E' | 'R', i: number) => ({
    sku: `BENCH-${side}-${String(i).padStart(6, '0')}`,
    name: `Bench ${side === 'E' ? 'Engine' : 'Raw'} Widget ${i} Heavy Duty 25 mm`,
    categoryId,
    uomId,
    barcode: demoBarcode((side === 'E' ? 200_000 : 400_000) + i),
    listPriceMinor: 1999 + i,
    costMinor: 999 + i,
    tracking: 'none' as const,
  });

  // One engine write first: its outbox and audit rows are the templates for the raw side
  // (same columns, so the raw transaction writes the same rows even as those tables grow).
  const first = mustOk(await b.engine.call('catalog.product.create', input('E', 0), b.as)) as { id: string };
  const outboxTemplate = s.prepare('SELECT * FROM outbox ORDER BY mutation_id DESC LIMIT 1').get() as Record<string, unknown>;
  const auditTemplate = s.prepare('SELECT * FROM audit_log WHERE mutation_id = ?').get(outboxTemplate.mutation_id) as Record<string, unknown>;
  if (!JSON.parse(outboxTemplate.effects as string).ids.includes(first.id)) throw new Error('write bench: the outbox template is not the create');
  const insertInto = (table: string, row: Record<string, unknown>) => {
    const cols = Object.keys(row);
    const stmt = s.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`);
    return (values: Record<string, unknown>) => stmt.run({ ...row, ...values });
  };
  const nextMutation = s.prepare('UPDATE client_state SET last_mutation_id = last_mutation_id + 1 WHERE singleton = 1 RETURNING last_mutation_id, client_id, branch_id');
  const insertProduct = s.prepare(
    `INSERT INTO product (id, branch_id, created_at, updated_at, version, sku, name, category_id, uom_id, barcode, list_price_minor, cost_minor, tracking, active, search_text)
     VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
  );
  const insertOutbox = insertInto('outbox', outboxTemplate);
  const insertAudit = insertInto('audit_log', auditTemplate);
  const rawCreate = s.transaction((i: number) => {
    const p = input('R', i);
    const now = new Date().toISOString();
    const id = newId();
    const state = nextMutation.get() as { last_mutation_id: number; client_id: string; branch_id: string };
    insertProduct.run(id, state.branch_id, now, now, p.sku, p.name, p.categoryId, p.uomId, p.barcode, p.listPriceMinor, p.costMinor, p.tracking, searchTextOf(p));
    const result = { id, ...p, version: 1, active: true, createdAt: now, updatedAt: now };
    insertOutbox({ mutation_id: state.last_mutation_id, input: JSON.stringify(p), effects: JSON.stringify({ now, ids: [id] }), result: JSON.stringify(result), created_at: now });
    insertAudit({ id: newId(), at: now, mutation_id: state.last_mutation_id, summary: `Created product ${p.sku} "${p.name}"`, input: JSON.stringify(p) });
  });

  const run = await measurePair(
    async (i) => mustOk(await b.engine.call('catalog.product.create', input('E', i + 1), b.as)),
    (i) => rawCreate(i + 1),
    { iterations: iterations(400), warmup: 0, round: 10, budgetMs: 10_000, minIterations: 100 },
  );
  const [e, r] = [stats(run.subject), stats(run.baseline)];
  log(`write: ${e.n} creates each side; mean engine ${e.mean.toFixed(3)} ms, raw ${r.mean.toFixed(3)} ms (durable commits: synchronous=FULL, WAL)`);
  report({ suite: SUITE, name: 'catalog.product.create (bus) p50', valueMs: e.p50, baseline: { label: 'raw txn', valueMs: r.p50 } });
  report({ suite: SUITE, name: 'catalog.product.create (bus) p99', valueMs: e.p99, baseline: { label: 'raw txn', valueMs: r.p99 } });
  await b.close();
} finally {
  for (const f of [scratch, `${scratch}-wal`, `${scratch}-shm`]) rmSync(f, { force: true });
}
