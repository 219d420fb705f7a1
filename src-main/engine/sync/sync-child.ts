/**
 * Test helper: the `branchline` CLI in a child process, as a user (or a crash test) runs it,
 * against a branch database of a test world.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { credentialsFileFor, fileCredentialStore, type SyncCredentials } from './credentials';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
const BIN = join(REPO_ROOT, 'scripts', 'branchline.mjs');

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Stores a test branch's credentials beside its database file, where `branchline --db F sync` reads them. */
export function writeCredentials(dbFile: string, creds: SyncCredentials): void {
  fileCredentialStore(credentialsFileFor(dbFile)).write(creds);
}

/** The children's data folder (only used without --db): never a real one. */
let home: string | undefined;

/** Runs `node scripts/branchline.mjs ...args` with extra environment (e.g. BRANCHLINE_SYNC_CRASH_AT). */
export function branchline(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<ChildRun> {
  home ??= mkdtempSync(join(tmpdir(), 'branchline-home-'));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, BRANCHLINE_HOME: home, ...env };
  delete childEnv.BRANCHLINE_DB;
  if (!env.BRANCHLINE_SYNC_CRASH_AT) delete childEnv.BRANCHLINE_SYNC_CRASH_AT;
  const started = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: childEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`branchline ${args.join(' ')} did not finish in ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}
