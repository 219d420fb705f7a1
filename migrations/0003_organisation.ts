import { sql } from 'kysely';
import { bigintType, type MigrationDb, withRowMeta } from './helpers';

/** Warehouses, sales channels and partners: the minimum the demo company needs; later issues extend them. */
export async function up(db: MigrationDb): Promise<void> {
  await withRowMeta(db, db.schema.createTable('warehouse'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await withRowMeta(db, db.schema.createTable('channel'))
    .addColumn('code', 'text', (c) => c.notNull().unique().check(sql`code in ('rep', 'portal', 'ecommerce', 'marketplace', 'edi', 'contract')`))
    .addColumn('name', 'text', (c) => c.notNull())
    // Lower number = served first when stock is scarce.
    .addColumn('reservation_priority', 'integer', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await withRowMeta(db, db.schema.createTable('partner'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('customer', 'vendor')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('customer_class', 'text', (c) => c.check(sql`customer_class in ('key_account', 'regular', 'consumer')`))
    .addColumn('region', 'text')
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('tax_id', 'text')
    .addColumn('credit_limit_minor', bigintType(db))
    .addColumn('payment_terms_days', 'integer', (c) => c.notNull().defaultTo(30))
    .addColumn('lead_time_days', 'integer')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('partner_kind_name').on('partner').columns(['kind', 'name']).execute();
}
