import { sql } from 'kysely';
import { installCaptureTriggers } from './0005_replication';
import { bigintType, type MigrationDb, timestampType, withRowMeta } from './helpers';

/**
 * Drop ship (the vendor ships straight to the customer):
 *  - `dropship_product`: products sold by drop ship by default, optionally from a named vendor
 *    (else the preferred vendor / cheapest vendor price), seen by every branch;
 *  - `dropship_line`: a sales order line delivered by drop ship, its vendor and the purchase
 *    order line that buys it, with what was shipped and cancelled (private to the branch);
 *  - `dropship_shipment`: a vendor's shipment confirmation (tracking number) of a drop-ship PO;
 *  - `purchase_order.ship_to_address_id`: the customer's ship-to address the vendor ships to.
 */
export async function up(db: MigrationDb): Promise<void> {
  const ts = timestampType(db);
  const big = bigintType(db);

  await db.schema.alterTable('purchase_order').addColumn('ship_to_address_id', 'text').execute();

  await withRowMeta(db, db.schema.createTable('dropship_product'))
    .addColumn('product_id', 'text', (c) => c.notNull().unique().references('product.id'))
    .addColumn('vendor_id', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await withRowMeta(db, db.schema.createTable('dropship_line'))
    .addColumn('sales_order_id', 'text', (c) => c.notNull().references('sales_order.id'))
    .addColumn('sales_line_id', 'text', (c) => c.notNull().unique())
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id'))
    .addColumn('vendor_id', 'text')
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('planned', 'ordered', 'shipped', 'cancelled')`))
    .addColumn('quantity', big, (c) => c.notNull().defaultTo(0))
    .addColumn('qty_shipped', big, (c) => c.notNull().defaultTo(0))
    .addColumn('qty_cancelled', big, (c) => c.notNull().defaultTo(0))
    .addColumn('purchase_order_id', 'text')
    .addColumn('purchase_order_line_id', 'text')
    .addColumn('transfer_id', 'text')
    .execute();
  await db.schema.createIndex('dropship_line_order').on('dropship_line').columns(['sales_order_id', 'state']).execute();
  await db.schema.createIndex('dropship_line_po').on('dropship_line').columns(['purchase_order_id', 'purchase_order_line_id']).execute();

  await withRowMeta(db, db.schema.createTable('dropship_shipment'))
    .addColumn('purchase_order_id', 'text', (c) => c.notNull().references('purchase_order.id'))
    .addColumn('tracking_number', 'text', (c) => c.notNull())
    .addColumn('carrier', 'text')
    .addColumn('shipped_at', ts, (c) => c.notNull())
    .addColumn('units', big, (c) => c.notNull())
    .addColumn('value_minor', big, (c) => c.notNull())
    .execute();
  // One confirmation per tracking number and order: the same confirmation twice is refused.
  await db.schema.createIndex('dropship_shipment_tracking').on('dropship_shipment').columns(['purchase_order_id', 'tracking_number']).unique().execute();

  await installCaptureTriggers(db);
}
