import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../src-shared/contract/index';
import { main } from './main';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'scripts', 'branchline.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The children never touch a real data folder: without --db they would use this temp one. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, BRANCHLINE_HOME: join(dir, 'home') };
  delete env.BRANCHLINE_DB;
  return env;
}

/** Runs `node scripts/branchline.mjs ...args` the way a user would. */
function cli(args: string[], options: { timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`branchline ${args.join(' ')} did not finish: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** One line of reason on stderr, no stack trace. */
function expectOneLineError(run: Run, pattern: RegExp) {
  expect(run.code).not.toBe(0);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'branchline-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('branchline CLI (spawned)', () => {
  it('methods lists every contract method with kind and access', async () => {
    const human = await cli(['methods']);
    expect(human.code).toBe(0);
    for (const name of METHOD_NAMES) expect(human.stdout).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')}\\s+(command|query)\\s+\\S+`, 'm'));
    const json = await cli(['methods', '--json']);
    const rows = JSON.parse(json.stdout) as { name: string; kind: string; access: string }[];
    expect(rows.map((r) => r.name).sort()).toEqual([...METHOD_NAMES].sort());
    expect(rows.find((r) => r.name === 'catalog.product.create')).toMatchObject({ kind: 'command', access: 'catalog.write' });
  });

  it('migrate creates the database and reports the migrations', async () => {
    const db = join(dir, 'migrate', 'branch.sqlite');
    const first = await cli(['--db', db, 'migrate']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Applied \d+ migration\(s\)/);
    expect(first.stdout).toContain('0001_platform');
    expect(first.stdout).toMatch(/Backup: none/);
    const again = await cli(['migrate', '--db', db, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ applied: [], backupFile: null });
  });

  describe('on a demo database', () => {
    let db: string;
    beforeAll(async () => {
      db = join(dir, 'demo.sqlite');
      const seeded = await cli(['--db', db, 'seed', '--demo', '--size', 'small', '--seed', '3']);
      expect(seeded.stderr).toBe('');
      expect(seeded.code).toBe(0);
      expect(seeded.stdout).toMatch(/500 products/);
      expect(seeded.stdout).toContain('admin/demo-admin');
    });

    it('rpc calls a query as the first admin and prints the envelope', async () => {
      const run = await cli(['--db', db, 'rpc', 'catalog.product.search', '{"query":"drill"}']);
      expect(run.code).toBe(0);
      const envelope = JSON.parse(run.stdout);
      expect(envelope.ok).toBe(true);
      expect(envelope.value.rows.length).toBeGreaterThan(0);
    });

    it('seed refuses an initialized database with one line', async () => {
      expectOneLineError(await cli(['--db', db, 'seed', '--demo']), /already set up/);
    });

    it('rpc refuses bad JSON and unknown methods with one line, and exits 1 on an error envelope', async () => {
      const bad = await cli(['--db', db, 'rpc', 'catalog.product.search', '{query:']);
      expectOneLineError(bad, /not valid JSON/);
      expect(bad.stdout).toBe('');
      const unknown = await cli(['--db', db, 'rpc', 'catalog.product.serch', '{}']);
      expectOneLineError(unknown, /no method called "catalog\.product\.serch".*catalog\.product\.search/);
      const refused = await cli(['--db', db, 'rpc', 'catalog.product.search', '{"query":""}', '--json']);
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, error: { code: 'VALIDATION', details: { fields: [{ path: 'query' }] } } });
    });

    it('users add creates a user who can then log in; --user calls as that user', async () => {
      const added = await cli(['--db', db, 'users', 'add', 'Dora', '--password', 'dora-password', '--roles', 'clerk,buyer', '--display-name', 'Dora D']);
      expect(added.stderr).toBe('');
      expect(added.code).toBe(0);
      expect(added.stdout).toContain('Created user dora (clerk, buyer)');
      const login = await cli(['--db', db, 'rpc', 'auth.login', '{"username":"dora","password":"dora-password"}', '--json']);
      expect(login.code).toBe(0);
      expect(JSON.parse(login.stdout).value.user).toMatchObject({ username: 'dora', displayName: 'Dora D', roles: ['clerk', 'buyer'] });
      const wrong = await cli(['--db', db, 'rpc', 'auth.login', '{"username":"dora","password":"nope-nope"}']);
      expect(wrong.code).toBe(1);
      const forbidden = await cli(['--db', db, 'rpc', 'users.list', '--user', 'dora', '--json']);
      expect(forbidden.code).toBe(1);
      expect(JSON.parse(forbidden.stdout).error.code).toBe('FORBIDDEN');
      const duplicate = await cli(['--db', db, 'users', 'add', 'dora', '--password', 'dora-password', '--roles', 'clerk']);
      expectOneLineError(duplicate, /CONFLICT/);
    });

    it('backup writes a readable SQLite copy', async () => {
      const out = join(dir, 'backups', 'copy.sqlite');
      const run = await cli(['--db', db, 'backup', '--out', out, '--json']);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ file: out });
      const copy = new SQLite(out, { readonly: true });
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
        expect((copy.prepare('SELECT count(*) AS n FROM product').get() as { n: number }).n).toBe(500);
      } finally {
        copy.close();
      }
      expectOneLineError(await cli(['--db', db, 'backup', '--out', out]), /already exists/);
    });
  });

  it('users add refuses on a database nobody set up', async () => {
    expectOneLineError(await cli(['--db', join(dir, 'empty.sqlite'), 'users', 'add', 'x', '--password', 'long-enough', '--roles', 'clerk']), /not set up yet/);
  });

  it('bad arguments and unknown commands exit non-zero with one line', async () => {
    expectOneLineError(await cli(['frobnicate']), /unknown command 'frobnicate'/);
    expectOneLineError(await cli(['serve', '--port', 'eighty']), /--port/);
  });

  it('serve --port 0 prints the URL, answers POST /rpc, and stops on SIGTERM', async () => {
    const db = join(dir, 'serve.sqlite');
    const child: ChildProcess = spawn(process.execPath, [BIN, '--db', db, 'serve', '--port', '0'], { cwd: ROOT, env: childEnv() });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    try {
      const url = await new Promise<string>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`no URL line; stderr: ${stderr}`)), 30_000);
        child.stdout!.on('data', (c: Buffer) => {
          stdout += c.toString();
          const m = /^Branchline is running at (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout);
          if (m) {
            clearTimeout(timer);
            done(m[1]!);
          }
        });
      });
      const res = await fetch(`${url}/rpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'system.status', input: {} }) });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toMatch(/^bl_session=/);
      const envelope = (await res.json()) as { ok: boolean; value: { initialized: boolean } };
      // demoIfEmpty is off: the UI offers the demo.
      expect(envelope).toMatchObject({ ok: true, value: { initialized: false } });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(db)).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('branchline CLI (in-process argument handling)', () => {
  async function run(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['node', 'branchline', ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out, err };
  }

  it('refuses bad options with exit code 2 and one line', async () => {
    for (const args of [['seed', '--demo', '--size', 'huge'], ['seed', '--demo', '--seed', '-1'], ['seed'], ['users', 'add', 'x', '--password', 'long-enough', '--roles', 'wizard'], ['users', 'add', 'x', '--roles', 'clerk'], ['rpc']]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toHaveLength(1);
    }
  });

  it('prints help and the version with exit code 0', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out.join('\n')).toContain('serve');
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.out[0]).toMatch(/^\d+\.\d+\.\d+/);
  });
});
