import { sql } from 'kysely';
import { bigintType, isPostgres, type MigrationDb, withRowMeta } from './helpers';

export async function up(db: MigrationDb): Promise<void> {
  await withRowMeta(db, db.schema.createTable('uom'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .execute();

  // 1 from_uom = numerator/denominator to_uom; product_id set for packagings like "box of 12".
  await withRowMeta(db, db.schema.createTable('uom_conversion'))
    .addColumn('product_id', 'text')
    .addColumn('from_uom_id', 'text', (c) => c.notNull().references('uom.id'))
    .addColumn('to_uom_id', 'text', (c) => c.notNull().references('uom.id'))
    .addColumn('numerator', 'integer', (c) => c.notNull().check(sql`numerator > 0`))
    .addColumn('denominator', 'integer', (c) => c.notNull().check(sql`denominator > 0`))
    .execute();
  await db.schema.createIndex('uom_conversion_pair').on('uom_conversion').columns(['from_uom_id', 'to_uom_id', 'product_id']).execute();

  await withRowMeta(db, db.schema.createTable('category'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text', (c) => c.references('category.id'))
    .execute();
  await db.schema.createIndex('category_name').on('category').columns(['name']).execute();

  await withRowMeta(db, db.schema.createTable('product'))
    .addColumn('sku', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('category_id', 'text', (c) => c.references('category.id'))
    .addColumn('uom_id', 'text', (c) => c.notNull().references('uom.id'))
    .addColumn('barcode', 'text', (c) => c.unique())
    .addColumn('list_price_minor', bigintType(db), (c) => c.notNull().check(sql`list_price_minor >= 0`))
    .addColumn('cost_minor', bigintType(db), (c) => c.notNull().check(sql`cost_minor >= 0`))
    .addColumn('tracking', 'text', (c) => c.notNull().check(sql`tracking in ('none', 'lot', 'serial')`))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('search_text', 'text', (c) => c.notNull())
    .execute();
  // Listing sorts: each (active, key) index serves "active products sorted by key" without a sort step.
  for (const col of ['name', 'list_price_minor', 'cost_minor', 'updated_at']) {
    await db.schema.createIndex(`product_active_${col}`).on('product').columns(['active', col]).execute();
  }
  await db.schema.createIndex('product_active_sku').on('product').columns(['active', 'sku']).execute();
  await db.schema.createIndex('product_category').on('product').columns(['category_id', 'sku']).execute();

  // Substring search: a trigram index, so "%drill%" does not scan 100,000 rows.
  if (isPostgres(db)) {
    await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
    await sql`CREATE INDEX product_search_trgm ON product USING gin (search_text gin_trgm_ops)`.execute(db);
  } else {
    await sql`CREATE VIRTUAL TABLE product_fts USING fts5(search_text, content='product', content_rowid='rowid', tokenize='trigram')`.execute(db);
    await sql`CREATE TRIGGER product_fts_insert AFTER INSERT ON product BEGIN
      INSERT INTO product_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END`.execute(db);
    await sql`CREATE TRIGGER product_fts_delete AFTER DELETE ON product BEGIN
      INSERT INTO product_fts(product_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text); END`.execute(db);
    await sql`CREATE TRIGGER product_fts_update AFTER UPDATE OF search_text ON product BEGIN
      INSERT INTO product_fts(product_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
      INSERT INTO product_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END`.execute(db);
  }
}
