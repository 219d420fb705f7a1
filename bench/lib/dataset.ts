/**
 * The bench database: a migrated branch with a first admin (through the real `system.setup`
 * command), units and categories (through engine commands), and N products written
 * directly with one prepared INSERT in one transaction (the FTS trigger indexes them as
 * it would in the app). Cached under .bench-data/, keyed by schema version, generator
 * version and size, so only the first run pays for the build.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LATEST_SCHEMA, MIGRATIONS } from '../../migrations/index';
import { demoBarcode } from '../../src-main/engine/demo/seed';
import { BRANDS, DEMO_CATEGORIES, GRADES, SIZES } from '../../src-main/engine/demo/catalog-data';
import { searchTextOf } from '../../src-main/engine/catalog/products';
import { Engine } from '../../src-main/engine/engine';
import { openSqlite, type BranchDatabase } from '../../src-main/engine/platform/db';
import type SQLite from 'better-sqlite3';
import { migrateToLatest } from '../../src-main/engine/platform/migrate';
import { newId } from '../../src-main/engine/platform/ids';

/** Bump when the generated rows change shape, so stale cached files are not reused. */
const GENERATOR_VERSION = 1;

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BENCH_DIR = join(REPO_ROOT, '.bench-data');

export const ADMIN = { username: 'admin', password: 'bench-admin-pass' };

/**
 * The schema a cached bench database was built at: the latest migration and how many there
 * are (a migration numbered below the latest, added later, changes the count, not the name).
 */
export const SCHEMA_KEY = `${LATEST_SCHEMA}-m${Object.keys(MIGRATIONS).length}`;

export function datasetFile(products: number): string {
  return join(BENCH_DIR, `catalog-${products}-${SCHEMA_KEY}-g${GENERATOR_VERSION}.sqlite`);
}

/** A small deterministic PRNG (mulberry32): the same rows every build. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

export interface DatasetInfo {
  file: string;
  built: boolean;
  buildMs: number;
}

/** Returns the cached bench database for `products` rows, building it if missing. */
export async function ensureDataset(products: number, log: (m: string) => void = () => {}): Promise<DatasetInfo> {
  const file = datasetFile(products);
  if (existsSync(file)) return { file, built: false, buildMs: 0 };
  mkdirSync(BENCH_DIR, { recursive: true });
  const started = performance.now();
  const tmp = `${file}.building-${process.pid}`;
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  log(`building ${products.toLocaleString('en-US')}-product bench database (cached afterwards) ...`);
  const database = openSqlite(tmp);
  try {
    await migrateToLatest(database);
    const engine = await Engine.open({ database, appVersion: 'bench' });
    await engine.run(
      'system.setup',
      { companyName: 'Bench Wholesale', branchCode: 'B01', branchName: 'Bench Branch', adminUsername: ADMIN.username, adminDisplayName: 'Bench Admin', adminPassword: ADMIN.password },
      { anonymous: true },
    );
    const admin = await database.db.selectFrom('app_user').select('id').where('username', '=', ADMIN.username).executeTakeFirstOrThrow();
    const as = { userId: admin.id };
    const each = await engine.run('catalog.uom.create', { code: 'EA', name: 'Each', kind: 'unit' }, as);
    await engine.run('catalog.uom.create', { code: 'BOX', name: 'Box', kind: 'unit' }, as);
    const categories = [];
    for (const name of Object.keys(DEMO_CATEGORIES)) categories.push(await engine.run('catalog.category.create', { name, parentId: null }, as));
    insertProducts(database, products, each.id, categories);
    database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    await database.close();
  }
  for (const suffix of ['-wal', '-shm']) rmSync(`${tmp}${suffix}`, { force: true });
  renameSync(tmp, file);
  const buildMs = performance.now() - started;
  log(`built ${file} in ${(buildMs / 1000).toFixed(1)} s`);
  return { file, built: true, buildMs };
}

/** Raw prepared inserts in one transaction: ~100k rows/s plus the FTS trigger's work. */
function insertProducts(database: BranchDatabase, count: number, uomId: string, categories: { id: string; name: string }[]): void {
  const sqlite = database.sqlite;
  const branchId = (sqlite.prepare('SELECT branch_id FROM client_state').get() as { branch_id: string }).branch_id;
  const insert = sqlite.prepare(
    `INSERT INTO product (id, branch_id, created_at, updated_at, version, sku, name, category_id, uom_id, barcode, list_price_minor, cost_minor, tracking, active, search_text)
     VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const random = rng(20240611);
  const t0 = Date.parse('2024-01-01T00:00:00Z');
  sqlite.pragma('synchronous = OFF');
  sqlite.transaction(() => {
    for (let i = 0; i < count; i++) {
      const category = categories[i % categories.length]!;
      const nouns = DEMO_CATEGORIES[category.name]!;
      const name = `${pick(random, BRANDS)} ${pick(random, nouns)} ${pick(random, GRADES)} ${pick(random, SIZES)}`;
      const prefix = category.name.replace(/[^A-Za-z]/g, '').slice(0, 3).toUpperCase();
      const sku = `${prefix}-${String(10000 + i)}`;
      const cost = 25 + Math.floor(random() * 40_000);
      const list = Math.round((cost * (125 + Math.floor(random() * 65))) / 100);
      const barcode = random() < 0.92 ? demoBarcode(i + 1) : null;
      const roll = random();
      const tracking = roll < 0.04 ? 'lot' : roll < 0.08 ? 'serial' : 'none';
      const active = random() < 0.03 ? 0 : 1;
      const at = new Date(t0 + i * 60_000).toISOString();
      insert.run(newId(), branchId, at, at, sku, name, category.id, uomId, barcode, list, cost, tracking, active, searchTextOf({ sku, name, barcode }));
    }
  })();
  sqlite.pragma('synchronous = FULL');
}

/**
 * Stock summary and valuation of a bench ledger written with raw INSERTs (receipts carry the
 * reference BENCH-IN), exactly as its moves imply — the engine's own invariant.
 */
export function deriveStockSummaries(s: SQLite.Database, at: string): void {
  s.exec(`INSERT INTO stock_level (product_id, location_id, lot_key, warehouse_id, on_hand, reserved, incoming, outgoing, updated_at)
    SELECT f.product_id, f.location_id, '', l.warehouse_id, SUM(f.q), 0, 0, 0, '${at}' FROM (
      SELECT product_id, to_location_id AS location_id, quantity AS q FROM stock_move
      UNION ALL SELECT product_id, from_location_id, -quantity FROM stock_move) f
    JOIN location l ON l.id = f.location_id GROUP BY f.product_id, f.location_id`);
  s.exec(`INSERT INTO product_valuation (product_id, quantity, value_minor, updated_at)
    SELECT m.product_id, SUM(CASE WHEN m.reference = 'BENCH-IN' THEN m.quantity ELSE -m.quantity END), SUM(m.value_minor), '${at}' FROM stock_move m GROUP BY m.product_id`);
}

/**
 * Starts building the dataset cached at `file`: a migrated database beside it (`tmp`, renamed
 * into place by finishDataset) with a company, branch and admin through `system.setup`, and the
 * engine open as that admin (`as`).
 */
export async function startDataset(file: string, log: (m: string) => void, building: string) {
  mkdirSync(BENCH_DIR, { recursive: true });
  const tmp = `${file}.building-${process.pid}`;
  log(building);
  const startedAt = performance.now();
  const database = openSqlite(tmp);
  await migrateToLatest(database);
  const engine = await Engine.open({ database, appVersion: 'bench' });
  await engine.run('system.setup', { companyName: 'Bench', branchCode: 'B01', branchName: 'Bench', adminUsername: ADMIN.username, adminDisplayName: 'Admin', adminPassword: ADMIN.password }, { anonymous: true });
  const admin = database.sqlite.prepare('SELECT id FROM app_user').get() as { id: string };
  return { tmp, startedAt, database, engine, as: { userId: admin.id } };
}

/** Makes a dataset built in `tmp` durable and moves it to `file` (the cache), in one rename. */
export async function finishDataset(s: SQLite.Database, engine: Engine, tmp: string, file: string, startedAt: number, log: (m: string) => void, options: { analyze?: boolean } = {}): Promise<string> {
  s.pragma('synchronous = FULL');
  if (options.analyze) s.exec('ANALYZE');
  s.pragma('wal_checkpoint(TRUNCATE)');
  await engine.close();
  for (const suffix of ['-wal', '-shm']) rmSync(`${tmp}${suffix}`, { force: true });
  renameSync(tmp, file);
  log(`built ${file} in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  return file;
}
