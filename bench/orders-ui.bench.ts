/**
 * Order entry in Chromium: from Enter on a typed SKU in the order entry grid to the line's
 * price and availability on screen, p95 over the demo catalogue (target < 50 ms). The figure
 * comes from performance marks in the renderer, measured by a Playwright spec
 * (e2e/orders-entry.spec.ts) against the headless host; its raw baseline is the same engine call
 * (sales.entry.line by SKU) over fetch from the same page, interleaved with the UI lines.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './lib/dataset';
import { log, report, skipped } from './lib/measure';

const SUITE = 'orders-ui';
const NAME = 'order entry SKU → price+ATP shown p95';

if (!existsSync('/usr/bin/chromium')) {
  skipped(SUITE, NAME, 'no Chromium at /usr/bin/chromium');
  process.exit(0);
}
if (!existsSync(join(REPO_ROOT, 'out', 'renderer', 'index.html'))) {
  log('building the renderer (electron-vite build)');
  const b = spawnSync('npx', ['electron-vite', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (b.status !== 0) {
    skipped(SUITE, NAME, 'the renderer did not build');
    process.exit(0);
  }
}
const dir = mkdtempSync(join(tmpdir(), 'branchline-orders-ui-'));
const out = join(dir, 'samples.json');
/** A free loopback port for the one host this run needs (the config would otherwise start one per spec file). */
const port = await new Promise<number>((done) => {
  const srv = createServer();
  srv.listen(0, '127.0.0.1', () => {
    const p = (srv.address() as { port: number }).port;
    srv.close(() => done(p));
  });
});
const hosts = JSON.stringify({ 'orders-entry.spec.ts': { port, db: join(dir, 'orders-entry.sqlite') } });
try {
  log('running e2e/orders-entry.spec.ts (loads the demo company first)');
  const r = spawnSync('npx', ['playwright', 'test', 'e2e/orders-entry.spec.ts', '--reporter=line', '--output', join(dir, 'results')], {
    cwd: REPO_ROOT,
    env: { ...process.env, BL_E2E_HOSTS: hosts, BL_ORDERS_PERF_OUT: out, BL_ORDERS_PERF_SAMPLES: process.env.BENCH_QUICK ? '15' : '60' },
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 600_000,
  });
  if (!existsSync(out)) {
    skipped(SUITE, NAME, `the Playwright run wrote no samples (exit ${r.status})`);
    process.exit(0);
  }
  const s = JSON.parse(readFileSync(out, 'utf8')) as { ui: number[]; raw: number[]; p95: number; rawP95: number };
  report({
    suite: SUITE,
    name: NAME,
    valueMs: s.p95,
    baseline: { label: 'raw sales.entry.line fetch p95', valueMs: s.rawP95 },
    target: { text: '< 50 ms', pass: s.p95 < 50 },
    note: `n=${s.ui.length}`,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
