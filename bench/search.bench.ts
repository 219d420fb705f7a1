/**
 * catalog.product.search on the 100,000-product database: the engine through Engine.call
 * (bus, access check, zod input parse, handler, row mapping) against the same ranked steps
 * hand-written as prepared better-sqlite3 statements on the same connection.
 */
import { ensureDataset, pick, rng } from './lib/dataset';
import { mustOk, openBenchEngine, PRODUCT_COLUMNS, PRODUCT_FROM } from './lib/engine';
import { iterations, log, measurePair, report, stats } from './lib/measure';

const SUITE = 'search';
const LIMIT = 20;
const TARGET_P50_MS = 5;
const TARGET_RATIO = 2;

const { file } = await ensureDataset(100_000, log);
const b = await openBenchEngine(file);
const s = b.sqlite;

// --- the baseline: the same three ranked steps, hand-written ---------------------------------
const byBarcode = s.prepare(`SELECT ${PRODUCT_COLUMNS} ${PRODUCT_FROM} WHERE p.barcode = ? AND p.active = 1`);
const bySkuRange = s.prepare(`SELECT ${PRODUCT_COLUMNS} ${PRODUCT_FROM} WHERE p.sku >= ? AND p.sku < ? AND p.active = 1 ORDER BY p.sku LIMIT ?`);
// Substring: fetch the trigram candidates (up to a cap); few: read and sort just those rows,
// many: walk the sku index until `limit` matches. GLOB on search_text keeps exact substrings.
const FEW = 2_000;
const candidates = s.prepare('SELECT rowid FROM product_fts WHERE product_fts MATCH ? LIMIT ?').pluck();
const fewMatches = s.prepare(
  `SELECT ${PRODUCT_COLUMNS} ${PRODUCT_FROM}
   WHERE p.rowid IN (SELECT value FROM json_each(?)) AND p.search_text GLOB ? AND +p.active = 1 ORDER BY +p.sku LIMIT ?`,
);
const manyMatches = s.prepare(
  `SELECT ${PRODUCT_COLUMNS} ${PRODUCT_FROM}
   WHERE p.rowid IN (SELECT rowid FROM product_fts WHERE product_fts MATCH ?) AND p.search_text GLOB ? AND p.active = 1 ORDER BY p.sku LIMIT ?`,
);
type Row = { id: string };

function rawSearch(term: string, limit = LIMIT): Row[] {
  const found = new Map<string, Row>();
  const add = (rows: unknown[]) => {
    for (const r of rows as Row[]) if (found.size < limit && !found.has(r.id)) found.set(r.id, r);
  };
  if (/^\d{8,14}$/.test(term)) add(byBarcode.all(term));
  const upper = term.toUpperCase();
  if (found.size < limit) add(bySkuRange.all(upper, upper.slice(0, -1) + String.fromCharCode(upper.charCodeAt(upper.length - 1) + 1), limit));
  if (found.size < limit) {
    // (every pooled term has 3+ characters: the trigram path)
    const lower = term.toLowerCase();
    const phrase = `"${lower.replace(/"/g, '""')}"`;
    const pattern = `*${lower.replace(/[*?[]/g, (m) => `[${m}]`)}*`;
    const rowids = candidates.all(phrase, FEW) as number[];
    if (rowids.length >= FEW) add(manyMatches.all(phrase, pattern, limit));
    else if (rowids.length > 0) add(fewMatches.all(JSON.stringify(rowids), pattern, limit));
  }
  return [...found.values()];
}

async function engineSearch(term: string): Promise<Row[]> {
  return (mustOk(await b.engine.call('catalog.product.search', { query: term }, b.as)) as { rows: Row[] }).rows;
}

// --- what users type ------------------------------------------------------------------------
const random = rng(7);
const active = s.prepare('SELECT sku, name, barcode FROM product WHERE active = 1').all() as { sku: string; name: string; barcode: string | null }[];
const sample = (n: number) => Array.from({ length: n }, () => pick(random, active));
const pools: Record<string, string[]> = {
  // a scanned EAN-13: exact barcode hit, then the (empty) SKU range and the substring step
  barcode: sample(200)
    .filter((p) => p.barcode)
    .map((p) => p.barcode!)
    .slice(0, 64),
  // the start of a SKU ("PLU-23"): 20 rows from the (active, sku) index range
  'sku-prefix': sample(64).map((p) => p.sku.slice(0, 6)),
  // a word or two of a name, possibly cut short ("claw hamm", "ironclad"): the FTS5 trigram step
  'name-substring': sample(64).map((p) => {
    const words = p.name.toLowerCase().split(' ');
    const start = Math.floor(random() * (words.length - 1));
    let term = words.slice(start, start + 1 + Math.floor(random() * 2)).join(' ');
    if (term.length > 6 && random() < 0.5) term = term.slice(0, term.length - 2);
    return term.length >= 4 ? term : `${term} ${words[start + 1] ?? ''}`.trim();
  }),
};

// The baseline must return what the engine returns, or the comparison means nothing.
for (const [kind, terms] of Object.entries(pools)) {
  for (const term of terms.slice(0, 16)) {
    const [e, r] = [(await engineSearch(term)).map((x) => x.id), rawSearch(term).map((x) => x.id)];
    if (JSON.stringify(e) !== JSON.stringify(r)) throw new Error(`search ${kind} "${term}": the engine and the raw SQL disagree (${e.length} vs ${r.length} rows)`);
  }
}

const COUNTS: Record<string, number> = { barcode: 800, 'sku-prefix': 3000, 'name-substring': 800 };
for (const [kind, terms] of Object.entries(pools)) {
  const n = iterations(COUNTS[kind]!);
  const run = await measurePair(
    (i) => engineSearch(terms[i % terms.length]!),
    (i) => rawSearch(terms[i % terms.length]!),
    { iterations: n, budgetMs: 6_000 },
  );
  const [e, r] = [stats(run.subject), stats(run.baseline)];
  log(`search ${kind}: ${e.n} calls each side; mean engine ${e.mean.toFixed(3)} ms, raw ${r.mean.toFixed(3)} ms`);
  report({
    suite: SUITE,
    name: `catalog.search ${kind} p50`,
    valueMs: e.p50,
    baseline: { label: 'raw SQL', valueMs: r.p50 },
    target: { text: `p50<${TARGET_P50_MS}ms & <=${TARGET_RATIO}x raw`, pass: e.p50 < TARGET_P50_MS && e.p50 <= TARGET_RATIO * r.p50 },
  });
  report({
    suite: SUITE,
    name: `catalog.search ${kind} p99`,
    valueMs: e.p99,
    baseline: { label: 'raw SQL', valueMs: r.p99 },
  });
}

await b.close();
