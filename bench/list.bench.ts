/**
 * catalog.product.list: a page deep in the 100,000-product list, sorted by name, with its
 * total — the engine through Engine.call against the same two statements hand-written and
 * prepared on the same connection.
 */
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type SQLite from 'better-sqlite3';
import { BENCH_DIR, ensureDataset } from './lib/dataset';
import { type BenchEngine, mustOk, openBenchEngine, PRODUCT_COLUMNS, PRODUCT_FROM } from './lib/engine';
import { fmtMs, iterations, log, measure, measurePair, report, stats } from './lib/measure';

const SUITE = 'list';
const TARGET_P50_MS = 5;
const TARGET_RATIO = 2;
const LIMIT = 100; // the grid's page (the contract's default)

const { file } = await ensureDataset(100_000, log);

/** The index a deep page sorted by name needs: (active, name, id) covers the ORDER BY name, id. */
function hasNameIdIndex(s: SQLite.Database): boolean {
  const indexes = s.prepare("SELECT name FROM pragma_index_list('product')").pluck().all() as string[];
  return indexes.some((ix) => (s.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').pluck().all(ix) as string[]).join(',') === 'active,name,id');
}

async function measureDeepPage(b: BenchEngine, label: string, note: string | undefined, whatIf: boolean): Promise<void> {
  const s = b.sqlite;
  const total = s.prepare('SELECT count(*) FROM product WHERE active = 1').pluck().get() as number;
  const offsets = [0.9, 0.92, 0.94, 0.96].map((f) => Math.floor((total * f) / LIMIT) * LIMIT);
  // Hand-written: the page's ids from the index first (OFFSET skips index entries only), then
  // the page's rows with their joins; and the total.
  const page = s.prepare(
    `SELECT ${PRODUCT_COLUMNS} ${PRODUCT_FROM}
     WHERE p.id IN (SELECT id FROM product WHERE active = ? ORDER BY name, id LIMIT ? OFFSET ?)
     ORDER BY p.name, p.id`,
  );
  const count = s.prepare('SELECT count(*) FROM product WHERE active = ?').pluck();
  const raw = (offset: number) => ({ rows: page.all(1, LIMIT, offset) as { id: string }[], total: count.get(1) as number });
  const engine = async (offset: number) =>
    mustOk(await b.engine.call('catalog.product.list', { sort: 'name', dir: 'asc', offset, limit: LIMIT }, b.as)) as { rows: { id: string }[]; total: number };

  for (const offset of offsets.slice(0, 2)) {
    const [e, r] = [await engine(offset), raw(offset)];
    if (e.total !== r.total || JSON.stringify(e.rows.map((x) => x.id)) !== JSON.stringify(r.rows.map((x) => x.id))) {
      throw new Error(`list offset ${offset}: the engine and the raw SQL disagree`);
    }
  }
  const run = await measurePair(
    (i) => engine(offsets[i % offsets.length]!),
    (i) => raw(offsets[i % offsets.length]!),
    { iterations: iterations(200), warmup: 2, round: 4, budgetMs: 8_000, minIterations: 8 },
  );
  const [e, r] = [stats(run.subject), stats(run.baseline)];
  const countMs = stats(await measure(() => count.get(1), 15, 2)).p50;
  log(`list ${label}: ${e.n} calls each side at offsets ${offsets.join(', ')} of ${total}; mean engine ${e.mean.toFixed(2)} ms, raw ${r.mean.toFixed(2)} ms`);
  const notes = [note, `the total (count of ${total}) alone: ${fmtMs(countMs)}`].filter(Boolean).join('; ');
  report({
    suite: SUITE,
    name: `catalog.list ${label} p50`,
    valueMs: e.p50,
    baseline: { label: 'raw SQL', valueMs: r.p50 },
    // A what-if has no target of its own: it shows what the missing index would change.
    ...(whatIf ? {} : { target: { text: `p50<${TARGET_P50_MS}ms & <=${TARGET_RATIO}x raw`, pass: e.p50 < TARGET_P50_MS && e.p50 <= TARGET_RATIO * r.p50 } }),
    note: notes,
  });
  report({ suite: SUITE, name: `catalog.list ${label} p99`, valueMs: e.p99, baseline: { label: 'raw SQL', valueMs: r.p99 } });
}

const b = await openBenchEngine(file);
const indexed = hasNameIdIndex(b.sqlite);
await measureDeepPage(b, 'deep page by name', indexed ? undefined : 'no (active, name, id) index: every skipped row is read for its id', false);
await b.close();

// What the missing index would give, measured on a scratch copy (skipped once a migration adds it).
if (!indexed && !process.env.BENCH_NO_WHATIF) {
  const scratch = join(BENCH_DIR, `whatif-list-${process.pid}.sqlite`);
  try {
    copyFileSync(file, scratch);
    const w = await openBenchEngine(scratch);
    w.sqlite.exec('CREATE INDEX product_active_name_id ON product (active, name, id)');
    await measureDeepPage(w, 'deep page by name +idx', 'what-if: scratch copy with index (active, name, id)', true);
    await w.close();
  } finally {
    for (const f of [scratch, `${scratch}-wal`, `${scratch}-shm`]) rmSync(f, { force: true });
  }
}
