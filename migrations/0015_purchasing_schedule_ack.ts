import { sql } from 'kysely';
import { installCaptureTriggers } from './0005_replication';
import { templateAccountId } from './0011_finance';
import { bigintType, type MigrationDb, timestampType, withRowMeta } from './helpers';

/**
 * Procure to pay, second part:
 *  - `replenishment_schedule`: the replenishment run at a time of day (UTC), for one warehouse
 *    or all; the host runs the due ones (`purchasing.replenish.runDue`);
 *  - `replenishment_run.dismissed_*`, `replenishment_proposal.dismiss_reason`: a run or a
 *    proposal dismissed by a buyer, and why;
 *  - `purchase_order_ack` / `purchase_order_ack_line`: the vendor's acknowledgement of an order
 *    (an inbound X12 855: BAK, then ACK per line — accepted, changed, rejected or backordered);
 *  - `landed_cost.entry_id` / `landed_cost.bill_*`: the landed cost's journal entry and the
 *    freight vendor's bill that clears it; the chart gets a landed-cost clearing account.
 */
export async function up(db: MigrationDb): Promise<void> {
  const ts = timestampType(db);
  const big = bigintType(db);

  await withRowMeta(db, db.schema.createTable('replenishment_schedule'))
    .addColumn('warehouse_id', 'text')
    .addColumn('time_of_day', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('next_run_at', ts, (c) => c.notNull())
    .addColumn('last_run_at', ts)
    .addColumn('last_run_id', 'text')
    .addColumn('last_result', 'text')
    .addColumn('set_by', 'text')
    .execute();
  await db.schema.createIndex('replenishment_schedule_due').on('replenishment_schedule').columns(['active', 'next_run_at']).execute();

  await db.schema.alterTable('replenishment_run').addColumn('schedule_id', 'text').execute();
  await db.schema.alterTable('replenishment_run').addColumn('dismissed_at', ts).execute();
  await db.schema.alterTable('replenishment_run').addColumn('dismissed_by', 'text').execute();
  await db.schema.alterTable('replenishment_run').addColumn('dismiss_reason', 'text').execute();
  await db.schema.alterTable('replenishment_proposal').addColumn('dismiss_reason', 'text').execute();

  await withRowMeta(db, db.schema.createTable('purchase_order_ack'))
    .addColumn('order_id', 'text', (c) => c.notNull().references('purchase_order.id'))
    .addColumn('control_number', 'text', (c) => c.notNull())
    .addColumn('ack_type', 'text', (c) => c.notNull())
    .addColumn('vendor_reference', 'text')
    .addColumn('ack_date', 'text')
    .addColumn('attachment_id', 'text')
    .addColumn('accepted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('changed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // The same 855 (order, interchange control number) is stored once.
  await db.schema.createIndex('purchase_order_ack_key').on('purchase_order_ack').columns(['order_id', 'control_number']).unique().execute();

  await withRowMeta(db, db.schema.createTable('purchase_order_ack_line'))
    .addColumn('ack_id', 'text', (c) => c.notNull().references('purchase_order_ack.id'))
    .addColumn('order_line_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('accepted', 'changed', 'rejected', 'backordered')`))
    .addColumn('ack_code', 'text', (c) => c.notNull())
    .addColumn('quantity', big, (c) => c.notNull())
    .addColumn('unit_price_minor', big)
    .addColumn('ship_date', 'text')
    .addColumn('note', 'text')
    .execute();
  await db.schema.createIndex('purchase_order_ack_line_ack').on('purchase_order_ack_line').column('ack_id').execute();

  await db.schema.alterTable('landed_cost').addColumn('entry_id', 'text').execute();
  await db.schema.alterTable('landed_cost').addColumn('bill_vendor_id', 'text').execute();
  await db.schema.alterTable('landed_cost').addColumn('bill_reference', 'text').execute();
  await db.schema.alterTable('landed_cost').addColumn('bill_entry_id', 'text').execute();

  // The chart template's landed-cost clearing account (installs made before it get it too).
  const taken = await db.selectFrom('account').select('id').where((eb) => eb.or([eb('code', '=', '2150'), eb('role', '=', 'landed_cost_clearing')])).executeTakeFirst();
  if (!taken) {
    const epoch = '2026-01-01T00:00:00.000Z';
    await db
      .insertInto('account')
      .values({ id: templateAccountId('2150'), branch_id: 'central', created_at: epoch, updated_at: epoch, version: 1, code: '2150', name: 'Landed cost clearing (freight, duty to be billed)', type: 'liability', role: 'landed_cost_clearing', reconcile: 0, active: 1 })
      .execute();
  }

  await installCaptureTriggers(db);
}
