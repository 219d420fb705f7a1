/** Row types of the service tables, merged into the engine's `Database` (see partners/schema.ts). */
import type { RowMeta } from '../platform/schema';

export interface ServiceTeamTable extends RowMeta {
  code: string;
  name: string;
  inbound_email: string | null;
  region: string | null;
  active: number;
}

export interface SlaPolicyTable extends RowMeta {
  name: string;
  customer_class: string | null;
  ticket_type: string | null;
  first_response_minutes: number;
  resolution_minutes: number;
  warn_percent: number;
  active: number;
}

export interface AssignmentRuleTable extends RowMeta {
  name: string;
  ticket_type: string | null;
  region: string | null;
  team_id: string | null;
  /** JSON array of usernames. */
  assignees: string;
  position: number;
  active: number;
}

export interface TicketTable extends RowMeta {
  number: string;
  type: string;
  state: 'open' | 'waiting_customer' | 'resolved' | 'closed';
  priority: 'low' | 'normal' | 'high' | 'urgent';
  subject: string;
  description: string;
  partner_id: string;
  customer_class: string;
  region: string | null;
  order_id: string | null;
  delivery_id: string | null;
  invoice_id: string | null;
  source: 'manual' | 'email' | 'event';
  source_event: string | null;
  email_message_id: string | null;
  from_email: string | null;
  team_id: string | null;
  assignee: string | null;
  assignment_rule_id: string | null;
  sla_policy_id: string | null;
  first_response_due_at: string | null;
  resolution_due_at: string | null;
  resolution_warn_at: string | null;
  first_responded_at: string | null;
  paused_at: string | null;
  paused_ms: number;
  resolved_at: string | null;
  category: string | null;
  category_confidence_bp: number | null;
  category_source: string | null;
  search_text: string;
}

export interface TicketMessageTable extends RowMeta {
  ticket_id: string;
  kind: 'note' | 'reply' | 'inbound' | 'system';
  author: string | null;
  to_address: string | null;
  subject: string | null;
  body: string;
  /** Legacy local outbox, migrated away in 0017 (always null): replies live in `notification`. */
  outbox_state: string | null;
  /** A reply's notification in the customer notification outbox. */
  notification_id: string | null;
}

export interface TicketAttachmentTable extends RowMeta {
  ticket_id: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  content_base64: string;
}

export interface RmaTable extends RowMeta {
  number: string;
  state: 'awaiting_approval' | 'authorised' | 'rejected' | 'received' | 'inspected' | 'resolved' | 'cancelled';
  ticket_id: string | null;
  order_id: string;
  delivery_id: string | null;
  partner_id: string;
  warehouse_id: string;
  channel_code: string;
  reason: string;
  reason_category: string | null;
  delivered_at: string | null;
  value_minor: number;
  approval_reason: string | null;
  decided_by: string | null;
  decision_note: string | null;
  instructions: string;
  receipt_transfer_id: string | null;
  resolution: string | null;
  credit_note_id: string | null;
  replacement_order_id: string | null;
  refund_minor: number;
  /** The outgoing payment of a refund (finance `payment`). */
  refund_payment_id: string | null;
  resolved_at: string | null;
}

export interface RmaLineTable extends RowMeta {
  rma_id: string;
  line_no: number;
  order_line_id: string;
  product_id: string;
  quantity: number;
  qty_received: number;
  unit_price_minor: number;
  unit_cost_minor: number;
  condition: string | null;
  disposition: 'restock' | 'scrap' | 'return_to_vendor' | 'repair' | null;
  inspection_note: string | null;
  receipt_line_id: string | null;
  /** The lot (or serial number) returned, for lot/serial-tracked products. */
  lot_id: string | null;
}

export interface ClassifierExampleTable extends RowMeta {
  text: string;
  category: string;
  source: 'history' | 'agent' | 'demo';
  ticket_id: string | null;
}

export interface ClassifierModelTable {
  name: string;
  trained_at: string;
  examples: number;
  model_json: string;
}

declare module '../platform/schema' {
  interface Database {
    service_team: ServiceTeamTable;
    sla_policy: SlaPolicyTable;
    assignment_rule: AssignmentRuleTable;
    ticket: TicketTable;
    ticket_message: TicketMessageTable;
    ticket_attachment: TicketAttachmentTable;
    rma: RmaTable;
    rma_line: RmaLineTable;
    classifier_example: ClassifierExampleTable;
    classifier_model: ClassifierModelTable;
  }
}

declare module '../sales/schema' {
  interface InvoiceTable {
    is_credit_note?: number;
    credited_invoice_id?: string | null;
    credit_reason?: string | null;
  }
}
