/**
 * Query plans of the statements the engine actually runs for search and list: every prepare
 * and its bound values are recorded while the engine serves each call, then each statement is
 * explained (EXPLAIN QUERY PLAN) with those values. The full plans go to
 * .bench-data/query-plans.log; one line per call says which indexes it uses, FAIL on a full
 * table scan (or the FTS table read without its trigram index), WARN on an ORDER BY the
 * index serves only partly (a temp b-tree over every row in the range).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { BENCH_DIR, ensureDataset } from './lib/dataset';
import { mustOk, openBenchEngine } from './lib/engine';
import { check, log } from './lib/measure';

const SUITE = 'plans';
const { file } = await ensureDataset(100_000, log);

// Record what the engine prepares and binds (Kysely's driver calls prepare, then all/get/run).
interface Executed {
  sql: string;
  params: unknown[];
}
let recording: Executed[] | null = null;
const prepare = SQLite.prototype.prepare;
SQLite.prototype.prepare = function (this: SQLite.Database, source: string) {
  const stmt = prepare.call(this, source) as SQLite.Statement;
  return new Proxy(stmt, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop === 'all' || prop === 'get' || prop === 'run' || prop === 'iterate') {
        return (...args: unknown[]) => {
          recording?.push({ sql: source, params: args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args });
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
} as typeof SQLite.prototype.prepare;

const b = await openBenchEngine(file);
const explainer = new SQLite(file, { readonly: true });
const s = b.sqlite;
const someBarcode = s.prepare('SELECT barcode FROM product WHERE barcode IS NOT NULL AND active = 1 LIMIT 1 OFFSET 54321').pluck().get() as string;
const someId = s.prepare('SELECT id FROM product LIMIT 1 OFFSET 4321').pluck().get() as string;
const category = s.prepare('SELECT id FROM category ORDER BY name LIMIT 1 OFFSET 5').pluck().get() as string;

const CALLS: { label: string; method: string; input: Record<string, unknown> }[] = [
  { label: 'catalog.search barcode', method: 'catalog.product.search', input: { query: someBarcode } },
  { label: 'catalog.search sku-prefix', method: 'catalog.product.search', input: { query: 'PLU-23' } },
  { label: 'catalog.search substring (few)', method: 'catalog.product.search', input: { query: 'claw hamm' } },
  { label: 'catalog.search substring (many)', method: 'catalog.product.search', input: { query: 'heavy' } },
  { label: 'catalog.search substring +archived', method: 'catalog.product.search', input: { query: 'heavy', includeArchived: true } },
  { label: 'catalog.search short term', method: 'catalog.product.search', input: { query: 'xl' } },
  { label: 'catalog.list deep page by name', method: 'catalog.product.list', input: { sort: 'name', offset: 90_000, limit: 100 } },
  { label: 'catalog.list by sku desc', method: 'catalog.product.list', input: { sort: 'sku', dir: 'desc', offset: 500, limit: 100 } },
  { label: 'catalog.list by category name', method: 'catalog.product.list', input: { sort: 'category', offset: 500, limit: 100 } },
  { label: 'catalog.list category filter', method: 'catalog.product.list', input: { categoryId: category, sort: 'name', limit: 100 } },
  { label: 'catalog.list with query', method: 'catalog.product.list', input: { query: 'cordless', sort: 'name', limit: 100 } },
  { label: 'catalog.product.get', method: 'catalog.product.get', input: { id: someId } },
  { label: 'catalog.product.byBarcode', method: 'catalog.product.byBarcode', input: { barcode: someBarcode } },
];

const lines: string[] = [`# EXPLAIN QUERY PLAN of the engine's statements on ${file}`, `# ${new Date().toISOString()}`, ''];
for (const call of CALLS) {
  recording = [];
  mustOk(await b.engine.call(call.method, call.input, b.as));
  const executed = recording.filter((e) => !/^\s*(begin|commit|rollback)\b/i.test(e.sql) && !/\bapp_user\b|\bclient_state\b/.test(e.sql));
  recording = null;
  const indexes = new Set<string>();
  const problems: string[] = [];
  const warnings: string[] = [];
  lines.push(`## ${call.label}: ${call.method} ${JSON.stringify(call.input)}`);
  for (const { sql, params } of executed) {
    const plan = explainer.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { id: number; parent: number; detail: string }[];
    const depth = new Map<number, number>([[0, 0]]);
    lines.push(`SQL: ${sql.replace(/\s+/g, ' ')}`, `params: ${JSON.stringify(params).slice(0, 300)}`);
    const wholeRange = new Set<number>(); // parents whose loop reads every active product
    const subqueries = new Set(plan.map((p) => /^(?:CO-ROUTINE|MATERIALIZE) (\S+)/.exec(p.detail)?.[1]).filter(Boolean));
    for (const p of plan) {
      const d = (depth.get(p.parent) ?? 0) + 1;
      depth.set(p.id, d);
      lines.push(`${'  '.repeat(d)}${p.detail}`);
      for (const m of p.detail.matchAll(/USING (?:COVERING )?INDEX (\S+)|USING (INTEGER PRIMARY KEY)/g)) indexes.add(m[1] ?? 'rowid');
      const vt = /^SCAN (\S+) VIRTUAL TABLE INDEX \d+:(\S*)/.exec(p.detail);
      if (vt) {
        if (vt[1] === 'product_fts' || vt[1] === 'f') {
          if (!vt[2]) problems.push('FTS table read without its trigram index');
          else indexes.add(`product_fts(${vt[2]})`);
        }
        continue;
      }
      const scan = /^SCAN (\S+)(.*)$/.exec(p.detail);
      // `SCAN CONSTANT ROW`: a SELECT without FROM (the list's change counter) reads one row, not a table.
      if (scan && !subqueries.has(scan[1]) && !/USING/.test(scan[2]!) && p.detail !== 'SCAN CONSTANT ROW') problems.push(`full scan of ${scan[1]}`);
      if (/^SEARCH \S+ USING (COVERING )?INDEX \S+ \(active=\?\)$/.test(p.detail)) wholeRange.add(p.parent);
      if (/USE TEMP B-TREE FOR (LAST TERM|RIGHT PART|\d+ LAST TERMS) OF ORDER BY/.test(p.detail)) warnings.push('index serves the ORDER BY only partly (sorts every row in range)');
      else if (/^USE TEMP B-TREE FOR ORDER BY/.test(p.detail) && wholeRange.has(p.parent)) warnings.push('sorts every active product (no index for this order)');
    }
    lines.push('');
  }
  const text = `${executed.length} statements; ${[...indexes].join(', ') || 'no index'}${problems.length ? `; ${[...new Set(problems)].join('; ')}` : ''}${warnings.length ? `; ${[...new Set(warnings)].join('; ')}` : ''}`;
  check(SUITE, `plan ${call.label}`, text, problems.length ? false : warnings.length ? 'warn' : true);
}
const logFile = join(BENCH_DIR, 'query-plans.log');
writeFileSync(logFile, `${lines.join('\n')}\n`);
log(`plans written to ${logFile}`);
explainer.close();
await b.close();
