/**
 * Timing and reporting for the benches. Every figure is measured beside its raw baseline in
 * the same process and the same minutes (the machines are shared and noisy: compare ratios),
 * interleaved in small rounds so a noisy moment hits both sides alike.
 */
import { appendFileSync } from 'node:fs';

export interface Stats {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
}

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), mean: sorted.reduce((s, v) => s + v, 0) / sorted.length, min: sorted[0]! };
}

export type Op = (i: number) => unknown;

/** What an op returns when it times itself: set-up around the timed part stays out of the figure. */
export interface SelfTimed {
  selfTimedMs: number;
}

/** Times one call of `op` in ms (awaiting it if it returns a promise), or takes the op's own timing. */
async function timeOne(op: Op, i: number): Promise<number> {
  const t0 = performance.now();
  let r = op(i);
  if (r && typeof (r as Promise<unknown>).then === 'function') r = await r;
  const own = (r as Partial<SelfTimed> | undefined)?.selfTimedMs;
  return typeof own === 'number' ? own : performance.now() - t0;
}

export interface PairOptions {
  iterations: number;
  warmup?: number;
  /** Calls per side in one round; the side that goes first alternates. */
  round?: number;
  /** Stop early (with at least `minIterations`) once this many ms have passed. */
  budgetMs?: number;
  minIterations?: number;
}

/** Measures `subject` and `baseline` interleaved; returns the per-call samples of each, in ms. */
export async function measurePair(subject: Op, baseline: Op, options: PairOptions): Promise<{ subject: number[]; baseline: number[] }> {
  const warmup = options.warmup ?? Math.min(200, Math.ceil(options.iterations / 5));
  for (let i = 0; i < warmup; i++) {
    await timeOne(subject, i);
    await timeOne(baseline, i);
  }
  const round = options.round ?? 25;
  const out = { subject: [] as number[], baseline: [] as number[] };
  const started = performance.now();
  const minIterations = options.minIterations ?? Math.min(options.iterations, 200);
  let i = 0;
  for (let r = 0; i < options.iterations; r++) {
    const order: [Op, number[]][] = r % 2 === 0 ? [[subject, out.subject], [baseline, out.baseline]] : [[baseline, out.baseline], [subject, out.subject]];
    const n = Math.min(round, options.iterations - i);
    for (const [op, into] of order) for (let k = 0; k < n; k++) into.push(await timeOne(op, i + k));
    i += n;
    if (options.budgetMs && i >= minIterations && performance.now() - started > options.budgetMs) break;
  }
  return out;
}

/** Measures one operation alone (cold starts and other one-sided figures). */
export async function measure(op: Op, iterations: number, warmup = 0): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await timeOne(op, i);
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) out.push(await timeOne(op, i));
  return out;
}

export function fmtMs(ms: number): string {
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(3)} ms`;
}

export interface Figure {
  suite: string;
  /** e.g. "catalog.search sku-prefix p50" */
  name: string;
  valueMs: number;
  baseline?: { label: string; valueMs: number };
  /** Extra baselines shown after the main one, without a ratio of their own. */
  also?: { label: string; valueMs: number }[];
  target?: { text: string; pass: boolean };
  note?: string;
}

export type Verdict = 'PASS' | 'FAIL' | 'INFO' | 'SKIP';

const NAME_WIDTH = 42;

export function formatFigure(f: Figure): string {
  const parts = [f.name.padEnd(NAME_WIDTH), fmtMs(f.valueMs).padStart(10)];
  if (f.baseline) {
    const ratio = f.valueMs / f.baseline.valueMs;
    const also = (f.also ?? []).map((a) => `; ${a.label} ${fmtMs(a.valueMs)}`).join('');
    parts.push(`  (${f.baseline.label} ${fmtMs(f.baseline.valueMs)}, ${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}x${also})`);
  }
  parts.push(f.target ? `  target ${f.target.text} ${f.target.pass ? 'PASS' : 'FAIL'}` : '  (no target) INFO');
  if (f.note) parts.push(`  — ${f.note}`);
  return parts.join('');
}

/** Prints a figure line and records it for the runner's summary (BENCH_RESULTS, JSON lines). */
export function report(f: Figure): void {
  console.log(formatFigure(f));
  const file = process.env.BENCH_RESULTS;
  if (file) appendFileSync(file, `${JSON.stringify({ ...f, verdict: f.target ? (f.target.pass ? 'PASS' : 'FAIL') : 'INFO' })}\n`);
}

/** A figure that could not be measured (e.g. the headless host is not built yet). */
export function skipped(suite: string, name: string, reason: string): void {
  console.log(`${name.padEnd(NAME_WIDTH)}${'-'.padStart(10)}  skipped: ${reason}`);
  const file = process.env.BENCH_RESULTS;
  if (file) appendFileSync(file, `${JSON.stringify({ suite, name, verdict: 'SKIP', note: reason })}\n`);
}

/** A check that is not a timing (query plans): one line with PASS/FAIL. */
export function check(suite: string, name: string, text: string, pass: boolean | 'warn'): void {
  const verdict = pass === 'warn' ? 'WARN' : pass ? 'PASS' : 'FAIL';
  console.log(`${name.padEnd(NAME_WIDTH)}  ${text}  ${verdict}`);
  const file = process.env.BENCH_RESULTS;
  if (file) appendFileSync(file, `${JSON.stringify({ suite, name, text, verdict })}\n`);
}

/** Progress and notes go to stderr, so stdout holds only figure lines. */
export function log(message: string): void {
  process.stderr.write(`  · ${message}\n`);
}

/** Scales iteration counts: BENCH_QUICK=1 for a fast smoke run. */
export function iterations(n: number): number {
  return process.env.BENCH_QUICK ? Math.max(20, Math.ceil(n / 10)) : n;
}
