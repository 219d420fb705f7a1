import { sql } from 'kysely';
import { installCaptureTriggers } from './0005_replication';
import { bigintType, type MigrationDb, timestampType, withRowMeta } from './helpers';

/**
 * Customer service and returns: teams with their inbound e-mail address, SLA policies and
 * assignment rules (central), tickets with their messages and attachments, RMAs and their
 * lines (branch documents), labelled texts for the reason classifier, and the local model it
 * trains. Invoices gain a credit-note flag, the invoice a credit note corrects and its reason.
 */
export async function up(db: MigrationDb): Promise<void> {
  const ts = timestampType(db);
  const big = bigintType(db);

  // Distinct names (not `kind`): finance may extend invoices in its own migration.
  await db.schema.alterTable('invoice').addColumn('is_credit_note', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('invoice').addColumn('credited_invoice_id', 'text').execute();
  await db.schema.alterTable('invoice').addColumn('credit_reason', 'text').execute();

  await withRowMeta(db, db.schema.createTable('service_team'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('inbound_email', 'text', (c) => c.unique())
    .addColumn('region', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await withRowMeta(db, db.schema.createTable('sla_policy'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('customer_class', 'text')
    .addColumn('ticket_type', 'text')
    .addColumn('first_response_minutes', 'integer', (c) => c.notNull().check(sql`first_response_minutes > 0`))
    .addColumn('resolution_minutes', 'integer', (c) => c.notNull().check(sql`resolution_minutes > 0`))
    .addColumn('warn_percent', 'integer', (c) => c.notNull().defaultTo(75))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await withRowMeta(db, db.schema.createTable('assignment_rule'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('ticket_type', 'text')
    .addColumn('region', 'text')
    .addColumn('team_id', 'text')
    /** JSON array of usernames served in turn (round-robin). */
    .addColumn('assignees', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(100))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await withRowMeta(db, db.schema.createTable('ticket'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) =>
      c.notNull().check(sql`type in ('failed_delivery', 'damaged_goods', 'wrong_item', 'invoice_dispute', 'return_request', 'general')`),
    )
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'waiting_customer', 'resolved', 'closed')`))
    .addColumn('priority', 'text', (c) => c.notNull().check(sql`priority in ('low', 'normal', 'high', 'urgent')`))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partner.id'))
    .addColumn('customer_class', 'text', (c) => c.notNull())
    .addColumn('region', 'text')
    .addColumn('order_id', 'text')
    .addColumn('delivery_id', 'text')
    .addColumn('invoice_id', 'text')
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('manual', 'email', 'event')`))
    .addColumn('source_event', 'text')
    .addColumn('email_message_id', 'text', (c) => c.unique())
    .addColumn('from_email', 'text')
    .addColumn('team_id', 'text')
    .addColumn('assignee', 'text')
    .addColumn('assignment_rule_id', 'text')
    .addColumn('sla_policy_id', 'text')
    .addColumn('first_response_due_at', ts)
    .addColumn('resolution_due_at', ts)
    .addColumn('resolution_warn_at', ts)
    .addColumn('first_responded_at', ts)
    .addColumn('paused_at', ts)
    .addColumn('paused_ms', big, (c) => c.notNull().defaultTo(0))
    .addColumn('resolved_at', ts)
    .addColumn('category', 'text')
    .addColumn('category_confidence_bp', 'integer')
    .addColumn('category_source', 'text')
    .addColumn('search_text', 'text', (c) => c.notNull())
    .execute();
  // The queue: open work by due time, per assignee, per type (filter + sort answered by an index).
  // Active work = not resolved (resolved_at IS NULL answers from the index in both databases);
  // tickets without an SLA carry a far-future due time so the sort needs no NULL handling.
  await db.schema.createIndex('ticket_active_due').on('ticket').columns(['resolved_at', 'resolution_due_at', 'id']).execute();
  await db.schema.createIndex('ticket_state_due').on('ticket').columns(['state', 'resolution_due_at', 'id']).execute();
  // Per assignee and per type within the active queue, in due order (the queue's common filters).
  // resolved_at leads so SQLite never skip-scans these (by type) for the unfiltered queue and sorts.
  await db.schema.createIndex('ticket_assignee_active_due').on('ticket').columns(['resolved_at', 'assignee', 'resolution_due_at', 'id']).execute();
  await db.schema.createIndex('ticket_type_active_due').on('ticket').columns(['resolved_at', 'type', 'resolution_due_at', 'id']).execute();
  await db.schema.createIndex('ticket_partner').on('ticket').columns(['partner_id', 'created_at']).execute();
  await db.schema.createIndex('ticket_rule').on('ticket').column('assignment_rule_id').execute();
  await db.schema.createIndex('ticket_order').on('ticket').column('order_id').execute();

  await withRowMeta(db, db.schema.createTable('ticket_message'))
    .addColumn('ticket_id', 'text', (c) => c.notNull().references('ticket.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('note', 'reply', 'inbound', 'system')`))
    .addColumn('author', 'text')
    .addColumn('to_address', 'text')
    .addColumn('subject', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    /** Replies wait here until a mailer sends them: queued → sent (the local notification outbox). */
    .addColumn('outbox_state', 'text')
    .execute();
  await db.schema.createIndex('ticket_message_ticket').on('ticket_message').columns(['ticket_id', 'created_at']).execute();
  await db.schema.createIndex('ticket_message_outbox').on('ticket_message').columns(['outbox_state', 'created_at']).execute();

  await withRowMeta(db, db.schema.createTable('ticket_attachment'))
    .addColumn('ticket_id', 'text', (c) => c.notNull().references('ticket.id'))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('content_base64', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ticket_attachment_ticket').on('ticket_attachment').column('ticket_id').execute();

  await withRowMeta(db, db.schema.createTable('rma'))
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('state', 'text', (c) =>
      c.notNull().check(sql`state in ('awaiting_approval', 'authorised', 'rejected', 'received', 'inspected', 'resolved', 'cancelled')`),
    )
    .addColumn('ticket_id', 'text')
    .addColumn('order_id', 'text', (c) => c.notNull().references('sales_order.id'))
    .addColumn('delivery_id', 'text')
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partner.id'))
    .addColumn('warehouse_id', 'text', (c) => c.notNull())
    .addColumn('channel_code', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('reason_category', 'text')
    .addColumn('delivered_at', ts)
    .addColumn('value_minor', big, (c) => c.notNull())
    .addColumn('approval_reason', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decision_note', 'text')
    .addColumn('instructions', 'text', (c) => c.notNull())
    .addColumn('receipt_transfer_id', 'text')
    .addColumn('resolution', 'text')
    .addColumn('credit_note_id', 'text')
    .addColumn('replacement_order_id', 'text')
    .addColumn('refund_minor', big, (c) => c.notNull().defaultTo(0))
    .addColumn('resolved_at', ts)
    .execute();
  await db.schema.createIndex('rma_state').on('rma').columns(['state', 'created_at']).execute();
  await db.schema.createIndex('rma_order').on('rma').column('order_id').execute();
  await db.schema.createIndex('rma_ticket').on('rma').column('ticket_id').execute();

  await withRowMeta(db, db.schema.createTable('rma_line'))
    .addColumn('rma_id', 'text', (c) => c.notNull().references('rma.id'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('order_line_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('quantity', big, (c) => c.notNull().check(sql`quantity > 0`))
    .addColumn('qty_received', big, (c) => c.notNull().defaultTo(0))
    .addColumn('unit_price_minor', big, (c) => c.notNull())
    .addColumn('unit_cost_minor', big, (c) => c.notNull())
    .addColumn('condition', 'text')
    .addColumn('disposition', 'text', (c) => c.check(sql`disposition in ('restock', 'scrap', 'return_to_vendor', 'repair')`))
    .addColumn('inspection_note', 'text')
    .addColumn('receipt_line_id', 'text')
    .execute();
  await db.schema.createIndex('rma_line_rma').on('rma_line').columns(['rma_id', 'line_no']).unique().execute();
  await db.schema.createIndex('rma_line_order_line').on('rma_line').column('order_line_id').execute();

  await withRowMeta(db, db.schema.createTable('classifier_example'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('history', 'agent', 'demo')`))
    .addColumn('ticket_id', 'text')
    .execute();
  await db.schema.createIndex('classifier_example_created').on('classifier_example').column('created_at').execute();

  // The trained model is derived from the examples: local to each install, never replicated.
  await db.schema
    .createTable('classifier_model')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('trained_at', ts, (c) => c.notNull())
    .addColumn('examples', 'integer', (c) => c.notNull())
    .addColumn('model_json', 'text', (c) => c.notNull())
    .execute();

  await installCaptureTriggers(db);
}
