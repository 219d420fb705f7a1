/**
 * What the `branchline` commands do, as functions a script, a test or a benchmark can call
 * in-process. The CLI (main.ts) only parses arguments and prints.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { contract, isMethodName, METHOD_NAMES, type MethodName } from '../../src-shared/contract/index';
import { ROLES, type Role } from '../../src-shared/permissions';
import type { Envelope } from '../../src-shared/rpc';
import { DEMO_SIZES } from '../engine/demo/seed';
import type { Caller, Engine } from '../engine/engine';
import { openSqlite } from '../engine/platform/db';
import { uniqueViolationColumn } from '../engine/platform/errors';
import { type MigrationReport, migrateToLatest } from '../engine/platform/migrate';
import type { EngineService } from '../host/engine-service';
import { inProcessEngineService } from '../host/open-engine';
import { checkRpcRequest } from '../host/rpc-boundary';
import { CliError, appVersion } from './common';

function ensureDir(dbFile: string): void {
  if (dbFile !== ':memory:' && !existsSync(dirname(dbFile))) mkdirSync(dirname(dbFile), { recursive: true });
}

/** Engine failures the envelope hides ("details are in the log"); a duplicate is no failure (CONFLICT says it all). */
function engineLog(message: string, error?: unknown): void {
  if (uniqueViolationColumn(error)) return;
  process.stderr.write(`[engine] ${message}${error instanceof Error ? `: ${error.message}` : error ? `: ${String(error)}` : ''}\n`);
}

/** Opens (creating and migrating) the database and an engine on this thread, runs `work`, closes. */
export async function withEngine<T>(dbFile: string, work: (engine: Engine, service: EngineService) => Promise<T>): Promise<T> {
  let service: Awaited<ReturnType<typeof inProcessEngineService>>;
  try {
    service = await inProcessEngineService({ dbFile, appVersion: appVersion(), log: engineLog });
  } catch (error) {
    throw new CliError(`Cannot open ${dbFile}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return await work(service.engine, service);
  } finally {
    await service.close();
  }
}

// --- migrate ------------------------------------------------------------------------

export async function migrateDatabase(dbFile: string): Promise<MigrationReport> {
  ensureDir(dbFile);
  const database = openSqlite(dbFile);
  try {
    return await migrateToLatest(database);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  } finally {
    await database.close();
  }
}

// --- seed -----------------------------------------------------------------------------

export type DemoSizeName = keyof typeof DEMO_SIZES;
export const DEMO_SIZE_NAMES = Object.keys(DEMO_SIZES) as DemoSizeName[];

export interface SeedResult {
  products: number;
  customers: number;
  vendors: number;
  logins: { username: string; password: string; roles: string[] }[];
}

/** Loads the demo company into a new database, through the engine's `system.loadDemo` command. */
export async function seedDemo(dbFile: string, options: { seed: number; size: DemoSizeName; progress?: (line: string) => void }): Promise<SeedResult> {
  return withEngine(dbFile, async (engine) => {
    engine.onEvent((e) => {
      if (e.type === 'progress' && e.task === 'demo') options.progress?.(`demo: ${Math.round((e.done / Math.max(e.total, 1)) * 100)}%`);
    });
    const status = await engine.run('system.status', {}, { anonymous: true });
    if (status.initialized) {
      throw new CliError(`${dbFile} is already set up${status.companyName ? ` (${status.companyName})` : ''}; seed --demo only loads into a new database`);
    }
    const counts = unwrap(await loadDemo(engine, options));
    const after = await engine.run('system.status', {}, { anonymous: true });
    return { ...(counts as Omit<SeedResult, 'logins'>), logins: after.demoLogins };
  });
}

function loadDemo(engine: Engine, options: { seed: number; size: DemoSizeName }): Promise<Envelope<unknown>> {
  return engine.call('system.loadDemo', { seed: options.seed, size: options.size }, { anonymous: true });
}

// --- users, rpc -------------------------------------------------------------------------

/** The first active admin (oldest), or null on a database nobody has set up. */
export async function firstAdmin(engine: Engine): Promise<{ id: string; username: string } | null> {
  const rows = await engine.database.db.selectFrom('app_user').select(['id', 'username', 'roles']).where('active', '=', 1).orderBy('created_at').orderBy('id').execute();
  const admin = rows.find((r) => (JSON.parse(r.roles) as string[]).includes('admin'));
  return admin ? { id: admin.id, username: admin.username } : null;
}

async function callerFor(engine: Engine, username: string | undefined): Promise<Caller> {
  if (username !== undefined) {
    const row = await engine.database.db.selectFrom('app_user').select('id').where('username', '=', username.trim().toLowerCase()).executeTakeFirst();
    if (!row) throw new CliError(`There is no user called "${username}"`);
    return { userId: row.id };
  }
  const admin = await firstAdmin(engine);
  return admin ? { userId: admin.id } : { anonymous: true };
}

/** The user a CLI command acts as: --user NAME, else the first admin; refused when neither exists. */
export async function actingUserId(engine: Engine, dbFile: string, username: string | undefined): Promise<string> {
  const caller = await callerFor(engine, username);
  if ('userId' in caller) return caller.userId;
  throw new CliError(`${dbFile} is not set up yet (no admin)`);
}

export function parseRoles(value: string): Role[] {
  const roles = value
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (roles.length === 0 || unknown.length > 0) {
    throw new CliError(`${unknown.length ? `Unknown role(s) ${unknown.join(', ')}` : 'No role given'}; roles are ${ROLES.join(', ')}`, 2);
  }
  return roles as Role[];
}

/** Creates a user through the engine's `users.create` command, as the first admin. */
export async function addUser(dbFile: string, user: { username: string; password: string; roles: Role[]; displayName?: string }): Promise<unknown> {
  return withEngine(dbFile, async (engine) => {
    const admin = await firstAdmin(engine);
    if (!admin) throw new CliError(`${dbFile} is not set up yet (no admin): run \`branchline seed --demo\` or set it up in the app first`);
    const input = { username: user.username, displayName: user.displayName ?? user.username, password: user.password, roles: user.roles };
    return unwrap(await engine.call('users.create', input, { userId: admin.id }));
  });
}

/** Edit distance, for suggesting the method someone meant. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** A contract method's name, or a one-line refusal naming the closest ones. */
export function checkMethodName(method: string): MethodName {
  if (isMethodName(method)) return method;
  const near = METHOD_NAMES.map((m) => ({ m, d: distance(method.toLowerCase(), m.toLowerCase()) }))
    .filter((x) => x.d <= Math.min(3, Math.floor(method.length / 3)))
    .sort((x, y) => x.d - y.d)
    .slice(0, 3)
    .map((x) => x.m);
  throw new CliError(`There is no method called "${method.slice(0, 80)}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; \`branchline methods\` lists them`, 2);
}

export function parseJsonInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`The input is not valid JSON (${error instanceof Error ? error.message.split('\n')[0] : 'parse error'}); quote it, e.g. '{"query":"drill"}'`, 2);
  }
}

/**
 * Calls a contract method as a user (default: the first active admin; anonymous on a new
 * database) through the same boundary check and bus as every transport.
 */
export async function callAs(dbFile: string, method: string, input: unknown, username?: string): Promise<Envelope<unknown>> {
  const name = checkMethodName(method);
  return withEngine(dbFile, async (engine) => {
    const caller = await callerFor(engine, username);
    const checked = checkRpcRequest(name, input, Buffer.byteLength(JSON.stringify(input ?? {})));
    if (!checked.ok) return checked.envelope;
    return engine.call(checked.method, checked.input, caller);
  });
}

export interface MethodRow {
  name: MethodName;
  kind: 'command' | 'query';
  access: string;
  summary: string;
}

export function listMethods(): MethodRow[] {
  return METHOD_NAMES.map((name) => ({ name, kind: contract[name].kind, access: contract[name].access, summary: contract[name].summary }));
}

// --- backup -----------------------------------------------------------------------------

export function defaultBackupFile(dbFile: string): string {
  return `${dbFile}.backup-${new Date().toISOString().replace(/[:.]/g, '-')}.sqlite`;
}

/** An online SQLite backup: consistent even while the app or `serve` writes to the database. */
export async function backupDatabase(dbFile: string, out: string): Promise<{ file: string; bytes: number }> {
  if (existsSync(out)) throw new CliError(`${out} already exists; choose another --out`);
  return withEngine(dbFile, async (engine) => {
    const database = engine.database;
    if (database.dialect !== 'sqlite') throw new CliError('Only a SQLite branch database can be backed up here');
    ensureDir(out);
    await database.sqlite.backup(out);
    return { file: out, bytes: statSync(out).size };
  });
}

function unwrap(envelope: Envelope<unknown>): unknown {
  if (envelope.ok) return envelope.value;
  throw new CliError(`${envelope.error.code}: ${envelope.error.message}`);
}
