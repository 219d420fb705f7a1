import { sql } from 'kysely';
import { installCaptureTriggers } from './0005_replication';
import { bigintType, type MigrationDb, timestampType, withRowMeta } from './helpers';

/**
 * Procure to pay: vendor profiles and pricelists, preferred vendors, reorder rules,
 * replenishment runs and proposals, purchase orders and lines, receipt history, quality
 * inspections, landed costs, vendor bills with three-way match, and attachments.
 */
export async function up(db: MigrationDb): Promise<void> {
  const ts = timestampType(db);
  const big = bigintType(db);

  // A vendor is a `partner` of kind vendor; what purchasing adds lives beside it.
  await withRowMeta(db, db.schema.createTable('vendor_profile'))
    .addColumn('partner_id', 'text', (c) => c.notNull().unique().references('partner.id'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('min_order_qty', big, (c) => c.notNull().defaultTo(1).check(sql`min_order_qty >= 1`))
    .addColumn('order_multiple', big, (c) => c.notNull().defaultTo(1).check(sql`order_multiple >= 1`))
    .addColumn('edi_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('edi_id', 'text')
    .execute();

  await withRowMeta(db, db.schema.createTable('vendor_price'))
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('partner.id'))
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id'))
    .addColumn('min_quantity', big, (c) => c.notNull().defaultTo(1).check(sql`min_quantity >= 1`))
    .addColumn('price_minor', big, (c) => c.notNull().check(sql`price_minor >= 0`))
    .addColumn('vendor_sku', 'text')
    .addColumn('valid_from', 'text')
    .addColumn('valid_to', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('vendor_price_product').on('vendor_price').columns(['product_id', 'vendor_id', 'min_quantity']).execute();

  await withRowMeta(db, db.schema.createTable('product_vendor'))
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id'))
    .addColumn('warehouse_id', 'text', (c) => c.notNull().references('warehouse.id'))
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('partner.id'))
    .execute();
  await db.schema.createIndex('product_vendor_key').on('product_vendor').columns(['product_id', 'warehouse_id']).unique().execute();

  await withRowMeta(db, db.schema.createTable('purchase_category_policy'))
    .addColumn('category_id', 'text', (c) => c.notNull().unique().references('category.id'))
    .addColumn('requires_inspection', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await withRowMeta(db, db.schema.createTable('reorder_rule'))
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id'))
    .addColumn('warehouse_id', 'text', (c) => c.notNull().references('warehouse.id'))
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('min_max', 'demand')`))
    .addColumn('min_qty', big, (c) => c.notNull().defaultTo(0))
    .addColumn('max_qty', big, (c) => c.notNull().defaultTo(0))
    .addColumn('multiple', big, (c) => c.notNull().defaultTo(1).check(sql`multiple >= 1`))
    .addColumn('window_days', 'integer', (c) => c.notNull().defaultTo(90))
    .addColumn('service_level_bp', 'integer', (c) => c.notNull().defaultTo(9500))
    .addColumn('cover_days', 'integer', (c) => c.notNull().defaultTo(30))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('reorder_rule_key').on('reorder_rule').columns(['product_id', 'warehouse_id']).unique().execute();
  await db.schema.createIndex('reorder_rule_warehouse').on('reorder_rule').columns(['warehouse_id', 'active']).execute();

  await withRowMeta(db, db.schema.createTable('purchase_order'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('state', 'text', (c) =>
      c.notNull().check(sql`state in ('draft', 'to_approve', 'approved', 'sent', 'confirmed', 'partially_received', 'received', 'billed', 'done', 'cancelled')`),
    )
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('partner.id'))
    .addColumn('warehouse_id', 'text', (c) => c.notNull().references('warehouse.id'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('order_date', ts, (c) => c.notNull())
    .addColumn('expected_date', ts, (c) => c.notNull())
    .addColumn('urgent', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('total_minor', big, (c) => c.notNull().defaultTo(0))
    .addColumn('approvals_needed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('approved_by', 'text')
    .addColumn('approved2_by', 'text')
    .addColumn('sent_at', ts)
    .addColumn('confirmed_at', ts)
    .addColumn('vendor_reference', 'text')
    .addColumn('ship_to_partner_id', 'text')
    .addColumn('sales_order_id', 'text')
    .addColumn('run_id', 'text')
    .addColumn('notes', 'text')
    .addColumn('search_text', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('purchase_order_state').on('purchase_order').columns(['state', 'number']).execute();
  await db.schema.createIndex('purchase_order_vendor').on('purchase_order').columns(['vendor_id', 'state']).execute();

  await withRowMeta(db, db.schema.createTable('purchase_order_line'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('purchase_order.id'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id'))
    .addColumn('quantity', big, (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('unit_price_minor', big, (c) => c.notNull().check(sql`unit_price_minor >= 0`))
    .addColumn('subtotal_minor', big, (c) => c.notNull())
    .addColumn('unit_weight_g', big, (c) => c.notNull().defaultTo(0))
    .addColumn('qty_received', big, (c) => c.notNull().defaultTo(0))
    .addColumn('qty_rejected', big, (c) => c.notNull().defaultTo(0))
    .addColumn('qty_billed', big, (c) => c.notNull().defaultTo(0))
    .addColumn('needs_inspection', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reason', 'text')
    .execute();
  await db.schema.createIndex('purchase_order_line_order').on('purchase_order_line').columns(['order_id', 'line_no']).unique().execute();
  await db.schema.createIndex('purchase_order_line_product').on('purchase_order_line').columns(['product_id', 'order_id']).execute();

  // One row per quantity received on a PO line: the history vendor performance is computed from.
  await withRowMeta(db, db.schema.createTable('purchase_receipt_line'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('purchase_order.id'))
    .addColumn('order_line_id', 'text', (c) => c.notNull().references('purchase_order_line.id'))
    .addColumn('vendor_id', 'text', (c) => c.notNull())
    .addColumn('transfer_id', 'text')
    .addColumn('quantity', big, (c) => c.notNull())
    .addColumn('received_at', ts, (c) => c.notNull())
    .addColumn('on_time', 'integer', (c) => c.notNull())
    .addColumn('lead_days', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('purchase_receipt_line_vendor').on('purchase_receipt_line').columns(['vendor_id', 'received_at']).execute();
  await db.schema.createIndex('purchase_receipt_line_order').on('purchase_receipt_line').column('order_line_id').execute();

  await withRowMeta(db, db.schema.createTable('purchase_inspection'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('purchase_order.id'))
    .addColumn('order_line_id', 'text', (c) => c.notNull().references('purchase_order_line.id'))
    .addColumn('warehouse_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('quantity', big, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'done')`))
    .addColumn('passed', big, (c) => c.notNull().defaultTo(0))
    .addColumn('failed', big, (c) => c.notNull().defaultTo(0))
    .addColumn('note', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('return_transfer_id', 'text')
    .execute();
  await db.schema.createIndex('purchase_inspection_state').on('purchase_inspection').columns(['state', 'created_at']).execute();

  await withRowMeta(db, db.schema.createTable('landed_cost'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('purchase_order.id'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('freight', 'duty', 'insurance', 'other')`))
    .addColumn('method', 'text', (c) => c.notNull().check(sql`method in ('value', 'weight', 'quantity')`))
    .addColumn('amount_minor', big, (c) => c.notNull())
    .addColumn('capitalized_minor', big, (c) => c.notNull())
    .addColumn('expensed_minor', big, (c) => c.notNull())
    .execute();
  await withRowMeta(db, db.schema.createTable('landed_cost_line'))
    .addColumn('landed_cost_id', 'text', (c) => c.notNull().references('landed_cost.id'))
    .addColumn('order_line_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('allocated_minor', big, (c) => c.notNull())
    .addColumn('capitalized_minor', big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('landed_cost_line_cost').on('landed_cost_line').column('landed_cost_id').execute();

  await withRowMeta(db, db.schema.createTable('vendor_bill'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('partner.id'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('purchase_order.id'))
    .addColumn('vendor_reference', 'text', (c) => c.notNull())
    .addColumn('bill_date', 'text', (c) => c.notNull())
    .addColumn('due_date', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('unmatched', 'held', 'ready_to_pay', 'credit_requested', 'cancelled')`))
    .addColumn('total_minor', big, (c) => c.notNull())
    .addColumn('difference_minor', big, (c) => c.notNull().defaultTo(0))
    .addColumn('hold_reason', 'text')
    .addColumn('approved_by', 'text')
    .addColumn('approved_at', ts)
    .execute();
  // A vendor's reference is one bill: a second is refused by the database too.
  await db.schema.createIndex('vendor_bill_reference').on('vendor_bill').columns(['vendor_id', 'vendor_reference']).unique().execute();
  await db.schema.createIndex('vendor_bill_order').on('vendor_bill').columns(['order_id', 'state']).execute();
  await db.schema.createIndex('vendor_bill_state').on('vendor_bill').columns(['state', 'bill_date']).execute();

  await withRowMeta(db, db.schema.createTable('vendor_bill_line'))
    .addColumn('bill_id', 'text', (c) => c.notNull().references('vendor_bill.id'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('order_line_id', 'text', (c) => c.notNull().references('purchase_order_line.id'))
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('quantity', big, (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('unit_price_minor', big, (c) => c.notNull().check(sql`unit_price_minor >= 0`))
    .addColumn('subtotal_minor', big, (c) => c.notNull())
    .addColumn('po_price_minor', big, (c) => c.notNull())
    .addColumn('price_difference_minor', big, (c) => c.notNull().defaultTo(0))
    .addColumn('qty_short', big, (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('matched', 'price', 'quantity', 'unreceived')`))
    .execute();
  await db.schema.createIndex('vendor_bill_line_bill').on('vendor_bill_line').columns(['bill_id', 'line_no']).unique().execute();
  await db.schema.createIndex('vendor_bill_line_order_line').on('vendor_bill_line').column('order_line_id').execute();

  await withRowMeta(db, db.schema.createTable('replenishment_run'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('warehouse_id', 'text')
    .addColumn('dry_run', 'integer', (c) => c.notNull())
    .addColumn('products_checked', 'integer', (c) => c.notNull())
    .addColumn('proposals', 'integer', (c) => c.notNull())
    .addColumn('orders_created', 'integer', (c) => c.notNull())
    .addColumn('in_review', 'integer', (c) => c.notNull())
    .execute();

  await withRowMeta(db, db.schema.createTable('replenishment_proposal'))
    .addColumn('run_id', 'text', (c) => c.notNull().references('replenishment_run.id'))
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('warehouse_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('buy', 'transfer')`))
    .addColumn('vendor_id', 'text')
    .addColumn('source_warehouse_id', 'text')
    .addColumn('quantity', big, (c) => c.notNull())
    .addColumn('unit_price_minor', big, (c) => c.notNull().defaultTo(0))
    .addColumn('value_minor', big, (c) => c.notNull().defaultTo(0))
    .addColumn('projected', big, (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('exception', 'text', (c) => c.check(sql`exception in ('urgent', 'high_value', 'poor_vendor')`))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('proposed', 'review', 'ordered', 'transferred', 'rejected')`))
    .addColumn('order_id', 'text')
    .addColumn('transfer_id', 'text')
    .execute();
  await db.schema.createIndex('replenishment_proposal_state').on('replenishment_proposal').columns(['state', 'created_at']).execute();
  await db.schema.createIndex('replenishment_proposal_run').on('replenishment_proposal').column('run_id').execute();

  await withRowMeta(db, db.schema.createTable('purchase_attachment'))
    .addColumn('owner_kind', 'text', (c) => c.notNull().check(sql`owner_kind in ('purchase_order', 'receipt', 'vendor_bill')`))
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('mime_type', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    // Base64 in the row so it replicates like any other column.
    .addColumn('content_base64', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('purchase_attachment_owner').on('purchase_attachment').columns(['owner_kind', 'owner_id']).execute();

  // Replenishment reads daily demand over a window of days: a covering index on the move date
  // reads only that window instead of the whole ledger.
  await db.schema.createIndex('stock_move_moved_at').on('stock_move').columns(['moved_at', 'from_location_id', 'to_location_id', 'product_id', 'quantity']).execute();

  await installCaptureTriggers(db);
}
