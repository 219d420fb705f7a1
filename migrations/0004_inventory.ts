import { sql } from 'kysely';
import { bigintType, makeAppendOnly, type MigrationDb, timestampType, withRowMeta } from './helpers';

/**
 * The stock model: locations, lots, the append-only move ledger, the stock level summary
 * (kept equal to the ledger in the same transaction), reservations, transfers and their
 * lines, operation types, waves, cycle counts, valuation and document series.
 */
export async function up(db: MigrationDb): Promise<void> {
  const ts = timestampType(db);
  const big = bigintType(db);

  for (const [col, def] of [
    ['reception_steps', 1],
    ['delivery_steps', 1],
    ['allow_negative', 0],
  ] as const) {
    await db.schema.alterTable('warehouse').addColumn(col, 'integer', (c) => c.notNull().defaultTo(def)).execute();
  }
  await db.schema.alterTable('category').addColumn('removal_strategy', 'text', (c) => c.notNull().defaultTo('fifo')).execute();
  await db.schema.alterTable('category').addColumn('costing_method', 'text', (c) => c.notNull().defaultTo('avco')).execute();
  await db.schema.alterTable('product').addColumn('abc_class', 'text').execute();

  await withRowMeta(db, db.schema.createTable('document_series'))
    .addColumn('prefix', 'text', (c) => c.notNull().unique())
    .addColumn('next_number', big, (c) => c.notNull().defaultTo(1))
    .execute();

  await withRowMeta(db, db.schema.createTable('location'))
    .addColumn('warehouse_id', 'text', (c) => c.references('warehouse.id'))
    .addColumn('parent_id', 'text', (c) => c.references('location.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull().unique())
    .addColumn('usage', 'text', (c) => c.notNull().check(sql`usage in ('view', 'internal', 'vendor', 'customer', 'inventory_loss', 'scrap', 'transit')`))
    .addColumn('zone', 'text', (c) => c.check(sql`zone in ('stock', 'input', 'quality', 'pack', 'output', 'returns')`))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('location_warehouse_zone').on('location').columns(['warehouse_id', 'zone']).execute();

  await withRowMeta(db, db.schema.createTable('lot'))
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('expiry_date', 'text')
    .execute();
  await db.schema.createIndex('lot_product_name').on('lot').columns(['product_id', 'name']).unique().execute();

  await withRowMeta(db, db.schema.createTable('operation_type'))
    .addColumn('warehouse_id', 'text', (c) => c.notNull().references('warehouse.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('receipt', 'delivery', 'internal', 'pick', 'pack', 'quality', 'transit_out', 'transit_in')`))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('default_from_location_id', 'text', (c) => c.notNull().references('location.id'))
    .addColumn('default_to_location_id', 'text', (c) => c.notNull().references('location.id'))
    .addColumn('reservation_method', 'text', (c) => c.notNull().defaultTo('at_confirm').check(sql`reservation_method in ('at_confirm', 'manual', 'before_days')`))
    .addColumn('reservation_days', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('operation_type_code').on('operation_type').columns(['warehouse_id', 'code']).unique().execute();

  await withRowMeta(db, db.schema.createTable('wave'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('warehouse_id', 'text', (c) => c.notNull().references('warehouse.id'))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'done', 'cancelled')`))
    .addColumn('carrier', 'text')
    .addColumn('zone', 'text')
    .addColumn('cutoff_before', ts)
    .execute();

  await withRowMeta(db, db.schema.createTable('transfer'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('operation_type_id', 'text', (c) => c.notNull().references('operation_type.id'))
    .addColumn('warehouse_id', 'text', (c) => c.notNull().references('warehouse.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('draft', 'waiting', 'ready', 'done', 'cancelled')`))
    .addColumn('from_location_id', 'text', (c) => c.notNull().references('location.id'))
    .addColumn('to_location_id', 'text', (c) => c.notNull().references('location.id'))
    .addColumn('partner_id', 'text', (c) => c.references('partner.id'))
    .addColumn('origin', 'text')
    .addColumn('channel_code', 'text')
    // Allocation order: lower rank first (channel priority, then customer class).
    .addColumn('priority_rank', 'integer', (c) => c.notNull().defaultTo(100))
    .addColumn('promised_date', ts)
    .addColumn('order_date', ts)
    .addColumn('scheduled_date', ts, (c) => c.notNull())
    .addColumn('shipping_policy', 'text', (c) => c.notNull().defaultTo('asap').check(sql`shipping_policy in ('asap', 'all')`))
    .addColumn('carrier', 'text')
    .addColumn('carrier_cutoff', ts)
    .addColumn('order_value_minor', big, (c) => c.notNull().defaultTo(0))
    // Links between transfers of one flow are soft (no foreign key): replication writes a
    // page of rows at a time, and a link may point at a row of a later page.
    .addColumn('backorder_of_id', 'text')
    .addColumn('linked_transfer_id', 'text')
    .addColumn('wave_id', 'text', (c) => c.references('wave.id'))
    .addColumn('backorder_reason', 'text')
    .addColumn('done_at', ts)
    .execute();
  await db.schema.createIndex('transfer_state_kind').on('transfer').columns(['warehouse_id', 'state', 'kind', 'scheduled_date']).execute();
  await db.schema.createIndex('transfer_wave').on('transfer').columns(['wave_id']).execute();

  await withRowMeta(db, db.schema.createTable('transfer_line'))
    .addColumn('transfer_id', 'text', (c) => c.notNull().references('transfer.id'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id'))
    .addColumn('uom_id', 'text', (c) => c.notNull().references('uom.id'))
    .addColumn('uom_quantity', 'integer', (c) => c.notNull())
    // In the product's stock unit.
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('quantity_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('from_location_id', 'text', (c) => c.notNull().references('location.id'))
    .addColumn('to_location_id', 'text', (c) => c.notNull().references('location.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('unit_cost_minor', big)
    .addColumn('origin_line_id', 'text')
    // The line of the next step in a multi-step flow (pick → pack → ship), which gets what this one moves.
    .addColumn('next_line_id', 'text')
    .execute();
  await db.schema.createIndex('transfer_line_transfer').on('transfer_line').columns(['transfer_id', 'line_no']).execute();
  await db.schema.createIndex('transfer_line_product_state').on('transfer_line').columns(['product_id', 'state']).execute();
  await db.schema.createIndex('transfer_line_origin').on('transfer_line').columns(['origin_line_id']).execute();

  await withRowMeta(db, db.schema.createTable('stock_move'))
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id'))
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('from_location_id', 'text', (c) => c.notNull().references('location.id'))
    .addColumn('to_location_id', 'text', (c) => c.notNull().references('location.id'))
    .addColumn('lot_id', 'text', (c) => c.references('lot.id'))
    .addColumn('moved_at', ts, (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    // No foreign key to the transfer: the ledger is shared by every branch, its documents are
    // private to the branch that made them.
    .addColumn('transfer_id', 'text')
    .addColumn('transfer_line_id', 'text')
    .addColumn('unit_cost_minor', big, (c) => c.notNull())
    // Signed change of the company's stock value: + entering owned stock, - leaving it, 0 inside.
    .addColumn('value_minor', big, (c) => c.notNull())
    .addColumn('reversal_of_id', 'text')
    .addColumn('reason', 'text')
    .execute();
  await db.schema.createIndex('stock_move_product_at').on('stock_move').columns(['product_id', 'moved_at']).execute();
  await db.schema.createIndex('stock_move_transfer').on('stock_move').columns(['transfer_id']).execute();
  await makeAppendOnly(db, 'stock_move');

  // The summary: one row per (product, location, lot). lot_key is '' when untracked so the unique key works on both databases.
  await db.schema
    .createTable('stock_level')
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id'))
    .addColumn('location_id', 'text', (c) => c.notNull().references('location.id'))
    .addColumn('lot_key', 'text', (c) => c.notNull())
    .addColumn('warehouse_id', 'text')
    .addColumn('on_hand', big, (c) => c.notNull().defaultTo(0))
    .addColumn('reserved', big, (c) => c.notNull().defaultTo(0).check(sql`reserved >= 0`))
    .addColumn('incoming', big, (c) => c.notNull().defaultTo(0).check(sql`incoming >= 0`))
    .addColumn('outgoing', big, (c) => c.notNull().defaultTo(0).check(sql`outgoing >= 0`))
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('stock_level_pk', ['product_id', 'location_id', 'lot_key'])
    .execute();
  await db.schema.createIndex('stock_level_product_warehouse').on('stock_level').columns(['product_id', 'warehouse_id', 'on_hand', 'reserved']).execute();
  await db.schema.createIndex('stock_level_location').on('stock_level').columns(['location_id', 'product_id']).execute();

  await withRowMeta(db, db.schema.createTable('reservation'))
    .addColumn('transfer_line_id', 'text', (c) => c.notNull().references('transfer_line.id'))
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id'))
    .addColumn('location_id', 'text', (c) => c.notNull().references('location.id'))
    .addColumn('lot_key', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
    .execute();
  await db.schema.createIndex('reservation_line').on('reservation').columns(['transfer_line_id']).execute();
  await db.schema.createIndex('reservation_stock').on('reservation').columns(['product_id', 'location_id', 'lot_key']).execute();

  // Company-wide valuation per product: AVCO keeps quantity and value; the average is value / quantity.
  await db.schema
    .createTable('product_valuation')
    .addColumn('product_id', 'text', (c) => c.primaryKey().references('product.id'))
    .addColumn('quantity', big, (c) => c.notNull())
    .addColumn('value_minor', big, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();
  // FIFO layers, for categories valued FIFO: each receipt is a layer consumed oldest first.
  await withRowMeta(db, db.schema.createTable('valuation_layer'))
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id'))
    .addColumn('move_id', 'text', (c) => c.notNull().references('stock_move.id'))
    .addColumn('remaining_quantity', big, (c) => c.notNull())
    .addColumn('remaining_value_minor', big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('valuation_layer_open').on('valuation_layer').columns(['product_id', 'remaining_quantity', 'created_at']).execute();

  await withRowMeta(db, db.schema.createTable('cycle_count'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('warehouse_id', 'text', (c) => c.notNull().references('warehouse.id'))
    .addColumn('location_id', 'text', (c) => c.notNull().references('location.id'))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'awaiting_approval', 'posted', 'cancelled')`))
    .addColumn('scheduled_date', ts, (c) => c.notNull())
    .addColumn('abc_class', 'text')
    .addColumn('approved_by', 'text')
    .addColumn('posted_at', ts)
    .execute();
  // One open count per location: a second count on a held location is refused by the database too.
  const openCount = sql`state in ('open', 'awaiting_approval')`;
  await sql`CREATE UNIQUE INDEX cycle_count_open_location ON cycle_count (location_id) WHERE ${openCount}`.execute(db);

  await withRowMeta(db, db.schema.createTable('count_line'))
    .addColumn('count_id', 'text', (c) => c.notNull().references('cycle_count.id'))
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id'))
    .addColumn('location_id', 'text', (c) => c.notNull().references('location.id'))
    .addColumn('lot_key', 'text', (c) => c.notNull())
    .addColumn('expected_quantity', big, (c) => c.notNull())
    .addColumn('counted_quantity', big)
    .addColumn('unit_cost_minor', big, (c) => c.notNull().defaultTo(0))
    .addColumn('reason', 'text')
    .execute();
  await db.schema.createIndex('count_line_count').on('count_line').columns(['count_id']).execute();
}
