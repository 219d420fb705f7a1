import { sql } from 'kysely';
import { installCaptureTriggers } from './0005_replication';
import type { MigrationDb } from './helpers';

/**
 * Service, second round:
 *  - one outbox: ticket replies go through the customer notification outbox (`notification`,
 *    which gains `ticket_id`); a reply message points at its notification. The old local
 *    outbox (`ticket_message.outbox_state`) is migrated away: every reply already written
 *    becomes a notification (queued ones stay queued, the rest count as sent) and the column
 *    is emptied (kept, always null, so older branches' change rows still apply);
 *  - returns of lot/serial-tracked products: an RMA line names the lot (or serial) delivered;
 *  - a refund links the payment that paid the money back.
 */
export async function up(db: MigrationDb): Promise<void> {
  await db.schema.alterTable('notification').addColumn('ticket_id', 'text').execute();
  await db.schema.createIndex('notification_ticket').on('notification').column('ticket_id').execute();
  await db.schema.alterTable('ticket_message').addColumn('notification_id', 'text').execute();
  await db.schema.alterTable('rma_line').addColumn('lot_id', 'text').execute();
  await db.schema.alterTable('rma').addColumn('refund_payment_id', 'text').execute();

  // The reply's notification takes the message's id (unique per table, the same at every
  // install that migrates the row, so replication sees one notification, not two).
  await sql`INSERT INTO notification (id, branch_id, created_at, updated_at, version, kind, order_id, partner_id, dedupe_key, to_address, subject, body, state, attempts, last_error, sent_at, ticket_id)
    SELECT m.id, m.branch_id, m.created_at, m.updated_at, 1, 'ticket_reply', t.order_id, t.partner_id, 'ticket_reply:' || m.id, m.to_address, COALESCE(m.subject, 'Re: [' || t.number || '] ' || t.subject), m.body,
      CASE WHEN m.outbox_state = 'queued' THEN 'queued' ELSE 'sent' END, 0, NULL, CASE WHEN m.outbox_state = 'queued' THEN NULL ELSE m.updated_at END, m.ticket_id
    FROM ticket_message m JOIN ticket t ON t.id = m.ticket_id
    WHERE m.kind = 'reply' AND NOT EXISTS (SELECT 1 FROM notification n WHERE n.id = m.id)`.execute(db);
  await sql`UPDATE ticket_message SET notification_id = id, outbox_state = NULL WHERE kind = 'reply'`.execute(db);
  await sql`UPDATE ticket_message SET outbox_state = NULL WHERE outbox_state IS NOT NULL`.execute(db);
  await db.schema.dropIndex('ticket_message_outbox').ifExists().execute();

  await installCaptureTriggers(db);
}
