/**
 * Headless host cold start: spawn `node scripts/branchline.mjs --db FILE serve --port 0`
 * and time until it prints "Branchline is running at http://127.0.0.1:PORT" and answers
 * POST /rpc system.status with 200. Baseline: spawning `node -e ""` until it exits (the
 * floor of any Node process start on this machine, measured in the same minutes).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDataset, REPO_ROOT } from './lib/dataset';
import { log, report, skipped, stats } from './lib/measure';

const SUITE = 'host';
const CLI = join(REPO_ROOT, 'scripts', 'branchline.mjs');
const RUNNING = /Branchline is running at (http:\/\/127\.0\.0\.1:\d+)/;
const RUNS = process.env.BENCH_QUICK ? 2 : 5;

const cliExists = existsSync(CLI) && existsSync(join(REPO_ROOT, 'src-main', 'host', 'server.ts')) && existsSync(join(REPO_ROOT, 'src-main', 'cli', 'main.ts'));
if (!cliExists) {
  skipped(SUITE, 'host cold start (serve → first 200)', 'host not built');
  process.exit(0);
}

const { file } = await ensureDataset(100_000, log);
const home = mkdtempSync(join(tmpdir(), 'branchline-bench-home-'));
const env = { ...process.env, BRANCHLINE_HOME: home };

function stop(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}

const urlAt: number[] = [];

/** Spawns the host; resolves with the ms until the URL line and a 200 from POST /rpc system.status. */
async function coldStart(): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, '--db', file, 'serve', '--port', '0'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  try {
    const url = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`serve printed no URL within 60 s:\n${output}`)), 60_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const m = RUNNING.exec(output);
        if (m) {
          clearTimeout(timer);
          done(m[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`serve exited (${code}) before printing its URL:\n${output}`));
      });
    });
    urlAt.push(performance.now() - t0);
    for (;;) {
      const res = await fetch(`${url}/rpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'system.status', input: {} }) });
      await res.text();
      if (res.status === 200) break;
      if (performance.now() - t0 > 60_000) throw new Error(`POST /rpc answered ${res.status} for 60 s`);
    }
    return performance.now() - t0;
  } finally {
    await stop(child);
  }
}

function nodeStart(): Promise<number> {
  const t0 = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.once('error', fail);
    child.once('exit', () => done(performance.now() - t0));
  });
}

try {
  await coldStart(); // warms tsx's transform cache and the OS file cache, like any second start
  const host: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    node.push(await nodeStart());
    host.push(await coldStart());
  }
  const [h, n] = [stats(host), stats(node)];
  log(`host cold start: ${host.map((x) => x.toFixed(0)).join(', ')} ms; node -e: ${node.map((x) => x.toFixed(0)).join(', ')} ms`);
  report({
    suite: SUITE,
    name: 'host cold start (serve → first 200) p50',
    valueMs: h.p50,
    baseline: { label: 'node -e', valueMs: n.p50 },
    also: [{ label: 'URL line at', valueMs: stats(urlAt.slice(1)).p50 }],
  });
} finally {
  rmSync(home, { recursive: true, force: true });
}
