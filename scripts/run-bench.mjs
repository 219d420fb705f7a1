#!/usr/bin/env node
// `npm run bench [-- --only search,list] [--quick] [--verbose] [--strict]`
//
// Runs the benchmarks under bench/, each suite in its own Node process (TypeScript through
// tsx), after building or finding the cached 100,000-product database. Every figure prints as
// one line with its raw baseline measured in the same run, the ratio, and the target with
// PASS/FAIL. See bench/README.md.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BENCH_DATA = join(ROOT, '.bench-data');

/** Suites in run order: name → file under bench/ and what it measures. */
const SUITES = {
  search: ['search.bench.ts', 'catalog.product.search p50/p99 (barcode, SKU prefix, name substring) vs prepared SQL'],
  list: ['list.bench.ts', 'catalog.product.list deep page sorted by name vs prepared SQL'],
  plans: ['plans.bench.ts', 'EXPLAIN QUERY PLAN of the engine’s search/list statements (indexes used?)'],
  write: ['write.bench.ts', 'catalog.product.create through the bus vs a raw prepared transaction'],
  rpc: ['rpc.bench.ts', 'RPC round trip: in-process, worker thread, HTTP /rpc, WebSocket /ws vs raw echo'],
  host: ['host.bench.ts', 'headless host cold start vs node -e'],
  inventory: ['inventory.bench.ts', 'inventory on 1,000,000 moves: availability, posting moves, reserving a 20-line order, a 500-order wave'],
  'orders-ui': ['orders-ui.bench.ts', 'order entry in Chromium (Playwright): Enter on a SKU → price and availability shown, p95, vs the raw engine calls over fetch'],
  reports: ['reports.bench.ts', 'reports on the large demo (1M moves): each dashboard widget vs raw SQL, refresh, forecasting 5,000 products x 2 warehouses'],
  service: ['service.bench.ts', 'service: ticket queue on 100,000 tickets (filter + sort) vs raw SQL; classifier training on 20,000 texts and prediction'],
  sync: ['sync.bench.ts', 'replication on the default demo (PostgreSQL): push, first pull, round trip between two online branches'],
  imports: ['imports.bench.ts', 'order imports: 10,000 marketplace orders from CSV and 1,000 EDI 850 interchanges through the whole pipeline vs raw INSERTs of the same orders'],
  finance: ['finance.bench.ts', 'finance: trial balance over 1,000,000 journal lines vs the raw aggregate; close checklist of a 100,000-entry month; posting 10,000 invoices with entries vs raw INSERTs'],
  purchasing: ['purchasing.bench.ts', 'purchasing: replenishment run over 5,000 products × 2 warehouses with 12 months of history; three-way matching 10,000 bill lines; each vs raw SQL'],
};

function usage() {
  console.log(`usage: npm run bench [-- options]
  --only a,b     run only these suites (${Object.keys(SUITES).join(', ')})
  --quick        a tenth of the iterations (smoke run; figures are rougher)
  --verbose      show each suite's progress notes
  --strict       exit 1 when a figure misses its target (default: only when a suite breaks)
  --list         list the suites`);
}

const args = process.argv.slice(2);
const opts = { only: null, quick: false, verbose: false, strict: false };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--only' || a.startsWith('--only=')) {
    const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
    opts.only = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  } else if (a === '--quick') opts.quick = true;
  else if (a === '--verbose' || a === '-v') opts.verbose = true;
  else if (a === '--strict') opts.strict = true;
  else if (a === '--list') {
    for (const [name, [, what]] of Object.entries(SUITES)) console.log(`${name.padEnd(8)} ${what}`);
    process.exit(0);
  } else if (a === '--help' || a === '-h') {
    usage();
    process.exit(0);
  } else if (!a.startsWith('-') && SUITES[a]) (opts.only ??= []).push(a);
  else {
    console.error(`unknown option ${a}`);
    usage();
    process.exit(2);
  }
}
const unknown = (opts.only ?? []).filter((s) => !SUITES[s]);
if (unknown.length) {
  console.error(`unknown suite ${unknown.join(', ')}; suites: ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}
const selected = Object.keys(SUITES).filter((s) => !opts.only || opts.only.includes(s));

mkdirSync(BENCH_DATA, { recursive: true });
const resultsFile = join(BENCH_DATA, `results-${process.pid}.jsonl`);
rmSync(resultsFile, { force: true });
const env = { ...process.env, BENCH_RESULTS: resultsFile, ...(opts.quick ? { BENCH_QUICK: '1' } : {}) };

/** Runs one TypeScript file under tsx; figure lines (stdout) pass straight through. */
function runTs(file, { quietStderr }) {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', file)], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (!quietStderr) process.stderr.write(chunk);
    });
    child.on('exit', (code, signal) => done({ code: code ?? (signal ? 1 : 0), stderr }));
  });
}

const started = Date.now();
let commit = '';
try {
  commit = readFileSync(join(ROOT, '.git', 'HEAD'), 'utf8').trim();
  if (commit.startsWith('ref: ')) commit = readFileSync(join(ROOT, '.git', commit.slice(5)), 'utf8').trim();
} catch {
  /* not a checkout */
}
console.log(
  `Branchline bench — ${new Date().toISOString()} — node ${process.versions.node}, ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}${commit ? `, commit ${commit.slice(0, 8)}` : ''}${opts.quick ? ' — QUICK run' : ''}`,
);
console.log('Shared machine: compare each figure with its baseline from this same run (the ratio), not with other days.');

const prep = await runTs('prepare.ts', { quietStderr: !opts.verbose });
if (prep.code !== 0) {
  process.stderr.write(prep.stderr);
  console.error('could not prepare the bench database');
  process.exit(1);
}

const broken = [];
for (const suite of selected) {
  console.log(`\n[${suite}] ${SUITES[suite][1]}`);
  const t0 = Date.now();
  const { code, stderr } = await runTs(SUITES[suite][0], { quietStderr: !opts.verbose });
  if (code !== 0) {
    broken.push(suite);
    if (!opts.verbose) process.stderr.write(stderr);
    console.log(`[${suite}] BROKEN: exited with ${code}`);
  } else if (opts.verbose) console.log(`[${suite}] ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

let results = [];
try {
  results = readFileSync(resultsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
} catch {
  /* no figures */
}
rmSync(resultsFile, { force: true });
const count = (v) => results.filter((r) => r.verdict === v).length;
const failed = results.filter((r) => r.verdict === 'FAIL');
writeFileSync(join(BENCH_DATA, 'last-run.json'), `${JSON.stringify({ at: new Date().toISOString(), commit, quick: opts.quick, results }, null, 2)}\n`);
console.log(
  `\n${results.length} figures/checks: ${count('PASS')} PASS, ${count('FAIL')} FAIL, ${count('WARN')} WARN, ${count('INFO')} INFO (no target), ${count('SKIP')} skipped` +
    `${broken.length ? `; BROKEN suites: ${broken.join(', ')}` : ''} — ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
if (failed.length) console.log(`missed targets: ${failed.map((f) => f.name).join('; ')}`);
console.log('query plans: .bench-data/query-plans.log; all figures as JSON: .bench-data/last-run.json');
process.exit(broken.length || (opts.strict && failed.length) ? 1 : 0);
