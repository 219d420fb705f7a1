import { sql } from 'kysely';
import { bigintType, isPostgres, type MigrationDb } from './helpers';

/**
 * Reports: the return rate by the customer segments. `report_value_day` sums shipments and
 * returns per warehouse and day only, so return rate could not be cut by channel, customer
 * class or region. `report_flow_day` holds the same units shipped to and returned by customers
 * per day, warehouse, channel (the move's document's) and the customer's class and region (the
 * document's partner, as the refresh found it — like report_order_line). Derived and local
 * (not replicated), kept by engine/reports/refresh.ts from the same ledger chunks.
 *
 * Existing databases: the ledger cursor has already passed their moves, so this migration
 * fills the table from every move up to that cursor (one INSERT … SELECT); moves after it are
 * taken in by the next refresh step as usual.
 */
export async function up(db: MigrationDb): Promise<void> {
  const big = bigintType(db);
  await db.schema
    .createTable('report_flow_day')
    .addColumn('day_no', 'integer', (c) => c.notNull())
    .addColumn('warehouse_id', 'text', (c) => c.notNull())
    .addColumn('channel_code', 'text', (c) => c.notNull())
    .addColumn('customer_class', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('out_qty', big, (c) => c.notNull())
    .addColumn('return_qty', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('report_flow_day_pk', ['day_no', 'warehouse_id', 'channel_code', 'customer_class', 'region'])
    .execute();

  const cursor = (await sql<{ position: string }>`SELECT position FROM report_cursor WHERE name = 'stock_move'`.execute(db)).rows[0]?.position;
  if (!cursor) return;
  const day = isPostgres(db)
    ? sql.raw(`((m.moved_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01')`)
    : sql.raw(`CAST(julianday(substr(m.moved_at, 1, 10)) - 2440587.5 AS INTEGER)`);
  await sql`
    INSERT INTO report_flow_day (day_no, warehouse_id, channel_code, customer_class, region, out_qty, return_qty)
    SELECT day_no, warehouse_id, channel_code, customer_class, region, SUM(out_qty), SUM(return_qty) FROM (
      SELECT ${day} AS day_no, f.warehouse_id, COALESCE(tr.channel_code, 'none') AS channel_code, COALESCE(pa.customer_class, 'none') AS customer_class,
        COALESCE(pa.region, 'none') AS region, m.quantity AS out_qty, 0 AS return_qty
      FROM stock_move m JOIN location f ON f.id = m.from_location_id JOIN location t ON t.id = m.to_location_id
        LEFT JOIN transfer tr ON tr.id = m.transfer_id LEFT JOIN partner pa ON pa.id = tr.partner_id
      WHERE m.id <= ${cursor} AND f.usage = 'internal' AND f.warehouse_id IS NOT NULL AND t.usage = 'customer'
      UNION ALL
      SELECT ${day}, t.warehouse_id, COALESCE(tr.channel_code, 'none'), COALESCE(pa.customer_class, 'none'), COALESCE(pa.region, 'none'), 0, m.quantity
      FROM stock_move m JOIN location f ON f.id = m.from_location_id JOIN location t ON t.id = m.to_location_id
        LEFT JOIN transfer tr ON tr.id = m.transfer_id LEFT JOIN partner pa ON pa.id = tr.partner_id
      WHERE m.id <= ${cursor} AND t.usage = 'internal' AND t.warehouse_id IS NOT NULL AND f.usage = 'customer'
    ) x GROUP BY day_no, warehouse_id, channel_code, customer_class, region`.execute(db);
}
