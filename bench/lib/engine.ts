/** Opens the engine on a bench database the way the app does (openSqlite's pragmas, Engine.open). */
import type SQLite from 'better-sqlite3';
import { Engine } from '../../src-main/engine/engine';
import { type BranchDatabase, openSqlite } from '../../src-main/engine/platform/db';
import { ADMIN } from './dataset';

export interface BenchEngine {
  database: BranchDatabase;
  /** The raw better-sqlite3 handle of the same connection: baselines share its page cache. */
  sqlite: SQLite.Database;
  engine: Engine;
  /** The admin, as the CLI and tests call: a user id. */
  as: { userId: string };
  close(): Promise<void>;
}

export async function openBenchEngine(file: string): Promise<BenchEngine> {
  const database = openSqlite(file);
  const engine = await Engine.open({ database, appVersion: 'bench' });
  const admin = database.sqlite.prepare('SELECT id FROM app_user WHERE username = ?').get(ADMIN.username) as { id: string };
  return { database, sqlite: database.sqlite, engine, as: { userId: admin.id }, close: () => engine.close() };
}

/** Throws unless the envelope is ok; a bench must never time failures. */
export function mustOk<T>(envelope: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!envelope.ok) throw new Error(`engine call failed: ${envelope.error.code} ${envelope.error.message}`);
  return envelope.value;
}

/** The columns the engine reads a Product from (products.ts selectProducts), hand-written. */
export const PRODUCT_COLUMNS = `p.id, p.sku, p.name, p.category_id, c.name AS category_name, p.uom_id, u.code AS uom_code, p.barcode,
  p.list_price_minor, p.cost_minor, p.tracking, p.active, p.version, p.created_at, p.updated_at`;
export const PRODUCT_FROM = `FROM product p JOIN uom u ON u.id = p.uom_id LEFT JOIN category c ON c.id = p.category_id`;
