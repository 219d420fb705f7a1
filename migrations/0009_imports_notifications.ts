import { sql } from 'kysely';
import { installCaptureTriggers } from './0005_replication';
import { bigintType, type MigrationDb, timestampType, withRowMeta } from './helpers';

/**
 * Order imports (CSV/XLSX/JSON/EDI X12) and customer notifications.
 *  - import_batch / import_order: the local work queue of the install that ran an import
 *    (a file's parsed orders and each one's outcome); not replicated — a 10,000-order file
 *    must not become one giant mutation. What an import creates replicates.
 *  - import_key: the idempotency ledger (marketplace order id, EDI interchange + set, file
 *    hash) → the order it made; replicated, so another install of the branch sees it.
 *  - import_mapping: a channel's column mapping; sku_alias: a partner's or channel's item
 *    code mapped to a product (how an unknown SKU is mapped).
 *  - edi_document: outbound 855/856 documents; notification_template / notification: the
 *    editable templates and the notification outbox.
 */
export async function up(db: MigrationDb): Promise<void> {
  const ts = timestampType(db);
  const big = bigintType(db);

  await withRowMeta(db, db.schema.createTable('import_batch'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('orders', 'edi')`))
    .addColumn('format', 'text', (c) => c.notNull().check(sql`format in ('csv', 'xlsx', 'json', 'x12')`))
    .addColumn('channel_code', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('file_sha256', 'text', (c) => c.notNull())
    .addColumn('file_bytes', big, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('staged', 'running', 'done', 'cancelled')`))
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('finished_at', ts)
    .execute();
  await db.schema.createIndex('import_batch_sha').on('import_batch').column('file_sha256').execute();
  await db.schema.createIndex('import_batch_created').on('import_batch').column('created_at').execute();

  await withRowMeta(db, db.schema.createTable('import_order'))
    .addColumn('batch_id', 'text', (c) => c.notNull().references('import_batch.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('idem_key', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'accepted', 'held', 'rejected', 'duplicate', 'cancelled')`))
    .addColumn('hold_kind', 'text')
    .addColumn('message', 'text')
    .addColumn('errors', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('unmapped', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text')
    .addColumn('order_number', 'text')
    .execute();
  await db.schema.createIndex('import_order_batch').on('import_order').columns(['batch_id', 'status', 'seq']).execute();
  await db.schema.createIndex('import_order_order').on('import_order').column('order_id').execute();

  await withRowMeta(db, db.schema.createTable('import_key'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('order_number', 'text', (c) => c.notNull())
    .execute();
  // Not unique: two branches may import the same order offline; the engine checks before writing.
  await db.schema.createIndex('import_key_key').on('import_key').column('key').execute();

  await withRowMeta(db, db.schema.createTable('import_mapping'))
    .addColumn('channel_code', 'text', (c) => c.notNull())
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('delimiter', 'text', (c) => c.notNull())
    .addColumn('price_tolerance_bp', 'integer', (c) => c.notNull())
    .addColumn('paid', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('import_mapping_channel').on('import_mapping').columns(['channel_code', 'updated_at']).execute();

  await withRowMeta(db, db.schema.createTable('sku_alias'))
    .addColumn('channel_code', 'text', (c) => c.notNull())
    .addColumn('partner_id', 'text')
    .addColumn('external_sku', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull().references('product.id'))
    .execute();
  await db.schema.createIndex('sku_alias_lookup').on('sku_alias').columns(['external_sku', 'channel_code']).execute();

  await withRowMeta(db, db.schema.createTable('edi_document'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('855', '856')`))
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('control_number', 'text', (c) => c.notNull())
    .addColumn('partner_id', 'text', (c) => c.notNull())
    /** The delivery transfer an 856 reports (one notice per shipment). */
    .addColumn('reference', 'text')
    .addColumn('content', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('edi_document_order').on('edi_document').columns(['order_id', 'kind']).execute();

  await withRowMeta(db, db.schema.createTable('notification_template'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notification_template_kind').on('notification_template').columns(['kind', 'updated_at']).execute();

  await withRowMeta(db, db.schema.createTable('notification'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text')
    .addColumn('partner_id', 'text')
    .addColumn('dedupe_key', 'text')
    .addColumn('to_address', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('queued', 'sent', 'failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('sent_at', ts)
    .execute();
  await db.schema.createIndex('notification_state').on('notification').columns(['state', 'created_at']).execute();
  await db.schema.createIndex('notification_dedupe').on('notification').column('dedupe_key').execute();

  await installCaptureTriggers(db);
}

export async function down(db: MigrationDb): Promise<void> {
  for (const t of ['notification', 'notification_template', 'edi_document', 'sku_alias', 'import_mapping', 'import_key', 'import_order', 'import_batch']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
