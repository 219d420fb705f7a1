import { sql } from 'kysely';
import { installCaptureTriggers } from './0005_replication';
import { bigintType, type MigrationDb, withRowMeta } from './helpers';

/**
 * Customers as B2B accounts (legal name, invoice policy, grace days, pricelist, identifiers
 * for de-duplication, addresses and contacts), channel policies, pricelists and price rules,
 * and a tax rate per product.
 */
export async function up(db: MigrationDb): Promise<void> {
  const big = bigintType(db);

  for (const col of ['legal_name', 'pricelist_id', 'external_id', 'gln', 'search_text', 'merged_into_id']) {
    await db.schema.alterTable('partner').addColumn(col, 'text').execute();
  }
  await db.schema
    .alterTable('partner')
    .addColumn('invoice_policy', 'text', (c) => c.notNull().defaultTo('on_delivery').check(sql`invoice_policy in ('on_order', 'on_delivery')`))
    .execute();
  await db.schema.alterTable('partner').addColumn('grace_days', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('partner').addColumn('tax_rate_bp', 'integer').execute();
  await sql`UPDATE partner SET search_text = lower(code || ' ' || name || ' ' || coalesce(email, '') || ' ' || coalesce(tax_id, ''))`.execute(db);
  await db.schema.createIndex('partner_external_id').on('partner').column('external_id').execute();
  await db.schema.createIndex('partner_email').on('partner').column('email').execute();
  await db.schema.createIndex('partner_gln').on('partner').column('gln').execute();
  await db.schema.createIndex('partner_kind_active_name').on('partner').columns(['kind', 'active', 'name', 'id']).execute();

  await db.schema.alterTable('product').addColumn('tax_rate_bp', 'integer').execute();

  await withRowMeta(db, db.schema.createTable('partner_address'))
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partner.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('bill_to', 'ship_to')`))
    .addColumn('label', 'text')
    .addColumn('line1', 'text', (c) => c.notNull())
    .addColumn('line2', 'text')
    .addColumn('city', 'text', (c) => c.notNull())
    .addColumn('postal_code', 'text')
    .addColumn('region', 'text')
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('gln', 'text')
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('partner_address_partner').on('partner_address').columns(['partner_id', 'kind']).execute();

  await withRowMeta(db, db.schema.createTable('partner_contact'))
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partner.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('role', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('partner_contact_partner').on('partner_contact').column('partner_id').execute();

  // One policy per channel (keyed by the channel's code, which never changes).
  await withRowMeta(db, db.schema.createTable('channel_policy'))
    .addColumn('channel_code', 'text', (c) => c.notNull().unique())
    .addColumn('required_fields', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('payment_before_release', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('backorder_policy', 'text', (c) => c.notNull().defaultTo('ship_partial').check(sql`backorder_policy in ('ship_partial', 'ship_complete', 'cancel_rest')`))
    .addColumn('substitutes_allowed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('routing_rule', 'text', (c) => c.notNull().defaultTo('region').check(sql`routing_rule in ('region', 'default_warehouse')`))
    .addColumn('default_warehouse_id', 'text', (c) => c.references('warehouse.id'))
    .addColumn('ship_within_hours', 'integer', (c) => c.notNull().defaultTo(48))
    .execute();

  await withRowMeta(db, db.schema.createTable('pricelist'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('customer_class', 'text', (c) => c.check(sql`customer_class in ('key_account', 'regular', 'consumer')`))
    .addColumn('channel_code', 'text')
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('valid_from', 'text')
    .addColumn('valid_to', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await withRowMeta(db, db.schema.createTable('price_rule'))
    .addColumn('pricelist_id', 'text', (c) => c.notNull().references('pricelist.id'))
    .addColumn('product_id', 'text', (c) => c.references('product.id'))
    .addColumn('category_id', 'text', (c) => c.references('category.id'))
    // A contract price: the customer (a partner may come from any branch, so no foreign key).
    .addColumn('partner_id', 'text')
    .addColumn('min_quantity', big, (c) => c.notNull().defaultTo(1))
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('fixed', 'list_discount', 'cost_plus')`))
    .addColumn('price_minor', big)
    .addColumn('percent_bp', 'integer')
    .addColumn('valid_from', 'text')
    .addColumn('valid_to', 'text')
    .addColumn('label', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // Pricing seeks rules by product, by category (product null) and for all products (both
  // null): one index serves the three, so contract prices on products never slow the others.
  await db.schema.createIndex('price_rule_target').on('price_rule').columns(['product_id', 'category_id']).execute();
  await db.schema.createIndex('price_rule_partner').on('price_rule').columns(['partner_id', 'product_id']).execute();
  await db.schema.createIndex('price_rule_pricelist').on('price_rule').column('pricelist_id').execute();

  // Tables created by later migrations get their triggers there (installCaptureTriggers skips them here).
  await installCaptureTriggers(db);
}
