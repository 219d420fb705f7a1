import { type ExpressionBuilder, sql } from 'kysely';
import type { Product } from '../../../src-shared/contract/index';
import type { Db, Dialect, Tx } from '../platform/db';
import { DomainError, notFound } from '../platform/errors';
import { preparedQuery } from '../platform/prepared';
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

export type ProductRow = Awaited<ReturnType<ReturnType<typeof selectProducts>['executeTakeFirstOrThrow']>>;

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

// Hot paths (typeahead search, scans, product reads inside commands) run compiled-once
// queries: Kysely costs ~40 µs per query to build and compile, more than the lookup itself.
// See platform/prepared.ts; every value that varies is a named parameter.

const productById = preparedQuery<{ id: string }, ProductRow>(['id'], (db, p) => selectProducts(db).where('p.id', '=', p.id));

/** The product with this barcode, archived or not. */
export const productByBarcode = preparedQuery<{ barcode: string }, ProductRow>(['barcode'], (db, p) => selectProducts(db).where('p.barcode', '=', p.barcode));

export async function getProduct(db: Db | Tx, id: string): Promise<Product> {
  const row = await productById.first(db, { id });
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

/** Escapes GLOB wildcards ("*", "?", "[") as one-character classes so they match themselves. */
export function globEscape(s: string): string {
  return s.replace(/[*?[]/g, (m) => `[${m}]`);
}

/**
 * How a substring filter runs: through the FTS5 trigram index (SQLite, 3+ characters), or
 * as LIKE on search_text (PostgreSQL, where pg_trgm serves LIKE; SQLite terms too short to
 * make a trigram, or holding a NUL, which an FTS5 query string cannot carry).
 */
export type ContainsKind = 'fts' | 'like';

export function containsKind(dialect: Dialect, term: string): ContainsKind {
  return dialect === 'sqlite' && [...term].length >= 3 && !term.includes('\u0000') ? 'fts' : 'like';
}

/** The values bound for `containsExpr`: an FTS5 phrase (fts only) and a GLOB or LIKE pattern. */
export interface ContainsArgs {
  phrase: string;
  pattern: string;
}

/**
 * On SQLite the trigram index finds candidates with a phrase MATCH (consecutive trigrams:
 * every row containing the term, read from the index alone), and GLOB on the product's own
 * search_text keeps exactly the rows that contain it. Not LIKE … ESCAPE against the FTS
 * table: FTS5 cannot use its index for a LIKE with ESCAPE (it reads all 100,000 rows,
 * ~30 ms), and its LIKE/GLOB re-read every candidate from the content table. In GLOB, "%"
 * and "_" are plain characters and "*", "?", "[" are escaped as classes; GLOB is
 * case-sensitive, and search_text and the term are both lower-cased, so it keeps exactly
 * what the case-insensitive LIKE kept.
 */
export function containsArgs(kind: ContainsKind, term: string): ContainsArgs {
  const lower = term.toLowerCase();
  if (kind === 'fts') return { phrase: `"${lower.replace(/"/g, '""')}"`, pattern: `*${globEscape(lower)}*` };
  return { phrase: '', pattern: `%${likeEscape(lower)}%` };
}

/** Rows whose search text contains the term (values from `containsArgs`, bound directly or as named parameters). */
export function containsExpr(kind: ContainsKind, args: ContainsArgs) {
  return (eb: ExpressionBuilder<Database & { p: Database['product'] }, 'p'>) => {
    if (kind === 'fts') return sql<boolean>`(p.rowid IN (SELECT rowid FROM product_fts WHERE product_fts MATCH ${args.phrase}) AND p.search_text GLOB ${args.pattern})`;
    return eb('p.search_text', 'like', sql<string>`${args.pattern} ESCAPE '\\'`);
  };
}

/**
 * Rows whose search text contains `term` (case-insensitive). Uses the trigram index on both
 * databases when the term has 3+ characters (FTS5 trigram on SQLite, pg_trgm on PostgreSQL).
 */
export function containsTerm(dialect: Dialect, term: string) {
  const kind = containsKind(dialect, term);
  return containsExpr(kind, containsArgs(kind, term));
}

/**
 * Above this many trigram matches the typeahead walks the (active, sku) index and stops at
 * the `limit`-th match; below it, it reads and sorts the matches themselves. Sorting costs
 * ~1.5 µs per match (the 12,000 matches of "heavy": ~20 ms); the walk costs at most one
 * pass over the index (~5 ms for 100,000 products) and is short when matches are common.
 * SQLite keeps no statistics to make this choice itself.
 */
export const FTS_FEW_MATCHES = 2_000;

/** The rowids of the trigram candidates of a phrase, at most `cap` of them. */
export const ftsCandidates = preparedQuery<{ phrase: string; cap: number }, { rowid: number }>(['phrase', 'cap'], (db, p) => ({
  compile: () => sql<{ rowid: number }>`SELECT rowid FROM product_fts WHERE product_fts MATCH ${p.phrase} LIMIT ${p.cap}`.compile(db),
}));

type SearchParams = { phrase: string; pattern: string; limit: number };
type RangeParams = { from: string; to: string; limit: number };
const onlyActive = <Q extends ReturnType<typeof selectProducts>>(q: Q, includeArchived: boolean) => (includeArchived ? q : q.where(sql<boolean>`p.active = 1`));

function searchQueries(includeArchived: boolean) {
  return {
    barcode: preparedQuery<{ barcode: string }, ProductRow>(['barcode'], (db, p) => onlyActive(selectProducts(db).where('p.barcode', '=', p.barcode), includeArchived)),
    skuRange: preparedQuery<RangeParams, ProductRow>(['from', 'to', 'limit'], (db, p) =>
      onlyActive(selectProducts(db).where('p.sku', '>=', p.from).where('p.sku', '<', p.to), includeArchived).orderBy('p.sku').limit(p.limit),
    ),
    /** Few trigram candidates (their rowids as a JSON array): read and sort them. The unary "+" keeps SQLite off the sku index. */
    ftsFew: preparedQuery<{ rowids: string; pattern: string; limit: number }, ProductRow>(['rowids', 'pattern', 'limit'], (db, p) =>
      selectProducts(db)
        .where(sql<boolean>`p.rowid IN (SELECT value FROM json_each(${p.rowids})) AND p.search_text GLOB ${p.pattern}`)
        .$if(!includeArchived, (q) => q.where(sql<boolean>`+p.active = 1`))
        .orderBy(sql`+p.sku`)
        .limit(p.limit),
    ),
    /** Many trigram matches: walk the sku index (rowids checked against the matches) until `limit` are found. */
    ftsMany: preparedQuery<SearchParams, ProductRow>(['phrase', 'pattern', 'limit'], (db, p) =>
      onlyActive(selectProducts(db).where(containsExpr('fts', p)), includeArchived).orderBy('p.sku').limit(p.limit),
    ),
    like: preparedQuery<SearchParams, ProductRow>(['phrase', 'pattern', 'limit'], (db, p) =>
      onlyActive(selectProducts(db).where(containsExpr('like', p)), includeArchived).orderBy('p.sku').limit(p.limit),
    ),
  };
}

/** The typeahead's steps (exact barcode, SKU range, substring), for active products or all. */
export const SEARCH = { active: searchQueries(false), all: searchQueries(true) };

const uomExists = preparedQuery<{ id: string }, { id: string }>(['id'], (db, p) => db.selectFrom('uom').select('id').where('id', '=', p.id));
const categoryExists = preparedQuery<{ id: string }, { id: string }>(['id'], (db, p) => db.selectFrom('category').select('id').where('id', '=', p.id));
const skuOwner = preparedQuery<{ sku: string }, { id: string; name: string }>(['sku'], (db, p) => db.selectFrom('product').select(['id', 'name']).where('sku', '=', p.sku));
const skuOwnerExcept = preparedQuery<{ sku: string; exceptId: string }, { id: string; name: string }>(['sku', 'exceptId'], (db, p) =>
  db.selectFrom('product').select(['id', 'name']).where('sku', '=', p.sku).where('id', '!=', p.exceptId),
);
const barcodeOwner = preparedQuery<{ barcode: string }, { id: string; sku: string }>(['barcode'], (db, p) => db.selectFrom('product').select(['id', 'sku']).where('barcode', '=', p.barcode));
const barcodeOwnerExcept = preparedQuery<{ barcode: string; exceptId: string }, { id: string; sku: string }>(['barcode', 'exceptId'], (db, p) =>
  db.selectFrom('product').select(['id', 'sku']).where('barcode', '=', p.barcode).where('id', '!=', p.exceptId),
);

/** Checks references a product points at, so the clerk gets a message instead of a foreign-key error. */
export async function assertProductRefs(db: Tx, refs: { categoryId?: string | null; uomId?: string }): Promise<void> {
  if (refs.uomId) {
    const uom = await uomExists.first(db, { id: refs.uomId });
    if (!uom) throw new DomainError('VALIDATION', 'Unit of measure: no such unit', { fields: [{ path: 'uomId', message: 'No such unit of measure' }] });
  }
  if (refs.categoryId) {
    const cat = await categoryExists.first(db, { id: refs.categoryId });
    if (!cat) throw new DomainError('VALIDATION', 'Category: no such category', { fields: [{ path: 'categoryId', message: 'No such category' }] });
  }
}

/** Duplicate SKU or barcode, named in words before the unique index would refuse it. */
export async function assertUnique(db: Tx, fields: { sku?: string; barcode?: string | null }, exceptId?: string): Promise<void> {
  if (fields.sku) {
    const other = exceptId ? await skuOwnerExcept.first(db, { sku: fields.sku, exceptId }) : await skuOwner.first(db, { sku: fields.sku });
    if (other) throw new DomainError('CONFLICT', `SKU ${fields.sku} is already used by "${other.name}"`, { fields: [{ path: 'sku', message: `Already used by "${other.name}"` }] });
  }
  if (fields.barcode) {
    const other = exceptId ? await barcodeOwnerExcept.first(db, { barcode: fields.barcode, exceptId }) : await barcodeOwner.first(db, { barcode: fields.barcode });
    if (other) throw new DomainError('CONFLICT', `Barcode ${fields.barcode} is already used by ${other.sku}`, { fields: [{ path: 'barcode', message: `Already used by ${other.sku}` }] });
  }
}

export type NewProductRow = {
  id: string;
  branchId: string;
  now: string;
  sku: string;
  name: string;
  categoryId: string | null;
  uomId: string;
  barcode: string | null;
  listPriceMinor: number;
  costMinor: number;
  tracking: string;
  searchText: string;
};

/** Inserts a new, active product at version 1. */
export const insertProduct = preparedQuery<NewProductRow, never>(
  ['id', 'branchId', 'now', 'sku', 'name', 'categoryId', 'uomId', 'barcode', 'listPriceMinor', 'costMinor', 'tracking', 'searchText'],
  (db, p) =>
    db.insertInto('product').values({
      id: p.id,
      branch_id: p.branchId,
      created_at: p.now,
      updated_at: p.now,
      version: sql.lit(1),
      sku: p.sku,
      name: p.name,
      category_id: p.categoryId,
      uom_id: p.uomId,
      barcode: p.barcode,
      list_price_minor: p.listPriceMinor,
      cost_minor: p.costMinor,
      tracking: p.tracking,
      active: sql.lit(1),
      search_text: p.searchText,
    }),
);
