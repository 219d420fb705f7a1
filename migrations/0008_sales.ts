import { sql } from 'kysely';
import { installCaptureTriggers } from './0005_replication';
import { bigintType, type MigrationDb, timestampType, withRowMeta } from './helpers';

/**
 * Order to cash: sales orders and their lines, approval rules and requests, activities (tasks
 * in a role's inbox), invoices and their lines; transfer lines remember the order line they
 * deliver.
 */
export async function up(db: MigrationDb): Promise<void> {
  const ts = timestampType(db);
  const big = bigintType(db);

  await withRowMeta(db, db.schema.createTable('approval_rule'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('discount', 'margin', 'order_value', 'customer', 'channel')`))
    .addColumn('threshold_bp', 'integer')
    .addColumn('threshold_minor', big)
    .addColumn('channel_code', 'text')
    .addColumn('partner_id', 'text')
    .addColumn('customer_class', 'text')
    .addColumn('approver_role', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await withRowMeta(db, db.schema.createTable('sales_order'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('state', 'text', (c) =>
      c.notNull().check(sql`state in ('draft', 'awaiting_approval', 'credit_hold', 'confirmed', 'partially_delivered', 'delivered', 'invoiced', 'done', 'cancelled')`),
    )
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partner.id'))
    .addColumn('channel_code', 'text', (c) => c.notNull())
    .addColumn('customer_po', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('ship_to_address_id', 'text')
    .addColumn('warehouse_id', 'text', (c) => c.references('warehouse.id'))
    .addColumn('order_date', ts, (c) => c.notNull())
    .addColumn('requested_date', ts)
    .addColumn('promised_date', ts)
    .addColumn('payment_captured', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('invoice_policy', 'text', (c) => c.notNull())
    .addColumn('payment_terms_days', 'integer', (c) => c.notNull())
    .addColumn('backorder_policy', 'text', (c) => c.notNull())
    .addColumn('priority_rank', 'integer', (c) => c.notNull())
    .addColumn('untaxed_minor', big, (c) => c.notNull().defaultTo(0))
    .addColumn('tax_minor', big, (c) => c.notNull().defaultTo(0))
    .addColumn('total_minor', big, (c) => c.notNull().defaultTo(0))
    .addColumn('cost_minor', big, (c) => c.notNull().defaultTo(0))
    .addColumn('invoiced_minor', big, (c) => c.notNull().defaultTo(0))
    .addColumn('cancelled_minor', big, (c) => c.notNull().defaultTo(0))
    .addColumn('hold_reason', 'text')
    .addColumn('approved_by', 'text')
    .addColumn('credit_released_by', 'text')
    .addColumn('credit_release_reason', 'text')
    .addColumn('delivery_transfer_id', 'text')
    .addColumn('confirmed_at', ts)
    .addColumn('notes', 'text')
    .addColumn('search_text', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sales_order_partner_state').on('sales_order').columns(['partner_id', 'state']).execute();
  await db.schema.createIndex('sales_order_partner_po').on('sales_order').columns(['partner_id', 'customer_po']).execute();
  await db.schema.createIndex('sales_order_state_number').on('sales_order').columns(['state', 'number']).execute();

  await withRowMeta(db, db.schema.createTable('sales_order_line'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('sales_order.id'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id'))
    .addColumn('uom_id', 'text', (c) => c.notNull())
    .addColumn('uom_quantity', big, (c) => c.notNull())
    .addColumn('quantity', big, (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('list_price_minor', big, (c) => c.notNull())
    .addColumn('unit_price_minor', big, (c) => c.notNull().check(sql`unit_price_minor >= 0`))
    .addColumn('price_overridden', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('price_rule_id', 'text')
    .addColumn('price_reason', 'text', (c) => c.notNull())
    .addColumn('discount_bp', 'integer', (c) => c.notNull().defaultTo(0).check(sql`discount_bp between 0 and 10000`))
    .addColumn('cost_minor', big, (c) => c.notNull())
    .addColumn('tax_rate_bp', 'integer', (c) => c.notNull())
    .addColumn('subtotal_minor', big, (c) => c.notNull())
    .addColumn('tax_minor', big, (c) => c.notNull())
    .addColumn('total_minor', big, (c) => c.notNull())
    .addColumn('qty_delivered', big, (c) => c.notNull().defaultTo(0))
    .addColumn('qty_invoiced', big, (c) => c.notNull().defaultTo(0))
    .addColumn('qty_returned', big, (c) => c.notNull().defaultTo(0))
    .addColumn('qty_cancelled', big, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('sales_order_line_order').on('sales_order_line').columns(['order_id', 'line_no']).unique().execute();

  await withRowMeta(db, db.schema.createTable('approval_request'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('sales_order.id'))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'approved', 'rejected')`))
    .addColumn('approver_role', 'text', (c) => c.notNull())
    .addColumn('reasons', 'text', (c) => c.notNull())
    .addColumn('rule_ids', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', ts)
    .addColumn('decision_reason', 'text')
    .execute();
  await db.schema.createIndex('approval_request_state').on('approval_request').columns(['state', 'created_at']).execute();
  await db.schema.createIndex('approval_request_order').on('approval_request').column('order_id').execute();

  await withRowMeta(db, db.schema.createTable('activity'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text')
    .addColumn('document_kind', 'text')
    .addColumn('document_id', 'text')
    .addColumn('document_number', 'text')
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'done')`))
    .addColumn('done_by', 'text')
    .addColumn('done_at', ts)
    .addColumn('done_note', 'text')
    .execute();
  await db.schema.createIndex('activity_role_state').on('activity').columns(['role', 'state', 'created_at']).execute();
  await db.schema.createIndex('activity_document').on('activity').columns(['document_id', 'kind', 'state']).execute();

  await withRowMeta(db, db.schema.createTable('invoice'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'paid', 'cancelled')`))
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partner.id'))
    .addColumn('order_id', 'text', (c) => c.references('sales_order.id'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('invoice_date', 'text', (c) => c.notNull())
    .addColumn('due_date', 'text', (c) => c.notNull())
    .addColumn('untaxed_minor', big, (c) => c.notNull())
    .addColumn('tax_minor', big, (c) => c.notNull())
    .addColumn('total_minor', big, (c) => c.notNull())
    .addColumn('paid_minor', big, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('invoice_partner_state').on('invoice').columns(['partner_id', 'state', 'due_date']).execute();
  await db.schema.createIndex('invoice_order').on('invoice').column('order_id').execute();

  await withRowMeta(db, db.schema.createTable('invoice_line'))
    .addColumn('invoice_id', 'text', (c) => c.notNull().references('invoice.id'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('order_line_id', 'text', (c) => c.references('sales_order_line.id'))
    .addColumn('product_id', 'text', (c) => c.references('product.id'))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('quantity', big, (c) => c.notNull())
    .addColumn('unit_price_minor', big, (c) => c.notNull())
    .addColumn('discount_bp', 'integer', (c) => c.notNull())
    .addColumn('subtotal_minor', big, (c) => c.notNull())
    .addColumn('tax_rate_bp', 'integer', (c) => c.notNull())
    .addColumn('tax_minor', big, (c) => c.notNull())
    .addColumn('total_minor', big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('invoice_line_invoice').on('invoice_line').columns(['invoice_id', 'line_no']).unique().execute();

  // The order line a transfer line delivers (set on every step of the flow an order creates).
  await db.schema.alterTable('transfer_line').addColumn('sales_line_id', 'text').execute();
  await db.schema.createIndex('transfer_line_sales_line').on('transfer_line').column('sales_line_id').execute();
  await db.schema.createIndex('transfer_origin_partner').on('transfer').columns(['origin', 'partner_id']).execute();

  await installCaptureTriggers(db);
}
