import { bigintType, isPostgres, type MigrationDb, timestampType } from './helpers';

/**
 * Reports: derived, local tables (not replicated; each database rebuilds them from the
 * replicated facts). They are kept up to date incrementally from cursors by
 * `reports.refresh` (engine/reports/refresh.ts) and can be rebuilt from scratch at any time.
 *  - report_order_line: one row per customer order line (the first customer shipment's line
 *    and everything its backorders did for the same product), the grain of fill rate, OTIF,
 *    backorder rate, cycle time and channel margin.
 *  - report_delivery: which order (root delivery) each customer shipment belongs to.
 *  - report_stock_day: per product, warehouse and day, what crossed the warehouse's boundary
 *    (net on hand change, units shipped to and returned by customers, cost of goods sold).
 *  - report_receipt_line: vendor receipt lines with promised and done time (vendor on-time).
 *  - report_cursor: how far each refresh has read.
 *  - forecast_model: the model chosen per product and warehouse, its error and forecast.
 */
export async function up(db: MigrationDb): Promise<void> {
  const big = bigintType(db);
  const ts = timestampType(db);
  // PostgreSQL's real is single precision; measures need doubles.
  const dbl = isPostgres(db) ? 'double precision' : 'real';

  await db.schema
    .createTable('report_cursor')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('position', 'text', (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('report_delivery')
    .addColumn('transfer_id', 'text', (c) => c.primaryKey())
    .addColumn('root_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('report_delivery_root').on('report_delivery').columns(['root_id']).execute();

  await db.schema
    .createTable('report_order_line')
    .addColumn('root_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('root_number', 'text', (c) => c.notNull())
    .addColumn('origin', 'text')
    .addColumn('warehouse_id', 'text', (c) => c.notNull())
    .addColumn('partner_id', 'text')
    .addColumn('channel_code', 'text', (c) => c.notNull())
    .addColumn('customer_class', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    // Day of the first shipment (the period the line counts in): epoch day and 'YYYY-MM-DD'.
    .addColumn('day_no', 'integer', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('ordered_qty', big, (c) => c.notNull())
    .addColumn('first_qty', big, (c) => c.notNull())
    .addColumn('shipped_qty', big, (c) => c.notNull())
    .addColumn('backordered', 'integer', (c) => c.notNull())
    // 1 once nothing of the line is still waiting (all shipped, or the rest cancelled).
    .addColumn('finished', 'integer', (c) => c.notNull())
    .addColumn('order_ms', big)
    .addColumn('promised_ms', big)
    .addColumn('first_ship_ms', big, (c) => c.notNull())
    .addColumn('last_ship_ms', big, (c) => c.notNull())
    .addColumn('revenue_minor', big, (c) => c.notNull())
    .addColumn('cogs_minor', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('report_order_line_pk', ['root_id', 'product_id'])
    .execute();
  // Covering the dashboard aggregates: period first, then the segment columns and the measures.
  await db.schema
    .createIndex('report_order_line_day')
    .on('report_order_line')
    .columns(['day_no', 'warehouse_id', 'channel_code', 'customer_class', 'region', 'ordered_qty', 'first_qty', 'backordered', 'revenue_minor', 'cogs_minor'])
    .execute();

  // One row per order (root delivery): OTIF and cycle time per order.
  await db.schema
    .createTable('report_order')
    .addColumn('root_id', 'text', (c) => c.primaryKey())
    .addColumn('day_no', 'integer', (c) => c.notNull())
    .addColumn('warehouse_id', 'text', (c) => c.notNull())
    .addColumn('channel_code', 'text', (c) => c.notNull())
    .addColumn('customer_class', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('finished', 'integer', (c) => c.notNull())
    .addColumn('otif', 'integer', (c) => c.notNull())
    .addColumn('cycle_hours', dbl)
    .execute();
  await db.schema.createIndex('report_order_day_cycle').on('report_order').columns(['day_no', 'warehouse_id', 'channel_code', 'customer_class', 'region', 'cycle_hours']).execute();

  // The dashboards' rollup: order lines and orders summed per day and segment (a few rows per
  // day instead of hundreds), kept by the same refresh that writes the lines.
  await db.schema
    .createTable('report_order_day')
    .addColumn('day_no', 'integer', (c) => c.notNull())
    .addColumn('warehouse_id', 'text', (c) => c.notNull())
    .addColumn('channel_code', 'text', (c) => c.notNull())
    .addColumn('customer_class', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('lines', big, (c) => c.notNull())
    .addColumn('complete_first', big, (c) => c.notNull())
    .addColumn('first_qty', big, (c) => c.notNull())
    .addColumn('ordered_qty', big, (c) => c.notNull())
    .addColumn('backordered', big, (c) => c.notNull())
    .addColumn('revenue_minor', big, (c) => c.notNull())
    .addColumn('cogs_minor', big, (c) => c.notNull())
    .addColumn('orders', big, (c) => c.notNull())
    .addColumn('orders_finished', big, (c) => c.notNull())
    .addColumn('orders_otif', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('report_order_day_pk', ['day_no', 'warehouse_id', 'channel_code', 'customer_class', 'region'])
    .execute();

  // Product-days on which a first shipment was short (stockout frequency's numerator).
  await db.schema
    .createTable('report_short_day')
    .addColumn('warehouse_id', 'text', (c) => c.notNull())
    .addColumn('day_no', 'integer', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('report_short_day_pk', ['warehouse_id', 'day_no', 'product_id'])
    .execute();

  // Per warehouse and day: stock changes in units and at the moves' unit cost, shipments, returns, COGS.
  await db.schema
    .createTable('report_value_day')
    .addColumn('warehouse_id', 'text', (c) => c.notNull())
    .addColumn('day_no', 'integer', (c) => c.notNull())
    .addColumn('net_qty', big, (c) => c.notNull())
    .addColumn('net_value_minor', big, (c) => c.notNull())
    .addColumn('out_qty', big, (c) => c.notNull())
    .addColumn('return_qty', big, (c) => c.notNull())
    .addColumn('cogs_minor', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('report_value_day_pk', ['warehouse_id', 'day_no'])
    .execute();

  await db.schema
    .createTable('report_stock_day')
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('warehouse_id', 'text', (c) => c.notNull())
    .addColumn('day_no', 'integer', (c) => c.notNull())
    .addColumn('net_qty', big, (c) => c.notNull())
    .addColumn('out_qty', big, (c) => c.notNull())
    .addColumn('return_qty', big, (c) => c.notNull())
    .addColumn('cogs_minor', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('report_stock_day_pk', ['product_id', 'warehouse_id', 'day_no'])
    .execute();
  await db.schema.createIndex('report_stock_day_day').on('report_stock_day').columns(['day_no', 'warehouse_id', 'out_qty', 'return_qty', 'cogs_minor']).execute();

  await db.schema
    .createTable('report_receipt_line')
    .addColumn('line_id', 'text', (c) => c.primaryKey())
    .addColumn('transfer_id', 'text', (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('warehouse_id', 'text', (c) => c.notNull())
    .addColumn('partner_id', 'text')
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('day_no', 'integer', (c) => c.notNull())
    .addColumn('promised_ms', big)
    .addColumn('done_ms', big, (c) => c.notNull())
    .addColumn('on_time', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('report_receipt_line_day').on('report_receipt_line').columns(['day_no', 'warehouse_id', 'on_time']).execute();

  await db.schema
    .createTable('forecast_model')
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('warehouse_id', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('pattern', 'text', (c) => c.notNull())
    .addColumn('mase', dbl)
    .addColumn('wape', dbl)
    .addColumn('naive_mase', dbl)
    .addColumn('naive_wape', dbl)
    .addColumn('holdout_abs_error', dbl, (c) => c.notNull())
    .addColumn('holdout_naive_abs_error', dbl, (c) => c.notNull())
    .addColumn('holdout_actual', dbl, (c) => c.notNull())
    .addColumn('residual_mad', dbl, (c) => c.notNull())
    .addColumn('error_sd', dbl, (c) => c.notNull())
    .addColumn('mean_demand', dbl, (c) => c.notNull())
    .addColumn('last_week_no', 'integer', (c) => c.notNull())
    .addColumn('last_actual', dbl, (c) => c.notNull())
    .addColumn('last_expected', dbl, (c) => c.notNull())
    .addColumn('forecast', 'text', (c) => c.notNull())
    .addColumn('computed_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('forecast_model_pk', ['product_id', 'warehouse_id'])
    .execute();

  // Backorder chains are walked by their link (the engine had no index on it).
  await db.schema.createIndex('transfer_backorder_of').on('transfer').columns(['backorder_of_id']).execute();
  // The refresh reads finished documents after its cursor (updated_at, id).
  await db.schema.createIndex('transfer_updated').on('transfer').columns(['updated_at', 'id']).execute();
  // Open customer deliveries by promised date (the late-order warning).
  await db.schema.createIndex('transfer_state_promised').on('transfer').columns(['state', 'kind', 'promised_date']).execute();
}
