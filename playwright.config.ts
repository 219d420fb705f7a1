import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests of the renderer in browser mode: each spec file gets its own headless host
 * (`branchline serve`) on a free port with a fresh SQLite file, so files never share state.
 * The renderer must be built first (`npm run test:e2e` runs `electron-vite build` before this).
 *
 * Ports and database files are chosen once, in the runner process, and handed to the
 * workers through the environment (workers inherit it), so every process agrees on them.
 */
const root = resolve(import.meta.dirname);
/** `BL_E2E_ONLY=a.spec.ts,b.spec.ts` starts hosts for those specs only (one spec while developing). */
const only = process.env.BL_E2E_ONLY?.split(',').map((s) => s.trim());
const specs = readdirSync(join(root, 'e2e'))
  .filter((f) => f.endsWith('.spec.ts') && (!only || only.includes(f)))
  .sort();

if (!process.env.BL_E2E_HOSTS) {
  if (!existsSync(join(root, 'out/renderer/index.html'))) {
    throw new Error('The renderer is not built: run `npx electron-vite build` first (`npm run test:e2e` does both).');
  }
  const dir = mkdtempSync(join(tmpdir(), 'branchline-e2e-'));
  const ports = freePorts(specs.length);
  const hosts = Object.fromEntries(specs.map((spec, i) => [spec, { port: ports[i], db: join(dir, `${spec.replace(/\.spec\.ts$/, '')}.sqlite`) }]));
  process.env.BL_E2E_HOSTS = JSON.stringify(hosts);
}
const hosts = JSON.parse(process.env.BL_E2E_HOSTS) as Record<string, { port: number; db: string }>;
/** Overridable for development, e.g. BL_SERVE="npx tsx path/to/host.ts". */
const serve = process.env.BL_SERVE ?? 'node scripts/branchline.mjs serve';

export default defineConfig({
  testDir: 'e2e',
  testMatch: only ?? '*.spec.ts',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 2,
  retries: 0,
  // Generous: a spec that loads the demo company (12 months of stock history) in its beforeAll
  // needs more than a minute on a busy 2-core machine.
  timeout: 180_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: Object.entries(hosts).map(([spec, h]) => ({
    name: spec,
    command: `${serve} --port ${h.port} --db ${h.db}`,
    url: `http://127.0.0.1:${h.port}/`,
    cwd: root,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
  })),
});

/** Free TCP ports on 127.0.0.1, found synchronously (the config cannot await). */
function freePorts(n: number): number[] {
  const script = `
    const net = require('node:net');
    const servers = [];
    let left = ${n};
    const ports = [];
    for (let i = 0; i < ${n}; i++) {
      const s = net.createServer();
      servers.push(s);
      s.listen(0, '127.0.0.1', () => {
        ports.push(s.address().port);
        if (--left === 0) { process.stdout.write(JSON.stringify(ports)); servers.forEach((x) => x.close()); }
      });
    }`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as number[];
}
