import { type ExpressionBuilder, sql } from 'kysely';
import type { Product } from '../../../src-shared/contract/index';
import type { Db, Dialect, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import type { Database } from '../platform/schema';

/** The columns a Product is read from; one place, so every query returns the same shape. */
export function selectProducts(db: Db | Tx) {
  return db
    .selectFrom('product as p')
    .innerJoin('uom as u', 'u.id', 'p.uom_id')
    .leftJoin('category as c', 'c.id', 'p.category_id')
    .select([
      'p.id',
      'p.sku',
      'p.name',
      'p.category_id',
      'c.name as category_name',
      'p.uom_id',
      'u.code as uom_code',
      'p.barcode',
      'p.list_price_minor',
      'p.cost_minor',
      'p.tracking',
      'p.active',
      'p.version',
      'p.created_at',
      'p.updated_at',
    ]);
}

type ProductRow = Awaited<ReturnType<ReturnType<typeof selectProducts>['executeTakeFirstOrThrow']>>;

export function toProduct(r: ProductRow): Product {
  return {
    id: r.id,
    sku: r.sku,
    name: r.name,
    categoryId: r.category_id,
    categoryName: r.category_name,
    uomId: r.uom_id,
    uomCode: r.uom_code,
    barcode: r.barcode,
    listPriceMinor: Number(r.list_price_minor),
    costMinor: Number(r.cost_minor),
    tracking: r.tracking as Product['tracking'],
    active: r.active === 1,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function getProduct(db: Db | Tx, id: string): Promise<Product> {
  const row = await selectProducts(db).where('p.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Product');
  return toProduct(row);
}

export function searchTextOf(p: { sku: string; name: string; barcode: string | null }): string {
  return `${p.sku} ${p.name} ${p.barcode ?? ''}`.toLowerCase().trim();
}

/** Escapes LIKE wildcards so a user's "%" or "_" matches itself. */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`);
}

/**
 * Rows whose search text contains `term` (case-insensitive). Uses the trigram index on both
 * databases when the term has 3+ characters (FTS5 trigram on SQLite, pg_trgm on PostgreSQL).
 */
export function containsTerm(dialect: Dialect, term: string) {
  const pattern = `%${likeEscape(term.toLowerCase())}%`;
  return (eb: ExpressionBuilder<Database & { p: Database['product'] }, 'p'>) => {
    if (dialect === 'sqlite' && term.length >= 3) {
      return sql<boolean>`p.rowid IN (SELECT rowid FROM product_fts WHERE search_text LIKE ${pattern} ESCAPE '\\')`;
    }
    return eb('p.search_text', 'like', sql<string>`${pattern} ESCAPE '\\'`);
  };
}

/** Checks references a product points at, so the clerk gets a message instead of a foreign-key error. */
export async function assertProductRefs(db: Tx, refs: { categoryId?: string | null; uomId?: string }): Promise<void> {
  if (refs.uomId) {
    const uom = await db.selectFrom('uom').select('id').where('id', '=', refs.uomId).executeTakeFirst();
    if (!uom) throw new DomainError('VALIDATION', 'Unit of measure: no such unit', { fields: [{ path: 'uomId', message: 'No such unit of measure' }] });
  }
  if (refs.categoryId) {
    const cat = await db.selectFrom('category').select('id').where('id', '=', refs.categoryId).executeTakeFirst();
    if (!cat) throw new DomainError('VALIDATION', 'Category: no such category', { fields: [{ path: 'categoryId', message: 'No such category' }] });
  }
}

/** Duplicate SKU or barcode, named in words before the unique index would refuse it. */
export async function assertUnique(db: Tx, fields: { sku?: string; barcode?: string | null }, exceptId?: string): Promise<void> {
  if (fields.sku) {
    let q = db.selectFrom('product').select(['id', 'name']).where('sku', '=', fields.sku);
    if (exceptId) q = q.where('id', '!=', exceptId);
    const other = await q.executeTakeFirst();
    if (other) throw new DomainError('CONFLICT', `SKU ${fields.sku} is already used by "${other.name}"`, { fields: [{ path: 'sku', message: `Already used by "${other.name}"` }] });
  }
  if (fields.barcode) {
    let q = db.selectFrom('product').select(['id', 'sku']).where('barcode', '=', fields.barcode);
    if (exceptId) q = q.where('id', '!=', exceptId);
    const other = await q.executeTakeFirst();
    if (other) throw new DomainError('CONFLICT', `Barcode ${fields.barcode} is already used by ${other.sku}`, { fields: [{ path: 'barcode', message: `Already used by ${other.sku}` }] });
  }
}
