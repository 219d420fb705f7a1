/** Row types of the notification tables, merged into the engine's `Database` (see partners/schema.ts). */
import type { RowMeta } from '../platform/schema';

export interface NotificationTemplateTable extends RowMeta {
  kind: string;
  subject: string;
  body: string;
}

export interface NotificationTable extends RowMeta {
  kind: string;
  order_id: string | null;
  partner_id: string | null;
  /** A reply on a service ticket (the ticket's messages point back with `notification_id`). */
  ticket_id: string | null;
  /** One notification per event (e.g. `shipment:<transfer id>`), so a re-run queues nothing twice. */
  dedupe_key: string | null;
  to_address: string | null;
  subject: string;
  body: string;
  state: 'queued' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
  sent_at: string | null;
}

declare module '../platform/schema' {
  interface Database {
    notification_template: NotificationTemplateTable;
    notification: NotificationTable;
  }
}
